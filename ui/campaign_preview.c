/* The new campaign's preview (admins): the counts of `smsdesk campaign preview` from the same
 * core function (campaign_preview): who the filter finds, who would be texted, who is left out
 * and why, segments, cost, pace and a sample text. `c` creates the draft, `s` creates and
 * starts it; Esc goes back to the form as it was. Opening it is audited (campaign.preview). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/segments.h"
#include "src/util.h"
#include "ui/campaign_form.h"
#include "ui/text.h"

enum { PA_CREATE = 1, PA_START, PA_BACK };

static const struct keybinding preview_keys[] = {
	{'c', false, PA_CREATE, "c", "create draft", true},
	{'s', false, PA_START, "s", "create and send", true},
	{27, false, PA_BACK, "Esc", "back to the form", true},
	{'q', false, PA_BACK, "q", "back to the form", false},
	{0},
};

struct cpview {
	struct campaign_draft *d;
	struct tenant t;
	struct campaign_filter f; /* its strings point into hold */
	struct campaign_draft_hold hold;
	struct campaign_preview pv;
};

static void cp_free(struct cpview *v)
{
	campaign_preview_clear(&v->pv);
	campaign_draft_hold_free(&v->hold);
	tenant_free(&v->t);
	free(v);
}

/* Audits the preview: it read patients' records (counts and a first name in the sample). */
static void audit_preview(struct ui *ui, const struct cpview *v)
{
	char *detail = xasprintf("kind=%s matched=%zu will_send=%zu excluded=%zu filter=\"%.200s\"", v->f.kind,
				 v->pv.matched, v->pv.will_send, v->pv.matched - v->pv.will_send, v->pv.filter_words);
	ui_audit(ui, "campaign.preview", 0, "new campaign", detail);
	free(detail);
}

/* Reads the form and counts; a refusal goes back to the form in words and nothing opens. */
static int preview_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct campaign_draft *d = arg;
	struct cpview *v = xcalloc(1, sizeof(*v));
	char *err = NULL;
	v->d = d;
	const char *why = auth_refusal_text(ui->session.role, AUTH_CAMPAIGNS);
	if (why != NULL)
		err = xstrdup(why);
	else if (store_tenant_get(ui->store, ui->session.tenant_id, &v->t, &err) != 0 ||
		 campaign_draft_read(d, &v->t, clock_now(), &v->f, &v->hold, &err) != 0 ||
		 campaign_preview(ui->store, &v->f, v->hold.text[CF_BODY], clock_now(), &v->pv, &err) != 0) {
		if (err == NULL)
			err = xstrdup("cannot read the location");
	}
	if (err != NULL) {
		free(d->problem);
		d->problem = xasprintf("Not previewed: %s.", err);
		free(err);
		cp_free(v);
		return -1;
	}
	audit_preview(ui, v);
	sc->priv = v;
	sc->title = xstrdup("Campaign preview");
	return 0;
}

/* Who is left out and why, one line a reason; returns the next row. */
static int draw_counts(struct ui *ui, const struct cpview *v, WINDOW *w, int y, int rows, int cols)
{
	char line[256];
	snprintf(line, sizeof(line), "matched: %zu   will text: %zu   left out: %zu", v->pv.matched, v->pv.will_send,
		 v->pv.matched - v->pv.will_send);
	text_put(w, y++, 0, line, cols, ui_attr(ui, v->pv.will_send > 0 ? ST_OK : ST_WARN), false);
	for (int e = 1; e < CAMPAIGN_EXCL_N && y < rows; e++) {
		if (v->pv.excluded[e] == 0)
			continue;
		snprintf(line, sizeof(line), "  %-6zu %s", v->pv.excluded[e], campaign_excl_words((enum campaign_excl)e));
		text_put(w, y++, 0, line, cols, ui_attr(ui, ST_DIM), false);
	}
	return y;
}

