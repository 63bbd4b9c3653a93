/* Compose and review: a multi-line UTF-8 editor of code points with a live encoding /
 * segments / cost counter, then a review step that queues through the one send path. */
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/phone.h"
#include "src/quiet.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"
#include "ui/compose_media.h"
#include "ui/screen.h"
#include "ui/text.h"
#include "ui/thread_actions.h"
#include "ui/desk_ui.h"

#define EDIT_MAX 4000 /* code points; the counter and the send path enforce 1,600 */
#define CONTEXT_MSGS 2   /* inbound messages shown above the editor when replying */
#define CONTEXT_LINES 3  /* at most this many lines of them */
#define CONTEXT_SCAN 20  /* newest messages of the thread looked at to find them */

enum { CA_LEFT = 1, CA_RIGHT, CA_UP, CA_DOWN, CA_HOME, CA_END, CA_BS, CA_DEL, CA_NEWLINE, CA_REVIEW, CA_CANCEL, CA_SEND,
       CA_CANNED, CA_LATER, CA_ATTACH };

static const struct keybinding compose_keys[] = {
	{24, false, CA_REVIEW, "Ctrl-X/F2", "review and send", true},
	{KEY_F(2), true, CA_REVIEW, "F2", "review and send", false},
	{20, false, CA_CANNED, "Ctrl-T", "quick reply", true},
	{15, false, CA_ATTACH, "Ctrl-O/F3", "attach a file by URL (MMS)", false},
	{KEY_F(3), true, CA_ATTACH, "Ctrl-O/F3", "attach a file by URL (MMS)", false},
	{27, false, CA_CANCEL, "Esc", "discard (asks first)", true},
	{'\r', false, CA_NEWLINE, "Enter", "new line", true},
	{'\n', false, CA_NEWLINE, "Enter", "new line", false},
	{KEY_ENTER, true, CA_NEWLINE, "Enter", "new line", false},
	{KEY_LEFT, true, CA_LEFT, "Left/Right", "move by character", false},
	{KEY_RIGHT, true, CA_RIGHT, "Left/Right", "move by character", false},
	{KEY_UP, true, CA_UP, "Up/Down", "move by line", false},
	{KEY_DOWN, true, CA_DOWN, "Up/Down", "move by line", false},
	{KEY_HOME, true, CA_HOME, "Home/End", "start / end of line", false},
	{KEY_END, true, CA_END, "Home/End", "start / end of line", false},
	{1, false, CA_HOME, "Ctrl-A/E", "start / end of line", false},
	{5, false, CA_END, "Ctrl-A/E", "start / end of line", false},
	{KEY_BACKSPACE, true, CA_BS, "Backspace", "delete the character (a whole emoji) before", false},
	{127, false, CA_BS, "Backspace", "delete the character (a whole emoji) before", false},
	{8, false, CA_BS, "Backspace", "delete the character (a whole emoji) before", false},
	{KEY_DC, true, CA_DEL, "Delete", "delete the character under the cursor", false},
	{0},
};

/* What review needs: a copy of everything, so compose may go away first. */
struct draft {
	int64_t thread_id, patient_id;
	char *phone, *name, *body;
	struct ui_attachment media; /* an MMS attachment, or none */
	struct screen *compose; /* closed together with the review when sent */
};

struct compose {
	struct draft d;
	uint32_t *cp;
	size_t n, cur;
	int width; /* editor columns, from the last draw */
	int64_t price, mms_price;
	bool discard_asked; /* Esc was pressed once over a non-empty draft */
	bool review_waiting; /* Ctrl-X during the attachment's check: review opens when it is done */
	size_t dropped;     /* characters typed or pasted past EDIT_MAX, said on the counter line */
	char *context[CONTEXT_MSGS]; /* "time  body" of the last inbound messages, oldest first (raw) */
	size_t ncontext;
};

