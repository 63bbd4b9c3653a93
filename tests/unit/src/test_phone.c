/* Tests for src/phone.c: E.164 formatting, validation, display, masking. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"

struct good_case {
	const char *input;
	const char *e164;
};

static const struct good_case good_cases[] = {
    {"5551234567", "+15551234567"},
    {"(555) 123-4567", "+15551234567"},
    {"555.123.4567", "+15551234567"},
    {"555-123-4567", "+15551234567"},
    {"555 123 4567", "+15551234567"},
    {"1-555-123-4567", "+15551234567"},
    {"15551234567", "+15551234567"},
    {"+1 (555) 123-4567", "+15551234567"},
    {"+15551234567", "+15551234567"},
    {"  +1 555 123 4567  ", "+15551234567"},
    {"\t(312)\t555-0142", "+13125550142"},
    {"1 (800) 356-9377", "+18003569377"},
    {"+44 20 7946 0958", "+442079460958"},
    {"011 44 20 7946 0958", "+442079460958"},
    {"+33 1 23 45 67 89", "+33123456789"},
    {"+91 98765 43210", "+919876543210"},
    {"+49 30 12345678", "+493012345678"},
    {"+86 138 0013 8000", "+8613800138000"},
    {"+1 500 555 0001", "+15005550001"},
    {"+49 1234 567890123", "+491234567890123"}, /* 15 digits, the most E.164 allows */
    {"+683 12345", "+68312345"},		/* 8 digits, the fewest we take */
};

static const char *const bad_inputs[] = {
    "",
    "   ",
    "+",
    "()--..",
    "555-1234",		 /* too short */
    "123456789",	 /* 9 digits */
    "555123456789",	 /* 12 digits without + */
    "1-800-FLOWERS",	 /* vanity */
    "1-800-XEROX",	 /* vanity starting with x */
    "555-123-4567 x123", /* extension */
    "555-123-4567 ext. 5",
    "555-123-4567 extension 12",
    "555-123-4567#12",
    "555-123-4567,,12",
    "++15551234567",
    "+1+5551234567",
    "1555+1234567",
    "+1 055 123 4567", /* area code starts with 0 */
    "+1 155 123 4567", /* area code starts with 1 */
    "+1 911 123 4567", /* N11 */
    "(312) 023-4567",  /* exchange starts with 0 */
    "(312) 123-4567",  /* exchange starts with 1 */
    "(555) 123-456",
    "(555) 123-45678",
    "+1555123456",
    "+155512345678",
    "+0123456789",
    "+1234567",		 /* 7 digits */
    "+1234567890123456", /* 16 digits */
    "+4420794609581234567",
    "555\x01"
    "1234567",
    "555\x1b[2J1234567",
    "555\x7f"
    "1234567",
    "555\n123\n4567",
    "555_123_4567",
    "555/123/4567",
    "５５５１２３４５６７", /* full-width digits */
    "555\xc2\xa0"
    "123 4567",	      /* non-breaking space */
    "01115551234567", /* 011 then +1 */
    "011",
    "abc",
    "NaN",
    "-5551234567x",
    "55512345670000000000000000000000000000000000000000000000000000000000000000000000",
};

static void phone_to_e164__formats__when_valid(void **state)
{
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		char out[PHONE_E164_MAX];
		char *err = NULL;
		int rc = phone_to_e164(good_cases[i].input, out, &err);
		if (rc != 0)
			fail_msg("'%s' refused: %s", good_cases[i].input, err);
		assert_string_equal(out, good_cases[i].e164);
		assert_null(err);
		assert_true(phone_is_e164(out));
	}
}

static void phone_to_e164__rejects__when_hostile(void **state)
{
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		char out[PHONE_E164_MAX] = "unchanged";
		char *err = NULL;
		int rc = phone_to_e164(bad_inputs[i], out, &err);
		if (rc != -1)
			fail_msg("'%s' accepted as %s", bad_inputs[i], out);
		assert_non_null(err);
		assert_true(strlen(err) > 10);
		assert_string_equal(out, "");
		free(err);
	}
}

/* Returns the error for input (malloc'd) or fails the test when it is accepted. */
static char *reason_for(const char *input)
{
	char out[PHONE_E164_MAX];
	char *err = NULL;
	assert_int_equal(phone_to_e164(input, out, &err), -1);
	assert_non_null(err);
	return err;
}

