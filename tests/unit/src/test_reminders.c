/* Tests for src/reminders.c and store/reminders_sched.c: slots, due times across daylight
 * saving, quiet hours in the patient's zone, catch-up after downtime, the exemption limits,
 * the unique key across passes and connections, and "send reminder now". Real SQLite files,
 * the real outbox; the clock is pinned with clock_set_fake. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/outbox.h"
#include "src/reminders.h"
#include "src/tz.h"
#include "src/util.h"

#define NY "America/New_York"
#define LA "America/Los_Angeles"
#define HOUR 3600
#define MIN 60

struct fx {
	struct store *s;
	char *path;
	int64_t tenant;
};

/* Unix time of a wall-clock time in a zone. */
static int64_t at(const char *tz, int y, int mon, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	int64_t t = tz_mktime(tz, &tm);
	assert_true(t != TZ_ERROR);
	return t;
}

static void set_col(struct store *s, int64_t tenant, const char *col, const char *value)
{
	char *err = NULL;
	if (store_tenant_set(s, tenant, col, value, &err) != 0)
		fail_msg("setting %s: %s", col, err);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(at(NY, 2026, 10, 1, 12, 0));
	f->s = tu_store_new(&f->path);
	if (store_tenant_add(f->s, "Lakeside Clinic", NY, "+13125550100", &f->tenant, &err) != 0)
		fail_msg("%s", err);
	set_col(f->s, f->tenant, "account_sid", "AC0123456789abcdef0123456789abcdef");
	set_col(f->s, f->tenant, "from_number", "+13125550199");
	set_col(f->s, f->tenant, "reminder_template",
		"Hi {patientName}, {clinicName}: appointment {appointmentDate} at {appointmentTime}. Call {clinicPhone}. "
		"Reply STOP to opt out.");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	char *dir = xstrdup(f->path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

static int64_t patient(struct fx *f, const char *first, const char *mobile, const char *tz)
{
	struct patient p = {.tenant_id = f->tenant, .first_name = (char *)first, .last_name = "Doe",
			    .mobile = (char *)mobile, .timezone = (char *)tz};
	int64_t id = 0;
	char *err = NULL;
	if (store_patient_add(f->s, &p, &id, &err) != 0)
		fail_msg("%s", err);
	return id;
}

static int64_t appt(struct fx *f, int64_t patient_id, int64_t starts)
{
	struct appointment a = {.tenant_id = f->tenant, .patient_id = patient_id, .provider = "Dr. Rivera",
				.location = "Suite 4", .starts_at = starts, .duration_min = 30, .status = "scheduled"};
	int64_t id = 0;
	char *err = NULL;
	if (store_appt_add(f->s, &a, &id, &err) != 0)
		fail_msg("%s", err);
	return id;
}

/* Runs one pass at time now and returns its report (counters only). */
static struct reminders_report pass_at(struct store *s, int64_t now)
{
	struct reminders_report r = {0};
	char *err = NULL;
	clock_set_fake(now);
	if (reminders_pass(s, now, &r, &err) != 0)
		fail_msg("pass: %s", err);
	if (r.last_error != NULL)
		fail_msg("tenant failed: %s", r.last_error);
	return r;
}

/* The reminder row of (appointment, slot); asserts it exists. */
static struct appt_reminder row(struct fx *f, int64_t appt_id, int slot)
{
	struct appt_reminder *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_reminder_rows(f->s, appt_id, &rows, &n, &err), 0);
	struct appt_reminder out = {0};
	for (size_t i = 0; i < n; i++) {
		if (rows[i].slot_minutes == slot) {
			out = rows[i];
			memset(&rows[i], 0, sizeof(rows[i]));
		}
	}
	appt_reminder_list_free(&rows, n);
	if (out.id == 0)
		fail_msg("no reminder row for appointment %lld slot %d", (long long)appt_id, slot);
	return out;
}

static size_t row_count(struct fx *f, int64_t appt_id)
{
	struct appt_reminder *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_reminder_rows(f->s, appt_id, &rows, &n, &err), 0);
	appt_reminder_list_free(&rows, n);
	return n;
}

/* Outbound reminder messages stored for a patient. */
static int reminder_msgs(struct fx *f, int64_t patient_id)
{
	int n = 0;
	char *err = NULL;
	assert_int_equal(store_reminder_count_recent(f->s, patient_id, 0, &n, &err), 0);
	return n;
}

static void assert_row(struct fx *f, int64_t appt_id, int slot, const char *status, const char *reason_part)
{
	struct appt_reminder r = row(f, appt_id, slot);
	if (strcmp(r.status, status) != 0)
		fail_msg("slot %d: status %s (%s), wanted %s", slot, r.status, r.skip_reason ? r.skip_reason : "",
			 status);
	if (reason_part != NULL && (r.skip_reason == NULL || strstr(r.skip_reason, reason_part) == NULL))
		fail_msg("slot %d: reason \"%s\" lacks \"%s\"", slot, r.skip_reason ? r.skip_reason : "(null)",
			 reason_part);
	appt_reminder_free(&r);
}

/* ---- slots and templates ---- */

