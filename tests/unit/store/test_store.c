/* Tests for store/store.c: open, migrations, transactions. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_open__applies_all_migrations__when_new),
		cmocka_unit_test(store_open__refuses__when_database_is_newer),
		cmocka_unit_test(store_open__is_idempotent__when_reopened),
		cmocka_unit_test(store_rollback__undoes_all__when_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
