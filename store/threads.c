/* Threads: one conversation per (tenant, patient-side number); the inbox is painted from here. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* Every thread SELECT: the thread, its patient, and its last message by last_message_id (a
 * primary-key lookup), so painting the inbox never scans sms_messages. The correlated
 * subqueries run only for the rows returned. */
#define THREAD_SELECT                                                                                        \
	"SELECT t.id, t.tenant_id, t.phone, t.patient_id, p.first_name || ' ' || p.last_name,"               \
	" (SELECT COUNT(*) FROM patients pc WHERE pc.tenant_id = t.tenant_id AND pc.mobile = t.phone),"      \
	" t.unread_count, t.needs_action, t.action_reason, t.last_message_at,"                               \
	" m.body, m.direction, m.status,"                                                                    \
	" (SELECT o.status FROM sms_messages o WHERE o.thread_id = t.id AND o.direction = 'outbound'"        \
	"  ORDER BY o.created_at DESC, o.id DESC LIMIT 1),"                                                   \
	" t.assigned_to, t.archived_at, t.triage_message_id,"                                                \
	" (SELECT u.username FROM users u WHERE u.id = t.assigned_to) "                                       \
	"FROM sms_threads t LEFT JOIN patients p ON p.id = t.patient_id"                                     \
	" LEFT JOIN sms_messages m ON m.id = t.last_message_id "

const char store_thread_select_sql[] = THREAD_SELECT;

void sms_thread_free(struct sms_thread *t)
{
	if (t == NULL)
		return;
	free(t->phone);
	free(t->patient_name);
	free(t->action_reason);
	free(t->last_body);
	free(t->last_direction);
	free(t->last_status);
	free(t->last_outbound_status);
	free(t->assignee);
	memset(t, 0, sizeof(*t));
}

/* sms_thread_free for store_list_free and store_collect. */
static void thread_free_elem(void *elem)
{
	sms_thread_free(elem);
}

void sms_thread_list_free(struct sms_thread **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), thread_free_elem);
	*list = NULL;
}

/* Fills a thread from a THREAD_SELECT row. */
static void read_thread(sqlite3_stmt *st, void *elem)
{
	struct sms_thread *out = elem;
	out->id = sqlite3_column_int64(st, 0);
	out->tenant_id = sqlite3_column_int64(st, 1);
	out->phone = store_col_text_or(st, 2, "");
	out->patient_id = sqlite3_column_int64(st, 3);
	out->patient_name = store_col_text(st, 4);
	out->patient_count = sqlite3_column_int(st, 5);
	out->unread_count = sqlite3_column_int(st, 6);
	out->needs_action = sqlite3_column_int(st, 7) != 0;
	out->action_reason = store_col_text(st, 8);
	out->last_message_at = sqlite3_column_int64(st, 9);
	out->last_body = store_col_text(st, 10);
	out->last_direction = store_col_text(st, 11);
	out->last_status = store_col_text(st, 12);
	out->last_outbound_status = store_col_text(st, 13);
	out->assigned_to = sqlite3_column_type(st, 14) == SQLITE_NULL ? THREAD_NOBODY : sqlite3_column_int64(st, 14);
	out->archived_at = sqlite3_column_int64(st, 15);
	out->triage_message_id = sqlite3_column_int64(st, 16);
	if (out->assigned_to == 0)
		out->assignee = xstrdup("front desk");
	else
		out->assignee = store_col_text(st, 17);
}

/* The digits of a query that looks like a phone number ("(555) 12", "+1 555"), else "". */
static void query_digits(const char *q, char *out, size_t len)
{
	size_t n = 0;
	for (const char *p = q; *p != '\0'; p++) {
		if (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80) {
			n = 0;
			break;
		}
		if (isdigit((unsigned char)*p) && n + 1 < len)
			out[n++] = *p;
	}
	out[n] = '\0';
}

/* The query trimmed of surrounding spaces (malloc'd), NULL when nothing is left. */
static char *query_trim(const char *q)
{
	if (q == NULL)
		return NULL;
	while (isspace((unsigned char)*q))
		q++;
	size_t n = strlen(q);
	while (n > 0 && isspace((unsigned char)q[n - 1]))
		n--;
	return n == 0 ? NULL : xstrndup(q, n);
}

