/* Generates a big database (20,000 patients, 1,000,000 messages by default) and times it,
 * then times the queries the console runs most on it.
 * Usage: bench_bigdb PATH [PATIENTS [MESSAGES]] (PATH must not exist yet). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "src/util.h"
#include "store/bulk.h"
#include "store/store.h"

/* Parses a positive count argument or exits. */
static size_t count_arg(const char *s, const char *what)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || v == 0 || v > 100000000ull) {
		fprintf(stderr, "bench_bigdb: bad %s count: %s\n", what, s);
		exit(2);
	}
	return (size_t)v;
}

/* Times the inbox's first page, a search and a thread's history on the big database. */
static int time_queries(struct store *s, int64_t tenant, char **err)
{
	struct sms_thread *threads = NULL;
	struct patient *found = NULL;
	struct sms_message *msgs = NULL;
	size_t nt = 0, np = 0, nm = 0;
	int64_t t0 = clock_mono_ms();
	if (store_thread_list(s, tenant, 0, NULL, 0, 50, &threads, &nt, err) != 0)
		return -1;
	int64_t t1 = clock_mono_ms();
	if (store_patient_search(s, tenant, "garc", 50, &found, &np, err) != 0)
		return -1;
	int64_t t2 = clock_mono_ms();
	if (nt > 0 && store_msg_list_thread(s, threads[0].id, 200, &msgs, &nm, err) != 0)
		return -1;
	int64_t t3 = clock_mono_ms();
	int unread = 0;
	if (store_unread_total(s, tenant, &unread, err) != 0)
		return -1;
	int64_t t4 = clock_mono_ms();
	printf("inbox first page (%zu threads): %lld ms\n", nt, (long long)(t1 - t0));
	printf("patient search \"garc\" (%zu found, limit 50): %lld ms\n", np, (long long)(t2 - t1));
	printf("busiest-recent thread history (%zu messages): %lld ms\n", nm, (long long)(t3 - t2));
	printf("unread total (%d): %lld ms\n", unread, (long long)(t4 - t3));
	sms_thread_list_free(&threads, nt);
	patient_list_free(&found, np);
	sms_message_list_free(&msgs, nm);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: bench_bigdb PATH [PATIENTS [MESSAGES]]\n");
		return 2;
	}
	struct stat st;
	if (stat(argv[1], &st) == 0) {
		fprintf(stderr, "bench_bigdb: %s exists; give a new path\n", argv[1]);
		return 2;
	}
	size_t patients = argc > 2 ? count_arg(argv[2], "patient") : 20000;
	size_t messages = argc > 3 ? count_arg(argv[3], "message") : 1000000;
	struct store *s = NULL;
	char *err = NULL;
	int64_t tenant = 0;
	if (store_open(argv[1], &s, &err) != 0 ||
	    store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550100", &tenant, &err) != 0)
		goto fail;
	int64_t t0 = clock_mono_ms();
	if (store_bulk_generate(s, tenant, patients, messages, clock_now(), 1, &err) != 0)
		goto fail;
	int64_t ms = clock_mono_ms() - t0;
	printf("generated %zu patients and %zu messages in %lld ms (%.0f messages/s)\n", patients, messages,
	       (long long)ms, ms > 0 ? (double)messages * 1000.0 / (double)ms : 0.0);
	if (time_queries(s, tenant, &err) != 0)
		goto fail;
	store_close(&s);
	if (stat(argv[1], &st) == 0)
		printf("database size: %.1f MB\n", (double)st.st_size / 1e6);
	return 0;
fail:
	fprintf(stderr, "bench_bigdb: %s\n", err ? err : "failed");
	free(err);
	store_close(&s);
	return 1;
}
