/* Tests for src/fhir.c: a FHIR R4 searchset Bundle (Appointment with included Patient, a
 * urn:uuid reference, a cancelled one, a broken one) read and applied to a real SQLite file:
 * upserts by id, a refused resource reported and the others kept; non-bundles refused. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "src/fhir.h"
#include "src/util.h"

/* Collects refusals. */
static void report(void *ctx, const char *what, const char *why)
{
	int *n = ctx;
	(*n)++;
	assert_non_null(strstr(what, "apt-1003"));
	assert_non_null(why);
}

static void fhir_bundle__reads_and_applies__when_searchset(void **state)
{
	(void)state;
	char *file = tu_source_path("tests/data/fhir/bundle.json");
	size_t len = 0;
	char *json = tu_read_file(file, &len);
	assert_non_null(json);
	struct fhir_bundle b;
	char *err = NULL;
	if (fhir_bundle_parse(json, len, &b, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(b.np, 2);
	assert_int_equal(b.na, 3);
	assert_int_equal(b.skipped, 1);
	assert_string_equal(b.next_url, "https://fhir.example.org/r4/Appointment?date=ge2026-12-09&page=2");
	assert_string_equal(b.patients[0].first_name, "Mary Ann"); /* the official name */
	assert_string_equal(b.patients[0].mobile, "+13125550199");
	assert_string_equal(b.patients[0].landline, "+13125550100");
	assert_string_equal(b.patients[1].mobile, "+13125550177");
	assert_string_equal(b.appts[0].patient_id, "pat-1");
	assert_string_equal(b.appts[0].provider, "Dr. Ann Lee");
	assert_string_equal(b.appts[0].location, "Northside Clinic");
	assert_string_equal(b.appts[1].patient_id, "pat-2"); /* through the urn:uuid fullUrl */
	assert_string_equal(b.appts[1].status, "cancelled");

	char *path = NULL;
	struct store *s = tu_store_new(&path);
	int64_t t = tu_tenant_add(s, "Main");
	int refused = 0;
	struct fhir_result r = {.report = report, .ctx = &refused};
	for (int pass = 0; pass < 2; pass++) { /* twice: updates, not duplicates */
		r.patients = r.appointments = r.refused = 0;
		refused = 0;
		if (fhir_bundle_apply(s, t, "America/Chicago", &b, &r, &err) != 0)
			fail_msg("%s", err);
		assert_int_equal(r.patients, 2);
		assert_int_equal(r.appointments, 2);
		assert_int_equal(r.refused, 1);
		assert_int_equal(refused, 1);
	}
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(s, t, 0, 0, INT64_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].starts_at, 1796934600); /* 2026-12-10 20:30 UTC */
	assert_int_equal(list[0].duration_min, 45);      /* from end - start */
	assert_string_equal(list[1].status, "cancelled");
	assert_int_equal(list[1].duration_min, 20);
	/* The patient confirmed by text: the export says so, in both formats. */
	assert_int_equal(store_appt_set_status(s, list[0].id, "confirmed", NULL), 0);
	appointment_list_free(&list, n);
	char *csv = NULL, *fj = NULL;
	assert_int_equal(fhir_export_statuses(s, t, 0, EXPORT_CSV, &csv, &err), 0);
	assert_non_null(strstr(csv, "ehr_id,patient_id,start,status,updated\r\n"));
	assert_non_null(strstr(csv, "apt-1001,pat-1,2026-12-10T20:30:00Z,confirmed,"));
	assert_non_null(strstr(csv, "apt-1002,pat-2,2026-12-11T09:00:00Z,cancelled,"));
	assert_int_equal(fhir_export_statuses(s, t, 0, EXPORT_FHIR, &fj, &err), 0);
	struct fhir_bundle back;
	if (fhir_bundle_parse(fj, strlen(fj), &back, &err) != 0) /* our export reads back as a Bundle */
		fail_msg("%s", err);
	assert_int_equal(back.na, 2);
	fhir_bundle_free(&back);
	assert_non_null(strstr(fj, "\"accepted\""));
	assert_non_null(strstr(fj, "\"declined\""));
	free(csv);
	free(fj);
	fhir_bundle_free(&b);
	store_close(&s);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(path);
	free(json);
	free(file);
}

static void fhir_bundle_parse__refuses__when_not_a_bundle(void **state)
{
	(void)state;
	const char *bad[] = {"", "{", "[]", "{\"resourceType\":\"Patient\"}", "{\"resourceType\":\"Bundle\",\"entry\":{}}",
			     "{\"resourceType\":7}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fhir_bundle b;
		char *err = NULL;
		assert_int_equal(fhir_bundle_parse(bad[i], strlen(bad[i]), &b, &err), -1);
		assert_non_null(err);
		free(err);
	}
	struct fhir_bundle b;
	const char *empty = "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"}}, 5]}";
	assert_int_equal(fhir_bundle_parse(empty, strlen(empty), &b, NULL), 0);
	assert_int_equal(b.np, 1); /* read, and refused when applied (no id) */
	assert_null(b.patients[0].id);
	fhir_bundle_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fhir_bundle__reads_and_applies__when_searchset),
		cmocka_unit_test(fhir_bundle_parse__refuses__when_not_a_bundle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
