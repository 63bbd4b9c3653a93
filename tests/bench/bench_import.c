/* Benchmark: a 100,000-row patients CSV (quoted names, a few bad rows, an ignored column)
 * imported into a real store file, then imported again (every row an update), then 100,000
 * appointments for those patients. Prints rows per second for each. Build it Release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/import.h"
#include "src/util.h"
#include "store/store.h"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_import: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* Writes the patients file: every 1,000th row has a bad number. */
static void write_patients(const char *path, int rows)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("fopen", NULL);
	fputs("\xEF\xBB\xBF" "external_id,first_name,last_name,mobile,timezone,notes,sms_opt_out\r\n", f);
	for (int i = 0; i < rows; i++) {
		if (i % 1000 == 999)
			fprintf(f, "P%d,Pat,Bad,call me maybe,,,no\r\n", i);
		else
			fprintf(f, "P%d,\"Pat %d\",\"O'Bench, Jr.\",(312) %03d-%04d,%s,\"said \"\"hi\"\"\",%s\r\n", i, i,
				200 + i / 10000, i % 10000, i % 3 ? "" : "America/Denver", i % 97 ? "no" : "yes");
	}
	fclose(f);
}

/* Writes the appointments file: one per patient over the next month. */
static void write_appts(const char *path, int rows)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("fopen", NULL);
	fputs("external_id,provider,location,start,duration_min,status\n", f);
	for (int i = 0; i < rows; i++)
		fprintf(f, "P%d,Dr. Bench,Room %d,2030-06-%02dT%02d:%02d,30,scheduled\n", i, i % 9, 1 + i % 28,
			8 + (i / 28) % 10, (i % 4) * 15);
	fclose(f);
}

/* Imports path and prints the rate. */
static void timed(struct store *s, int64_t tid, enum import_kind kind, const char *path, const char *label)
{
	FILE *in = fopen(path, "r");
	if (in == NULL)
		die("open", NULL);
	struct import_opts o = {.kind = kind, .format = IMPORT_CSV, .tenant_id = tid, .clinic_tz = "America/Chicago",
				.actor = "bench"};
	struct import_result r;
	char *err = NULL;
	int64_t t0 = clock_mono_ms();
	if (import_run(s, in, &o, &r, &err) != 0)
		die("import", err);
	int64_t ms = clock_mono_ms() - t0;
	fclose(in);
	printf("%-28s %7zu rows (%zu added, %zu updated, %zu refused) in %6lld ms: %8.0f rows/s\n", label, r.rows,
	       r.added, r.updated, r.rejected, (long long)ms, ms > 0 ? r.rows * 1000.0 / (double)ms : 0.0);
}

int main(int argc, char **argv)
{
	int rows = argc > 1 ? atoi(argv[1]) : 100000;
	char dir[] = "/tmp/smsdesk-bench-XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char *db = xasprintf("%s/bench.db", dir), *pcsv = xasprintf("%s/patients.csv", dir),
	     *acsv = xasprintf("%s/appts.csv", dir);
	write_patients(pcsv, rows);
	write_appts(acsv, rows);
	struct store *s = NULL;
	char *err = NULL;
	int64_t tid = 0;
	if (store_open(db, &s, &err) != 0 || store_tenant_add(s, "Bench", "America/Chicago", "", &tid, &err) != 0)
		die("store", err);
	timed(s, tid, IMPORT_PATIENTS, pcsv, "patients (new)");
	timed(s, tid, IMPORT_PATIENTS, pcsv, "patients (again: updates)");
	timed(s, tid, IMPORT_APPOINTMENTS, acsv, "appointments (new)");
	store_close(&s);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_import: could not remove %s\n", dir);
	free(cmd);
	free(db);
	free(pcsv);
	free(acsv);
	return 0;
}