static void reminders_parse_slots__sorts_largest_first__when_mixed_units(void **state)
{
	int m[REMINDER_MAX_SLOTS];
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(reminders_parse_slots("2h, 72h,30m,1d", m, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(m[0], 4320);
	assert_int_equal(m[1], 1440);
	assert_int_equal(m[2], 120);
	assert_int_equal(m[3], 30);
	char buf[16];
	reminders_format_slot(4320, buf, sizeof(buf));
	assert_string_equal(buf, "3d");
	reminders_format_slot(1440, buf, sizeof(buf));
	assert_string_equal(buf, "24h");
	reminders_format_slot(90, buf, sizeof(buf));
	assert_string_equal(buf, "90m");
}

static void reminders_parse_slots__rejects__when_malformed(void **state)
{
	static const char *bad[] = {"", ",", "24", "h", "24x", "0h", "-2h", "24h,", ",24h", "24h,,2h", "24h,1d",
				    "61d", "99999999999999999999h", "1h,2h,3h,4h,5h,6h,7h,8h,9h", "2 h", "24h;2h",
				    "24H", "1.5h"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int m[REMINDER_MAX_SLOTS];
		size_t n = 0;
		char *err = NULL;
		if (reminders_parse_slots(bad[i], m, &n, &err) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(err);
		free(err);
	}
	int m[REMINDER_MAX_SLOTS];
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(reminders_parse_slots(NULL, m, &n, &err), -1);
	free(err);
}

static void reminders_check_template__rejects__when_unknown_variable(void **state)
{
	char *err = NULL;
	assert_int_equal(reminders_check_template("Hi {patientName} at {appointmentTime}", false, NULL, &err), 0);
	assert_int_equal(reminders_check_template("Hi {patientNme}, see you {appointmentDate}", false, NULL, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "patientNme"));
	xfree(&err);
	assert_int_equal(reminders_check_template("Hi {patientName", false, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(reminders_check_template("About your {diagnosis}", false, NULL, &err), -1);
	xfree(&err);
}

/* ---- due times and the unique key ---- */

static void reminders_pass__queues_once__when_run_twice(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Ana", "+14155550101", NULL);
	int64_t start = at(NY, 2026, 10, 20, 15, 0);
	int64_t a = appt(f, p, start);
	struct reminders_report r = pass_at(f->s, start - 24 * HOUR - MIN);
	assert_int_equal(r.queued, 0);
	assert_int_equal(row_count(f, a), 0);
	r = pass_at(f->s, start - 24 * HOUR + MIN);
	assert_int_equal(r.queued, 1);
	r = pass_at(f->s, start - 24 * HOUR + 2 * MIN);
	assert_int_equal(r.queued, 0);
	assert_int_equal(reminder_msgs(f, p), 1);
	struct appt_reminder rr = row(f, a, 1440);
	assert_string_equal(rr.status, "queued");
	assert_true(rr.message_id > 0);
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(f->s, rr.message_id, &m, &err), 0);
	assert_string_equal(m.message_type, "reminder");
	assert_int_equal(m.appointment_id, a);
	assert_int_equal(m.reminder_id, rr.id);
	assert_string_equal(m.to_number, "+14155550101");
	assert_non_null(strstr(m.body, "Hi Ana, Lakeside Clinic"));
	assert_non_null(strstr(m.body, "3:00 PM"));
	sms_message_free(&m);
	appt_reminder_free(&rr);
}

static void reminders_pass__one_message__when_two_connections_race(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Ben", "+14155550102", NULL);
	int64_t start = at(NY, 2026, 10, 20, 15, 0);
	int64_t a = appt(f, p, start);
	struct store *s2 = NULL;
	char *err = NULL;
	assert_int_equal(store_open(f->path, &s2, &err), 0);
	int64_t now = start - 24 * HOUR + MIN;
	struct reminders_report r1 = pass_at(f->s, now);
	struct reminders_report r2 = pass_at(s2, now);
	assert_int_equal(r1.queued + r2.queued, 1);
	/* The unique key holds even if a pass skips its checks and inserts directly. */
	int64_t id = 0;
	bool inserted = true;
	assert_int_equal(store_reminder_insert(s2, f->tenant, a, 1440, now, "pending", NULL, now, &id, &inserted, &err), 0);
	assert_false(inserted);
	assert_true(id > 0);
	store_close(&s2);
	assert_int_equal(reminder_msgs(f, p), 1);
}

static void reminders_pass__uses_absolute_hours__when_dst_ends(void **state)
{
	struct fx *f = *state;
	/* DST ends in New York on 2026-11-01 at 02:00 EDT (06:00 UTC). */
	int64_t p1 = patient(f, "Cara", "+14155550103", NULL);
	int64_t p2 = patient(f, "Dan", "+14155550104", NULL);
	int64_t nov1 = at(NY, 2026, 11, 1, 9, 0); /* 09:00 EST */
	int64_t nov2 = at(NY, 2026, 11, 2, 9, 0);
	assert_int_equal(nov2 - nov1, 24 * HOUR);
	int64_t a1 = appt(f, p1, nov1);
	int64_t a2 = appt(f, p2, nov2);
	/* Nov 1: 24 h before is Oct 31 10:00 EDT, not 09:00. */
	int64_t oct31_0959 = at(NY, 2026, 10, 31, 9, 59);
	assert_int_equal(pass_at(f->s, oct31_0959).queued, 0);
	assert_int_equal(nov1 - at(NY, 2026, 10, 31, 10, 0), 24 * HOUR);
	assert_int_equal(pass_at(f->s, at(NY, 2026, 10, 31, 10, 0)).queued, 1);
	assert_row(f, a1, 1440, "queued", NULL);
	/* Nov 2: 24 h before is Nov 1 09:00 EST (the same wall time, after the change). */
	assert_int_equal(pass_at(f->s, at(NY, 2026, 11, 1, 8, 59)).queued, 0);
	assert_int_equal(pass_at(f->s, at(NY, 2026, 11, 1, 9, 0)).queued, 1);
	assert_row(f, a2, 1440, "queued", NULL);
	/* The body shows the clinic's wall time after the change. */
	struct appt_reminder r = row(f, a1, 1440);
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(f->s, r.message_id, &m, &err), 0);
	assert_non_null(strstr(m.body, "9:00 AM"));
	sms_message_free(&m);
	appt_reminder_free(&r);
}

/* ---- quiet hours ---- */

static void reminders_pass__waits_for_8am_pacific__when_patient_zone_differs(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Eve", "+14155550105", LA);
	int64_t start = at(LA, 2026, 11, 27, 9, 30);
	int64_t a = appt(f, p, start);
	set_col(f->s, f->tenant, "reminder_slots", "2h");
	/* Due 07:30 Pacific (10:30 in the clinic's New York, allowed there): the patient's zone rules. */
	struct reminders_report r = pass_at(f->s, at(LA, 2026, 11, 27, 7, 30));
	assert_int_equal(r.queued, 0);
	assert_int_equal(r.waiting, 1);
	assert_row(f, a, 120, "waiting_quiet", LA);
	struct appt_reminder w = row(f, a, 120);
	assert_int_equal(w.due_at, at(LA, 2026, 11, 27, 8, 0));
	appt_reminder_free(&w);
	assert_int_equal(pass_at(f->s, at(LA, 2026, 11, 27, 7, 59)).queued, 0);
	assert_int_equal(pass_at(f->s, at(LA, 2026, 11, 27, 8, 0)).queued, 1);
	assert_row(f, a, 120, "queued", NULL);
	assert_int_equal(reminder_msgs(f, p), 1);
}

static void reminders_pass__skips__when_quiet_until_appointment(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Finn", "+14155550106", LA);
	int64_t start = at(LA, 2026, 11, 27, 7, 45);
	int64_t a = appt(f, p, start);
	set_col(f->s, f->tenant, "reminder_slots", "30m");
	struct reminders_report r = pass_at(f->s, at(LA, 2026, 11, 27, 7, 15));
	assert_int_equal(r.queued + r.waiting, 0);
	assert_row(f, a, 30, "skipped", "outside texting hours until the appointment");
}

static void reminders_pass__uses_clinic_quiet_hours__when_tenant_sets_them(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Gus", "+14155550107", NULL);
	set_col(f->s, f->tenant, "quiet_start", "600"); /* 10:00 */
	set_col(f->s, f->tenant, "quiet_end", "1200");  /* 20:00 */
	int64_t start = at(NY, 2026, 11, 10, 15, 0);
	int64_t a = appt(f, p, start);
	/* Due 09:15 New York: waits for 10:00 under this clinic's window. */
	set_col(f->s, f->tenant, "reminder_slots", "345m");
	assert_int_equal(pass_at(f->s, start - 345 * MIN).waiting, 1);
	struct appt_reminder w = row(f, a, 345);
	assert_int_equal(w.due_at, at(NY, 2026, 11, 10, 10, 0));
	appt_reminder_free(&w);
}

/* ---- catch-up after downtime ---- */

static void reminders_pass__sends_late__when_appointment_far_enough(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Hal", "+14155550108", NULL);
	int64_t start = at(NY, 2026, 11, 12, 20, 0);
	int64_t a = appt(f, p, start);
	/* The scheduler was down 14 h past the 24 h slot: 10 h ahead is still worth a reminder. */
	assert_int_equal(pass_at(f->s, start - 10 * HOUR).queued, 1);
	assert_row(f, a, 1440, "queued", NULL);
}

static void reminders_pass__skips_missed__when_too_close(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Ivy", "+14155550109", NULL);
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	int64_t a = appt(f, p, start);
	assert_int_equal(pass_at(f->s, start - 90 * MIN).queued, 0);
	assert_row(f, a, 1440, "skipped", "missed");
	assert_int_equal(reminder_msgs(f, p), 0);
}

static void reminders_pass__sends_nearest_only__when_several_slots_overdue(void **state)
{
	struct fx *f = *state;
	set_col(f->s, f->tenant, "reminder_slots", "72h,24h,2h");
	int64_t p = patient(f, "Jo", "+14155550110", NULL);
	int64_t q = patient(f, "Kim", "+14155550111", NULL);
	char *err = NULL;
	assert_int_equal(store_prefs_set_consent(f->s, q, clock_now(), "paper form", "admin", "+14155550111", &err), 0);
	int64_t start = at(NY, 2026, 11, 12, 12, 0);
	int64_t a = appt(f, p, start);
	int64_t b = appt(f, q, start);
	/* Down for two days: at 20 h before, 72 h is superseded by the 24 h reminder. */
	struct reminders_report r = pass_at(f->s, start - 20 * HOUR);
	assert_int_equal(r.queued, 2);
	assert_row(f, a, 4320, "skipped", "superseded by the 24h reminder");
	assert_row(f, a, 1440, "queued", NULL);
	/* The 2 h slot: the exemption allows one a day without consent; with consent it goes. */
	r = pass_at(f->s, start - 2 * HOUR);
	assert_row(f, a, 120, "skipped", "exemption: 1 reminder per day");
	assert_row(f, b, 120, "queued", NULL);
	assert_int_equal(reminder_msgs(f, p), 1);
	assert_int_equal(reminder_msgs(f, q), 2);
}

/* ---- who never gets one ---- */

static void reminders_pass__skips_with_reason__when_cancelled_opted_out_or_off(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	int64_t pc = patient(f, "Cancel", "+14155550120", NULL);
	int64_t po = patient(f, "Optout", "+14155550121", NULL);
	int64_t pn = patient(f, "Number", "+14155550122", NULL);
	int64_t pf = patient(f, "Off", "+14155550123", NULL);
	int64_t pm = patient(f, "Nomobile", NULL, NULL);
	int64_t ac = appt(f, pc, start), ao = appt(f, po, start), an = appt(f, pn, start), af = appt(f, pf, start),
		am = appt(f, pm, start);
	assert_int_equal(store_appt_set_status(f->s, ac, "cancelled", &err), 0);
	assert_int_equal(store_prefs_set_opted_in(f->s, po, false, clock_now(), "staff", "asked at desk", &err), 0);
	assert_int_equal(store_optout_number(f->s, f->tenant, "+14155550122", clock_now(), "sms", "STOP", &err), 0);
	assert_int_equal(store_prefs_set_flags(f->s, pf, false, false, &err), 0);
	struct reminders_report r = pass_at(f->s, start - 24 * HOUR);
	assert_int_equal(r.queued, 0);
	assert_int_equal(r.skipped, 5);
	assert_row(f, ac, 1440, "skipped", "cancelled");
	assert_row(f, ao, 1440, "skipped", "opted out");
	assert_row(f, an, 1440, "skipped", "opted out");
	assert_row(f, af, 1440, "skipped", "reminders are off");
	assert_row(f, am, 1440, "skipped", "no mobile");
	int n = 0;
	assert_int_equal(store_reminder_count_recent(f->s, pc, 0, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void reminders_pass__ignores__when_appointment_past(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Lou", "+14155550112", NULL);
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	int64_t a = appt(f, p, start);
	struct reminders_report r = pass_at(f->s, start + HOUR);
	assert_int_equal(r.queued + r.skipped + r.waiting, 0);
	assert_int_equal(row_count(f, a), 0);
}

static void reminders_pass__expires_waiting__when_cancelled_meanwhile(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Mo", "+14155550113", NULL);
	int64_t q = patient(f, "Ned", "+14155550114", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, q, clock_now(), "portal", "admin", "+14155550114", &err), 0);
	int64_t start = at(NY, 2026, 11, 13, 10, 0);
	int64_t a = appt(f, p, start), b = appt(f, q, start);
	assert_int_equal(pass_at(f->s, start - 24 * HOUR).queued, 2); /* 10:00 the day before */
	set_col(f->s, f->tenant, "reminder_slots", "24h,3h");
	/* 3 h before is 07:00: both wait for 08:00; then one appointment is cancelled. */
	assert_int_equal(pass_at(f->s, start - 3 * HOUR).waiting, 2);
	assert_row(f, a, 180, "waiting_quiet", "until 08:00");
	assert_row(f, b, 180, "waiting_quiet", NULL);
	assert_int_equal(store_appt_set_status(f->s, b, "cancelled", &err), 0);
	struct reminders_report r = pass_at(f->s, start - 2 * HOUR);
	assert_int_equal(r.expired, 1);
	assert_row(f, b, 180, "skipped", "cancelled");
	/* Without consent the second text within 24 h is held back when its time comes. */
	assert_row(f, a, 180, "skipped", "exemption: 1 reminder per day");
	assert_int_equal(reminder_msgs(f, p), 1);
	assert_int_equal(reminder_msgs(f, q), 1);
}

/* ---- exemption limits ---- */

static void reminders_pass__holds_back__when_no_consent_and_limits_reached(void **state)
{
	struct fx *f = *state;
	int64_t p = patient(f, "Ola", "+14155550115", NULL);
	/* Five appointments on five days: 1 a day is fine, the 4th in 7 days is held back. */
	int64_t ids[5];
	for (int d = 0; d < 5; d++)
		ids[d] = appt(f, p, at(NY, 2026, 11, 16 + d, 14, 0));
	for (int d = 0; d < 5; d++)
		pass_at(f->s, at(NY, 2026, 11, 15 + d, 14, 0));
	assert_row(f, ids[0], 1440, "queued", NULL);
	assert_row(f, ids[2], 1440, "queued", NULL);
	assert_row(f, ids[3], 1440, "skipped", "3 reminders per week");
	assert_row(f, ids[4], 1440, "skipped", "3 reminders per week");
	assert_int_equal(reminder_msgs(f, p), 3);
	/* Same day, second appointment: 1 per day. */
	int64_t q = patient(f, "Pia", "+14155550116", NULL);
	int64_t q1 = appt(f, q, at(NY, 2026, 11, 25, 10, 0));
	int64_t q2 = appt(f, q, at(NY, 2026, 11, 25, 15, 0));
	pass_at(f->s, at(NY, 2026, 11, 24, 10, 0));
	pass_at(f->s, at(NY, 2026, 11, 24, 15, 0));
	assert_row(f, q1, 1440, "queued", NULL);
	assert_row(f, q2, 1440, "skipped", "1 reminder per day");
}

static void reminders_pass__holds_back__when_longer_than_one_segment_without_consent(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	set_col(f->s, f->tenant, "reminder_template",
		"Hi {patientName}, this is {clinicName}. You have an appointment with {providerName} on "
		"{appointmentDate} at {appointmentTime}. Please arrive 15 minutes early and bring your insurance card. "
		"Call {clinicPhone}. Reply C to confirm, R to reschedule. Reply STOP to opt out.");
	int64_t p = patient(f, "Quinn", "+14155550117", NULL);
	int64_t q = patient(f, "Rae", "+14155550118", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, q, clock_now(), "verbal at desk", "staff1", "+14155550118", &err),
			 0);
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	int64_t a = appt(f, p, start), b = appt(f, q, start);
	pass_at(f->s, start - 24 * HOUR);
	assert_row(f, a, 1440, "skipped", "exemption: 2 segments");
	assert_row(f, b, 1440, "queued", NULL);
}

/* ---- rows follow their messages ---- */

static void store_reminder_sync_messages__marks_sent_and_failed__when_outbox_records(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Sam", "+14155550130", NULL);
	int64_t q = patient(f, "Tia", "+14155550131", NULL);
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	int64_t a = appt(f, p, start), b = appt(f, q, start);
	int64_t now = start - 24 * HOUR;
	assert_int_equal(pass_at(f->s, now).queued, 2);
	struct sms_message m1, m2;
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", now, &m1, &err), 0);
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", now, &m2, &err), 0);
	assert_int_equal(store_msg_record_sent(f->s, m1.id, "SM0123456789abcdef0123456789abcdef", "queued", 1, now, &err),
			 0);
	assert_int_equal(store_msg_record_failure(f->s, m2.id, 21610, "Attempt to send to unsubscribed recipient", true,
						  0, &err),
			 0);
	int changed = 0;
	assert_int_equal(store_reminder_sync_messages(f->s, &changed, &err), 0);
	assert_int_equal(changed, 2);
	int64_t sent_appt = m1.appointment_id, failed_appt = m2.appointment_id;
	assert_true((sent_appt == a && failed_appt == b) || (sent_appt == b && failed_appt == a));
	assert_row(f, sent_appt, 1440, "sent", NULL);
	assert_row(f, failed_appt, 1440, "failed", "21610");
	sms_message_free(&m1);
	sms_message_free(&m2);
	/* The screen's lists. */
	struct reminder_row *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_reminder_list(f->s, f->tenant, REMINDER_VIEW_SENT, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].r.status, "sent");
	reminder_row_list_free(&rows, n);
	assert_int_equal(store_reminder_list(f->s, f->tenant, REMINDER_VIEW_SKIPPED, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(rows[0].r.skip_reason, "21610"));
	reminder_row_list_free(&rows, n);
	struct reminder_counts c;
	assert_int_equal(store_reminder_counts(f->s, f->tenant, &c, &err), 0);
	assert_int_equal(c.sent, 1);
	assert_int_equal(c.failed, 1);
}


static void reminders_row_status__shows_message_state__when_delivered_or_undelivered(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Ugo", "+14155550180", NULL);
	int64_t q = patient(f, "Val", "+14155550181", NULL);
	int64_t start = at(NY, 2026, 11, 12, 16, 0);
	appt(f, p, start);
	appt(f, q, start);
	int64_t now = start - 24 * HOUR;
	assert_int_equal(pass_at(f->s, now).queued, 2);
	struct sms_message m1, m2;
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", now, &m1, &err), 0);
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", now, &m2, &err), 0);
	assert_int_equal(store_msg_record_sent(f->s, m1.id, "SM00000000000000000000000000000001", "queued", 1, now, &err), 0);
	assert_int_equal(store_msg_record_sent(f->s, m2.id, "SM00000000000000000000000000000002", "queued", 1, now, &err), 0);
	assert_int_equal(store_msg_update_status(f->s, "SM00000000000000000000000000000001", "delivered", 0, NULL, now + 5,
						 &err), 0);
	assert_int_equal(store_msg_update_status(f->s, "SM00000000000000000000000000000002", "undelivered", 30003,
						 "Unreachable destination handset", now + 5, &err), 0);
	/* no pass has synced the rows yet: the list shows what Twilio said all the same */
	struct reminder_row *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_reminder_list(f->s, f->tenant, REMINDER_VIEW_ALL, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(rows[i].r.status, "queued");
		char *why = reminders_row_reason(&rows[i]);
		if (rows[i].r.message_id == m1.id) {
			assert_string_equal(reminders_row_status(&rows[i]), "delivered");
			assert_null(why);
		} else {
			assert_string_equal(reminders_row_status(&rows[i]), "undelivered");
			assert_non_null(why);
			assert_string_equal(why, "Twilio error 30003: Unreachable destination handset");
		}
		free(why);
	}
	reminder_row_list_free(&rows, n);
	sms_message_free(&m1);
	sms_message_free(&m2);
	/* a row without a message shows its own status and reason */
	struct reminder_row none = {.r = {.status = "skipped", .skip_reason = "patient opted out of texts"}};
	assert_string_equal(reminders_row_status(&none), "skipped");
	char *why = reminders_row_reason(&none);
	assert_string_equal(why, "patient opted out of texts");
	free(why);
}

/* ---- send now ---- */

static void reminders_send_now__queues_once_a_day__when_pressed_twice(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Uma", "+14155550140", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, p, clock_now(), "portal", "admin", "+14155550140", &err), 0);
	int64_t start = at(NY, 2026, 11, 20, 15, 0);
	int64_t a = appt(f, p, start);
	clock_set_fake(at(NY, 2026, 11, 18, 11, 0));
	int64_t msg = 0;
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), 0);
	assert_true(msg > 0);
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), OUTBOX_REFUSED);
	assert_non_null(strstr(err, "already sent today"));
	xfree(&err);
	clock_set_fake(at(NY, 2026, 11, 19, 11, 0));
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), 0);
	assert_int_equal(reminder_msgs(f, p), 2);
	/* The audit log names who did it. */
	struct audit_entry *ae = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, 0, f->tenant, "reminder.queued", 0, &ae, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ae[0].username, "frontdesk");
	audit_entry_list_free(&ae, n);
}

