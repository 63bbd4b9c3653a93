/* The sync engine end to end: lease, inbound poll, status refresh, reconcile and drain for
 * every configured tenant, against the real simulator with real store files and the vault. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1795000000LL
#define NORTH_NUMBER "+13125550100"
#define SOUTH_NUMBER "+13125550200"
#define JANE "+13125557001"
#define OWNER "scheduler@test:1"

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	int64_t north, south;
	int64_t jane;
};

/* A tenant set up against the simulator; token NULL leaves its secret unset. */
static int64_t add_tenant(struct fx *f, const char *name, const char *number, const char *token)
{
	return st_sim_tenant_add(f->s, f->v, f->sim, name, "+13125550199", number, token);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	st_sim_store_vault(1000, &f->sim, &f->s, &f->dir, &f->v);
	f->north = add_tenant(f, "North Clinic", NORTH_NUMBER, sim_auth_token(f->sim));
	struct patient p = {.tenant_id = f->north, .first_name = "Jane", .last_name = "Doe", .mobile = JANE};
	assert_int_equal(store_patient_add(f->s, &p, &f->jane, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

static int64_t queue(struct fx *f, int64_t tenant, int64_t patient, const char *to, const char *body)
{
	struct outbox_request req = {.tenant_id = tenant,
				     .patient_id = patient,
				     .to = to,
				     .body = body,
				     .message_type = "conversation",
				     .actor = "frontdesk"};
	int64_t id = 0;
	char *err = NULL;
	if (outbox_queue(f->s, &req, &id, &err) != 0)
		fail_msg("outbox_queue: %s", err);
	return id;
}

static struct sync_engine *engine(struct fx *f, const char *owner)
{
	struct sync_engine *e = NULL;
	char *err = NULL;
	assert_int_equal(sync_engine_new(f->s, f->v, owner, &e, &err), 0);
	return e;
}

static void pass(struct sync_engine *e, struct sync_report *r)
{
	char *err = NULL;
	memset(r, 0, sizeof(*r));
	if (sync_engine_pass(e, r, &err) != 0)
		fail_msg("sync_engine_pass: %s", err);
}

static struct sms_message get_msg(struct fx *f, int64_t id)
{
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(f->s, id, &m, &err), 0);
	return m;
}

static void sync_engine_pass__polls_sends_and_refreshes__when_holding_lease(void **state)
{
	struct fx *f = *state;
	assert_int_equal(sim_inject_inbound(f->sim, JANE, NORTH_NUMBER, "Running 10 min late", NULL), 0);
	int64_t id = queue(f, f->north, f->jane, NULL, "See you at 3");
	struct sync_engine *e = engine(f, OWNER);
	struct sync_report r;
	pass(e, &r);
	assert_int_equal(r.inbound_new, 1);
	assert_int_equal(r.outbox.sent, 1);
	assert_int_equal(r.tenants_ok, 1);
	assert_int_equal(r.tenants_failed, 0);
	assert_null(r.last_error);
	sync_report_clear(&r);
	assert_int_equal(sim_outbound_count_to(f->sim, JANE), 1);

	char *holder = NULL, *err = NULL;
	assert_int_equal(store_lease_holder(f->s, SYNC_LEASE_NAME, NOW, &holder, &err), 0);
	assert_string_equal(holder, OWNER);
	free(holder);
	struct sync_state st;
	assert_int_equal(store_sync_get(f->s, f->north, &st, &err), 0);
	assert_int_equal(st.last_ok_at, NOW);
	assert_null(st.last_error);
	sync_state_free(&st);
	int unread = 0;
	assert_int_equal(store_unread_total(f->s, f->north, &unread, &err), 0);
	assert_int_equal(unread, 1);

	clock_set_fake(NOW + 3);
	pass(e, &r);
	assert_int_equal(r.inbound_new, 0); /* seen once, processed once */
	assert_int_equal(r.status_updates, 1);
	assert_int_equal(r.outbox.sent, 0);
	sync_report_clear(&r);
	struct sms_message m = get_msg(f, id);
	assert_string_equal(m.status, "delivered");
	sms_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	sync_engine_release(e);
	assert_int_equal(store_lease_holder(f->s, SYNC_LEASE_NAME, NOW + 3, &holder, &err), 0);
	assert_null(holder);
	sync_engine_free(&e);
	assert_null(e);
}

static void sync_engine_pass__does_nothing__when_another_process_holds_lease(void **state)
{
	struct fx *f = *state;
	bool got = false;
	char *err = NULL;
	assert_int_equal(
	    store_lease_acquire(f->s, SYNC_LEASE_NAME, "console@desk:7", NOW, SYNC_LEASE_TTL, &got, &err), 0);
	assert_true(got);
	int64_t id = queue(f, f->north, f->jane, NULL, "Waiting for the lease");
	struct sync_engine *e = engine(f, OWNER);
	bool holding = true;
	assert_int_equal(sync_engine_lease(e, &holding, &err), 0);
	assert_false(holding);
	struct sync_report r;
	pass(e, &r);
	assert_int_equal(r.outbox.sent + r.tenants_ok + r.tenants_failed, 0);
	sync_report_clear(&r);
	assert_int_equal(sim_outbound_count(f->sim), 0);
	struct sms_message m = get_msg(f, id);
	assert_string_equal(m.status, "queued");
	sms_message_free(&m);

	/* The lease expires (its holder died): this engine takes over and sends. */
	clock_set_fake(NOW + SYNC_LEASE_TTL + 1);
	pass(e, &r);
	assert_int_equal(r.outbox.sent, 1);
	sync_report_clear(&r);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	sync_engine_free(&e);
}

static void sync_engine_pass__serves_other_tenants__when_one_fails(void **state)
{
	struct fx *f = *state;
	f->south = add_tenant(f, "South Clinic", SOUTH_NUMBER, NULL); /* no token stored */
	int64_t wrong = add_tenant(f, "West Clinic", "+13125550300", "not-the-token");
	int64_t unset = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(f->s, "Paper Clinic", "America/Chicago", "", &unset, &err), 0);
	int64_t north_msg = queue(f, f->north, f->jane, NULL, "North works");
	int64_t south_msg = queue(f, f->south, 0, JANE, "South waits");
	int64_t west_msg = queue(f, wrong, 0, JANE, "West waits");
	struct sync_engine *e = engine(f, OWNER);
	struct sync_report r;
	pass(e, &r);
	assert_int_equal(r.tenants_ok, 1);
	assert_int_equal(r.tenants_failed, 2); /* the clinic without Twilio settings is not counted */
	assert_non_null(r.last_error);
	assert_int_equal(r.outbox.sent, 1);
	sync_report_clear(&r);

	struct sms_message m = get_msg(f, north_msg);
	assert_non_null(m.twilio_sid);
	sms_message_free(&m);
	m = get_msg(f, south_msg);
	assert_string_equal(m.status, "queued");
	assert_int_equal(m.attempts, 0);
	sms_message_free(&m);
	m = get_msg(f, west_msg);
	assert_null(m.twilio_sid);
	assert_string_not_equal(m.status, "failed"); /* credentials are fixable: never a final failure */
	sms_message_free(&m);

	struct sync_state st;
	assert_int_equal(store_sync_get(f->s, f->south, &st, &err), 0);
	assert_non_null(st.last_error);
	assert_non_null(strstr(st.last_error, "token"));
	sync_state_free(&st);
	assert_int_equal(store_sync_get(f->s, wrong, &st, &err), 0);
	assert_non_null(st.last_error);
	sync_state_free(&st);
	assert_int_equal(store_sync_get(f->s, f->north, &st, &err), 0);
	assert_null(st.last_error);
	sync_state_free(&st);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	sync_engine_free(&e);
}

static void sync_engine_pass__settles_crashed_claim__when_stale(void **state)
{
	struct fx *f = *state;
	int64_t id = queue(f, f->north, f->jane, NULL, "Claimed by a process that died");
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_claim_next(f->s, 0, "scheduler@old:2", NOW, &m, &err), 0);
	sms_message_free(&m);
	struct sync_engine *e = engine(f, OWNER);
	struct sync_report r;
	pass(e, &r);
	assert_int_equal(r.outbox.reconciled + r.outbox.sent, 0); /* too fresh to judge */
	sync_report_clear(&r);
	clock_set_fake(NOW + 121);
	pass(e, &r);
	assert_int_equal(r.outbox.reconciled, 1);
	assert_int_equal(r.outbox.sent, 1);
	sync_report_clear(&r);
	m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	sms_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	sync_engine_free(&e);
}

static void sync_engine_new__refuses__when_owner_missing(void **state)
{
	struct fx *f = *state;
	struct sync_engine *e = NULL;
	char *err = NULL;
	assert_int_equal(sync_engine_new(f->s, f->v, "", &e, &err), -1);
	assert_null(e);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(sync_engine_pass__polls_sends_and_refreshes__when_holding_lease),
	    T(sync_engine_pass__does_nothing__when_another_process_holds_lease),
	    T(sync_engine_pass__serves_other_tenants__when_one_fails),
	    T(sync_engine_pass__settles_crashed_claim__when_stale),
	    T(sync_engine_new__refuses__when_owner_missing),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
