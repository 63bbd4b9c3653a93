/* Tests for src/segments.c: GSM-7 / UCS-2 detection, segment packing, cost. */
#include "testutil.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/segments.h"
#include "src/util.h"

/* A malloc'd string of prefix, then unit repeated n times, then suffix. */
static char *build(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
	char *s = xmalloc(pl + ul * n + sl + 1);
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < n; i++)
		memcpy(s + pl + i * ul, unit, ul);
	memcpy(s + pl + ul * n, suffix, sl + 1);
	return s;
}

static struct segment_info count(const char *s)
{
	struct segment_info info;
	segments_count(s, strlen(s), &info);
	return info;
}

struct boundary_case {
	const char *prefix, *unit, *suffix;
	size_t n;
	enum sms_encoding enc;
	size_t units;
	int segments;
	size_t remaining;
};

/* Each line: prefix + unit*n + suffix, and what Twilio would bill. */
static const struct boundary_case boundary_cases[] = {
    {"", "a", "", 1, SMS_GSM7, 1, 1, 159},
    {"", "a", "", 160, SMS_GSM7, 160, 1, 0},
    {"", "a", "", 161, SMS_GSM7, 161, 2, 145},
    {"", "a", "", 306, SMS_GSM7, 306, 2, 0},
    {"", "a", "", 307, SMS_GSM7, 307, 3, 152},
    {"", "a", "", 459, SMS_GSM7, 459, 3, 0},
    {"", "a", "", 460, SMS_GSM7, 460, 4, 152},
    {"", "a", "", 1600, SMS_GSM7, 1600, 11, 83}, /* Twilio's longest body */
    /* Extension characters take two septets. */
    {"", "a", "{", 158, SMS_GSM7, 160, 1, 0},
    {"", "a", "\xe2\x82\xac", 159, SMS_GSM7, 161, 2, 145}, /* euro sign */
    {"", "[", "", 80, SMS_GSM7, 160, 1, 0},
    {"", "]", "a", 80, SMS_GSM7, 161, 2, 144}, /* 76 pairs, then 4 pairs and a */
    {"", "\f", "", 80, SMS_GSM7, 160, 1, 0},
    {"", "a", "[", 152, SMS_GSM7, 154, 1, 6},
    /* An escape pair is never split: 152 + 153 septets, then '[' opens segment 3. */
    {"", "a", "[", 305, SMS_GSM7, 307, 3, 151},
    {"", "a", "[", 304, SMS_GSM7, 306, 2, 0},
    {"", "a", "", 0, SMS_GSM7, 0, 0, 160},
    /* GSM accents: é is in the table, á is not. */
    {"", "\xc3\xa9", "", 160, SMS_GSM7, 160, 1, 0},
    {"", "\xc3\xa1", "", 70, SMS_UCS2, 70, 1, 0},
    {"", "\xc3\xa1", "", 71, SMS_UCS2, 71, 2, 63},
    {"\xc3\xa1", "a", "", 69, SMS_UCS2, 70, 1, 0},
    {"\xc3\xa1", "a", "", 70, SMS_UCS2, 71, 2, 63},
    {"\xc3\xa1", "a", "", 133, SMS_UCS2, 134, 2, 0},
    {"\xc3\xa1", "a", "", 134, SMS_UCS2, 135, 3, 66},
    /* A GSM-7 body of 160 turns into 3 UCS-2 segments with one emoji. */
    {"\xf0\x9f\x98\x80", "a", "", 158, SMS_UCS2, 160, 3, 41},
    /* Emoji are surrogate pairs: two units. */
    {"", "a", "\xf0\x9f\x98\x80", 68, SMS_UCS2, 70, 1, 0},
    {"", "a", "\xf0\x9f\x98\x80", 69, SMS_UCS2, 71, 2, 63},
    {"", "\xf0\x9f\x98\x80", "", 35, SMS_UCS2, 70, 1, 0},
    {"", "a", "\xf0\x9f\x98\x80", 66, SMS_UCS2, 68, 1, 2},
    /* Multipart: 67 + 66 units, then an emoji does not fit the 67th unit: it opens segment 3. */
    {"", "a", "\xf0\x9f\x98\x80", 133, SMS_UCS2, 135, 3, 65},
    {"", "a", "\xf0\x9f\x98\x80", 132, SMS_UCS2, 134, 2, 0},
    {"", "\xc3\xa1", "", 1600, SMS_UCS2, 1600, 24, 24 * 67 - 1600},
};

