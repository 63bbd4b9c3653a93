/* Messaging from the command line: `send`, `messages`, `poll`, and `sim`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/connect.h"
#include "src/mediahttp.h"
#include "src/outbox.h"
#include "src/phone.h"
#include "src/quiet.h"
#include "src/tz.h"
#include "src/segments.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/util.h"

#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_send, cli_cmd_messages, cli_cmd_poll, cli_cmd_sim;

/* ---- send ---- */

static const char usage_send[] =
	"usage: smsdesk [--tenant T] send (--patient ID | --to NUMBER) --body TEXT [--dry-run]\n"
	"                                 [--media-url URL] [--force --reason TEXT]\n"
	"Shows the encoding (GSM-7 or UCS-2), the number of segments and the estimated cost, then\n"
	"queues the message through the one send path (opt-outs, the 1,600-character limit) and,\n"
	"unless a scheduler holds the sync lease, sends it at once and prints Twilio's SID and status.\n"
	"Outside the location's texting hours (08:00-21:00 by default) in the patient's time zone\n"
	"(else the location's) it is refused, as the console warns; --force --reason \"...\" sends it\n"
	"anyway and records the reason in the audit log.\n"
	"--media-url URL attaches a file (an aftercare sheet) as an MMS: a public https:// URL that\n"
	"Twilio fetches; smsdesk first checks it (HEAD, 10 s) is at most 5 MB and of an allowed type\n"
	"(image/jpeg, png, gif, heic, heif, webp, application/pdf); the cost is then the MMS price.\n"
	"--dry-run stops after the figures. Exit codes: 3 refused by a rule, 4 Twilio or network.\n";

struct send_args {
	const char *patient, *to, *body, *reason, *media_url;
	char *media_json; /* the checked --media-url as the outbox's list (malloc'd) */
	bool dry_run, force;
};

