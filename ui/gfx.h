/* How photos are drawn in this terminal: pixels (sixel, kitty, iTerm2) only where the
 * terminal says it can, else text symbols (in colour with 256 colours), else nothing.
 * Owner: ui/gfx.c (no curses: a table over the environment, unit tested) */
#ifndef SMSDESK_UI_GFX_H
#define SMSDESK_UI_GFX_H
#include <stdbool.h>

enum ui_gfx {
	UI_GFX_NONE,   /* photos are not drawn (their line only) */
	UI_GFX_MONO,   /* text symbols in the terminal's own colours */
	UI_GFX_COLOR,  /* text symbols in the 256-colour palette (curses colour pairs) */
	UI_GFX_SIXEL,  /* DEC sixel graphics, written beside curses */
	UI_GFX_KITTY,  /* the kitty graphics protocol */
	UI_GFX_ITERM,  /* iTerm2's inline images (OSC 1337) */
};

/* The mode for an environment (get: getenv-like; NULL: getenv) and a terminal of `colors`
 * colours (curses COLORS; 0 without colour or with NO_COLOR). *why (static words) says how
 * it was chosen, for the console log and the help. */
enum ui_gfx ui_gfx_detect(const char *(*get)(const char *name), int colors, const char **why);
/* "sixel", "kitty", "iterm", "colour symbols", "symbols", "none". */
const char *ui_gfx_name(enum ui_gfx g);
/* Whether g is written outside curses (escape sequences of pixels). */
bool ui_gfx_is_pixels(enum ui_gfx g);

#endif
