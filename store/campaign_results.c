/* Campaign results: where each recipient stands, replies and bookings after the text, and
 * the reasons recipients were left out. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

int store_campaign_results(struct store *s, int64_t campaign_id, struct campaign_results *out, char **err)
{
	memset(out, 0, sizeof(*out));
	/* "sent" means Twilio has it (a SID); a reply is an inbound text in the recipient's
	 * thread after ours; a booking is a visit made after the text, for after it, not cancelled. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT COUNT(*), TOTAL(r.status = 'excluded'), TOTAL(r.status = 'pending'),"
	    " TOTAL(r.status = 'skipped'), TOTAL(r.status = 'cancelled'), TOTAL(r.status = 'queued'),"
	    " TOTAL(m.status IN ('queued', 'sending') AND m.twilio_sid IS NULL), TOTAL(m.twilio_sid IS NOT NULL),"
	    " TOTAL(m.status = 'delivered'), TOTAL(m.status IN ('failed', 'undelivered')),"
	    " TOTAL(m.twilio_sid IS NOT NULL AND EXISTS (SELECT 1 FROM sms_messages i WHERE"
	    "  i.thread_id = m.thread_id AND i.direction = 'inbound' AND i.created_at >= m.created_at)),"
	    " TOTAL(m.twilio_sid IS NOT NULL AND EXISTS (SELECT 1 FROM appointments a WHERE"
	    "  a.patient_id = r.patient_id AND a.created_at >= r.released_at AND a.starts_at >= r.released_at"
	    "  AND a.status <> 'cancelled')),"
	    " TOTAL(CASE WHEN m.twilio_sid IS NOT NULL THEN m.segments ELSE 0 END),"
	    " TOTAL(CASE WHEN m.twilio_sid IS NOT NULL THEN m.segments * t.segment_price_micros ELSE 0 END)"
	    " FROM sms_campaign_recipients r LEFT JOIN sms_messages m ON m.id = r.message_id"
	    " JOIN tenants t ON t.id = r.tenant_id WHERE r.campaign_id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, err, "reading a campaign's results");
		sqlite3_reset(st);
		return -1;
	}
	int64_t *f[] = {&out->recipients, &out->excluded, &out->pending, &out->skipped,   &out->cancelled,
			&out->queued,     &out->outbox,   &out->sent,    &out->delivered, &out->failed,
			&out->replied,    &out->booked,   &out->segments, &out->cost_micros};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] = (int64_t)sqlite3_column_double(st, (int)i);
	sqlite3_reset(st);
	return 0;
}

static void reason_free_elem(void *e)
{
	struct campaign_reason *r = e;
	free(r->status);
	free(r->reason);
}

void campaign_reason_list_free(struct campaign_reason **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), reason_free_elem);
	*list = NULL;
}

static void reason_from_row(sqlite3_stmt *st, void *elem)
{
	struct campaign_reason *r = elem;
	r->status = store_col_text_or(st, 0, "");
	r->reason = store_col_text_or(st, 1, "");
	r->count = sqlite3_column_int64(st, 2);
}

int store_campaign_reasons(struct store *s, int64_t campaign_id, struct campaign_reason **out, size_t *n,
			   char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT status, COALESCE(reason, ''), COUNT(*) FROM sms_campaign_recipients"
				      " WHERE campaign_id = ?1 AND (status IN ('excluded', 'skipped')"
				      " OR (status = 'pending' AND reason IS NOT NULL))"
				      " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	return store_collect(s, st, sizeof(**out), reason_from_row, reason_free_elem, (void **)out, n,
			     "reading why recipients were left out", err);
}
