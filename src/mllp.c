/* MLLP over TCP: the listener thread (poll on the socket, the clients and a wake pipe; one
 * frame at a time through the handler) and the one-shot client. A broken frame closes that
 * connection only; nothing a peer sends can stop the listener. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "src/hl7.h"
#include "src/mllp.h"
#include "src/util.h"

#define FRAME_MAX (HL7_MAX_BYTES + 16)

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
};

struct mllp_server {
	int lfd;
	int wake[2];
	unsigned short port;
	mllp_handler_fn fn;
	void *ctx;
	pthread_t thread;
	struct conn c[MLLP_MAX_CLIENTS];
};

int mllp_parse_addr(const char *addr, char *host, size_t hostlen, unsigned short *port, char **err)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	if (colon == NULL || colon == addr)
		return seterr(err, "\"%.60s\" is not HOST:PORT (e.g. 127.0.0.1:2575)", addr ? addr : "");
	const char *h = addr, *he = colon;
	if (*h == '[' && he[-1] == ']') {
		h++;
		he--;
	}
	char *end = NULL;
	long p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 0 || p > 65535)
		return seterr(err, "\"%.60s\": the port must be a number from 0 to 65535", addr);
	if ((size_t)(he - h) >= hostlen || he == h)
		return seterr(err, "\"%.60s\": bad host", addr);
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	*port = (unsigned short)p;
	return 0;
}

/* Resolves host:port; freeaddrinfo the result. */
static int resolve(const char *addr, bool passive, struct addrinfo **res, char **err)
{
	char host[256], port[8];
	unsigned short p;
	if (mllp_parse_addr(addr, host, sizeof(host), &p, err) != 0)
		return -1;
	snprintf(port, sizeof(port), "%u", p);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = passive ? AI_PASSIVE | AI_NUMERICSERV : AI_NUMERICSERV};
	int rc = getaddrinfo(host, port, &hints, res);
	if (rc != 0)
		return seterr(err, "cannot resolve %s: %s", host, gai_strerror(rc));
	return 0;
}

/* Writes all of buf within the socket's send timeout. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Sends <VT>msg<FS><CR>. */
static int send_frame(int fd, const char *msg, size_t len)
{
	char sb = MLLP_SB, tail[2] = {MLLP_EB, MLLP_CR};
	if (write_all(fd, &sb, 1) != 0 || write_all(fd, msg, len) != 0 || write_all(fd, tail, 2) != 0)
		return -1;
	return 0;
}

/* Finds a whole frame in buf: *start and *mlen the message, *used the bytes it took. Bytes before
 * <VT> are dropped. 1 found, 0 need more, -1 broken (too big). */
static int find_frame(const char *buf, size_t len, size_t *start, size_t *mlen, size_t *used)
{
	const char *sb = memchr(buf, MLLP_SB, len);
	if (sb == NULL) {
		*used = len; /* junk between frames */
		return len > 0 ? 0 : 0;
	}
	size_t s = (size_t)(sb - buf) + 1;
	for (size_t i = s; i + 1 < len; i++)
		if (buf[i] == MLLP_EB && buf[i + 1] == MLLP_CR) {
			*start = s;
			*mlen = i - s;
			*used = i + 2;
			return 1;
		}
	*used = s - 1;
	return len - s > FRAME_MAX ? -1 : 0;
}

/* Closes one client. */
static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Reads what a client sent and answers every whole frame; -1 to close it. */
static int conn_read(struct mllp_server *srv, struct conn *c)
{
	if (c->cap - c->len < 4096) {
		c->cap = c->cap ? c->cap * 2 : 8192;
		c->buf = xrealloc(c->buf, c->cap);
	}
	ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	for (;;) {
		size_t start = 0, mlen = 0, used = 0;
		int f = find_frame(c->buf, c->len, &start, &mlen, &used);
		if (f < 0)
			return -1;
		if (f == 1) {
			char *reply = srv->fn(srv->ctx, c->buf + start, mlen);
			int w = reply ? send_frame(c->fd, reply, strlen(reply)) : 0;
			free(reply);
			if (w != 0)
				return -1;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (f == 0)
			return 0;
	}
}

/* Takes a new connection (refused when every slot is busy). */
static void accept_one(struct mllp_server *srv)
{
	int fd = accept(srv->lfd, NULL, NULL);
	if (fd < 0)
		return;
	struct timeval tv = {5, 0};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < MLLP_MAX_CLIENTS; i++)
		if (srv->c[i].fd < 0) {
			srv->c[i].fd = fd;
			return;
		}
	close(fd);
}

