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

/* Sets *err from the connection's last error, with what we were doing; returns -1. */
int store_fail(struct store *s, char **err, const char *doing);

/* Column helpers: NULL-safe copies. */
char *store_col_text(sqlite3_stmt *st, int col);      /* NULL when the column is NULL */
char *store_col_text_or(sqlite3_stmt *st, int col, const char *fallback);

/* Binds text or NULL. */
int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *text);

#endif