/* The counter line: "GSM-7 · 2 segments · $0.0158 · 213/1600". */
static char *counter_text(const char *body, bool has_media, int64_t price, int64_t mms, bool *too_long)
{
	struct segment_info si;
	char cost[32];

	segments_count(body, strlen(body), &si);
	segments_format_cost(segments_cost_micros(&si, has_media, price, mms), cost, sizeof cost);
	if (has_media) /* one MMS whatever the length: the MMS price, said so */
		snprintf(cost + strlen(cost), sizeof cost - strlen(cost), " MMS");
	const char *dot = ui_sym(" \xC2\xB7 ", " | ");
	char over[96] = "";
	if (too_long != NULL)
		*too_long = si.chars > OUTBOX_MAX_BODY_CHARS;
	if (si.chars > OUTBOX_MAX_BODY_CHARS) /* never a silent cut: how much, and what the limit is */
		snprintf(over, sizeof over, " TOO LONG by %zu (limit %d)", si.chars - OUTBOX_MAX_BODY_CHARS,
			 OUTBOX_MAX_BODY_CHARS);
	return xasprintf("%s%s%d segment%s%s%s%s%zu/%d%s", segments_encoding_name(si.encoding), dot, si.segments,
			 si.segments == 1 ? "" : "s", dot, cost, dot, si.chars, OUTBOX_MAX_BODY_CHARS, over);
}

/* Words refusing a send to an opted-out number. */
static char *optout_words(struct ui *ui, const struct draft *d)
{
	struct sms_prefs pr = {0};
	char masked[64], when[64] = "";
	const char *via = NULL;

	phone_mask(d->phone, masked, sizeof masked);
	if (d->patient_id && store_prefs_get(ui->store, d->patient_id, &pr, NULL) == 0 && pr.opted_out_at) {
		ui_time_zoned(ui, pr.opted_out_at, when, sizeof when);
		via = pr.opted_out_via;
	}
	char *s = xasprintf("%s has opted out of text messages%s%s%s%s%s. Nothing can be sent to %s until the patient "
			    "texts START (or staff record a new opt-in on the patient screen).",
			    d->name ? d->name : masked, via ? " (" : "", via ? via : "", via ? ", " : "", via ? when : "",
			    via ? ")" : "", masked);
	sms_prefs_free(&pr);
	return s;
}

static void compose_free(struct screen *sc);

/* Keeps the thread's last inbound messages (raw: drawn only through ui/text.c) so a reply
 * is written with the patient's question in sight. */
static void load_context(struct ui *ui, struct compose *c)
{
	struct sms_message *m = NULL;
	size_t n = 0;
	char when[40];

	if (store_msg_list_thread(ui->store, c->d.thread_id, CONTEXT_SCAN, &m, &n, NULL) != 0)
		return;
	size_t first = n;
	for (size_t k = 0; k < CONTEXT_MSGS; k++) {
		while (first > 0 && strcmp(m[first - 1].direction, "inbound") != 0)
			first--;
		if (first == 0)
			break;
		first--;
		ui_time(ui, m[first].created_at, when, sizeof when);
		c->context[CONTEXT_MSGS - 1 - k] = xasprintf("%s  %s", when, m[first].body);
		c->ncontext++;
	}
	/* oldest first: move what was found to the front */
	if (c->ncontext < CONTEXT_MSGS) {
		memmove(c->context, c->context + (CONTEXT_MSGS - c->ncontext), c->ncontext * sizeof *c->context);
		for (size_t k = c->ncontext; k < CONTEXT_MSGS; k++)
			c->context[k] = NULL;
	}
	sms_message_list_free(&m, n);
}

/* Who the message goes to, for the compose and review headers: the patient, or everyone
 * sharing the number, or "unknown sender" (never just a number staff must match by eye). */
static char *recipient_name(struct ui *ui, const struct sms_thread *t)
{
	if (t->patient_name != NULL)
		return xstrdup(t->patient_name);
	char *people = ui_thread_people(ui, t);
	char *name = people ? xasprintf("shared phone (%s)", people) : xstrdup(ui_thread_who(t));
	free(people);
	return name;
}

static void open_review(struct ui *ui, struct compose *c);

/* The attachment's check ended: a review asked for meanwhile opens now, if the check passed
 * and the editor is still on top (else the message box says why, the draft stays). */
