/* The reply triage inside the inbound processor (src/inbound.c + src/triage.c) on a real store
 * file: free-text answers to an unanswered reminder act like C / R / X, unclear ones go to the
 * needs-human lane, law words and answered reminders are left alone. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "src/inbound.h"
#include "src/util.h"
#include "store/store.h"

#define NOW 1800000000LL
#define ANN "+13125557001"

struct fx {
	struct store *s;
	char *path;
	sqlite3 *raw;
	struct tenant t;
	int64_t ann, appt, reminder, thread;
	int seq;
};

/* The shared raw-SQL lookups (tests/support), with ?1 bound to arg. */
static int64_t q_int(struct fx *f, const char *sql, int64_t arg)
{
	return tu_q_int(f->raw, sql, NULL, arg);
}

static char *q_text(struct fx *f, const char *sql, int64_t arg)
{
	return tu_q_text(f->raw, sql, NULL, arg);
}

/* Ann's appointment in two days, reminded an hour ago, unanswered. */
static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(&f->path);
	assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
	sqlite3_busy_timeout(f->raw, 5000);
	int64_t tid = 0;
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", "+13125550199", &tid, &err), 0);
	assert_int_equal(store_tenant_get(f->s, tid, &f->t, &err), 0);
	struct patient p = {.tenant_id = tid, .first_name = "Ann", .last_name = "Lee", .mobile = ANN};
	assert_int_equal(store_patient_add(f->s, &p, &f->ann, &err), 0);
	struct appointment a = {.tenant_id = tid, .patient_id = f->ann, .provider = "Dr. Lee", .starts_at = NOW + 2 * 86400};
	assert_int_equal(store_appt_add(f->s, &a, &f->appt, &err), 0);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "INSERT INTO appointment_sms_reminders (tenant_id, appointment_id, slot_minutes, due_at,"
					    " status, sent_at, created_at) VALUES (?1, ?2, 1440, ?3, 'sent', ?3, ?3)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_int64(st, 2, f->appt);
	sqlite3_bind_int64(st, 3, NOW - 3600);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	f->reminder = sqlite3_last_insert_rowid(f->raw);
	assert_int_equal(store_thread_for_phone(f->s, tid, ANN, &f->thread, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sqlite3_close(f->raw);
	store_close(&f->s);
	tenant_free(&f->t);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* Ann texts body; returns the stored message's id. */
static int64_t text(struct fx *f, const char *body)
{
	char sid[40];
	snprintf(sid, sizeof(sid), "SM%032d", ++f->seq);
	struct sms_message m = {.twilio_sid = sid, .from_number = ANN, .to_number = "+13125550100",
				.body = (char *)body, .created_at = NOW};
	bool processed = false;
	char *err = NULL;
	if (inbound_process(f->s, &f->t, &m, &processed, &err) != 0)
		fail_msg("inbound_process: %s", err);
	assert_true(processed);
	return q_int(f, "SELECT id FROM sms_messages WHERE twilio_sid = (SELECT MAX(twilio_sid) FROM sms_messages"
			" WHERE direction = 'inbound') AND ?1 = ?1", 0);
}

static char *appt_status(struct fx *f)
{
	return q_text(f, "SELECT status FROM appointments WHERE id = ?1", f->appt);
}

static void inbound__confirms__when_reply_reads_as_confirmation(void **state)
{
	struct fx *f = *state;
	text(f, "Yes! see you then \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD");
	char *st = appt_status(f);
	assert_string_equal(st, "confirmed");
	free(st);
	char *resp = q_text(f, "SELECT response FROM appointment_sms_reminders WHERE id = ?1", f->reminder);
	assert_string_equal(resp, "confirmed");
	free(resp);
	/* The C row's reply went out, and the audit says triage read it (never the body). */
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_messages WHERE direction = 'outbound' AND message_type ="
				  " 'auto_reply' AND appointment_id = ?1", f->appt), 1);
	char *detail = q_text(f, "SELECT detail FROM audit_log WHERE action = 'sms.inbound' AND ?1 = ?1", 0);
	assert_string_equal(detail, "keyword triage:confirm (confirm)");
	free(detail);
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_threads WHERE triage_message_id IS NOT NULL AND ?1 = ?1", 0), 0);
}

