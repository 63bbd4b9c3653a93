/* Tests for src/sim/: the loopback Twilio simulator, driven over HTTP with plain libcurl. */
#include "testutil.h"
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include "src/sim/sim.h"
#include "src/util.h"

#define CLINIC "+15005550006"
#define PATIENT "+15551230000"

struct res {
	long status;
	char *body;
	size_t len;
	char retry_after[32];
	long connects;
	CURLcode rc;
	int64_t ms;
};

/* Collects the response body. */
static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct res *r = ud;
	r->body = xrealloc(r->body, r->len + sz * n + 1);
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

/* Picks out Retry-After. */
static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct res *r = ud;
	if (strncasecmp(p, "Retry-After:", 12) == 0)
		sscanf(p + 12, " %31[0-9]", r->retry_after);
	return sz * n;
}

/* One request on handle h (NULL: a fresh one). path is appended to the base URL; form NULL means GET.
 * user NULL: no auth; user "" : the simulator's own credentials. */
static struct res req(struct sim *sim, CURL *h, const char *method, const char *path, const char *form,
		      size_t form_len, const char *user, const char *pass)
{
	struct res r = {0};
	bool own = h == NULL;
	if (own)
		h = curl_easy_init();
	curl_easy_reset(h);
	char *url = xasprintf("%s%s", sim_base_url(sim), path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
	if (form) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form_len);
	}
	if (method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, *user ? user : sim_account_sid(sim));
		curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : sim_auth_token(sim));
	}
	int64_t t0 = clock_mono_ms();
	r.rc = curl_easy_perform(h);
	r.ms = clock_mono_ms() - t0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r.connects);
	free(url);
	if (own)
		curl_easy_cleanup(h);
	return r;
}

/* Authenticated GET of an API path. */
static struct res api_get(struct sim *sim, const char *path)
{
	return req(sim, NULL, NULL, path, NULL, 0, "", NULL);
}

/* Authenticated POST of a form to the Messages list of the simulator's account. */
static struct res api_post(struct sim *sim, CURL *h, const char *form)
{
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json", sim_account_sid(sim));
	struct res r = req(sim, h, NULL, path, form, strlen(form), "", NULL);
	free(path);
	return r;
}

/* Parses r's body as JSON, asserting it is JSON; frees the body. */
static cJSON *json_of(struct res *r)
{
	assert_non_null(r->body);
	cJSON *j = cJSON_Parse(r->body);
	if (j == NULL)
		fprintf(stderr, "not JSON: %s\n", r->body);
	assert_non_null(j);
	free(r->body);
	r->body = NULL;
	return j;
}

static const char *jstr(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static bool jnull(const cJSON *j, const char *key)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, key));
}

