/* Internal notes on a thread: what staff tell each other about a conversation. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void thread_note_free(struct thread_note *n)
{
	if (n == NULL)
		return;
	free(n->username);
	free(n->body);
	memset(n, 0, sizeof(*n));
}

/* thread_note_free for store_list_free and store_collect. */
static void note_free_elem(void *elem)
{
	thread_note_free(elem);
}

void thread_note_list_free(struct thread_note **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), note_free_elem);
	*list = NULL;
}

/* Whether a note's text is storable: not empty, not too long, no control characters but
 * newlines (a note is shown on the terminal; escape sequences must never reach it). */
static bool note_body_ok(const char *b)
{
	if (b == NULL || b[0] == '\0' || strlen(b) > NOTE_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)b; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7F)
			return false;
	}
	return true;
}

int store_note_add(struct store *s, const struct thread_note *n, int64_t *id_out, char **err)
{
	if (!note_body_ok(n->body))
		return seterr(err, "a note needs 1 to %d characters of text without control characters", NOTE_MAX);
	if (!store_text_ok(n->username, true, 200))
		return seterr(err, "a note needs the name of who wrote it");
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO thread_notes (tenant_id, thread_id, user_id, username, body, created_at)"
				      " SELECT tenant_id, id, ?2, ?3, ?4, ?5 FROM sms_threads WHERE id = ?1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, n->thread_id);
	sqlite3_bind_int64(st, 2, n->user_id);
	sqlite3_bind_text(st, 3, n->username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, n->body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, n->created_at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "adding a note");
	if (sqlite3_changes(store_db(s)) == 0)
		return seterr(err, "no thread %lld to add a note to", (long long)n->thread_id);
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

/* Fills a note from a row of the SELECT below. */
static void read_note(sqlite3_stmt *st, void *elem)
{
	struct thread_note *n = elem;
	n->id = sqlite3_column_int64(st, 0);
	n->tenant_id = sqlite3_column_int64(st, 1);
	n->thread_id = sqlite3_column_int64(st, 2);
	n->user_id = sqlite3_column_int64(st, 3);
	n->username = store_col_text_or(st, 4, "");
	n->body = store_col_text_or(st, 5, "");
	n->created_at = sqlite3_column_int64(st, 6);
}

int store_note_list(struct store *s, int64_t thread_id, struct thread_note **out, size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT id, tenant_id, thread_id, user_id, username, body, created_at"
				      " FROM thread_notes WHERE thread_id = ?1 ORDER BY created_at, id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, thread_id);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_note, note_free_elem, &rows, n, "listing notes", err);
	*out = rows;
	return rc;
}
