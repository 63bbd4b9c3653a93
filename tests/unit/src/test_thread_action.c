/* Tests for src/thread_action.c: linking a shared or unknown number to a patient, the staff
 * opt-out of a flagged thread and "done", each with its audit entry, on a real store file. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/thread_action.h"
#include "src/util.h"
#include "store/store.h"

#define CLINIC "+15005550006"
#define FAMILY "+15551230009"
#define STRANGER "+15551230077"
#define NOW 1795000000

struct fx {
	struct store *s;
	int64_t tenant, other;
	int64_t jose, maria, other_patient;
	struct thread_actor who;
};

static int64_t add_patient(struct store *s, int64_t tenant, const char *first, const char *mobile)
{
	struct patient p = {
	    .tenant_id = tenant, .first_name = (char *)first, .last_name = "Souza", .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_patient_add(s, &p, &id, &err), 0);
	return id;
}

/* An inbound message from phone; returns its thread. */
static int64_t inbound(struct fx *f, int64_t tenant, const char *sid, const char *phone)
{
	struct sms_message m = {.tenant_id = tenant,
				.twilio_sid = (char *)sid,
				.from_number = (char *)phone,
				.to_number = CLINIC,
				.body = "please stop texting me",
				.direction = "inbound",
				.status = "received",
				.message_type = "conversation",
				.created_at = NOW};
	int64_t id = 0, thread = 0;
	bool ins = false;
	char *err = NULL;
	assert_int_equal(store_msg_insert_inbound(f->s, &m, &id, &ins, &err), 0);
	assert_int_equal(store_thread_for_phone(f->s, tenant, phone, &thread, &err), 0);
	return thread;
}

static int64_t queue_to(struct fx *f, const char *phone)
{
	struct sms_message m = {.tenant_id = f->tenant,
				.from_number = CLINIC,
				.to_number = (char *)phone,
				.body = "see you tomorrow",
				.message_type = "conversation",
				.created_at = NOW};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_msg_queue(f->s, &m, &id, &err), 0);
	return id;
}

static struct sms_thread get_thread(struct fx *f, int64_t id)
{
	struct sms_thread t;
	char *err = NULL;
	assert_int_equal(store_thread_get(f->s, id, &t, &err), 0);
	return t;
}

/* How many audit entries with this exact action exist; the last one's fields in *last. */
static size_t audits(struct fx *f, const char *action, struct audit_entry *last)
{
	struct audit_entry *list = NULL;
	size_t n = 0, hits = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(f->s, 0, 0, action, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].action, action) != 0)
			continue;
		hits++;
		if (last != NULL) {
			audit_entry_free(last);
			*last = list[i];
			memset(&list[i], 0, sizeof list[i]);
		}
	}
	audit_entry_list_free(&list, n);
	return hits;
}

static int setup(void **state)
{
	char *err = NULL;
	struct fx *f = xcalloc(1, sizeof *f);
	clock_set_fake(NOW);
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "Main", "America/Chicago", "+15551110000", &f->tenant, &err),
			 0);
	assert_int_equal(store_tenant_add(f->s, "North", "America/Chicago", "+15551110001", &f->other, &err),
			 0);
	f->jose = add_patient(f->s, f->tenant, "José", FAMILY);
	f->maria = add_patient(f->s, f->tenant, "María", FAMILY);
	f->other_patient = add_patient(f->s, f->other, "Leo", FAMILY);
	f->who = (struct thread_actor){.user_id = 7, .username = "frontdesk", .tenant_id = f->tenant};
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