/* True when s matches the extended regular expression re. */
static bool matches_re(const char *re, const char *s)
{
	regex_t rx;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = s && regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* Asserts r is Twilio's error JSON with this HTTP status and code. */
static void assert_twilio_error(struct res *r, long status, int code)
{
	if (r->status != status)
		fprintf(stderr, "got %ld: %s\n", r->status, r->body ? r->body : "");
	assert_int_equal(r->status, status);
	cJSON *j = json_of(r);
	assert_int_equal((int)jnum(j, "code"), code);
	assert_int_equal((long)jnum(j, "status"), status);
	assert_non_null(jstr(j, "message"));
	char *more = xasprintf("https://www.twilio.com/docs/errors/%d", code);
	assert_string_equal(jstr(j, "more_info"), more);
	free(more);
	cJSON_Delete(j);
}

/* Starts a simulator with step_ms, asserting success. */
static struct sim *start(int step_ms, bool demo)
{
	struct sim_config cfg = {.step_ms = step_ms, .demo_patients = demo};
	struct sim *sim = NULL;
	char *err = NULL;
	assert_int_equal(sim_start(&cfg, &sim, &err), 0);
	assert_null(err);
	return sim;
}

/* Creates a message (asserting 201) and returns its JSON. */
static cJSON *create(struct sim *sim, const char *to, const char *body)
{
	char *b = curl_easy_escape(NULL, body, 0);
	char *t = curl_easy_escape(NULL, to, 0);
	char *form = xasprintf("To=%s&From=%%2B15005550006&Body=%s", t, b);
	struct res r = api_post(sim, NULL, form);
	if (r.status != 201)
		fprintf(stderr, "create: %ld %s\n", r.status, r.body);
	assert_int_equal(r.status, 201);
	curl_free(b);
	curl_free(t);
	free(form);
	return json_of(&r);
}

/* Fetches a message by SID, asserting 200. */
static cJSON *fetch(struct sim *sim, const char *sid)
{
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", sim_account_sid(sim), sid);
	struct res r = api_get(sim, path);
	free(path);
	assert_int_equal(r.status, 200);
	return json_of(&r);
}

static void sim_auth__answers_401_json__when_credentials_missing_or_wrong(void **state)
{
	struct sim *sim = start(0, false);
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json", sim_account_sid(sim));
	struct res r = req(sim, NULL, NULL, path, NULL, 0, NULL, NULL);
	assert_int_equal(r.status, 401);
	cJSON *j = json_of(&r);
	assert_int_equal((int)jnum(j, "code"), 20003);
	assert_string_equal(jstr(j, "message"), "Authenticate");
	assert_string_equal(jstr(j, "more_info"), "https://www.twilio.com/docs/errors/20003");
	assert_int_equal((int)jnum(j, "status"), 401);
	cJSON_Delete(j);
	r = req(sim, NULL, NULL, path, NULL, 0, "", "wrong-token");
	assert_twilio_error(&r, 401, 20003);
	r = req(sim, NULL, NULL, path, NULL, 0, "AC11111111111111111111111111111111", NULL);
	assert_twilio_error(&r, 401, 20003);
	r = req(sim, NULL, "POST", path, "To=%2B15551230000&From=%2B15005550006&Body=x", 44, NULL, NULL);
	assert_twilio_error(&r, 401, 20003);
	assert_int_equal(sim_outbound_count(sim), 0);
	free(path);
	/* another account's path with our credentials */
	r = api_get(sim, "/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages.json");
	assert_twilio_error(&r, 404, 20404);
	sim_stop(&sim);
	assert_null(sim);
}

static void sim_create__returns_twilio_message__when_valid(void **state)
{
	struct sim *sim = start(0, false);
	assert_true(matches_re("^AC[0-9a-fA-F]{32}$", sim_account_sid(sim)));
	assert_true(matches_re("^http://127\\.0\\.0\\.1:[0-9]+$", sim_base_url(sim)));
	cJSON *m = create(sim, PATIENT, "Hello! \xF0\x9F\x91\x8D");
	const char *sid = jstr(m, "sid");
	assert_true(matches_re("^SM[0-9a-f]{32}$", sid));
	assert_string_equal(jstr(m, "status"), "queued");
	assert_string_equal(jstr(m, "direction"), "outbound-api");
	assert_string_equal(jstr(m, "to"), PATIENT);
	assert_string_equal(jstr(m, "from"), CLINIC);
	assert_string_equal(jstr(m, "body"), "Hello! \xF0\x9F\x91\x8D");
	assert_string_equal(jstr(m, "num_segments"), "1");
	assert_string_equal(jstr(m, "num_media"), "0");
	assert_string_equal(jstr(m, "api_version"), "2010-04-01");
	assert_string_equal(jstr(m, "account_sid"), sim_account_sid(sim));
	assert_true(jnull(m, "price"));
	assert_true(jnull(m, "error_code"));
	assert_true(jnull(m, "error_message"));
	assert_true(jnull(m, "date_sent"));
	assert_true(jnull(m, "messaging_service_sid"));
	const char *rfc2822 = "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} "
			      "[0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000$";
	assert_true(matches_re(rfc2822, jstr(m, "date_created")));
	assert_true(matches_re(rfc2822, jstr(m, "date_updated")));
	char *uri = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", sim_account_sid(sim), sid);
	assert_string_equal(jstr(m, "uri"), uri);
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(m, "subresource_uris");
	assert_non_null(jstr(sub, "media"));
	cJSON *f = fetch(sim, sid);
	assert_string_equal(jstr(f, "sid"), sid);
	assert_string_equal(jstr(f, "body"), jstr(m, "body"));
	assert_int_equal(sim_outbound_count(sim), 1);
	assert_int_equal(sim_outbound_count_to(sim, PATIENT), 1);
	char *body = sim_outbound_body(sim, PATIENT, 0);
	assert_string_equal(body, "Hello! \xF0\x9F\x91\x8D");
	assert_null(sim_outbound_body(sim, PATIENT, 1));
	free(body);
	/* an unknown SID */
	char *missing = xasprintf("/2010-04-01/Accounts/%s/Messages/SM00000000000000000000000000000000.json",
				  sim_account_sid(sim));
	struct res r = api_get(sim, missing);
	assert_twilio_error(&r, 404, 20404);
	free(missing);
	free(uri);
	cJSON_Delete(m);
	cJSON_Delete(f);
	sim_stop(&sim);
}

static void sim_create__counts_segments_and_media__when_long_or_mms(void **state)
{
	struct sim *sim = start(0, false);
	char body[400];
	memset(body, 'a', 161);
	body[161] = '\0';
	cJSON *m = create(sim, PATIENT, body);
	assert_string_equal(jstr(m, "num_segments"), "2");
	cJSON_Delete(m);
	m = create(sim, PATIENT,
		   "\xF0\x9F\x98\x8A caf\xC3\xA9 with emoji is UCS-2, 70 units per single segment..");
	assert_string_equal(jstr(m, "num_segments"), "1");
	cJSON_Delete(m);
	struct res r = api_post(sim, NULL,
				"To=%2B15551230000&From=%2B15005550006&MediaUrl=https%3A%2F%2Fx.test%2Fa.jpg"
				"&MediaUrl=https%3A%2F%2Fx.test%2Fb.jpg");
	assert_int_equal(r.status, 201);
	m = json_of(&r);
	assert_string_equal(jstr(m, "num_media"), "2");
	cJSON_Delete(m);
	r = api_post(sim, NULL,
		     "To=%2B15551230000&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&Body=hi");
	assert_int_equal(r.status, 201);
	m = json_of(&r);
	assert_string_equal(jstr(m, "status"), "accepted");
	assert_true(jnull(m, "from"));
	assert_string_equal(jstr(m, "messaging_service_sid"), "MG0123456789abcdef0123456789abcdef");
	cJSON_Delete(m);
	sim_stop(&sim);
}

/* Polls a message until its status is `want` or 5 s pass. */
static cJSON *wait_status(struct sim *sim, const char *sid, const char *want)
{
	int64_t deadline = clock_mono_ms() + 5000;
	for (;;) {
		cJSON *f = fetch(sim, sid);
		if (strcmp(jstr(f, "status"), want) == 0 || clock_mono_ms() > deadline)
			return f;
		cJSON_Delete(f);
		usleep(20000);
	}
}

static void sim_status__moves_queued_sent_delivered__when_time_passes(void **state)
{
	struct sim *sim = start(1000, false);
	cJSON *m = create(sim, PATIENT, "progress");
	char *sid = xstrdup(jstr(m, "sid"));
	cJSON *f = fetch(sim, sid);
	assert_string_equal(jstr(f, "status"), "queued");
	cJSON_Delete(f);
	f = wait_status(sim, sid, "sent");
	assert_string_equal(jstr(f, "status"), "sent");
	assert_non_null(jstr(f, "date_sent"));
	cJSON_Delete(f);
	f = wait_status(sim, sid, "delivered");
	assert_string_equal(jstr(f, "status"), "delivered");
	assert_true(jnull(f, "error_code"));
	cJSON_Delete(f);
	/* the list reports the current status too */
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json", sim_account_sid(sim));
	struct res r = api_get(sim, path);
	cJSON *l = json_of(&r);
	cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(l, "messages"), 0);
	assert_string_equal(jstr(first, "status"), "delivered");
	cJSON_Delete(l);
	free(path);
	free(sid);
	cJSON_Delete(m);
	sim_stop(&sim);
}