static void reminders_send_now__refuses__when_not_allowed(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t msg = 0;
	int64_t p = patient(f, "Vic", "+14155550141", NULL);
	int64_t start = at(NY, 2026, 11, 20, 15, 0);
	int64_t a = appt(f, p, start);
	assert_int_equal(reminders_send_now(f->s, 999999, "frontdesk", &msg, &err), SD_NOTFOUND);
	xfree(&err);
	clock_set_fake(at(NY, 2026, 11, 19, 22, 30)); /* quiet hours */
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), OUTBOX_REFUSED);
	assert_non_null(strstr(err, "outside texting hours"));
	xfree(&err);
	clock_set_fake(start + MIN); /* started */
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), OUTBOX_REFUSED);
	xfree(&err);
	clock_set_fake(at(NY, 2026, 11, 19, 12, 0));
	assert_int_equal(store_prefs_set_opted_in(f->s, p, false, clock_now(), "staff", NULL, &err), 0);
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), OUTBOX_REFUSED);
	assert_non_null(strstr(err, "opted out"));
	xfree(&err);
	assert_int_equal(reminder_msgs(f, p), 0);
	assert_int_equal(row_count(f, a), 0);
}

/* ---- upcoming ---- */

static void reminders_upcoming__lists_next_slot__when_appointments_ahead(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	set_col(f->s, f->tenant, "reminder_slots", "72h,24h");
	int64_t p = patient(f, "Wes", "+14155550150", NULL);
	int64_t now = at(NY, 2026, 11, 1, 12, 0);
	int64_t a = appt(f, p, now + 5 * 24 * HOUR);
	struct reminder_upcoming *u = NULL;
	size_t n = 0;
	assert_int_equal(reminders_upcoming(f->s, f->tenant, now, 7 * 24 * HOUR, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].appointment_id, a);
	assert_int_equal(u[0].slot_minutes, 4320);
	assert_int_equal(u[0].due_at, now + 2 * 24 * HOUR);
	assert_null(u[0].note);
	reminder_upcoming_list_free(&u, n);
}


