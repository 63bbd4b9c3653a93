/* Tests for src/demo.c: the demo clinic lands in a real store with everything it promises. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "src/demo.h"
#include "src/phone.h"
#include "src/tz.h"
#include "src/util.h"

#define NOW 1796212800 /* 2026-12-02 12:00 UTC, a Wednesday */

struct fixture {
	struct store *s;
	char *path;
	int64_t tenant;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	clock_set_fake(NOW);
	f->s = tu_store_new(&f->path);
	char *err = NULL;
	assert_int_equal(store_tenant_add(f->s, "Lakeside Family Clinic", "America/Chicago", "+13125550100",
					  &f->tenant, &err),
			 0);
	if (demo_populate(f->s, f->tenant, NOW, &err) != 0)
		fail_msg("demo_populate: %s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(&f->s);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

static void demo_populate__adds_thirty_patients__when_clinic_empty(void **state)
{
	struct fixture *f = *state;
	struct patient *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, DEMO_PATIENTS);
	int other_zone = 0, accented = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(phone_is_e164(list[i].mobile));
		if (list[i].timezone != NULL) {
			assert_true(tz_valid(list[i].timezone));
			other_zone++;
		}
		for (const char *p = list[i].last_name; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				accented++;
				break;
			}
	}
	assert_true(other_zone >= 1);
	assert_true(accented >= 3);
	patient_list_free(&list, n);
	/* A family shares one phone. */
	assert_int_equal(store_patient_by_mobile(f->s, f->tenant, "+13125550111", &list, &n, &err), 0);
	assert_int_equal(n, 3);
	patient_list_free(&list, n);
}

static void demo_populate__books_next_week__when_run(void **state)
{
	struct fixture *f = *state;
	struct appointment *all = NULL, *week = NULL;
	size_t n_all = 0, n_week = 0;
	char *err = NULL;
	/* Upcoming visits all fall in the next week; the past ones (campaigns) are all completed. */
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, NOW, INT64_MAX, &all, &n_all, &err), 0);
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, NOW, NOW + 7 * 86400, &week, &n_week, &err), 0);
	assert_true(n_all >= 20);
	assert_int_equal(n_all, n_week);
	struct appointment *past = NULL;
	size_t n_past = 0;
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, 0, NOW, &past, &n_past, &err), 0);
	assert_int_equal(n_past, 30 + 3); /* one for each patient, three procedures a week ago */
	for (size_t i = 0; i < n_past; i++)
		assert_string_equal(past[i].status, "completed");
	appointment_list_free(&past, n_past);
	int cancelled = 0, confirmed = 0;
	for (size_t i = 0; i < n_week; i++) {
		cancelled += strcmp(week[i].status, "cancelled") == 0;
		confirmed += strcmp(week[i].status, "confirmed") == 0;
		/* Office hours in the clinic's zone. */
		struct tm tm;
		assert_int_equal(tz_local("America/Chicago", week[i].starts_at, &tm), 0);
		assert_true(tm.tm_hour >= 8 && tm.tm_hour < 18);
	}
	assert_int_equal(cancelled, 1);
	assert_int_equal(confirmed, 2); /* Ana by "C", Emily by "sí, confirmo" */
	appointment_list_free(&all, n_all);
	appointment_list_free(&week, n_week);
}