static void sim_status__fails_with_code__when_magic_failing_numbers(void **state)
{
	struct sim *sim = start(60000, false);
	int64_t now = clock_now();
	cJSON *a = create(sim, "+15005550010", "will fail");
	cJSON *b = create(sim, "+15005550011", "will not arrive");
	assert_string_equal(jstr(a, "status"), "queued");
	clock_set_fake(now + 70);
	cJSON *f = fetch(sim, jstr(a, "sid"));
	assert_string_equal(jstr(f, "status"), "failed");
	assert_int_equal((int)jnum(f, "error_code"), 21610);
	cJSON_Delete(f);
	f = fetch(sim, jstr(b, "sid"));
	assert_string_equal(jstr(f, "status"), "sent");
	cJSON_Delete(f);
	clock_set_fake(now + 200);
	f = fetch(sim, jstr(b, "sid"));
	assert_string_equal(jstr(f, "status"), "undelivered");
	assert_int_equal((int)jnum(f, "error_code"), 30003);
	assert_string_equal(jstr(f, "error_message"), "Unreachable destination handset");
	cJSON_Delete(f);
	f = fetch(sim, jstr(a, "sid"));
	assert_string_equal(jstr(f, "status"), "failed");
	cJSON_Delete(f);
	clock_set_fake(0);
	cJSON_Delete(a);
	cJSON_Delete(b);
	sim_stop(&sim);
}

static void sim_create__rejects_with_twilio_code__when_input_is_bad(void **state)
{
	struct sim *sim = start(0, false);
	char *long_body = xmalloc(1601 * 6 + 64);
	strcpy(long_body, "To=%2B15551230000&From=%2B15005550006&Body=");
	for (int i = 0; i < 1601; i++)
		strcat(long_body, "%C3%A9"); /* 1601 characters, 3202 bytes */
	struct {
		const char *form;
		long status;
		int code;
	} cases[] = {
	    {"From=%2B15005550006&Body=hi", 400, 21604},
	    {"To=%2B15551230000&From=%2B15005550006", 400, 21602},
	    {"To=%2B15551230000&From=%2B15005550006&Body=", 400, 21602},
	    {"To=%2B15551230000&Body=hi", 400, 21603},
	    {long_body, 400, 21617},
	    {"To=5551230000&From=%2B15005550006&Body=hi", 400, 21211},
	    {"To=%2Babc&From=%2B15005550006&Body=hi", 400, 21211},
	    {"To=%2B15005550001&From=%2B15005550006&Body=hi", 400, 21211},
	    {"To=%2B15005550002&From=%2B15005550006&Body=hi", 400, 21612},
	    {"To=%2B15005550003&From=%2B15005550006&Body=hi", 400, 21408},
	    {"To=%2B15005550004&From=%2B15005550006&Body=hi", 400, 21610},
	    {"To=%2B15005550009&From=%2B15005550006&Body=hi", 400, 21614},
	    {"To=%2B15551230000&From=%2B15005550001&Body=hi", 400, 21212},
	    {"To=%2B15551230000&From=not-a-number&Body=hi", 400, 21212},
	    {"To=%2B15551230000&From=%2B15005550007&Body=hi", 400, 21606},
	    {"To=%2B15551230000&From=%2B15005550008&Body=hi", 400, 21611},
	    {"To=%2B15551230000&MessagingServiceSid=MGnope&Body=hi", 400, 21701},
	    {"To=%2B15551230000&From=%2B15005550006&MediaUrl=ftp%3A%2F%2Fx", 400, 21620},
	    {"", 400, 21604},
	    {"&&&===&", 400, 21604},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct res r = api_post(sim, NULL, cases[i].form);
		assert_twilio_error(&r, cases[i].status, cases[i].code);
	}
	assert_int_equal(sim_outbound_count(sim), 0);
	/* exactly 1600 characters is allowed */
	long_body[strlen(long_body) - 6] = '\0';
	struct res r = api_post(sim, NULL, long_body);
	assert_int_equal(r.status, 201);
	free(r.body);
	free(long_body);
	sim_stop(&sim);
}

/* Lists a path, returning the envelope. */
static cJSON *list(struct sim *sim, const char *path)
{
	struct res r = api_get(sim, path);
	if (r.status != 200)
		fprintf(stderr, "list %s: %ld %s\n", path, r.status, r.body);
	assert_int_equal(r.status, 200);
	return json_of(&r);
}

static void sim_list__pages_stably_newest_first__when_messages_arrive(void **state)
{
	struct sim *sim = start(0, false);
	char *sids[7];
	for (int i = 0; i < 7; i++) {
		char body[16];
		snprintf(body, sizeof(body), "m%d", i);
		cJSON *m = create(sim, PATIENT, body);
		sids[i] = xstrdup(jstr(m, "sid"));
		cJSON_Delete(m);
	}
	cJSON_Delete(create(sim, "+15551239999", "other patient"));
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?To=%%2B15551230000&PageSize=3",
			       sim_account_sid(sim));
	int seen = 0, page = 0;
	char *next = xstrdup(path);
	while (next) {
		cJSON *l = list(sim, next);
		assert_int_equal((int)jnum(l, "page"), page);
		assert_int_equal((int)jnum(l, "page_size"), 3);
		assert_int_equal((int)jnum(l, "start"), page * 3);
		assert_true(
		    matches_re("^/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages.json\\?.*PageSize=3&Page=0$",
			       jstr(l, "first_page_uri")));
		assert_true(page == 0 ? jnull(l, "previous_page_uri") : jstr(l, "previous_page_uri") != NULL);
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(l, "messages"), *m;
		int n = 0;
		cJSON_ArrayForEach(m, arr)
		{
			/* newest first: sids[6] .. sids[0] */
			assert_string_equal(jstr(m, "sid"), sids[6 - seen]);
			assert_string_equal(jstr(m, "to"), PATIENT);
			seen++;
			n++;
		}
		assert_int_equal((int)jnum(l, "end"), page * 3 + n - 1);
		/* new messages arriving between pages must not shift the next pages */
		cJSON_Delete(create(sim, PATIENT, "arrived while paging"));
		free(next);
		next = jstr(l, "next_page_uri") ? xstrdup(jstr(l, "next_page_uri")) : NULL;
		if (next)
			assert_true(matches_re(
			    "^/2010-04-01/Accounts/AC[0-9a-f]{32}/Messages.json\\?.*PageToken=", next));
		cJSON_Delete(l);
		page++;
	}
	assert_int_equal(seen, 7);
	assert_int_equal(page, 3);
	free(path);
	/* previous_page_uri leads back to the page before */
	path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?PageSize=2", sim_account_sid(sim));
	cJSON *p0 = list(sim, path);
	cJSON *p1 = list(sim, jstr(p0, "next_page_uri"));
	cJSON *back = list(sim, jstr(p1, "previous_page_uri"));
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(p0, "messages"),
		    *b = cJSON_GetObjectItemCaseSensitive(back, "messages");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_int_equal(cJSON_GetArraySize(b), 2);
	for (int i = 0; i < 2; i++)
		assert_string_equal(jstr(cJSON_GetArrayItem(a, i), "sid"),
				    jstr(cJSON_GetArrayItem(b, i), "sid"));
	cJSON_Delete(p0);
	cJSON_Delete(p1);
	cJSON_Delete(back);
	free(path);
	/* From filter, an empty result, and bad paging parameters */
	path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?From=%%2B19999999999", sim_account_sid(sim));
	cJSON *e = list(sim, path);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "messages")), 0);
	assert_true(jnull(e, "next_page_uri"));
	assert_int_equal((int)jnum(e, "page_size"), 50);
	cJSON_Delete(e);
	free(path);
	const char *bad[] = {"PageSize=0", "PageSize=abc", "Page=-1", "PageToken=PAnope",
			     "PageToken=PASM0000"
			     "0000000000000000000000000000"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?%s", sim_account_sid(sim), bad[i]);
		struct res r = api_get(sim, path);
		assert_twilio_error(&r, 400, 20001);
		free(path);
	}
	for (int i = 0; i < 7; i++)
		free(sids[i]);
	free(next);
	sim_stop(&sim);
}

