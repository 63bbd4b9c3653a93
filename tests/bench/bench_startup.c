/* Console start-up on a big database: time from exec to the first painted inbox, and memory,
 * for 20,000 patients and 1,000,000 messages (store_bulk_generate, as bench_bigdb).
 * Usage: bench_startup SMSDESK_BINARY DB_PATH [RUNS]
 * DB_PATH is generated when it does not exist yet (takes a while), and reused after.
 * The console runs in a pseudo-terminal (100x30, xterm-256color); the password is typed as
 * soon as the sign-in screen shows. At its first inbox paint it writes to
 * $SMSDESK_BENCH_PAINT_FILE the time, its CPU so far and the sign-in's argon2id wall and CPU
 * time (ui/ui.c bench_marker), so the start splits into: exec -> sign-in screen, argon2id,
 * the rest of sign-in -> first paint. Memory: VmRSS and VmHWM at that moment (libsodium frees
 * argon2id's 64 MB after the check, so VmHWM keeps it and VmRSS does not).
 * The limit measured in the same run: the sqlite3 CLI (/usr/bin/sqlite3, package sqlite3)
 * started on the same database with the inbox's query (store_thread_select_sql, the
 * unfiltered WHERE, the same LIMIT), exec to exit, one CLI run after each console run. */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>
#include "benchutil.h"
#include "src/auth.h"
#include "src/util.h"
#include "store/bulk.h"
#include "store/messages.h"
#include "store/store.h"

#define PATIENTS 20000
#define MESSAGES 1000000

/* Generates the big database at path. */
static int generate(const char *path)
{
	struct store *s = NULL;
	char *err = NULL;
	int64_t tenant = 0;
	int64_t t0 = clock_mono_ms();

	printf("generating %d patients and %d messages in %s ...\n", PATIENTS, MESSAGES, path);
	fflush(stdout);
	if (store_open(path, &s, &err) != 0 ||
	    store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550100", &tenant, &err) != 0 ||
	    store_bulk_generate(s, tenant, PATIENTS, MESSAGES, clock_now(), 1, &err) != 0) {
		fprintf(stderr, "bench_startup: %s\n", err ? err : "generation failed");
		free(err);
		store_close(&s);
		return -1;
	}
	store_close(&s);
	printf("generated in %lld ms\n", (long long)(clock_mono_ms() - t0));
	return 0;
}

#define BENCH_USER "bench"
#define BENCH_PASSWORD "bench-password-1"