static void thread_action_link__links_and_audits__when_family_phone(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", FAMILY);
	struct sms_thread t = get_thread(f, th);
	assert_int_equal(t.patient_id, 0);
	assert_int_equal(t.patient_count, 2);
	sms_thread_free(&t);

	assert_int_equal(thread_action_link(f->s, &f->who, th, f->maria, &err), 0);
	t = get_thread(f, th);
	assert_int_equal(t.patient_id, f->maria);
	assert_string_equal(t.patient_name, "María Souza");
	sms_thread_free(&t);
	struct audit_entry e = {0};
	assert_int_equal(audits(f, "thread.link", &e), 1);
	assert_int_equal(e.patient_id, f->maria);
	assert_int_equal(e.user_id, 7);
	assert_string_equal(e.username, "frontdesk");
	assert_non_null(strstr(e.detail, "shared phone (2 patients)"));
	audit_entry_free(&e);
	/* A later message from the number keeps the chosen patient. */
	int64_t again = 0;
	assert_int_equal(store_thread_for_phone(f->s, f->tenant, FAMILY, &again, &err), 0);
	assert_int_equal(again, th);
	t = get_thread(f, th);
	assert_int_equal(t.patient_id, f->maria);
	sms_thread_free(&t);
}

static void thread_action_link__links_unknown_sender__when_searched_patient_chosen(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", STRANGER);
	struct sms_thread t = get_thread(f, th);
	assert_int_equal(t.patient_count, 0);
	assert_null(t.patient_name);
	sms_thread_free(&t);
	assert_int_equal(thread_action_link(f->s, &f->who, th, f->jose, &err), 0);
	t = get_thread(f, th);
	assert_int_equal(t.patient_id, f->jose);
	sms_thread_free(&t);
	struct audit_entry e = {0};
	assert_int_equal(audits(f, "thread.link", &e), 1);
	assert_non_null(strstr(e.detail, "unknown sender"));
	audit_entry_free(&e);
}

static void thread_action_link__refuses__when_patient_of_other_location_or_missing(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", FAMILY);
	assert_int_equal(thread_action_link(f->s, &f->who, th, f->other_patient, &err), -1);
	assert_non_null(strstr(err, "another location"));
	xfree(&err);
	assert_int_equal(thread_action_link(f->s, &f->who, th, 999999, &err), -1);
	assert_non_null(strstr(err, "no longer exists"));
	xfree(&err);
	assert_int_equal(thread_action_link(f->s, &f->who, th, 0, &err), -1);
	xfree(&err);
	assert_int_equal(thread_action_link(f->s, &f->who, th, -5, &err), -1);
	xfree(&err);
	assert_int_equal(thread_action_link(f->s, &f->who, 424242, f->jose, &err), -1);
	assert_non_null(strstr(err, "no longer exists"));
	xfree(&err);
	/* A console signed in to the other location cannot touch this thread. */
	struct thread_actor north = {.user_id = 7, .username = "frontdesk", .tenant_id = f->other};
	assert_int_equal(thread_action_link(f->s, &north, th, f->other_patient, &err), -1);
	assert_non_null(strstr(err, "another location"));
	xfree(&err);
	struct sms_thread t = get_thread(f, th);
	assert_int_equal(t.patient_id, 0);
	sms_thread_free(&t);
	assert_int_equal(audits(f, "thread.link", NULL), 0);
}

