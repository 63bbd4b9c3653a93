/* Opening the database, migrations, transactions and the statement cache. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include "store/internal.h"
#include "src/assets.h"

struct cached_stmt {
	const char *sql;
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	char *path;
	int tx_depth;
	bool tx_failed;
	int sp_depth;        /* tx_depth at which the open savepoint sits; 0 = none */
	bool sp_outer_failed; /* tx_failed as it was when the savepoint opened */
	struct cached_stmt *cache; /* grows: one entry per SQL literal ever used */
	size_t cache_n, cache_cap;
	/* The audit chain's head as this connection last wrote it, inside the write transaction
	 * that is open (0: unknown, read it). Nobody else can append while we hold the write
	 * lock, so it stays true until our transaction ends or something of it is undone. */
	int64_t audit_head_id;
	char audit_head_hash[65];
};

bool store_audit_head_cached(struct store *s, int64_t *id, char hash[65])
{
	if (s->audit_head_id == 0 || s->tx_depth == 0 || sqlite3_get_autocommit(s->db))
		return false;
	*id = s->audit_head_id;
	memcpy(hash, s->audit_head_hash, 65);
	return true;
}

void store_audit_head_remember(struct store *s, int64_t id, const char *hash)
{
	s->audit_head_id = id;
	snprintf(s->audit_head_hash, sizeof(s->audit_head_hash), "%s", hash);
}

void store_audit_head_forget(struct store *s)
{
	s->audit_head_id = 0;
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

const char *store_path(struct store *s)
{
	return s->path;
}

int store_fail(struct store *s, char **err, const char *doing)
{
	return seterr(err, "database error while %s: %s", doing, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql, char **err)
{
	for (size_t i = 0; i < s->cache_n; i++) {
		if (s->cache[i].sql == sql) {
			sqlite3_reset(s->cache[i].st);
			sqlite3_clear_bindings(s->cache[i].st);
			return s->cache[i].st;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		store_fail(s, err, "preparing a statement");
		return NULL;
	}
	/* Never evict: a caller may still be stepping an older statement. The set of literals
	 * is fixed by the code, so this stays at about a hundred entries. */
	if (s->cache_n == s->cache_cap) {
		s->cache_cap = s->cache_cap ? s->cache_cap * 2 : 64;
		s->cache = xrealloc(s->cache, s->cache_cap * sizeof(*s->cache));
	}
	s->cache[s->cache_n].sql = sql;
	s->cache[s->cache_n].st = st;
	s->cache_n++;
	return st;
}

char *store_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t == NULL ? NULL : xstrdup((const char *)t);
}

char *store_col_text_or(sqlite3_stmt *st, int col, const char *fallback)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return xstrdup(t == NULL ? fallback : (const char *)t);
}

unsigned char *store_col_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(st, col);
	*len = (size_t)sqlite3_column_bytes(st, col);
	unsigned char *copy = xmalloc(*len ? *len : 1);
	if (*len)
		memcpy(copy, b, *len);
	return copy;
}

bool store_text_ok(const char *s, bool required, size_t max)
{
	if (s == NULL)
		return !required;
	if ((required && *s == '\0') || strlen(s) > max)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

bool store_e164_ok(const char *s)
{
	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	size_t n = strlen(s + 1);
	if (n < 7 || n > 15)
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

int store_bind_text_or_null(sqlite3_stmt *st, int idx, const char *text)
{
	if (text == NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, text, -1, SQLITE_TRANSIENT);
}

void store_list_free(void *list, size_t n, size_t elem_size, store_elem_free_fn *elem_free)
{
	char *base = list;
	for (size_t i = 0; base != NULL && elem_free != NULL && i < n; i++)
		elem_free(base + i * elem_size);
	free(list);
}

int store_collect(struct store *s, sqlite3_stmt *st, size_t elem_size, store_row_fn *from_row,
		  store_elem_free_fn *elem_free, void **out, size_t *n, const char *doing, char **err)
{
	char *list = NULL;
	size_t cap = 0, len = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * elem_size);
		}
		char *elem = list + len++ * elem_size;
		memset(elem, 0, elem_size);
		from_row(st, elem);
	}
	if (rc != SQLITE_DONE) {
		/* The message first, while the connection still holds it. */
		store_fail(s, err, doing);
		sqlite3_reset(st);
		store_list_free(list, len, elem_size, elem_free);
		return -1;
	}
	sqlite3_reset(st);
	*out = list;
	*n = len;
	return 0;
}

