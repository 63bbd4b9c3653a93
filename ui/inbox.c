/* The inbox: threads by last activity, one page read from the store at a time (so a
 * database of a million messages opens as fast as an empty one). */
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"
#include "ui/auth_ui.h"
#include "ui/picker.h"

#define COMPOSE_PICK_MAX 200 /* patients listed when a name in To: matches several */
#include "ui/desk_ui.h"

enum { IA_DOWN = 1, IA_UP, IA_PGDN, IA_PGUP, IA_HOME, IA_OPEN, IA_SEARCH, IA_UNREAD, IA_ACTION, IA_COMPOSE, IA_REPLY,
       IA_CLEAR, IA_QUIT, IA_SYNC, IA_REMINDERS, IA_KEYWORDS, IA_LOCATION, IA_SETTINGS, IA_AUDIT, IA_LANE,
       IA_WORKLIST, IA_MINE, IA_ARCHIVED, IA_ARCHIVE, IA_PLAN, IA_CAMPAIGNS, IA_FILLER, IA_STATS };

static const struct keybinding inbox_keys[] = {
	{'j', false, IA_DOWN, "j/Down", "next thread", false},
	{KEY_DOWN, true, IA_DOWN, "Down", "next thread", false},
	{'k', false, IA_UP, "k/Up", "previous thread", false},
	{KEY_UP, true, IA_UP, "Up", "previous thread", false},
	{KEY_NPAGE, true, IA_PGDN, "PgDn", "next page", false},
	{KEY_PPAGE, true, IA_PGUP, "PgUp", "previous page", false},
	{KEY_HOME, true, IA_HOME, "Home/g", "first thread", false},
	{'g', false, IA_HOME, "Home/g", "first thread", false},
	{'\r', false, IA_OPEN, "Enter", "open", true},
	{'\n', false, IA_OPEN, "Enter", "open", false},
	{KEY_ENTER, true, IA_OPEN, "Enter", "open", false},
	{'r', false, IA_REPLY, "r", "reply", true},
	{'c', false, IA_COMPOSE, "c", "compose", true},
	{'/', false, IA_SEARCH, "/", "search", true},
	{'u', false, IA_UNREAD, "u", "unread only", true},
	{'a', false, IA_ACTION, "a", "needs action", true},
	{'H', false, IA_LANE, "H", "replies that need a person", true},
	{'F', false, IA_WORKLIST, "F", "failed deliveries to follow up", true},
	{'m', false, IA_MINE, "m", "mine only (assigned to me)", false},
	{'z', false, IA_ARCHIVED, "z", "the archive (done threads)", false},
	{'e', false, IA_ARCHIVE, "e", "archive the thread (done) / reopen it", false},
	{'s', false, IA_SYNC, "s", "sync now", false},
	{'R', false, IA_REMINDERS, "R", "reminders", true},
	{'P', false, IA_PLAN, "P", "send plan: what the scheduler will send, and why not", false},
	{'M', false, IA_CAMPAIGNS, "M", "campaigns and recalls", false},
	{'W', false, IA_FILLER, "W", "cancelled visits offered to the waitlist", false},
	{'T', false, IA_STATS, "T", "analytics: rates by week, no-shows, campaigns", false},
	{'K', false, IA_KEYWORDS, "K", "keyword replies (admins)", false},
	{'L', false, IA_LOCATION, "L", "switch location", true},
	{'S', false, IA_SETTINGS, "S", "settings (admins)", false},
	{'A', false, IA_AUDIT, "A", "audit log (admins)", false},
	{27, false, IA_CLEAR, "Esc", "clear search and filters", false},
	{'q', false, IA_QUIT, "q", "quit", true},
	{0},
};

struct inbox {
	struct sms_thread *rows;
	size_t n;       /* rows loaded, from offset */
	size_t offset;  /* index of the first loaded (and shown) thread */
	size_t sel;     /* absolute index of the selected thread */
	int64_t sel_id; /* the selected thread: the selection follows it, not the row number */
	int page;       /* thread rows that fit, from the last draw */
	bool more;      /* threads after the loaded page */
	unsigned filter;
	char *query;
	char *error;
	int lane, failed; /* H and F counts, for the title */
};

