/* Tests for store/threads.c: thread upkeep, patient links, unread, filters, inbox speed. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/internal.h"
#include "store/store.h"
#include "src/util.h"

#define CLINIC "+15005550006"
#define JANE "+15551230001"
#define FAMILY "+15551230009"
#define NOW 1795000000

static int64_t inbound(struct store *s, int64_t tenant, const char *sid, const char *from, const char *body,
		       int64_t at)
{
	struct sms_message m = {.tenant_id = tenant,
				.twilio_sid = (char *)sid,
				.from_number = (char *)from,
				.to_number = CLINIC,
				.body = (char *)body,
				.created_at = at};
	int64_t id = 0;
	bool ins = false;
	char *err = NULL;
	assert_int_equal(store_msg_insert_inbound(s, &m, &id, &ins, &err), 0);
	assert_true(ins);
	return id;
}

static int64_t outbound(struct store *s, int64_t tenant, const char *to, const char *body, int64_t at)
{
	struct sms_message m = {.tenant_id = tenant,
				.from_number = CLINIC,
				.to_number = (char *)to,
				.body = (char *)body,
				.message_type = "conversation",
				.created_at = at};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_msg_queue(s, &m, &id, &err), 0);
	return id;
}

static struct sms_thread thread_of(struct store *s, int64_t tenant, const char *phone)
{
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_thread_for_phone(s, tenant, phone, &id, &err), 0);
	struct sms_thread t;
	assert_int_equal(store_thread_get(s, id, &t, &err), 0);
	return t;
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

static void store_thread__counts_unread__when_inbound_arrives(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	inbound(s, t, "SM1", JANE, "first", NOW);
	inbound(s, t, "SM2", JANE, "second", NOW + 1);
	outbound(s, t, JANE, "our reply", NOW + 2);
	struct sms_thread th = thread_of(s, t, JANE);
	assert_int_equal(th.unread_count, 2);
	assert_string_equal(th.last_body, "our reply");
	assert_string_equal(th.last_direction, "outbound");
	assert_string_equal(th.last_status, "queued");
	assert_int_equal(th.last_message_at, NOW + 2);
	int total = 0;
	char *err = NULL;
	assert_int_equal(store_unread_total(s, t, &total, &err), 0);
	assert_int_equal(total, 2);
	assert_int_equal(store_thread_mark_read(s, th.id, &err), 0);
	assert_int_equal(store_unread_total(s, t, &total, &err), 0);
	assert_int_equal(total, 0);
	assert_int_equal(store_thread_mark_read(s, 99999, &err), SD_NOTFOUND);
	sms_thread_free(&th);
}

/* Rows the unread-total statements stepped through in a full scan (trace callback). */
static int unread_scan_steps, count_vm_steps;

static int trace_unread(unsigned type, void *ctx, void *p, void *x)
{
	(void)ctx, (void)x;
	sqlite3_stmt *st = p;
	const char *sql = type == SQLITE_TRACE_PROFILE ? sqlite3_sql(st) : NULL;
	if (sql != NULL && strstr(sql, "SUM(unread_count)") != NULL)
		unread_scan_steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	if (sql != NULL && strstr(sql, "SELECT COUNT(*) FROM sms_threads") != NULL) /* a search by tenant is no "scan": */
		count_vm_steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1); /* count the work */
	return 0;
}

