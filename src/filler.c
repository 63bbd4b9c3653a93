/* The cancellation filler (see src/filler.h): offers, replies, the booking and the notices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/filler.h"
#include "src/keywords.h"
#include "src/outbox.h"
#include "src/phone.h"
#include "src/quiet.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"

#define DAY 86400

/* The texts of the chain, in the patient's zone. kind: 'o' offer, 'w' won, 't' taken. */
static char *text_for(const struct tenant *t, const struct slot_offer *o, const char *zone, char kind)
{
	char day[40], at[24], phone[32];
	template_format_date(o->starts_at, zone, day, sizeof(day));
	template_format_time(o->starts_at, zone, at, sizeof(at));
	phone_display(t->phone, phone, sizeof(phone));
	if (kind == 'o')
		return xasprintf("%s: a visit opened %s at %s. Reply BOOK to take it, first reply gets it. Call %s. "
				 "STOP to opt out.",
				 t->name, day, at, phone);
	if (kind == 'w')
		return xasprintf("%s: you are booked %s at %s. Call %s if you cannot come.", t->name, day, at, phone);
	return xasprintf("%s: sorry, the %s %s visit was taken. We will text if another opens. STOP to opt out.", t->name,
			 day, at);
}

/* Queues one text of the chain through the one send path; OUTBOX_REFUSED with *why. */
static int queue_text(struct store *s, const struct tenant *t, const struct slot_offer *o, const struct offer_link *l,
		      char kind, int64_t *msg, char **why)
{
	char *text = text_for(t, o, l->timezone && *l->timezone ? l->timezone : t->timezone, kind);
	struct outbox_request rq = {.tenant_id = t->id,
				    .patient_id = l->patient_id,
				    .to = l->phone,
				    .body = text,
				    .message_type = kind == 'w' ? "auto_reply" : "campaign",
				    .actor = "filler"};
	int rc = outbox_queue(s, &rq, msg, why);
	free(text);
	return rc;
}

/* Appends a filler audit entry about one patient. */
static int audit(struct store *s, const struct slot_offer *o, const char *action, int64_t patient, const char *detail,
		 char **err)
{
	char target[40];
	snprintf(target, sizeof(target), "offer %lld", (long long)o->id);
	return store_audit_append(s, 0, "filler", o->tenant_id, action, patient, target, detail, err);
}

/* Books the slot for the winner and tells the others, in one transaction. 1 when another
 * process or pass filled it first (nothing done), 0 booked, -1 error. */
static int fill(struct store *s, const struct tenant *t, const struct slot_offer *o, struct offer_link *chain, size_t n,
		size_t win, int64_t reply_at, int64_t now, struct filler_report *r, char **err)
{
	struct appointment a = {.tenant_id = o->tenant_id, .patient_id = chain[win].patient_id, .provider = o->provider,
				.location = o->location, .starts_at = o->starts_at, .duration_min = o->duration_min,
				.status = "scheduled"};
	int64_t appt = 0, msg = 0;
	char *why = NULL, detail[96];
	if (store_begin(s, err) != 0)
		return -1;
	if (store_appt_add(s, &a, &appt, err) != 0)
		goto fail;
	int rc = store_offer_close(s, o->id, "filled", a.patient_id, appt, now, err);
	if (rc != 0) {
		store_rollback(s);
		return rc == SD_NOTFOUND ? 1 : -1;
	}
	snprintf(detail, sizeof(detail), "appointment %lld (cancelled %lld) booked", (long long)appt,
		 (long long)o->appointment_id);
	if (store_waitlist_mark_booked(s, a.patient_id, o->starts_at, err) != 0 ||
	    store_offer_link_set(s, chain[win].id, "won", NULL, 0, 0, reply_at, err) != 0 ||
	    audit(s, o, "filler.filled", a.patient_id, detail, err) != 0)
		goto fail;
	if (queue_text(s, t, o, &chain[win], 'w', &msg, &why) < 0)
		goto fail_why;
	for (size_t i = 0; i < n; i++) {
		struct offer_link *l = &chain[i];
		bool asked = strcmp(l->status, "offered") == 0 || strcmp(l->status, "no_answer") == 0;
		if (i == win || !(asked || strcmp(l->status, "waiting") == 0))
			continue;
		if (!asked) {
			if (store_offer_link_set(s, l->id, "skipped", "filled before their turn", 0, 0, 0, err) != 0)
				goto fail;
			continue;
		}
		xfree(&why);
		msg = 0;
		int q = queue_text(s, t, o, l, 't', &msg, &why);
		if (q < 0)
			goto fail_why;
		if (store_offer_link_set(s, l->id, "told_taken", q == 0 ? NULL : why, msg, 0, 0, err) != 0)
			goto fail;
		r->taken += q == 0;
	}
	free(why);
	if (store_commit(s, err) != 0)
		return -1;
	r->filled++;
	return 0;
fail_why:
	if (err != NULL && why != NULL) {
		free(*err);
		*err = why;
		why = NULL;
	}
fail:
	free(why);
	store_rollback(s);
	return -1;
}

