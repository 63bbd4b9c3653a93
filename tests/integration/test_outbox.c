/* The one send path end to end: outbox_queue's rules, outbox_drain and outbox_reconcile and
 * status_refresh against the real loopback simulator, with a real store file, a real vault
 * and a tenant whose encrypted token the real client cache decrypts. */
#include "testutil.h"
#include "simtenant.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "src/connect.h"
#include "src/outbox.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1795000000LL /* 2026-11-18 */
#define CLINIC_NUMBER "+13125550100"
#define JANE "+13125557001"
#define BOB "+13125557002"
#define MAGIC_INVALID "+15005550001"	/* 21211 */
#define MAGIC_STOPPED "+15005550004"	/* 21610 on send */
#define MAGIC_STOP_LATER "+15005550010" /* 21610 in the delivery status */

struct fx {
	struct sim *sim;
	struct store *s;
	char *dir;
	struct vault *v;
	struct client_cache *cache;
	struct twilio_client *quick; /* no retries, short timeout: faults show at once */
	int64_t tenant;
	int64_t jane;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	st_sim_store_vault(1000, &f->sim, &f->s, &f->dir, &f->v);
	f->tenant = st_sim_tenant_add(f->s, f->v, f->sim, "Main Street Clinic", "+13125550199", CLINIC_NUMBER,
				      sim_auth_token(f->sim));
	f->cache = client_cache_new(f->s, f->v);

	f->quick = st_sim_client(f->sim, 400);

	struct patient p = {.tenant_id = f->tenant, .first_name = "Jane", .last_name = "Doe", .mobile = JANE};
	assert_int_equal(store_patient_add(f->s, &p, &f->jane, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	twilio_client_free(&f->quick);
	client_cache_free(&f->cache);
	st_sim_store_vault_free(&f->sim, &f->s, &f->dir, &f->v);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* outbox_client_fn giving the fixture's quick client to every tenant. */
static struct twilio_client *quick_client(void *ctx, int64_t tenant_id, char **err)
{
	return ((struct fx *)ctx)->quick;
}

static int64_t add_patient(struct fx *f, const char *first, const char *mobile)
{
	struct patient p = {.tenant_id = f->tenant,
			    .first_name = (char *)first,
			    .last_name = "Roe",
			    .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_patient_add(f->s, &p, &id, &err), 0);
	return id;
}

/* Queues through the one send path; returns outbox_queue's result, *err kept for checks. */
static int try_queue(struct fx *f, int64_t patient, const char *to, const char *body, const char *type,
		     int64_t *id, char **err)
{
	struct outbox_request req = {.tenant_id = f->tenant,
				     .patient_id = patient,
				     .to = to,
				     .body = body,
				     .message_type = type,
				     .sent_by = 0,
				     .actor = "frontdesk"};
	return outbox_queue(f->s, &req, id, err);
}

static int64_t must_queue(struct fx *f, int64_t patient, const char *to, const char *body, const char *type)
{
	int64_t id = 0;
	char *err = NULL;
	int rc = try_queue(f, patient, to, body, type, &id, &err);
	if (rc != 0)
		fail_msg("outbox_queue: %s", err);
	return id;
}

static struct outbox_stats drain(struct fx *f, outbox_client_fn fn, void *ctx)
{
	struct outbox_stats st = {0};
	char *err = NULL;
	if (outbox_drain(f->s, fn, ctx, "scheduler@test:1", 0, &st, &err) != 0)
		fail_msg("outbox_drain: %s", err);
	return st;
}

static struct outbox_stats drain_cached(struct fx *f)
{
	return drain(f, client_cache_get, f->cache);
}

static struct sms_message get_msg(struct fx *f, int64_t id)
{
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(f->s, id, &m, &err), 0);
	return m;
}

static void assert_status(struct fx *f, int64_t id, const char *status, int code)
{
	struct sms_message m = get_msg(f, id);
	if (strcmp(m.status, status) != 0 || m.error_code != code)
		fail_msg("message %lld: %s/%d, wanted %s/%d (%s)", (long long)id, m.status, m.error_code,
			 status, code, m.error_message ? m.error_message : "");
	sms_message_free(&m);
}

/* Twilio has it: a SID, and no failure. */
static void assert_accepted(struct fx *f, int64_t id)
{
	struct sms_message m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	assert_string_not_equal(m.status, "failed");
	assert_int_equal(m.error_code, 0);
	sms_message_free(&m);
}

/* How many audit entries have this action (and, when given, this target). */
static size_t audit_count(struct fx *f, const char *action, const char *target)
{
	struct audit_entry *list = NULL;
	size_t n = 0, hits = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(f->s, 0, f->tenant, action, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].action, action) == 0 &&
		    (target == NULL || strcmp(list[i].target, target) == 0))
			hits++;
	}
	audit_entry_list_free(&list, n);
	return hits;
}

