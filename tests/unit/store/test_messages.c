/* Tests for store/messages.c: inbound by SID, the outbox claim, results, status, cancels. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/util.h"

#define CLINIC "+15005550006"
#define JANE "+15551230001"
#define BOB "+15551230002"
#define NOW 1795000000

/* Queues an outbound message to `to` with the given body and type; returns its id. */
static int64_t queue(struct store *s, int64_t tenant, const char *to, const char *body, const char *type)
{
	struct sms_message m = {.tenant_id = tenant,
				.from_number = CLINIC,
				.to_number = (char *)to,
				.body = (char *)body,
				.message_type = (char *)type,
				.segments = 1,
				.encoding = "GSM-7",
				.created_at = clock_now(),
				.next_attempt_at = clock_now()};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_msg_queue(s, &m, &id, &err), 0);
	assert_true(id > 0);
	return id;
}

static int inbound(struct store *s, int64_t tenant, const char *sid, const char *from, const char *body,
		   int64_t at, bool *inserted)
{
	struct sms_message m = {.tenant_id = tenant,
				.twilio_sid = (char *)sid,
				.from_number = (char *)from,
				.to_number = CLINIC,
				.body = (char *)body,
				.created_at = at};
	int64_t id = 0;
	char *err = NULL;
	int rc = store_msg_insert_inbound(s, &m, &id, inserted, &err);
	free(err);
	return rc;
}

static int setup(void **state)
{
	clock_set_fake(NOW);
	*state = tu_store_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	struct store *s = *state;
	store_close(&s);
	clock_set_fake(0);
	return 0;
}

static void store_msg_insert_inbound__stores_once__when_same_sid_twice(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	bool ins = false;
	assert_int_equal(inbound(s, t, "SM00000000000000000000000000000001", JANE, "C", NOW, &ins), 0);
	assert_true(ins);
	assert_int_equal(inbound(s, t, "SM00000000000000000000000000000001", JANE, "C again", NOW + 5, &ins),
			 0);
	assert_false(ins);

	struct sms_message *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_msg_list(s, t, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].body, "C");
	assert_string_equal(list[0].status, "received");
	assert_string_equal(list[0].direction, "inbound");
	struct sms_thread th;
	assert_int_equal(store_thread_get(s, list[0].thread_id, &th, &err), 0);
	assert_int_equal(th.unread_count, 1);
	sms_thread_free(&th);
	sms_message_list_free(&list, n);
}

static void store_msg_insert_inbound__refuses__when_sid_missing(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	bool ins = true;
	assert_int_equal(inbound(s, t, NULL, JANE, "hi", NOW, &ins), -1);
	assert_int_equal(inbound(s, t, "", JANE, "hi", NOW, &ins), -1);
}

static void store_msg_queue__links_thread_and_patient__when_single_owner(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t jane = tu_patient_add(s, t, "Jane", "Doe", JANE);
	int64_t id = queue(s, t, JANE, "Hello Jane", "conversation");
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(s, id, &m, &err), 0);
	assert_string_equal(m.status, "queued");
	assert_null(m.twilio_sid);
	assert_int_equal(m.patient_id, jane);
	assert_int_equal(m.attempts, 0);
	struct sms_thread th;
	assert_int_equal(store_thread_get(s, m.thread_id, &th, &err), 0);
	assert_int_equal(th.patient_id, jane);
	assert_string_equal(th.patient_name, "Jane Doe");
	assert_string_equal(th.last_body, "Hello Jane");
	assert_string_equal(th.last_outbound_status, "queued");
	assert_int_equal(th.unread_count, 0);
	sms_thread_free(&th);
	sms_message_free(&m);
}