/* ---- templates: checked when saved, retried when fixed, {clinicPhone} without consent ---- */

static void reminders_check_template__warns__when_no_clinic_phone(void **state)
{
	char *err = NULL, *warn = NULL;
	assert_int_equal(reminders_check_template("Hi {patientName}, see you {appointmentDate}", false, &warn, &err), 0);
	assert_non_null(warn);
	assert_non_null(strstr(warn, "patients without consent on file will not get this reminder"));
	xfree(&warn);
	assert_int_equal(reminders_check_template("Hi {patientName}, call {clinicPhone}", false, &warn, &err), 0);
	assert_null(warn);
	/* unknown, risky without the admin's word, unclosed: refused, no warning */
	static const char *bad[] = {"Hi {patient}", "About {diagnosis} call {clinicPhone}", "Hi {patientName"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(reminders_check_template(bad[i], false, &warn, &err), -1);
		assert_null(warn);
		assert_non_null(err);
		xfree(&err);
	}
	assert_int_equal(reminders_check_template("About {diagnosis} call {clinicPhone}", true, &warn, &err), 0);
}

/* Collects tenant-level event names. */
static void ev_names(void *ctx, const struct reminder_event *ev)
{
	if (ev->appointment_id == 0)
		strncat((char *)ctx, ev->what, 200);
}

