/* Terminal graphics from the environment alone. A terminal is never asked (a query's answer
 * would arrive as keys in curses' input) and never sent pixels it did not advertise: tmux and
 * screen (which drop or mangle them), plain xterm (sixel only when started with -ti vt340,
 * which the environment does not tell) and anything unknown get text symbols.
 * SMSDESK_GRAPHICS=none|symbols|sixel|kitty|iterm overrides, for a terminal we cannot see. */
#include <stdlib.h>
#include <string.h>
#include "ui/gfx.h"

/* Pixel-capable terminals, by a variable and the start of its value. */
static const struct {
	const char *var, *prefix;
	enum ui_gfx gfx;
	const char *why;
} known[] = {
	{"KITTY_WINDOW_ID", "", UI_GFX_KITTY, "kitty (KITTY_WINDOW_ID)"},
	{"TERM", "xterm-kitty", UI_GFX_KITTY, "kitty (TERM=xterm-kitty)"},
	{"TERM_PROGRAM", "iTerm.app", UI_GFX_ITERM, "iTerm2 (TERM_PROGRAM)"},
	{"TERM_PROGRAM", "WezTerm", UI_GFX_SIXEL, "WezTerm (TERM_PROGRAM): sixel"},
	{"TERM", "foot", UI_GFX_SIXEL, "foot (TERM): sixel"},
	{"TERM", "mlterm", UI_GFX_SIXEL, "mlterm (TERM): sixel"},
	{"TERM", "yaft", UI_GFX_SIXEL, "yaft (TERM): sixel"},
	{"TERM", "contour", UI_GFX_SIXEL, "contour (TERM): sixel"},
};

static const char *const names[] = {
	[UI_GFX_NONE] = "none",	  [UI_GFX_MONO] = "symbols", [UI_GFX_COLOR] = "colour symbols",
	[UI_GFX_SIXEL] = "sixel", [UI_GFX_KITTY] = "kitty",   [UI_GFX_ITERM] = "iterm",
};

const char *ui_gfx_name(enum ui_gfx g)
{
	return names[g];
}

bool ui_gfx_is_pixels(enum ui_gfx g)
{
	return g == UI_GFX_SIXEL || g == UI_GFX_KITTY || g == UI_GFX_ITERM;
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

/* Text symbols: in colour with a 256-colour terminal, else in its own colours. */
static enum ui_gfx symbols(int colors)
{
	return colors >= 256 ? UI_GFX_COLOR : UI_GFX_MONO;
}

/* SMSDESK_GRAPHICS; -1 when unset or not one of the words. */
static int override(const char *v, int colors)
{
	if (v == NULL)
		return -1;
	if (strcmp(v, "none") == 0)
		return UI_GFX_NONE;
	if (strcmp(v, "symbols") == 0)
		return symbols(colors);
	if (strcmp(v, "sixel") == 0)
		return UI_GFX_SIXEL;
	if (strcmp(v, "kitty") == 0)
		return UI_GFX_KITTY;
	if (strcmp(v, "iterm") == 0)
		return UI_GFX_ITERM;
	return -1;
}

/* Whether the value of var starts with prefix (set and not empty when prefix is ""). */
static bool has(const char *(*get)(const char *), const char *var, const char *prefix)
{
	const char *v = get(var);
	return v != NULL && *v != '\0' && strncmp(v, prefix, strlen(prefix)) == 0;
}

enum ui_gfx ui_gfx_detect(const char *(*get)(const char *name), int colors, const char **why)
{
	if (get == NULL)
		get = env_get;
	int o = override(get("SMSDESK_GRAPHICS"), colors);
	if (o >= 0) {
		*why = "SMSDESK_GRAPHICS";
		return (enum ui_gfx)o;
	}
	const char *term = get("TERM");
	if (term == NULL || strcmp(term, "dumb") == 0) {
		*why = "no TERM, or a dumb terminal";
		return UI_GFX_NONE;
	}
	/* a multiplexer between us and the terminal: what the outer one can do is unknown here */
	if (has(get, "TMUX", "") || has(get, "STY", "") || has(get, "TERM", "screen") || has(get, "TERM", "tmux")) {
		*why = "tmux or screen: text symbols";
		return symbols(colors);
	}
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (has(get, known[i].var, known[i].prefix)) {
			*why = known[i].why;
			return known[i].gfx;
		}
	*why = "no pixel graphics advertised: text symbols";
	return symbols(colors);
}
