/* The audit screen (A, admins only): newest entries first, filtered by action prefix or
 * patient, with the state of the hash chain at the top. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

enum { AA_DOWN = 1, AA_UP, AA_PGDN, AA_PGUP, AA_HOME, AA_ACTION, AA_PATIENT, AA_HERE, AA_CLEAR, AA_CLOSE };

static const struct keybinding audit_keys[] = {
	{'j', false, AA_DOWN, "j/Down", "next", false},
	{KEY_DOWN, true, AA_DOWN, "Down", "next", false},
	{'k', false, AA_UP, "k/Up", "previous", false},
	{KEY_UP, true, AA_UP, "Up", "previous", false},
	{KEY_NPAGE, true, AA_PGDN, "PgDn", "next page", false},
	{KEY_PPAGE, true, AA_PGUP, "PgUp", "previous page", false},
	{'g', false, AA_HOME, "g", "newest", false},
	{'/', false, AA_ACTION, "/", "filter by action", true},
	{'p', false, AA_PATIENT, "p", "filter by patient id", true},
	{'l', false, AA_HERE, "l", "this location only", true},
	{'c', false, AA_CLEAR, "c", "clear filters", true},
	{27, false, AA_CLOSE, "Esc", "close", true},
	{'q', false, AA_CLOSE, "q", "close", false},
	{0},
};

struct audit_view {
	struct audit_entry *list; /* oldest first, as the store gives them */
	size_t n;
	size_t *shown;            /* indexes into list that pass the filters, newest first */
	size_t n_shown, sel, top;
	int page;
	char *action;             /* prefix filter, or NULL */
	int64_t patient;          /* 0: any */
	bool here;                /* only the current location */
	int64_t bad_id;           /* from verify: 0 intact */
	char *error;
};

/* Reads the log and applies the filters (a filter change reads again; the chain is verified
 * only when the log itself may have changed: audit_verify). */
static void audit_load(struct ui *ui, struct audit_view *av)
{
	char *err = NULL;
	audit_entry_list_free(&av->list, av->n);
	av->n = 0;
	free(av->shown);
	av->shown = NULL;
	av->n_shown = 0;
	xfree(&av->error);
	if (store_audit_list(ui->store, 0, av->here ? ui->session.tenant_id : 0, av->action, 0, &av->list, &av->n,
			     &err) != 0) {
		av->error = err;
		return;
	}
	av->shown = xcalloc(av->n ? av->n : 1, sizeof(size_t));
	for (size_t i = av->n; i-- > 0;)
		if (av->patient == 0 || av->list[i].patient_id == av->patient)
			av->shown[av->n_shown++] = i;
	if (av->sel >= av->n_shown)
		av->sel = av->n_shown ? av->n_shown - 1 : 0;
}

/* Reads the log and verifies the whole hash chain: on opening and when entries arrive. */
static void audit_verify(struct ui *ui, struct audit_view *av)
{
	char *err = NULL;
	audit_load(ui, av);
	if (av->error == NULL && store_audit_verify(ui->store, &av->bad_id, &err) != 0)
		av->error = err;
}

/* Opens the log (and audits that it was looked at). */
static int audit_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct audit_view *av = xcalloc(1, sizeof(*av));
	av->page = 20;
	sc->priv = av;
	ui_audit(ui, "audit.view", 0, NULL, NULL);
	audit_verify(ui, av);
	return 0;
}