static void compose_checked(struct ui *ui, void *ctx, bool ok)
{
	struct compose *c = ctx;
	bool waiting = c->review_waiting;
	c->review_waiting = false;
	if (waiting && !ok)
		ui_flash(ui, "not attached: the review was not opened");
	else if (waiting && ui->top != NULL && ui->top->priv == c)
		open_review(ui, c);
}

/* Opens the editor for a thread, refusing at once when the number has opted out. */
static int compose_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct sms_thread t = {0};
	char *err = NULL;
	bool out = false;

	if (store_thread_get(ui->store, *(int64_t *)arg, &t, &err) != 0 ||
	    store_number_opted_out(ui->store, ui->session.tenant_id, t.phone, &out, &err) != 0) {
		ui_message(ui, "Compose", err ? err : "thread not found");
		free(err);
		sms_thread_free(&t);
		return -1;
	}
	struct compose *c = xcalloc(1, sizeof *c);
	c->d.thread_id = t.id;
	c->d.patient_id = t.patient_id;
	c->d.phone = xstrdup(t.phone);
	c->d.name = recipient_name(ui, &t);
	c->d.compose = sc;
	c->d.media.ready = compose_checked;
	c->d.media.ready_ctx = c;
	c->cp = xmalloc(EDIT_MAX * sizeof *c->cp);
	c->price = ui->session.segment_price_micros;
	c->mms_price = ui->session.mms_price_micros;
	c->width = 70;
	sc->priv = c;
	sms_thread_free(&t);
	load_context(ui, c);
	if (out) {
		char *words = optout_words(ui, &c->d);
		ui_message(ui, "Not sent: opted out", words);
		free(words);
		compose_free(sc); /* ui_push does not call free() for a refused init */
		sc->priv = NULL;
		return -1;
	}
	return 0;
}

/* Lays the buffer out for an editor of cols columns; cy and cx get the cursor cell. */
static size_t layout(const struct compose *c, int cols, struct text_buf *b, struct text_line **lines, int *cy,
		     int *cx)
{
	text_from_cps(b, c->cp, c->n, TEXT_KEEP_NEWLINES);
	size_t nl = text_wrap(b, cols, lines);
	size_t ci = 0;
	while (ci < b->n && b->c[ci].src < c->cur)
		ci++;
	*cy = (int)nl - 1;
	*cx = (*lines)[nl - 1].width;
	for (size_t l = 0; l < nl; l++) {
		if (ci >= (*lines)[l].from && ci <= (*lines)[l].to) {
			*cy = (int)l;
			*cx = 0;
			for (size_t k = (*lines)[l].from; k < ci; k++)
				*cx += b->c[k].width;
			break;
		}
	}
	return nl;
}

/* Draws the patient's last messages dimmed from row y, at most max_lines lines (the newest
 * gets the lines it needs first); returns the lines used. */
static int draw_context(struct ui *ui, const struct compose *c, WINDOW *w, int y, int cols, int max_lines)
{
	int want[CONTEXT_MSGS] = {0}, left = max_lines, used = 0;

	for (size_t k = c->ncontext; k-- > 0 && left > 0;) {
		struct text_buf b = {0};
		struct text_line *lines;
		text_from_utf8(&b, c->context[k], strlen(c->context[k]), 0);
		int nl = (int)text_wrap(&b, cols, &lines);
		want[k] = nl < left ? nl : left;
		left -= want[k];
		free(lines);
		text_buf_free(&b);
	}
	for (size_t k = 0; k < c->ncontext; k++) {
		if (want[k] > 0)
			used += text_put_wrap(w, y + used, 2, c->context[k], cols, want[k], ui_attr(ui, ST_DIM));
	}
	return used;
}

