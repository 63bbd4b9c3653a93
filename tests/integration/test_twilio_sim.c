/* The real Twilio client (src/twilio.c) against the real loopback simulator (src/sim/): sends,
 * fetches, paging, status progression, Twilio's magic numbers, faults and retries, keep-alive,
 * and every request checked against Twilio's OpenAPI description. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"

#define FROM "+15005550006" /* Twilio's magic valid From */
#define MG_SID "MG0123456789abcdef0123456789abcdef"

struct fx {
	struct sim *sim;
	struct twilio_client *c;
};

/* Starts a simulator with step_ms and a client for it with quick backoff. */
static struct fx *fx_new(int step_ms, long timeout_ms, int max_retries)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct sim_config sc = {.step_ms = step_ms};
	char *err = NULL;
	if (sim_start(&sc, &f->sim, &err) != 0)
		fail_msg("sim_start: %s", err);
	struct twilio_config cfg = {
		.api_base = sim_base_url(f->sim),
		.account_sid = sim_account_sid(f->sim),
		.username = sim_account_sid(f->sim),
		.password = sim_auth_token(f->sim),
		.timeout_ms = timeout_ms,
		.max_retries = max_retries,
		.backoff_base_ms = 10,
	};
	if (twilio_client_new(&cfg, &f->c, &err) != 0)
		fail_msg("twilio_client_new: %s", err);
	return f;
}

static void fx_free(struct fx *f)
{
	twilio_client_free(&f->c);
	assert_null(f->c);
	sim_stop(&f->sim);
	free(f);
}

/* Sends body to `to` from the magic valid From. */
static enum twilio_result send_to(struct fx *f, const char *to, const char *body, struct twilio_message *m,
				  struct twilio_error *e)
{
	struct twilio_send_req req = {.to = to, .from = FROM, .body = body};
	return twilio_send(f->c, &req, m, e);
}

static void twilio_send__creates_and_fetches__when_sim_accepts(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_message m, got;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230001", "Hello from the desk \xe2\x9c\x93", &m, &e), TW_OK);
	assert_null(e.message);
	assert_non_null(m.sid);
	assert_int_equal(strlen(m.sid), 34);
	assert_string_equal(m.to, "+15551230001");
	assert_string_equal(m.from, FROM);
	assert_string_equal(m.body, "Hello from the desk \xe2\x9c\x93");
	assert_string_equal(m.status, "queued");
	assert_string_equal(m.direction, "outbound-api");
	assert_string_equal(m.account_sid, sim_account_sid(f->sim));
	assert_true(m.date_created > 0);
	assert_int_equal(twilio_fetch(f->c, m.sid, &got, &e), TW_OK);
	assert_string_equal(got.sid, m.sid);
	assert_string_equal(got.body, m.body);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	char *body = sim_outbound_body(f->sim, "+15551230001", 0);
	assert_string_equal(body, "Hello from the desk \xe2\x9c\x93");
	free(body);
	twilio_message_free(&m);
	twilio_message_free(&got);
	fx_free(f);
}

static void twilio_list__follows_next_page_uri__when_three_pages(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	const char *to = "+15551230007";
	char *sids[7];
	struct twilio_message m;
	struct twilio_error e;
	for (int i = 0; i < 7; i++) {
		char body[32];
		snprintf(body, sizeof(body), "message %d", i);
		assert_int_equal(send_to(f, to, body, &m, &e), TW_OK);
		sids[i] = xstrdup(m.sid);
		twilio_message_free(&m);
	}
	assert_int_equal(send_to(f, "+15551239999", "someone else", &m, &e), TW_OK);
	twilio_message_free(&m);
	struct twilio_list_query q = {.to = to, .page_size = 3};
	struct twilio_page p;
	int pages = 0, seen[7] = {0};
	size_t total = 0;
	enum twilio_result r = twilio_list(f->c, &q, &p, &e);
	while (r == TW_OK) {
		pages++;
		assert_true(p.n <= 3);
		for (size_t i = 0; i < p.n; i++) {
			assert_string_equal(p.items[i].to, to);
			for (int k = 0; k < 7; k++)
				if (strcmp(p.items[i].sid, sids[k]) == 0)
					seen[k]++;
		}
		total += p.n;
		if (p.next_page_uri == NULL)
			break;
		char *next = xstrdup(p.next_page_uri);
		twilio_page_free(&p);
		r = twilio_list_next(f->c, next, &p, &e);
		free(next);
	}
	assert_int_equal(r, TW_OK);
	twilio_page_free(&p);
	assert_int_equal(pages, 3);
	assert_int_equal(total, 7);
	for (int k = 0; k < 7; k++) {
		assert_int_equal(seen[k], 1);
		free(sids[k]);
	}
	fx_free(f);
}