static void store_msg_claim_next__gives_row_to_one__when_two_connections_claim(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t id = queue(s, t, JANE, "only one", "conversation");
	struct store *other = NULL;
	char *err = NULL;
	assert_int_equal(store_open(store_path(s), &other, &err), 0);

	struct sms_message a, b;
	assert_int_equal(store_msg_claim_next(s, 0, "sender-a", NOW, &a, &err), 0);
	assert_int_equal(store_msg_claim_next(other, 0, "sender-b", NOW, &b, &err), SD_NOTFOUND);
	assert_int_equal(a.id, id);
	assert_string_equal(a.status, "sending");
	assert_string_equal(a.claim_owner, "sender-a");
	assert_int_equal(a.claimed_at, NOW);
	assert_int_equal(a.attempts, 1);
	sms_message_free(&a);
	store_close(&other);
}

/* Each child claims until nothing is due, writing the ids it got to its pipe. */
static void claim_child(const char *path, int fd)
{
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(path, &s, &err) != 0)
		_exit(2);
	char owner[32];
	snprintf(owner, sizeof(owner), "child-%d", (int)getpid());
	for (;;) {
		struct sms_message m;
		int rc = store_msg_claim_next(s, 0, owner, NOW, &m, &err);
		if (rc == SD_NOTFOUND)
			break;
		if (rc != 0)
			_exit(3);
		if (write(fd, &m.id, sizeof(m.id)) != sizeof(m.id))
			_exit(4);
		sms_message_free(&m);
	}
	store_close(&s);
	_exit(0);
}

static void store_msg_claim_next__claims_each_row_once__when_processes_race(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	enum { N_MSG = 150, N_PROC = 4 };
	char *err = NULL;
	assert_int_equal(store_begin(s, &err), 0);
	for (int i = 0; i < N_MSG; i++)
		queue(s, t, i % 2 ? JANE : BOB, "race", "reminder");
	assert_int_equal(store_commit(s, &err), 0);

	int fds[N_PROC][2];
	pid_t pids[N_PROC];
	for (int i = 0; i < N_PROC; i++) {
		assert_int_equal(pipe(fds[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[i][0]);
			claim_child(store_path(s), fds[i][1]);
		}
		close(fds[i][1]);
	}
	int seen[N_MSG + 2] = {0};
	int total = 0, procs_with_claims = 0;
	for (int i = 0; i < N_PROC; i++) {
		int64_t id;
		int mine = 0;
		while (read(fds[i][0], &id, sizeof(id)) == sizeof(id)) {
			assert_true(id >= 1 && id <= N_MSG);
			seen[id]++;
			total++;
			mine++;
		}
		close(fds[i][0]);
		int status = 0;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		procs_with_claims += mine > 0;
	}
	assert_int_equal(total, N_MSG);
	for (int id = 1; id <= N_MSG; id++)
		assert_int_equal(seen[id], 1);
	assert_true(procs_with_claims >= 1);
}

static void store_msg_claim_batch__claims_oldest_due_and_hands_back__when_batch_cut_short(void **state)
{
	struct store *s = *state;
	int64_t t1 = tu_tenant_add(s, "One");
	int64_t t2 = tu_tenant_add(s, "Two");
	int64_t a = queue(s, t1, JANE, "a", "conversation");
	queue(s, t2, BOB, "other tenant", "conversation");
	int64_t b = queue(s, t1, BOB, "b", "conversation");
	int64_t c = queue(s, t1, JANE, "c", "conversation");
	char *err = NULL;
	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_claim_batch(s, t1, "me", NOW, 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, a);
	assert_int_equal(list[1].id, b);
	assert_string_equal(list[1].status, "sending");
	assert_int_equal(list[1].attempts, 1);
	/* Only the claim's owner hands it back; the row is queued again, its attempt uncounted. */
	assert_int_equal(store_msg_release_claim(s, b, "someone else", &err), SD_NOTFOUND);
	assert_int_equal(store_msg_release_claim(s, b, "me", &err), 0);
	assert_int_equal(store_msg_release_claim(s, b, "me", &err), SD_NOTFOUND);
	struct sms_message m;
	assert_int_equal(store_msg_get(s, b, &m, &err), 0);
	assert_string_equal(m.status, "queued");
	assert_int_equal(m.attempts, 0);
	assert_null(m.claim_owner);
	sms_message_free(&m);
	sms_message_list_free(&list, n);
	/* Next batch: the handed-back row again, then the rest; the one still claimed is not. */
	assert_int_equal(store_msg_claim_batch(s, t1, "me", NOW, 10, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, b);
	assert_int_equal(list[1].id, c);
	sms_message_list_free(&list, n);
	assert_int_equal(store_msg_claim_batch(s, t1, "me", NOW, 10, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(list);
}

static void store_msg_claim_next__waits__when_not_due_or_other_tenant(void **state)
{
	struct store *s = *state;
	int64_t t1 = tu_tenant_add(s, "One");
	int64_t t2 = tu_tenant_add(s, "Two");
	int64_t id = queue(s, t1, JANE, "later", "conversation");
	char *err = NULL;
	struct sms_message m;
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW, &m, &err), 0);
	sms_message_free(&m);
	assert_int_equal(store_msg_record_failure(s, id, 0, "Twilio busy (429)", false, NOW + 60, &err), 0);

	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW + 59, &m, &err), SD_NOTFOUND);
	assert_int_equal(store_msg_claim_next(s, t2, "x", NOW + 60, &m, &err), SD_NOTFOUND);
	assert_int_equal(store_msg_claim_next(s, t1, "x", NOW + 60, &m, &err), 0);
	assert_int_equal(m.id, id);
	assert_int_equal(m.attempts, 2);
	/* The error of the earlier attempt stays visible until it is sent. */
	assert_int_equal(m.error_code, 0);
	assert_string_equal(m.error_message, "Twilio busy (429)");
	sms_message_free(&m);
}