/* How load() places the selection. */
enum inbox_follow {
	FOLLOW_INDEX,   /* keep sel (the user moved it) */
	FOLLOW_THREAD,  /* find sel_id again; when it left the list keep the row number */
	FOLLOW_OR_TOP,  /* find sel_id again; when it is not in the (new) list start at the top */
};

/* Puts sel where the selected thread now stands (a reply or an inbound message re-sorts the
 * list under the cursor; a filter or a search changes what comes before it). */
static void find_selected(struct ui *ui, struct inbox *in, enum inbox_follow how)
{
	size_t pos = 0;
	bool found = false;
	char *err = NULL;

	if (how == FOLLOW_INDEX || in->sel_id == 0)
		return;
	struct thread_query q = {.filter = in->filter, .query = in->query, .user_id = ui->session.user_id};
	if (store_thread_query_position(ui->store, ui->session.tenant_id, &q, in->sel_id, &pos, &found, &err) != 0) {
		free(err); /* the page read below reports the store's trouble */
		return;
	}
	if (found)
		in->sel = pos;
	else if (how == FOLLOW_OR_TOP)
		in->sel = 0;
}

static unsigned long page_reads;

unsigned long ui_inbox_page_reads(void)
{
	return page_reads;
}

/* Reads the page holding the selection (and one more row to know whether there is more). */
static void load(struct ui *ui, struct inbox *in, enum inbox_follow how)
{
	char *err = NULL;
	size_t want = (size_t)(in->page > 0 ? in->page : 40);

	page_reads++;
	find_selected(ui, in, how);
	if (in->sel < in->offset)
		in->offset = in->sel;
	if (in->sel >= in->offset + want)
		in->offset = in->sel - want + 1;
	sms_thread_list_free(&in->rows, in->n);
	in->rows = NULL;
	in->n = 0;
	xfree(&in->error);
	struct thread_query q = {.filter = in->filter, .query = in->query, .user_id = ui->session.user_id,
				 .offset = in->offset, .limit = want + 1};
	if (store_thread_query(ui->store, ui->session.tenant_id, &q, &in->rows, &in->n, &err) != 0) {
		in->error = err;
		return;
	}
	in->more = in->n > want;
	if (in->n == 0 && in->offset > 0) { /* the list shrank under us */
		in->offset = in->sel = 0;
		load(ui, in, FOLLOW_INDEX);
		return;
	}
	if (in->sel >= in->offset + in->n)
		in->sel = in->n ? in->offset + in->n - 1 : in->offset;
	in->sel_id = in->n ? in->rows[in->sel - in->offset].id : 0;
}

/* Opens the inbox. */
static int inbox_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct inbox *in = xcalloc(1, sizeof *in);
	in->page = 40;
	sc->priv = in;
	ui_desk_counts(ui, &in->lane, &in->failed); /* on open and reload, not on every move */
	load(ui, in, FOLLOW_INDEX);
	return 0;
}

/* The name to show for a thread: the patient, or the number masked. */
static char *thread_label(const struct sms_thread *t)
{
	char masked[64];

	phone_mask(t->phone, masked, sizeof masked);
	if (t->patient_name != NULL && t->patient_count <= 1)
		return xstrdup(t->patient_name);
	if (t->patient_name != NULL)
		return xasprintf("%s +%d", t->patient_name, t->patient_count - 1);
	if (t->patient_count > 1)
		return xasprintf("%s (%d patients)", masked, t->patient_count);
	return xstrdup(masked);
}

