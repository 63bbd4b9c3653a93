/* Tests for store/tenants.c: tenants, the allow-listed setter, and settings. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

static void store_tenant_add__stores_defaults_and_keywords__when_new(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id = 0;
	assert_int_equal(store_tenant_add(s, "Main St", "America/Chicago", "+15551230000", &id, &err), 0);
	assert_true(id > 0);
	struct tenant t;
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_string_equal(t.name, "Main St");
	assert_string_equal(t.timezone, "America/Chicago");
	assert_string_equal(t.phone, "+15551230000");
	assert_string_equal(t.api_base, "https://api.twilio.com");
	assert_int_equal(t.quiet_start, 480);
	assert_int_equal(t.quiet_end, 1260);
	assert_null(t.account_sid);
	assert_string_equal(t.optout_replies_by, "twilio");
	tenant_free(&t);
	/* The default keyword replies were seeded in the same transaction. */
	struct auto_response *ar = NULL;
	size_t n = 0;
	assert_int_equal(store_autoresp_list(s, id, &ar, &n, &err), 0);
	assert_true(n > 0);
	auto_response_list_free(&ar, n);
	store_close(&s);
}

static void store_tenant_add__refuses__when_name_taken_or_bad(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "A", "UTC", "", NULL, &err), 0);
	assert_int_equal(store_tenant_add(s, "A", "UTC", "", NULL, &err), -1);
	assert_non_null(strstr(err, "already exists"));
	xfree(&err);
	assert_int_equal(store_tenant_add(s, "", "UTC", "", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_tenant_add(s, "B", "../../etc/passwd", "", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_tenant_add(s, "B", "UTC", "555-1234", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_tenant_add(s, "B\x1b[2J", "UTC", "", NULL, &err), -1);
	xfree(&err);
	struct tenant *list = NULL;
	size_t n = 0;
	assert_int_equal(store_tenant_list(s, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	tenant_list_free(&list, n);
	store_close(&s);
}

static void store_tenant_find__returns_notfound__when_missing(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	struct tenant t;
	assert_int_equal(store_tenant_find(s, "nope", &t, &err), SD_NOTFOUND);
	xfree(&err);
	assert_int_equal(store_tenant_get(s, 42, &t, &err), SD_NOTFOUND);
	xfree(&err);
	int64_t id;
	assert_int_equal(store_tenant_add(s, "Clinic", "UTC", "", &id, &err), 0);
	assert_int_equal(store_tenant_find(s, "Clinic", &t, &err), 0);
	assert_int_equal(t.id, id);
	tenant_free(&t);
	store_close(&s);
}

static void store_tenant_list__orders_by_name__when_several(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Zeta", "UTC", "", NULL, &err), 0);
	assert_int_equal(store_tenant_add(s, "Alpha", "UTC", "", NULL, &err), 0);
	struct tenant *list = NULL;
	size_t n = 0;
	assert_int_equal(store_tenant_list(s, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "Alpha");
	assert_string_equal(list[1].name, "Zeta");
	tenant_list_free(&list, n);
	assert_null(list);
	store_close(&s);
}

static void store_tenant_set__writes_value__when_valid(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &id, &err), 0);
	assert_int_equal(store_tenant_set(s, id, "quiet_start", "540", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "quiet_end", "1440", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "poll_seconds", "5", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "optout_replies_by", "smsdesk", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "account_sid", "AC0123456789abcdef0123456789ABCDEF", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "from_number", "+15005550006", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "reminder_slots", "72h,24h,2h", &err), 0);
	assert_int_equal(store_tenant_set(s, id, "api_base", "http://127.0.0.1:8080", &err), 0);
	struct tenant t;
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_int_equal(t.quiet_start, 540);
	assert_int_equal(t.quiet_end, 1440);
	assert_int_equal(t.poll_seconds, 5);
	assert_string_equal(t.optout_replies_by, "smsdesk");
	assert_string_equal(t.from_number, "+15005550006");
	assert_string_equal(t.reminder_slots, "72h,24h,2h");
	assert_string_equal(t.api_base, "http://127.0.0.1:8080");
	tenant_free(&t);
	/* NULL clears a nullable column. */
	assert_int_equal(store_tenant_set(s, id, "from_number", NULL, &err), 0);
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_null(t.from_number);
	tenant_free(&t);
	store_close(&s);
}

/* Each bad (column, value) pair must be refused with a message and change nothing. */
static void store_tenant_set__refuses__when_value_out_of_range(void **state)
{
	static const char *const bad[][2] = {
		{"quiet_start", "-1"}, {"quiet_start", "1441"}, {"quiet_end", "12:00"}, {"quiet_end", ""},
		{"quiet_start", " 5"}, {"quiet_start", "5 "}, {"quiet_start", "99999999999999999999"},
		{"poll_seconds", "4"}, {"poll_seconds", "abc"}, {"optout_replies_by", "carrier"},
		{"optout_replies_by", NULL}, {"account_sid", "AC123"}, {"account_sid", "SK0123456789abcdef0123456789abcdef"},
		{"api_key_sid", "AC0123456789abcdef0123456789abcdef"}, {"messaging_service_sid", "MGzz23456789abcdef0123456789abcdef"},
		{"from_number", "5551234567"}, {"from_number", "+1555abc4567"}, {"api_base", "ftp://x"},
		{"api_base", "https://"}, {"api_base", "javascript:alert(1)"}, {"reminder_slots", "24"},
		{"reminder_slots", "24h,"}, {"reminder_slots", "-2h"}, {"reminder_slots", "999d"},
		{"timezone", "/etc/passwd"}, {"timezone", ""}, {"name", ""}, {"reminder_template", ""},
	};
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &id, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (store_tenant_set(s, id, bad[i][0], bad[i][1], &err) != -1)
			fail_msg("accepted %s = %s", bad[i][0], bad[i][1] ? bad[i][1] : "NULL");
		assert_non_null(err);
		xfree(&err);
	}
	struct tenant t;
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_int_equal(t.quiet_start, 480);
	assert_int_equal(t.poll_seconds, 15);
	assert_null(t.account_sid);
	tenant_free(&t);
	store_close(&s);
}

static void store_tenant_set__refuses__when_column_unknown(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &id, &err), 0);
	static const char *const cols[] = {"id", "created_at", "nope", "name = 'x' --", "quiet_start; DROP TABLE tenants", ""};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		assert_int_equal(store_tenant_set(s, id, cols[i], "1", &err), -1);
		assert_non_null(strstr(err, "unknown location setting"));
		xfree(&err);
	}
	assert_int_equal(store_tenant_set(s, id, NULL, "1", &err), -1);
	xfree(&err);
	/* A missing tenant is an error too. */
	assert_int_equal(store_tenant_set(s, id + 100, "quiet_start", "500", &err), -1);
	xfree(&err);
	struct tenant t;
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_string_equal(t.name, "C");
	tenant_free(&t);
	store_close(&s);
}

