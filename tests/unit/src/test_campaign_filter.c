/* Tests for src/campaign_filter.c and the text checks of src/campaign.c: the one parser the
 * command line and the console's form share (blank fields, bad numbers, impossible dates, a
 * pace above the location's), names (over-long, control characters, invalid UTF-8) and texts
 * (invalid UTF-8, too long), each refused in words before anything is written. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/campaign.h"
#include "src/util.h"

#define NOW 1795000000LL /* 2026-11-18 11:06 UTC */
#define BODY "Hi {patientName}, {clinicName}: your skin check is due. Reply STOP to opt out."

struct fx {
	struct store *s;
	char *path;
	struct tenant t;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	int64_t id = 0;
	f->s = tu_store_new(&f->path);
	assert_int_equal(store_tenant_add(f->s, "Main St", "America/Chicago", "+13125550100", &id, &err), 0);
	assert_int_equal(store_tenant_get(f->s, id, &f->t, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tenant_free(&f->t);
	store_close(&f->s);
	unlink(f->path);
	free(f->path);
	free(f);
	return 0;
}

/* Parses in; returns the error (malloc'd) or NULL, f filled. */
static char *parse(struct fx *fx, const struct campaign_filter_text *in, struct campaign_filter *f)
{
	char *err = NULL;
	if (campaign_filter_parse(in, &fx->t, NOW, f, &err) == 0) {
		assert_null(err);
		return NULL;
	}
	assert_non_null(err);
	return err;
}

static void expect_refused(struct fx *fx, const struct campaign_filter_text *in, const char *words)
{
	struct campaign_filter f;
	char *err = parse(fx, in, &f);
	if (err == NULL || strstr(err, words) == NULL)
		fail_msg("expected \"%s\", got \"%s\"", words, err ? err : "(accepted)");
	free(err);
}

/* Blank form fields are "not given"; given ones are read in the clinic's zone. */
static void campaign_filter__reads_fields__when_blank_or_given(void **state)
{
	struct fx *fx = *state;
	struct campaign_filter f;
	struct campaign_filter_text in = {.kind = "care", .overdue_months = "", .last_visit_before = "  ",
					  .followup_days = NULL, .provider = "", .per_minute = ""};
	assert_null(parse(fx, &in, &f));
	assert_int_equal(f.overdue_months, 0);
	assert_int_equal(f.last_visit_before, 0);
	assert_null(f.provider);
	assert_int_equal(f.per_minute, 0);
	in = (struct campaign_filter_text){.kind = "care", .overdue_months = "12", .last_visit_before = "2025-12-01",
					   .followup_days = "7", .provider = "Dr. Skin", .per_minute = "30"};
	assert_null(parse(fx, &in, &f));
	assert_int_equal(f.overdue_months, 12);
	assert_int_equal(f.followup_days, 7);
	assert_int_equal(f.per_minute, 30);
	assert_int_equal(f.last_visit_before, 1764568800LL); /* midnight in Chicago (UTC-6) */
	assert_string_equal(f.provider, "Dr. Skin");
	in.last_visit_before = "30d";
	assert_null(parse(fx, &in, &f));
	assert_int_equal(f.last_visit_before, NOW - 30 * 86400);
}

/* Each bad field is refused with words that name it. */
static void campaign_filter__refuses_in_words__when_fields_are_bad(void **state)
{
	struct fx *fx = *state;
	struct campaign_filter_text in = {.kind = "care", .overdue_months = "0"};
	expect_refused(fx, &in, "overdue months must be");
	in.overdue_months = "12abc";
	expect_refused(fx, &in, "overdue months must be");
	in.overdue_months = "-3";
	expect_refused(fx, &in, "overdue months must be");
	in.overdue_months = "99999999999999999999";
	expect_refused(fx, &in, "overdue months must be");
	in = (struct campaign_filter_text){.kind = "care", .last_visit_before = "2026-02-30"};
	expect_refused(fx, &in, "last visit before must be a date");
	in.last_visit_before = "yesterday";
	expect_refused(fx, &in, "last visit before must be a date");
	in = (struct campaign_filter_text){.kind = "care", .followup_days = "3651"};
	expect_refused(fx, &in, "follow-up days");
	in = (struct campaign_filter_text){.kind = "care", .provider = "Dr. Skin"};
	expect_refused(fx, &in, "a provider goes with follow-up days");
	/* The location sends 60 a minute (a long code): a campaign may only go slower. */
	in = (struct campaign_filter_text){.kind = "care", .per_minute = "61"};
	expect_refused(fx, &in, "from 1 to 60");
	in.per_minute = "0";
	expect_refused(fx, &in, "from 1 to 60");
}

/* Names: empty, over-long, control characters, C1 controls and invalid UTF-8 are refused. */
static void campaign_name__refused__when_hostile(void **state)
{
	(void)state;
	char *err = NULL, longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(campaign_check_name("Annual skin check \xE2\x9C\x85", &err), 0);
	assert_int_equal(campaign_check_name("   ", &err), -1);
	assert_non_null(strstr(err, "needs a name"));
	xfree(&err);
	assert_int_equal(campaign_check_name(longname, &err), -1);
	assert_string_equal(err, "the name is 199 characters long; at most 80");
	xfree(&err);
	assert_int_equal(campaign_check_name("Recall\x1b[2J", &err), -1);
	assert_non_null(strstr(err, "control character"));
	xfree(&err);
	assert_int_equal(campaign_check_name("Recall \xC2\x9B" "31m", &err), -1);
	assert_non_null(strstr(err, "control character"));
	xfree(&err);
	assert_int_equal(campaign_check_name("Recall \xE2\x80\xAE" "llacer", &err), -1);
	assert_non_null(strstr(err, "text-direction"));
	xfree(&err);
	assert_int_equal(campaign_check_name("Recall \xff", &err), -1);
	assert_non_null(strstr(err, "UTF-8"));
	xfree(&err);
}

/* Texts: invalid UTF-8 and texts over 1600 characters are refused before the template check. */
static void campaign_body__refused__when_invalid_utf8_or_too_long(void **state)
{
	(void)state;
	char *err = NULL;
	assert_int_equal(campaign_check_body(BODY, &err), 0);
	assert_int_equal(campaign_check_body("Hi \xff\xfe Reply STOP", &err), -1);
	assert_non_null(strstr(err, "not valid UTF-8"));
	xfree(&err);
	char *big = xmalloc(1700);
	memset(big, 'x', 1699);
	big[1699] = '\0';
	memcpy(big, "STOP ", 5);
	assert_int_equal(campaign_check_body(big, &err), -1);
	assert_string_equal(err, "the text is 1699 characters long; at most 1600");
	xfree(&err);
	free(big);
	assert_int_equal(campaign_check_body("Hi \x1b]0;pwned\x07 Reply STOP", &err), -1);
	assert_non_null(strstr(err, "control character"));
	xfree(&err);
}

/* create refuses a bad name before any row is written. */
static void campaign_create__writes_nothing__when_the_name_is_too_long(void **state)
{
	struct fx *fx = *state;
	char *err = NULL, longname[100];
	int64_t id = 0;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct campaign_filter f = {.tenant_id = fx->t.id, .kind = "care"};
	assert_int_equal(campaign_create(fx->s, &f, longname, BODY, 0, "tester", NOW, &id, NULL, &err), -1);
	assert_non_null(strstr(err, "at most 80"));
	xfree(&err);
	struct campaign *list = NULL;
	size_t n = 9;
	assert_int_equal(store_campaign_list(fx->s, 0, NULL, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	campaign_list_free(&list, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(campaign_filter__reads_fields__when_blank_or_given, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign_filter__refuses_in_words__when_fields_are_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign_name__refused__when_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign_body__refused__when_invalid_utf8_or_too_long, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign_create__writes_nothing__when_the_name_is_too_long, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
