/* Tests for ui/gfx.c: the drawing mode from the environment. Pixels only where the terminal
 * advertises them; tmux/screen, plain xterm and unknown terminals get symbols (in colour with
 * 256 colours); SMSDESK_GRAPHICS overrides. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "ui/gfx.h"

static void ui_gfx_detect__follows_the_table__for_each_terminal(void **state)
{
	(void)state;
	static const struct {
		const char *env[4];
		int colors;
		enum ui_gfx want;
	} rows[] = {
		{{"TERM=xterm-kitty"}, 256, UI_GFX_KITTY},
		{{"TERM=xterm-256color", "KITTY_WINDOW_ID=3"}, 256, UI_GFX_KITTY},
		{{"TERM=xterm-256color", "TERM_PROGRAM=iTerm.app"}, 256, UI_GFX_ITERM},
		{{"TERM=xterm-256color", "TERM_PROGRAM=WezTerm"}, 256, UI_GFX_SIXEL},
		{{"TERM=foot"}, 256, UI_GFX_SIXEL},
		{{"TERM=mlterm"}, 256, UI_GFX_SIXEL},
		/* a multiplexer hides what the outer terminal can do: symbols, even inside kitty */
		{{"TERM=tmux-256color", "KITTY_WINDOW_ID=3"}, 256, UI_GFX_COLOR},
		{{"TERM=xterm-kitty", "TMUX=/tmp/tmux-0/default,1,0"}, 256, UI_GFX_COLOR},
		{{"TERM=screen", "STY=1.pts-0"}, 8, UI_GFX_MONO},
		{{"TERM=foot", "STY=1.pts-0"}, 256, UI_GFX_COLOR},
		/* plain xterm does not say whether it was started with sixel: symbols */
		{{"TERM=xterm-256color"}, 256, UI_GFX_COLOR},
		{{"TERM=xterm"}, 8, UI_GFX_MONO},
		{{"TERM=linux"}, 8, UI_GFX_MONO},
		{{"TERM=xterm-256color"}, 0, UI_GFX_MONO}, /* NO_COLOR */
		{{"TERM=dumb"}, 0, UI_GFX_NONE},
		{{NULL}, 0, UI_GFX_NONE},
		/* the override, for a terminal we cannot see (and to switch drawing off) */
		{{"TERM=xterm-256color", "SMSDESK_GRAPHICS=sixel"}, 256, UI_GFX_SIXEL},
		{{"TERM=tmux-256color", "SMSDESK_GRAPHICS=kitty"}, 256, UI_GFX_KITTY},
		{{"TERM=xterm", "SMSDESK_GRAPHICS=iterm"}, 8, UI_GFX_ITERM},
		{{"TERM=xterm-kitty", "SMSDESK_GRAPHICS=symbols"}, 256, UI_GFX_COLOR},
		{{"TERM=xterm-kitty", "SMSDESK_GRAPHICS=symbols"}, 8, UI_GFX_MONO},
		{{"TERM=xterm-kitty", "SMSDESK_GRAPHICS=none"}, 256, UI_GFX_NONE},
		{{"TERM=xterm-256color", "SMSDESK_GRAPHICS=bogus"}, 256, UI_GFX_COLOR}, /* unknown word: ignored */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *why = NULL;
		tu_fake_env = rows[i].env;
		enum ui_gfx got = ui_gfx_detect(tu_fake_getenv, rows[i].colors, &why);
		if (got != rows[i].want)
			fail_msg("row %zu (%s): %s, want %s", i, rows[i].env[0] ? rows[i].env[0] : "-", ui_gfx_name(got),
				 ui_gfx_name(rows[i].want));
		assert_non_null(why);
	}
}

static void ui_gfx_is_pixels__only_for_pixel_protocols(void **state)
{
	(void)state;
	assert_true(ui_gfx_is_pixels(UI_GFX_SIXEL) && ui_gfx_is_pixels(UI_GFX_KITTY) && ui_gfx_is_pixels(UI_GFX_ITERM));
	assert_false(ui_gfx_is_pixels(UI_GFX_NONE) || ui_gfx_is_pixels(UI_GFX_MONO) || ui_gfx_is_pixels(UI_GFX_COLOR));
	assert_string_equal(ui_gfx_name(UI_GFX_COLOR), "colour symbols");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ui_gfx_detect__follows_the_table__for_each_terminal),
		cmocka_unit_test(ui_gfx_is_pixels__only_for_pixel_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
