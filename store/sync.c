/* Per-tenant polling state and the sync lease (one Twilio worker at a time). */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void sync_state_free(struct sync_state *st)
{
	if (st == NULL)
		return;
	free(st->last_error);
	memset(st, 0, sizeof(*st));
}

int store_sync_get(struct store *s, int64_t tenant_id, struct sync_state *out, char **err)
{
	memset(out, 0, sizeof(*out));
	out->tenant_id = tenant_id;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT inbound_cursor, last_poll_at, last_ok_at, last_error FROM sync_state WHERE tenant_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading the polling state");
	out->inbound_cursor = sqlite3_column_int64(st, 0);
	out->last_poll_at = sqlite3_column_int64(st, 1);
	out->last_ok_at = sqlite3_column_int64(st, 2);
	out->last_error = store_col_text(st, 3);
	sqlite3_reset(st);
	return 0;
}

int store_sync_set_cursor(struct store *s, int64_t tenant_id, int64_t cursor, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sync_state (tenant_id, inbound_cursor) VALUES (?1, ?2)"
		" ON CONFLICT (tenant_id) DO UPDATE SET inbound_cursor = excluded.inbound_cursor", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, cursor);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "saving the polling cursor");
	return 0;
}

int store_sync_record_poll(struct store *s, int64_t tenant_id, int64_t at, const char *error, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sync_state (tenant_id, last_poll_at, last_ok_at, last_error)"
		" VALUES (?1, ?2, CASE WHEN ?3 IS NULL THEN ?2 ELSE 0 END, ?3)"
		" ON CONFLICT (tenant_id) DO UPDATE SET last_poll_at = excluded.last_poll_at,"
		" last_ok_at = CASE WHEN ?3 IS NULL THEN ?2 ELSE sync_state.last_ok_at END,"
		" last_error = ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, at);
	store_bind_text_or_null(st, 3, error);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "recording a poll");
	return 0;
}

int store_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now, int ttl,
			bool *got, char **err)
{
	*got = false;
	if (name == NULL || *name == '\0' || holder == NULL || *holder == '\0')
		return seterr(err, "a lease needs a name and a holder");
	if (ttl <= 0)
		return seterr(err, "a lease needs a positive time to live");
	/* One statement: SQLite's write lock makes the check and the take atomic, so two
	 * processes cannot both get it. The upsert changes a row only when the lease is ours
	 * already or has expired. */
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sync_lease (name, holder, expires_at) VALUES (?1, ?2, ?3 + ?4)"
		" ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
		" WHERE sync_lease.holder = excluded.holder OR sync_lease.expires_at <= ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, holder, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, ttl);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "taking the sync lease");
	*got = sqlite3_changes(store_db(s)) > 0;
	return 0;
}

int store_lease_release(struct store *s, const char *name, const char *holder, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sync_lease WHERE name = ?1 AND holder = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, holder ? holder : "", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "releasing the sync lease");
	return 0;
}

int store_lease_holder(struct store *s, const char *name, int64_t now, char **holder, char **err)
{
	*holder = NULL;
	sqlite3_stmt *st = store_stmt(s, "SELECT holder FROM sync_lease WHERE name = ?1 AND expires_at > ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*holder = store_col_text(st, 0);
	else if (rc != SQLITE_DONE)
		return store_fail(s, err, "reading the sync lease");
	sqlite3_reset(st);
	return 0;
}
