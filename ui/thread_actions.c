/* Staff decisions in the thread view. A number several patients share (a family phone) shows
 * them all and P picks the one who is texting; an unknown number says so and P searches the
 * location's patients. A flagged thread (possible opt-out, reschedule, cancel) shows why, and
 * O (opt the number out, after y/n) or D (done) settle it. The store work and its audit entry
 * are in src/thread_action.c, in one transaction each. Staff and admins alike may do this. */
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/thread_action.h"
#include "src/util.h"
#include "ui/picker.h"
#include "ui/text.h"
#include "ui/thread_actions.h"

/* The signed-in user, for the audit log. */
static struct thread_actor actor(const struct ui *ui)
{
	return (struct thread_actor){ui->session.user_id, ui->session.username, ui->session.tenant_id};
}

/* True when the reason is the opt-out word list's flag. */
static bool is_possible_optout(const struct sms_thread *t)
{
	return t->needs_action && t->action_reason != NULL &&
	       strcmp(t->action_reason, "possible opt-out") == 0;
}

char *ui_thread_people(struct ui *ui, const struct sms_thread *t)
{
	struct patient *list = NULL;
	size_t n = 0;
	char *err = NULL, *out = NULL;

	if (t->patient_count <= 1)
		return NULL;
	if (store_patient_by_mobile(ui->store, t->tenant_id, t->phone, &list, &n, &err) != 0) {
		out = xasprintf("%d patients (%s)", t->patient_count, err ? err : "store error");
		free(err);
		return out;
	}
	const char *dot = ui_sym(" \xC2\xB7 ", ", ");
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s %s", out ? out : "", out ? dot : "",
				       list[i].first_name ? list[i].first_name : "",
				       list[i].last_name ? list[i].last_name : "");
		free(out);
		out = next;
	}
	patient_list_free(&list, n);
	return out;
}

const char *ui_thread_who(const struct sms_thread *t)
{
	if (t->patient_name != NULL)
		return t->patient_name;
	return t->patient_count > 1 ? "Shared phone" : "Unknown sender";
}

/* One banner line: text cut to leave room for the keys, which always show in full. */
static void banner_line(struct ui *ui, WINDOW *w, int y, int cols, const char *text, const char *keys,
			enum ui_style st)
{
	int kw = keys ? text_width(keys) : 0;
	int x = text_put(w, y, 0, text, cols - kw - 1, ui_attr(ui, st), false);
	if (keys != NULL)
		text_put(w, y, x + 1, keys, cols - x - 1, ui_attr(ui, ST_MARK), false);
}

int ui_thread_banner(struct ui *ui, WINDOW *w, int y, int cols, const struct sms_thread *t,
		     const char *people, bool opted_out)
{
	const char *dash = ui_sym("\xE2\x80\x94", "-");
	int used = 0;
	char *text = NULL, *keys = NULL;

	if (t->patient_count > 1 && t->patient_id == 0)
		text = xasprintf("Shared phone: %s", people ? people : "several patients");
	else if (t->patient_count > 1)
		text =
		    xasprintf("Shared phone (%d patients), linked to %s", t->patient_count, t->patient_name);
	else if (t->patient_count == 0 && t->patient_id == 0)
		text = xstrdup("Unknown sender: no patient has this number");
	else if (t->patient_count == 0)
		text = xasprintf("Number not on file, linked to %s",
				 t->patient_name ? t->patient_name : "a patient");
	if (text != NULL) {
		keys = xasprintf("%s P to %s", dash, t->patient_id == 0 ? "choose" : "change");
		if (t->patient_count == 0 && t->patient_id == 0) {
			free(keys);
			keys = xasprintf("%s P to link it", dash);
		}
		banner_line(ui, w, y + used++, cols, text, keys, ST_WARN);
		xfree(&text);
		xfree(&keys);
	}
	if (t->needs_action) {
		const char *why = t->action_reason ? t->action_reason : "needs action";
		text = xasprintf("Flagged: %s%s", why, opted_out ? " (number opted out)" : "");
		keys = is_possible_optout(t) && !opted_out
			   ? xasprintf("%s O opt this number out %s D done", dash, ui_sym("\xC2\xB7", "|"))
			   : xasprintf("%s D done", dash);
		banner_line(ui, w, y + used++, cols, text, keys, ST_WARN);
		free(text);
		free(keys);
	}
	return used;
}