/* The listener thread: until the wake pipe says stop. */
static void *serve(void *arg)
{
	struct mllp_server *srv = arg;
	for (;;) {
		struct pollfd p[MLLP_MAX_CLIENTS + 2];
		int idx[MLLP_MAX_CLIENTS + 2], n = 0;
		p[n++] = (struct pollfd){.fd = srv->wake[0], .events = POLLIN};
		p[n++] = (struct pollfd){.fd = srv->lfd, .events = POLLIN};
		for (int i = 0; i < MLLP_MAX_CLIENTS; i++)
			if (srv->c[i].fd >= 0) {
				idx[n] = i;
				p[n++] = (struct pollfd){.fd = srv->c[i].fd, .events = POLLIN};
			}
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents != 0)
			break;
		if (p[1].revents & POLLIN)
			accept_one(srv);
		for (int k = 2; k < n; k++)
			if (p[k].revents != 0 && conn_read(srv, &srv->c[idx[k]]) != 0)
				conn_close(&srv->c[idx[k]]);
	}
	return NULL;
}

/* Binds and listens on addr; *fd. */
static int listen_on(const char *addr, int *fd, unsigned short *port, char **err)
{
	struct addrinfo *res = NULL;
	if (resolve(addr, true, &res, err) != 0)
		return -1;
	int s = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	int one = 1;
	if (s >= 0)
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, 16) != 0) {
		seterr(err, "cannot listen on %s: %s", addr, strerror(errno));
		if (s >= 0)
			close(s);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	getsockname(s, (struct sockaddr *)&ss, &sl);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	*fd = s;
	return 0;
}

int mllp_server_start(const char *addr, mllp_handler_fn fn, void *ctx, struct mllp_server **out, char **err)
{
	struct mllp_server *srv = xcalloc(1, sizeof(*srv));
	*out = NULL;
	srv->fn = fn;
	srv->ctx = ctx;
	for (int i = 0; i < MLLP_MAX_CLIENTS; i++)
		srv->c[i].fd = -1;
	srv->wake[0] = srv->wake[1] = -1;
	if (listen_on(addr, &srv->lfd, &srv->port, err) != 0) {
		free(srv);
		return -1;
	}
	if (pipe2(srv->wake, O_CLOEXEC) != 0 || pthread_create(&srv->thread, NULL, serve, srv) != 0) {
		seterr(err, "cannot start the MLLP listener: %s", strerror(errno));
		close(srv->lfd);
		if (srv->wake[0] >= 0) {
			close(srv->wake[0]);
			close(srv->wake[1]);
		}
		free(srv);
		return -1;
	}
	*out = srv;
	return 0;
}

unsigned short mllp_server_port(const struct mllp_server *srv)
{
	return srv->port;
}

void mllp_server_stop(struct mllp_server **srvp)
{
	struct mllp_server *srv = srvp ? *srvp : NULL;
	if (srv == NULL)
		return;
	char b = 'x';
	if (write(srv->wake[1], &b, 1) != 1)
		close(srv->wake[1]);
	pthread_join(srv->thread, NULL);
	for (int i = 0; i < MLLP_MAX_CLIENTS; i++)
		conn_close(&srv->c[i]);
	close(srv->lfd);
	close(srv->wake[0]);
	close(srv->wake[1]);
	free(srv);
	*srvp = NULL;
}

/* Connects within timeout_ms; -1 with *err. */
static int connect_to(const char *addr, int timeout_ms, char **err)
{
	struct addrinfo *res = NULL;
	if (resolve(addr, false, &res, err) != 0)
		return -1;
	int fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, res->ai_protocol);
	int rc = fd < 0 ? -1 : connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc != 0 && fd >= 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
			rc = 0;
		else
			errno = soerr ? soerr : ETIMEDOUT;
	}
	if (rc != 0) {
		seterr(err, "cannot connect to %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int mllp_exchange(const char *addr, const char *msg, size_t len, int timeout_ms, char **answer, size_t *alen,
		  char **err)
{
	*answer = NULL;
	*alen = 0;
	int fd = connect_to(addr, timeout_ms, err);
	if (fd < 0)
		return -1;
	int rc = -1;
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	int64_t deadline = clock_mono_ms() + timeout_ms;
	if (send_frame(fd, msg, len) != 0) {
		seterr(err, "sending to %s: %s", addr, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t start, mlen, used;
		int f = find_frame(buf, n, &start, &mlen, &used);
		if (f == 1) {
			*answer = xstrndup(buf + start, mlen);
			*alen = mlen;
			rc = 0;
			break;
		}
		int64_t left = deadline - clock_mono_ms();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (f < 0 || left <= 0 || poll(&p, 1, (int)left) != 1) {
			seterr(err, "%s sent no answer within %d ms", addr, timeout_ms);
			break;
		}
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0) {
			seterr(err, "%s closed the connection before answering", addr);
			break;
		}
		n += (size_t)r;
	}
out:
	free(buf);
	close(fd);
	return rc;
}
