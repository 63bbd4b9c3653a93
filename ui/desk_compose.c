/* Compose's front-desk parts: the quick-reply picker (Ctrl-T in the editor: Enter puts the
 * reply, rendered for this patient, at the cursor; admins add, edit and delete replies here)
 * and send later (l in review: a time, moved into texting hours, cancellable until it goes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/util.h"
#include "ui/desk_ui.h"
#include "ui/picker.h"
#include "ui/text.h"

enum { QA_DOWN = 1, QA_UP, QA_USE, QA_ADD, QA_EDIT, QA_DELETE, QA_CLOSE };

static const struct keybinding canned_keys[] = {
	{'j', false, QA_DOWN, "j/Down", "next reply", false},
	{KEY_DOWN, true, QA_DOWN, "Down", "next reply", false},
	{'k', false, QA_UP, "k/Up", "previous reply", false},
	{KEY_UP, true, QA_UP, "Up", "previous reply", false},
	{'\r', false, QA_USE, "Enter", "use it", true},
	{'\n', false, QA_USE, "Enter", "use it", false},
	{KEY_ENTER, true, QA_USE, "Enter", "use it", false},
	{'a', false, QA_ADD, "a", "add (admins)", true},
	{'e', false, QA_EDIT, "e", "edit (admins)", true},
	{'d', false, QA_DELETE, "d", "delete (admins)", false},
	{27, false, QA_CLOSE, "Esc/q", "close", true},
	{'q', false, QA_CLOSE, "q", "close", false},
	{0},
};

struct canned_pick {
	int64_t thread_id;
	ui_desk_put_fn put;
	void *ctx;
	struct canned_reply *list;
	size_t n, sel;
	char *error;
	char *new_name; /* between the two prompts of "add" */
};

/* The picker open now (one at a time), for the prompt callbacks. */
static struct canned_pick *open_pick;

/* Reads the location's replies. */
static void canned_load(struct ui *ui, struct canned_pick *p)
{
	char *err = NULL;
	canned_reply_list_free(&p->list, p->n);
	p->n = 0;
	xfree(&p->error);
	if (store_canned_list(ui->store, ui->session.tenant_id, &p->list, &p->n, &err) != 0)
		p->error = err;
	if (p->sel >= p->n)
		p->sel = p->n ? p->n - 1 : 0;
}

static int canned_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct canned_pick *p = arg;
	sc->priv = p;
	open_pick = p;
	canned_load(ui, p);
	return 0;
}

/* A box of names and the start of each text. */
static void canned_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct canned_pick *p = sc->priv;
	int bw = cols - 4 < 76 ? cols - 4 : 76, shown = rows - 8 < 10 ? rows - 8 : 10, y0, x0;
	ui_box(ui, w, rows, cols, shown + 5, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, "Quick replies", bw - 4, ui_attr(ui, ST_TITLE), false);
	if (p->error != NULL || p->n == 0) {
		text_put(w, y0 + 3, x0 + 2, p->error ? p->error : "None yet. An admin adds them here with a.", bw - 4,
			 ui_attr(ui, p->error ? ST_ERROR : ST_DIM), false);
		return;
	}
	size_t first = p->sel >= (size_t)shown ? p->sel - (size_t)shown + 1 : 0;
	for (int i = 0; i < shown && first + (size_t)i < p->n; i++) {
		const struct canned_reply *c = &p->list[first + (size_t)i];
		attr_t a = first + (size_t)i == p->sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL;
		wattrset(w, a);
		mvwhline(w, y0 + 3 + i, x0 + 2, ' ', bw - 4);
		text_put(w, y0 + 3 + i, x0 + 2, c->name, 16, a | A_BOLD, false);
		text_put(w, y0 + 3 + i, x0 + 19, c->body, bw - 21, a, false);
		wattrset(w, A_NORMAL);
	}
}

/* Saves a reply (admins; the desk refuses others in words). */
static void save(struct ui *ui, const char *name, const char *body)
{
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_canned_put(ui->store, &a, ui->session.tenant_id, name, body, &err) != 0)
		ui_message(ui, "Quick reply not saved", err ? err : "store error");
	else
		ui_flash(ui, "Quick reply saved.");
	free(err);
	if (open_pick != NULL)
		canned_load(ui, open_pick);
}

/* The edit prompt's answer: the new text of the selected reply. */
static void edit_done(struct ui *ui, void *arg, const char *text)
{
	(void)arg;
	if (text != NULL && open_pick != NULL && open_pick->sel < open_pick->n)
		save(ui, open_pick->list[open_pick->sel].name, text);
}

/* The add prompts: first the name, then the text. */
static void add_body_done(struct ui *ui, void *arg, const char *text)
{
	(void)arg;
	if (text != NULL && open_pick != NULL && open_pick->new_name != NULL)
		save(ui, open_pick->new_name, text);
	if (open_pick != NULL)
		xfree(&open_pick->new_name);
}

static void add_name_done(struct ui *ui, void *arg, const char *text)
{
	(void)arg;
	if (text == NULL || text[0] == '\0' || open_pick == NULL)
		return;
	free(open_pick->new_name);
	open_pick->new_name = xstrdup(text);
	ui_prompt(ui, "Text ({patientName}, {appointmentDate}, {appointmentTime}, {clinicName} ...):", NULL,
		  add_body_done, NULL);
}

