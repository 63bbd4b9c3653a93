/* Campaigns end to end: the preview's reasons, the paced release into the one send path,
 * texting hours, stop and resume, skips after an opt-out, and results, with a real store
 * file, the real client and the loopback simulator. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/campaign.h"
#include "src/connect.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1795000000LL /* 2026-11-18 11:06 UTC: 05:06 in Chicago, outside texting hours */
#define DAY 86400
#define CARE_BODY "Hi {patientName}, {clinicName}: your skin check is due. Call {clinicPhone}. Reply STOP to opt out."
#define MAGIC_LANDLINE "+15005550009" /* 21614: not a mobile number */

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	struct client_cache *cache;
	int64_t tenant;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	st_sim_store_vault(20, &f->sim, &f->s, &f->dir, &f->v);
	f->tenant = st_sim_tenant_add(f->s, f->v, f->sim, "Derm Clinic", "+13125550199", "+13125550100",
				      sim_auth_token(f->sim));
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_start", "0", &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_end", "1440", &err), 0);
	f->cache = client_cache_new(f->s, f->v);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	client_cache_free(&f->cache);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* A patient with one completed visit `days_ago` days ago; returns the id. */
static int64_t patient(struct fx *f, const char *first, const char *mobile, int days_ago)
{
	char *err = NULL;
	int64_t id = tu_patient_add(f->s, f->tenant, first, "Roe", mobile), appt = 0;
	struct appointment a = {.tenant_id = f->tenant,
				.patient_id = id,
				.provider = "Dr. Skin",
				.starts_at = NOW - (int64_t)days_ago * DAY,
				.duration_min = 30,
				.status = "completed"};
	assert_int_equal(store_appt_add(f->s, &a, &appt, &err), 0);
	return id;
}

static struct outbox_stats drain(struct fx *f)
{
	struct outbox_stats st = {0};
	char *err = NULL;
	if (outbox_drain(f->s, client_cache_get, f->cache, "test@host:1", 0, &st, &err) != 0)
		fail_msg("outbox_drain: %s", err);
	return st;
}

static int64_t create(struct fx *f, const char *kind, const char *body, struct campaign_preview *pv)
{
	struct campaign_filter flt = {.tenant_id = f->tenant, .kind = kind, .overdue_months = 12};
	int64_t id = 0;
	char *err = NULL;
	if (campaign_create(f->s, &flt, "Recall", body, 0, "tester", NOW, &id, pv, &err) != 0)
		fail_msg("campaign_create: %s", err);
	return id;
}

static struct campaign_tick release(struct fx *f, struct campaign_pacer *p, int64_t now_ms)
{
	struct campaign_tick tk;
	char *err = NULL;
	if (campaign_release(f->s, p, clock_now(), now_ms, &tk, &err) != 0)
		fail_msg("campaign_release: %s", err);
	return tk;
}

static struct campaign_results results(struct fx *f, int64_t id)
{
	struct campaign_results r;
	char *err = NULL;
	assert_int_equal(store_campaign_results(f->s, id, &r, &err), 0);
	return r;
}

