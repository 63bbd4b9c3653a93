/* The thread view's front-desk lines and keys: the patient's next appointments (confirm,
 * cancel, reschedule-requested by hand), internal notes (shown apart from the messages, never
 * sent), who the thread is assigned to, mark unread and archive (done). ui/thread.c calls in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/desk_ui.h"
#include "ui/picker.h"
#include "ui/text.h"

#define SHOWN_APPTS 2

struct ui_desk_thread {
	int64_t thread_id;
	char *assignee; /* NULL: nobody */
	struct appointment *appts;
	size_t n_appts;
	struct thread_note *notes;
	size_t n_notes;
	struct scheduled_send *later; /* messages waiting for their time, soonest first */
	size_t n_later;
};

struct ui_desk_thread *ui_desk_thread_load(struct ui *ui, int64_t thread_id)
{
	struct ui_desk_thread *d = xcalloc(1, sizeof *d);
	struct sms_thread t = {0};
	d->thread_id = thread_id;
	/* Errors leave a line out: the messages matter more than the desk lines. */
	if (store_thread_get(ui->store, thread_id, &t, NULL) == 0 && t.assignee != NULL)
		d->assignee = xstrdup(t.assignee);
	sms_thread_free(&t);
	desk_next_appointments(ui->store, thread_id, clock_now(), SHOWN_APPTS, &d->appts, &d->n_appts, NULL);
	store_note_list(ui->store, thread_id, &d->notes, &d->n_notes, NULL);
	store_scheduled_list(ui->store, ui->session.tenant_id, thread_id, clock_now(), &d->later, &d->n_later, NULL);
	return d;
}

void ui_desk_thread_free(struct ui_desk_thread **dp)
{
	struct ui_desk_thread *d = *dp;
	if (d == NULL)
		return;
	free(d->assignee);
	appointment_list_free(&d->appts, d->n_appts);
	thread_note_list_free(&d->notes, d->n_notes);
	scheduled_send_list_free(&d->later, d->n_later);
	free(d);
	*dp = NULL;
}

int ui_desk_thread_draw(struct ui *ui, WINDOW *w, int y, int cols, const struct ui_desk_thread *d)
{
	if (d == NULL)
		return 0;
	int used = 0;
	char *words = d->n_appts > 0 ? ui_desk_appt_words(ui, &d->appts[0]) : xstrdup("none upcoming");
	char *line = xasprintf("Next: %s%s", words, d->n_appts > 1 ? " (+more)" : "");
	int x = text_put(w, y, 0, line, cols - 24, ui_attr(ui, d->n_appts ? ST_NORMAL : ST_DIM), false);
	if (d->n_appts > 0)
		text_put(w, y, x + 1, "C/X/R", 6, ui_attr(ui, ST_DIM), false);
	char *who = xasprintf("assigned: %s", d->assignee ? d->assignee : "nobody");
	int ww = text_width(who) < 22 ? text_width(who) : 22;
	text_put(w, y, cols - ww, who, ww, ui_attr(ui, ST_DIM), false);
	used++;
	free(who);
	free(line);
	free(words);
	if (d->n_later > 0) {
		char when[32];
		ui_time(ui, d->later[0].send_at, when, sizeof when);
		char *line2 = xasprintf("Scheduled %s%s: %s", when, d->n_later > 1 ? " (+more)" : "", d->later[0].body);
		int x2 = text_put(w, y + used, 0, line2, cols - 12, ui_attr(ui, ST_MARK), false);
		text_put(w, y + used, x2 + 1, "L cancels", 10, ui_attr(ui, ST_DIM), false);
		used++;
		free(line2);
	}
	if (d->n_notes > 0) {
		const struct thread_note *n = &d->notes[d->n_notes - 1];
		char when[32];
		ui_time(ui, n->created_at, when, sizeof when);
		char *note = xasprintf("[note %zu/%zu] %s, %s: %s", d->n_notes, d->n_notes, n->username, when, n->body);
		text_put(w, y + used, 0, note, cols, ui_attr(ui, ST_MARK), false);
		used++;
		free(note);
	}
	return used;
}

/* The note prompt's answer. */
static void note_done(struct ui *ui, void *arg, const char *text)
{
	int64_t thread_id = (int64_t)(intptr_t)arg; /* not the view: a sync may reload it meanwhile */
	if (text == NULL || text[0] == '\0')
		return;
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_note_add(ui->store, &a, thread_id, text, NULL, &err) != 0)
		ui_message(ui, "Note", err ? err : "store error");
	else
		ui_flash(ui, "Note added (staff only, never sent).");
	free(err);
	ui_reload(ui);
}

/* The assign prompt's answer. */
static void assign_done(struct ui *ui, void *arg, const char *text)
{
	int64_t thread_id = (int64_t)(intptr_t)arg;
	if (text == NULL || text[0] == '\0')
		return;
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_assign(ui->store, &a, thread_id, text, &err) != 0)
		ui_message(ui, "Assign", err ? err : "store error");
	else
		ui_flash(ui, "Assigned.");
	free(err);
	ui_reload(ui);
}

