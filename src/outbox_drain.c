/* The one send path, second part: drains the outbox to Twilio, tenant by tenant, recording
 * each answer (retries with backoff, refusals, carrier opt-outs) in one transaction, which also
 * claims the next message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/outbox_internal.h"
#include "src/crash.h"
#include "src/twilio.h"
#include "src/util.h"

#define OUTBOX_BACKOFF_BASE 30 /* seconds, doubled per attempt */
#define OUTBOX_BACKOFF_CAP 3600
#define TWILIO_ERR_OPTED_OUT 21610

/* The audit log's username for what this sender did: "scheduler" of "scheduler@host:pid". */
static char *actor_of(const char *owner)
{
	const char *at = owner ? strchr(owner, '@') : NULL;
	if (owner == NULL || *owner == '\0')
		return xstrdup("system");
	return at ? xstrndup(owner, (size_t)(at - owner)) : xstrdup(owner);
}

/* Appends the audit entry for what happened to message m (its id as the target). */
int outbox_audit_msg(struct store *s, const struct sms_message *m, const char *actor, const char *action,
		     const char *detail, char **err)
{
	char target[32];
	snprintf(target, sizeof(target), "%lld", (long long)m->id);
	return store_audit_append(s, 0, actor, m->tenant_id, action, m->patient_id, target, detail, err);
}

/* 21610: the recipient told the carrier STOP. Opts the number out (unless it already is, e.g.
 * this was our own opt-out confirmation) and fails what is queued to it. */
static int carrier_optout(struct store *s, int64_t tenant_id, int64_t patient_id, const char *phone,
			  const char *actor, int64_t now, char **err)
{
	bool already = false;
	int cancelled = 0;
	if (store_number_opted_out(s, tenant_id, phone, &already, err) != 0)
		return -1;
	if (!already) {
		if (store_optout_number(s, tenant_id, phone, now, "carrier",
					"Twilio error 21610: the recipient replied STOP to the carrier",
					err) != 0)
			return -1;
		if (store_audit_append(s, 0, actor, tenant_id, "pref.optout.carrier", patient_id, phone,
				       "Twilio error 21610 (unsubscribed recipient)", err) != 0)
			return -1;
	}
	return store_msg_cancel_queued_to(s, tenant_id, phone, TWILIO_ERR_OPTED_OUT,
					  "not sent: the number opted out (STOP at the carrier)", &cancelled,
					  err);
}

/* Seconds to wait before the next try after `attempts` tries. */
static int64_t backoff_seconds(int attempts)
{
	int64_t d = OUTBOX_BACKOFF_BASE;
	for (int i = 0; i < attempts && d < OUTBOX_BACKOFF_CAP; i++)
		d *= 2;
	return d < OUTBOX_BACKOFF_CAP ? d : OUTBOX_BACKOFF_CAP;
}

/* Whether Twilio certainly did not create the message, so sending again is safe. A timeout,
 * a dropped connection or an unreadable 2xx may hide an accepted message: those stay
 * "sending" for outbox_reconcile to settle by listing. */
static bool certainly_not_created(const struct twilio_error *e)
{
	switch (e->kind) {
	case TW_ERR_RATE:
	case TW_ERR_AUTH:
	case TW_ERR_REJECTED:
	case TW_ERR_USAGE:
		return true;
	case TW_ERR_SERVER:
		return e->http_status == 503; /* refused before any work; a 500 may have created it */
	case TW_ERR_NETWORK:
		return !e->retryable; /* TLS/certificate failures happen before the request */
	default:
		return false;
	}
}