static void reminders_pass__retries__when_bad_template_fixed(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Xia", "+14155550160", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, p, clock_now(), "paper form", "admin", "+14155550160", &err), 0);
	int64_t start = at(NY, 2026, 11, 20, 15, 0);
	int64_t a = appt(f, p, start);
	/* a template stored before the save check (the store itself does not check variables) */
	set_col(f->s, f->tenant, "reminder_template", "Hi {patient}, see you {appointmentDate}");
	char events[512] = "";
	struct reminders_report r = {.on_event = ev_names, .event_ctx = events};
	clock_set_fake(start - 24 * HOUR + MIN);
	assert_int_equal(reminders_pass(f->s, clock_now(), &r, &err), 0);
	assert_int_equal(r.templates_invalid, 1);
	assert_non_null(strstr(events, "reminders.template_invalid"));
	reminders_report_clear(&r);
	assert_row(f, a, 1440, "skipped", "template: unknown variable {patient}");
	/* still broken: left alone, nothing sent */
	r = pass_at(f->s, start - 23 * HOUR);
	assert_int_equal(r.retried, 0);
	assert_row(f, a, 1440, "skipped", "template:");
	assert_int_equal(reminder_msgs(f, p), 0);
	/* fixed while the appointment is ahead: decided again and sent, once */
	set_col(f->s, f->tenant, "reminder_template", "Hi {patientName}, see you {appointmentDate}");
	r = pass_at(f->s, start - 22 * HOUR);
	assert_int_equal(r.retried, 1);
	assert_int_equal(r.queued, 1);
	assert_row(f, a, 1440, "queued", NULL);
	r = pass_at(f->s, start - 21 * HOUR);
	assert_int_equal(r.queued + r.retried, 0);
	assert_int_equal(reminder_msgs(f, p), 1);
}

