/* The reminders screen: upcoming reminders, what was sent, what waits for texting hours to
 * end, what was skipped (with the reason) and the patients' answers; "send reminder now"
 * for the selected appointment. Reads through the store, never draws from a key handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/phone.h"
#include "src/reminders.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

#define RM_HORIZON (7 * 86400) /* upcoming: the next seven days */
#define RM_LIMIT 500           /* rows per tab */

enum { RM_DOWN = 1, RM_UP, RM_NEXT_TAB, RM_PREV_TAB, RM_TAB1, RM_TAB2, RM_TAB3, RM_TAB4, RM_TAB5, RM_SEND,
       RM_REFRESH, RM_PLAN, RM_BACK };

static const struct keybinding reminders_keys[] = {
	{'j', false, RM_DOWN, "j/Down", "next row", true},
	{KEY_DOWN, true, RM_DOWN, "Down", "next row", false},
	{'k', false, RM_UP, "k/Up", "previous row", false},
	{KEY_UP, true, RM_UP, "Up", "previous row", false},
	{'\t', false, RM_NEXT_TAB, "Tab", "next list", true},
	{KEY_RIGHT, true, RM_NEXT_TAB, "Right", "next list", false},
	{KEY_BTAB, true, RM_PREV_TAB, "S-Tab", "previous list", false},
	{KEY_LEFT, true, RM_PREV_TAB, "Left", "previous list", false},
	{'1', false, RM_TAB1, "1", "upcoming", false},
	{'2', false, RM_TAB2, "2", "sent", false},
	{'3', false, RM_TAB3, "3", "waiting for texting hours to begin", false},
	{'4', false, RM_TAB4, "4", "skipped and failed, with the reason", false},
	{'5', false, RM_TAB5, "5", "patient responses", false},
	{'s', false, RM_SEND, "s", "send reminder now", true},
	{'g', false, RM_REFRESH, "g", "refresh", false},
	{'P', false, RM_PLAN, "P", "send plan: what the scheduler will send, and why not", false},
	{27, false, RM_BACK, "Esc/q", "back", true},
	{'q', false, RM_BACK, "q", "back", false},
	{0},
};

enum tab { TAB_UPCOMING, TAB_SENT, TAB_WAITING, TAB_SKIPPED, TAB_RESPONSES, TAB_COUNT };
static const char *const tab_names[TAB_COUNT] = {"Upcoming", "Sent", "Waiting", "Skipped", "Responses"};
static const enum reminder_view tab_views[TAB_COUNT] = {REMINDER_VIEW_ALL, REMINDER_VIEW_SENT, REMINDER_VIEW_WAITING,
							REMINDER_VIEW_SKIPPED, REMINDER_VIEW_RESPONSES};

struct rmview {
	enum tab tab;
	struct reminder_upcoming *up; /* TAB_UPCOMING */
	struct reminder_row *rows;    /* the other tabs */
	size_t n;
	size_t sel, top;
	struct reminder_counts counts;
	bool off; /* the location's automatic reminders are switched off */
	char *error;
};

/* Frees the loaded rows of whichever tab. */
static void clear_rows(struct rmview *v)
{
	reminder_upcoming_list_free(&v->up, v->n);
	reminder_row_list_free(&v->rows, v->n);
	v->n = 0;
}

/* Reads the current tab from the store. */
static void load(struct ui *ui, struct rmview *v)
{
	char *err = NULL;
	clear_rows(v);
	xfree(&v->error);
	/* rows follow their messages (delivered, failed) before they are listed */
	if (v->tab != TAB_UPCOMING && store_reminder_sync_messages(ui->store, NULL, &err) != 0)
		xfree(&err);
	int rc = v->tab == TAB_UPCOMING
			 ? reminders_upcoming(ui->store, ui->session.tenant_id, clock_now(), RM_HORIZON, &v->up, &v->n, &err)
			 : store_reminder_list(ui->store, ui->session.tenant_id, tab_views[v->tab], RM_LIMIT, &v->rows,
					       &v->n, &err);
	if (rc == 0)
		rc = store_reminder_counts(ui->store, ui->session.tenant_id, &v->counts, &err);
	struct tenant t = {0};
	if (rc == 0 && store_tenant_get(ui->store, ui->session.tenant_id, &t, NULL) == 0) {
		v->off = reminders_slots_off(t.reminder_slots);
		tenant_free(&t);
	}
	if (rc != 0)
		v->error = err ? err : xstrdup("cannot read the reminders");
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

/* Opens the screen on the upcoming list. */
static int reminders_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct rmview *v = xcalloc(1, sizeof *v);
	sc->priv = v;
	load(ui, v);
	ui_audit(ui, "reminders.view", 0, NULL, NULL);
	return 0;
}

