/* Send later: a queued message whose next_attempt_at lies ahead waits in the outbox; the one
 * claim statement (store_msg_claim_next) only takes it when that time has come. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void scheduled_send_free(struct scheduled_send *m)
{
	if (m == NULL)
		return;
	free(m->to_number);
	free(m->body);
	memset(m, 0, sizeof(*m));
}

/* scheduled_send_free for store_list_free and store_collect. */
static void scheduled_free_elem(void *elem)
{
	scheduled_send_free(elem);
}

void scheduled_send_list_free(struct scheduled_send **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), scheduled_free_elem);
	*list = NULL;
}

/* Fills one entry from a row of the SELECT below. */
static void read_scheduled(sqlite3_stmt *st, void *elem)
{
	struct scheduled_send *m = elem;
	m->message_id = sqlite3_column_int64(st, 0);
	m->tenant_id = sqlite3_column_int64(st, 1);
	m->thread_id = sqlite3_column_int64(st, 2);
	m->patient_id = sqlite3_column_int64(st, 3);
	m->to_number = store_col_text_or(st, 4, "");
	m->body = store_col_text_or(st, 5, "");
	m->send_at = sqlite3_column_int64(st, 6);
	m->sent_by = sqlite3_column_int64(st, 7);
}

int store_scheduled_list(struct store *s, int64_t tenant_id, int64_t thread_id, int64_t now,
			 struct scheduled_send **out, size_t *n, char **err)
{
	/* messages_open covers status 'queued' for the tenant. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT id, tenant_id, COALESCE(thread_id, 0), COALESCE(patient_id, 0), to_number,"
				      " body, next_attempt_at, COALESCE(sent_by, 0) FROM sms_messages"
				      " WHERE tenant_id = ?1 AND status = 'queued' AND attempts = 0"
				      " AND next_attempt_at > ?3 AND (?2 = 0 OR thread_id = ?2)"
				      " ORDER BY next_attempt_at, id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, thread_id);
	sqlite3_bind_int64(st, 3, now);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_scheduled, scheduled_free_elem, &rows, n,
			       "listing scheduled messages", err);
	*out = rows;
	return rc;
}

int store_scheduled_cancel(struct store *s, int64_t tenant_id, int64_t message_id, int64_t at, char **err)
{
	/* One statement: a sender claiming the row at the same moment wins or loses cleanly. */
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_messages SET status = 'canceled', error_message = 'cancelled by staff',"
				      " updated_at = ?3 WHERE id = ?2 AND tenant_id = ?1 AND status = 'queued'"
				      " AND direction = 'outbound' AND attempts = 0",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, message_id);
	sqlite3_bind_int64(st, 3, at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "cancelling a scheduled message");
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}