/* Draws the editor, under the patient's last messages when replying. */
static void compose_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct compose *c = sc->priv;
	struct text_buf b = {0};
	struct text_line *lines;
	char num[64];
	int cy, cx;

	phone_display(c->d.phone, num, sizeof num);
	char *head = xasprintf("Message to %s  %s", c->d.name ? c->d.name : "", num);
	text_put(w, 0, 0, head, cols, ui_attr(ui, ST_TITLE), false);
	free(head);
	ui_rule(ui, w, 1, cols);
	c->width = cols - 4;
	int top = 2; /* the editor's first row */
	if (c->ncontext > 0 && rows - 5 > CONTEXT_LINES + 3) {
		/* the context never takes the editor below three lines */
		int used = draw_context(ui, c, w, 2, c->width, CONTEXT_LINES);
		ui_rule(ui, w, 2 + used, cols);
		top = 3 + used;
	}
	size_t nl = layout(c, c->width, &b, &lines, &cy, &cx);
	int room = rows - 3 - top - (c->d.media.url != NULL || ui_attachment_checking(&c->d.media)), first = cy >= room ? cy - room + 1 : 0;
	for (int l = first; l < (int)nl && l - first < room; l++)
		text_draw(w, top + l - first, 2, &b, lines[l].from, lines[l].to, c->width, A_NORMAL);
	char *body = text_cps_utf8(c->cp, c->n);
	bool too_long = false;
	char *count = counter_text(body, c->d.media.url != NULL, c->price, c->mms_price, &too_long);
	char *att = ui_attachment_line(&c->d.media);
	if (att != NULL && rows - 3 > top)
		text_put(w, rows - 3, 2, att, cols - 4, ui_attr(ui, ST_MARK), false);
	free(att);
	if (c->dropped > 0) {
		char *more = xasprintf("%s%s%zu more NOT added", count, ui_sym(" \xC2\xB7 ", " | "),
				       c->dropped);
		free(count);
		count = more;
	}
	bool bad = c->dropped > 0 || too_long;
	ui_rule(ui, w, rows - 2, cols);
	text_put(w, rows - 1, 2, count, cols - 4, ui_attr(ui, bad ? ST_ERROR : ST_MARK), false);
	sc->cursor_y = top + cy - first;
	sc->cursor_x = 2 + cx;
	free(count);
	free(body);
	free(lines);
	text_buf_free(&b);
}

/* Moves the cursor one wrapped line up (dir -1) or down (+1), keeping the column. */
static void move_line(struct compose *c, int dir)
{
	struct text_buf b = {0};
	struct text_line *lines;
	int cy, cx;
	size_t nl = layout(c, c->width, &b, &lines, &cy, &cx);
	int ty = cy + dir;

	if (ty < 0) {
		c->cur = 0;
	} else if (ty >= (int)nl) {
		c->cur = c->n;
	} else {
		size_t k = lines[ty].from;
		int x = 0;
		while (k < lines[ty].to && x + b.c[k].width <= cx)
			x += b.c[k++].width;
		c->cur = k < b.n ? b.c[k].src : c->n;
	}
	free(lines);
	text_buf_free(&b);
}

/* Inserts one code point at the cursor; past EDIT_MAX it is counted as dropped, and said. */
static void insert(struct ui *ui, struct compose *c, uint32_t x)
{
	if (c->n >= EDIT_MAX) {
		c->dropped++;
		ui_flash(ui, "%zu characters were not added: the editor holds %d, and a text message at most %d.",
			 c->dropped, EDIT_MAX, OUTBOX_MAX_BODY_CHARS);
		return;
	}
	memmove(c->cp + c->cur + 1, c->cp + c->cur, (c->n - c->cur) * sizeof *c->cp);
	c->cp[c->cur++] = x;
	c->n++;
}

/* Removes code points [from, to). */
static void erase_range(struct compose *c, size_t from, size_t to)
{
	c->dropped = 0; /* the writer is shortening it: the note about the cut paste has been seen */
	memmove(c->cp + from, c->cp + to, (c->n - to) * sizeof *c->cp);
	c->n -= to - from;
	c->cur = from;
}

/* Opens the review screen with a copy of the draft. */
static void open_review(struct ui *ui, struct compose *c)
{
	struct draft *d = xcalloc(1, sizeof *d);
	*d = c->d;
	d->phone = xstrdup(c->d.phone);
	d->name = c->d.name ? xstrdup(c->d.name) : NULL;
	d->body = text_cps_utf8(c->cp, c->n);
	ui_attachment_copy(&d->media, &c->d.media);
	ui_push(ui, &ui_review_screen, d);
}

