/* Replies in plain words, end to end through the simulator: who confirms an opt-out Twilio
 * did not answer, "YES" after a reminder, "Cancel" that opts out with an appointment booked. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/keywords.h"
#include "src/outbox.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"

#define NOW 1800000000LL /* 2027-01-15 08:00 UTC */
#define CLINIC_NUMBER "+13125550100"

struct fx {
	struct sim *sim;
	struct store *s;
	char *path;
	sqlite3 *raw;
	struct twilio_client *c;
	struct tenant t;
};

static void reload_tenant(struct fx *f)
{
	char *err = NULL;
	int64_t id = f->t.id;
	tenant_free(&f->t);
	assert_int_equal(store_tenant_get(f->s, id, &f->t, &err), 0);
}

static void set_replies_by(struct fx *f, const char *who)
{
	char *err = NULL;
	assert_int_equal(store_tenant_set(f->s, f->t.id, "optout_replies_by", who, &err), 0);
	reload_tenant(f);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->sim = st_sim_start(1);
	f->c = st_sim_client(f->sim, 0);
	f->s = tu_store_new(&f->path);
	assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
	sqlite3_busy_timeout(f->raw, 5000);
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", "+13125550199", &f->t.id, &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->t.id, "from_number", CLINIC_NUMBER, &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->t.id, "account_sid", sim_account_sid(f->sim), &err), 0);
	reload_tenant(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sqlite3_close(f->raw);
	store_close(&f->s);
	twilio_client_free(&f->c);
	sim_stop(&f->sim);
	tenant_free(&f->t);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

static int64_t add_patient(struct fx *f, const char *first, const char *mobile)
{
	struct patient p = {.tenant_id = f->t.id, .first_name = (char *)first, .last_name = "Rivera",
			    .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	if (store_patient_add(f->s, &p, &id, &err) != 0)
		fail_msg("store_patient_add: %s", err);
	return id;
}

/* An upcoming appointment (starts_in seconds from now) whose reminder went out `ago` seconds
 * before now. */
static int64_t reminded_appt(struct fx *f, int64_t patient_id, int64_t starts_in, int64_t ago)
{
	return tu_reminded_appt(f->s, f->raw, f->t.id, patient_id, NOW + starts_in, NOW - ago, NULL);
}

static void inject(struct fx *f, const char *from, const char *body)
{
	assert_int_equal(sim_inject_inbound(f->sim, from, CLINIC_NUMBER, body, NULL), 0);
}

static struct twilio_client *client_for(void *ctx, int64_t tenant_id, char **err)
{
	(void)tenant_id;
	(void)err;
	return ctx;
}

/* Polls and drains the outbox to the simulator. */
static void exchange(struct fx *f)
{
	struct poll_stats ps = {0};
	struct outbox_stats os = {0};
	char *err = NULL;
	if (poll_inbound(f->s, f->c, &f->t, &ps, &err) != 0)
		fail_msg("poll_inbound: %s", err);
	if (outbox_drain(f->s, client_for, f->c, "test", 0, &os, &err) != 0)
		fail_msg("outbox_drain: %s", err);
}

/* Raw SQL on the second connection: what the store wrote, seen from outside. */
static int64_t q_int(struct fx *f, const char *sql, const char *text, int64_t num)
{
	return tu_q_int(f->raw, sql, text, num);
}

static char *q_text(struct fx *f, const char *sql, const char *text, int64_t num)
{
	return tu_q_text(f->raw, sql, text, num);
}

static bool opted_out(struct fx *f, const char *phone)
{
	bool out = false;
	char *err = NULL;
	assert_int_equal(store_number_opted_out(f->s, f->t.id, phone, &out, &err), 0);
	return out;
}

/* Confirmations smsdesk queued to phone, of one type. */
static int64_t confirmations(struct fx *f, const char *phone, const char *type)
{
	char *sql = xasprintf("SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND message_type = '%s'", type);
	int64_t n = q_int(f, sql, phone, 0);
	free(sql);
	return n;
}

static void inbound__confirms_once__when_twilio_did_not_answer(void **state)
{
	struct fx *f = *state;
	set_replies_by(f, "twilio");
	/* Twilio answers (and blocks) only its exact words; the rest reach us unanswered. */
	static const struct {
		const char *body;
		bool twilio_answers;
	} cases[] = {
		{"STOP", true},         {" stop\n", true},  {"Cancel", true},      {"Stop.", false},
		{"stop please", false}, {"opt out", false}, {"Please STOP!", false}, {"OPT-OUT", false},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	char phone[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555810%zu", i);
		inject(f, phone, cases[i].body);
	}
	exchange(f);
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555810%zu", i);
		if (!opted_out(f, phone))
			fail_msg("\"%s\" did not opt out", cases[i].body);
		int64_t ours = confirmations(f, phone, "optout_confirm");
		if (ours != (cases[i].twilio_answers ? 0 : 1))
			fail_msg("\"%s\": %lld confirmation(s) from smsdesk", cases[i].body, (long long)ours);
		/* The carrier did not block the unanswered ones: ours reached the patient. */
		assert_int_equal(sim_outbound_count_to(f->sim, phone), cases[i].twilio_answers ? 0 : 1);
		if (!cases[i].twilio_answers) {
			char *body = sim_outbound_body(f->sim, phone, 0);
			assert_non_null(strstr(body, "unsubscribed"));
			free(body);
		}
	}
	/* Back in: Twilio answers "START", smsdesk answers "start." (Twilio did not). */
	clock_set_fake(NOW + 60);
	inject(f, "+13125558103", "start.");
	inject(f, "+13125558100", "START");
	exchange(f);
	assert_false(opted_out(f, "+13125558103"));
	assert_false(opted_out(f, "+13125558100"));
	assert_int_equal(confirmations(f, "+13125558103", "optin_confirm"), 1);
	assert_int_equal(sim_outbound_count_to(f->sim, "+13125558103"), 2);
	assert_int_equal(confirmations(f, "+13125558100", "optin_confirm"), 0);
}

static void inbound__confirms_once__when_smsdesk_replies(void **state)
{
	struct fx *f = *state;
	set_replies_by(f, "smsdesk");
	static const char *bodies[] = {"STOP", "Stop.", "stop please"};
	char phone[32];
	for (size_t i = 0; i < 3; i++) {
		snprintf(phone, sizeof(phone), "+1312555820%zu", i);
		inject(f, phone, bodies[i]);
	}
	exchange(f);
	for (size_t i = 0; i < 3; i++) {
		snprintf(phone, sizeof(phone), "+1312555820%zu", i);
		assert_true(opted_out(f, phone));
		assert_int_equal(confirmations(f, phone, "optout_confirm"), 1);
	}
	/* "please stop texting me" is a sentence: flagged for staff, nobody confirms anything. */
	inject(f, "+13125558209", "please stop texting me");
	exchange(f);
	assert_false(opted_out(f, "+13125558209"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND direction = 'outbound'",
			       "+13125558209", 0),
			 0);
	char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE phone = ?1", "+13125558209", 0);
	assert_string_equal(reason, "possible opt-out");
	free(reason);
}

/* The tenant's reply for keyword, rendered as the patient sees it. */
static char *rendered(struct fx *f, const char *keyword)
{
	struct auto_response a;
	char *err = NULL;
	assert_int_equal(store_autoresp_find(f->s, f->t.id, keyword, &a, &err), 0);
	char *r = keywords_render(a.reply_text, "Oak Clinic", "(312) 555-0199");
	auto_response_free(&a);
	return r;
}

static char *appt_status(struct fx *f, int64_t appt)
{
	return q_text(f, "SELECT status FROM appointments WHERE id = ?1", NULL, appt);
}

static void inbound__confirms_appointment__when_yes_after_reminder(void **state)
{
	struct fx *f = *state;
	set_replies_by(f, "smsdesk");
	int64_t ann = add_patient(f, "Ann", "+13125557001");
	int64_t appt = reminded_appt(f, ann, 86400, 600);
	inject(f, "+13125557001", "Yes");
	exchange(f);
	char *st = appt_status(f, appt);
	assert_string_equal(st, "confirmed");
	free(st);
	char *resp = q_text(f, "SELECT response FROM appointment_sms_reminders WHERE appointment_id = ?1", NULL, appt);
	assert_string_equal(resp, "confirmed");
	free(resp);
	/* One text back: C's confirmation (she was never out, so no opt-in confirmation). */
	assert_int_equal(sim_outbound_count_to(f->sim, "+13125557001"), 1);
	char *body = sim_outbound_body(f->sim, "+13125557001", 0), *want = rendered(f, "C");
	assert_string_equal(body, want);
	free(body);
	free(want);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'appt.confirm' AND patient_id = ?1", NULL,
			       ann),
			 1);
	/* Opted out after the reminder, then "YES": back in, and the appointment confirmed. */
	int64_t bob = add_patient(f, "Bob", "+13125557002");
	inject(f, "+13125557002", "STOP");
	exchange(f);
	assert_true(opted_out(f, "+13125557002"));
	int64_t appt2 = reminded_appt(f, bob, 2 * 86400, 60);
	clock_set_fake(NOW + 30);
	inject(f, "+13125557002", "YES");
	exchange(f);
	assert_false(opted_out(f, "+13125557002"));
	st = appt_status(f, appt2);
	assert_string_equal(st, "confirmed");
	free(st);
	assert_int_equal(confirmations(f, "+13125557002", "auto_reply"), 1);
	/* Without a reminded appointment "YES" is the opt-in word only. */
	int64_t cy = add_patient(f, "Cy", "+13125557003");
	struct appointment a = {.tenant_id = f->t.id, .patient_id = cy, .provider = "Dr. Lee", .starts_at = NOW + 86400};
	int64_t unreminded = 0;
	char *err = NULL;
	assert_int_equal(store_appt_add(f->s, &a, &unreminded, &err), 0);
	inject(f, "+13125557003", "yes");
	exchange(f);
	st = appt_status(f, unreminded);
	assert_string_equal(st, "scheduled");
	free(st);
	assert_int_equal(confirmations(f, "+13125557003", "auto_reply"), 0);
}

static void inbound__flags_booked_appointment__when_cancel_opts_out(void **state)
{
	struct fx *f = *state;
	set_replies_by(f, "smsdesk");
	int64_t ann = add_patient(f, "Ann", "+13125557001");
	int64_t appt = reminded_appt(f, ann, 86400, 600);
	inject(f, "+13125557001", "Cancel");
	exchange(f);
	/* The law: CANCEL opts out, with the one confirmation. */
	assert_true(opted_out(f, "+13125557001"));
	assert_int_equal(confirmations(f, "+13125557001", "optout_confirm"), 1);
	/* The appointment stays booked, and staff are told, with the appointment shown. */
	char *st = appt_status(f, appt);
	assert_string_equal(st, "scheduled");
	free(st);
	assert_int_equal(q_int(f, "SELECT needs_action FROM sms_threads WHERE phone = ?1", "+13125557001", 0), 1);
	char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE phone = ?1", "+13125557001", 0);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "cancel appointment? opted out; still booked"));
	assert_non_null(strstr(reason, "Jan 16"));
	assert_non_null(strstr(reason, "Dr. Lee"));
	free(reason);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'appt.cancel_word' AND patient_id = ?1",
			       NULL, ann),
			 1);
	/* No appointment booked: CANCEL is the opt-out alone, nothing for staff. */
	inject(f, "+13125557004", "CANCEL");
	exchange(f);
	assert_true(opted_out(f, "+13125557004"));
	assert_int_equal(q_int(f, "SELECT needs_action FROM sms_threads WHERE phone = ?1", "+13125557004", 0), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(inbound__confirms_once__when_twilio_did_not_answer),
		T(inbound__confirms_once__when_smsdesk_replies),
		T(inbound__confirms_appointment__when_yes_after_reminder),
		T(inbound__flags_booked_appointment__when_cancel_opts_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