/* Messages in a list answer. */
static int list_count(struct sim *sim, const char *query)
{
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?%s", sim_account_sid(sim), query);
	cJSON *l = list(sim, path);
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "messages"));
	cJSON_Delete(l);
	free(path);
	return n;
}

static void sim_list__filters_by_day__when_datesent_given(void **state)
{
	struct sim *sim = start(0, false);
	/* 2026-11-24, -25, -26 at 12:00 UTC */
	int64_t day24 = 1795521600;
	for (int d = 0; d < 3; d++) {
		clock_set_fake(day24 + d * 86400);
		cJSON_Delete(create(sim, PATIENT, "dated"));
	}
	clock_set_fake(day24 + 3 * 86400);
	assert_int_equal(list_count(sim, "DateSent=2026-11-25"), 1);
	assert_int_equal(list_count(sim, "DateSent%3C=2026-11-25"), 2);
	assert_int_equal(list_count(sim, "DateSent<=2026-11-25"), 2);
	assert_int_equal(list_count(sim, "DateSent%3E=2026-11-25"), 2);
	assert_int_equal(list_count(sim, "DateSent>=2026-11-26"), 1);
	assert_int_equal(list_count(sim, "DateSent>=2026-11-27"), 0);
	assert_int_equal(list_count(sim, "DateSent%3E=Wed%2C%2025%20Nov%202026%2023%3A00%3A00%20-0200"), 1);
	assert_int_equal(list_count(sim, "DateSent%3E=2026-11-25%2022%3A05%3A25.000"), 2);
	assert_int_equal(list_count(sim, "DateSent=11%2F24%2F2026%2022%3A05%3A25%20MST"), 1);
	assert_int_equal(list_count(sim, "To=%2B15551230000&DateSent%3E=2026-11-25&DateSent%3C=2026-11-25"),
			 1);
	char *path =
	    xasprintf("/2010-04-01/Accounts/%s/Messages.json?DateSent=yesterday", sim_account_sid(sim));
	struct res r = api_get(sim, path);
	assert_twilio_error(&r, 400, 20001);
	free(path);
	clock_set_fake(0);
	sim_stop(&sim);
}

static void sim_stop_keyword__blocks_then_unblocks__when_patient_sends_stop_then_start(void **state)
{
	struct sim *sim = start(0, false);
	const char *form = "To=%2B15551230000&From=%2B15005550006&Body=hello";
	struct res r;
	const char *stops[] = {"  stop ", "Stopall", "UNSUBSCRIBE", "cancel",
			       "End",	  "quit",    "revoke",	    "OPTOUT"};
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, stops[i], NULL), 0);
		r = api_post(sim, NULL, form);
		assert_twilio_error(&r, 400, 21610);
		/* another clinic number is not blocked */
		r = api_post(sim, NULL, "To=%2B15551230000&From=%2B15005559999&Body=hello");
		assert_int_equal(r.status, 201);
		free(r.body);
		const char *start_word = (i % 3 == 0) ? "start" : (i % 3 == 1 ? " UNSTOP" : "yes\n");
		assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, start_word, NULL), 0);
		r = api_post(sim, NULL, form);
		assert_int_equal(r.status, 201);
		free(r.body);
	}
	/* "stop please" is not a keyword */
	assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "stop please", NULL), 0);
	r = api_post(sim, NULL, form);
	assert_int_equal(r.status, 201);
	free(r.body);
	assert_int_equal(sim_inject_inbound(sim, NULL, CLINIC, "x", NULL), -1);
	sim_stop(&sim);
}

/* A request in another thread, to show a slow answer does not block the others. */
struct slow_call {
	struct sim *sim;
	struct res r;
};

static void *slow_thread(void *arg)
{
	struct slow_call *c = arg;
	char *path = xasprintf("/2010-04-01/Accounts/%s.json", sim_account_sid(c->sim));
	c->r = api_get(c->sim, path);
	free(path);
	return NULL;
}