static void store_unread_total__reads_only_unread_threads__when_most_are_read(void **state) /* and the H: count */
{
	/* The console sums the unread at start and after every pass: on 20,000 threads a scan of
	 * them all cost more than the inbox's page (issue 15). 200 threads, 3 unread. */
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "North");
	char *err = NULL, sid[32], from[32];
	for (int i = 0; i < 200; i++) {
		snprintf(sid, sizeof sid, "SMu%03d", i);
		snprintf(from, sizeof from, "+1555124%04d", i);
		inbound(s, t, sid, from, "hi", NOW - 1000 + i);
		if (i % 70 != 0) {
			struct sms_thread th = thread_of(s, t, from);
			assert_int_equal(store_thread_mark_read(s, th.id, &err), 0);
			sms_thread_free(&th);
		}
	}
	sqlite3_trace_v2(store_db(s), SQLITE_TRACE_PROFILE, trace_unread, NULL);
	int total = 0;
	unread_scan_steps = 0;
	assert_int_equal(store_unread_total(s, t, &total, &err), 0);
	assert_int_equal(total, 3);
	assert_int_equal(unread_scan_steps, 0); /* a search of the index, no scan */
	assert_int_equal(store_unread_total(s, 0, &total, &err), 0);
	assert_int_equal(total, 3);
	assert_true(unread_scan_steps <= 3); /* every location: only the unread threads' entries */
	/* the needs-a-person count (the inbox's H:) is a search of its index too */
	assert_int_equal(sqlite3_exec(store_db(s), "UPDATE sms_threads SET triage_message_id = last_message_id"
				      " WHERE id IN (SELECT id FROM sms_threads ORDER BY id LIMIT 2)", NULL, NULL, NULL), SQLITE_OK);
	count_vm_steps = 0;
	assert_int_equal(store_thread_count(s, t, THREAD_FILTER_NEEDS_HUMAN, 0, &total, &err), 0);
	assert_int_equal(total, 2);
	assert_true(count_vm_steps < 200); /* far less than a step per thread of the location */
	sqlite3_trace_v2(store_db(s), 0, NULL, NULL);
}

static void store_thread__keeps_last_message__when_older_one_arrives_late(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	inbound(s, t, "SMnew", JANE, "newer", NOW + 100);
	inbound(s, t, "SMold", JANE, "older, polled late", NOW);
	struct sms_thread th = thread_of(s, t, JANE);
	assert_string_equal(th.last_body, "newer");
	assert_int_equal(th.last_message_at, NOW + 100);
	assert_int_equal(th.unread_count, 2);
	sms_thread_free(&th);
}

static void store_thread_for_phone__links_no_patient__when_family_shares_phone(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	int64_t jane = tu_patient_add(s, t, "Jane", "Doe", JANE);
	tu_patient_add(s, t, "Ann", "Roe", FAMILY);
	tu_patient_add(s, t, "Tom", "Roe", FAMILY);
	struct sms_thread th = thread_of(s, t, JANE);
	assert_int_equal(th.patient_id, jane);
	assert_int_equal(th.patient_count, 1);
	assert_string_equal(th.patient_name, "Jane Doe");
	sms_thread_free(&th);

	int64_t msg = inbound(s, t, "SMf", FAMILY, "who is this for", NOW);
	th = thread_of(s, t, FAMILY);
	assert_int_equal(th.patient_id, 0);
	assert_null(th.patient_name);
	assert_int_equal(th.patient_count, 2);
	struct sms_message m;
	char *err = NULL;
	assert_int_equal(store_msg_get(s, msg, &m, &err), 0);
	assert_int_equal(m.patient_id, 0);
	sms_message_free(&m);
	/* Staff pick one: the thread keeps that choice. */
	int64_t picked = tu_patient_add(s, t, "Zed", "Roe", "+15551230077");
	assert_int_equal(store_thread_set_patient(s, th.id, picked, &err), 0);
	sms_thread_free(&th);
	th = thread_of(s, t, FAMILY);
	assert_int_equal(th.patient_id, picked);
	assert_string_equal(th.patient_name, "Zed Roe");
	sms_thread_free(&th);
}

static void store_thread_for_phone__links_patient__when_added_after_first_message(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	inbound(s, t, "SMu", JANE, "hello?", NOW);
	struct sms_thread th = thread_of(s, t, JANE);
	sms_thread_free(&th);
	int64_t jane = tu_patient_add(s, t, "Jane", "Doe", JANE);
	th = thread_of(s, t, JANE);
	assert_int_equal(th.patient_id, jane);
	sms_thread_free(&th);
}