static struct tenant tenant_of(struct fx *f)
{
	struct tenant t;
	char *err = NULL;
	assert_int_equal(store_tenant_get(f->s, f->tenant, &t, &err), 0);
	return t;
}

static int refresh(struct fx *f)
{
	struct tenant t = tenant_of(f);
	char *err = NULL;
	int updated = 0;
	struct twilio_client *c = client_cache_get(f->cache, f->tenant, &err);
	assert_non_null(c);
	if (status_refresh(f->s, c, &t, 0, &updated, &err) != 0)
		fail_msg("status_refresh: %s", err);
	tenant_free(&t);
	return updated;
}

static void outbox__sends_once_and_tracks_delivery__when_drained(void **state)
{
	struct fx *f = *state;
	const char *body = "Hi Jane, your results are ready. Call us at (312) 555-0199.";
	int64_t id = must_queue(f, f->jane, NULL, body, "conversation");
	assert_status(f, id, "queued", 0);

	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.failed + st.retrying, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	char *got = sim_outbound_body(f->sim, JANE, 0);
	assert_string_equal(got, body);
	free(got);
	struct sms_message m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	assert_true(strncmp(m.twilio_sid, "SM", 2) == 0);
	assert_false(sms_status_is_final(m.status));
	assert_int_equal(m.sent_at, NOW);
	char target[32];
	snprintf(target, sizeof(target), "%lld", (long long)id);
	sms_message_free(&m);

	/* Nothing more to send: a second drain posts nothing. */
	st = drain_cached(f);
	assert_int_equal(st.sent, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);

	clock_set_fake(NOW + 3); /* the simulator delivers after two steps */
	assert_int_equal(refresh(f), 1);
	m = get_msg(f, id);
	assert_string_equal(m.status, "delivered");
	assert_int_equal(m.delivered_at, NOW + 3);
	sms_message_free(&m);
	assert_int_equal(refresh(f), 0); /* final: not fetched again */

	assert_int_equal(audit_count(f, "sms.queue", target), 1);
	assert_int_equal(audit_count(f, "sms.sent", target), 1);
	/* The audit log never holds a body. */
	struct audit_entry *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(f->s, 0, 0, NULL, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(list[i].detail ? list[i].detail : "", "results are ready"));
	audit_entry_list_free(&list, n);
}

/* Asserts outbox_queue refuses with words containing `want`. */
static void assert_refused(struct fx *f, int64_t patient, const char *to, const char *body, const char *type,
			   const char *want)
{
	int64_t id = -1;
	char *err = NULL;
	int rc = try_queue(f, patient, to, body, type, &id, &err);
	if (rc != OUTBOX_REFUSED)
		fail_msg("expected a refusal containing '%s', got %d", want, rc);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("refusal '%s' does not say '%s'", err, want);
	assert_non_null(strstr(err, "nothing was sent"));
	free(err);
}

