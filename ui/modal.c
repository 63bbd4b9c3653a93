/* Small screens over other screens: a message box, a one-line prompt, and the help screen
 * built from the key table of the screen below. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { MA_CLOSE = 1, MA_UP, MA_DOWN, MA_ENTER, MA_CANCEL };

/* Draws a framed box of h x w in the middle of the main window; returns its top-left. */
void ui_box(const struct ui *ui, WINDOW *win, int rows, int cols, int h, int w, int *y0, int *x0)
{
	*y0 = rows > h ? (rows - h) / 2 : 0;
	*x0 = cols > w ? (cols - w) / 2 : 0;
	for (int y = 0; y < h; y++)
		mvwhline(win, *y0 + y, *x0, ' ', w);
	wattrset(win, ui_attr(ui, ST_TITLE));
	if (text_is_ascii()) {
		mvwhline(win, *y0, *x0, '-', w);
		mvwhline(win, *y0 + h - 1, *x0, '-', w);
		mvwvline(win, *y0, *x0, '|', h);
		mvwvline(win, *y0, *x0 + w - 1, '|', h);
	} else {
		mvwhline(win, *y0, *x0, ACS_HLINE, w);
		mvwhline(win, *y0 + h - 1, *x0, ACS_HLINE, w);
		mvwvline(win, *y0, *x0, ACS_VLINE, h);
		mvwvline(win, *y0, *x0 + w - 1, ACS_VLINE, h);
		mvwaddch(win, *y0, *x0, ACS_ULCORNER);
		mvwaddch(win, *y0, *x0 + w - 1, ACS_URCORNER);
		mvwaddch(win, *y0 + h - 1, *x0, ACS_LLCORNER);
		mvwaddch(win, *y0 + h - 1, *x0 + w - 1, ACS_LRCORNER);
	}
	wattrset(win, A_NORMAL);
}

/* ---- message box ---- */

struct message {
	char *title, *text;
};

static const struct keybinding message_keys[] = {
	{'\r', false, MA_CLOSE, "Enter", "close", true},
	{'\n', false, MA_CLOSE, "Enter", "close", false},
	{27, false, MA_CLOSE, "Esc", "close", true},
	{'q', false, MA_CLOSE, "q", "close", false},
	{KEY_ENTER, true, MA_CLOSE, "Enter", "close", false},
	{0},
};

/* Keeps copies of the title and text. */
static int message_init(struct ui *ui, struct screen *sc, void *arg)
{
	sc->priv = arg;
	return 0;
}

/* Draws the box with the wrapped words. */
static void message_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct message *m = sc->priv;
	struct text_buf b = {0};
	struct text_line *lines;
	int bw = cols > 72 ? 64 : cols - 8;

	text_from_utf8(&b, m->text, strlen(m->text), TEXT_KEEP_NEWLINES);
	size_t n = text_wrap(&b, bw - 4, &lines);
	if (n > (size_t)rows - 8)
		n = (size_t)rows - 8;
	int y0, x0, h = (int)n + 5;
	ui_box(ui, w, rows, cols, h, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, m->title, bw - 4, ui_attr(ui, ST_TITLE), false);
	for (size_t i = 0; i < n; i++)
		text_draw(w, y0 + 2 + (int)i, x0 + 2, &b, lines[i].from, lines[i].to, bw - 4, A_NORMAL);
	text_put(w, y0 + h - 2, x0 + 2, "Enter or Esc to close", bw - 4, ui_attr(ui, ST_DIM), false);
	free(lines);
	text_buf_free(&b);
}

/* Any bound key closes it. */
static int message_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	return ev->action == MA_CLOSE ? (UI_POP | UI_REDRAW) : UI_HANDLED;
}

/* Frees the texts. */
static void message_free(struct screen *sc)
{
	struct message *m = sc->priv;
	free(m->title);
	free(m->text);
	free(m);
}

