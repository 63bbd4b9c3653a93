/* The send plan screen: what `smsdesk plan` prints, for the current location: every reminder
 * the scheduler will send in the coming hours (when, which slot, which appointment) and every
 * appointment in that window that gets none, with the reason. Read-only (src/plan.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/plan.h"
#include "src/reminders.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { PL_DOWN = 1, PL_UP, PL_PGDN, PL_PGUP, PL_HOME, PL_HORIZON, PL_REFRESH, PL_BACK };

static const struct keybinding plan_keys[] = {
	{'j', false, PL_DOWN, "j/Down", "next row", true},
	{KEY_DOWN, true, PL_DOWN, "Down", "next row", false},
	{'k', false, PL_UP, "k/Up", "previous row", false},
	{KEY_UP, true, PL_UP, "Up", "previous row", false},
	{KEY_NPAGE, true, PL_PGDN, "PgDn", "next page", false},
	{KEY_PPAGE, true, PL_PGUP, "PgUp", "previous page", false},
	{KEY_HOME, true, PL_HOME, "Home", "first row", false},
	{'\t', false, PL_HORIZON, "Tab", "window: 24 hours, 2 days, 7 days", true},
	{'g', false, PL_REFRESH, "g", "refresh", true},
	{27, false, PL_BACK, "Esc/q", "back", true},
	{'q', false, PL_BACK, "q", "back", false},
	{0},
};

/* The windows Tab steps through. */
static const struct {
	int64_t seconds;
	const char *words;
} horizons[] = {{86400, "24 hours"}, {2 * 86400, "2 days"}, {7 * 86400, "7 days"}};
#define PL_NHORIZONS (sizeof(horizons) / sizeof(horizons[0]))

struct planview {
	struct plan_item *items;
	size_t n, planned; /* rows; of them, messages that will go */
	size_t sel, top;
	int page;          /* list rows from the last draw */
	size_t horizon;    /* index into horizons[] */
	char *error;
};