/* The position of a status in the outbound lifecycle. */
static int status_rank(const char *s)
{
	const char *order[] = {"queued", "sending", "sent", "delivered"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, order[i]) == 0)
			return i;
	fail_msg("unexpected status %s", s);
	return -1;
}

static void twilio_fetch__sees_queued_sent_delivered__when_time_passes(void **state)
{
	/* Steps of 800 ms: "sent" lasts long enough to be seen by a poll every 5 ms even on a
	 * loaded machine (150 ms steps were missed now and then under parallel ctest + ASan). */
	struct fx *f = fx_new(800, 0, 0);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230002", "progress", &m, &e), TW_OK);
	assert_string_equal(m.status, "queued");
	int last = 0;
	bool saw_sent = false;
	int64_t deadline = clock_mono_ms() + 15000;
	while (last < 3 && clock_mono_ms() < deadline) {
		struct twilio_message g;
		assert_int_equal(twilio_fetch(f->c, m.sid, &g, &e), TW_OK);
		int rank = status_rank(g.status);
		assert_true(rank >= last); /* never goes backwards */
		saw_sent |= rank == 2;
		if (rank == 3)
			assert_true(g.date_sent > 0);
		last = rank;
		twilio_message_free(&g);
		struct timespec ts = {0, 5 * 1000000L};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(last, 3);
	assert_true(saw_sent);
	twilio_message_free(&m);
	fx_free(f);
}

static void twilio_send__maps_magic_numbers__when_twilio_rejects(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct {
		const char *to, *from;
		int code;
	} cases[] = {
		{"+15005550001", FROM, 21211},           {"+15005550004", FROM, 21610},
		{"+15005550009", FROM, 21614},           {"+15005550002", FROM, 21612},
		{"+15551230003", "+15005550001", 21212}, {"+15551230003", "+15005550007", 21606},
	};
	size_t before = sim_request_count(f->sim);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct twilio_send_req req = {.to = cases[i].to, .from = cases[i].from, .body = "hi"};
		struct twilio_message m;
		struct twilio_error e;
		assert_int_equal(twilio_send(f->c, &req, &m, &e), TW_ERR_REJECTED);
		assert_int_equal(e.kind, TW_ERR_REJECTED);
		assert_int_equal(e.code, cases[i].code);
		assert_int_equal(e.http_status, 400);
		assert_false(e.retryable);
		assert_non_null(e.message);
		assert_true(strlen(e.message) > 5);
		assert_null(m.sid);
		twilio_error_clear(&e);
	}
	/* never retried: one request each, and nothing created */
	assert_int_equal(sim_request_count(f->sim) - before, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(sim_outbound_count(f->sim), 0);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230003", "fine", &m, &e), TW_OK);
	twilio_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	fx_free(f);
}

static void twilio_client__reports_auth__when_token_is_wrong(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_config cfg = {.api_base = sim_base_url(f->sim), .account_sid = sim_account_sid(f->sim),
				    .username = sim_account_sid(f->sim), .password = "not-the-token", .backoff_base_ms = 10};
	struct twilio_client *bad = NULL;
	char *err = NULL;
	assert_int_equal(twilio_client_new(&cfg, &bad, &err), 0);
	struct twilio_message m;
	struct twilio_error e;
	struct twilio_send_req req = {.to = "+15551230004", .from = FROM, .body = "x"};
	size_t before = sim_request_count(f->sim);
	assert_int_equal(twilio_send(bad, &req, &m, &e), TW_ERR_AUTH);
	assert_int_equal(e.http_status, 401);
	assert_int_equal(e.code, 20003);
	assert_false(e.retryable);
	assert_non_null(strstr(e.message, "credentials"));
	twilio_error_clear(&e);
	struct twilio_account a;
	assert_int_equal(twilio_fetch_account(bad, &a, &e), TW_ERR_AUTH);
	twilio_error_clear(&e);
	assert_int_equal(sim_request_count(f->sim) - before, 2);
	assert_int_equal(sim_outbound_count(f->sim), 0);
	twilio_client_free(&bad);
	assert_int_equal(twilio_fetch_account(f->c, &a, &e), TW_OK);
	assert_string_equal(a.sid, sim_account_sid(f->sim));
	twilio_account_free(&a);
	fx_free(f);
}

static void twilio_send__waits_retry_after__when_429_then_ok(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	sim_set_fault(f->sim, SIM_FAULT_429, 1, 1);
	size_t before = sim_request_count(f->sim);
	int64_t t0 = clock_mono_ms();
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230005", "after 429", &m, &e), TW_OK);
	assert_true(clock_mono_ms() - t0 >= 950); /* Retry-After: 1 wins over the 10 ms backoff */
	assert_int_equal(e.kind, TW_OK);
	assert_null(e.message); /* the 429 of the first attempt is not reported */
	assert_int_equal(sim_request_count(f->sim) - before, 2);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	twilio_message_free(&m);
	fx_free(f);
}

static void twilio_send__gives_rate__when_429_persists(void **state)
{
	struct fx *f = fx_new(1000, 0, 1);
	sim_set_fault(f->sim, SIM_FAULT_429, 5, 1);
	size_t before = sim_request_count(f->sim);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230005", "429 always", &m, &e), TW_ERR_RATE);
	assert_int_equal(e.http_status, 429);
	assert_true(e.retryable);
	assert_int_equal(sim_request_count(f->sim) - before, 2); /* one try + max_retries (1) */
	assert_int_equal(sim_outbound_count(f->sim), 0);
	twilio_error_clear(&e);
	sim_set_fault(f->sim, SIM_FAULT_NONE, 0, 0);
	fx_free(f);
}

static void twilio_fetch_and_list__retry__when_500_then_ok(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_message m, g;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230006", "500", &m, &e), TW_OK);
	sim_set_fault(f->sim, SIM_FAULT_500, 2, 0);
	size_t before = sim_request_count(f->sim);
	assert_int_equal(twilio_fetch(f->c, m.sid, &g, &e), TW_OK);
	assert_string_equal(g.sid, m.sid);
	assert_int_equal(sim_request_count(f->sim) - before, 3);
	twilio_message_free(&g);
	sim_set_fault(f->sim, SIM_FAULT_500, 1, 0);
	struct twilio_list_query q = {.to = "+15551230006"};
	struct twilio_page p;
	assert_int_equal(twilio_list(f->c, &q, &p, &e), TW_OK);
	assert_int_equal(p.n, 1);
	twilio_page_free(&p);
	twilio_message_free(&m);
	fx_free(f);
}

static void twilio_send__does_not_retry__when_500_may_have_created(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	sim_set_fault(f->sim, SIM_FAULT_500, 1, 0);
	size_t before = sim_request_count(f->sim);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230008", "500 on send", &m, &e), TW_ERR_SERVER);
	assert_int_equal(e.http_status, 500);
	assert_true(e.retryable); /* the outbox reconciles by listing */
	assert_int_equal(sim_request_count(f->sim) - before, 1);
	twilio_error_clear(&e);
	fx_free(f);
}

static void twilio_send__retries__when_503_then_ok(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	sim_set_fault(f->sim, SIM_FAULT_503, 2, 0);
	size_t before = sim_request_count(f->sim);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230009", "after 503", &m, &e), TW_OK);
	assert_int_equal(sim_request_count(f->sim) - before, 3);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	assert_int_equal(sim_outbound_count_to(f->sim, "+15551230009"), 1);
	twilio_message_free(&m);
	fx_free(f);
}

static void twilio_fetch__gives_parse__when_json_is_malformed(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_message m, g;
	struct twilio_error e;
	assert_int_equal(send_to(f, "+15551230010", "malformed", &m, &e), TW_OK);
	sim_set_fault(f->sim, SIM_FAULT_MALFORMED, 1, 0);
	size_t before = sim_request_count(f->sim);
	assert_int_equal(twilio_fetch(f->c, m.sid, &g, &e), TW_ERR_PARSE);
	assert_non_null(strstr(e.message, "Twilio's answer could not be read"));
	assert_non_null(strstr(e.message, "JSON"));
	assert_false(e.retryable);
	assert_null(g.sid);
	assert_int_equal(sim_request_count(f->sim) - before, 1);
	twilio_error_clear(&e);
	twilio_message_free(&m);
	fx_free(f);
}

static void twilio_send__times_out_without_retry__when_sim_hangs(void **state)
{
	struct fx *f = fx_new(1000, 400, 3);
	sim_set_fault(f->sim, SIM_FAULT_HANG, 1, 5000);
	size_t before = sim_request_count(f->sim);
	struct twilio_message m;
	struct twilio_error e;
	int64_t t0 = clock_mono_ms();
	assert_int_equal(send_to(f, "+15551230011", "hang", &m, &e), TW_ERR_TIMEOUT);
	/* gave up after its own 400 ms timeout: not the 5 s hang, not retries with backoff */
	assert_true(clock_mono_ms() - t0 < 2500);
	assert_true(e.retryable);
	assert_int_equal(e.http_status, 0);
	assert_non_null(e.message);
	/* a send that may have been accepted is not repeated */
	assert_int_equal(sim_request_count(f->sim) - before, 1);
	twilio_error_clear(&e);
	/* a GET that hangs once is simply asked again */
	assert_int_equal(send_to(f, "+15551230011", "after hang", &m, &e), TW_OK);
	sim_set_fault(f->sim, SIM_FAULT_HANG, 1, 1500);
	struct twilio_message g;
	assert_int_equal(twilio_fetch(f->c, m.sid, &g, &e), TW_OK);
	twilio_message_free(&g);
	twilio_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	fx_free(f);
}

/* A loopback port with nothing listening. */
static unsigned short closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void twilio_send__gives_network__when_nothing_listens(void **state)
{
	char *base = xasprintf("http://127.0.0.1:%u", closed_port());
	struct twilio_config cfg = {.api_base = base, .account_sid = "AC00000000000000000000000000000000",
				    .username = "AC00000000000000000000000000000000", .password = "x",
				    .max_retries = 2, .backoff_base_ms = 5};
	struct twilio_client *c = NULL;
	char *err = NULL;
	assert_int_equal(twilio_client_new(&cfg, &c, &err), 0);
	struct twilio_send_req req = {.to = "+15551230012", .from = FROM, .body = "x"};
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(twilio_send(c, &req, &m, &e), TW_ERR_NETWORK);
	assert_true(e.retryable);
	assert_non_null(strstr(e.message, "could not reach Twilio"));
	twilio_error_clear(&e);
	twilio_client_free(&c);
	free(base);
}

static void twilio_client__refuses__when_config_is_unsafe_or_wrong(void **state)
{
	struct twilio_client *c = NULL;
	char *err = NULL;
	const char *acct = "AC00000000000000000000000000000000";
	struct twilio_config cfgs[] = {
		{.api_base = "http://api.twilio.com", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "http://127.0.0.1.evil.example", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "ftp://127.0.0.1", .account_sid = acct, .username = acct, .password = "x"},
		/* user info: curl would connect to evil.example over plain http with our token */
		{.api_base = "http://127.0.0.1:80@evil.example", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "http://localhost@evil.example", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "https://user:pw@api.twilio.com", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "https://api.twilio.com/?x=1", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "https://", .account_sid = acct, .username = acct, .password = "x"},
		{.api_base = "https://api.twilio.com", .account_sid = "AC../../x", .username = acct, .password = "x"},
		{.api_base = "https://api.twilio.com", .account_sid = acct, .username = acct, .password = ""},
		{.api_base = "https://api.twilio.com", .account_sid = acct, .username = acct, .password = "x",
		 .ca_bundle = "/nonexistent/ca.pem"},
	};
	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		assert_int_equal(twilio_client_new(&cfgs[i], &c, &err), -1);
		assert_null(c);
		assert_non_null(err);
		/* the refusal never echoes the base, which may hold credentials */
		assert_null(strstr(err, "evil"));
		assert_null(strstr(err, "pw@"));
	}
	free(err);
	/* still accepted: https anywhere, http to loopback with a port and a path */
	const char *good[] = {"https://api.twilio.com", "https://api.dublin.ie1.twilio.com/", "http://127.0.0.1:8080",
			      "http://localhost:1/base", "http://[::1]:9"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct twilio_config ok = {.api_base = good[i], .account_sid = acct, .username = acct, .password = "x"};
		assert_int_equal(twilio_client_new(&ok, &c, &err), 0);
		twilio_client_free(&c);
	}
}

