/* The figures `smsdesk status` shows: the outbox, recent failures, polling. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void ops_status_free(struct ops_status *st)
{
	if (st == NULL)
		return;
	free(st->last_error);
	memset(st, 0, sizeof(*st));
}

static const char sql_status[] =
	"SELECT"
	" (SELECT count(*) FROM sms_messages WHERE status = 'queued'),"
	" (SELECT count(*) FROM sms_messages WHERE status = 'sending'),"
	" (SELECT count(*) FROM sms_messages WHERE direction = 'outbound'"
	"   AND status IN ('failed', 'undelivered') AND updated_at >= ?1 - 3600),"
	" (SELECT coalesce(max(last_poll_at), 0) FROM sync_state),"
	" (SELECT coalesce(max(last_ok_at), 0) FROM sync_state),"
	" (SELECT last_error FROM sync_state ORDER BY last_poll_at DESC LIMIT 1),"
	" (SELECT count(*) FROM audit_log),"
	" (SELECT count(*) FROM tenants)";

int store_ops_status(struct store *s, int64_t now, struct ops_status *out, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, sql_status, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, err, "reading the status");
		sqlite3_reset(st);
		return -1;
	}
	out->queued = sqlite3_column_int64(st, 0);
	out->sending = sqlite3_column_int64(st, 1);
	out->failed_last_hour = sqlite3_column_int64(st, 2);
	out->last_poll_at = sqlite3_column_int64(st, 3);
	out->last_ok_at = sqlite3_column_int64(st, 4);
	out->last_error = store_col_text(st, 5);
	out->audit_entries = sqlite3_column_int64(st, 6);
	out->tenants = sqlite3_column_int64(st, 7);
	sqlite3_reset(st);
	return 0;
}
