/* The front desk's two work lanes: H, replies to a reminder that triage could not read (with
 * the patient's next appointment beside each; one key settles it), and F, messages that did
 * not reach the patient, grouped by cause in plain words (one key logs the follow-up). Both
 * lists empty as they are handled. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/desk.h"
#include "src/failures.h"
#include "src/phone.h"
#include "src/template.h"
#include "src/util.h"
#include "ui/desk_ui.h"
#include "ui/text.h"

enum { LA_DOWN = 1, LA_UP, LA_OPEN, LA_BACK, LA_CONFIRM, LA_RESCHED, LA_CANCEL, LA_NOTAPPT, LA_CALLED, LA_WRONG,
       LA_VOICEMAIL, LA_DISMISS };

static const struct keybinding lane_keys[] = {
	{'j', false, LA_DOWN, "j/Down", "next reply", false},
	{KEY_DOWN, true, LA_DOWN, "Down", "next reply", false},
	{'k', false, LA_UP, "k/Up", "previous reply", false},
	{KEY_UP, true, LA_UP, "Up", "previous reply", false},
	{'c', false, LA_CONFIRM, "c", "confirm", true},
	{'r', false, LA_RESCHED, "r", "reschedule", true},
	{'x', false, LA_CANCEL, "x", "cancel", true},
	{'n', false, LA_NOTAPPT, "n", "not about the appointment", true},
	{'\r', false, LA_OPEN, "Enter", "open the thread", false},
	{'\n', false, LA_OPEN, "Enter", "open the thread", false},
	{KEY_ENTER, true, LA_OPEN, "Enter", "open the thread", false},
	{27, false, LA_BACK, "Esc/q", "back", true},
	{'q', false, LA_BACK, "q", "back", false},
	{0},
};

static const struct keybinding worklist_keys[] = {
	{'j', false, LA_DOWN, "j/Down", "next message", false},
	{KEY_DOWN, true, LA_DOWN, "Down", "next message", false},
	{'k', false, LA_UP, "k/Up", "previous message", false},
	{KEY_UP, true, LA_UP, "Up", "previous message", false},
	{'c', false, LA_CALLED, "c", "called", true},
	{'w', false, LA_WRONG, "w", "wrong number", true},
	{'v', false, LA_VOICEMAIL, "v", "voicemail", true},
	{'d', false, LA_DISMISS, "d", "nothing to do", false},
	{'\r', false, LA_OPEN, "Enter", "open the thread", false},
	{'\n', false, LA_OPEN, "Enter", "open the thread", false},
	{KEY_ENTER, true, LA_OPEN, "Enter", "open the thread", false},
	{27, false, LA_BACK, "Esc/q", "back", true},
	{'q', false, LA_BACK, "q", "back", false},
	{0},
};

/* One entry of the needs-human lane. */
struct lane_item {
	struct sms_thread t;
	char *reply;     /* the message triage could not read */
	char *next;      /* "Tue, Dec 8 9:00 AM · Dr. Park · scheduled", or NULL */
};

struct lanes {
	bool worklist;   /* which of the two screens */
	struct lane_item *items;
	struct failed_delivery *fails;
	size_t n, sel;
	size_t *order;   /* worklist: entries by category, then newest first */
	char *error;
};

struct desk_actor ui_desk_actor(const struct ui *ui)
{
	return (struct desk_actor){.user_id = ui->session.user_id,
				   .username = ui->session.username ? ui->session.username : "staff",
				   .admin = ui->session.role != NULL && strcmp(ui->session.role, "admin") == 0};
}

char *ui_desk_appt_words(const struct ui *ui, const struct appointment *a)
{
	char day[32], time[32];
	const char *tz = ui->session.tenant_tz;
	template_format_date(a->starts_at, tz, day, sizeof day);
	template_format_time(a->starts_at, tz, time, sizeof time);
	const char *st = strcmp(a->status, "reschedule_requested") == 0 ? "reschedule requested" : a->status;
	return xasprintf("%s %s %s %s %s %s", day, time, ui_sym("\xC2\xB7", "|"), a->provider, ui_sym("\xC2\xB7", "|"),
			 st);
}

void ui_desk_counts(struct ui *ui, int *lane, int *failed)
{
	struct failed_delivery *f = NULL;
	size_t n = 0;
	*lane = *failed = 0;
	store_thread_count(ui->store, ui->session.tenant_id, THREAD_FILTER_NEEDS_HUMAN, 0, lane, NULL);
	if (store_worklist_list(ui->store, ui->session.tenant_id, clock_now() - 30 * 86400LL, 500, &f, &n, NULL) == 0)
		*failed = (int)n;
	failed_delivery_list_free(&f, n);
}

