/* Tests for src/keywords.c: normalisation, classification, possible opt-out, rendering. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/keywords.h"
#include "src/util.h"

/* A tenant's rows as store_autoresp_seed_defaults makes them, plus two custom ones. */
static struct auto_response ROWS[] = {
	{.id = 1, .keyword = "STOP", .action = "opt_out", .reply_text = "stop text", .is_system = true, .enabled = true},
	{.id = 2, .keyword = "STOPALL", .action = "opt_out", .reply_text = "stopall text", .is_system = true, .enabled = true},
	{.id = 3, .keyword = "CANCEL", .action = "opt_out", .reply_text = "cancel text", .is_system = true, .enabled = true},
	{.id = 4, .keyword = "START", .action = "opt_in", .reply_text = "start text", .is_system = true, .enabled = true},
	{.id = 5, .keyword = "HELP", .action = "help", .reply_text = "help text", .is_system = true, .enabled = true},
	{.id = 6, .keyword = "INFO", .action = "help", .reply_text = "info text", .is_system = true, .enabled = true},
	{.id = 7, .keyword = "C", .action = "confirm", .reply_text = "confirmed", .is_system = true, .enabled = true},
	{.id = 8, .keyword = "CONFIRM", .action = "confirm", .reply_text = "confirmed", .is_system = true, .enabled = true},
	{.id = 9, .keyword = "R", .action = "reschedule", .reply_text = "call back", .is_system = true, .enabled = true},
	{.id = 10, .keyword = "RESCHEDULE", .action = "reschedule", .reply_text = "call back", .is_system = true, .enabled = true},
	{.id = 11, .keyword = "X", .action = "cancel", .reply_text = "cancelled", .is_system = true, .enabled = true},
	{.id = 12, .keyword = "HOURS", .action = "reply", .reply_text = "8-5", .is_system = false, .enabled = true},
	{.id = 13, .keyword = "PARKING", .action = "reply", .reply_text = "behind", .is_system = false, .enabled = false},
	{.id = 14, .keyword = "OPEN LATE", .action = "reply", .reply_text = "till 8", .is_system = false, .enabled = true},
};
#define NROWS (sizeof(ROWS) / sizeof(ROWS[0]))

static void keywords_normalize__gives_canonical_form__when_variants(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"stop", "STOP"},
		{"Stop.", "STOP"},
		{" STOP ", "STOP"},
		{"STOP!!!", "STOP"},
		{"stop?", "STOP"},
		{"\tStOp\r\n", "STOP"},
		{"\xC2\xA0stop\xE2\x80\x83", "STOP"},            /* NBSP, EM SPACE */
		{"\xE3\x80\x80STOP\xEF\xBB\xBF", "STOP"},        /* ideographic space, BOM */
		{"\xE2\x80\x8BStop\xE2\x80\xA6", "STOP"},        /* zero-width space, ellipsis */
		{"\xE2\x80\x9CStop\xE2\x80\x9D", "\xE2\x80\x9CSTOP"}, /* opening quote stays */
		{"opt-out", "OPT OUT"},
		{"Opt_Out.", "OPT OUT"},
		{"opt \t  out", "OPT OUT"},
		{"OPT\xE2\x80\x93OUT", "OPT OUT"},               /* en dash */
		{"please   stop  texting me!", "PLEASE STOP TEXTING ME"},
		{"", ""},
		{"   ", ""},
		{"...", ""},
		{"\x1b[2Jstop", "[2JSTOP"},                      /* ESC never survives */
		{"st\x1bop", "ST OP"},
		{"stop\x07", "STOP"},
		{"\xC2\x9B" "31m", "31M"},                        /* C1 CSI */
		{"no m\xC3\xA1s", "NO M\xC3\xA1S"},              /* only ASCII is case-folded */
		{"\xFF\xFEstop", "\xEF\xBF\xBD\xEF\xBF\xBDSTOP"}, /* invalid bytes -> U+FFFD */
		{"\xC0\xAFstop", "\xEF\xBF\xBD\xEF\xBF\xBDSTOP"}, /* overlong '/' */
		{"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
		{"stop\xE2\x82", "STOP\xEF\xBF\xBD\xEF\xBF\xBD"}, /* truncated sequence */
		{"C", "C"},
		{"c.", "C"},
		{"x", "X"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = keywords_normalize(cases[i].in);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("normalize case %zu: got \"%s\" want \"%s\"", i, got, cases[i].want);
		free(got);
	}
	char *null_in = keywords_normalize(NULL);
	assert_string_equal(null_in, "");
	free(null_in);
}

