/* Tests for ui/text.c: hostile text never reaches the terminal raw; widths and wrapping. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "ui/text.h"

/* True when s holds no byte a terminal would act on: C0 (but '\n' when allowed), DEL, C1
 * (as UTF-8 U+0080..U+009F) and no bidi overrides or isolates. */
static bool is_terminal_safe(const char *s, bool allow_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] < 0x20 && !(allow_newline && p[i] == '\n'))
			return false;
		if (p[i] == 0x7F)
			return false;
		if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
			return false;
		if (p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] >= 0xAA && p[i + 2] <= 0xAE)
			return false;
		if (p[i] == 0xE2 && p[i + 1] == 0x81 && p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)
			return false;
	}
	return true;
}

/* Sanitises s (len bytes) to safe UTF-8 through the real clustering. */
static char *safe(const char *s, size_t len, unsigned flags)
{
	struct text_buf b = {0};
	text_from_utf8(&b, s, len, flags);
	char *out = text_encode(&b, 0, b.n);
	text_buf_free(&b);
	return out;
}

static int setup(void **state)
{
	(void)state;
	setlocale(LC_CTYPE, "C.UTF-8");
	text_set_ascii(false);
	return 0;
}

static void text__replaces_escape_sequences__when_csi_and_osc(void **state)
{
	const char *hostile = "hi \x1b[2J\x1b[31mred\x1b]0;pwned\x07 \x1b]52;c;cHduZWQ=\x1b\\ end\x9b" "1m";
	char *out = safe(hostile, strlen(hostile), 0);
	assert_true(is_terminal_safe(out, false));
	assert_non_null(strstr(out, "?[2J?[31mred?]0;pwned?"));
	assert_non_null(strstr(out, "end"));
	free(out);
}

static void text__shows_c1_as_question_mark__when_encoded_in_utf8(void **state)
{
	const char *c1 = "a\xc2\x9b" "31mb\xc2\x85" "c";
	char *out = safe(c1, strlen(c1), 0);
	assert_string_equal(out, "a?31mb?c");
	free(out);
}

static void text__uses_replacement__when_utf8_invalid(void **state)
{
	/* lone continuation, overlong '/', surrogate, above U+10FFFF, truncated 3-byte */
	const char bad[] = "x\x80y\xc0\xafz\xed\xa0\x80w\xf4\x90\x80\x80v\xe2\x82";
	char *out = safe(bad, sizeof bad - 1, 0);
	assert_true(is_terminal_safe(out, false));
	assert_non_null(strstr(out, "x\xEF\xBF\xBDy"));
	assert_null(strstr(out, "\xed\xa0\x80"));
	assert_null(strstr(out, "\xf4\x90"));
	assert_int_equal(out[strlen(out) - 1], (char)0xBD); /* ends with U+FFFD, not a cut byte */
	free(out);
}

static void text__neutralises_bidi__when_rtl_override(void **state)
{
	const char *rlo = "invoice\xe2\x80\xaegpj.exe \xe2\x81\xa6x\xe2\x81\xa9";
	char *out = safe(rlo, strlen(rlo), 0);
	assert_true(is_terminal_safe(out, false));
	assert_string_equal(out, "invoice?gpj.exe ?x?");
	free(out);
}

static void text__treats_nul_as_control__when_embedded(void **state)
{
	const char s[] = {'a', 0, 'b'};
	char *out = safe(s, 3, 0);
	assert_string_equal(out, "a?b");
	free(out);
}

static void text__keeps_newlines__only_when_asked(void **state)
{
	char *one = safe("a\r\nb\nc\td", 8, 0);
	assert_string_equal(one, "a b c d");
	char *multi = safe("a\r\nb\nc", 6, TEXT_KEEP_NEWLINES);
	assert_string_equal(multi, "a\nb\nc");
	free(one);
	free(multi);
}

