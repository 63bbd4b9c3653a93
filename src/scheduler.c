/* The headless scheduler: lease, sync pass, reminders, drain, sleep; one log line per event.
 * Signals are blocked and collected with sigpending / sigtimedwait, so a SIGTERM never
 * interrupts a step: it is noticed between steps, and the pass stops cleanly there. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/scheduler.h"
#include "src/anchor.h"
#include "src/connect.h"
#include "src/ehr.h"
#include "src/fhir.h"
#include "src/outbox.h"
#include "src/reminders.h"
#include "src/sync.h"
#include "src/util.h"
#include "src/vault.h"

#define DEFAULT_DRAIN_CHUNK 200
#define ONCE_KEY "scheduler.once_at" /* when the last --once run began (Unix s) */
#define ONCE_FIRST_GAP 60            /* s: a first --once run assumes cron runs it each minute */
#define ONCE_MAX_GAP 900             /* s: the most a --once run sends campaigns for, unasked */

struct sched {
	struct store *s;
	struct vault *v;
	struct sync_engine *e;
	struct client_cache *cache;
	char *owner;
	bool once;
	int interval;      /* seconds; 0: on each minute (--once: the time to the next run, if given) */
	int drain_chunk;
	sigset_t sigs;
	bool holding;
	char *last_holder; /* who held the lease when we last could not take it */
	bool stop;
	int failures;      /* tenant failures in the last pass */
	bool campaign_active; /* a campaign is sending: wait_next releases its texts at its pace */
	const char *anchor; /* --audit-anchor FILE, or NULL */
	bool anchor_bad;    /* the last pass found the log short of the anchor (logged once) */
	const char *mllp;  /* --mllp HOST:PORT: the HL7 listener's address, or NULL */
	const char *hl7_dir; /* --hl7-dir DIR: a drop folder read on each pass, or NULL */
	struct ehr_listener *listener;
};

/* Copies text for a log line: runs of 7+ digits keep only their last 4, controls become '?'. */
void scheduler_log_sanitize(const char *text, char *out, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return;
	for (size_t i = 0; text != NULL && text[i] != '\0' && o + 1 < len;) {
		if (isdigit((unsigned char)text[i])) {
			size_t j = i;
			while (isdigit((unsigned char)text[j]))
				j++;
			size_t run = j - i;
			if (run >= 7) {
				const char *mask = "***";
				for (const char *m = mask; *m && o + 1 < len; m++)
					out[o++] = *m;
				i = j - 4;
			}
			while (i < j && o + 1 < len)
				out[o++] = text[i++];
			continue;
		}
		unsigned char c = (unsigned char)text[i++];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o] = '\0';
}

/* Records that a reminders pass ran at now. */
int scheduler_note_reminders(struct store *s, int64_t now, char **err)
{
	char v[24];
	snprintf(v, sizeof(v), "%lld", (long long)now);
	return store_setting_set(s, 0, SCHEDULER_REMINDERS_KEY, v, err);
}

