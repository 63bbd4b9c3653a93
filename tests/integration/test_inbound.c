/* End to end: a patient's text injected into the real simulator, listed by poll_inbound,
 * processed into a real store file, the reply drained back to the simulator. */
#include "testutil.h"
#include "simtenant.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "store/internal.h"
#include "src/inbound.h"
#include "src/keywords.h"
#include "src/outbox.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/twilio.h"
#include "src/util.h"

#define NOW 1800000000LL /* 2027-01-15 08:00 UTC */
#define CLINIC_NUMBER "+13125550100"
#define CLINIC_PHONE "+13125550199"
#define CLINIC_PHONE_SHOWN "(312) 555-0199"
#define ANN "+13125557001"
#define FAMILY "+13125557002"
#define STRANGER "+13125557999"

struct fx {
	struct sim *sim;
	struct store *s;
	char *path;
	sqlite3 *raw;
	struct twilio_client *c;
	struct tenant t;
	int64_t ann, mom, kid;
};

/* A client for the simulator; no retries so a fault shows at once. */
static struct twilio_client *sim_client(struct sim *sim)
{
	return st_sim_client(sim, 0);
}

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

static int64_t add_patient(struct fx *f, const char *first, const char *mobile)
{
	struct patient p = {.tenant_id = f->t.id, .first_name = (char *)first, .last_name = "Rivera", .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	if (store_patient_add(f->s, &p, &id, &err) != 0)
		fail_msg("store_patient_add: %s", err);
	return id;
}

/* An upcoming appointment with a reminder that went out `ago` seconds before now. */
static int64_t reminded_appt(struct fx *f, int64_t patient_id, int64_t starts_in, int64_t ago, int64_t *reminder_out)
{
	return tu_reminded_appt(f->s, f->raw, f->t.id, patient_id, NOW + starts_in, NOW - ago, reminder_out);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	struct sim_config sc = {.step_ms = 1};
	if (sim_start(&sc, &f->sim, &err) != 0)
		fail_msg("sim_start: %s", err);
	f->c = sim_client(f->sim);
	f->s = tu_store_new(&f->path);
	assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
	sqlite3_busy_timeout(f->raw, 5000);
	int64_t tid = 0;
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", CLINIC_PHONE, &tid, &err), 0);
	assert_int_equal(store_tenant_set(f->s, tid, "from_number", CLINIC_NUMBER, &err), 0);
	assert_int_equal(store_tenant_set(f->s, tid, "account_sid", sim_account_sid(f->sim), &err), 0);
	f->t.id = tid;
	reload_tenant(f);
	set_replies_by(f, "smsdesk");
	f->ann = add_patient(f, "Ann", ANN);
	f->mom = add_patient(f, "Maria", FAMILY);
	f->kid = add_patient(f, "Leo", FAMILY);
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

static void inject(struct fx *f, const char *from, const char *body)
{
	assert_int_equal(sim_inject_inbound(f->sim, from, CLINIC_NUMBER, body, NULL), 0);
}

static struct poll_stats poll_ok(struct fx *f)
{
	struct poll_stats st = {0};
	char *err = NULL;
	if (poll_inbound(f->s, f->c, &f->t, &st, &err) != 0)
		fail_msg("poll_inbound: %s", err);
	return st;
}

static struct twilio_client *client_for(void *ctx, int64_t tenant_id, char **err)
{
	(void)tenant_id;
	(void)err;
	return ctx;
}

static void drain(struct fx *f)
{
	struct outbox_stats st = {0};
	char *err = NULL;
	if (outbox_drain(f->s, client_for, f->c, "test", 0, &st, &err) != 0)
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

static char *optout_via(struct fx *f, const char *phone)
{
	return q_text(f, "SELECT via FROM sms_optouts WHERE phone = ?1", phone, 0);
}

static int64_t outbound_count(struct fx *f, const char *phone)
{
	return q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'outbound' AND to_number = ?1", phone, 0);
}

/* Decodes application/x-www-form-urlencoded text in place. */
static void form_decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == '+') {
			*o++ = ' ';
		} else if (*p == '%' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* The decoded form bodies of the POSTs the simulator received for `to` (accepted or not):
 * count returned; the last one in *last (malloc'd) when asked. */
static size_t posts_to(struct fx *f, const char *to, char **last)
{
	size_t count = 0;
	char *want = xasprintf("To=%s&", to);
	if (last)
		*last = NULL;
	for (size_t i = 0; i < sim_request_count(f->sim); i++) {
		char *method = NULL, *path = NULL, *body = NULL;
		if (sim_request_get(f->sim, i, &method, &path, &body) != 0)
			continue;
		if (strcmp(method, "POST") == 0 && strstr(path, "/Messages.json") && body != NULL) {
			char *dec = xasprintf("%s&", body);
			form_decode(dec);
			if (strstr(dec, want) != NULL) {
				count++;
				if (last) {
					free(*last);
					*last = xstrdup(dec);
				}
			}
			free(dec);
		}
		free(method);
		free(path);
		free(body);
	}
	free(want);
	return count;
}

static char *rendered(struct fx *f, const char *keyword)
{
	struct auto_response a;
	char *err = NULL;
	assert_int_equal(store_autoresp_find(f->s, f->t.id, keyword, &a, &err), 0);
	char *r = keywords_render(a.reply_text, "Oak Clinic", CLINIC_PHONE_SHOWN);
	auto_response_free(&a);
	return r;
}

static void inbound__opts_out__when_every_stop_variant(void **state)
{
	struct fx *f = *state;
	static const char *variants[] = {"STOP", "stop", "Stop.", " STOP ", "StopAll", "UNSUBSCRIBE", "cancel",
					 "End", "quit!", "REVOKE", "optout", "OPT OUT", "opt-out", "Opt-Out."};
	size_t n = sizeof(variants) / sizeof(variants[0]);
	char phone[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555810%zu", i % 10);
		if (i >= 10)
			snprintf(phone, sizeof(phone), "+131255581%zu", i);
		inject(f, phone, variants[i]);
	}
	struct poll_stats st = poll_ok(f);
	assert_int_equal(st.processed, (int)n);
	drain(f);
	char *want = rendered(f, "STOP");
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555810%zu", i % 10);
		if (i >= 10)
			snprintf(phone, sizeof(phone), "+131255581%zu", i);
		char *via = optout_via(f, phone);
		if (via == NULL || strcmp(via, "sms") != 0)
			fail_msg("variant \"%s\": not opted out via sms", variants[i]);
		free(via);
		/* Exactly one confirmation, sent to the simulator once. When the carrier also took the
		 * word as STOP (exact words only, like Twilio) it refuses with 21610: recorded, not
		 * retried. "Stop." or "opt-out" reach the patient. */
		assert_int_equal(outbound_count(f, phone), 1);
		char *last = NULL;
		assert_int_equal(posts_to(f, phone, &last), 1);
		assert_non_null(strstr(last, want));
		free(last);
		assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND message_type = "
					  "'optout_confirm' AND attempts = 1 AND (error_code = 21610 OR status <> 'failed')",
				       phone, 0),
				 1);
		/* An unknown sender: its own thread, no patient. */
		assert_int_equal(q_int(f, "SELECT count(*) FROM sms_threads WHERE phone = ?1 AND patient_id IS NULL", phone, 0), 1);
	}
	free(want);
}

static void inbound__opts_patient_out_and_in__when_stop_then_start_variants(void **state)
{
	struct fx *f = *state;
	static const char *variants[] = {"START", "start.", " Yes ", "UNSTOP", "unstop!"};
	static const bool sim_carrier_word[] = {true, false, true, true, false};
	char *err = NULL;
	for (size_t i = 0; i < 5; i++) {
		inject(f, ANN, "Stop");
		poll_ok(f);
		drain(f);
		struct sms_prefs p;
		assert_int_equal(store_prefs_get(f->s, f->ann, &p, &err), 0);
		assert_false(p.opted_in);
		assert_string_equal(p.opted_out_via, "sms");
		assert_int_equal(p.opted_out_at, NOW);
		sms_prefs_free(&p);
		clock_set_fake(NOW + 10 * (int64_t)i + 5);
		inject(f, ANN, variants[i]);
		poll_ok(f);
		/* Opted back in the moment the message is stored. */
		assert_int_equal(store_prefs_get(f->s, f->ann, &p, &err), 0);
		if (!p.opted_in)
			fail_msg("variant \"%s\" did not opt back in", variants[i]);
		sms_prefs_free(&p);
		bool out = true;
		assert_int_equal(store_number_opted_out(f->s, f->t.id, ANN, &out, &err), 0);
		assert_false(out);
		size_t before = sim_outbound_count_to(f->sim, ANN);
		drain(f);
		char *want = rendered(f, "START");
		char *last = NULL;
		posts_to(f, ANN, &last);
		assert_non_null(strstr(last, want));
		free(last);
		if (sim_carrier_word[i]) {
			/* The carrier lifted its block too: the confirmation reached the patient. */
			assert_int_equal(sim_outbound_count_to(f->sim, ANN), before + 1);
			char *body = sim_outbound_body(f->sim, ANN, before);
			assert_string_equal(body, want);
			free(body);
		} else {
			/* Carriers match exact words only: "start." leaves their block in place, the
			 * confirmation meets 21610 and smsdesk records the carrier's opt-out. */
			assert_int_equal(sim_outbound_count_to(f->sim, ANN), before);
			char *via = optout_via(f, ANN);
			assert_string_equal(via, "carrier");
			free(via);
			inject(f, ANN, "START");
			poll_ok(f);
			drain(f);
			assert_int_equal(sim_outbound_count_to(f->sim, ANN), before + 1);
		}
		free(want);
		clock_set_fake(NOW);
	}
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'pref.optout.sms' AND patient_id = ?1",
			       NULL, f->ann),
			 5);
	/* Five variants plus a plain START after each of the two the carrier ignored. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'pref.optin.sms' AND patient_id = ?1",
			       NULL, f->ann),
			 7);
}

static void inbound__answers_help__when_help_variants(void **state)
{
	struct fx *f = *state;
	static const char *variants[] = {"HELP", "help?", " Info ", "INFO."};
	char phone[32];
	for (size_t i = 0; i < 4; i++) {
		snprintf(phone, sizeof(phone), "+1312555820%zu", i);
		inject(f, phone, variants[i]);
	}
	poll_ok(f);
	drain(f);
	for (size_t i = 0; i < 4; i++) {
		snprintf(phone, sizeof(phone), "+1312555820%zu", i);
		assert_int_equal(sim_outbound_count_to(f->sim, phone), 1);
		char *body = sim_outbound_body(f->sim, phone, 0);
		assert_non_null(strstr(body, "Oak Clinic"));
		assert_non_null(strstr(body, CLINIC_PHONE_SHOWN));
		assert_non_null(strstr(body, "Reply STOP to opt out"));
		assert_null(strstr(body, "{clinic"));
		free(body);
		assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND message_type = 'help'",
				       phone, 0),
				 1);
	}
}

static void inbound__acts_on_appointment__when_c_r_x_variants(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *body, *appt_status, *response, *reply_kw, *reason;
	} cases[] = {
		{"C", "confirmed", "confirmed", "C", NULL},
		{"c.", "confirmed", "confirmed", "C", NULL},
		{"Confirm", "confirmed", "confirmed", "CONFIRM", NULL},
		{"R", "reschedule_requested", "reschedule", "R", "reschedule requested"},
		{"reschedule!", "reschedule_requested", "reschedule", "RESCHEDULE", "reschedule requested"},
		{"x", "cancelled", "cancelled", "X", "appointment cancelled"},
		{" X ", "cancelled", "cancelled", "X", "appointment cancelled"},
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	int64_t appt[16], rem[16];
	char phone[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555830%zu", i);
		int64_t p = add_patient(f, "Pat", phone);
		/* An older reminded appointment too: the most recently reminded one is acted on. */
		reminded_appt(f, p, 5 * 86400, 7200, NULL);
		appt[i] = reminded_appt(f, p, 86400, 600, &rem[i]);
		inject(f, phone, cases[i].body);
	}
	poll_ok(f);
	drain(f);
	char *err = NULL;
	for (size_t i = 0; i < n; i++) {
		snprintf(phone, sizeof(phone), "+1312555830%zu", i);
		struct appointment a;
		assert_int_equal(store_appt_get(f->s, appt[i], &a, &err), 0);
		if (strcmp(a.status, cases[i].appt_status) != 0)
			fail_msg("\"%s\": appointment %s", cases[i].body, a.status);
		appointment_free(&a);
		char *resp = q_text(f, "SELECT response FROM appointment_sms_reminders WHERE id = ?1", NULL, rem[i]);
		assert_string_equal(resp, cases[i].response);
		free(resp);
		assert_int_equal(q_int(f, "SELECT response_at FROM appointment_sms_reminders WHERE id = ?1", NULL, rem[i]), NOW);
		char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE phone = ?1", phone, 0);
		int64_t needs = q_int(f, "SELECT needs_action FROM sms_threads WHERE phone = ?1", phone, 0);
		if (cases[i].reason) {
			assert_int_equal(needs, 1);
			assert_string_equal(reason, cases[i].reason);
		} else {
			assert_int_equal(needs, 0);
			assert_null(reason);
		}
		free(reason);
		char *body = sim_outbound_body(f->sim, phone, 0);
		char *want = rendered(f, cases[i].reply_kw);
		assert_non_null(body);
		assert_string_equal(body, want);
		free(body);
		free(want);
		assert_int_equal(sim_outbound_count_to(f->sim, phone), 1);
	}
}

