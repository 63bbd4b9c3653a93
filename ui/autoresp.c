/* The keyword auto-response editor (admins): list, edit reply text with a segments preview,
 * add custom keywords, turn rows on or off. The law's keywords keep their word and action. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/keywords.h"
#include "src/phone.h"
#include "src/segments.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

extern const struct screen_ops ui_autoresp_screen;

enum { AR_DOWN = 1, AR_UP, AR_EDIT, AR_ADD, AR_TOGGLE, AR_DELETE, AR_BACK };

static const struct keybinding autoresp_keys[] = {
	{'j', false, AR_DOWN, "j/Down", "next keyword", true},
	{KEY_DOWN, true, AR_DOWN, "Down", "next keyword", false},
	{'k', false, AR_UP, "k/Up", "previous keyword", true},
	{KEY_UP, true, AR_UP, "Up", "previous keyword", false},
	{'\n', false, AR_EDIT, "Enter/e", "edit the reply text", true},
	{'e', false, AR_EDIT, "e", "edit the reply text", false},
	{'a', false, AR_ADD, "a", "add a custom keyword", true},
	{' ', false, AR_TOGGLE, "Space/t", "turn on / off", true},
	{'t', false, AR_TOGGLE, "t", "turn on / off", false},
	{'d', false, AR_DELETE, "d", "remove a custom keyword", true},
	{27, false, AR_BACK, "Esc/q", "back", true},
	{'q', false, AR_BACK, "q", "back", false},
	{0},
};

struct arview {
	int64_t tenant_id;
	struct auto_response *rows;
	size_t n;
	size_t sel;
	size_t top;
	char *new_keyword; /* between the two "add" prompts */
	char *error;
};

/* Reads the tenant's rows. */
static void load(struct ui *ui, struct arview *v)
{
	char *err = NULL;
	auto_response_list_free(&v->rows, v->n);
	v->n = 0;
	xfree(&v->error);
	if (store_autoresp_list(ui->store, v->tenant_id, &v->rows, &v->n, &err) != 0)
		v->error = err ? err : xstrdup("cannot read the keyword replies");
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
}

/* Opens the editor: admins only, since replies speak for the clinic and the law. */
static int autoresp_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	if (ui->session.role == NULL || strcmp(ui->session.role, "admin") != 0) {
		ui_message(ui, "Admins only", "Only an admin can change the keyword replies.");
		return -1;
	}
	struct arview *v = xcalloc(1, sizeof *v);
	v->tenant_id = ui->session.tenant_id;
	sc->priv = v;
	load(ui, v);
	return 0;
}

/* The reply as the patient will read it, with this clinic's name and phone. */
static char *render(const struct ui *ui, const char *text)
{
	char phone[64] = "";
	struct tenant t = {0};
	if (store_tenant_get(ui->store, ui->session.tenant_id, &t, NULL) == 0 && t.phone != NULL)
		phone_display(t.phone, phone, sizeof phone);
	char *out = keywords_render(text, ui->session.tenant_name, phone);
	tenant_free(&t);
	return out;
}

/* Draws the selected row's preview: the rendered text, wrapped, and its segments. */
static void draw_preview(struct ui *ui, struct arview *v, WINDOW *w, int y, int rows, int cols)
{
	const struct auto_response *a = &v->rows[v->sel];
	char *text = render(ui, a->reply_text);
	struct segment_info si;
	segments_count(text, strlen(text), &si);
	char *head = xasprintf("Preview of %s %s %d segment%s, %s, %zu characters%s", a->keyword,
			       ui_sym("\xE2\x80\x94", "-"), si.segments, si.segments == 1 ? "" : "s",
			       segments_encoding_name(si.encoding), si.chars,
			       si.segments > 1 ? " (more than one: costs more)" : "");
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

/* Draws the list and the preview. */
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
	if (v->n > 0)
		draw_preview(ui, v, w, 3 + list_rows, rows, cols);
}

/* Writes a changed row and audits it; store refusals are shown in words. */
static void save(struct ui *ui, struct arview *v, const struct auto_response *a, const char *action)
{
	char *err = NULL;
	int64_t id = 0;
	if (store_autoresp_upsert(ui->store, a, &id, &err) != 0) {
		ui_message(ui, "Not saved", err ? err : "store error");
		free(err);
		return;
	}
	char target[64];
	snprintf(target, sizeof target, "keyword %s", a->keyword);
	ui_audit(ui, action, 0, target, a->enabled ? "enabled" : "disabled");
	ui_flash(ui, "Saved %s.", a->keyword);
	ui_reload(ui);
	(void)v;
}

/* The edit prompt's answer: the new reply text of the selected row. */
static void edit_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	if (text == NULL || v->sel >= v->n) {
		ui_flash(ui, "Nothing changed.");
		return;
	}
	struct auto_response a = v->rows[v->sel];
	a.reply_text = (char *)text;
	save(ui, v, &a, "autoresp.edit");
}

/* The second "add" prompt: the reply text of the new keyword. */
static void add_text_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	if (text == NULL || v->new_keyword == NULL) {
		ui_flash(ui, "Nothing added.");
		xfree(&v->new_keyword);
		return;
	}
	struct auto_response a = {.tenant_id = v->tenant_id, .keyword = v->new_keyword, .action = "reply",
				  .reply_text = (char *)text, .enabled = true};
	save(ui, v, &a, "autoresp.add");
	xfree(&v->new_keyword);
}

/* The first "add" prompt: the keyword, normalised the way inbound texts are. */
static void add_keyword_done(struct ui *ui, void *arg, const char *text)
{
	struct arview *v = arg;
	if (text == NULL || text[0] == '\0') {
		ui_flash(ui, "Nothing added.");
		return;
	}
	char *kw = keywords_normalize(text);
	if (keywords_is_law_word(kw, NULL)) {
		ui_message(ui, "Reserved keyword", "That word opts out, opts in or asks for help by law; edit its system row.");
		free(kw);
		return;
	}
	free(v->new_keyword);
	v->new_keyword = kw;
	ui_prompt(ui, "Reply text ({clinicName} and {clinicPhone} are filled in):", NULL, add_text_done, v);
}

/* Removes the selected custom row. */
static void delete_selected(struct ui *ui, struct arview *v)
{
	char *err = NULL;
	const struct auto_response *a = &v->rows[v->sel];
	char target[64];
	snprintf(target, sizeof target, "keyword %s", a->keyword);
	if (store_autoresp_delete(ui->store, a->id, &err) != 0) {
		ui_message(ui, "Not removed", err ? err : "store error");
		free(err);
		return;
	}
	ui_audit(ui, "autoresp.delete", 0, target, NULL);
	ui_flash(ui, "Removed.");
	ui_reload(ui);
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
		if (v->n > 0)
			ui_prompt(ui, "Reply text ({clinicName} and {clinicPhone} are filled in):", v->rows[v->sel].reply_text,
				  edit_done, v);
		break;
	case AR_ADD:
		ui_prompt(ui, "New keyword (letters, digits, spaces):", NULL, add_keyword_done, v);
		break;
	case AR_TOGGLE:
		if (v->n > 0) {
			struct auto_response a = v->rows[v->sel];
			a.enabled = !a.enabled;
			save(ui, v, &a, "autoresp.toggle");
		}
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
	free(v->new_keyword);
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