int store_fetch_one(struct store *s, sqlite3_stmt *st, size_t elem_size, store_row_fn *from_row, void *out,
		    const char *doing, char **err)
{
	memset(out, 0, elem_size);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		from_row(st, out);
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_DONE)
		store_fail(s, err, doing);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SD_NOTFOUND : -1;
}

/* Migrations are assets named migrations/NNN_*.sql; NNN is the version they bring. */
static int migration_version(const char *name)
{
	const char *base = name + strlen("migrations/");
	return atoi(base);
}

int store_schema_latest(void)
{
	int latest = 0;
	for (const struct asset *a = asset_table; a->name != NULL; a++) {
		if (strncmp(a->name, "migrations/", 11) == 0 && migration_version(a->name) > latest)
			latest = migration_version(a->name);
	}
	return latest;
}

int store_schema_version(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec(struct store *s, const char *sql, const char *doing, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, "database error while %s: %s", doing, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* exec for a statement run again and again (savepoints: one per inbound message): prepared
 * once and kept in the cache instead of parsed each time. */
static int exec_cached(struct store *s, const char *sql, const char *doing, char **err)
{
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, doing);
}

/* Applies one migration and records its version, all in one transaction. */
static int apply_migration(struct store *s, const struct asset *a, int version, char **err)
{
	char *doing = xasprintf("applying %s", a->name);
	char pragma[64];
	int rc = -1;
	if (exec(s, "BEGIN IMMEDIATE", doing, err) != 0)
		goto out;
	/* Another process may have migrated while we waited for the lock. */
	if (store_schema_version(s) >= version) {
		rc = exec(s, "COMMIT", doing, err);
		goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	if (exec(s, a->data, doing, err) != 0 || exec(s, pragma, doing, err) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	rc = exec(s, "COMMIT", doing, err);
out:
	free(doing);
	return rc;
}

static int migrate(struct store *s, char **err)
{
	int current = store_schema_version(s);
	int latest = store_schema_latest();
	if (current > latest)
		return seterr(err, "database %s has schema version %d but this smsdesk knows only up to %d: "
			      "use a newer smsdesk", s->path, current, latest);
	for (int v = current + 1; v <= latest; v++) {
		const struct asset *found = NULL;
		for (const struct asset *a = asset_table; a->name != NULL; a++) {
			if (strncmp(a->name, "migrations/", 11) == 0 && migration_version(a->name) == v)
				found = a;
		}
		if (found == NULL)
			return seterr(err, "migration %03d is missing from this build", v);
		if (apply_migration(s, found, v, err) != 0)
			return -1;
	}
	return 0;
}

/* Refuses one file of the database (the file, its -wal or -shm) that others may read or write:
 * it holds patients' messages. Group bits are the admin's choice (a shared-group deployment). */
static int check_private(const char *db_path, const char *suffix, char **err)
{
	char *file = xasprintf("%s%s", db_path, suffix);
	struct stat st;
	int rc = 0;
	if (stat(file, &st) != 0) {
		if (errno != ENOENT)
			rc = seterr(err, "cannot check the database file %s: %s", file, strerror(errno));
	} else if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
		rc = seterr(err,
			    "the database file %s can be %s by others (mode %04o) and holds patients' messages; "
			    "fix it with: chmod o-rwx %s*",
			    file, (st.st_mode & S_IROTH) != 0 ? "read" : "written", (unsigned)(st.st_mode & 07777),
			    db_path);
	}
	free(file);
	return rc;
}

/* Files we create from here on get no permissions for others (group too unless the admin
 * gives them): a new database is 0600, and SQLite gives its -wal and -shm the database's
 * own mode, so 0640 on a group deployment carries over. Process-wide on purpose: umask can
 * only be read by setting it, and any later file of ours is patient data as well. */
static void private_umask(void)
{
	mode_t old = umask(077);
	umask(old | 077);
}

/* SQLite's memory statistics take a global mutex on every allocation (6% of an inbound
 * poll's CPU in perf: two lock/unlock pairs per malloc/free); nothing here reads them. Must
 * run before SQLite initialises; a later call is refused harmlessly (SQLITE_MISUSE). */
static void sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_open(const char *path, struct store **out, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_setup);
	bool on_disk = strcmp(path, ":memory:") != 0 && path[0] != '\0';
	if (on_disk && (check_private(path, "", err) != 0 || check_private(path, "-wal", err) != 0 ||
			check_private(path, "-shm", err) != 0))
		return -1;
	private_umask();
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		seterr(err, "cannot open database %s: %s", path,
		       s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (store_fold_register(s->db) != SQLITE_OK) {
		seterr(err, "cannot register the search function: %s", sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* Statement and savepoint journals in memory: on disk they cost a write per page changed
	 * per statement (issue 15: 24 pwrite64 per inbound message), and they are only scratch. */
	if (exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", err) != 0 ||
	    exec(s, "PRAGMA temp_store = MEMORY", "keeping temporary journals in memory", err) != 0)
		goto fail;
	if (strcmp(path, ":memory:") != 0 &&
	    (exec(s, "PRAGMA journal_mode = WAL", "enabling WAL", err) != 0 ||
	     exec(s, "PRAGMA synchronous = NORMAL", "setting synchronous", err) != 0))
		goto fail;
	if (migrate(s, err) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(&s);
	return -1;
}

void store_close(struct store **sp)
{
	struct store *s = *sp;
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cache_n; i++)
		sqlite3_finalize(s->cache[i].st);
	free(s->cache);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
	*sp = NULL;
}

#define STORE_CACHE_DEFAULT_KIB 2000 /* SQLite's own default (PRAGMA cache_size = -2000) */

/* Sets this connection's page cache; a cache that stays small is slower, not wrong, so a
 * failure is not reported. */
static void set_cache_kib(struct store *s, int kib)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

void store_cache_grow(struct store *s, int kib)
{
	set_cache_kib(s, kib > STORE_CACHE_DEFAULT_KIB ? kib : STORE_CACHE_DEFAULT_KIB);
}

void store_cache_restore(struct store *s)
{
	set_cache_kib(s, STORE_CACHE_DEFAULT_KIB);
	sqlite3_db_release_memory(s->db);
}

int store_begin(struct store *s, char **err)
{
	if (s->tx_depth++ > 0)
		return 0;
	s->tx_failed = false;
	store_audit_head_forget(s);
	if (exec(s, "BEGIN IMMEDIATE", "starting a transaction", err) != 0) {
		s->tx_depth = 0;
		return -1;
	}
	return 0;
}

int store_commit(struct store *s, char **err)
{
	if (s->tx_depth == 0)
		return seterr(err, "commit without a transaction");
	if (--s->tx_depth > 0)
		return 0;
	store_audit_head_forget(s);
	if (s->tx_failed) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return seterr(err, "transaction rolled back by an inner failure");
	}
	if (exec(s, "COMMIT", "committing", err) != 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void store_rollback(struct store *s)
{
	store_audit_head_forget(s); /* the head we wrote may be undone */
	if (s->tx_depth == 0)
		return;
	if (--s->tx_depth > 0) {
		s->tx_failed = true;
		return;
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_savepoint(struct store *s, char **err)
{
	if (s->tx_depth == 0)
		return seterr(err, "a savepoint needs a transaction");
	if (s->sp_depth != 0)
		return seterr(err, "savepoints do not nest");
	if (exec_cached(s, "SAVEPOINT store_sp", "opening a savepoint", err) != 0)
		return -1;
	s->sp_outer_failed = s->tx_failed;
	s->tx_failed = false;
	s->sp_depth = ++s->tx_depth;
	return 0;
}

/* Closes the savepoint: its work stays (keep) or is undone; the outer transaction goes on. */
static int savepoint_close(struct store *s, bool keep, char **err)
{
	if (s->sp_depth == 0 || s->tx_depth != s->sp_depth)
		return seterr(err, "savepoint closed out of order");
	store_audit_head_forget(s);
	int rc = 0;
	if (!keep || s->tx_failed) {
		if (keep)
			rc = seterr(err, "savepoint rolled back by an inner failure");
		if (exec_cached(s, "ROLLBACK TO store_sp", "rolling back a savepoint", err) != 0)
			rc = -1;
	}
	if (exec_cached(s, "RELEASE store_sp", "releasing a savepoint", rc == 0 ? err : NULL) != 0) {
		s->sp_outer_failed = true; /* the outer transaction cannot be trusted any more */
		rc = -1;
	}
	s->tx_failed = s->sp_outer_failed;
	s->sp_depth = 0;
	s->tx_depth--;
	return rc;
}

int store_savepoint_release(struct store *s, char **err)
{
	return savepoint_close(s, true, err);
}

void store_savepoint_rollback(struct store *s)
{
	savepoint_close(s, false, NULL);
}