/* The link whose BOOK came first (by when it was stored), or n when none. */
static int first_booking(struct store *s, const struct slot_offer *o, const struct offer_link *chain, size_t n,
			 size_t *win, int64_t *reply_at, char **err)
{
	int64_t best = 0;
	*win = n;
	for (size_t i = 0; i < n; i++) {
		const struct offer_link *l = &chain[i];
		if (strcmp(l->status, "offered") != 0 && strcmp(l->status, "no_answer") != 0)
			continue;
		int64_t id = 0, at = 0, after = 0;
		char *body = NULL;
		for (;;) {
			if (store_offer_next_reply(s, o->tenant_id, l->phone, l->offered_at, after, &id, &at, &body, err) != 0)
				return -1;
			if (id == 0)
				break;
			char *norm = keywords_normalize(body);
			bool yes = strcmp(norm, FILLER_ACCEPT) == 0;
			free(norm);
			free(body);
			if (yes && (best == 0 || id < best)) {
				best = id;
				*win = i;
				*reply_at = at;
			}
			if (yes)
				break;
			after = id;
		}
	}
	return 0;
}

/* Whether a text may go to this patient now: texting hours, and without consent the
 * healthcare exemption's 1 a day, 3 a week. *why (static words) when not. */
static int may_text(struct store *s, const struct tenant *t, const struct offer_link *l, int64_t now,
		    const char **why, bool *later, char **err)
{
	const char *zone = l->timezone && *l->timezone ? l->timezone : t->timezone;
	*why = NULL;
	*later = false;
	if (!quiet_allowed(now, zone, t->quiet_start, t->quiet_end)) {
		*later = true;
		return 0;
	}
	struct sms_prefs pr;
	if (store_prefs_get(s, l->patient_id, &pr, err) < 0)
		return -1;
	bool consent = pr.consent_at > 0 && (pr.consent_phone == NULL || strcmp(pr.consent_phone, l->phone) == 0);
	sms_prefs_free(&pr);
	if (consent)
		return 0;
	int day = 0, week = 0;
	if (store_msg_count_recent_to(s, t->id, l->phone, "reminder,campaign", now - DAY, &day, err) != 0 ||
	    store_msg_count_recent_to(s, t->id, l->phone, "reminder,campaign", now - 7 * DAY, &week, err) != 0)
		return -1;
	if (day >= 1 || week >= 3)
		*why = "no consent on file: already texted today or 3 times this week (exemption)";
	return 0;
}

/* Offers the slot to the next patients of the chain; *left how many still wait, *sent_out
 * how many were offered it now. */
static int offer_next(struct store *s, const struct tenant *t, const struct slot_offer *o, struct offer_link *chain,
		      size_t n, int64_t now, struct filler_report *r, int *left, int *sent_out, char **err)
{
	int sent = 0;
	*left = 0;
	*sent_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct offer_link *l = &chain[i];
		if (strcmp(l->status, "waiting") != 0)
			continue;
		const char *why = NULL;
		bool later = sent >= FILLER_BATCH;
		if (!later && may_text(s, t, l, now, &why, &later, err) != 0)
			return -1;
		if (later) {
			(*left)++;
			continue;
		}
		int64_t msg = 0;
		char *refused = NULL;
		int rc = -1;
		if (store_begin(s, err) != 0)
			return -1;
		int q = why ? OUTBOX_REFUSED : queue_text(s, t, o, l, 'o', &msg, &refused);
		if (q >= 0)
			rc = store_offer_link_set(s, l->id, q == 0 ? "offered" : "skipped", q == 0 ? NULL : why ? why : refused,
						  msg, q == 0 ? now : 0, 0, err);
		if (rc == 0 && q == 0)
			rc = audit(s, o, "filler.offer", l->patient_id, l->source, err);
		free(refused);
		if (rc != 0) {
			store_rollback(s);
			return -1;
		}
		if (store_commit(s, err) != 0)
			return -1;
		sent += q == 0;
	}
	r->offered += sent;
	*sent_out = sent;
	return 0;
}

