/* Tests for store/store.c: open, migrations, transactions. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "store/internal.h"
#include "src/util.h"
#include <dirent.h>
#include <sys/stat.h>

/* The permission bits of path, or -1 when it does not exist. */
static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Same for path + suffix ("-wal", "-shm"). */
static int mode_of2(const char *path, const char *suffix)
{
	char *p = xasprintf("%s%s", path, suffix);
	int m = mode_of(p);
	free(p);
	return m;
}

static void store_open__applies_all_migrations__when_new(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_true(store_schema_latest() >= 1);
	store_close(&s);
	assert_null(s);
	free(path);
}

static void store_open__refuses__when_database_is_newer(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	store_close(&s);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_latest() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char *err = NULL;
	assert_int_equal(store_open(path, &s, &err), -1);
	assert_non_null(strstr(err, "newer smsdesk"));
	free(err);
	free(path);
}

static void store_open__is_idempotent__when_reopened(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	store_close(&s);
	char *err = NULL;
	assert_int_equal(store_open(path, &s, &err), 0);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(&s);
	free(path);
}

static void store_schema_latest__counts_every_migration_file__when_built(void **state)
{
	/* Every assets/migrations/NNN_*.sql in the source tree must be compiled in. */
	char *dir = tu_source_path("assets/migrations");
	DIR *d = opendir(dir);
	assert_non_null(d);
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		files += n > 4 && strcmp(e->d_name + n - 4, ".sql") == 0;
	}
	closedir(d);
	free(dir);
	assert_true(files >= 1);
	assert_int_equal(store_schema_latest(), files);
}

static void store_rollback__undoes_all__when_nested(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	store_rollback(s);
	assert_int_equal(store_commit(s, &err), -1);
	assert_non_null(err);
	free(err);
	store_close(&s);
}

/* Rows of the scratch table t, through the store's own connection. */
static int64_t count_t(struct store *s)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void store_savepoint__undoes_only_its_work__when_inner_rolls_back(void **state)
{
	(void)state;
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	sqlite3 *db = store_db(s);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_savepoint(s, &err), -1); /* only inside a transaction */
	xfree(&err);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	/* An item whose nested begin/rollback fails: only the item goes. */
	assert_int_equal(store_savepoint(s, &err), 0);
	assert_int_equal(store_savepoint(s, &err), -1); /* one level */
	xfree(&err);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
	store_rollback(s);
	assert_int_equal(store_savepoint_release(s, &err), -1);
	xfree(&err);
	assert_int_equal(count_t(s), 1);
	/* An item rolled back by its caller, then one kept. */
	assert_int_equal(store_savepoint(s, &err), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK);
	store_savepoint_rollback(s);
	assert_int_equal(store_savepoint(s, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (4)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_savepoint_release(s, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(count_t(s), 2);
	/* A failure outside the savepoint still spoils the whole transaction. */
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	store_rollback(s);
	assert_int_equal(store_savepoint(s, &err), 0);
	assert_int_equal(store_savepoint_release(s, &err), 0);
	assert_int_equal(store_commit(s, &err), -1);
	xfree(&err);
	assert_int_equal(count_t(s), 2);
	store_close(&s);
}

/* Rows 1..5 counted by a recursive CTE; with ?1 = 1 the fourth row fails (abs overflows). */
static const char counting_sql[] =
	"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) "
	"SELECT CASE WHEN ?1 = 1 AND x = 4 THEN abs(-9223372036854775807 - 1) ELSE 'row ' || x END FROM c";

/* A row's text copied into a malloc'd string. */
static void text_from_row(sqlite3_stmt *st, void *elem)
{
	*(char **)elem = store_col_text(st, 0);
}

/* Frees a collected string. */
static void text_free(void *elem)
{
	free(*(char **)elem);
}

static void store_collect__returns_every_row__when_statement_runs(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	sqlite3_stmt *st = store_stmt(s, counting_sql, &err);
	assert_non_null(st);
	sqlite3_bind_int(st, 1, 0);
	void *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_collect(s, st, sizeof(char *), text_from_row, text_free, &rows, &n, "counting", &err), 0);
	assert_int_equal(n, 5);
	char **texts = rows;
	assert_string_equal(texts[0], "row 1");
	assert_string_equal(texts[4], "row 5");
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(rows);
	store_close(&s);
}

static void store_collect__frees_rows_and_says_what__when_step_fails(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	sqlite3_stmt *st = store_stmt(s, counting_sql, &err);
	assert_non_null(st);
	sqlite3_bind_int(st, 1, 1);
	void *rows = (void *)1;
	size_t n = 99;
	/* Three rows were read before the failure: ASan reports them if they leak. */
	assert_int_equal(store_collect(s, st, sizeof(char *), text_from_row, text_free, &rows, &n, "counting", &err),
			 -1);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "while counting"));
	assert_non_null(strstr(err, "overflow"));
	free(err);
	store_close(&s);
}

