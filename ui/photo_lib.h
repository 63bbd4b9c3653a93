/* libchafa, libjpeg and libpng loaded on first use instead of at exec. Owner: ui/photo_lib.c
 *
 * The three bring glib and pcre2 along: five libraries whose loading, relocation and
 * constructors cost ~4 ms at every exec (issue 15, the console's start), for photos that only
 * an opened thread with a photo draws. So smsdesk does not link them: the first photo loads
 * them with dlopen (src/lazylib.c: sonames only, found at build time from the libraries
 * pkg-config named) and resolves every function ui/photo.c and ui/photo_decode.c call, once
 * per process. Those files call through the table: P->chafa_canvas_new(cfg). */
#ifndef SMSDESK_UI_PHOTO_LIB_H
#define SMSDESK_UI_PHOTO_LIB_H
#ifdef SMSDESK_HAVE_CHAFA
#include <stdio.h> /* jpeglib.h needs FILE */
#include <chafa.h>
#include <jpeglib.h>
#include <png.h>

/* The functions used, by library (X-macros: one list makes the table and the names). */
/* clang-format off */
#define PHOTO_LIB_CHAFA(X)                                                                              \
	X(chafa_calc_canvas_geometry) X(chafa_canvas_config_new) X(chafa_canvas_config_set_geometry)    \
	X(chafa_canvas_config_set_cell_geometry) X(chafa_canvas_config_set_symbol_map)                   \
	X(chafa_canvas_config_set_pixel_mode) X(chafa_canvas_config_set_canvas_mode)                     \
	X(chafa_canvas_config_set_preprocessing_enabled) X(chafa_canvas_config_unref)                    \
	X(chafa_symbol_map_new) X(chafa_symbol_map_add_by_tags) X(chafa_symbol_map_unref)                \
	X(chafa_canvas_new) X(chafa_canvas_draw_all_pixels) X(chafa_canvas_get_char_at)                  \
	X(chafa_canvas_get_raw_colors_at) X(chafa_canvas_print) X(chafa_canvas_unref)                    \
	X(chafa_term_db_get_default) X(chafa_term_db_get_fallback_info) X(chafa_term_info_unref)
#define PHOTO_LIB_GLIB(X) X(g_string_free)
#define PHOTO_LIB_JPEG(X)                                                                               \
	X(jpeg_std_error) X(jpeg_CreateDecompress) X(jpeg_mem_src) X(jpeg_read_header)                  \
	X(jpeg_start_decompress) X(jpeg_read_scanlines) X(jpeg_finish_decompress)                        \
	X(jpeg_destroy_decompress)
#define PHOTO_LIB_PNG(X) X(png_image_begin_read_from_memory) X(png_image_finish_read) X(png_image_free)
/* clang-format on */

/* Members are named after the functions, with their exact types (the headers'). A member
 * whose name is also a function-like macro (g_string_free in newer glib) is called as
 * (P->g_string_free)(...). */
#define PHOTO_LIB_MEMBER(name) __typeof__(name) *name;
struct photo_lib {
	PHOTO_LIB_CHAFA(PHOTO_LIB_MEMBER)
	PHOTO_LIB_GLIB(PHOTO_LIB_MEMBER)
	PHOTO_LIB_JPEG(PHOTO_LIB_MEMBER)
	PHOTO_LIB_PNG(PHOTO_LIB_MEMBER)
};
#undef PHOTO_LIB_MEMBER

/* The loaded functions (the first call loads; thread-safe), or NULL with *why (static words:
 * which library is missing). */
const struct photo_lib *photo_lib(const char **why);
#endif

#endif