/* Makes sure the admin the bench signs in as exists (the console opens on sign-in). */
static int ensure_user(const char *path)
{
	struct store *s = NULL;
	struct user u;
	char *err = NULL;
	char hash[AUTH_HASH_MAX];
	int rc = store_open(path, &s, &err);
	if (rc == 0)
		rc = store_user_find(s, BENCH_USER, &u, &err);
	if (rc == 0) {
		/* a database from an older bench holds a hash with other limits: the first run would
		 * renew it (one hash more) and the runs would differ */
		if (crypto_pwhash_str_needs_rehash(u.pw_hash, AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 0)
			rc = auth_hash_password(BENCH_PASSWORD, hash, &err) != 0 ||
			     store_user_set_password(s, u.id, hash, &err) != 0;
		user_free(&u);
	} else if (rc == SD_NOTFOUND)
		rc = auth_hash_password(BENCH_PASSWORD, hash, &err) != 0 ||
		     store_user_add(s, BENCH_USER, "Bench", hash, "admin", NULL, &err) != 0;
	if (rc != 0)
		fprintf(stderr, "bench_startup: %s\n", err ? err : "cannot add the bench user");
	free(err);
	store_close(&s);
	return rc == 0 ? 0 : -1;
}

#define CLI "/usr/bin/sqlite3"
#define TENANT 1
#define FIRST_PAGE 41 /* the inbox's first read: 40 rows and one to know there are more */
#define GOAL_MS 100.0
#define GOAL_RSS_KB (30 * 1024)
#define GOAL_RATIO 2.0

/* Reads a "Name:  N kB" line of /proc/pid/status, or -1. */
static long status_kb(pid_t pid, const char *name)
{
	char path[64], line[256];
	long kb = -1;
	size_t n = strlen(name);

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, name, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Reads the paint marker's four numbers (µs: time, CPU, argon2id wall, argon2id CPU); false
 * while it is not (completely) written. */
static bool read_marker(const char *path, long long v[4])
{
	char buf[160];
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[got] = '\0';
	return got > 0 && buf[got - 1] == '\n' && sscanf(buf, "%lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3]) == 4;
}

/* One console run's figures (ms and kB). */
struct run {
	double signin, paint, argon, argon_cpu, cpu; /* from exec; argon2id's share; CPU at paint */
	long rss, hwm, maxrss;
};

/* Feeds the console's output; types the credentials once the sign-in screen shows. Returns the
 * paint marker when it appeared, -1 on a dead console or after 2 minutes. */
static int wait_paint(int master, double t0, const char *marker, struct run *r, long long m[4])
{
	const char creds[] = BENCH_USER "\t" BENCH_PASSWORD "\r";
	char buf[4096], tail[64] = "";
	r->signin = -1;
	while (bench_now().wall - t0 < 120) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, 2) > 0) {
			ssize_t got = read(master, buf, sizeof buf - 1);
			if (got <= 0)
				return -1; /* the console died */
			buf[got] = '\0';
			if (r->signin < 0 && (strstr(buf, "sign in") || strstr(tail, "sign in"))) {
				r->signin = (bench_now().wall - t0) * 1000;
				if (write(master, creds, sizeof(creds) - 1) != (ssize_t)(sizeof(creds) - 1))
					return -1;
			}
			memcpy(tail, got > 32 ? buf + got - 32 : buf, got > 32 ? 32 : (size_t)got + 1);
			tail[32] = '\0';
		}
		if (read_marker(marker, m))
			return 0;
	}
	return -1;
}

/* Quits the console and reaps it; its ru_maxrss in kB. */
static long quit_console(pid_t pid, int master)
{
	char buf[4096];
	int status = 0;
	struct rusage ru;
	double t_quit = bench_now().wall;
	bool draining = true;

	if (write(master, "q", 1) != 1)
		kill(pid, SIGTERM);
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &status, WNOHANG, &ru) == 0) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		/* keep the pty drained so the console can finish writing; EIO once it closed */
		if (poll(&p, draining ? 1 : 0, 10) > 0 && read(master, buf, sizeof buf) <= 0)
			draining = false;
		if (bench_now().wall - t_quit > 10)
			kill(pid, SIGKILL);
	}
	close(master);
	return ru.ru_maxrss;
}

/* One console run: exec, sign in, first paint, quit. */
static int run_once(const char *bin, const char *db, const char *marker, struct run *r)
{
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	int master;
	char nokey[] = "/nonexistent/smsdesk-bench-key"; /* no syncing: the figure is start-up only */
	long long m[4];

	unlink(marker);
	double t0 = bench_now().wall;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("SMSDESK_BENCH_PAINT_FILE", marker, 1);
		execl(bin, bin, "--db", db, "--key-file", nokey, (char *)NULL);
		_exit(127);
	}
	int rc = wait_paint(master, t0, marker, r, m);
	r->rss = status_kb(pid, "VmRSS");
	r->hwm = status_kb(pid, "VmHWM");
	r->maxrss = quit_console(pid, master);
	if (rc != 0) {
		fprintf(stderr, "bench_startup: no first paint\n");
		return -1;
	}
	r->paint = ((double)m[0] / 1e6 - t0) * 1000;
	r->cpu = (double)m[1] / 1000;
	r->argon = (double)m[2] / 1000;
	r->argon_cpu = (double)m[3] / 1000;
	return 0;
}

