/* The analytics screen: the location's last eight weeks (sent, delivery, reply and confirm
 * rates, campaign texts, cost), no-shows after a reminder against without one, and the
 * campaigns' results. The same figures as `smsdesk stats`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"

#define ST_WEEKS 8

enum { SA_REFRESH = 1, SA_BACK };

static const struct keybinding stats_keys[] = {
	{'g', false, SA_REFRESH, "g", "refresh", true},
	{27, false, SA_BACK, "Esc/q", "back", true},
	{'q', false, SA_BACK, "q", "back", false},
	{0},
};

struct saview {
	struct stats_week *weeks;
	size_t n;
	struct stats_noshow ns;
	struct campaign *camps;
	struct campaign_results *res;
	size_t n_camps;
	char *error;
};

static void sa_clear(struct saview *v)
{
	stats_week_list_free(&v->weeks, v->n);
	campaign_list_free(&v->camps, v->n_camps);
	free(v->res);
	v->res = NULL;
	v->n = v->n_camps = 0;
	xfree(&v->error);
}

static void load(struct ui *ui, struct saview *v)
{
	char *err = NULL;
	int64_t until = clock_now() + 1, since = until - ST_WEEKS * 7 * 86400;
	sa_clear(v);
	const char *tz = ui->session.tenant_tz ? ui->session.tenant_tz : "UTC";
	if (store_stats_weekly(ui->store, ui->session.tenant_id, since, until, tz_offset(tz, until), &v->weeks, &v->n,
			       &err) != 0 ||
	    store_stats_noshow(ui->store, ui->session.tenant_id, since, until, &v->ns, &err) != 0 ||
	    store_campaign_list(ui->store, ui->session.tenant_id, NULL, &v->camps, &v->n_camps, &err) != 0)
		goto fail;
	v->res = xcalloc(v->n_camps ? v->n_camps : 1, sizeof(*v->res));
	for (size_t i = 0; i < v->n_camps; i++)
		if (store_campaign_results(ui->store, v->camps[i].id, &v->res[i], &err) != 0)
			goto fail;
	return;
fail:
	v->error = xasprintf("Cannot read the figures: %s", err ? err : "store error");
	free(err);
}

static int stats_init(struct ui *ui, struct screen *sc, void *arg)
{
	struct saview *v = xcalloc(1, sizeof(*v));
	sc->priv = v;
	sc->title = xstrdup("Analytics");
	load(ui, v);
	return 0;
}

/* "97.5%" or "-". */
static const char *pct(int64_t part, int64_t whole, char *buf, size_t len)
{
	if (whole <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
	return buf;
}

static void stats_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct saview *v = sc->priv;
	char line[300], a[16], b[16], c[16], cost[32];
	text_put(w, 0, 0, "Analytics: the last 8 weeks", cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	if (v->error != NULL) {
		text_put(w, 3, 0, v->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	text_put(w, 2, 0, "WEEK OF         SENT   DELIVERED  REPLIED  CONFIRMED  CAMPAIGN      COST", cols,
		 ui_attr(ui, ST_DIM), false);
	int y = 3;
	for (size_t i = 0; i < v->n && y < rows - 6; i++, y++) {
		char day[40];
		ui_time_zoned(ui, v->weeks[i].week_start, day, sizeof(day));
		segments_format_cost(v->weeks[i].cost_micros, cost, sizeof(cost));
		snprintf(line, sizeof(line), "%-12.11s %7lld %11s %8s %10s %9lld %9s", day, (long long)v->weeks[i].sent,
			 pct(v->weeks[i].delivered, v->weeks[i].final, a, sizeof(a)),
			 pct(v->weeks[i].replied, v->weeks[i].texted, b, sizeof(b)),
			 pct(v->weeks[i].confirmed, v->weeks[i].reminded, c, sizeof(c)), (long long)v->weeks[i].campaign,
			 cost);
		text_put(w, y, 0, line, cols, ui_attr(ui, ST_NORMAL), false);
	}
	if (v->n == 0)
		text_put(w, y++, 0, "(no messages in these weeks)", cols, ui_attr(ui, ST_DIM), false);
	ui_rule(ui, w, y++, cols);
	snprintf(line, sizeof(line), "No-shows: after a reminder %lld of %lld (%s); without one %lld of %lld (%s)",
		 (long long)v->ns.reminded_noshow, (long long)v->ns.reminded,
		 pct(v->ns.reminded_noshow, v->ns.reminded, a, sizeof(a)), (long long)v->ns.unreminded_noshow,
		 (long long)v->ns.unreminded, pct(v->ns.unreminded_noshow, v->ns.unreminded, b, sizeof(b)));
	text_put(w, y++, 0, line, cols, ui_attr(ui, ST_NORMAL), false);
	for (size_t i = 0; i < v->n_camps && y < rows; i++, y++) {
		const struct campaign_results *r = &v->res[i];
		snprintf(line, sizeof(line), "Campaign %lld %-24.24s %-8s sent %lld, delivered %s, replied %s, booked %s",
			 (long long)v->camps[i].id, v->camps[i].name, v->camps[i].status, (long long)r->sent,
			 pct(r->delivered, r->sent, a, sizeof(a)), pct(r->replied, r->sent, b, sizeof(b)),
			 pct(r->booked, r->sent, c, sizeof(c)));
		text_put(w, y, 0, line, cols, ui_attr(ui, ST_DIM), false);
	}
}

static int stats_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	if (ev->action == SA_BACK)
		return UI_POP | UI_REDRAW;
	if (ev->action == SA_REFRESH) {
		load(ui, sc->priv);
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

static void stats_reload(struct ui *ui, struct screen *sc)
{
	load(ui, sc->priv);
}

static void stats_free(struct screen *sc)
{
	struct saview *v = sc->priv;
	if (v == NULL)
		return;
	sa_clear(v);
	free(v);
}

const struct screen_ops ui_stats_screen = {
	.name = "stats",
	.init = stats_init,
	.draw = stats_draw,
	.key = stats_key,
	.reload = stats_reload,
	.free = stats_free,
	.keys = stats_keys,
};
