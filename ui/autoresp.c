/* The keyword auto-response editor (admins): list, edit reply text with a segments preview
 * that follows the typing, add custom keywords, turn rows on or off, remove custom ones. The
 * system keywords (STOP family, START, HELP, C, R, X ...) keep their word and action; the
 * store refuses renaming them, removing them, or turning the law's ones off. Every change is
 * written to the audit log in the same transaction as the change itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/auth.h"
#include "src/keywords.h"
#include "src/phone.h"
#include "src/segments.h"
#include "src/template.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { AR_DOWN = 1, AR_UP, AR_EDIT, AR_ADD, AR_TOGGLE, AR_DELETE, AR_BACK };

static const struct keybinding autoresp_keys[] = {
	{'j', false, AR_DOWN, "j/Down", "next keyword", false},
	{KEY_DOWN, true, AR_DOWN, "Down", "next keyword", false},
	{'k', false, AR_UP, "k/Up", "previous keyword", false},
	{KEY_UP, true, AR_UP, "Up", "previous keyword", false},
	{'\r', false, AR_EDIT, "Enter/e", "edit the reply text", true},
	{'\n', false, AR_EDIT, "Enter/e", "edit the reply text", false},
	{KEY_ENTER, true, AR_EDIT, "Enter/e", "edit the reply text", false},
	{'e', false, AR_EDIT, "e", "edit the reply text", false},
	{'a', false, AR_ADD, "a", "add a custom keyword", true},
	{' ', false, AR_TOGGLE, "Space/t", "turn on / off", true},
	{'t', false, AR_TOGGLE, "t", "turn on / off", false},
	{'d', false, AR_DELETE, "d", "remove a custom keyword", true},
	{27, false, AR_BACK, "Esc/q", "back", true},
	{'q', false, AR_BACK, "q", "back", false},
	{0},
};

/* What the prompt open above this screen is for (it decides what the live preview shows). */
enum ar_prompt { P_NONE, P_EDIT, P_NEW_KEYWORD, P_NEW_TEXT, P_DELETE };

struct arview {
	int64_t tenant_id;
	struct auto_response *rows;
	size_t n;
	size_t sel;
	size_t top;
	enum ar_prompt prompt;
	int64_t target_id;  /* the row an edit or removal is for: by id, as a reload may reorder */
	char *target_kw;    /* its keyword, or the new keyword between the two "add" prompts */
	char phone[64];     /* the clinic's phone as {clinicPhone} renders it (read in load) */
	char *error;
};

static const char REPLY_QUESTION[] = "Reply text ({clinicName} {clinicPhone} {patientName}=first name):";

/* The clinic's phone as inbound replies render it: formatted when E.164, else as stored. */
static void load_phone(struct ui *ui, struct arview *v)
{
	struct tenant t = {0};
	v->phone[0] = '\0';
	if (store_tenant_get(ui->store, v->tenant_id, &t, NULL) == 0 && t.phone != NULL) {
		if (phone_is_e164(t.phone))
			phone_display(t.phone, v->phone, sizeof v->phone);
		else
			snprintf(v->phone, sizeof v->phone, "%s", t.phone);
	}
	tenant_free(&t);
}

/* Reads the tenant's rows (an empty list gets the defaults, idempotent, first) and phone. */
static void load(struct ui *ui, struct arview *v)
{
	char *err = NULL;
	load_phone(ui, v);
	auto_response_list_free(&v->rows, v->n);
	v->n = 0;
	xfree(&v->error);
	if (store_autoresp_list(ui->store, v->tenant_id, &v->rows, &v->n, &err) == 0 && v->n == 0 &&
	    store_autoresp_seed_defaults(ui->store, v->tenant_id, &err) == 0)
		store_autoresp_list(ui->store, v->tenant_id, &v->rows, &v->n, &err);
	if (err != NULL)
		v->error = err;
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

/* Opens the editor: admins only, since replies speak for the clinic and the law. */
static int autoresp_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	if (!auth_role_can(ui->session.role, AUTH_KEYWORDS)) {
		const char *why = auth_refusal_text(ui->session.role, AUTH_KEYWORDS);
		ui_message(ui, "Admins only", why ? why : "Only an admin can change keyword replies.");
		return -1;
	}
	struct arview *v = xcalloc(1, sizeof *v);
	v->tenant_id = ui->session.tenant_id;
	sc->priv = v;
	load(ui, v);
	return 0;
}

