/* Appointment reminders: the scheduler's pass and its decisions (the rules are in
 * reminders.h; "send reminder now" is in reminders_manual.c). Every row change, its outbox
 * message and its audit entry commit together; the unique key on (appointment, slot) is
 * what makes "never twice" hold. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/reminders.h"
#include "src/outbox.h"
#include "src/quiet.h"
#include "src/segments.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"
#include "src/reminders_internal.h"

/* ---- slots ------------------------------------------------------------------------------ */

/* Parses one item such as "24h" (already trimmed, len bytes) into minutes. */
static int parse_slot(const char *p, size_t len, int *minutes, char **err)
{
	size_t i = 0;
	long long v = 0;
	while (i < len && isdigit((unsigned char)p[i]) && v <= REMINDER_MAX_SLOT_MINUTES)
		v = v * 10 + (p[i++] - '0');
	if (i == 0 || i + 1 != len || strchr("mhd", p[i]) == NULL || p[i] == '\0')
		return seterr(err, "reminder slot \"%.*s\" is not a number followed by m, h or d (e.g. 24h)",
			      (int)(len > 20 ? 20 : len), p);
	long long m = p[i] == 'm' ? v : p[i] == 'h' ? v * 60 : v * 1440;
	if (v <= 0)
		return seterr(err, "reminder slot \"%.*s\" must be more than zero", (int)len, p);
	if (m > REMINDER_MAX_SLOT_MINUTES)
		return seterr(err, "reminder slot \"%.*s\" is more than 60 days before the appointment", (int)len, p);
	*minutes = (int)m;
	return 0;
}

/* Sorts minutes largest first (at most 8 items: insertion sort). */
static void sort_desc(int *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && a[j] > a[j - 1]; j--) {
			int tmp = a[j];
			a[j] = a[j - 1];
			a[j - 1] = tmp;
		}
}

/* True for "off" or "none", any case, with spaces around. */
bool reminders_slots_off(const char *text)
{
	if (text == NULL)
		return false;
	while (*text == ' ' || *text == '\t')
		text++;
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	return (len == 3 && strncasecmp(text, "off", 3) == 0) || (len == 4 && strncasecmp(text, "none", 4) == 0);
}

/* "72h,24h,2h" -> {4320, 1440, 120}; "off" -> none. */
int reminders_parse_slots(const char *text, int minutes[REMINDER_MAX_SLOTS], size_t *n, char **err)
{
	*n = 0;
	if (text == NULL)
		return seterr(err, "no reminder slots given (e.g. 72h,24h,2h, or off)");
	if (reminders_slots_off(text))
		return 0;
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ',')
			p++;
		size_t len = (size_t)(p - start);
		while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
			len--;
		if (len == 0)
			return seterr(err, *n == 0 && *p == '\0' ? "no reminder slots given (e.g. 72h,24h,2h, or off)"
								 : "empty reminder slot in \"%.60s\"",
				      text);
		if (*n == REMINDER_MAX_SLOTS)
			return seterr(err, "at most %d reminder slots", REMINDER_MAX_SLOTS);
		int m = 0;
		if (parse_slot(start, len, &m, err) != 0)
			return -1;
		for (size_t i = 0; i < *n; i++)
			if (minutes[i] == m)
				return seterr(err, "reminder slot \"%.*s\" is given twice", (int)len, start);
		minutes[(*n)++] = m;
		if (*p == '\0')
			break;
		p++;
	}
	sort_desc(minutes, *n);
	return 0;
}

/* 4320 -> "3d", 1440 -> "24h", 90 -> "90m"; manual (<= 0) -> "manual". */
void reminders_format_slot(int minutes, char *buf, size_t len)
{
	if (minutes <= 0)
		snprintf(buf, len, "manual");
	else if (minutes % 1440 == 0 && minutes > 1440)
		snprintf(buf, len, "%dd", minutes / 1440);
	else if (minutes % 60 == 0)
		snprintf(buf, len, "%dh", minutes / 60);
	else
		snprintf(buf, len, "%dm", minutes);
}

