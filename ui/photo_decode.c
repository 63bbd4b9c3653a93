/* Decoding for ui/photo.c. Both libraries are kept from ending the process or printing:
 * libjpeg's error_exit jumps back here, libpng's simplified API reports in png_image. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/photo_decode.h"

#ifdef SMSDESK_HAVE_CHAFA
#include "ui/photo_lib.h"

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

/* A JPEG to RGB8, scaled at decode time (a few dozen cells need few pixels). */
static unsigned char *decode_jpeg(const struct photo_lib *P, const unsigned char *data, size_t len,
				  int want_w, int *w, int *h, const char **why)
{
	struct jpeg_decompress_struct ci;
	struct jerr je;
	unsigned char *volatile px = NULL;
	ci.err = P->jpeg_std_error(&je.mgr);
	je.mgr.error_exit = on_jpeg_error;
	je.mgr.output_message = on_jpeg_message;
	*why = "the JPEG is damaged or cut short";
	if (setjmp(je.back) != 0) {
		P->jpeg_destroy_decompress(&ci);
		free(px);
		return NULL;
	}
	P->jpeg_CreateDecompress(&ci, JPEG_LIB_VERSION, sizeof ci);
	P->jpeg_mem_src(&ci, data, (unsigned long)len);
	if (P->jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK ||
	    (long)ci.image_width * ci.image_height > PHOTO_MAX_PIXELS) {
		*why = "the JPEG is too large to draw (over 64 million pixels)";
		P->jpeg_destroy_decompress(&ci);
		return NULL;
	}
	ci.out_color_space = JCS_RGB;
	ci.scale_num = 1;
	ci.scale_denom = 1;
	while (ci.scale_denom < 8 && (int)ci.image_width / (int)(ci.scale_denom * 2) >= want_w * 2)
		ci.scale_denom *= 2;
	P->jpeg_start_decompress(&ci);
	*w = (int)ci.output_width;
	*h = (int)ci.output_height;
	px = xmalloc((size_t)*w * (size_t)*h * 3);
	while (ci.output_scanline < ci.output_height) {
		JSAMPROW row = px + (size_t)ci.output_scanline * (size_t)*w * 3;
		P->jpeg_read_scanlines(&ci, &row, 1);
	}
	P->jpeg_finish_decompress(&ci);
	P->jpeg_destroy_decompress(&ci);
	if (je.mgr.num_warnings > 0) { /* cut short or damaged: libjpeg made up the rest in grey */
		free(px);
		return NULL;
	}
	return px;
}

/* A PNG to RGB8 (transparency over white: a cut-out on the desk's light paper). */
static unsigned char *decode_png(const struct photo_lib *P, const unsigned char *data, size_t len, int *w,
				 int *h, const char **why)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	*why = "the PNG is damaged or cut short";
	if (!P->png_image_begin_read_from_memory(&im, data, len))
		return NULL;
	if ((long)im.width * im.height > PHOTO_MAX_PIXELS || im.width == 0 || im.height == 0) {
		*why = "the PNG is too large to draw (over 64 million pixels)";
		P->png_image_free(&im);
		return NULL;
	}
	im.format = PNG_FORMAT_RGB;
	png_color white = {255, 255, 255};
	unsigned char *px = xmalloc(PNG_IMAGE_SIZE(im));
	if (!P->png_image_finish_read(&im, &white, px, 0, NULL)) { /* frees im's state itself */
		free(px);
		return NULL;
	}
	*w = (int)im.width;
	*h = (int)im.height;
	return px;
}

unsigned char *photo_decode(const unsigned char *data, size_t len, int want_w, int *w, int *h,
			    const char **why)
{
	static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	if (data == NULL || len < 8) {
		*why = "the file is empty or too short to be a photo";
		return NULL;
	}
	const struct photo_lib *P = photo_lib(why);
	if (P == NULL)
		return NULL;
	if (data[0] == 0xff && data[1] == 0xd8)
		return decode_jpeg(P, data, len, want_w, w, h, why);
	if (memcmp(data, png_sig, 8) == 0)
		return decode_png(P, data, len, w, h, why);
	if (memcmp(data, "GIF8", 4) == 0)
		*why = "GIF photos are not drawn here (v opens or saves it)";
	else
		*why = "not a JPEG or PNG photo (v opens or saves it)";
	return NULL;
}

#else

unsigned char *photo_decode(const unsigned char *data, size_t len, int want_w, int *w, int *h,
			    const char **why)
{
	(void)data, (void)len, (void)want_w, (void)w, (void)h;
	*why = "this build draws no photos (built without libchafa)";
	return NULL;
}

#endif
