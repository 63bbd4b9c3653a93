/* Tests for ui/field.c: the one-line editor of the sign-in, settings and prompt screens. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "testutil.h"
#include "ui/auth_ui.h"

/* Sends one key: a KEY_* code when fn, else a character. */
static bool press(struct ui_field *f, wint_t key, bool fn)
{
	struct key_event ev = {key, fn, 0};
	return ui_field_key(f, &ev);
}

/* The console runs in a UTF-8 locale (combining marks are known by their width there) with
 * libsodium ready (secret fields live in its guarded memory). */
static int setup(void **state)
{
	(void)state;
	setlocale(LC_CTYPE, "C.UTF-8");
	return sodium_init() < 0 ? -1 : 0;
}

static void ui_field_key__moves_and_deletes_whole_clusters__when_emoji_sequences(void **state)
{
	(void)state;
	struct ui_field f;
	char out[128];
	/* "a", a family (man ZWJ woman ZWJ girl), a flag (two regional indicators), "e" + combining acute */
	ui_field_init(&f, 64, false);
	ui_field_set(&f, "a\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"
			 "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7" "e\xcc\x81");
	assert_int_equal(f.n, 10);
	assert_true(press(&f, KEY_BACKSPACE, true)); /* e + accent: one step */
	assert_int_equal(f.n, 8);
	assert_true(press(&f, KEY_LEFT, true)); /* over the flag */
	assert_int_equal(f.cur, 6);
	assert_true(press(&f, KEY_LEFT, true)); /* over the family */
	assert_int_equal(f.cur, 1);
	assert_true(press(&f, KEY_DC, true)); /* the family goes whole */
	assert_true(ui_field_utf8(&f, out, sizeof out));
	assert_string_equal(out, "a\xf0\x9f\x87\xab\xf0\x9f\x87\xb7");
	assert_int_equal(f.cur, 1);
	ui_field_free(&f);
}

static void ui_field_key__refuses_controls__when_typed_or_set(void **state)
{
	(void)state;
	struct ui_field f;
	char out[64];
	ui_field_init(&f, 16, true);
	assert_false(press(&f, 27, false));     /* ESC */
	assert_false(press(&f, 0x9b, false));   /* C1 CSI */
	assert_false(press(&f, 0x202e, false)); /* right-to-left override */
	assert_true(press(&f, 'x', false));
	ui_field_set(&f, "p\x1b[2Jw\xe2\x80\xae" "d");
	assert_true(ui_field_utf8(&f, out, sizeof out));
	assert_string_equal(out, "p[2Jwd");
	assert_true(press(&f, 21, false)); /* Ctrl-U empties it */
	assert_int_equal(f.n, 0);
	ui_field_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ui_field_key__moves_and_deletes_whole_clusters__when_emoji_sequences),
		cmocka_unit_test(ui_field_key__refuses_controls__when_typed_or_set),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