/* The inbox's filter and search (?1 tenant, ?2 filter bits, ?3 the folded query or NULL, ?4 its
 * digits): names and message bodies, accents and case folded (sd_fold, store/fold.c);
 * one text for the list and for a thread's position in it, so the two never disagree. Bodies
 * are searched among the newest THREAD_BODY_SEARCH messages (a rowid range, read once per
 * query): every body of a million would take seconds, with no index that folds accents. */
#define THREAD_BODY_SEARCH 20000
#define STR_(x) #x
#define STR(x) STR_(x)
#define THREAD_WHERE                                                                                         \
	"WHERE t.tenant_id = ?1"                                                                             \
	" AND (?2 & 1 = 0 OR t.unread_count > 0) AND (?2 & 2 = 0 OR t.needs_action != 0)"                   \
	" AND (?2 & 4 = 0 OR t.assigned_to = ?7) AND (?2 & 8 = 0 OR t.triage_message_id IS NOT NULL)"       \
	" AND ((?2 & 16 = 0) = (t.archived_at IS NULL))"                                                     \
	" AND (?3 IS NULL"                                                                                   \
	"  OR (?4 != '' AND instr(t.phone, ?4) > 0)"                                                         \
	"  OR instr(sd_fold(p.first_name || ' ' || p.last_name), ?3) > 0"                                    \
	"  OR EXISTS (SELECT 1 FROM patients q WHERE q.tenant_id = t.tenant_id"                              \
	"   AND q.mobile = t.phone"                                                                          \
	"   AND instr(sd_fold(q.first_name || ' ' || q.last_name), ?3) > 0)"                                 \
	"  OR t.id IN (SELECT b.thread_id FROM sms_messages b"                                               \
	"   WHERE b.id > (SELECT COALESCE(MAX(id), 0) FROM sms_messages) - " STR(THREAD_BODY_SEARCH)              \
	"   AND instr(sd_fold(b.body), ?3) > 0))"

/* Binds ?1 to ?4 of THREAD_WHERE. */
static void bind_where(sqlite3_stmt *st, int64_t tenant_id, unsigned filter, const char *query)
{
	char *q = query_trim(query);
	char digits[32];
	query_digits(q ? q : "", digits, sizeof(digits));
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int(st, 2, (int)filter);
	char *folded = store_fold(q);
	store_bind_text_or_null(st, 3, folded);
	free(folded);
	sqlite3_bind_text(st, 4, digits, -1, SQLITE_TRANSIENT);
	free(q);
}

int store_thread_list(struct store *s, int64_t tenant_id, unsigned filter, const char *query, size_t offset,
		      size_t limit, struct sms_thread **out, size_t *n, char **err)
{
	struct thread_query q = {.filter = filter, .query = query, .offset = offset, .limit = limit};
	return store_thread_query(s, tenant_id, &q, out, n, err);
}

int store_thread_query(struct store *s, int64_t tenant_id, const struct thread_query *tq, struct sms_thread **out,
		       size_t *n, char **err)
{
	/* Walks threads_by_activity newest first and stops at the page's end; the name test is a
	 * lookup of the patients sharing the thread's number (patients_by_mobile). Archived
	 * threads show only when asked for, and then only they. */
	sqlite3_stmt *st = store_stmt(
	    s, THREAD_SELECT THREAD_WHERE " ORDER BY t.last_message_at DESC, t.id LIMIT ?6 OFFSET ?5", err);
	if (st == NULL)
		return -1;
	bind_where(st, tenant_id, tq->filter, tq->query);
	sqlite3_bind_int64(st, 5, (int64_t)tq->offset);
	sqlite3_bind_int64(st, 6, tq->limit == 0 ? -1 : (int64_t)tq->limit);
	sqlite3_bind_int64(st, 7, tq->user_id);

	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_thread, thread_free_elem, &rows, n, "listing threads", err);
	*out = rows;
	return rc;
}

int store_thread_position(struct store *s, int64_t tenant_id, unsigned filter, const char *query,
			  int64_t thread_id, size_t *pos, bool *found, char **err)
{
	struct thread_query q = {.filter = filter, .query = query};
	return store_thread_query_position(s, tenant_id, &q, thread_id, pos, found, err);
}

