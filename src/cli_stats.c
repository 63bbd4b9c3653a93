/* `smsdesk stats`: messaging statistics for a period, per location or for all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"
#include "store/stats.h"

extern const struct cli_command cli_cmd_stats;

static const char usage_stats[] =
	"usage: smsdesk [--tenant T] stats [--tenant T] [--since DATE] [--until DATE]\n"
	"Messages sent and received, delivery and failure rates, segments and the estimated\n"
	"Twilio cost (at the location's per-segment price), opt-outs, reminders sent and the\n"
	"patients' answers (confirmed / reschedule / cancelled); then by location and week the\n"
	"delivery rate (delivered of final), reply rate (patients who wrote in of those texted),\n"
	"confirm rate (of appointments reminded) and cost; no-shows after a reminder against\n"
	"without one (visits in the period marked completed or no-show); and the results of the\n"
	"campaigns started in the period (sent, delivered, replied, booked, cost).\n"
	"DATE is YYYY-MM-DD (midnight in the clinic's time zone; UTC for all locations) or Nd\n"
	"for N days ago. The period is [--since, --until): by default the last 30 days.\n"
	"Without --tenant and with several locations, the figures cover all of them.\n";

/* "YYYY-MM-DD" (local midnight in tz) or "Nd" (N days before now) to Unix time. */
int cli_parse_day(const char *s, const char *tz, int64_t *out)
{
	return tz_parse_day(s, tz, clock_now(), out);
}

/* part as a percentage of whole ("-" when whole is 0). */
static const char *pct(int64_t part, int64_t whole, char *buf, size_t len)
{
	if (whole <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * (double)part / (double)whole);
	return buf;
}

/* Prints the figures. */
static void print_stats(const struct sms_stats *st, const char *where, const char *from, const char *to,
			const char *tz, int64_t price)
{
	char a[32], b[32], cost[32], per[32], unit[32];
	int64_t final = st->delivered + st->failed;
	int64_t answered = st->confirmed + st->reschedule + st->cancelled;
	segments_format_cost(st->cost_micros, cost, sizeof(cost));
	segments_format_cost(st->patients_texted ? st->cost_micros / st->patients_texted : 0, per, sizeof(per));
	printf("SMS statistics: %s, %s to %s (%s)\n\n", where, from, to, cli_show(tz));
	printf("Messages\n");
	printf("  sent              %8lld  (reminders %lld, conversation %lld, automatic replies %lld, campaigns %lld)\n",
	       (long long)st->sent, (long long)st->sent_reminder, (long long)st->sent_conversation,
	       (long long)st->sent_automatic, (long long)st->sent_campaign);
	printf("  received          %8lld\n", (long long)st->received);
	printf("  delivered         %8lld  %s of those with a final status\n", (long long)st->delivered,
	       pct(st->delivered, final, a, sizeof(a)));
	printf("  failed            %8lld  %s (failed or undelivered)\n", (long long)st->failed,
	       pct(st->failed, final, b, sizeof(b)));
	printf("  not final yet     %8lld\n", (long long)st->in_flight);
	printf("  patients texted   %8lld\n\n", (long long)st->patients_texted);
	printf("Cost (estimate)\n");
	printf("  segments          %8lld out, %lld in; MMS %lld\n", (long long)st->segments_out,
	       (long long)st->segments_in, (long long)st->mms_out);
	if (price > 0) {
		segments_format_cost(price, unit, sizeof(unit));
		printf("  estimated cost    %8s  at %s per segment; %s per patient texted\n\n", cost, unit, per);
	} else {
		printf("  estimated cost    %8s  at each location's price; %s per patient texted\n\n", cost, per);
	}
	printf("Opt-outs          %8lld  (by text %lld, carrier %lld, staff %lld, import %lld)\n\n",
	       (long long)st->optouts, (long long)st->optouts_sms, (long long)st->optouts_carrier,
	       (long long)st->optouts_staff, (long long)st->optouts_import);
	printf("Reminders\n");
	printf("  sent              %8lld  for %lld appointments; %lld skipped\n", (long long)st->reminders_sent,
	       (long long)st->appointments_reminded, (long long)st->reminders_skipped);
	printf("  answered          %8lld  %s of appointments reminded\n", (long long)answered,
	       pct(answered, st->appointments_reminded, a, sizeof(a)));
	printf("    confirmed       %8lld  %s\n", (long long)st->confirmed,
	       pct(st->confirmed, st->appointments_reminded, a, sizeof(a)));
	printf("    reschedule      %8lld  %s\n", (long long)st->reschedule,
	       pct(st->reschedule, st->appointments_reminded, a, sizeof(a)));
	printf("    cancelled       %8lld  %s\n", (long long)st->cancelled,
	       pct(st->cancelled, st->appointments_reminded, a, sizeof(a)));
}

/* Opens the store and picks the location, or all of them (t->id 0) when several and none named. */
static int pick_tenant(struct cli_ctx *ctx, struct store **s, struct tenant *t)
{
	memset(t, 0, sizeof(*t));
	int rc = cli_open_store(ctx, "stats", false, s);
	if (rc != EXIT_OK)
		return rc;
	if (ctx->tenant == NULL) {
		struct tenant *list = NULL;
		size_t n = 0;
		char *err = NULL;
		if (store_tenant_list(*s, &list, &n, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
			free(err);
			return rc;
		}
		tenant_list_free(&list, n);
		if (n > 1)
			return EXIT_OK; /* every location */
	}
	return cli_resolve_tenant(ctx, "stats", *s, t);
}

/* `stats`. */
static int run_stats(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *since_s = NULL, *until_s = NULL, *tenant = NULL;
	struct cli_opt opts[] = {{"--since", &since_s, NULL}, {"--until", &until_s, NULL}, {"--tenant", &tenant, NULL},
				 {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_stats, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 0)
		return cli_usage("stats", "stats takes no words, only options");
	if (tenant != NULL)
		ctx->tenant = tenant;
	struct store *s = NULL;
	struct tenant t;
	rc = pick_tenant(ctx, &s, &t);
	if (rc != EXIT_OK)
		goto out;
	const char *tz = t.id ? t.timezone : "UTC";
	int64_t until = clock_now() + 1, since = until - 30 * 86400;
	if (until_s && cli_parse_day(until_s, tz, &until) != 0) {
		rc = cli_usage("stats", "--until must be a date like 2026-11-01 or Nd (N days ago)");
		goto out;
	}
	if (since_s && cli_parse_day(since_s, tz, &since) != 0) {
		rc = cli_usage("stats", "--since must be a date like 2026-11-01 or Nd (N days ago)");
		goto out;
	}
	if (since >= until) {
		rc = cli_usage("stats", "--since must come before --until");
		goto out;
	}
	struct sms_stats st;
	char *err = NULL;
	if (store_stats_get(s, t.id, since, until, &st, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "stats", "%s", err);
		free(err);
		goto out;
	}
	char from[40], to[40], where[200];
	cli_format_local(since, tz, from, sizeof(from));
	cli_format_local(until, tz, to, sizeof(to));
	if (t.id)
		cli_safe_text(t.name, true, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "all locations");
	print_stats(&st, where, from, to, tz, t.id ? t.segment_price_micros : 0);
	rc = cli_stats_more(s, &t, since, until);
out:
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_stats = {"stats", "messaging statistics: volumes, delivery, cost, answers",
					  usage_stats, run_stats};
