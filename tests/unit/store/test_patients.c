/* Tests for store/patients.c: add with preferences, lookups, search, number changes. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

/* Adds a patient; returns its id. */
static int64_t add(struct store *s, int64_t tenant, const char *first, const char *last, const char *mobile)
{
	char *err = NULL;
	int64_t id = 0;
	struct patient p = {.tenant_id = tenant, .first_name = (char *)first, .last_name = (char *)last,
			    .mobile = (char *)mobile};
	if (store_patient_add(s, &p, &id, &err) != 0)
		fail_msg("store_patient_add: %s", err);
	return id;
}

static struct store *setup(int64_t *tenant)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Clinic", "America/Chicago", "", tenant, &err), 0);
	return s;
}

static void store_patient_add__creates_default_prefs__when_added(void **state)
{
	int64_t t;
	struct store *s = setup(&t);
	int64_t id = add(s, t, "Ann", "Smith", "+15551230001");
	char *err = NULL;
	struct patient p;
	assert_int_equal(store_patient_get(s, id, &p, &err), 0);
	assert_string_equal(p.first_name, "Ann");
	assert_string_equal(p.mobile, "+15551230001");
	assert_null(p.timezone);
	assert_null(p.external_id);
	patient_free(&p);
	struct sms_prefs pr;
	assert_int_equal(store_prefs_get(s, id, &pr, &err), 0);
	assert_true(pr.opted_in);
	assert_true(pr.reminders);
	assert_false(pr.marketing);
	assert_int_equal(pr.consent_at, 0);
	assert_int_equal(pr.tenant_id, t);
	sms_prefs_free(&pr);
	store_close(&s);
}