/* Whether any patient has the number, which lets the inbound processor skip the reminder
 * lookups for a stranger: true only when counted and none has it. */
static void store_thread_place__says_number_unknown__only_when_no_patient_has_it(void **state)
{
	struct store *s = *state;
	char *err = NULL;
	int64_t t = tu_tenant_add(s, "Main"), other = tu_tenant_add(s, "Other");
	int64_t jane = tu_patient_add(s, t, "Jane", "Doe", JANE);
	tu_patient_add(s, t, "Ann", "Roe", FAMILY);
	tu_patient_add(s, t, "Tom", "Roe", FAMILY);
	tu_patient_add(s, other, "Sue", "Poe", "+15551230088");
	struct thread_place at;
	assert_int_equal(store_thread_place(s, t, "+15551230099", &at, &err), 0);
	assert_true(at.number_unknown);
	assert_int_equal(at.patient_id, 0);
	assert_true(at.id > 0);
	/* a patient of another location does not count */
	assert_int_equal(store_thread_place(s, t, "+15551230088", &at, &err), 0);
	assert_true(at.number_unknown);
	assert_int_equal(store_thread_place(s, t, JANE, &at, &err), 0);
	assert_false(at.number_unknown);
	assert_int_equal(at.patient_id, jane);
	assert_int_equal(store_thread_place(s, t, JANE, &at, &err), 0); /* linked now */
	assert_false(at.number_unknown);
	assert_int_equal(store_thread_place(s, t, FAMILY, &at, &err), 0);
	assert_false(at.number_unknown);
	assert_int_equal(at.patient_id, 0);
	/* a stranger who becomes a patient is known at the next message */
	int64_t late = tu_patient_add(s, t, "Lee", "Late", "+15551230099");
	assert_int_equal(store_thread_place(s, t, "+15551230099", &at, &err), 0);
	assert_false(at.number_unknown);
	assert_int_equal(at.patient_id, late);
}

static void store_thread_for_phone__separates__when_other_tenant(void **state)
{
	struct store *s = *state;
	int64_t a = tu_tenant_add(s, "North");
	int64_t b = tu_tenant_add(s, "South");
	inbound(s, a, "SMa", JANE, "to north", NOW);
	inbound(s, b, "SMb", JANE, "to south", NOW);
	struct sms_thread ta = thread_of(s, a, JANE), tb = thread_of(s, b, JANE);
	assert_true(ta.id != tb.id);
	assert_string_equal(ta.last_body, "to north");
	assert_string_equal(tb.last_body, "to south");
	sms_thread_free(&ta);
	sms_thread_free(&tb);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_thread_for_phone(s, a, "", &id, &err), -1);
	free(err);
}

/* Lists threads and returns how many, checking the first phone when want_first is set. */
static size_t list_count(struct store *s, int64_t t, unsigned filter, const char *q, const char *want_first)
{
	struct sms_thread *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_thread_list(s, t, filter, q, 0, 50, &list, &n, &err), 0);
	if (want_first != NULL) {
		assert_true(n > 0);
		assert_string_equal(list[0].phone, want_first);
	}
	sms_thread_list_free(&list, n);
	return n;
}

