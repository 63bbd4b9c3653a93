/* Tests for the parsers in src/twilio.c: every message and message-list example in Twilio's
 * OpenAPI description, and hostile JSON. */
#include "testutil.h"
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "src/twilio.h"
#include "src/util.h"

#define MESSAGE_REF "#/components/schemas/api.v2010.account.message"
#define SID "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* An independent oracle for Twilio's dates: strptime in the C locale. */
static int64_t oracle_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S %z", &tm);
	assert_non_null(end);
	long off = tm.tm_gmtoff;
	return (int64_t)timegm(&tm) - off;
}

static const char *jstr(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The integer a field holds, whether Twilio sent it as "3", 3 or null. */
static int jint(const cJSON *o, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	if (cJSON_IsNumber(it))
		return it->valueint;
	if (cJSON_IsString(it))
		return atoi(it->valuestring);
	return 0;
}

static void assert_same_str(const char *expected, const char *got)
{
	if (expected == NULL)
		assert_null(got);
	else
		assert_string_equal(expected, got);
}

/* Checks every field of a parsed message against the example's JSON. */
static void assert_message_matches(const cJSON *ex, const struct twilio_message *m)
{
	assert_string_equal(jstr(ex, "sid"), m->sid);
	assert_same_str(jstr(ex, "account_sid"), m->account_sid);
	assert_same_str(jstr(ex, "messaging_service_sid"), m->messaging_service_sid);
	assert_same_str(jstr(ex, "from"), m->from);
	assert_same_str(jstr(ex, "to"), m->to);
	assert_same_str(jstr(ex, "body"), m->body);
	assert_same_str(jstr(ex, "status"), m->status);
	assert_same_str(jstr(ex, "direction"), m->direction);
	assert_same_str(jstr(ex, "error_message"), m->error_message);
	assert_same_str(jstr(ex, "price"), m->price);
	assert_int_equal(jint(ex, "num_segments"), m->num_segments);
	assert_int_equal(jint(ex, "num_media"), m->num_media);
	assert_int_equal(jint(ex, "error_code"), m->error_code);
	const char *names[] = {"date_created", "date_sent", "date_updated"};
	const int64_t got[] = {m->date_created, m->date_sent, m->date_updated};
	for (int i = 0; i < 3; i++) {
		const char *d = jstr(ex, names[i]);
		if (d == NULL)
			assert_int_equal(got[i], 0);
		else
			assert_int_equal(got[i], oracle_date(d));
	}
}

static void check_message_example(const cJSON *value, int *count)
{
	char *text = cJSON_PrintUnformatted(value);
	struct twilio_message m;
	char *err = NULL;
	int rc = twilio_parse_message(text, strlen(text), &m, &err);
	if (rc != 0)
		fail_msg("example rejected: %s\n%s", err, text);
	assert_message_matches(value, &m);
	twilio_message_free(&m);
	cJSON_free(text);
	(*count)++;
}

static void check_list_example(const cJSON *value, int *count, int *items)
{
	char *text = cJSON_PrintUnformatted(value);
	struct twilio_page p;
	char *err = NULL;
	int rc = twilio_parse_page(text, strlen(text), &p, &err);
	if (rc != 0)
		fail_msg("list example rejected: %s\n%s", err, text);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(value, "messages");
	assert_int_equal(p.n, (size_t)cJSON_GetArraySize(msgs));
	for (size_t i = 0; i < p.n; i++)
		assert_message_matches(cJSON_GetArrayItem(msgs, (int)i), &p.items[i]);
	assert_int_equal(p.page, jint(value, "page"));
	assert_int_equal(p.page_size, jint(value, "page_size"));
	assert_same_str(jstr(value, "next_page_uri"), p.next_page_uri);
	*items += (int)p.n;
	twilio_page_free(&p);
	cJSON_free(text);
	(*count)++;
}

/* 1 when schema is the message schema, 2 when it is a list envelope of messages, else 0. */
static int schema_kind(const cJSON *schema)
{
	const char *ref = jstr(schema, "$ref");
	if (ref != NULL && strcmp(ref, MESSAGE_REF) == 0)
		return 1;
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(props, "messages");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(msgs, "items");
	ref = jstr(items, "$ref");
	return ref != NULL && strcmp(ref, MESSAGE_REF) == 0 ? 2 : 0;
}

/* Walks every operation's JSON responses; checks each example of a message or message list. */
static void walk_paths(const cJSON *paths, int *n_msg, int *n_list, int *n_items)
{
	const cJSON *path, *op, *resp;
	cJSON_ArrayForEach(path, paths)
	{
		cJSON_ArrayForEach(op, path)
		{
			const cJSON *responses = cJSON_GetObjectItemCaseSensitive(op, "responses");
			cJSON_ArrayForEach(resp, responses)
			{
				const cJSON *content = cJSON_GetObjectItemCaseSensitive(resp, "content");
				const cJSON *json = cJSON_GetObjectItemCaseSensitive(content, "application/json");
				int kind = schema_kind(cJSON_GetObjectItemCaseSensitive(json, "schema"));
				if (kind == 0)
					continue;
				const cJSON *ex, *examples = cJSON_GetObjectItemCaseSensitive(json, "examples");
				cJSON_ArrayForEach(ex, examples)
				{
					const cJSON *v = cJSON_GetObjectItemCaseSensitive(ex, "value");
					if (kind == 1)
						check_message_example(v, n_msg);
					else
						check_list_example(v, n_list, n_items);
				}
				const cJSON *one = cJSON_GetObjectItemCaseSensitive(json, "example");
				if (one != NULL && kind == 1)
					check_message_example(one, n_msg);
				else if (one != NULL)
					check_list_example(one, n_list, n_items);
			}
		}
	}
}

static void twilio_parse__accepts_every_example__when_from_openapi(void **state)
{
	char *path = tu_source_path("tests/data/twilio/twilio_api_v2010.json");
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	assert_non_null(text);
	cJSON *doc = cJSON_ParseWithLength(text, len);
	assert_non_null(doc);
	int n_msg = 0, n_list = 0, n_items = 0;
	walk_paths(cJSON_GetObjectItemCaseSensitive(doc, "paths"), &n_msg, &n_list, &n_items);
	/* create (7), fetch (1), update (2); list: 7 envelopes, one of them holding 2 messages */
	assert_true(n_msg >= 10);
	assert_true(n_list >= 7);
	assert_true(n_items >= 2);
	cJSON_Delete(doc);
	free(text);
	free(path);
}

static void twilio_parse_message__reads_strings_as_numbers__when_twilio_sends_them(void **state)
{
	const char *j = "{\"sid\":\"" SID "\",\"num_segments\":\"3\",\"num_media\":2,\"error_code\":\"21610\","
			"\"price\":-0.0075,\"status\":\"failed\",\"x_unknown\":{\"a\":[1,2]}}";
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, strlen(j), &m, &err), 0);
	assert_int_equal(m.num_segments, 3);
	assert_int_equal(m.num_media, 2);
	assert_int_equal(m.error_code, 21610);
	assert_string_equal(m.price, "-0.0075");
	assert_null(m.body);
	twilio_message_free(&m);
}