/* Reads the plan of the current location from the store. */
static void load(struct ui *ui, struct planview *v)
{
	char *err = NULL;
	plan_list_free(&v->items, v->n);
	v->n = v->planned = 0;
	xfree(&v->error);
	if (plan_build(ui->store, ui->session.tenant_id, clock_now(), horizons[v->horizon].seconds, &v->items, &v->n,
		       &err) != 0) {
		v->error = err ? err : xstrdup("cannot read the send plan");
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		v->planned += v->items[i].send_at != 0;
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

/* Opens the screen on the next 24 hours. */
static int plan_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct planview *v = xcalloc(1, sizeof *v);
	sc->priv = v;
	load(ui, v);
	ui_audit(ui, "plan.view", 0, NULL, NULL);
	return 0;
}

enum { COL_SEND, COL_SLOT, COL_APPT, COL_PATIENT, COL_NOTE, COL_COUNT };
static const struct {
	const char *head;
	int width; /* 0: the rest of the line */
} cols_def[COL_COUNT] = {{"SEND AT", 14}, {"SLOT", 6}, {"APPOINTMENT", 14}, {"PATIENT", 22}, {"NOTE", 0}};

/* The cells of row i (malloc'd). A row that sends nothing says "none: " and the reason. */
static void row_cells(struct ui *ui, const struct plan_item *p, char *cell[COL_COUNT])
{
	char when[40] = "-", start[40], slot[16] = "-";
	if (p->send_at != 0)
		ui_time(ui, p->send_at, when, sizeof when);
	if (p->slot_minutes > 0)
		reminders_format_slot(p->slot_minutes, slot, sizeof slot);
	ui_time(ui, p->starts_at, start, sizeof start);
	cell[COL_SEND] = xstrdup(when);
	cell[COL_SLOT] = xstrdup(slot);
	cell[COL_APPT] = xstrdup(start);
	cell[COL_PATIENT] = xstrdup(p->patient_name ? p->patient_name : "");
	if (p->send_at == 0)
		cell[COL_NOTE] = xasprintf("none: %s", p->reason ? p->reason : "");
	else
		cell[COL_NOTE] = xstrdup(p->reason ? p->reason : "will send");
}

/* Draws cells (or the headings when cell is NULL) in their columns, by display width. */
static void draw_cells(WINDOW *w, int y, int cols, char *const *cell, attr_t attr)
{
	int x = 0;
	for (int k = 0; k < COL_COUNT && x < cols; k++) {
		int cw = cols_def[k].width == 0 || x + cols_def[k].width > cols ? cols - x : cols_def[k].width;
		const char *s = cell ? cell[k] : cols_def[k].head;
		bool last = k == COL_COUNT - 1;
		text_put(w, y, x, s ? s : "", cw - (last ? 0 : 1), attr, true);
		if (!last)
			mvwaddch(w, y, x + cw - 1, ' ');
		x += cw;
	}
	wattrset(w, A_NORMAL);
}

/* The title line: the window, the location and the counts. */
static void draw_title(struct ui *ui, const struct planview *v, WINDOW *w, int cols)
{
	char *title = xasprintf("Send plan %s next %s", ui_sym("\xE2\x80\x94", "-"), horizons[v->horizon].words);
	int x = text_put(w, 0, 0, title, cols, ui_attr(ui, ST_TITLE), false);
	free(title);
	char *counts = xasprintf("%s: %zu to send, %zu without", ui->session.tenant_name ? ui->session.tenant_name : "?",
				 v->planned, v->n - v->planned);
	text_put(w, 0, x + 3, counts, cols - x - 3, ui_attr(ui, ST_DIM), false);
	free(counts);
}

/* The selected row's patient and note in full (the note is cut in its column). */
static void draw_detail(struct ui *ui, const struct planview *v, WINDOW *w, int y, int cols)
{
	const struct plan_item *p = &v->items[v->sel];
	const char *name = p->patient_name ? p->patient_name : "", *src = p->from_ehr ? " (from the EHR)" : "";
	char *s = p->send_at == 0 ? xasprintf("%s%s: no reminder: %s", name, src, p->reason ? p->reason : "")
				  : xasprintf("%s%s: %s", name, src, p->reason ? p->reason : "the reminder will be sent at that time");
	text_put_wrap(w, y, 1, s, cols - 2, 2, ui_attr(ui, p->send_at == 0 ? ST_WARN : ST_DIM));
	free(s);
}

/* Draws the title, the column heads, the rows and the selected row's note. */
static void plan_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct planview *v = sc->priv;
	draw_title(ui, v, w, cols);
	ui_rule(ui, w, 1, cols);
	if (v->error != NULL) {
		text_put(w, 3, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	draw_cells(w, 2, cols, NULL, ui_attr(ui, ST_DIM));
	if (v->n == 0) {
		text_put(w, 3, 0, "(nothing to send and no appointment in this window)", cols, ui_attr(ui, ST_DIM), false);
		return;
	}
	int list_rows = rows - 6 > 1 ? rows - 6 : 1; /* two lines stay for the selected row's note */
	v->page = list_rows;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)list_rows)
		v->top = v->sel - (size_t)list_rows + 1;
	for (int i = 0; i < list_rows && v->top + (size_t)i < v->n; i++) {
		size_t k = v->top + (size_t)i;
		char *cell[COL_COUNT];
		enum ui_style st = k == v->sel ? ST_SELECTED : v->items[k].send_at == 0 ? ST_WARN : ST_NORMAL;
		row_cells(ui, &v->items[k], cell);
		draw_cells(w, 3 + i, cols, cell, ui_attr(ui, st));
		for (int c = 0; c < COL_COUNT; c++)
			free(cell[c]);
	}
	if (v->n > v->top + (size_t)list_rows)
		text_put(w, 3 + list_rows, cols - 8, ui_sym("more \xE2\x86\x93", "more v"), 8, ui_attr(ui, ST_DIM), false);
	draw_detail(ui, v, w, rows - 2, cols);
}

/* Moves the selection by d rows, within the list. */
static void move_sel(struct planview *v, long d)
{
	if (v->n == 0)
		return;
	long s = (long)v->sel + d;
	v->sel = s < 0 ? 0 : (size_t)s >= v->n ? v->n - 1 : (size_t)s;
}

/* Scrolls, changes the window, refreshes or goes back. */
static int plan_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct planview *v = sc->priv;
	long page = v->page > 1 ? v->page : 1;
	switch (ev->action) {
	case PL_BACK: return UI_POP | UI_REDRAW;
	case PL_DOWN: move_sel(v, 1); return UI_REDRAW;
	case PL_UP: move_sel(v, -1); return UI_REDRAW;
	case PL_PGDN: move_sel(v, page); return UI_REDRAW;
	case PL_PGUP: move_sel(v, -page); return UI_REDRAW;
	case PL_HOME: v->sel = 0; return UI_REDRAW;
	case PL_HORIZON:
		v->horizon = (v->horizon + 1) % PL_NHORIZONS;
		v->sel = v->top = 0;
		load(ui, v);
		return UI_REDRAW;
	case PL_REFRESH: load(ui, v); return UI_REDRAW;
	}
	return UI_HANDLED;
}

/* Re-reads after a sync or a change elsewhere (a reminder sent leaves the plan). */
static void plan_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

/* Frees the view. */
static void plan_free(struct screen *sc)
{
	struct planview *v = sc->priv;
	if (v == NULL)
		return;
	plan_list_free(&v->items, v->n);
	free(v->error);
	free(v);
}

const struct screen_ops ui_plan_screen = {
	.name = "send plan",
	.init = plan_init,
	.draw = plan_draw,
	.key = plan_key,
	.reload = plan_reload,
	.free = plan_free,
	.keys = plan_keys,
};