static void store_thread_list__filters_and_searches__when_asked(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	tu_patient_add(s, t, "Jane", "Doe", JANE);
	tu_patient_add(s, t, "Ann", "Roe", FAMILY);
	tu_patient_add(s, t, "Tom", "Roe", FAMILY);
	inbound(s, t, "SM1", JANE, "hi", NOW);
	outbound(s, t, FAMILY, "reminder", NOW + 10);
	inbound(s, t, "SM3", "+447700900123", "wrong number?", NOW + 5);
	char *err = NULL;

	assert_int_equal(list_count(s, t, 0, NULL, FAMILY), 3);
	assert_int_equal(list_count(s, t, 0, "", FAMILY), 3);
	assert_int_equal(list_count(s, t, THREAD_FILTER_UNREAD, NULL, "+447700900123"), 2);
	assert_int_equal(list_count(s, t, THREAD_FILTER_ACTION, NULL, NULL), 0);
	struct sms_thread th = thread_of(s, t, JANE);
	assert_int_equal(store_thread_set_action(s, th.id, true, "Wants to reschedule", &err), 0);
	sms_thread_free(&th);
	assert_int_equal(list_count(s, t, THREAD_FILTER_ACTION, NULL, JANE), 1);
	assert_int_equal(list_count(s, t, THREAD_FILTER_ACTION | THREAD_FILTER_UNREAD, NULL, JANE), 1);
	th = thread_of(s, t, JANE);
	assert_true(th.needs_action);
	assert_string_equal(th.action_reason, "Wants to reschedule");
	sms_thread_free(&th);

	/* Names, case-insensitive, including each member of a family phone. */
	assert_int_equal(list_count(s, t, 0, "jANE", JANE), 1);
	assert_int_equal(list_count(s, t, 0, "  doe ", JANE), 1);
	assert_int_equal(list_count(s, t, 0, "tom", FAMILY), 1);
	assert_int_equal(list_count(s, t, 0, "roe", FAMILY), 1);
	assert_int_equal(list_count(s, t, 0, "nobody", NULL), 0);
	/* Digits, however typed. */
	assert_int_equal(list_count(s, t, 0, "(555) 123-0001", JANE), 1);
	assert_int_equal(list_count(s, t, 0, "1230009", FAMILY), 1);
	assert_int_equal(list_count(s, t, 0, "5551230", NULL), 2);
	assert_int_equal(list_count(s, t, 0, "+44", "+447700900123"), 1);
	/* Hostile text is data, not SQL or a pattern. */
	assert_int_equal(list_count(s, t, 0, "%", NULL), 0);
	assert_int_equal(list_count(s, t, 0, "' OR 1=1 --", NULL), 0);
}

/* Search folds accents and case on both sides and also finds message text. */
static void store_thread_list__folds_accents_and_reads_bodies__when_searching(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	tu_patient_add(s, t, "Zoë", "Müller", "+15551230101");
	tu_patient_add(s, t, "Chloé", "Dubois", "+15551230102");
	tu_patient_add(s, t, "Nguyễn Thị", "Mai", "+15551230103");
	tu_patient_add(s, t, "Jane", "Doe", JANE);
	inbound(s, t, "SMf1", "+15551230101", "hi", NOW);
	inbound(s, t, "SMf2", "+15551230102", "hello", NOW + 1);
	inbound(s, t, "SMf3", "+15551230103", "Xin chào", NOW + 2);
	inbound(s, t, "SMf4", JANE, "Can I move my Crème brûlée appointment?", NOW + 3);
	outbound(s, t, JANE, "Sure, see you Thursday", NOW + 4);

	assert_int_equal(list_count(s, t, 0, "zoe", "+15551230101"), 1);
	assert_int_equal(list_count(s, t, 0, "MULLER", "+15551230101"), 1);
	assert_int_equal(list_count(s, t, 0, "chloe", "+15551230102"), 1);
	assert_int_equal(list_count(s, t, 0, "Chloé", "+15551230102"), 1);
	assert_int_equal(list_count(s, t, 0, "nguyen", "+15551230103"), 1);
	assert_int_equal(list_count(s, t, 0, "NGUYỄN thi", "+15551230103"), 1);
	/* message text, ours and theirs, folded too */
	assert_int_equal(list_count(s, t, 0, "creme brulee", JANE), 1);
	assert_int_equal(list_count(s, t, 0, "thursday", JANE), 1);
	assert_int_equal(list_count(s, t, 0, "chao", "+15551230103"), 1);
	assert_int_equal(list_count(s, t, 0, "brulee%", NULL), 0);

	char *f = store_fold("ZOË Ærø Straße Nguyễn e\xCC\x81 \xFF ×");
	assert_string_equal(f, "zoe aero strasse nguyen e \xFF ×");
	free(f);
	assert_null(store_fold(NULL));
}

