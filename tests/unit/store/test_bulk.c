/* Tests for store/bulk.c: synthetic data lands consistently in a real store. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/bulk.h"
#include "src/util.h"

#define NOW 1796212800

/* One integer from a query on the store's file, through a separate connection. */
static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void store_bulk_generate__fills_consistently__when_small(void **state)
{
	char *path = NULL, *err = NULL;
	struct store *s = tu_store_new(&path);
	int64_t tenant = 0;
	assert_int_equal(store_tenant_add(s, "Bulk", "America/Chicago", "", &tenant, &err), 0);
	assert_int_equal(store_bulk_generate(s, tenant, 300, 6000, NOW, 7, &err), 0);
	store_close(&s);
	assert_int_equal(query_int(path, "SELECT COUNT(*) FROM patients"), 300);
	assert_int_equal(query_int(path, "SELECT COUNT(*) FROM patient_sms_preferences"), 300);
	assert_int_equal(query_int(path, "SELECT COUNT(*) FROM sms_threads"), 300);
	assert_int_equal(query_int(path, "SELECT COUNT(*) FROM sms_messages"), 6000);
	assert_int_equal(query_int(path, "SELECT COUNT(DISTINCT twilio_sid) FROM sms_messages"), 6000);
	/* Every message's thread is its patient's number. */
	assert_int_equal(
	    query_int(path, "SELECT COUNT(*) FROM sms_messages m JOIN sms_threads t ON t.id = m.thread_id"
			    " JOIN patients p ON p.id = m.patient_id WHERE p.mobile != t.phone"
			    " OR (m.direction = 'inbound' AND m.from_number != t.phone)"
			    " OR (m.direction = 'outbound' AND m.to_number != t.phone)"),
	    0);
	/* Threads point at their newest message; unread only when the patient spoke last. */
	assert_int_equal(
	    query_int(
		path,
		"SELECT COUNT(*) FROM sms_threads t WHERE last_message_id IS NOT NULL AND"
		" last_message_at != (SELECT MAX(created_at) FROM sms_messages WHERE thread_id = t.id)"),
	    0);
	assert_int_equal(
	    query_int(path,
		      "SELECT COUNT(*) FROM sms_threads t JOIN sms_messages m ON m.id = t.last_message_id"
		      " WHERE t.unread_count != (m.direction = 'inbound')"),
	    0);
	assert_true(query_int(path, "SELECT MAX(created_at) FROM sms_messages") < NOW);
	assert_true(query_int(path, "SELECT MIN(created_at) FROM sms_messages") >= NOW - 366 * 86400);
	/* Nothing for the outbox or the status refresher to pick up. */
	assert_int_equal(
	    query_int(path, "SELECT COUNT(*) FROM sms_messages WHERE status IN ('queued','sending','sent')"),
	    0);
	s = NULL;
	assert_int_equal(store_open(path, &s, &err), 0);
	int unread = 0;
	assert_int_equal(store_unread_total(s, tenant, &unread, &err), 0);
	assert_int_equal(unread, query_int(path, "SELECT SUM(unread_count) FROM sms_threads"));
	store_close(&s);
	free(path);
}

static void store_bulk_generate__rolls_back__when_tenant_missing(void **state)
{
	char *path = NULL, *err = NULL;
	struct store *s = tu_store_new(&path);
	assert_int_equal(store_bulk_generate(s, 4242, 10, 100, NOW, 1, &err), -1);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_int_equal(store_bulk_generate(s, 4242, 0, 100, NOW, 1, &err), -1);
	assert_non_null(strstr(err, "at least one patient"));
	free(err);
	store_close(&s);
	assert_int_equal(query_int(path, "SELECT COUNT(*) FROM patients"), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(store_bulk_generate__fills_consistently__when_small),
	    cmocka_unit_test(store_bulk_generate__rolls_back__when_tenant_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