int store_thread_query_position(struct store *s, int64_t tenant_id, const struct thread_query *q, int64_t thread_id,
				size_t *pos, bool *found, char **err)
{
	/* The threads listed before it in store_thread_list's order; it must pass the filter
	 * itself (the first subquery), else it is not in the list at all. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT (SELECT COUNT(*) FROM sms_threads t LEFT JOIN patients p ON p.id = t.patient_id " THREAD_WHERE
	    " AND t.id = ?5),"
	    " (SELECT COUNT(*) FROM sms_threads t LEFT JOIN patients p ON p.id = t.patient_id " THREAD_WHERE
	    " AND (t.last_message_at > x.last_message_at"
	    "  OR (t.last_message_at = x.last_message_at AND t.id < x.id)))"
	    " FROM sms_threads x WHERE x.id = ?5",
	    err);
	if (st == NULL)
		return -1;
	bind_where(st, tenant_id, q->filter, q->query);
	sqlite3_bind_int64(st, 5, thread_id);
	sqlite3_bind_int64(st, 7, q->user_id);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	*pos = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "finding a thread in the list");
	return 0;
}

int store_thread_get(struct store *s, int64_t id, struct sms_thread *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, THREAD_SELECT "WHERE t.id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_fetch_one(s, st, sizeof(*out), read_thread, out, "reading a thread", err);
}

/* The one patient of the tenant with this mobile, or 0 when none or several (a family
 * phone); *count how many have it. */
static int single_patient(struct store *s, int64_t tenant_id, const char *phone, int64_t *patient_id,
			  int *count, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT MIN(id), COUNT(*) FROM patients WHERE tenant_id = ?1 AND mobile = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
	*patient_id = rc == SQLITE_ROW && *count == 1 ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "matching the number to a patient");
	return 0;
}

/* Looks the thread up: *id 0 when there is none; *patient_id 0 when it has no patient. */
static int thread_find(struct store *s, int64_t tenant_id, const char *phone, int64_t *id,
		       int64_t *patient_id, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s, "SELECT id, patient_id FROM sms_threads WHERE tenant_id = ?1 AND phone = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*patient_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "finding a thread");
	return 0;
}

int store_thread_place(struct store *s, int64_t tenant_id, const char *phone, struct thread_place *out,
		       char **err)
{
	int64_t id = 0, linked = 0, single = 0;
	int count = 0;
	*out = (struct thread_place){0};
	if (phone == NULL || *phone == '\0')
		return seterr(err, "a thread needs a phone number");
	if (thread_find(s, tenant_id, phone, &id, &linked, err) != 0)
		return -1;
	if (id != 0 && linked != 0) {
		*out = (struct thread_place){.id = id, .patient_id = linked};
		return 0;
	}
	/* New, or not linked yet: a patient may have been added with this number since. */
	if (single_patient(s, tenant_id, phone, &single, &count, err) != 0)
		return -1;
	*out = (struct thread_place){.id = id, .patient_id = single, .number_unknown = count == 0};
	if (id != 0)
		return single != 0 ? store_thread_set_patient(s, id, single, err) : 0;
	sqlite3_stmt *st =
	    store_stmt(s,
		       "INSERT INTO sms_threads (tenant_id, phone, patient_id) VALUES (?1, ?2, ?3)"
		       " ON CONFLICT (tenant_id, phone) DO NOTHING",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	if (single != 0)
		sqlite3_bind_int64(st, 3, single);
	int rc = sqlite3_step(st);
	bool created = sqlite3_changes(store_db(s)) > 0;
	int64_t new_id = sqlite3_last_insert_rowid(store_db(s));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "creating a thread");
	if (created) {
		out->id = new_id;
		return 0;
	}
	/* Another process created it between our lookup and insert: take theirs. */
	if (thread_find(s, tenant_id, phone, &out->id, &out->patient_id, err) != 0)
		return -1;
	if (out->id == 0)
		return seterr(err, "the thread for %s vanished while it was being created", phone);
	return 0;
}

int store_thread_for_phone(struct store *s, int64_t tenant_id, const char *phone, int64_t *id_out, char **err)
{
	struct thread_place at;
	int rc = store_thread_place(s, tenant_id, phone, &at, err);
	if (rc == 0)
		*id_out = at.id;
	return rc;
}

/* Runs a one-row UPDATE of a thread; SD_NOTFOUND when the thread does not exist. */
static int thread_update(struct store *s, sqlite3_stmt *st, char **err, const char *doing)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	return sqlite3_changes(store_db(s)) > 0 ? 0 : SD_NOTFOUND;
}