/* outbox_check says what outbox_queue would, and queues nothing. */
static void outbox_check__refuses_like_queue__when_rules_broken(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct outbox_request req = {.tenant_id = f->tenant, .patient_id = f->jane, .body = "Hello",
				     .message_type = "conversation", .actor = "test"};
	assert_int_equal(outbox_check(f->s, &req, &err), 0);
	assert_null(err);
	assert_int_equal(store_prefs_set_opted_in(f->s, f->jane, false, NOW, "staff", "asked", &err), 0);
	assert_int_equal(outbox_check(f->s, &req, &err), OUTBOX_REFUSED);
	assert_non_null(strstr(err, "has opted out of texts"));
	xfree(&err);
	assert_int_equal(audit_count(f, "sms.queue", NULL), 0);
	struct sms_message *list = NULL;
	size_t n = 0;
	struct msg_filter mf = {0};
	assert_int_equal(store_msg_list_filtered(f->s, f->tenant, &mf, 10, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	sms_message_list_free(&list, n);
}

static void outbox_queue__refuses__when_rules_broken(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	assert_int_equal(store_prefs_set_opted_in(f->s, f->jane, false, NOW - 86400 * 2, "sms", "STOP", &err),
			 0);
	assert_refused(f, f->jane, NULL, "Reminder", "reminder",
		       "Jane Doe has opted out of texts (STOP by sms on 2026-11-16 05:06 CST)");
	assert_refused(f, 0, JANE, "Hello", "conversation", "has opted out of texts");
	assert_int_equal(store_optout_number(f->s, f->tenant, BOB, NOW, "staff", "asked at the desk", &err),
			 0);
	assert_refused(f, 0, BOB, "Hello", "conversation", "opted out");

	char *long_body = xmalloc(1601 * 2 + 1);
	for (int i = 0; i < 1601; i++)
		memcpy(long_body + 2 * i, "\xD0\xB6", 2); /* ж: 2 bytes, 1 character, not GSM-7 */
	long_body[1601 * 2] = '\0';
	int64_t ok_patient = add_patient(f, "Ok", "+13125557003");
	assert_refused(f, ok_patient, NULL, long_body, "conversation", "1601 characters");
	long_body[1600 * 2] = '\0';
	int64_t id = 0;
	assert_int_equal(try_queue(f, ok_patient, NULL, long_body, "conversation", &id, &err), 0);
	free(long_body);
	struct sms_message big = get_msg(f, id);
	assert_int_equal(big.segments, 24); /* UCS-2: 1,600 characters in 67-unit parts */
	assert_string_equal(big.encoding, "UCS-2");
	sms_message_free(&big);

	assert_refused(f, ok_patient, NULL, "", "conversation", "empty");
	assert_refused(f, ok_patient, NULL, " \n\t ", "conversation", "empty");
	assert_refused(f, ok_patient, NULL, NULL, "conversation", "empty");
	assert_refused(f, ok_patient, NULL, "bad \xC3\x28 byte", "conversation", "not valid UTF-8");
	assert_refused(f, ok_patient, NULL, "overlong \xC0\xAF slash", "conversation", "not valid UTF-8");
	assert_refused(f, ok_patient, NULL, "surrogate \xED\xA0\x80", "conversation", "not valid UTF-8");
	assert_refused(f, ok_patient, NULL, "clear \x1b[2J screen", "conversation", "control character");
	assert_refused(f, ok_patient, NULL, "C1 \xC2\x9B csi", "conversation", "control character");
	assert_refused(f, ok_patient, NULL, "bell \a", "conversation", "control character");
	assert_refused(f, ok_patient, NULL, "cr \r\n", "conversation", "control character");
	assert_refused(f, 0, "5551234", "Hi", "conversation", "not a valid phone number");
	assert_refused(f, 0, "+1312abc7001", "Hi", "conversation", "not a valid phone number");
	assert_refused(f, 0, "", "Hi", "conversation", "not a valid phone number");
	assert_refused(f, 0, "+1\x1b[31m", "Hi", "conversation", "not a valid phone number");
	int64_t nomobile = add_patient(f, "No", NULL);
	assert_refused(f, nomobile, NULL, "Hi", "conversation", "patient has no mobile number");
	assert_refused(f, ok_patient, NULL, "Hi", "marketing blast", "unknown message type");

	/* Tabs and line breaks are fine; so is an opt-out confirmation to an opted-out number. */
	assert_int_equal(try_queue(f, ok_patient, NULL, "Line one\n\tLine two", "conversation", &id, &err),
			 0);
	assert_int_equal(try_queue(f, f->jane, NULL, "You are unsubscribed. Reply START to resubscribe.",
				   "optout_confirm", &id, &err),
			 0);

	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list(f->s, f->tenant, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 3); /* the 1,600-character one, the tabbed one, the confirmation */
	sms_message_list_free(&list, n);
	assert_int_equal(sim_outbound_count(f->sim), 0);
}

static void outbox_drain__fails_with_code__when_twilio_rejects_number(void **state)
{
	struct fx *f = *state;
	int64_t id = must_queue(f, 0, MAGIC_INVALID, "Hello", "conversation");
	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.sent + st.retrying, 0);
	assert_status(f, id, "failed", 21211);
	struct sms_message m = get_msg(f, id);
	assert_non_null(strstr(m.error_message, "not a valid phone number"));
	assert_int_equal(m.attempts, 1);
	sms_message_free(&m);
	/* Final: never tried again. */
	clock_set_fake(NOW + 86400);
	st = drain_cached(f);
	assert_int_equal(st.failed + st.sent + st.retrying, 0);
	assert_int_equal(sim_outbound_count(f->sim), 0);
	char target[32];
	snprintf(target, sizeof(target), "%lld", (long long)id);
	assert_int_equal(audit_count(f, "sms.failed", target), 1);
}

static void outbox_drain__opts_number_out__when_21610_on_send(void **state)
{
	struct fx *f = *state;
	int64_t pat = add_patient(f, "Sam", MAGIC_STOPPED);
	int64_t first = must_queue(f, pat, NULL, "Your visit is tomorrow", "reminder");
	int64_t second = must_queue(f, pat, NULL, "Second reminder", "reminder");
	int64_t third = must_queue(f, 0, MAGIC_STOPPED, "A question for you", "conversation");
	int64_t jane = must_queue(f, f->jane, NULL, "Unrelated", "conversation");

	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.sent, 1);
	assert_status(f, first, "failed", 21610);
	assert_status(f, second, "failed", 21610);
	assert_status(f, third, "failed", 21610);
	assert_accepted(f, jane);
	assert_int_equal(sim_outbound_count_to(f->sim, MAGIC_STOPPED), 0);

	bool out = false;
	char *err = NULL;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, MAGIC_STOPPED, &out, &err), 0);
	assert_true(out);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, pat, &p, &err), 0);
	assert_false(p.opted_in);
	assert_string_equal(p.opted_out_via, "carrier");
	sms_prefs_free(&p);
	assert_int_equal(audit_count(f, "pref.optout.carrier", NULL), 1);
	/* And the one send path now refuses that number. */
	assert_refused(f, pat, NULL, "Anything", "conversation", "opted out");
}