static void twilio_parse_message__accepts__when_everything_but_sid_is_null(void **state)
{
	const char *j = "{\"sid\":\"" SID "\",\"account_sid\":null,\"messaging_service_sid\":null,\"from\":null,"
			"\"to\":null,\"body\":null,\"status\":null,\"direction\":null,\"num_segments\":null,"
			"\"num_media\":null,\"error_code\":null,\"error_message\":null,\"price\":null,"
			"\"date_created\":null,\"date_sent\":null,\"date_updated\":null}";
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, strlen(j), &m, &err), 0);
	assert_string_equal(m.sid, SID);
	assert_null(m.from);
	assert_null(m.status);
	assert_int_equal(m.num_segments, 0);
	assert_int_equal(m.date_sent, 0);
	twilio_message_free(&m);
	const char *bare = "{\"sid\":\"" SID "\"}";
	assert_int_equal(twilio_parse_message(bare, strlen(bare), &m, &err), 0);
	twilio_message_free(&m);
}

/* Expects the parser to refuse j with a message containing want. */
static void expect_reject(const char *j, size_t len, const char *want)
{
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, len, &m, &err), -1);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_null(m.sid);
	free(err);
}

static void twilio_parse_message__rejects__when_not_an_object_or_no_sid(void **state)
{
	expect_reject("[]", 2, "object");
	expect_reject("\"SM\"", 4, "object");
	expect_reject("null", 4, "object");
	expect_reject("42", 2, "object");
	expect_reject("", 0, "empty");
	expect_reject(NULL, 0, "empty");
	expect_reject("{}", 2, "sid");
	expect_reject("{\"sid\":null}", 12, "sid");
	expect_reject("{\"sid\":\"\"}", 10, "sid");
	expect_reject("{\"sid\":12345}", 13, "sid");
}