/* The tab line: "[Upcoming] Sent 12  Waiting 1  Skipped 3  Responses 2". */
static void draw_tabs(struct ui *ui, struct rmview *v, WINDOW *w, int cols)
{
	int counts[TAB_COUNT] = {-1, v->counts.queued + v->counts.sent, v->counts.pending + v->counts.waiting,
				 v->counts.skipped + v->counts.failed, v->counts.responses};
	int x = 0;
	for (int i = 0; i < TAB_COUNT && x < cols; i++) {
		char label[48];
		if (counts[i] >= 0)
			snprintf(label, sizeof label, " %d %s %d ", i + 1, tab_names[i], counts[i]);
		else
			snprintf(label, sizeof label, " %d %s ", i + 1, tab_names[i]);
		x += text_put(w, 2, x, label, cols - x, ui_attr(ui, i == (int)v->tab ? ST_SELECTED : ST_DIM), false);
		x += text_put(w, 2, x, " ", cols - x, ui_attr(ui, ST_NORMAL), false);
	}
}

/* One column of a list: its heading and width (0: the rest of the line). */
struct rm_col {
	const char *head;
	int width;
};

enum { COL_APPT, COL_PATIENT, COL_MOBILE, COL_SLOT, COL_STATUS, COL_WHEN, COL_EXTRA, COL_COUNT };

/* The columns of the current tab for cols columns: the mobile only where there is room, so the
 * reason (the part people read) keeps some width at 80 columns. */
static void columns(const struct rmview *v, int cols, struct rm_col out[COL_COUNT])
{
	bool up = v->tab == TAB_UPCOMING;
	struct rm_col c[COL_COUNT] = {
		{"APPOINTMENT", 13},
		{"PATIENT", up ? 23 : 20},
		{"MOBILE", !up && cols >= 100 ? 15 : -1},
		{"SLOT", 7},
		{"STATUS", up ? -1 : 12},
		{up ? "NEXT REMINDER" : "WHEN", up ? 19 : 13},
		{up ? "NOTE" : v->tab == TAB_RESPONSES ? "RESPONSE" : "REASON", 0},
	};
	memcpy(out, c, sizeof c);
}

/* The cells of one row (malloc'd strings, NULL for a column not shown). */
static void row_cells(struct ui *ui, const struct rmview *v, size_t i, char *cell[COL_COUNT])
{
	char when[40], start[40], slot[16], mobile[32] = "-";

	memset(cell, 0, COL_COUNT * sizeof *cell);
	if (v->tab == TAB_UPCOMING) {
		const struct reminder_upcoming *u = &v->up[i];
		ui_time(ui, u->starts_at, start, sizeof start);
		ui_time(ui, u->due_at, when, sizeof when);
		reminders_format_slot(u->slot_minutes, slot, sizeof slot);
		cell[COL_APPT] = xstrdup(start);
		cell[COL_PATIENT] = xstrdup(u->patient_name ? u->patient_name : "");
		/* reminders off: no slot and no due time, only "send reminder now" */
		cell[COL_SLOT] = xstrdup(u->slot_minutes == 0 ? "-" : slot);
		cell[COL_WHEN] = u->due_at > 0 ? xasprintf("due %s", when) : xstrdup("-");
		cell[COL_EXTRA] = xstrdup(u->note ? u->note : "");
		return;
	}
	const struct reminder_row *r = &v->rows[i];
	ui_time(ui, r->starts_at, start, sizeof start);
	ui_time(ui, v->tab == TAB_RESPONSES ? r->r.response_at : r->r.sent_at ? r->r.sent_at : r->r.due_at, when,
		sizeof when);
	reminders_format_slot(r->r.slot_minutes, slot, sizeof slot);
	if (r->mobile != NULL)
		phone_mask(r->mobile, mobile, sizeof mobile);
	cell[COL_APPT] = xstrdup(start);
	cell[COL_PATIENT] = xstrdup(r->patient_name ? r->patient_name : "");
	cell[COL_MOBILE] = xstrdup(mobile);
	cell[COL_SLOT] = xstrdup(slot);
	cell[COL_STATUS] = xstrdup(reminders_row_status(r));
	cell[COL_WHEN] = xstrdup(when);
	cell[COL_EXTRA] = v->tab == TAB_RESPONSES ? xstrdup(r->r.response ? r->r.response : "") : reminders_row_reason(r);
	if (cell[COL_EXTRA] == NULL)
		cell[COL_EXTRA] = xstrdup("");
}