/* All notes in a box, oldest first. */
static void show_notes(struct ui *ui, const struct ui_desk_thread *d)
{
	if (d->n_notes == 0) {
		ui_message(ui, "Notes", "No notes on this thread. Press n to add one (staff only, never sent).");
		return;
	}
	size_t len = 0, cap = 256;
	char *all = xmalloc(cap);
	all[0] = '\0';
	for (size_t i = 0; i < d->n_notes; i++) {
		char when[32];
		ui_time(ui, d->notes[i].created_at, when, sizeof when);
		char *one = xasprintf("%s%s, %s: %s", i ? "\n" : "", d->notes[i].username, when, d->notes[i].body);
		size_t n = strlen(one);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			all = xrealloc(all, cap);
		}
		memcpy(all + len, one, n + 1);
		len += n;
		free(one);
	}
	ui_message(ui, "Notes (staff only, never sent)", all);
	free(all);
}

/* Confirms / cancels / marks the next appointment by hand (a cancel is asked first). */
static void appt_yes(struct ui *ui, int64_t ctx)
{
	int64_t appt = ctx >> 2;
	enum desk_resolution r = (enum desk_resolution)(ctx & 3);
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_appt_set(ui->store, &a, appt, r, &err) != 0)
		ui_message(ui, "Appointment", err ? err : "store error");
	else
		ui_flash(ui, "%s", r == DESK_CONFIRM ? "Appointment confirmed." : r == DESK_CANCEL ? "Appointment cancelled."
									: "Marked: reschedule requested.");
	free(err);
	ui_reload(ui);
}

/* Cancels a scheduled message after a yes. */
static void later_cancel_yes(struct ui *ui, int64_t msg)
{
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (desk_later_cancel(ui->store, &a, ui->session.tenant_id, msg, &err) != 0)
		ui_message(ui, "Not cancelled", err ? err : "store error");
	else
		ui_flash(ui, "Scheduled message cancelled: it will not be sent.");
	free(err);
	ui_reload(ui);
}

int ui_desk_thread_key(struct ui *ui, struct ui_desk_thread *d, int action)
{
	char *err = NULL;
	struct desk_actor a = ui_desk_actor(ui);
	if (d == NULL)
		return UI_HANDLED;
	switch (action) {
	case UI_DESK_NOTE: ui_prompt(ui, "Note (staff only, never sent):", NULL, note_done, (void *)(intptr_t)d->thread_id);
		return UI_REDRAW;
	case UI_DESK_NOTES: show_notes(ui, d); return UI_REDRAW;
	case UI_DESK_ASSIGN:
		ui_prompt(ui, "Assign to (me, front desk, nobody, or a username):", "me", assign_done, (void *)(intptr_t)d->thread_id);
		return UI_REDRAW;
	case UI_DESK_UNREAD:
	case UI_DESK_ARCHIVE: {
		int rc = action == UI_DESK_UNREAD ? desk_mark_unread(ui->store, &a, d->thread_id, &err)
						  : desk_archive(ui->store, &a, d->thread_id, true, &err);
		if (rc != 0) {
			ui_message(ui, "Thread", err ? err : "store error");
			free(err);
			return UI_REDRAW;
		}
		ui_flash(ui, "%s", action == UI_DESK_UNREAD ? "Marked unread." : "Archived (done).");
		return UI_POP | UI_RELOAD | UI_REDRAW; /* back to the inbox, where it shows */
	}
	case UI_DESK_LATER_CANCEL:
		if (d->n_later == 0) {
			ui_flash(ui, "Nothing is scheduled in this thread.");
			return UI_REDRAW;
		}
		ui_confirm(ui, "Cancel the scheduled message?", d->later[0].body, later_cancel_yes, d->later[0].message_id);
		return UI_REDRAW;
	case UI_DESK_CONFIRM:
	case UI_DESK_RESCHED:
	case UI_DESK_CANCEL: {
		if (d->n_appts == 0) {
			ui_flash(ui, "No upcoming appointment.");
			return UI_REDRAW;
		}
		enum desk_resolution r = action == UI_DESK_CONFIRM ? DESK_CONFIRM
					 : action == UI_DESK_CANCEL ? DESK_CANCEL
								    : DESK_RESCHEDULE;
		int64_t ctx = (d->appts[0].id << 2) | (int64_t)r;
		if (r != DESK_CANCEL) {
			appt_yes(ui, ctx);
			return UI_REDRAW;
		}
		char *words = ui_desk_appt_words(ui, &d->appts[0]);
		char *text = xasprintf("Cancel the appointment on %s? No text is sent to the patient.", words);
		ui_confirm(ui, "Cancel appointment?", text, appt_yes, ctx);
		free(text);
		free(words);
		return UI_REDRAW;
	}
	}
	return UI_HANDLED;
}
