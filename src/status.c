/* Delivery-status refresh: fetches each non-final outbound message by SID until Twilio reports
 * a final status; 21610 in a status means the recipient stopped us at the carrier. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sync.h"
#include "src/util.h"

#define STATUS_OPTED_OUT 21610
#define STATUS_MIN_DEFER 300          /* first re-check of a message Twilio refused: 5 minutes */
#define STATUS_MAX_DEFER 86400        /* never wait more than a day between checks */
#define STATUS_RETENTION (400 * 86400) /* Twilio's message record retention: after it, give up */

/* Opts the number out via the carrier (once), fails what is queued to it, audits it. */
static int carrier_optout(struct store *s, const struct sms_message *m, int64_t now, char **err)
{
	bool already = false;
	int cancelled = 0;
	if (store_number_opted_out(s, m->tenant_id, m->to_number, &already, err) != 0)
		return -1;
	if (!already) {
		if (store_optout_number(s, m->tenant_id, m->to_number, now, "carrier",
					"Twilio error 21610: the recipient replied STOP to the carrier",
					err) != 0)
			return -1;
		char detail[96];
		snprintf(detail, sizeof(detail), "Twilio error 21610 in the delivery status of message %lld",
			 (long long)m->id);
		if (store_audit_append(s, 0, "system", m->tenant_id, "pref.optout.carrier", m->patient_id,
				       m->to_number, detail, err) != 0)
			return -1;
	}
	return store_msg_cancel_queued_to(s, m->tenant_id, m->to_number, STATUS_OPTED_OUT,
					  "not sent: the number opted out (STOP at the carrier)", &cancelled,
					  err);
}

/* Stores what Twilio says of one message, with the opt-out it may imply, in one transaction. */
static int apply_status(struct store *s, const struct sms_message *m, const struct twilio_message *tm,
			bool *changed, char **err)
{
	int64_t now = clock_now();
	const char *status = tm->status && *tm->status ? tm->status : m->status;
	*changed = strcmp(status, m->status) != 0 || (tm->error_code != 0 && tm->error_code != m->error_code);
	if (store_begin(s, err) != 0)
		return -1;
	/* Written even when unchanged: updated_at orders the next refresh (least recent first). */
	int rc =
	    store_msg_update_status(s, m->twilio_sid, status, tm->error_code, tm->error_message, now, err);
	if (rc == 0 && tm->error_code == STATUS_OPTED_OUT && m->error_code != STATUS_OPTED_OUT &&
	    strcmp(m->message_type, "optout_confirm") != 0)
		rc = carrier_optout(s, m, now, err);
	if (rc == 0 && *changed && sms_status_is_final(status) && strcmp(status, "delivered") != 0) {
		char target[32], detail[160];
		snprintf(target, sizeof(target), "%lld", (long long)m->id);
		snprintf(detail, sizeof(detail), "status=%s code=%d", status, tm->error_code);
		rc = store_audit_append(s, 0, "system", m->tenant_id, "sms.failed", m->patient_id, target,
					detail, err);
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* When to ask Twilio again about a message it refused (404 for a message deleted at Twilio,
 * or another rejection): a wait as long as the message's age (5 minutes to a day), so the
 * checks thin out geometrically without a counter; never again once the message is older
 * than Twilio keeps records. */
static int64_t status_next_check(const struct sms_message *m, int64_t now)
{
	int64_t born = m->sent_at > 0 ? m->sent_at : m->created_at;
	int64_t age = now > born ? now - born : 0;
	if (age >= STATUS_RETENTION)
		return INT64_MAX;
	int64_t wait = age < STATUS_MIN_DEFER ? STATUS_MIN_DEFER : age > STATUS_MAX_DEFER ? STATUS_MAX_DEFER : age;
	return now + wait;
}

int status_refresh(struct store *s, struct twilio_client *c, const struct tenant *t, int limit, int *updated,
		   char **err)
{
	struct sms_message *list = NULL;
	size_t n = 0;
	int count = 0, rc = 0;
	if (store_msg_list_open(s, t->id, clock_now(), limit > 0 ? (size_t)limit : 0, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct twilio_message tm;
		struct twilio_error e;
		memset(&tm, 0, sizeof(tm));
		memset(&e, 0, sizeof(e));
		enum twilio_result r = twilio_fetch(c, list[i].twilio_sid, &tm, &e);
		if (r == TW_OK) {
			bool changed = false;
			rc = apply_status(s, &list[i], &tm, &changed, err);
			count += changed;
		} else if (r != TW_ERR_REJECTED) {
			/* Twilio unreachable or refusing us: the rest would fail the same way. */
			rc = seterr(err, "refreshing delivery status: %s",
				    e.message ? e.message : twilio_result_str(r));
		} else {
			/* A rejected fetch (e.g. 404 for a message deleted at Twilio) puts off that
			 * message only, so it does not take the place of the others on every pass. */
			rc = store_msg_defer_status(s, list[i].id, status_next_check(&list[i], clock_now()), err);
		}
		twilio_message_free(&tm);
		twilio_error_clear(&e);
	}
	sms_message_list_free(&list, n);
	if (updated != NULL)
		*updated = count;
	return rc;
}
