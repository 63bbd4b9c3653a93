/* Tests for store/stats.c: volumes, delivery, cost, opt-outs and reminder answers over a
 * period, per location and for all of them, on a real SQLite file. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/stats.h"
#include "src/util.h"

#define NOW 1796000000
#define DAY 86400
#define SINCE (NOW - 30 * DAY)

struct fixture {
	struct store *s;
	int64_t a, b;      /* two locations */
	int64_t p[3];      /* patients of a */
	int64_t appt[3];
	int sid;
};

/* Stores an outbound message as Twilio reported it. */
static void out_msg(struct fixture *f, int64_t tenant, int64_t patient, const char *status, const char *type,
		    int segments, const char *media, int64_t at)
{
	char sid[40];
	snprintf(sid, sizeof(sid), "SM%032d", ++f->sid);
	struct sms_message m = {.tenant_id = tenant, .patient_id = patient, .twilio_sid = sid, .from_number = "+13125550000",
				.to_number = "+13125550101", .body = "hi", .segments = segments, .status = (char *)status,
				.message_type = (char *)type, .media_urls = (char *)media, .created_at = at};
	bool inserted = false;
	char *err = NULL;
	if (store_msg_insert_outbound_seen(f->s, &m, &inserted, &err) != 0)
		fail_msg("%s", err);
	assert_true(inserted);
}

/* Stores an inbound message. */
static void in_msg(struct fixture *f, int64_t tenant, int segments, int64_t at)
{
	char sid[40];
	snprintf(sid, sizeof(sid), "SM%032d", ++f->sid);
	struct sms_message m = {.tenant_id = tenant, .twilio_sid = sid, .from_number = "+13125550101",
				.to_number = "+13125550000", .body = "C", .segments = segments, .created_at = at};
	bool inserted = false;
	assert_int_equal(store_msg_insert_inbound(f->s, &m, NULL, &inserted, NULL), 0);
}

/* Adds a reminder row; returns its id. */
static int64_t reminder(struct fixture *f, int64_t appt, int slot, const char *status, int64_t due)
{
	int64_t id = 0;
	bool inserted = false;
	char *err = NULL;
	if (store_reminder_insert(f->s, f->a, appt, slot, due, status, strcmp(status, "skipped") == 0 ? "quiet" : NULL,
				  due, &id, &inserted, &err) != 0)
		fail_msg("%s", err);
	assert_true(inserted);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "A", "UTC", "", &f->a, &err), 0);
	assert_int_equal(store_tenant_add(f->s, "B", "UTC", "", &f->b, &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->b, "segment_price_micros", "10000", &err), 0);
	static const char *const mobiles[] = {"+13125550101", "+13125550102", "+13125550103"};
	for (int i = 0; i < 3; i++) {
		struct patient p = {.tenant_id = f->a, .first_name = "P", .last_name = "Q", .mobile = (char *)mobiles[i]};
		assert_int_equal(store_patient_add(f->s, &p, &f->p[i], &err), 0);
		struct appointment ap = {.tenant_id = f->a, .patient_id = f->p[i], .provider = "Dr", .starts_at = NOW + DAY};
		assert_int_equal(store_appt_add(f->s, &ap, &f->appt[i], &err), 0);
	}
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

static void store_stats_get__counts_and_prices__when_mixed_messages(void **state)
{
	struct fixture *f = *state;
	int64_t in = NOW - 5 * DAY;
	out_msg(f, f->a, f->p[0], "delivered", "reminder", 1, NULL, in);     /* 7,900 */
	out_msg(f, f->a, f->p[1], "delivered", "conversation", 3, NULL, in); /* 23,700 */
	out_msg(f, f->a, f->p[0], "undelivered", "conversation", 2, NULL, in); /* billed: 15,800 */
	out_msg(f, f->a, f->p[1], "failed", "auto_reply", 1, NULL, in);      /* not billed */
	out_msg(f, f->a, f->p[2], "queued", "reminder", 1, NULL, in);        /* not billed yet */
	out_msg(f, f->a, f->p[2], "sent", "campaign", 1, "[\"https://example.com/a.jpg\"]", in); /* MMS 20,000 */
	out_msg(f, f->a, f->p[2], "canceled", "conversation", 1, NULL, in);  /* not counted */
	in_msg(f, f->a, 1, in);                                              /* 7,900 */
	in_msg(f, f->a, 2, in);                                              /* 15,800 */
	out_msg(f, f->a, f->p[0], "delivered", "conversation", 1, NULL, SINCE - 1); /* before */
	out_msg(f, f->a, f->p[0], "delivered", "conversation", 1, NULL, NOW);       /* at the end: after */
	out_msg(f, f->b, 0, "delivered", "conversation", 2, NULL, in);       /* B: 20,000 */

	struct sms_stats st;
	char *err = NULL;
	assert_int_equal(store_stats_get(f->s, f->a, SINCE, NOW, &st, &err), 0);
	assert_int_equal(st.sent, 6);
	assert_int_equal(st.received, 2);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.in_flight, 2);
	assert_int_equal(st.sent_reminder, 2);
	assert_int_equal(st.sent_conversation, 2);
	assert_int_equal(st.sent_automatic, 1);
	assert_int_equal(st.sent_campaign, 1);
	assert_int_equal(st.patients_texted, 3);
	assert_int_equal(st.segments_out, 9);
	assert_int_equal(st.segments_in, 3);
	assert_int_equal(st.mms_out, 1);
	assert_int_equal(st.cost_micros, 7900 + 23700 + 15800 + 20000 + 7900 + 15800);

	/* Every location: B's message at B's price. */
	assert_int_equal(store_stats_get(f->s, 0, SINCE, NOW, &st, &err), 0);
	assert_int_equal(st.sent, 7);
	assert_int_equal(st.cost_micros, 7900 + 23700 + 15800 + 20000 + 7900 + 15800 + 20000);
}