/* Each reason a patient is left out is counted apart, and only recall-overdue patients match. */
static void campaign__preview_counts_each_reason__when_patients_differ(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	patient(f, "Ok", "+13125557001", 400);
	patient(f, "Recent", "+13125557002", 100); /* seen 100 days ago: not overdue */
	patient(f, "Nomobile", NULL, 400);
	int64_t out = patient(f, "Out", "+13125557003", 400);
	int64_t land = patient(f, "Land", MAGIC_LANDLINE, 400);
	int64_t consent = patient(f, "Consent", "+13125557004", 400);
	assert_int_equal(store_prefs_set_opted_in(f->s, out, false, NOW, "staff", "asked", &err), 0);
	assert_int_equal(store_prefs_set_consent(f->s, consent, NOW - DAY, "paper form", "ann", "+13125557004", &err),
			 0);
	/* Twilio says the landline is not a mobile number: remembered for every later list. */
	struct outbox_request rq = {.tenant_id = f->tenant, .patient_id = land, .body = "hello", .actor = "t"};
	assert_int_equal(outbox_queue(f->s, &rq, NULL, &err), 0);
	drain(f);

	struct campaign_preview pv;
	assert_int_equal(campaign_preview(f->s, &(struct campaign_filter){.tenant_id = f->tenant, .kind = "care",
									   .overdue_months = 12},
					  CARE_BODY, NOW, &pv, &err),
			 0);
	assert_int_equal(pv.matched, 5);
	assert_int_equal(pv.will_send, 2); /* Ok (the exemption) and Consent */
	assert_int_equal(pv.excluded[CAMPAIGN_NO_MOBILE], 1);
	assert_int_equal(pv.excluded[CAMPAIGN_OPTED_OUT], 1);
	assert_int_equal(pv.excluded[CAMPAIGN_LANDLINE], 1);
	assert_string_equal(pv.sample, "Hi Ok, Derm Clinic: your skin check is due. Call (312) 555-0199. Reply STOP to opt out.");
	campaign_preview_clear(&pv);

	/* Two segments are outside the exemption: only the patient with consent stays. */
	const char *longer = "Hi {patientName}, {clinicName} here. It has been a year since your last skin check and "
			     "we would like to see you again soon. Call {clinicPhone} to book. Reply STOP to opt out.";
	assert_int_equal(campaign_preview(f->s, &(struct campaign_filter){.tenant_id = f->tenant, .kind = "care",
									   .overdue_months = 12},
					  longer, NOW, &pv, &err),
			 0);
	assert_int_equal(pv.will_send, 1);
	assert_int_equal(pv.excluded[CAMPAIGN_NO_CONSENT_EXEMPTION], 1);
	campaign_preview_clear(&pv);

	/* Marketing needs its own consent, which care consent is not. */
	assert_int_equal(campaign_preview(f->s, &(struct campaign_filter){.tenant_id = f->tenant, .kind = "marketing",
									   .overdue_months = 12},
					  "Hi {patientName}, 20% off peels. Reply STOP to opt out.", NOW, &pv, &err),
			 0);
	assert_int_equal(pv.will_send, 0);
	assert_int_equal(pv.excluded[CAMPAIGN_NO_MARKETING_CONSENT], 2);
	campaign_preview_clear(&pv);
	assert_int_equal(store_prefs_set_marketing_consent(f->s, consent, NOW, "web form", "ann", &err), 0);
	assert_int_equal(campaign_preview(f->s, &(struct campaign_filter){.tenant_id = f->tenant, .kind = "marketing",
									   .overdue_months = 12},
					  "Hi {patientName}, 20% off peels. Reply STOP to opt out.", NOW, &pv, &err),
			 0);
	assert_int_equal(pv.will_send, 1);
	campaign_preview_clear(&pv);
}

/* A text that cannot tell how to opt out, or uses a variable a campaign cannot fill, is refused. */
static void campaign__refuses_text__when_no_stop_or_unknown_variable(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct campaign_preview pv;
	struct campaign_filter flt = {.tenant_id = f->tenant, .kind = "care"};
	assert_int_equal(campaign_preview(f->s, &flt, "Hi {patientName}, come back!", NOW, &pv, &err), -1);
	assert_non_null(strstr(err, "STOP"));
	xfree(&err);
	assert_int_equal(campaign_preview(f->s, &flt, "{diagnosis} check. Reply STOP to opt out.", NOW, &pv, &err), -1);
	assert_non_null(strstr(err, "diagnosis"));
	xfree(&err);
	flt.kind = "promo";
	assert_int_equal(campaign_preview(f->s, &flt, CARE_BODY, NOW, &pv, &err), -1);
	free(err);
}