static void twilio_calls__give_usage__when_arguments_are_bad(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_message m;
	struct twilio_error e;
	struct twilio_send_req no_to = {.from = FROM, .body = "x"};
	struct twilio_send_req no_from = {.to = "+15551230013", .body = "x"};
	struct twilio_send_req no_body = {.to = "+15551230013", .from = FROM};
	const struct twilio_send_req *bad[] = {&no_to, &no_from, &no_body};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(twilio_send(f->c, bad[i], &m, &e), TW_ERR_USAGE);
		assert_non_null(e.message);
		twilio_error_clear(&e);
	}
	assert_int_equal(twilio_fetch(f->c, "../../Accounts.json", &m, &e), TW_ERR_USAGE);
	twilio_error_clear(&e);
	struct twilio_page p;
	const char *foreign[] = {"https://evil.example/x", "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json",
				 "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json\r\nX: y", "//evil.example/"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(twilio_list_next(f->c, foreign[i], &p, &e), TW_ERR_USAGE);
		twilio_error_clear(&e);
	}
	assert_int_equal(sim_request_count(f->sim), 0);
	fx_free(f);
}

static void twilio_client__keeps_one_connection__when_sending_100(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	for (int i = 0; i < 100; i++) {
		struct twilio_message m;
		struct twilio_error e;
		assert_int_equal(send_to(f, "+15551230014", "keep-alive", &m, &e), TW_OK);
		twilio_message_free(&m);
	}
	assert_int_equal(twilio_client_connects(f->c), 1);
	assert_int_equal(sim_outbound_count_to(f->sim, "+15551230014"), 100);
	fx_free(f);
}

