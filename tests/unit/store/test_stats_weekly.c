/* Tests for store/stats_weekly.c: rates by location and week on the clinic's Mondays, and
 * no-shows after a reminder against without one, on a real SQLite file. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/stats.h"
#include "src/util.h"

#define NOW 1796000000 /* Monday 2026-11-30 00:53:20 UTC */
#define DAY 86400
#define MONDAY (NOW - 3200)

struct fixture {
	struct store *s;
	int64_t a;
	int64_t p[3];
	int sid;
};

static void msg(struct fixture *f, bool inbound, int64_t patient, const char *number, const char *status,
		const char *type, int64_t at)
{
	char sid[40];
	snprintf(sid, sizeof(sid), "SM%032d", ++f->sid);
	struct sms_message m = {.tenant_id = f->a, .patient_id = patient, .twilio_sid = sid,
				.from_number = inbound ? (char *)number : "+13125550000",
				.to_number = inbound ? "+13125550000" : (char *)number, .body = "hi", .segments = 1,
				.status = (char *)status, .message_type = (char *)type, .created_at = at};
	bool inserted = false;
	char *err = NULL;
	int rc = inbound ? store_msg_insert_inbound(f->s, &m, NULL, &inserted, &err)
			 : store_msg_insert_outbound_seen(f->s, &m, &inserted, &err);
	if (rc != 0)
		fail_msg("%s", err);
}

static int64_t visit(struct fixture *f, int64_t patient, int64_t at, const char *status, bool reminded)
{
	char *err = NULL;
	int64_t id = 0, rid = 0;
	bool ins = false;
	struct appointment ap = {.tenant_id = f->a, .patient_id = patient, .provider = "Dr", .starts_at = at};
	assert_int_equal(store_appt_add(f->s, &ap, &id, &err), 0);
	assert_int_equal(store_appt_set_status(f->s, id, status, &err), 0);
	if (reminded)
		assert_int_equal(store_reminder_insert(f->s, f->a, id, 1440, at - DAY, "sent", NULL, at - DAY, &rid, &ins, &err), 0);
	return rid;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "A", "UTC", "", &f->a, &err), 0);
	static const char *const mobiles[] = {"+13125550101", "+13125550102", "+13125550103"};
	for (int i = 0; i < 3; i++)
		f->p[i] = tu_patient_add(f->s, f->a, "P", "Q", mobiles[i]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(&f->s);
	clock_set_fake(0);
	free(f);
	return 0;
}

static void store_stats_weekly__rates_per_week__on_the_clinics_mondays(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	msg(f, false, f->p[0], "+13125550101", "delivered", "reminder", NOW - 2 * DAY);
	msg(f, false, f->p[1], "+13125550102", "failed", "conversation", NOW - 2 * DAY);
	msg(f, true, 0, "+13125550101", "received", NULL, NOW - 2 * DAY + 60);
	msg(f, false, f->p[2], "+13125550103", "delivered", "campaign", NOW + 3600);
	int64_t r0 = visit(f, f->p[0], NOW - DAY, "completed", true);
	visit(f, f->p[1], NOW - DAY, "no_show", true);
	assert_int_equal(store_reminder_set_response(f->s, r0, "confirmed", NOW - DAY - 100, &err), 0);

	struct stats_week *w = NULL;
	size_t n = 0;
	assert_int_equal(store_stats_weekly(f->s, f->a, NOW - 30 * DAY, NOW + DAY, 0, &w, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(w[0].week_start, MONDAY - 7 * DAY);
	assert_int_equal(w[0].sent, 2);
	assert_int_equal(w[0].delivered, 1);
	assert_int_equal(w[0].final, 2);
	assert_int_equal(w[0].texted, 2);
	assert_int_equal(w[0].replied, 1);
	assert_int_equal(w[0].reminded, 2);
	assert_int_equal(w[0].confirmed, 1);
	assert_int_equal(w[0].cost_micros, 2 * 7900); /* the delivered text and the reply; a failed one is not billed */
	assert_int_equal(w[1].week_start, MONDAY);
	assert_int_equal(w[1].campaign, 1);
	stats_week_list_free(&w, n);

	/* In Chicago (UTC-6) Monday 01:53 UTC is still Sunday: one week only. */
	assert_int_equal(store_stats_weekly(f->s, f->a, NOW - 30 * DAY, NOW + DAY, -6 * 3600, &w, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(w[0].sent, 3);
	assert_int_equal(w[0].week_start, MONDAY - 7 * DAY + 6 * 3600);
	stats_week_list_free(&w, n);
}

static void store_stats_noshow__splits_by_reminder__when_visits_are_over(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	visit(f, f->p[0], NOW - 3 * DAY, "completed", true);
	visit(f, f->p[1], NOW - 3 * DAY, "no_show", true);
	visit(f, f->p[2], NOW - 3 * DAY, "no_show", false);
	visit(f, f->p[0], NOW - 2 * DAY, "completed", false);
	visit(f, f->p[1], NOW - 2 * DAY, "completed", false);
	visit(f, f->p[2], NOW + 2 * DAY, "scheduled", true); /* not over: not counted */
	struct stats_noshow ns;
	assert_int_equal(store_stats_noshow(f->s, f->a, NOW - 30 * DAY, NOW + 30 * DAY, &ns, &err), 0);
	assert_int_equal(ns.reminded, 2);
	assert_int_equal(ns.reminded_noshow, 1);
	assert_int_equal(ns.unreminded, 3);
	assert_int_equal(ns.unreminded_noshow, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(store_stats_weekly__rates_per_week__on_the_clinics_mondays, setup, teardown),
	    cmocka_unit_test_setup_teardown(store_stats_noshow__splits_by_reminder__when_visits_are_over, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
