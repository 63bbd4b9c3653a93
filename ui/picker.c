/* Choosers over another screen: a patient picker (a fixed list, or a search over the location's
 * patients as you type) and a yes/no box. Names and numbers come from imports: untrusted text,
 * drawn only through text_put / text_draw. */
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"
#include "ui/picker.h"
#include "ui/text.h"

#define QUERY_MAX 64	 /* code points of a search */
#define SEARCH_LIMIT 200 /* patients listed for one search */

enum { PK_DOWN = 1, PK_UP, PK_PGDN, PK_PGUP, PK_PICK, PK_CANCEL, PK_YES, PK_NO };

/* ---- patient picker ---- */

struct picker {
	char *title, *note;
	struct patient *list;
	size_t n, sel, top;
	bool search;
	uint32_t q[QUERY_MAX];
	size_t qn;
	char *error;
	ui_pick_fn done;
	int64_t ctx;
};

static const struct keybinding picker_keys[] = {
    {KEY_DOWN, true, PK_DOWN, "Down", "next patient", true},
    {KEY_UP, true, PK_UP, "Up", "previous patient", false},
    {KEY_NPAGE, true, PK_PGDN, "PgDn", "next page", false},
    {KEY_PPAGE, true, PK_PGUP, "PgUp", "previous page", false},
    {'\r', false, PK_PICK, "Enter", "link the thread to this patient", true},
    {'\n', false, PK_PICK, "Enter", "link the thread to this patient", false},
    {KEY_ENTER, true, PK_PICK, "Enter", "link the thread to this patient", false},
    {27, false, PK_CANCEL, "Esc", "cancel", true},
    {0},
};

/* Re-runs the search for the typed query (search mode only). */
static void search(struct ui *ui, struct picker *p)
{
	struct text_buf b = {0};
	char *err = NULL;

	text_from_cps(&b, p->q, p->qn, 0);
	char *q = text_encode(&b, 0, b.n);
	text_buf_free(&b);
	patient_list_free(&p->list, p->n);
	p->n = p->sel = p->top = 0;
	xfree(&p->error);
	if (store_patient_search(ui->store, ui->session.tenant_id, q, SEARCH_LIMIT, &p->list, &p->n, &err) !=
	    0)
		p->error = err ? err : xstrdup("search failed");
	free(q);
}

/* Keeps what init was given. */
static int picker_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct picker *p = arg;
	sc->priv = p;
	if (p->search)
		search(ui, p);
	return 0;
}

/* One patient's row: name, then the number. */
static void draw_patient(struct ui *ui, WINDOW *w, int y, int x, int width, const struct patient *pt,
			 bool sel)
{
	char num[64];
	attr_t a = sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL;

	wattrset(w, a);
	mvwhline(w, y, x, ' ', width);
	wattrset(w, A_NORMAL);
	phone_display(pt->mobile ? pt->mobile : "", num, sizeof num);
	char *name =
	    xasprintf("%s %s", pt->first_name ? pt->first_name : "", pt->last_name ? pt->last_name : "");
	int num_w = 18;
	text_put(w, y, x + 1, name, width - num_w - 3, a, false);
	text_put(w, y, x + width - num_w, pt->mobile ? num : "no mobile", num_w - 1, a, false);
	free(name);
}