int ui_desk_archive_toggle(struct ui *ui, const struct sms_thread *t)
{
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	bool done = t->archived_at == 0;
	if (desk_archive(ui->store, &a, t->id, done, &err) != 0) {
		ui_message(ui, "Archive", err ? err : "store error");
		free(err);
		return UI_REDRAW;
	}
	ui_flash(ui, "%s", done ? "Archived (done). z shows the archive." : "Reopened.");
	return UI_RELOAD | UI_REDRAW;
}

/* Frees what the lists hold. */
static void lanes_clear(struct lanes *l)
{
	for (size_t i = 0; l->items != NULL && i < l->n; i++) {
		sms_thread_free(&l->items[i].t);
		free(l->items[i].reply);
		free(l->items[i].next);
	}
	free(l->items);
	l->items = NULL;
	failed_delivery_list_free(&l->fails, l->worklist ? l->n : 0);
	free(l->order);
	l->order = NULL;
	l->n = 0;
	xfree(&l->error);
}

/* Reads the needs-human lane: each thread, the reply, the next appointment. */
static int lane_load(struct ui *ui, struct lanes *l, char **err)
{
	struct thread_query q = {.filter = THREAD_FILTER_NEEDS_HUMAN, .limit = 200};
	struct sms_thread *ts = NULL;
	if (store_thread_query(ui->store, ui->session.tenant_id, &q, &ts, &l->n, err) != 0)
		return -1;
	l->items = xcalloc(l->n ? l->n : 1, sizeof *l->items);
	for (size_t i = 0; i < l->n; i++) {
		struct lane_item *it = &l->items[i];
		struct sms_message m = {0};
		struct appointment *next = NULL;
		size_t nn = 0;
		it->t = ts[i];
		if (store_msg_get(ui->store, it->t.triage_message_id, &m, NULL) == 0)
			it->reply = xstrdup(m.body ? m.body : "");
		sms_message_free(&m);
		if (desk_next_appointments(ui->store, it->t.id, clock_now(), 1, &next, &nn, NULL) == 0 && nn > 0)
			it->next = ui_desk_appt_words(ui, &next[0]);
		appointment_list_free(&next, nn);
	}
	free(ts);
	return 0;
}

/* Reads the failed deliveries of the last 30 days and orders them by category. */
static int worklist_load(struct ui *ui, struct lanes *l, char **err)
{
	if (store_worklist_list(ui->store, ui->session.tenant_id, clock_now() - 30 * 86400LL, 500, &l->fails, &l->n,
				err) != 0)
		return -1;
	l->order = xcalloc(l->n ? l->n : 1, sizeof *l->order);
	size_t k = 0;
	for (int c = 0; c < FAIL_N; c++)
		for (size_t i = 0; i < l->n; i++)
			if (failures_category(l->fails[i].error_code) == (enum failure_cat)c)
				l->order[k++] = i;
	return 0;
}

/* (Re)reads the screen's list, keeping the selection in range. */
static void lanes_load(struct ui *ui, struct lanes *l)
{
	char *err = NULL;
	lanes_clear(l);
	if ((l->worklist ? worklist_load(ui, l, &err) : lane_load(ui, l, &err)) != 0)
		l->error = err ? err : xstrdup("store error");
	if (l->sel >= l->n)
		l->sel = l->n ? l->n - 1 : 0;
}

/* Opens either screen; arg non-NULL means the worklist. */
static int lanes_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct lanes *l = xcalloc(1, sizeof *l);
	l->worklist = arg != NULL;
	sc->priv = l;
	lanes_load(ui, l);
	ui_audit(ui, l->worklist ? "worklist.open" : "lane.open", 0, NULL, NULL);
	return 0;
}

/* The title row: name, location, how many are left. */
static void draw_head(struct ui *ui, WINDOW *w, int cols, const char *name, size_t n, const char *what)
{
	char *head = xasprintf("%s %s %s", name, ui_sym("\xE2\x80\x94", "-"), ui->session.tenant_name);
	text_put(w, 0, 0, head, cols / 2 + 10, ui_attr(ui, ST_TITLE), false);
	char *right = xasprintf("%zu %s", n, what);
	int rw = text_width(right);
	text_put(w, 0, cols - rw, right, rw, ui_attr(ui, ST_DIM), false);
	ui_rule(ui, w, 1, cols);
	free(right);
	free(head);
}

