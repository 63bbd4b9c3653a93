/* Tests for store/sync.c: polling state and the sync lease, across two connections. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

static void store_sync_get__reads_zeros__when_no_row(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t t;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &t, &err), 0);
	struct sync_state st;
	assert_int_equal(store_sync_get(s, t, &st, &err), 0);
	assert_int_equal(st.tenant_id, t);
	assert_int_equal(st.inbound_cursor, 0);
	assert_null(st.last_error);
	sync_state_free(&st);
	store_close(&s);
}

static void store_sync_record_poll__keeps_last_ok__when_error(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t t;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &t, &err), 0);
	assert_int_equal(store_sync_set_cursor(s, t, 777, &err), 0);
	assert_int_equal(store_sync_record_poll(s, t, 100, NULL, &err), 0);
	assert_int_equal(store_sync_record_poll(s, t, 200, "timed out", &err), 0);
	struct sync_state st;
	assert_int_equal(store_sync_get(s, t, &st, &err), 0);
	assert_int_equal(st.inbound_cursor, 777);
	assert_int_equal(st.last_poll_at, 200);
	assert_int_equal(st.last_ok_at, 100);
	assert_string_equal(st.last_error, "timed out");
	sync_state_free(&st);
	assert_int_equal(store_sync_record_poll(s, t, 300, NULL, &err), 0);
	assert_int_equal(store_sync_set_cursor(s, t, 888, &err), 0);
	assert_int_equal(store_sync_get(s, t, &st, &err), 0);
	assert_int_equal(st.last_ok_at, 300);
	assert_int_equal(st.inbound_cursor, 888);
	assert_null(st.last_error);
	sync_state_free(&st);
	/* First record being an error: last_ok_at stays 0. */
	int64_t t2;
	assert_int_equal(store_tenant_add(s, "D", "UTC", "", &t2, &err), 0);
	assert_int_equal(store_sync_record_poll(s, t2, 50, "boom", &err), 0);
	assert_int_equal(store_sync_get(s, t2, &st, &err), 0);
	assert_int_equal(st.last_ok_at, 0);
	sync_state_free(&st);
	store_close(&s);
}

static void store_lease_acquire__excludes_other_holder__until_expired(void **state)
{
	char *path = NULL, *err = NULL;
	struct store *a = tu_store_new(&path);
	struct store *b = NULL;
	assert_int_equal(store_open(path, &b, &err), 0); /* a second connection, like another process */
	bool got = false;
	assert_int_equal(store_lease_acquire(a, "sync", "A", 1000, 90, &got, &err), 0);
	assert_true(got);
	assert_int_equal(store_lease_acquire(b, "sync", "B", 1010, 90, &got, &err), 0);
	assert_false(got);
	/* Renewal by the holder works and moves the expiry. */
	assert_int_equal(store_lease_acquire(a, "sync", "A", 1050, 90, &got, &err), 0);
	assert_true(got);
	assert_int_equal(store_lease_acquire(b, "sync", "B", 1100, 90, &got, &err), 0);
	assert_false(got);
	char *holder = NULL;
	assert_int_equal(store_lease_holder(b, "sync", 1100, &holder, &err), 0);
	assert_string_equal(holder, "A");
	xfree(&holder);
	/* Expired at 1140: B takes it; A no longer holds it. */
	assert_int_equal(store_lease_acquire(b, "sync", "B", 1140, 90, &got, &err), 0);
	assert_true(got);
	assert_int_equal(store_lease_acquire(a, "sync", "A", 1141, 90, &got, &err), 0);
	assert_false(got);
	assert_int_equal(store_lease_holder(a, "sync", 1141, &holder, &err), 0);
	assert_string_equal(holder, "B");
	xfree(&holder);
	/* Release by a non-holder does nothing; by the holder frees it. */
	assert_int_equal(store_lease_release(a, "sync", "A", &err), 0);
	assert_int_equal(store_lease_acquire(a, "sync", "A", 1142, 90, &got, &err), 0);
	assert_false(got);
	assert_int_equal(store_lease_release(b, "sync", "B", &err), 0);
	assert_int_equal(store_lease_holder(a, "sync", 1142, &holder, &err), 0);
	assert_null(holder);
	assert_int_equal(store_lease_acquire(a, "sync", "A", 1142, 90, &got, &err), 0);
	assert_true(got);
	/* Other lease names are independent. */
	assert_int_equal(store_lease_acquire(b, "other", "B", 1142, 90, &got, &err), 0);
	assert_true(got);
	store_close(&a);
	store_close(&b);
	free(path);
}

static void store_lease_acquire__refuses__when_arguments_bad(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	bool got = true;
	assert_int_equal(store_lease_acquire(s, "sync", "", 1, 90, &got, &err), -1);
	assert_false(got);
	xfree(&err);
	assert_int_equal(store_lease_acquire(s, "sync", "A", 1, 0, &got, &err), -1);
	xfree(&err);
	assert_int_equal(store_lease_acquire(s, NULL, "A", 1, 5, &got, &err), -1);
	xfree(&err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_sync_get__reads_zeros__when_no_row),
		cmocka_unit_test(store_sync_record_poll__keeps_last_ok__when_error),
		cmocka_unit_test(store_lease_acquire__excludes_other_holder__until_expired),
		cmocka_unit_test(store_lease_acquire__refuses__when_arguments_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
