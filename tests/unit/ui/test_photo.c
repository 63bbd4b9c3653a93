/* Tests for ui/photo.c: a JPEG drawn as plain text symbols (no escape sequences), and damaged
 * or hostile files refused without a crash. Needs the build with libchafa (skipped without). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "ui/photo.h"

extern const unsigned char sim_photo_jpeg[]; /* a real 96x72 JPEG (src/sim/sim_photo.c) */
extern const size_t sim_photo_jpeg_len;

static void ui_photo_render__draws_plain_symbols__when_jpeg(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	char **lines = NULL;
	size_t n = ui_photo_render(sim_photo_jpeg, sim_photo_jpeg_len, 36, 10, false, &lines);
	assert_true(n >= 2 && n <= 10);
	bool ink = false;
	for (size_t i = 0; i < n; i++) {
		assert_null(strchr(lines[i], '\033')); /* curses draws it: no escape sequences */
		for (const char *p = lines[i]; *p; p++)
			ink |= *p != ' ';
	}
	assert_true(ink); /* the mole is there: not all blank */
	ui_photo_lines_free(&lines, n);
	assert_null(lines);
	n = ui_photo_render(sim_photo_jpeg, sim_photo_jpeg_len, 36, 10, true, &lines);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++)
		for (const unsigned char *p = (const unsigned char *)lines[i]; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f); /* ASCII terminals get ASCII */
	ui_photo_lines_free(&lines, n);
}

static void ui_photo_render__refuses__when_damaged_or_hostile(void **state)
{
	(void)state;
	char **lines = NULL;
	unsigned char *copy = malloc(sim_photo_jpeg_len);
	memcpy(copy, sim_photo_jpeg, sim_photo_jpeg_len);
	/* cut after the header: libjpeg's error must come back to us, not end the process */
	assert_int_equal(ui_photo_render(copy, 200, 36, 10, false, &lines), 0);
	assert_int_equal(ui_photo_render((const unsigned char *)"GIF89a", 6, 36, 10, false, &lines), 0);
	assert_int_equal(ui_photo_render(NULL, 0, 36, 10, false, &lines), 0);
	/* a header claiming 65000 x 65000 pixels is refused before any allocation */
	for (size_t i = 0; i + 8 < sim_photo_jpeg_len; i++) {
		if (copy[i] == 0xff && copy[i + 1] == 0xc0) {
			copy[i + 5] = 0xfd, copy[i + 6] = 0xe8; /* height */
			copy[i + 7] = 0xfd, copy[i + 8] = 0xe8; /* width */
			break;
		}
	}
	assert_int_equal(ui_photo_render(copy, sim_photo_jpeg_len, 36, 10, false, &lines), 0);
	assert_null(lines);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ui_photo_render__draws_plain_symbols__when_jpeg),
		cmocka_unit_test(ui_photo_render__refuses__when_damaged_or_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