/* Draws the needs-human lane: three rows per reply. */
static void lane_draw(struct ui *ui, struct lanes *l, WINDOW *w, int rows, int cols)
{
	draw_head(ui, w, cols, "Needs a person", l->n, l->n == 1 ? "reply to read" : "replies to read");
	if (l->n == 0) {
		text_put(w, 3, 2, "Nothing waits: every reply to a reminder was read.", cols - 4, ui_attr(ui, ST_DIM), false);
		return;
	}
	int per = 3, fit = (rows - 2) / per;
	size_t first = l->sel >= (size_t)fit ? l->sel - (size_t)fit + 1 : 0;
	for (size_t i = first; i < l->n && (int)(i - first) < fit; i++) {
		const struct lane_item *it = &l->items[i];
		int y = 2 + (int)(i - first) * per;
		attr_t a = i == l->sel ? ui_attr(ui, ST_SELECTED) : A_BOLD;
		wattrset(w, a);
		mvwhline(w, y, 0, ' ', cols);
		char num[40];
		phone_display(it->t.phone, num, sizeof num);
		text_put(w, y, 1, it->t.patient_name ? it->t.patient_name : num, 26, a, false);
		char *next = xasprintf("next: %s", it->next ? it->next : "no upcoming appointment");
		text_put(w, y, 28, next, cols - 29, i == l->sel ? a : ui_attr(ui, it->next ? ST_NORMAL : ST_DIM), false);
		wattrset(w, A_NORMAL);
		char *quote = xasprintf("%s %s", ui_sym("\xE2\x86\x90", "<"), it->reply ? it->reply : "");
		text_put(w, y + 1, 3, quote, cols - 4, ui_attr(ui, ST_WARN), false);
		free(quote);
		free(next);
	}
}

/* Draws the worklist: a header per cause, then its messages. */
static void worklist_draw(struct ui *ui, struct lanes *l, WINDOW *w, int rows, int cols)
{
	draw_head(ui, w, cols, "Failed deliveries", l->n, "to follow up");
	if (l->n == 0) {
		text_put(w, 3, 2, "Nothing to follow up: every message was delivered or handled.", cols - 4,
			 ui_attr(ui, ST_DIM), false);
		return;
	}
	/* Lay out rows (headers and entries) and scroll so the selection shows. */
	int y = 2, sel_row = 0, row = 0;
	for (size_t k = 0; k < l->n; k++) {
		enum failure_cat c = failures_category(l->fails[l->order[k]].error_code);
		if (k == 0 || c != failures_category(l->fails[l->order[k - 1]].error_code))
			row++;
		if (k == l->sel)
			sel_row = row;
		row++;
	}
	int skip = sel_row >= rows - 3 ? sel_row - (rows - 3) + 1 : 0;
	row = 0;
	for (size_t k = 0; k < l->n && y < rows; k++) {
		const struct failed_delivery *f = &l->fails[l->order[k]];
		enum failure_cat c = failures_category(f->error_code);
		if ((k == 0 || c != failures_category(l->fails[l->order[k - 1]].error_code)) && row++ >= skip) {
			char *h = xasprintf("%s %s %s", failures_title(c), ui_sym("\xE2\x80\x94", "-"), failures_hint(c));
			text_put(w, y++, 0, h, cols, ui_attr(ui, ST_WARN), false);
			free(h);
		}
		if (row++ < skip || y >= rows)
			continue;
		char lost[96], num[40], when[32];
		failures_lost(f, ui->session.tenant_tz, lost, sizeof lost);
		phone_display(f->to_number, num, sizeof num);
		ui_time(ui, f->created_at, when, sizeof when);
		attr_t a = k == l->sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL;
		wattrset(w, a);
		mvwhline(w, y, 0, ' ', cols);
		text_put(w, y, 2, f->patient_name ? f->patient_name : "(unknown)", 18, a, false);
		text_put(w, y, 21, num, 14, a, false);
		char *what = xasprintf("%s %s %s", lost, ui_sym("\xC2\xB7", "|"), when);
		text_put(w, y, 36, what, cols - 37, a, false);
		wattrset(w, A_NORMAL);
		free(what);
		y++;
	}
}

