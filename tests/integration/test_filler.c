/* The cancellation filler end to end: a cancelled visit is offered by text to the waitlist and
 * to a recall-overdue patient through the real sync pass (real store file, real client, the
 * loopback simulator); the first BOOK reply wins the slot, is booked and told so, the others
 * are told it is taken; later passes send nothing more. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/store.h"
#include "src/filler.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/util.h"
#include "src/vault.h"

#define DAY 86400
#define CLINIC "+13125550100"
#define CANCELS "+13125558001"
#define W1 "+13125558002"
#define W2 "+13125558003"
#define RECALL "+13125558004"
#define OTHER_DR "+13125558005"

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	struct sync_engine *e;
	int64_t tenant, now;
	int64_t cancels, w1, w2, recall, other;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	f->now = (int64_t)time(NULL);
	clock_set_fake(f->now);
	st_sim_store_vault(20, &f->sim, &f->s, &f->dir, &f->v);
	f->tenant = st_sim_tenant_add(f->s, f->v, f->sim, "Derm Clinic", "+13125550199", CLINIC, sim_auth_token(f->sim));
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_start", "0", &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_end", "1440", &err), 0);
	assert_int_equal(sync_engine_new(f->s, f->v, "test@host:1", &f->e, &err), 0);
	f->cancels = tu_patient_add(f->s, f->tenant, "Carl", "Cancel", CANCELS);
	f->w1 = tu_patient_add(f->s, f->tenant, "Wanda", "One", W1);
	f->w2 = tu_patient_add(f->s, f->tenant, "Walt", "Two", W2);
	f->recall = tu_patient_add(f->s, f->tenant, "Rita", "Recall", RECALL);
	f->other = tu_patient_add(f->s, f->tenant, "Olga", "Other", OTHER_DR);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sync_engine_free(&f->e);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

static int64_t appt(struct fx *f, int64_t patient, const char *provider, int64_t at, const char *status)
{
	struct appointment a = {.tenant_id = f->tenant, .patient_id = patient, .provider = (char *)provider,
				.starts_at = at, .duration_min = 30, .status = (char *)status};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_appt_add(f->s, &a, &id, &err), 0);
	return id;
}

static void waitlist(struct fx *f, int64_t patient, const char *provider)
{
	struct waitlist_entry w = {.tenant_id = f->tenant, .patient_id = patient, .provider = (char *)provider,
				   .from_at = f->now, .to_at = f->now + 7 * DAY, .created_by = "ann"};
	char *err = NULL;
	assert_int_equal(store_waitlist_add(f->s, &w, NULL, &err), 0);
	clock_set_fake(clock_now() + 1); /* first come, first in the chain */
}

static struct sync_report pass(struct fx *f)
{
	struct sync_report r = {0};
	char *err = NULL;
	if (sync_engine_pass(f->e, &r, &err) != 0)
		fail_msg("sync_engine_pass: %s", err);
	if (r.last_error != NULL)
		fail_msg("sync pass error: %s", r.last_error);
	return r;
}

/* The newest text the simulator holds for number, malloc'd, or NULL. */
static char *last_text(struct fx *f, const char *number)
{
	size_t n = sim_outbound_count_to(f->sim, number);
	return n == 0 ? NULL : sim_outbound_body(f->sim, number, n - 1);
}