const struct screen_ops ui_message_screen = {
	.name = "message",
	.init = message_init,
	.draw = message_draw,
	.key = message_key,
	.free = message_free,
	.keys = message_keys,
	.overlay = true,
};

/* Shows a message box. */
void ui_message(struct ui *ui, const char *title, const char *text)
{
	struct message *m = xcalloc(1, sizeof *m);
	m->title = xstrdup(title ? title : "");
	m->text = xstrdup(text ? text : "");
	ui_push(ui, &ui_message_screen, m);
}

/* ---- one-line prompt ---- */

#define PROMPT_MAX 1600 /* code points: a keyword reply may be this long */

struct prompt {
	char *question;
	struct ui_field f;
	ui_prompt_fn done;
	void *arg;
};

static const struct keybinding prompt_keys[] = {
	{'\r', false, MA_ENTER, "Enter", "accept", true},
	{'\n', false, MA_ENTER, "Enter", "accept", false},
	{KEY_ENTER, true, MA_ENTER, "Enter", "accept", false},
	{27, false, MA_CANCEL, "Esc", "cancel", true},
	{0},
};

/* Takes the prompt description. */
static int prompt_init(struct ui *ui, struct screen *sc, void *arg)
{
	sc->priv = arg;
	return 0;
}

/* Draws the question and the line being typed, with the cursor. */
static void prompt_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct prompt *p = sc->priv;
	struct text_buf b = {0};
	struct text_line *ql;
	int bw = cols > 80 ? 72 : cols - 6, y0, x0;

	/* the question wraps (up to 3 lines): its end often says what to type */
	text_from_utf8(&b, p->question, strlen(p->question), 0);
	size_t nq = text_wrap(&b, bw - 4, &ql);
	if (nq > 3)
		nq = 3;
	ui_box(ui, w, rows, cols, 4 + (int)nq, bw, &y0, &x0);
	for (size_t l = 0; l < nq; l++)
		text_draw(w, y0 + 1 + (int)l, x0 + 2, &b, ql[l].from, ql[l].to, bw - 4, ui_attr(ui, ST_TITLE));
	free(ql);
	text_buf_free(&b);
	y0 += (int)nq - 1; /* the typed line sits under the question */
	ui_field_draw(&p->f, sc, w, y0 + 2, x0 + 2, bw - 4, A_UNDERLINE);
}

/* The typed line as UTF-8 (safe: the field lets no control in). */
static char *prompt_text(const struct prompt *p)
{
	return text_cps_utf8(p->f.cp, p->f.n);
}

/* Edits the line; Enter hands it to the callback, Esc cancels. */
static int prompt_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct prompt *p = sc->priv;

	if (ev->action == MA_ENTER || ev->action == MA_CANCEL) {
		char *s = ev->action == MA_ENTER ? prompt_text(p) : NULL;
		p->done(ui, p->arg, s);
		free(s);
		return UI_POP | UI_REDRAW;
	}
	return ui_field_key(&p->f, ev) ? UI_REDRAW : UI_HANDLED;
}

/* Frees the prompt. */
static void prompt_free(struct screen *sc)
{
	struct prompt *p = sc->priv;
	free(p->question);
	ui_field_free(&p->f);
	free(p);
}

const struct screen_ops ui_prompt_screen = {
	.name = "prompt",
	.init = prompt_init,
	.draw = prompt_draw,
	.key = prompt_key,
	.free = prompt_free,
	.keys = prompt_keys,
	.overlay = true,
	.text_input = true,
};

/* Opens a one-line prompt. */
void ui_prompt(struct ui *ui, const char *question, const char *initial, ui_prompt_fn done, void *arg)
{
	struct prompt *p = xcalloc(1, sizeof *p);
	p->question = xstrdup(question);
	p->done = done;
	p->arg = arg;
	ui_field_init(&p->f, PROMPT_MAX, false);
	if (initial != NULL) { /* stored text: controls shown as '?', line breaks as spaces */
		struct text_buf b = {0};
		text_from_utf8(&b, initial, strlen(initial), 0);
		char *safe = text_encode(&b, 0, b.n);
		ui_field_set(&p->f, safe);
		free(safe);
		text_buf_free(&b);
	}
	ui_push(ui, &ui_prompt_screen, p);
}