static void sim_fault__answers_each_fault__when_set(void **state)
{
	struct sim *sim = start(0, false);
	char *acc = xasprintf("/2010-04-01/Accounts/%s.json", sim_account_sid(sim));
	sim_set_fault(sim, SIM_FAULT_429, 2, 7);
	for (int i = 0; i < 2; i++) {
		struct res r = api_get(sim, acc);
		assert_string_equal(r.retry_after, "7");
		assert_twilio_error(&r, 429, 20429);
	}
	struct res r = api_get(sim, acc);
	assert_int_equal(r.status, 200);
	free(r.body);
	sim_set_fault(sim, SIM_FAULT_500, 1, 0);
	r = api_get(sim, acc);
	assert_twilio_error(&r, 500, 20500);
	sim_set_fault(sim, SIM_FAULT_503, 1, 0);
	r = api_post(sim, NULL, "To=%2B15551230000&From=%2B15005550006&Body=x");
	assert_twilio_error(&r, 503, 20503);
	assert_int_equal(sim_outbound_count(sim), 0);
	sim_set_fault(sim, SIM_FAULT_MALFORMED, 1, 0);
	r = api_get(sim, acc);
	assert_int_equal(r.status, 200);
	assert_non_null(r.body);
	assert_null(cJSON_Parse(r.body));
	free(r.body);
	sim_set_fault(sim, SIM_FAULT_SLOW, 1, 300);
	r = api_get(sim, acc);
	assert_int_equal(r.status, 200);
	assert_true(r.ms >= 290);
	free(r.body);
	sim_set_fault(sim, SIM_FAULT_HANG, 1, 300);
	r = api_get(sim, acc);
	assert_int_not_equal(r.rc, CURLE_OK);
	assert_true(r.ms >= 290);
	free(r.body);
	/* faults leave the test endpoints alone */
	sim_set_fault(sim, SIM_FAULT_500, 1, 0);
	r = req(sim, NULL, NULL, "/sim/outbound", NULL, 0, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = api_get(sim, acc);
	assert_twilio_error(&r, 500, 20500);
	/* a slow answer on one connection does not hold up another */
	sim_set_fault(sim, SIM_FAULT_SLOW, 1, 1500);
	struct slow_call c = {.sim = sim};
	pthread_t t;
	pthread_create(&t, NULL, slow_thread, &c);
	usleep(200000);
	r = api_get(sim, acc);
	assert_int_equal(r.status, 200);
	assert_true(r.ms < 1000);
	free(r.body);
	pthread_join(t, NULL);
	assert_int_equal(c.r.status, 200);
	assert_true(c.r.ms >= 1000);
	free(c.r.body);
	/* over HTTP */
	r = req(sim, NULL, NULL, "/sim/fault", "Fault=429&Count=1&Param=3", 25, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = api_get(sim, acc);
	assert_string_equal(r.retry_after, "3");
	assert_twilio_error(&r, 429, 20429);
	r = req(sim, NULL, NULL, "/sim/fault", "Fault=explode", 13, NULL, NULL);
	assert_twilio_error(&r, 400, 20001);
	free(acc);
	/* stop does not wait out a long hang */
	sim_set_fault(sim, SIM_FAULT_HANG, 1, 60000);
	struct slow_call h = {.sim = sim};
	pthread_create(&t, NULL, slow_thread, &h);
	usleep(200000);
	int64_t t0 = clock_mono_ms();
	sim_stop(&sim);
	assert_true(clock_mono_ms() - t0 < 5000);
	pthread_join(t, NULL);
	free(h.r.body);
}

/* Sends raw bytes to the simulator's port and returns what comes back (malloc'd). */
static char *raw_exchange(struct sim *sim, const char *data)
{
	int port = atoi(strrchr(sim_base_url(sim), ':') + 1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_true(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	shutdown(fd, SHUT_WR);
	char *buf = xcalloc(1, 65536);
	size_t n = 0;
	ssize_t got;
	while (n < 65535 && (got = read(fd, buf + n, 65535 - n)) > 0)
		n += (size_t)got;
	close(fd);
	return buf;
}

/* DROP closes the connection without doing anything; DROP_AFTER creates the message, then
 * closes: Twilio has it, the client never hears so. The stats count both, and the duplicates. */
static void sim_fault__drops_connection_and_counts__when_drop_set(void **state)
{
	struct sim *sim = start(0, false);
	const char *form = "To=%2B15551230000&From=%2B15005550006&Body=once";
	sim_set_fault(sim, SIM_FAULT_DROP, 1, 0);
	struct res r = api_post(sim, NULL, form);
	assert_int_not_equal(r.rc, CURLE_OK);
	free(r.body);
	assert_int_equal(sim_outbound_count(sim), 0);
	sim_set_fault(sim, SIM_FAULT_DROP_AFTER, 1, 0);
	r = api_post(sim, NULL, form);
	assert_int_not_equal(r.rc, CURLE_OK);
	free(r.body);
	assert_int_equal(sim_outbound_count(sim), 1);
	r = api_post(sim, NULL, form); /* a blind resend: the duplicate the soaks look for */
	assert_int_equal(r.status, 201);
	free(r.body);
	r = api_post(sim, NULL, "To=%2B15551230001&From=%2B15005550006&Body=once");
	assert_int_equal(r.status, 201);
	free(r.body);
	struct sim_stats st;
	sim_get_stats(sim, &st);
	assert_int_equal(st.outbound, 3);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.recipients, 2);
	assert_int_equal(st.faults, 2);
	assert_int_equal(st.requests, 4);
	r = req(sim, NULL, NULL, "/sim/stats", NULL, 0, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"duplicates\":1"));
	assert_non_null(strstr(r.body, "\"faults\":2"));
	free(r.body);
	r = req(sim, NULL, "POST", "/sim/fault", "Fault=drop_after&Count=2", 24, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = req(sim, NULL, "POST", "/sim/fault", "Fault=500&Method=PUT", 20, NULL, NULL);
	assert_int_equal(r.status, 400);
	free(r.body);
	/* a fault for POSTs only: a GET goes through untouched, the next POST gets it */
	sim_set_fault_method(sim, "POST");
	sim_set_fault(sim, SIM_FAULT_500, 1, 0);
	char *acc = xasprintf("/2010-04-01/Accounts/%s.json", sim_account_sid(sim));
	r = api_get(sim, acc);
	assert_int_equal(r.status, 200);
	free(r.body);
	free(acc);
	r = api_post(sim, NULL, form);
	assert_twilio_error(&r, 500, 20500);
	sim_stop(&sim);
}

static void sim_http__answers_json_errors__when_requests_are_malformed(void **state)
{
	struct sim *sim = start(0, false);
	struct res r = api_get(sim, "/nowhere");
	assert_twilio_error(&r, 404, 20404);
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages.json", sim_account_sid(sim));
	r = req(sim, NULL, "DELETE", path, NULL, 0, "", NULL);
	assert_twilio_error(&r, 405, 20004);
	r = req(sim, NULL, "PUT", path, "a=b", 3, "", NULL);
	assert_twilio_error(&r, 405, 20004);
	/* more than 1 MB */
	size_t big = 1024 * 1024 + 10;
	char *huge = xmalloc(big + 1);
	memcpy(huge, "Body=", 5);
	memset(huge + 5, 'x', big - 5);
	huge[big] = '\0';
	r = req(sim, NULL, NULL, path, huge, big, "", NULL);
	assert_twilio_error(&r, 413, 20001);
	free(huge);
	/* bad percent escapes are kept as they are; '+' is a space */
	r = api_post(sim, NULL, "To=%2B15551230000&From=%2B15005550006&Body=100%25+sure%zz%4");
	assert_int_equal(r.status, 201);
	cJSON *m = json_of(&r);
	assert_string_equal(jstr(m, "body"), "100% sure%zz%4");
	cJSON_Delete(m);
	/* garbage on the wire: an HTTP error or a closed connection, and the server keeps serving */
	char *got = raw_exchange(sim, "GARBAGE\r\n\r\n");
	assert_true(got[0] == '\0' || strncmp(got, "HTTP/1.1 4", 10) == 0);
	free(got);
	got = raw_exchange(sim, "GET /2010-04-01/Accounts/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 401"));
	free(got);
	r = api_get(sim, path);
	assert_int_equal(r.status, 200);
	free(r.body);
	free(path);
	sim_stop(&sim);
}

static void sim_http__reuses_one_connection__when_client_keeps_alive(void **state)
{
	struct sim *sim = start(0, false);
	CURL *h = curl_easy_init();
	for (int i = 0; i < 1000; i++) {
		struct res r = api_post(sim, h, "To=%2B15551230000&From=%2B15005550006&Body=keepalive");
		assert_int_equal(r.status, 201);
		if (i > 0)
			assert_int_equal(r.connects, 0);
		free(r.body);
	}
	curl_easy_cleanup(h);
	assert_int_equal(sim_outbound_count(sim), 1000);
	sim_stop(&sim);
}

/* True when s (len bytes) is valid UTF-8. */
static bool valid_utf8(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = s[i] < 0x80		   ? 1
			   : (s[i] & 0xE0) == 0xC0 ? 2
			   : (s[i] & 0xF0) == 0xE0 ? 3
			   : (s[i] & 0xF8) == 0xF0 ? 4
						   : 0;
		if (n == 0 || i + n > len || (n == 2 && s[i] < 0xC2))
			return false;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

static void sim_body__returns_valid_json__when_body_is_invalid_utf8(void **state)
{
	struct sim *sim = start(0, false);
	struct res r = api_post(
	    sim, NULL, "To=%2B15551230000&From=%2B15005550006&Body=a%FF%FEb%C3%28%ED%A0%80%01%1B[2Jc");
	assert_int_equal(r.status, 201);
	assert_true(valid_utf8((unsigned char *)r.body, r.len));
	cJSON *m = json_of(&r);
	const char *body = jstr(m, "body");
	assert_non_null(body);
	assert_non_null(strstr(body, "a\xEF\xBF\xBD\xEF\xBF\xBD"
				     "b"));
	assert_non_null(strstr(body, "\x1B[2Jc"));
	char *sid = xstrdup(jstr(m, "sid"));
	cJSON_Delete(m);
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", sim_account_sid(sim), sid);
	r = api_get(sim, path);
	assert_true(valid_utf8((unsigned char *)r.body, r.len));
	assert_null(strchr(r.body, 0x1B)); /* control characters escaped in the JSON text */
	free(r.body);
	/* the stored bytes are kept as sent */
	char *raw = sim_outbound_body(sim, PATIENT, 0);
	assert_memory_equal(raw,
			    "a\xFF\xFE"
			    "b\xC3(",
			    6);
	free(raw);
	/* inbound too, through the list */
	assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "\xC0\xAF\xF5\x80", NULL), 0);
	free(path);
	path = xasprintf("/2010-04-01/Accounts/%s/Messages.json?To=%%2B15005550006", sim_account_sid(sim));
	r = api_get(sim, path);
	assert_true(valid_utf8((unsigned char *)r.body, r.len));
	cJSON *l = json_of(&r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "messages")), 1);
	cJSON_Delete(l);
	free(path);
	free(sid);
	sim_stop(&sim);
}

