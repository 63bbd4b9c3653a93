/* The location switcher (L): the clinic locations this user may see; choosing one reopens the
 * inbox there, so threads, patients and settings all follow it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

enum { CA_DOWN = 1, CA_UP, CA_CHOOSE, CA_CLOSE };

static const struct keybinding locations_keys[] = {
	{'j', false, CA_DOWN, "j/Down", "next", true},
	{KEY_DOWN, true, CA_DOWN, "Down", "next", false},
	{'k', false, CA_UP, "k/Up", "previous", false},
	{KEY_UP, true, CA_UP, "Up", "previous", false},
	{'\r', false, CA_CHOOSE, "Enter", "switch to it", true},
	{'\n', false, CA_CHOOSE, "Enter", "switch to it", false},
	{KEY_ENTER, true, CA_CHOOSE, "Enter", "switch to it", false},
	{27, false, CA_CLOSE, "Esc", "close", true},
	{'q', false, CA_CLOSE, "q", "close", false},
	{0},
};

struct locations {
	struct tenant *list; /* only the permitted ones */
	int *unread;         /* unread messages per location, same order */
	size_t n, sel;
	char *error;
};

/* Reads the permitted locations by name. */
static int locations_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct locations *lc = xcalloc(1, sizeof(*lc));
	struct tenant *all = NULL;
	size_t n = 0;
	char *err = NULL;
	sc->priv = lc;
	if (store_tenant_list(ui->store, &all, &n, &err) != 0) {
		lc->error = err;
		return 0;
	}
	lc->list = xcalloc(n ? n : 1, sizeof(*lc->list));
	for (size_t i = 0; i < n; i++) {
		if (ui_auth_may_see(all[i].id)) {
			if (all[i].id == ui->session.tenant_id)
				lc->sel = lc->n;
			lc->list[lc->n++] = all[i];
		} else {
			tenant_free(&all[i]);
		}
	}
	free(all);
	lc->unread = xcalloc(lc->n ? lc->n : 1, sizeof *lc->unread);
	for (size_t i = 0; i < lc->n; i++)
		store_unread_total(ui->store, lc->list[i].id, &lc->unread[i], NULL);
	return 0;
}

/* Draws the list in a box, the current location marked. */
static void locations_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct locations *lc = sc->priv;
	int shown = (int)lc->n < rows - 8 ? (int)lc->n : rows - 8;
	int bw = 60, bh = shown + 5, y0, x0;
	ui_box(ui, w, rows, cols, bh < 7 ? 7 : bh, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, "Switch location", bw - 4, ui_attr(ui, ST_TITLE), false);
	if (lc->error) {
		text_put(w, y0 + 3, x0 + 2, lc->error, bw - 4, ui_attr(ui, ST_ERROR), false);
		return;
	}
	size_t first = lc->sel >= (size_t)shown ? lc->sel - (size_t)shown + 1 : 0;
	for (int i = 0; i < shown; i++) {
		const struct tenant *t = &lc->list[first + (size_t)i];
		bool sel = first + (size_t)i == lc->sel;
		char unread[24] = "";
		if (lc->unread[first + (size_t)i] > 0)
			snprintf(unread, sizeof unread, "  %d unread", lc->unread[first + (size_t)i]);
		char *line = xasprintf("%s %s  (%s)%s", t->id == ui->session.tenant_id ? "*" : " ", t->name, t->timezone,
				       unread);
		attr_t a = sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL;
		wattrset(w, a);
		mvwhline(w, y0 + 3 + i, x0 + 2, ' ', bw - 4);
		text_put(w, y0 + 3 + i, x0 + 2, line, bw - 4, a, false);
		wattrset(w, A_NORMAL);
		free(line);
	}
}

/* Moves, switches, or closes. */
static int locations_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct locations *lc = sc->priv;
	char *err = NULL;
	switch (ev->action) {
	case CA_DOWN:
		if (lc->sel + 1 < lc->n)
			lc->sel++;
		return UI_REDRAW;
	case CA_UP:
		if (lc->sel > 0)
			lc->sel--;
		return UI_REDRAW;
	case CA_CLOSE: return UI_POP | UI_REDRAW;
	case CA_CHOOSE:
		if (lc->n == 0)
			return UI_POP | UI_REDRAW;
		if (lc->list[lc->sel].id == ui->session.tenant_id)
			return UI_POP | UI_REDRAW;
		if (ui_auth_set_tenant(ui, lc->list[lc->sel].id, &err) != 0) {
			xfree(&lc->error);
			lc->error = err;
			return UI_REDRAW;
		}
		ui_audit(ui, "location.switch", 0, lc->list[lc->sel].name, NULL);
		ui_auth_restart(ui, sc);
		ui_flash(ui, "Now at %s", ui->session.tenant_name);
		return UI_POP | UI_REDRAW;
	}
	return UI_HANDLED;
}

/* Frees the list. */
static void locations_free(struct screen *sc)
{
	struct locations *lc = sc->priv;
	tenant_list_free(&lc->list, lc->n);
	free(lc->unread);
	free(lc->error);
	free(lc);
}

const struct screen_ops ui_locations_screen = {
	.name = "locations",
	.init = locations_init,
	.draw = locations_draw,
	.key = locations_key,
	.free = locations_free,
	.keys = locations_keys,
	.overlay = true,
};

void ui_locations_open(struct ui *ui)
{
	const int64_t *ids;
	if (ui_auth_tenants(&ids) <= 1) {
		ui_flash(ui, "You are assigned to %s only.", ui->session.tenant_name ? ui->session.tenant_name : "one location");
		return;
	}
	ui_push(ui, &ui_locations_screen, NULL);
}
