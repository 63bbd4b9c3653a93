/* Tests for src/twilio_parse.c's list pages as the client decodes them: in an arena it keeps
 * from page to page (src/json_arena.h), each message's strings in one block of its own.
 * Hostile pages (cut, wrong types, huge or invalid strings) with the arena reused throughout,
 * so the sanitizer build sees any string left pointing into it. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/json_arena.h"
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"

#define ACCOUNT "AC0123456789abcdef0123456789abcdef"

/* The body of message i of a test page: short, 1,600+ characters, invalid UTF-8, escapes. */
static char *body_of(size_t i)
{
	switch (i % 5) {
	case 0:
		return xasprintf("See you then #%zu", i);
	case 1: {
		char *b = xmalloc(1700);
		for (size_t k = 0; k < 1699; k++)
			b[k] = (char)('a' + (k + i) % 26);
		b[1699] = '\0';
		return b;
	}
	case 2:
		return xasprintf("bad \xff\xfe\xc0\x80 bytes %zu \x1b[31m", i);
	case 3:
		return xasprintf("Hello! \xf0\x9f\x91\x8d %zu", i);
	default:
		return NULL; /* "body": null */
	}
}

/* body_of as JSON text: the emoji escaped as Twilio does (\ud83d\udc4d). */
static char *json_body(size_t i)
{
	if (i % 5 == 4)
		return xstrdup("null");
	if (i % 5 == 3)
		return xasprintf("\"Hello! \\ud83d\\udc4d %zu\"", i);
	char *b = body_of(i), *j = xasprintf("\"%s\"", b);
	free(b);
	return j;
}

/* A page of n messages shaped as Twilio's (and the simulator's) list; message i's SID ends in
 * i, tag is in every "to" so two pages differ everywhere. */
static char *page_json(size_t n, const char *tag)
{
	size_t cap = 4096 + n * 2600, len = 0;
	char *p = xmalloc(cap);
	len += (size_t)snprintf(p + len, cap - len, "{\"messages\":[");
	for (size_t i = 0; i < n; i++) {
		char *body = json_body(i);
		len += (size_t)snprintf(
		    p + len, cap - len,
		    "%s{\"account_sid\":\"%s\",\"api_version\":\"2010-04-01\",\"body\":%s,"
		    "\"date_created\":\"Thu, 30 Jul 2015 20:12:31 +0000\",\"date_sent\":\"Thu, 30 Jul 2015 "
		    "20:12:33 +0000\",\"date_updated\":null,\"direction\":\"inbound\",\"error_code\":%s,"
		    "\"error_message\":null,\"from\":\"+1312%07zu\",\"messaging_service_sid\":null,"
		    "\"num_media\":\"%zu\",\"num_segments\":\"1\",\"price\":%s,\"price_unit\":\"USD\","
		    "\"sid\":\"SM%032zx\",\"status\":\"received\",\"subresource_uris\":{\"media\":\"/x\"},"
		    "\"to\":\"%s\",\"uri\":\"/2010-04-01/Accounts/%s/Messages/SM%032zx.json\"}",
		    i ? "," : "", ACCOUNT, body, i % 7 == 0 ? "30003" : "null", 5000000 + i, i % 3,
		    i % 4 == 0 ? "-0.0075" : "\"-0.00750\"", i, tag, ACCOUNT, i);
		free(body);
	}
	snprintf(p + len, cap - len,
		 "],\"page\":0,\"page_size\":%zu,\"next_page_uri\":\"/2010-04-01/Accounts/%s/"
		 "Messages.json?PageSize=%zu&Page=1&PageToken=PA%s\"}",
		 n, ACCOUNT, n, tag);
	return p;
}

/* Checks message i of a page made by page_json(_, tag). */
static void check_message(const struct twilio_message *m, size_t i, const char *tag)
{
	char want[64];
	snprintf(want, sizeof(want), "SM%032zx", i);
	assert_string_equal(m->sid, want);
	assert_string_equal(m->account_sid, ACCOUNT);
	assert_null(m->messaging_service_sid);
	snprintf(want, sizeof(want), "+1312%07zu", 5000000 + i);
	assert_string_equal(m->from, want);
	assert_string_equal(m->to, tag);
	char *body = body_of(i);
	if (body == NULL)
		assert_null(m->body);
	else
		assert_string_equal(m->body, body);
	free(body);
	assert_string_equal(m->status, "received");
	assert_string_equal(m->direction, "inbound");
	assert_int_equal(m->num_segments, 1);
	assert_int_equal(m->num_media, (int)(i % 3));
	assert_int_equal(m->error_code, i % 7 == 0 ? 30003 : 0);
	assert_null(m->error_message);
	assert_string_equal(m->price, i % 4 == 0 ? "-0.0075" : "-0.00750");
	assert_int_equal(m->date_created, 1438287151);
	assert_int_equal(m->date_sent, 1438287153);
	assert_int_equal(m->date_updated, 0);
}

static void twilio_decode_page__keeps_strings__when_arena_is_reused(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	char *ja = page_json(1000, "+13125550100"), *jb = page_json(1000, "+13125550199");
	struct twilio_page pa, pb;
	char *why = NULL;
	assert_int_equal(twilio_decode_page(a, ja, strlen(ja), &pa, &why), TWD_OK);
	/* the second page reuses (and overwrites) the arena the first was parsed in */
	assert_int_equal(twilio_decode_page(a, jb, strlen(jb), &pb, &why), TWD_OK);
	assert_int_equal(pa.n, 1000);
	assert_int_equal(pb.n, 1000);
	assert_int_equal(pa.page_size, 1000);
	assert_non_null(strstr(pa.next_page_uri, "PA+13125550100"));
	for (size_t i = 0; i < 1000; i++) {
		check_message(&pa.items[i], i, "+13125550100");
		check_message(&pb.items[i], i, "+13125550199");
	}
	twilio_page_free(&pa);
	twilio_page_free(&pb);
	free(ja);
	free(jb);
	json_arena_free(&a);
}