static void inbound__says_call_us__when_no_reminded_appointment(void **state)
{
	struct fx *f = *state;
	static const char *verbs[] = {"confirm", "reschedule", "cancel"};
	static const char *bodies[] = {"C", "R", "X"};
	char phone[32];
	for (size_t i = 0; i < 3; i++) {
		snprintf(phone, sizeof(phone), "+1312555840%zu", i);
		add_patient(f, "Pat", phone);
		inject(f, phone, bodies[i]);
	}
	poll_ok(f);
	drain(f);
	for (size_t i = 0; i < 3; i++) {
		snprintf(phone, sizeof(phone), "+1312555840%zu", i);
		char *body = sim_outbound_body(f->sim, phone, 0);
		char *want = xasprintf("We couldn't find an upcoming appointment to %s. Please call %s.", verbs[i],
				       CLINIC_PHONE_SHOWN);
		assert_non_null(body);
		assert_string_equal(body, want);
		free(body);
		free(want);
	}
}

static void inbound__marks_unread_without_reply__when_conversation(void **state)
{
	struct fx *f = *state;
	inject(f, ANN, "See you Tuesday, thanks");
	inject(f, ANN, "secret-body-marker-4711 my knee hurts");
	inject(f, STRANGER, "hello who is this");
	struct poll_stats st = poll_ok(f);
	assert_int_equal(st.processed, 3);
	drain(f);
	assert_int_equal(q_int(f, "SELECT unread_count FROM sms_threads WHERE phone = ?1", ANN, 0), 2);
	assert_int_equal(q_int(f, "SELECT needs_action FROM sms_threads WHERE phone = ?1", ANN, 0), 0);
	assert_int_equal(q_int(f, "SELECT patient_id FROM sms_threads WHERE phone = ?1", ANN, 0), f->ann);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE patient_id = ?1 AND direction = 'inbound'",
			       NULL, f->ann),
			 2);
	assert_int_equal(outbound_count(f, ANN), 0);
	assert_int_equal(sim_outbound_count(f->sim), 0);
	/* Unknown sender: a thread of its own with no patient. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_threads WHERE phone = ?1 AND patient_id IS NULL", STRANGER, 0), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE from_number = ?1 AND patient_id IS NULL",
			       STRANGER, 0),
			 1);
	/* The audit log records the message and the patient, never the words. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sms.inbound' AND patient_id = ?1", NULL,
			       f->ann),
			 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE detail LIKE '%' || ?1 || '%' OR target LIKE '%' || ?1 || '%'",
			       "marker-4711", 0),
			 0);
}

static void inbound__flags_possible_optout__when_revocation_phrase(void **state)
{
	struct fx *f = *state;
	static const char *phrases[] = {"please stop texting me", "No more texts!", "remove me", "don't text me",
					"no mas", "unsubscribe me"};
	char phone[32];
	for (size_t i = 0; i < 6; i++) {
		snprintf(phone, sizeof(phone), "+1312555850%zu", i);
		inject(f, phone, phrases[i]);
	}
	poll_ok(f);
	drain(f);
	char *err = NULL;
	for (size_t i = 0; i < 6; i++) {
		snprintf(phone, sizeof(phone), "+1312555850%zu", i);
		assert_int_equal(q_int(f, "SELECT needs_action FROM sms_threads WHERE phone = ?1", phone, 0), 1);
		char *reason = q_text(f, "SELECT action_reason FROM sms_threads WHERE phone = ?1", phone, 0);
		assert_string_equal(reason, "possible opt-out");
		free(reason);
		bool out = true;
		assert_int_equal(store_number_opted_out(f->s, f->t.id, phone, &out, &err), 0);
		assert_false(out); /* staff decide */
		assert_int_equal(outbound_count(f, phone), 0);
	}
}