/* ------------------------------------------------ requests against the OpenAPI description */

/* Decodes %XX and '+' in place. */
static void url_decode(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '%' && r[1] && r[2]) {
			char hex[3] = {r[1], r[2], 0};
			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
		} else {
			*w++ = *r == '+' ? ' ' : *r;
		}
	}
	*w = '\0';
}

static bool regex_ok(const char *pattern, const char *value)
{
	regex_t re;
	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = regexec(&re, value, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* Resolves a local $ref. */
static const cJSON *deref(const cJSON *doc, const cJSON *schema)
{
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
	if (!cJSON_IsString(ref) || strncmp(ref->valuestring, "#/components/schemas/", 21) != 0)
		return schema;
	const cJSON *schemas = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas");
	return cJSON_GetObjectItemCaseSensitive(schemas, ref->valuestring + 21);
}

/* NULL when value fits the schema, else why not (static text). */
static const char *value_problem(const cJSON *doc, const cJSON *schema, const char *value)
{
	schema = deref(doc, schema);
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(schema, "type"));
	const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(schema, "format"));
	const char *pattern = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(schema, "pattern"));
	const cJSON *minl = cJSON_GetObjectItemCaseSensitive(schema, "minLength");
	const cJSON *maxl = cJSON_GetObjectItemCaseSensitive(schema, "maxLength");
	const cJSON *min = cJSON_GetObjectItemCaseSensitive(schema, "minimum");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(schema, "maximum");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
	if (type && strcmp(type, "array") == 0)
		return value_problem(doc, cJSON_GetObjectItemCaseSensitive(schema, "items"), value);
	if (type && strcmp(type, "integer") == 0) {
		if (!regex_ok("^-?[0-9]+$", value))
			return "not an integer";
		long v = atol(value);
		if ((cJSON_IsNumber(min) && v < min->valuedouble) || (cJSON_IsNumber(max) && v > max->valuedouble))
			return "integer out of range";
		return NULL;
	}
	if (type && strcmp(type, "boolean") == 0)
		return strcmp(value, "true") == 0 || strcmp(value, "false") == 0 ? NULL : "not a boolean";
	if (pattern && !regex_ok(pattern, value))
		return "does not match the pattern";
	if (cJSON_IsNumber(minl) && strlen(value) < (size_t)minl->valuedouble)
		return "too short";
	if (cJSON_IsNumber(maxl) && strlen(value) > (size_t)maxl->valuedouble)
		return "too long";
	if (format && strcmp(format, "phone-number") == 0 && !regex_ok("^\\+[1-9][0-9]{1,14}$", value))
		return "not an E.164 phone number";
	if (format && strcmp(format, "uri") == 0 && !regex_ok("^https?://[^[:space:]]+$", value))
		return "not a URI";
	if (format && strcmp(format, "date-time") == 0 && !regex_ok("^[0-9]{4}-[0-9]{2}-[0-9]{2}", value))
		return "not a date";
	if (cJSON_IsArray(en)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, en) if (cJSON_IsString(it) && strcmp(it->valuestring, value) == 0) return NULL;
		return "not one of the enum values";
	}
	return NULL;
}