static void store_fetch_one__reads_row_or_notfound__when_stepped(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	char *text = (char *)"stale";
	sqlite3_stmt *st = store_stmt(s, "SELECT 'one' WHERE ?1 = 1", &err);
	sqlite3_bind_int(st, 1, 1);
	assert_int_equal(store_fetch_one(s, st, sizeof(text), text_from_row, &text, "reading", &err), 0);
	assert_string_equal(text, "one");
	free(text);
	st = store_stmt(s, "SELECT 'one' WHERE ?1 = 1", &err);
	sqlite3_bind_int(st, 1, 0);
	text = (char *)"stale";
	assert_int_equal(store_fetch_one(s, st, sizeof(text), text_from_row, &text, "reading", &err), SD_NOTFOUND);
	assert_null(text);
	assert_null(err);
	st = store_stmt(s, "SELECT abs(-9223372036854775807 - 1)", &err);
	assert_int_equal(store_fetch_one(s, st, sizeof(text), text_from_row, &text, "reading", &err), -1);
	assert_null(text);
	assert_non_null(strstr(err, "while reading"));
	free(err);
	store_close(&s);
}

static void store_open__creates_private_files__when_umask_is_loose(void **state)
{
	(void)state;
	umask(022); /* what most shells give: the database would be 0644 */
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	char *err = NULL;
	assert_int_equal(store_begin(s, &err), 0); /* a write, so the -wal and -shm exist */
	assert_int_equal(store_setting_set(s, 0, "probe", "1", &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of2(path, "-wal"), 0600);
	assert_int_equal(mode_of2(path, "-shm"), 0600);
	store_close(&s);
	/* The umask stays: anything created later is private too. */
	mode_t now = umask(022);
	assert_int_equal(now & 077, 077);
	free(path);
}

static void store_open__refuses__when_others_may_read_or_write(void **state)
{
	(void)state;
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	store_close(&s);
	char *err = NULL;
	static const mode_t bad[] = {0644, 0604, 0602, 0666};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_int_equal(store_open(path, &s, &err), -1);
		assert_null(s);
		assert_non_null(strstr(err, (bad[i] & 04) ? "can be read by others" : "can be written by others"));
		assert_non_null(strstr(err, "chmod o-rwx"));
		assert_non_null(strstr(err, path));
		xfree(&err);
	}
	/* A group deployment (0640): accepted, and the -wal / -shm follow the database's mode. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(store_open(path, &s, &err), 0);
	assert_int_equal(store_setting_set(s, 0, "probe", "2", &err), 0);
	assert_int_equal(mode_of2(path, "-wal"), 0640);
	assert_int_equal(mode_of2(path, "-shm"), 0640);
	/* A readable -wal of a private database is refused as well. */
	char *wal = xasprintf("%s-wal", path);
	assert_int_equal(chmod(wal, 0644), 0);
	struct store *other = NULL;
	assert_int_equal(store_open(path, &other, &err), -1);
	assert_non_null(strstr(err, wal));
	xfree(&err);
	free(wal);
	store_close(&s);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_open__applies_all_migrations__when_new),
		cmocka_unit_test(store_open__refuses__when_database_is_newer),
		cmocka_unit_test(store_open__is_idempotent__when_reopened),
		cmocka_unit_test(store_schema_latest__counts_every_migration_file__when_built),
		cmocka_unit_test(store_rollback__undoes_all__when_nested),
		cmocka_unit_test(store_savepoint__undoes_only_its_work__when_inner_rolls_back),
		cmocka_unit_test(store_collect__returns_every_row__when_statement_runs),
		cmocka_unit_test(store_collect__frees_rows_and_says_what__when_step_fails),
		cmocka_unit_test(store_fetch_one__reads_row_or_notfound__when_stepped),
		cmocka_unit_test(store_open__creates_private_files__when_umask_is_loose),
		cmocka_unit_test(store_open__refuses__when_others_may_read_or_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
