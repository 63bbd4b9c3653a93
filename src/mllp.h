/* MLLP (HL7's Minimal Lower Layer Protocol): each message framed as <VT> message <FS><CR>
 * on a TCP connection. A listener thread that answers each frame through a handler, and a
 * client that sends one message and waits for its answer. Owner: src/mllp.c */
#ifndef SMSDESK_MLLP_H
#define SMSDESK_MLLP_H
#include <stddef.h>

#define MLLP_SB 0x0b
#define MLLP_EB 0x1c
#define MLLP_CR 0x0d
#define MLLP_MAX_CLIENTS 16

/* "127.0.0.1:2575", "localhost:2575", "[::1]:2575" -> host and port. -1 with *err. */
int mllp_parse_addr(const char *addr, char *host, size_t hostlen, unsigned short *port, char **err);

/* Answers one message (len bytes, not NUL-terminated): returns the reply (malloc'd, sent
 * framed), or NULL to send nothing. Called on the listener's thread, one frame at a time. */
typedef char *(*mllp_handler_fn)(void *ctx, const char *msg, size_t len);

struct mllp_server;
/* Listens on addr (port 0: any free port) and serves connections on a thread of its own. */
int mllp_server_start(const char *addr, mllp_handler_fn fn, void *ctx, struct mllp_server **out, char **err);
unsigned short mllp_server_port(const struct mllp_server *srv);
/* Stops the thread (after the frame in hand), closes every connection, frees. */
void mllp_server_stop(struct mllp_server **srvp);

/* Connects to addr, sends msg framed and reads one framed answer within timeout_ms
 * (*answer malloc'd, NUL-terminated). -1 with *err on any network or framing failure. */
int mllp_exchange(const char *addr, const char *msg, size_t len, int timeout_ms, char **answer, size_t *alen,
		  char **err);

#endif
