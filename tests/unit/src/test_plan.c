/* Tests for src/plan.c: the send plan lists the reminders the scheduler will send in the
 * window with their time (texting hours applied) and the reason each other appointment gets
 * none, writing nothing. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "src/plan.h"
#include "src/tz.h"
#include "src/util.h"

#define CHI "America/Chicago"

static int64_t at(int d, int h, int mi)
{
	struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return tz_mktime(CHI, &tm);
}

/* A patient with one appointment at start; returns the appointment id. */
static int64_t appt(struct store *s, int64_t tenant, const char *first, const char *mobile, int64_t start,
		    int64_t *patient)
{
	*patient = tu_patient_add(s, tenant, first, "Test", mobile);
	struct appointment a = {.tenant_id = tenant, .patient_id = *patient, .provider = "Dr. Lee", .starts_at = start};
	int64_t id = 0;
	assert_int_equal(store_appt_add(s, &a, &id, NULL), 0);
	return id;
}

/* The item of appointment id. */
static const struct plan_item *find(const struct plan_item *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].appointment_id == id)
			return &v[i];
	fail_msg("appointment %lld not in the plan", (long long)id);
	return NULL;
}

static void plan_build__lists_sends_and_reasons__when_mixed(void **state)
{
	(void)state;
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	int64_t t = tu_tenant_add(s, "Main");
	assert_int_equal(store_tenant_set(s, t, "reminder_template",
					  "Hi {patientName}, see you {appointmentTime}. Call {clinicPhone}.", NULL), 0);
	assert_int_equal(store_tenant_set(s, t, "phone", "+13125550100", NULL), 0);
	int64_t now = at(9, 10, 0);
	clock_set_fake(now);
	int64_t p;
	int64_t ok = appt(s, t, "Ann", "+13125557001", at(10, 12, 0), &p);
	int64_t out = appt(s, t, "Bob", "+13125557002", at(10, 12, 30), &p);
	assert_int_equal(store_prefs_set_opted_in(s, p, false, now, "staff", "asked", NULL), 0);
	int64_t land = appt(s, t, "Cy", NULL, at(10, 13, 0), &p);
	assert_int_equal(store_ehr_set_landline(s, t, p, "+13125550100", now, NULL), 0);
	int64_t none = appt(s, t, "Di", NULL, at(10, 13, 30), &p);
	int64_t late = appt(s, t, "Ed", "+13125557005", at(10, 22, 30), &p); /* due 22:30 tonight: quiet */
	int64_t far = appt(s, t, "Fay", "+13125557006", at(12, 12, 0), &p);  /* its slot is after the window */
	struct plan_item *v = NULL;
	size_t n = 0;
	char *err = NULL;
	if (plan_build(s, t, now, 86400, &v, &n, &err) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 5);
	const struct plan_item *i = find(v, n, ok);
	assert_int_equal(i->send_at, at(9, 12, 0));
	assert_int_equal(i->slot_minutes, 1440);
	assert_null(i->reason);
	assert_ptr_equal(&v[0], i); /* by send time */
	assert_string_equal(find(v, n, out)->reason, "patient opted out of texts");
	assert_int_equal(find(v, n, out)->send_at, 0);
	assert_string_equal(find(v, n, land)->reason, "landline only (no mobile number)");
	assert_string_equal(find(v, n, none)->reason, "no mobile number");
	i = find(v, n, late);
	assert_int_equal(i->send_at, at(10, 8, 0));
	assert_non_null(strstr(i->reason, "until 08:00"));
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(v[k].appointment_id, far);
	plan_list_free(&v, n);
	/* Nothing was written: no reminder rows. */
	struct appt_reminder *rows = NULL;
	size_t nr = 9;
	assert_int_equal(store_reminder_rows(s, ok, &rows, &nr, NULL), 0);
	assert_int_equal(nr, 0);
	clock_set_fake(0);
	store_close(&s);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(path);
}

/* A template the scheduler would hold back (no {clinicPhone} for a patient without consent, or
 * a location without a phone) is the reason in the plan, not a send time. */
static void plan_build__gives_template_reason__when_template_cannot_go(void **state)
{
	(void)state;
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	int64_t t = tu_tenant_add(s, "Main");
	assert_int_equal(store_tenant_set(s, t, "reminder_template", "Hi {patientName}, see you {appointmentTime}.", NULL), 0);
	int64_t now = at(9, 10, 0);
	clock_set_fake(now);
	int64_t p;
	int64_t id = appt(s, t, "Ann", "+13125557001", at(10, 12, 0), &p);
	struct plan_item *v = NULL;
	size_t n = 0;
	assert_int_equal(plan_build(s, t, now, 86400, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(find(v, n, id)->send_at, 0);
	assert_non_null(strstr(find(v, n, id)->reason, "template: no {clinicPhone}"));
	plan_list_free(&v, n);
	/* With {clinicPhone} but no phone on the location: still held back, in words. */
	assert_int_equal(store_tenant_set(s, t, "reminder_template", "Hi {patientName}, call {clinicPhone}.", NULL), 0);
	assert_int_equal(store_tenant_set(s, t, "phone", "", NULL), 0);
	assert_int_equal(plan_build(s, t, now, 86400, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].reason, "{clinicPhone} is empty"));
	plan_list_free(&v, n);
	/* With a phone: planned for 24 h before. */
	assert_int_equal(store_tenant_set(s, t, "phone", "+13125550100", NULL), 0);
	assert_int_equal(plan_build(s, t, now, 86400, &v, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].send_at, at(9, 12, 0));
	assert_null(v[0].reason);
	plan_list_free(&v, n);
	clock_set_fake(0);
	store_close(&s);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_build__lists_sends_and_reasons__when_mixed),
		cmocka_unit_test(plan_build__gives_template_reason__when_template_cannot_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