static void filler__first_book_wins__others_told_taken(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t slot = f->now + 2 * DAY;
	int64_t cancelled = appt(f, f->cancels, "Dr. Skin", slot, "scheduled");
	appt(f, f->recall, "Dr. Skin", f->now - 400 * DAY, "completed");
	waitlist(f, f->w1, NULL);
	waitlist(f, f->w2, "Dr. Skin");
	waitlist(f, f->other, "Dr. Other"); /* another provider: not offered */
	assert_int_equal(store_appt_set_status(f->s, cancelled, "cancelled", &err), 0);

	struct sync_report r = pass(f);
	assert_int_equal(r.filler.opened, 1);
	assert_int_equal(r.filler.offered, 3);
	char *t = last_text(f, W1);
	assert_non_null(t);
	assert_non_null(strstr(t, "Reply BOOK to take it"));
	free(t);
	assert_int_equal(sim_outbound_count_to(f->sim, W2), 1);
	assert_int_equal(sim_outbound_count_to(f->sim, RECALL), 1);
	assert_int_equal(sim_outbound_count_to(f->sim, OTHER_DR), 0);
	assert_int_equal(sim_outbound_count_to(f->sim, CANCELS), 0);

	/* Walt answers first, Wanda right after: Walt gets it. */
	clock_set_fake(clock_now() + 60);
	assert_int_equal(sim_inject_inbound(f->sim, W2, CLINIC, "Book!", NULL), 0);
	assert_int_equal(sim_inject_inbound(f->sim, W1, CLINIC, "book", NULL), 0);
	r = pass(f);
	assert_int_equal(r.filler.filled, 1);
	assert_int_equal(r.filler.taken, 2);
	t = last_text(f, W2);
	assert_non_null(strstr(t, "you are booked"));
	free(t);
	t = last_text(f, W1);
	assert_non_null(strstr(t, "was taken"));
	free(t);
	t = last_text(f, RECALL);
	assert_non_null(strstr(t, "was taken"));
	free(t);

	struct slot_offer *offers = NULL;
	size_t n = 0;
	assert_int_equal(store_offer_list(f->s, f->tenant, NULL, 0, &offers, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(offers[0].status, "filled");
	assert_int_equal(offers[0].filled_by, f->w2);
	struct appointment booked;
	assert_int_equal(store_appt_get(f->s, offers[0].new_appointment_id, &booked, &err), 0);
	assert_int_equal(booked.patient_id, f->w2);
	assert_int_equal(booked.starts_at, slot);
	assert_string_equal(booked.status, "scheduled");
	appointment_free(&booked);

	/* The chain as staff see it. */
	struct offer_link *chain = NULL;
	size_t k = 0;
	assert_int_equal(store_offer_chain(f->s, offers[0].id, &chain, &k, &err), 0);
	assert_int_equal(k, 3);
	assert_string_equal(chain[0].patient_name, "Wanda One");
	assert_string_equal(chain[0].status, "told_taken");
	assert_string_equal(chain[1].status, "won");
	assert_string_equal(chain[2].source, "recall");
	assert_string_equal(chain[2].status, "told_taken");
	offer_link_list_free(&chain, k);
	slot_offer_list_free(&offers, n);

	/* A later BOOK and later passes change nothing and send nothing. */
	assert_int_equal(sim_inject_inbound(f->sim, RECALL, CLINIC, "BOOK", NULL), 0);
	clock_set_fake(clock_now() + 60);
	r = pass(f);
	assert_int_equal(r.filler.filled + r.filler.offered + r.filler.taken, 0);
	assert_int_equal(sim_outbound_count_to(f->sim, W1), 2);
	assert_int_equal(sim_outbound_count_to(f->sim, RECALL), 2);
	struct audit_entry *log = NULL;
	assert_int_equal(store_audit_list(f->s, 0, f->tenant, "filler.filled", 0, &log, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(log[0].patient_id, f->w2);
	audit_entry_list_free(&log, n);
}

/* Batches of three: the fourth in the chain is asked only after the first three had their
 * wait; a slot too close is given up; nobody is asked outside texting hours. */
static void filler__asks_in_batches__and_gives_up_when_too_late(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t extra = tu_patient_add(f->s, f->tenant, "Ed", "Four", "+13125558006");
	int64_t slot = f->now + 6 * 3600;
	int64_t cancelled = appt(f, f->cancels, "Dr. Skin", slot, "scheduled");
	waitlist(f, f->w1, NULL);
	waitlist(f, f->w2, NULL);
	waitlist(f, f->other, NULL);
	waitlist(f, extra, NULL);
	assert_int_equal(store_appt_set_status(f->s, cancelled, "cancelled", &err), 0);
	assert_int_equal(pass(f).filler.offered, 3);
	assert_int_equal(sim_outbound_count_to(f->sim, "+13125558006"), 0);
	clock_set_fake(clock_now() + FILLER_WAIT - 60);
	assert_int_equal(pass(f).filler.offered, 0); /* the batch still has time */
	clock_set_fake(clock_now() + 120);
	assert_int_equal(pass(f).filler.offered, 1);
	assert_int_equal(sim_outbound_count_to(f->sim, "+13125558006"), 1);
	clock_set_fake(slot - FILLER_LEAD + 1);
	struct sync_report r = pass(f);
	assert_int_equal(r.filler.closed, 1);
	struct slot_offer *offers = NULL;
	size_t n = 0;
	assert_int_equal(store_offer_list(f->s, f->tenant, NULL, 0, &offers, &n, &err), 0);
	assert_string_equal(offers[0].status, "expired");
	slot_offer_list_free(&offers, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(filler__first_book_wins__others_told_taken, setup, teardown),
	    cmocka_unit_test_setup_teardown(filler__asks_in_batches__and_gives_up_when_too_late, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
