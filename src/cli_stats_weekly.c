/* The second half of `smsdesk stats`: rates by location and week, no-shows after a reminder
 * against without one, and the results of campaigns started in the period. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"

/* part/whole as "97.5%", "-" when whole is 0. */
static const char *rate(int64_t part, int64_t whole, char *buf, size_t len)
{
	if (whole <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
	return buf;
}

/* One location's weeks. */
static int print_weeks(struct store *s, const struct tenant *t, int64_t since, int64_t until)
{
	struct stats_week *w = NULL;
	size_t n = 0;
	char *err = NULL;
	int64_t offset = tz_offset(t->timezone, until);
	if (store_stats_weekly(s, t->id, since, until, offset, &w, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
		free(err);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		char day[40], a[16], b[16], c[16], cost[32];
		cli_format_local(w[i].week_start, t->timezone, day, sizeof(day));
		day[10] = '\0';
		segments_format_cost(w[i].cost_micros, cost, sizeof(cost));
		printf("  %-20.20s %s %6lld %8s %8s %8s %6lld %9s\n", cli_show(t->name), day, (long long)w[i].sent,
		       rate(w[i].delivered, w[i].final, a, sizeof(a)), rate(w[i].replied, w[i].texted, b, sizeof(b)),
		       rate(w[i].confirmed, w[i].reminded, c, sizeof(c)), (long long)w[i].campaign, cost);
	}
	stats_week_list_free(&w, n);
	return EXIT_OK;
}

/* Campaigns started in the period, with their results. */
static int print_campaigns(struct store *s, int64_t tenant_id, int64_t since, int64_t until)
{
	struct campaign *list = NULL;
	size_t n = 0, shown = 0;
	char *err = NULL;
	if (store_campaign_list(s, tenant_id, NULL, &list, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
		free(err);
		return rc;
	}
	printf("\nCampaigns started in the period\n");
	for (size_t i = 0; i < n; i++) {
		struct campaign_results r;
		char a[16], b[16], c[16], cost[32];
		if (list[i].started_at < since || list[i].started_at >= until)
			continue;
		if (store_campaign_results(s, list[i].id, &r, &err) != 0)
			break;
		if (shown++ == 0)
			printf("  %-4s %-28s %-9s %7s %7s %8s %8s %8s %9s\n", "ID", "NAME", "STATUS", "TO TEXT", "SENT",
			       "DELIV", "REPLIED", "BOOKED", "COST");
		segments_format_cost(r.cost_micros, cost, sizeof(cost));
		printf("  %-4lld %-28.28s %-9s %7lld %7lld %8s %8s %8s %9s\n", (long long)list[i].id,
		       cli_show(list[i].name), list[i].status, (long long)(r.recipients - r.excluded), (long long)r.sent,
		       rate(r.delivered, r.sent, a, sizeof(a)), rate(r.replied, r.sent, b, sizeof(b)),
		       rate(r.booked, r.sent, c, sizeof(c)), cost);
	}
	if (shown == 0 && err == NULL)
		printf("  (none)\n");
	campaign_list_free(&list, n);
	int rc = err ? cli_fail(EXIT_FAIL, "stats", "%s", err) : EXIT_OK;
	free(err);
	return rc;
}

int cli_stats_more(struct store *s, const struct tenant *t, int64_t since, int64_t until)
{
	struct tenant *list = NULL;
	size_t n = 0;
	char *err = NULL, a[16], b[16];
	int rc = EXIT_OK;
	printf("\nBy location and week (weeks start Monday; delivered of final, replied of patients texted,\n"
	       "confirmed of appointments reminded)\n");
	printf("  %-20s %-10s %6s %8s %8s %8s %6s %9s\n", "LOCATION", "WEEK", "SENT", "DELIV", "REPLIED", "CONFIRM",
	       "CAMPGN", "COST");
	if (t->id != 0) {
		rc = print_weeks(s, t, since, until);
	} else if (store_tenant_list(s, &list, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
	}
	for (size_t i = 0; rc == EXIT_OK && i < n; i++)
		rc = print_weeks(s, &list[i], since, until);
	tenant_list_free(&list, n);
	struct stats_noshow ns;
	if (rc == EXIT_OK && store_stats_noshow(s, t->id, since, until, &ns, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
	if (rc == EXIT_OK) {
		printf("\nNo-shows (visits in the period that are over)\n");
		printf("  after a reminder  %lld of %lld  %s\n", (long long)ns.reminded_noshow, (long long)ns.reminded,
		       rate(ns.reminded_noshow, ns.reminded, a, sizeof(a)));
		printf("  without one       %lld of %lld  %s\n", (long long)ns.unreminded_noshow, (long long)ns.unreminded,
		       rate(ns.unreminded_noshow, ns.unreminded, b, sizeof(b)));
		rc = print_campaigns(s, t->id, since, until);
	}
	free(err);
	return rc;
}