static void reminders_pass__holds_back_no_consent__when_template_lacks_clinic_phone(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	set_col(f->s, f->tenant, "reminder_template", "Hi {patientName}, {clinicName} on {appointmentDate}. STOP to opt out.");
	int64_t p = patient(f, "Yan", "+14155550161", NULL); /* no consent */
	int64_t q = patient(f, "Zed", "+14155550162", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, q, clock_now(), "portal", "admin", "+14155550162", &err), 0);
	int64_t start = at(NY, 2026, 11, 20, 15, 0);
	int64_t a = appt(f, p, start), b = appt(f, q, start);
	pass_at(f->s, start - 24 * HOUR + MIN);
	assert_row(f, a, 1440, "skipped", "template: no {clinicPhone}");
	assert_row(f, b, 1440, "queued", NULL);
	/* send now says so too */
	int64_t msg = 0;
	clock_set_fake(start - 22 * HOUR);
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), OUTBOX_REFUSED);
	assert_non_null(strstr(err, "{clinicPhone}"));
	xfree(&err);
	/* the location without a phone number: {clinicPhone} would be empty */
	set_col(f->s, f->tenant, "reminder_template", "Hi {patientName}, call {clinicPhone}. STOP to opt out.");
	set_col(f->s, f->tenant, "phone", "");
	pass_at(f->s, start - 21 * HOUR);
	assert_row(f, a, 1440, "skipped", "no phone number");
	set_col(f->s, f->tenant, "phone", "+13125550100");
	pass_at(f->s, start - 20 * HOUR);
	assert_row(f, a, 1440, "queued", NULL);
	assert_int_equal(reminder_msgs(f, p), 1);
}

