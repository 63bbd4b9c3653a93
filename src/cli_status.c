/* `smsdesk status`: is the scheduler working, what is waiting, what failed lately. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/sync.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_status;

/* A scheduler that has not polled for this long is reported as not running. */
#define STATUS_STALE_SECONDS 180

static const char usage_status[] =
	"usage: smsdesk status\n"
	"The scheduler (running when it holds the sync lease or polled in the last 3 minutes),\n"
	"the last poll and its error, the outbox (queued, being sent), outbound messages that\n"
	"failed in the last hour, the audit log's length and the version.\n"
	"Exit status 0 when the scheduler is running and the last poll succeeded, 1 otherwise:\n"
	"fit for a monitoring check.\n";

/* "42 s ago" / "5 min ago" / "3 h ago" / "never". */
static void ago(int64_t now, int64_t t, char *out, size_t len)
{
	int64_t d = now - t;
	if (t <= 0)
		snprintf(out, len, "never");
	else if (d < 120)
		snprintf(out, len, "%lld s ago", (long long)d);
	else if (d < 7200)
		snprintf(out, len, "%lld min ago", (long long)(d / 60));
	else
		snprintf(out, len, "%lld h ago", (long long)(d / 3600));
}

/* Prints the figures; returns true when all is well. */
static bool print_status(struct cli_ctx *ctx, struct store *s, const struct ops_status *st, const char *holder,
			 int64_t now)
{
	char when[32], iso[32];
	bool lease_sched = holder != NULL && strncmp(holder, "scheduler@", 10) == 0;
	bool recent = st->last_poll_at > 0 && now - st->last_poll_at <= STATUS_STALE_SECONDS;
	bool healthy = (lease_sched || recent) && st->last_error == NULL;
	printf("smsdesk %s, database %s (schema %d)\n", SMSDESK_VERSION, cli_show(ctx->db_path),
	       store_schema_version(s));
	ago(now, st->last_poll_at, when, sizeof(when));
	printf("scheduler:  %s\n", lease_sched || recent ? "running" : "NOT RUNNING (no poll in the last 3 minutes)");
	printf("lease:      %s\n", holder ? cli_show(holder) : "free");
	if (st->last_poll_at > 0)
		printf("last poll:  %s (%s)%s%s\n", time_iso_utc(st->last_poll_at, iso, sizeof(iso)), when,
		       st->last_error ? ", failed: " : ", ok", st->last_error ? cli_show(st->last_error) : "");
	else
		printf("last poll:  never\n");
	printf("outbox:     %lld queued, %lld being sent\n", (long long)st->queued, (long long)st->sending);
	printf("failures:   %lld in the last hour\n", (long long)st->failed_last_hour);
	printf("locations:  %lld\n", (long long)st->tenants);
	printf("audit log:  %lld entries\n", (long long)st->audit_entries);
	return healthy;
}

static int run_status(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[argc];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_status, argc, argv, NULL, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 0)
		return cli_usage("status", "status takes no words");
	struct store *s = NULL;
	rc = cli_open_store(ctx, "status", false, &s);
	if (rc != EXIT_OK)
		return rc;
	struct ops_status st;
	char *err = NULL, *holder = NULL;
	int64_t now = clock_now();
	if (store_ops_status(s, now, &st, &err) != 0 ||
	    store_lease_holder(s, SYNC_LEASE_NAME, now, &holder, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "status", "%s", err);
		goto out;
	}
	rc = print_status(ctx, s, &st, holder, now) ? EXIT_OK : EXIT_FAIL;
out:
	ops_status_free(&st);
	free(holder);
	free(err);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_status = {"status", "is the scheduler running; outbox, failures, last poll",
					   usage_status, run_status};