static void inbound__acts_on_latest_family_appointment__when_shared_phone(void **state)
{
	struct fx *f = *state;
	int64_t rem_mom = 0, rem_kid = 0;
	int64_t a_mom = reminded_appt(f, f->mom, 86400, 3600, &rem_mom);
	int64_t a_kid = reminded_appt(f, f->kid, 2 * 86400, 60, &rem_kid);
	inject(f, FAMILY, "X");
	poll_ok(f);
	drain(f);
	char *err = NULL;
	struct appointment a;
	assert_int_equal(store_appt_get(f->s, a_kid, &a, &err), 0);
	assert_string_equal(a.status, "cancelled");
	appointment_free(&a);
	assert_int_equal(store_appt_get(f->s, a_mom, &a, &err), 0);
	assert_string_equal(a.status, "scheduled");
	appointment_free(&a);
	/* One thread for the number, showing both patients, none picked. */
	int64_t tid = q_int(f, "SELECT id FROM sms_threads WHERE phone = ?1", FAMILY, 0);
	struct sms_thread t;
	assert_int_equal(store_thread_get(f->s, tid, &t, &err), 0);
	assert_int_equal(t.patient_id, 0);
	assert_int_equal(t.patient_count, 2);
	assert_true(t.needs_action);
	sms_thread_free(&t);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'appt.cancel' AND patient_id = ?1", NULL,
			       f->kid),
			 1);
	/* STOP from the family phone opts every patient on it out. */
	inject(f, FAMILY, "STOP");
	poll_ok(f);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->mom, &p, &err), 0);
	assert_false(p.opted_in);
	sms_prefs_free(&p);
	assert_int_equal(store_prefs_get(f->s, f->kid, &p, &err), 0);
	assert_false(p.opted_in);
	sms_prefs_free(&p);
}

