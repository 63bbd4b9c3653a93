/* Shared by store/ modules only: the raw connection and the prepared-statement cache. */
#ifndef SMSDESK_STORE_INTERNAL_H
#define SMSDESK_STORE_INTERNAL_H
#include <sqlite3.h>
#include "store/store.h"
#include "src/util.h"

sqlite3 *store_db(struct store *s);

/* Returns a prepared statement for sql, reset and with bindings cleared. sql must be a
 * string literal (the cache is keyed by its address). NULL with *err set on error. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql, char **err);

/* The audit chain's head cached for the open write transaction (store/audit.c): true with
 * it filled when known; remember after an append; forget wherever work may be undone. */
bool store_audit_head_cached(struct store *s, int64_t *id, char hash[65]);
void store_audit_head_remember(struct store *s, int64_t id, const char *hash);
void store_audit_head_forget(struct store *s);

/* Sets *err from the connection's last error, with what we were doing; returns -1. */
int store_fail(struct store *s, char **err, const char *doing);
/* Registers sd_fold(text) (store/fold.c) on a connection; an SQLite result code. */
int store_fold_register(sqlite3 *db);

/* Column helpers: NULL-safe copies. */
char *store_col_text(sqlite3_stmt *st, int col);      /* NULL when the column is NULL */
char *store_col_text_or(sqlite3_stmt *st, int col, const char *fallback);
/* A blob column copied into a new buffer (at least one byte allocated), its length in *len. */
unsigned char *store_col_blob(sqlite3_stmt *st, int col, size_t *len);

/* Short single-line text: NULL unless required, non-empty when required, at most max bytes,
 * no control characters (C0, DEL). */
bool store_text_ok(const char *s, bool required, size_t max);
/* E.164: '+', a non-zero digit, 7 to 15 digits in all. */
bool store_e164_ok(const char *s);

/* Binds text or NULL. */
int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *text);

/* Fills one zeroed element of a module's struct from the statement's current row. */
typedef void store_row_fn(sqlite3_stmt *st, void *elem);
/* Frees what one element owns (not the element itself). */
typedef void store_elem_free_fn(void *elem);

/* Frees an array of n elements of elem_size, elem_free on each first (when not NULL); a NULL
 * list is a no-op. The public X_list_free functions call this and null their pointer. */
void store_list_free(void *list, size_t n, size_t elem_size, store_elem_free_fn *elem_free);

/* Steps a bound statement to its end, collecting every row into a new array of elem_size
 * elements filled by from_row. On error frees what was read (elem_free on each, when not
 * NULL), sets *err saying what we were doing and returns -1 with *out NULL and *n 0. */
int store_collect(struct store *s, sqlite3_stmt *st, size_t elem_size, store_row_fn *from_row,
		  store_elem_free_fn *elem_free, void **out, size_t *n, const char *doing, char **err);

/* Reads one row of a bound statement into out (zeroed first) with from_row; SD_NOTFOUND
 * (with *err untouched) when there is no row, -1 with *err saying what we were doing. */
int store_fetch_one(struct store *s, sqlite3_stmt *st, size_t elem_size, store_row_fn *from_row, void *out,
		    const char *doing, char **err);

#endif