/* Draws the chain state, the filters and a page of entries. */
static void audit_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct audit_view *av = sc->priv;
	char line[512], when[32];
	text_put(w, 0, 0, "Audit log", cols / 3, ui_attr(ui, ST_TITLE), false);
	if (av->bad_id == 0)
		snprintf(line, sizeof(line), "chain intact (%zu entries)", av->n);
	else
		snprintf(line, sizeof(line), "CHAIN BROKEN: entry %lld was changed, or the one before it deleted",
			 (long long)av->bad_id);
	text_put(w, 0, cols / 3, line, cols - cols / 3, ui_attr(ui, av->bad_id ? ST_ERROR : ST_OK), false);
	snprintf(line, sizeof(line), "showing %zu%s%s%s%s%s", av->n_shown, av->action ? " | action " : "",
		 av->action ? av->action : "", av->patient ? " | patient " : "", "", av->here ? " | this location" : "");
	if (av->patient) {
		size_t l = strlen(line);
		snprintf(line + l, sizeof(line) - l, "%s%lld", av->here ? " " : "", (long long)av->patient);
	}
	text_put(w, 1, 0, line, cols, ui_attr(ui, ST_DIM), false);
	ui_rule(ui, w, 2, cols);
	if (av->error) {
		text_put(w, 3, 0, av->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	av->page = rows - 5 > 1 ? rows - 5 : 1; /* two lines stay for the selected entry in full */
	if (av->sel < av->top)
		av->top = av->sel;
	if (av->sel >= av->top + (size_t)av->page)
		av->top = av->sel - (size_t)av->page + 1;
	for (int r = 0; r < av->page && av->top + (size_t)r < av->n_shown; r++) {
		const struct audit_entry *e = &av->list[av->shown[av->top + (size_t)r]];
		bool sel = av->top + (size_t)r == av->sel;
		attr_t a = sel ? ui_attr(ui, ST_SELECTED) : (e->id == av->bad_id ? ui_attr(ui, ST_ERROR) : A_NORMAL);
		ui_time(ui, e->at, when, sizeof(when));
		char pat[24] = "";
		if (e->patient_id)
			snprintf(pat, sizeof(pat), "patient %lld", (long long)e->patient_id);
		snprintf(line, sizeof(line), "%6lld  %-12s %-14s %-18s %-13s %s%s%s", (long long)e->id, when, e->username,
			 e->action, pat, e->target ? e->target : "", e->target && e->detail ? " / " : "",
			 e->detail ? e->detail : "");
		wattrset(w, a);
		mvwhline(w, 3 + r, 0, ' ', cols);
		text_put(w, 3 + r, 0, line, cols, a, false);
		wattrset(w, A_NORMAL);
	}
	if (av->n_shown == 0) {
		text_put(w, 4, 2, "No entries match.", cols - 4, ui_attr(ui, ST_DIM), false);
		return;
	}
	const struct audit_entry *e = &av->list[av->shown[av->sel < av->n_shown ? av->sel : 0]];
	if (e->target || e->detail) { /* cut in its row: the selected entry's words whole */
		char *full = xasprintf("%s%s%s", e->target ? e->target : "", e->target && e->detail ? " / " : "",
				       e->detail ? e->detail : "");
		text_put_wrap(w, rows - 2, 1, full, cols - 2, 2, ui_attr(ui, ST_DIM));
		free(full);
	}
}

/* The action-prefix prompt. */
static void action_done(struct ui *ui, void *arg, const char *text)
{
	struct audit_view *av = arg;
	if (text == NULL)
		return;
	xfree(&av->action);
	if (text[0])
		av->action = xstrdup(text);
	av->sel = av->top = 0;
	audit_load(ui, av);
	ui->dirty_main = true;
}

/* The patient-id prompt. */
static void patient_done(struct ui *ui, void *arg, const char *text)
{
	struct audit_view *av = arg;
	if (text == NULL)
		return;
	char *end = NULL;
	long long id = strtoll(text, &end, 10);
	if (text[0] != '\0' && (*end != '\0' || id <= 0)) {
		ui_flash(ui, "A patient is filtered by its id number.");
		return;
	}
	av->patient = text[0] ? id : 0;
	av->sel = av->top = 0;
	audit_load(ui, av);
	ui->dirty_main = true;
}

/* Moves and filters. */
static int audit_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct audit_view *av = sc->priv;
	size_t last = av->n_shown ? av->n_shown - 1 : 0;
	switch (ev->action) {
	case AA_DOWN: av->sel = av->sel < last ? av->sel + 1 : last; return UI_REDRAW;
	case AA_UP: av->sel = av->sel > 0 ? av->sel - 1 : 0; return UI_REDRAW;
	case AA_PGDN: av->sel = av->sel + (size_t)av->page < last ? av->sel + (size_t)av->page : last; return UI_REDRAW;
	case AA_PGUP: av->sel = av->sel > (size_t)av->page ? av->sel - (size_t)av->page : 0; return UI_REDRAW;
	case AA_HOME: av->sel = 0; return UI_REDRAW;
	case AA_ACTION: ui_prompt(ui, "Actions starting with (e.g. login, sms., setting):", av->action, action_done, av); return UI_REDRAW;
	case AA_PATIENT: ui_prompt(ui, "Patient id (empty: any):", NULL, patient_done, av); return UI_REDRAW;
	case AA_HERE: av->here = !av->here; av->sel = 0; audit_load(ui, av); return UI_REDRAW;
	case AA_CLEAR: xfree(&av->action); av->patient = 0; av->here = false; av->sel = 0; audit_load(ui, av); return UI_REDRAW;
	case AA_CLOSE: return UI_POP | UI_REDRAW;
	}
	return UI_HANDLED;
}

/* New entries arrive while it is open. */
static void audit_reload(struct ui *ui, struct screen *sc)
{
	audit_verify(ui, sc->priv);
}

/* Frees the view. */
static void audit_free(struct screen *sc)
{
	struct audit_view *av = sc->priv;
	audit_entry_list_free(&av->list, av->n);
	free(av->shown);
	free(av->action);
	free(av->error);
	free(av);
}

const struct screen_ops ui_audit_screen = {
	.name = "audit",
	.init = audit_init,
	.draw = audit_draw,
	.key = audit_key,
	.reload = audit_reload,
	.free = audit_free,
	.keys = audit_keys,
};

void ui_audit_open(struct ui *ui)
{
	const char *why = auth_refusal_text(ui->session.role, AUTH_AUDIT_VIEW);
	if (why != NULL) {
		ui_message(ui, "Audit log", why);
		return;
	}
	ui_push(ui, &ui_audit_screen, NULL);
}