static void store_setting__round_trips__when_set_twice(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL, *v = NULL;
	assert_int_equal(store_setting_get(s, 0, "ca_bundle", &v, &err), SD_NOTFOUND);
	assert_null(v);
	assert_int_equal(store_setting_set(s, 0, "ca_bundle", "/etc/a.pem", &err), 0);
	assert_int_equal(store_setting_set(s, 0, "ca_bundle", "/etc/b.pem", &err), 0);
	assert_int_equal(store_setting_set(s, 7, "ca_bundle", "per-tenant", &err), 0);
	assert_int_equal(store_setting_get(s, 0, "ca_bundle", &v, &err), 0);
	assert_string_equal(v, "/etc/b.pem");
	xfree(&v);
	assert_int_equal(store_setting_get(s, 7, "ca_bundle", &v, &err), 0);
	assert_string_equal(v, "per-tenant");
	xfree(&v);
	assert_int_equal(store_setting_set(s, 0, "", "x", &err), -1);
	xfree(&err);
	assert_int_equal(store_setting_set(s, 0, "k", NULL, &err), -1);
	xfree(&err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_tenant_add__stores_defaults_and_keywords__when_new),
		cmocka_unit_test(store_tenant_add__refuses__when_name_taken_or_bad),
		cmocka_unit_test(store_tenant_find__returns_notfound__when_missing),
		cmocka_unit_test(store_tenant_list__orders_by_name__when_several),
		cmocka_unit_test(store_tenant_set__writes_value__when_valid),
		cmocka_unit_test(store_tenant_set__refuses__when_value_out_of_range),
		cmocka_unit_test(store_tenant_set__refuses__when_column_unknown),
		cmocka_unit_test(store_setting__round_trips__when_set_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
