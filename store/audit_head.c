/* The head of the audit chain, read for an anchor kept outside the database. */
#include <stdio.h>
#include <string.h>
#include "store/internal.h"

int store_audit_head(struct store *s, struct audit_head *out, char **err)
{
	memset(out, 0, sizeof(*out));
	memset(out->hash, '0', 64);
	sqlite3_stmt *st = store_stmt(s,
		"SELECT (SELECT count(*) FROM audit_log), id, hash FROM audit_log ORDER BY id DESC LIMIT 1", err);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 2);
		out->count = sqlite3_column_int64(st, 0);
		out->last_id = sqlite3_column_int64(st, 1);
		snprintf(out->hash, sizeof(out->hash), "%s", h ? (const char *)h : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "reading the head of the audit log");
	return 0;
}

int store_audit_hash_at(struct store *s, int64_t id, char hash[65], char **err)
{
	hash[0] = '\0';
	sqlite3_stmt *st = store_stmt(s, "SELECT hash FROM audit_log WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);
		snprintf(hash, 65, "%s", h ? (const char *)h : "");
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading an audit entry");
	return 0;
}