static void phone_to_e164__names_reason__when_rejected(void **state)
{
	static const struct {
		const char *input;
		const char *needle;
	} cases[] = {
	    {"1-800-FLOWERS", "letters"},
	    {"555-123-4567 x123", "extension"},
	    {"555-123-4567 ext. 5", "extension"},
	    {"555-1234", "too short"},
	    {"+1234567890123456", "too long"},
	    {"", "empty"},
	    {"++15551234567", "more than one '+'"},
	    {"555\x01"
	     "1234567",
	     "control"},
	    {"+1 055 123 4567", "area code"},
	    {"(312) 123-4567", "exchange"},
	    {"555123456789", "too long"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = reason_for(cases[i].input);
		if (strstr(err, cases[i].needle) == NULL)
			fail_msg("'%s': reason '%s' lacks '%s'", cases[i].input, err, cases[i].needle);
		free(err);
	}
}

static void phone_to_e164__rejects__when_null(void **state)
{
	char out[PHONE_E164_MAX];
	char *err = NULL;
	assert_int_equal(phone_to_e164(NULL, out, &err), -1);
	assert_non_null(strstr(err, "no phone number"));
	free(err);
	/* A NULL err is allowed too. */
	assert_int_equal(phone_to_e164("abc", out, NULL), -1);
}

static void phone_to_e164__stops__when_embedded_nul(void **state)
{
	/* What follows a NUL is not part of a C string: "555" alone is too short. */
	static const char input[] = "555\0"
				    "1234567";
	char *err = reason_for(input);
	assert_non_null(strstr(err, "too short"));
	free(err);
}

static void phone_is_e164__rejects__when_not_canonical(void **state)
{
	assert_true(phone_is_e164("+15551234567"));
	assert_true(phone_is_e164("+442079460958"));
	assert_false(phone_is_e164(NULL));
	assert_false(phone_is_e164(""));
	assert_false(phone_is_e164("15551234567"));
	assert_false(phone_is_e164("+1 555 123 4567"));
	assert_false(phone_is_e164("+1555123456"));
	assert_false(phone_is_e164("+15551234567 "));
	assert_false(phone_is_e164("+10551234567"));
	assert_false(phone_is_e164("+1234567890123456"));
}

static void phone_display__groups__when_us(void **state)
{
	char out[32];
	phone_display("+15551234567", out, sizeof(out));
	assert_string_equal(out, "(555) 123-4567");
	phone_display("+442079460958", out, sizeof(out));
	assert_string_equal(out, "+442079460958");
	phone_display("+1555\x1b[2J", out, sizeof(out));
	assert_string_equal(out, "+1555?[2J");
	phone_display(NULL, out, sizeof(out));
	assert_string_equal(out, "");
	char tiny[6];
	phone_display("+15551234567", tiny, sizeof(tiny));
	assert_string_equal(tiny, "(555)");
}

static void phone_mask__hides_all_but_last_four__when_valid(void **state)
{
	char out[32];
	phone_mask("+15551234567", out, sizeof(out));
	assert_string_equal(out, "(***) ***-4567");
	phone_mask("+442079460958", out, sizeof(out));
	assert_string_equal(out, "+********0958");
	phone_mask("not a number", out, sizeof(out));
	assert_string_equal(out, "***");
	phone_mask(NULL, out, sizeof(out));
	assert_string_equal(out, "***");
}

static void phone_equal__matches__when_same_number_written_differently(void **state)
{
	assert_true(phone_equal("(555) 123-4567", "+15551234567"));
	assert_true(phone_equal("1-555-123-4567", "555.123.4567"));
	assert_true(phone_equal("011 44 20 7946 0958", "+44 20 7946 0958"));
	assert_false(phone_equal("555-123-4567", "555-123-4568"));
	assert_false(phone_equal("abc", "abc"));
	assert_false(phone_equal(NULL, NULL));
	assert_false(phone_equal("+15551234567", NULL));
}

static void phone_is_likely_us_mobile__rejects__when_toll_free_or_fiction(void **state)
{
	static const char *const no[] = {
	    "+18005551234",  "+18335551234", "+18445551234", "+18555551234", "+18665551234",
	    "+18775551234",  "+18885551234", "+13125550100", "+13125550142", "+13125550199",
	    "+442079460958", "15551234567",  NULL,	     "+10551234567",
	};
	static const char *const yes[] = {
	    "+13125550200", "+13125550099", "+15551234567", "+12125551234", "+18095551234", "+15005550006",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (phone_is_likely_us_mobile(no[i]))
			fail_msg("%s taken for a mobile", no[i] ? no[i] : "NULL");
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!phone_is_likely_us_mobile(yes[i]))
			fail_msg("%s not taken for a mobile", yes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(phone_to_e164__formats__when_valid),
	    cmocka_unit_test(phone_to_e164__rejects__when_hostile),
	    cmocka_unit_test(phone_to_e164__names_reason__when_rejected),
	    cmocka_unit_test(phone_to_e164__rejects__when_null),
	    cmocka_unit_test(phone_to_e164__stops__when_embedded_nul),
	    cmocka_unit_test(phone_is_e164__rejects__when_not_canonical),
	    cmocka_unit_test(phone_display__groups__when_us),
	    cmocka_unit_test(phone_mask__hides_all_but_last_four__when_valid),
	    cmocka_unit_test(phone_equal__matches__when_same_number_written_differently),
	    cmocka_unit_test(phone_is_likely_us_mobile__rejects__when_toll_free_or_fiction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