/* The settings check for a reminder template: the one every path that saves one calls. */
int reminders_check_template(const char *tmpl, bool allow_risky, char **warning, char **err)
{
	if (warning != NULL)
		*warning = NULL;
	if (template_validate(tmpl, allow_risky, err) != 0)
		return -1;
	if (warning != NULL && !template_uses_clinic_phone(tmpl))
		*warning = xstrdup("the template has no {clinicPhone}: patients without consent on file will not "
				   "get this reminder (the FCC exemption needs the clinic's contact number)");
	return 0;
}

/* Why this tenant's template cannot go to this patient, prefixed REM_TEMPLATE_REASON (an admin
 * can fix it, and then the reminder is retried), or NULL. */
char *rem_template_problem(const struct tenant *t, const struct reminder_candidate *c)
{
	char *terr = NULL;
	if (template_validate(t->reminder_template, true, &terr) != 0) {
		char *why = xasprintf(REM_TEMPLATE_REASON "%s", terr ? terr : "cannot be rendered");
		free(terr);
		return why;
	}
	if (c->has_consent)
		return NULL;
	if (!template_uses_clinic_phone(t->reminder_template))
		return xstrdup(REM_TEMPLATE_REASON "no {clinicPhone}, which a patient without consent on file must "
						   "be given (FCC exemption)");
	if (t->phone == NULL || t->phone[0] == '\0')
		return xstrdup(REM_TEMPLATE_REASON "{clinicPhone} is empty: the location has no phone number, which a "
						   "patient without consent on file must be given");
	return NULL;
}

/* True when row was skipped for a template problem that an admin has changed since (gone,
 * or a different one to show): it is decided again. The same problem stays as it is, so a
 * broken template costs no transaction and no audit entry on every pass. */
bool rem_template_fixed(const struct tenant *t, const struct reminder_candidate *c, const struct appt_reminder *row)
{
	if (strcmp(row->status, "skipped") != 0 || row->skip_reason == NULL ||
	    strncmp(row->skip_reason, REM_TEMPLATE_REASON, strlen(REM_TEMPLATE_REASON)) != 0)
		return false;
	char *why = rem_template_problem(t, c);
	bool changed = why == NULL || strcmp(why, row->skip_reason) != 0;
	free(why);
	return changed;
}

/* ---- what a row shows ----------------------------------------------------------------------- */

/* The message's status once there is one: the row's own stays "queued" until a pass syncs it. */
const char *reminders_row_status(const struct reminder_row *v)
{
	if (v->r.message_id > 0 && v->msg_status != NULL && v->msg_status[0] != '\0')
		return v->msg_status;
	if (v->r.status != NULL && strcmp(v->r.status, "waiting_quiet") == 0)
		return "waiting"; /* for texting hours to begin: the reason says until when */
	return v->r.status ? v->r.status : "";
}

/* Twilio's error code and text when the message has one, else the skip reason. */
char *reminders_row_reason(const struct reminder_row *v)
{
	if (v->r.message_id > 0 && v->msg_error_code != 0)
		return xasprintf("Twilio error %d: %s", v->msg_error_code,
				 v->msg_error_message && v->msg_error_message[0] ? v->msg_error_message
										  : "(no text from Twilio)");
	return v->r.skip_reason ? xstrdup(v->r.skip_reason) : NULL;
}

/* ---- report and events ------------------------------------------------------------------- */

/* Frees the report's message and zeroes its counters. */
void reminders_report_clear(struct reminders_report *r)
{
	if (r == NULL)
		return;
	reminders_event_fn fn = r->on_event;
	void *ctx = r->event_ctx;
	free(r->last_error);
	memset(r, 0, sizeof(*r));
	r->on_event = fn;
	r->event_ctx = ctx;
}