/* The reply as the patient will read it, with this clinic's name and phone and a sample
 * first name (the engine inbound replies are rendered with). */
static char *render(const struct ui *ui, const struct arview *v, const char *text)
{
	return template_render_reply(text, ui->session.tenant_name, v->phone, "Maria");
}

/* Draws a preview of text for keyword: its segments, cost and the rendered text, wrapped. */
static void draw_preview(struct ui *ui, const struct arview *v, WINDOW *w, int y, int rows, int cols,
			 const char *keyword, const char *raw, bool live)
{
	char *text = render(ui, v, raw);
	struct segment_info si;
	char cost[32] = "";
	segments_count(text, strlen(text), &si);
	segments_format_cost(segments_cost_micros(&si, false, ui->session.segment_price_micros, 0), cost, sizeof cost);
	char *head = xasprintf("Preview of %s%s %s %d segment%s, %s, %zu characters, %s a reply%s", keyword,
			       live ? " as typed" : "", ui_sym("\xE2\x80\x94", "-"), si.segments,
			       si.segments == 1 ? "" : "s", segments_encoding_name(si.encoding), si.chars, cost,
			       si.segments > 1 ? " (costs more)" : "");
	text_put(w, y, 0, head, cols, ui_attr(ui, si.segments > 1 ? ST_WARN : ST_DIM), false);
	free(head);
	struct text_buf b = {0};
	struct text_line *lines = NULL;
	text_from_utf8(&b, text, strlen(text), 0);
	size_t nl = text_wrap(&b, cols - 2, &lines);
	for (size_t i = 0; i < nl && y + 1 + (int)i < rows; i++)
		text_draw(w, y + 1 + (int)i, 2, &b, lines[i].from, lines[i].to, cols - 2, ui_attr(ui, ST_NORMAL));
	free(lines);
	text_buf_free(&b);
	free(text);
}

/* The text the open prompt above sc holds when it is a reply being typed, else NULL. */
static char *typed_reply(const struct ui *ui, const struct screen *sc, const struct arview *v)
{
	if ((v->prompt != P_EDIT && v->prompt != P_NEW_TEXT) || ui->top == sc || ui->top == NULL ||
	    ui->top->below != sc)
		return NULL;
	return ui_prompt_current(ui->top);
}

/* Draws the list and the preview (of the prompt's text while a reply is being typed). */
static void autoresp_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct arview *v = sc->priv;
	text_put(w, 0, 0, "Keyword replies", cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	if (v->error) {
		text_put(w, 2, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	int list_rows = rows - 9 > 3 ? rows - 9 : 3;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)list_rows)
		v->top = v->sel - (size_t)list_rows + 1;
	for (int i = 0; i < list_rows && v->top + (size_t)i < v->n; i++) {
		const struct auto_response *a = &v->rows[v->top + (size_t)i];
		bool sel = v->top + (size_t)i == v->sel;
		char *line = xasprintf("%-12.12s %-10.10s %-3s %-6s %s", a->keyword, a->action, a->enabled ? "on" : "off",
				       a->is_system ? "system" : "custom", a->reply_text);
		enum ui_style st = sel ? ST_SELECTED : a->enabled ? ST_NORMAL : ST_DIM;
		text_put(w, 2 + i, 0, line, cols, ui_attr(ui, st), sel);
		free(line);
	}
	char *typed = typed_reply(ui, sc, v);
	if (typed != NULL)
		draw_preview(ui, v, w, 3 + list_rows, rows, cols, v->target_kw ? v->target_kw : "?", typed, true);
	else if (v->n > 0)
		draw_preview(ui, v, w, 3 + list_rows, rows, cols, v->rows[v->sel].keyword, v->rows[v->sel].reply_text, false);
	free(typed);
}

/* The row with this id in the loaded list, or NULL. */
static const struct auto_response *row_by_id(const struct arview *v, int64_t id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->rows[i].id == id)
			return &v->rows[i];
	return NULL;
}

/* Forgets what the open prompt was for. */
static void prompt_over(struct arview *v)
{
	v->prompt = P_NONE;
	v->target_id = 0;
	xfree(&v->target_kw);
}