/* Puts a quick reply (UTF-8) at the cursor: ui_desk_canned_pick's answer. */
static void compose_put(struct ui *ui, void *ctx, const char *text)
{
	struct compose *c = ctx;
	uint32_t *cps = NULL;
	size_t n = text_decode_utf8(text, strlen(text), &cps);
	for (size_t i = 0; i < n; i++)
		if (cps[i] == '\n' || (cps[i] >= 0x20 && cps[i] != 0x7F && !(cps[i] >= 0x80 && cps[i] < 0xA0)))
			insert(ui, c, cps[i]);
	free(cps);
}

/* Edits text; Ctrl-X / F2 reviews; Esc discards. */
static int compose_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct compose *c = sc->priv;
	bool asked = c->discard_asked;

	c->discard_asked = false; /* any other key keeps the draft */
	switch (ev->action) {
	case CA_LEFT: if (c->cur > 0) c->cur = text_prev_boundary(c->cp, c->n, c->cur); return UI_REDRAW;
	case CA_RIGHT: if (c->cur < c->n) c->cur = text_next_boundary(c->cp, c->n, c->cur); return UI_REDRAW;
	case CA_UP: move_line(c, -1); return UI_REDRAW;
	case CA_DOWN: move_line(c, 1); return UI_REDRAW;
	case CA_HOME: while (c->cur > 0 && c->cp[c->cur - 1] != '\n') c->cur--; return UI_REDRAW;
	case CA_END: while (c->cur < c->n && c->cp[c->cur] != '\n') c->cur++; return UI_REDRAW;
	case CA_BS: if (c->cur > 0) erase_range(c, text_prev_boundary(c->cp, c->n, c->cur), c->cur); return UI_REDRAW;
	case CA_DEL: if (c->cur < c->n) erase_range(c, c->cur, text_next_boundary(c->cp, c->n, c->cur)); return UI_REDRAW;
	case CA_NEWLINE: insert(ui, c, '\n'); return UI_REDRAW;
	case CA_CANNED: ui_desk_canned_pick(ui, c->d.thread_id, compose_put, c); return UI_REDRAW;
	case CA_CANCEL:
		if (c->n == 0 || asked)
			return UI_POP | UI_REDRAW;
		/* a stray Esc (or the first byte of a split arrow key) must not lose a written message */
		c->discard_asked = true;
		ui_flash(ui, "Press Esc again to discard this draft; any other key keeps writing.");
		return UI_HANDLED;
	case CA_ATTACH: ui_attachment_ask(ui, &c->d.media); return UI_REDRAW;
	case CA_REVIEW:
		if (c->n == 0) {
			ui_flash(ui, "Nothing to send yet.");
			return UI_HANDLED;
		}
		if (ui_attachment_checking(&c->d.media)) { /* never send what was not checked */
			c->review_waiting = true;
			ui_flash(ui, "checking the attachment%s review opens when it is done", ui_sym("\xE2\x80\xA6", "..."));
			return UI_HANDLED;
		}
		open_review(ui, c);
		return UI_REDRAW;
	}
	if (ev->fn)
		return UI_HANDLED;
	if (ev->key == '\t')
		insert(ui, c, ' ');
	else if (ev->key >= 0x20 && ev->key != 0x7F && !(ev->key >= 0x80 && ev->key < 0xA0) && ev->key <= 0x10FFFF)
		insert(ui, c, (uint32_t)ev->key); /* controls (a pasted ESC ...) never enter the body */
	return UI_REDRAW;
}

/* Frees the draft. */
static void draft_free(struct draft *d)
{
	free(d->phone);
	free(d->name);
	free(d->body);
	ui_attachment_free(&d->media);
}

/* Frees the editor. */
static void compose_free(struct screen *sc)
{
	struct compose *c = sc->priv;
	if (c == NULL)
		return;
	draft_free(&c->d);
	for (size_t k = 0; k < c->ncontext; k++)
		free(c->context[k]);
	free(c->cp);
	free(c);
}

const struct screen_ops ui_compose_screen = {
	.name = "compose",
	.init = compose_init,
	.draw = compose_draw,
	.key = compose_key,
	.free = compose_free,
	.keys = compose_keys,
	.text_input = true,
};

/* ---- review ---- */

