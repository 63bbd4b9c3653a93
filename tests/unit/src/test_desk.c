/* Tests for src/desk.c, src/desk_compose.c and src/failures.c on a real store file: notes,
 * assignment and "mine", archive, unread, the needs-human lane, appointments by hand, the
 * failed-delivery worklist and its follow-ups, canned replies and send later; each audited. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/desk.h"
#include "src/failures.h"
#include "src/outbox.h"
#include "src/util.h"
#include "store/store.h"

#define CLINIC "+15005550006"
#define ANA "+15551230001"
#define BEN "+15551230002"
#define NOW 1795000000 /* 05:06 in Chicago: inside quiet hours */

struct fx {
	struct store *s;
	int64_t tenant, ana, ben, appt;
	struct desk_actor staff, admin;
};

static int64_t add_patient(struct store *s, int64_t tenant, const char *first, const char *mobile)
{
	struct patient p = {.tenant_id = tenant, .first_name = (char *)first, .last_name = "Lee", .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_patient_add(s, &p, &id, &err), 0);
	return id;
}

/* An inbound message from phone; returns its thread. */
static int64_t inbound(struct fx *f, const char *sid, const char *phone, int64_t *msg_id)
{
	struct sms_message m = {.tenant_id = f->tenant, .twilio_sid = (char *)sid, .from_number = (char *)phone,
				.to_number = CLINIC, .body = "hmm, is that the dentist?", .direction = "inbound",
				.status = "received", .message_type = "conversation", .created_at = clock_now()};
	int64_t id = 0, thread = 0;
	bool ins = false;
	char *err = NULL;
	assert_int_equal(store_msg_insert_inbound(f->s, &m, &id, &ins, &err), 0);
	assert_int_equal(store_thread_for_phone(f->s, f->tenant, phone, &thread, &err), 0);
	if (msg_id != NULL)
		*msg_id = id;
	return thread;
}

/* How many audit entries with this exact action exist; the last one's detail in *detail. */
static size_t audits(struct fx *f, const char *action, char **detail)
{
	struct audit_entry *list = NULL;
	size_t n = 0, hits = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(f->s, 0, 0, action, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].action, action) != 0)
			continue;
		hits++;
		if (detail != NULL) {
			free(*detail);
			*detail = list[i].detail ? xstrdup(list[i].detail) : NULL;
		}
	}
	audit_entry_list_free(&list, n);
	return hits;
}

static int thread_count(struct fx *f, unsigned filter, int64_t user)
{
	int n = -1;
	char *err = NULL;
	assert_int_equal(store_thread_count(f->s, f->tenant, filter, user, &n, &err), 0);
	return n;
}

static int setup(void **state)
{
	char *err = NULL;
	struct fx *f = xcalloc(1, sizeof *f);
	clock_set_fake(NOW);
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "Main", "America/Chicago", "+15551110000", &f->tenant, &err), 0);
	f->ana = add_patient(f->s, f->tenant, "Ana", ANA);
	f->ben = add_patient(f->s, f->tenant, "Ben", BEN);
	struct appointment a = {.tenant_id = f->tenant, .patient_id = f->ana, .provider = "Dr Park", .location = "",
				.starts_at = NOW + 2 * 86400, .duration_min = 30, .status = "scheduled",
				.created_at = NOW, .updated_at = NOW};
	assert_int_equal(store_appt_add(f->s, &a, &f->appt, &err), 0);
	f->staff = (struct desk_actor){.user_id = 7, .username = "desk1", .admin = false};
	f->admin = (struct desk_actor){.user_id = 8, .username = "maria", .admin = true};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	free(f);
	clock_set_fake(0);
	return 0;
}

