/* Tests for store/prefs.c: preferences, consent and the number-level opt-out list. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

#define FAMILY "+15551230009"

struct fixture {
	struct store *s;
	int64_t tenant, other_tenant;
	int64_t mom, kid, stranger, elsewhere;
};

static int64_t add(struct store *s, int64_t tenant, const char *first, const char *mobile)
{
	char *err = NULL;
	int64_t id = 0;
	struct patient p = {.tenant_id = tenant, .first_name = (char *)first, .last_name = "Lee", .mobile = (char *)mobile};
	if (store_patient_add(s, &p, &id, &err) != 0)
		fail_msg("%s", err);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "Clinic", "UTC", "", &f->tenant, &err), 0);
	assert_int_equal(store_tenant_add(f->s, "Other", "UTC", "", &f->other_tenant, &err), 0);
	f->mom = add(f->s, f->tenant, "Mom", FAMILY);
	f->kid = add(f->s, f->tenant, "Kid", FAMILY);
	f->stranger = add(f->s, f->tenant, "Stranger", "+15551230008");
	f->elsewhere = add(f->s, f->other_tenant, "Elsewhere", FAMILY);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(&f->s);
	free(f);
	return 0;
}

static bool opted_in(struct store *s, int64_t patient)
{
	struct sms_prefs p;
	char *err = NULL;
	assert_int_equal(store_prefs_get(s, patient, &p, &err), 0);
	bool in = p.opted_in;
	sms_prefs_free(&p);
	return in;
}

static bool blocked(struct store *s, int64_t tenant, const char *phone)
{
	bool out = false;
	char *err = NULL;
	assert_int_equal(store_number_opted_out(s, tenant, phone, &out, &err), 0);
	return out;
}

static void store_optout_number__opts_out_every_sharer__when_stop(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, "sms", "STOP", &err), 0);
	assert_true(blocked(f->s, f->tenant, FAMILY));
	assert_false(opted_in(f->s, f->mom));
	assert_false(opted_in(f->s, f->kid));
	assert_true(opted_in(f->s, f->stranger));
	/* The other clinic's patient with the same number is untouched. */
	assert_true(opted_in(f->s, f->elsewhere));
	assert_false(blocked(f->s, f->other_tenant, FAMILY));
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->kid, &p, &err), 0);
	assert_int_equal(p.opted_out_at, 1000);
	assert_string_equal(p.opted_out_via, "sms");
	assert_string_equal(p.opted_out_reason, "STOP");
	sms_prefs_free(&p);
}

static void store_optout_number__keeps_first_record__when_repeated(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, "sms", "STOP", &err), 0);
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 2000, "carrier", "21610", &err), 0);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->mom, &p, &err), 0);
	assert_int_equal(p.opted_out_at, 1000);
	assert_string_equal(p.opted_out_via, "sms");
	sms_prefs_free(&p);
	/* Unknown numbers (no patient) can be blocked too. */
	assert_int_equal(store_optout_number(f->s, f->tenant, "+15550000000", 1000, "sms", NULL, &err), 0);
	assert_true(blocked(f->s, f->tenant, "+15550000000"));
}

static void store_optin_number__removes_block__when_start(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, "sms", "STOP", &err), 0);
	assert_int_equal(store_optin_number(f->s, f->tenant, FAMILY, 3000, "sms", &err), 0);
	assert_false(blocked(f->s, f->tenant, FAMILY));
	assert_true(opted_in(f->s, f->mom));
	assert_true(opted_in(f->s, f->kid));
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->mom, &p, &err), 0);
	assert_int_equal(p.opted_out_at, 0);
	assert_null(p.opted_out_via);
	sms_prefs_free(&p);
	/* Opting in a number never blocked is harmless. */
	assert_int_equal(store_optin_number(f->s, f->tenant, "+15550000000", 3000, "staff", &err), 0);
}

static void store_optout_number__refuses__when_via_unknown(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, "email", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, NULL, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_optout_number(f->s, f->tenant, "", 1000, "sms", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_optout_number(f->s, f->tenant, FAMILY, 1000, "sms", "bad\nreason", &err), -1);
	xfree(&err);
	assert_false(blocked(f->s, f->tenant, FAMILY));
	assert_true(opted_in(f->s, f->mom));
}

static void store_prefs_set_opted_in__blocks_number__when_staff_opts_out(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_prefs_set_opted_in(f->s, f->kid, false, 500, "staff", "asked at desk", &err), 0);
	assert_true(blocked(f->s, f->tenant, FAMILY));
	assert_false(opted_in(f->s, f->kid));
	assert_false(opted_in(f->s, f->mom));
	assert_int_equal(store_prefs_set_opted_in(f->s, f->kid, true, 600, "staff", NULL, &err), 0);
	assert_false(blocked(f->s, f->tenant, FAMILY));
	assert_true(opted_in(f->s, f->kid));
	assert_int_equal(store_prefs_set_opted_in(f->s, f->kid + 1000, false, 600, "staff", NULL, &err), SD_NOTFOUND);
	xfree(&err);
	assert_int_equal(store_prefs_set_opted_in(f->s, f->kid, false, 600, "fax", NULL, &err), -1);
	xfree(&err);
	/* A patient without a mobile can still be opted out. */
	int64_t nomobile = add(f->s, f->tenant, "NoPhone", NULL);
	assert_int_equal(store_prefs_set_opted_in(f->s, nomobile, false, 700, "staff", NULL, &err), 0);
	assert_false(opted_in(f->s, nomobile));
}

static void store_prefs_set_flags__and_consent__round_trip(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_prefs_set_flags(f->s, f->mom, false, true, &err), 0);
	assert_int_equal(store_prefs_set_consent(f->s, f->mom, 1234, "verbal at desk", "jane", FAMILY, &err), 0);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->mom, &p, &err), 0);
	assert_false(p.reminders);
	assert_true(p.marketing);
	assert_int_equal(p.consent_at, 1234);
	assert_string_equal(p.consent_method, "verbal at desk");
	assert_string_equal(p.consent_by, "jane");
	assert_string_equal(p.consent_phone, FAMILY);
	sms_prefs_free(&p);
	assert_int_equal(store_prefs_set_consent(f->s, f->mom, 0, "x", NULL, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_prefs_set_consent(f->s, f->mom, 5, "", NULL, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_prefs_set_flags(f->s, 99999, true, true, &err), SD_NOTFOUND);
	xfree(&err);
	assert_int_equal(store_prefs_get(f->s, 99999, &p, &err), SD_NOTFOUND);
	xfree(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(store_optout_number__opts_out_every_sharer__when_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(store_optout_number__keeps_first_record__when_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(store_optin_number__removes_block__when_start, setup, teardown),
		cmocka_unit_test_setup_teardown(store_optout_number__refuses__when_via_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(store_prefs_set_opted_in__blocks_number__when_staff_opts_out, setup, teardown),
		cmocka_unit_test_setup_teardown(store_prefs_set_flags__and_consent__round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
