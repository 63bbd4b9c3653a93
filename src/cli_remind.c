/* Reminders from the command line: `remind APPOINTMENT` (send one now) and `reminders`
 * (what went out, what waits, what was skipped and why). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/cli_internal.h"
#include "src/connect.h"
#include "src/outbox.h"
#include "src/phone.h"
#include "src/reminders.h"
#include "src/sync.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_remind, cli_cmd_reminders;

/* ---- remind ---- */

static const char usage_remind[] =
	"usage: smsdesk [--tenant T] remind APPOINTMENT_ID\n"
	"Sends the location's reminder for one appointment now, rendered from its template. It is\n"
	"refused (exit 3) for cancelled or past appointments, opted-out patients, patients with\n"
	"reminders off, outside texting hours, beyond the exemption limits for patients without consent on\n"
	"file, and when a reminder for this appointment was already sent by hand today. Unless a\n"
	"scheduler holds the sync lease it is sent at once; otherwise the scheduler sends it.\n";

/* The actor for the audit log: "cli:<login>" so the log says who asked. */
static char *cli_actor(void)
{
	const char *user = getenv("USER");
	if (user == NULL || *user == '\0')
		user = getlogin();
	char safe[64];
	cli_safe_text(user ? user : "unknown", true, safe, sizeof(safe));
	return xasprintf("cli:%s", safe);
}

/* Drains the outbox when no one else holds the lease; prints how message id fared. */
static int remind_send(struct cli_ctx *ctx, struct store *s, int64_t id)
{
	char *err = NULL, *owner = cli_owner_name();
	bool got = false;
	struct vault *v = NULL;
	struct client_cache *cache = NULL;
	int rc = cli_take_send_lease(s, "remind", owner, id, &got);
	if (rc != EXIT_OK || !got)
		goto out;
	rc = cli_open_vault(ctx, "remind", &v);
	if (rc == EXIT_OK) {
		struct outbox_stats stats = {0};
		cache = client_cache_new(s, v);
		if (outbox_drain(s, client_cache_get, cache, owner, 0, &stats, &err) != 0)
			rc = cli_fail(EXIT_FAIL, "remind", "%s", err);
	}
	store_lease_release(s, SYNC_LEASE_NAME, owner, NULL);
	struct sms_message m;
	if (rc == EXIT_OK && store_msg_get(s, id, &m, &err) == 0) {
		if (m.twilio_sid != NULL && strcmp(m.status, "failed") != 0)
			printf("sent: message %lld, SID %s, status %s\n", (long long)id,
			       cli_show(m.twilio_sid), cli_show(m.status));
		else
			rc = cli_fail(EXIT_TWILIO, "remind", "message %lld is %s (Twilio error %d); the scheduler retries "
				      "what can be retried", (long long)id, cli_show(m.status), m.error_code);
		sms_message_free(&m);
	}
	int changed = 0;
	store_reminder_sync_messages(s, &changed, NULL);
out:
	client_cache_free(&cache);
	vault_close(&v);
	free(err);
	free(owner);
	return rc;
}

