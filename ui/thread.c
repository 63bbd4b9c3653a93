/* One conversation: messages oldest first, wrapped, with times in the clinic's zone,
 * direction, delivery state and Twilio's error text; opening it marks it read. */
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"
#include "ui/thread_actions.h"
#include "ui/thread_media.h"
#include "ui/desk_ui.h"

#define THREAD_FIRST_LOAD 200

enum { TA_DOWN = 1, TA_UP, TA_PGDN, TA_PGUP, TA_TOP, TA_BOTTOM, TA_REPLY, TA_PATIENT, TA_BACK, TA_OLDER,
       TA_CHOOSE, TA_OPTOUT, TA_DONE, TA_PHOTO };

static const struct keybinding thread_keys[] = {
	{'j', false, TA_DOWN, "j/Down", "scroll down", false},
	{KEY_DOWN, true, TA_DOWN, "Down", "scroll down", false},
	{'k', false, TA_UP, "k/Up", "scroll up", true},
	{KEY_UP, true, TA_UP, "Up", "scroll up", false},
	{KEY_NPAGE, true, TA_PGDN, "PgDn", "page down", false},
	{' ', false, TA_PGDN, "Space", "page down", false},
	{KEY_PPAGE, true, TA_PGUP, "PgUp", "page up", false},
	{'g', false, TA_TOP, "g/Home", "oldest shown", false},
	{KEY_HOME, true, TA_TOP, "g/Home", "oldest shown", false},
	{'G', false, TA_BOTTOM, "G/End", "newest", false},
	{KEY_END, true, TA_BOTTOM, "G/End", "newest", false},
	{'r', false, TA_REPLY, "r", "reply", true},
	{'c', false, TA_REPLY, "c", "compose", false},
	{'p', false, TA_PATIENT, "p", "patient & consent", true},
	{'o', false, TA_OLDER, "o", "load older messages", false},
	{'P', false, TA_CHOOSE, "P", "choose the patient (shared phone, unknown sender)", false},
	{'O', false, TA_OPTOUT, "O", "opt this number out (flagged thread)", false},
	{'D', false, TA_DONE, "D", "done: clear the thread's flag", false},
	{'v', false, TA_PHOTO, "v", "open or save a photo (MMS)", false},
	{'n', false, UI_DESK_NOTE, "n", "add a note (staff only)", true},
	{'N', false, UI_DESK_NOTES, "N", "all notes", false},
	{'a', false, UI_DESK_ASSIGN, "a", "assign (me, front desk, a user)", false},
	{'u', false, UI_DESK_UNREAD, "u", "mark unread and go back", false},
	{'e', false, UI_DESK_ARCHIVE, "e", "archive (done) and go back", false},
	{'C', false, UI_DESK_CONFIRM, "C", "confirm the next appointment", false},
	{'R', false, UI_DESK_RESCHED, "R", "next appointment: reschedule requested", false},
	{'X', false, UI_DESK_CANCEL, "X", "cancel the next appointment", false},
	{'L', false, UI_DESK_LATER_CANCEL, "L", "cancel the scheduled (send later) message", false},
	{27, false, TA_BACK, "Esc/q", "back", true},
	{'q', false, TA_BACK, "q", "back", false},
	{KEY_LEFT, true, TA_BACK, "Left", "back", false},
	{0},
};

/* A staff member who sent a message of the thread, by name (who wrote what matters when a
 * patient answers "who is this?"). */
struct sender {
	int64_t id;
	char *name;
};

struct tview {
	int64_t id;
	struct sms_thread t;
	struct sms_message *msgs;
	size_t n, limit;
	bool opted_out;
	char *people; /* names sharing the number (thread_actions.c), NULL when one or none */
	struct sender *senders; /* staff who wrote the loaded messages */
	size_t nsenders;
	struct sms_media *media; /* photos of the thread's messages (by message, idx) */
	size_t nmedia;
	struct ui_photo_cache art; /* the photos drawn (symbols or pixels), kept across reloads */
	struct ui_desk_thread *desk; /* appointments, notes, assignee (desk_thread.c) */
	int scroll; /* lines up from the newest */
	int page, total_lines;
	char *error;
};

/* Frees the sender names. */
static void senders_free(struct tview *v)
{
	for (size_t i = 0; i < v->nsenders; i++)
		free(v->senders[i].name);
	free(v->senders);
	v->senders = NULL;
	v->nsenders = 0;
}