/* The picker's choice: links the thread, audited, and says what p now opens. */
static void linked(struct ui *ui, int64_t thread_id, const struct patient *p)
{
	struct thread_actor who = actor(ui);
	char *err = NULL;

	if (thread_action_link(ui->store, &who, thread_id, p->id, &err) != 0) {
		ui_message(ui, "Not linked", err ? err : "store error");
		free(err);
		return;
	}
	char *name = xasprintf("%s %s", p->first_name ? p->first_name : "", p->last_name ? p->last_name : "");
	char *fit = text_fit(name, 40);
	ui_flash(ui, "Linked to %s (in the audit log); p opens their preferences.", fit);
	free(fit);
	free(name);
	ui_reload(ui);
}

int ui_thread_choose(struct ui *ui, const struct sms_thread *t)
{
	char num[64], *err = NULL;
	struct patient *list = NULL;
	size_t n = 0;

	phone_display(t->phone, num, sizeof num);
	if (t->patient_count == 1) {
		ui_flash(ui, "This number belongs to one patient: there is no one to choose.");
		return UI_HANDLED;
	}
	if (t->patient_count == 0) {
		char *title = xasprintf("Link %s to a patient", num);
		ui_pick_patient(ui, title, "No patient has this number. Search this location's patients.",
				NULL, 0, linked, t->id);
		free(title);
		return UI_REDRAW;
	}
	if (store_patient_by_mobile(ui->store, t->tenant_id, t->phone, &list, &n, &err) != 0) {
		ui_message(ui, "Patients", err ? err : "store error");
		free(err);
		return UI_REDRAW;
	}
	char *title = xasprintf("Who is texting from %s?", num);
	char *note = xasprintf("%zu patients share this number: pick the one who is texting.", n);
	ui_pick_patient(ui, title, note, list, n, linked, t->id);
	free(title);
	free(note);
	return UI_REDRAW;
}

/* The y of the opt-out question: blocks the number, cancels what is queued, clears the flag. */
static void optout_yes(struct ui *ui, int64_t thread_id)
{
	struct thread_actor who = actor(ui);
	struct sms_thread t = {0};
	char *err = NULL, num[64] = "the number";
	int cancelled = 0;

	if (store_thread_get(ui->store, thread_id, &t, &err) == 0)
		phone_display(t.phone, num, sizeof num);
	xfree(&err);
	if (thread_action_optout(ui->store, &who, thread_id, &cancelled, &err) != 0) {
		ui_message(ui, "Not opted out", err ? err : "store error");
		free(err);
		sms_thread_free(&t);
		return;
	}
	char *text = xasprintf("%s is opted out (by staff: asked by text). %d queued message%s cancelled. "
			       "No confirmation text was sent. Recorded in the audit log.",
			       num, cancelled, cancelled == 1 ? "" : "s");
	ui_message(ui, "Opted out", text);
	free(text);
	sms_thread_free(&t);
	ui_reload(ui);
}

int ui_thread_optout(struct ui *ui, const struct sms_thread *t, bool opted_out)
{
	char num[64];

	if (!t->needs_action) {
		ui_flash(ui, "O is for a flagged thread; to opt a patient out or in, press p.");
		return UI_HANDLED;
	}
	if (opted_out) {
		ui_flash(ui, "This number is already opted out; D clears the flag.");
		return UI_HANDLED;
	}
	phone_display(t->phone, num, sizeof num);
	char *text =
	    xasprintf("Flagged: %s.\n\nOpt %s out of text messages from %s? Every patient with this number "
		      "stops getting texts and messages waiting to go are cancelled.\n"
		      "No confirmation text is sent automatically.",
		      t->action_reason ? t->action_reason : "needs action", num,
		      ui->session.tenant_name ? ui->session.tenant_name : "this location");
	ui_confirm(ui, "Opt this number out?", text, optout_yes, t->id);
	free(text);
	return UI_REDRAW;
}

int ui_thread_done(struct ui *ui, const struct sms_thread *t)
{
	struct thread_actor who = actor(ui);
	char *err = NULL;

	if (!t->needs_action) {
		ui_flash(ui, "This thread is not flagged.");
		return UI_HANDLED;
	}
	char *why = text_fit(t->action_reason ? t->action_reason : "needs action", 40);
	if (thread_action_done(ui->store, &who, t->id, &err) != 0) {
		ui_message(ui, "Not cleared", err ? err : "store error");
		free(err);
		free(why);
		ui_reload(ui);
		return UI_REDRAW;
	}
	ui_flash(ui, "Done: \"%s\" cleared (in the audit log).", why);
	free(why);
	ui_reload(ui);
	return UI_REDRAW;
}