/* Deletes the selected reply after a yes. */
static void delete_yes(struct ui *ui, int64_t ctx)
{
	(void)ctx;
	if (open_pick == NULL || open_pick->sel >= open_pick->n)
		return;
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_canned_remove(ui->store, &a, ui->session.tenant_id, open_pick->list[open_pick->sel].name, &err) != 0)
		ui_message(ui, "Quick reply not deleted", err ? err : "store error");
	free(err);
	canned_load(ui, open_pick);
}

/* Renders the selected reply for the thread and hands it to the editor. */
static int use_selected(struct ui *ui, struct canned_pick *p)
{
	char *out = NULL, *err = NULL;
	if (desk_canned_render(ui->store, ui->session.tenant_id, p->thread_id, p->list[p->sel].body, &out, &err) != 0) {
		ui_message(ui, "Quick reply", err ? err : "could not fill it in");
		free(err);
		return UI_REDRAW;
	}
	p->put(ui, p->ctx, out);
	free(out);
	return UI_POP | UI_REDRAW;
}

static int canned_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct canned_pick *p = sc->priv;
	bool admin = ui_desk_actor(ui).admin;
	if (ev->action == QA_CLOSE)
		return UI_POP | UI_REDRAW;
	if ((ev->action == QA_ADD || ev->action == QA_EDIT || ev->action == QA_DELETE) && !admin) {
		ui_flash(ui, "Only an admin can change quick replies.");
		return UI_REDRAW;
	}
	if (ev->action == QA_ADD) {
		ui_prompt(ui, "Name of the new quick reply:", NULL, add_name_done, NULL);
		return UI_REDRAW;
	}
	if (p->n == 0)
		return UI_HANDLED;
	switch (ev->action) {
	case QA_DOWN: p->sel = p->sel + 1 < p->n ? p->sel + 1 : p->sel; return UI_REDRAW;
	case QA_UP: p->sel = p->sel > 0 ? p->sel - 1 : 0; return UI_REDRAW;
	case QA_USE: return use_selected(ui, p);
	case QA_EDIT: ui_prompt(ui, "Text:", p->list[p->sel].body, edit_done, NULL); return UI_REDRAW;
	case QA_DELETE: ui_confirm(ui, "Delete quick reply?", p->list[p->sel].name, delete_yes, 0); return UI_REDRAW;
	}
	return UI_HANDLED;
}

static void canned_free(struct screen *sc)
{
	struct canned_pick *p = sc->priv;
	if (open_pick == p)
		open_pick = NULL;
	canned_reply_list_free(&p->list, p->n);
	free(p->error);
	free(p->new_name);
	free(p);
}

static const struct screen_ops canned_screen = {
	.name = "quick replies",
	.init = canned_init,
	.draw = canned_draw,
	.key = canned_key,
	.free = canned_free,
	.keys = canned_keys,
	.overlay = true,
};

void ui_desk_canned_pick(struct ui *ui, int64_t thread_id, ui_desk_put_fn put, void *ctx)
{
	struct canned_pick *p = xcalloc(1, sizeof *p);
	p->thread_id = thread_id;
	p->put = put;
	p->ctx = ctx;
	if (ui_push(ui, &canned_screen, p) != 0)
		free(p);
}

/* ---- send later ---- */

/* What the send-later prompt needs after review has asked. */
struct later {
	struct screen *review, *compose;
	int64_t thread_id, patient_id;
	char *phone, *body;
};

static struct later *pending_later;

/* The time prompt's answer: queue for then (texting hours respected) and close the editor. */
static void later_done(struct ui *ui, void *arg, const char *text)
{
	struct later *l = pending_later;
	(void)arg;
	pending_later = NULL;
	char *err = NULL, when[64];
	int64_t want = 0, at = 0, id = 0;
	if (l == NULL || text == NULL || text[0] == '\0')
		goto out;
	if (desk_later_parse(text, ui->session.tenant_tz, clock_now(), &want, &err) != 0 ||
	    desk_later_time(ui->store, ui->session.tenant_id, l->thread_id, want, &at, &err) != 0) {
		ui_message(ui, "Not scheduled", err ? err : "store error");
		goto out;
	}
	struct outbox_request req = {.tenant_id = ui->session.tenant_id, .patient_id = l->patient_id, .to = l->phone,
				     .body = l->body, .message_type = "conversation", .sent_by = ui->session.user_id,
				     .actor = ui->session.username, .not_before = at};
	if (outbox_queue(ui->store, &req, &id, &err) != 0) {
		ui_message(ui, "Not scheduled", err ? err : "store error");
		goto out;
	}
	ui_time(ui, at, when, sizeof when);
	ui_flash(ui, "Scheduled for %s%s. L in the thread cancels it.", when, at != want ? " (texting hours)" : "");
	ui_close(ui, l->review);
	ui_close(ui, l->compose);
	ui_reload(ui);
out:
	free(err);
	if (l != NULL) {
		free(l->phone);
		free(l->body);
		free(l);
	}
}

void ui_desk_send_later(struct ui *ui, struct screen *review, struct screen *compose, int64_t thread_id,
			int64_t patient_id, const char *phone, const char *body)
{
	struct later *l = xcalloc(1, sizeof *l);
	*l = (struct later){.review = review, .compose = compose, .thread_id = thread_id, .patient_id = patient_id,
			    .phone = xstrdup(phone ? phone : ""), .body = xstrdup(body ? body : "")};
	if (pending_later != NULL) {
		free(pending_later->phone);
		free(pending_later->body);
		free(pending_later);
	}
	pending_later = l;
	ui_prompt(ui, "Send at (HH:MM, tomorrow HH:MM, or YYYY-MM-DD HH:MM):", "tomorrow 09:00", later_done, NULL);
}