static void keywords_classify__matches_every_variant__when_keyword(void **state)
{
	static const struct {
		const char *in;
		enum kw_action want;
		const char *kw;
	} cases[] = {
		{"STOP", KW_OPT_OUT, "STOP"},          {"stop", KW_OPT_OUT, "STOP"},
		{"Stop.", KW_OPT_OUT, "STOP"},         {" STOP ", KW_OPT_OUT, "STOP"},
		{"stopall", KW_OPT_OUT, "STOPALL"},    {"Unsubscribe", KW_OPT_OUT, "UNSUBSCRIBE"},
		{"cancel", KW_OPT_OUT, "CANCEL"},      {"End", KW_OPT_OUT, "END"},
		{"quit!", KW_OPT_OUT, "QUIT"},         {"revoke", KW_OPT_OUT, "REVOKE"},
		{"optout", KW_OPT_OUT, "OPTOUT"},      {"opt out", KW_OPT_OUT, "OPT OUT"},
		{"OPT-OUT", KW_OPT_OUT, "OPT OUT"},    {"Opt-out.", KW_OPT_OUT, "OPT OUT"},
		{"start", KW_OPT_IN, "START"},         {"Yes", KW_OPT_IN, "YES"},
		{"unstop", KW_OPT_IN, "UNSTOP"},       {"help", KW_HELP, "HELP"},
		{"Help?", KW_HELP, "HELP"},            {"info", KW_HELP, "INFO"},
		{"c", KW_CONFIRM, "C"},                {"Confirm", KW_CONFIRM, "CONFIRM"},
		{"C.", KW_CONFIRM, "C"},               {"r", KW_RESCHEDULE, "R"},
		{"Reschedule", KW_RESCHEDULE, "RESCHEDULE"}, {"x", KW_CANCEL_APPT, "X"},
		{"X!", KW_CANCEL_APPT, "X"},           {"hours", KW_CUSTOM, "HOURS"},
		{"open-late", KW_CUSTOM, "OPEN LATE"},
		{"parking", KW_NONE, ""},              /* disabled custom row */
		{"see you at 3", KW_NONE, ""},         {"CC", KW_NONE, ""},
		{"STOP STOP", KW_NONE, ""},            {"", KW_NONE, ""},
		{"\x1b[2JSTOP", KW_NONE, ""},          {"yes please", KW_NONE, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kw_match m;
		keywords_classify(cases[i].in, ROWS, NROWS, &m);
		if (m.action != cases[i].want || strcmp(m.keyword, cases[i].kw) != 0)
			fail_msg("classify case %zu \"%s\": got %s/%s", i, cases[i].in, keywords_action_name(m.action),
				 m.keyword);
	}
}

static void keywords_classify__picks_reply_row__when_law_word(void **state)
{
	struct kw_match m;
	keywords_classify("cancel", ROWS, NROWS, &m);
	assert_true(m.law);
	assert_non_null(m.row);
	assert_string_equal(m.row->reply_text, "cancel text");
	/* No row of its own: STOP's text serves "OPT OUT" and "QUIT". */
	keywords_classify("opt-out", ROWS, NROWS, &m);
	assert_non_null(m.row);
	assert_string_equal(m.row->keyword, "STOP");
	keywords_classify("YES", ROWS, NROWS, &m);
	assert_string_equal(m.row->keyword, "START");
	keywords_classify("c", ROWS, NROWS, &m);
	assert_false(m.law);
	assert_string_equal(m.row->reply_text, "confirmed");
}

static void keywords_classify__still_opts_out__when_rows_disabled_or_missing(void **state)
{
	struct auto_response rows[NROWS];
	memcpy(rows, ROWS, sizeof(rows));
	for (size_t i = 0; i < NROWS; i++)
		rows[i].enabled = false;
	/* An admin (or a hand-edited database) turned off or re-pointed everything. */
	rows[0].action = "reply";
	rows[0].enabled = true;
	const char *law[] = {"STOP", "stop.", "QUIT", "cancel", "opt out", "start", "help", "info"};
	const enum kw_action want[] = {KW_OPT_OUT, KW_OPT_OUT, KW_OPT_OUT, KW_OPT_OUT, KW_OPT_OUT, KW_OPT_IN, KW_HELP, KW_HELP};
	for (size_t i = 0; i < 8; i++) {
		struct kw_match m;
		keywords_classify(law[i], rows, NROWS, &m);
		assert_int_equal(m.action, want[i]);
		assert_true(m.law);
		assert_null(m.row); /* the built-in default text is used */
		assert_non_null(keywords_default_reply(m.action));
	}
	struct kw_match m;
	keywords_classify("stop", NULL, 0, &m);
	assert_int_equal(m.action, KW_OPT_OUT);
	keywords_classify("c", rows, NROWS, &m); /* C disabled: conversation */
	assert_int_equal(m.action, KW_NONE);
}

static void keywords_possible_optout__flags__when_revocation_phrase(void **state)
{
	static const char *yes[] = {
		"please stop texting me",  "No more texts!",          "remove me from your list",
		"Don't text me",           "don\xE2\x80\x99t text this number", "DO NOT TEXT",
		"no mas",                  "No m\xC3\xA1s mensajes",  "NO M\xC3\x81S",
		"unsubscribe me",          "stop it",                 "I want to opt out",
		"stop please stop",        "wrong number",            "leave me alone",
		"Stop. Stop. STOP",        "STOP STOP",               "stop \xF0\x9F\x9B\x91",
	};
	static const char *no[] = {
		"see you tomorrow", "thanks!", "can I come at 3?", "", "nomas", "stopwatch",
		"more please", "\x1b[31mhello", "\xFF\xFE\xFD", "Is the office open?",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!keywords_possible_optout(yes[i]))
			fail_msg("not flagged: \"%s\"", yes[i]);
		struct kw_match m;
		keywords_classify(yes[i], ROWS, NROWS, &m);
		assert_int_equal(m.action, KW_NONE);
		assert_true(m.possible_optout);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (keywords_possible_optout(no[i]))
			fail_msg("flagged: \"%s\"", no[i]);
	}
	/* A real keyword is never also flagged as "possible". */
	struct kw_match m;
	keywords_classify("STOP", ROWS, NROWS, &m);
	assert_false(m.possible_optout);
}

