/* Text safety: decoding, sanitising, clustering, measuring, wrapping and drawing untrusted
 * text. Everything that reaches the screen from outside goes through here. */
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/text.h"

#define REPL 0xFFFDu

static bool ascii_mode;

/* Chooses ASCII output for terminals whose locale is not UTF-8. */
void text_set_ascii(bool ascii)
{
	ascii_mode = ascii;
}

/* Whether ASCII output is on. */
bool text_is_ascii(void)
{
	return ascii_mode;
}

/* Decodes one UTF-8 sequence at s (n bytes left); invalid gives U+FFFD and advances 1. */
static uint32_t utf8_one(const unsigned char *s, size_t n, size_t *adv)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;

	*adv = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* no overlongs */
		if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else {
		return REPL;
	}
	if (n < len)
		return REPL;
	for (size_t i = 1; i < len; i++) {
		unsigned char b = s[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return REPL;
		cp = (cp << 6) | (b & 0x3F);
	}
	*adv = len;
	return cp;
}

/* Decodes untrusted UTF-8 into code points, bad bytes as U+FFFD. */
size_t text_decode_utf8(const char *s, size_t len, uint32_t **out)
{
	uint32_t *cp = xmalloc((len + 1) * sizeof *cp);
	size_t n = 0, i = 0;

	while (i < len) {
		size_t adv;
		cp[n++] = utf8_one((const unsigned char *)s + i, len - i, &adv);
		i += adv;
	}
	*out = cp;
	return n;
}

/* Appends cp as UTF-8 to p (room for 4 bytes); returns bytes written. */
size_t text_utf8_put(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | (cp >> 6));
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | (cp >> 12));
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | (cp >> 18));
	p[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

enum cp_class {
	K_BASE,
	K_CONTROL,   /* C0, C1, DEL: shown as '?' */
	K_BIDI,      /* overrides and isolates: shown as '?' (they reorder what follows) */
	K_DROP,      /* invisible format characters: not drawn */
	K_VS,        /* variation selectors: not drawn (terminals disagree on their width) */
	K_ZWJ,
	K_RI,        /* regional indicator */
	K_MOD,       /* emoji skin-tone modifier */
	K_COMBINING, /* zero-width mark joined to the base */
	K_NEWLINE,
	K_SPACE,     /* tab, carriage return: a space */
	K_BAD,       /* unprintable for this libc: U+FFFD */
};

/* True for code points that start or continue an emoji ZWJ sequence. */
static bool is_pictographic(uint32_t cp)
{
	return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
	       (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2B00 && cp <= 0x2BFF) ||
	       (cp >= 0x2190 && cp <= 0x21FF) || cp == 0x00A9 || cp == 0x00AE || cp == 0x203C ||
	       cp == 0x2049 || cp == 0x2122 || cp == 0x2139 || cp == 0x3030 || cp == 0x303D;
}

/* Classifies one code point for clustering and sanitising. */
static enum cp_class classify(uint32_t cp)
{
	if (cp == '\n')
		return K_NEWLINE;
	if (cp == '\t' || cp == '\r')
		return K_SPACE;
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return K_CONTROL;
	if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return K_BIDI;
	if (cp == 0x200D)
		return K_ZWJ;
	if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return K_VS;
	if (cp == 0x200B || cp == 0x200C || cp == 0x200E || cp == 0x200F || (cp >= 0x2060 && cp <= 0x2064) ||
	    cp == 0xFEFF || cp == 0x061C || (cp >= 0xE0000 && cp <= 0xE007F) || cp == 0x00AD)
		return K_DROP;
	if (cp >= 0x1F1E6 && cp <= 0x1F1FF)
		return K_RI;
	if (cp >= 0x1F3FB && cp <= 0x1F3FF)
		return K_MOD;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return K_BAD;
	int w = wcwidth((wchar_t)cp);
	if (w < 0)
		return K_BAD;
	if (w == 0)
		return K_COMBINING;
	return K_BASE;
}

/* Appends one cluster to b. */
static struct text_cluster *push(struct text_buf *b, uint32_t src)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->c = xrealloc(b->c, b->cap * sizeof *b->c);
	}
	struct text_cluster *c = &b->c[b->n++];
	memset(c, 0, sizeof *c);
	c->src = src;
	return c;
}

/* Appends a one-code-point cluster of the given width. */
static void push_simple(struct text_buf *b, uint32_t src, wchar_t wc, int width, enum text_kind kind)
{
	struct text_cluster *c = push(b, src);
	c->wc[0] = wc;
	c->n = wc ? 1 : 0;
	c->width = (unsigned char)width;
	c->kind = (unsigned char)kind;
	b->width += width;
}