/* `remind APPOINTMENT_ID`. */
static int run_remind(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt opts[] = {{NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_remind, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	long long appt = 0;
	if (npos != 1 || !cli_parse_int(pos[0], 1, INT64_MAX, &appt))
		return cli_usage("remind", "expected one appointment id (see 'smsdesk appointment list')");
	struct store *s = NULL;
	struct tenant t;
	memset(&t, 0, sizeof(t));
	rc = cli_open_store(ctx, "remind", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "remind", s, &t);
	if (rc != EXIT_OK)
		goto out;
	struct appointment a;
	char *err = NULL;
	int found = store_appt_get(s, appt, &a, &err);
	if (found != 0 || a.tenant_id != t.id) {
		rc = cli_fail(found < 0 ? EXIT_FAIL : EXIT_NOTFOUND, "remind", "no appointment %lld at %s", appt, t.name);
		if (found == 0)
			appointment_free(&a);
		xfree(&err);
		goto out;
	}
	appointment_free(&a);
	char *actor = cli_actor();
	int64_t msg = 0;
	int r = reminders_send_now(s, appt, actor, &msg, &err);
	free(actor);
	if (r == 0) {
		rc = remind_send(ctx, s, msg);
	} else {
		char why[300];
		cli_safe_text(err ? err : "unknown error", true, why, sizeof(why));
		rc = r == OUTBOX_REFUSED ? cli_fail(EXIT_REFUSED, "remind", "refused: %s", why)
		     : r == SD_NOTFOUND ? cli_fail(EXIT_NOTFOUND, "remind", "%s", why)
					: cli_fail(EXIT_FAIL, "remind", "%s", why);
	}
	free(err);
out:
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_remind = {"remind", "send one appointment's reminder now", usage_remind,
					   run_remind};

/* ---- reminders ---- */

static const char usage_reminders[] =
	"usage: smsdesk [--tenant T] reminders [--show upcoming|sent|waiting|skipped|responses|all]\n"
	"                                      [--limit N] [--days N]\n"
	"Lists a location's reminders: upcoming (the next one each appointment of the next --days\n"
	"days, default 7, will get), sent (queued or sent), waiting (for texting hours to begin),\n"
	"skipped (and failed) with the reason, the patients' responses, or all rows (default).\n"
	"STATUS is the message's own as Twilio last reported it (queued, sent, delivered,\n"
	"undelivered, failed), with Twilio's error code and text when it has one.\n"
	"Numbers are masked; times are the location's.\n";

/* Prints the rows of one stored view. */
static int list_rows(struct store *s, const struct tenant *t, enum reminder_view view, size_t limit)
{
	struct reminder_row *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	/* rows follow their messages first, so a failed one is listed with the failures */
	int changed = 0;
	if (store_reminder_sync_messages(s, &changed, &err) != 0)
		xfree(&err); /* a read-only moment (another writer): the statuses below still come from the messages */
	if (store_reminder_list(s, t->id, view, limit, &rows, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "reminders", "%s", err);
		free(err);
		return rc;
	}
	printf("%-6s %-6s %-16s %-22s %-15s %-7s %-13s %-16s %s\n", "ID", "APPT", "APPOINTMENT", "PATIENT", "MOBILE",
	       "SLOT", "STATUS", "WHEN", "REASON / RESPONSE");
	for (size_t i = 0; i < n; i++) {
		const struct reminder_row *v = &rows[i];
		char start[40], when[40], name[80], mobile[32] = "-", slot[16], why[200];
		cli_format_local(v->starts_at, t->timezone, start, sizeof(start));
		cli_format_local(v->r.sent_at ? v->r.sent_at : v->r.due_at, t->timezone, when, sizeof(when));
		cli_safe_text(v->patient_name, true, name, sizeof(name));
		if (v->mobile != NULL)
			phone_mask(v->mobile, mobile, sizeof(mobile));
		reminders_format_slot(v->r.slot_minutes, slot, sizeof(slot));
		char *reason = reminders_row_reason(v);
		const char *extra = v->r.response ? v->r.response : reason ? reason : "";
		cli_safe_text(extra, true, why, sizeof(why));
		free(reason);
		char status[24];
		cli_safe_text(reminders_row_status(v), true, status, sizeof(status));
		printf("%-6lld %-6lld %-16s %-22.22s %-15s %-7s %-13s %-16s %s\n", (long long)v->r.id,
		       (long long)v->r.appointment_id, start, name, mobile, slot, status, when, why);
	}
	if (n == 0)
		printf("(no reminders)\n");
	reminder_row_list_free(&rows, n);
	return EXIT_OK;
}

/* Prints the upcoming reminders. */
static int list_upcoming(struct store *s, const struct tenant *t, int64_t days, size_t limit)
{
	struct reminder_upcoming *u = NULL;
	size_t n = 0;
	char *err = NULL;
	if (reminders_upcoming(s, t->id, clock_now(), days * 86400, &u, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "reminders", "%s", err);
		free(err);
		return rc;
	}
	printf("%-6s %-16s %-22s %-7s %-16s %s\n", "APPT", "APPOINTMENT", "PATIENT", "SLOT", "DUE", "NOTE");
	for (size_t i = 0; i < n && (limit == 0 || i < limit); i++) {
		char start[40], due[40], name[80], slot[16];
		cli_format_local(u[i].starts_at, t->timezone, start, sizeof(start));
		cli_format_local(u[i].due_at, t->timezone, due, sizeof(due));
		cli_safe_text(u[i].patient_name, true, name, sizeof(name));
		reminders_format_slot(u[i].slot_minutes, slot, sizeof(slot));
		printf("%-6lld %-16s %-22.22s %-7s %-16s %s\n", (long long)u[i].appointment_id, start, name,
		       slot, due, cli_show(u[i].note));
	}
	if (n == 0)
		printf("(no upcoming reminders)\n");
	reminder_upcoming_list_free(&u, n);
	return EXIT_OK;
}

/* `reminders [--show VIEW] [--limit N] [--days N]`. */
static int run_reminders(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *show = "all", *limit_s = NULL, *days_s = NULL;
	struct cli_opt opts[] = {
		{"--show", &show, NULL}, {"--limit", &limit_s, NULL}, {"--days", &days_s, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_reminders, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	long long limit = 0, days = 7;
	if (npos != 0)
		return cli_usage("reminders", "unexpected '%s'", pos[0]);
	if (limit_s && !cli_parse_int(limit_s, 1, 1000000, &limit))
		return cli_usage("reminders", "--limit needs a number from 1 to 1000000");
	if (days_s && !cli_parse_int(days_s, 1, 60, &days))
		return cli_usage("reminders", "--days needs a number from 1 to 60");
	static const struct {
		const char *name;
		enum reminder_view view;
	} views[] = {{"all", REMINDER_VIEW_ALL},         {"sent", REMINDER_VIEW_SENT},
		     {"waiting", REMINDER_VIEW_WAITING}, {"skipped", REMINDER_VIEW_SKIPPED},
		     {"responses", REMINDER_VIEW_RESPONSES}};
	int which = -1;
	bool upcoming = strcmp(show, "upcoming") == 0;
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (strcmp(show, views[i].name) == 0)
			which = (int)i;
	if (which < 0 && !upcoming)
		return cli_usage("reminders", "--show takes upcoming, sent, waiting, skipped, responses or all");
	struct store *s = NULL;
	struct tenant t;
	memset(&t, 0, sizeof(t));
	rc = cli_open_store(ctx, "reminders", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "reminders", s, &t);
	if (rc == EXIT_OK)
		rc = upcoming ? list_upcoming(s, &t, days, (size_t)limit)
			      : list_rows(s, &t, views[which].view, (size_t)limit);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_reminders = {"reminders", "list sent, waiting, skipped and upcoming reminders",
					      usage_reminders, run_reminders};