static void store_patient_add__refuses_and_keeps_nothing__when_input_bad(void **state)
{
	int64_t t;
	struct store *s = setup(&t);
	char *err = NULL;
	struct patient bad[] = {
		{.tenant_id = t, .first_name = "", .last_name = "X"},
		{.tenant_id = t, .first_name = "A", .last_name = NULL},
		{.tenant_id = t, .first_name = "A", .last_name = "B", .mobile = "5551230001"},
		{.tenant_id = t, .first_name = "A", .last_name = "B", .mobile = "+1555CALLME"},
		{.tenant_id = t, .first_name = "A\x1b]0;pwned\x07", .last_name = "B"},
		{.tenant_id = t + 99, .first_name = "A", .last_name = "B"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (store_patient_add(s, &bad[i], NULL, &err) != -1)
			fail_msg("accepted bad patient %zu", i);
		xfree(&err);
	}
	struct patient ok = {.tenant_id = t, .first_name = "A", .last_name = "B", .external_id = "E1"};
	assert_int_equal(store_patient_add(s, &ok, NULL, &err), 0);
	assert_int_equal(store_patient_add(s, &ok, NULL, &err), -1);
	assert_non_null(strstr(err, "E1"));
	xfree(&err);
	struct patient *list = NULL;
	size_t n = 0;
	assert_int_equal(store_patient_search(s, t, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	patient_list_free(&list, n);
	store_close(&s);
}

static void store_patient_get__returns_notfound__when_missing(void **state)
{
	int64_t t;
	struct store *s = setup(&t);
	char *err = NULL;
	struct patient p;
	assert_int_equal(store_patient_get(s, 12345, &p, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

static void store_patient_by_mobile__returns_family__when_shared(void **state)
{
	int64_t t, t2;
	struct store *s = setup(&t);
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Other", "UTC", "", &t2, &err), 0);
	add(s, t, "Mom", "Lee", "+15551230009");
	add(s, t, "Kid", "Lee", "+15551230009");
	add(s, t, "Someone", "Else", "+15551230008");
	add(s, t2, "Other", "Tenant", "+15551230009");
	struct patient *list = NULL;
	size_t n = 0;
	assert_int_equal(store_patient_by_mobile(s, t, "+15551230009", &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].first_name, "Mom");
	assert_string_equal(list[1].first_name, "Kid");
	patient_list_free(&list, n);
	assert_int_equal(store_patient_by_mobile(s, t, "+19999999999", &list, &n, &err), 0);
	assert_int_equal(n, 0);
	store_close(&s);
}

static void store_patient_search__matches_name_or_digits__when_queried(void **state)
{
	int64_t t;
	struct store *s = setup(&t);
	char *err = NULL;
	add(s, t, "Ann", "Smith", "+15551230001");
	add(s, t, "Bob", "Jones", "+15557770002");
	add(s, t, "Carl", "O'Smithers", NULL);
	add(s, t, "Percent", "100%", NULL);
	struct patient *list = NULL;
	size_t n = 0;
	assert_int_equal(store_patient_search(s, t, "smith", 0, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	/* Ordered by last name: O'Smithers before Smith. */
	assert_string_equal(list[0].last_name, "O'Smithers");
	assert_string_equal(list[1].last_name, "Smith");
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t, "  ANN SMITH ", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t, "smith, ann", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t, "(555) 777", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].first_name, "Bob");
	patient_list_free(&list, n);
	/* LIKE wildcards in the query are literal. */
	assert_int_equal(store_patient_search(s, t, "%", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].first_name, "Percent");
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t, "_", 0, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_patient_search(s, t, "", 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t + 1, "", 0, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	/* Accents and case fold on both sides: "zoe" finds Zoë, "Zoë" finds a Zoe. */
	add(s, t, "Zoë", "Müller", "+15551230009");
	add(s, t, "Zoe", "Mueller", "+15551230008");
	assert_int_equal(store_patient_search(s, t, "zoe muller", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].first_name, "Zoë");
	patient_list_free(&list, n);
	assert_int_equal(store_patient_search(s, t, "ZOË", 0, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	patient_list_free(&list, n);
	store_close(&s);
}

static void store_patient_set_mobile__clears_consent__when_number_changes(void **state)
{
	int64_t t;
	struct store *s = setup(&t);
	char *err = NULL;
	int64_t id = add(s, t, "Ann", "Smith", "+15551230001");
	assert_int_equal(store_prefs_set_consent(s, id, 1000, "paper form", "desk", "+15551230001", &err), 0);
	/* Same number: consent stays. */
	assert_int_equal(store_patient_set_mobile(s, id, "+15551230001", &err), 0);
	struct sms_prefs pr;
	assert_int_equal(store_prefs_get(s, id, &pr, &err), 0);
	assert_int_equal(pr.consent_at, 1000);
	sms_prefs_free(&pr);
	assert_int_equal(store_patient_set_mobile(s, id, "+15551239999", &err), 0);
	assert_int_equal(store_prefs_get(s, id, &pr, &err), 0);
	assert_int_equal(pr.consent_at, 0);
	assert_null(pr.consent_method);
	assert_null(pr.consent_phone);
	sms_prefs_free(&pr);
	struct patient p;
	assert_int_equal(store_patient_get(s, id, &p, &err), 0);
	assert_string_equal(p.mobile, "+15551239999");
	patient_free(&p);
	assert_int_equal(store_patient_set_mobile(s, id, "not a number", &err), -1);
	xfree(&err);
	assert_int_equal(store_patient_set_mobile(s, id + 50, "+15551239999", &err), -1);
	xfree(&err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_patient_add__creates_default_prefs__when_added),
		cmocka_unit_test(store_patient_add__refuses_and_keeps_nothing__when_input_bad),
		cmocka_unit_test(store_patient_get__returns_notfound__when_missing),
		cmocka_unit_test(store_patient_by_mobile__returns_family__when_shared),
		cmocka_unit_test(store_patient_search__matches_name_or_digits__when_queried),
		cmocka_unit_test(store_patient_set_mobile__clears_consent__when_number_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