/* Builds a base cluster at cp[i] and everything joined to it; returns the next index. */
static size_t cluster_base(struct text_buf *b, const uint32_t *cp, size_t n, size_t i)
{
	uint32_t base = cp[i];
	int w = wcwidth((wchar_t)base);
	bool pict = is_pictographic(base) || w == 2;

	if (ascii_mode && base >= 0x80) {
		push_simple(b, (uint32_t)i, L'?', 1, TEXT_NORMAL);
	} else {
		push_simple(b, (uint32_t)i, (wchar_t)base, w, TEXT_NORMAL);
	}
	struct text_cluster *c = &b->c[b->n - 1];
	bool joinable = !ascii_mode;
	size_t j = i + 1;
	while (j < n) {
		enum cp_class k = classify(cp[j]);
		if (k == K_VS || k == K_DROP || (k == K_MOD && pict)) {
			j++; /* not drawn */
		} else if (k == K_COMBINING) {
			if (joinable && c->n < TEXT_CLUSTER_MAX)
				c->wc[c->n++] = (wchar_t)cp[j];
			j++;
		} else if (k == K_ZWJ && pict && j + 1 < n && is_pictographic(cp[j + 1])) {
			if (!joinable || c->n + 2 > TEXT_CLUSTER_MAX) {
				j++; /* too long to keep whole: the next emoji stands alone */
				break;
			}
			c->wc[c->n++] = 0x200D;
			c->wc[c->n++] = (wchar_t)cp[j + 1];
			j += 2;
		} else {
			break;
		}
	}
	return j;
}

/* Clusters code points into safe display clusters. */
void text_from_cps(struct text_buf *b, const uint32_t *cp, size_t n, unsigned flags)
{
	size_t i = 0;

	while (i < n) {
		uint32_t x = cp[i];
		switch (classify(x)) {
		case K_NEWLINE:
			if (flags & TEXT_KEEP_NEWLINES)
				push_simple(b, (uint32_t)i, 0, 0, TEXT_NEWLINE);
			else
				push_simple(b, (uint32_t)i, L' ', 1, TEXT_NORMAL);
			i++;
			break;
		case K_SPACE:
			if (x == '\r' && i + 1 < n && cp[i + 1] == '\n') {
				i++; /* "\r\n" is one line break */
				break;
			}
			push_simple(b, (uint32_t)i, L' ', 1, TEXT_NORMAL);
			i++;
			break;
		case K_CONTROL:
		case K_BIDI:
			push_simple(b, (uint32_t)i, L'?', 1, TEXT_NORMAL);
			i++;
			break;
		case K_BAD:
			push_simple(b, (uint32_t)i, ascii_mode ? L'?' : (wchar_t)REPL, 1, TEXT_NORMAL);
			i++;
			break;
		case K_DROP:
		case K_VS:
		case K_ZWJ:
		case K_COMBINING:
			i++; /* nothing to join to: not drawn */
			break;
		case K_RI:
			if (i + 1 < n && classify(cp[i + 1]) == K_RI) {
				if (ascii_mode) {
					push_simple(b, (uint32_t)i, L'?', 1, TEXT_NORMAL);
				} else {
					struct text_cluster *c = push(b, (uint32_t)i);
					c->wc[0] = (wchar_t)x;
					c->wc[1] = (wchar_t)cp[i + 1];
					c->n = 2;
					c->kind = TEXT_FLAG;
					c->width = (unsigned char)(wcwidth(c->wc[0]) + wcwidth(c->wc[1]));
					b->width += c->width;
				}
				i += 2;
				break;
			}
			/* a lone indicator is an ordinary character */
			__attribute__((fallthrough));
		case K_MOD:
		case K_BASE:
			i = cluster_base(b, cp, n, i);
			break;
		}
	}
}

/* Clusters untrusted UTF-8. */
void text_from_utf8(struct text_buf *b, const char *s, size_t len, unsigned flags)
{
	uint32_t *cp;

	if (s == NULL)
		return;
	size_t n = text_decode_utf8(s, len, &cp);
	text_from_cps(b, cp, n, flags);
	free(cp);
}

/* Frees the clusters of b and empties it. */
void text_buf_free(struct text_buf *b)
{
	free(b->c);
	memset(b, 0, sizeof *b);
}

/* Grapheme boundary after the cluster starting at cp[i] (editor semantics: a whole emoji
 * sequence, a base with its marks, a flag). */
