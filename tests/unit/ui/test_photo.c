/* Tests for ui/photo.c and ui/photo_decode.c: real JPEG and PNG files (tests/data/photos)
 * drawn in each mode (plain symbols with no escape sequence, 256-colour cells, and the pixel
 * protocols' own sequences), and damaged or hostile files refused in words, without a crash.
 * Needs the build with libchafa (skipped without). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "ui/photo.h"

static unsigned char *load(const char *rel, size_t *len)
{
	char *path = tu_source_path(rel);
	unsigned char *data = (unsigned char *)tu_read_file(path, len);
	free(path);
	assert_non_null(data);
	return data;
}

/* Draws rel in gfx; asserts it worked and fits 36 x 10 cells. */
static void render_ok(const char *rel, enum ui_gfx gfx, bool ascii, struct ui_photo *p)
{
	size_t len = 0;
	const char *why = NULL;
	unsigned char *data = load(rel, &len);
	assert_int_equal(ui_photo_render(data, len, gfx, 36, 10, ascii, p, &why), 0);
	assert_int_equal(p->gfx, gfx);
	assert_true(p->cols >= 4 && p->cols <= 36 && p->rows >= 2 && p->rows <= 10);
	free(data);
}

static void ui_photo_render__draws_plain_symbols__when_mono(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	const char *files[] = {"tests/data/photos/mole.jpg", "tests/data/photos/mole.png"};
	for (size_t f = 0; f < 2; f++) {
		struct ui_photo p;
		render_ok(files[f], UI_GFX_MONO, false, &p);
		bool ink = false;
		for (int i = 0; i < p.rows; i++) {
			assert_null(strchr(p.lines[i], '\033')); /* curses draws it: no escape sequences */
			for (const char *c = p.lines[i]; *c; c++)
				ink |= *c != ' ';
		}
		assert_true(ink); /* the mole is there: not all blank */
		ui_photo_free(&p);
		assert_null(p.lines);
		render_ok(files[f], UI_GFX_MONO, true, &p);
		for (int i = 0; i < p.rows; i++)
			for (const unsigned char *c = (const unsigned char *)p.lines[i]; *c; c++)
				assert_true(*c >= 0x20 && *c < 0x7f); /* ASCII terminals get ASCII */
		ui_photo_free(&p);
	}
}

static void ui_photo_render__gives_palette_cells__when_colour(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	struct ui_photo p;
	render_ok("tests/data/photos/mole.png", UI_GFX_COLOR, false, &p);
	assert_null(p.lines);
	assert_null(p.seq);
	int dark = 0, light = 0;
	for (int i = 0; i < p.rows * p.cols; i++) {
		const struct ui_photo_cell *c = &p.cells[i];
		assert_true(c->fg >= 16 && c->fg <= 255 && c->bg >= 16 && c->bg <= 255); /* never the theme's 0-15 */
		assert_true(c->ch >= 0x20);
		/* grey ramp 232-255 and the 6x6x6 cube: a dark mole on light skin has both */
		int v = c->bg >= 232 ? (c->bg - 232) * 10 : ((c->bg - 16) / 36) * 50;
		dark += v < 100, light += v >= 150;
	}
	assert_true(dark > 0 && light > 0);
	ui_photo_free(&p);
}

static void ui_photo_render__writes_each_protocol__when_pixels(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	static const struct {
		enum ui_gfx gfx;
		const char *start, *end;
	} want[] = {
		{UI_GFX_SIXEL, "\033P", "\033\\"},	  /* DCS ... q <sixels> ST */
		{UI_GFX_KITTY, "\033_Ga=T", "\033\\"}, /* APC G transmit-and-show ... ST */
		{UI_GFX_ITERM, "\033]1337;File=inline=1", "\a"},
	};
	const char *files[] = {"tests/data/photos/mole.jpg", "tests/data/photos/mole.png"};
	for (size_t f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			struct ui_photo p;
			render_ok(files[f], want[i].gfx, false, &p);
			assert_non_null(p.seq);
			assert_true(p.seq_len > 100 && strlen(p.seq) == p.seq_len);
			assert_memory_equal(p.seq, want[i].start, strlen(want[i].start));
			assert_string_equal(p.seq + p.seq_len - strlen(want[i].end), want[i].end);
			if (want[i].gfx == UI_GFX_SIXEL)
				assert_non_null(strchr(p.seq, 'q')); /* the sixel data starts after "q" */
			assert_null(p.lines);
			ui_photo_free(&p);
		}
}

/* Asserts that data cannot be drawn and that the words say want. */
static void refused(const unsigned char *data, size_t len, const char *want)
{
	struct ui_photo p;
	const char *why = NULL;
	assert_int_equal(ui_photo_render(data, len, UI_GFX_MONO, 36, 10, false, &p, &why), -1);
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, want);
	assert_null(p.lines);
	assert_null(p.seq);
	assert_null(p.cells);
}

static void ui_photo_render__refuses_in_words__when_damaged_or_hostile(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	size_t jl = 0, pl = 0;
	unsigned char *jpg = load("tests/data/photos/mole.jpg", &jl), *png = load("tests/data/photos/mole.png", &pl);
	/* cut after the header: the libraries' errors come back to us, they do not end the process */
	refused(jpg, 200, "the JPEG is damaged or cut short");
	refused(png, pl / 2, "the PNG is damaged or cut short");
	refused(png, 40, "the PNG is damaged or cut short");
	png[pl / 2] ^= 0xff; /* a flipped byte in the image data: its CRC no longer matches */
	refused(png, pl, "the PNG is damaged or cut short");
	png[pl / 2] ^= 0xff;
	refused((const unsigned char *)"GIF89a\x01\x00\x01\x00", 10, "GIF photos are not drawn here");
	refused((const unsigned char *)"<html>hello</html>", 18, "not a JPEG or PNG photo");
	refused(NULL, 0, "too short to be a photo");
	/* headers claiming 65000 x 65000 pixels are refused before any allocation */
	for (size_t i = 0; i + 8 < jl; i++)
		if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
			jpg[i + 5] = 0xfd, jpg[i + 6] = 0xe8, jpg[i + 7] = 0xfd, jpg[i + 8] = 0xe8;
			break;
		}
	refused(jpg, jl, "too large to draw");
	png[16] = 0x00, png[17] = 0x00, png[18] = 0xfd, png[19] = 0xe8; /* IHDR width */
	png[20] = 0x00, png[21] = 0x00, png[22] = 0xfd, png[23] = 0xe8; /* IHDR height (CRC now wrong too) */
	refused(png, pl, "the PNG is");
	free(jpg);
	free(png);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ui_photo_render__draws_plain_symbols__when_mono),
		cmocka_unit_test(ui_photo_render__gives_palette_cells__when_colour),
		cmocka_unit_test(ui_photo_render__writes_each_protocol__when_pixels),
		cmocka_unit_test(ui_photo_render__refuses_in_words__when_damaged_or_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
