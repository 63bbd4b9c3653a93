/* Pixels beside curses. The sequence goes straight to the terminal (fd 1) between DECSC and
 * DECRC, so curses' idea of the cursor stays true; the cells under an image are blank in
 * curses, so it never paints over one until the list changes, and then it repaints all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "src/util.h"
#include "ui/pixels.h"

#define PIX_MAX 16 /* images on one screen */
#define KITTY_DELETE_ALL "\033_Ga=d\033\\"

struct place {
	int64_t key;
	int y, x;
	const struct ui_photo *p; /* valid during the paint that listed it */
};

static enum ui_gfx mode = UI_GFX_NONE;
static struct place pending[PIX_MAX], shown[PIX_MAX];
static int npending, nshown;

void ui_pixels_init(bool colour)
{
	const char *why = NULL;
	struct winsize ws;
	mode = ui_gfx_detect(NULL, colour && has_colors() ? COLORS : 0, &why);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 && ws.ws_xpixel > 0)
		ui_photo_cell_px(ws.ws_xpixel / ws.ws_col, ws.ws_ypixel / ws.ws_row);
	fprintf(stderr, "smsdesk: photos: %s (%s)\n", ui_gfx_name(mode), why); /* the console log */
}

enum ui_gfx ui_pixels_mode(void)
{
	return mode;
}

void ui_pixels_draw_cells(WINDOW *w, int y, int x, const struct ui_photo *p, int r, int width)
{
	for (int c = 0; c < p->cols && c < width; c++) {
		const struct ui_photo_cell *cell = &p->cells[r * p->cols + c];
		wchar_t wc[2] = {(wchar_t)cell->ch, 0};
		int pair = alloc_pair(cell->fg, cell->bg); /* ncurses reuses the least recent past the limit */
		cchar_t cc;
		if (pair < 0 || setcchar(&cc, wc, A_NORMAL, 0, &pair) != OK)
			continue;
		mvwadd_wch(w, y, x + c, &cc);
	}
}

void ui_pixels_begin(void)
{
	npending = 0;
}

void ui_pixels_place(WINDOW *w, int y, int x, int64_t key, const struct ui_photo *p)
{
	if (npending >= PIX_MAX || !ui_gfx_is_pixels(p->gfx))
		return;
	pending[npending++] = (struct place){key, getbegy(w) + y, getbegx(w) + x, p};
}

void ui_pixels_hide(void)
{
	npending = 0;
}

/* Whether the terminal shows exactly the listed images. */
static bool same(void)
{
	if (npending != nshown)
		return false;
	for (int i = 0; i < npending; i++)
		if (pending[i].key != shown[i].key || pending[i].y != shown[i].y || pending[i].x != shown[i].x)
			return false;
	return true;
}

/* Writes all of buf to the terminal. */
static void put(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(STDOUT_FILENO, buf, len);
		if (w <= 0)
			return; /* the terminal is gone: nothing to draw on */
		buf += w, len -= (size_t)w;
	}
}

void ui_pixels_before_update(void)
{
	if (same() || nshown == 0)
		return;
	if (mode == UI_GFX_KITTY)
		put(KITTY_DELETE_ALL, strlen(KITTY_DELETE_ALL));
	clearok(curscr, TRUE); /* sixel / iTerm pixels go with the cleared screen */
	nshown = 0;
}

void ui_pixels_after_update(void)
{
	if (same())
		return;
	for (int i = 0; i < npending; i++) {
		char at[48];
		int n = snprintf(at, sizeof at, "\0337\033[%d;%dH", pending[i].y + 1, pending[i].x + 1);
		put(at, (size_t)n);
		put(pending[i].p->seq, pending[i].p->seq_len);
		put("\0338", 2);
		shown[i] = pending[i];
		shown[i].p = NULL;
	}
	nshown = npending;
}

void ui_pixels_reset(void)
{
	if (nshown == 0)
		return;
	if (mode == UI_GFX_KITTY)
		put(KITTY_DELETE_ALL, strlen(KITTY_DELETE_ALL));
	clearok(curscr, TRUE);
	nshown = 0;
}

void ui_pixels_end(void)
{
	if (mode == UI_GFX_KITTY && nshown > 0)
		put(KITTY_DELETE_ALL, strlen(KITTY_DELETE_ALL));
	nshown = npending = 0;
}