/* Records an event to emit once the transaction is committed. */
static void ev_add(struct event_buf *b, const char *what, int64_t tenant_id, int64_t appt_id, int64_t reminder_id,
		   int64_t msg_id, int slot, int64_t due_at, const char *reason)
{
	if (b->n == REM_EVENTS_MAX)
		return;
	b->reasons[b->n] = reason ? xstrdup(reason) : NULL;
	b->ev[b->n] = (struct reminder_event){
		.what = what,
		.tenant_id = tenant_id,
		.appointment_id = appt_id,
		.reminder_id = reminder_id,
		.message_id = msg_id,
		.slot_minutes = slot,
		.due_at = due_at,
		.reason = b->reasons[b->n],
	};
	b->n++;
}

/* Emits (when commit is true) and frees the buffered events; counts them in the report. */
void rem_ev_flush(struct event_buf *b, struct reminders_report *r, bool commit)
{
	for (size_t i = 0; i < b->n; i++) {
		if (commit) {
			const char *w = b->ev[i].what;
			if (strcmp(w, "reminder.queued") == 0)
				r->queued++;
			else if (strcmp(w, "reminder.waiting") == 0)
				r->waiting++;
			else
				r->skipped++;
			if (r->on_event != NULL)
				r->on_event(r->event_ctx, &b->ev[i]);
		}
		free(b->reasons[i]);
	}
	b->n = 0;
}

/* ---- the decision ------------------------------------------------------------------------ */

/* The zone texting hours are read in: the patient's, else the clinic's. */
const char *rem_zone_for(const struct reminder_candidate *c, const struct tenant *t)
{
	if (c->timezone != NULL && *c->timezone != '\0' && tz_valid(c->timezone))
		return c->timezone;
	return t->timezone;
}

/* Renders the tenant's template for this appointment, in the clinic's zone. */
int rem_render_body(const struct tenant *t, const struct reminder_candidate *c, char **body, char **err)
{
	struct template_vars v = {
		.patient_name = c->first_name,
		.provider_name = c->provider,
		.clinic_name = t->name,
		.clinic_phone = t->phone,
		.location = c->location,
		.appointment_start = c->starts_at,
		.timezone = t->timezone,
	};
	return template_render(t->reminder_template, &v, body, err);
}

/* A reason that stops any reminder for this appointment whatever the time, or NULL. */
const char *rem_blocking_reason(const struct reminder_candidate *c)
{
	if (strcmp(c->appt_status, "cancelled") == 0)
		return "appointment cancelled";
	if (strcmp(c->appt_status, "completed") == 0 || strcmp(c->appt_status, "no_show") == 0)
		return "appointment already over";
	if (c->mobile == NULL || *c->mobile == '\0')
		return "no mobile number";
	if (c->number_blocked || !c->opted_in)
		return "patient opted out of texts";
	if (!c->reminders_on)
		return "reminders are off for this patient";
	return NULL;
}

/* The exemption's limits for a patient without consent on file; *reason NULL when within. */
int rem_exemption_check(struct store *s, const struct reminder_candidate *c, const char *body, int64_t now,
			   char **reason, char **err)
{
	*reason = NULL;
	if (c->has_consent)
		return 0;
	struct segment_info si;
	segments_count(body, strlen(body), &si);
	if (si.segments > 1) {
		*reason = xasprintf("exemption: %d segments, 1 allowed without consent on file", si.segments);
		return 0;
	}
	int day = 0, week = 0;
	if (store_reminder_count_recent(s, c->patient_id, now - REM_DAY, &day, err) != 0 ||
	    store_reminder_count_recent(s, c->patient_id, now - 7 * REM_DAY, &week, err) != 0)
		return -1;
	if (day >= 1)
		*reason = xstrdup("exemption: 1 reminder per day without consent on file");
	else if (week >= 3)
		*reason = xstrdup("exemption: 3 reminders per week without consent on file");
	return 0;
}

/* "outside texting hours in America/Los_Angeles until 08:00" for a wait until `until`. */
char *rem_wait_reason(const char *zone, int64_t until)
{
	struct tm lt;
	if (tz_local(zone, until, &lt) != 0)
		return xasprintf("outside texting hours in %s", zone);
	return xasprintf("outside texting hours in %s until %02d:%02d", zone, lt.tm_hour, lt.tm_min);
}

