/* Benchmark: 1,000 sends to the loopback simulator over one kept-alive client, then the same
 * with a fresh client (a new connection) per send. Prints messages per second and total time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"

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

int main(void)
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
	sim_stop(&sim);
	return created == 2 * N_SENDS ? 0 : 1;
}