/* True when the row's message did not reach the patient (shown in the error colour). */
static bool row_failed(const struct reminder_row *r)
{
	const char *st = reminders_row_status(r);
	return strcmp(st, "failed") == 0 || strcmp(st, "undelivered") == 0 || strcmp(st, "canceled") == 0;
}

/* Draws cells (or headings when cell is NULL) in their columns, by display width so names
 * in any script line up. */
static void draw_cells(WINDOW *w, int y, int cols, const struct rm_col col[COL_COUNT], char *const *cell,
		       attr_t attr)
{
	int x = 0;
	for (int k = 0; k < COL_COUNT && x < cols; k++) {
		if (col[k].width < 0)
			continue;
		int cw = col[k].width == 0 || x + col[k].width > cols ? cols - x : col[k].width;
		const char *s = cell ? cell[k] : col[k].head;
		text_put(w, y, x, s ? s : "", cw - (k == COL_EXTRA ? 0 : 1), attr, true);
		if (k != COL_EXTRA)
			mvwaddch(w, y, x + cw - 1, ' ');
		x += cw;
	}
	wattrset(w, A_NORMAL);
}

/* The selected row's note, reason or response in full (it is cut in its column). */
static void draw_detail(struct ui *ui, const struct rmview *v, WINDOW *w, int y, int cols)
{
	char *reason = v->tab != TAB_UPCOMING && v->tab != TAB_RESPONSES ? reminders_row_reason(&v->rows[v->sel]) : NULL;
	const char *extra = v->tab == TAB_UPCOMING ? v->up[v->sel].note
			    : v->tab == TAB_RESPONSES  ? v->rows[v->sel].r.response
						       : reason;
	const char *name = v->tab == TAB_UPCOMING ? v->up[v->sel].patient_name : v->rows[v->sel].patient_name;
	if (extra != NULL && extra[0] != '\0') {
		char *s = xasprintf("%s: %s", name ? name : "", extra);
		text_put_wrap(w, y, 1, s, cols - 2, 2, ui_attr(ui, ST_WARN));
		free(s);
	}
	free(reason);
}

/* Draws the tabs, the column heads and the rows. */
static void reminders_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct rmview *v = sc->priv;
	struct rm_col col[COL_COUNT];
	int x = text_put(w, 0, 0, "Reminders", cols, ui_attr(ui, ST_TITLE), false);
	if (v->off)
		text_put(w, 0, x + 3, "Automatic reminders are off for this location", cols - x - 3, ui_attr(ui, ST_WARN),
			 false);
	else if (ui->reminders_warn != NULL) /* due rows below would otherwise look as if they will go */
		text_put(w, 0, x + 3, ui->reminders_warn, cols - x - 3, ui_attr(ui, ST_ERROR), false);
	ui_rule(ui, w, 1, cols);
	draw_tabs(ui, v, w, cols);
	if (v->error != NULL) {
		text_put(w, 4, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	columns(v, cols, col);
	draw_cells(w, 3, cols, col, NULL, ui_attr(ui, ST_DIM));
	if (v->n == 0) {
		text_put(w, 4, 0, v->tab == TAB_UPCOMING ? "(no reminders due in the next 7 days)" : "(none)", cols,
			 ui_attr(ui, ST_DIM), false);
		return;
	}
	int list_rows = rows - 7 > 1 ? rows - 7 : 1; /* two lines stay for the selected row's reason */
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)list_rows)
		v->top = v->sel - (size_t)list_rows + 1;
	for (int i = 0; i < list_rows && v->top + (size_t)i < v->n; i++) {
		size_t k = v->top + (size_t)i;
		char *cell[COL_COUNT];
		bool sel = k == v->sel;
		enum ui_style st = sel ? ST_SELECTED : ST_NORMAL;
		if (!sel && v->tab != TAB_UPCOMING && row_failed(&v->rows[k]))
			st = ST_ERROR;
		else if (!sel && v->tab == TAB_UPCOMING && v->up[k].note != NULL)
			st = ST_WARN;
		row_cells(ui, v, k, cell);
		draw_cells(w, 4 + i, cols, col, cell, ui_attr(ui, st));
		for (int c = 0; c < COL_COUNT; c++)
			free(cell[c]);
	}
	if (v->n > v->top + (size_t)list_rows)
		text_put(w, 4 + list_rows, cols - 8, ui_sym("more \xE2\x86\x93", "more v"), 8, ui_attr(ui, ST_DIM), false);
	draw_detail(ui, v, w, rows - 2, cols);
}

