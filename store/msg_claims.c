/* The outbox's claims and results: a batch claimed in one commit, handed back when cut
 * short, each answer recorded, and the stale claims a crash left for reconcile. */
#include <stdlib.h>
#include <string.h>
#include "store/messages_internal.h"

/* Oldest first: RETURNING gives rows in no promised order. */
static int by_id(const void *a, const void *b)
{
	const struct sms_message *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

int store_msg_claim_batch(struct store *s, int64_t tenant_id, const char *owner, int64_t now, size_t max,
			  struct sms_message **out, size_t *n, char **err)
{
	/* One statement: the subquery picks and the outer WHERE re-checks status under the write
	 * lock, so two senders (threads or processes) never both get a row. A row with a SID is
	 * Twilio's "queued" (already accepted), not ours. The subquery walks the SID index's
	 * NULL entries (rows Twilio does not have) in id order and stops at the max-th due one:
	 * no sort, and rows just sent leave that range, so a long drain stays linear. */
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	if (tenant_id == 0)
		st = store_stmt(
		    s,
		    "UPDATE sms_messages SET status = 'sending', claimed_at = ?2, claim_owner = ?3,"
		    " attempts = attempts + 1, updated_at = ?2 "
		    "WHERE id IN (SELECT id FROM sms_messages WHERE twilio_sid IS NULL"
		    " AND status = 'queued' AND next_attempt_at <= ?2"
		    " ORDER BY id LIMIT ?4) AND status = 'queued' AND twilio_sid IS NULL "
		    "RETURNING " MSG_COLS,
		    err);
	else
		st = store_stmt(
		    s,
		    "UPDATE sms_messages SET status = 'sending', claimed_at = ?2, claim_owner = ?3,"
		    " attempts = attempts + 1, updated_at = ?2 "
		    "WHERE id IN (SELECT id FROM sms_messages WHERE twilio_sid IS NULL"
		    " AND status = 'queued' AND next_attempt_at <= ?2 AND tenant_id = ?1"
		    " ORDER BY id LIMIT ?4) AND status = 'queued' AND twilio_sid IS NULL "
		    "RETURNING " MSG_COLS,
		    err);
	if (st == NULL)
		return -1;
	if (tenant_id != 0)
		sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text_or_null(st, 3, owner ? owner : "");
	sqlite3_bind_int64(st, 4, max > 0 ? (sqlite3_int64)max : 1);
	/* RETURNING: the change is only complete once the statement has run to its end. */
	if (msg_collect(s, st, out, n, err, "claiming messages to send") != 0)
		return -1;
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_id);
	return 0;
}

int store_msg_claim_next(struct store *s, int64_t tenant_id, const char *owner, int64_t now,
			 struct sms_message *out, char **err)
{
	struct sms_message *list = NULL;
	size_t n = 0;
	if (store_msg_claim_batch(s, tenant_id, owner, now, 1, &list, &n, err) != 0)
		return -1;
	if (n == 0) {
		free(list);
		return SD_NOTFOUND;
	}
	*out = list[0];
	free(list);
	return 0;
}

int store_msg_release_claim(struct store *s, int64_t id, const char *owner, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_messages SET status = 'queued', attempts = MAX(attempts - 1, 0),"
				      " claimed_at = NULL, claim_owner = NULL, updated_at = ?3"
				      " WHERE id = ?1 AND status = 'sending' AND twilio_sid IS NULL AND claim_owner = ?2",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text_or_null(st, 2, owner ? owner : "");
	sqlite3_bind_int64(st, 3, clock_now());
	if (msg_run(s, st, err, "handing back an unsent claim") != 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

int store_msg_record_sent(struct store *s, int64_t id, const char *sid, const char *status, int segments,
			  int64_t at, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s,
		       "UPDATE sms_messages SET twilio_sid = ?2, status = ?3,"
		       " segments = CASE WHEN ?4 > 0 THEN ?4 ELSE segments END, sent_at = ?5,"
		       " claimed_at = NULL, claim_owner = NULL, error_code = NULL, error_message = NULL,"
		       " updated_at = ?5 WHERE id = ?1",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text_or_null(st, 2, sid);
	store_bind_text_or_null(st, 3, status && *status ? status : "queued");
	sqlite3_bind_int(st, 4, segments);
	sqlite3_bind_int64(st, 5, at);
	if (msg_run(s, st, err, "recording a sent message") != 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

int store_msg_record_failure(struct store *s, int64_t id, int code, const char *message, bool final,
			     int64_t next_attempt_at, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s,
		       "UPDATE sms_messages SET status = CASE WHEN ?4 THEN 'failed' ELSE 'queued' END,"
		       " error_code = ?2, error_message = ?3,"
		       " next_attempt_at = CASE WHEN ?4 THEN next_attempt_at ELSE ?5 END,"
		       " claimed_at = NULL, claim_owner = NULL, updated_at = ?6 WHERE id = ?1",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (code != 0)
		sqlite3_bind_int(st, 2, code);
	store_bind_text_or_null(st, 3, message);
	sqlite3_bind_int(st, 4, final ? 1 : 0);
	sqlite3_bind_int64(st, 5, next_attempt_at);
	sqlite3_bind_int64(st, 6, clock_now());
	if (msg_run(s, st, err, "recording a failed send") != 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

int store_msg_note_unsure(struct store *s, int64_t id, const char *message, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_messages SET error_message = ?2, updated_at = ?3"
				      " WHERE id = ?1 AND status = 'sending'",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text_or_null(st, 2, message);
	sqlite3_bind_int64(st, 3, clock_now());
	if (msg_run(s, st, err, "noting an unsure send") != 0)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

int store_msg_list_stale_claims(struct store *s, int64_t older_than, struct sms_message **out, size_t *n,
				char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s,
		       "SELECT " MSG_COLS " FROM sms_messages WHERE tenant_id IN (SELECT id FROM tenants)"
		       " AND " OPEN_STATUS " AND status = 'sending' AND claimed_at < ?1"
		       " ORDER BY claimed_at, id",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, older_than);
	return msg_collect(s, st, out, n, err, "listing stale claims");
}