/* Records a transient failure: queued again with backoff, or final after too many tries. */
static int record_retry(struct store *s, const struct sms_message *m, const struct twilio_error *e,
			const char *actor, int64_t now, struct outbox_stats *st, char **err)
{
	/* Refused credentials are the clinic's to fix, not the message's fault: never final. */
	bool final = m->attempts >= OUTBOX_MAX_ATTEMPTS && e->kind != TW_ERR_AUTH;
	char *msg =
	    final ? xasprintf("gave up after %d attempts: %s", m->attempts, e->message ? e->message : "")
		  : xstrdup(e->message ? e->message : twilio_result_str(e->kind));
	int rc =
	    store_msg_record_failure(s, m->id, e->code, msg, final, now + backoff_seconds(m->attempts), err);
	if (rc == 0 && final)
		rc = outbox_audit_msg(s, m, actor, "sms.failed", msg, err);
	free(msg);
	if (rc == 0) {
		if (final)
			st->failed++;
		else
			st->retrying++;
	}
	return rc < 0 ? -1 : 0;
}

/* Records Twilio's refusal: final, with its code and words; 21610 opts the number out. */
static int record_rejected(struct store *s, const struct sms_message *m, const struct twilio_error *e,
			   const char *actor, int64_t now, struct outbox_stats *st, char **err)
{
	const char *words = e->message ? e->message : twilio_result_str(e->kind);
	if (store_msg_record_failure(s, m->id, e->code, words, true, 0, err) < 0)
		return -1;
	char *detail = xasprintf("code=%d http=%d %s", e->code, e->http_status, words);
	int rc = outbox_audit_msg(s, m, actor, "sms.failed", detail, err);
	free(detail);
	if (rc == 0 && e->code == TWILIO_ERR_OPTED_OUT)
		rc = carrier_optout(s, m->tenant_id, m->patient_id, m->to_number, actor, now, err);
	if (rc == 0)
		st->failed++;
	return rc;
}