/* Audits a change inside the caller's transaction, as the signed-in user. */
static int audit_in_tx(struct ui *ui, const char *action, const char *keyword, const char *detail, char **err)
{
	char *target = xasprintf("keyword %s", keyword);
	int rc = store_audit_append(ui->store, ui->session.user_id, ui->session.username ? ui->session.username : "console",
				    ui->session.tenant_id, action, 0, target, detail, err);
	free(target);
	return rc;
}

/* Writes a row and its audit entry in one transaction; refusals are shown in words. */
static void save(struct ui *ui, const struct auto_response *a, const char *action, const char *detail)
{
	char *err = NULL;
	if (template_validate_reply(a->reply_text, &err) != 0) {
		ui_message(ui, "Not saved", err ? err : "the reply cannot be used");
		free(err);
		return;
	}
	if (store_begin(ui->store, &err) != 0)
		goto fail;
	if (store_autoresp_upsert(ui->store, a, NULL, &err) != 0 || audit_in_tx(ui, action, a->keyword, detail, &err) != 0) {
		store_rollback(ui->store);
		goto fail;
	}
	if (store_commit(ui->store, &err) != 0)
		goto fail;
	ui_flash(ui, "Saved %s (recorded in the audit log).", a->keyword);
	ui_reload(ui);
	return;
fail:
	ui_message(ui, "Not saved", err ? err : "store error");
	free(err);
}

/* The edit prompt's answer: the new reply text of the row it was opened for. */
static void edit_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	const struct auto_response *row = row_by_id(v, v->target_id);
	if (text == NULL || row == NULL) {
		ui_flash(ui, text == NULL ? "Nothing changed." : "That keyword is gone; nothing changed.");
	} else if (strcmp(text, row->reply_text) == 0) {
		ui_flash(ui, "Nothing changed.");
	} else {
		struct auto_response a = *row;
		a.reply_text = (char *)text;
		char *detail = xasprintf("reply: %s", text);
		save(ui, &a, "autoresp.edit", detail);
		free(detail);
	}
	prompt_over(v);
}

/* The second "add" prompt: the reply text of the new keyword. */
static void add_text_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	if (text == NULL || v->target_kw == NULL) {
		ui_flash(ui, "Nothing added.");
	} else {
		struct auto_response a = {.tenant_id = v->tenant_id, .keyword = v->target_kw, .action = "reply",
					  .reply_text = (char *)text, .enabled = true};
		char *detail = xasprintf("added, on; reply: %s", text);
		save(ui, &a, "autoresp.add", detail);
		free(detail);
	}
	prompt_over(v);
}

/* Why kw (normalised) cannot be a new custom keyword (malloc'd words), or NULL when it can. */
static char *keyword_refusal(struct ui *ui, const struct arview *v, const char *kw)
{
	size_t len = strlen(kw);
	if (len == 0 || len > KEYWORD_MAX)
		return xasprintf("A keyword is 1 to %d letters (A-Z), digits or spaces.", KEYWORD_MAX);
	for (const char *p = kw; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == ' '))
			return xasprintf("A keyword is 1 to %d letters (A-Z), digits or spaces.", KEYWORD_MAX);
	if (keywords_is_law_word(kw, NULL))
		return xasprintf("%s opts out, opts in or asks for help by law: it cannot be a custom keyword. "
				 "Edit the text of the STOP, START or HELP row instead.", kw);
	struct auto_response found = {0};
	char *err = NULL;
	int f = store_autoresp_find(ui->store, v->tenant_id, kw, &found, &err);
	char *why = NULL;
	if (f < 0)
		why = err ? err : xstrdup("cannot read the keyword replies");
	else if (f == 0)
		why = xasprintf("%s already exists%s: select it and press e to edit its reply.", kw,
				found.is_system ? " as a system keyword" : "");
	else
		free(err);
	auto_response_free(&found);
	return why;
}

/* The first "add" prompt: the keyword, normalised the way inbound texts are. */
static void add_keyword_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	prompt_over(v);
	if (text == NULL || text[0] == '\0') {
		ui_flash(ui, "Nothing added.");
		return;
	}
	char *kw = keywords_normalize(text);
	char *why = keyword_refusal(ui, v, kw);
	if (why != NULL) {
		ui_message(ui, "Not added", why);
		free(why);
		free(kw);
		return;
	}
	v->prompt = P_NEW_TEXT;
	v->target_kw = kw;
	ui_prompt(ui, REPLY_QUESTION, NULL, add_text_done, v);
}