/* Decides what to do with the reminder of slot `slot` due at due_at (scheduler rules). */
static int decide(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c, int slot,
		  int64_t due_at, int64_t now, struct decision *d, char **err)
{
	memset(d, 0, sizeof(*d));
	d->v = V_SKIP;
	const char *block = rem_blocking_reason(c);
	if (block != NULL) {
		d->reason = xstrdup(block);
		return 0;
	}
	int64_t ahead = c->starts_at - now;
	int64_t need = (int64_t)slot * 60 / 2;
	if (need > REMINDER_CATCHUP_CAP_SECONDS)
		need = REMINDER_CATCHUP_CAP_SECONDS;
	if (now - due_at > REMINDER_GRACE_SECONDS && ahead < need) {
		d->reason = xstrdup("missed: scheduler was down when it was due");
		return 0;
	}
	const char *zone = rem_zone_for(c, tc->t);
	if (!quiet_allowed(now, zone, tc->t->quiet_start, tc->t->quiet_end)) {
		int64_t next = quiet_next_allowed(now, zone, tc->t->quiet_start, tc->t->quiet_end);
		if (next > now && next < c->starts_at) {
			d->v = V_WAIT;
			d->until = next;
			d->reason = rem_wait_reason(zone, next);
		} else {
			d->reason = xstrdup("outside texting hours until the appointment");
		}
		return 0;
	}
	d->reason = rem_template_problem(tc->t, c);
	if (d->reason != NULL)
		return 0;
	char *terr = NULL;
	if (rem_render_body(tc->t, c, &d->body, &terr) != 0) {
		d->reason = xasprintf(REM_TEMPLATE_REASON "%s", terr ? terr : "cannot be rendered");
		free(terr);
		return 0;
	}
	if (rem_exemption_check(s, c, d->body, now, &d->reason, err) != 0)
		return -1;
	if (d->reason == NULL)
		d->v = V_QUEUE;
	return 0;
}

/* Frees a decision's strings. */
void rem_decision_free(struct decision *d)
{
	free(d->reason);
	free(d->body);
	memset(d, 0, sizeof(*d));
}

/* ---- applying a decision ------------------------------------------------------------------ */

/* Appends the audit entry of one reminder decision. */
static int audit_reminder(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
			  const char *action, int64_t reminder_id, int slot, int64_t msg_id, const char *reason,
			  char **err)
{
	char slot_s[16], target[32];
	reminders_format_slot(slot, slot_s, sizeof(slot_s));
	snprintf(target, sizeof(target), "reminder:%lld", (long long)reminder_id);
	char *detail = msg_id > 0 ? xasprintf("appointment %lld, slot %s, message %lld", (long long)c->appointment_id,
					      slot_s, (long long)msg_id)
				  : xasprintf("appointment %lld, slot %s: %s", (long long)c->appointment_id, slot_s,
					      reason ? reason : "");
	int rc = store_audit_append(s, 0, tc->actor, c->tenant_id, action, c->patient_id, target, detail, err);
	free(detail);
	return rc;
}

/* Marks a row skipped (or waiting) with its reason, audit entry and event. */
static int apply_not_sent(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
			  int64_t row_id, int slot, const struct decision *d, struct event_buf *eb, char **err)
{
	bool wait = d->v == V_WAIT;
	const char *what = wait ? "reminder.waiting" : "reminder.skipped";
	if (store_reminder_set_status(s, row_id, wait ? "waiting_quiet" : "skipped", d->reason, wait ? d->until : 0,
				      0, err) != 0 ||
	    audit_reminder(s, tc, c, what, row_id, slot, 0, d->reason, err) != 0)
		return -1;
	ev_add(eb, what, c->tenant_id, c->appointment_id, row_id, 0, slot, wait ? d->until : 0, d->reason);
	return 0;
}