/* A drain claims a batch per commit: a 21610 in the middle of one hands the batch's rest back
 * before the opt-out is recorded, so the rest is failed with it, never POSTed. */
static void outbox_drain__fails_batch_rest__when_21610_mid_batch(void **state)
{
	struct fx *f = *state;
	int64_t first = must_queue(f, f->jane, NULL, "Hello Jane", "conversation");
	int64_t stopped = must_queue(f, 0, MAGIC_STOPPED, "A question for you", "conversation");
	int64_t rest = must_queue(f, 0, MAGIC_STOPPED, "A second question", "conversation");
	int64_t last = must_queue(f, f->jane, NULL, "Bye Jane", "conversation");
	/* the batches grow 1, 2, 4: [first], [stopped, rest], [last] */
	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.failed, 1);
	assert_accepted(f, first);
	assert_accepted(f, last);
	assert_status(f, stopped, "failed", 21610);
	assert_status(f, rest, "failed", 21610);
	struct sms_message m = get_msg(f, rest);
	assert_int_equal(m.attempts, 0); /* handed back unsent, then failed by the opt-out */
	sms_message_free(&m);
}

static void outbox_drain__records_once__when_optout_confirm_meets_21610(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t pat = add_patient(f, "Sam", MAGIC_STOPPED);
	assert_int_equal(store_optout_number(f->s, f->tenant, MAGIC_STOPPED, NOW, "sms", "STOP", &err), 0);
	int64_t id = must_queue(f, pat, NULL, "You are unsubscribed.", "optout_confirm");
	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retrying, 0);
	assert_status(f, id, "failed", 21610);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, pat, &p, &err), 0);
	assert_string_equal(p.opted_out_via, "sms"); /* the patient's own STOP stays the record */
	sms_prefs_free(&p);
	assert_int_equal(audit_count(f, "pref.optout.carrier", NULL), 0);
	clock_set_fake(NOW + 7200);
	st = drain_cached(f);
	assert_int_equal(st.failed + st.sent + st.retrying, 0);
}