static void store_msg_record_sent__sets_sid_and_clears_claim__when_accepted(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t id = queue(s, t, JANE, "hi", "conversation");
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW, &m, &err), 0);
	sms_message_free(&m);
	assert_int_equal(store_msg_record_sent(s, id, "SMaaaa", "queued", 2, NOW + 1, &err), 0);
	assert_int_equal(store_msg_get_by_sid(s, "SMaaaa", &m, &err), 0);
	assert_int_equal(m.id, id);
	assert_string_equal(m.status, "queued");
	assert_int_equal(m.segments, 2);
	assert_int_equal(m.sent_at, NOW + 1);
	assert_int_equal(m.claimed_at, 0);
	assert_null(m.claim_owner);
	sms_message_free(&m);
	/* A queued row at Twilio is not a queued row in our outbox. */
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW + 5, &m, &err), SD_NOTFOUND);
	assert_int_equal(store_msg_get_by_sid(s, "SMnone", &m, &err), SD_NOTFOUND);
}

static void store_msg_record_failure__keeps_code__when_final(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t id = queue(s, t, JANE, "hi", "conversation");
	char *err = NULL;
	struct sms_message m;
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW, &m, &err), 0);
	sms_message_free(&m);
	assert_int_equal(
	    store_msg_record_failure(s, id, 21211, "The 'To' number is not valid.", true, 0, &err), 0);
	assert_int_equal(store_msg_get(s, id, &m, &err), 0);
	assert_string_equal(m.status, "failed");
	assert_int_equal(m.error_code, 21211);
	assert_string_equal(m.error_message, "The 'To' number is not valid.");
	assert_null(m.claim_owner);
	sms_message_free(&m);
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW + 99999, &m, &err), SD_NOTFOUND);
}

static void store_msg_list_stale_claims__lists_old_sending__when_sender_crashed(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	queue(s, t, JANE, "old claim", "conversation");
	queue(s, t, BOB, "new claim", "conversation");
	queue(s, t, BOB, "still queued", "conversation");
	char *err = NULL;
	struct sms_message m;
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW, &m, &err), 0);
	sms_message_free(&m);
	assert_int_equal(store_msg_claim_next(s, 0, "x", NOW + 200, &m, &err), 0);
	sms_message_free(&m);
	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list_stale_claims(s, NOW + 100, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].body, "old claim");
	sms_message_list_free(&list, n);
}