static void keywords_classify__survives__when_hostile_input(void **state)
{
	/* 10 KB body of "stop " repeated: not a keyword, but a possible opt-out. */
	size_t n = 10 * 1024;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = "stop "[i % 5];
	big[n] = '\0';
	struct kw_match m;
	keywords_classify(big, ROWS, NROWS, &m);
	assert_int_equal(m.action, KW_NONE);
	assert_true(m.possible_optout);
	/* 10 KB of invalid bytes and escapes. */
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(0x80 + (i * 37) % 0x7F);
	big[n - 1] = '\x1b';
	keywords_classify(big, ROWS, NROWS, &m);
	assert_int_equal(m.action, KW_NONE);
	char *norm = keywords_normalize(big);
	for (const char *p = norm; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7F);
	free(norm);
	/* Spaces around a keyword in a long body do not make it a keyword. */
	memset(big, ' ', n);
	memcpy(big + n / 2, "STOP", 4);
	keywords_classify(big, ROWS, NROWS, &m);
	assert_int_equal(m.action, KW_OPT_OUT);
	free(big);
	/* 33 letters: longer than any keyword. */
	keywords_classify("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", ROWS, NROWS, &m);
	assert_int_equal(m.action, KW_NONE);
	keywords_classify(NULL, ROWS, NROWS, &m);
	assert_int_equal(m.action, KW_NONE);
}

static void keywords_render__fills_placeholders__when_present(void **state)
{
	char *r = keywords_render("{clinicName}: call {clinicPhone}. {clinicName}! {unknown} {clinic", "Oak Clinic",
				  "(555) 010-2000");
	assert_string_equal(r, "Oak Clinic: call (555) 010-2000. Oak Clinic! {unknown} {clinic");
	free(r);
	r = keywords_render("{clinicName}{clinicPhone}", NULL, NULL);
	assert_string_equal(r, "");
	free(r);
	r = keywords_render(NULL, "A", "B");
	assert_string_equal(r, "");
	free(r);
}