static void segments_count__bills_like_twilio__when_at_boundaries(void **state)
{
	for (size_t i = 0; i < sizeof(boundary_cases) / sizeof(boundary_cases[0]); i++) {
		const struct boundary_case *c = &boundary_cases[i];
		char *s = build(c->prefix, c->unit, c->n, c->suffix);
		struct segment_info info = count(s);
		if (info.encoding != c->enc || info.units != c->units || info.segments != c->segments ||
		    info.remaining != c->remaining)
			fail_msg("case %zu: got %s units=%zu segments=%d remaining=%zu, want %s %zu %d %zu",
				 i, segments_encoding_name(info.encoding), info.units, info.segments,
				 info.remaining, segments_encoding_name(c->enc), c->units, c->segments,
				 c->remaining);
		assert_false(info.invalid_utf8);
		free(s);
	}
}

static void segments_count__never_splits_escape_pair__when_multipart(void **state)
{
	/* 152 + '[' + 152: 306 septets would fit 2 segments if pairs could split; they cannot. */
	char *s = build("", "a", 152, "[");
	char *t = build(s, "a", 152, "");
	struct segment_info info = count(t);
	assert_int_equal(info.units, 306);
	assert_int_equal(info.segments, 3);
	assert_int_equal(info.per_segment, 153);
	free(s);
	free(t);
}

static void segments_count__never_splits_surrogate_pair__when_multipart(void **state)
{
	char *s = build("", "a", 66, "\xf0\x9f\x98\x80");
	char *t = build(s, "a", 66, "");
	struct segment_info info = count(t);
	assert_int_equal(info.encoding, SMS_UCS2);
	assert_int_equal(info.units, 134);
	assert_int_equal(info.chars, 133);
	assert_int_equal(info.segments, 3);
	assert_int_equal(info.per_segment, 67);
	free(s);
	free(t);
}

static void segments_count__counts_code_points__when_multibyte(void **state)
{
	struct segment_info info = count("Caf\xc3\xa9 \xe2\x82\xac"
					 "5 \xce\x94");
	assert_int_equal(info.encoding, SMS_GSM7);
	assert_int_equal(info.chars, 9);
	assert_int_equal(info.units, 10); /* the euro sign takes 2 */
	assert_int_equal(info.per_segment, 160);
	/* Lower-case c-cedilla is not in GSM 03.38 (only the capital is). */
	assert_int_equal(count("\xc3\x87").encoding, SMS_GSM7);
	assert_int_equal(count("\xc3\xa7").encoding, SMS_UCS2);
	assert_int_equal(count("`").encoding, SMS_UCS2);
	assert_int_equal(count("\x1b").encoding, SMS_UCS2);
	assert_int_equal(count("\xe2\x80\x99").encoding, SMS_UCS2); /* curly apostrophe */
}

static void segments_count__forces_ucs2__when_invalid_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t chars;
	} cases[] = {
	    {"abc\xff", 4},	     /* never valid */
	    {"\xe2\x82", 1},	     /* truncated: one replacement */
	    {"\xc0\xaf", 2},	     /* overlong '/' */
	    {"\xed\xa0\x80", 3},     /* encoded surrogate */
	    {"\xf4\x90\x80\x80", 4}, /* past U+10FFFF */
	    {"a\x80"
	     "b",
	     3},		 /* stray continuation */
	    {"\xf0\x9f\x98", 1}, /* truncated emoji */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct segment_info info = count(cases[i].s);
		assert_true(info.invalid_utf8);
		assert_int_equal(info.encoding, SMS_UCS2);
		if (info.chars != cases[i].chars)
			fail_msg("case %zu: %zu chars, want %zu", i, info.chars, cases[i].chars);
	}
}

/* cp as UTF-8 into out (5 bytes). */
static void utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp, o[1] = 0;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F)), o[2] = 0;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12), o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F)), o[3] = 0;
	} else {
		o[0] = (unsigned char)(0xF0 | cp >> 18), o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (unsigned char)(0x80 | (cp & 0x3F)), o[4] = 0;
	}
}

/* Every character on its own, against GSM 03.38 written out as text (the basic set and the
 * extension table): septets where GSM-7 carries it, UCS-2 everywhere else. */
