/* The one send path, third part: settles claims left behind by a sender that stopped mid-send,
 * by asking Twilio whether it has the message (never by sending again blindly). */
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/outbox_internal.h"
#include "src/twilio.h"
#include "src/util.h"

#define OUTBOX_MATCH_SLACK 60 /* clocks differ: a Twilio message this much before the claim still matches */

/* Whether the Twilio message is the one we claimed: same number pair, same body, created no
 * earlier than the claim (with slack), and not already recorded for another row. */
static int is_match(struct store *s, const struct tenant *t, const struct sms_message *m,
		    const struct twilio_message *tm, bool *match, char **err)
{
	*match = false;
	if (tm->sid == NULL || tm->body == NULL || strcmp(tm->body, m->body) != 0)
		return 0;
	if (tm->direction != NULL && strncmp(tm->direction, "outbound", 8) != 0)
		return 0;
	if (tm->to != NULL && strcmp(tm->to, m->to_number) != 0)
		return 0;
	bool service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	if (service ? (tm->messaging_service_sid &&
		       strcmp(tm->messaging_service_sid, t->messaging_service_sid) != 0)
		    : (tm->from && t->from_number && strcmp(tm->from, t->from_number) != 0))
		return 0;
	if (tm->date_created != 0 && tm->date_created < m->claimed_at - OUTBOX_MATCH_SLACK)
		return 0;
	struct sms_message known;
	int rc = store_msg_get_by_sid(s, tm->sid, &known, err);
	if (rc == 0) {
		sms_message_free(&known);
		return 0;
	}
	if (rc < 0)
		return -1;
	*match = true;
	return 0;
}

/* Lists Twilio's messages to m's number since the claim's day, page by page, for a match.
 * *found gets a copy of the match's SID, status and segments. */
static int find_at_twilio(struct store *s, struct twilio_client *c, const struct tenant *t,
			  const struct sms_message *m, struct twilio_message *found, bool *ok, char **err)
{
	bool service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	struct twilio_list_query q = {
	    .to = m->to_number,
	    .from = service ? NULL : t->from_number,
	    .date_sent_after = m->claimed_at - OUTBOX_MATCH_SLACK,
	    .page_size = 50,
	};
	struct twilio_page page;
	struct twilio_error e;
	memset(&page, 0, sizeof(page));
	memset(&e, 0, sizeof(e));
	*ok = false;
	enum twilio_result r = twilio_list(c, &q, &page, &e);
	for (int pages = 0; r == TW_OK && pages < 100; pages++) {
		for (size_t i = 0; i < page.n; i++) {
			bool match = false;
			if (is_match(s, t, m, &page.items[i], &match, err) != 0) {
				twilio_page_free(&page);
				return -1;
			}
			if (match) {
				*found = page.items[i];
				memset(&page.items[i], 0, sizeof(page.items[i])); /* moved */
				*ok = true;
				twilio_page_free(&page);
				return 0;
			}
		}
		if (page.next_page_uri == NULL)
			break;
		char *next = xstrdup(page.next_page_uri);
		twilio_page_free(&page);
		memset(&page, 0, sizeof(page));
		r = twilio_list_next(c, next, &page, &e);
		free(next);
	}
	twilio_page_free(&page);
	if (r != TW_OK) {
		seterr(err, "listing Twilio's messages to settle message %lld: %s", (long long)m->id,
		       e.message ? e.message : twilio_result_str(r));
		twilio_error_clear(&e);
		return -1;
	}
	return 0;
}

/* Settles one stale claim: sent (found at Twilio) or queued again (not found). */
static int settle(struct store *s, const struct sms_message *m, const struct twilio_message *found, bool ok,
		  struct outbox_stats *st, char **err)
{
	int rc;
	if (store_begin(s, err) != 0)
		return -1;
	if (ok) {
		int64_t at = found->date_created ? found->date_created : clock_now();
		char *detail = xasprintf("sid=%s status=%s reconciled after an interrupted send", found->sid,
					 found->status ? found->status : "?");
		rc = store_msg_record_sent(s, m->id, found->sid, found->status, found->num_segments, at,
					   err) < 0
			 ? -1
			 : 0;
		if (rc == 0)
			rc = outbox_audit_msg(s, m, "system", "sms.sent", detail, err);
		free(detail);
	} else if (m->attempts >= OUTBOX_MAX_ATTEMPTS) {
		const char *why = "gave up: interrupted sends, and Twilio never received it";
		rc = store_msg_record_failure(s, m->id, 0, why, true, 0, err) < 0 ? -1 : 0;
		if (rc == 0)
			rc = outbox_audit_msg(s, m, "system", "sms.failed", why, err);
	} else {
		rc = store_msg_record_failure(
			 s, m->id, 0, "the send was interrupted and Twilio does not have it: queued again",
			 false, clock_now(), err) < 0
			 ? -1
			 : 0;
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0)
		return -1;
	st->reconciled++;
	if (!ok && m->attempts >= OUTBOX_MAX_ATTEMPTS)
		st->failed++;
	return 0;
}

int outbox_reconcile(struct store *s, outbox_client_fn client_for, void *ctx, int stale_seconds,
		     struct outbox_stats *stats, char **err)
{
	struct sms_message *list = NULL;
	size_t n = 0;
	struct outbox_stats local = {0};
	struct outbox_stats *st = stats ? stats : &local;
	int failures = 0;
	if (store_msg_list_stale_claims(s, clock_now() - stale_seconds, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct sms_message *m = &list[i];
		struct tenant t;
		struct twilio_message found;
		bool ok = false;
		char *why = NULL;
		memset(&found, 0, sizeof(found));
		if (store_tenant_get(s, m->tenant_id, &t, &why) != 0) {
			failures++;
			free(why);
			continue;
		}
		struct twilio_client *c = client_for(ctx, m->tenant_id, &why);
		/* Cannot ask Twilio now: the claim stays until we can (never resend blindly). */
		if (c == NULL || find_at_twilio(s, c, &t, m, &found, &ok, &why) != 0 ||
		    settle(s, m, &found, ok, st, &why) != 0) {
			failures++;
			seterr(err, "%s", why ? why : "cannot reach Twilio");
		}
		free(why);
		twilio_message_free(&found);
		tenant_free(&t);
	}
	sms_message_list_free(&list, n);
	return failures > 0 ? -1 : 0;
}