static const struct keybinding review_keys[] = {
	{'\r', false, CA_SEND, "Enter", "send", true},
	{'\n', false, CA_SEND, "Enter", "send", false},
	{KEY_ENTER, true, CA_SEND, "Enter", "send", false},
	{27, false, CA_CANCEL, "Esc", "back to editing", true},
	{'e', false, CA_CANCEL, "e", "back to editing", false},
	{'l', false, CA_LATER, "l", "send later (asks when)", true},
	{0},
};

struct review {
	struct draft d;
	char *quiet;   /* warning words when the patient's local time is in quiet hours, else NULL */
	char *refused; /* why the send path will refuse it (opted out, too long ...), else NULL */
};

/* The send request for a draft, as review_send makes it. */
static struct outbox_request draft_request(const struct ui *ui, const struct draft *d)
{
	return (struct outbox_request){
	    .tenant_id = ui->session.tenant_id,
	    .patient_id = d->patient_id,
	    .to = d->phone,
	    .body = d->body,
	    .media_urls_json = d->media.json,
	    .message_type = "conversation",
	    .sent_by = ui->session.user_id,
	    .actor = ui->session.username,
	};
}

/* Runs the send path's rules now, so review never says "sends it now" over a message that
 * will be refused (the patient may have opted out while the draft was written). */
static char *refusal_words(struct ui *ui, const struct draft *d)
{
	struct outbox_request req = draft_request(ui, d);
	char *err = NULL;
	int rc = outbox_check(ui->store, &req, &err);

	if (rc == 0) {
		free(err);
		return NULL;
	}
	if (err != NULL) { /* "...; nothing was sent" reads wrong before Enter */
		char *cut = strstr(err, "; nothing was sent");
		if (cut != NULL)
			*cut = '\0';
	}
	char *w = xasprintf("It will NOT be sent: %s.", err ? err : "store error");
	free(err);
	return w;
}

/* Works out the quiet-hours warning for a staff send (a warning, not a refusal). */
static char *quiet_warning(struct ui *ui, const struct draft *d)
{
	struct tenant t = {0};
	struct patient p = {0};
	char *w = NULL;
	int64_t now = clock_now();

	if (store_tenant_get(ui->store, ui->session.tenant_id, &t, NULL) != 0)
		return NULL;
	bool have_p = d->patient_id && store_patient_get(ui->store, d->patient_id, &p, NULL) == 0;
	const char *tz = have_p && p.timezone ? p.timezone : t.timezone;
	if (!quiet_allowed(now, tz, t.quiet_start, t.quiet_end)) {
		struct tm tm;
		char local[16] = "?";
		if (tz_local(tz, now, &tm) == 0)
			strftime(local, sizeof local, "%H:%M", &tm);
		w = xasprintf("It is %s for the patient (%s), outside texting hours %02d:%02d-%02d:%02d. Send anyway?", local,
			      tz, t.quiet_start / 60, t.quiet_start % 60, t.quiet_end / 60, t.quiet_end % 60);
	}
	if (have_p)
		patient_free(&p);
	tenant_free(&t);
	return w;
}

/* Takes the draft. */
static int review_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct review *r = xcalloc(1, sizeof *r);
	r->d = *(struct draft *)arg;
	free(arg);
	r->refused = refusal_words(ui, &r->d);
	r->quiet = r->refused ? NULL : quiet_warning(ui, &r->d);
	sc->priv = r;
	return 0;
}