size_t text_next_boundary(const uint32_t *cp, size_t n, size_t i)
{
	if (i >= n)
		return n;
	enum cp_class k = classify(cp[i]);
	if (k == K_NEWLINE || k == K_CONTROL || k == K_BIDI || k == K_BAD)
		return i + 1;
	if (k == K_SPACE)
		return (cp[i] == '\r' && i + 1 < n && cp[i + 1] == '\n') ? i + 2 : i + 1;
	if (k == K_RI)
		return (i + 1 < n && classify(cp[i + 1]) == K_RI) ? i + 2 : i + 1;
	size_t j = i + 1;
	while (j < n) {
		enum cp_class c = classify(cp[j]);
		if (c == K_VS || c == K_DROP || c == K_MOD || c == K_COMBINING)
			j++;
		else if (c == K_ZWJ && j + 1 < n && is_pictographic(cp[j + 1]))
			j += 2;
		else if (c == K_ZWJ)
			j++;
		else
			break;
	}
	return j;
}

/* Start of the cluster that ends at i: scans forward from the start of i's line. */
size_t text_prev_boundary(const uint32_t *cp, size_t n, size_t i)
{
	size_t start = i, pos, prev = 0;

	if (i == 0)
		return 0;
	while (start > 0 && cp[start - 1] != '\n')
		start--;
	if (start == i) /* the newline before the line; "\r\n" is one step, as forwards */
		return i >= 2 && cp[i - 2] == '\r' ? i - 2 : i - 1;
	pos = start;
	while (pos < i) {
		prev = pos;
		pos = text_next_boundary(cp, n, pos);
	}
	return prev;
}

/* Width of untrusted UTF-8 as drawn on one line. */
int text_width(const char *s)
{
	struct text_buf b = {0};

	if (s == NULL)
		return 0;
	text_from_utf8(&b, s, strlen(s), 0);
	int w = b.width;
	text_buf_free(&b);
	return w;
}

/* How many clusters from `from` fit in cols columns. */
size_t text_fit_count(const struct text_buf *b, size_t from, int cols, int *used)
{
	int w = 0;
	size_t i = from;

	while (i < b->n && w + b->c[i].width <= cols) {
		w += b->c[i].width;
		i++;
	}
	if (used != NULL)
		*used = w;
	return i - from;
}

/* The safe UTF-8 of clusters [from, to). */
char *text_encode(const struct text_buf *b, size_t from, size_t to)
{
	char *out = xmalloc((to > from ? to - from : 0) * TEXT_CLUSTER_MAX * 4 + 1);
	size_t o = 0;

	for (size_t i = from; i < to && i < b->n; i++) {
		const struct text_cluster *c = &b->c[i];
		if (c->kind == TEXT_NEWLINE) {
			out[o++] = '\n';
			continue;
		}
		for (int k = 0; k < c->n; k++)
			o += text_utf8_put(out + o, (uint32_t)c->wc[k]);
	}
	out[o] = '\0';
	return out;
}

/* The UTF-8 of n code points as they are (an editor's buffer, already filtered). */
char *text_cps_utf8(const uint32_t *cp, size_t n)
{
	char *out = xmalloc(n * 4 + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		o += text_utf8_put(out + o, cp[i]);
	out[o] = '\0';
	return out;
}

/* The ellipsis that ends a cut text, and its width. */
static const char *ellipsis(void)
{
	return ascii_mode ? "~" : "\xE2\x80\xA6";
}

/* Safe text of s cut to cols columns. */
char *text_fit(const char *s, int cols)
{
	struct text_buf b = {0};
	char *out;

	text_from_utf8(&b, s, s ? strlen(s) : 0, 0);
	if (b.width <= cols) {
		out = text_encode(&b, 0, b.n);
	} else if (cols <= 0) {
		out = xstrdup("");
	} else {
		size_t k = text_fit_count(&b, 0, cols - 1, NULL);
		char *head = text_encode(&b, 0, k);
		out = xasprintf("%s%s", head, ellipsis());
		free(head);
	}
	text_buf_free(&b);
	return out;
}

/* Records one wrapped line. */
static void add_line(struct text_line **lines, size_t *n, size_t *cap, size_t from, size_t to, int width)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*lines = xrealloc(*lines, *cap * sizeof **lines);
	}
	(*lines)[(*n)++] = (struct text_line){from, to, width};
}

