/* The audit log: append-only rows, each hash-chained to the one before it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store/internal.h"

#define HASH_HEX_LEN (crypto_generichash_BYTES * 2)
#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_COLS "id, at, user_id, username, tenant_id, action, patient_id, target, detail, prev_hash, hash"

void audit_entry_free(struct audit_entry *e)
{
	if (e == NULL)
		return;
	free(e->username);
	free(e->action);
	free(e->target);
	free(e->detail);
	free(e->prev_hash);
	free(e->hash);
	memset(e, 0, sizeof(*e));
}

/* audit_entry_free for store_list_free and store_collect. */
static void entry_free_elem(void *elem)
{
	audit_entry_free(elem);
}

void audit_entry_list_free(struct audit_entry **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), entry_free_elem);
	*list = NULL;
}

/* The canonical serialisation an entry's hash covers, built in one buffer and hashed in one
 * call (twenty hash updates and seventeen snprintf calls were 15,000 instructions an entry,
 * more than its row insert). The bytes are exactly those of the first version: a chain
 * written by it verifies. */
struct canon {
	unsigned char *buf; /* the caller's stack buffer until a long field moves it to the heap */
	size_t len, cap;
	bool heap;
};

static void canon_put(struct canon *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		c->cap = (c->len + n) * 2;
		unsigned char *grown = xmalloc(c->cap);
		memcpy(grown, c->buf, c->len);
		if (c->heap)
			free(c->buf);
		c->buf = grown;
		c->heap = true;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

/* Decimal digits of v into out (at least 21 bytes, no terminator); returns how many. */
static size_t decimal(uint64_t v, char *out)
{
	char tmp[21];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* An integer field as "i<len>:<decimal>". */
static void feed_int(struct canon *c, int64_t v)
{
	char num[22], len[22];
	size_t n = 0;
	if (v < 0)
		num[n++] = '-';
	n += decimal(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, num + n);
	canon_put(c, "i", 1);
	canon_put(c, len, decimal(n, len));
	canon_put(c, ":", 1);
	canon_put(c, num, n);
}

/* A text field as "s<len>:<bytes>", or "n" for NULL: no two entries serialise alike. */
static void feed_text(struct canon *c, const char *s)
{
	if (s == NULL) {
		canon_put(c, "n", 1);
		return;
	}
	char len[22];
	size_t n = strlen(s);
	canon_put(c, "s", 1);
	canon_put(c, len, decimal(n, len));
	canon_put(c, ":", 1);
	canon_put(c, s, n);
}

/* hex(BLAKE2b-256(prev_hash || canonical fields)) into out (HASH_HEX_LEN + 1 bytes). */
static void entry_hash(const struct audit_entry *e, const char *prev_hash, char out[HASH_HEX_LEN + 1])
{
	unsigned char stack[1024], digest[crypto_generichash_BYTES];
	struct canon c = {.buf = stack, .cap = sizeof(stack)};
	feed_text(&c, prev_hash);
	feed_text(&c, "smsdesk-audit-v1");
	feed_int(&c, e->id);
	feed_int(&c, e->at);
	feed_int(&c, e->user_id);
	feed_text(&c, e->username);
	feed_int(&c, e->tenant_id);
	feed_text(&c, e->action);
	feed_int(&c, e->patient_id);
	feed_text(&c, e->target);
	feed_text(&c, e->detail);
	crypto_generichash(digest, sizeof(digest), c.buf, c.len, NULL, 0);
	sodium_bin2hex(out, HASH_HEX_LEN + 1, digest, sizeof(digest));
	if (c.heap)
		free(c.buf);
}

/* Reads the last entry's id and hash (0 and the genesis hash for an empty log). */
static int chain_head(struct store *s, int64_t *last_id, char head[HASH_HEX_LEN + 1], char **err)
{
	*last_id = 0;
	snprintf(head, HASH_HEX_LEN + 1, "%s", GENESIS_HASH);
	sqlite3_stmt *st = store_stmt(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", err);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*last_id = sqlite3_column_int64(st, 0);
		const unsigned char *h = sqlite3_column_text(st, 1);
		snprintf(head, HASH_HEX_LEN + 1, "%s", h ? (const char *)h : "");
	} else if (rc != SQLITE_DONE) {
		return store_fail(s, err, "reading the audit log");
	}
	sqlite3_reset(st);
	return 0;
}

int store_audit_append(struct store *s, int64_t user_id, const char *username, int64_t tenant_id,
		       const char *action, int64_t patient_id, const char *target, const char *detail,
		       char **err)
{
	if (!store_text_ok(username, true, 200) || !store_text_ok(action, true, 100))
		return seterr(err, "an audit entry needs a username and an action without control characters");
	if (!store_text_ok(target, false, 500) || !store_text_ok(detail, false, 2000))
		return seterr(err, "audit target and detail must be single-line and not too long");
	struct audit_entry e = {
		.at = clock_now(), .user_id = user_id, .username = (char *)username, .tenant_id = tenant_id,
		.action = (char *)action, .patient_id = patient_id, .target = (char *)target, .detail = (char *)detail,
	};
	char prev[HASH_HEX_LEN + 1], hash[HASH_HEX_LEN + 1];
	/* BEGIN IMMEDIATE: the head we chain to cannot change before our row is in. */
	if (store_begin(s, err) != 0)
		return -1;
	/* Within one transaction the head is the row we wrote last: no read per entry. */
	if (!store_audit_head_cached(s, &e.id, prev) && chain_head(s, &e.id, prev, err) != 0)
		goto fail;
	e.id++;
	entry_hash(&e, prev, hash);
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO audit_log (id, at, user_id, username, tenant_id, action, patient_id, target, detail,"
		" prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, e.id);
	sqlite3_bind_int64(st, 2, e.at);
	if (user_id)
		sqlite3_bind_int64(st, 3, user_id);
	sqlite3_bind_text(st, 4, username, -1, SQLITE_TRANSIENT);
	if (tenant_id)
		sqlite3_bind_int64(st, 5, tenant_id);
	sqlite3_bind_text(st, 6, action, -1, SQLITE_TRANSIENT);
	if (patient_id)
		sqlite3_bind_int64(st, 7, patient_id);
	store_bind_text_or_null(st, 8, target);
	store_bind_text_or_null(st, 9, detail);
	sqlite3_bind_text(st, 10, prev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, hash, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, err, "writing the audit log");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	store_audit_head_remember(s, e.id, hash);
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}

/* Fills an entry from a row selected with AUDIT_COLS (NULL ids read as 0). */
static void entry_from_row(sqlite3_stmt *st, void *elem)
{
	struct audit_entry *e = elem;
	e->id = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	e->user_id = sqlite3_column_int64(st, 2);
	e->username = store_col_text_or(st, 3, "");
	e->tenant_id = sqlite3_column_int64(st, 4);
	e->action = store_col_text_or(st, 5, "");
	e->patient_id = sqlite3_column_int64(st, 6);
	e->target = store_col_text(st, 7);
	e->detail = store_col_text(st, 8);
	e->prev_hash = store_col_text_or(st, 9, "");
	e->hash = store_col_text_or(st, 10, "");
}

int store_audit_list(struct store *s, int64_t since, int64_t tenant_id, const char *action_prefix,
		     size_t limit, struct audit_entry **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " AUDIT_COLS " FROM audit_log WHERE at >= ?1 AND (?2 = 0 OR tenant_id = ?2)"
		" AND (?3 IS NULL OR substr(action, 1, length(?3)) = ?3) ORDER BY id LIMIT ?4", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, tenant_id);
	store_bind_text_or_null(st, 3, action_prefix && *action_prefix ? action_prefix : NULL);
	sqlite3_bind_int64(st, 4, limit == 0 ? -1 : (sqlite3_int64)limit);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), entry_from_row, entry_free_elem, &rows, n,
			       "listing the audit log", err);
	*out = rows;
	return rc;
}

int store_audit_verify(struct store *s, int64_t *bad_id, char **err)
{
	*bad_id = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT " AUDIT_COLS " FROM audit_log ORDER BY id", err);
	if (st == NULL)
		return -1;
	char expect_prev[HASH_HEX_LEN + 1] = GENESIS_HASH, hash[HASH_HEX_LEN + 1];
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_entry e = {0};
		entry_from_row(st, &e);
		entry_hash(&e, e.prev_hash, hash);
		/* A broken link means a row before this one was removed or altered; a wrong hash
		 * means this row itself was edited. Either way this is the first bad id. */
		bool ok = strlen(e.prev_hash) == HASH_HEX_LEN && strlen(e.hash) == HASH_HEX_LEN &&
			  sodium_memcmp(e.prev_hash, expect_prev, HASH_HEX_LEN) == 0 &&
			  sodium_memcmp(e.hash, hash, HASH_HEX_LEN) == 0;
		if (ok)
			memcpy(expect_prev, e.hash, HASH_HEX_LEN + 1);
		else
			*bad_id = e.id;
		audit_entry_free(&e);
		if (!ok)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "reading the audit log");
	sqlite3_reset(st);
	return 0;
}