static void reminders_pass__default_template_fits_one_segment__when_no_consent(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t tid = 0;
	assert_int_equal(store_tenant_add(f->s, "Lakeside Family Clinic", NY, "+13125550100", &tid, &err), 0);
	set_col(f->s, tid, "account_sid", "AC0123456789abcdef0123456789abcdef");
	set_col(f->s, tid, "from_number", "+13125550198");
	struct tenant t = {0};
	assert_int_equal(store_tenant_get(f->s, tid, &t, &err), 0);
	assert_string_equal(t.reminder_template, TENANT_DEFAULT_TEMPLATE);
	assert_non_null(strstr(t.reminder_template, "{clinicPhone}"));
	tenant_free(&t);
	/* the longest date ("Wed, Sep 30") and time ("12:30 PM") with typical names, no consent */
	struct patient pt = {.tenant_id = tid, .first_name = "Maria", .last_name = "Lopez", .mobile = "+14155550170"};
	int64_t p = 0, a = 0;
	assert_int_equal(store_patient_add(f->s, &pt, &p, &err), 0);
	int64_t start = at(NY, 2026, 9, 30, 12, 30);
	struct appointment ap = {.tenant_id = tid, .patient_id = p, .provider = "Dr. Rivera", .starts_at = start,
				 .duration_min = 30, .status = "scheduled"};
	assert_int_equal(store_appt_add(f->s, &ap, &a, &err), 0);
	pass_at(f->s, start - 24 * HOUR + MIN);
	struct appt_reminder rr = row(f, a, 1440);
	assert_string_equal(rr.status, "queued");
	struct sms_message m;
	assert_int_equal(store_msg_get(f->s, rr.message_id, &m, &err), 0);
	assert_string_equal(m.body, "Hi Maria, Lakeside Family Clinic: visit Wed, Sep 30 at 12:30 PM. Call (312) "
				    "555-0100. Reply C to confirm, R to reschedule, X if you can't come, STOP to opt out.");
	assert_int_equal(m.segments, 1);
	assert_true(strlen(m.body) <= 160);
	sms_message_free(&m);
	appt_reminder_free(&rr);
}

/* ---- reminders off for a location ---- */