/* Matches a concrete path against a template with {Name} placeholders; records path params in vals. */
static bool path_match(const char *tpl, const char *path, cJSON *vals)
{
	if (*tpl == '\0')
		return *path == '\0';
	if (*tpl != '{')
		return *tpl == *path && path_match(tpl + 1, path + 1, vals);
	const char *close = strchr(tpl, '}');
	char *name = xstrndup(tpl + 1, (size_t)(close - tpl - 1));
	for (size_t n = 1; path[n - 1] != '\0' && path[n - 1] != '/'; n++) {
		if (path_match(close + 1, path + n, vals)) {
			char *v = xstrndup(path, n);
			cJSON_AddStringToObject(vals, name, v);
			free(v);
			free(name);
			return true;
		}
	}
	free(name);
	return false;
}

/* Checks name=value pairs of a query or form against the declared parameters; NULL or why not. */
static char *check_pairs(const cJSON *doc, const cJSON *declared, const cJSON *required, char *pairs)
{
	cJSON *seen = cJSON_CreateObject();
	char *why = NULL;
	for (char *save = NULL, *kv = strtok_r(pairs, "&", &save); kv && !why; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq == NULL) {
			why = xasprintf("pair without '=': %s", kv);
			break;
		}
		*eq = '\0';
		url_decode(kv);
		url_decode(eq + 1);
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(declared, kv);
		if (schema == NULL)
			why = xasprintf("parameter %s is not declared", kv);
		else if (cJSON_GetObjectItemCaseSensitive(seen, kv) != NULL &&
			 strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(deref(doc, schema), "type")) ?: "", "array") != 0)
			why = xasprintf("parameter %s repeated", kv);
		else if (value_problem(doc, schema, eq + 1) != NULL)
			why = xasprintf("parameter %s=%s: %s", kv, eq + 1, value_problem(doc, schema, eq + 1));
		if (cJSON_GetObjectItemCaseSensitive(seen, kv) == NULL)
			cJSON_AddTrueToObject(seen, kv);
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, required) if (!why && cJSON_GetObjectItemCaseSensitive(seen, r->valuestring) == NULL) why =
		xasprintf("required parameter %s missing", r->valuestring);
	cJSON_Delete(seen);
	return why;
}