static void sim_test_endpoints__inject_and_report__over_http(void **state)
{
	struct sim *sim = start(0, false);
	const char *form = "From=%2B15551230000&To=%2B15005550006&Body=C+%F0%9F%91%8D";
	struct res r = req(sim, NULL, NULL, "/sim/inbound", form, strlen(form), NULL, NULL);
	assert_int_equal(r.status, 201);
	cJSON *j = json_of(&r);
	char *sid = xstrdup(jstr(j, "sid"));
	assert_true(matches_re("^SM[0-9a-f]{32}$", sid));
	cJSON_Delete(j);
	cJSON *m = fetch(sim, sid);
	assert_string_equal(jstr(m, "status"), "received");
	assert_string_equal(jstr(m, "direction"), "inbound");
	assert_string_equal(jstr(m, "body"), "C \xF0\x9F\x91\x8D");
	assert_string_equal(jstr(m, "from"), PATIENT);
	assert_non_null(jstr(m, "date_sent"));
	cJSON_Delete(m);
	r = req(sim, NULL, NULL, "/sim/inbound", "Body=x", 6, NULL, NULL);
	assert_int_equal(r.status, 400);
	free(r.body);
	cJSON_Delete(create(sim, PATIENT, "first"));
	cJSON_Delete(create(sim, PATIENT, "second \"quoted\""));
	cJSON_Delete(create(sim, "+15551239999", "elsewhere"));
	r = req(sim, NULL, NULL, "/sim/outbound?To=%2B15551230000", NULL, 0, NULL, NULL);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	assert_int_equal((int)jnum(j, "count"), 2);
	const cJSON *bodies = cJSON_GetObjectItemCaseSensitive(j, "bodies");
	assert_string_equal(cJSON_GetArrayItem(bodies, 0)->valuestring, "first");
	assert_string_equal(cJSON_GetArrayItem(bodies, 1)->valuestring, "second \"quoted\"");
	cJSON_Delete(j);
	r = req(sim, NULL, NULL, "/sim/nothing", NULL, 0, NULL, NULL);
	assert_twilio_error(&r, 404, 20404);
	free(sid);
	sim_stop(&sim);
}

