/* The one send path, second part: drains the outbox to Twilio, tenant by tenant, recording
 * each answer (retries with backoff, refusals, carrier opt-outs) in one transaction. */
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

/* What the drain does next after one message. */
enum after_send { NEXT_MESSAGE, STOP_TENANT };

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

/* POSTs one claimed message and records the outcome. */
static int send_one(struct store *s, struct twilio_client *c, const struct tenant *t,
		    const struct sms_message *m, const char *actor, struct outbox_stats *st,
		    enum after_send *next, char **err)
{
	int refused = refuse_if_opted_out(s, m, actor, st, err);
	if (refused != 0)
		return refused < 0 ? -1 : 0;
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
	struct twilio_message tm;
	struct twilio_error e;
	memset(&tm, 0, sizeof(tm));
	memset(&e, 0, sizeof(e));
	enum twilio_result r = twilio_send(c, &req, &tm, &e);
	crash_point("after_post"); /* test hook: Twilio has it, we have not looked at the answer */
	for (int i = 0; i < n_media; i++)
		free(urls[i]);
	/* Trouble reaching Twilio (or our credentials) will hit this tenant's next message too. */
	*next = (r == TW_ERR_NETWORK || r == TW_ERR_TIMEOUT || r == TW_ERR_AUTH) ? STOP_TENANT : NEXT_MESSAGE;
	int rc = record_result(s, m, r, &tm, &e, actor, st, err);
	twilio_message_free(&tm);
	twilio_error_clear(&e);
	return rc;
}

/* One tenant's part of a drain. */
struct drain_slot {
	struct tenant t;
	struct twilio_client *client;
	bool active;
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

/* Takes the next due message of one tenant and sends it; deactivates the slot when the tenant
 * has nothing due or cannot send now. Returns -1 only on a store error. */
static int drain_turn(struct store *s, struct drain_slot *sl, outbox_client_fn client_for, void *ctx,
		      const char *owner, const char *actor, struct outbox_stats *st, bool *tried, char **err)
{
	*tried = false;
	if (sl->client == NULL) {
		/* Before claiming: a tenant we cannot reach keeps its messages queued with their
		 * attempts untouched (the sync engine reports why). */
		char *why = NULL;
		sl->client = client_for(ctx, sl->t.id, &why);
		free(why);
		if (sl->client == NULL) {
			sl->active = false;
			return 0;
		}
	}
	struct sms_message m;
	int got = store_msg_claim_next(s, sl->t.id, owner, clock_now(), &m, err);
	if (got != 0) {
		sl->active = false;
		return got < 0 ? -1 : 0;
	}
	crash_point("after_claim"); /* test hook: claimed, nothing POSTed yet */
	enum after_send next = NEXT_MESSAGE;
	int rc = send_one(s, sl->client, &sl->t, &m, actor, st, &next, err);
	*tried = true;
	sms_message_free(&m);
	if (next == STOP_TENANT)
		sl->active = false;
	return rc;
}

int outbox_drain(struct store *s, outbox_client_fn client_for, void *ctx, const char *owner, int max,
		 struct outbox_stats *stats, char **err)
{
	struct drain_slot *slots = NULL;
	size_t n = 0;
	int tried = 0, rc = 0;
	struct outbox_stats local = {0};
	struct outbox_stats *st = stats ? stats : &local;
	if (drain_slots(s, &slots, &n, err) != 0)
		return -1;
	char *actor = actor_of(owner);
	bool any = n > 0;
	/* Round robin, one message per tenant per turn, so one busy clinic cannot starve another. */
	while (any && rc == 0 && (max <= 0 || tried < max)) {
		any = false;
		for (size_t i = 0; i < n && rc == 0 && (max <= 0 || tried < max); i++) {
			bool did = false;
			if (!slots[i].active)
				continue;
			rc = drain_turn(s, &slots[i], client_for, ctx, owner, actor, st, &did, err);
			tried += did;
			any = any || slots[i].active;
		}
	}
	for (size_t i = 0; i < n; i++)
		tenant_free(&slots[i].t);
	free(slots);
	free(actor);
	return rc;
}
