/* A patient's SMS preferences and consent record; every change asks for a reason and is
 * written to the audit log. */
#include <stdlib.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { PA_OPT = 1, PA_REMINDERS, PA_MARKETING, PA_CONSENT, PA_BACK };

static const struct keybinding patient_keys[] = {
	{'o', false, PA_OPT, "o", "opt in / opt out", true},
	{'r', false, PA_REMINDERS, "r", "reminders on / off", true},
	{'m', false, PA_MARKETING, "m", "marketing on / off", true},
	{'c', false, PA_CONSENT, "c", "record consent", true},
	{27, false, PA_BACK, "Esc/q", "back", true},
	{'q', false, PA_BACK, "q", "back", false},
	{KEY_LEFT, true, PA_BACK, "Left", "back", false},
	{0},
};

struct pview {
	int64_t id;
	struct patient p;
	struct sms_prefs pr;
	int pending;          /* the change waiting for its reason */
	char *consent_method; /* between the two consent prompts */
	char *error;
};

/* Reads the patient and the preferences. */
static void load(struct ui *ui, struct pview *v)
{
	char *err = NULL;

	patient_free(&v->p);
	sms_prefs_free(&v->pr);
	memset(&v->p, 0, sizeof v->p);
	memset(&v->pr, 0, sizeof v->pr);
	xfree(&v->error);
	if (store_patient_get(ui->store, v->id, &v->p, &err) != 0 || store_prefs_get(ui->store, v->id, &v->pr, &err) != 0)
		v->error = err ? err : xstrdup("patient not found");
}

/* Opens the patient screen. */
static int patient_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct pview *v = xcalloc(1, sizeof *v);
	char target[32];

	v->id = *(int64_t *)arg;
	sc->priv = v;
	load(ui, v);
	/* who looked at which patient's preferences and consent (README: preference views are audited) */
	snprintf(target, sizeof target, "patient %lld", (long long)v->id);
	ui_audit(ui, "patient.view", v->id, target, NULL);
	return 0;
}

/* Draws one "label: value" row, the value wrapped on up to two lines; returns the next row. */
static int row(const struct ui *ui, WINDOW *w, int y, int cols, const char *label, const char *value, enum ui_style st)
{
	text_put(w, y, 2, label, 14, ui_attr(ui, ST_DIM), false);
	return y + text_put_wrap(w, y, 18, value, cols - 20, 2, ui_attr(ui, st));
}

