/* The cancellation filler's screen: cancelled visits offered by text, and for the selected
 * one the chain: who was offered it (waitlist, then recall), when, who answered BOOK and got
 * it, who was told it was taken. Read only: the scheduler's pass does the work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { FI_DOWN = 1, FI_UP, FI_REFRESH, FI_BACK };

static const struct keybinding filler_keys[] = {
	{'j', false, FI_DOWN, "j/Down", "next offer", true},
	{KEY_DOWN, true, FI_DOWN, "Down", "next offer", false},
	{'k', false, FI_UP, "k/Up", "previous offer", false},
	{KEY_UP, true, FI_UP, "Up", "previous offer", false},
	{'g', false, FI_REFRESH, "g", "refresh", false},
	{27, false, FI_BACK, "Esc/q", "back", true},
	{'q', false, FI_BACK, "q", "back", false},
	{0},
};

struct fiview {
	struct slot_offer *list;
	size_t n, sel, top;
	struct offer_link *chain; /* of the selected offer */
	size_t n_chain;
	int waiting;              /* waitlist entries still waiting */
	char *error;
};

static void fi_clear(struct fiview *v)
{
	slot_offer_list_free(&v->list, v->n);
	offer_link_list_free(&v->chain, v->n_chain);
	v->n = v->n_chain = 0;
	xfree(&v->error);
}

/* Reads the location's offers, the selected one's chain and the waitlist's length. */
static void load(struct ui *ui, struct fiview *v)
{
	char *err = NULL;
	int64_t keep = v->n > 0 ? v->list[v->sel].id : 0;
	struct waitlist_entry *wl = NULL;
	size_t nw = 0;
	fi_clear(v);
	if (store_offer_list(ui->store, ui->session.tenant_id, NULL, 200, &v->list, &v->n, &err) != 0 ||
	    store_waitlist_list(ui->store, ui->session.tenant_id, &wl, &nw, &err) != 0)
		goto fail;
	v->waiting = 0;
	for (size_t i = 0; i < nw; i++)
		v->waiting += strcmp(wl[i].status, "waiting") == 0;
	waitlist_entry_list_free(&wl, nw);
	for (size_t i = 0; i < v->n; i++)
		if (v->list[i].id == keep)
			v->sel = i;
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
	if (v->n > 0 && store_offer_chain(ui->store, v->list[v->sel].id, &v->chain, &v->n_chain, &err) != 0)
		goto fail;
	return;
fail:
	v->error = xasprintf("Cannot read the offers: %s", err ? err : "store error");
	free(err);
}

static int filler_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct fiview *v = xcalloc(1, sizeof(*v));
	sc->priv = v;
	sc->title = xstrdup("Cancelled visits");
	load(ui, v);
	ui_audit(ui, "filler.view", 0, NULL, NULL);
	return 0;
}

/* The selected offer's chain from row y. */
static void draw_chain(struct ui *ui, const struct fiview *v, WINDOW *w, int y, int rows, int cols)
{
	char line[300], when[40];
	ui_rule(ui, w, y++, cols);
	text_put(w, y++, 0, "  #  NAME                      FROM      STATUS      OFFERED       NOTE", cols,
		 ui_attr(ui, ST_DIM), false);
	for (size_t i = 0; i < v->n_chain && y < rows; i++, y++) {
		const struct offer_link *l = &v->chain[i];
		if (l->offered_at)
			ui_time(ui, l->offered_at, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "-");
		snprintf(line, sizeof(line), "%3d  %-25.25s %-9s %-11s %-13s %s", l->rank, l->patient_name, l->source,
			 l->status, when, l->reason ? l->reason : "");
		enum ui_style st = strcmp(l->status, "won") == 0 ? ST_OK : strcmp(l->status, "skipped") == 0 ? ST_DIM : ST_NORMAL;
		text_put(w, y, 0, line, cols, ui_attr(ui, st), false);
	}
}

static void filler_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct fiview *v = sc->priv;
	char line[300];
	snprintf(line, sizeof(line), "Cancelled visits offered to the waitlist (%d waiting)", v->waiting);
	text_put(w, 0, 0, line, cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	if (v->error != NULL) {
		text_put(w, 3, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	text_put(w, 2, 0, "  ID STATUS     SLOT              PROVIDER              BOOKED", cols, ui_attr(ui, ST_DIM), false);
	if (v->n == 0) {
		text_put(w, 3, 0, "(no cancelled visits offered yet: 'smsdesk waitlist --help')", cols, ui_attr(ui, ST_DIM),
			 false);
		return;
	}
	int list_rows = rows - 12 > 2 ? rows - 12 : 2;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)list_rows)
		v->top = v->sel - (size_t)list_rows + 1;
	int y = 3;
	for (size_t k = v->top; k < v->n && y < 3 + list_rows; k++, y++) {
		char when[40], who[80] = "-";
		ui_time_zoned(ui, v->list[k].starts_at, when, sizeof(when));
		for (size_t i = 0; k == v->sel && i < v->n_chain; i++)
			if (strcmp(v->chain[i].status, "won") == 0)
				snprintf(who, sizeof(who), "%s", v->chain[i].patient_name);
		if (k != v->sel && v->list[k].filled_by)
			snprintf(who, sizeof(who), "patient %lld", (long long)v->list[k].filled_by);
		snprintf(line, sizeof(line), "%4lld %-10s %-17.17s %-21.21s %s", (long long)v->list[k].id, v->list[k].status,
			 when, v->list[k].provider, who);
		text_put(w, y, 0, line, cols, ui_attr(ui, k == v->sel ? ST_SELECTED : ST_NORMAL), true);
	}
	draw_chain(ui, v, w, 3 + list_rows, rows, cols);
}

static int filler_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct fiview *v = sc->priv;
	switch (ev->action) {
	case FI_BACK: return UI_POP | UI_REDRAW;
	case FI_DOWN:
		if (v->sel + 1 < v->n)
			v->sel++;
		load(ui, v);
		return UI_REDRAW;
	case FI_UP:
		if (v->sel > 0)
			v->sel--;
		load(ui, v);
		return UI_REDRAW;
	case FI_REFRESH: load(ui, v); return UI_REDRAW;
	}
	return UI_HANDLED;
}

static void filler_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

static void filler_free(struct screen *sc)
{
	struct fiview *v = sc->priv;
	if (v == NULL)
		return;
	fi_clear(v);
	free(v);
}

const struct screen_ops ui_filler_screen = {
	.name = "filler",
	.init = filler_init,
	.draw = filler_draw,
	.key = filler_key,
	.reload = filler_reload,
	.free = filler_free,
	.keys = filler_keys,
};