/* Records what Twilio answered for one claimed message, in one transaction. */
static int record_result(struct store *s, const struct sms_message *m, enum twilio_result r,
			 const struct twilio_message *tm, const struct twilio_error *e, const char *actor,
			 struct outbox_stats *st, char **err)
{
	int64_t now = clock_now();
	int rc = 0;
	if (r != TW_OK && !certainly_not_created(e)) {
		/* Left "sending": outbox_reconcile decides by listing Twilio. The row keeps the words,
		 * so staff and `smsdesk send` can say why (a blank reason is no help at the desk). */
		char *why = xasprintf("%s (Twilio may have it: checked before any new try)",
				      e->message ? e->message : twilio_result_str(e->kind));
		rc = store_msg_note_unsure(s, m->id, why, err);
		free(why);
		return rc < 0 ? -1 : 0;
	}
	if (store_begin(s, err) != 0)
		return -1;
	crash_point("before_record"); /* test hook: dies inside the transaction */
	if (r == TW_OK) {
		char *detail = xasprintf("sid=%s status=%s segments=%d", tm->sid,
					 tm->status ? tm->status : "?", tm->num_segments);
		rc = store_msg_record_sent(s, m->id, tm->sid, tm->status, tm->num_segments, now, err) < 0 ? -1
													  : 0;
		if (rc == 0)
			rc = outbox_audit_msg(s, m, actor, "sms.sent", detail, err);
		free(detail);
		if (rc == 0)
			st->sent++;
	} else if (e->kind == TW_ERR_REJECTED || e->kind == TW_ERR_USAGE) {
		rc = record_rejected(s, m, e, actor, now, st, err);
	} else {
		rc = record_retry(s, m, e, actor, now, st, err);
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* Fails a claimed message, unsent, when its recipient opted out after it was queued. A STOP
 * only cancels what is "queued": one that came while this row sat claimed ("sending", then
 * requeued by a retry or by outbox_reconcile) is caught here, just before the POST.
 * Returns 1 when refused, 0 when it may go, -1 on a store error. */
static int refuse_if_opted_out(struct store *s, const struct sms_message *m, const char *actor,
			       struct outbox_stats *st, char **err)
{
	if (m->message_type == NULL || outbox_type_allowed_when_opted_out(m->message_type))
		return 0;
	struct outbox_request rq = {.tenant_id = m->tenant_id, .patient_id = m->patient_id};
	char *why = NULL;
	int rc = outbox_check_opt_out(s, &rq, m->to_number, "the recipient", &why);
	if (rc != 0 && rc != OUTBOX_REFUSED && err != NULL) {
		*err = why; /* the store's reason */
		return -1;
	}
	free(why);
	if (rc != OUTBOX_REFUSED)
		return rc == 0 ? 0 : -1;
	static const char words[] = "not sent: the recipient opted out after it was queued";
	if (store_begin(s, err) != 0)
		return -1;
	if (store_msg_record_failure(s, m->id, 0, words, true, 0, err) < 0 ||
	    outbox_audit_msg(s, m, actor, "sms.failed", words, err) != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0)
		return -1;
	st->failed++;
	return 1;
}

/* What POSTing one claimed message brought: Twilio's answer, to be recorded. */
struct post_result {
	enum twilio_result r;
	struct twilio_message tm;
	struct twilio_error e;
	bool refused; /* not POSTed: the recipient opted out meanwhile (already recorded) */
};

/* POSTs one claimed message, outside any transaction (never hold the write lock across the
 * network). Returns -1 only on a store error. */
static int post_one(struct store *s, struct twilio_client *c, const struct tenant *t, const struct sms_message *m,
		    const char *actor, struct outbox_stats *st, struct post_result *pr, char **err)
{
	memset(pr, 0, sizeof(*pr));
	int refused = refuse_if_opted_out(s, m, actor, st, err);
	if (refused != 0) {
		pr->refused = true;
		return refused < 0 ? -1 : 0;
	}
	char *urls[OUTBOX_MAX_MEDIA];
	int n_media = outbox_media_parse(m->media_urls, urls);
	if (n_media < 0)
		n_media = 0; /* checked when queued; a row edited since goes as text only */
	bool use_service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	struct twilio_send_req req = {
	    .to = m->to_number,
	    .from = use_service ? NULL : t->from_number,
	    .messaging_service_sid = use_service ? t->messaging_service_sid : NULL,
	    .body = m->body,
	    .media_urls = (const char *const *)urls,
	    .n_media = (size_t)n_media,
	};
	pr->r = twilio_send(c, &req, &pr->tm, &pr->e);
	crash_point("after_post"); /* test hook: Twilio has it, we have not looked at the answer */
	for (int i = 0; i < n_media; i++)
		free(urls[i]);
	return 0;
}

/* One tenant's part of a drain. */
struct drain_slot {
	struct tenant t;
	struct twilio_client *client;
	bool active;
};

/* A drain in progress: the tenants in round-robin order and who is sending. */
struct drain {
	struct store *s;
	struct drain_slot *slots;
	size_t n;
	outbox_client_fn client_for;
	void *ctx;
	const char *owner;
};

/* Tenants that can send (an account SID, and a number or a messaging service). */
static int drain_slots(struct store *s, struct drain_slot **out, size_t *n, char **err)
{
	struct tenant *list = NULL;
	size_t count = 0;
	if (store_tenant_list(s, &list, &count, err) != 0)
		return -1;
	struct drain_slot *slots = xcalloc(count ? count : 1, sizeof(*slots));
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		struct tenant *t = &list[i];
		bool can = t->account_sid && *t->account_sid &&
			   ((t->from_number && *t->from_number) ||
			    (t->messaging_service_sid && *t->messaging_service_sid));
		if (!can)
			continue;
		slots[k].t = *t;
		memset(t, 0, sizeof(*t)); /* moved into the slot */
		slots[k].active = true;
		k++;
	}
	tenant_list_free(&list, count);
	*out = slots;
	*n = k;
	return 0;
}

/* Whether the slot has a client; a tenant we cannot reach is left out of this drain with its
 * messages queued and their attempts untouched (the sync engine reports why). */
static bool slot_ready(struct drain *d, struct drain_slot *sl)
{
	if (sl->client == NULL) {
		char *why = NULL;
		sl->client = d->client_for(d->ctx, sl->t.id, &why);
		free(why);
	}
	if (sl->client == NULL)
		sl->active = false;
	return sl->client != NULL;
}

/* Claims the next due message in round-robin order after slot `after`, one message per
 * tenant per turn so one busy clinic cannot starve another; a tenant with nothing due drops
 * out. Returns 1 with *m and *slot set, 0 when no tenant has anything due, -1 on error. */
static int claim_next(struct drain *d, size_t after, struct sms_message *m, size_t *slot, char **err)
{
	for (size_t k = 1; k <= d->n; k++) {
		size_t i = (after + k) % d->n;
		struct drain_slot *sl = &d->slots[i];
		if (!sl->active || !slot_ready(d, sl))
			continue;
		int got = store_msg_claim_next(d->s, sl->t.id, d->owner, clock_now(), m, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			*slot = i;
			return 1;
		}
		sl->active = false;
	}
	return 0;
}

/* Records what POSTing m brought and, in the same transaction, claims the message after it
 * (when want_next): one commit per message instead of two. A crash after the commit leaves
 * the next one claimed and unsent, as a crash between claim and POST always did, and
 * outbox_reconcile settles it. Returns claim_next's answer for the next message. */
static int record_and_claim(struct drain *d, size_t cur, const struct sms_message *m, struct post_result *pr,
			    const char *actor, struct outbox_stats *st, bool want_next, struct sms_message *next,
			    size_t *next_slot, char **err)
{
	if (store_begin(d->s, err) != 0)
		return -1;
	int rc = pr->refused ? 0 : record_result(d->s, m, pr->r, &pr->tm, &pr->e, actor, st, err);
	/* Trouble reaching Twilio (or our credentials) will hit this tenant's next message too. */
	if (!pr->refused && (pr->r == TW_ERR_NETWORK || pr->r == TW_ERR_TIMEOUT || pr->r == TW_ERR_AUTH))
		d->slots[cur].active = false;
	int got = rc == 0 && want_next ? claim_next(d, cur, next, next_slot, err) : 0;
	if (rc != 0 || got < 0) {
		store_rollback(d->s);
		return -1;
	}
	if (store_commit(d->s, err) != 0) {
		if (got == 1)
			sms_message_free(next);
		return -1;
	}
	return got;
}

int outbox_drain(struct store *s, outbox_client_fn client_for, void *ctx, const char *owner, int max,
		 struct outbox_stats *stats, char **err)
{
	struct drain d = {.s = s, .client_for = client_for, .ctx = ctx, .owner = owner};
	struct outbox_stats local = {0};
	struct outbox_stats *st = stats ? stats : &local;
	if (drain_slots(s, &d.slots, &d.n, err) != 0)
		return -1;
	char *actor = actor_of(owner);
	int tried = 0, rc = 0;
	struct sms_message m;
	size_t cur = 0;
	int got = d.n > 0 ? claim_next(&d, d.n - 1, &m, &cur, err) : 0;
	while (got == 1) {
		crash_point("after_claim"); /* test hook: claimed, nothing POSTed yet */
		tried++;
		struct post_result pr;
		struct sms_message next;
		size_t next_slot = 0;
		got = post_one(s, d.slots[cur].client, &d.slots[cur].t, &m, actor, st, &pr, err);
		if (got == 0)
			got = record_and_claim(&d, cur, &m, &pr, actor, st, max <= 0 || tried < max, &next, &next_slot,
					       err);
		twilio_message_free(&pr.tm);
		twilio_error_clear(&pr.e);
		sms_message_free(&m);
		if (got == 1) {
			m = next;
			cur = next_slot;
		}
	}
	rc = got < 0 ? -1 : 0;
	for (size_t i = 0; i < d.n; i++)
		tenant_free(&d.slots[i].t);
	free(d.slots);
	free(actor);
	return rc;
}