static void poll__processes_once__when_pages_replayed(void **state)
{
	struct fx *f = *state;
	char phone[32];
	for (int i = 0; i < 7; i++) {
		snprintf(phone, sizeof(phone), "+131255586%02d", i);
		inject(f, phone, "HELP");
	}
	inject(f, ANN, "hello");
	struct poll_stats st = poll_ok(f);
	assert_int_equal(st.processed, 8);
	char *err = NULL;
	struct sync_state ss;
	assert_int_equal(store_sync_get(f->s, f->t.id, &ss, &err), 0);
	assert_int_equal(ss.inbound_cursor, NOW);
	assert_null(ss.last_error);
	sync_state_free(&ss);
	/* The same pages again: from the cursor, and from the very beginning. */
	st = poll_ok(f);
	assert_true(st.seen >= 8);
	assert_int_equal(st.processed, 0);
	assert_int_equal(store_sync_set_cursor(f->s, f->t.id, 0, &err), 0);
	st = poll_ok(f);
	assert_int_equal(st.processed, 0);
	/* Straight through the processor too. */
	struct sms_message m = {.twilio_sid = NULL, .from_number = ANN, .to_number = CLINIC_NUMBER, .body = "HELP"};
	char *sid = q_text(f, "SELECT twilio_sid FROM sms_messages WHERE from_number = ?1", ANN, 0);
	m.twilio_sid = sid;
	bool processed = true;
	assert_int_equal(inbound_process(f->s, &f->t, &m, &processed, &err), 0);
	assert_false(processed);
	free(sid);
	drain(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), 8);
	for (int i = 0; i < 7; i++) {
		snprintf(phone, sizeof(phone), "+131255586%02d", i);
		assert_int_equal(sim_outbound_count_to(f->sim, phone), 1);
	}
	assert_int_equal(sim_outbound_count_to(f->sim, ANN), 0);
}

