/* A TLS front for the benches (issue 15 item 4: sends compared over TLS): socat terminates
 * TLS with a self-signed certificate made by openssl at bench time and forwards to the
 * plain-HTTP simulator. Bench-only: smsdesk itself gains no dependency; the client gets the
 * certificate as its CA bundle (the ca_bundle setting / SMSDESK_CA_BUNDLE in production).
 * Needs /usr/bin/socat and /usr/bin/openssl (Debian packages socat, openssl). */
#ifndef SMSDESK_BENCHTLS_H
#define SMSDESK_BENCHTLS_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct bench_tls {
	pid_t pid;
	char base[64];     /* https://127.0.0.1:PORT */
	char cert[256];    /* the CA bundle to trust */
	char dir[64];
};

/* A free loopback port (a bench may race another process for it; it then fails clearly). */
static inline int bench_tls_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Whether something listens on the loopback port. */
static inline int bench_tls_up(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Starts the front to the plain http:// base; 0, or -1 with the reason on stderr. */
static inline int bench_tls_start(const char *http_base, struct bench_tls *t)
{
	const char *colon = strrchr(http_base, ':');
	int sim_port = colon ? atoi(colon + 1) : 0, port = bench_tls_free_port();
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/smsdesk-tls-XXXXXX");
	if (sim_port <= 0 || port <= 0 || mkdtemp(t->dir) == NULL || access("/usr/bin/socat", X_OK) != 0) {
		fprintf(stderr, "bench: no TLS front (needs /usr/bin/socat and /usr/bin/openssl)\n");
		return -1;
	}
	char cmd[1024], listen[600], key[256];
	snprintf(t->cert, sizeof t->cert, "%s/cert.pem", t->dir);
	snprintf(key, sizeof key, "%s/key.pem", t->dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1"
		 " -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s 2>/dev/null", key, t->cert);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench: openssl could not make a certificate\n");
		return -1;
	}
	snprintf(listen, sizeof listen, "OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,nodelay,cert=%s,key=%s,verify=0", port,
		 t->cert, key);
	snprintf(cmd, sizeof cmd, "TCP:127.0.0.1:%d,nodelay", sim_port); /* Nagle would hold each body 40 ms */
	t->pid = fork();
	if (t->pid == 0) {
		execl("/usr/bin/socat", "socat", listen, cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !bench_tls_up(port); i++)
		nanosleep(&(struct timespec){0, 20000000}, NULL);
	if (t->pid < 0 || !bench_tls_up(port)) {
		fprintf(stderr, "bench: socat did not listen on %d\n", port);
		return -1;
	}
	snprintf(t->base, sizeof t->base, "https://127.0.0.1:%d", port);
	return 0;
}

/* Stops the front and removes its certificate. */
static inline void bench_tls_stop(struct bench_tls *t)
{
	char cmd[128];
	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		waitpid(t->pid, NULL, 0);
	}
	if (t->dir[0] != '\0' && strncmp(t->dir, "/tmp/smsdesk-tls-", 17) == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", t->dir);
	}
}
#endif
