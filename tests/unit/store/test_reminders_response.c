/* Tests for store/reminders.c: the latest reminded appointment of a number, responses. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/util.h"

#define NOW 1800000000LL

struct fx {
	struct store *s;
	char *path;
	sqlite3 *raw;
	int64_t tenant;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(&f->path);
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", "+15550102000", &f->tenant, &err), 0);
	assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
	sqlite3_busy_timeout(f->raw, 5000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sqlite3_close(f->raw);
	store_close(&f->s);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

static int64_t patient(struct fx *f, const char *first, const char *mobile)
{
	struct patient p = {.tenant_id = f->tenant, .first_name = (char *)first, .last_name = "Doe", .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_patient_add(f->s, &p, &id, &err), 0);
	return id;
}

static int64_t appt(struct fx *f, int64_t patient_id, int64_t starts_at, const char *status)
{
	struct appointment a = {.tenant_id = f->tenant, .patient_id = patient_id, .provider = "Dr. Lee",
				.starts_at = starts_at, .status = (char *)status};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_appt_add(f->s, &a, &id, &err), 0);
	return id;
}

/* A reminder row as the scheduler writes it (raw SQL: this module does not own inserts). */
static int64_t reminder(struct fx *f, int64_t appt_id, int slot, const char *status, int64_t sent_at)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "INSERT INTO appointment_sms_reminders (tenant_id, appointment_id, slot_minutes, "
					    "due_at, status, sent_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, f->tenant);
	sqlite3_bind_int64(st, 2, appt_id);
	sqlite3_bind_int(st, 3, slot);
	sqlite3_bind_int64(st, 4, sent_at ? sent_at : NOW - 60);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	if (sent_at)
		sqlite3_bind_int64(st, 6, sent_at);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(f->raw);
}

static void reminder_latest__finds_most_recent__when_several(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Ann", "+15550100001");
	int64_t a1 = appt(f, p, NOW + 86400, "scheduled");
	int64_t a2 = appt(f, p, NOW + 3 * 86400, "scheduled");
	reminder(f, a1, 1440, "sent", NOW - 7200);
	int64_t r2 = reminder(f, a2, 4320, "sent", NOW - 600);
	int64_t got_a = 0, got_r = 0;
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "+15550100001", NOW, &got_a, &got_r, &err), 0);
	assert_int_equal(got_a, a2);
	assert_int_equal(got_r, r2);
}

static void reminder_latest__skips_past_cancelled_and_unsent__when_present(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Ann", "+15550100001");
	int64_t past = appt(f, p, NOW - 60, "scheduled");
	int64_t gone = appt(f, p, NOW + 86400, "cancelled");
	int64_t waiting = appt(f, p, NOW + 2 * 86400, "scheduled");
	int64_t ok = appt(f, p, NOW + 5 * 86400, "confirmed");
	reminder(f, past, 60, "sent", NOW - 100);
	reminder(f, gone, 1440, "sent", NOW - 50);
	reminder(f, waiting, 1440, "pending", 0);
	reminder(f, waiting, 2880, "skipped", 0);
	int64_t r_ok = reminder(f, ok, 7200, "queued", 0);
	int64_t got_a = 0, got_r = 0;
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "+15550100001", NOW, &got_a, &got_r, &err), 0);
	assert_int_equal(got_a, ok);
	assert_int_equal(got_r, r_ok);
}

static void reminder_latest__covers_family__when_number_shared(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t mom = patient(f, "Mom", "+15550100009");
	int64_t kid = patient(f, "Kid", "+15550100009");
	int64_t a_mom = appt(f, mom, NOW + 86400, "scheduled");
	int64_t a_kid = appt(f, kid, NOW + 2 * 86400, "scheduled");
	reminder(f, a_mom, 1440, "sent", NOW - 3600);
	reminder(f, a_kid, 2880, "sent", NOW - 60);
	int64_t got_a = 0;
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "+15550100009", NOW, &got_a, NULL, &err), 0);
	assert_int_equal(got_a, a_kid);
}

static void reminder_latest__notfound__when_none_or_other_number(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Ann", "+15550100001");
	appt(f, p, NOW + 86400, "scheduled"); /* no reminder row */
	int64_t a = 0, r = 0;
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "+15550100001", NOW, &a, &r, &err), SD_NOTFOUND);
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "+15550100002", NOW, &a, &r, &err), SD_NOTFOUND);
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, "'; DROP TABLE patients; --", NOW, &a, &r, &err),
			 SD_NOTFOUND);
	assert_int_equal(store_reminder_latest_for_phone(f->s, f->tenant, NULL, NOW, &a, &r, &err), SD_NOTFOUND);
	/* Another tenant's patient with the same number is not ours. */
	int64_t other = 0;
	assert_int_equal(store_tenant_add(f->s, "Elm Clinic", "America/Chicago", "", &other, &err), 0);
	int64_t a1 = appt(f, p, NOW + 86400, "scheduled");
	reminder(f, a1, 1440, "sent", NOW - 60);
	assert_int_equal(store_reminder_latest_for_phone(f->s, other, "+15550100001", NOW, &a, &r, &err), SD_NOTFOUND);
}

static void reminder_set_response__records__when_valid(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t p = patient(f, "Ann", "+15550100001");
	int64_t a = appt(f, p, NOW + 86400, "scheduled");
	int64_t r = reminder(f, a, 1440, "sent", NOW - 60);
	assert_int_equal(store_reminder_set_response(f->s, r, "confirmed", NOW, &err), 0);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT response, response_at FROM appointment_sms_reminders WHERE id = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, r);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "confirmed");
	assert_int_equal(sqlite3_column_int64(st, 1), NOW);
	sqlite3_finalize(st);
	assert_int_equal(store_reminder_set_response(f->s, r, "maybe", NOW, &err), -1);
	xfree(&err);
	assert_int_equal(store_reminder_set_response(f->s, r, NULL, NOW, &err), -1);
	xfree(&err);
	assert_int_equal(store_reminder_set_response(f->s, 987654, "cancelled", NOW, &err), -1);
	xfree(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reminder_latest__finds_most_recent__when_several, setup, teardown),
		cmocka_unit_test_setup_teardown(reminder_latest__skips_past_cancelled_and_unsent__when_present, setup, teardown),
		cmocka_unit_test_setup_teardown(reminder_latest__covers_family__when_number_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(reminder_latest__notfound__when_none_or_other_number, setup, teardown),
		cmocka_unit_test_setup_teardown(reminder_set_response__records__when_valid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