struct poller {
	const char *path;
	struct sim *sim;
	const struct tenant *t;
	int processed;
	int rc;
	pthread_barrier_t *go;
};

/* One poller: its own store connection and client, three polls. */
static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct store *s = NULL;
	char *err = NULL;
	p->rc = store_open(p->path, &s, &err);
	struct twilio_client *c = sim_client(p->sim);
	pthread_barrier_wait(p->go);
	for (int i = 0; i < 3 && p->rc == 0; i++) {
		struct poll_stats st = {0};
		p->rc = poll_inbound(s, c, p->t, &st, &err);
		p->processed += st.processed;
	}
	if (p->rc != 0)
		fprintf(stderr, "poller: %s\n", err ? err : "?");
	free(err);
	twilio_client_free(&c);
	store_close(&s);
	return NULL;
}

static void poll__processes_once__when_two_pollers_share_a_database(void **state)
{
	struct fx *f = *state;
	enum { N = 300 };
	char phone[32];
	for (int i = 0; i < N; i++) {
		snprintf(phone, sizeof(phone), "+13125587%03d", i);
		inject(f, phone, i % 3 == 0 ? "HELP" : i % 3 == 1 ? "STOP" : "see you soon");
	}
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 2);
	struct poller a = {.path = f->path, .sim = f->sim, .t = &f->t, .go = &go};
	struct poller b = a;
	pthread_t ta, tb;
	pthread_create(&ta, NULL, poller_main, &a);
	pthread_create(&tb, NULL, poller_main, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&go);
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_int_equal(a.processed + b.processed, N);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), N);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE message_type = 'help'", NULL, 0), N / 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE message_type = 'optout_confirm'", NULL, 0), N / 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_optouts", NULL, 0), N / 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sms.inbound'", NULL, 0), N);
	drain(f);
	assert_int_equal(sim_outbound_count(f->sim), N / 3); /* the HELP replies (STOP ones meet 21610) */
	int64_t bad = -1;
	char *err = NULL;
	assert_int_equal(store_audit_verify(f->s, &bad, &err), 0);
	assert_int_equal(bad, 0);
}