/* The name of staff user id: the full name, else the username, else "staff #id" (removed). */
static const char *sender_name(const struct tview *v, int64_t id)
{
	for (size_t i = 0; i < v->nsenders; i++)
		if (v->senders[i].id == id)
			return v->senders[i].name;
	return "staff";
}

/* Looks up each staff member who sent one of the loaded messages, once. */
static void senders_load(struct ui *ui, struct tview *v)
{
	senders_free(v);
	for (size_t i = 0; i < v->n; i++) {
		int64_t id = v->msgs[i].sent_by;
		bool known = id == 0;
		for (size_t k = 0; k < v->nsenders && !known; k++)
			known = v->senders[k].id == id;
		if (known)
			continue;
		struct user u = {0};
		char *name = NULL;
		if (store_user_get(ui->store, id, &u, NULL) == 0) {
			name = xstrdup(u.display_name && u.display_name[0] ? u.display_name : u.username);
			user_free(&u);
		} else {
			name = xasprintf("staff #%lld", (long long)id);
		}
		v->senders = xrealloc(v->senders, (v->nsenders + 1) * sizeof *v->senders);
		v->senders[v->nsenders++] = (struct sender){id, name};
	}
}

/* Reads the thread and its newest messages. */
static void load(struct ui *ui, struct tview *v)
{
	char *err = NULL;

	sms_thread_free(&v->t);
	memset(&v->t, 0, sizeof v->t);
	sms_message_list_free(&v->msgs, v->n);
	v->msgs = NULL;
	v->n = 0;
	xfree(&v->error);
	xfree(&v->people);
	if (store_thread_get(ui->store, v->id, &v->t, &err) != 0 ||
	    store_msg_list_thread(ui->store, v->id, v->limit, &v->msgs, &v->n, &err) != 0 ||
	    store_number_opted_out(ui->store, ui->session.tenant_id, v->t.phone, &v->opted_out, &err) != 0) {
		v->error = err ? err : xstrdup("thread not found");
		return;
	}
	v->people = ui_thread_people(ui, &v->t);
	senders_load(ui, v);
	sms_media_list_free(&v->media, v->nmedia);
	v->nmedia = 0;
	if (store_media_list_thread(ui->store, v->id, &v->media, &v->nmedia, &err) != 0) {
		v->error = err;
		return;
	}
	ui_media_art_update(ui, &v->art, v->media, v->nmedia, v->t.patient_id);
	ui_desk_thread_free(&v->desk);
	v->desk = ui_desk_thread_load(ui, v->id);
	if (v->t.unread_count > 0 && store_thread_mark_read(ui->store, v->id, &err) != 0) {
		v->error = err;
		return;
	}
	v->t.unread_count = 0;
}

/* Opens a thread: marks it read and writes thread.open to the audit log. */
static int thread_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct tview *v = xcalloc(1, sizeof *v);
	char target[32];

	v->id = *(int64_t *)arg;
	v->limit = THREAD_FIRST_LOAD;
	sc->priv = v;
	load(ui, v);
	snprintf(target, sizeof target, "thread %lld", (long long)v->id);
	ui_audit(ui, "thread.open", v->t.patient_id, target, NULL);
	ui_reload(ui); /* the inbox and the unread count change */
	return 0;
}

/* Words for a message type that is not plain conversation, or NULL. */
static const char *type_mark(const char *type)
{
	static const struct {
		const char *type, *mark;
	} marks[] = {
		{"auto_reply", "[auto-reply]"},	   {"reminder", "[reminder]"},
		{"optout_confirm", "[opt-out reply]"}, {"optin_confirm", "[opt-in reply]"},
		{"help", "[help reply]"},	   {"campaign", "[campaign]"},
	};
	for (size_t i = 0; type && i < sizeof marks / sizeof marks[0]; i++)
		if (strcmp(type, marks[i].type) == 0)
			return marks[i].mark;
	return NULL;
}

