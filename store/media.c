/* MMS media rows: the fetch queue (idx 0 = list to fetch), results and encrypted bytes. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* Every SELECT of a media row lists these columns in this order (see read_media). */
#define MEDIA_COLS                                                                                           \
	"m.id, m.tenant_id, m.message_id, m.idx, g.twilio_sid, m.media_sid, m.content_type, m.size, "        \
	"m.state, m.reason, m.attempts, m.next_try_at, m.created_at, m.updated_at"
#define MEDIA_FROM " FROM sms_media m JOIN sms_messages g ON g.id = m.message_id "

void sms_media_free(struct sms_media *m)
{
	if (m == NULL)
		return;
	free(m->message_sid);
	free(m->media_sid);
	free(m->content_type);
	free(m->state);
	free(m->reason);
	memset(m, 0, sizeof(*m));
}

/* sms_media_free for store_list_free and store_collect. */
static void media_free_elem(void *elem)
{
	sms_media_free(elem);
}

void sms_media_list_free(struct sms_media **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), media_free_elem);
	*list = NULL;
}

/* Fills a row whose columns are MEDIA_COLS. */
static void read_media(sqlite3_stmt *st, void *elem)
{
	struct sms_media *m = elem;
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->tenant_id = sqlite3_column_int64(st, 1);
	m->message_id = sqlite3_column_int64(st, 2);
	m->idx = sqlite3_column_int(st, 3);
	m->message_sid = store_col_text(st, 4);
	m->media_sid = store_col_text(st, 5);
	m->content_type = store_col_text(st, 6);
	m->size = sqlite3_column_int64(st, 7);
	m->state = store_col_text_or(st, 8, "");
	m->reason = store_col_text(st, 9);
	m->attempts = sqlite3_column_int(st, 10);
	m->next_try_at = sqlite3_column_int64(st, 11);
	m->created_at = sqlite3_column_int64(st, 12);
	m->updated_at = sqlite3_column_int64(st, 13);
}

int store_media_expect(struct store *s, int64_t tenant_id, int64_t message_id, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sms_media (tenant_id, message_id, idx, state, next_try_at, created_at, updated_at)"
		" VALUES (?1, ?2, 0, 'pending', ?3, ?3, ?3) ON CONFLICT (message_id, idx) DO NOTHING", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, message_id);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "noting a message's media");
	return 0;
}

int store_media_due(struct store *s, int64_t tenant_id, int64_t now, size_t limit, struct sms_media **out,
		    size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " MEDIA_COLS MEDIA_FROM
		"WHERE m.tenant_id = ?1 AND m.state IN ('pending', 'failed') AND m.next_try_at <= ?2"
		" ORDER BY m.next_try_at, m.id LIMIT ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, limit > 0 ? (int64_t)limit : -1);
	void *rows = NULL;
	int rc = store_collect(s, st, sizeof(**out), read_media, media_free_elem, &rows, n,
			       "listing media to fetch", err);
	*out = rows;
	return rc;
}

/* Inserts media row idx of a message (pending, due at now); nothing when it exists. */
static int insert_item(struct store *s, int64_t tenant_id, int64_t message_id, int idx,
		       const struct sms_media *it, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sms_media (tenant_id, message_id, idx, media_sid, content_type, state, next_try_at,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?6)"
		" ON CONFLICT (message_id, idx) DO NOTHING", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, message_id);
	sqlite3_bind_int(st, 3, idx);
	store_bind_text_or_null(st, 4, it->media_sid);
	store_bind_text_or_null(st, 5, it->content_type);
	sqlite3_bind_int64(st, 6, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "recording a message's media");
	return 0;
}

int store_media_listed(struct store *s, int64_t message_id, const struct sms_media *items, size_t n,
		       int64_t now, char **err)
{
	if (n > 10)
		return seterr(err, "a message has at most 10 media, Twilio listed %zu", n);
	sqlite3_stmt *st = store_stmt(s, "SELECT tenant_id FROM sms_media WHERE message_id = ?1 AND idx = 0", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return seterr(err, "message %lld has no media list to fetch", (long long)message_id);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading a message's media");
	int64_t tenant_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (store_begin(s, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (insert_item(s, tenant_id, message_id, (int)i + 1, &items[i], now, err) != 0)
			goto fail;
	st = store_stmt(s, "DELETE FROM sms_media WHERE message_id = ?1 AND idx = 0", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, message_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, err, "recording a message's media");
		goto fail;
	}
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}

int store_media_put(struct store *s, int64_t id, const char *content_type, int64_t size,
		    const unsigned char *nonce, size_t nonce_len, const unsigned char *ct, size_t ct_len,
		    char **err)
{
	if (nonce == NULL || nonce_len == 0 || ct == NULL || ct_len == 0 || ct_len > 64u * 1024 * 1024)
		return seterr(err, "an encrypted photo needs a nonce and a ciphertext");
	if (!store_text_ok(content_type, true, 100))
		return seterr(err, "a stored photo needs a content type");
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE sms_media SET state = 'stored', reason = NULL, content_type = ?2, size = ?3, nonce = ?4,"
		" data = ?5, attempts = attempts + 1, updated_at = ?6 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, content_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, size);
	sqlite3_bind_blob(st, 4, nonce, (int)nonce_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, ct, (int)ct_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, clock_now());
	int rc = sqlite3_step(st);
	/* SQLITE_STATIC: the caller's buffers must not stay bound past this call */
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "storing a photo");
	if (sqlite3_changes(store_db(s)) == 0)
		return seterr(err, "no media with id %lld", (long long)id);
	return 0;
}

int store_media_fail(struct store *s, int64_t id, bool refused, const char *reason, int64_t next_try_at,
		     char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE sms_media SET state = ?2, reason = ?3, next_try_at = ?4, attempts = attempts + 1,"
		" updated_at = ?5 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, refused ? "refused" : "failed", -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 3, reason);
	sqlite3_bind_int64(st, 4, next_try_at);
	sqlite3_bind_int64(st, 5, clock_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "recording a media failure");
	return 0;
}

int store_media_list_message(struct store *s, int64_t message_id, struct sms_media **out, size_t *n,
			     char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT " MEDIA_COLS MEDIA_FROM "WHERE m.message_id = ?1 ORDER BY m.idx", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, message_id);
	void *rows = NULL;
	int rc = store_collect(s, st, sizeof(**out), read_media, media_free_elem, &rows, n,
			       "listing a message's media", err);
	*out = rows;
	return rc;
}

int store_media_list_thread(struct store *s, int64_t thread_id, struct sms_media **out, size_t *n,
			    char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " MEDIA_COLS MEDIA_FROM "WHERE g.thread_id = ?1 ORDER BY m.message_id, m.idx", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread_id);
	void *rows = NULL;
	int rc = store_collect(s, st, sizeof(**out), read_media, media_free_elem, &rows, n,
			       "listing a thread's media", err);
	*out = rows;
	return rc;
}

int store_media_get(struct store *s, int64_t id, struct sms_media *out, unsigned char **nonce,
		    size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, "SELECT " MEDIA_COLS ", m.nonce, m.data" MEDIA_FROM "WHERE m.id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return SD_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading a photo");
	read_media(st, out);
	if (nonce != NULL) {
		*nonce = store_col_blob(st, 14, nonce_len);
		*ct = store_col_blob(st, 15, ct_len);
	}
	sqlite3_reset(st);
	return 0;
}