static void inbound__refuses_all_but_confirmation_and_help__when_opted_out(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	/* Something already waits for Ann: STOP must cancel it. */
	struct outbox_request req = {.tenant_id = f->t.id, .patient_id = f->ann, .body = "Your lab results are in.",
				     .message_type = "conversation", .actor = "alice"};
	int64_t waiting = 0;
	assert_int_equal(outbox_queue(f->s, &req, &waiting, &err), 0);
	inject(f, ANN, "STOP");
	poll_ok(f);
	char *status = q_text(f, "SELECT status FROM sms_messages WHERE id = ?1", NULL, waiting);
	assert_string_equal(status, "failed");
	free(status);
	/* A staff send now is refused by the one send path. */
	req.body = "Are you sure?";
	assert_int_equal(outbox_queue(f->s, &req, NULL, &err), OUTBOX_REFUSED);
	assert_non_null(err);
	xfree(&err);
	/* So are reminders and keyword replies; HELP is still answered. */
	reminded_appt(f, f->ann, 86400, 60, NULL);
	inject(f, ANN, "C");
	inject(f, ANN, "HELP");
	poll_ok(f);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND message_type = 'auto_reply'",
			       ANN, 0),
			 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sms.reply_refused'", NULL, 0), 1);
	drain(f);
	char *last = NULL;
	assert_int_equal(posts_to(f, ANN, &last), 2); /* the confirmation, then HELP */
	assert_non_null(strstr(last, "Reply STOP to opt out"));
	free(last);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1 AND body LIKE '%lab results%'"
				  " AND status = 'failed'",
			       ANN, 0),
			 1);
}

static void inbound__sends_no_confirmation__when_twilio_replies(void **state)
{
	struct fx *f = *state;
	set_replies_by(f, "twilio");
	char *err = NULL;
	inject(f, ANN, "STOP");
	poll_ok(f);
	drain(f);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, f->ann, &p, &err), 0);
	assert_false(p.opted_in);
	sms_prefs_free(&p);
	assert_int_equal(outbound_count(f, ANN), 0);
	assert_int_equal(posts_to(f, ANN, NULL), 0);
	clock_set_fake(NOW + 60);
	inject(f, ANN, "START");
	poll_ok(f);
	drain(f);
	assert_int_equal(store_prefs_get(f->s, f->ann, &p, &err), 0);
	assert_true(p.opted_in);
	sms_prefs_free(&p);
	assert_int_equal(outbound_count(f, ANN), 0);
	/* HELP is still ours to answer. */
	inject(f, ANN, "HELP");
	poll_ok(f);
	drain(f);
	assert_int_equal(sim_outbound_count_to(f->sim, ANN), 1);
}

static void poll__ends_opted_in__when_stop_then_start_in_one_poll(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	inject(f, ANN, "STOP");
	clock_set_fake(NOW + 30);
	inject(f, ANN, "START");
	poll_ok(f);
	bool out = true;
	assert_int_equal(store_number_opted_out(f->s, f->t.id, ANN, &out, &err), 0);
	assert_false(out);
	/* Same second: Twilio's list order (newest first) decides. */
	inject(f, FAMILY, "START");
	inject(f, FAMILY, "STOP");
	poll_ok(f);
	assert_int_equal(store_number_opted_out(f->s, f->t.id, FAMILY, &out, &err), 0);
	assert_true(out);
}

static void outbox__opts_out_via_carrier__when_21610_on_send_or_status(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct outbox_request req = {.tenant_id = f->t.id, .to = "+15005550004", .body = "Hello",
				     .message_type = "conversation", .actor = "alice"};
	assert_int_equal(outbox_queue(f->s, &req, NULL, &err), 0);
	req.to = "+15005550010";
	assert_int_equal(outbox_queue(f->s, &req, NULL, &err), 0);
	drain(f);
	char *via = optout_via(f, "+15005550004");
	assert_non_null(via);
	assert_string_equal(via, "carrier");
	free(via);
	/* The second was accepted and fails later: the status refresh sees 21610. */
	clock_set_fake(NOW + 120);
	int updated = 0;
	assert_int_equal(status_refresh(f->s, f->c, &f->t, 100, &updated, &err), 0);
	assert_true(updated >= 1);
	via = optout_via(f, "+15005550010");
	assert_non_null(via);
	assert_string_equal(via, "carrier");
	free(via);
	bool out = false;
	assert_int_equal(store_number_opted_out(f->s, f->t.id, "+15005550010", &out, &err), 0);
	assert_true(out);
	req.to = "+15005550004";
	req.body = "Again";
	assert_int_equal(outbox_queue(f->s, &req, NULL, &err), OUTBOX_REFUSED);
	xfree(&err);
}