/* Queues the message and marks the row queued. OUTBOX_REFUSED passes the outbox's refusal up. */
int rem_apply_queue(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
		       int64_t row_id, int slot, const struct decision *d, struct event_buf *eb, int64_t *msg_out,
		       char **err)
{
	struct outbox_request req = {
		.tenant_id = c->tenant_id,
		.patient_id = c->patient_id,
		.to = c->mobile,
		.body = d->body,
		.message_type = "reminder",
		.appointment_id = c->appointment_id,
		.reminder_id = row_id,
		.actor = tc->actor,
	};
	int64_t msg_id = 0;
	int rc = outbox_queue(s, &req, &msg_id, err);
	if (rc != 0)
		return rc;
	if (store_reminder_set_status(s, row_id, "queued", NULL, 0, msg_id, err) != 0 ||
	    audit_reminder(s, tc, c, "reminder.queued", row_id, slot, msg_id, NULL, err) != 0)
		return -1;
	ev_add(eb, "reminder.queued", c->tenant_id, c->appointment_id, row_id, msg_id, slot, 0, NULL);
	if (msg_out != NULL)
		*msg_out = msg_id;
	return 0;
}

/* ---- one appointment ---------------------------------------------------------------------- */

static bool is_open(const struct appt_reminder *r)
{
	return strcmp(r->status, "pending") == 0 || strcmp(r->status, "waiting_quiet") == 0;
}

const struct appt_reminder *rem_row_for(const struct appt_reminder *rows, size_t n, int slot)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].slot_minutes == slot)
			return &rows[i];
	return NULL;
}

/* Skips an older slot in favour of the active one (no row yet, or an open row). */
static int supersede(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
		     const struct appt_reminder *row, int slot, int active, int64_t now, struct event_buf *eb,
		     char **err)
{
	char a[16];
	reminders_format_slot(active, a, sizeof(a));
	struct decision d = {.v = V_SKIP, .reason = xasprintf("superseded by the %s reminder", a)};
	int64_t id = 0;
	int rc = 0;
	if (row == NULL) {
		bool inserted = false;
		rc = store_reminder_insert(s, c->tenant_id, c->appointment_id, slot, c->starts_at - (int64_t)slot * 60,
					   "pending", NULL, now, &id, &inserted, err);
		if (rc == 0 && !inserted)
			id = 0;
	} else {
		id = row->id;
		rc = store_reminder_claim_open(s, id, INT64_MAX, err);
		if (rc == SD_NOTFOUND) {
			rc = 0;
			id = 0;
		}
	}
	if (rc == 0 && id > 0)
		rc = apply_not_sent(s, tc, c, id, slot, &d, eb, err);
	rem_decision_free(&d);
	return rc;
}

/* Whether anything is to be done for this appointment (so a settled one costs no transaction). */
static bool needs_work(const struct tenant_ctx *tc, const struct reminder_candidate *c, size_t k,
		       const struct appt_reminder *rows, size_t n, int64_t now)
{
	for (size_t i = 0; i < k; i++) {
		const struct appt_reminder *row = rem_row_for(rows, n, tc->slots[i]);
		if (row == NULL || (is_open(row) && (i + 1 < k || row->due_at <= now)))
			return true;
		if (i + 1 == k && rem_template_fixed(tc->t, c, row))
			return true;
	}
	return false;
}

/* Takes the active slot's row: inserts it, or claims an open due one. *id 0: nothing to do. */
static int take_active(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
		       const struct appt_reminder *row, int active, int64_t now, int64_t *id, int64_t *due_at,
		       struct reminders_report *r, char **err)
{
	*id = 0;
	if (row != NULL && rem_template_fixed(tc->t, c, row)) {
		/* skipped for a template an admin has fixed since: decided again while still ahead */
		int rc = store_reminder_reopen(s, row->id, REM_TEMPLATE_REASON, err);
		if (rc < 0)
			return -1;
		if (rc == SD_NOTFOUND) {
			r->already++;
			return 0;
		}
		r->retried++;
		*id = row->id;
		*due_at = row->due_at;
		return 0;
	}
	if (row == NULL) {
		bool inserted = false;
		*due_at = c->starts_at - (int64_t)active * 60;
		if (store_reminder_insert(s, c->tenant_id, c->appointment_id, active, *due_at, "pending", NULL, now, id,
					  &inserted, err) != 0)
			return -1;
		if (!inserted) {
			*id = 0;
			r->already++;
		}
		return 0;
	}
	if (!is_open(row) || row->due_at > now)
		return 0;
	int rc = store_reminder_claim_open(s, row->id, now, err);
	if (rc < 0)
		return -1;
	if (rc == SD_NOTFOUND) {
		r->already++;
		return 0;
	}
	*id = row->id;
	*due_at = row->due_at;
	return 0;
}