static void status_refresh__opts_number_out__when_status_has_21610(void **state)
{
	struct fx *f = *state;
	int64_t pat = add_patient(f, "Lee", MAGIC_STOP_LATER);
	int64_t sent = must_queue(f, pat, NULL, "First", "reminder");
	assert_int_equal(drain_cached(f).sent, 1);
	int64_t waiting = must_queue(f, pat, NULL, "Second, still queued", "reminder");

	clock_set_fake(NOW + 2);
	assert_int_equal(refresh(f), 1);
	assert_status(f, sent, "failed", 21610);
	assert_status(f, waiting, "failed", 21610);
	bool out = false;
	char *err = NULL;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, MAGIC_STOP_LATER, &out, &err), 0);
	assert_true(out);
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, pat, &p, &err), 0);
	assert_false(p.opted_in);
	assert_string_equal(p.opted_out_via, "carrier");
	sms_prefs_free(&p);
	assert_int_equal(audit_count(f, "pref.optout.carrier", NULL), 1);
	assert_int_equal(drain_cached(f).sent, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
}

/* Stores an outbound "sent" message with a SID the simulator does not know (a message deleted
 * at Twilio): fetching it answers 404. */
static void add_unknown_sent(struct fx *f, const char *sid, int64_t at)
{
	struct sms_message m = {.tenant_id = f->tenant,
				.patient_id = f->jane,
				.twilio_sid = (char *)sid,
				.from_number = CLINIC_NUMBER,
				.to_number = JANE,
				.body = "Deleted at Twilio",
				.status = "sent",
				.created_at = at,
				.sent_at = at};
	bool inserted = false;
	char *err = NULL;
	if (store_msg_insert_outbound_seen(f->s, &m, &inserted, &err) != 0)
		fail_msg("insert: %s", err);
	assert_true(inserted);
}

/* One refresh pass fetching at most `limit` messages; returns the fetches of SIDs holding `mark`. */
static size_t refresh_count(struct fx *f, int limit, const char *mark)
{
	struct tenant t = tenant_of(f);
	char *err = NULL;
	int updated = 0;
	size_t before = sim_request_count(f->sim), hits = 0;
	if (status_refresh(f->s, f->quick, &t, limit, &updated, &err) != 0)
		fail_msg("status_refresh: %s", err);
	tenant_free(&t);
	for (size_t i = before; i < sim_request_count(f->sim); i++) {
		char *method = NULL, *path = NULL, *body = NULL;
		assert_int_equal(sim_request_get(f->sim, i, &method, &path, &body), 0);
		hits += strcmp(method, "GET") == 0 && strstr(path, mark) != NULL;
		free(method);
		free(path);
		free(body);
	}
	return hits;
}

/* Issue 15: messages Twilio answers 404 for were fetched first on every pass (updated_at never
 * moved), starving the others. Now each is put off as long as its age, and given up after
 * Twilio's 400-day retention. */
static void status_refresh__backs_off_per_message__when_twilio_answers_404(void **state)
{
	struct fx *f = *state;
	add_unknown_sent(f, "SM00000000000000000000000000dead01", NOW - 3600);
	add_unknown_sent(f, "SM00000000000000000000000000dead02", NOW - 3600);
	clock_set_fake(NOW + 1);
	int64_t live = must_queue(f, f->jane, NULL, "Your results are ready", "conversation");
	assert_int_equal(drain(f, quick_client, f).sent, 1);
	struct sms_message m = get_msg(f, live);
	char *live_sid = xstrdup(m.twilio_sid);
	sms_message_free(&m);

	clock_set_fake(NOW + 2);
	assert_int_equal(refresh_count(f, 2, "dead"), 2); /* the two least recently refreshed */
	clock_set_fake(NOW + 3);
	/* Put off: within the same limit of 2 the live one gets its turn. */
	assert_int_equal(refresh_count(f, 2, live_sid), 1);
	clock_set_fake(NOW + 4);
	assert_int_equal(refresh_count(f, 0, "dead"), 0);
	clock_set_fake(NOW + 2 + 3602); /* waited as long as they were old (3602 s) */
	assert_int_equal(refresh_count(f, 0, "dead"), 2);
	clock_set_fake(NOW + 2 + 3602 + 60);
	assert_int_equal(refresh_count(f, 0, "dead"), 0);

	clock_set_fake(NOW + 401LL * 86400); /* past Twilio's retention: one last try, then none */
	assert_int_equal(refresh_count(f, 0, "dead"), 2);
	clock_set_fake(NOW + 402LL * 86400);
	assert_int_equal(refresh_count(f, 0, "dead"), 0);
	clock_set_fake(NOW + 800LL * 86400);
	assert_int_equal(refresh_count(f, 0, "dead"), 0);
	free(live_sid);
}

