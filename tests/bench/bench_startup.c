/* Console start-up on a big database: time from exec to the first painted inbox, and peak
 * memory, for 20,000 patients and 1,000,000 messages (store_bulk_generate, as bench_bigdb).
 * Usage: bench_startup SMSDESK_BINARY DB_PATH [RUNS]
 * DB_PATH is generated when it does not exist yet (takes a while), and reused after.
 * The console runs in a pseudo-terminal (100x30, xterm-256color) and writes the monotonic
 * time of its first inbox paint to $SMSDESK_BENCH_PAINT_FILE; peak RSS is the child's
 * VmHWM at that moment and ru_maxrss after it quits (run it again once the database exists:
 * a forked child's ru_maxrss also counts the generating parent's pages before exec). */
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
#include "src/auth.h"
#include "src/util.h"
#include "store/bulk.h"
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
	if (rc == 0)
		user_free(&u);
	else if (rc == SD_NOTFOUND)
		rc = auth_hash_password(BENCH_PASSWORD, hash, &err) != 0 ||
		     store_user_add(s, BENCH_USER, "Bench", hash, "admin", NULL, &err) != 0;
	if (rc != 0)
		fprintf(stderr, "bench_startup: %s\n", err ? err : "cannot add the bench user");
	free(err);
	store_close(&s);
	return rc == 0 ? 0 : -1;
}

/* Reads VmHWM (kB) of pid, or -1. */
static long vm_hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Reads the paint marker, or -1 when it is not there yet. */
static long long read_marker(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* One run: returns 0 and the figures, or -1. */
static int run_once(const char *bin, const char *db, const char *marker, long long *ms, long long *signin_ms,
		    long *hwm_kb, long *maxrss_kb)
{
	struct winsize ws = {.ws_row = 30, .ws_col = 100};
	int master;
	char nokey[] = "/nonexistent/smsdesk-bench-key"; /* no syncing: the figure is start-up only */

	unlink(marker);
	int64_t t0 = clock_mono_ms();
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
	/* The console opens on sign-in and drops type-ahead, so wait for the screen, then type
	 * the credentials: the figure includes the argon2id check of the password (~65 ms). */
	const char creds[] = BENCH_USER "\t" BENCH_PASSWORD "\r";
	long long painted = -1, signin_at = -1;
	char buf[4096], tail[64] = "";
	while (painted < 0 && clock_mono_ms() - t0 < 120000) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, 5) > 0) {
			ssize_t got = read(master, buf, sizeof buf - 1);
			if (got <= 0)
				break; /* the console died */
			buf[got] = '\0';
			if (signin_at < 0 && (strstr(buf, "sign in") || strstr(tail, "sign in"))) {
				signin_at = clock_mono_ms();
				if (write(master, creds, sizeof(creds) - 1) != (ssize_t)(sizeof(creds) - 1))
					break;
			}
			memcpy(tail, got > 32 ? buf + got - 32 : buf, got > 32 ? 32 : (size_t)got + 1);
			tail[32] = '\0';
		}
		painted = read_marker(marker);
	}
	*signin_ms = signin_at < 0 ? -1 : signin_at - t0;
	*hwm_kb = vm_hwm_kb(pid);
	if (write(master, "q", 1) != 1)
		kill(pid, SIGTERM);
	int status = 0;
	struct rusage ru;
	int64_t t_quit = clock_mono_ms();
	bool draining = true;
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &status, WNOHANG, &ru) == 0) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		/* keep the pty drained so the console can finish writing; EIO once it closed */
		if (poll(&p, draining ? 1 : 0, 10) > 0 && read(master, buf, sizeof buf) <= 0)
			draining = false;
		if (clock_mono_ms() - t_quit > 10000)
			kill(pid, SIGKILL);
	}
	close(master);
	*maxrss_kb = ru.ru_maxrss;
	if (painted < 0) {
		fprintf(stderr, "bench_startup: no first paint (exit status %d)\n", status);
		return -1;
	}
	*ms = painted - t0;
	return 0;
}

/* Sorts for the median. */
static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
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
	long long ms[50], signin[50];
	long hwm = 0, maxrss = 0;
	for (int i = 0; i < runs; i++) {
		long h, m;
		if (run_once(argv[1], argv[2], marker, &ms[i], &signin[i], &h, &m) != 0) {
			free(marker);
			return 1;
		}
		printf("run %d: sign-in screen at %lld ms, first inbox paint at %lld ms (%lld ms after the password was "
		       "typed), VmHWM at paint %ld kB, max RSS %ld kB\n",
		       i + 1, signin[i], ms[i], ms[i] - signin[i], h, m);
		hwm = h > hwm ? h : hwm;
		maxrss = m > maxrss ? m : maxrss;
	}
	unlink(marker);
	free(marker);
	qsort(ms, (size_t)runs, sizeof ms[0], cmp_ll);
	qsort(signin, (size_t)runs, sizeof signin[0], cmp_ll);
	printf("start to sign-in screen: median %lld ms\n", signin[runs / 2]);
	printf("start to first painted inbox (sign-in typed at once): median %lld ms (min %lld, max %lld) over %d runs\n", ms[runs / 2], ms[0],
	       ms[runs - 1], runs);
	printf("peak memory: VmHWM %ld kB at first paint, max RSS %ld kB over the whole run\n", hwm, maxrss);
	return 0;
}
