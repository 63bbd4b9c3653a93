/* A photo drawn for the terminal (libchafa): text symbols that curses draws (in the
 * terminal's colours, or as 256-colour cells), or an escape sequence of pixels (sixel, kitty,
 * iTerm2) that ui/pixels.c writes beside curses. JPEG and PNG (ui/photo_decode.c).
 * Owner: ui/photo.c (no curses) */
#ifndef SMSDESK_UI_PHOTO_H
#define SMSDESK_UI_PHOTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ui/gfx.h"

/* One cell of colour symbols: a code point on palette colours (16-255). */
struct ui_photo_cell {
	uint32_t ch;
	short fg, bg;
};

struct ui_photo {
	enum ui_gfx gfx;
	int cols, rows;		     /* the cells it takes */
	char **lines;		     /* UI_GFX_MONO: rows lines of UTF-8 */
	struct ui_photo_cell *cells; /* UI_GFX_COLOR: rows x cols */
	char *seq;		     /* pixel modes: the escape sequence, seq_len bytes */
	size_t seq_len;
};

/* Whether this build can draw photos. */
bool ui_photo_available(void);
/* The size in pixels of one terminal cell (from TIOCGWINSZ; 10 x 20 until set): sixel
 * images are made to fill the cells they are given. */
void ui_photo_cell_px(int w, int h);
/* Draws a JPEG or PNG into at most cols x rows cells for gfx (UI_GFX_MONO in ASCII when
 * ascii). 0, or -1 with *why (static words: damaged, too large, not a photo, no libchafa). */
int ui_photo_render(const unsigned char *data, size_t len, enum ui_gfx gfx, int cols, int rows, bool ascii,
		    struct ui_photo *out, const char **why);
void ui_photo_free(struct ui_photo *p);

#endif