/* The sqlite3 CLI on the inbox's query: exec to exit, wall and CPU (s). */
static int cli_once(const char *db, const char *sql, struct bench_clock *out)
{
	struct rusage ru;
	int status = 0;
	double t0 = bench_now().wall;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execl(CLI, "sqlite3", db, sql, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	out->wall = bench_now().wall - t0;
	out->cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	out->thread = 0;
	return 0;
}

/* Prints the medians, the goals and the ratio lines. */
static void report(const struct run *r, const struct bench_clock *cli, int runs, bool have_cli)
{
	double v[9][50];
	long rss = 0, hwm = 0, maxrss = 0;
	for (int i = 0; i < runs; i++) {
		double row[9] = {r[i].signin, r[i].argon, r[i].paint - r[i].signin - r[i].argon, r[i].paint,
				 r[i].paint - r[i].argon, r[i].cpu, r[i].cpu - r[i].argon_cpu, cli[i].wall * 1000,
				 cli[i].cpu * 1000};
		for (int k = 0; k < 9; k++)
			v[k][i] = row[k];
		rss = r[i].rss > rss ? r[i].rss : rss;
		hwm = r[i].hwm > hwm ? r[i].hwm : hwm;
		maxrss = r[i].maxrss > maxrss ? r[i].maxrss : maxrss;
	}
	double med[9];
	for (int k = 0; k < 9; k++)
		med[k] = bench_median(v[k], runs);
	printf("medians over %d runs (ms): exec -> sign-in screen %.1f; argon2id %.1f; the rest of sign-in -> first "
	       "paint %.1f\n", runs, med[0], med[1], med[2]);
	printf("first painted inbox with sign-in: %.1f ms (goal < %.0f ms)%s\n", med[3], GOAL_MS,
	       med[3] < GOAL_MS ? "" : " MISSED");
	printf("without argon2id: %.1f ms, %.1f ms CPU (in all %.1f ms CPU)\n", med[4], med[6], med[5]);
	printf("memory at first paint: VmRSS %ld kB (goal < %d kB)%s; VmHWM %ld kB (argon2id during sign-in); max RSS "
	       "%ld kB\n", rss, GOAL_RSS_KB, rss < GOAL_RSS_KB ? "" : " MISSED", hwm, maxrss);
	if (!have_cli)
		return;
	printf("sqlite3 CLI, same query (exec to exit): %.1f ms, %.1f ms CPU\n", med[7], med[8]);
	struct bench_clock ours = {med[4] / 1000, med[6] / 1000, 0}, lim = {med[7] / 1000, med[8] / 1000, 0};
	bench_ratio("first_paint_vs_sqlite3_cli", ours, lim, GOAL_RATIO);
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_startup SMSDESK_BINARY DB_PATH [RUNS]\n");
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	if (runs < 1 || runs > 50)
		runs = 5;
	if ((stat(argv[2], &st) != 0 && generate(argv[2]) != 0) || ensure_user(argv[2]) != 0)
		return 1;
	char *marker = xasprintf("%s.paint", argv[2]);
	char *sql = xasprintf("%sWHERE t.tenant_id = %d ORDER BY t.last_message_at DESC, t.id LIMIT %d",
			      store_thread_select_sql, TENANT, FIRST_PAGE);
	bool have_cli = access(CLI, X_OK) == 0;
	if (!have_cli)
		printf("no %s (Debian package sqlite3): no comparison\n", CLI);
	struct run r[50];
	struct bench_clock cli[50] = {{0}};
	int rc = 0;
	for (int i = 0; i < runs && rc == 0; i++) {
		rc = run_once(argv[1], argv[2], marker, &r[i]);
		if (rc == 0 && have_cli && cli_once(argv[2], sql, &cli[i]) != 0) {
			fprintf(stderr, "bench_startup: %s failed on the inbox query\n", CLI);
			rc = -1;
		}
		if (rc == 0)
			printf("run %d: sign-in screen %.1f ms, argon2id %.1f ms (%.1f CPU), first paint %.1f ms after exec "
			       "(%.1f ms CPU), VmRSS %ld kB, VmHWM %ld kB; sqlite3 CLI %.1f ms (%.1f CPU)\n",
			       i + 1, r[i].signin, r[i].argon, r[i].argon_cpu, r[i].paint, r[i].cpu, r[i].rss, r[i].hwm,
			       cli[i].wall * 1000, cli[i].cpu * 1000);
	}
	unlink(marker);
	free(marker);
	free(sql);
	if (rc != 0)
		return 1;
	report(r, cli, runs, have_cli);
	return 0;
}