/* Draws one thread row. */
static void draw_row(struct ui *ui, WINDOW *w, int y, int cols, const struct sms_thread *t, bool selected)
{
	char when[32], count[16] = "";
	attr_t base = selected ? ui_attr(ui, ST_SELECTED) : A_NORMAL;
	attr_t name_attr = t->unread_count > 0 ? (base | A_BOLD) : base;
	int name_w = 24, state_w = 11, time_w = 12;
	int prev_w = cols - 2 - name_w - 6 - state_w - time_w;
	char *label = thread_label(t);

	wattrset(w, base);
	mvwhline(w, y, 0, ' ', cols);
	if (t->unread_count > 0) {
		text_put(w, y, 0, ui_sym("\xE2\x97\x8F", "*"), 1, selected ? base : ui_attr(ui, ST_UNREAD), false);
		snprintf(count, sizeof count, "(%d)", t->unread_count > 999 ? 999 : t->unread_count);
	} else if (t->needs_action) {
		text_put(w, y, 0, "!", 1, selected ? base : ui_attr(ui, ST_WARN), false);
	}
	text_put(w, y, 2, label, name_w - 1, name_attr, false);
	text_put(w, y, 2 + name_w, count, 6, selected ? base : (ui_attr(ui, ST_UNREAD)), false);
	/* the delivery state belongs to our last message: next to a patient's words it misleads */
	bool ours = t->last_direction && strcmp(t->last_direction, "outbound") == 0;
	const char *st = ours && t->last_outbound_status ? t->last_outbound_status : "";
	bool flagged = !ours && t->needs_action && t->action_reason != NULL;
	if (flagged) /* what staff must decide, where the delivery state would be */
		st = strcmp(t->action_reason, "possible opt-out") == 0 ? "opt-out?"
		     : strncmp(t->action_reason, "reschedule", 10) == 0 ? "call back"
		     : strncmp(t->action_reason, "appointment cancelled", 21) == 0 ? "cancelled"
		     : strncmp(t->action_reason, "cancel appointment?", 19) == 0 ? "cancel?"
									   : "action";
	char *preview = xasprintf("%s%s", ours ? "You: " : "", t->last_body ? t->last_body : "");
	text_put(w, y, 2 + name_w + 6, preview, prev_w - 1 + (st[0] ? 0 : state_w), base, false);
	enum ui_style sst = flagged ? ST_WARN
			    : strcmp(st, "failed") == 0 || strcmp(st, "undelivered") == 0 ? ST_ERROR
			    : strcmp(st, "delivered") == 0				      ? ST_OK
											      : ST_DIM;
	text_put(w, y, cols - state_w - time_w, st, state_w - 1, selected ? base : ui_attr(ui, sst), false);
	ui_time(ui, t->last_message_at, when, sizeof when);
	text_put(w, y, cols - time_w + (time_w - 1 - text_width(when)), when, time_w - 1, base, false);
	wattrset(w, A_NORMAL);
	free(preview);
	free(label);
}