/* Validates one request against the description: NULL when valid, else why (malloc'd). */
static char *openapi_problem(const cJSON *doc, const char *method, const char *target, const char *body)
{
	char *path = xstrdup(target), *query = strchr(path, '?'), *why = NULL;
	if (query)
		*query++ = '\0';
	const cJSON *tpl, *op = NULL;
	cJSON *vals = NULL;
	const char *no_method = NULL;
	char *m = xstrdup(method);
	for (char *p = m; *p; p++)
		*p = (char)(*p | 0x20); /* the description keys operations in lower case */
	cJSON_ArrayForEach(tpl, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
	{
		cJSON_Delete(vals);
		vals = cJSON_CreateObject();
		if (!path_match(tpl->string, path, vals))
			continue;
		op = cJSON_GetObjectItemCaseSensitive(tpl, m);
		if (op != NULL)
			break;
		no_method = tpl->string;
	}
	free(m);
	if (op == NULL)
		why = no_method ? xasprintf("%s is not an operation of %s", method, no_method)
				: xasprintf("no path template matches %s", path);
	cJSON *qdecl = cJSON_CreateObject(), *qreq = cJSON_CreateArray();
	const cJSON *prm, *params = op ? cJSON_GetObjectItemCaseSensitive(op, "parameters") : NULL;
	cJSON_ArrayForEach(prm, params)
	{
		const char *in = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prm, "in"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(prm, "name"));
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(prm, "schema");
		if (strcmp(in, "path") == 0 && why == NULL) {
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vals, name));
			if (v == NULL || value_problem(doc, schema, v) != NULL)
				why = xasprintf("path parameter %s=%s: %s", name, v ? v : "(missing)",
						v ? value_problem(doc, schema, v) : "missing");
		} else if (strcmp(in, "query") == 0) {
			cJSON_AddItemReferenceToObject(qdecl, name, (cJSON *)schema);
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prm, "required")))
				cJSON_AddItemToArray(qreq, cJSON_CreateString(name));
		}
	}
	if (why == NULL) {
		char *q = xstrdup(query ? query : "");
		why = check_pairs(doc, qdecl, qreq, q);
		free(q);
	}
	if (why == NULL && strcmp(method, "POST") == 0) {
		const cJSON *rb = cJSON_GetObjectItemCaseSensitive(op, "requestBody");
		const cJSON *form = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rb, "content"),
								     "application/x-www-form-urlencoded");
		const cJSON *schema = cJSON_GetObjectItemCaseSensitive(form, "schema");
		char *b = xstrdup(body ? body : "");
		why = check_pairs(doc, cJSON_GetObjectItemCaseSensitive(schema, "properties"),
				  cJSON_GetObjectItemCaseSensitive(schema, "required"), b);
		free(b);
	} else if (why == NULL && body != NULL && *body != '\0') {
		why = xasprintf("a %s with a body", method);
	}
	cJSON_Delete(qdecl);
	cJSON_Delete(qreq);
	cJSON_Delete(vals);
	free(path);
	return why;
}