static void demo_populate__writes_threads__when_run(void **state)
{
	struct fixture *f = *state;
	struct sms_message *msgs = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_msg_list(f->s, f->tenant, 0, 0, &msgs, &n, &err), 0);
	assert_true(n >= 15);
	bool emoji = false, long_one = false, escape = false, failed = false, ucs2 = false;
	for (size_t i = 0; i < n; i++) {
		const char *b = msgs[i].body;
		emoji |= strstr(b, "\xF0\x9F") != NULL;
		long_one |= strlen(b) == 600 && msgs[i].segments == 4;
		escape |= strchr(b, 0x1b) != NULL;
		failed |= msgs[i].error_code == 30003 && strcmp(msgs[i].status, "failed") == 0;
		ucs2 |= strcmp(msgs[i].encoding, "UCS-2") == 0;
		/* Nothing is left for the outbox to send now: history, and one message staff
		 * scheduled for tomorrow (send later). */
		if (strcmp(msgs[i].status, "queued") == 0) {
			assert_true(msgs[i].next_attempt_at > NOW + 3600);
			continue;
		}
		assert_non_null(msgs[i].twilio_sid);
	}
	assert_true(emoji && long_one && escape && failed && ucs2);
	sms_message_list_free(&msgs, n);
	int unread = 0;
	assert_int_equal(store_unread_total(f->s, f->tenant, &unread, &err), 0);
	assert_true(unread >= 4);
	struct sms_thread *threads = NULL;
	assert_int_equal(
	    store_thread_list(f->s, f->tenant, THREAD_FILTER_ACTION, NULL, 0, 0, &threads, &n, &err), 0);
	assert_true(n >= 1);
	sms_thread_list_free(&threads, n);
}

/* Each front-desk lane has something to show: replies for a person, failed deliveries of
 * several causes, a note, an assignment, the archive, quick replies, a scheduled message. */
static void demo_populate__fills_front_desk_lanes__when_run(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	int lane = 0, archived = 0, assigned = 0;
	assert_int_equal(store_thread_count(f->s, f->tenant, THREAD_FILTER_NEEDS_HUMAN, 0, &lane, &err), 0);
	assert_int_equal(lane, 2);
	assert_int_equal(store_thread_count(f->s, f->tenant, THREAD_FILTER_ARCHIVED, 0, &archived, &err), 0);
	assert_int_equal(archived, 1);
	assert_int_equal(store_thread_count(f->s, f->tenant, THREAD_FILTER_MINE, THREAD_FRONT_DESK, &assigned, &err), 0);
	assert_true(assigned >= 1);
	struct failed_delivery *w = NULL;
	size_t n = 0;
	assert_int_equal(store_worklist_list(f->s, f->tenant, 0, 0, &w, &n, &err), 0);
	assert_int_equal(n, 5);
	failed_delivery_list_free(&w, n);
	struct canned_reply *c = NULL;
	assert_int_equal(store_canned_list(f->s, f->tenant, &c, &n, &err), 0);
	assert_int_equal(n, 3);
	canned_reply_list_free(&c, n);
	struct scheduled_send *later = NULL;
	assert_int_equal(store_scheduled_list(f->s, f->tenant, 0, NOW, &later, &n, &err), 0);
	assert_int_equal(n, 1);
	scheduled_send_list_free(&later, n);
}

static void demo_populate__opts_out_one_number__when_run(void **state)
{
	struct fixture *f = *state;
	bool out = false;
	char *err = NULL;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, "+13125550106", &out, &err), 0);
	assert_true(out);
	assert_int_equal(store_number_opted_out(f->s, f->tenant, "+13125550101", &out, &err), 0);
	assert_false(out);
	struct patient *list = NULL;
	size_t n = 0;
	assert_int_equal(store_patient_by_mobile(f->s, f->tenant, "+13125550106", &list, &n, &err), 0);
	assert_int_equal(n, 1);
	struct sms_prefs prefs;
	assert_int_equal(store_prefs_get(f->s, list[0].id, &prefs, &err), 0);
	assert_false(prefs.opted_in);
	assert_string_equal(prefs.opted_out_via, "sms");
	sms_prefs_free(&prefs);
	patient_list_free(&list, n);
}

static void demo_populate__refuses__when_clinic_has_patients(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(demo_populate(f->s, f->tenant, NOW, &err), -1);
	assert_non_null(strstr(err, "already has patients"));
	free(err);
	err = NULL;
	assert_int_equal(demo_populate(f->s, 9999, NOW, &err), -1);
	assert_non_null(err);
	free(err);
	struct patient *list = NULL;
	size_t n = 0;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, DEMO_PATIENTS);
	patient_list_free(&list, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(demo_populate__adds_thirty_patients__when_clinic_empty, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(demo_populate__books_next_week__when_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(demo_populate__fills_front_desk_lanes__when_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(demo_populate__writes_threads__when_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(demo_populate__opts_out_one_number__when_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(demo_populate__refuses__when_clinic_has_patients, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
