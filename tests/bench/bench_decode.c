/* Micro-benchmark for the list decoder (issue 15 item 1): one page of 1,000 messages as the
 * simulator serves it (or a saved page), decoded and freed N times; then the same page listed
 * through the real client from the simulator N times (the poller's listing and decoding without
 * the store). Prints medians of 5 rounds in ns per message by this thread's CPU (the simulator
 * answers from its own thread: Twilio's side is not counted).
 * Usage: bench_decode [N [PAGE.json]]   (N pages per round, default 100; a saved page is only
 *                                        decoded, not listed)
 *        bench_decode --save PAGE.json  (writes the simulator's page for later runs) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/json_arena.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"
#include "benchutil.h"

#define ROUNDS 5
#define CLINIC "+13125550100"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_decode: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* A simulator holding 1,000 inbound messages (bench_inbound's bodies, plus a 1,600-character
 * one in each hundred) and a client of it. */
static void sim_setup(struct sim **sim, struct twilio_client **c)
{
	static const char *bodies[] = {"See you then",		 "thanks!", "HELP",
				       "running 5 min late",	 "C",	    "Can I bring my son?",
				       "please stop texting me", "ok"};
	char *err = NULL, phone[32], longbody[1601];
	struct sim_config sc = {.step_ms = 1};
	if (sim_start(&sc, sim, &err) != 0)
		die("sim", err);
	for (int i = 0; i < 1600; i++)
		longbody[i] = (char)('a' + i % 26);
	longbody[1600] = '\0';
	for (int i = 0; i < 1000; i++) {
		snprintf(phone, sizeof(phone), "+1312%07d", 5000000 + i);
		if (sim_inject_inbound(*sim, phone, CLINIC, i % 100 == 99 ? longbody : bodies[i % 8], NULL) !=
		    0)
			die("inject", NULL);
	}
	struct twilio_config cfg = {.api_base = sim_base_url(*sim),
				    .account_sid = sim_account_sid(*sim),
				    .username = sim_account_sid(*sim),
				    .password = sim_auth_token(*sim)};
	if (twilio_client_new(&cfg, c, &err) != 0)
		die("client", err);
}

/* The simulator's page as raw bytes (malloc'd). */
static char *raw_page(struct twilio_client *c, size_t *len)
{
	struct twilio_error e = {0};
	const char *body = NULL;
	long status = 0;
	if (twilio_get_path(c, "Messages.json?PageSize=1000", false, &status, &body, len, NULL, &e) != TW_OK)
		die("list", e.message);
	char *copy = xmalloc(*len + 1);
	memcpy(copy, body, *len);
	copy[*len] = '\0';
	twilio_error_clear(&e);
	return copy;
}

/* A saved page (malloc'd), or NULL. */
static char *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 20;
	char *buf = xmalloc(cap);
	*len = 0;
	size_t got;
	while ((got = fread(buf + *len, 1, cap - *len, f)) > 0) {
		*len += got;
		if (*len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	fclose(f);
	return buf;
}

/* qsort comparator for doubles. */
static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One page decoded (page != NULL) or listed from the simulator; its message count. */
static size_t one_page(struct json_arena *arena, const char *page, size_t len, struct twilio_client *c)
{
	struct twilio_page p;
	char *why = NULL;
	if (page != NULL && twilio_decode_page(arena, page, len, &p, &why) != TWD_OK)
		die("decode", why);
	if (page == NULL) {
		struct twilio_list_query q = {.to = CLINIC, .page_size = 1000};
		struct twilio_error e = {0};
		if (twilio_list(c, &q, &p, &e) != TW_OK)
			die("list", e.message);
	}
	size_t n = p.n;
	twilio_page_free(&p);
	return n;
}

/* Prints the median of ROUNDS rounds of n pages, in ns per message by thread CPU. */
static void rounds(const char *what, int n, struct json_arena *arena, const char *page, size_t len,
		   struct twilio_client *c)
{
	double ns[ROUNDS];
	size_t items = 0;
	for (int r = 0; r < ROUNDS; r++) {
		struct bench_clock t0 = bench_now();
		for (int i = 0; i < n; i++)
			items = one_page(arena, page, len, c);
		struct bench_clock d = bench_since(t0, bench_now());
		ns[r] = d.thread * 1e9 / ((double)n * (double)(items ? items : 1));
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), by_value);
	printf("bench_decode: %s %zu messages %d times per round: median %.0f ns/message (rounds %.0f-%.0f) "
	       "by thread cpu\n",
	       what, items, n, ns[ROUNDS / 2], ns[0], ns[ROUNDS - 1]);
}

int main(int argc, char **argv)
{
	struct sim *sim = NULL;
	struct twilio_client *c = NULL;
	size_t len = 0;
	char *page = NULL;
	int n = argc > 1 && strcmp(argv[1], "--save") != 0 ? atoi(argv[1]) : 100;
	if (n < 1)
		die("usage", "bench_decode [N [PAGE.json]] | --save PAGE.json");
	if (argc > 2 && strcmp(argv[1], "--save") != 0) {
		page = load(argv[2], &len);
		if (page == NULL)
			die("read", argv[2]);
	} else {
		sim_setup(&sim, &c);
		page = raw_page(c, &len);
	}
	if (argc == 3 && strcmp(argv[1], "--save") == 0) {
		FILE *f = fopen(argv[2], "wb");
		if (f == NULL || fwrite(page, 1, len, f) != len || fclose(f) != 0)
			die("save", argv[2]);
	} else {
		struct json_arena *arena =
		    json_arena_new(); /* kept across pages, as the client keeps its own */
		rounds("decoding", n, arena, page, len, NULL);
		json_arena_free(&arena);
		if (c != NULL)
			rounds("listing (HTTP) and decoding", n, NULL, NULL, 0, c);
	}
	free(page);
	twilio_client_free(&c);
	sim_stop(&sim);
	return 0;
}
