/* Tests for store/appointments.c. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

static struct store *setup(int64_t *tenant, int64_t *patient)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Clinic", "UTC", "", tenant, &err), 0);
	struct patient p = {.tenant_id = *tenant, .first_name = "Ann", .last_name = "Lee", .mobile = "+15551230001"};
	assert_int_equal(store_patient_add(s, &p, patient, &err), 0);
	return s;
}

static void store_appt_add__stores_defaults__when_minimal(void **state)
{
	int64_t t, p, id;
	struct store *s = setup(&t, &p);
	char *err = NULL;
	clock_set_fake(1700000000);
	struct appointment a = {.tenant_id = t, .patient_id = p, .provider = "Dr. Who", .starts_at = 1800000000};
	assert_int_equal(store_appt_add(s, &a, &id, &err), 0);
	struct appointment got;
	assert_int_equal(store_appt_get(s, id, &got, &err), 0);
	assert_string_equal(got.provider, "Dr. Who");
	assert_string_equal(got.location, "");
	assert_string_equal(got.status, "scheduled");
	assert_int_equal(got.duration_min, 30);
	assert_int_equal(got.starts_at, 1800000000);
	assert_int_equal(got.created_at, 1700000000);
	appointment_free(&got);
	clock_set_fake(0);
	store_close(&s);
}

static void store_appt_add__refuses__when_input_bad(void **state)
{
	int64_t t, p, t2;
	struct store *s = setup(&t, &p);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Other", "UTC", "", &t2, &err), 0);
	struct appointment bad[] = {
		{.tenant_id = t, .patient_id = p, .provider = "", .starts_at = 100},
		{.tenant_id = t, .patient_id = p, .provider = "X", .starts_at = 0},
		{.tenant_id = t, .patient_id = p, .provider = "X", .starts_at = 100, .duration_min = -5},
		{.tenant_id = t, .patient_id = p, .provider = "X", .starts_at = 100, .duration_min = 5000},
		{.tenant_id = t, .patient_id = p, .provider = "X", .starts_at = 100, .status = "maybe"},
		{.tenant_id = t, .patient_id = p + 9, .provider = "X", .starts_at = 100},
		{.tenant_id = t2, .patient_id = p, .provider = "X", .starts_at = 100}, /* another clinic's patient */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (store_appt_add(s, &bad[i], NULL, &err) != -1)
			fail_msg("accepted bad appointment %zu", i);
		xfree(&err);
	}
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(s, t, 0, 0, INT64_MAX, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	store_close(&s);
}

static void store_appt_set_status__checks_value__when_changed(void **state)
{
	int64_t t, p, id;
	struct store *s = setup(&t, &p);
	char *err = NULL;
	struct appointment a = {.tenant_id = t, .patient_id = p, .provider = "X", .starts_at = 100};
	assert_int_equal(store_appt_add(s, &a, &id, &err), 0);
	assert_int_equal(store_appt_set_status(s, id, "confirmed", &err), 0);
	assert_int_equal(store_appt_set_status(s, id, "CONFIRMED", &err), -1);
	xfree(&err);
	assert_int_equal(store_appt_set_status(s, id, "confirmed' --", &err), -1);
	xfree(&err);
	assert_int_equal(store_appt_set_status(s, id, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_appt_set_status(s, id + 1, "cancelled", &err), SD_NOTFOUND);
	xfree(&err);
	struct appointment got;
	assert_int_equal(store_appt_get(s, id, &got, &err), 0);
	assert_string_equal(got.status, "confirmed");
	appointment_free(&got);
	assert_int_equal(store_appt_get(s, id + 1, &got, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

static void store_appt_list__filters_range_and_patient__when_listed(void **state)
{
	int64_t t, p, p2;
	struct store *s = setup(&t, &p);
	char *err = NULL;
	struct patient other = {.tenant_id = t, .first_name = "Bo", .last_name = "Ng"};
	assert_int_equal(store_patient_add(s, &other, &p2, &err), 0);
	int64_t starts[] = {300, 100, 200, 400};
	for (size_t i = 0; i < 4; i++) {
		struct appointment a = {.tenant_id = t, .patient_id = i == 3 ? p2 : p, .provider = "X", .starts_at = starts[i]};
		assert_int_equal(store_appt_add(s, &a, NULL, &err), 0);
	}
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(s, t, 0, 100, 400, &list, &n, &err), 0);
	assert_int_equal(n, 3); /* [100, 400): 400 excluded */
	assert_int_equal(list[0].starts_at, 100);
	assert_int_equal(list[2].starts_at, 300);
	appointment_list_free(&list, n);
	assert_int_equal(store_appt_list(s, t, p2, 0, 1000, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].patient_id, p2);
	appointment_list_free(&list, n);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_appt_add__stores_defaults__when_minimal),
		cmocka_unit_test(store_appt_add__refuses__when_input_bad),
		cmocka_unit_test(store_appt_set_status__checks_value__when_changed),
		cmocka_unit_test(store_appt_list__filters_range_and_patient__when_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
