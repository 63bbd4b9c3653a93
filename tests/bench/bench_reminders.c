/* Benchmark: one scheduler pass over 10,000 due appointments (argv[1] to change it) in a real
 * store file: reminders_pass decides, renders and queues each reminder (row, outbox message,
 * audit entries), then outbox_drain sends them to the loopback simulator over one kept-alive
 * client. Prints the time of each part and sends per second. Build with
 * -DCMAKE_BUILD_TYPE=Release for figures worth quoting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/outbox.h"
#include "src/reminders.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "benchutil.h"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_reminders: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* The one client every tenant uses (there is one tenant). */
static struct twilio_client *same_client(void *ctx, int64_t tenant_id, char **err)
{
	return ctx;
}

/* A tenant pointed at the simulator, quiet hours off so the pass may run at any hour. */
static int64_t add_tenant(struct store *s, struct sim *sim)
{
	int64_t id = 0;
	char *err = NULL;
	if (store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550100", &id, &err) != 0 ||
	    store_tenant_set(s, id, "account_sid", sim_account_sid(sim), &err) != 0 ||
	    store_tenant_set(s, id, "from_number", "+13125550199", &err) != 0 ||
	    store_tenant_set(s, id, "api_base", sim_base_url(sim), &err) != 0 ||
	    store_tenant_set(s, id, "quiet_start", "0", &err) != 0 || store_tenant_set(s, id, "quiet_end", "1440", &err) != 0)
		die("tenant", err);
	return id;
}

/* n patients, each with one appointment whose 24 h reminder is due now; one transaction. */
static void add_appointments(struct store *s, int64_t tenant, int n, int64_t now)
{
	char *err = NULL;
	if (store_begin(s, &err) != 0)
		die("begin", err);
	for (int i = 0; i < n; i++) {
		char mobile[32], first[32];
		snprintf(mobile, sizeof(mobile), "+1415%07d", 2000000 + i);
		snprintf(first, sizeof(first), "Pat%d", i);
		struct patient p = {.tenant_id = tenant, .first_name = first, .last_name = "Bench", .mobile = mobile};
		int64_t pid = 0, aid = 0;
		if (store_patient_add(s, &p, &pid, &err) != 0)
			die("patient", err);
		struct appointment a = {.tenant_id = tenant, .patient_id = pid, .provider = "Dr. Bench",
					.starts_at = now + 23 * 3600 + (i % 3600), .duration_min = 30,
					.status = "scheduled"};
		if (store_appt_add(s, &a, &aid, &err) != 0)
			die("appointment", err);
	}
	if (store_commit(s, &err) != 0)
		die("commit", err);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	char *err = NULL;
	struct sim *sim = NULL;
	struct sim_config sc = {.step_ms = 1000};
	if (n <= 0 || sim_start(&sc, &sim, &err) != 0)
		die("sim", err);
	char dir[] = "/tmp/smsdesk-bench-XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char *path = xasprintf("%s/bench.db", dir);
	struct store *s = NULL;
	if (store_open(path, &s, &err) != 0)
		die("store", err);
	int64_t now = clock_now();
	int64_t tenant = add_tenant(s, sim);
	add_appointments(s, tenant, n, now);

	struct twilio_config cfg = {.api_base = sim_base_url(sim), .account_sid = sim_account_sid(sim),
				    .username = sim_account_sid(sim), .password = sim_auth_token(sim)};
	struct twilio_client *c = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0)
		die("client", err);

	struct reminders_report r = {0};
	int64_t t0 = clock_mono_ms();
	struct bench_clock p0 = bench_now();
	if (reminders_pass(s, now, &r, &err) != 0)
		die("reminders_pass", err);
	struct bench_clock pass = bench_since(p0, bench_now());
	int64_t t1 = clock_mono_ms();
	struct outbox_stats st = {0};
	if (outbox_drain(s, same_client, c, "bench@local:1", 0, &st, &err) != 0)
		die("drain", err);
	int64_t t2 = clock_mono_ms();
	int synced = 0;
	if (store_reminder_sync_messages(s, &synced, &err) != 0)
		die("sync", err);
	int64_t t3 = clock_mono_ms();

	if (r.queued != n || st.sent != n || sim_outbound_count(sim) != (size_t)n || synced != n) {
		fprintf(stderr, "bench_reminders: queued %d, sent %d, simulator got %zu, rows sent %d of %d\n", r.queued,
			st.sent, sim_outbound_count(sim), synced, n);
		return 1;
	}
	double total = (double)(t3 - t0) / 1000.0;
	printf("appointments due: %d\n", n);
	printf("reminders_pass (decide, render, queue): %lld ms (%.0f reminders/s)\n", (long long)(t1 - t0),
	       n * 1000.0 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
	printf("outbox_drain to the simulator: %lld ms (%.0f sends/s)\n", (long long)(t2 - t1),
	       n * 1000.0 / (double)(t2 - t1 > 0 ? t2 - t1 : 1));
	printf("rows marked sent: %lld ms\n", (long long)(t3 - t2));
	printf("one pass in all: %.2f s, %.0f sends/s\n", total, n / (total > 0 ? total : 0.001));

	/* Issue 15 item 2: 10,000 due appointments decided and queued in <= 1 s. */
	printf("reminders_pass cpu %.2f s, wall %.2f s for %d appointments\n", pass.cpu, pass.wall, n);
	bench_ratio("reminders_pass/1s", pass, (struct bench_clock){n / 10000.0, n / 10000.0, n / 10000.0}, 1);
	twilio_client_free(&c);
	store_close(&s);
	sim_stop(&sim);
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	free(wal);
	free(shm);
	free(path);
	return 0;
}