static void reminders_parse_slots__gives_no_slots__when_off_or_none(void **state)
{
	(void)state;
	static const char *off[] = {"off", "OFF", " Off ", "none", "\tNONE"};
	static const char *bad[] = {"of", "offf", "off,24h", "24h,off", "no", "off 24h", "o ff"};
	int m[REMINDER_MAX_SLOTS];
	size_t n = 9;
	char *err = NULL;
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		assert_true(reminders_slots_off(off[i]));
		assert_int_equal(reminders_parse_slots(off[i], m, &n, &err), 0);
		assert_int_equal(n, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(reminders_slots_off(bad[i]));
		if (reminders_parse_slots(bad[i], m, &n, &err) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		xfree(&err);
	}
	assert_false(reminders_slots_off(NULL));
	assert_false(reminders_slots_off("24h"));
}

/* Collects the events of a pass. */
struct ev_log {
	int n;
	char what[4][32], reason[4][32];
	int64_t tenant[4];
};
static void ev_collect(void *ctx, const struct reminder_event *ev)
{
	struct ev_log *l = ctx;
	if (l->n < 4) {
		snprintf(l->what[l->n], sizeof l->what[0], "%s", ev->what);
		snprintf(l->reason[l->n], sizeof l->reason[0], "%s", ev->reason ? ev->reason : "");
		l->tenant[l->n] = ev->tenant_id;
	}
	l->n++;
}

static void reminders_pass__skips_location_with_one_event__when_slots_off(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Xia", "+14155550160", NULL);
	assert_int_equal(store_prefs_set_consent(f->s, p, clock_now(), "portal", "admin", "+14155550160", &err), 0);
	int64_t start = at(NY, 2026, 11, 20, 15, 0);
	int64_t a = appt(f, p, start);
	/* the store takes "off" but not other words; an admin's "none" is stored as "off" by the callers */
	assert_int_equal(store_tenant_set(f->s, f->tenant, "reminder_slots", "off,24h", &err), -1);
	xfree(&err);
	set_col(f->s, f->tenant, "reminder_slots", REMINDER_SLOTS_OFF);

	struct ev_log log = {0};
	struct reminders_report r = {.on_event = ev_collect, .event_ctx = &log};
	clock_set_fake(start - 24 * HOUR + MIN);
	assert_int_equal(reminders_pass(f->s, clock_now(), &r, &err), 0);
	assert_null(r.last_error);
	assert_int_equal(r.queued, 0);
	assert_int_equal(r.tenants_off, 1);
	assert_int_equal(r.tenants_failed, 0);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.what[0], "reminders.off");
	assert_string_equal(log.reason[0], "reminders off");
	assert_int_equal(log.tenant[0], f->tenant);
	assert_int_equal(row_count(f, a), 0);
	assert_int_equal(reminder_msgs(f, p), 0);
	reminders_report_clear(&r);

	/* the template is kept */
	struct tenant t;
	assert_int_equal(store_tenant_get(f->s, f->tenant, &t, &err), 0);
	assert_string_equal(t.reminder_slots, "off");
	assert_non_null(strstr(t.reminder_template, "{patientName}"));
	tenant_free(&t);

	/* the screen still lists the appointment, saying why nothing will go */
	struct reminder_upcoming *u = NULL;
	size_t n = 0;
	assert_int_equal(reminders_upcoming(f->s, f->tenant, clock_now(), 7 * 24 * HOUR, &u, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(u[0].appointment_id, a);
	assert_int_equal(u[0].slot_minutes, 0);
	assert_int_equal(u[0].due_at, 0);
	assert_string_equal(u[0].note, "automatic reminders off");
	reminder_upcoming_list_free(&u, n);

	/* "send reminder now" still works */
	int64_t msg = 0;
	assert_int_equal(reminders_send_now(f->s, a, "frontdesk", &msg, &err), 0);
	assert_true(msg > 0);
	assert_int_equal(reminder_msgs(f, p), 1);

	/* switched on again: the scheduler takes the location up at its next pass */
	set_col(f->s, f->tenant, "reminder_slots", "24h");
	r = pass_at(f->s, start - 24 * HOUR + 2 * MIN);
	assert_int_equal(r.tenants_off, 0);
	assert_int_equal(r.queued, 1);
	reminders_report_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reminders_parse_slots__sorts_largest_first__when_mixed_units),
		cmocka_unit_test(reminders_parse_slots__rejects__when_malformed),
		cmocka_unit_test(reminders_check_template__rejects__when_unknown_variable),
		cmocka_unit_test_setup_teardown(reminders_pass__queues_once__when_run_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__one_message__when_two_connections_race, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__uses_absolute_hours__when_dst_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__waits_for_8am_pacific__when_patient_zone_differs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__skips__when_quiet_until_appointment, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__uses_clinic_quiet_hours__when_tenant_sets_them, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__sends_late__when_appointment_far_enough, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__skips_missed__when_too_close, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__sends_nearest_only__when_several_slots_overdue, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__skips_with_reason__when_cancelled_opted_out_or_off, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__ignores__when_appointment_past, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__expires_waiting__when_cancelled_meanwhile, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__holds_back__when_no_consent_and_limits_reached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__holds_back__when_longer_than_one_segment_without_consent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(store_reminder_sync_messages__marks_sent_and_failed__when_outbox_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_send_now__queues_once_a_day__when_pressed_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_send_now__refuses__when_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_upcoming__lists_next_slot__when_appointments_ahead, setup,
						teardown),
		cmocka_unit_test(reminders_parse_slots__gives_no_slots__when_off_or_none),
		cmocka_unit_test(reminders_check_template__warns__when_no_clinic_phone),
		cmocka_unit_test_setup_teardown(reminders_row_status__shows_message_state__when_delivered_or_undelivered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__retries__when_bad_template_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__holds_back_no_consent__when_template_lacks_clinic_phone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__default_template_fits_one_segment__when_no_consent, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reminders_pass__skips_location_with_one_event__when_slots_off, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
