/* The failed-delivery worklist: what did not reach a patient, until someone followed it up. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

static const char *const OUTCOMES[] = {"called", "wrong_number", "voicemail", "resent", "dismissed"};

void failed_delivery_free(struct failed_delivery *f)
{
	if (f == NULL)
		return;
	free(f->patient_name);
	free(f->to_number);
	free(f->message_type);
	free(f->status);
	free(f->error_message);
	memset(f, 0, sizeof(*f));
}

/* failed_delivery_free for store_list_free and store_collect. */
static void failed_free_elem(void *elem)
{
	failed_delivery_free(elem);
}

void failed_delivery_list_free(struct failed_delivery **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), failed_free_elem);
	*list = NULL;
}

/* Fills one entry from a row of the SELECT below. */
static void read_failed(sqlite3_stmt *st, void *elem)
{
	struct failed_delivery *f = elem;
	f->message_id = sqlite3_column_int64(st, 0);
	f->tenant_id = sqlite3_column_int64(st, 1);
	f->thread_id = sqlite3_column_int64(st, 2);
	f->patient_id = sqlite3_column_int64(st, 3);
	f->patient_name = store_col_text(st, 4);
	f->to_number = store_col_text_or(st, 5, "");
	f->message_type = store_col_text_or(st, 6, "");
	f->status = store_col_text_or(st, 7, "");
	f->error_code = sqlite3_column_int(st, 8);
	f->error_message = store_col_text(st, 9);
	f->created_at = sqlite3_column_int64(st, 10);
	f->appointment_id = sqlite3_column_int64(st, 11);
	f->appt_starts_at = sqlite3_column_int64(st, 12);
}

int store_worklist_list(struct store *s, int64_t tenant_id, int64_t since, size_t limit,
			struct failed_delivery **out, size_t *n, char **err)
{
	/* Walks messages_by_tenant_time from `since`; the follow-up test is a primary-key lookup. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT m.id, m.tenant_id, COALESCE(m.thread_id, 0), COALESCE(m.patient_id, t.patient_id, 0),"
	    " p.first_name || ' ' || p.last_name, m.to_number, m.message_type, m.status, COALESCE(m.error_code, 0),"
	    " m.error_message, m.created_at, COALESCE(m.appointment_id, 0), COALESCE(a.starts_at, 0)"
	    " FROM sms_messages m LEFT JOIN sms_threads t ON t.id = m.thread_id"
	    " LEFT JOIN patients p ON p.id = COALESCE(m.patient_id, t.patient_id)"
	    " LEFT JOIN appointments a ON a.id = m.appointment_id"
	    " WHERE m.tenant_id = ?1 AND m.created_at >= ?2 AND m.direction = 'outbound'"
	    " AND m.status IN ('failed', 'undelivered')"
	    " AND NOT EXISTS (SELECT 1 FROM delivery_followups f WHERE f.message_id = m.id)"
	    " ORDER BY m.created_at DESC, m.id DESC LIMIT ?3",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_failed, failed_free_elem, &rows, n,
			       "listing failed deliveries", err);
	*out = rows;
	return rc;
}

/* Whether outcome is one the table allows. */
static bool outcome_ok(const char *outcome)
{
	for (size_t i = 0; outcome != NULL && i < sizeof(OUTCOMES) / sizeof(OUTCOMES[0]); i++) {
		if (strcmp(outcome, OUTCOMES[i]) == 0)
			return true;
	}
	return false;
}

int store_followup_add(struct store *s, int64_t tenant_id, int64_t message_id, const char *outcome,
		       const char *note, int64_t user_id, const char *username, int64_t at, char **err)
{
	if (!outcome_ok(outcome))
		return seterr(err, "unknown follow-up '%.40s' (called, wrong_number, voicemail, resent, dismissed)",
			      outcome ? outcome : "");
	if (!store_text_ok(note, false, 500) || !store_text_ok(username, true, 200))
		return seterr(err, "a follow-up note is one line of at most 500 characters");
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT INTO delivery_followups (message_id, tenant_id, outcome, note, user_id, username, at)"
	    " SELECT id, tenant_id, ?3, ?4, ?5, ?6, ?7 FROM sms_messages WHERE id = ?1 AND tenant_id = ?2"
	    " AND direction = 'outbound' AND status IN ('failed', 'undelivered')"
	    " ON CONFLICT (message_id) DO NOTHING",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message_id);
	sqlite3_bind_int64(st, 2, tenant_id);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 4, note);
	sqlite3_bind_int64(st, 5, user_id);
	sqlite3_bind_text(st, 6, username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "recording a follow-up");
	if (sqlite3_changes(store_db(s)) > 0)
		return 0;
	/* Nothing inserted: tell "already done" from "no such failed message". */
	st = store_stmt(s, "SELECT 1 FROM delivery_followups WHERE message_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return seterr(err, "message %lld was already followed up", (long long)message_id);
	return SD_NOTFOUND;
}
