/* Canned replies: a location's quick answers ("Our address is ...", "Please bring your card"). */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void canned_reply_free(struct canned_reply *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->body);
	free(c->updated_by);
	memset(c, 0, sizeof(*c));
}

/* canned_reply_free for store_list_free and store_collect. */
static void canned_free_elem(void *elem)
{
	canned_reply_free(elem);
}

void canned_reply_list_free(struct canned_reply **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), canned_free_elem);
	*list = NULL;
}

int store_canned_put(struct store *s, const struct canned_reply *c, int64_t *id_out, char **err)
{
	if (!store_text_ok(c->name, true, CANNED_NAME_MAX))
		return seterr(err, "a quick reply needs a name of 1 to %d characters on one line", CANNED_NAME_MAX);
	if (c->body == NULL || c->body[0] == '\0' || strlen(c->body) > CANNED_BODY_MAX)
		return seterr(err, "a quick reply needs 1 to %d characters of text", CANNED_BODY_MAX);
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO canned_replies (tenant_id, name, body, updated_by, updated_at)"
				      " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id, name) DO UPDATE SET"
				      " body = excluded.body, updated_by = excluded.updated_by,"
				      " updated_at = excluded.updated_at RETURNING id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->tenant_id);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c->body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, c->updated_by ? c->updated_by : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, c->updated_at);
	int rc = sqlite3_step(st);
	int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "saving a quick reply");
	if (id_out != NULL)
		*id_out = id;
	return 0;
}

int store_canned_remove(struct store *s, int64_t tenant_id, const char *name, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM canned_replies WHERE tenant_id = ?1 AND name = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "removing a quick reply");
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

/* Fills a reply from a row of the SELECT below. */
static void read_canned(sqlite3_stmt *st, void *elem)
{
	struct canned_reply *c = elem;
	c->id = sqlite3_column_int64(st, 0);
	c->tenant_id = sqlite3_column_int64(st, 1);
	c->name = store_col_text_or(st, 2, "");
	c->body = store_col_text_or(st, 3, "");
	c->updated_by = store_col_text_or(st, 4, "");
	c->updated_at = sqlite3_column_int64(st, 5);
}

int store_canned_list(struct store *s, int64_t tenant_id, struct canned_reply **out, size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT id, tenant_id, name, body, updated_by, updated_at FROM canned_replies"
				      " WHERE tenant_id = ?1 ORDER BY name",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_canned, canned_free_elem, &rows, n, "listing quick replies",
			       err);
	*out = rows;
	return rc;
}
