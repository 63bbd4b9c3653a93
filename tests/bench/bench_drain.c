/* Benchmark: queue 1,000 messages through outbox_queue into a real store file and drain them
 * to the loopback simulator; compared with 1,000 raw POSTs over the same kind of kept-alive
 * client. Prints messages per second for each and the drain's overhead per message.
 * Usage: bench_drain [N] [tls]: with "tls" both sides go through a TLS front (benchtls.h:
 * socat with a self-signed certificate), as they do to Twilio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "benchutil.h"
#include "benchtls.h"

static struct bench_tls tls; /* tls.base set: every client goes through the TLS front */

#define CLINIC "+13125550100"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_drain: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

static struct twilio_client *new_client(struct sim *sim)
{
	struct twilio_config cfg = {.api_base = tls.base[0] ? tls.base : sim_base_url(sim),
				    .account_sid = sim_account_sid(sim),
				    .username = sim_account_sid(sim),
				    .password = sim_auth_token(sim),
				    .ca_bundle = tls.base[0] ? tls.cert : NULL};
	struct twilio_client *c = NULL;
	char *err = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0)
		die("client", err);
	return c;
}

static struct twilio_client *same_client(void *ctx, int64_t tenant_id, char **err)
{
	return ctx;
}

/* Phone number i of the recipients (a hundred patients, ten texts each). */
static void recipient(int i, char out[32])
{
	snprintf(out, 32, "+1312%07d", 5550000 + i % 100);
}

/* n raw POSTs over one client; returns elapsed ms. */
static int64_t raw_posts(struct sim *sim, int n)
{
	struct twilio_client *c = new_client(sim);
	char to[32];
	int64_t start = clock_mono_ms();
	for (int i = 0; i < n; i++) {
		recipient(i, to);
		struct twilio_send_req req = {
		    .to = to, .from = CLINIC, .body = "Reminder: your visit is tomorrow at 3 PM."};
		struct twilio_message m;
		struct twilio_error e;
		memset(&m, 0, sizeof(m));
		memset(&e, 0, sizeof(e));
		if (twilio_send(c, &req, &m, &e) != TW_OK)
			die("raw send", e.message);
		twilio_message_free(&m);
		twilio_error_clear(&e);
	}
	int64_t ms = clock_mono_ms() - start;
	twilio_client_free(&c);
	return ms;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	char *err = NULL;
	struct sim *sim = NULL;
	struct sim_config sc = {.step_ms = 1000};
	if (sim_start(&sc, &sim, &err) != 0)
		die("sim", err);
	bool use_tls = argc > 2 && strcmp(argv[2], "tls") == 0;
	if (use_tls && bench_tls_start(sim_base_url(sim), &tls) != 0)
		die("tls", NULL);
	char dir[] = "/tmp/smsdesk-bench-XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char *path = xasprintf("%s/bench.db", dir);
	struct store *s = NULL;
	if (store_open(path, &s, &err) != 0)
		die("store", err);
	int64_t tenant = 0;
	if (store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550199", &tenant, &err) != 0 ||
	    store_tenant_set(s, tenant, "account_sid", sim_account_sid(sim), &err) != 0 ||
	    store_tenant_set(s, tenant, "from_number", CLINIC, &err) != 0)
		die("tenant", err);

	struct bench_clock r0 = bench_now();
	int64_t raw_ms = raw_posts(sim, n);
	struct bench_clock raw = bench_since(r0, bench_now());

	char to[32];
	int64_t start = clock_mono_ms();
	for (int i = 0; i < n; i++) {
		recipient(i, to);
		struct outbox_request req = {.tenant_id = tenant,
					     .to = to,
					     .body = "Reminder: your visit is tomorrow at 3 PM.",
					     .message_type = "reminder",
					     .actor = "bench"};
		if (outbox_queue(s, &req, NULL, &err) != 0)
			die("queue", err);
	}
	int64_t queue_ms = clock_mono_ms() - start;

	struct twilio_client *c = new_client(sim);
	struct outbox_stats st = {0};
	size_t before = sim_outbound_count(sim);
	/* Markers for `strace -f`: the syscalls between them are the drain's (syscalls per message). */
	(void)access("/smsdesk-bench-drain-start", F_OK);
	start = clock_mono_ms();
	struct bench_clock d0 = bench_now();
	if (outbox_drain(s, same_client, c, "bench@host:1", 0, &st, &err) != 0)
		die("drain", err);
	struct bench_clock drained = bench_since(d0, bench_now());
	int64_t drain_ms = clock_mono_ms() - start;
	(void)access("/smsdesk-bench-drain-end", F_OK);
	size_t posted = sim_outbound_count(sim) - before;
	if (st.sent != n || posted != (size_t)n)
		fprintf(stderr, "bench_drain: expected %d sends, got %d (simulator saw %zu)\n", n, st.sent,
			posted);

	double raw_rate = raw_ms > 0 ? n * 1000.0 / (double)raw_ms : 0;
	double drain_rate = drain_ms > 0 ? n * 1000.0 / (double)drain_ms : 0;
	printf("raw POSTs:   %d in %lld ms = %.0f messages/s\n", n, (long long)raw_ms, raw_rate);
	printf("queue:       %d in %lld ms = %.0f messages/s (rules, store, audit)\n", n, (long long)queue_ms,
	       queue_ms > 0 ? n * 1000.0 / (double)queue_ms : 0);
	printf("drain:       %d in %lld ms = %.0f messages/s (claim, POST, record, audit)\n", st.sent,
	       (long long)drain_ms, drain_rate);
	printf("drain overhead over raw POSTs: %.2f ms per message (%.0f%%)\n",
	       (double)(drain_ms - raw_ms) / n,
	       raw_ms > 0 ? 100.0 * (double)(drain_ms - raw_ms) / (double)raw_ms : 0);

	if (use_tls) {
		printf("(both over TLS: socat in front of the simulator, one kept-alive connection each)\n");
		bench_ratio("drain/raw_libcurl_keepalive_tls", drained, raw, 1.5);
	} else {
		printf("(plain HTTP on loopback; 'bench_drain N tls' compares over TLS)\n");
		bench_ratio("drain/raw_libcurl_keepalive", drained, raw, 1.5);
	}
	bench_ratio_thread(use_tls ? "drain/raw_libcurl_keepalive_tls" : "drain/raw_libcurl_keepalive", drained, raw, 1.5);
	twilio_client_free(&c);
	store_close(&s);
	sim_stop(&sim);
	if (use_tls)
		bench_tls_stop(&tls);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_drain: could not remove %s\n", dir);
	free(cmd);
	free(path);
	return 0;
}