static void thread_action_optout__blocks_cancels_clears_and_audits__when_flagged(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", FAMILY);
	assert_int_equal(store_thread_set_action(f->s, th, true, "possible opt-out", &err), 0);
	int64_t q1 = queue_to(f, FAMILY), q2 = queue_to(f, FAMILY), other = queue_to(f, STRANGER);
	int cancelled = -1;

	assert_int_equal(thread_action_optout(f->s, &f->who, th, &cancelled, &err), 0);
	assert_int_equal(cancelled, 2);
	bool out = false;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, FAMILY, &out, &err), 0);
	assert_true(out);
	/* The other location's patient with the same number is not touched. */
	assert_int_equal(store_number_opted_out(f->s, f->other, FAMILY, &out, &err), 0);
	assert_false(out);
	struct sms_prefs pr = {0};
	assert_int_equal(store_prefs_get(f->s, f->jose, &pr, &err), 0);
	assert_false(pr.opted_in);
	assert_string_equal(pr.opted_out_via, "staff");
	assert_string_equal(pr.opted_out_reason, "asked by text");
	sms_prefs_free(&pr);
	struct sms_message m = {0};
	assert_int_equal(store_msg_get(f->s, q1, &m, &err), 0);
	assert_string_not_equal(m.status, "queued");
	sms_message_free(&m);
	assert_int_equal(store_msg_get(f->s, q2, &m, &err), 0);
	assert_string_not_equal(m.status, "queued");
	sms_message_free(&m);
	assert_int_equal(store_msg_get(f->s, other, &m, &err), 0);
	assert_string_equal(m.status, "queued");
	sms_message_free(&m);
	struct sms_thread t = get_thread(f, th);
	assert_false(t.needs_action);
	assert_null(t.action_reason);
	sms_thread_free(&t);
	struct audit_entry e = {0};
	assert_int_equal(audits(f, "pref.optout.staff", &e), 1);
	assert_non_null(strstr(e.detail, "possible opt-out"));
	assert_non_null(strstr(e.detail, "2 queued"));
	assert_non_null(strstr(e.detail, "no confirmation sent"));
	audit_entry_free(&e);
	/* Nothing was queued to the number: no confirmation text. */
	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list_thread(f->s, th, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(list[i].status, "queued");
	sms_message_list_free(&list, n);
}

static void thread_action_optout__changes_nothing__when_other_location(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", FAMILY);
	assert_int_equal(store_thread_set_action(f->s, th, true, "possible opt-out", &err), 0);
	struct thread_actor north = {.user_id = 7, .username = "frontdesk", .tenant_id = f->other};
	int cancelled = -1;
	assert_int_equal(thread_action_optout(f->s, &north, th, &cancelled, &err), -1);
	assert_non_null(err);
	xfree(&err);
	assert_int_equal(cancelled, 0);
	bool out = true;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, FAMILY, &out, &err), 0);
	assert_false(out);
	struct sms_thread t = get_thread(f, th);
	assert_true(t.needs_action);
	sms_thread_free(&t);
	assert_int_equal(audits(f, "pref.optout.staff", NULL), 0);
}

static void thread_action_done__clears_flag_and_audits_reason__when_flagged(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t th = inbound(f, f->tenant, "SM1", STRANGER);
	assert_int_equal(store_thread_set_action(f->s, th, true, "reschedule requested", &err), 0);
	assert_int_equal(thread_action_done(f->s, &f->who, th, &err), 0);
	struct sms_thread t = get_thread(f, th);
	assert_false(t.needs_action);
	sms_thread_free(&t);
	struct audit_entry e = {0};
	assert_int_equal(audits(f, "thread.action_done", &e), 1);
	assert_string_equal(e.detail, "reschedule requested");
	char target[40];
	snprintf(target, sizeof target, "thread %lld", (long long)th);
	assert_string_equal(e.target, target);
	audit_entry_free(&e);
	/* A second "done" (another console got there first) is refused and not audited twice. */
	assert_int_equal(thread_action_done(f->s, &f->who, th, &err), -1);
	assert_non_null(strstr(err, "not flagged"));
	xfree(&err);
	assert_int_equal(audits(f, "thread.action_done", NULL), 1);
	bool out = true;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, STRANGER, &out, &err), 0);
	assert_false(out);
	int64_t bad = -1;
	assert_int_equal(store_audit_verify(f->s, &bad, &err), 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(thread_action_link__links_and_audits__when_family_phone),
	    T(thread_action_link__links_unknown_sender__when_searched_patient_chosen),
	    T(thread_action_link__refuses__when_patient_of_other_location_or_missing),
	    T(thread_action_optout__blocks_cancels_clears_and_audits__when_flagged),
	    T(thread_action_optout__changes_nothing__when_other_location),
	    T(thread_action_done__clears_flag_and_audits_reason__when_flagged),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