/* The removal prompt's answer: removes the custom row on "yes", audited with the change. */
static void delete_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	const struct auto_response *row = row_by_id(v, v->target_id);
	char *err = NULL;
	if (text == NULL || row == NULL || strcasecmp(text, "yes") != 0) {
		ui_flash(ui, "Nothing removed.");
		goto out;
	}
	if (store_begin(ui->store, &err) != 0)
		goto fail;
	if (store_autoresp_delete(ui->store, row->id, &err) != 0 ||
	    audit_in_tx(ui, "autoresp.delete", row->keyword, "removed", &err) != 0) {
		store_rollback(ui->store);
		goto fail;
	}
	if (store_commit(ui->store, &err) != 0)
		goto fail;
	ui_flash(ui, "Removed %s (recorded in the audit log).", row->keyword);
	ui_reload(ui);
	goto out;
fail:
	ui_message(ui, "Not removed", err ? err : "store error");
	free(err);
out:
	prompt_over(v);
}

/* Starts a removal: system rows are refused in words, custom ones asked about first. */
static void delete_selected(struct ui *ui, struct arview *v)
{
	const struct auto_response *a = &v->rows[v->sel];
	if (a->is_system) {
		char *why = xasprintf("%s is a system keyword: its reply text can be edited, but it cannot be removed "
				      "or renamed.%s", a->keyword,
				      keywords_is_law_word(a->keyword, NULL)
					      ? " The law requires it."
					      : " Turn it off with Space if the clinic does not use it.");
		ui_message(ui, "Not removed", why);
		free(why);
		return;
	}
	prompt_over(v);
	v->prompt = P_DELETE;
	v->target_id = a->id;
	char *q = xasprintf("Remove the keyword %s? Type yes and press Enter:", a->keyword);
	ui_prompt(ui, q, NULL, delete_done, v);
	free(q);
}

/* Turns the selected row on or off (the store refuses turning the law's keywords off). */
static void toggle_selected(struct ui *ui, struct arview *v)
{
	struct auto_response a = v->rows[v->sel];
	a.enabled = !a.enabled;
	save(ui, &a, "autoresp.toggle", a.enabled ? "turned on" : "turned off");
}

/* Moves, or starts a change. */
static int autoresp_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct arview *v = sc->priv;
	if (ev->action == AR_BACK)
		return UI_POP | UI_REDRAW;
	if (v->error != NULL)
		return UI_HANDLED;
	switch (ev->action) {
	case AR_DOWN:
		if (v->sel + 1 < v->n)
			v->sel++;
		break;
	case AR_UP:
		if (v->sel > 0)
			v->sel--;
		break;
	case AR_EDIT:
		if (v->n > 0) {
			prompt_over(v);
			v->prompt = P_EDIT;
			v->target_id = v->rows[v->sel].id;
			v->target_kw = xstrdup(v->rows[v->sel].keyword);
			ui_prompt(ui, REPLY_QUESTION, v->rows[v->sel].reply_text, edit_done, v);
		}
		break;
	case AR_ADD:
		prompt_over(v);
		v->prompt = P_NEW_KEYWORD;
		ui_prompt(ui, "New keyword (letters, digits, spaces):", NULL, add_keyword_done, v);
		break;
	case AR_TOGGLE:
		if (v->n > 0)
			toggle_selected(ui, v);
		break;
	case AR_DELETE:
		if (v->n > 0)
			delete_selected(ui, v);
		break;
	default:
		return UI_HANDLED;
	}
	return UI_REDRAW;
}

/* Re-reads after a change. */
static void autoresp_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

/* Frees the view. */
static void autoresp_free(struct screen *sc)
{
	struct arview *v = sc->priv;
	if (v == NULL)
		return;
	auto_response_list_free(&v->rows, v->n);
	free(v->target_kw);
	free(v->error);
	free(v);
}

const struct screen_ops ui_autoresp_screen = {
	.name = "keyword replies",
	.init = autoresp_init,
	.draw = autoresp_draw,
	.key = autoresp_key,
	.reload = autoresp_reload,
	.free = autoresp_free,
	.keys = autoresp_keys,
};