static void sim_account__fetches_account__when_authorized(void **state)
{
	struct sim *sim = start(0, false);
	char *path = xasprintf("/2010-04-01/Accounts/%s.json", sim_account_sid(sim));
	struct res r = api_get(sim, path);
	assert_int_equal(r.status, 200);
	cJSON *a = json_of(&r);
	assert_string_equal(jstr(a, "sid"), sim_account_sid(sim));
	assert_string_equal(jstr(a, "status"), "active");
	assert_string_equal(jstr(a, "type"), "Full");
	assert_non_null(jstr(a, "friendly_name"));
	assert_non_null(jstr(a, "date_created"));
	assert_string_equal(jstr(a, "uri"), path);
	cJSON_Delete(a);
	r = api_get(sim, "/2010-04-01/Accounts/AC22222222222222222222222222222222.json");
	assert_twilio_error(&r, 404, 20404);
	free(path);
	sim_stop(&sim);
}

static void sim_requests__records_method_path_body__for_each_request(void **state)
{
	struct sim *sim = start(0, false);
	size_t before = sim_request_count(sim);
	char *path =
	    xasprintf("/2010-04-01/Accounts/%s/Messages.json?To=%%2B15551230000&DateSent%%3E=2026-01-01",
		      sim_account_sid(sim));
	struct res r = api_get(sim, path);
	free(r.body);
	r = api_post(sim, NULL, "To=%2B15551230000&From=%2B15005550006&Body=logged");
	free(r.body);
	assert_int_equal(sim_request_count(sim), before + 2);
	char *method = NULL, *p = NULL, *body = NULL;
	assert_int_equal(sim_request_get(sim, before, &method, &p, &body), 0);
	assert_string_equal(method, "GET");
	assert_string_equal(p, path);
	assert_string_equal(body, "");
	free(method);
	free(p);
	free(body);
	assert_int_equal(sim_request_get(sim, before + 1, &method, &p, &body), 0);
	assert_string_equal(method, "POST");
	assert_string_equal(body, "To=%2B15551230000&From=%2B15005550006&Body=logged");
	free(method);
	free(p);
	free(body);
	assert_int_equal(sim_request_get(sim, before + 2, &method, &p, &body), -1);
	free(path);
	sim_stop(&sim);
}

static void sim_demo__patients_answer_by_last_digit__when_demo_patients_on(void **state)
{
	struct sim *sim = start(0, true);
	int64_t now = clock_now();
	clock_set_fake(now);
	cJSON_Delete(create(sim, "+15555550101", "Reminder: reply C to confirm"));
	cJSON_Delete(create(sim, "+15555550104", "Reminder"));
	cJSON_Delete(create(sim, "+15555550105", "Reminder"));
	cJSON_Delete(create(sim, "+15555550106", "Reminder"));
	cJSON_Delete(create(sim, "+15555550107", "Reminder"));
	/* nothing before the delay (at least 2 s) */
	assert_int_equal(list_count(sim, "To=%2B15005550006"), 0);
	clock_set_fake(now + 7);
	char *path =
	    xasprintf("/2010-04-01/Accounts/%s/Messages.json?To=%%2B15005550006", sim_account_sid(sim));
	cJSON *l = list(sim, path);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(l, "messages"), *m;
	assert_int_equal(cJSON_GetArraySize(arr), 3);
	int found = 0;
	cJSON_ArrayForEach(m, arr)
	{
		const char *from = jstr(m, "from"), *body = jstr(m, "body");
		assert_string_equal(jstr(m, "direction"), "inbound");
		if (strcmp(from, "+15555550101") == 0 && strcmp(body, "C") == 0)
			found |= 1;
		if (strcmp(from, "+15555550104") == 0 && strcmp(body, "R") == 0)
			found |= 2;
		if (strcmp(from, "+15555550105") == 0 && strstr(body, "\xF0\x9F"))
			found |= 4;
	}
	assert_int_equal(found, 7);
	cJSON_Delete(l);
	/* 6 sends STOP to its second message; then the carrier blocks it */
	cJSON_Delete(create(sim, "+15555550106", "Second"));
	clock_set_fake(now + 14);
	assert_int_equal(list_count(sim, "From=%2B15555550106"), 1);
	struct res r = api_post(sim, NULL, "To=%2B15555550106&From=%2B15005550006&Body=third");
	assert_twilio_error(&r, 400, 21610);
	/* an answer to the patient's own reply gets no reply (no loops) */
	cJSON_Delete(create(sim, "+15555550101", "Thanks, confirmed"));
	clock_set_fake(now + 30);
	assert_int_equal(list_count(sim, "From=%2B15555550101"), 1);
	clock_set_fake(0);
	free(path);
	sim_stop(&sim);
}

static void sim_state__keeps_messages__when_restarted_with_state_file(void **state)
{
	char *dir = tu_tempdir();
	char *file = xasprintf("%s/sim.json", dir);
	struct sim_config cfg = {.step_ms = 60000, .state_file = file};
	struct sim *sim = NULL;
	assert_int_equal(sim_start(&cfg, &sim, NULL), 0);
	cJSON *m = create(sim, PATIENT, "persist \xFF me");
	char *sid = xstrdup(jstr(m, "sid"));
	cJSON_Delete(m);
	assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "STOP", NULL), 0);
	sim_stop(&sim);
	assert_int_equal(sim_start(&cfg, &sim, NULL), 0);
	m = fetch(sim, sid);
	assert_string_equal(jstr(m, "status"), "delivered");
	assert_string_equal(jstr(m, "body"), "persist \xEF\xBF\xBD me");
	cJSON_Delete(m);
	assert_int_equal(sim_outbound_count(sim), 1);
	struct res r = api_post(sim, NULL, "To=%2B15551230000&From=%2B15005550006&Body=x");
	assert_twilio_error(&r, 400, 21610);
	sim_stop(&sim);
	/* a damaged state file is refused with a message */
	FILE *f = fopen(file, "w");
	fputs("{\"messages\": [{\"sid\": 1}]}", f);
	fclose(f);
	char *err = NULL;
	assert_int_equal(sim_start(&cfg, &sim, &err), -1);
	assert_non_null(err);
	assert_null(sim);
	free(err);
	free(sid);
	free(file);
	tu_rmdir(dir);
	free(dir);
}

