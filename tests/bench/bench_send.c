/* Benchmark: 1,000 sends to the loopback simulator over one kept-alive client, then the same
 * with a fresh client (a new connection) per send. Prints messages per second and total time.
 * Usage: bench_send [SMSDESK_BINARY [RUNS]]: with the binary, also the one-shot `smsdesk send`
 * against one `curl` process posting the same form (issue 15: within 1.5x), both over TLS
 * through the same front (benchtls.h: socat, openssl) to the same simulator, turn about, each
 * timed exec to exit (wall, and CPU from wait4). */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "benchtls.h"
#include "benchutil.h"

#define N_SENDS 1000

/* Makes a client for the simulator; exits on error (a benchmark has no one to report to). */
static struct twilio_client *client_for(struct sim *sim)
{
	struct twilio_config cfg = {.api_base = sim_base_url(sim), .account_sid = sim_account_sid(sim),
				    .username = sim_account_sid(sim), .password = sim_auth_token(sim)};
	struct twilio_client *c = NULL;
	char *err = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0) {
		fprintf(stderr, "bench_send: %s\n", err);
		exit(1);
	}
	return c;
}

/* Sends one message; exits on error. */
static void send_one(struct twilio_client *c, int i)
{
	char to[32], body[64];
	snprintf(to, sizeof(to), "+1555%07d", i % 10000000);
	snprintf(body, sizeof(body), "Reminder %d: your appointment is tomorrow at 10:00.", i);
	struct twilio_send_req req = {.to = to, .from = "+15005550006", .body = body};
	struct twilio_message m;
	struct twilio_error e;
	if (twilio_send(c, &req, &m, &e) != TW_OK) {
		fprintf(stderr, "bench_send: send %d: %s\n", i, e.message);
		exit(1);
	}
	twilio_message_free(&m);
}

static void report(const char *what, int64_t ms, long connects)
{
	double s = (double)ms / 1000.0;
	printf("%-28s %5d sends  %8.1f ms  %9.0f msg/s  %.3f ms/send  %ld connection(s)\n", what, N_SENDS,
	       (double)ms, s > 0 ? N_SENDS / s : 0.0, (double)ms / N_SENDS, connects);
}

#define CURL_BIN "/usr/bin/curl"
#define ONESHOT_FROM "+15005550006"
#define ONESHOT_BODY "Reminder: your visit is tomorrow at 3 PM."

/* Runs argv (stdin: the text `in`, or /dev/null; stdout and stderr to /dev/null unless show):
 * exit status, wall and CPU in *c. */