static void inbound__asks_reschedule_or_cancels__when_plain_words(void **state)
{
	struct fx *f = *state;
	text(f, "can we move it to thursday?");
	char *st = appt_status(f);
	assert_string_equal(st, "reschedule_requested");
	free(st);
	char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE id = ?1", f->thread);
	assert_string_equal(reason, "reschedule requested");
	free(reason);
}

static void inbound__cancels__when_cant_make_it(void **state)
{
	struct fx *f = *state;
	text(f, "Sorry, I can\xE2\x80\x99t make it");
	char *st = appt_status(f);
	assert_string_equal(st, "cancelled");
	free(st);
}

static void inbound__puts_thread_in_needs_human_lane__when_unclear(void **state)
{
	struct fx *f = *state;
	int64_t id = text(f, "Is that with Dr Lee or Dr Park?");
	char *st = appt_status(f);
	assert_string_equal(st, "scheduled"); /* never guessed */
	free(st);
	assert_int_equal(q_int(f, "SELECT triage_message_id FROM sms_threads WHERE id = ?1", f->thread), id);
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'triage.needs_human' AND ?1 = ?1", 0), 1);
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_messages WHERE direction = 'outbound' AND ?1 = ?1", 0), 0);
	/* Then a clear answer: acted on, and the thread leaves the lane. */
	text(f, "C");
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_threads WHERE triage_message_id IS NOT NULL AND ?1 = ?1", 0), 0);
	st = appt_status(f);
	assert_string_equal(st, "confirmed");
	free(st);
	/* "thanks!" after the answer is conversation: no lane. */
	text(f, "thanks!");
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_threads WHERE triage_message_id IS NOT NULL AND ?1 = ?1", 0), 0);
}

static void inbound__opts_out__when_law_word_even_with_pending_reminder(void **state)
{
	struct fx *f = *state;
	text(f, "Cancel");
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_optouts WHERE ?1 = ?1", 0), 1);
	char *st = appt_status(f);
	assert_string_equal(st, "scheduled");
	free(st);
}

static int64_t in_lane(struct fx *f)
{
	return q_int(f, "SELECT COUNT(*) FROM sms_threads WHERE triage_message_id IS NOT NULL AND id = ?1", f->thread);
}

/* YES after a reminder confirms like C (src/inbound.c act_yes): the thread leaves the lane too. */
static void inbound__yes_confirms_and_leaves_lane__after_unclear_reply(void **state)
{
	struct fx *f = *state;
	text(f, "Is that with Dr Lee or Dr Park?");
	assert_int_equal(in_lane(f), 1);
	text(f, "YES");
	char *st = appt_status(f);
	assert_string_equal(st, "confirmed");
	free(st);
	assert_int_equal(in_lane(f), 0);
}

/* CANCEL opts out and flags the still-booked appointment; that flag, not the older unclear
 * reply, is what staff should see. */
static void inbound__cancel_word_flags_appointment_and_leaves_lane__after_unclear_reply(void **state)
{
	struct fx *f = *state;
	text(f, "which doctor is it?");
	assert_int_equal(in_lane(f), 1);
	text(f, "CANCEL");
	assert_int_equal(q_int(f, "SELECT COUNT(*) FROM sms_optouts WHERE ?1 = ?1", 0), 1);
	char *st = appt_status(f);
	assert_string_equal(st, "scheduled");
	free(st);
	char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE id = ?1", f->thread);
	assert_non_null(reason);
	assert_non_null(strstr(reason, "cancel appointment? opted out; still booked"));
	free(reason);
	assert_int_equal(in_lane(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(inbound__confirms__when_reply_reads_as_confirmation, setup, teardown),
		cmocka_unit_test_setup_teardown(inbound__asks_reschedule_or_cancels__when_plain_words, setup, teardown),
		cmocka_unit_test_setup_teardown(inbound__cancels__when_cant_make_it, setup, teardown),
		cmocka_unit_test_setup_teardown(inbound__puts_thread_in_needs_human_lane__when_unclear, setup, teardown),
		cmocka_unit_test_setup_teardown(inbound__opts_out__when_law_word_even_with_pending_reminder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(inbound__yes_confirms_and_leaves_lane__after_unclear_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(
			inbound__cancel_word_flags_appointment_and_leaves_lane__after_unclear_reply, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