/* The line typed so far, when sc is a prompt (the screen below draws a live preview). */
char *ui_prompt_current(const struct screen *sc)
{
	if (sc == NULL || sc->ops != &ui_prompt_screen || sc->priv == NULL)
		return NULL;
	return prompt_text(sc->priv);
}

/* ---- help, from the key table of the screen below ---- */

struct help {
	const struct screen_ops *of;
	int top;
};

static const struct keybinding help_keys[] = {
	{'j', false, MA_DOWN, "j/Down", "scroll down", true},
	{KEY_DOWN, true, MA_DOWN, "Down", "scroll down", false},
	{'k', false, MA_UP, "k/Up", "scroll up", true},
	{KEY_UP, true, MA_UP, "Up", "scroll up", false},
	{27, false, MA_CLOSE, "Esc/q", "back", true},
	{'q', false, MA_CLOSE, "q", "back", false},
	{'?', false, MA_CLOSE, "?", "back", false},
	{0},
};

/* Keys every screen has (handled in ui.c). */
static const struct keybinding global_keys[] = {
	{'?', false, 0, "? / F1", "this help (built from each screen's key table)", false},
	{12, false, 0, "Ctrl-L", "repaint the screen", false},
	{0},
};

/* Remembers which screen's keys to show. */
static int help_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct help *h = xcalloc(1, sizeof *h);
	h->of = ((struct screen *)arg)->ops;
	sc->priv = h;
	return 0;
}

/* Draws one table; returns the next row. Keys sharing an action (or label) and description are one line. */
static int help_table(const struct ui *ui, WINDOW *w, int y, int rows, int skip, int cols,
		      const struct keybinding *keys, int *line)
{
	for (const struct keybinding *b = keys; b && b->label; b++) {
		bool dup = false;
		for (const struct keybinding *p = keys; p < b; p++)
			if (strcmp(p->desc, b->desc) == 0 && (p->action == b->action || strcmp(p->label, b->label) == 0))
				dup = true;
		if (dup)
			continue;
		if ((*line)++ < skip || y >= rows)
			continue;
		text_put(w, y, 2, b->label, 14, ui_attr(ui, ST_MARK), false);
		text_put(w, y, 18, b->desc, cols - 20, A_NORMAL, false);
		y++;
	}
	return y;
}

/* Draws the help page. */
static void help_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct help *h = sc->priv;
	char *title = xasprintf("Help %s %s screen", ui_sym("\xE2\x80\x94", "-"), h->of->name);
	int line = 0;

	text_put(w, 0, 0, title, cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	int y = help_table(ui, w, 2, rows, h->top, cols, h->of->keys, &line);
	if (y < rows - 1) {
		text_put(w, y + 1, 0, "Everywhere", cols, ui_attr(ui, ST_TITLE), false);
		help_table(ui, w, y + 2, rows, 0, cols, global_keys, &line);
	}
	free(title);
}

/* Scrolls or closes. */
static int help_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct help *h = sc->priv;

	switch (ev->action) {
	case MA_CLOSE:
		return UI_POP | UI_REDRAW;
	case MA_DOWN:
		h->top++;
		return UI_REDRAW;
	case MA_UP:
		if (h->top > 0)
			h->top--;
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

/* Frees the help state. */
static void help_free(struct screen *sc)
{
	free(sc->priv);
}

const struct screen_ops ui_help_screen = {
	.name = "help",
	.init = help_init,
	.draw = help_draw,
	.key = help_key,
	.free = help_free,
	.keys = help_keys,
};