/* The appointment's work inside one savepoint of the batch's transaction (tenant_pass), its
 * events kept in eb until the batch commits. forced: skip the active slot with this reason
 * (after the outbox refused it). Returns OUTBOX_REFUSED (undone) for the caller to redo. */
static int appointment_tx(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
			  size_t k, const struct appt_reminder *rows, size_t n, int64_t now, const char *forced,
			  struct event_buf *eb_out, struct reminders_report *r, char **err)
{
	int active = tc->slots[k - 1];
	struct event_buf *eb = eb_out;
	struct decision d = {0};
	if (store_savepoint(s, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i + 1 < k && rc == 0; i++) {
		const struct appt_reminder *row = rem_row_for(rows, n, tc->slots[i]);
		if (row == NULL || is_open(row))
			rc = supersede(s, tc, c, row, tc->slots[i], active, now, eb, err);
	}
	int64_t id = 0, due_at = 0;
	if (rc == 0)
		rc = take_active(s, tc, c, rem_row_for(rows, n, active), active, now, &id, &due_at, r, err);
	if (rc == 0 && id > 0) {
		if (forced != NULL) {
			d.v = V_SKIP;
			d.reason = xstrdup(forced);
		} else {
			rc = decide(s, tc, c, active, due_at, now, &d, err);
		}
		if (rc == 0)
			rc = d.v == V_QUEUE ? rem_apply_queue(s, tc, c, id, active, &d, eb, NULL, err)
					    : apply_not_sent(s, tc, c, id, active, &d, eb, err);
	}
	rem_decision_free(&d);
	if (rc == 0 && store_savepoint_release(s, err) == 0)
		return 0; /* the events wait for the batch's commit */
	if (rc == 0)
		rc = -1; /* the release failed (and undid the work) */
	else
		store_savepoint_rollback(s);
	rem_ev_flush(eb, r, false);
	return rc;
}

/* Decides every due slot of one appointment (see the rules in reminders.h). */
static int process_appointment(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
			       int64_t now, struct event_buf *eb, struct reminders_report *r, char **err)
{
	size_t k = 0;
	while (k < tc->nslots && c->starts_at - (int64_t)tc->slots[k] * 60 <= now)
		k++;
	if (k == 0)
		return 0;
	struct appt_reminder *rows = NULL;
	size_t n = 0;
	if (store_reminder_rows(s, c->appointment_id, &rows, &n, err) != 0)
		return -1;
	int rc = 0;
	if (needs_work(tc, c, k, rows, n, now)) {
		rc = appointment_tx(s, tc, c, k, rows, n, now, NULL, eb, r, err);
		if (rc == OUTBOX_REFUSED) {
			char *why = *err ? xstrdup(*err) : xstrdup("refused by the send rules");
			xfree(err);
			rc = appointment_tx(s, tc, c, k, rows, n, now, why, eb, r, err);
			free(why);
		}
	}
	appt_reminder_list_free(&rows, n);
	return rc == OUTBOX_REFUSED ? -1 : rc;
}

#define REM_BATCH 500 /* appointments per transaction */

/* ---- the pass ------------------------------------------------------------------------------ */

/* True when the tenant could send at all (Twilio account and a sender). */
bool rem_tenant_can_send(const struct tenant *t)
{
	return t->account_sid != NULL && *t->account_sid != '\0' &&
	       ((t->from_number != NULL && *t->from_number != '\0') ||
		(t->messaging_service_sid != NULL && *t->messaging_service_sid != '\0'));
}

/* Records a tenant's failure in the report. */
static void tenant_failed(struct reminders_report *r, const struct tenant *t, const char *what, char **err)
{
	r->tenants_failed++;
	free(r->last_error);
	r->last_error = xasprintf("%s: %s: %s", t->name, what, *err ? *err : "?");
	xfree(err);
}

/* Decides up to REM_BATCH appointments in one transaction, each in its own savepoint (a
 * transaction per appointment cost a WAL write each: issue 15). A failing appointment is
 * undone alone and ends the pass; the ones before it are kept. Events are emitted only once
 * the transaction is committed. Crash-safe: every row is keyed by (appointment, slot), so
 * the next pass redoes exactly what a lost batch did not keep. */
static int batch_pass(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *cands,
		      size_t m, int64_t now, struct reminders_report *r, char **err)
{
	struct event_buf *ebs = xcalloc(m, sizeof(*ebs));
	int rc = store_begin(s, err);
	size_t done = 0;
	while (rc == 0 && done < m) {
		rc = process_appointment(s, tc, &cands[done], now, &ebs[done], r, err);
		done++;
	}
	char *commit_err = NULL;
	bool committed = store_commit(s, rc == 0 ? err : &commit_err) == 0;
	free(commit_err);
	for (size_t i = 0; i < done; i++)
		rem_ev_flush(&ebs[i], r, committed);
	free(ebs);
	return committed ? rc : -1;
}

/* One tenant's due reminders. */
static int tenant_pass(struct store *s, const struct tenant *t, int64_t now, struct reminders_report *r, char **err)
{
	struct tenant_ctx tc = {.t = t, .actor = "scheduler"};
	if (reminders_parse_slots(t->reminder_slots, tc.slots, &tc.nslots, err) != 0) {
		tenant_failed(r, t, "reminder slots", err);
		return 0;
	}
	if (tc.nslots == 0) {
		/* switched off by an admin: nothing is decided here, the open rows stay as they are */
		struct reminder_event ev = {.what = "reminders.off", .tenant_id = t->id, .reason = "reminders off"};
		r->tenants_off++;
		if (r->on_event != NULL)
			r->on_event(r->event_ctx, &ev);
		return 0;
	}
	char *terr = NULL;
	if (template_validate(t->reminder_template, true, &terr) != 0) {
		/* said once per pass for the location; each reminder is skipped with the reason too */
		char *why = xasprintf("reminder template: %s", terr ? terr : "invalid");
		struct reminder_event ev = {.what = "reminders.template_invalid", .tenant_id = t->id, .reason = why};
		r->templates_invalid++;
		if (r->on_event != NULL)
			r->on_event(r->event_ctx, &ev);
		free(why);
		free(terr);
	}
	struct reminder_candidate *cands = NULL;
	size_t n = 0;
	if (store_reminder_candidates(s, t->id, now, now + (int64_t)tc.slots[0] * 60, &cands, &n, err) != 0) {
		tenant_failed(r, t, "finding appointments", err);
		return 0;
	}
	r->tenants++;
	r->appointments += (int)n;
	for (size_t i = 0; i < n; i += REM_BATCH) {
		size_t m = n - i < REM_BATCH ? n - i : REM_BATCH;
		if (batch_pass(s, &tc, cands + i, m, now, r, err) != 0) {
			tenant_failed(r, t, "reminders", err);
			break;
		}
	}
	reminder_candidate_list_free(&cands, n);
	return 0;
}

/* One pass over every tenant. */
int reminders_pass(struct store *s, int64_t now, struct reminders_report *r, char **err)
{
	int changed = 0;
	if (store_reminder_sync_messages(s, &changed, err) != 0)
		return -1;
	r->synced += changed;
	if (store_reminder_expire(s, now, &changed, err) != 0)
		return -1;
	r->expired += changed;
	struct tenant *tenants = NULL;
	size_t nt = 0;
	if (store_tenant_list(s, &tenants, &nt, err) != 0)
		return -1;
	for (size_t i = 0; i < nt; i++) {
		if (rem_tenant_can_send(&tenants[i]))
			tenant_pass(s, &tenants[i], now, r, err);
	}
	tenant_list_free(&tenants, nt);
	return 0;
}