/* Draws the preferences and the consent record. */
static void patient_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct pview *v = sc->priv;
	char num[64], when[64];

	if (v->error) {
		text_put(w, 0, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	char *head = xasprintf("Patient %s %s %s", ui_sym("\xE2\x80\x94", "-"), v->p.first_name, v->p.last_name);
	text_put(w, 0, 0, head, cols, ui_attr(ui, ST_TITLE), false);
	free(head);
	ui_rule(ui, w, 1, cols);
	phone_display(v->p.mobile ? v->p.mobile : "", num, sizeof num);
	int y = row(ui, w, 3, cols, "Mobile", v->p.mobile ? num : "none on file", ST_NORMAL);
	y = row(ui, w, y, cols, "Time zone", v->p.timezone ? v->p.timezone : "the clinic's", ST_NORMAL);
	char *opt;
	if (v->pr.opted_in) {
		opt = xstrdup("opted in");
	} else {
		ui_time_zoned(ui, v->pr.opted_out_at, when, sizeof when);
		opt = xasprintf("OPTED OUT %s, via %s%s%s", when, v->pr.opted_out_via ? v->pr.opted_out_via : "?",
				v->pr.opted_out_reason ? ": " : "", v->pr.opted_out_reason ? v->pr.opted_out_reason : "");
	}
	y = row(ui, w, y + 1, cols, "Text messages", opt, v->pr.opted_in ? ST_OK : ST_ERROR);
	free(opt);
	y = row(ui, w, y, cols, "Reminders", v->pr.reminders ? "on" : "off", ST_NORMAL);
	y = row(ui, w, y, cols, "Marketing", v->pr.marketing ? "on" : "off", ST_NORMAL);
	char *consent;
	if (v->pr.consent_at) {
		char cnum[64];
		ui_time_zoned(ui, v->pr.consent_at, when, sizeof when);
		phone_display(v->pr.consent_phone ? v->pr.consent_phone : "", cnum, sizeof cnum);
		consent = xasprintf("%s, %s, recorded by %s, for %s", v->pr.consent_method ? v->pr.consent_method : "?",
				    when, v->pr.consent_by ? v->pr.consent_by : "?", cnum);
	} else {
		consent = xstrdup("none on file (reminders limited by the healthcare exemption)");
	}
	y = row(ui, w, y + 1, cols, "Consent", consent, v->pr.consent_at ? ST_NORMAL : ST_WARN);
	free(consent);
	text_put(w, y + 1, 2, "Every change asks for a reason and is written to the audit log.", cols - 4, ui_attr(ui, ST_DIM),
		 false);
}

/* Applies the pending change with its reason, and audits it. */
static void apply(struct ui *ui, struct pview *v, const char *reason)
{
	char *err = NULL, target[32];
	const char *action = NULL;
	int rc = 0;
	int64_t now = clock_now();

	snprintf(target, sizeof target, "patient %lld", (long long)v->id);
	switch (v->pending) {
	case PA_OPT:
		action = v->pr.opted_in ? "pref.optout" : "pref.optin";
		rc = store_prefs_set_opted_in(ui->store, v->id, !v->pr.opted_in, now, "staff", reason, &err);
		break;
	case PA_REMINDERS:
		action = v->pr.reminders ? "pref.reminders_off" : "pref.reminders_on";
		rc = store_prefs_set_flags(ui->store, v->id, !v->pr.reminders, v->pr.marketing, &err);
		break;
	case PA_MARKETING:
		action = v->pr.marketing ? "pref.marketing_off" : "pref.marketing_on";
		rc = store_prefs_set_flags(ui->store, v->id, v->pr.reminders, !v->pr.marketing, &err);
		break;
	case PA_CONSENT:
		action = "pref.consent";
		rc = store_prefs_set_consent(ui->store, v->id, now, v->consent_method, ui->session.username, v->p.mobile, &err);
		break;
	default:
		return;
	}
	if (rc != 0) {
		ui_message(ui, "Not changed", err ? err : "store error");
		free(err);
		return;
	}
	char *detail = v->pending == PA_CONSENT ? xasprintf("method: %s; reason: %s", v->consent_method, reason)
					       : xstrdup(reason);
	ui_audit(ui, action, v->id, target, detail);
	free(detail);
	ui_flash(ui, "Saved and recorded in the audit log.");
	ui_reload(ui);
}

/* The reason prompt's answer: an empty reason is not a reason. */
static void reason_done(struct ui *ui, void *arg, const char *text)
{
	struct pview *v = arg;

	if (text == NULL) {
		ui_flash(ui, "Nothing changed.");
		return;
	}
	if (text[0] == '\0') {
		ui_message(ui, "A reason is needed", "Every change to a patient's preferences records why. Nothing changed.");
		return;
	}
	apply(ui, v, text);
	v->pending = 0;
}

/* The consent method prompt's answer, then the reason. */
static void method_done(struct ui *ui, void *arg, const char *text)
{
	struct pview *v = arg;

	if (text == NULL || text[0] == '\0') {
		ui_flash(ui, "Nothing changed.");
		return;
	}
	free(v->consent_method);
	v->consent_method = xstrdup(text);
	ui_prompt(ui, "Reason for recording consent:", NULL, reason_done, v);
}

/* Starts a change: asks for its reason first. */
static int patient_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct pview *v = sc->priv;

	if (ev->action == PA_BACK)
		return UI_POP | UI_REDRAW;
	if (v->error || ev->action == 0)
		return UI_HANDLED;
	v->pending = ev->action;
	switch (ev->action) {
	case PA_OPT:
		ui_prompt(ui, v->pr.opted_in ? "Reason for opting this patient OUT of texts:" : "Reason for opting this patient back IN:",
			  NULL, reason_done, v);
		break;
	case PA_REMINDERS:
		ui_prompt(ui, v->pr.reminders ? "Reason for turning reminders off:" : "Reason for turning reminders on:", NULL,
			  reason_done, v);
		break;
	case PA_MARKETING:
		ui_prompt(ui, v->pr.marketing ? "Reason for turning marketing off:" : "Reason for turning marketing on:", NULL,
			  reason_done, v);
		break;
	case PA_CONSENT:
		if (v->p.mobile == NULL) {
			ui_message(ui, "No mobile number", "Consent is recorded for a number; this patient has none.");
			break;
		}
		ui_prompt(ui, "How was consent given (paper form, verbal at desk, patient portal, text YES)?", NULL,
			  method_done, v);
		break;
	}
	return UI_REDRAW;
}

/* Re-reads after a change. */
static void patient_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

/* Frees the view. */
static void patient_free_screen(struct screen *sc)
{
	struct pview *v = sc->priv;
	patient_free(&v->p);
	sms_prefs_free(&v->pr);
	free(v->consent_method);
	free(v->error);
	free(v);
}

const struct screen_ops ui_patient_screen = {
	.name = "patient",
	.init = patient_init,
	.draw = patient_draw,
	.key = patient_key,
	.reload = patient_reload,
	.free = patient_free_screen,
	.keys = patient_keys,
};