/* Greedy word wrap of b to cols columns. */
size_t text_wrap(const struct text_buf *b, int cols, struct text_line **lines)
{
	size_t n = 0, cap = 0, start = 0, brk = 0;
	int w = 0, w_brk = 0;
	bool have_brk = false;

	*lines = NULL;
	if (cols < 2)
		cols = 2;
	for (size_t i = 0; i < b->n; i++) {
		const struct text_cluster *c = &b->c[i];
		bool space = c->kind == TEXT_NORMAL && c->n == 1 && c->wc[0] == L' ';
		if (c->kind == TEXT_NEWLINE) {
			add_line(lines, &n, &cap, start, i, w);
			start = i + 1, w = 0, have_brk = false;
			continue;
		}
		if (w + c->width > cols) {
			if (space) { /* the space that overflows ends the line and vanishes */
				add_line(lines, &n, &cap, start, i, w);
				start = i + 1, w = 0, have_brk = false;
				continue;
			}
			if (have_brk && brk > start) {
				add_line(lines, &n, &cap, start, brk, w_brk);
				start = brk + 1; /* the space at the break vanishes */
				w -= w_brk + 1;
			} else if (i > start) {
				add_line(lines, &n, &cap, start, i, w);
				start = i, w = 0;
			}
			have_brk = false;
		}
		if (space)
			brk = i, w_brk = w, have_brk = true;
		w += c->width;
	}
	add_line(lines, &n, &cap, start, b->n, w);
	return n;
}

/* Draws one cluster as one ncurses cell (flags as two). The cell's extra code points are
 * set directly: setcchar() refuses spacing characters after the first, which a ZWJ
 * sequence has, while ncurses draws every code point of a cell and counts the width of the
 * first, which is the width we measured. */
static void draw_cluster(WINDOW *w, const struct text_cluster *c, attr_t attr)
{
	short pair = (short)PAIR_NUMBER(attr);
	attr_t a = attr & ~A_COLOR;
	cchar_t cc;
	wchar_t one[2] = {0, 0};

	if (c->kind == TEXT_FLAG) {
		for (int k = 0; k < 2; k++) {
			one[0] = c->wc[k];
			setcchar(&cc, one, a, pair, NULL);
			wadd_wch(w, &cc);
		}
		return;
	}
	one[0] = c->wc[0];
	if (setcchar(&cc, one, a, pair, NULL) == ERR)
		return;
	for (int k = 1; k < c->n && k < CCHARW_MAX; k++)
		cc.chars[k] = c->wc[k];
	wadd_wch(w, &cc);
}

/* Draws clusters [from, to) at (y, x) within cols columns. */
int text_draw(WINDOW *w, int y, int x, const struct text_buf *b, size_t from, size_t to, int cols, attr_t attr)
{
	int used = 0;

	if (wmove(w, y, x) == ERR)
		return 0;
	for (size_t i = from; i < to && i < b->n; i++) {
		const struct text_cluster *c = &b->c[i];
		if (c->kind == TEXT_NEWLINE || c->n == 0)
			continue;
		if (used + c->width > cols)
			break;
		draw_cluster(w, c, attr);
		used += c->width;
	}
	return used;
}

/* Draws untrusted UTF-8 on one line, cut with an ellipsis. */
int text_put(WINDOW *w, int y, int x, const char *s, int cols, attr_t attr, bool pad)
{
	struct text_buf b = {0};
	int used;

	if (cols <= 0)
		return 0;
	text_from_utf8(&b, s, s ? strlen(s) : 0, 0);
	if (b.width <= cols) {
		used = text_draw(w, y, x, &b, 0, b.n, cols, attr);
	} else {
		size_t k = text_fit_count(&b, 0, cols - 1, NULL);
		used = text_draw(w, y, x, &b, 0, k, cols - 1, attr);
		struct text_buf e = {0};
		text_from_utf8(&e, ellipsis(), strlen(ellipsis()), 0);
		used += text_draw(w, y, x + used, &e, 0, e.n, 1, attr);
		text_buf_free(&e);
	}
	text_buf_free(&b);
	if (pad) {
		wattrset(w, attr);
		for (int i = used; i < cols; i++)
			mvwaddch(w, y, x + i, ' ');
		wattrset(w, A_NORMAL);
	}
	return used;
}

/* Draws untrusted UTF-8 wrapped to cols, on at most max_lines lines from y (the last one cut
 * with "…" when more remains). Returns the lines drawn. */
int text_put_wrap(WINDOW *w, int y, int x, const char *s, int cols, int max_lines, attr_t attr)
{
	struct text_buf b = {0};
	struct text_line *lines;

	if (cols <= 0 || max_lines <= 0 || s == NULL)
		return 0;
	text_from_utf8(&b, s, strlen(s), 0);
	size_t n = text_wrap(&b, cols, &lines);
	int drawn = 0;
	for (size_t l = 0; l < n && drawn < max_lines; l++, drawn++) {
		if (drawn == max_lines - 1 && l + 1 < n) { /* the rest does not fit: cut the last line */
			char *rest = text_encode(&b, lines[l].from, b.n);
			text_put(w, y + drawn, x, rest, cols, attr, false);
			free(rest);
		} else {
			text_draw(w, y + drawn, x, &b, lines[l].from, lines[l].to, cols, attr);
		}
	}
	free(lines);
	text_buf_free(&b);
	return drawn;
}
