/* A STOP that lands while a message is claimed ("sending") must still stop it: whatever puts
 * the message back in the queue (a lost claim reconciled after a crash, a retry after a
 * transient error), it must not go to the number that opted out. Real store file, real
 * vault and client cache, the real loopback simulator, STOP through inbound_process. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/connect.h"
#include "src/inbound.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1795000000LL /* 2026-11-18 */
#define CLINIC_NUMBER "+13125550100"
#define JANE "+13125557001"

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	struct client_cache *cache;
	struct tenant t;
	int64_t jane;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	st_sim_store_vault(1000, &f->sim, &f->s, &f->dir, &f->v);
	int64_t tid = st_sim_tenant_add(f->s, f->v, f->sim, "Main Street Clinic", "+13125550199", CLINIC_NUMBER,
					sim_auth_token(f->sim));
	assert_int_equal(store_tenant_set(f->s, tid, "optout_replies_by", "smsdesk", &err), 0);
	assert_int_equal(store_autoresp_seed_defaults(f->s, tid, &err), 0);
	assert_int_equal(store_tenant_get(f->s, tid, &f->t, &err), 0);
	f->cache = client_cache_new(f->s, f->v);
	struct patient p = {.tenant_id = tid, .first_name = "Jane", .last_name = "Doe", .mobile = JANE};
	assert_int_equal(store_patient_add(f->s, &p, &f->jane, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	client_cache_free(&f->cache);
	tenant_free(&f->t);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* Queues a conversation text to Jane and claims it as a sender that then dies. */
static int64_t queue_and_claim(struct fx *f)
{
	struct outbox_request req = {.tenant_id = f->t.id,
				     .patient_id = f->jane,
				     .body = "Your results are ready",
				     .message_type = "conversation",
				     .actor = "frontdesk"};
	int64_t id = 0;
	char *err = NULL;
	if (outbox_queue(f->s, &req, &id, &err) != 0)
		fail_msg("outbox_queue: %s", err);
	struct sms_message m;
	assert_int_equal(store_msg_claim_next(f->s, 0, "crashy@host:9", NOW, &m, &err), 0);
	assert_int_equal(m.id, id);
	assert_string_equal(m.status, "sending");
	sms_message_free(&m);
	return id;
}

/* Jane texts STOP (through the real inbound path). */
static void jane_says_stop(struct fx *f)
{
	struct sms_message in = {.tenant_id = f->t.id,
				 .twilio_sid = "SM0000000000000000000000000000stop",
				 .direction = "inbound",
				 .from_number = JANE,
				 .to_number = CLINIC_NUMBER,
				 .body = "STOP",
				 .status = "received",
				 .created_at = clock_now()};
	bool processed = false;
	char *err = NULL;
	if (inbound_process(f->s, &f->t, &in, &processed, &err) != 0)
		fail_msg("inbound_process: %s", err);
	assert_true(processed);
	bool out = false;
	assert_int_equal(store_number_opted_out(f->s, f->t.id, JANE, &out, &err), 0);
	assert_true(out);
}

/* Drains everything due now; returns what was sent. */
static int drain_now(struct fx *f)
{
	struct outbox_stats st = {0};
	char *err = NULL;
	if (outbox_drain(f->s, client_cache_get, f->cache, "scheduler@test:1", 0, &st, &err) != 0)
		fail_msg("outbox_drain: %s", err);
	return st.sent;
}

static void outbox_reconcile__never_sends__when_stop_came_during_lost_claim(void **state)
{
	struct fx *f = *state;
	int64_t id = queue_and_claim(f);
	jane_says_stop(f);
	/* The sender died before its POST: Twilio never had the text, so it is queued again... */
	clock_set_fake(NOW + 121);
	struct outbox_stats st = {0};
	char *err = NULL;
	assert_int_equal(outbox_reconcile(f->s, client_cache_get, f->cache, 120, &st, &err), 0);
	/* ...and the drain must refuse it now. Only the opt-out confirmation may go. */
	drain_now(f);
	clock_set_fake(NOW + 100000);
	drain_now(f);
	struct sms_message m;
	assert_int_equal(store_msg_get(f->s, id, &m, &err), 0);
	assert_null(m.twilio_sid);
	assert_string_equal(m.status, "failed");
	sms_message_free(&m);
	/* At most the opt-out confirmation went to Jane; never the text she stopped. */
	size_t n = sim_outbound_count_to(f->sim, JANE);
	assert_true(n <= 1);
	for (size_t i = 0; i < n; i++) {
		char *body = sim_outbound_body(f->sim, JANE, i);
		assert_non_null(body);
		assert_null(strstr(body, "results"));
		free(body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(outbox_reconcile__never_sends__when_stop_came_during_lost_claim,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
