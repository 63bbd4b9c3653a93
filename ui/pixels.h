/* Photos beside curses: the drawing mode of this terminal (ui/gfx.c), colour-symbol cells
 * through curses colour pairs, and pixel images (sixel, kitty, iTerm2) written to the
 * terminal after curses has updated it, at the cells curses left blank for them.
 * Owner: ui/pixels.c
 *
 * Each main repaint lists the images anew (ui_pixels_begin, then ui_pixels_place while
 * drawing). When the list differs from what the terminal shows, the whole screen is
 * repainted (and kitty's images deleted) before the new ones are written: pixels that curses
 * does not know about are never left behind, nor drawn over a box on top. */
#ifndef SMSDESK_UI_PIXELS_H
#define SMSDESK_UI_PIXELS_H
#include <stdint.h>
#include "ui/curses.h"
#include "ui/photo.h"

/* Chooses the mode (after start_color: COLORS counts; colour false with NO_COLOR) and reads
 * the cell size in pixels. */
void ui_pixels_init(bool colour);
enum ui_gfx ui_pixels_mode(void);
/* Draws row r of colour-symbol photo p at y, x of w (at most width cells). */
void ui_pixels_draw_cells(WINDOW *w, int y, int x, const struct ui_photo *p, int r, int width);
/* A main repaint starts: no image listed yet. */
void ui_pixels_begin(void);
/* Lists pixel photo p (key: its media row) at y, x of w: written after the update. */
void ui_pixels_place(WINDOW *w, int y, int x, int64_t key, const struct ui_photo *p);
/* Something covers the images (a box, a prompt): none is written. */
void ui_pixels_hide(void);
/* Before doupdate(): a changed list makes curses repaint the whole screen. */
void ui_pixels_before_update(void);
/* After doupdate(): writes the listed images the terminal does not show yet. */
void ui_pixels_after_update(void);
/* The screen is being laid out anew (resize, Ctrl-L): the images go, with a full repaint. */
void ui_pixels_reset(void);
/* Leaving: kitty's images are deleted. */
void ui_pixels_end(void);

#endif