static void store_msg_update_status__sets_delivered_at__when_delivered(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t a = queue(s, t, JANE, "a", "conversation");
	int64_t b = queue(s, t, BOB, "b", "conversation");
	queue(s, t, BOB, "c never sent", "conversation");
	char *err = NULL;
	struct sms_message m;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_msg_claim_next(s, 0, "x", NOW, &m, &err), 0);
		sms_message_free(&m);
	}
	assert_int_equal(store_msg_record_sent(s, a, "SMa", "queued", 1, NOW, &err), 0);
	assert_int_equal(store_msg_record_sent(s, b, "SMb", "sent", 1, NOW, &err), 0);

	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list_open(s, t, NOW + 10, 10, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	sms_message_list_free(&list, n);

	assert_int_equal(store_msg_update_status(s, "SMa", "delivered", 0, NULL, NOW + 7, &err), 0);
	assert_int_equal(
	    store_msg_update_status(s, "SMb", "undelivered", 30003, "Unreachable handset", NOW + 8, &err), 0);
	assert_int_equal(store_msg_get(s, a, &m, &err), 0);
	assert_string_equal(m.status, "delivered");
	assert_int_equal(m.delivered_at, NOW + 7);
	sms_message_free(&m);
	assert_int_equal(store_msg_get(s, b, &m, &err), 0);
	assert_int_equal(m.error_code, 30003);
	assert_int_equal(m.delivered_at, 0);
	sms_message_free(&m);
	assert_int_equal(store_msg_list_open(s, t, NOW + 10, 10, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(store_msg_update_status(s, "SMa", "", 0, NULL, NOW, &err), -1);
	free(err);
}

static void store_msg_cancel_queued_to__fails_queued_except_confirmations__when_opted_out(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t r1 = queue(s, t, JANE, "reminder 1", "reminder");
	int64_t r2 = queue(s, t, JANE, "reminder 2", "reminder");
	int64_t conf = queue(s, t, JANE, "You are unsubscribed", "optout_confirm");
	int64_t bob = queue(s, t, BOB, "for bob", "reminder");
	int count = -1;
	char *err = NULL;
	assert_int_equal(store_msg_cancel_queued_to(s, t, JANE, 21610, "opted out", &count, &err), 0);
	assert_int_equal(count, 2);
	int64_t ids[] = {r1, r2, conf, bob};
	const char *want[] = {"failed", "failed", "queued", "queued"};
	for (int i = 0; i < 4; i++) {
		struct sms_message m;
		assert_int_equal(store_msg_get(s, ids[i], &m, &err), 0);
		assert_string_equal(m.status, want[i]);
		sms_message_free(&m);
	}
}

static void store_msg_count_recent_to__counts_types__when_listed(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	queue(s, t, JANE, "r1", "reminder");
	clock_set_fake(NOW + 100);
	queue(s, t, JANE, "r2", "reminder");
	queue(s, t, JANE, "chat", "conversation");
	queue(s, t, BOB, "bob", "reminder");
	int c = -1;
	char *err = NULL;
	assert_int_equal(store_msg_count_recent_to(s, t, JANE, "reminder", NOW, &c, &err), 0);
	assert_int_equal(c, 2);
	assert_int_equal(store_msg_count_recent_to(s, t, JANE, "reminder", NOW + 50, &c, &err), 0);
	assert_int_equal(c, 1);
	assert_int_equal(store_msg_count_recent_to(s, t, JANE, "reminder, conversation", NOW, &c, &err), 0);
	assert_int_equal(c, 3);
	assert_int_equal(store_msg_count_recent_to(s, t, JANE, NULL, NOW, &c, &err), 0);
	assert_int_equal(c, 3);
	assert_int_equal(store_msg_count_recent_to(s, t, "+15559999999", NULL, NOW, &c, &err), 0);
	assert_int_equal(c, 0);
}

static void store_msg_list_thread__returns_newest_oldest_first__when_limited(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	char body[16];
	for (int i = 0; i < 5; i++) {
		clock_set_fake(NOW + i);
		snprintf(body, sizeof(body), "m%d", i);
		queue(s, t, JANE, body, "conversation");
	}
	int64_t th = 0;
	char *err = NULL;
	assert_int_equal(store_thread_for_phone(s, t, JANE, &th, &err), 0);
	struct sms_message *list = NULL;
	size_t n = 0;
	assert_int_equal(store_msg_list_thread(s, th, 3, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].body, "m2");
	assert_string_equal(list[2].body, "m4");
	sms_message_list_free(&list, n);
	assert_int_equal(store_msg_list_thread(s, th, 0, &list, &n, &err), 0);
	assert_int_equal(n, 5);
	sms_message_list_free(&list, n);
}

static void store_msg_insert_outbound_seen__ignores__when_sid_stored(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	struct sms_message m = {.tenant_id = t,
				.twilio_sid = "SMseen",
				.from_number = CLINIC,
				.to_number = JANE,
				.body = "sent from the Twilio console",
				.status = "delivered",
				.created_at = NOW};
	bool ins = false;
	char *err = NULL;
	assert_int_equal(store_msg_insert_outbound_seen(s, &m, &ins, &err), 0);
	assert_true(ins);
	assert_int_equal(store_msg_insert_outbound_seen(s, &m, &ins, &err), 0);
	assert_false(ins);
	struct sms_message got;
	assert_int_equal(store_msg_get_by_sid(s, "SMseen", &got, &err), 0);
	assert_string_equal(got.direction, "outbound");
	assert_string_equal(got.status, "delivered");
	sms_message_free(&got);
	int total = -1;
	assert_int_equal(store_unread_total(s, t, &total, &err), 0);
	assert_int_equal(total, 0);
}

static void sms_status_is_final__knows_twilio_statuses__when_asked(void **state)
{
	assert_true(sms_status_is_final("delivered"));
	assert_true(sms_status_is_final("undelivered"));
	assert_true(sms_status_is_final("failed"));
	assert_true(sms_status_is_final("received"));
	assert_false(sms_status_is_final("sent"));
	assert_false(sms_status_is_final("queued"));
	assert_false(sms_status_is_final("accepted"));
	assert_false(sms_status_is_final(NULL));
}

/* Sets a message's created_at directly (the store stamps queued rows with the clock). */
static void set_created(const char *path, int64_t id, int64_t at)
{
	sqlite3 *db = NULL;
	char sql[128];
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	snprintf(sql, sizeof sql, "UPDATE sms_messages SET created_at = %lld WHERE id = %lld", (long long)at,
		 (long long)id);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Lists with f and returns the count; the ids go to ids (newest first). */
static size_t list_ids(struct store *s, int64_t t, const struct msg_filter *f, size_t limit, int64_t *ids)
{
	struct sms_message *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_msg_list_filtered(s, t, f, limit, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		ids[i] = list[i].id;
		assert_int_equal(list[i].tenant_id, t);
	}
	sms_message_list_free(&list, n);
	return n;
}

static void store_msg_list_filtered__matches_every_filter__when_combined(void **state)
{
	(void)state;
	char *path = NULL;
	clock_set_fake(NOW);
	struct store *s = tu_store_new(&path);
	int64_t t = tu_tenant_add(s, "Main"), other = tu_tenant_add(s, "North");
	int64_t jane = tu_patient_add(s, t, "Jane", "Doe", JANE);
	tu_patient_add(s, t, "Bob", "Roe", BOB);
	bool ins = false;
	char *err = NULL;
	/* in: Jane at NOW-3d, Bob at NOW-1d; out: Jane conversation (NOW-2d, then failed),
	 * Jane reminder (NOW-1h), Bob conversation (NOW); another tenant's inbound at NOW */
	assert_int_equal(inbound(s, t, "SM000000000000000000000000000000a1", JANE, "q1", NOW - 3 * 86400, &ins), 0);
	assert_int_equal(inbound(s, t, "SM000000000000000000000000000000a2", BOB, "q2", NOW - 86400, &ins), 0);
	assert_int_equal(inbound(s, other, "SM000000000000000000000000000000a3", JANE, "x", NOW, &ins), 0);
	int64_t conv = queue(s, t, JANE, "a1", "conversation");
	int64_t rem = queue(s, t, JANE, "r1", "reminder");
	int64_t bobc = queue(s, t, BOB, "a2", "conversation");
	set_created(path, conv, NOW - 2 * 86400);
	set_created(path, rem, NOW - 3600);
	assert_int_equal(store_msg_record_failure(s, conv, 21211, "invalid number", true, 0, &err), 0);

	int64_t ids[16];
	assert_int_equal(list_ids(s, t, NULL, 0, ids), 5);
	assert_int_equal(ids[0], bobc); /* newest first */
	assert_int_equal(ids[1], rem);
	assert_int_equal(ids[3], conv);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.direction = "inbound"}, 0, ids), 2);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.direction = "outbound"}, 0, ids), 3);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.message_type = "reminder"}, 0, ids), 1);
	assert_int_equal(ids[0], rem);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.status = "failed"}, 0, ids), 1);
	assert_int_equal(ids[0], conv);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.since = NOW - 2 * 86400}, 0, ids), 4);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.since = NOW - 2 * 86400}, 2, ids), 2);
	assert_int_equal(ids[0], bobc);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.patient_id = jane}, 0, ids), 3);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.patient_id = jane, .direction = "outbound",
							     .message_type = "conversation", .status = "failed",
							     .since = NOW - 2 * 86400},
				  0, ids),
			 1);
	assert_int_equal(ids[0], conv);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.patient_id = jane, .since = NOW - 2 * 86400 + 1}, 0, ids),
			 1);
	/* a hostile value is only ever a value */
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.status = "x' OR '1'='1"}, 0, ids), 0);
	assert_int_equal(list_ids(s, t, &(struct msg_filter){.direction = "inbound' --"}, 0, ids), 0);
	assert_int_equal(list_ids(s, other, &(struct msg_filter){.direction = "inbound"}, 0, ids), 1);
	store_close(&s);
	free(path);
	clock_set_fake(0);
}