static void store_thread_list__pages__when_offset_given(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	char phone[20], sid[20];
	for (int i = 0; i < 25; i++) {
		snprintf(phone, sizeof(phone), "+1555700%04d", i);
		snprintf(sid, sizeof(sid), "SMp%d", i);
		inbound(s, t, sid, phone, "x", NOW + i);
	}
	struct sms_thread *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_thread_list(s, t, 0, NULL, 10, 10, &list, &n, &err), 0);
	assert_int_equal(n, 10);
	assert_string_equal(list[0].phone, "+15557000014");
	assert_string_equal(list[9].phone, "+15557000005");
	sms_thread_list_free(&list, n);
	assert_int_equal(store_thread_list(s, t, 0, NULL, 20, 10, &list, &n, &err), 0);
	assert_int_equal(n, 5);
	sms_thread_list_free(&list, n);
}

/* store_thread_position agrees with store_thread_list for every thread, filter and page. */
static void store_thread_position__matches_list__when_filtered_and_tied(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Main");
	char phone[20], sid[20], *err = NULL;
	for (int i = 0; i < 12; i++) {
		snprintf(phone, sizeof(phone), "+1555700%04d", i);
		snprintf(sid, sizeof(sid), "SMq%d", i);
		inbound(s, t, sid, phone, "x", NOW + i / 2); /* pairs share a time: ties by id */
	}
	struct sms_thread th = thread_of(s, t, "+15557000003");
	assert_int_equal(store_thread_mark_read(s, th.id, &err), 0);
	unsigned filters[] = {0, THREAD_FILTER_UNREAD};
	for (size_t f = 0; f < 2; f++) {
		struct sms_thread *list = NULL;
		size_t n = 0, pos = 99;
		bool found = false;
		assert_int_equal(store_thread_list(s, t, filters[f], NULL, 0, 0, &list, &n, &err), 0);
		assert_int_equal(n, f == 0 ? 12 : 11);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(store_thread_position(s, t, filters[f], NULL, list[i].id, &pos, &found, &err), 0);
			assert_true(found);
			assert_int_equal(pos, i);
		}
		sms_thread_list_free(&list, n);
		assert_int_equal(store_thread_position(s, t, filters[f], NULL, th.id, &pos, &found, &err), 0);
		assert_true(found == (f == 0));
	}
	/* a search that leaves it out, a thread of nobody */
	bool found = true;
	size_t pos = 0;
	assert_int_equal(store_thread_position(s, t, 0, "0005", th.id, &pos, &found, &err), 0);
	assert_false(found);
	assert_int_equal(store_thread_position(s, t, 0, NULL, 99999, &pos, &found, &err), 0);
	assert_false(found);
	sms_thread_free(&th);
}

static double ms_since(int64_t start)
{
	return (double)(clock_mono_ms() - start);
}

/* Fills the database with 20,000 patients, their threads and 1,000,000 messages (raw SQL for
 * speed), then times what the inbox does. */