static void store_stats_get__counts_optouts_and_answers__in_period(void **state)
{
	struct fixture *f = *state;
	char *err = NULL;
	assert_int_equal(store_optout_number(f->s, f->a, "+13125550101", NOW - 5 * DAY, "sms", "STOP", &err), 0);
	assert_int_equal(store_optout_number(f->s, f->a, "+13125550102", NOW - 2 * DAY, "import", NULL, &err), 0);
	assert_int_equal(store_optout_number(f->s, f->a, "+13125550103", NOW - 40 * DAY, "staff", NULL, &err), 0);
	assert_int_equal(store_optout_number(f->s, f->b, "+13125550199", NOW - DAY, "carrier", NULL, &err), 0);

	/* Two slots remind appointment 0 and the answer lands on the later one. */
	reminder(f, f->appt[0], 4320, "queued", NOW - 3 * DAY);
	int64_t r1 = reminder(f, f->appt[0], 1440, "queued", NOW - 2 * DAY);
	int64_t r2 = reminder(f, f->appt[1], 1440, "queued", NOW - DAY);
	reminder(f, f->appt[2], 1440, "skipped", NOW - DAY);
	int64_t old = reminder(f, f->appt[2], 120, "queued", NOW - 40 * DAY);
	assert_int_equal(store_reminder_set_response(f->s, r1, "confirmed", NOW - DAY, &err), 0);
	assert_int_equal(store_reminder_set_response(f->s, r2, "cancelled", NOW - DAY, &err), 0);
	assert_int_equal(store_reminder_set_response(f->s, old, "reschedule", NOW - 39 * DAY, &err), 0);

	struct sms_stats st;
	assert_int_equal(store_stats_get(f->s, f->a, SINCE, NOW, &st, &err), 0);
	assert_int_equal(st.optouts, 2);
	assert_int_equal(st.optouts_sms, 1);
	assert_int_equal(st.optouts_import, 1);
	assert_int_equal(st.optouts_staff, 0);
	assert_int_equal(st.optouts_carrier, 0);
	assert_int_equal(st.reminders_sent, 3);
	assert_int_equal(st.appointments_reminded, 2);
	assert_int_equal(st.reminders_skipped, 1);
	assert_int_equal(st.confirmed, 1);
	assert_int_equal(st.cancelled, 1);
	assert_int_equal(st.reschedule, 0);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.cost_micros, 0);

	assert_int_equal(store_stats_get(f->s, 0, SINCE, NOW, &st, &err), 0);
	assert_int_equal(st.optouts, 3);
	assert_int_equal(st.optouts_carrier, 1);
}

static void store_stats_get__refuses__when_period_empty(void **state)
{
	struct fixture *f = *state;
	struct sms_stats st;
	char *err = NULL;
	assert_int_equal(store_stats_get(f->s, f->a, NOW, NOW, &st, &err), -1);
	assert_non_null(err);
	free(err);
	/* An empty database is all zeros, not an error. */
	assert_int_equal(store_stats_get(f->s, f->a, SINCE, NOW, &st, NULL), 0);
	assert_int_equal(st.sent + st.received + st.cost_micros + st.optouts + st.reminders_sent, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(store_stats_get__counts_and_prices__when_mixed_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(store_stats_get__counts_optouts_and_answers__in_period, setup, teardown),
		cmocka_unit_test_setup_teardown(store_stats_get__refuses__when_period_empty, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
