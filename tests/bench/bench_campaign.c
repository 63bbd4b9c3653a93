/* Benchmark: a recall campaign's recipient list over 50,000 patients (argv[1] to change it)
 * in a real store file, each with two or three past visits, a tenth with a visit booked, some
 * opted out, some with consent. Times campaign_preview (the filter, the counts of who is left
 * out and why) and campaign_create (the same plus one recipient row each and the audit entry).
 * Build with -DCMAKE_BUILD_TYPE=Release for figures worth quoting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/campaign.h"
#include "src/util.h"
#include "benchutil.h"

#define DAY 86400

static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_campaign: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* n patients with their visits, in one transaction. */
static void add_patients(struct store *s, int64_t tenant, int n, int64_t now)
{
	char *err = NULL;
	if (store_begin(s, &err) != 0)
		die("begin", err);
	for (int i = 0; i < n; i++) {
		char mobile[32], first[32];
		snprintf(mobile, sizeof(mobile), "+1415%07d", 2000000 + i);
		snprintf(first, sizeof(first), "Pat%d", i);
		struct patient p = {.tenant_id = tenant, .first_name = first, .last_name = "Bench",
				    .mobile = i % 50 == 0 ? NULL : mobile};
		int64_t pid = 0;
		if (store_patient_add(s, &p, &pid, &err) != 0)
			die("patient", err);
		for (int v = 0; v < 2 + i % 2; v++) {
			struct appointment a = {.tenant_id = tenant, .patient_id = pid, .provider = "Dr. Bench",
						.starts_at = now - (int64_t)(100 + (i % 600) + v * 200) * DAY,
						.duration_min = 30, .status = "completed"};
			if (store_appt_add(s, &a, NULL, &err) != 0)
				die("visit", err);
		}
		if (i % 10 == 0) {
			struct appointment a = {.tenant_id = tenant, .patient_id = pid, .provider = "Dr. Bench",
						.starts_at = now + (int64_t)(1 + i % 60) * DAY, .duration_min = 30,
						.status = "scheduled"};
			if (store_appt_add(s, &a, NULL, &err) != 0)
				die("booked", err);
		}
		if (i % 37 == 0 && p.mobile && store_optout_number(s, tenant, mobile, now, "sms", "STOP", &err) != 0)
			die("optout", err);
		if (i % 3 == 0 && p.mobile && store_prefs_set_consent(s, pid, now - DAY, "paper form", "bench", mobile, &err) != 0)
			die("consent", err);
	}
	if (store_commit(s, &err) != 0)
		die("commit", err);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50000;
	char dir[] = "/tmp/bench_campaign.XXXXXX", path[64], *err = NULL;
	struct store *s = NULL;
	int64_t tenant = 0, now = clock_now(), id = 0;
	if (n <= 0 || mkdtemp(dir) == NULL)
		die("setup", NULL);
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if (store_open(path, &s, &err) != 0 || store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550100", &tenant, &err) != 0)
		die("open", err);
	struct bench_clock t0 = bench_now();
	add_patients(s, tenant, n, now);
	struct bench_clock t1 = bench_now();
	const char *body = "Hi {patientName}, {clinicName}: your yearly skin check is due. Call {clinicPhone}. "
			   "Reply STOP to opt out.";
	struct campaign_filter f = {.tenant_id = tenant, .kind = "care", .overdue_months = 12};
	struct campaign_preview pv;
	if (campaign_preview(s, &f, body, now, &pv, &err) != 0)
		die("preview", err);
	struct bench_clock t2 = bench_now();
	campaign_preview_clear(&pv);
	if (campaign_create(s, &f, "Bench recall", body, 0, "bench", now, &id, &pv, &err) != 0)
		die("create", err);
	struct bench_clock t3 = bench_now();
	printf("patients %d (with %d visits) made in %.0f ms\n", n, n * 5 / 2 + n / 10, bench_since(t0, t1).wall * 1e3);
	printf("preview: %zu matched, %zu to text, %zu left out: %.0f ms (cpu %.0f ms)\n", pv.matched, pv.will_send,
	       pv.matched - pv.will_send, bench_since(t1, t2).wall * 1e3, bench_since(t1, t2).cpu * 1e3);
	printf("create (preview + %zu recipient rows + audit): %.0f ms\n", pv.matched, bench_since(t2, t3).wall * 1e3);
	campaign_preview_clear(&pv);
	store_close(&s);
	unlink(path);
	char side[80];
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	rmdir(dir);
	return 0;
}