/* Draws the message as it will be seen, the counter and any warning. */
static void review_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct review *r = sc->priv;
	struct text_buf b = {0};
	struct text_line *lines;
	char num[64];
	int y = 2;

	phone_display(r->d.phone, num, sizeof num);
	char *head = xasprintf("Review %s to %s  %s", ui_sym("\xE2\x80\x94", "-"), r->d.name ? r->d.name : "", num);
	text_put(w, 0, 0, head, cols, ui_attr(ui, ST_TITLE), false);
	free(head);
	ui_rule(ui, w, 1, cols);
	/* the warning is a question the reader must see whole: it gets the lines it needs (up to 3) */
	struct text_buf qb = {0};
	struct text_line *ql = NULL;
	size_t nq = 0;
	const char *warn = r->refused ? r->refused : r->quiet;
	if (warn) {
		text_from_utf8(&qb, warn, strlen(warn), 0);
		nq = text_wrap(&qb, cols - 4, &ql);
		if (nq > 3)
			nq = 3;
	}
	int foot = rows - 5 - (int)nq; /* the rule above the counter */
	text_from_utf8(&b, r->d.body, strlen(r->d.body), TEXT_KEEP_NEWLINES);
	size_t nl = text_wrap(&b, cols - 6, &lines);
	int room = foot - 1 - y;
	size_t shown = nl <= (size_t)room ? nl : (size_t)(room > 1 ? room - 1 : 0);
	for (size_t l = 0; l < shown; l++)
		text_draw(w, y++, 4, &b, lines[l].from, lines[l].to, cols - 6, A_BOLD);
	if (shown < nl) {
		char *more = xasprintf("%s %zu more line%s (all of it is sent; Esc to see it in the editor)",
				       ui_sym("\xE2\x80\xA6", "..."), nl - shown, nl - shown == 1 ? "" : "s");
		text_put(w, y, 4, more, cols - 6, ui_attr(ui, ST_DIM), false);
		free(more);
	}
	char *count = counter_text(r->d.body, r->d.media.url != NULL, ui->session.segment_price_micros,
				   ui->session.mms_price_micros, NULL);
	char *att = ui_attachment_line(&r->d.media);
	if (att != NULL) /* the free row between the warnings and the last line */
		text_put(w, rows - 3, 2, att, cols - 4, ui_attr(ui, ST_MARK), false);
	free(att);
	ui_rule(ui, w, foot, cols);
	text_put(w, foot + 1, 2, count, cols - 4, ui_attr(ui, ST_MARK), false);
	for (size_t l = 0; l < nq; l++)
		text_draw(w, foot + 2 + (int)l, 2, &qb, ql[l].from, ql[l].to, cols - 4,
			  ui_attr(ui, r->refused ? ST_ERROR : ST_WARN));
	text_put(w, rows - 2, 2,
		 r->refused ? "Nothing can be sent as it is.  Esc goes back to editing."
			    : "Enter sends it now.  l sends later.  Esc goes back to editing.",
		 cols - 4, A_BOLD, false);
	free(count);
	free(lines);
	free(ql);
	text_buf_free(&qb);
	text_buf_free(&b);
}

/* Queues the message through the one send path. */
static int review_send(struct ui *ui, struct screen *sc, struct review *r)
{
	struct outbox_request req = draft_request(ui, &r->d);
	int64_t id = 0;
	char *err = NULL;
	int rc = outbox_queue(ui->store, &req, &id, &err);

	if (rc == OUTBOX_REFUSED) {
		ui_message(ui, "Not sent", err ? err : "refused");
		free(err);
		return UI_REDRAW;
	}
	if (rc != 0) {
		ui_message(ui, "Not sent: store error", err ? err : "unknown error");
		free(err);
		return UI_REDRAW;
	}
	ui_flash(ui, "Queued: it goes out with the next sync.");
	ui_close(ui, r->d.compose);
	return UI_POP | UI_RELOAD | UI_SYNC_NOW | UI_REDRAW;
}

/* Enter sends, Esc returns to the editor. */
static int review_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct review *r = sc->priv;

	if (ev->action == CA_SEND)
		return review_send(ui, sc, r);
	if (ev->action == CA_CANCEL)
		return UI_POP | UI_REDRAW;
	if (ev->action != CA_LATER)
		return UI_HANDLED;
	ui_desk_send_later(ui, sc, r->d.compose, r->d.thread_id, r->d.patient_id, r->d.phone, r->d.body);
	return UI_REDRAW;
}

/* Frees the review. */
static void review_free(struct screen *sc)
{
	struct review *r = sc->priv;
	draft_free(&r->d);
	free(r->quiet);
	free(r->refused);
	free(r);
}

const struct screen_ops ui_review_screen = {
	.name = "review",
	.init = review_init,
	.draw = review_draw,
	.key = review_key,
	.free = review_free,
	.keys = review_keys,
};
