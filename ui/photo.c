/* Photos for the terminal: pixels from ui/photo_decode.c, mapped by libchafa to symbols (in
 * the terminal's own colours with CHAFA_CANVAS_MODE_FGBG, no escape sequences: curses draws
 * them like text; or to cells of the 240 fixed palette colours, which do not follow the
 * user's theme as 0-15 do) or to one pixel escape sequence for ui/pixels.c. */
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/photo.h"
#include "ui/photo_decode.h"

static int cell_w = 10, cell_h = 20;

void ui_photo_cell_px(int w, int h)
{
	if (w >= 2 && w <= 200 && h >= 2 && h <= 400)
		cell_w = w, cell_h = h;
}

void ui_photo_free(struct ui_photo *p)
{
	for (int i = 0; p->lines != NULL && i < p->rows; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->cells);
	free(p->seq);
	memset(p, 0, sizeof *p);
}

#ifdef SMSDESK_HAVE_CHAFA
#include "ui/photo_lib.h"

/* True in this build; the libraries are loaded by the first ui_photo_render, which says so
 * in *why when they cannot be. */
bool ui_photo_available(void)
{
	return true;
}

/* Splits chafa's output into exactly rows lines (malloc'd each). */
static void split(const char *s, struct ui_photo *p)
{
	p->lines = xcalloc((size_t)p->rows, sizeof *p->lines);
	for (int i = 0; i < p->rows; i++) {
		size_t l = strcspn(s, "\r\n");
		p->lines[i] = xstrndup(s, l);
		s += l;
		s += strspn(s, "\r\n");
	}
}

/* The cells of a colour canvas. */
static void cells_of(const struct photo_lib *P, ChafaCanvas *canvas, struct ui_photo *p)
{
	p->cells = xcalloc((size_t)p->rows * (size_t)p->cols, sizeof *p->cells);
	for (int y = 0; y < p->rows; y++)
		for (int x = 0; x < p->cols; x++) {
			struct ui_photo_cell *c = &p->cells[y * p->cols + x];
			gint fg = -1, bg = -1;
			c->ch = P->chafa_canvas_get_char_at(canvas, x, y);
			P->chafa_canvas_get_raw_colors_at(canvas, x, y, &fg, &bg);
			c->fg = (short)(fg >= 0 && fg < 256 ? fg : 16);
			c->bg = (short)(bg >= 0 && bg < 256 ? bg : 16);
		}
}

/* The canvas settings of a mode. */
static ChafaCanvasConfig *config_for(const struct photo_lib *P, enum ui_gfx gfx, int cols, int rows,
				     bool ascii, ChafaSymbolMap **map)
{
	ChafaCanvasConfig *cfg = P->chafa_canvas_config_new();
	P->chafa_canvas_config_set_geometry(cfg, cols, rows);
	if (ui_gfx_is_pixels(gfx)) /* the image fills the cells it is given */
		P->chafa_canvas_config_set_cell_geometry(cfg, cell_w, cell_h);
	*map = P->chafa_symbol_map_new();
	P->chafa_symbol_map_add_by_tags(
	    *map, ascii ? CHAFA_SYMBOL_TAG_ASCII
			: (ChafaSymbolTags)(CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_HALF |
					    CHAFA_SYMBOL_TAG_SOLID | CHAFA_SYMBOL_TAG_SPACE));
	P->chafa_canvas_config_set_symbol_map(cfg, *map);
	switch (gfx) {
	case UI_GFX_SIXEL:
		P->chafa_canvas_config_set_pixel_mode(cfg, CHAFA_PIXEL_MODE_SIXELS);
		break;
	case UI_GFX_KITTY:
		P->chafa_canvas_config_set_pixel_mode(cfg, CHAFA_PIXEL_MODE_KITTY);
		break;
	case UI_GFX_ITERM:
		P->chafa_canvas_config_set_pixel_mode(cfg, CHAFA_PIXEL_MODE_ITERM2);
		break;
	case UI_GFX_COLOR:
		P->chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_INDEXED_240);
		break;
	default:
		P->chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_FGBG);
		/* chafa's preprocessing (made for colour modes) washes a two-tone canvas out to blank */
		P->chafa_canvas_config_set_preprocessing_enabled(cfg, FALSE);
		break;
	}
	return cfg;
}

int ui_photo_render(const unsigned char *data, size_t len, enum ui_gfx gfx, int cols, int rows, bool ascii,
		    struct ui_photo *out, const char **why)
{
	int w = 0, h = 0;
	memset(out, 0, sizeof *out);
	if (gfx == UI_GFX_NONE || cols < 4 || rows < 2) {
		*why = "photos are not drawn in this terminal";
		return -1;
	}
	const struct photo_lib *P = photo_lib(why);
	if (P == NULL)
		return -1;
	unsigned char *px = photo_decode(data, len, cols * (ui_gfx_is_pixels(gfx) ? cell_w : 1), &w, &h, why);
	if (px == NULL)
		return -1;
	gint cw = cols, ch = rows;
	P->chafa_calc_canvas_geometry(w, h, &cw, &ch, (gfloat)cell_w / (gfloat)cell_h, FALSE, FALSE);
	ChafaSymbolMap *map = NULL;
	ChafaCanvasConfig *cfg = config_for(P, gfx, cw, ch, ascii, &map);
	ChafaCanvas *canvas = P->chafa_canvas_new(cfg);
	P->chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGB8, px, w, h, w * 3);
	out->gfx = gfx, out->cols = cw, out->rows = ch;
	if (gfx == UI_GFX_COLOR) {
		cells_of(P, canvas, out);
	} else {
		/* chafa's fallback terminal knows every pixel protocol's sequences; which one is
		 * written was decided by ui/gfx.c from what the terminal advertised */
		ChafaTermInfo *ti = gfx == UI_GFX_MONO
					? NULL
					: P->chafa_term_db_get_fallback_info(P->chafa_term_db_get_default());
		GString *s = P->chafa_canvas_print(canvas, ti);
		if (gfx == UI_GFX_MONO)
			split(s->str, out);
		else
			out->seq = xstrndup(s->str, s->len), out->seq_len = s->len;
		(P->g_string_free)(s, TRUE);
		if (ti != NULL)
			P->chafa_term_info_unref(ti);
	}
	P->chafa_canvas_unref(canvas);
	P->chafa_canvas_config_unref(cfg);
	P->chafa_symbol_map_unref(map);
	free(px);
	return 0;
}

#else

bool ui_photo_available(void)
{
	return false;
}

int ui_photo_render(const unsigned char *data, size_t len, enum ui_gfx gfx, int cols, int rows, bool ascii,
		    struct ui_photo *out, const char **why)
{
	(void)data, (void)len, (void)gfx, (void)cols, (void)rows, (void)ascii;
	memset(out, 0, sizeof *out);
	*why = "this build draws no photos (built without libchafa)";
	return -1;
}

#endif
