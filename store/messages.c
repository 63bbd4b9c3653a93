/* Messages in and out: queueing, inbound storage, lists and status (claims and send results:
 * msg_claims.c). */
#include <stdlib.h>
#include <string.h>
#include "store/messages_internal.h"

void sms_message_free(struct sms_message *m)
{
	if (m == NULL)
		return;
	free(m->twilio_sid);
	free(m->direction);
	free(m->from_number);
	free(m->to_number);
	free(m->body);
	free(m->media_urls);
	free(m->encoding);
	free(m->status);
	free(m->error_message);
	free(m->message_type);
	free(m->claim_owner);
	memset(m, 0, sizeof(*m));
}

/* sms_message_free for store_list_free and store_collect. */
static void message_free_elem(void *elem)
{
	sms_message_free(elem);
}

void sms_message_list_free(struct sms_message **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), message_free_elem);
	*list = NULL;
}

bool sms_status_is_final(const char *status)
{
	static const char *const final[] = {"delivered", "undelivered", "failed", "received",
					    "canceled",	 "read",	NULL};
	if (status == NULL)
		return false;
	for (size_t i = 0; final[i] != NULL; i++) {
		if (strcmp(status, final[i]) == 0)
			return true;
	}
	return false;
}

/* Fills a message from a row whose columns are MSG_COLS. */
static void read_message(sqlite3_stmt *st, void *elem)
{
	struct sms_message *out = elem;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->tenant_id = sqlite3_column_int64(st, 1);
	out->thread_id = sqlite3_column_int64(st, 2);
	out->patient_id = sqlite3_column_int64(st, 3);
	out->twilio_sid = store_col_text(st, 4);
	out->direction = store_col_text_or(st, 5, "");
	out->from_number = store_col_text_or(st, 6, "");
	out->to_number = store_col_text_or(st, 7, "");
	out->body = store_col_text_or(st, 8, "");
	out->media_urls = store_col_text(st, 9);
	out->segments = sqlite3_column_int(st, 10);
	out->encoding = store_col_text_or(st, 11, "GSM-7");
	out->status = store_col_text_or(st, 12, "");
	out->error_code = sqlite3_column_int(st, 13);
	out->error_message = store_col_text(st, 14);
	out->message_type = store_col_text_or(st, 15, "conversation");
	out->appointment_id = sqlite3_column_int64(st, 16);
	out->reminder_id = sqlite3_column_int64(st, 17);
	out->sent_by = sqlite3_column_int64(st, 18);
	out->attempts = sqlite3_column_int(st, 19);
	out->next_attempt_at = sqlite3_column_int64(st, 20);
	out->claimed_at = sqlite3_column_int64(st, 21);
	out->claim_owner = store_col_text(st, 22);
	out->created_at = sqlite3_column_int64(st, 23);
	out->sent_at = sqlite3_column_int64(st, 24);
	out->delivered_at = sqlite3_column_int64(st, 25);
	out->updated_at = sqlite3_column_int64(st, 26);
}

/* Steps st to the end, collecting every row into a new array. */
int msg_collect(struct store *s, sqlite3_stmt *st, struct sms_message **out, size_t *n, char **err,
		const char *doing)
{
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_message, message_free_elem, &rows, n, doing, err);
	*out = rows;
	return rc;
}

/* Reads one row (or SD_NOTFOUND) from a prepared, bound statement. */
static int fetch_one(struct store *s, sqlite3_stmt *st, struct sms_message *out, char **err,
		     const char *doing)
{
	return store_fetch_one(s, st, sizeof(*out), read_message, out, doing, err);
}

/* Runs a bound statement that returns no rows. */
int msg_run(struct store *s, sqlite3_stmt *st, char **err, const char *doing)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	return 0;
}

/* Makes the new message the thread's last one (unless an older message arrived late), and
 * counts it as unread when asked. */
static int thread_touch(struct store *s, int64_t thread_id, int64_t msg_id, int64_t at, int unread_inc,
			char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s,
		       "UPDATE sms_threads SET "
		       " last_message_id = CASE WHEN ?3 >= last_message_at THEN ?2 ELSE last_message_id END,"
		       " last_message_at = MAX(last_message_at, ?3),"
		       " unread_count = unread_count + ?4 "
		       "WHERE id = ?1",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread_id);
	sqlite3_bind_int64(st, 2, msg_id);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int(st, 4, unread_inc);
	return msg_run(s, st, err, "updating the thread's last message");
}

static void bind_id_or_null(sqlite3_stmt *st, int idx, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int64(st, idx, id);
}

/* Inserts m as a new row with the given direction and status; ON CONFLICT on the SID does
 * nothing, and *inserted says which happened. */