static void keywords_law_words__cover_compliance_list__when_checked(void **state)
{
	const char *out[] = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"};
	for (size_t i = 0; i < 9; i++) {
		enum kw_action a = KW_NONE;
		assert_true(keywords_is_law_word(out[i], &a));
		assert_int_equal(a, KW_OPT_OUT);
	}
	assert_false(keywords_is_law_word("C", NULL));
	assert_false(keywords_is_law_word("stop", NULL)); /* takes normalised input */
	assert_int_equal(keywords_action_from_name("cancel"), KW_CANCEL_APPT);
	assert_int_equal(keywords_action_from_name("reply"), KW_CUSTOM);
	assert_int_equal(keywords_action_from_name("bogus"), KW_NONE);
	assert_string_equal(keywords_action_name(KW_OPT_IN), "opt_in");
	assert_string_equal(keywords_action_name((enum kw_action)99), "none");
	assert_null(keywords_default_reply(KW_CONFIRM));
	assert_non_null(strstr(keywords_default_reply(KW_HELP), "Reply STOP to opt out"));
}

static void keywords_classify__opts_out__when_stop_word_with_courtesy_only(void **state)
{
	static const struct {
		const char *in, *kw;
	} yes[] = {
		{"stop please", "STOP"},      {"Please STOP.", "STOP"},         {"Stop, thank you!", "STOP"},
		{"opt-out please", "OPT OUT"}, {"cancel pls", "CANCEL"},          {"please, please unsubscribe", "UNSUBSCRIBE"},
		{"STOP NOW", "STOP"},          {"ok stop thanks", "STOP"},
	};
	static const char *no[] = {"please stop texting me", "stop it please", "start please", "yes please",
				   "help please", "please", "thank you", "stop stop please"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct kw_match m;
		keywords_classify(yes[i].in, ROWS, NROWS, &m);
		if (m.action != KW_OPT_OUT || strcmp(m.keyword, yes[i].kw) != 0 || !m.law)
			fail_msg("\"%s\": got %s/%s", yes[i].in, keywords_action_name(m.action), m.keyword);
		assert_false(m.possible_optout);
		assert_false(m.twilio_word); /* Twilio matches whole words only: nobody answered it */
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct kw_match m;
		keywords_classify(no[i], ROWS, NROWS, &m);
		if (m.action == KW_OPT_OUT)
			fail_msg("\"%s\" opted out", no[i]);
	}
}

static void keywords_twilio_word__matches_like_twilio__when_exact_word_only(void **state)
{
	static const struct {
		const char *in;
		enum kw_action want;
	} cases[] = {
		{"STOP", KW_OPT_OUT},   {" stop\r\n", KW_OPT_OUT}, {"Cancel", KW_OPT_OUT},  {"optout", KW_OPT_OUT},
		{"start", KW_OPT_IN},   {"YES", KW_OPT_IN},        {"help", KW_HELP},        {"Stop.", KW_NONE},
		{"opt out", KW_NONE},   {"OPT-OUT", KW_NONE},      {"stop please", KW_NONE}, {"STOP!", KW_NONE},
		{"start.", KW_NONE},    {"", KW_NONE},             {"X", KW_NONE},           {"\xC2\xA0STOP", KW_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (keywords_twilio_word(cases[i].in) != cases[i].want)
			fail_msg("twilio word \"%s\"", cases[i].in);
		struct kw_match m;
		keywords_classify(cases[i].in, ROWS, NROWS, &m);
		assert_int_equal(m.twilio_word, cases[i].want != KW_NONE);
	}
	assert_int_equal(keywords_twilio_word(NULL), KW_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keywords_normalize__gives_canonical_form__when_variants),
		cmocka_unit_test(keywords_classify__matches_every_variant__when_keyword),
		cmocka_unit_test(keywords_classify__picks_reply_row__when_law_word),
		cmocka_unit_test(keywords_classify__still_opts_out__when_rows_disabled_or_missing),
		cmocka_unit_test(keywords_possible_optout__flags__when_revocation_phrase),
		cmocka_unit_test(keywords_classify__survives__when_hostile_input),
		cmocka_unit_test(keywords_render__fills_placeholders__when_present),
		cmocka_unit_test(keywords_law_words__cover_compliance_list__when_checked),
		cmocka_unit_test(keywords_classify__opts_out__when_stop_word_with_courtesy_only),
		cmocka_unit_test(keywords_twilio_word__matches_like_twilio__when_exact_word_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