/* Reads when reminders last ran; 0 when never (or the value is not a time). */
int scheduler_reminders_last(struct store *s, int64_t *at, char **err)
{
	char *v = NULL;
	*at = 0;
	int rc = store_setting_get(s, 0, SCHEDULER_REMINDERS_KEY, &v, err);
	if (rc == SD_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	char *end = NULL;
	long long t = strtoll(v, &end, 10);
	if (end != v && *end == '\0' && t > 0)
		*at = t;
	free(v);
	return 0;
}

/* Writes one log line: "<UTC time> <level> tenant=<id> <event> <fields>". */
static void logf_(const char *level, int64_t tenant_id, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void logf_(const char *level, int64_t tenant_id, const char *event, const char *fmt, ...)
{
	char when[32], fields[512] = "", clean[512];
	time_iso_utc(clock_now(), when, sizeof(when));
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(fields, sizeof(fields), fmt, ap);
		va_end(ap);
	}
	scheduler_log_sanitize(fields, clean, sizeof(clean));
	fprintf(stderr, "%s %s tenant=%lld %s%s%s\n", when, level, (long long)tenant_id, event, *clean ? " " : "",
		clean);
	fflush(stderr);
}

/* True once SIGTERM or SIGINT is pending; consumes it. */
static bool stop_requested(struct sched *sc)
{
	if (sc->stop)
		return true;
	sigset_t pending;
	if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
		struct timespec zero = {0, 0};
		int sig = sigtimedwait(&sc->sigs, NULL, &zero);
		logf_("info", 0, "scheduler.signal", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
		sc->stop = true;
	}
	return sc->stop;
}

/* Logs one reminder decision (called by reminders_pass). */
static void on_reminder(void *ctx, const struct reminder_event *ev)
{
	(void)ctx;
	char slot[16];
	reminders_format_slot(ev->slot_minutes, slot, sizeof(slot));
	if (ev->appointment_id == 0) /* about the whole location: reminders.off, a broken template (a warning) */
		logf_(strcmp(ev->what, "reminders.template_invalid") == 0 ? "warn" : "info", ev->tenant_id, ev->what,
		      "reason=\"%s\"", ev->reason ? ev->reason : "");
	else if (ev->message_id > 0)
		logf_("info", ev->tenant_id, ev->what, "appt=%lld reminder=%lld slot=%s msg=%lld",
		      (long long)ev->appointment_id, (long long)ev->reminder_id, slot, (long long)ev->message_id);
	else if (ev->due_at > 0) {
		char until[32];
		time_iso_utc(ev->due_at, until, sizeof(until));
		logf_("info", ev->tenant_id, ev->what, "appt=%lld reminder=%lld slot=%s until=%s reason=\"%s\"",
		      (long long)ev->appointment_id, (long long)ev->reminder_id, slot, until,
		      ev->reason ? ev->reason : "");
	}
	else
		logf_("info", ev->tenant_id, ev->what, "appt=%lld reminder=%lld slot=%s reason=\"%s\"",
		      (long long)ev->appointment_id, (long long)ev->reminder_id, slot, ev->reason ? ev->reason : "");
}

/* Takes or renews the lease; logs only when holding changes. */
static int step_lease(struct sched *sc)
{
	char *err = NULL;
	bool holding = false;
	if (sync_engine_lease(sc->e, &holding, &err) != 0) {
		logf_("error", 0, "lease.error", "error=\"%s\"", err);
		free(err);
		return -1;
	}
	if (holding && !sc->holding) {
		logf_("info", 0, "lease.taken", "owner=%s", sc->owner);
		xfree(&sc->last_holder);
	} else if (!holding) {
		char *holder = NULL;
		if (store_lease_holder(sc->s, SYNC_LEASE_NAME, clock_now(), &holder, &err) != 0)
			xfree(&err);
		if (sc->holding || sc->last_holder == NULL || holder == NULL || strcmp(holder, sc->last_holder) != 0)
			logf_("warn", 0, "lease.busy", "holder=%s", holder ? holder : "(unknown)");
		free(sc->last_holder);
		sc->last_holder = holder ? holder : xstrdup("(unknown)");
	}
	sc->holding = holding;
	return 0;
}

/* The sync engine's pass: inbound poll, status refresh, reconcile, drain. */
static int step_sync(struct sched *sc)
{
	struct sync_report rep = {0};
	char *err = NULL;
	int rc = sync_engine_pass(sc->e, &rep, &err);
	if (rc != 0) {
		logf_("error", 0, "sync.error", "error=\"%s\"", err ? err : "?");
		free(err);
		sync_report_clear(&rep);
		return -1;
	}
	logf_("info", 0, "sync.pass",
	      "inbound=%d unmatched=%d status=%d sent=%d failed=%d retrying=%d reconciled=%d tenants_ok=%d "
	      "tenants_failed=%d",
	      rep.inbound_new, rep.inbound_unmatched, rep.status_updates, rep.outbox.sent, rep.outbox.failed, rep.outbox.retrying,
	      rep.outbox.reconciled, rep.tenants_ok, rep.tenants_failed);
	if (rep.filler.opened + rep.filler.offered + rep.filler.filled + rep.filler.closed > 0)
		logf_("info", 0, "filler.pass", "opened=%d offered=%d filled=%d taken=%d closed=%d", rep.filler.opened,
		      rep.filler.offered, rep.filler.filled, rep.filler.taken, rep.filler.closed);
	if (rep.last_error != NULL)
		logf_("warn", 0, "sync.tenant_error", "error=\"%s\"", rep.last_error);
	sc->failures += rep.tenants_failed;
	sc->campaign_active = rep.campaign_active;
	sync_report_clear(&rep);
	return 0;
}

/* Decides and queues the due reminders. */
static int step_reminders(struct sched *sc, int *queued)
{
	struct reminders_report rr = {.on_event = on_reminder, .event_ctx = sc};
	char *err = NULL;
	int64_t now = clock_now();
	int rc = reminders_pass(sc->s, now, &rr, &err);
	*queued = rr.queued;
	if (rc == 0 && scheduler_note_reminders(sc->s, now, &err) != 0) {
		/* consoles would warn that reminders stopped: say why in the log */
		logf_("warn", 0, "reminders.note_error", "error=\"%s\"", err ? err : "?");
		xfree(&err);
	}
	if (rc != 0) {
		logf_("error", 0, "reminders.error", "error=\"%s\"", err ? err : "?");
		free(err);
	} else {
		logf_("info", 0, "reminders.pass",
		      "appointments=%d queued=%d waiting=%d skipped=%d synced=%d expired=%d tenants_failed=%d",
		      rr.appointments, rr.queued, rr.waiting, rr.skipped, rr.synced, rr.expired, rr.tenants_failed);
		if (rr.last_error != NULL)
			logf_("warn", 0, "reminders.tenant_error", "error=\"%s\"", rr.last_error);
	}
	reminders_report_clear(&rr);
	return rc;
}

/* Sends what the reminders pass queued, a chunk at a time so a signal is seen in between. */
static int step_drain(struct sched *sc)
{
	struct outbox_stats total = {0};
	char *err = NULL;
	int rc = 0;
	while (!stop_requested(sc)) {
		struct outbox_stats st = {0};
		if (outbox_drain(sc->s, client_cache_get, sc->cache, sc->owner, sc->drain_chunk, &st, &err) != 0) {
			logf_("error", 0, "outbox.error", "error=\"%s\"", err ? err : "?");
			xfree(&err);
			rc = -1;
			break;
		}
		total.sent += st.sent;
		total.failed += st.failed;
		total.retrying += st.retrying;
		if (st.sent + st.failed + st.retrying < sc->drain_chunk)
			break;
		if (step_lease(sc) != 0 || !sc->holding)
			break;
	}
	int changed = 0;
	if (store_reminder_sync_messages(sc->s, &changed, &err) != 0) {
		logf_("error", 0, "reminders.error", "error=\"%s\"", err ? err : "?");
		xfree(&err);
	}
	logf_("info", 0, "outbox.drain", "sent=%d failed=%d retrying=%d reminders_synced=%d", total.sent, total.failed,
	      total.retrying, changed);
	return rc;
}

/* Moves the audit anchor to the chain's head and logs the head when it moved: the journal
 * is a second copy outside the database. A log that lost anchored entries is reported and
 * the anchor left as it was, so the evidence stays. */
static void step_anchor(struct sched *sc)
{
	struct audit_head h;
	bool changed = false;
	char *err = NULL;
	enum anchor_result r = anchor_update(sc->s, sc->anchor, false, &h, &changed, &err);
	if (r == ANCHOR_MISMATCH && !sc->anchor_bad)
		logf_("error", 0, "audit.anchor_mismatch", "error=\"%s\"", err ? err : "?");
	else if (r == ANCHOR_ERROR)
		logf_("error", 0, "audit.anchor_error", "error=\"%s\"", err ? err : "?");
	sc->anchor_bad = r == ANCHOR_MISMATCH;
	if (r == ANCHOR_OK && changed) {
		/* In groups of four: the log masks long runs of digits (they could be phone numbers). */
		char grouped[100];
		size_t o = 0;
		for (size_t i = 0; h.hash[i] && o + 6 < sizeof(grouped); i++) {
			if (i > 0 && i % 4 == 0)
				grouped[o++] = '-';
			grouped[o++] = h.hash[i];
		}
		grouped[o] = '\0';
		logf_("info", 0, "audit.anchor", "count=%lld id=%lld hash=%s", (long long)h.count, (long long)h.last_id,
		      grouped);
	}
	free(err);
}

/* The HL7 listener's log lines, through the same format and sanitizer. */
static void ehr_log(const char *level, int64_t tenant_id, const char *event, const char *fields)
{
	logf_(level, tenant_id, event, "%s", fields);
}

/* Logs one file of the drop folder. */
static void on_hl7_file(void *ctx, const char *name, const struct ehr_in_result *r)
{
	(void)ctx;
	logf_(strcmp(r->code, "AA") == 0 ? "info" : "warn", r->tenant_id, "ehr.file",
	      "file=%s type=%s code=%s appt=%lld detail=\"%s\"", name, *r->type ? r->type : "?", r->code,
	      (long long)r->appointment_id, r->detail ? r->detail : "");
}

/* The EHR's side of a pass: the drop folder in, then the write-backs out (lease holder only). */
static int step_ehr(struct sched *sc)
{
	char *err = NULL;
	int ok = 0, failed = 0, rc = 0;
	if (sc->hl7_dir != NULL && ehr_in_folder(sc->s, sc->hl7_dir, on_hl7_file, sc, &ok, &failed, &err) != 0) {
		logf_("error", 0, "ehr.folder", "error=\"%s\"", err ? err : "?");
		xfree(&err);
		rc = -1;
	}
	struct ehr_drain_stats st = {0};
	if (sc->holding && ehr_writeback_drain(sc->s, clock_now(), 10000, &st, &err) != 0) {
		logf_("error", 0, "ehr.writeback", "error=\"%s\"", err ? err : "?");
		xfree(&err);
		rc = -1;
	} else if (st.sent + st.failed + st.retrying > 0) {
		logf_(st.failed + st.retrying ? "warn" : "info", 0, "ehr.writeback", "sent=%d failed=%d retrying=%d%s%s%s",
		      st.sent, st.failed, st.retrying, st.last_error ? " error=\"" : "", st.last_error ? st.last_error : "",
		      st.last_error ? "\"" : "");
	}
	free(st.last_error);
	struct fhir_poll_stats fs = {0};
	if (sc->holding && fhir_poll_all(sc->s, sc->v, clock_now(), 20000, &fs, &err) != 0) {
		logf_("error", 0, "ehr.fhir", "error=\"%s\"", err ? err : "?");
		xfree(&err);
		rc = -1;
	} else if (fs.tenants > 0) {
		logf_(fs.failed ? "warn" : "info", 0, "ehr.fhir", "pages=%d patients=%d appointments=%d refused=%d failed=%d%s%s%s",
		      fs.pages, fs.patients, fs.appointments, fs.refused, fs.failed, fs.last_error ? " error=\"" : "",
		      fs.last_error ? fs.last_error : "", fs.last_error ? "\"" : "");
	}
	free(fs.last_error);
	return rc;
}

/* One pass: sync (if we hold the lease), reminders, then send them at once. */
static int run_pass(struct sched *sc)
{
	int rc = 0;
	sc->failures = 0;
	if (step_lease(sc) != 0)
		rc = -1;
	if (stop_requested(sc))
		return rc;
	if (sc->holding && step_sync(sc) != 0)
		rc = -1;
	if (stop_requested(sc))
		return rc;
	int queued = 0;
	if (step_reminders(sc, &queued) != 0)
		rc = -1;
	if (stop_requested(sc))
		return rc;
	if (sc->holding && queued > 0 && step_drain(sc) != 0)
		rc = -1;
	if (sc->anchor != NULL)
		step_anchor(sc);
	if (!stop_requested(sc) && step_ehr(sc) != 0)
		rc = -1;
	return rc;
}

/* Sleeps until the monotonic deadline `until_ms` or a stop signal; false once stopping. */
static bool sleep_until(struct sched *sc, int64_t until_ms)
{
	while (!sc->stop) {
		int64_t left = until_ms - clock_mono_ms();
		if (left <= 0)
			return true;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000};
		int sig = sigtimedwait(&sc->sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			logf_("info", 0, "scheduler.signal", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
			sc->stop = true;
		} else if (sig < 0 && errno != EINTR && errno != EAGAIN) {
			return true;
		}
	}
	return false;
}

/* Until `until_ms`: releases campaign texts at each location's pace and sends them, with one
 * log line for the lot. Returns when no campaign is sending any more (or on a stop). */
static void campaign_ticks(struct sched *sc, int64_t until_ms)
{
	struct sync_report total = {0};
	int ticks = 0;
	while (sc->campaign_active && !sc->stop && clock_mono_ms() < until_ms) {
		struct sync_report rep = {0};
		char *err = NULL;
		if (sync_engine_campaign_tick(sc->e, &rep, &err) != 0) {
			logf_("error", 0, "campaign.error", "error=\"%s\"", err ? err : "?");
			free(err);
			sync_report_clear(&rep);
			break;
		}
		if (rep.last_error != NULL)
			logf_("warn", 0, "campaign.tenant_error", "error=\"%s\"", rep.last_error);
		total.campaign_released += rep.campaign_released;
		total.outbox.sent += rep.outbox.sent;
		total.outbox.failed += rep.outbox.failed;
		ticks++;
		sc->campaign_active = rep.campaign_active;
		int64_t next = rep.campaign_next_ms > 0 ? rep.campaign_next_ms : clock_mono_ms() + 1000;
		sync_report_clear(&rep);
		if (stop_requested(sc) || !sleep_until(sc, next < until_ms ? next : until_ms))
			break;
	}
	if (ticks > 0)
		logf_("info", 0, "campaign.pass", "released=%d sent=%d failed=%d active=%d", total.campaign_released,
		      total.outbox.sent, total.outbox.failed, sc->campaign_active ? 1 : 0);
	/* What the last ticks released is sent now, not at the next pass (a --once run ends here). */
	if (ticks > 0 && !sc->stop)
		step_drain(sc);
}

/* Waits until the next pass is due or a stop signal arrives. */
static void wait_next(struct sched *sc)
{
	int seconds = sc->interval;
	if (seconds <= 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		seconds = 60 - (int)(now.tv_sec % 60);
	}
	int64_t until = clock_mono_ms() + (int64_t)seconds * 1000;
	if (sc->holding && sc->campaign_active)
		campaign_ticks(sc, until);
	while (!sc->stop) {
		int64_t left = until - clock_mono_ms();
		if (left <= 0)
			return;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000};
		int sig = sigtimedwait(&sc->sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			logf_("info", 0, "scheduler.signal", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
			sc->stop = true;
		} else if (sig < 0 && errno != EINTR && errno != EAGAIN) {
			return;
		}
	}
}

/* How long (ms) a --once run may go on releasing campaign texts at their pace after its pass:
 * 9/10 of the time until cron's next run, so it has exited by then. That time is --interval
 * when given, else the time since the previous --once run began (kept in the settings, at
 * most ONCE_MAX_GAP), else a minute. Notes this run's start for the next one. */
static int64_t once_budget_ms(struct sched *sc)
{
	int64_t now = clock_now(), gap = sc->interval, last = 0;
	char *v = NULL, *err = NULL, buf[24];
	if (store_setting_get(sc->s, 0, ONCE_KEY, &v, &err) == 0)
		last = strtoll(v, NULL, 10);
	if (gap <= 0)
		gap = last > 0 && last < now ? (now - last < ONCE_MAX_GAP ? now - last : ONCE_MAX_GAP) : ONCE_FIRST_GAP;
	snprintf(buf, sizeof(buf), "%lld", (long long)now);
	xfree(&err);
	if (store_setting_set(sc->s, 0, ONCE_KEY, buf, &err) != 0)
		logf_("warn", 0, "scheduler.once_note", "error=\"%s\"", err ? err : "?");
	free(err);
	free(v);
	return gap * 900;
}

#define SCHEDULER_USAGE                                                                                    \
	"usage: smsdesk [--db PATH] [--key-file PATH] --scheduler [--once] [--interval SECONDS] [--drain-chunk N]\n" \
	"                [--audit-anchor FILE] [--mllp HOST:PORT] [--hl7-dir DIR]\n"                         \
	"Holds the sync lease and every --interval seconds (default 60) polls inbound messages,\n"          \
	"refreshes delivery statuses, drains the outbox and sends due reminders. Logs one line per\n"       \
	"event to stderr. SIGTERM or SIGINT finishes the current step and exits 0. --once does one\n"       \
	"pass and exits (cron, systemd timer); while a campaign is sending it goes on releasing its\n"  \
	"texts at the campaign's pace for 9/10 of the time until the next run: --interval SECONDS\n" \
	"when given (say how often cron runs it), else the time since the previous --once run\n"   \
	"(at most 15 minutes; a minute the first time), and exits when the campaigns are done.\n"  \
	"--drain-chunk sends at most N messages between checks for a signal (default 200).\n"      \
	"--audit-anchor writes the audit log's head to FILE after each\n"  \
	"pass and logs it (see 'smsdesk audit --help'); a system install does it by default.\n"       \
	"--mllp listens for HL7 v2 messages from the EHR (SIU, ADT) and answers each with an ACK;\n"  \
	"--hl7-dir reads *.hl7 files dropped in DIR on each pass (moved to DIR/done or DIR/failed\n" \
	"with their ACK; a file is taken once unchanged for 2 s, regular files only). Write-backs\n"  \
	"to the EHR go out on each pass, and locations with a FHIR server (smsdesk ehr set\n"        \
	"--fhir-base) are polled for appointments.\n"

/* Parses the scheduler's own options; 1 when --help was asked for. */
static int parse_args(struct sched *sc, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(SCHEDULER_USAGE, stdout);
			return 1;
		} else if (strcmp(a, "--audit-anchor") == 0 && i + 1 < argc && argv[i + 1][0] != '\0') {
			sc->anchor = argv[++i];
		} else if (strcmp(a, "--once") == 0) {
			sc->once = true;
		} else if ((strcmp(a, "--mllp") == 0 || strcmp(a, "--hl7-dir") == 0) && i + 1 < argc) {
			*(strcmp(a, "--mllp") == 0 ? &sc->mllp : &sc->hl7_dir) = argv[++i];
		} else if ((strcmp(a, "--interval") == 0 || strcmp(a, "--drain-chunk") == 0) && i + 1 < argc) {
			char *end = NULL;
			long v = strtol(argv[++i], &end, 10);
			if (end == argv[i] || *end != '\0' || v < 1 || v > 86400) {
				fprintf(stderr, "smsdesk: %s wants a number from 1 to 86400\n", a);
				return -1;
			}
			if (strcmp(a, "--interval") == 0)
				sc->interval = (int)v;
			else
				sc->drain_chunk = (int)v;
		} else {
			fprintf(stderr, "smsdesk: unknown scheduler option %s\n%s", a, SCHEDULER_USAGE);
			return -1;
		}
	}
	return 0;
}