/* Draws the inbox page. */
static void inbox_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct inbox *in = sc->priv;
	char head[256];
	char f[80];
	snprintf(f, sizeof f, "%s%s%s%s", in->filter & THREAD_FILTER_ARCHIVED ? ", archive" : "",
		 in->filter & THREAD_FILTER_UNREAD ? ", unread" : "", in->filter & THREAD_FILTER_ACTION ? ", needs action" : "",
		 in->filter & THREAD_FILTER_MINE ? ", mine" : "");
	if (f[0] == '\0')
		snprintf(f, sizeof f, ", all");

	in->page = rows - 3 > 1 ? rows - 3 : 1;
	snprintf(head, sizeof head, "Inbox %s %s", ui_sym("\xE2\x80\x94", "-"), ui->session.tenant_name);
	int hx = text_put(w, 0, 0, head, cols / 2 - 16, ui_attr(ui, ST_TITLE), false);
	char lanes[40];
	snprintf(lanes, sizeof lanes, " H:%d F:%d", in->lane, in->failed);
	text_put(w, 0, hx, lanes, 16, ui_attr(ui, in->lane + in->failed ? ST_WARN : ST_DIM), false);
	char *right = in->query ? xasprintf("search \"%s\" %s %s", in->query, ui_sym("\xC2\xB7", "|"), f + 2)
				: xasprintf("showing %s", f + 2);
	int rw = text_width(right);
	if (rw > cols / 2 - 1)
		rw = cols / 2 - 1;
	text_put(w, 0, cols - rw, right, rw, ui_attr(ui, ST_DIM), false);
	free(right);
	ui_rule(ui, w, 1, cols);
	if (in->error != NULL) {
		text_put(w, 2, 0, in->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	if (in->n == 0) {
		text_put(w, 3, 2, in->query || in->filter ? "No threads match." : "No conversations yet. Press c to write one.",
			 cols - 4, ui_attr(ui, ST_DIM), false);
		return;
	}
	for (size_t i = 0; i < in->n && (int)i < in->page; i++)
		draw_row(ui, w, 2 + (int)i, cols, &in->rows[i], in->offset + i == in->sel);
	if (in->more)
		text_put(w, rows - 1, cols - 8, ui_sym("more \xE2\x86\x93", "more v"), 8, ui_attr(ui, ST_DIM), false);
}

/* The selected thread, or NULL. */
static const struct sms_thread *selected(const struct inbox *in)
{
	if (in->sel < in->offset || in->sel - in->offset >= in->n)
		return NULL;
	return &in->rows[in->sel - in->offset];
}

/* Search prompt result. */
static void search_done(struct ui *ui, void *arg, const char *text)
{
	struct inbox *in = arg;

	if (text == NULL)
		return;
	xfree(&in->query);
	if (text[0] != '\0')
		in->query = xstrdup(text);
	load(ui, in, FOLLOW_OR_TOP);
	ui->dirty_main = true;
}

/* Opens compose for the thread of a number. */
static void compose_to_number(struct ui *ui, const char *e164)
{
	char *err = NULL;
	int64_t tid = 0;

	if (store_thread_for_phone(ui->store, ui->session.tenant_id, e164, &tid, &err) != 0) {
		ui_message(ui, "Compose", err ? err : "store error");
		free(err);
		return;
	}
	ui_push(ui, &ui_compose_screen, &tid);
}

/* The patient chosen from the list of several that matched. */
static void compose_pick_done(struct ui *ui, int64_t ctx, const struct patient *p)
{
	(void)ctx;
	if (p->mobile == NULL) {
		ui_message(ui, "Compose", "That patient has no mobile number on file.");
		return;
	}
	compose_to_number(ui, p->mobile);
}

/* Opens compose for a patient or number typed at the prompt; several matches open a list. */
static void compose_to_done(struct ui *ui, void *arg, const char *text)
{
	char e164[PHONE_E164_MAX], *err = NULL;
	struct patient *p = NULL;
	size_t n = 0;

	if (text == NULL || text[0] == '\0')
		return;
	if (phone_to_e164(text, e164, NULL) != 0) {
		if (store_patient_search(ui->store, ui->session.tenant_id, text, COMPOSE_PICK_MAX, &p, &n, &err) != 0)
			goto fail;
		if (n > 1) { /* a list to choose from, not "type more" */
			ui_pick_patient(ui, "Several patients match", "Choose who to write to (Enter), or Esc.", p, n,
					compose_pick_done, 0);
			return; /* the picker took the list */
		}
		if (n == 0 || p[0].mobile == NULL) {
			ui_message(ui, "Compose", n == 0 ? "No patient matches that name or number."
							 : "That patient has no mobile number on file.");
			goto out;
		}
		snprintf(e164, sizeof e164, "%s", p[0].mobile);
	}
	compose_to_number(ui, e164);
	goto out;
fail:
	ui_message(ui, "Compose", err ? err : "store error");
out:
	patient_list_free(&p, n);
	free(err);
}

/* Moves the selection by delta within what exists. */
static void move_sel(struct ui *ui, struct inbox *in, long delta)
{
	long target = (long)in->sel + delta;
	if (target < 0)
		target = 0;
	size_t last_loaded = in->offset + (in->n ? in->n - 1 : 0);
	if ((size_t)target > last_loaded && !in->more)
		target = (long)last_loaded;
	in->sel = (size_t)target;
	load(ui, in, FOLLOW_INDEX); /* cheap: one page */
}

/* Handles the inbox keys. */
static int inbox_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct inbox *in = sc->priv;
	const struct sms_thread *t = selected(in);

	switch (ev->action) {
	case IA_DOWN: move_sel(ui, in, 1); return UI_REDRAW;
	case IA_UP: move_sel(ui, in, -1); return UI_REDRAW;
	case IA_PGDN: move_sel(ui, in, in->page); return UI_REDRAW;
	case IA_PGUP: move_sel(ui, in, -in->page); return UI_REDRAW;
	case IA_HOME: in->sel = 0; load(ui, in, FOLLOW_INDEX); return UI_REDRAW;
	case IA_OPEN:
		if (t != NULL) {
			int64_t id = t->id;
			ui_push(ui, &ui_thread_screen, &id);
		}
		return UI_REDRAW;
	case IA_REPLY:
		if (t != NULL) {
			int64_t id = t->id;
			ui_push(ui, &ui_compose_screen, &id);
		}
		return UI_REDRAW;
	case IA_COMPOSE: ui_prompt(ui, "To (patient name or mobile number):", NULL, compose_to_done, NULL); return UI_REDRAW;
	case IA_SEARCH: ui_prompt(ui, "Search names, numbers and messages:", NULL, search_done, in); return UI_REDRAW;
	case IA_UNREAD: in->filter ^= THREAD_FILTER_UNREAD; load(ui, in, FOLLOW_OR_TOP); return UI_REDRAW;
	case IA_ACTION: in->filter ^= THREAD_FILTER_ACTION; load(ui, in, FOLLOW_OR_TOP); return UI_REDRAW;
	case IA_CLEAR: xfree(&in->query); in->filter = 0; load(ui, in, FOLLOW_OR_TOP); return UI_REDRAW;
	case IA_MINE: in->filter ^= THREAD_FILTER_MINE; load(ui, in, FOLLOW_OR_TOP); return UI_REDRAW;
	case IA_ARCHIVED: in->filter ^= THREAD_FILTER_ARCHIVED; load(ui, in, FOLLOW_OR_TOP); return UI_REDRAW;
	case IA_ARCHIVE: return t == NULL ? UI_HANDLED : ui_desk_archive_toggle(ui, t);
	case IA_LANE: ui_push(ui, &ui_lane_screen, NULL); return UI_REDRAW;
	case IA_WORKLIST: ui_push(ui, &ui_worklist_screen, ui); return UI_REDRAW;
	case IA_SYNC: ui_flash(ui, "syncing..."); return UI_SYNC_NOW;
	case IA_REMINDERS: ui_push(ui, &ui_reminders_screen, NULL); return UI_REDRAW;
	case IA_PLAN: ui_push(ui, &ui_plan_screen, NULL); return UI_REDRAW;
	case IA_CAMPAIGNS: ui_push(ui, &ui_campaigns_screen, NULL); return UI_REDRAW;
	case IA_FILLER: ui_push(ui, &ui_filler_screen, NULL); return UI_REDRAW;
	case IA_STATS: ui_push(ui, &ui_stats_screen, NULL); return UI_REDRAW;
	case IA_KEYWORDS: ui_push(ui, &ui_autoresp_screen, NULL); return UI_REDRAW;
	case IA_LOCATION: ui_locations_open(ui); return UI_REDRAW;
	case IA_SETTINGS: ui_settings_open(ui); return UI_REDRAW;
	case IA_AUDIT: ui_audit_open(ui); return UI_REDRAW;
	case IA_QUIT: return UI_QUIT;
	}
	return UI_HANDLED;
}

/* Re-reads the page after a sync or a change elsewhere. */
static void inbox_reload(struct ui *ui, struct screen *sc)
{
	struct inbox *in = sc->priv;
	ui_desk_counts(ui, &in->lane, &in->failed);
	load(ui, in, FOLLOW_THREAD);
}

/* Frees the inbox. */
static void inbox_free(struct screen *sc)
{
	struct inbox *in = sc->priv;
	sms_thread_list_free(&in->rows, in->n);
	free(in->query);
	free(in->error);
	free(in);
}

const struct screen_ops ui_inbox_screen = {
	.name = "inbox",
	.init = inbox_init,
	.draw = inbox_draw,
	.key = inbox_key,
	.reload = inbox_reload,
	.free = inbox_free,
	.keys = inbox_keys,
};