static void twilio_message__outlives_its_page__when_moved_out(void **state)
{
	(void)state;
	/* as src/poll.c and src/outbox_reconcile.c do: the struct copied out, the slot zeroed */
	char *j = page_json(10, "+13125550100");
	struct twilio_page p;
	char *why = NULL;
	assert_int_equal(twilio_decode_page(NULL, j, strlen(j), &p, &why), TWD_OK);
	struct twilio_message kept[3];
	for (size_t k = 0; k < 3; k++) {
		kept[k] = p.items[3 * k + 1];
		memset(&p.items[3 * k + 1], 0, sizeof(p.items[0]));
	}
	twilio_page_free(&p);
	for (size_t k = 0; k < 3; k++) {
		check_message(&kept[k], 3 * k + 1, "+13125550100");
		twilio_message_free(&kept[k]);
		assert_null(kept[k].sid);
		assert_null(kept[k].strings);
	}
	twilio_message_free(NULL);
	free(j);
}

static void twilio_decode_page__reads_huge_body__when_larger_than_arena_keeps(void **state)
{
	(void)state;
	/* a 9 MB body: more than a chunk grows to and more than the arena keeps between pages */
	size_t big = 9u << 20;
	char *body = xmalloc(big + 1);
	for (size_t k = 0; k < big; k++)
		body[k] = (char)('A' + k % 26);
	body[big] = '\0';
	char *j = xasprintf(
	    "{\"messages\":[{\"sid\":\"SM1\",\"body\":\"%s\"},{\"sid\":\"SM2\",\"body\":\"ok\"}]}", body);
	struct json_arena *a = json_arena_new();
	for (int round = 0; round < 2; round++) {
		struct twilio_page p;
		char *why = NULL;
		assert_int_equal(twilio_decode_page(a, j, strlen(j), &p, &why), TWD_OK);
		assert_int_equal(p.n, 2);
		assert_int_equal(strlen(p.items[0].body), big);
		assert_memory_equal(p.items[0].body, body, big);
		assert_string_equal(p.items[1].body, "ok");
		twilio_page_free(&p);
	}
	json_arena_free(&a);
	free(j);
	free(body);
}

/* Decodes j with arena a, expecting failure d with exactly want as the reason. */
static void expect_page_error(struct json_arena *a, const char *j, size_t len, enum twilio_decode d,
			      const char *want)
{
	struct twilio_page p;
	char *why = NULL;
	assert_int_equal(twilio_decode_page(a, j, len, &p, &why), d);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("reason \"%s\", expected \"%s\"", why, want);
	assert_null(p.items);
	assert_int_equal(p.n, 0);
	assert_null(p.next_page_uri);
	free(why);
}

static void twilio_decode_page__says_what_is_wrong__when_page_is_hostile(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	char *good = page_json(600, "+13125550100");
	size_t len = strlen(good);
	/* a wrong type deep in the page: the message's number and the field, as before the arena */
	char *bad = xstrdup(good), sid500[64];
	snprintf(sid500, sizeof(sid500), "\"sid\":\"SM%032zx\"", (size_t)499);
	char *at = strstr(bad, sid500);
	assert_non_null(at);
	memset(at + 6, '7', strlen(sid500) - 6); /* "sid":777...7, a number of the same length */
	expect_page_error(a, bad, len, TWD_BAD_SHAPE, "message 500 of the list: the message has no \"sid\"");
	free(bad);
	bad = xstrdup(good);
	at = strstr(bad, "\"status\":\"received\"");
	memcpy(at, "\"status\":[1,2,3,45]", 19);
	expect_page_error(a, bad, len, TWD_BAD_SHAPE,
			  "message 1 of the list: field \"status\" should be a string");
	free(bad);
	/* cut anywhere: not JSON, with where it broke; the arena is reused by every attempt */
	for (size_t n = 1; n < len; n += 997) {
		char *cut = xmalloc(n);
		memcpy(cut, good, n);
		struct twilio_page p;
		char *why = NULL;
		assert_int_equal(twilio_decode_page(a, cut, n, &p, &why), TWD_NOT_JSON);
		assert_non_null(strstr(why, "is not valid JSON (near byte"));
		assert_null(p.items);
		free(why);
		free(cut);
	}
	expect_page_error(a, good, 0, TWD_NOT_JSON, "the answer is empty");
	/* and the arena still decodes a whole page afterwards */
	struct twilio_page p;
	char *why = NULL;
	assert_int_equal(twilio_decode_page(a, good, len, &p, &why), TWD_OK);
	assert_int_equal(p.n, 600);
	check_message(&p.items[599], 599, "+13125550100");
	twilio_page_free(&p);
	free(good);
	json_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twilio_decode_page__keeps_strings__when_arena_is_reused),
	    cmocka_unit_test(twilio_message__outlives_its_page__when_moved_out),
	    cmocka_unit_test(twilio_decode_page__reads_huge_body__when_larger_than_arena_keeps),
	    cmocka_unit_test(twilio_decode_page__says_what_is_wrong__when_page_is_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