/* Opens store, key and engine; logs and returns -1 on failure. */
static int open_all(struct sched *sc, struct cli_ctx *ctx)
{
	char *err = NULL;
	if (ctx->db_path == NULL || ctx->key_file == NULL) {
		logf_("error", 0, "scheduler.start", "error=\"no database or key file given\"");
		return -1;
	}
	if (store_open(ctx->db_path, &sc->s, &err) != 0 || vault_open_keyfile(ctx->key_file, &sc->v, &err) != 0 ||
	    sync_engine_new(sc->s, sc->v, sc->owner, &sc->e, &err) != 0) {
		logf_("error", 0, "scheduler.start", "error=\"%s\"", err ? err : "?");
		free(err);
		return -1;
	}
	sc->cache = client_cache_new(sc->s, sc->v);
	if (sc->mllp != NULL) {
		if (ehr_listener_start(ctx->db_path, sc->mllp, ehr_log, &sc->listener, &err) != 0) {
			logf_("error", 0, "ehr.listen", "error=\"%s\"", err ? err : "?");
			free(err);
			return -1;
		}
		logf_("info", 0, "ehr.listen", "addr=%s port=%u", sc->mllp, ehr_listener_port(sc->listener));
	}
	return 0;
}

/* Releases the lease and frees everything in reverse order. */
static void close_all(struct sched *sc)
{
	ehr_listener_stop(&sc->listener);
	if (sc->e != NULL) {
		sync_engine_release(sc->e);
		if (sc->holding)
			logf_("info", 0, "lease.released", "owner=%s", sc->owner);
	}
	client_cache_free(&sc->cache);
	sync_engine_free(&sc->e);
	vault_close(&sc->v);
	store_close(&sc->s);
	free(sc->last_holder);
	free(sc->owner);
}