static void text_width__counts_emoji_sequences__as_drawn(void **state)
{
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("\xf0\x9f\x98\x80"), 2);                         /* grinning face */
	assert_int_equal(text_width("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"), 2); /* family ZWJ */
	assert_int_equal(text_width("\xf0\x9f\x87\xba\xf0\x9f\x87\xb8"), 2);         /* flag US */
	assert_int_equal(text_width("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 2);         /* thumbs up + skin tone */
	assert_int_equal(text_width("e\xcc\x81"), 1);                               /* e + combining acute */
	assert_int_equal(text_width("\xe4\xb8\xad\xe6\x96\x87"), 4);                 /* CJK */
	assert_int_equal(text_width("\xe2\x80\x8b"), 0);                            /* zero-width space dropped */
}

static void text_next_boundary__keeps_sequences_whole__when_editing(void **state)
{
	/* "a" + family ZWJ (5 cps) + flag (2) + "e" + combining acute + "b" */
	uint32_t cp[] = {'a', 0x1F468, 0x200D, 0x1F469, 0x200D, 0x1F467, 0x1F1FA, 0x1F1F8, 'e', 0x301, 'b'};
	size_t n = sizeof cp / sizeof cp[0];
	assert_int_equal(text_next_boundary(cp, n, 0), 1);
	assert_int_equal(text_next_boundary(cp, n, 1), 6);
	assert_int_equal(text_next_boundary(cp, n, 6), 8);
	assert_int_equal(text_next_boundary(cp, n, 8), 10);
	assert_int_equal(text_prev_boundary(cp, n, 11), 10);
	assert_int_equal(text_prev_boundary(cp, n, 10), 8);
	assert_int_equal(text_prev_boundary(cp, n, 8), 6);
	assert_int_equal(text_prev_boundary(cp, n, 6), 1);
	assert_int_equal(text_prev_boundary(cp, n, 1), 0);
}

static void text_prev_boundary__steps_over_crlf__as_next_does(void **state)
{
	uint32_t cp[] = {'a', '\r', '\n', 'b'};
	assert_int_equal(text_next_boundary(cp, 4, 1), 3);
	assert_int_equal(text_prev_boundary(cp, 4, 3), 1);
}

static void text_prev_boundary__steps_over_newline__at_line_start(void **state)
{
	uint32_t cp[] = {'a', '\n', 'b'};
	assert_int_equal(text_prev_boundary(cp, 3, 2), 1);
	assert_int_equal(text_prev_boundary(cp, 3, 1), 0);
}

static void text_fit__cuts_with_ellipsis__when_too_wide(void **state)
{
	char *a = text_fit("hello world", 5);
	assert_string_equal(a, "hell\xe2\x80\xa6");
	assert_int_equal(text_width(a), 5);
	char *b = text_fit("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 4); /* never half an emoji */
	assert_int_equal(text_width(b), 3);
	char *c = text_fit("short", 10);
	assert_string_equal(c, "short");
	free(a);
	free(b);
	free(c);
}

static void text_wrap__breaks_at_spaces__and_inside_long_words(void **state)
{
	struct text_buf b = {0};
	struct text_line *lines;
	const char *s = "the quick brown fox\nxxxxxxxxxxxxxxxxxxxxxxxxx";
	text_from_utf8(&b, s, strlen(s), TEXT_KEEP_NEWLINES);
	size_t n = text_wrap(&b, 10, &lines);
	assert_int_equal(n, 5);
	char *l0 = text_encode(&b, lines[0].from, lines[0].to);
	char *l1 = text_encode(&b, lines[1].from, lines[1].to);
	assert_string_equal(l0, "the quick");
	assert_string_equal(l1, "brown fox");
	for (size_t i = 0; i < n; i++)
		assert_true(lines[i].width <= 10);
	free(l0);
	free(l1);
	free(lines);
	text_buf_free(&b);
}

static void text__stays_safe_and_bounded__when_10kb_hostile(void **state)
{
	size_t len = 10 * 1024;
	char *s = malloc(len + 1);
	const char pattern[] = "\x1b]0;x\x07\xf0\x9f\x98\x80\xe2\x80\xae\xff\x9b\x1b[2J\r\n\xf0\x9f\x87\xba";
	for (size_t i = 0; i < len; i++)
		s[i] = pattern[i % (sizeof pattern - 1)];
	s[len] = '\0';
	char *out = safe(s, len, TEXT_KEEP_NEWLINES);
	assert_true(is_terminal_safe(out, true));
	struct text_buf b = {0};
	struct text_line *lines;
	text_from_utf8(&b, s, len, TEXT_KEEP_NEWLINES);
	size_t n = text_wrap(&b, 72, &lines);
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++)
		assert_true(lines[i].width <= 72);
	free(lines);
	text_buf_free(&b);
	free(out);
	free(s);
}

static void text__wraps_1600_chars__within_width(void **state)
{
	char s[1601];
	for (int i = 0; i < 1600; i++)
		s[i] = (i % 7 == 6) ? ' ' : 'a' + i % 26;
	s[1600] = '\0';
	struct text_buf b = {0};
	struct text_line *lines;
	text_from_utf8(&b, s, 1600, TEXT_KEEP_NEWLINES);
	assert_int_equal(b.width, 1600);
	size_t n = text_wrap(&b, 60, &lines);
	int total = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(lines[i].width <= 60);
		total += lines[i].width;
	}
	assert_true(total >= 1600 - (int)n); /* only the spaces at breaks vanish */
	free(lines);
	text_buf_free(&b);
}