static void segments_count__matches_gsm_table__when_each_character_alone(void **state)
{
	static const char basic[] = "@\xc2\xa3$\xc2\xa5\xc3\xa8\xc3\xa9\xc3\xb9\xc3\xac\xc3\xb2\xc3\x87\n"
				    "\xc3\x98\xc3\xb8\r\xc3\x85\xc3\xa5\xce\x94" "_\xce\xa6\xce\x93\xce\x9b"
				    "\xce\xa9\xce\xa0\xce\xa8\xce\xa3\xce\x98\xce\x9e\xc3\x86\xc3\xa6"
				    "\xc3\x9f\xc3\x89" " !\"#\xc2\xa4%&'()*+,-./0123456789:;<=>?\xc2\xa1"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ\xc3\x84\xc3\x96\xc3\x91\xc3\x9c\xc2\xa7"
				    "\xc2\xbf" "abcdefghijklmnopqrstuvwxyz\xc3\xa4\xc3\xb6\xc3\xb1\xc3\xbc\xc3\xa0";
	static const char extension[] = "\f^{}\\[~]|\xe2\x82\xac";
	(void)state;
	for (uint32_t cp = 1; cp < 0x3000; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char one[5];
		utf8_put(cp, one);
		struct segment_info info = count(one);
		bool in_basic = strstr(basic, one) != NULL, in_ext = strstr(extension, one) != NULL;
		if (in_basic || in_ext) {
			if (info.encoding != SMS_GSM7 || info.units != (in_ext ? 2u : 1u))
				fail_msg("U+%04X: GSM-7 with %d septets expected", (unsigned)cp, in_ext ? 2 : 1);
		} else if (info.encoding != SMS_UCS2 || info.units != 1) {
			fail_msg("U+%04X: UCS-2 expected", (unsigned)cp);
		}
	}
	struct segment_info euro = count("\xe2\x82\xac"), emoji = count("\xf0\x9f\x98\x80");
	assert_int_equal(euro.encoding, SMS_GSM7);
	assert_int_equal(euro.units, 2);
	assert_int_equal(emoji.encoding, SMS_UCS2);
	assert_int_equal(emoji.units, 2);
}

static void segments_count__includes_nul__when_len_given(void **state)
{
	struct segment_info info;
	segments_count("a\0b", 3, &info);
	assert_int_equal(info.chars, 3);
	assert_int_equal(info.encoding, SMS_UCS2);
	segments_count(NULL, 10, &info);
	assert_int_equal(info.segments, 0);
	assert_int_equal(info.chars, 0);
}

static void segments_cost_micros__multiplies__when_text(void **state)
{
	struct segment_info info = count("hello");
	assert_int_equal(segments_cost_micros(&info, false, 7900, 20000), 7900);
	char *s = build("", "a", 161, "");
	info = count(s);
	assert_int_equal(segments_cost_micros(&info, false, 7900, 20000), 15800);
	assert_int_equal(segments_cost_micros(&info, false, 0, 0), 2 * SEGMENTS_PRICE_MICROS);
	assert_int_equal(segments_cost_micros(&info, true, 7900, 25000), 25000);
	assert_int_equal(segments_cost_micros(&info, true, 7900, 0), SEGMENTS_MMS_PRICE_MICROS);
	info = count("");
	assert_int_equal(segments_cost_micros(&info, false, 7900, 20000), 0);
	free(s);
}

static void segments_format_cost__keeps_precision__when_formatting(void **state)
{
	static const struct {
		int64_t micros;
		const char *text;
	} cases[] = {
	    {15800, "$0.0158"},
	    {7900, "$0.0079"},
	    {0, "$0.0000"},
	    {12345, "$0.012345"},
	    {12340, "$0.01234"},
	    {1000000, "$1.0000"},
	    {123456789, "$123.456789"},
	    {-7900, "-$0.0079"},
	    {1, "$0.000001"},
	    {INT64_MIN, "-$9223372036854.775808"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[40];
		segments_format_cost(cases[i].micros, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}
	char tiny[4];
	segments_format_cost(15800, tiny, sizeof(tiny));
	assert_string_equal(tiny, "$0.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(segments_count__bills_like_twilio__when_at_boundaries),
	    cmocka_unit_test(segments_count__never_splits_escape_pair__when_multipart),
	    cmocka_unit_test(segments_count__never_splits_surrogate_pair__when_multipart),
	    cmocka_unit_test(segments_count__counts_code_points__when_multibyte),
	    cmocka_unit_test(segments_count__forces_ucs2__when_invalid_utf8),
	    cmocka_unit_test(segments_count__matches_gsm_table__when_each_character_alone),
	    cmocka_unit_test(segments_count__includes_nul__when_len_given),
	    cmocka_unit_test(segments_cost_micros__multiplies__when_text),
	    cmocka_unit_test(segments_format_cost__keeps_precision__when_formatting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