static int run_timed(char *const argv[], const char *in, bool show, struct bench_clock *c)
{
	int p[2] = {-1, -1};
	if (in != NULL && pipe(p) != 0)
		return -1;
	struct rusage ru;
	int status = 0;
	fflush(stdout); /* the child's output after ours */
	double t0 = bench_now().wall;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(in ? p[0] : null, 0);
		if (!show) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (in != NULL) {
		close(p[0]);
		if (write(p[1], in, strlen(in)) < 0)
			perror("bench_send: write");
		close(p[1]);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return -1;
	c->wall = bench_now().wall - t0;
	c->cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	c->thread = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A clinic in dir wired to the simulator through the TLS front: init, a location, the
 * credentials, texting hours all day (the bench may run at night). 0 or -1. */
static int oneshot_setup(const char *bin, const char *db, const char *key, struct sim *sim, const struct bench_tls *t)
{
	struct bench_clock c;
	char *init[] = {(char *)bin, "--db", (char *)db, "--key-file", (char *)key, "init", NULL};
	char *tenant[] = {(char *)bin, "--db", (char *)db, "--key-file", (char *)key, "tenant", "add", "Bench Clinic",
			  "--timezone", "America/Chicago", NULL};
	char *set[] = {(char *)bin, "--db", (char *)db, "--key-file", (char *)key, "settings", "set", "--account-sid",
		       (char *)sim_account_sid(sim), "--from", ONESHOT_FROM, "--api-base", (char *)t->base,
		       "--ca-bundle", (char *)t->cert, "--texting-hours", "00:00-24:00", "--auth-token-stdin", NULL};
	char *token = xasprintf("%s\n", sim_auth_token(sim));
	int rc = run_timed(init, NULL, true, &c) == 0 && run_timed(tenant, NULL, true, &c) == 0 &&
			 run_timed(set, token, true, &c) == 0 ? 0 : -1;
	free(token);
	return rc;
}

#define ONESHOT_MAX 100

/* `smsdesk send` and `curl` in turn, runs times each; prints the medians and the ratio. */
static int oneshot(const char *bin, struct sim *sim, int runs)
{
	struct bench_tls t;
	char dir[] = "/tmp/smsdesk-bench-send-XXXXXX";
	if (bench_tls_start(sim_base_url(sim), &t) != 0 || mkdtemp(dir) == NULL)
		return -1;
	char *db = xasprintf("%s/bench.db", dir), *key = xasprintf("%s/key", dir);
	char *url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json", t.base, sim_account_sid(sim));
	char *user = xasprintf("%s:%s", sim_account_sid(sim), sim_auth_token(sim));
	double w[2][ONESHOT_MAX], c[2][ONESHOT_MAX];
	size_t before = sim_outbound_count(sim);
	int rc = oneshot_setup(bin, db, key, sim, &t);
	for (int i = 0; i < runs && rc == 0; i++) {
		char to[32], to_form[40];
		snprintf(to, sizeof to, "+1312555%04d", i);
		snprintf(to_form, sizeof to_form, "To=%s", to);
		char *send[] = {(char *)bin, "--db", db, "--key-file", key, "send", "--to", to, "--body", ONESHOT_BODY, NULL};
		/* the same form as smsdesk's POST, the same certificate check and basic auth */
		char *curl[] = {CURL_BIN, "-sS", "-o", "/dev/null", "--fail", "--cacert", t.cert, "-u", user,
				"--data-urlencode", to_form, "--data-urlencode", "From=" ONESHOT_FROM,
				"--data-urlencode", "Body=" ONESHOT_BODY, url, NULL};
		struct bench_clock a, b;
		if (run_timed(send, NULL, i == 0, &a) != 0 || run_timed(curl, NULL, true, &b) != 0) {
			fprintf(stderr, "bench_send: run %d: smsdesk send or curl failed\n", i + 1);
			rc = -1;
			break;
		}
		w[0][i] = a.wall * 1000, c[0][i] = a.cpu * 1000, w[1][i] = b.wall * 1000, c[1][i] = b.cpu * 1000;
	}
	size_t posted = sim_outbound_count(sim) - before;
	if (rc == 0 && posted != (size_t)(2 * runs)) {
		fprintf(stderr, "bench_send: the simulator saw %zu one-shot messages, expected %d\n", posted, 2 * runs);
		rc = -1;
	}
	if (rc == 0) {
		struct bench_clock ours = {bench_median(w[0], runs) / 1000, bench_median(c[0], runs) / 1000, 0};
		struct bench_clock lim = {bench_median(w[1], runs) / 1000, bench_median(c[1], runs) / 1000, 0};
		printf("one-shot over TLS, medians of %d: smsdesk send %.1f ms (%.1f ms CPU); curl %.1f ms (%.1f ms CPU)\n",
		       runs, ours.wall * 1000, ours.cpu * 1000, lim.wall * 1000, lim.cpu * 1000);
		bench_ratio("oneshot_send/curl_tls", ours, lim, 1.5);
	}
	bench_tls_stop(&t);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_send: could not remove %s\n", dir);
	free(cmd);
	free(db);
	free(key);
	free(url);
	free(user);
	return rc;
}

int main(int argc, char **argv)
{
	struct sim *sim = NULL;
	struct sim_config sc = {.step_ms = 1000};
	char *err = NULL;
	if (sim_start(&sc, &sim, &err) != 0) {
		fprintf(stderr, "bench_send: sim_start: %s\n", err);
		return 1;
	}
	struct twilio_client *c = client_for(sim);
	int64_t t0 = clock_mono_ms();
	for (int i = 0; i < N_SENDS; i++)
		send_one(c, i);
	int64_t kept = clock_mono_ms() - t0;
	long connects = twilio_client_connects(c);
	twilio_client_free(&c);
	report("one client (keep-alive)", kept, connects);

	long fresh_connects = 0;
	t0 = clock_mono_ms();
	for (int i = 0; i < N_SENDS; i++) {
		c = client_for(sim);
		send_one(c, N_SENDS + i);
		fresh_connects += twilio_client_connects(c);
		twilio_client_free(&c);
	}
	int64_t fresh = clock_mono_ms() - t0;
	report("fresh client per send", fresh, fresh_connects);
	size_t created = sim_outbound_count(sim);
	printf("simulator saw %zu messages created (expected %d)\n", created, 2 * N_SENDS);
	int rc = created == 2 * N_SENDS ? 0 : 1;
	if (rc == 0 && argc > 1) {
		int runs = argc > 2 ? atoi(argv[2]) : 15;
		if (runs < 1 || runs > ONESHOT_MAX)
			runs = 15;
		if (access(CURL_BIN, X_OK) != 0) {
			fprintf(stderr, "bench_send: no %s (Debian package curl): no one-shot comparison\n", CURL_BIN);
			rc = 1;
		} else if (oneshot(argv[1], sim, runs) != 0) {
			rc = 1;
		}
	}
	sim_stop(&sim);
	return rc;
}