/* A fault on the POST: queued again with backoff, sent by a later drain, exactly once. */
static void check_backoff(struct fx *f, enum sim_fault fault)
{
	int64_t id = must_queue(f, f->jane, NULL, "Please call us", "conversation");
	sim_set_fault(f->sim, fault, 1, 0);
	struct outbox_stats st = drain(f, quick_client, f);
	assert_int_equal(st.retrying, 1);
	assert_int_equal(st.sent + st.failed, 0);
	struct sms_message m = get_msg(f, id);
	assert_string_equal(m.status, "queued");
	assert_int_equal(m.attempts, 1);
	assert_int_equal(m.next_attempt_at, NOW + 60);
	assert_non_null(m.error_message); /* staff see why it waits */
	sms_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 0);

	clock_set_fake(NOW + 59);
	assert_int_equal(drain(f, quick_client, f).sent, 0);
	clock_set_fake(NOW + 60);
	assert_int_equal(drain(f, quick_client, f).sent, 1);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	assert_int_equal(m.attempts, 2);
	assert_null(m.error_message);
	sms_message_free(&m);
}

static void outbox_drain__backs_off__when_429(void **state)
{
	check_backoff(*state, SIM_FAULT_429);
}

static void outbox_drain__backs_off__when_503(void **state)
{
	check_backoff(*state, SIM_FAULT_503);
}

static void outbox_drain__gives_up__when_eight_attempts_fail(void **state)
{
	struct fx *f = *state;
	int64_t id = must_queue(f, f->jane, NULL, "Hello", "conversation");
	int64_t t = NOW;
	int waits[8];
	for (int i = 0; i < 8; i++) {
		sim_set_fault(f->sim, SIM_FAULT_429, 1, 0);
		struct outbox_stats st = drain(f, quick_client, f);
		assert_int_equal(st.retrying + st.failed, 1);
		struct sms_message m = get_msg(f, id);
		waits[i] = (int)(m.next_attempt_at - t);
		sms_message_free(&m);
		t += 3600;
		clock_set_fake(t);
	}
	assert_status(f, id, "failed", 20429);
	assert_int_equal(waits[0], 60);
	assert_int_equal(waits[1], 120);
	assert_int_equal(waits[5], 1920);
	assert_int_equal(waits[6], 3600); /* capped at an hour */
	assert_int_equal(sim_outbound_count(f->sim), 0);
}

/* Past the 120 s stale age, reconcile settles exactly one interrupted claim. */
static void reconcile_one(struct fx *f)
{
	struct outbox_stats st = {0};
	char *err = NULL;
	clock_set_fake(NOW + 121);
	assert_int_equal(outbox_reconcile(f->s, quick_client, f, 120, &st, &err), 0);
	assert_int_equal(st.reconciled, 1);
}

/* A 500 may hide a created message: the claim is left for reconcile, which finds nothing
 * at Twilio and queues it again; then it goes out once. */
static void outbox_drain__leaves_claim__when_500(void **state)
{
	struct fx *f = *state;
	int64_t id = must_queue(f, f->jane, NULL, "Hello after a 500", "conversation");
	sim_set_fault(f->sim, SIM_FAULT_500, 1, 0);
	struct outbox_stats st = drain(f, quick_client, f);
	assert_int_equal(st.sent + st.failed + st.retrying, 0);
	assert_status(f, id, "sending", 0);
	reconcile_one(f);
	assert_status(f, id, "queued", 0);
	assert_int_equal(drain(f, quick_client, f).sent, 1);
	assert_int_equal(sim_outbound_count(f->sim), 1);
}