static void sim_store__drops_oldest__when_message_cap_is_reached(void **state)
{
	struct sim *sim = start(0, false);
	char *first = NULL, *last = NULL;
	assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "oldest", &first), 0);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "filler", NULL), 0);
	assert_int_equal(sim_inject_inbound(sim, PATIENT, CLINIC, "newest", &last), 0);
	char *path = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", sim_account_sid(sim), first);
	struct res r = api_get(sim, path);
	assert_twilio_error(&r, 404, 20404);
	free(path);
	cJSON *m = fetch(sim, last);
	assert_string_equal(jstr(m, "body"), "newest");
	cJSON_Delete(m);
	assert_true(list_count(sim, "PageSize=1000") == 1000);
	free(first);
	free(last);
	sim_stop(&sim);
}

static void sim_start__refuses__when_config_is_bad(void **state)
{
	struct sim *sim = NULL;
	char *err = NULL;
	struct sim_config bad_sid = {.account_sid = "ACdemo"};
	assert_int_equal(sim_start(&bad_sid, &sim, &err), -1);
	assert_non_null(err);
	assert_null(sim);
	free(err);
	err = NULL;
	struct sim_config bad_step = {.step_ms = -5};
	assert_int_equal(sim_start(&bad_step, &sim, &err), -1);
	free(err);
	err = NULL;
	/* a port already taken */
	struct sim *a = start(0, false);
	struct sim_config same = {.port = (unsigned short)atoi(strrchr(sim_base_url(a), ':') + 1)};
	assert_int_equal(sim_start(&same, &sim, &err), -1);
	assert_non_null(err);
	free(err);
	sim_stop(&a);
	/* NULL config: all defaults */
	assert_int_equal(sim_start(NULL, &sim, NULL), 0);
	assert_string_equal(sim_account_sid(sim), "AC00000000000000000000000000000000");
	assert_true(matches_re("^[0-9a-f]{32}$", sim_auth_token(sim)));
	sim_stop(&sim);
	sim_stop(&sim); /* twice is harmless */
}

static void sim_main__prints_credentials_and_stops__when_signalled(void **state)
{
#ifdef __SANITIZE_THREAD__
	skip(); /* TSan cannot follow a fork of a process that has had threads */
#endif
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		char *argv[] = {"sim", "--step-ms", "50", "--port=0", NULL};
		_exit(sim_main(4, argv));
	}
	close(pipefd[1]);
	FILE *f = fdopen(pipefd[0], "r");
	char line[256], url[128] = "", acc[64] = "", tok[64] = "";
	for (int i = 0; i < 3 && fgets(line, sizeof(line), f); i++) {
		sscanf(line, "base_url=%127s", url);
		sscanf(line, "account_sid=%63s", acc);
		sscanf(line, "auth_token=%63s", tok);
	}
	assert_true(matches_re("^http://127\\.0\\.0\\.1:[0-9]+$", url));
	assert_true(matches_re("^AC[0-9a-f]{32}$", acc));
	assert_true(strlen(tok) == 32);
	/* it answers */
	char *full = xasprintf("%s/2010-04-01/Accounts/%s.json", url, acc);
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_USERNAME, acc);
	curl_easy_setopt(h, CURLOPT_PASSWORD, tok);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	struct res r = {0};
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 200);
	curl_easy_cleanup(h);
	free(r.body);
	free(full);
	kill(pid, SIGTERM);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	fclose(f);
	/* bad usage */
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 2);
		char *argv[] = {"sim", "--port", "99999", NULL};
		_exit(sim_main(3, argv));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 64);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sim_auth__answers_401_json__when_credentials_missing_or_wrong),
	    cmocka_unit_test(sim_create__returns_twilio_message__when_valid),
	    cmocka_unit_test(sim_create__counts_segments_and_media__when_long_or_mms),
	    cmocka_unit_test(sim_status__moves_queued_sent_delivered__when_time_passes),
	    cmocka_unit_test(sim_status__fails_with_code__when_magic_failing_numbers),
	    cmocka_unit_test(sim_create__rejects_with_twilio_code__when_input_is_bad),
	    cmocka_unit_test(sim_list__pages_stably_newest_first__when_messages_arrive),
	    cmocka_unit_test(sim_list__filters_by_day__when_datesent_given),
	    cmocka_unit_test(sim_stop_keyword__blocks_then_unblocks__when_patient_sends_stop_then_start),
	    cmocka_unit_test(sim_fault__answers_each_fault__when_set),
	    cmocka_unit_test(sim_fault__drops_connection_and_counts__when_drop_set),
	    cmocka_unit_test(sim_http__answers_json_errors__when_requests_are_malformed),
	    cmocka_unit_test(sim_http__reuses_one_connection__when_client_keeps_alive),
	    cmocka_unit_test(sim_body__returns_valid_json__when_body_is_invalid_utf8),
	    cmocka_unit_test(sim_test_endpoints__inject_and_report__over_http),
	    cmocka_unit_test(sim_account__fetches_account__when_authorized),
	    cmocka_unit_test(sim_requests__records_method_path_body__for_each_request),
	    cmocka_unit_test(sim_demo__patients_answer_by_last_digit__when_demo_patients_on),
	    cmocka_unit_test(sim_state__keeps_messages__when_restarted_with_state_file),
	    cmocka_unit_test(sim_store__drops_oldest__when_message_cap_is_reached),
	    cmocka_unit_test(sim_start__refuses__when_config_is_bad),
	    cmocka_unit_test(sim_main__prints_credentials_and_stops__when_signalled),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
