/* Tests for store/backup.c and store/lifecycle.c: a backup is one consistent moment while
 * another connection writes; restore brings it back; merge and delete keep what they must. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "store/store.h"
#include "store/internal.h"
#include "src/util.h"

/* Adds n audit entries (a cheap table to count). */
static void add_entries(struct store *s, int n)
{
	char *err = NULL;
	for (int i = 0; i < n; i++)
		if (store_audit_append(s, 0, "test", 0, "test.entry", 0, NULL, NULL, &err) != 0)
			fail_msg("append: %s", err);
}

static void store_backup__copies_committed_only__when_other_writer_open(void **state)
{
	char *path = NULL, *err = NULL;
	struct store *s = tu_store_new(&path);
	add_entries(s, 10);
	/* Another process's transaction, open during the backup: not in the copy. */
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO audit_log (at, username, action, prev_hash, hash)"
					     " VALUES (1, 'x', 'uncommitted', '0', '0')", NULL, NULL, NULL), SQLITE_OK);
	char *dest = xasprintf("%s.bak", path);
	if (store_backup(s, dest, &err) != 0)
		fail_msg("backup: %s", err);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	struct backup_info bi;
	if (store_backup_check(dest, &bi, &err) != 0)
		fail_msg("check: %s", err);
	assert_int_equal(bi.audit_entries, 10);
	assert_int_equal(bi.schema_version, store_schema_latest());
	struct stat st;
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never overwrites. */
	assert_int_equal(store_backup(s, dest, &err), -1);
	assert_non_null(strstr(err, "File exists"));
	xfree(&err);
	/* Restore: the uncommitted-then-committed row goes, the 10 stay. */
	if (store_restore(s, dest, &err) != 0)
		fail_msg("restore: %s", err);
	struct audit_head h;
	assert_int_equal(store_audit_head(s, &h, &err), 0);
	assert_int_equal(h.count, 10);
	assert_int_equal(store_restore(s, path, &err), -1); /* itself */
	xfree(&err);
	store_close(&s);
	free(dest);
	free(path);
}

static void store_backup_check__refuses__when_not_a_database(void **state)
{
	char *dir = tu_tempdir(), *err = NULL;
	char *junk = xasprintf("%s/junk.db", dir);
	FILE *f = fopen(junk, "w");
	fputs("this is not sqlite", f);
	fclose(f);
	struct backup_info bi;
	assert_int_equal(store_backup_check(junk, &bi, &err), -1);
	assert_non_null(err);
	xfree(&err);
	assert_int_equal(store_backup_check(dir, &bi, &err), -1); /* a folder */
	xfree(&err);
	tu_rmdir(dir);
	free(junk);
	free(dir);
}

static void store_patient_merge__keeps_optout__when_dropped_record_opted_out(void **state)
{
	char *err = NULL;
	struct store *s = tu_store_new(NULL);
	int64_t t = tu_tenant_add(s, "Main");
	int64_t keep = tu_patient_add(s, t, "Ann", "Lee", "+15552223333");
	int64_t drop = tu_patient_add(s, t, "Ann", "Lee", "+15552229999");
	struct patient_change ch;
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO patient_sms_preferences (patient_id, tenant_id, opted_in, updated_at) VALUES (%lld, %lld, 1, 1);"
		 "INSERT OR REPLACE INTO patient_sms_preferences (patient_id, tenant_id, opted_in, opted_out_via, updated_at)"
		 " VALUES (%lld, %lld, 0, 'sms', 1);",
		 (long long)keep, (long long)t, (long long)drop, (long long)t);
	assert_int_equal(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
	if (store_patient_merge(s, keep, drop, &ch, &err) != 0)
		fail_msg("merge: %s", err);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(store_db(s), "SELECT opted_in, opted_out_via FROM patient_sms_preferences"
					   " WHERE patient_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, keep);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "sms");
	sqlite3_finalize(st);
	/* Across locations: refused. */
	int64_t t2 = tu_tenant_add(s, "Oak");
	int64_t other = tu_patient_add(s, t2, "Bob", "Ray", "+15554445555");
	assert_int_equal(store_patient_merge(s, keep, other, &ch, &err), -1);
	assert_non_null(strstr(err, "different locations"));
	xfree(&err);
	assert_int_equal(store_patient_delete(s, 9999, &ch, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_backup__copies_committed_only__when_other_writer_open),
		cmocka_unit_test(store_backup_check__refuses__when_not_a_database),
		cmocka_unit_test(store_patient_merge__keeps_optout__when_dropped_record_opted_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