/* Twilio created the message but its answer was unreadable: reconcile finds it, no resend. */
static void outbox_drain__never_resends__when_answer_unreadable(void **state)
{
	struct fx *f = *state;
	int64_t id = must_queue(f, f->jane, NULL, "Answer lost", "conversation");
	sim_set_fault(f->sim, SIM_FAULT_MALFORMED, 1, 0);
	struct outbox_stats st = drain(f, quick_client, f);
	assert_int_equal(st.sent + st.failed + st.retrying, 0);
	assert_status(f, id, "sending", 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	reconcile_one(f);
	struct sms_message m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	assert_null(m.claim_owner);
	sms_message_free(&m);
	assert_int_equal(drain(f, quick_client, f).sent, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
}

/* The answer came too late (timeout after the POST): left "sending", then settled once. */
static void outbox_drain__never_resends__when_answer_times_out(void **state)
{
	struct fx *f = *state;
	int64_t id = must_queue(f, f->jane, NULL, "Slow network", "conversation");
	sim_set_fault(f->sim, SIM_FAULT_SLOW, 1, 900);
	struct outbox_stats st = drain(f, quick_client, f);
	assert_int_equal(st.sent + st.failed + st.retrying, 0);
	assert_status(f, id, "sending", 0);
	/* The simulator creates it once its delay is over (a real reconcile runs minutes later). */
	for (int i = 0; i < 300 && sim_outbound_count(f->sim) == 0; i++)
		usleep(10000);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	reconcile_one(f);
	struct sms_message m = get_msg(f, id);
	assert_non_null(m.twilio_sid);
	sms_message_free(&m);
	assert_int_equal(drain(f, quick_client, f).sent, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
}

static void outbox_reconcile__records_sent__when_crash_after_post(void **state)
{
	struct fx *f = *state;
	const char *body = "Crash right after the POST";
	int64_t id = must_queue(f, f->jane, NULL, body, "conversation");
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_claim_next(f->s, f->tenant, "crashy@host:9", NOW, &m, &err), 0);
	assert_int_equal(m.id, id);
	struct twilio_client *c = client_cache_get(f->cache, f->tenant, &err);
	struct twilio_send_req req = {.to = m.to_number, .from = CLINIC_NUMBER, .body = m.body};
	struct twilio_message tm;
	struct twilio_error e;
	memset(&tm, 0, sizeof(tm));
	memset(&e, 0, sizeof(e));
	assert_int_equal(twilio_send(c, &req, &tm, &e), TW_OK);
	sms_message_free(&m);
	/* ...and the sender dies here: nothing recorded. */

	struct outbox_stats st = {0};
	clock_set_fake(NOW + 60);
	assert_int_equal(outbox_reconcile(f->s, client_cache_get, f->cache, 120, &st, &err), 0);
	assert_int_equal(st.reconciled, 0); /* not stale yet: maybe still in flight */
	assert_status(f, id, "sending", 0);

	clock_set_fake(NOW + 121);
	assert_int_equal(outbox_reconcile(f->s, client_cache_get, f->cache, 120, &st, &err), 0);
	assert_int_equal(st.reconciled, 1);
	m = get_msg(f, id);
	assert_string_equal(m.twilio_sid, tm.sid);
	assert_null(m.claim_owner);
	sms_message_free(&m);
	twilio_message_free(&tm);
	assert_int_equal(drain_cached(f).sent, 0);
	assert_int_equal(sim_outbound_count(f->sim), 1);
}

static void outbox_reconcile__requeues_once__when_crash_before_post(void **state)
{
	struct fx *f = *state;
	/* An identical message already sent must not be taken for the lost one. */
	int64_t first = must_queue(f, f->jane, NULL, "Same words", "conversation");
	assert_int_equal(drain_cached(f).sent, 1);
	int64_t lost = must_queue(f, f->jane, NULL, "Same words", "conversation");
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_claim_next(f->s, 0, "crashy@host:9", NOW, &m, &err), 0);
	assert_int_equal(m.id, lost);
	sms_message_free(&m);

	clock_set_fake(NOW + 121);
	struct outbox_stats st = {0};
	assert_int_equal(outbox_reconcile(f->s, client_cache_get, f->cache, 120, &st, &err), 0);
	assert_int_equal(st.reconciled, 1);
	assert_status(f, lost, "queued", 0);
	assert_int_equal(drain_cached(f).sent, 1);
	assert_int_equal(drain_cached(f).sent, 0);
	assert_int_equal(sim_outbound_count_to(f->sim, JANE), 2);
	struct sms_message a = get_msg(f, first), b = get_msg(f, lost);
	assert_string_not_equal(a.twilio_sid, b.twilio_sid);
	sms_message_free(&a);
	sms_message_free(&b);
}

static void outbox_drain__keeps_queued__when_tenant_has_no_token(void **state)
{
	struct fx *f = *state;
	int64_t other = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(f->s, "No Token Clinic", "America/Chicago", "", &other, &err), 0);
	assert_int_equal(store_tenant_set(f->s, other, "account_sid", sim_account_sid(f->sim), &err), 0);
	assert_int_equal(store_tenant_set(f->s, other, "from_number", "+13125550111", &err), 0);
	assert_int_equal(store_tenant_set(f->s, other, "api_base", sim_base_url(f->sim), &err), 0);
	struct outbox_request req = {.tenant_id = other,
				     .to = BOB,
				     .body = "Hi",
				     .message_type = "conversation",
				     .actor = "frontdesk"};
	int64_t stuck = 0;
	assert_int_equal(outbox_queue(f->s, &req, &stuck, &err), 0);
	int64_t ok = must_queue(f, f->jane, NULL, "Hi Jane", "conversation");
	struct outbox_stats st = drain_cached(f);
	assert_int_equal(st.sent, 1);
	assert_accepted(f, ok);
	struct sms_message m = get_msg(f, stuck);
	assert_string_equal(m.status, "queued");
	assert_int_equal(m.attempts, 0); /* not the message's fault: no attempt spent */
	sms_message_free(&m);
}

