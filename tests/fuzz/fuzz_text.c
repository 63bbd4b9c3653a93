/* libFuzzer target for ui/text.c: the sanitiser between outside text and the terminal, widths,
 * cutting and wrapping (tests/fuzz/run.sh fuzzes it; ctest replays its corpus). Build and run:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DSMSDESK_VERSION='"fuzz"' -I.
 * tests/fuzz/fuzz_text.c ui/text.c src/util.c src/version.c $(pkg-config --cflags --libs ncursesw libsodium)
 * -o fuzz_text && ./fuzz_text -max_total_time=60 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ui/text.h"

/* Aborts when s holds a byte or code point a terminal would obey: C0, DEL, C1 (U+0080..U+009F
 * as UTF-8; '\n' only when newlines are kept), or the bidi controls U+202A..U+202E and U+2066..U+2069. */
static void check_safe(const char *s, bool newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i]; i++) {
		if ((p[i] < 0x20 && !(newlines && p[i] == '\n')) || p[i] == 0x7f)
			abort();
		if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
			abort();
		if (p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] >= 0xAA && p[i + 2] <= 0xAE)
			abort();
		if (p[i] == 0xE2 && p[i + 1] == 0x81 && p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)
			abort();
	}
}

/* The first byte picks the column count and the mode; the rest is the untrusted text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		setlocale(LC_CTYPE, "C.UTF-8");
		init = true;
	}
	if (size == 0)
		return 0;
	int cols = data[0] & 0x7f;
	text_set_ascii((data[0] & 0x80) != 0);
	const char *s = (const char *)data + 1;
	size_t len = size - 1;
	char *z = malloc(len + 1);
	if (z == NULL)
		return 0;
	memcpy(z, s, len);
	z[len] = '\0';

	struct text_buf b = {0};
	text_from_utf8(&b, s, len, TEXT_KEEP_NEWLINES);
	int sum = 0;
	for (size_t i = 0; i < b.n; i++) {
		if ((b.c[i].n == 0 && b.c[i].kind != TEXT_NEWLINE) || b.c[i].n > TEXT_CLUSTER_MAX ||
		    b.c[i].width > 2)
			abort();
		for (size_t k = 0; b.c[i].kind != TEXT_NEWLINE && k < b.c[i].n; k++)
			if (b.c[i].wc[k] < 0x20 || (b.c[i].wc[k] >= 0x7f && b.c[i].wc[k] < 0xa0))
				abort();
		sum += b.c[i].width;
	}
	if (sum != b.width)
		abort();
	char *enc = text_encode(&b, 0, b.n);
	check_safe(enc, true);
	free(enc);
	struct text_line *lines = NULL;
	size_t nl = text_wrap(&b, cols > 0 ? cols : 1, &lines);
	if (nl < 1)
		abort();
	for (size_t i = 0; i < nl; i++)
		if (lines[i].width > (cols > 1 ? cols : 2) || lines[i].from > lines[i].to ||
		    lines[i].to > b.n)
			abort();
	free(lines);
	int used = 0;
	size_t fit = text_fit_count(&b, 0, cols, &used);
	if (fit > b.n || used > cols)
		abort();
	text_buf_free(&b);

	char *cut = text_fit(z, cols);
	check_safe(cut, false);
	if (text_width(cut) > cols)
		abort();
	free(cut);
	(void)text_width(z);

	uint32_t *cp = NULL;
	size_t n = text_decode_utf8(s, len, &cp);
	for (size_t i = 0; i < n;) {
		size_t nx = text_next_boundary(cp, n, i);
		if (nx <= i || nx > n)
			abort();
		/* Known and left alone: backspace after "\r\n" removes only the '\n'. */
		bool crlf = nx - i == 2 && cp[i] == '\r' && cp[i + 1] == '\n';
		if (!crlf && text_prev_boundary(cp, n, nx) != i)
			abort();
		i = nx;
	}
	free(cp);
	free(z);
	return 0;
}