/* The appointment of the selected row, 0 when none. */
static int64_t selected_appt(const struct rmview *v)
{
	if (v->n == 0)
		return 0;
	return v->tab == TAB_UPCOMING ? v->up[v->sel].appointment_id : v->rows[v->sel].r.appointment_id;
}

/* "Send reminder now" for the selected appointment; a refusal is explained, never hidden. */
static int send_now(struct ui *ui, struct rmview *v)
{
	int64_t appt = selected_appt(v);
	if (appt == 0) {
		ui_flash(ui, "No appointment selected.");
		return UI_REDRAW;
	}
	char *err = NULL;
	int64_t msg = 0;
	int rc = reminders_send_now(ui->store, appt, ui->session.username ? ui->session.username : "console", &msg, &err);
	if (rc == 0) {
		ui_flash(ui, "Reminder queued for appointment %lld (message %lld).", (long long)appt, (long long)msg);
		free(err);
		return UI_RELOAD | UI_SYNC_NOW | UI_REDRAW;
	}
	ui_message(ui, "Reminder not sent", err ? err : "store error");
	free(err);
	return UI_REDRAW;
}

/* Switches to tab t. */
static void set_tab(struct ui *ui, struct rmview *v, int t)
{
	v->tab = (enum tab)((t + TAB_COUNT) % TAB_COUNT);
	v->sel = v->top = 0;
	load(ui, v);
}

/* Moves, switches tabs, or sends. */
static int reminders_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct rmview *v = sc->priv;
	switch (ev->action) {
	case RM_BACK: return UI_POP | UI_REDRAW;
	case RM_DOWN:
		if (v->sel + 1 < v->n)
			v->sel++;
		return UI_REDRAW;
	case RM_UP:
		if (v->sel > 0)
			v->sel--;
		return UI_REDRAW;
	case RM_NEXT_TAB: set_tab(ui, v, (int)v->tab + 1); return UI_REDRAW;
	case RM_PREV_TAB: set_tab(ui, v, (int)v->tab - 1); return UI_REDRAW;
	case RM_TAB1:
	case RM_TAB2:
	case RM_TAB3:
	case RM_TAB4:
	case RM_TAB5: set_tab(ui, v, ev->action - RM_TAB1); return UI_REDRAW;
	case RM_SEND: return send_now(ui, v);
	case RM_REFRESH: load(ui, v); return UI_REDRAW;
	case RM_PLAN: ui_push(ui, &ui_plan_screen, NULL); return UI_REDRAW;
	}
	return UI_HANDLED;
}

/* Re-reads after a sync or a change elsewhere. */
static void reminders_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

/* Frees the view. */
static void reminders_free(struct screen *sc)
{
	struct rmview *v = sc->priv;
	if (v == NULL)
		return;
	clear_rows(v);
	free(v->error);
	free(v);
}

const struct screen_ops ui_reminders_screen = {
	.name = "reminders",
	.init = reminders_init,
	.draw = reminders_draw,
	.key = reminders_key,
	.reload = reminders_reload,
	.free = reminders_free,
	.keys = reminders_keys,
};