static cJSON *load_openapi(void)
{
	char *path = tu_source_path("tests/data/twilio/twilio_api_v2010.json");
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	assert_non_null(text);
	cJSON *doc = cJSON_ParseWithLength(text, len);
	assert_non_null(doc);
	free(text);
	free(path);
	return doc;
}

static void openapi_check__rejects__when_request_breaks_the_description(void **state)
{
	cJSON *doc = load_openapi();
	const char *ok = "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";
	char *why = openapi_problem(doc, "POST", ok, "To=%2B15551230001&From=%2B15005550006&Body=hi");
	if (why)
		fail_msg("valid request refused: %s", why);
	const char *bad[][3] = {
		{"POST", ok, "To=%2B15551230001&Foo=1"},
		{"POST", ok, "From=%2B15005550006&Body=hi"},
		{"POST", ok, "To=5551230001&Body=hi"},
		{"POST", ok, "To=%2B15551230001&MessagingServiceSid=MGxyz"},
		{"POST", ok, "To=%2B15551230001&To=%2B15551230002"},
		{"PUT", ok, "To=%2B15551230001"},
		{"GET", "/2010-04-01/Accounts/ACnothex/Messages.json", ""},
		{"GET", "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?PageSize=5000", ""},
		{"GET", "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json?Body=x", ""},
		{"GET", "/2010-04-01/Accounts/AC00000000000000000000000000000000/Texts.json", ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = openapi_problem(doc, bad[i][0], bad[i][1], bad[i][2]);
		if (why == NULL)
			fail_msg("bad request %zu accepted: %s %s %s", i, bad[i][0], bad[i][1], bad[i][2]);
		free(why);
	}
	cJSON_Delete(doc);
}

static void twilio_client__sends_only_valid_requests__when_checked_against_openapi(void **state)
{
	struct fx *f = fx_new(1000, 0, 0);
	struct twilio_message m, g;
	struct twilio_error e;
	const char *media[] = {"https://example.com/a.jpg", "https://example.com/b%20c.png?x=1&y=2"};
	struct twilio_send_req reqs[] = {
		{.to = "+15551230020", .from = FROM, .body = "plain & simple = 100% +fun"},
		{.to = "+15551230020", .messaging_service_sid = MG_SID, .body = "via service \xf0\x9f\x91\x8d"},
		{.to = "+15551230020", .from = FROM, .body = "with media", .media_urls = media, .n_media = 2},
		{.to = "+15551230020", .from = FROM, .media_urls = media, .n_media = 1},
	};
	char *sid = NULL;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		if (twilio_send(f->c, &reqs[i], &m, &e) != TW_OK)
			fail_msg("send %zu: %s", i, e.message);
		if (sid == NULL)
			sid = xstrdup(m.sid);
		twilio_message_free(&m);
	}
	char *b = sim_outbound_body(f->sim, "+15551230020", 0);
	assert_string_equal(b, "plain & simple = 100% +fun");
	free(b);
	assert_int_equal(twilio_fetch(f->c, sid, &g, &e), TW_OK);
	twilio_message_free(&g);
	struct twilio_list_query q = {.to = "+15551230020", .from = FROM, .page_size = 1,
				      .date_sent_after = clock_now() - 86400, .date_sent_before = clock_now() + 86400};
	struct twilio_page p;
	assert_int_equal(twilio_list(f->c, &q, &p, &e), TW_OK);
	if (p.next_page_uri) {
		char *next = xstrdup(p.next_page_uri);
		twilio_page_free(&p);
		assert_int_equal(twilio_list_next(f->c, next, &p, &e), TW_OK);
		free(next);
	}
	twilio_page_free(&p);
	struct twilio_list_query all = {0};
	assert_int_equal(twilio_list(f->c, &all, &p, &e), TW_OK);
	assert_int_equal(p.n, 4);
	twilio_page_free(&p);
	struct twilio_account a;
	assert_int_equal(twilio_fetch_account(f->c, &a, &e), TW_OK);
	twilio_account_free(&a);
	free(sid);

	cJSON *doc = load_openapi();
	size_t n = sim_request_count(f->sim);
	assert_true(n >= 9);
	for (size_t i = 0; i < n; i++) {
		char *method = NULL, *path = NULL, *body = NULL;
		assert_int_equal(sim_request_get(f->sim, i, &method, &path, &body), 0);
		char *why = openapi_problem(doc, method, path, body);
		if (why != NULL)
			fail_msg("request %zu %s %s [%s] breaks the OpenAPI description: %s", i, method, path, body, why);
		free(method);
		free(path);
		free(body);
	}
	cJSON_Delete(doc);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(twilio_send__creates_and_fetches__when_sim_accepts),
		cmocka_unit_test(twilio_list__follows_next_page_uri__when_three_pages),
		cmocka_unit_test(twilio_fetch__sees_queued_sent_delivered__when_time_passes),
		cmocka_unit_test(twilio_send__maps_magic_numbers__when_twilio_rejects),
		cmocka_unit_test(twilio_client__reports_auth__when_token_is_wrong),
		cmocka_unit_test(twilio_send__waits_retry_after__when_429_then_ok),
		cmocka_unit_test(twilio_send__gives_rate__when_429_persists),
		cmocka_unit_test(twilio_fetch_and_list__retry__when_500_then_ok),
		cmocka_unit_test(twilio_send__does_not_retry__when_500_may_have_created),
		cmocka_unit_test(twilio_send__retries__when_503_then_ok),
		cmocka_unit_test(twilio_fetch__gives_parse__when_json_is_malformed),
		cmocka_unit_test(twilio_send__times_out_without_retry__when_sim_hangs),
		cmocka_unit_test(twilio_send__gives_network__when_nothing_listens),
		cmocka_unit_test(twilio_client__refuses__when_config_is_unsafe_or_wrong),
		cmocka_unit_test(twilio_calls__give_usage__when_arguments_are_bad),
		cmocka_unit_test(twilio_client__keeps_one_connection__when_sending_100),
		cmocka_unit_test(openapi_check__rejects__when_request_breaks_the_description),
		cmocka_unit_test(twilio_client__sends_only_valid_requests__when_checked_against_openapi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