/* At the default pace (a long code: 60 a minute) one text goes per second, never more. */
static void campaign__releases_one_a_second__at_the_default_pace(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	for (int i = 0; i < 5; i++) {
		char num[16];
		snprintf(num, sizeof(num), "+1312555710%d", i);
		patient(f, "P", num, 400);
	}
	int64_t id = create(f, "care", CARE_BODY, NULL);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	assert_int_equal(release(f, p, 100000).released, 1); /* a new bucket holds one */
	drain(f);
	assert_int_equal(release(f, p, 100400).released, 0); /* 0.4 s later: nothing */
	struct campaign_tick tk = release(f, p, 101000);
	assert_int_equal(tk.released, 1);
	assert_true(tk.active);
	assert_true(tk.next_ms > 101000 && tk.next_ms <= 102000);
	drain(f);
	assert_int_equal(release(f, p, 110000).released, 1); /* 9 s idle still gives one: a second's worth */
	drain(f);
	assert_int_equal(release(f, p, 111000).released, 1);
	drain(f);
	tk = release(f, p, 112000);
	assert_int_equal(tk.released, 1);
	drain(f);
	tk = release(f, p, 113000);
	assert_int_equal(tk.finished, 1);
	assert_false(tk.active);
	struct campaign c;
	assert_int_equal(store_campaign_get(f->s, id, &c, &err), 0);
	assert_string_equal(c.status, "done");
	campaign_free(&c);
	assert_int_equal(sim_outbound_count(f->sim), 5);
	campaign_pacer_free(&p);
}

/* A campaign made with a pace of its own (30 a minute, below the location's 60) releases one
 * text every two seconds, and the preview counts its time at that pace. */
static void campaign__own_pace__releases_slower_than_the_location(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	for (int i = 0; i < 3; i++) {
		char num[16];
		snprintf(num, sizeof(num), "+1312555720%d", i);
		patient(f, "P", num, 400);
	}
	struct campaign_filter flt = {.tenant_id = f->tenant, .kind = "care", .overdue_months = 12, .per_minute = 30};
	struct campaign_preview pv = {0};
	int64_t id = 0;
	assert_int_equal(campaign_create(f->s, &flt, "Slow recall", CARE_BODY, 0, "tester", NOW, &id, &pv, &err), 0);
	assert_int_equal(pv.per_minute, 30);
	assert_int_equal(pv.seconds, 6);
	campaign_preview_clear(&pv);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	assert_int_equal(release(f, p, 100000).released, 1);
	drain(f);
	struct campaign_tick tk = release(f, p, 101000); /* the location's bucket has one, its own not */
	assert_int_equal(tk.released, 0);
	assert_true(tk.next_ms >= 102000);
	assert_int_equal(release(f, p, 102000).released, 1);
	drain(f);
	assert_int_equal(release(f, p, 103000).released, 0);
	assert_int_equal(release(f, p, 104000).released, 1);
	drain(f);
	assert_int_equal(sim_outbound_count(f->sim), 3);
	campaign_pacer_free(&p);
}

/* Outside texting hours (05:06 in Chicago) nothing goes; the recipients wait for 08:00. */
static void campaign__waits__outside_texting_hours(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_start", "480", &err), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "quiet_end", "1260", &err), 0);
	patient(f, "Early", "+13125557201", 400);
	int64_t id = create(f, "care", CARE_BODY, NULL);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	struct campaign_tick tk = release(f, p, 1000);
	assert_int_equal(tk.released, 0);
	assert_int_equal(tk.deferred, 1);
	assert_true(tk.active);
	assert_int_equal(release(f, p, 5000).released, 0); /* still waiting: not looked at again */
	clock_set_fake(NOW + 3 * 3600); /* 08:06 */
	assert_int_equal(release(f, p, 9000).released, 1);
	campaign_pacer_free(&p);
}

/* Stop takes back what is still queued, unsent; a resume sends each recipient once. */
static void campaign__stop_and_resume__sends_each_once(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	for (int i = 0; i < 6; i++) {
		char num[16];
		snprintf(num, sizeof(num), "+1312555730%d", i);
		patient(f, "S", num, 400);
	}
	int64_t id = create(f, "care", CARE_BODY, NULL);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	assert_int_equal(release(f, p, 1000).released, 1);
	assert_int_equal(release(f, p, 2000).released, 1); /* not drained: 2 wait in the outbox */
	assert_int_equal(release(f, p, 5000).released, 0); /* the window (2 at this pace) is full */
	int64_t back = 0;
	assert_int_equal(campaign_stop(f->s, id, 0, "tester", &back, &err), 0);
	assert_int_equal(back, 2);
	assert_int_equal(drain(f).sent, 0); /* nothing of the campaign left to send */
	assert_int_equal(release(f, p, 6000).released, 0);
	struct campaign_results r = results(f, id);
	assert_int_equal(r.pending, 6);
	assert_int_equal(r.sent, 0);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	for (int64_t ms = 7000; ms < 20000; ms += 1000) {
		release(f, p, ms);
		drain(f);
	}
	r = results(f, id);
	assert_int_equal(r.sent, 6);
	assert_int_equal(r.pending, 0);
	for (int i = 0; i < 6; i++) {
		char num[16];
		snprintf(num, sizeof(num), "+1312555730%d", i);
		assert_int_equal(sim_outbound_count_to(f->sim, num), 1);
	}
	struct audit_entry *log = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, 0, f->tenant, "campaign.", 0, &log, &n, &err), 0);
	assert_int_equal(n, 5); /* create, start, stop, start, done */
	assert_string_equal(log[n - 1].action, "campaign.done");
	audit_entry_list_free(&log, n);
	campaign_pacer_free(&p);
}

