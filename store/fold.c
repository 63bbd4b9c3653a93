/* Search folding, in C and as the SQL function sd_fold(text) on every connection store_open
 * makes, so a query and the names and bodies it is compared with fold the same way. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* U+00C0..U+017F: the ASCII letters each folds to, "" when it is no Latin letter. */
static const char *const fold_00c0[192] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o",
	"o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a", "a", "a",
	"ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "", "o",
	"u", "u", "u", "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c",
	"c", "c", "d", "d", "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g",
	"g", "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i", "i", "i",
	"ij", "ij", "j", "j", "k", "k", "q", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n", "n",
	"n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o", "o", "o", "oe", "oe", "r", "r", "r", "r",
	"r", "r", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z",
	"z", "s",
};
/* U+1E00..U+1EFF: the ASCII letters each folds to, "" when it is no Latin letter. */
static const char *const fold_1e00[256] = {
	"a", "a", "b", "b", "b", "b", "b", "b", "c", "c", "d", "d", "d", "d", "d", "d", "d", "d", "d",
	"d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "f", "f", "g", "g", "h", "h", "h", "h",
	"h", "h", "h", "h", "h", "h", "i", "i", "i", "i", "k", "k", "k", "k", "k", "k", "l", "l", "l",
	"l", "l", "l", "l", "l", "m", "m", "m", "m", "m", "m", "n", "n", "n", "n", "n", "n", "n", "n",
	"o", "o", "o", "o", "o", "o", "o", "o", "p", "p", "p", "p", "r", "r", "r", "r", "r", "r", "r",
	"r", "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", "t", "t",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "v", "v", "v", "v", "w", "w", "w", "w", "w",
	"w", "w", "w", "w", "w", "x", "x", "x", "x", "y", "y", "z", "z", "z", "z", "z", "z", "h", "t",
	"w", "y", "", "", "", "", "ss", "", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a",
	"a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "e", "e", "e", "e", "e", "e", "e",
	"e", "e", "e", "e", "e", "e", "e", "e", "e", "i", "i", "i", "i", "o", "o", "o", "o", "o", "o",
	"o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "u",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "y", "y", "y", "y", "y", "y",
	"y", "y", "", "", "", "", "", "",
};

/* Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its length, 0 when invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	unsigned v = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*cp = v;
	return len;
}

/* The ASCII a code point folds to, or NULL when it is kept as it is. */
static const char *fold_cp(unsigned cp)
{
	const char *f = NULL;
	if (cp >= 0xC0 && cp < 0x180)
		f = fold_00c0[cp - 0xC0];
	else if (cp >= 0x1E00 && cp < 0x1F00)
		f = fold_1e00[cp - 0x1E00];
	return f != NULL && f[0] != '\0' ? f : NULL;
}

/* Folds n bytes of in into out (room for 2 * n + 1: "ß" is 2 bytes, "ss" too; no letter
 * grows). Returns the length written. */
static size_t fold_into(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (in[i] < 0x80) { /* most text: no decoding */
			out[o++] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
			i++;
			continue;
		}
		unsigned cp = 0;
		size_t len = utf8_next(in + i, n - i, &cp);
		if (len == 0) { /* not UTF-8: kept byte for byte */
			out[o++] = (char)in[i++];
			continue;
		}
		const char *f = fold_cp(cp);
		if (cp >= 0x300 && cp < 0x370)
			; /* a combining accent (text typed decomposed) */
		else if (f != NULL)
			for (; *f; f++)
				out[o++] = *f;
		else
			for (size_t k = 0; k < len; k++)
				out[o++] = (char)in[i + k];
		i += len;
	}
	out[o] = '\0';
	return o;
}

char *store_fold(const char *utf8)
{
	if (utf8 == NULL)
		return NULL;
	size_t n = strlen(utf8);
	char *out = xmalloc(2 * n + 1);
	fold_into((const unsigned char *)utf8, n, out);
	return out;
}

/* sd_fold(text): NULL stays NULL. */
static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const unsigned char *in = sqlite3_value_text(argv[0]);
	if (in == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	char small[512];
	char *out = 2 * n + 1 <= sizeof(small) ? small : xmalloc(2 * n + 1);
	size_t len = fold_into(in, n, out);
	sqlite3_result_text(ctx, out, (int)len, SQLITE_TRANSIENT);
	if (out != small)
		free(out);
}

int store_fold_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "sd_fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				       sql_fold, NULL, NULL);
}
