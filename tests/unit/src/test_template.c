/* Tests for src/template.c: save-time checks and rendering in the patient's zone. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/template.h"
#include "src/util.h"
#include "store/store.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

static struct template_vars sample(void)
{
	struct template_vars v = {
	    .patient_name = "Zoë",
	    .provider_name = "Dr. Okafor",
	    .clinic_name = "Lakeside Family Clinic",
	    .clinic_phone = "+13125550100",
	    .location = "200 N Lake St, Suite 4",
	    .procedure = "colonoscopy",
	    .reason = "follow-up",
	    .diagnosis = "hypertension",
	    /* Tue Dec 1 2026, 14:30 in Chicago (UTC-6). */
	    .appointment_start = utc(2026, 12, 1, 20, 30),
	    .timezone = "America/Chicago",
	};
	return v;
}

/* Renders tpl with v and returns the text (malloc'd), failing the test on error. */
static char *render(const char *tpl, const struct template_vars *v)
{
	char *out = NULL, *err = NULL;
	if (template_render(tpl, v, &out, &err) != 0)
		fail_msg("render '%s': %s", tpl, err);
	return out;
}

static void template_render__fills_every_variable__when_valid(void **state)
{
	struct template_vars v = sample();
	char *out =
	    render("Hi {patientName}, {clinicName} reminds you of your visit with {providerName} on "
		   "{appointmentDate} at {appointmentTime}, {location}. Call {clinicPhone}. Reply C to "
		   "confirm, STOP to opt out.",
		   &v);
	assert_string_equal(out,
			    "Hi Zoë, Lakeside Family Clinic reminds you of your visit with Dr. Okafor on "
			    "Tue, Dec 1 at 2:30 PM, 200 N Lake St, Suite 4. Call (312) 555-0100. Reply C to "
			    "confirm, STOP to opt out.");
	free(out);
}

static void template_render__uses_patient_zone__when_given(void **state)
{
	struct template_vars v = sample();
	v.timezone = "America/New_York";
	char *out = render("{appointmentDate} {appointmentTime}", &v);
	assert_string_equal(out, "Tue, Dec 1 3:30 PM");
	free(out);
	v.timezone = "Asia/Kolkata"; /* already Wednesday there */
	out = render("{appointmentDate} {appointmentTime}", &v);
	assert_string_equal(out, "Wed, Dec 2 2:00 AM");
	free(out);
	v.timezone = "Nowhere/City"; /* unknown: UTC */
	out = render("{appointmentDate} {appointmentTime}", &v);
	assert_string_equal(out, "Tue, Dec 1 8:30 PM");
	free(out);
}

static void template_format_time__uses_twelve_hours__when_noon_or_midnight(void **state)
{
	char buf[32];
	template_format_time(utc(2026, 7, 4, 12, 0), "UTC", buf, sizeof(buf));
	assert_string_equal(buf, "12:00 PM");
	template_format_time(utc(2026, 7, 4, 0, 5), "UTC", buf, sizeof(buf));
	assert_string_equal(buf, "12:05 AM");
	template_format_time(utc(2026, 7, 4, 9, 7), "UTC", buf, sizeof(buf));
	assert_string_equal(buf, "9:07 AM");
	template_format_time(utc(2026, 7, 4, 23, 59), "UTC", buf, sizeof(buf));
	assert_string_equal(buf, "11:59 PM");
	/* The day after spring forward, 9:00 in New York is 13:00 UTC. */
	template_format_time(utc(2026, 3, 9, 13, 0), "America/New_York", buf, sizeof(buf));
	assert_string_equal(buf, "9:00 AM");
	template_format_date(utc(2026, 3, 9, 13, 0), "America/New_York", buf, sizeof(buf));
	assert_string_equal(buf, "Mon, Mar 9");
}

static void template_render__keeps_braces__when_doubled_or_lone(void **state)
{
	struct template_vars v = sample();
	char *out = render("{{patientName}} is {patientName} :} ok}}", &v);
	assert_string_equal(out, "{patientName} is Zoë :} ok}");
	free(out);
}

