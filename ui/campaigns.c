/* The campaigns screen: the location's recalls and campaigns with their progress and results
 * (to text, sent, delivered, replied, booked), who was left out and why for the selected one;
 * admins make new ones (n: ui/campaign_form.c) and start / resume / stop them. Staff see it
 * all read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/campaign.h"
#include "src/segments.h"
#include "ui/campaign_form.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

enum { CA_DOWN = 1, CA_UP, CA_NEW, CA_START, CA_STOP, CA_REFRESH, CA_BACK };

static const struct keybinding campaign_keys[] = {
	{'j', false, CA_DOWN, "j/Down", "next campaign", true},
	{KEY_DOWN, true, CA_DOWN, "Down", "next campaign", false},
	{'k', false, CA_UP, "k/Up", "previous campaign", false},
	{KEY_UP, true, CA_UP, "Up", "previous campaign", false},
	{'n', false, CA_NEW, "n", "new campaign: form, preview, create (admins)", true},
	{'s', false, CA_START, "s", "send or resume (admins)", true},
	{'x', false, CA_STOP, "x", "stop: take back what is queued (admins)", true},
	{'g', false, CA_REFRESH, "g", "refresh", false},
	{27, false, CA_BACK, "Esc/q", "back", true},
	{'q', false, CA_BACK, "q", "back", false},
	{0},
};

struct caview {
	struct campaign *list;
	struct campaign_results *res;
	size_t n, sel, top;
	struct campaign_reason *why; /* of the selected campaign */
	size_t n_why;
	char *error;
	struct campaign_draft draft; /* the new-campaign form's fields, kept between visits */
};

/* Frees what load() read. */
static void ca_clear(struct caview *v)
{
	campaign_list_free(&v->list, v->n);
	free(v->res);
	v->res = NULL;
	campaign_reason_list_free(&v->why, v->n_why);
	v->n = v->n_why = 0;
	xfree(&v->error);
}

/* Reads the location's campaigns, their results and the selected one's reasons. */
static void load(struct ui *ui, struct caview *v)
{
	char *err = NULL;
	int64_t keep = v->draft.created ? v->draft.created : v->n > 0 ? v->list[v->sel].id : 0;
	v->draft.created = 0;
	ca_clear(v);
	if (store_campaign_list(ui->store, ui->session.tenant_id, NULL, &v->list, &v->n, &err) != 0)
		goto fail;
	v->res = xcalloc(v->n ? v->n : 1, sizeof(*v->res));
	for (size_t i = 0; i < v->n; i++) {
		if (store_campaign_results(ui->store, v->list[i].id, &v->res[i], &err) != 0)
			goto fail;
		if (v->list[i].id == keep)
			v->sel = i;
	}
	if (v->sel >= v->n)
		v->sel = v->n ? v->n - 1 : 0;
	if (v->n > 0 && store_campaign_reasons(ui->store, v->list[v->sel].id, &v->why, &v->n_why, &err) != 0)
		goto fail;
	return;
fail:
	v->error = xasprintf("Cannot read the campaigns: %s", err ? err : "store error");
	free(err);
}

static int campaigns_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct caview *v = xcalloc(1, sizeof(*v));
	sc->priv = v;
	sc->title = xstrdup("Campaigns");
	load(ui, v);
	return 0;
}

/* Details of the selected campaign from row y: filter, progress, results, reasons. */
static void draw_detail(struct ui *ui, const struct caview *v, WINDOW *w, int y, int rows, int cols)
{
	const struct campaign *c = &v->list[v->sel];
	const struct campaign_results *r = &v->res[v->sel];
	char line[512], cost[32];
	ui_rule(ui, w, y++, cols);
	snprintf(line, sizeof(line), "%s: %s", c->name, c->filter);
	text_put(w, y++, 0, line, cols, ui_attr(ui, ST_TITLE), false);
	snprintf(line, sizeof(line), "%lld to text, %lld left out; %lld pending, %lld in the outbox, %lld sent, %lld skipped",
		 (long long)(r->recipients - r->excluded), (long long)r->excluded, (long long)r->pending,
		 (long long)r->outbox, (long long)r->sent, (long long)r->skipped);
	text_put(w, y++, 0, line, cols, ui_attr(ui, ST_NORMAL), false);
	segments_format_cost(r->cost_micros, cost, sizeof(cost));
	snprintf(line, sizeof(line), "%lld delivered, %lld failed, %lld replied, %lld booked; %lld segments, %s",
		 (long long)r->delivered, (long long)r->failed, (long long)r->replied, (long long)r->booked,
		 (long long)r->segments, cost);
	text_put(w, y++, 0, line, cols, ui_attr(ui, ST_OK), false);
	for (size_t i = 0; i < v->n_why && y < rows; i++, y++) {
		snprintf(line, sizeof(line), "  %5lld %-8s %s", (long long)v->why[i].count, v->why[i].status, v->why[i].reason);
		text_put(w, y, 0, line, cols, ui_attr(ui, ST_DIM), false);
	}
}