static void preview_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct cpview *v = sc->priv;
	char cost[32], *line = xasprintf("Preview %s %s (%s)", ui_sym("\xE2\x80\x94", "-"), v->hold.text[CF_NAME],
					 v->f.kind);
	text_put(w, 0, 0, line, cols, ui_attr(ui, ST_TITLE), false);
	free(line);
	ui_rule(ui, w, 1, cols);
	line = xasprintf("%s, filter: %s", v->t.name ? v->t.name : "", v->pv.filter_words);
	int y = 2 + text_put_wrap(w, 2, 0, line, cols, 2, A_NORMAL);
	free(line);
	y = draw_counts(ui, v, w, y + 1, rows, cols);
	segments_format_cost(v->pv.cost_micros, cost, sizeof(cost));
	line = xasprintf("text: %d segment%s (%s), estimated cost %s; pace %d a minute, about %lld min",
			 v->pv.segments, v->pv.segments == 1 ? "" : "s", v->pv.encoding, cost, v->pv.per_minute,
			 (long long)(v->pv.seconds + 59) / 60);
	text_put(w, ++y, 0, line, cols, A_NORMAL, false);
	free(line);
	y += 2;
	if (v->pv.will_send == 0) {
		text_put_wrap(w, y, 0, "Nobody would be texted: nothing to create. Esc goes back to change the filter.", cols,
			      2, ui_attr(ui, ST_WARN));
		return;
	}
	if (y < rows)
		text_put(w, y++, 0, "Sample, as the first patient would read it:", cols, ui_attr(ui, ST_DIM), false);
	if (v->pv.sample != NULL && y < rows)
		text_put_wrap(w, y, 2, v->pv.sample, cols - 4, rows - y, A_NORMAL);
}

/* c / s: makes the campaign (audited by the core), starts it on s, back to the list. */
static int make(struct ui *ui, struct screen *sc, bool start)
{
	struct cpview *v = sc->priv;
	const char *who = ui->session.username ? ui->session.username : "console";
	char *err = NULL;
	int64_t id = 0;
	if (v->pv.will_send == 0) {
		ui_message(ui, "Nothing to create", "Nobody would be texted with this filter. Esc goes back to change it.");
		return UI_REDRAW;
	}
	if (campaign_create(ui->store, &v->f, v->hold.text[CF_NAME], v->hold.text[CF_BODY], ui->session.user_id, who,
			    clock_now(), &id, NULL, &err) != 0) {
		ui_message(ui, "Campaign not created", err ? err : "store error");
		free(err);
		return UI_REDRAW;
	}
	bool started = start && campaign_start(ui->store, id, ui->session.user_id, who, &err) == 0;
	campaign_draft_free(v->d); /* made: the next `n` starts afresh */
	v->d->created = id;
	ui_close(ui, sc->below); /* the form */
	if (start && !started)
		ui_message(ui, "Campaign not started", err ? err : "store error");
	else if (started)
		ui_flash(ui, "Campaign %lld created and sending at %d a minute.", (long long)id, v->pv.per_minute);
	else
		ui_flash(ui, "Campaign %lld created as a draft: s on the list sends it.", (long long)id);
	free(err);
	return UI_POP | UI_RELOAD | UI_REDRAW | (started ? UI_SYNC_NOW : 0);
}

static int preview_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	switch (ev->action) {
	case PA_BACK: return UI_POP | UI_REDRAW;
	case PA_CREATE: return make(ui, sc, false);
	case PA_START: return make(ui, sc, true);
	}
	return UI_HANDLED;
}

static void preview_free(struct screen *sc)
{
	if (sc->priv != NULL)
		cp_free(sc->priv);
}

const struct screen_ops ui_campaign_preview_screen = {
	.name = "campaign preview",
	.init = preview_init,
	.draw = preview_draw,
	.key = preview_key,
	.free = preview_free,
	.keys = preview_keys,
};
