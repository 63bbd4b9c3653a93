/* Text safety: the only path from untrusted text (SMS bodies, names, error texts) to the
 * screen. Owner: ui/text.c
 *
 * UTF-8 is decoded with invalid bytes as U+FFFD; C0/C1 controls, DEL and bidi overrides /
 * isolates become '?', so no escape sequence ever reaches the terminal. Code points are then
 * grouped into display clusters (what the terminal draws as one glyph): a base with its
 * combining marks, an emoji ZWJ sequence, a regional-indicator pair (a flag).
 *
 * Terminals disagree on the width of some emoji forms (VS16, skin-tone modifiers), so we
 * draw those in the form every terminal agrees on: variation selectors and skin-tone
 * modifiers after an emoji are dropped, ZWJ sequences are kept whole (width 2), flags are
 * two regional indicators (width 2). text_width() is the width we actually draw. */
#ifndef SMSDESK_UI_TEXT_H
#define SMSDESK_UI_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>
#include "ui/curses.h"

#define TEXT_CLUSTER_MAX 5 /* ncurses' CCHARW_MAX: a base and up to four joined code points */

enum text_kind {
	TEXT_NORMAL = 0,
	TEXT_NEWLINE, /* a line break (only with TEXT_KEEP_NEWLINES); width 0 */
	TEXT_FLAG,    /* two regional indicators: drawn as two cells of width 1 */
};

struct text_cluster {
	wchar_t wc[TEXT_CLUSTER_MAX];
	unsigned char n;     /* code points used in wc */
	unsigned char width; /* columns on screen: 0 (newline), 1 or 2 */
	unsigned char kind;  /* enum text_kind */
	uint32_t src;        /* offset of the cluster's first code point in the input */
};

struct text_buf {
	struct text_cluster *c;
	size_t n, cap;
	int width; /* sum of the widths */
};

#define TEXT_KEEP_NEWLINES 1u /* '\n' (and "\r\n") become TEXT_NEWLINE, else a space */

/* Switches to ASCII output (every non-ASCII cluster shown as '?'): for non-UTF-8 locales.
 * ui_run sets it from nl_langinfo(CODESET). */
void text_set_ascii(bool ascii);
bool text_is_ascii(void);

/* Decodes untrusted UTF-8 (len bytes; NUL bytes are controls too) to code points, invalid
 * sequences as U+FFFD (one per bad byte). *out malloc'd; returns the count. */
size_t text_decode_utf8(const char *s, size_t len, uint32_t **out);

/* Clusters code points into safe display clusters (appended to b). */
void text_from_cps(struct text_buf *b, const uint32_t *cp, size_t n, unsigned flags);
/* Same from untrusted UTF-8 (s may be NULL: nothing). */
void text_from_utf8(struct text_buf *b, const char *s, size_t len, unsigned flags);
void text_buf_free(struct text_buf *b);

/* Index just past the cluster that starts at cp[i] (grapheme boundary), for the editor. */
size_t text_next_boundary(const uint32_t *cp, size_t n, size_t i);
/* Start of the cluster that ends at cp[i] (i > 0): backspace removes cp[prev..i). */
size_t text_prev_boundary(const uint32_t *cp, size_t n, size_t i);

/* Display width of untrusted UTF-8 as we draw it (single line: newlines count as spaces). */
int text_width(const char *s);
/* Safe UTF-8 (or ASCII) of s cut to at most cols columns; "…" ends a cut text. malloc'd. */
char *text_fit(const char *s, int cols);
/* The safe UTF-8 of clusters [from, to) of b, malloc'd (for tests and plain output). */
char *text_encode(const struct text_buf *b, size_t from, size_t to);

/* Writes cp as UTF-8 to p (room for 4 bytes); returns the bytes written. */
size_t text_utf8_put(char *p, uint32_t cp);
/* The UTF-8 of n code points unchanged (an editor's buffer whose input was filtered), malloc'd. */
char *text_cps_utf8(const uint32_t *cp, size_t n);

/* One wrapped line: clusters [from, to) of a buffer, width columns. */
struct text_line {
	size_t from, to;
	int width;
};
/* Wraps b to cols columns: breaks at TEXT_NEWLINE, after spaces when a word would not fit,
 * and inside words longer than a line. *lines malloc'd; returns the count (>= 1). */
size_t text_wrap(const struct text_buf *b, int cols, struct text_line **lines);

/* How many clusters from `from` fit in cols columns; *used gets their width. */
size_t text_fit_count(const struct text_buf *b, size_t from, int cols, int *used);

/* Draws clusters [from, to) of b at (y, x), at most cols columns, with attr (which may hold
 * a colour pair). Returns the columns drawn. Never writes a control character. */
int text_draw(WINDOW *w, int y, int x, const struct text_buf *b, size_t from, size_t to, int cols, attr_t attr);
/* Draws untrusted UTF-8 on one line, cut with "…" to cols; pads with spaces to cols when
 * pad. Returns the columns drawn (before padding). */
int text_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr, bool pad);
/* Draws untrusted UTF-8 wrapped to cols on at most max_lines lines (the last cut with "…" when
 * more remains); returns the lines drawn. */
int text_put_wrap(WINDOW *w, int y, int x, const char *s, int cols, int max_lines, attr_t attr);

#endif