static void inbound__uses_tenant_rows__when_custom_or_disabled(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response hours = {.tenant_id = f->t.id, .keyword = "HOURS", .action = "reply",
				      .reply_text = "{clinicName} is open 8-5, call {clinicPhone}.", .enabled = true};
	assert_int_equal(store_autoresp_upsert(f->s, &hours, NULL, &err), 0);
	struct auto_response c;
	assert_int_equal(store_autoresp_find(f->s, f->t.id, "C", &c, &err), 0);
	c.enabled = false;
	assert_int_equal(store_autoresp_upsert(f->s, &c, NULL, &err), 0);
	auto_response_free(&c);
	struct auto_response stop;
	assert_int_equal(store_autoresp_find(f->s, f->t.id, "STOP", &stop, &err), 0);
	free(stop.reply_text);
	stop.reply_text = xstrdup("Done: no more {clinicName} texts. START to undo.");
	assert_int_equal(store_autoresp_upsert(f->s, &stop, NULL, &err), 0);
	auto_response_free(&stop);
	int64_t appt = reminded_appt(f, f->ann, 86400, 60, NULL);
	inject(f, ANN, "hours?");
	inject(f, ANN, "C");
	inject(f, STRANGER, "stop");
	poll_ok(f);
	drain(f);
	char *body = sim_outbound_body(f->sim, ANN, 0);
	assert_string_equal(body, "Oak Clinic is open 8-5, call " CLINIC_PHONE_SHOWN ".");
	free(body);
	assert_int_equal(sim_outbound_count_to(f->sim, ANN), 1); /* C is plain conversation now */
	struct appointment a;
	assert_int_equal(store_appt_get(f->s, appt, &a, &err), 0);
	assert_string_equal(a.status, "scheduled");
	appointment_free(&a);
	char *last = NULL;
	assert_int_equal(posts_to(f, STRANGER, &last), 1);
	assert_non_null(strstr(last, "Done: no more Oak Clinic texts. START to undo."));
	free(last);
}

static void poll__keeps_cursor__when_listing_fails(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	inject(f, ANN, "hello");
	sim_set_fault(f->sim, SIM_FAULT_500, 1, 0);
	struct poll_stats st = {0};
	assert_int_equal(poll_inbound(f->s, f->c, &f->t, &st, &err), -1);
	assert_non_null(err);
	xfree(&err);
	struct sync_state ss;
	assert_int_equal(store_sync_get(f->s, f->t.id, &ss, &err), 0);
	assert_int_equal(ss.inbound_cursor, 0);
	assert_non_null(ss.last_error);
	sync_state_free(&ss);
	sim_set_fault(f->sim, SIM_FAULT_MALFORMED, 1, 0);
	assert_int_equal(poll_inbound(f->s, f->c, &f->t, &st, &err), -1);
	xfree(&err);
	st = poll_ok(f);
	assert_int_equal(st.processed, 1);
	assert_int_equal(store_sync_get(f->s, f->t.id, &ss, &err), 0);
	assert_int_equal(ss.inbound_cursor, NOW);
	assert_null(ss.last_error);
	sync_state_free(&ss);
}

/* Issue 15 batches a page of messages per transaction with a savepoint per message: one that
 * fails mid-way (its audit entry refused here by a trigger) is undone alone, the messages
 * before it stay, the cursor stays, and the next poll processes the rest exactly once. */
static void poll__keeps_earlier_undoes_failed__when_one_message_fails(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *poison = "+13125558801", *after = "+13125558802";
	inject(f, ANN, "hello");
	inject(f, FAMILY, "HELP");
	inject(f, poison, "poison");
	inject(f, after, "HELP");
	assert_int_equal(sqlite3_exec(f->raw,
				      "CREATE TRIGGER test_poison BEFORE INSERT ON audit_log"
				      " WHEN EXISTS (SELECT 1 FROM sms_messages WHERE body = 'poison')"
				      " BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	struct poll_stats st = {0};
	assert_int_equal(poll_inbound(f->s, f->c, &f->t, &st, &err), -1);
	assert_non_null(strstr(err, "poisoned"));
	xfree(&err);
	assert_int_equal(st.processed, 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), 2);
	/* Nothing of the failed message is left: no row, no thread, no queued reply. */
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_threads WHERE phone = ?1", poison, 0), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1", after, 0), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1", FAMILY, 0), 1);
	assert_int_equal(q_int(f, "SELECT inbound_cursor FROM sync_state WHERE tenant_id = ?1", NULL, f->t.id), 0);

	assert_int_equal(sqlite3_exec(f->raw, "DROP TRIGGER test_poison", NULL, NULL, NULL), SQLITE_OK);
	st = poll_ok(f);
	assert_int_equal(st.processed, 2);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), 4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE to_number = ?1", after, 0), 1);
	assert_int_equal(q_int(f, "SELECT inbound_cursor FROM sync_state WHERE tenant_id = ?1", NULL, f->t.id), NOW);
	assert_int_equal(poll_ok(f).processed, 0);
	int64_t bad = -1;
	assert_int_equal(store_audit_verify(f->s, &bad, &err), 0);
	assert_int_equal(bad, 0);
}