/* The scheduler's main loop. */
int scheduler_main(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sched sc = {.drain_chunk = DEFAULT_DRAIN_CHUNK};
	sc.anchor = ctx->anchor_path;
	int parsed = parse_args(&sc, argc, argv);
	if (parsed != 0)
		return parsed > 0 ? EXIT_OK : EXIT_USAGE;
	char host[256] = "localhost";
	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	sc.owner = xasprintf("scheduler@%s:%ld", host, (long)getpid());
	sigemptyset(&sc.sigs);
	sigaddset(&sc.sigs, SIGTERM);
	sigaddset(&sc.sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sc.sigs, NULL);

	int code = EXIT_OK;
	if (open_all(&sc, ctx) != 0) {
		code = EXIT_FAIL;
		goto out;
	}
	logf_("info", 0, "scheduler.start", "owner=%s mode=%s", sc.owner, sc.once ? "once" : "daemon");
	int64_t once_until = sc.once ? clock_mono_ms() + once_budget_ms(&sc) : 0;
	for (;;) {
		int rc = run_pass(&sc);
		if (sc.once) {
			/* Cron's interval is the campaign's: go on at its pace until the next run is near. */
			if (sc.holding && sc.campaign_active && !stop_requested(&sc))
				campaign_ticks(&sc, once_until);
			code = rc != 0 ? EXIT_FAIL : sc.failures > 0 ? EXIT_TWILIO : EXIT_OK;
			break;
		}
		if (stop_requested(&sc))
			break;
		wait_next(&sc);
		if (sc.stop)
			break;
	}
	logf_("info", 0, "scheduler.stop", "owner=%s", sc.owner);
out:
	/* Signals stay blocked: a second SIGTERM during the exit must not turn a clean stop into
	 * a death by signal. */
	close_all(&sc);
	return code;
}