static int insert_row(struct store *s, const struct sms_message *m, int64_t thread_id, int64_t patient_id,
		      const char *direction, const char *status, int64_t at, int64_t *id_out, bool *inserted,
		      char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT INTO sms_messages (tenant_id, thread_id, patient_id, twilio_sid, direction, from_number,"
	    " to_number, body, media_urls, segments, encoding, status, error_code, error_message, "
	    "message_type,"
	    " appointment_id, reminder_id, sent_by, attempts, next_attempt_at, created_at, sent_at,"
	    " delivered_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 0, ?19,"
	    " ?20, ?21, ?22, ?20) ON CONFLICT (twilio_sid) DO NOTHING",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, m->tenant_id);
	sqlite3_bind_int64(st, 2, thread_id);
	bind_id_or_null(st, 3, patient_id);
	store_bind_text_or_null(st, 4, m->twilio_sid);
	sqlite3_bind_text(st, 5, direction, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 6, m->from_number ? m->from_number : "");
	store_bind_text_or_null(st, 7, m->to_number ? m->to_number : "");
	store_bind_text_or_null(st, 8, m->body ? m->body : "");
	store_bind_text_or_null(st, 9, m->media_urls);
	sqlite3_bind_int(st, 10, m->segments > 0 ? m->segments : 1);
	store_bind_text_or_null(st, 11, m->encoding ? m->encoding : "GSM-7");
	sqlite3_bind_text(st, 12, status, -1, SQLITE_TRANSIENT);
	if (m->error_code != 0)
		sqlite3_bind_int(st, 13, m->error_code);
	store_bind_text_or_null(st, 14, m->error_message);
	store_bind_text_or_null(st, 15, m->message_type ? m->message_type : "conversation");
	bind_id_or_null(st, 16, m->appointment_id);
	bind_id_or_null(st, 17, m->reminder_id);
	bind_id_or_null(st, 18, m->sent_by);
	sqlite3_bind_int64(st, 19, m->next_attempt_at);
	sqlite3_bind_int64(st, 20, at);
	bind_id_or_null(st, 21, m->sent_at);
	bind_id_or_null(st, 22, m->delivered_at);
	if (msg_run(s, st, err, "storing a message") != 0)
		return -1;
	*inserted = sqlite3_changes(store_db(s)) > 0;
	if (*inserted && id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

/* The common insert: thread for the other party, the row, the thread's upkeep, in one
 * transaction. other is the patient-side number. */
static int insert_message(struct store *s, const struct sms_message *m, const char *other,
			  const char *direction, const char *status, int unread_inc, int64_t *id_out,
			  bool *inserted, struct msg_placed *placed, char **err)
{
	int64_t thread_id = 0, patient_id = m->patient_id, id = 0;
	int64_t at = m->created_at != 0 ? m->created_at : clock_now();
	bool ins = false;
	if (other == NULL || *other == '\0')
		return seterr(err, "a message needs the patient's phone number");
	if (store_begin(s, err) != 0)
		return -1;
	struct thread_place where;
	if (store_thread_place(s, m->tenant_id, other, &where, err) != 0)
		goto fail;
	thread_id = where.id;
	if (patient_id == 0)
		patient_id = where.patient_id;
	if (insert_row(s, m, thread_id, patient_id, direction, status, at, &id, &ins, err) != 0)
		goto fail;
	if (ins && thread_touch(s, thread_id, id, at, unread_inc, err) != 0)
		goto fail;
	if (store_commit(s, err) != 0)
		return -1;
	if (id_out != NULL)
		*id_out = ins ? id : 0;
	if (inserted != NULL)
		*inserted = ins;
	if (placed != NULL)
		*placed = (struct msg_placed){
		    .thread_id = thread_id, .patient_id = patient_id, .number_unknown = where.number_unknown};
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int store_msg_queue(struct store *s, const struct sms_message *m, int64_t *id_out, char **err)
{
	struct sms_message q = *m;
	q.twilio_sid = NULL; /* a queued message has no SID yet */
	return insert_message(s, &q, m->to_number, "outbound", "queued", 0, id_out, NULL, NULL, err);
}

int store_msg_insert_inbound_placed(struct store *s, const struct sms_message *m, int64_t *id_out,
				    bool *inserted, struct msg_placed *placed, char **err)
{
	if (m->twilio_sid == NULL || *m->twilio_sid == '\0')
		return seterr(err, "an inbound message needs its Twilio SID");
	const char *status = m->status && *m->status ? m->status : "received";
	return insert_message(s, m, m->from_number, "inbound", status, 1, id_out, inserted, placed, err);
}

int store_msg_insert_inbound(struct store *s, const struct sms_message *m, int64_t *id_out, bool *inserted,
			     char **err)
{
	return store_msg_insert_inbound_placed(s, m, id_out, inserted, NULL, err);
}

int store_msg_sid_known(struct store *s, const char *sid, char **err)
{
	/* Only the unique index is read: no row is fetched or copied (a re-listed day is most
	 * of a poll's listing). */
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM sms_messages WHERE twilio_sid = ?1", err);
	if (st == NULL)
		return -1;
	store_bind_text_or_null(st, 1, sid);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "looking up a message by SID");
	return rc == SQLITE_ROW ? 0 : SD_NOTFOUND;
}

int store_msg_insert_outbound_seen(struct store *s, const struct sms_message *m, bool *inserted, char **err)
{
	if (m->twilio_sid == NULL || *m->twilio_sid == '\0')
		return seterr(err, "an outbound message seen at Twilio needs its SID");
	const char *status = m->status && *m->status ? m->status : "sent";
	return insert_message(s, m, m->to_number, "outbound", status, 0, NULL, inserted, NULL, err);
}

int store_msg_get(struct store *s, int64_t id, struct sms_message *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " MSG_COLS " FROM sms_messages WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return fetch_one(s, st, out, err, "reading a message");
}

int store_msg_get_by_sid(struct store *s, const char *sid, struct sms_message *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " MSG_COLS " FROM sms_messages WHERE twilio_sid = ?1", err);
	if (st == NULL)
		return -1;
	store_bind_text_or_null(st, 1, sid);
	return fetch_one(s, st, out, err, "reading a message by SID");
}

int store_msg_list_thread(struct store *s, int64_t thread_id, size_t limit, struct sms_message **out,
			  size_t *n, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s,
		       "SELECT * FROM (SELECT " MSG_COLS " FROM sms_messages WHERE thread_id = ?1"
		       " ORDER BY created_at DESC, id DESC LIMIT ?2) ORDER BY created_at, id",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread_id);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (int64_t)limit);
	return msg_collect(s, st, out, n, err, "listing a thread's messages");
}