static void desk_note_add__keeps_text_out_of_audit__when_added(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *detail = NULL;
	int64_t th = inbound(f, "SM1", ANA, NULL), id = 0;
	assert_int_equal(desk_note_add(f->s, &f->staff, th, "Mom called: insulin question", &id, &err), 0);
	assert_true(id > 0);
	struct thread_note *notes = NULL;
	size_t n = 0;
	assert_int_equal(store_note_list(f->s, th, &notes, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(notes[0].body, "Mom called: insulin question");
	assert_string_equal(notes[0].username, "desk1");
	thread_note_list_free(&notes, n);
	assert_int_equal(audits(f, "thread.note", &detail), 1);
	assert_string_equal(detail, "28 characters");
	free(detail);
	/* Escape sequences never reach a terminal through a note. */
	assert_int_not_equal(desk_note_add(f->s, &f->staff, th, "\x1b[2Jgone", NULL, &err), 0);
	assert_non_null(strstr(err, "control characters"));
	free(err);
	err = NULL;
	assert_int_not_equal(desk_note_add(f->s, &f->staff, th, "", NULL, &err), 0);
	free(err);
	assert_int_equal(audits(f, "thread.note", NULL), 1);
}

static void desk_assign__fills_mine__when_assigned_to_me(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *detail = NULL;
	int64_t a = inbound(f, "SM1", ANA, NULL), b = inbound(f, "SM2", BEN, NULL);
	assert_int_equal(thread_count(f, THREAD_FILTER_MINE, 7), 0);
	assert_int_equal(desk_assign(f->s, &f->staff, a, "me", &err), 0);
	assert_int_equal(desk_assign(f->s, &f->staff, b, "front desk", &err), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_MINE, 7), 1);
	assert_int_equal(thread_count(f, THREAD_FILTER_MINE, THREAD_FRONT_DESK), 1);
	struct sms_thread t = {0};
	assert_int_equal(store_thread_get(f->s, b, &t, &err), 0);
	assert_string_equal(t.assignee, "front desk");
	sms_thread_free(&t);
	assert_int_equal(audits(f, "thread.assign", &detail), 2);
	assert_string_equal(detail, "to front desk");
	free(detail);
	assert_int_equal(desk_assign(f->s, &f->staff, a, "nobody", &err), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_MINE, 7), 0);
	assert_int_equal(desk_assign(f->s, &f->staff, a, "ghost", &err), SD_NOTFOUND);
	assert_non_null(strstr(err, "no user"));
	free(err);
}

static void desk_archive__hides_thread__until_patient_writes_again(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t a = inbound(f, "SM1", ANA, NULL);
	assert_int_equal(thread_count(f, 0, 0), 1);
	assert_int_equal(desk_archive(f->s, &f->staff, a, true, &err), 0);
	assert_int_equal(thread_count(f, 0, 0), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_ARCHIVED, 0), 1);
	assert_int_equal(thread_count(f, THREAD_FILTER_UNREAD | THREAD_FILTER_ARCHIVED, 0), 0); /* done = read */
	inbound(f, "SM2", ANA, NULL);
	assert_int_equal(thread_count(f, 0, 0), 1);
	assert_int_equal(thread_count(f, THREAD_FILTER_ARCHIVED, 0), 0);
	assert_int_equal(audits(f, "thread.archive", NULL), 1);
	assert_int_equal(store_thread_mark_read(f->s, a, &err), 0);
	assert_int_equal(desk_mark_unread(f->s, &f->staff, a, &err), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_UNREAD, 0), 1);
	assert_int_equal(audits(f, "thread.unread", NULL), 1);
	assert_int_equal(desk_archive(f->s, &f->staff, 999, true, &err), SD_NOTFOUND);
	free(err);
}

static void desk_resolve__confirms_next_appointment__from_needs_human_lane(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t msg = 0;
	int64_t a = inbound(f, "SM1", ANA, &msg), b = inbound(f, "SM2", BEN, NULL);
	assert_int_equal(store_thread_set_triage(f->s, a, msg, &err), 0);
	assert_int_equal(store_thread_set_triage(f->s, b, msg, &err), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_NEEDS_HUMAN, 0), 2);
	struct appointment *next = NULL;
	size_t n = 0;
	assert_int_equal(desk_next_appointments(f->s, a, NOW, 3, &next, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(next[0].id, f->appt);
	appointment_list_free(&next, n);

	assert_int_equal(desk_resolve(f->s, &f->staff, a, DESK_CONFIRM, &err), 0);
	struct appointment ap = {0};
	assert_int_equal(store_appt_get(f->s, f->appt, &ap, &err), 0);
	assert_string_equal(ap.status, "confirmed");
	appointment_free(&ap);
	assert_int_equal(audits(f, "appt.confirm.staff", NULL), 1);
	/* Ben has no appointment: nothing to confirm, he stays in the lane; "not about the
	 * appointment" takes him out. */
	assert_int_equal(desk_resolve(f->s, &f->staff, b, DESK_CONFIRM, &err), SD_NOTFOUND);
	assert_non_null(strstr(err, "no upcoming appointment"));
	free(err);
	err = NULL;
	assert_int_equal(thread_count(f, THREAD_FILTER_NEEDS_HUMAN, 0), 1);
	assert_int_equal(desk_resolve(f->s, &f->staff, b, DESK_NOT_APPT, &err), 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_NEEDS_HUMAN, 0), 0);
	assert_int_equal(audits(f, "triage.not_appointment", NULL), 1);
	/* By hand from the thread: reschedule requested. */
	assert_int_equal(desk_appt_set(f->s, &f->staff, f->appt, DESK_RESCHEDULE, &err), 0);
	assert_int_equal(store_appt_get(f->s, f->appt, &ap, &err), 0);
	assert_string_equal(ap.status, "reschedule_requested");
	appointment_free(&ap);
}