static void outbox__sends_media__when_list_valid(void **state)
{
	struct fx *f = *state;
	struct outbox_request req = {
	    .tenant_id = f->tenant,
	    .patient_id = f->jane,
	    .body = "Your map",
	    .media_urls_json = "[\"https://example.com/map.png\", \"https:\\/\\/example.com/b.jpg\"]",
	    .message_type = "conversation",
	    .actor = "frontdesk"};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(outbox_queue(f->s, &req, &id, &err), 0);
	assert_int_equal(drain_cached(f).sent, 1);
	size_t n = sim_request_count(f->sim);
	bool seen = false;
	for (size_t i = 0; i < n; i++) {
		char *method = NULL, *path = NULL, *body = NULL;
		assert_int_equal(sim_request_get(f->sim, i, &method, &path, &body), 0);
		if (strcmp(method, "POST") == 0 && strstr(body, "Body=Your") != NULL) {
			assert_non_null(strstr(body, "MediaUrl=https%3A%2F%2Fexample.com%2Fmap.png"));
			assert_non_null(strstr(body, "MediaUrl=https%3A%2F%2Fexample.com%2Fb.jpg"));
			seen = true;
		}
		free(method);
		free(path);
		free(body);
	}
	assert_true(seen);

	const char *bad[] = {
	    "{}",
	    "[",
	    "[\"https://a.example/x\"",
	    "[\"ftp://a.example/x\"]",
	    "[1]",
	    "[\"https://a.example/x\"] trailing",
	    "[\"https://a\\u0000b\"]",
	    "[\"https://1\",\"https://2\",\"https://3\",\"https://4\",\"https://5\",\"https://6\","
	    "\"https://7\",\"https://8\",\"https://9\",\"https://10\",\"https://11\"]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req.media_urls_json = bad[i];
		if (outbox_queue(f->s, &req, &id, &err) != OUTBOX_REFUSED)
			fail_msg("media list %s was not refused", bad[i]);
		assert_non_null(strstr(err, "media list"));
	}
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(outbox__sends_once_and_tracks_delivery__when_drained),
	    T(outbox_queue__refuses__when_rules_broken),
	    T(outbox_check__refuses_like_queue__when_rules_broken),
	    T(outbox__sends_media__when_list_valid),
	    T(outbox_drain__fails_with_code__when_twilio_rejects_number),
	    T(outbox_drain__opts_number_out__when_21610_on_send),
	    T(outbox_drain__fails_batch_rest__when_21610_mid_batch),
	    T(outbox_drain__records_once__when_optout_confirm_meets_21610),
	    T(status_refresh__opts_number_out__when_status_has_21610),
	    T(status_refresh__backs_off_per_message__when_twilio_answers_404),
	    T(outbox_drain__backs_off__when_429),
	    T(outbox_drain__backs_off__when_503),
	    T(outbox_drain__gives_up__when_eight_attempts_fail),
	    T(outbox_drain__leaves_claim__when_500),
	    T(outbox_drain__never_resends__when_answer_unreadable),
	    T(outbox_drain__never_resends__when_answer_times_out),
	    T(outbox_reconcile__records_sent__when_crash_after_post),
	    T(outbox_reconcile__requeues_once__when_crash_before_post),
	    T(outbox_drain__keeps_queued__when_tenant_has_no_token),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
