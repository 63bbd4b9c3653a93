/* The send path under each fault the simulator can inject, one message per fault: whatever
 * Twilio did, the message reaches it exactly once after the reconcile, and the row says in
 * words what went wrong while the outcome was unknown (the CLI and the console show it). */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1795000000LL
#define CLINIC_NUMBER "+13125550100"

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	struct twilio_client *quick; /* no retries, 400 ms timeout: each fault shows at once */
	int64_t tenant;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	clock_set_fake(NOW);
	st_sim_store_vault(1000, &f->sim, &f->s, &f->dir, &f->v);
	f->tenant = st_sim_tenant_add(f->s, f->v, f->sim, "Fault Clinic", "+13125550199", CLINIC_NUMBER,
				      sim_auth_token(f->sim));
	f->quick = st_sim_client(f->sim, 400);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	twilio_client_free(&f->quick);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

static struct twilio_client *quick_client(void *ctx, int64_t tenant_id, char **err)
{
	return ((struct fx *)ctx)->quick;
}

/* One fault on the POST of one message, and what must follow. */
struct fault_case {
	enum sim_fault fault;
	int param;
	const char *words;   /* in the row's error while it is unsure */
	bool twilio_has_it;  /* after the fault, before any reconcile */
};

/* Queues a message to `to`, drains it into the fault, checks the row, reconciles past the
 * staleness, drains again: Twilio must hold it exactly once and the row must be sent. */
static void run_case(struct fx *f, const struct fault_case *c, const char *to, int64_t t)
{
	char *err = NULL;
	int64_t id = 0;
	clock_set_fake(t);
	struct outbox_request req = {.tenant_id = f->tenant, .to = to, .body = "Your results are in",
				     .message_type = "conversation", .actor = "frontdesk"};
	assert_int_equal(outbox_queue(f->s, &req, &id, &err), 0);
	sim_set_fault_method(f->sim, "POST");
	sim_set_fault(f->sim, c->fault, 1, c->param);
	struct outbox_stats st = {0};
	assert_int_equal(outbox_drain(f->s, quick_client, f, "scheduler@test:1", 0, &st, &err), 0);
	if (st.sent + st.failed + st.retrying != 0)
		fail_msg("fault %d: sent %d failed %d retrying %d", (int)c->fault, st.sent, st.failed, st.retrying);
	struct sms_message m;
	assert_int_equal(store_msg_get(f->s, id, &m, &err), 0);
	assert_string_equal(m.status, "sending");
	if (m.error_message == NULL || strstr(m.error_message, c->words) == NULL ||
	    strstr(m.error_message, "Twilio may have it") == NULL)
		fail_msg("fault %d: the row says \"%s\", not \"%s\"", (int)c->fault,
			 m.error_message ? m.error_message : "(nothing)", c->words);
	sms_message_free(&m);
	assert_int_equal(sim_outbound_count_to(f->sim, to), c->twilio_has_it ? 1 : 0);

	clock_set_fake(t + 121);
	memset(&st, 0, sizeof(st));
	assert_int_equal(outbox_reconcile(f->s, quick_client, f, 120, &st, &err), 0);
	assert_int_equal(st.reconciled, 1);
	assert_int_equal(outbox_drain(f->s, quick_client, f, "scheduler@test:1", 0, &st, &err), 0);
	assert_int_equal(store_msg_get(f->s, id, &m, &err), 0);
	assert_non_null(m.twilio_sid);
	assert_null(m.error_message); /* settled: the worry is gone from the row */
	sms_message_free(&m);
	assert_int_equal(sim_outbound_count_to(f->sim, to), 1);
}

static void outbox_faults__sent_once_and_said_in_words__for_each_unsure_fault(void **state)
{
	struct fx *f = *state;
	static const struct fault_case cases[] = {
	    {SIM_FAULT_500, 0, "Internal Server Error", false},
	    {SIM_FAULT_MALFORMED, 0, "could not be read", true},
	    {SIM_FAULT_DROP, 0, "connection", false},
	    {SIM_FAULT_DROP_AFTER, 0, "connection", true},
	    {SIM_FAULT_HANG, 600, "", false}, /* the client's 400 ms timeout: any words */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char to[20];
		snprintf(to, sizeof(to), "+1312555%04zu", 7000 + i);
		run_case(f, &cases[i], to, NOW + (int64_t)i * 1000);
	}
	struct sim_stats st;
	sim_get_stats(f->sim, &st);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.outbound, 5);
	assert_int_equal(st.faults, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(outbox_faults__sent_once_and_said_in_words__for_each_unsure_fault, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