/* A catch-up of more than a page (a server that was off for a while) is processed a page per
 * transaction with a bigger page cache (store_cache_grow), which is handed back after: every
 * message once, one thread each, the audit chain whole, the cache at SQLite's default. */
static void poll__processes_all_and_gives_cache_back__when_catching_up_over_a_page(void **state)
{
	struct fx *f = *state;
	char phone[32];
	for (int i = 0; i < 2300; i++) {
		snprintf(phone, sizeof(phone), "+1312556%04d", i % 1500);
		inject(f, phone, i % 2 ? "running late" : "see you then");
	}
	struct poll_stats st = poll_ok(f);
	assert_true(st.pages >= 3);
	assert_int_equal(st.processed, 2300);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), 2300);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_threads", NULL, 0), 1500);
	assert_int_equal(q_int(f, "SELECT sum(unread_count) FROM sms_threads", NULL, 0), 2300);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sms.inbound'", NULL, 0), 2300);
	sqlite3_stmt *st_cache = NULL;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), "PRAGMA cache_size", -1, &st_cache, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st_cache), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st_cache, 0), -2000);
	sqlite3_finalize(st_cache);
	char *err = NULL;
	int64_t bad = -1;
	assert_int_equal(store_audit_verify(f->s, &bad, &err), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(poll_ok(f).processed, 0);
}

static void inbound__stores_safely__when_hostile_body(void **state)
{
	struct fx *f = *state;
	size_t n = 10 * 1024;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = "\x1b[2J\x07stop\xff\xfe\r\n"[i % 14];
	big[n] = '\0';
	inject(f, ANN, big);
	inject(f, ANN, "");
	inject(f, ANN, "'; DROP TABLE sms_messages; --");
	free(big);
	struct poll_stats st = poll_ok(f);
	assert_int_equal(st.processed, 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM sms_messages WHERE direction = 'inbound'", NULL, 0), 3);
	char *err = NULL;
	bool out = true;
	assert_int_equal(store_number_opted_out(f->s, f->t.id, ANN, &out, &err), 0);
	assert_false(out);
	/* Bad input straight to the processor. */
	struct sms_message m = {.from_number = ANN, .body = "HELP"};
	bool processed = true;
	assert_int_equal(inbound_process(f->s, &f->t, &m, &processed, &err), -1);
	assert_false(processed);
	xfree(&err);
	m.twilio_sid = "SMdeadbeef";
	m.from_number = NULL;
	assert_int_equal(inbound_process(f->s, &f->t, &m, &processed, &err), -1);
	xfree(&err);
}


static void inbound__fills_first_name__when_reply_uses_patient_name(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response hours = {.tenant_id = f->t.id, .keyword = "HOURS", .action = "reply",
				      .reply_text = "Hi {patientName}, {clinicName} is open 8-5: {clinicPhone}.",
				      .enabled = true};
	assert_int_equal(store_autoresp_upsert(f->s, &hours, NULL, &err), 0);
	inject(f, ANN, "hours");
	inject(f, STRANGER, "hours");
	poll_ok(f);
	drain(f);
	char *body = sim_outbound_body(f->sim, ANN, 0);
	assert_string_equal(body, "Hi Ann, Oak Clinic is open 8-5: " CLINIC_PHONE_SHOWN ".");
	free(body);
	body = sim_outbound_body(f->sim, STRANGER, 0);
	assert_string_equal(body, "Hi there, Oak Clinic is open 8-5: " CLINIC_PHONE_SHOWN ".");
	free(body);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(inbound__opts_out__when_every_stop_variant),
		T(inbound__opts_patient_out_and_in__when_stop_then_start_variants),
		T(inbound__answers_help__when_help_variants),
		T(inbound__acts_on_appointment__when_c_r_x_variants),
		T(inbound__says_call_us__when_no_reminded_appointment),
		T(inbound__marks_unread_without_reply__when_conversation),
		T(inbound__flags_possible_optout__when_revocation_phrase),
		T(inbound__acts_on_latest_family_appointment__when_shared_phone),
		T(poll__processes_once__when_pages_replayed),
		T(poll__processes_all_and_gives_cache_back__when_catching_up_over_a_page),
		T(poll__processes_once__when_two_pollers_share_a_database),
		T(inbound__refuses_all_but_confirmation_and_help__when_opted_out),
		T(inbound__sends_no_confirmation__when_twilio_replies),
		T(poll__ends_opted_in__when_stop_then_start_in_one_poll),
		T(outbox__opts_out_via_carrier__when_21610_on_send_or_status),
		T(inbound__uses_tenant_rows__when_custom_or_disabled),
		T(poll__keeps_cursor__when_listing_fails),
		T(poll__keeps_earlier_undoes_failed__when_one_message_fails),
		T(inbound__stores_safely__when_hostile_body),
		T(inbound__fills_first_name__when_reply_uses_patient_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
