/* A one-line text field for the sign-in, lock and settings screens; secret fields keep their
 * code points in locked memory, wipe them, and draw only stars. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

void ui_field_init(struct ui_field *f, size_t max, bool secret)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
	f->secret = secret;
	if (secret) {
		f->cp = sodium_malloc(max * sizeof(uint32_t));
		if (f->cp == NULL)
			abort();
	} else {
		f->cp = xcalloc(max, sizeof(uint32_t));
	}
}

void ui_field_free(struct ui_field *f)
{
	if (f->cp == NULL)
		return;
	if (f->secret)
		sodium_free(f->cp); /* wipes */
	else
		free(f->cp);
	memset(f, 0, sizeof(*f));
}

void ui_field_clear(struct ui_field *f)
{
	sodium_memzero(f->cp, f->max * sizeof(uint32_t));
	f->n = f->cur = 0;
}

/* True for a code point a field accepts: no C0/C1 controls, DEL, surrogates or bidi controls. */
static bool cp_ok(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return false;
	return !(c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069));
}

void ui_field_set(struct ui_field *f, const char *utf8)
{
	uint32_t *cps = NULL;
	ui_field_clear(f);
	size_t n = text_decode_utf8(utf8 ? utf8 : "", utf8 ? strlen(utf8) : 0, &cps);
	for (size_t i = 0; i < n && f->n < f->max; i++)
		if (cp_ok(cps[i]))
			f->cp[f->n++] = cps[i];
	f->cur = f->n;
	free(cps);
}

/* Removes code points [from, to) and leaves the cursor at from; the freed tail is wiped. */
static void field_erase(struct ui_field *f, size_t from, size_t to)
{
	memmove(f->cp + from, f->cp + to, (f->n - to) * sizeof(uint32_t));
	sodium_memzero(f->cp + f->n - (to - from), (to - from) * sizeof(uint32_t));
	f->n -= to - from;
	f->cur = from;
}

bool ui_field_key(struct ui_field *f, const struct key_event *ev)
{
	wint_t k = ev->key;
	if (ev->fn) {
		/* moves and deletes by whole clusters: an emoji sequence or accented letter is one step */
		if (k == KEY_LEFT && f->cur > 0)
			f->cur = text_prev_boundary(f->cp, f->n, f->cur);
		else if (k == KEY_RIGHT && f->cur < f->n)
			f->cur = text_next_boundary(f->cp, f->n, f->cur);
		else if (k == KEY_HOME)
			f->cur = 0;
		else if (k == KEY_END)
			f->cur = f->n;
		else if (k == KEY_BACKSPACE && f->cur > 0)
			field_erase(f, text_prev_boundary(f->cp, f->n, f->cur), f->cur);
		else if (k == KEY_DC && f->cur < f->n)
			field_erase(f, f->cur, text_next_boundary(f->cp, f->n, f->cur));
		else if (k != KEY_LEFT && k != KEY_RIGHT && k != KEY_BACKSPACE && k != KEY_DC)
			return false;
		return true;
	}
	if (k == 127 || k == 8) { /* Backspace as the terminal sends it */
		struct key_event bs = {KEY_BACKSPACE, true, 0};
		return ui_field_key(f, &bs);
	}
	if (k == 21) { /* Ctrl-U */
		ui_field_clear(f);
		return true;
	}
	if (!cp_ok((uint32_t)k))
		return false;
	if (f->n < f->max) {
		memmove(f->cp + f->cur + 1, f->cp + f->cur, (f->n - f->cur) * sizeof(uint32_t));
		f->cp[f->cur++] = (uint32_t)k;
		f->n++;
	}
	return true;
}

bool ui_field_utf8(const struct ui_field *f, char *buf, size_t len)
{
	size_t o = 0;
	char tmp[4];
	if (len == 0)
		return false;
	for (size_t i = 0; i < f->n; i++) {
		size_t k = text_utf8_put(tmp, f->cp[i]);
		if (o + k + 1 > len) {
			sodium_memzero(buf, len);
			sodium_memzero(tmp, sizeof(tmp));
			return false;
		}
		memcpy(buf + o, tmp, k);
		o += k;
	}
	sodium_memzero(tmp, sizeof(tmp));
	buf[o] = '\0';
	return true;
}

void ui_field_draw(const struct ui_field *f, struct screen *sc, WINDOW *w, int y, int x, int width, attr_t attr)
{
	int room = width - 1, before;
	wattrset(w, attr);
	mvwhline(w, y, x, ' ', width);
	wattrset(w, A_NORMAL);
	if (f->secret) {
		/* Only as many stars as typed, never the characters. */
		int shown = f->n > (size_t)room ? room : (int)f->n;
		for (int i = 0; i < shown; i++)
			mvwaddch(w, y, x + i, '*' | attr);
		before = f->cur > (size_t)room ? room : (int)f->cur;
		sc->cursor_y = y;
		sc->cursor_x = x + before;
		return;
	}
	struct text_buf b = {0};
	text_from_cps(&b, f->cp, f->cur, 0);
	before = b.width;
	text_buf_free(&b);
	text_from_cps(&b, f->cp, f->n, 0);
	int skip = before > room ? before - room : 0; /* keep the cursor in view */
	size_t first = 0;
	int acc = 0;
	while (first < b.n && acc < skip)
		acc += b.c[first++].width;
	text_draw(w, y, x, &b, first, b.n, room, attr);
	sc->cursor_y = y;
	sc->cursor_x = x + before - acc;
	text_buf_free(&b);
}