static void store_msg_list_filtered__walks_an_index__when_listing_a_location(void **state)
{
	(void)state;
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char plan[1024] = "";
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "EXPLAIN QUERY PLAN SELECT id FROM sms_messages WHERE tenant_id = ?1"
					    " AND created_at >= ?2 AND (?3 IS NULL OR status = ?3)"
					    " ORDER BY created_at DESC, id DESC LIMIT 20",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		strncat(plan, (const char *)sqlite3_column_text(st, 3), sizeof plan - strlen(plan) - 2);
		strcat(plan, ";");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_non_null(strstr(plan, "messages_by_tenant_time"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	store_close(&s);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(store_msg_insert_inbound__stores_once__when_same_sid_twice),
	    T(store_msg_insert_inbound__refuses__when_sid_missing),
	    T(store_msg_queue__links_thread_and_patient__when_single_owner),
	    T(store_msg_claim_next__gives_row_to_one__when_two_connections_claim),
	    T(store_msg_claim_next__claims_each_row_once__when_processes_race),
	    T(store_msg_claim_next__waits__when_not_due_or_other_tenant),
	    T(store_msg_claim_batch__claims_oldest_due_and_hands_back__when_batch_cut_short),
	    T(store_msg_record_sent__sets_sid_and_clears_claim__when_accepted),
	    T(store_msg_record_failure__keeps_code__when_final),
	    T(store_msg_list_stale_claims__lists_old_sending__when_sender_crashed),
	    T(store_msg_update_status__sets_delivered_at__when_delivered),
	    T(store_msg_cancel_queued_to__fails_queued_except_confirmations__when_opted_out),
	    T(store_msg_count_recent_to__counts_types__when_listed),
	    T(store_msg_list_thread__returns_newest_oldest_first__when_limited),
	    T(store_msg_insert_outbound_seen__ignores__when_sid_stored),
	    cmocka_unit_test(sms_status_is_final__knows_twilio_statuses__when_asked),
	    cmocka_unit_test(store_msg_list_filtered__matches_every_filter__when_combined),
	    cmocka_unit_test(store_msg_list_filtered__walks_an_index__when_listing_a_location),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