static void twilio_parse_message__rejects__when_fields_have_wrong_types(void **state)
{
	const char *cases[][2] = {
		{"{\"sid\":\"" SID "\",\"body\":42}", "\"body\""},
		{"{\"sid\":\"" SID "\",\"to\":[\"+1\"]}", "\"to\""},
		{"{\"sid\":\"" SID "\",\"status\":true}", "\"status\""},
		{"{\"sid\":\"" SID "\",\"num_segments\":\"two\"}", "\"num_segments\""},
		{"{\"sid\":\"" SID "\",\"num_segments\":\" 1\"}", "\"num_segments\""},
		{"{\"sid\":\"" SID "\",\"num_media\":1.5}", "\"num_media\""},
		{"{\"sid\":\"" SID "\",\"error_code\":{}}", "\"error_code\""},
		{"{\"sid\":\"" SID "\",\"date_sent\":1438287151}", "\"date_sent\""},
		{"{\"sid\":\"" SID "\",\"price\":{\"v\":1}}", "\"price\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_reject(cases[i][0], strlen(cases[i][0]), cases[i][1]);
}

static void twilio_parse_message__rejects__when_numbers_are_huge(void **state)
{
	const char *cases[] = {
		"{\"sid\":\"" SID "\",\"num_segments\":1e400}",
		"{\"sid\":\"" SID "\",\"num_segments\":99999999999}",
		"{\"sid\":\"" SID "\",\"num_segments\":-1e300}",
		"{\"sid\":\"" SID "\",\"error_code\":\"99999999999999999999999\"}",
		"{\"sid\":\"" SID "\",\"num_media\":\"2147483648\"}",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_reject(cases[i], strlen(cases[i]), "num");
}

static void twilio_parse_message__rejects_every_prefix__when_truncated(void **state)
{
	const char *j = "{\"sid\":\"" SID "\",\"body\":\"Hello! \\ud83d\\udc4d\",\"num_segments\":\"1\","
			"\"date_sent\":\"Thu, 30 Jul 2015 20:12:33 +0000\",\"error_code\":null}";
	size_t len = strlen(j);
	for (size_t n = 0; n < len; n++) {
		/* a heap copy of exactly n bytes, so ASan sees any read past the end */
		char *cut = xmalloc(n ? n : 1);
		memcpy(cut, j, n);
		struct twilio_message m;
		char *err = NULL;
		assert_int_equal(twilio_parse_message(cut, n, &m, &err), -1);
		assert_non_null(err);
		free(err);
		free(cut);
	}
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, len, &m, &err), 0);
	assert_string_equal(m.body, "Hello! \xf0\x9f\x91\x8d");
	twilio_message_free(&m);
}

static void twilio_parse__rejects__when_nesting_is_deep(void **state)
{
	size_t depth = 100000;
	char *j = xmalloc(2 * depth + 1);
	memset(j, '[', depth);
	memset(j + depth, ']', depth);
	j[2 * depth] = '\0';
	struct twilio_message m;
	struct twilio_page p;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, 2 * depth, &m, &err), -1);
	assert_int_equal(twilio_parse_page(j, 2 * depth, &p, &err), -1);
	free(j);
	/* deep but within cJSON's limit, in a field we read: a wrong type */
	size_t levels = 500, off = 0;
	char *k = xmalloc(64 + levels * 7);
	off += (size_t)sprintf(k, "{\"sid\":\"%s\",\"body\":", SID);
	for (size_t i = 0; i < levels; i++)
		off += (size_t)sprintf(k + off, "{\"a\":");
	k[off++] = '1';
	for (size_t i = 0; i <= levels; i++)
		k[off++] = '}';
	k[off] = '\0';
	expect_reject(k, off, "\"body\"");
	free(k);
	free(err);
}