/* Closes an offer (expired, or nobody left to ask), audited. */
static int close_offer(struct store *s, const struct slot_offer *o, const char *status, int64_t now,
		       struct filler_report *r, char **err)
{
	if (store_begin(s, err) != 0)
		return -1;
	int rc = store_offer_close(s, o->id, status, 0, 0, now, err);
	if (rc == 0)
		rc = audit(s, o, strcmp(status, "expired") == 0 ? "filler.expired" : "filler.exhausted", 0, NULL, err);
	if (rc < 0) {
		store_rollback(s);
		return -1;
	}
	r->closed += rc == 0;
	return store_commit(s, err);
}

/* One open offer's turn: too late, a booking, the next batch, or nobody left. */
static int step_offer(struct store *s, const struct slot_offer *o, int64_t now, struct filler_report *r, char **err)
{
	struct tenant t = {0};
	struct offer_link *chain = NULL;
	size_t n = 0, win = 0;
	int64_t reply_at = 0;
	int rc = store_tenant_get(s, o->tenant_id, &t, err);
	if (rc != 0)
		return -1;
	if (o->starts_at - now < FILLER_LEAD) {
		rc = close_offer(s, o, "expired", now, r, err);
		goto out;
	}
	if ((rc = store_offer_chain(s, o->id, &chain, &n, err)) != 0)
		goto out;
	if (n == 0) {
		char *mode = NULL;
		bool all = store_setting_get(s, o->tenant_id, "filler", &mode, NULL) != 0 || strcmp(mode, "all") == 0;
		free(mode);
		struct tm lt;
		int64_t recall = 0;
		if (all && tz_local(t.timezone, now, &lt) == 0) {
			lt.tm_year -= 1; /* a year without a visit: due for the annual check */
			recall = tz_mktime(t.timezone, &lt);
		}
		if ((rc = store_offer_build_chain(s, o, recall, FILLER_MAX_RECALL, err)) != 0 ||
		    (rc = store_offer_chain(s, o->id, &chain, &n, err)) != 0)
			goto out;
	}
	if ((rc = first_booking(s, o, chain, n, &win, &reply_at, err)) != 0)
		goto out;
	if (win < n) {
		rc = fill(s, &t, o, chain, n, win, reply_at, now, r, err) < 0 ? -1 : 0;
		goto out;
	}
	bool waiting_on_batch = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(chain[i].status, "offered") != 0)
			continue;
		if (chain[i].offered_at > now - FILLER_WAIT)
			waiting_on_batch = true;
		else if ((rc = store_offer_link_set(s, chain[i].id, "no_answer", NULL, 0, 0, 0, err)) != 0)
			goto out;
	}
	int left = 0, sent = 0;
	if (!waiting_on_batch && (rc = offer_next(s, &t, o, chain, n, now, r, &left, &sent, err)) != 0)
		goto out;
	/* Everyone was asked and the last batch had its wait: the slot is given up. */
	if (!waiting_on_batch && left == 0 && sent == 0)
		rc = close_offer(s, o, "exhausted", now, r, err);
out:
	offer_link_list_free(&chain, n);
	tenant_free(&t);
	return rc;
}

int filler_pass(struct store *s, int64_t now, struct filler_report *r, char **err)
{
	struct slot_offer *list = NULL;
	size_t n = 0;
	int made = 0, rc = 0;
	if (store_offer_open_new(s, now - 2 * DAY, now + FILLER_LEAD, now, &made, err) != 0)
		return -1;
	r->opened += made;
	if (store_offer_list(s, 0, "open", 0, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = step_offer(s, &list[i], now, r, err);
	slot_offer_list_free(&list, n);
	return rc;
}
