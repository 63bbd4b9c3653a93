/* Poll isolation through the simulator: locations on one Twilio account, some listing by
 * number and some through a Messaging Service (which lists the whole account), each get
 * exactly their own patients' inbound texts; a text for no location is attached to none. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"

#define NOW 1800000000LL
#define A_NUM "+13125550100"
#define B_NUM "+13125550200"
#define C_NUM "+13125550300"
#define ORPHAN_NUM "+13125550400"
#define MG_B "MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define MG_C "MGcccccccccccccccccccccccccccccccc"
#define MG_Z "MGdddddddddddddddddddddddddddddddd"

struct fx {
	struct sim *sim;
	struct store *s;
	char *path;
	sqlite3 *raw;
	struct twilio_client *c;
	struct tenant t[3]; /* A: a number; B and C: a Messaging Service each */
};

/* Adds a location on the simulator's account, sending From number or through service. */
static void add_location(struct fx *f, struct tenant *t, const char *name, const char *number, const char *service)
{
	char *err = NULL;
	int64_t id = 0;
	assert_int_equal(store_tenant_add(f->s, name, "America/Chicago", "+13125550199", &id, &err), 0);
	assert_int_equal(store_tenant_set(f->s, id, "account_sid", sim_account_sid(f->sim), &err), 0);
	if (number)
		assert_int_equal(store_tenant_set(f->s, id, "from_number", number, &err), 0);
	if (service)
		assert_int_equal(store_tenant_set(f->s, id, "messaging_service_sid", service, &err), 0);
	assert_int_equal(store_tenant_get(f->s, id, t, &err), 0);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	clock_set_fake(NOW);
	f->sim = st_sim_start(1);
	f->c = st_sim_client(f->sim, 0);
	f->s = tu_store_new(&f->path);
	assert_int_equal(sqlite3_open(f->path, &f->raw), SQLITE_OK);
	sqlite3_busy_timeout(f->raw, 5000);
	add_location(f, &f->t[0], "Oak (number)", A_NUM, NULL);
	add_location(f, &f->t[1], "Elm (service)", NULL, MG_B);
	add_location(f, &f->t[2], "Ash (service)", NULL, MG_C);
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
	for (int i = 0; i < 3; i++)
		tenant_free(&f->t[i]);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

static struct poll_stats poll_ok(struct fx *f, int i)
{
	struct poll_stats st = {0};
	char *err = NULL;
	if (poll_inbound(f->s, f->c, &f->t[i], &st, &err) != 0)
		fail_msg("poll_inbound %s: %s", f->t[i].name, err);
	return st;
}

/* The tenant holding the inbound message from `from` (0: none), and how many hold one. */
static int64_t holder(struct fx *f, const char *from, int *count)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "SELECT tenant_id FROM sms_messages WHERE direction = 'inbound' AND from_number = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
	int64_t id = 0;
	*count = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		(*count)++;
	}
	sqlite3_finalize(st);
	return id;
}

static void poll__gives_each_inbound_to_one_location__when_two_share_an_account(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *from, *to, *service;
		int owner; /* index into f->t, -1 for none */
	} cases[] = {
		{"+13125557001", A_NUM, NULL, 0},       /* to Oak's number */
		{"+13125557002", B_NUM, MG_B, 1},       /* to Elm's service */
		{"+13125557003", C_NUM, MG_C, 2},       /* to Ash's service */
		{"+13125557004", A_NUM, MG_B, 0},       /* Oak's number, also in Elm's service: the number wins */
		{"+13125557005", ORPHAN_NUM, NULL, -1}, /* a number of the account no location uses */
		{"+13125557006", ORPHAN_NUM, MG_Z, -1}, /* a service no location uses */
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sim_inject_inbound_service(f->sim, cases[i].from, cases[i].to, cases[i].service,
							   "my appointment", NULL),
				 0);
	struct poll_stats a = poll_ok(f, 0), b = poll_ok(f, 1), c = poll_ok(f, 2);
	assert_int_equal(a.processed, 2);
	assert_int_equal(b.processed, 1);
	assert_int_equal(c.processed, 1);
	/* The service locations list the whole account: the two orphans are counted, not kept. */
	assert_int_equal(b.unmatched, 2);
	assert_int_equal(c.unmatched, 2);
	assert_int_equal(a.unmatched, 0);
	for (size_t i = 0; i < n; i++) {
		int count = 0;
		int64_t id = holder(f, cases[i].from, &count);
		if (cases[i].owner < 0) {
			if (count != 0)
				fail_msg("the text from %s (to nobody) is held by location %lld", cases[i].from, (long long)id);
		} else if (count != 1 || id != f->t[cases[i].owner].id) {
			fail_msg("the text from %s: %d copies, location %lld, expected %s", cases[i].from, count,
				 (long long)id, f->t[cases[i].owner].name);
		}
	}
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT count(*) FROM sms_threads WHERE phone IN (?1, ?2)", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, "+13125557005", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, "+13125557006", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	/* Polled again: nothing new for anyone. */
	assert_int_equal(poll_ok(f, 1).processed + poll_ok(f, 2).processed + poll_ok(f, 0).processed, 0);
}

static void poll__attaches_to_nobody__when_two_locations_claim_one_service(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	/* Ash is (mis)configured with Elm's service: a text to it is no one's rather than both's. */
	int64_t ash = f->t[2].id;
	assert_int_equal(store_tenant_set(f->s, ash, "messaging_service_sid", MG_B, &err), 0);
	tenant_free(&f->t[2]);
	assert_int_equal(store_tenant_get(f->s, ash, &f->t[2], &err), 0);
	assert_int_equal(sim_inject_inbound_service(f->sim, "+13125557010", B_NUM, MG_B, "hi", NULL), 0);
	struct poll_stats b = poll_ok(f, 1), c = poll_ok(f, 2);
	assert_int_equal(b.processed + c.processed, 0);
	assert_int_equal(b.unmatched, 1);
	int count = 0;
	holder(f, "+13125557010", &count);
	assert_int_equal(count, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(poll__gives_each_inbound_to_one_location__when_two_share_an_account),
		T(poll__attaches_to_nobody__when_two_locations_claim_one_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