/* The header line of a message: time, who, type, state (error words for failures). */
static char *msg_header(struct ui *ui, const struct tview *v, const struct sms_message *m, enum ui_style *st)
{
	char when[32];
	const char *dot = ui_sym(" \xC2\xB7 ", " | ");
	const char *mark = type_mark(m->message_type);
	bool in = m->direction && strcmp(m->direction, "inbound") == 0;

	ui_time(ui, m->created_at, when, sizeof when);
	*st = ST_DIM;
	if (in)
		return xasprintf("%s %s%s%s", ui_sym("\xE2\x86\x90", "<"),
				 v->t.patient_name ? v->t.patient_name : "patient", dot, when);
	const char *who = m->sent_by ? sender_name(v, m->sent_by) : "automatic";
	if (m->status && (strcmp(m->status, "failed") == 0 || strcmp(m->status, "undelivered") == 0)) {
		char code[24] = "";
		*st = ST_ERROR;
		if (m->error_code)
			snprintf(code, sizeof code, " %d", m->error_code);
		return xasprintf("%s %s%s%s%s%s%s: %s", ui_sym("\xE2\x86\x92", ">"), when, dot, mark ? mark : who, dot,
				 m->status, code, m->error_message ? m->error_message : "no reason given");
	}
	if (m->status && strcmp(m->status, "delivered") == 0)
		*st = ST_OK;
	return xasprintf("%s %s%s%s%s%s", ui_sym("\xE2\x86\x92", ">"), when, dot, mark ? mark : who, dot,
			 m->status ? m->status : "?");
}

/* Lays out and draws the messages bottom-aligned, honouring the scroll offset. */
static void draw_messages(struct ui *ui, struct tview *v, WINDOW *w, int top, int rows, int cols)
{
	int body_w = cols - 12;
	/* Count lines first (wrap every message once), then draw the window that is visible. */
	struct text_buf *bufs = xcalloc(v->n ? v->n : 1, sizeof *bufs);
	struct text_line **lines = xcalloc(v->n ? v->n : 1, sizeof *lines);
	size_t *nl = xcalloc(v->n ? v->n : 1, sizeof *nl);
	int total = 0;

	for (size_t i = 0; i < v->n; i++) {
		text_from_utf8(&bufs[i], v->msgs[i].body, v->msgs[i].body ? strlen(v->msgs[i].body) : 0,
			       TEXT_KEEP_NEWLINES);
		nl[i] = text_wrap(&bufs[i], body_w, &lines[i]);
		size_t first_media;
		size_t nm = ui_media_of(v->media, v->nmedia, v->msgs[i].id, &first_media);
		total += (int)nl[i] + 2 + (int)nm;
		for (size_t k = 0; k < nm; k++)
			total += ui_media_art_lines(ui_media_art_of(&v->art, v->media[first_media + k].id));
	}
	v->total_lines = total;
	v->page = rows;
	if (v->scroll > total - rows)
		v->scroll = total - rows > 0 ? total - rows : 0;
	int first = total - rows - v->scroll; /* index of the first visible line */
	if (first < 0)
		first = 0;
	int line = 0, y = top;
	for (size_t i = 0; i < v->n && y < top + rows; i++) {
		bool in = v->msgs[i].direction && strcmp(v->msgs[i].direction, "inbound") == 0;
		int indent = in ? 1 : 10;
		enum ui_style st;
		if (line++ >= first) {
			char *h = msg_header(ui, v, &v->msgs[i], &st);
			text_put(w, y++, indent, h, cols - indent - 1, ui_attr(ui, st), false);
			free(h);
		}
		for (size_t k = 0; k < nl[i] && y < top + rows; k++)
			if (line++ >= first)
				text_draw(w, y++, indent + 2, &bufs[i], lines[i][k].from, lines[i][k].to, body_w, A_NORMAL);
		size_t m0 = 0, nm = ui_media_of(v->media, v->nmedia, v->msgs[i].id, &m0);
		for (size_t k = 0; k < nm && y < top + rows; k++) {
			char label[400];
			enum ui_style ms;
			ui_media_line(&v->media[m0 + k], label, sizeof label, &ms);
			if (line++ >= first)
				text_put(w, y++, indent + 2, label, body_w, ui_attr(ui, ms), false);
			const struct ui_photo_art *a = ui_media_art_of(&v->art, v->media[m0 + k].id);
			int an = ui_media_art_lines(a);
			for (int r = 0; r < an && y < top + rows; r++)
				if (line++ >= first) {
					ui_media_art_draw(ui, w, a, r, y, indent + 4, body_w - 2, y + an <= top + rows);
					y++;
				}
		}
		if (line++ >= first)
			y++;
	}
	for (size_t i = 0; i < v->n; i++) {
		free(lines[i]);
		text_buf_free(&bufs[i]);
	}
	free(lines);
	free(bufs);
	free(nl);
}