int store_thread_mark_read(struct store *s, int64_t id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sms_threads SET unread_count = 0 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return thread_update(s, st, err, "marking a thread read");
}

int store_thread_set_action(struct store *s, int64_t id, bool needs_action, const char *reason, char **err)
{
	sqlite3_stmt *st =
	    store_stmt(s, "UPDATE sms_threads SET needs_action = ?2, action_reason = ?3 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, needs_action ? 1 : 0);
	store_bind_text_or_null(st, 3, needs_action ? reason : NULL);
	return thread_update(s, st, err, "flagging a thread");
}

int store_thread_set_patient(struct store *s, int64_t id, int64_t patient_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sms_threads SET patient_id = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (patient_id != 0)
		sqlite3_bind_int64(st, 2, patient_id);
	return thread_update(s, st, err, "linking a thread to a patient");
}

int store_unread_total(struct store *s, int64_t tenant_id, int *total, char **err)
{
	/* Two texts, not "?1 = 0 OR tenant_id = ?1": the OR keeps SQLite from the threads_unread
	 * index, and the sum then scans every thread. */
	sqlite3_stmt *st = store_stmt(s,
				      tenant_id != 0 ? "SELECT COALESCE(SUM(unread_count), 0) FROM sms_threads"
						       " WHERE tenant_id = ?1 AND unread_count > 0"
						     : "SELECT COALESCE(SUM(unread_count), 0) FROM sms_threads"
						       " WHERE unread_count > 0",
				      err);
	if (st == NULL)
		return -1;
	if (tenant_id != 0)
		sqlite3_bind_int64(st, 1, tenant_id);
	int rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "counting unread messages");
	return 0;
}

int store_thread_assign(struct store *s, int64_t id, int64_t user_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sms_threads SET assigned_to = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (user_id != THREAD_NOBODY)
		sqlite3_bind_int64(st, 2, user_id);
	return thread_update(s, st, err, "assigning a thread");
}

int store_thread_archive(struct store *s, int64_t id, int64_t at, char **err)
{
	/* Done means read: an archived thread with unread messages would come back at once. */
	sqlite3_stmt *st = store_stmt(
	    s, "UPDATE sms_threads SET archived_at = ?2, unread_count = CASE WHEN ?2 THEN 0 ELSE unread_count END"
	       " WHERE id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (at != 0)
		sqlite3_bind_int64(st, 2, at);
	return thread_update(s, st, err, "archiving a thread");
}

int store_thread_mark_unread(struct store *s, int64_t id, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s, "UPDATE sms_threads SET unread_count = MAX(unread_count, 1) WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return thread_update(s, st, err, "marking a thread unread");
}

int store_thread_set_triage(struct store *s, int64_t id, int64_t message_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE sms_threads SET triage_message_id = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (message_id != 0)
		sqlite3_bind_int64(st, 2, message_id);
	return thread_update(s, st, err, "setting a thread's triage lane");
}

int store_thread_count(struct store *s, int64_t tenant_id, unsigned filter, int64_t user_id, int *count, char **err)
{
#define COUNT_SQL                                                                                            \
	"SELECT COUNT(*) FROM sms_threads t WHERE t.tenant_id = ?1"                                          \
	" AND (?2 & 1 = 0 OR t.unread_count > 0) AND (?2 & 2 = 0 OR t.needs_action != 0)"                   \
	" AND (?2 & 4 = 0 OR t.assigned_to = ?3)"                                                            \
	" AND (?2 & 8 = 0 OR t.triage_message_id IS NOT NULL)"                                               \
	" AND ((?2 & 16 = 0) = (t.archived_at IS NULL))"
	/* The inbox counts the needs-a-person lane on open and on every reload: with the term
	 * spelled out (not behind a parameter) SQLite walks the threads_needs_human index
	 * instead of every thread (issue 15: 20,000 threads scanned twice before the first paint). */
	sqlite3_stmt *st = store_stmt(
	    s, (filter & THREAD_FILTER_NEEDS_HUMAN) ? COUNT_SQL " AND t.triage_message_id IS NOT NULL" : COUNT_SQL, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int(st, 2, (int)filter);
	sqlite3_bind_int64(st, 3, user_id);
	int rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "counting threads");
	return 0;
}