static void twilio_parse_message__copies_bytes_as_received__when_utf8_is_invalid(void **state)
{
	const char *j = "{\"sid\":\"" SID "\",\"body\":\"bad \xff\xfe\xc0\x80 bytes \x1b[31m\"}";
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, strlen(j), &m, &err), 0);
	assert_string_equal(m.body, "bad \xff\xfe\xc0\x80 bytes \x1b[31m");
	twilio_message_free(&m);
}

static void twilio_parse_message__keeps_whole_body__when_body_is_10kb(void **state)
{
	size_t blen = 10 * 1024;
	char *body = xmalloc(blen + 1);
	for (size_t i = 0; i < blen; i++)
		body[i] = (char)('a' + i % 26);
	body[blen] = '\0';
	char *j = xasprintf("{\"sid\":\"%s\",\"body\":\"%s\",\"num_segments\":\"68\"}", SID, body);
	struct twilio_message m;
	char *err = NULL;
	assert_int_equal(twilio_parse_message(j, strlen(j), &m, &err), 0);
	assert_int_equal(strlen(m.body), blen);
	assert_string_equal(m.body, body);
	assert_int_equal(m.num_segments, 68);
	twilio_message_free(&m);
	free(j);
	free(body);
}

static void twilio_parse_page__rejects__when_envelope_or_item_is_wrong(void **state)
{
	struct twilio_page p;
	char *err = NULL;
	const char *no_arr = "{\"messages\":{},\"page\":0}";
	assert_int_equal(twilio_parse_page(no_arr, strlen(no_arr), &p, &err), -1);
	assert_non_null(strstr(err, "messages"));
	const char *arr = "[{\"sid\":\"" SID "\"}]";
	assert_int_equal(twilio_parse_page(arr, strlen(arr), &p, &err), -1);
	assert_non_null(strstr(err, "object"));
	const char *bad_item = "{\"messages\":[{\"sid\":\"" SID "\"},{\"body\":\"x\"}],\"page\":\"0\"}";
	assert_int_equal(twilio_parse_page(bad_item, strlen(bad_item), &p, &err), -1);
	assert_non_null(strstr(err, "message 2"));
	assert_null(p.items);
	assert_int_equal(p.n, 0);
	const char *bad_uri = "{\"messages\":[],\"next_page_uri\":5}";
	assert_int_equal(twilio_parse_page(bad_uri, strlen(bad_uri), &p, &err), -1);
	assert_non_null(strstr(err, "next_page_uri"));
	free(err);
}

static void twilio_parse_page__reads_last_page__when_next_uri_null_or_empty(void **state)
{
	struct twilio_page p;
	char *err = NULL;
	const char *j = "{\"messages\":[{\"sid\":\"" SID "\"}],\"page\":\"3\",\"page_size\":50,\"next_page_uri\":\"\"}";
	assert_int_equal(twilio_parse_page(j, strlen(j), &p, &err), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.page, 3);
	assert_int_equal(p.page_size, 50);
	assert_null(p.next_page_uri);
	twilio_page_free(&p);
	const char *k = "{\"messages\":[]}";
	assert_int_equal(twilio_parse_page(k, strlen(k), &p, &err), 0);
	assert_int_equal(p.n, 0);
	assert_null(p.next_page_uri);
	twilio_page_free(&p);
}