int store_msg_list(struct store *s, int64_t tenant_id, int64_t patient_id, size_t limit,
		   struct sms_message **out, size_t *n, char **err)
{
	sqlite3_stmt *st;
	if (patient_id != 0)
		st = store_stmt(s,
				"SELECT " MSG_COLS
				" FROM sms_messages WHERE patient_id = ?2 AND tenant_id = ?1"
				" ORDER BY created_at DESC, id DESC LIMIT ?3",
				err);
	else
		st = store_stmt(s,
				"SELECT " MSG_COLS " FROM sms_messages WHERE tenant_id = ?1"
				" ORDER BY id DESC LIMIT ?3",
				err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	if (patient_id != 0)
		sqlite3_bind_int64(st, 2, patient_id);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	return msg_collect(s, st, out, n, err, "listing messages");
}

int store_msg_list_filtered(struct store *s, int64_t tenant_id, const struct msg_filter *f, size_t limit,
			    struct sms_message **out, size_t *n, char **err)
{
	static const struct msg_filter all = {0};
	sqlite3_stmt *st;
	if (f == NULL)
		f = &all;
	/* Two literals so each has its index: a patient's messages (messages_by_patient) or the
	 * whole location's (messages_by_tenant_time, 002); both walk created_at from the newest
	 * end (rowid is the index's last column, so "created_at DESC, id DESC" needs no sort)
	 * and stop at the limit. An unset filter binds NULL and drops out of the WHERE. */
	if (f->patient_id != 0)
		st = store_stmt(s,
				"SELECT " MSG_COLS " FROM sms_messages WHERE patient_id = ?2 AND created_at >= ?6"
				" AND tenant_id = ?1 AND (?3 IS NULL OR direction = ?3)"
				" AND (?4 IS NULL OR message_type = ?4) AND (?5 IS NULL OR status = ?5)"
				" ORDER BY created_at DESC, id DESC LIMIT ?7",
				err);
	else
		st = store_stmt(s,
				"SELECT " MSG_COLS " FROM sms_messages WHERE tenant_id = ?1 AND created_at >= ?6"
				" AND (?3 IS NULL OR direction = ?3)"
				" AND (?4 IS NULL OR message_type = ?4) AND (?5 IS NULL OR status = ?5)"
				" ORDER BY created_at DESC, id DESC LIMIT ?7",
				err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	if (f->patient_id != 0)
		sqlite3_bind_int64(st, 2, f->patient_id);
	store_bind_text_or_null(st, 3, f->direction);
	store_bind_text_or_null(st, 4, f->message_type);
	store_bind_text_or_null(st, 5, f->status);
	sqlite3_bind_int64(st, 6, f->since > 0 ? f->since : INT64_MIN);
	sqlite3_bind_int64(st, 7, limit == 0 ? -1 : (int64_t)limit);
	return msg_collect(s, st, out, n, err, "listing messages");
}

int store_msg_list_open(struct store *s, int64_t tenant_id, int64_t now, size_t limit,
			struct sms_message **out, size_t *n, char **err)
{
	/* Least recently refreshed first, so messages that stay "sent" for ever (carriers that
	 * never report delivery) cannot starve newer ones of refreshes. Once Twilio has the
	 * message, next_attempt_at is no longer the send retry time but the next status check:
	 * a message Twilio cannot find is put off (store_msg_defer_status) instead of being
	 * fetched first on every pass. */
	sqlite3_stmt *st =
	    store_stmt(s,
		       "SELECT " MSG_COLS " FROM sms_messages WHERE tenant_id = ?1"
		       " AND " OPEN_STATUS " AND direction = 'outbound' AND twilio_sid IS NOT NULL"
		       " AND next_attempt_at <= ?3"
		       " ORDER BY updated_at, id LIMIT ?2",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (int64_t)limit);
	sqlite3_bind_int64(st, 3, now);
	return msg_collect(s, st, out, n, err, "listing messages awaiting a final status");
}

int store_msg_defer_status(struct store *s, int64_t id, int64_t next_at, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_messages SET next_attempt_at = ?2"
				      " WHERE id = ?1 AND twilio_sid IS NOT NULL",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_at);
	return msg_run(s, st, err, "putting off a status check");
}

int store_msg_update_status(struct store *s, const char *sid, const char *status, int error_code,
			    const char *error_message, int64_t at, char **err)
{
	if (sid == NULL || status == NULL || *status == '\0')
		return seterr(err, "a status update needs a SID and a status");
	sqlite3_stmt *st =
	    store_stmt(s,
		       "UPDATE sms_messages SET status = ?2,"
		       " error_code = CASE WHEN ?3 != 0 THEN ?3 ELSE error_code END,"
		       " error_message = CASE WHEN ?3 != 0 THEN ?4 ELSE error_message END,"
		       " delivered_at = CASE WHEN ?2 = 'delivered' THEN COALESCE(delivered_at, ?5)"
		       "  ELSE delivered_at END,"
		       " updated_at = ?5 WHERE twilio_sid = ?1",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, error_code);
	store_bind_text_or_null(st, 4, error_message);
	sqlite3_bind_int64(st, 5, at);
	return msg_run(s, st, err, "updating a message's status");
}

int store_msg_cancel_queued_to(struct store *s, int64_t tenant_id, const char *phone, int code,
			       const char *reason, int *count, char **err)
{
	/* Opt-out confirmations and HELP replies are the texts still allowed to an opted-out
	 * number, so they stay queued. */
	sqlite3_stmt *st =
	    store_stmt(s,
		       "UPDATE sms_messages SET status = 'failed', error_code = ?3, error_message = ?4,"
		       " updated_at = ?5 WHERE tenant_id = ?1 AND " OPEN_STATUS " AND status = 'queued'"
		       " AND +twilio_sid IS NULL"
		       " AND direction = 'outbound' AND to_number = ?2"
		       " AND message_type NOT IN ('optout_confirm', 'help')",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	store_bind_text_or_null(st, 2, phone);
	if (code != 0)
		sqlite3_bind_int(st, 3, code);
	store_bind_text_or_null(st, 4, reason);
	sqlite3_bind_int64(st, 5, clock_now());
	if (msg_run(s, st, err, "cancelling queued messages") != 0)
		return -1;
	if (count != NULL)
		*count = sqlite3_changes(store_db(s));
	return 0;
}

int store_msg_count_recent_to(struct store *s, int64_t tenant_id, const char *phone, const char *types,
			      int64_t since, int *count, char **err)
{
	/* Through the thread, so the lookup uses messages_by_thread; failed and cancelled
	 * messages never reached the patient and do not count. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT COUNT(*) FROM sms_messages WHERE thread_id ="
				      " (SELECT id FROM sms_threads WHERE tenant_id = ?1 AND phone = ?2)"
				      " AND created_at >= ?4 AND direction = 'outbound'"
				      " AND status NOT IN ('failed', 'canceled')"
				      " AND (?3 IS NULL OR instr(',' || replace(?3, ' ', '') || ',',"
				      "  ',' || message_type || ',') > 0)",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	store_bind_text_or_null(st, 2, phone);
	store_bind_text_or_null(st, 3, types);
	sqlite3_bind_int64(st, 4, since);
	int rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "counting recent messages");
	return 0;
}