/* Draws the screen. */
static void lanes_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct lanes *l = sc->priv;
	if (l->error != NULL) {
		text_put(w, 0, 0, l->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	if (l->worklist)
		worklist_draw(ui, l, w, rows, cols);
	else
		lane_draw(ui, l, w, rows, cols);
}

/* The wrong-number prompt's answer: the patient's right mobile. */
static void wrong_done(struct ui *ui, void *arg, const char *text)
{
	int64_t msg = (int64_t)(intptr_t)arg;
	if (text == NULL || text[0] == '\0')
		return;
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_followup(ui->store, &a, ui->session.tenant_id, msg, "wrong_number", text, &err) != 0)
		ui_message(ui, "Wrong number", err ? err : "store error");
	else
		ui_flash(ui, "Mobile number updated; follow-up logged.");
	free(err);
	ui_reload(ui);
}

/* Logs one follow-up of the selected failed message. */
static int worklist_act(struct ui *ui, struct lanes *l, int action)
{
	const struct failed_delivery *f = &l->fails[l->order[l->sel]];
	if (action == LA_WRONG) {
		ui_prompt(ui, "Right mobile number for this patient:", NULL, wrong_done, (void *)(intptr_t)f->message_id);
		return UI_REDRAW;
	}
	const char *outcome = action == LA_CALLED ? "called" : action == LA_VOICEMAIL ? "voicemail" : "dismissed";
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_followup(ui->store, &a, ui->session.tenant_id, f->message_id, outcome, NULL, &err) != 0)
		ui_message(ui, "Follow-up", err ? err : "store error");
	else
		ui_flash(ui, "Logged: %s.", outcome);
	free(err);
	return UI_RELOAD | UI_REDRAW;
}

/* Settles the selected reply of the lane. */
static int lane_act(struct ui *ui, struct lanes *l, int action)
{
	enum desk_resolution r = action == LA_CONFIRM ? DESK_CONFIRM
				 : action == LA_RESCHED ? DESK_RESCHEDULE
				 : action == LA_CANCEL	? DESK_CANCEL
							: DESK_NOT_APPT;
	static const char *const done[] = {"Appointment confirmed.", "Marked: reschedule requested.",
					   "Appointment cancelled.", "Taken out of the lane."};
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_resolve(ui->store, &a, l->items[l->sel].t.id, r, &err) != 0)
		ui_message(ui, "Needs a person", err ? err : "store error");
	else
		ui_flash(ui, "%s", done[r]);
	free(err);
	return UI_RELOAD | UI_REDRAW;
}

/* Handles the keys of either screen. */
static int lanes_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct lanes *l = sc->priv;
	if (ev->action == LA_BACK)
		return UI_POP | UI_REDRAW;
	if (l->n == 0)
		return UI_HANDLED;
	switch (ev->action) {
	case LA_DOWN: l->sel = l->sel + 1 < l->n ? l->sel + 1 : l->sel; return UI_REDRAW;
	case LA_UP: l->sel = l->sel > 0 ? l->sel - 1 : 0; return UI_REDRAW;
	case LA_OPEN: {
		int64_t id = l->worklist ? l->fails[l->order[l->sel]].thread_id : l->items[l->sel].t.id;
		if (id != 0)
			ui_push(ui, &ui_thread_screen, &id);
		return UI_REDRAW;
	}
	case LA_CONFIRM: case LA_RESCHED: case LA_CANCEL: case LA_NOTAPPT:
		return l->worklist ? UI_HANDLED : lane_act(ui, l, ev->action);
	case LA_CALLED: case LA_WRONG: case LA_VOICEMAIL: case LA_DISMISS:
		return l->worklist ? worklist_act(ui, l, ev->action) : UI_HANDLED;
	}
	return UI_HANDLED;
}

/* Re-reads after a change or a sync. */
static void lanes_reload(struct ui *ui, struct screen *sc)
{
	lanes_load(ui, sc->priv);
}

/* Frees the screen. */
static void lanes_free(struct screen *sc)
{
	struct lanes *l = sc->priv;
	lanes_clear(l);
	free(l);
}

const struct screen_ops ui_lane_screen = {
	.name = "needs a person",
	.init = lanes_init,
	.draw = lanes_draw,
	.key = lanes_key,
	.reload = lanes_reload,
	.free = lanes_free,
	.keys = lane_keys,
};

const struct screen_ops ui_worklist_screen = {
	.name = "failed deliveries",
	.init = lanes_init,
	.draw = lanes_draw,
	.key = lanes_key,
	.reload = lanes_reload,
	.free = lanes_free,
	.keys = worklist_keys,
};