/* A --reason for the audit log: one line without control characters. */
static bool reason_ok(const char *r)
{
	for (const unsigned char *p = (const unsigned char *)r; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Why a send now would be outside the texting hours (malloc'd words), or NULL. The patient's
 * zone when known, else the location's: the same rule the console warns with. */
static char *outside_hours(struct store *s, const struct tenant *t, int64_t pid)
{
	struct patient p;
	bool have_p = pid > 0 && store_patient_get(s, pid, &p, NULL) == 0;
	const char *tz = have_p && p.timezone && tz_valid(p.timezone) ? p.timezone : t->timezone;
	int64_t now = clock_now();
	char *why = NULL;
	if (!quiet_allowed(now, tz, t->quiet_start, t->quiet_end)) {
		struct tm lt;
		char local[16] = "?";
		if (tz_local(tz, now, &lt) == 0)
			snprintf(local, sizeof(local), "%02d:%02d", lt.tm_hour, lt.tm_min);
		why = xasprintf("it is %s for the patient (%s), outside texting hours %02d:%02d-%02d:%02d", local, tz,
				t->quiet_start / 60, t->quiet_start % 60, t->quiet_end / 60, t->quiet_end % 60);
	}
	if (have_p)
		patient_free(&p);
	return why;
}

/* The texting-hours rule for a send: EXIT_REFUSED with the words, or EXIT_OK (with *forced set
 * when --force --reason let it through, for the audit entry). */
static int hours_rule(struct store *s, const struct tenant *t, int64_t pid, const struct send_args *a, bool *forced)
{
	*forced = false;
	char *why = outside_hours(s, t, pid);
	if (why == NULL)
		return EXIT_OK;
	int rc = EXIT_OK;
	if (a->dry_run)
		rc = cli_fail(EXIT_REFUSED, "send", "would be refused: %s (--force --reason \"...\" sends anyway)", why);
	else if (!a->force)
		rc = cli_fail(EXIT_REFUSED, "send", "refused: %s. To send anyway: --force --reason \"why it cannot "
						     "wait\" (recorded in the audit log)", why);
	else
		*forced = true;
	free(why);
	return rc;
}

/* Finds the number to send to: the patient's mobile, or --to in E.164. */
static int send_target(struct store *s, const struct tenant *t, const struct send_args *a, int64_t *pid,
		       char to[PHONE_E164_MAX])
{
	char *err = NULL;
	long long id = 0;
	int rc = EXIT_OK;
	*pid = 0;
	if (a->to != NULL) {
		if (phone_to_e164(a->to, to, &err) != 0) {
			rc = cli_usage("send", "--to: %s", err);
			free(err);
		}
		return rc;
	}
	if (!cli_parse_int(a->patient, 1, INT64_MAX, &id))
		return cli_usage("send", "--patient needs a patient id (see 'smsdesk patient list')");
	struct patient p;
	int found = store_patient_get(s, id, &p, &err);
	free(err);
	if (found != 0 || p.tenant_id != t->id)
		rc = cli_fail(found < 0 ? EXIT_FAIL : EXIT_NOTFOUND, "send", "no patient %lld at %s", id, t->name);
	else if (p.mobile == NULL)
		rc = cli_fail(EXIT_REFUSED, "send", "patient %lld has no mobile number on file", id);
	else
		snprintf(to, PHONE_E164_MAX, "%s", p.mobile);
	*pid = id;
	patient_free(&p);
	return rc;
}

/* Checks --media-url (HEAD: type, size) into a->media_json and prints what it is. */
static int send_media(struct send_args *a)
{
	char *what = NULL, *err = NULL;
	if (a->media_url == NULL)
		return EXIT_OK;
	if (mediahttp_outbound(a->media_url, 10000, &a->media_json, &what, &err) != 0) {
		int rc = cli_fail(EXIT_REFUSED, "send", "refused: %s; nothing was sent", err);
		free(err);
		return rc;
	}
	printf("media: %s (MMS)\n", cli_show(what));
	free(what);
	return EXIT_OK;
}

/* Prints encoding, segments and cost; refuses an over-long body even in a dry run. */
static int send_figures(const struct tenant *t, const char *body, bool mms)
{
	struct segment_info si;
	char cost[32];
	segments_count(body, strlen(body), &si);
	segments_format_cost(segments_cost_micros(&si, mms, t->segment_price_micros, t->mms_price_micros), cost,
			     sizeof(cost));
	printf("encoding: %s\ncharacters: %zu\nsegments: %d\nestimated cost: %s%s\n", segments_encoding_name(si.encoding),
	       si.chars, si.segments, cost, mms ? " (MMS price)" : "");
	if (si.chars > OUTBOX_MAX_BODY_CHARS)
		return cli_fail(EXIT_REFUSED, "send", "refused: the body has %zu characters; the limit is %d", si.chars,
				OUTBOX_MAX_BODY_CHARS);
	return EXIT_OK;
}

/* Sends what is due (we hold the lease) and reports how message id fared. */
static int send_now(struct cli_ctx *ctx, struct store *s, int64_t id, const char *owner)
{
	struct vault *v = NULL;
	int rc = cli_open_vault(ctx, "send", &v);
	if (rc != EXIT_OK)
		return rc;
	struct client_cache *cache = client_cache_new(s, v);
	struct outbox_stats stats = {0};
	char *err = NULL;
	if (outbox_drain(s, client_cache_get, cache, owner, 0, &stats, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "send", "%s", err);
	client_cache_free(&cache);
	vault_close(&v);
	xfree(&err);
	struct sms_message m;
	if (store_msg_get(s, id, &m, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "send", "%s", err);
		free(err);
		return rc;
	}
	char why[300];
	cli_safe_text(m.error_message ? m.error_message : "no reason given", true, why, sizeof(why));
	if (strcmp(m.status, "failed") == 0 || strcmp(m.status, "undelivered") == 0) {
		rc = cli_fail(EXIT_TWILIO, "send", "message %lld was not sent: %s (Twilio error %d)", (long long)id, why,
			      m.error_code);
	} else if (m.twilio_sid == NULL && strcmp(m.status, "sending") == 0) {
		/* The answer was lost: resending now could text the patient twice. */
		rc = cli_fail(EXIT_TWILIO, "send", "message %lld is still sending: %s; after 2 minutes the next poll or "
			      "the scheduler sends it only if Twilio does not have it",
			      (long long)id, why);
	} else if (m.twilio_sid == NULL) {
		/* Twilio answers a POST with its own "queued": only a SID means Twilio has it. */
		rc = cli_fail(EXIT_TWILIO, "send", "message %lld is still %s: %s; it will be retried by the next poll "
			      "or the scheduler", (long long)id, cli_show(m.status), why);
	} else if (rc == EXIT_OK) {
		printf("sent: message %lld, SID %s, status %s\n", (long long)id, cli_show(m.twilio_sid),
		       cli_show(m.status));
	}
	sms_message_free(&m);
	return rc;
}

/* Queues the message and, when no other process holds the sync lease, sends it. */
static int send_queue(struct cli_ctx *ctx, struct store *s, const struct tenant *t, int64_t pid, const char *to,
		      const struct send_args *a, const char *forced_reason)
{
	struct outbox_request req = {.tenant_id = t->id, .patient_id = pid, .to = to, .body = a->body,
				     .media_urls_json = a->media_json, .message_type = "conversation",
				     .actor = CLI_ACTOR};
	int64_t id = 0;
	char *err = NULL, *owner = cli_owner_name();
	int rc = outbox_queue(s, &req, &id, &err);
	if (rc == OUTBOX_REFUSED) {
		rc = cli_fail(EXIT_REFUSED, "send", "refused: %s", err);
		goto out;
	}
	if (rc != 0) {
		rc = cli_fail(EXIT_FAIL, "send", "%s", err);
		goto out;
	}
	if (forced_reason != NULL) {
		/* outside texting hours on the sender's word: who, which message and why (never the body) */
		char target[40];
		snprintf(target, sizeof(target), "message %lld", (long long)id);
		char *detail = xasprintf("sent outside texting hours (--force): %s", forced_reason);
		if (store_audit_append(s, 0, CLI_ACTOR, t->id, "sms.send_outside_hours", pid, target, detail, &err) != 0)
			fprintf(stderr, "smsdesk send: warning: the audit entry was not written: %s\n", err);
		free(detail);
		xfree(&err);
		fprintf(stderr, "smsdesk send: warning: outside texting hours; sent on --force (audited)\n");
	}
	bool got = false;
	rc = cli_take_send_lease(s, "send", owner, id, &got);
	if (rc == EXIT_OK && got) {
		rc = send_now(ctx, s, id, owner);
		store_lease_release(s, SYNC_LEASE_NAME, owner, NULL);
	}
out:
	free(err);
	free(owner);
	return rc;
}

/* `send`. */
static int run_send(struct cli_ctx *ctx, int argc, char **argv)
{
	struct send_args a = {0};
	struct cli_opt opts[] = {
		{"--patient", &a.patient, NULL}, {"--to", &a.to, NULL}, {"--body", &a.body, NULL},
		{"--dry-run", NULL, &a.dry_run}, {"--force", NULL, &a.force}, {"--reason", &a.reason, NULL},
		{"--media-url", &a.media_url, NULL}, {NULL, NULL, NULL},
	};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_send, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos > 0)
		return cli_usage("send", "unexpected '%s' (quote the body: --body \"...\")", pos[0]);
	if ((a.patient == NULL) == (a.to == NULL))
		return cli_usage("send", "give either --patient ID or --to NUMBER");
	if (a.body == NULL || a.body[0] == '\0')
		return cli_usage("send", "send needs --body TEXT");
	if (a.force && (a.reason == NULL || a.reason[0] == '\0' || strlen(a.reason) > 200 ||
			!reason_ok(a.reason)))
		return cli_usage("send", "--force needs --reason \"...\" (one line, up to 200 characters): it goes in the "
					 "audit log");
	if (a.reason != NULL && !a.force)
		return cli_usage("send", "--reason goes with --force");
	struct store *s = NULL;
	struct tenant t = {0};
	int64_t pid = 0;
	char to[PHONE_E164_MAX] = "";
	rc = cli_open_store(ctx, "send", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "send", s, &t);
	if (rc == EXIT_OK)
		rc = send_target(s, &t, &a, &pid, to);
	if (rc == EXIT_OK)
		rc = send_media(&a);
	if (rc == EXIT_OK)
		rc = send_figures(&t, a.body, a.media_json != NULL);
	bool forced = false;
	if (rc == EXIT_OK)
		rc = hours_rule(s, &t, pid, &a, &forced);
	if (rc == EXIT_OK && a.dry_run) {
		bool blocked = false;
		store_number_opted_out(s, t.id, to, &blocked, NULL);
		if (blocked)
			rc = cli_fail(EXIT_REFUSED, "send", "would be refused: the number has opted out");
		else
			printf("dry run: nothing sent\n");
	} else if (rc == EXIT_OK) {
		rc = send_queue(ctx, s, &t, pid, to, &a, forced ? a.reason : NULL);
	}
	free(a.media_json);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_send = {"send", "send a text or an MMS (or --dry-run for segments and cost)", usage_send,
					 run_send};

/* ---- messages ---- */

static const char usage_messages[] =
	"usage: smsdesk [--tenant T] messages [--patient ID] [--direction in|out] [--type TYPE]\n"
	"                                     [--status STATUS] [--since DATE] [--limit N]\n"
	"The newest messages (default 20), newest first: time in the clinic's zone, direction,\n"
	"the other party's number (masked), status, Twilio's error code and words for a failed\n"
	"message (\"[error 30003: Unreachable destination handset]\") and the first line of the body.\n"
	"  --direction in|out   only received (in) or sent (out) messages\n"
	"  --type TYPE          conversation, reminder, auto_reply, optout_confirm, optin_confirm,\n"
	"                       help or campaign\n"
	"  --status STATUS      queued, sending, accepted, scheduled, sent, delivered, undelivered,\n"
	"                       failed, received, canceled or read\n"
	"  --since DATE         from DATE on: YYYY-MM-DD (midnight in the clinic's zone) or Nd\n"
	"                       (N days ago)\n";

/* Returns the item of list equal to s, or NULL (so only known words reach the query). */
static const char *one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return list[i];
	return NULL;
}

struct messages_args {
	const char *patient, *limit, *direction, *type, *status, *since;
};

/* Checks the filters of `messages` into f (since is read later, in the clinic's zone). */
static int messages_filter(const struct messages_args *a, struct msg_filter *f, long long *limit)
{
	static const char *const types[] = {"conversation",  "reminder", "auto_reply", "optout_confirm",
					    "optin_confirm", "help",	 "campaign",   NULL};
	static const char *const statuses[] = {"queued",      "sending", "accepted", "scheduled", "sent", "delivered",
					       "undelivered", "failed",	 "received", "canceled",  "read", NULL};
	long long pid = 0;
	if (a->patient && !cli_parse_int(a->patient, 1, INT64_MAX, &pid))
		return cli_usage("messages", "--patient needs a patient id");
	if (a->limit && !cli_parse_int(a->limit, 1, 100000, limit))
		return cli_usage("messages", "--limit needs a number from 1 to 100000");
	f->patient_id = pid;
	if (a->direction) {
		bool in = strcmp(a->direction, "in") == 0 || strcmp(a->direction, "inbound") == 0;
		bool out = strcmp(a->direction, "out") == 0 || strcmp(a->direction, "outbound") == 0;
		if (!in && !out)
			return cli_usage("messages", "--direction is in or out, not \"%s\"", cli_show(a->direction));
		f->direction = in ? "inbound" : "outbound";
	}
	f->message_type = a->type ? one_of(a->type, types) : NULL;
	if (a->type && f->message_type == NULL)
		return cli_usage("messages", "--type \"%s\" is not one of conversation, reminder, auto_reply, "
					     "optout_confirm, optin_confirm, help, campaign", cli_show(a->type));
	f->status = a->status ? one_of(a->status, statuses) : NULL;
	if (a->status && f->status == NULL)
		return cli_usage("messages", "--status \"%s\" is not a message status (see smsdesk messages --help)",
				 cli_show(a->status));
	return EXIT_OK;
}

/* `messages`. */
static int run_messages(struct cli_ctx *ctx, int argc, char **argv)
{
	struct messages_args a = {0};
	struct cli_opt opts[] = {{"--patient", &a.patient, NULL}, {"--limit", &a.limit, NULL},
				 {"--direction", &a.direction, NULL}, {"--type", &a.type, NULL},
				 {"--status", &a.status, NULL}, {"--since", &a.since, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	long long limit = 20;
	struct msg_filter f = {0};
	int rc = cli_parse(&cli_cmd_messages, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos > 0)
		return cli_usage("messages", "unexpected '%s'", pos[0]);
	rc = messages_filter(&a, &f, &limit);
	if (rc != EXIT_OK)
		return rc;
	struct store *s = NULL;
	struct tenant t = {0};
	rc = cli_open_store(ctx, "messages", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "messages", s, &t);
	if (rc == EXIT_OK && a.since && cli_parse_day(a.since, t.timezone, &f.since) != 0)
		rc = cli_usage("messages", "--since needs a date YYYY-MM-DD or Nd (N days ago), not \"%s\"",
			       cli_show(a.since));
	struct sms_message *list = NULL;
	size_t n = 0;
	char *err = NULL;
	if (rc == EXIT_OK && store_msg_list_filtered(s, t.id, &f, (size_t)limit, &list, &n, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "messages", "%s", err);
	if (rc == EXIT_OK) {
		printf("%-6s %-16s %-4s %-16s %-12s %s\n", "ID", "TIME", "DIR", "NUMBER", "STATUS", "BODY");
		for (size_t i = 0; i < n; i++) {
			const struct sms_message *m = &list[i];
			bool in = strcmp(m->direction, "inbound") == 0;
			char when[40], masked[40], body[240], status[24];
			cli_format_local(m->created_at, t.timezone, when, sizeof(when));
			phone_mask(in ? m->from_number : m->to_number, masked, sizeof(masked));
			cli_safe_text(m->body, true, body, sizeof(body));
			cli_safe_text(m->status, true, status, sizeof(status));
			char why[200] = "";
			if (m->error_code != 0 || m->error_message != NULL) {
				/* a failure without Twilio's reason cannot be acted on */
				char words[160];
				cli_safe_text(m->error_message ? m->error_message : "no reason given", true, words,
					      sizeof(words));
				snprintf(why, sizeof(why), "[error %d: %s] ", m->error_code, words);
			}
			printf("%-6lld %-16s %-4s %-16s %-12s %s%s\n", (long long)m->id, when, in ? "in" : "out", masked,
			       status, why, body);
		}
		if (n == 0)
			printf("(no messages)\n");
	}
	sms_message_list_free(&list, n);
	free(err);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_messages = {"messages", "list recent messages", usage_messages, run_messages};

/* ---- poll ---- */

static const char usage_poll[] =
	"usage: smsdesk poll\n"
	"One pass of the Twilio work for every location: new inbound messages, delivery statuses,\n"
	"the photos of new MMS (see 'smsdesk media --help'), stale claims and the outbox; prints\n"
	"the counts. Does nothing while another process (a scheduler) holds the sync lease.\n"
	"Exit code 4 when Twilio failed for some location.\n";

/* `poll`. */
static int run_poll(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_poll, argc, argv, NULL, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos > 0)
		return cli_usage("poll", "poll takes no arguments");
	struct store *s = NULL;
	struct vault *v = NULL;
	struct sync_engine *e = NULL;
	char *err = NULL, *owner = cli_owner_name();
	bool holding = false;
	rc = cli_open_store(ctx, "poll", false, &s);
	if (rc == EXIT_OK)
		rc = cli_open_vault(ctx, "poll", &v);
	if (rc == EXIT_OK && (sync_engine_new(s, v, owner, &e, &err) != 0 || sync_engine_lease(e, &holding, &err) != 0))
		rc = cli_fail(EXIT_FAIL, "poll", "%s", err);
	if (rc == EXIT_OK && !holding) {
		char *holder = NULL;
		store_lease_holder(s, SYNC_LEASE_NAME, clock_now(), &holder, NULL);
		char who[120];
		cli_safe_text(holder ? holder : "another process", true, who, sizeof(who));
		printf("nothing done: %s holds the sync lease and does the polling\n", who);
		free(holder);
	} else if (rc == EXIT_OK) {
		struct sync_report r = {0};
		if (sync_engine_pass(e, &r, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "poll", "%s", err);
		} else {
			printf("inbound new: %d\nstatus updates: %d\nsent: %d\nfailed: %d\nretrying: %d\nreconciled: %d\n"
			       "locations ok: %d\nlocations failed: %d\nphotos stored: %d\nphotos not fetched: %d\n",
			       r.inbound_new, r.status_updates, r.outbox.sent, r.outbox.failed, r.outbox.retrying,
			       r.outbox.reconciled, r.tenants_ok, r.tenants_failed, r.media_stored, r.media_failed);
			if (r.tenants_failed > 0) {
				char why[300];
				cli_safe_text(r.last_error ? r.last_error : "see the location's sync state", true, why,
					      sizeof(why));
				rc = cli_fail(EXIT_TWILIO, "poll", "%s", why);
			}
		}
		sync_report_clear(&r);
		sync_engine_release(e);
	}
	sync_engine_free(&e);
	vault_close(&v);
	store_close(&s);
	free(err);
	free(owner);
	return rc;
}

const struct cli_command cli_cmd_poll = {"poll", "one pass of polling, statuses, photos and the outbox", usage_poll, run_poll};

/* ---- sim ---- */

static const char usage_sim[] =
	"usage: smsdesk sim [--port N] [--step-ms N] [--demo-patients] [--state-file PATH]\n"
	"Runs the loopback Twilio simulator in the foreground (see 'smsdesk sim --help').\n";

/* `sim`: the simulator's own command line. */
static int run_sim(struct cli_ctx *ctx, int argc, char **argv)
{
	return sim_main(argc, argv);
}

const struct cli_command cli_cmd_sim = {"sim", "run the loopback Twilio simulator", usage_sim, run_sim};