/* Queues a message to phone, claims it and fails it with code; returns its id. */
static int64_t failed(struct fx *f, int64_t patient, int64_t appt, const char *type, int code)
{
	char *err = NULL;
	struct outbox_request r = {.tenant_id = f->tenant, .patient_id = patient, .body = "Reminder: Tue 9:00",
				   .message_type = type, .appointment_id = appt, .actor = "scheduler"};
	int64_t id = 0;
	assert_int_equal(outbox_queue(f->s, &r, &id, &err), 0);
	struct sms_message m = {0};
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", NOW, &m, &err), 0);
	assert_int_equal(m.id, id);
	sms_message_free(&m);
	assert_int_equal(store_msg_record_failure(f->s, id, code, "Twilio said no", true, 0, &err), 0);
	return id;
}

static void desk_followup__empties_worklist__when_each_is_handled(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t m1 = failed(f, f->ana, f->appt, "reminder", 30003);
	int64_t m2 = failed(f, f->ben, 0, "conversation", 30006);
	int64_t m3 = failed(f, f->ben, 0, "conversation", 12345);
	struct failed_delivery *w = NULL;
	size_t n = 0;
	assert_int_equal(store_worklist_list(f->s, f->tenant, 0, 0, &w, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(w[2].message_id, m1);
	assert_string_equal(failures_title(failures_category(w[2].error_code)), "number unreachable");
	assert_string_equal(w[2].patient_name, "Ana Lee");
	char lost[80];
	failures_lost(&w[2], "America/Chicago", lost, sizeof(lost));
	assert_non_null(strstr(lost, "a reminder for "));
	failures_lost(&w[1], "America/Chicago", lost, sizeof(lost));
	assert_string_equal(lost, "a message");
	failed_delivery_list_free(&w, n);

	assert_int_equal(desk_followup(f->s, &f->staff, f->tenant, m1, "called", NULL, &err), 0);
	assert_int_not_equal(desk_followup(f->s, &f->staff, f->tenant, m1, "voicemail", NULL, &err), 0);
	assert_non_null(strstr(err, "already"));
	free(err);
	err = NULL;
	assert_int_not_equal(desk_followup(f->s, &f->staff, f->tenant, m2, "wrong_number", "not a number", &err), 0);
	free(err);
	err = NULL;
	assert_int_equal(desk_followup(f->s, &f->staff, f->tenant, m2, "wrong_number", "(555) 123-0099", &err), 0);
	struct patient p = {0};
	assert_int_equal(store_patient_get(f->s, f->ben, &p, &err), 0);
	assert_string_equal(p.mobile, "+15551230099");
	patient_free(&p);
	assert_int_equal(audits(f, "patient.mobile", NULL), 1);
	assert_int_equal(desk_followup(f->s, &f->staff, f->tenant, m3, "dismissed", NULL, &err), 0);
	assert_int_equal(store_worklist_list(f->s, f->tenant, 0, 0, &w, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(audits(f, "delivery.followup", NULL), 3);
	assert_int_equal(desk_followup(f->s, &f->staff, f->tenant, m3, "shrugged", NULL, &err), -1);
	free(err);
}

static void store_patient_delete__takes_desk_rows_along__when_notes_and_followups(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t msg = 0;
	int64_t th = inbound(f, "SM1", BEN, &msg);
	assert_int_equal(desk_note_add(f->s, &f->staff, th, "asked about parking", NULL, &err), 0);
	assert_int_equal(store_thread_set_triage(f->s, th, msg, &err), 0);
	int64_t m = failed(f, f->ben, 0, "conversation", 30003);
	assert_int_equal(desk_followup(f->s, &f->staff, f->tenant, m, "called", NULL, &err), 0);
	struct patient_change ch;
	if (store_patient_delete(f->s, f->ben, &ch, &err) != 0)
		fail_msg("store_patient_delete: %s", err);
	struct thread_note *notes = NULL;
	size_t n = 0;
	assert_int_equal(store_note_list(f->s, th, &notes, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(thread_count(f, THREAD_FILTER_NEEDS_HUMAN, 0), 0);
}

static void failures_category__maps_codes__with_other_row(void **state)
{
	(void)state;
	static const struct {
		int code;
		const char *title;
	} cases[] = {
		{30003, "number unreachable"}, {30005, "number does not exist"}, {30006, "landline"},
		{30007, "carrier blocked"}, {30008, "carrier error"}, {30034, "clinic number not registered"},
		{21610, "patient opted out"}, {21614, "landline"}, {0, "other"}, {30001, "other"}, {-5, "other"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(failures_title(failures_category(cases[i].code)), cases[i].title);
	assert_non_null(failures_hint(FAIL_N));
}

static void desk_canned_put__checks_like_templates__when_saved(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *out = NULL;
	assert_int_equal(desk_canned_put(f->s, &f->staff, f->tenant, "address", "We are at 1 Main St.", &err),
			 DESK_REFUSED);
	assert_non_null(strstr(err, "admin"));
	free(err);
	err = NULL;
	assert_int_equal(desk_canned_put(f->s, &f->admin, f->tenant, "hello", "Hi {patientname}", &err), DESK_REFUSED);
	free(err);
	err = NULL;
	assert_int_equal(desk_canned_put(f->s, &f->admin, f->tenant, "dx", "About your {diagnosis}", &err), DESK_REFUSED);
	free(err);
	err = NULL;
	/* main's template rule: patients answer "Cancel", which opts them out of every text */
	assert_int_equal(desk_canned_put(f->s, &f->admin, f->tenant, "x", "Reply X to cancel.", &err), DESK_REFUSED);
	assert_non_null(strstr(err, "cancel"));
	free(err);
	err = NULL;
	assert_int_equal(desk_canned_put(f->s, &f->admin, f->tenant, "hello",
					 "Hi {patientName}, see you {appointmentDate} with {providerName}.", &err), 0);
	struct canned_reply *list = NULL;
	size_t n = 0;
	assert_int_equal(store_canned_list(f->s, f->tenant, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	int64_t th = inbound(f, "SM1", ANA, NULL);
	assert_int_equal(desk_canned_render(f->s, f->tenant, th, list[0].body, &out, &err), 0);
	assert_non_null(strstr(out, "Hi Ana Lee, see you "));
	assert_non_null(strstr(out, "with Dr Park."));
	free(out);
	canned_reply_list_free(&list, n);
	assert_int_equal(audits(f, "canned.save", NULL), 1);
	assert_int_equal(desk_canned_remove(f->s, &f->admin, f->tenant, "hello", &err), 0);
	assert_int_equal(desk_canned_remove(f->s, &f->admin, f->tenant, "hello", &err), SD_NOTFOUND);
	free(err);
	assert_int_equal(audits(f, "canned.remove", NULL), 1);
}

static void outbox_queue__waits_until_not_before__when_sent_later(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, "SM1", ANA, NULL), at = 0;
	/* 05:06 in Chicago: the first allowed moment is 08:00 the same day. */
	assert_int_equal(desk_later_time(f->s, f->tenant, th, NOW, &at, &err), 0);
	assert_int_equal(at, NOW - 40000 + 14 * 3600);
	struct outbox_request r = {.tenant_id = f->tenant, .patient_id = f->ana, .body = "Your forms are ready",
				   .actor = "desk1", .sent_by = 7, .not_before = at};
	int64_t id = 0, id2 = 0;
	assert_int_equal(outbox_queue(f->s, &r, &id, &err), 0);
	assert_int_equal(outbox_queue(f->s, &r, &id2, &err), 0);
	struct sms_message m = {0};
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", NOW, &m, &err), SD_NOTFOUND);
	struct scheduled_send *list = NULL;
	size_t n = 0;
	assert_int_equal(store_scheduled_list(f->s, f->tenant, th, NOW, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].send_at, at);
	scheduled_send_list_free(&list, n);
	assert_int_equal(desk_later_cancel(f->s, &f->staff, f->tenant, id2, &err), 0);
	assert_int_equal(desk_later_cancel(f->s, &f->staff, f->tenant, id2, &err), SD_NOTFOUND);
	free(err);
	err = NULL;
	assert_int_equal(audits(f, "sms.later_cancel", NULL), 1);
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", at, &m, &err), 0);
	assert_int_equal(m.id, id);
	sms_message_free(&m);
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "test", at + 1, &m, &err), SD_NOTFOUND);
}

static void desk_later_parse__reads_times__and_refuses_the_rest(void **state)
{
	(void)state;
	const char *tz = "America/Chicago";
	int64_t at = 0, now = NOW; /* 05:06 in Chicago, 2026-11-18 */
	char *err = NULL;
	assert_int_equal(desk_later_parse("09:30", tz, now, &at, &err), 0);
	assert_int_equal(at, NOW - 40000 + 15 * 3600 + 30 * 60); /* today 09:30 CST = 15:30 UTC */
	assert_int_equal(desk_later_parse("05:00", tz, now, &at, &err), 0); /* passed: tomorrow */
	assert_int_equal(at, NOW - 40000 + 11 * 3600 + 86400);
	assert_int_equal(desk_later_parse("tomorrow 08:00", tz, now, &at, &err), 0);
	assert_int_equal(at, NOW - 40000 + 14 * 3600 + 86400);
	assert_int_equal(desk_later_parse("2026-11-30 23:59", tz, now, &at, &err), 0);
	static const char *const bad[] = {"", "9", "25:00", "09:60", "tomorrow", "2026-02-30 09:00",
					  "2026-11-17 09:00", "2030-01-01 09:00", "09:00 pm", "\x1b[2J"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(desk_later_parse(bad[i], tz, now, &at, &err), -1);
		assert_non_null(err);
		free(err);
		err = NULL;
	}
}

/* Staff settling an appointment that came from the EHR (by hand or in H) tells the EHR, as a
 * patient's C/R/X does (src/ehr_out.c); one that did not come from it is kept here only. */
static void desk_appt_set__queues_ehr_writeback__when_appointment_came_from_ehr(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	bool created = false, moved = false;
	int64_t ehr_appt = 0;
	struct ehr_appt_row row = {.ehr_id = "F456", .patient_id = f->ana, .provider = "Dr Park",
				   .starts_at = clock_now() + 3 * 86400, .duration_min = 30};
	assert_int_equal(store_begin(f->s, &err), 0);
	assert_int_equal(store_ehr_appt_upsert(f->s, f->tenant, &row, clock_now(), &ehr_appt, &created, &moved, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback", "127.0.0.1:1", &err), 0);
	assert_int_equal(desk_appt_set(f->s, &f->staff, f->appt, DESK_CONFIRM, &err), 0); /* not from the EHR */
	assert_int_equal(desk_appt_set(f->s, &f->staff, ehr_appt, DESK_CANCEL, &err), 0);
	struct ehr_out *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].appointment_id, ehr_appt);
	assert_string_equal(rows[0].event, "cancelled");
	ehr_out_list_free(&rows, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(desk_appt_set__queues_ehr_writeback__when_appointment_came_from_ehr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(desk_note_add__keeps_text_out_of_audit__when_added, setup, teardown),
		cmocka_unit_test_setup_teardown(desk_assign__fills_mine__when_assigned_to_me, setup, teardown),
		cmocka_unit_test_setup_teardown(desk_archive__hides_thread__until_patient_writes_again, setup, teardown),
		cmocka_unit_test_setup_teardown(desk_resolve__confirms_next_appointment__from_needs_human_lane, setup,
						teardown),
		cmocka_unit_test_setup_teardown(desk_followup__empties_worklist__when_each_is_handled, setup, teardown),
		cmocka_unit_test(failures_category__maps_codes__with_other_row),
		cmocka_unit_test_setup_teardown(store_patient_delete__takes_desk_rows_along__when_notes_and_followups, setup,
						teardown),
		cmocka_unit_test_setup_teardown(desk_canned_put__checks_like_templates__when_saved, setup, teardown),
		cmocka_unit_test_setup_teardown(outbox_queue__waits_until_not_before__when_sent_later, setup, teardown),
		cmocka_unit_test(desk_later_parse__reads_times__and_refuses_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
