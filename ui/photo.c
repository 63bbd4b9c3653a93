/* Photos as text: libjpeg decodes (scaled down at decode time: a few dozen cells need few
 * pixels), libchafa maps pixels to symbols in the terminal's own colours (CHAFA_CANVAS_MODE_FGBG
 * emits no escape sequences, so the result is plain UTF-8 that curses draws like any text). */
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/photo.h"

#ifdef SMSDESK_HAVE_CHAFA
#include <setjmp.h>
#include <stdio.h>
#include <chafa.h>
#include <jpeglib.h>

#define PHOTO_MAX_PIXELS (64L * 1024 * 1024) /* a hostile header must not make us allocate GBs */

/* libjpeg's default error handler exits the process: ours jumps back instead. */
struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf back;
};

static void on_jpeg_error(j_common_ptr c)
{
	longjmp(((struct jerr *)c->err)->back, 1);
}

static void on_jpeg_message(j_common_ptr c)
{
	(void)c; /* warnings about a damaged file are not for the screen */
}

/* Decodes to RGB8 (malloc'd), scaled so its width is near want_w; NULL when it cannot. */
static unsigned char *decode(const unsigned char *data, size_t len, int want_w, int *w, int *h)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	unsigned char *volatile px = NULL;
	ci.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = on_jpeg_error;
	je.mgr.output_message = on_jpeg_message;
	if (setjmp(je.back) != 0) {
		jpeg_destroy_decompress(&ci);
		free(px);
		return NULL;
	}
	jpeg_create_decompress(&ci);
	jpeg_mem_src(&ci, data, (unsigned long)len);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK || (long)ci.image_width * ci.image_height > PHOTO_MAX_PIXELS) {
		jpeg_destroy_decompress(&ci);
		return NULL;
	}
	ci.out_color_space = JCS_RGB;
	ci.scale_num = 1;
	ci.scale_denom = 1;
	while (ci.scale_denom < 8 && (int)ci.image_width / (int)(ci.scale_denom * 2) >= want_w * 2)
		ci.scale_denom *= 2;
	jpeg_start_decompress(&ci);
	*w = (int)ci.output_width;
	*h = (int)ci.output_height;
	px = xmalloc((size_t)*w * (size_t)*h * 3);
	while (ci.output_scanline < ci.output_height) {
		JSAMPROW row = px + (size_t)ci.output_scanline * (size_t)*w * 3;
		jpeg_read_scanlines(&ci, &row, 1);
	}
	jpeg_finish_decompress(&ci);
	jpeg_destroy_decompress(&ci);
	if (je.mgr.num_warnings > 0) { /* cut short or damaged: libjpeg made up the rest in grey */
		free(px);
		return NULL;
	}
	return px;
}

/* Splits chafa's output into lines (malloc'd each). */
static size_t split(const char *s, char ***lines)
{
	size_t n = 0;
	*lines = NULL;
	while (*s != '\0') {
		size_t l = strcspn(s, "\r\n");
		*lines = xrealloc(*lines, (n + 1) * sizeof **lines);
		(*lines)[n++] = xstrndup(s, l);
		s += l;
		s += strspn(s, "\r\n");
	}
	return n;
}

bool ui_photo_available(void)
{
	return true;
}

size_t ui_photo_render(const unsigned char *data, size_t len, int cols, int rows, bool ascii, char ***lines)
{
	int w = 0, h = 0;
	gint cw = cols, ch = rows;
	*lines = NULL;
	if (data == NULL || len < 4 || cols < 4 || rows < 2 || data[0] != 0xff || data[1] != 0xd8)
		return 0;
	unsigned char *px = decode(data, len, cols, &w, &h);
	if (px == NULL)
		return 0;
	chafa_calc_canvas_geometry(w, h, &cw, &ch, 0.5f, FALSE, FALSE);
	ChafaSymbolMap *map = chafa_symbol_map_new();
	chafa_symbol_map_add_by_tags(map, ascii ? CHAFA_SYMBOL_TAG_ASCII
					       : (ChafaSymbolTags)(CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_HALF | CHAFA_SYMBOL_TAG_SOLID |
								   CHAFA_SYMBOL_TAG_SPACE));
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();
	chafa_canvas_config_set_geometry(cfg, cw, ch);
	chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_FGBG);
	chafa_canvas_config_set_symbol_map(cfg, map);
	/* chafa's preprocessing (made for colour modes) washes a two-tone canvas out to blank */
	chafa_canvas_config_set_preprocessing_enabled(cfg, FALSE);
	ChafaCanvas *canvas = chafa_canvas_new(cfg);
	chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGB8, px, w, h, w * 3);
	GString *out = chafa_canvas_print(canvas, NULL);
	size_t n = split(out->str, lines);
	g_string_free(out, TRUE);
	chafa_canvas_unref(canvas);
	chafa_canvas_config_unref(cfg);
	chafa_symbol_map_unref(map);
	free(px);
	return n;
}

#else

bool ui_photo_available(void)
{
	return false;
}

size_t ui_photo_render(const unsigned char *data, size_t len, int cols, int rows, bool ascii, char ***lines)
{
	(void)data, (void)len, (void)cols, (void)rows, (void)ascii;
	*lines = NULL;
	return 0;
}

#endif

void ui_photo_lines_free(char ***lines, size_t n)
{
	for (size_t i = 0; *lines != NULL && i < n; i++)
		free((*lines)[i]);
	free(*lines);
	*lines = NULL;
}
