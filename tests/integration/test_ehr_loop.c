/* The EHR loop end to end over real sockets: the fake EHR (src/sim/sim_ehr.c) sends an SIU^S12
 * over MLLP to smsdesk's listener -> the reminder goes out through the Twilio simulator -> the
 * patient answers C -> the write-back (SIU^S14, "CONFIRMED") arrives at the fake EHR over
 * MLLP and is ACKed. A malformed message gets a NAK and changes nothing; a write-back the EHR
 * does not acknowledge is retried with the same control id, never lost. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/ehr.h"
#include "src/hl7.h"
#include "src/reminders.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/util.h"

#define NOW 1795028800LL /* 2026-11-18 11:46 in Chicago: inside texting hours */
#define CLINIC "+13125550100"
#define MARY "+13125557001"

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	int64_t tenant;
	struct sim_ehr *ehr;
	struct ehr_listener *listener;
	char addr[64]; /* smsdesk's listener */
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	st_sim_store_vault(1000, &f->sim, &f->s, &f->dir, &f->v);
	f->tenant = st_sim_tenant_add(f->s, f->v, f->sim, "Main Street", "+13125550199", CLINIC, sim_auth_token(f->sim));
	assert_int_equal(store_tenant_set(f->s, f->tenant, "reminder_template",
					  "Hi {patientName}: appointment {appointmentDate} {appointmentTime}. Call {clinicPhone}. "
					  "Reply C, R or X.",
					  NULL), 0);
	if (sim_ehr_start("127.0.0.1:0", &f->ehr, &err) != 0 ||
	    ehr_listener_start(store_path(f->s), "127.0.0.1:0", NULL, &f->listener, &err) != 0)
		fail_msg("%s", err);
	char wb[64];
	snprintf(wb, sizeof(wb), "127.0.0.1:%u", sim_ehr_port(f->ehr));
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback", wb, NULL), 0);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", ehr_listener_port(f->listener));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ehr_listener_stop(&f->listener);
	sim_ehr_stop(&f->ehr);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* Sends msg from the fake EHR; returns the ACK code (static buffer). */
static const char *ehr_send(struct fx *f, const char *msg)
{
	static char out[3];
	char *code = NULL, *err = NULL;
	if (sim_ehr_send(f->addr, msg, &code, &err) != 0)
		fail_msg("send: %s", err);
	snprintf(out, sizeof(out), "%s", code);
	free(code);
	return out;
}

/* One sync pass (inbound poll, status, outbox drain). */
static void sync_pass(struct fx *f)
{
	struct sync_engine *e = NULL;
	struct sync_report r = {0};
	char *err = NULL;
	assert_int_equal(sync_engine_new(f->s, f->v, "scheduler@test:1", &e, &err), 0);
	bool holding = false;
	assert_int_equal(sync_engine_lease(e, &holding, &err), 0);
	assert_true(holding);
	if (sync_engine_pass(e, &r, &err) != 0)
		fail_msg("sync: %s", err);
	sync_report_clear(&r);
	sync_engine_release(e);
	sync_engine_free(&e);
}

/* Counts the tenant's appointments. */
static size_t appts(struct fx *f)
{
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, 0, INT64_MAX, &list, &n, NULL), 0);
	appointment_list_free(&list, n);
	return n;
}

/* The value of one field of the n-th message the fake EHR received. */
static char *received_field(struct fx *f, size_t n, const char *seg, int field, int comp)
{
	char *msg = sim_ehr_message(f->ehr, n), *err = NULL;
	assert_non_null(msg);
	struct hl7_msg *h = NULL;
	if (hl7_parse(msg, strlen(msg), &h, &err) != 0)
		fail_msg("the write-back is not valid HL7: %s", err);
	char *v = hl7_get_named(h, seg, field, 0, comp);
	hl7_free(&h);
	free(msg);
	return v;
}

static void ehr_loop__s12_reminder_confirm_writes_back_s14__over_mllp(void **state)
{
	struct fx *f = *state;
	char *siu = sim_ehr_siu("S12", "EHR0001", "A-77", "MRN42", "Mary", "Major", MARY, NOW + 23 * 3600);
	assert_string_equal(ehr_send(f, siu), "AA");
	free(siu);
	assert_int_equal(appts(f), 1);

	struct reminders_report rr = {0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	assert_int_equal(rr.queued, 1);
	reminders_report_clear(&rr);
	sync_pass(f);
	assert_int_equal(sim_outbound_count_to(f->sim, MARY), 1);

	assert_int_equal(sim_inject_inbound(f->sim, MARY, CLINIC, "C", NULL), 0);
	sync_pass(f);
	assert_int_equal(sim_ehr_count(f->ehr), 0); /* queued, not yet sent */
	struct ehr_drain_stats st = {0};
	char *err = NULL;
	assert_int_equal(ehr_writeback_drain(f->s, clock_now(), 5000, &st, &err), 0);
	assert_int_equal(st.sent, 1);
	free(st.last_error);
	assert_int_equal(sim_ehr_count(f->ehr), 1);

	char *v = received_field(f, 0, "MSH", 9, 0);
	assert_string_equal(v, "SIU^S14");
	free(v);
	v = received_field(f, 0, "SCH", 2, 1);
	assert_string_equal(v, "A-77");
	free(v);
	v = received_field(f, 0, "SCH", 6, 1);
	assert_string_equal(v, "CONFIRMED");
	free(v);
	v = received_field(f, 0, "PID", 3, 1);
	assert_string_equal(v, "MRN42");
	free(v);
	struct ehr_out *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 0, &rows, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].status, "sent");
	assert_string_equal(rows[0].event, "confirmed");
	ehr_out_list_free(&rows, n);
	/* Another pass sends nothing again. */
	st = (struct ehr_drain_stats){0};
	assert_int_equal(ehr_writeback_drain(f->s, clock_now() + 7200, 5000, &st, &err), 0);
	assert_int_equal(st.sent + st.retrying + st.failed, 0);
	assert_int_equal(sim_ehr_count(f->ehr), 1);
}