static void text__shows_ascii_only__when_locale_not_utf8(void **state)
{
	text_set_ascii(true);
	char *out = safe("caf\xc3\xa9 \xf0\x9f\x98\x80!", 11, 0);
	assert_string_equal(out, "caf? ?!");
	char *fit = text_fit("abcdef", 4);
	assert_string_equal(fit, "abc~");
	text_set_ascii(false);
	free(out);
	free(fit);
}

/* An editor's buffer comes back byte for byte: every UTF-8 length, and the emoji modifiers
 * that drawing drops are kept in the text that is sent. */
static void text_cps_utf8__round_trips__every_utf8_length(void **state)
{
	const char *in = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\xe2\x9d\xa4\xef\xb8\x8f";
	uint32_t *cp;
	size_t n = text_decode_utf8(in, strlen(in), &cp);
	assert_int_equal(n, 7);
	char *out = text_cps_utf8(cp, n);
	assert_string_equal(out, in);
	free(out);
	out = text_cps_utf8(cp, 0);
	assert_string_equal(out, "");
	free(out);
	free(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text__replaces_escape_sequences__when_csi_and_osc),
		cmocka_unit_test(text__shows_c1_as_question_mark__when_encoded_in_utf8),
		cmocka_unit_test(text__uses_replacement__when_utf8_invalid),
		cmocka_unit_test(text__neutralises_bidi__when_rtl_override),
		cmocka_unit_test(text__treats_nul_as_control__when_embedded),
		cmocka_unit_test(text__keeps_newlines__only_when_asked),
		cmocka_unit_test(text_width__counts_emoji_sequences__as_drawn),
		cmocka_unit_test(text_next_boundary__keeps_sequences_whole__when_editing),
		cmocka_unit_test(text_prev_boundary__steps_over_crlf__as_next_does),
		cmocka_unit_test(text_prev_boundary__steps_over_newline__at_line_start),
		cmocka_unit_test(text_fit__cuts_with_ellipsis__when_too_wide),
		cmocka_unit_test(text_wrap__breaks_at_spaces__and_inside_long_words),
		cmocka_unit_test(text__stays_safe_and_bounded__when_10kb_hostile),
		cmocka_unit_test(text__wraps_1600_chars__within_width),
		cmocka_unit_test(text__shows_ascii_only__when_locale_not_utf8),
		cmocka_unit_test(text_cps_utf8__round_trips__every_utf8_length),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
