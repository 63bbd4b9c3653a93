/* Benchmark of the EHR connection (issue 13) on a real store file: N SIU^S12 sent over MLLP to
 * the listener (one connection, one transaction and one ACK per message, as an interface engine
 * sends them), N SIU^S14 reschedules applied in-process (the parser and the transaction without
 * the network), and N write-backs (SIU^S14 CONFIRMED) drained over MLLP to the fake EHR, each
 * ACKed. Prints messages per second for each. Usage: bench_ehr [N] (default 2000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/ehr.h"
#include "src/sim/sim.h"
#include "src/util.h"
#include "benchutil.h"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_ehr: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* The i-th patient's SIU (trigger S12 or S14) for its appointment at start. */
static char *siu(const char *trigger, int i, int64_t start)
{
	char ctl[32], appt[32], mrn[32], mobile[32];
	snprintf(ctl, sizeof(ctl), "B%s-%d", trigger, i);
	snprintf(appt, sizeof(appt), "APT%d", i);
	snprintf(mrn, sizeof(mrn), "MRN%d", i);
	snprintf(mobile, sizeof(mobile), "+1312%07d", 5000000 + i);
	return sim_ehr_siu(trigger, ctl, appt, mrn, "Pat", "Bench", mobile, start);
}

/* Prints one figure line. */
static void figure(const char *what, int n, struct bench_clock t)
{
	printf("%-44s %6.0f ms  %7.0f msg/s  (cpu %.0f ms)\n", what, t.wall * 1000, t.wall > 0 ? n / t.wall : 0,
	       t.cpu * 1000);
}

/* N S12 over MLLP to the listener; every ACK must be AA. */
static struct bench_clock over_mllp(const char *addr, int n, int64_t start)
{
	char *err = NULL, *code = NULL;
	struct bench_clock t0 = bench_now();
	for (int i = 0; i < n; i++) {
		char *msg = siu("S12", i, start);
		if (sim_ehr_send(addr, msg, &code, &err) != 0)
			die("send", err);
		if (strcmp(code, "AA") != 0)
			die("S12 not AA", code);
		free(code);
		free(msg);
	}
	return bench_since(t0, bench_now());
}

/* N S14 (an hour later) applied in-process; collects the appointment ids. */
static struct bench_clock in_process(struct store *s, int n, int64_t start, int64_t *ids)
{
	struct bench_clock t0 = bench_now();
	for (int i = 0; i < n; i++) {
		char *msg = siu("S14", i, start + 3600);
		struct ehr_in_result r;
		if (ehr_in_process(s, msg, strlen(msg), &r) != 0 || strcmp(r.code, "AA") != 0)
			die("S14", r.detail);
		ids[i] = r.appointment_id;
		ehr_in_result_clear(&r);
		free(msg);
	}
	return bench_since(t0, bench_now());
}

/* N confirmations queued (one transaction, as the answers would each be in theirs), then drained. */
static struct bench_clock writebacks(struct store *s, int64_t tenant, int n, const int64_t *ids, struct sim_ehr *ehr)
{
	char *err = NULL;
	int64_t now = clock_now();
	if (store_begin(s, &err) != 0)
		die("begin", err);
	for (int i = 0; i < n; i++)
		if (ehr_writeback_appt(s, tenant, ids[i], "confirmed", now, &err) != 0)
			die("queue", err);
	if (store_commit(s, &err) != 0)
		die("commit", err);
	/* One drain takes a chunk (as each scheduler pass does); called until the outbox is empty. */
	int sent = 0;
	struct bench_clock t0 = bench_now();
	for (;;) {
		struct ehr_drain_stats st = {0};
		if (ehr_writeback_drain(s, now, 5000, &st, &err) != 0)
			die("drain", err);
		free(st.last_error);
		sent += st.sent;
		if (st.sent == 0 || st.failed > 0 || st.retrying > 0)
			break;
	}
	struct bench_clock t = bench_since(t0, bench_now());
	size_t kept = n < 1000 ? (size_t)n : 1000; /* the fake EHR keeps the first 1,000 */
	if (sent != n || sim_ehr_count(ehr) != kept) {
		fprintf(stderr, "bench_ehr: %d write-backs sent, the fake EHR got %zu, of %d\n", sent, sim_ehr_count(ehr), n);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	char *err = NULL;
	char dir[] = "/tmp/smsdesk-bench-XXXXXX";
	if (n <= 0 || mkdtemp(dir) == NULL)
		die("usage: bench_ehr [N]", NULL);
	char *path = xasprintf("%s/bench.db", dir);
	struct store *s = NULL;
	int64_t tenant = 0;
	struct sim_ehr *ehr = NULL;
	struct ehr_listener *l = NULL;
	if (store_open(path, &s, &err) != 0 ||
	    store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550100", &tenant, &err) != 0 ||
	    sim_ehr_start("127.0.0.1:0", &ehr, &err) != 0 ||
	    ehr_listener_start(path, "127.0.0.1:0", NULL, &l, &err) != 0)
		die("setup", err);
	char wb[64], addr[64];
	snprintf(wb, sizeof(wb), "127.0.0.1:%u", sim_ehr_port(ehr));
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ehr_listener_port(l));
	if (store_setting_set(s, tenant, "ehr_writeback", wb, &err) != 0)
		die("setting", err);
	int64_t start = clock_now() + 7 * 86400;
	int64_t *ids = xcalloc((size_t)n, sizeof(*ids));

	printf("messages: %d (real store file, loopback MLLP)\n", n);
	figure("SIU^S12 over MLLP (connect, apply, ACK)", n, over_mllp(addr, n, start));
	figure("SIU^S14 in-process (parse, apply, ACK text)", n, in_process(s, n, start, ids));
	figure("write-backs drained to the fake EHR (AA)", n, writebacks(s, tenant, n, ids, ehr));

	free(ids);
	ehr_listener_stop(&l);
	sim_ehr_stop(&ehr);
	store_close(&s);
	unlink(path);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	free(path);
	rmdir(dir);
	return 0;
}