/* A patient who opts out after the list was made is skipped, with the reason, never texted. */
static void campaign__skips__when_opted_out_after_the_list(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	patient(f, "Stay", "+13125557401", 400);
	int64_t gone = patient(f, "Gone", "+13125557402", 400);
	int64_t id = create(f, "care", CARE_BODY, NULL);
	assert_int_equal(store_optout_number(f->s, f->tenant, "+13125557402", NOW, "sms", "STOP", &err), 0);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	for (int64_t ms = 1000; ms < 5000; ms += 1000) {
		release(f, p, ms);
		drain(f);
	}
	struct campaign_results r = results(f, id);
	assert_int_equal(r.sent, 1);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(sim_outbound_count_to(f->sim, "+13125557402"), 0);
	struct campaign_reason *why = NULL;
	size_t n = 0;
	assert_int_equal(store_campaign_reasons(f->s, id, &why, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(why[0].status, "skipped");
	assert_non_null(strstr(why[0].reason, "opted out"));
	campaign_reason_list_free(&why, n);
	(void)gone;
	campaign_pacer_free(&p);
}

/* Results count a reply in the recipient's thread and a visit booked after the text. */
static void campaign__results_count_replies_and_bookings(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t a = patient(f, "Ann", "+13125557501", 400);
	patient(f, "Ben", "+13125557502", 400);
	int64_t id = create(f, "care", CARE_BODY, NULL);
	assert_int_equal(campaign_start(f->s, id, 0, "tester", &err), 0);
	struct campaign_pacer *p = campaign_pacer_new();
	for (int64_t ms = 1000; ms < 4000; ms += 1000) {
		release(f, p, ms);
		drain(f);
	}
	clock_set_fake(NOW + 600);
	struct sms_message in = {.tenant_id = f->tenant,
				 .patient_id = a,
				 .twilio_sid = "SMreply0000000000000000000000000",
				 .direction = "inbound",
				 .from_number = "+13125557501",
				 .to_number = "+13125550100",
				 .body = "Yes please book me",
				 .status = "received",
				 .message_type = "conversation",
				 .created_at = NOW + 600};
	bool inserted = false;
	assert_int_equal(store_msg_insert_inbound(f->s, &in, NULL, &inserted, &err), 0);
	struct appointment ap = {.tenant_id = f->tenant,
				 .patient_id = a,
				 .provider = "Dr. Skin",
				 .starts_at = NOW + 7 * DAY,
				 .duration_min = 30,
				 .status = "scheduled"};
	assert_int_equal(store_appt_add(f->s, &ap, NULL, &err), 0);
	struct campaign_results r = results(f, id);
	assert_int_equal(r.sent, 2);
	assert_int_equal(r.replied, 1);
	assert_int_equal(r.booked, 1);
	assert_int_equal(r.segments, 2);
	assert_int_equal(r.cost_micros, 2 * 7900);
	campaign_pacer_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(campaign__preview_counts_each_reason__when_patients_differ, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__refuses_text__when_no_stop_or_unknown_variable, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__releases_one_a_second__at_the_default_pace, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__own_pace__releases_slower_than_the_location, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__waits__outside_texting_hours, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__stop_and_resume__sends_each_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__skips__when_opted_out_after_the_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(campaign__results_count_replies_and_bookings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