/* Draws the box: title, note, the search line, the patients, the keys. */
static void picker_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct picker *p = sc->priv;
	int bw = cols > 76 ? 70 : cols - 6;
	int head = p->search ? 4 : 3; /* title, note, [search], then the list */
	int list_h = (int)(p->n ? p->n : 1);
	if (list_h > rows - head - 4)
		list_h = rows - head - 4 > 1 ? rows - head - 4 : 1;
	int h = head + list_h + 2, y0, x0;

	ui_box(ui, w, rows, cols, h, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, p->title, bw - 4, ui_attr(ui, ST_TITLE), false);
	text_put(w, y0 + 2, x0 + 2, p->note, bw - 4, ui_attr(ui, ST_DIM), false);
	sc->cursor_y = sc->cursor_x = -1;
	if (p->search) {
		struct text_buf b = {0};
		text_from_cps(&b, p->q, p->qn, 0);
		int x = x0 + 2 + text_put(w, y0 + 3, x0 + 2, "Search: ", 8, A_NORMAL, false);
		int room = bw - 4 - 8;
		size_t first = 0;
		while (first < b.n && b.width > room) { /* keep the end of a long query in view */
			b.width -= b.c[first].width;
			first++;
		}
		text_draw(w, y0 + 3, x, &b, first, b.n, room, A_UNDERLINE);
		sc->cursor_y = y0 + 3;
		sc->cursor_x = x + b.width;
		text_buf_free(&b);
	}
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + (size_t)list_h)
		p->top = p->sel - (size_t)list_h + 1;
	int y = y0 + head;
	if (p->error != NULL)
		text_put(w, y, x0 + 2, p->error, bw - 4, ui_attr(ui, ST_ERROR), false);
	else if (p->n == 0)
		text_put(w, y, x0 + 2, p->search ? "No patient matches." : "No patient has this number now.",
			 bw - 4, ui_attr(ui, ST_DIM), false);
	for (size_t i = p->top; i < p->n && y < y0 + head + list_h; i++)
		draw_patient(ui, w, y++, x0 + 1, bw - 2, &p->list[i], i == p->sel);
	text_put(w, y0 + h - 2, x0 + 2,
		 p->search ? "type a name or number · ↑↓ choose · Enter links · Esc cancels"
			   : "↑↓ choose · Enter links · Esc cancels",
		 bw - 4, ui_attr(ui, ST_DIM), false);
}

/* Edits the query: one code point in, or one cluster out (Backspace). */
static int edit_query(struct ui *ui, struct picker *p, const struct key_event *ev)
{
	bool back = (ev->fn && ev->key == KEY_BACKSPACE) || (!ev->fn && (ev->key == 127 || ev->key == 8));
	if (back && p->qn > 0)
		p->qn = text_prev_boundary(p->q, p->qn, p->qn);
	else if (!ev->fn && !back && ev->key >= 0x20 && ev->key != 0x7F &&
		 !(ev->key >= 0x80 && ev->key < 0xA0) && p->qn < QUERY_MAX)
		p->q[p->qn++] = (uint32_t)ev->key;
	else
		return UI_HANDLED;
	search(ui, p);
	return UI_REDRAW;
}

/* Moves, picks, cancels; in search mode other keys edit the query; j/k move in a fixed list. */
static int picker_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct picker *p = sc->priv;
	int action = ev->action;

	if (action == 0 && !p->search && !ev->fn)
		action = ev->key == 'j' ? PK_DOWN : ev->key == 'k' ? PK_UP : ev->key == 'q' ? PK_CANCEL : 0;
	switch (action) {
	case PK_DOWN:
		p->sel = p->sel + 1 < p->n ? p->sel + 1 : p->sel;
		return UI_REDRAW;
	case PK_UP:
		p->sel = p->sel > 0 ? p->sel - 1 : 0;
		return UI_REDRAW;
	case PK_PGDN:
		p->sel = p->sel + 10 < p->n ? p->sel + 10 : (p->n ? p->n - 1 : 0);
		return UI_REDRAW;
	case PK_PGUP:
		p->sel = p->sel > 10 ? p->sel - 10 : 0;
		return UI_REDRAW;
	case PK_CANCEL:
		return UI_POP | UI_REDRAW;
	case PK_PICK:
		if (p->sel >= p->n)
			return UI_HANDLED;
		/* A box the callback opens goes above the picker; UI_POP then takes the picker out
		 * from under it. */
		p->done(ui, p->ctx, &p->list[p->sel]);
		return UI_POP | UI_REDRAW;
	}
	return p->search ? edit_query(ui, p, ev) : UI_HANDLED;
}

