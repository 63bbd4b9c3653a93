/* The one send path, second part: drains the outbox to Twilio, tenant by tenant, recording
 * the answers of a claimed batch (retries with backoff, refusals, carrier opt-outs) in one
 * transaction, which also claims the next batch. */
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
#define OUTBOX_BATCH 32 /* claimed per commit, and results recorded per commit */
#define OUTBOX_BATCH_MAX_MS 30000 /* a batch's rest is handed back once its claim is this old */

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

/* Claims the next due batch in round-robin order after slot `after`, up to `want` messages of
 * one tenant per turn, so one busy clinic cannot starve another for more than a batch; a
 * tenant with nothing due drops out. Returns 1 with the batch and *slot set, 0 when no tenant
 * has anything due, -1 on error. */
static int claim_next(struct drain *d, size_t after, size_t want, struct sms_message **batch, size_t *n,
		      size_t *slot, char **err)
{
	for (size_t k = 1; k <= d->n; k++) {
		size_t i = (after + k) % d->n;
		struct drain_slot *sl = &d->slots[i];
		if (!sl->active || !slot_ready(d, sl))
			continue;
		if (store_msg_claim_batch(d->s, sl->t.id, d->owner, clock_now(), want, batch, n, err) != 0)
			return -1;
		if (*n > 0) {
			*slot = i;
			return 1;
		}
		free(*batch);
		*batch = NULL;
		sl->active = false;
	}
	return 0;
}

/* A claimed batch being sent: its rows, Twilio's answers for the first `posted`. */
struct batch {
	struct sms_message *m;
	struct post_result *pr;
	size_t n, posted, slot;
	int64_t claimed_ms; /* monotonic: when the claim was committed */
};

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->posted; i++) {
		twilio_message_free(&b->pr[i].tm);
		twilio_error_clear(&b->pr[i].e);
	}
	sms_message_list_free(&b->m, b->n);
	free(b->pr);
	memset(b, 0, sizeof(*b));
}

/* A batch whose claim is committed: room for its answers, and the claim's age from now. */
static void batch_committed(struct batch *b)
{
	b->pr = xcalloc(b->n, sizeof(*b->pr));
	b->claimed_ms = clock_mono_ms();
}

/* Records what POSTing the batch brought, hands back the claims never POSTed, and, in the same
 * transaction, claims the next batch (when want > 0): one commit per batch instead of one per
 * message. A crash before the commit leaves the batch "sending" (the POSTed ones at Twilio,
 * the others not), exactly what outbox_reconcile settles by asking Twilio; nothing is sent
 * again blindly. Returns claim_next's answer for the next batch. */
static int record_and_claim(struct drain *d, struct batch *b, const char *actor, struct outbox_stats *st,
			    size_t want, struct batch *next, char **err)
{
	if (store_begin(d->s, err) != 0)
		return -1;
	int rc = 0;
	/* The rest first: "queued" again, so a carrier opt-out recorded below fails them too. */
	for (size_t i = b->posted; i < b->n && rc == 0; i++)
		rc = store_msg_release_claim(d->s, b->m[i].id, d->owner, err) < 0 ? -1 : 0;
	for (size_t i = 0; i < b->posted && rc == 0; i++) {
		struct post_result *pr = &b->pr[i];
		if (!pr->refused)
			rc = record_result(d->s, &b->m[i], pr->r, &pr->tm, &pr->e, actor, st, err);
	}
	int got = rc == 0 && want > 0 ? claim_next(d, b->slot, want, &next->m, &next->n, &next->slot, err) : 0;
	if (rc != 0 || got < 0) {
		store_rollback(d->s);
		return -1;
	}
	if (store_commit(d->s, err) != 0) {
		if (got == 1)
			sms_message_list_free(&next->m, next->n);
		return -1;
	}
	if (got == 1)
		batch_committed(next);
	return got;
}

/* Whether the batch's next message may still go: its tenant reachable, the claim young
 * enough that no reconcile (SYNC_STALE_SECONDS, 120 s) can take it for a crashed sender's. */
static bool batch_may_go_on(const struct drain *d, const struct batch *b)
{
	return d->slots[b->slot].active && clock_mono_ms() - b->claimed_ms < OUTBOX_BATCH_MAX_MS;
}

/* POSTs the batch in order until it ends, the drain's max is reached, or the tenant's trouble
 * or the claim's age says to stop. Returns -1 only on a store error. */
static int post_batch(struct drain *d, struct batch *b, const char *actor, int max, int *tried,
		      struct outbox_stats *st, char **err)
{
	struct drain_slot *sl = &d->slots[b->slot];
	while (b->posted < b->n && (max <= 0 || *tried < max) && (b->posted == 0 || batch_may_go_on(d, b))) {
		crash_point("after_claim"); /* test hook: claimed, this one not POSTed yet */
		struct post_result *pr = &b->pr[b->posted];
		(*tried)++;
		if (post_one(d->s, sl->client, &sl->t, &b->m[b->posted], actor, st, pr, err) != 0)
			return -1;
		b->posted++;
		if (pr->refused || pr->r == TW_OK)
			continue;
		/* Trouble reaching Twilio (or our credentials) will hit this tenant's next message too. */
		if (pr->r == TW_ERR_NETWORK || pr->r == TW_ERR_TIMEOUT || pr->r == TW_ERR_AUTH)
			sl->active = false;
		/* Anything but a plain acceptance is recorded before the next POST: a 21610 opts the
		 * number out and fails what waits for it, the batch's rest included (handed back). */
		break;
	}
	return 0;
}

/* How many to claim next: the batch doubles from one up to OUTBOX_BATCH ("slow start": a short
 * drain, or one that meets trouble at once, claims no more than it sends, and a crash early
 * in a drain leaves little for outbox_reconcile), and no more than the drain's max allows. */
static size_t want_next(int max, int tried, size_t *grow)
{
	size_t want = *grow;
	if (*grow < OUTBOX_BATCH)
		*grow *= 2;
	if (max <= 0)
		return want;
	int left = max - tried;
	return left <= 0 ? 0 : (size_t)left < want ? (size_t)left : want;
}

/* The drain's first batch, claimed in a commit of its own: durable before any POST. */
static int first_claim(struct drain *d, size_t want, struct batch *b, char **err)
{
	if (store_begin(d->s, err) != 0)
		return -1;
	int got = claim_next(d, d->n - 1, want, &b->m, &b->n, &b->slot, err);
	if (got < 0) {
		store_rollback(d->s);
		return -1;
	}
	if (store_commit(d->s, err) != 0) {
		sms_message_list_free(&b->m, b->n);
		return -1;
	}
	if (got == 1)
		batch_committed(b);
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
	int tried = 0;
	size_t grow = 1;
	struct batch b = {0};
	int got = 0;
	if (d.n > 0)
		got = first_claim(&d, want_next(max, 0, &grow), &b, err);
	while (got == 1) {
		struct batch next = {0};
		got = post_batch(&d, &b, actor, max, &tried, st, err);
		if (got == 0)
			got = record_and_claim(&d, &b, actor, st, want_next(max, tried, &grow), &next, err);
		batch_free(&b);
		b = next;
	}
	batch_free(&b);
	for (size_t i = 0; i < d.n; i++)
		tenant_free(&d.slots[i].t);
	free(d.slots);
	free(actor);
	return got < 0 ? -1 : 0;
}