static void template_render__blanks_control_characters__when_in_values(void **state)
{
	struct template_vars v = sample();
	v.patient_name = "Eve\x1b[2J\x07";
	v.location = NULL;
	char *out = render("Hi {patientName}! {location}.", &v);
	assert_string_equal(out, "Hi Eve [2J ! .");
	free(out);
}

static void template_validate__names_problem__when_bad(void **state)
{
	static const struct {
		const char *tpl;
		const char *needle;
	} cases[] = {
	    {"", "empty"},
	    {"   \n\t ", "empty"},
	    {"Hi {patientName", "unclosed brace at position 4"},
	    {"Hi {patient\nName}", "unclosed brace"},
	    {"Hi {", "unclosed brace"},
	    {"Hi {{ {", "unclosed brace at position 7"},
	    {"Hi {}", "empty variable"},
	    {"Hi {firstName}", "unknown variable {firstName}"},
	    {"Hi {patientname}", "did you mean {patientName}?"},
	    {"Hi { patientName }", "unknown variable { patientName }"},
	    {"Hi {a{patientName}", "unclosed brace"},
	    {"Hi {diagnosis}", "{diagnosis}"},
	    {"For your {procedure}", "admin"},
	    {"Because {reason}", "{reason}"},
	    {"Hi \x1b[31m{patientName}", "control character at position 4"},
	    {"Hi {\x1b[2J}", "unknown variable {?[2J}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		if (template_validate(cases[i].tpl, false, &err) != -1)
			fail_msg("'%s' accepted", cases[i].tpl);
		if (err == NULL || strstr(err, cases[i].needle) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", cases[i].tpl, err ? err : "(null)",
				 cases[i].needle);
		free(err);
	}
	char *err = NULL;
	assert_int_equal(template_validate(NULL, true, &err), -1);
	free(err);
	/* A very long bogus name is cut in the message. */
	char *tpl = xmalloc(2000);
	memset(tpl, 'z', 1999);
	tpl[0] = '{';
	tpl[1998] = '}';
	tpl[1999] = '\0';
	err = NULL;
	assert_int_equal(template_validate(tpl, true, &err), -1);
	assert_true(strlen(err) < 300);
	free(err);
	free(tpl);
}

static void template_validate__accepts_risky__when_admin_confirmed(void **state)
{
	char *err = NULL;
	assert_int_equal(template_validate("Prep for {procedure}: {reason}, {diagnosis}", true, &err), 0);
	assert_null(err);
	assert_int_equal(template_validate("Hi {patientName}, see you {appointmentDate}.", false, &err), 0);
	assert_int_equal(template_validate("No variables at all", false, &err), 0);
	assert_int_equal(template_validate("{clinicName}", false, &err), 0);
	assert_null(err);
}

static void template_uses_risky__detects__when_risky_variable(void **state)
{
	assert_true(template_uses_risky("Prep for {procedure}"));
	assert_true(template_uses_risky("{reason}"));
	assert_true(template_uses_risky("x {diagnosis} {unknown"));
	assert_false(template_uses_risky("Hi {patientName}"));
	assert_false(template_uses_risky("{{procedure}}"));
	assert_false(template_uses_risky("procedure reason diagnosis"));
	assert_false(template_uses_risky(NULL));
}

static void template_render__refuses__when_template_invalid(void **state)
{
	struct template_vars v = sample();
	char *out = NULL, *err = NULL;
	assert_int_equal(template_render("Hi {nope}", &v, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err, "{nope}"));
	free(err);
	err = NULL;
	assert_int_equal(template_render("Hi", NULL, &out, &err), -1);
	free(err);
	/* Risky variables render (the save-time check decides whether they are allowed). */
	out = render("{procedure}", &v);
	assert_string_equal(out, "colonoscopy");
	free(out);
	size_t n = 0;
	while (template_variable(n) != NULL)
		n++;
	assert_int_equal(n, 10);
}


static void template_validate_reply__allows_reply_variables__when_saved(void **state)
{
	char *err = NULL;
	assert_int_equal(template_validate_reply("Hi {patientName}, {clinicName}: call {clinicPhone}.", &err), 0);
	/* an appointment or a health detail means nothing in a keyword reply */
	static const char *bad[] = {"See you {appointmentDate}", "About {diagnosis}", "Hi {patient}",
				    "Hi {patientname}", "Hi {patientName", "{}", "   ", "a\x01b"};
	static const char *why[] = {"cannot be used in a reply", "cannot be used in a reply", "unknown variable {patient}",
				    "did you mean {patientName}", "unclosed brace", "empty variable", "empty",
				    "control character"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (template_validate_reply(bad[i], &err) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		if (err == NULL || strstr(err, why[i]) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i], err ? err : "(null)", why[i]);
		xfree(&err);
	}
}

static void template_render_reply__fills_first_name_and_phone__when_reply(void **state)
{
	char *r = template_render_reply("Hi {patientName}, {clinicName}: call {clinicPhone}. {{ok}}", "Oak Clinic",
					"+13125550100", "Ann");
	assert_string_equal(r, "Hi Ann, Oak Clinic: call (312) 555-0100. {ok}");
	free(r);
	/* stored before the check: what is no reply variable goes as written, nothing is lost */
	r = template_render_reply("{patientName} {appointmentDate} {unknown} {clinic", "Oak", "", NULL);
	assert_string_equal(r, " {appointmentDate} {unknown} {clinic");
	free(r);
	r = template_render_reply(NULL, "Oak", "", "Ann");
	assert_string_equal(r, "");
	free(r);
}

static void template_validate__refuses_cancel__when_patients_would_answer_it(void **state)
{
	(void)state;
	static const char *bad[] = {
		"Reply C to confirm, R to reschedule, X to cancel. Reply STOP to opt out.",
		"To CANCEL your visit reply X", "Cancel? Reply X.", "{clinicName}: cancel with X",
	};
	static const char *good[] = {
		"Reply C to confirm, R to reschedule, X if you can't come. Reply STOP to opt out.",
		"Your visit was cancelled earlier: reply C to rebook", "Cancellations: call {clinicPhone}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		if (template_validate(bad[i], false, &err) == 0)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_non_null(strstr(err, "opts them out of all texts"));
		free(err);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *err = NULL;
		if (template_validate(good[i], false, &err) != 0)
			fail_msg("refused \"%s\": %s", good[i], err);
	}
}

static void store_tenant_add__gives_default_template_that_passes__when_new(void **state)
{
	(void)state;
	struct store *s = tu_store_new(NULL);
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, "Oak", "America/Chicago", "", &id, &err), 0);
	struct tenant t;
	assert_int_equal(store_tenant_get(s, id, &t, &err), 0);
	assert_null(strstr(t.reminder_template, "cancel"));
	assert_non_null(strstr(t.reminder_template, "X if you can't come"));
	assert_int_equal(template_validate(t.reminder_template, false, &err), 0);
	tenant_free(&t);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(template_render__fills_every_variable__when_valid),
	    cmocka_unit_test(template_validate_reply__allows_reply_variables__when_saved),
	    cmocka_unit_test(template_render_reply__fills_first_name_and_phone__when_reply),
	    cmocka_unit_test(template_render__uses_patient_zone__when_given),
	    cmocka_unit_test(template_format_time__uses_twelve_hours__when_noon_or_midnight),
	    cmocka_unit_test(template_render__keeps_braces__when_doubled_or_lone),
	    cmocka_unit_test(template_render__blanks_control_characters__when_in_values),
	    cmocka_unit_test(template_validate__names_problem__when_bad),
	    cmocka_unit_test(template_validate__refuses_cancel__when_patients_would_answer_it),
	    cmocka_unit_test(store_tenant_add__gives_default_template_that_passes__when_new),
	    cmocka_unit_test(template_validate__accepts_risky__when_admin_confirmed),
	    cmocka_unit_test(template_uses_risky__detects__when_risky_variable),
	    cmocka_unit_test(template_render__refuses__when_template_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