/* Frees the picker and its list. */
static void picker_free(struct screen *sc)
{
	struct picker *p = sc->priv;
	patient_list_free(&p->list, p->n);
	free(p->title);
	free(p->note);
	free(p->error);
	free(p);
}

const struct screen_ops ui_picker_screen = {
    .name = "picker",
    .init = picker_init,
    .draw = picker_draw,
    .key = picker_key,
    .free = picker_free,
    .keys = picker_keys,
    .overlay = true,
    .text_input = true,
};

void ui_pick_patient(struct ui *ui, const char *title, const char *note, struct patient *list, size_t n,
		     ui_pick_fn done, int64_t ctx)
{
	struct picker *p = xcalloc(1, sizeof *p);
	p->title = xstrdup(title ? title : "");
	p->note = xstrdup(note ? note : "");
	p->list = list;
	p->n = n;
	p->search = list == NULL;
	p->done = done;
	p->ctx = ctx;
	ui_push(ui, &ui_picker_screen, p);
}

/* ---- yes / no ---- */

struct confirm {
	char *title, *text;
	ui_confirm_fn yes;
	int64_t ctx;
};

static const struct keybinding confirm_keys[] = {
    {'y', false, PK_YES, "y", "yes", true}, {'Y', false, PK_YES, "Y", "yes", false},
    {'n', false, PK_NO, "n", "no", true},   {'N', false, PK_NO, "N", "no", false},
    {27, false, PK_NO, "Esc", "no", false}, {0},
};

/* Keeps the question. */
static int confirm_init(struct ui *ui, struct screen *sc, void *arg)
{
	sc->priv = arg;
	return 0;
}

/* Draws the question wrapped in a box, and the answer keys. */
static void confirm_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct confirm *c = sc->priv;
	struct text_buf b = {0};
	struct text_line *lines;
	int bw = cols > 76 ? 68 : cols - 6, y0, x0;

	text_from_utf8(&b, c->text, strlen(c->text), TEXT_KEEP_NEWLINES);
	size_t n = text_wrap(&b, bw - 4, &lines);
	if (rows > 8 && n > (size_t)rows - 8)
		n = (size_t)rows - 8;
	int h = (int)n + 5;
	ui_box(ui, w, rows, cols, h, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, c->title, bw - 4, ui_attr(ui, ST_TITLE), false);
	for (size_t i = 0; i < n; i++)
		text_draw(w, y0 + 2 + (int)i, x0 + 2, &b, lines[i].from, lines[i].to, bw - 4, A_NORMAL);
	text_put(w, y0 + h - 2, x0 + 2, "y yes · n no", bw - 4, ui_attr(ui, ST_MARK), false);
	free(lines);
	text_buf_free(&b);
}

/* y runs the action and closes; n and Esc only close. */
static int confirm_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct confirm *c = sc->priv;

	if (ev->action == PK_NO)
		return UI_POP | UI_REDRAW;
	if (ev->action != PK_YES)
		return UI_HANDLED;
	c->yes(ui, c->ctx); /* a box it opens stays: UI_POP takes only this one out */
	return UI_POP | UI_REDRAW;
}

/* Frees the question. */
static void confirm_free(struct screen *sc)
{
	struct confirm *c = sc->priv;
	free(c->title);
	free(c->text);
	free(c);
}

const struct screen_ops ui_confirm_screen = {
    .name = "confirm",
    .init = confirm_init,
    .draw = confirm_draw,
    .key = confirm_key,
    .free = confirm_free,
    .keys = confirm_keys,
    .overlay = true,
};

void ui_confirm(struct ui *ui, const char *title, const char *text, ui_confirm_fn yes, int64_t ctx)
{
	struct confirm *c = xcalloc(1, sizeof *c);
	c->title = xstrdup(title ? title : "");
	c->text = xstrdup(text ? text : "");
	c->yes = yes;
	c->ctx = ctx;
	ui_push(ui, &ui_confirm_screen, c);
}