static void campaigns_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct caview *v = sc->priv;
	text_put(w, 0, 0,
		 auth_role_can(ui->session.role, AUTH_CAMPAIGNS) ? "Campaigns and recalls"
								 : "Campaigns and recalls (read-only: admins make and send them)",
		 cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	if (v->error != NULL) {
		text_put(w, 3, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	text_put(w, 2, 0, "  ID STATUS   KIND       TO TEXT   SENT  DELIV  REPL  BOOK  NAME", cols, ui_attr(ui, ST_DIM),
		 false);
	if (v->n == 0) {
		text_put(w, 3, 0,
			 auth_role_can(ui->session.role, AUTH_CAMPAIGNS)
			     ? "(no campaigns yet: n makes one, or 'smsdesk campaign create')"
			     : "(no campaigns yet; an admin makes them)",
			 cols, ui_attr(ui, ST_DIM), false);
		return;
	}
	int list_rows = rows - 12 > 2 ? rows - 12 : 2;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)list_rows)
		v->top = v->sel - (size_t)list_rows + 1;
	int y = 3;
	for (size_t k = v->top; k < v->n && y < 3 + list_rows; k++, y++) {
		const struct campaign_results *r = &v->res[k];
		char line[400];
		snprintf(line, sizeof(line), "%4lld %-8s %-9s %8lld %6lld %6lld %5lld %5lld  %s", (long long)v->list[k].id,
			 v->list[k].status, v->list[k].kind, (long long)(r->recipients - r->excluded), (long long)r->sent,
			 (long long)r->delivered, (long long)r->replied, (long long)r->booked, v->list[k].name);
		text_put(w, y, 0, line, cols, ui_attr(ui, k == v->sel ? ST_SELECTED : ST_NORMAL), true);
	}
	draw_detail(ui, v, w, 3 + list_rows, rows, cols);
}

/* Start / resume or stop the selected campaign (admins), audited by the core. */
static int act(struct ui *ui, struct caview *v, bool start)
{
	if (v->n == 0)
		return UI_HANDLED;
	const char *why = auth_refusal_text(ui->session.role, AUTH_CAMPAIGNS);
	if (why != NULL) {
		ui_message(ui, "Not allowed", why);
		return UI_REDRAW;
	}
	const struct campaign *c = &v->list[v->sel];
	const char *who = ui->session.username ? ui->session.username : "console";
	char *err = NULL;
	int64_t back = 0;
	int rc = start ? campaign_start(ui->store, c->id, ui->session.user_id, who, &err)
		       : campaign_stop(ui->store, c->id, ui->session.user_id, who, &back, &err);
	if (rc != 0) {
		ui_message(ui, start ? "Campaign not started" : "Campaign not stopped", err ? err : "store error");
		free(err);
		return UI_REDRAW;
	}
	if (start)
		ui_flash(ui, "Campaign %lld is sending at the location's pace.", (long long)c->id);
	else
		ui_flash(ui, "Campaign %lld stopped; %lld queued texts taken back.", (long long)c->id, (long long)back);
	return UI_RELOAD | UI_SYNC_NOW | UI_REDRAW;
}

static int campaigns_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct caview *v = sc->priv;
	switch (ev->action) {
	case CA_BACK: return UI_POP | UI_REDRAW;
	case CA_DOWN:
	case CA_UP:
		if (ev->action == CA_DOWN && v->sel + 1 < v->n)
			v->sel++;
		else if (ev->action == CA_UP && v->sel > 0)
			v->sel--;
		load(ui, v);
		return UI_REDRAW;
	case CA_NEW: ui_push(ui, &ui_campaign_form_screen, &v->draft); return UI_REDRAW;
	case CA_START: return act(ui, v, true);
	case CA_STOP: return act(ui, v, false);
	case CA_REFRESH: load(ui, v); return UI_REDRAW;
	}
	return UI_HANDLED;
}

static void campaigns_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

static void campaigns_free(struct screen *sc)
{
	struct caview *v = sc->priv;
	if (v == NULL)
		return;
	ca_clear(v);
	campaign_draft_free(&v->draft);
	free(v);
}

const struct screen_ops ui_campaigns_screen = {
	.name = "campaigns",
	.init = campaigns_init,
	.draw = campaigns_draw,
	.key = campaigns_key,
	.reload = campaigns_reload,
	.free = campaigns_free,
	.keys = campaign_keys,
};