/* Draws the thread. */
static void thread_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct tview *v = sc->priv;
	char num[64];

	if (v->error != NULL) {
		text_put(w, 0, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	phone_display(v->t.phone, num, sizeof num);
	char *head = xasprintf("%s  %s", ui_thread_who(&v->t), num);
	int x = text_put(w, 0, 0, head, cols - 30, ui_attr(ui, ST_TITLE), false);
	if (v->opted_out)
		x += 2 + text_put(w, 0, x + 2, "OPTED OUT", 12, ui_attr(ui, ST_ERROR), false);
	/* An opted-out thread may still need staff ("cancel appointment? ... still booked"). */
	if (v->t.needs_action && cols - x - 3 > 0)
		text_put(w, 0, x + 2, v->t.action_reason ? v->t.action_reason : "needs action", cols - x - 3,
			 ui_attr(ui, ST_WARN), false);
	if (v->n == v->limit)
		text_put(w, 0, cols - 18, "o: older messages", 18, ui_attr(ui, ST_DIM), false);
	int banner = ui_thread_banner(ui, w, 1, cols, &v->t, v->people, v->opted_out);
	ui_rule(ui, w, 1 + banner, cols);
	banner += ui_desk_thread_draw(ui, w, 2 + banner, cols, v->desk); /* under the rule: the header stays put */
	free(head);
	if (v->n == 0) {
		text_put(w, 3 + banner, 2, "No messages yet. Press r to write one.", cols - 4, ui_attr(ui, ST_DIM), false);
		return;
	}
	draw_messages(ui, v, w, 2 + banner, rows - 2 - banner, cols);
}

/* Handles thread keys. */
static int thread_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct tview *v = sc->priv;
	int64_t id = v->id, pid = v->t.patient_id;

	switch (ev->action) {
	case TA_DOWN: v->scroll = v->scroll > 0 ? v->scroll - 1 : 0; return UI_REDRAW;
	case TA_UP: v->scroll++; return UI_REDRAW; /* clamped when drawn */
	case TA_PGDN: v->scroll = v->scroll > v->page ? v->scroll - v->page : 0; return UI_REDRAW;
	case TA_PGUP: v->scroll += v->page; return UI_REDRAW;
	case TA_TOP: v->scroll = v->total_lines; return UI_REDRAW;
	case TA_BOTTOM: v->scroll = 0; return UI_REDRAW;
	case TA_OLDER: v->limit *= 2; load(ui, v); return UI_REDRAW;
	case TA_REPLY: ui_push(ui, &ui_compose_screen, &id); return UI_REDRAW;
	case TA_PATIENT:
		if (pid == 0)
			ui_message(ui, "Patient", "This number is not linked to one patient (unknown sender or a shared family phone). Press P to choose the patient.");
		else
			ui_push(ui, &ui_patient_screen, &pid);
		return UI_REDRAW;
	case TA_CHOOSE: return ui_thread_choose(ui, &v->t);
	case TA_OPTOUT: return ui_thread_optout(ui, &v->t, v->opted_out);
	case TA_DONE: return ui_thread_done(ui, &v->t);
	case TA_PHOTO: return ui_media_save(ui, v->media, v->nmedia);
	case TA_BACK: return UI_POP | UI_REDRAW;
	}
	if (ev->action >= UI_DESK_NOTE)
		return ui_desk_thread_key(ui, v->desk, ev->action);
	return UI_HANDLED;
}

/* Re-reads after a sync: new messages and delivery states. */
static void thread_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

/* Frees the view. */
static void thread_free(struct screen *sc)
{
	struct tview *v = sc->priv;
	sms_thread_free(&v->t);
	sms_message_list_free(&v->msgs, v->n);
	free(v->error);
	free(v->people);
	senders_free(v);
	sms_media_list_free(&v->media, v->nmedia);
	ui_media_art_free(&v->art);
	ui_desk_thread_free(&v->desk);
	free(v);
}

const struct screen_ops ui_thread_screen = {
	.name = "thread",
	.init = thread_init,
	.draw = thread_draw,
	.key = thread_key,
	.reload = thread_reload,
	.free = thread_free,
	.keys = thread_keys,
};