static void store_thread_list__stays_fast__when_million_messages(void **state)
{
	struct store *s = *state;
	int64_t t = tu_tenant_add(s, "Big");
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(store_path(s), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	char *sql = xasprintf(
	    "BEGIN;"
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)"
	    " INSERT INTO patients (tenant_id, first_name, last_name, mobile, created_at)"
	    " SELECT %lld, 'First' || x, 'Last' || x, printf('+1555%%07d', x - (x %% 10 = 0)), 0 FROM c;"
	    "INSERT INTO sms_threads (tenant_id, phone, patient_id, unread_count, needs_action)"
	    " SELECT %lld, mobile, CASE WHEN COUNT(*) = 1 THEN MIN(id) END, MIN(id) %% 7 = 0, MIN(id) %% 13 "
	    "= 0"
	    " FROM patients WHERE tenant_id = %lld GROUP BY mobile;"
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)"
	    " INSERT INTO sms_messages (tenant_id, thread_id, direction, from_number, to_number, body, "
	    "status,"
	    "  twilio_sid, created_at, updated_at)"
	    " SELECT %lld, 1 + x %% 18000, CASE WHEN x %% 3 = 0 THEN 'inbound' ELSE 'outbound' END, '+1', "
	    "'+2',"
	    "  'message number ' || x, CASE WHEN x %% 3 = 0 THEN 'received' ELSE 'delivered' END,"
	    "  'SMbulk' || x, %d + x, %d + x FROM c;"
	    "UPDATE sms_threads SET last_message_id = (SELECT MAX(id) FROM sms_messages m WHERE m.thread_id "
	    "= sms_threads.id);"
	    "UPDATE sms_threads SET last_message_at = (SELECT created_at FROM sms_messages m WHERE m.id = "
	    "last_message_id);"
	    "COMMIT;",
	    (long long)t, (long long)t, (long long)t, (long long)t, NOW, NOW);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("bulk load: %s", msg);
	free(sql);

	/* What a scan of the messages costs here, to compare against. */
	int64_t start = clock_mono_ms();
	assert_int_equal(
	    sqlite3_exec(db, "SELECT COUNT(*) FROM sms_messages WHERE body LIKE '%zz%'", NULL, NULL, NULL),
	    SQLITE_OK);
	double scan_ms = ms_since(start);
	sqlite3_close(db);

	struct {
		unsigned filter;
		const char *query;
		size_t min_rows;
	} cases[] = {
	    {0, NULL, 50},	{THREAD_FILTER_UNREAD, NULL, 50}, {THREAD_FILTER_ACTION, NULL, 50},
	    {0, "last1234", 1}, {0, "(555) 001-2345", 1},	  {0, "no such name", 0},
	};
	double worst = 0, worst_list = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sms_thread *list = NULL;
		size_t n = 0;
		char *err = NULL;
		start = clock_mono_ms();
		assert_int_equal(
		    store_thread_list(s, t, cases[i].filter, cases[i].query, 0, 50, &list, &n, &err), 0);
		double took = ms_since(start);
		worst = took > worst ? took : worst;
		if (cases[i].query == NULL && took > worst_list)
			worst_list = took;
		assert_true(n >= cases[i].min_rows);
		if (n > 0 && cases[i].query == NULL)
			assert_non_null(list[0].last_body);
		sms_thread_list_free(&list, n);
	}
	int total = 0;
	char *err = NULL;
	start = clock_mono_ms();
	assert_int_equal(store_unread_total(s, t, &total, &err), 0);
	double unread_ms = ms_since(start);
	assert_true(total > 2000);
	print_message(
	    "inbox on 1,000,000 messages: worst list %.0f ms, unread total %.0f ms, one scan %.0f ms\n",
	    worst, unread_ms, scan_ms);
	/* Relative, not absolute: a loaded machine slows both alike (the absolute figures are
	 * bench_bigdb's). The lists walk indexes: well under one scan of the table. A search also
	 * reads the newest messages' text through our folding function, which a sanitizer build
	 * slows more than SQLite's own scan: it gets twice the scan. */
	assert_true(worst_list < scan_ms / 2 || worst_list < 20);
	assert_true(worst < 2 * scan_ms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(store_thread__counts_unread__when_inbound_arrives),
	    T(store_unread_total__reads_only_unread_threads__when_most_are_read),
	    T(store_thread__keeps_last_message__when_older_one_arrives_late),
	    T(store_thread_for_phone__links_no_patient__when_family_shares_phone),
	    T(store_thread_for_phone__links_patient__when_added_after_first_message),
	    T(store_thread_for_phone__separates__when_other_tenant),
	    T(store_thread_place__says_number_unknown__only_when_no_patient_has_it),
	    T(store_thread_list__filters_and_searches__when_asked),
	    T(store_thread_list__pages__when_offset_given),
	    T(store_thread_list__folds_accents_and_reads_bodies__when_searching),
	    T(store_thread_position__matches_list__when_filtered_and_tied),
	    T(store_thread_list__stays_fast__when_million_messages),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
