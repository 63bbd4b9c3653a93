/* libmicrohttpd (the loopback simulator's HTTP server) loaded on first use. Owner: src/mhdload.c
 *
 * It brings GnuTLS and eight more libraries whose loading and constructors cost ~6 ms of CPU
 * at every exec, for `smsdesk sim` and the demo only. The simulator's files include this
 * header instead of <microhttpd.h>; the first MHD_* call loads "libmicrohttpd.so.12"
 * (lazylib.h: a soname only). When it cannot be loaded, MHD_start_daemon returns NULL (the
 * simulator then says it cannot listen) and mhdload_error says why. */
#ifndef SMSDESK_MHDLOAD_H
#define SMSDESK_MHDLOAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* The functions of libmicrohttpd the simulator uses (named after MHD_<name>). */
struct mhdload_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
					   void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer, enum MHD_ResponseMemoryMode m);
	struct MHD_Response *(*create_response_from_callback)(uint64_t size, size_t block, MHD_ContentReaderCallback crc,
							      void *crc_cls, MHD_ContentReaderFreeCallback crfc);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header, const char *content);
	void (*destroy_response)(struct MHD_Response *r);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r);
	const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key);
};

/* The functions, loading libmicrohttpd at the first call (thread-safe); never NULL. */
const struct mhdload_api *mhdload(void);
/* Why libmicrohttpd could not be loaded, or NULL. */
const char *mhdload_error(void);

#ifndef MHDLOAD_NO_MACROS
#define MHD_start_daemon (mhdload()->start_daemon)
#define MHD_stop_daemon (mhdload()->stop_daemon)
#define MHD_get_daemon_info (mhdload()->get_daemon_info)
#define MHD_create_response_from_buffer (mhdload()->create_response_from_buffer)
#define MHD_create_response_from_callback (mhdload()->create_response_from_callback)
#define MHD_add_response_header (mhdload()->add_response_header)
#define MHD_destroy_response (mhdload()->destroy_response)
#define MHD_queue_response (mhdload()->queue_response)
#define MHD_lookup_connection_value (mhdload()->lookup_connection_value)
#endif
#endif