static void ehr_loop__malformed_gets_nak__and_changes_nothing(void **state)
{
	struct fx *f = *state;
	assert_string_equal(ehr_send(f, "MSH|^~\\&|SIMEHR|X|S|S|1||SIU^S12|BAD1|P|2.5\rPID|1||\\Q\\\r"), "AR");
	assert_string_equal(ehr_send(f, "MSH|^~\\&|SIMEHR|X|S|S|1||SIU^S12|BAD2|P|2.5\rSCH||A1\r"), "AE");
	assert_string_equal(ehr_send(f, "garbage without a header"), "AR");
	assert_int_equal(appts(f), 0);
	struct patient *pl = NULL;
	size_t n = 9;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &pl, &n, NULL), 0);
	assert_int_equal(n, 0);
	patient_list_free(&pl, n);
	/* The listener is still there for the next good message. */
	char *siu = sim_ehr_siu("S12", "EHR0002", "A-78", "MRN43", "Tom", "Lee", MARY, NOW + 86400);
	assert_string_equal(ehr_send(f, siu), "AA");
	free(siu);
	assert_int_equal(appts(f), 1);
}

static void ehr_loop__retries_same_control_id__when_ehr_does_not_ack(void **state)
{
	struct fx *f = *state;
	char *siu = sim_ehr_siu("S12", "EHR0003", "A-79", "MRN44", "Ann", "Bell", MARY, NOW + 23 * 3600);
	assert_string_equal(ehr_send(f, siu), "AA");
	free(siu);
	int64_t appt = 0;
	assert_int_equal(store_ehr_appt_find(f->s, f->tenant, "A-79", &appt, NULL), 0);
	char *err = NULL;
	assert_int_equal(store_begin(f->s, NULL), 0);
	assert_int_equal(ehr_writeback_appt(f->s, f->tenant, appt, "cancelled", NOW, &err), 0);
	assert_int_equal(store_commit(f->s, NULL), 0);
	sim_ehr_answer(f->ehr, "", 1); /* the first try gets no answer */
	struct ehr_drain_stats st = {0};
	assert_int_equal(ehr_writeback_drain(f->s, NOW, 300, &st, &err), 0);
	assert_int_equal(st.retrying, 1);
	free(st.last_error);
	st = (struct ehr_drain_stats){0};
	assert_int_equal(ehr_writeback_drain(f->s, NOW + 1, 300, &st, &err), 0);
	assert_int_equal(st.sent + st.retrying, 0); /* backing off */
	assert_int_equal(ehr_writeback_drain(f->s, NOW + 3600, 5000, &st, &err), 0);
	assert_int_equal(st.sent, 1);
	free(st.last_error);
	assert_int_equal(sim_ehr_count(f->ehr), 2);
	char *c1 = received_field(f, 0, "MSH", 10, 1), *c2 = received_field(f, 1, "MSH", 10, 1);
	assert_string_equal(c1, c2); /* the EHR can tell it is the same message */
	char *status = received_field(f, 1, "SCH", 25, 1);
	assert_string_equal(status, "Cancelled");
	free(status);
	free(c1);
	free(c2);
}

/* STOP then START from the patient's phone (through the Twilio simulator and the poller): the
 * fake EHR gets the opt-out and then the opt-back-in, both ADT^A08 for its patient id, ZSC-1 N
 * then Y, in that order; without the second the EHR would keep the old opt-out. */
static void ehr_loop__stop_then_start__writes_back_opt_out_then_opt_in(void **state)
{
	struct fx *f = *state;
	char *siu = sim_ehr_siu("S12", "EHR0004", "A-80", "MRN45", "Mary", "Major", MARY, NOW + 3 * 86400);
	assert_string_equal(ehr_send(f, siu), "AA");
	free(siu);
	assert_int_equal(sim_inject_inbound(f->sim, MARY, CLINIC, "STOP", NULL), 0);
	sync_pass(f);
	assert_int_equal(sim_inject_inbound(f->sim, MARY, CLINIC, "START", NULL), 0);
	sync_pass(f);
	struct ehr_drain_stats st = {0};
	char *err = NULL;
	assert_int_equal(ehr_writeback_drain(f->s, clock_now(), 5000, &st, &err), 0);
	assert_int_equal(st.sent, 2);
	free(st.last_error);
	assert_int_equal(sim_ehr_count(f->ehr), 2);
	static const char *const flags[] = {"N", "Y"}, *const how[] = {"SMS STOP", "SMS START"};
	for (size_t i = 0; i < 2; i++) {
		char *type = received_field(f, i, "MSH", 9, 0), *id = received_field(f, i, "PID", 3, 1);
		char *flag = received_field(f, i, "ZSC", 1, 1), *method = received_field(f, i, "ZSC", 3, 1);
		assert_string_equal(type, "ADT^A08^ADT_A01");
		assert_string_equal(id, "MRN45");
		assert_string_equal(flag, flags[i]);
		assert_string_equal(method, how[i]);
		free(type);
		free(id);
		free(flag);
		free(method);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ehr_loop__s12_reminder_confirm_writes_back_s14__over_mllp, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_loop__malformed_gets_nak__and_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_loop__retries_same_control_id__when_ehr_does_not_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_loop__stop_then_start__writes_back_opt_out_then_opt_in, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