static void twilio_parse_date__reads_rfc2822__when_valid(void **state)
{
	assert_int_equal(twilio_parse_date("Thu, 30 Jul 2015 20:12:31 +0000"), 1438287151);
	assert_int_equal(twilio_parse_date("30 Jul 2015 20:12:31 +0000"), 1438287151);
	assert_int_equal(twilio_parse_date("Thu, 30 Jul 2015 15:12:31 -0500"), 1438287151);
	assert_int_equal(twilio_parse_date("Thu, 30 Jul 2015 20:12:31 GMT"), 1438287151);
	assert_int_equal(twilio_parse_date("Sun, 1 Mar 2026 00:00:00 +0000"), 1772323200);
	assert_int_equal(twilio_parse_date("Mon, 29 Feb 2016 12:00:00 +0000"), oracle_date("Mon, 29 Feb 2016 12:00:00 +0000"));
}

static void twilio_parse_date__gives_zero__when_unparseable(void **state)
{
	const char *bad[] = {NULL, "", "yesterday", "Thu, 30 Jly 2015 20:12:31 +0000", "Thu, 31 Feb 2015 20:12:31 +0000",
			     "Thu, 30 Jul 2015 24:12:31 +0000", "Thu, 30 Jul 2015 20:12 +0000", "2015-07-30T20:12:31Z",
			     "Thu, 30 Jul 2015 20:12:31 +0000 trailing", "Thu, 30 Jul 15 20:12:31 +0000",
			     "Thu, 00 Jul 2015 20:12:31 +0000", "Thu, 30 Jul 2015 20:12:31 +9999", "Thu,", "7", "Thu, 3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(twilio_parse_date(bad[i]), 0);
}

/* Formats t as Twilio does, shown at UTC offset off_min minutes ("+0000", "-0500"). */
static void rfc2822(int64_t t, int off_min, char *buf, size_t len)
{
	time_t local = (time_t)(t + off_min * 60);
	struct tm tm;
	assert_non_null(gmtime_r(&local, &tm));
	size_t n = strftime(buf, len, "%a, %d %b %Y %H:%M:%S ", &tm);
	assert_true(n > 0);
	int a = off_min < 0 ? -off_min : off_min;
	snprintf(buf + n, len - n, "%c%02d%02d", off_min < 0 ? '-' : '+', a / 60, a % 60);
}

/* The calendar is computed, not asked of timegm: every day from 1970 to 2400 (leap years,
 * 2100 and 2200 not being ones) at a time that moves through the day, at four offsets, and
 * each month's first day too many refused. */
static void twilio_parse_date__matches_gmtime__when_swept_over_430_years(void **state)
{
	static const int offsets[] = {0, -300, 330, -720};
	char buf[64];
	int64_t end = 13569465600; /* 2400-01-01 */
	size_t n = 0;
	for (int64_t t = 0; t < end; t += 86400 + 3607, n++) {
		int off = offsets[n % 4];
		rfc2822(t, off, buf, sizeof(buf));
		if (twilio_parse_date(buf) != t)
			fail_msg("\"%s\" read as %lld, not %lld", buf, (long long)twilio_parse_date(buf), (long long)t);
	}
	assert_true(n > 150000);
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	for (int year = 1970; year < 2401; year += 1) {
		for (int m = 0; m < 12; m++) {
			/* the day after the month's last, found by the C library */
			struct tm tm = {.tm_year = year - 1900, .tm_mon = m + 1, .tm_mday = 0};
			time_t last = timegm(&tm);
			struct tm lt;
			assert_non_null(gmtime_r(&last, &lt));
			snprintf(buf, sizeof(buf), "%02d %s %d 10:00:00 +0000", lt.tm_mday, mon[m], year);
			assert_int_equal(twilio_parse_date(buf), (int64_t)last + 36000);
			snprintf(buf, sizeof(buf), "%02d %s %d 10:00:00 +0000", lt.tm_mday + 1, mon[m], year);
			assert_int_equal(twilio_parse_date(buf), 0);
		}
	}
	/* a leap second: within the day it is the next minute; at the day's end it is refused */
	assert_int_equal(twilio_parse_date("Thu, 30 Jul 2015 20:12:60 +0000"), 1438287180);
	assert_int_equal(twilio_parse_date("Wed, 31 Dec 2015 23:59:60 +0000"), 0);
	assert_int_equal(twilio_parse_date("Sat, 01 Jan 2000 00:00:00 +0000"), 946684800);
	assert_int_equal(twilio_parse_date("Thu, 01 Jan 1970 00:00:00 +0100"), -3600);
}

/* Twilio's Media list: entries read, and every malformed shape refused with words. */
static void twilio_parse_media_list__reads_and_refuses__when_shapes_vary(void **state)
{
	(void)state;
	struct twilio_media_list l;
	char *err = NULL;
	const char *ok = "{\"media_list\": [{\"sid\": \"ME0123456789abcdef0123456789abcdef\", \"content_type\": "
			 "\"image/jpeg\"}, {\"sid\": \"MEffffffffffffffffffffffffffffffff\", \"content_type\": null}]}";
	assert_int_equal(twilio_parse_media_list(ok, strlen(ok), &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.items[0].content_type, "image/jpeg");
	assert_null(l.items[1].content_type);
	twilio_media_list_free(&l);
	static const char *const bad[] = {
		"{\"media_list\": [{\"sid\": \"ME0123456789abcdef0123456789abcdef\"", /* cut */
		"{\"media\": []}",						      /* no media_list */
		"{\"media_list\": [{\"sid\": \"ME../../../../Messages.json\"}]}",     /* a path, not a SID */
		"{\"media_list\": [{\"sid\": 7}]}",
		"{\"media_list\": [1, 2]}",
		"[]",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(twilio_parse_media_list(bad[k], strlen(bad[k]), &l, &err), -1);
		assert_non_null(err);
		assert_null(l.items);
	}
	/* more than Twilio's 10 per message */
	char *many = xstrdup("{\"media_list\": [");
	for (int k = 0; k < 11; k++) {
		char *next = xasprintf("%s%s{\"sid\": \"ME0123456789abcdef0123456789abcde%x\"}", many, k ? "," : "", k);
		free(many);
		many = next;
	}
	char *full = xasprintf("%s]}", many);
	assert_int_equal(twilio_parse_media_list(full, strlen(full), &l, &err), -1);
	assert_non_null(strstr(err, "at most 10"));
	free(full);
	free(many);
	free(err);
}

int main(void)
{
	setlocale(LC_ALL, "C");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(twilio_parse__accepts_every_example__when_from_openapi),
		cmocka_unit_test(twilio_parse_message__reads_strings_as_numbers__when_twilio_sends_them),
		cmocka_unit_test(twilio_parse_message__accepts__when_everything_but_sid_is_null),
		cmocka_unit_test(twilio_parse_message__rejects__when_not_an_object_or_no_sid),
		cmocka_unit_test(twilio_parse_message__rejects__when_fields_have_wrong_types),
		cmocka_unit_test(twilio_parse_message__rejects__when_numbers_are_huge),
		cmocka_unit_test(twilio_parse_message__rejects_every_prefix__when_truncated),
		cmocka_unit_test(twilio_parse__rejects__when_nesting_is_deep),
		cmocka_unit_test(twilio_parse_message__copies_bytes_as_received__when_utf8_is_invalid),
		cmocka_unit_test(twilio_parse_message__keeps_whole_body__when_body_is_10kb),
		cmocka_unit_test(twilio_parse_page__rejects__when_envelope_or_item_is_wrong),
		cmocka_unit_test(twilio_parse_page__reads_last_page__when_next_uri_null_or_empty),
		cmocka_unit_test(twilio_parse_date__reads_rfc2822__when_valid),
		cmocka_unit_test(twilio_parse_date__gives_zero__when_unparseable),
		cmocka_unit_test(twilio_parse_date__matches_gmtime__when_swept_over_430_years),
		cmocka_unit_test(twilio_parse_media_list__reads_and_refuses__when_shapes_vary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
