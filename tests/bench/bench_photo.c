/* Benchmark: drawing a photo in the thread (issue 14). A 1 MP (1000 x 1000) JPEG and PNG,
 * made here, are drawn into the thread's 36 x 10 cells in each mode (plain and colour symbols,
 * sixel, kitty, iTerm2): decode + libchafa, median of 7 runs, thread CPU in ms, and the size
 * of what is written to the terminal. The console draws a photo once per thread opening (the
 * drawing is cached), so this is the delay before a thread with a new photo shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "benchutil.h"
#include "src/util.h"
#include "ui/photo.h"

#if __has_include(<jpeglib.h>) && __has_include(<png.h>)
#include <jpeglib.h>
#include <png.h>

#define SIDE 1000
#define RUNS 7

/* A photo-like picture: skin tones, a dark blurred mole, noise (so JPEG and PNG are not trivial). */
static unsigned char *picture(void)
{
	unsigned char *px = xmalloc((size_t)SIDE * SIDE * 3);
	unsigned seed = 7;
	for (int y = 0; y < SIDE; y++)
		for (int x = 0; x < SIDE; x++) {
			double dx = x - 480.0, dy = y - 520.0, d = (dx * dx + dy * dy) / (160.0 * 160.0);
			double m = d < 1 ? 1 - d : 0;
			seed = seed * 1103515245u + 12345u;
			int n = (int)(seed >> 27) - 16;
			unsigned char *p = px + ((size_t)y * SIDE + x) * 3;
			p[0] = (unsigned char)(225 - 160 * m + n), p[1] = (unsigned char)(180 - 140 * m + n);
			p[2] = (unsigned char)(160 - 120 * m + n);
		}
	return px;
}

static unsigned char *to_jpeg(const unsigned char *px, size_t *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr je;
	unsigned char *out = NULL;
	unsigned long n = 0;
	ci.err = jpeg_std_error(&je);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &out, &n);
	ci.image_width = SIDE, ci.image_height = SIDE, ci.input_components = 3, ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 85, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < SIDE) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)ci.next_scanline * SIDE * 3);
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	*len = n;
	return out;
}

static unsigned char *to_png(const unsigned char *px, size_t *len)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION, im.width = SIDE, im.height = SIDE, im.format = PNG_FORMAT_RGB;
	png_alloc_size_t n = 0;
	png_image_write_to_memory(&im, NULL, &n, 0, px, 0, NULL);
	unsigned char *out = xmalloc(n);
	if (!png_image_write_to_memory(&im, out, &n, 0, px, 0, NULL))
		abort();
	*len = n;
	return out;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Draws data RUNS times in gfx; prints the median thread CPU and wall ms and the output size. */
static void run(const char *name, const unsigned char *data, size_t len, enum ui_gfx gfx)
{
	double cpu[RUNS], wall[RUNS];
	size_t out = 0;
	for (int i = 0; i < RUNS; i++) {
		struct ui_photo p;
		const char *why = NULL;
		struct bench_clock t0 = bench_now();
		if (ui_photo_render(data, len, gfx, 36, 10, false, &p, &why) != 0) {
			fprintf(stderr, "bench_photo: %s: %s\n", name, why);
			exit(1);
		}
		struct bench_clock d = bench_since(t0, bench_now());
		cpu[i] = d.thread * 1000, wall[i] = d.wall * 1000;
		out = p.seq_len ? p.seq_len : p.lines ? (size_t)p.rows * (size_t)p.cols * 3 : (size_t)p.rows * p.cols * 12;
		ui_photo_free(&p);
	}
	qsort(cpu, RUNS, sizeof *cpu, cmp);
	qsort(wall, RUNS, sizeof *wall, cmp);
	printf("draw a 1 MP %s as %-14s: %6.1f ms CPU (median of %d; wall %.1f ms), ~%zu bytes to the terminal\n", name,
	       ui_gfx_name(gfx), cpu[RUNS / 2], RUNS, wall[RUNS / 2], out);
}

int main(void)
{
	if (!ui_photo_available()) {
		puts("bench_photo: built without libchafa: nothing to measure");
		return 0;
	}
	unsigned char *px = picture();
	size_t jl = 0, pl = 0;
	unsigned char *jpg = to_jpeg(px, &jl), *png = to_png(px, &pl);
	printf("1 MP test photo: JPEG %zu KB, PNG %zu KB\n", jl / 1024, pl / 1024);
	static const enum ui_gfx modes[] = {UI_GFX_MONO, UI_GFX_COLOR, UI_GFX_SIXEL, UI_GFX_KITTY, UI_GFX_ITERM};
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		run("JPEG", jpg, jl, modes[m]);
		run("PNG ", png, pl, modes[m]);
	}
	free(px);
	free(jpg);
	free(png);
	return 0;
}

#else

int main(void)
{
	puts("bench_photo: built without libjpeg/libpng headers: nothing to measure");
	return 0;
}

#endif
