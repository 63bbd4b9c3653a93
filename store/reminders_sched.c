/* Reminder rows for the scheduler: finding due work, the unique insert, status changes,
 * the exemption counts and the lists the reminders screen shows. The decisions themselves
 * (slots, texting hours, catch-up) live in src/reminders.c. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define CANDIDATE_COLS                                                                                  \
	"a.id, a.tenant_id, a.patient_id, a.starts_at, a.status, a.provider, a.location, "              \
	"p.first_name, p.last_name, p.mobile, p.timezone, COALESCE(pr.opted_in, 1), "                   \
	"COALESCE(pr.reminders, 1), "                                                                   \
	"(pr.consent_at IS NOT NULL AND pr.consent_at > 0 AND p.mobile IS NOT NULL AND "                \
	" (pr.consent_phone IS NULL OR pr.consent_phone = p.mobile)), "                                 \
	"(o.phone IS NOT NULL) "                                                                        \
	"FROM appointments a JOIN patients p ON p.id = a.patient_id "                                   \
	"LEFT JOIN patient_sms_preferences pr ON pr.patient_id = p.id "                                 \
	"LEFT JOIN sms_optouts o ON o.tenant_id = a.tenant_id AND o.phone = p.mobile "

#define ROW_COLS                                                                                        \
	"r.id, r.tenant_id, r.appointment_id, r.slot_minutes, r.due_at, r.status, r.skip_reason, "      \
	"r.message_id, r.sent_at, r.response, r.response_at, r.created_at "

/* Fills a candidate from a row of CANDIDATE_COLS. */
static void read_candidate(sqlite3_stmt *st, void *elem)
{
	struct reminder_candidate *c = elem;
	c->appointment_id = sqlite3_column_int64(st, 0);
	c->tenant_id = sqlite3_column_int64(st, 1);
	c->patient_id = sqlite3_column_int64(st, 2);
	c->starts_at = sqlite3_column_int64(st, 3);
	c->appt_status = store_col_text_or(st, 4, "scheduled");
	c->provider = store_col_text_or(st, 5, "");
	c->location = store_col_text_or(st, 6, "");
	c->first_name = store_col_text_or(st, 7, "");
	c->last_name = store_col_text_or(st, 8, "");
	c->mobile = store_col_text(st, 9);
	c->timezone = store_col_text(st, 10);
	c->opted_in = sqlite3_column_int(st, 11) != 0;
	c->reminders_on = sqlite3_column_int(st, 12) != 0;
	c->has_consent = sqlite3_column_int(st, 13) != 0;
	c->number_blocked = sqlite3_column_int(st, 14) != 0;
}

/* Frees a candidate's strings. */
void reminder_candidate_free(struct reminder_candidate *c)
{
	if (c == NULL)
		return;
	free(c->appt_status);
	free(c->provider);
	free(c->location);
	free(c->first_name);
	free(c->last_name);
	free(c->mobile);
	free(c->timezone);
	memset(c, 0, sizeof(*c));
}

/* reminder_candidate_free for store_list_free and store_collect. */
static void candidate_free_elem(void *elem)
{
	reminder_candidate_free(elem);
}

/* Frees an array of candidates and nulls the pointer. */
void reminder_candidate_list_free(struct reminder_candidate **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), candidate_free_elem);
	*list = NULL;
}

/* Appointments of a tenant starting in (from, to] with what the scheduler needs to decide. */
int store_reminder_candidates(struct store *s, int64_t tenant_id, int64_t from, int64_t to,
			      struct reminder_candidate **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " CANDIDATE_COLS
				      "WHERE a.tenant_id = ?1 AND a.starts_at > ?2 AND a.starts_at <= ?3 "
				      "ORDER BY a.starts_at, a.id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_candidate, candidate_free_elem, &rows, n,
			       "finding appointments due a reminder", err);
	*out = rows;
	return rc;
}

/* One appointment as a candidate, whatever its time. */
int store_reminder_candidate_get(struct store *s, int64_t appointment_id, struct reminder_candidate *out,
				 char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, "SELECT " CANDIDATE_COLS "WHERE a.id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	return store_fetch_one(s, st, sizeof(*out), read_candidate, out, "reading an appointment", err);
}

/* appt_reminder_free for store_collect. */
static void reminder_free_elem(void *elem)
{
	appt_reminder_free(elem);
}

/* Fills a reminder row from ROW_COLS starting at column col. */
static void read_row(sqlite3_stmt *st, int col, struct appt_reminder *r)
{
	r->id = sqlite3_column_int64(st, col + 0);
	r->tenant_id = sqlite3_column_int64(st, col + 1);
	r->appointment_id = sqlite3_column_int64(st, col + 2);
	r->slot_minutes = sqlite3_column_int(st, col + 3);
	r->due_at = sqlite3_column_int64(st, col + 4);
	r->status = store_col_text_or(st, col + 5, "pending");
	r->skip_reason = store_col_text(st, col + 6);
	r->message_id = sqlite3_column_int64(st, col + 7);
	r->sent_at = sqlite3_column_int64(st, col + 8);
	r->response = store_col_text(st, col + 9);
	r->response_at = sqlite3_column_int64(st, col + 10);
	r->created_at = sqlite3_column_int64(st, col + 11);
}

/* read_row from column 0, for store_collect. */
static void reminder_from_row(sqlite3_stmt *st, void *elem)
{
	read_row(st, 0, elem);
}

/* The reminder rows of one appointment, largest slot first. */
int store_reminder_rows(struct store *s, int64_t appointment_id, struct appt_reminder **out, size_t *n,
			char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " ROW_COLS "FROM appointment_sms_reminders r "
				      "WHERE r.appointment_id = ?1 ORDER BY r.slot_minutes DESC",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), reminder_from_row, reminder_free_elem, &rows, n,
			       "reading reminder rows", err);
	*out = rows;
	return rc;
}

/* Finds the id of the row for (appointment, slot), for the conflict case of the insert. */
static int row_id_for(struct store *s, int64_t appointment_id, int slot_minutes, int64_t *id_out, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT id FROM appointment_sms_reminders WHERE appointment_id = ?1 "
				      "AND slot_minutes = ?2",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	sqlite3_bind_int(st, 2, slot_minutes);
	int rc = sqlite3_step(st);
	*id_out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "reading a reminder");
	return 0;
}

/* The unique insert: the constraint decides, so two passes can never both insert. */
int store_reminder_insert(struct store *s, int64_t tenant_id, int64_t appointment_id, int slot_minutes,
			  int64_t due_at, const char *status, const char *reason, int64_t now,
			  int64_t *id_out, bool *inserted, char **err)
{
	*inserted = false;
	*id_out = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO appointment_sms_reminders (tenant_id, appointment_id, "
				      "slot_minutes, due_at, status, skip_reason, created_at) "
				      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
				      "ON CONFLICT (appointment_id, slot_minutes) DO NOTHING",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, appointment_id);
	sqlite3_bind_int(st, 3, slot_minutes);
	sqlite3_bind_int64(st, 4, due_at);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 6, reason);
	sqlite3_bind_int64(st, 7, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "recording a reminder");
	if (sqlite3_changes(store_db(s)) == 1) {
		*inserted = true;
		*id_out = sqlite3_last_insert_rowid(store_db(s));
		return 0;
	}
	return row_id_for(s, appointment_id, slot_minutes, id_out, err);
}

/* Takes an open, due row for evaluation; a conditional update so two passes cannot both. */
int store_reminder_claim_open(struct store *s, int64_t id, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE appointment_sms_reminders SET status = 'pending' "
				      "WHERE id = ?1 AND status IN ('pending', 'waiting_quiet') AND due_at <= ?2",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "taking a reminder");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : SD_NOTFOUND;
}

/* Takes a skipped row back for evaluation when its reason says it can be retried. */
int store_reminder_reopen(struct store *s, int64_t id, const char *reason_prefix, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE appointment_sms_reminders SET status = 'pending', skip_reason = NULL "
				      "WHERE id = ?1 AND status = 'skipped' "
				      "AND substr(skip_reason, 1, length(?2)) = ?2",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, reason_prefix ? reason_prefix : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "retrying a reminder");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : SD_NOTFOUND;
}

/* True for the statuses the schema allows. */
static bool valid_status(const char *status)
{
	static const char *const ok[] = {"pending", "waiting_quiet", "queued", "sent", "skipped", "failed"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (status != NULL && strcmp(status, ok[i]) == 0)
			return true;
	return false;
}

/* Sets a row's status, reason, and optionally its due time and message. */
int store_reminder_set_status(struct store *s, int64_t id, const char *status, const char *reason,
			      int64_t due_at, int64_t message_id, char **err)
{
	if (!valid_status(status))
		return seterr(err, "unknown reminder status \"%s\"", status ? status : "(null)");
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE appointment_sms_reminders SET status = ?2, skip_reason = ?3, "
				      "due_at = CASE WHEN ?4 > 0 THEN ?4 ELSE due_at END, "
				      "message_id = CASE WHEN ?5 > 0 THEN ?5 ELSE message_id END "
				      "WHERE id = ?1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 3, reason);
	sqlite3_bind_int64(st, 4, due_at);
	sqlite3_bind_int64(st, 5, message_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "updating a reminder");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : SD_NOTFOUND;
}

/* Runs one UPDATE with no bindings but ?1 = now (if used); adds the changes to *changed. */
static int run_update(struct store *s, sqlite3_stmt *st, int64_t now, int *changed, const char *doing, char **err)
{
	if (st == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	if (changed != NULL)
		*changed += sqlite3_changes(store_db(s));
	return 0;
}

/* Copies the fate of each reminder's message onto the reminder row. */
int store_reminder_sync_messages(struct store *s, int *changed, char **err)
{
	if (changed != NULL)
		*changed = 0;
	/* Twilio's own first status is also "queued": a SID is what says it left us. */
	sqlite3_stmt *sent = store_stmt(s,
					"UPDATE appointment_sms_reminders AS r SET status = 'sent', "
					"sent_at = COALESCE(m.sent_at, m.updated_at), skip_reason = NULL "
					"FROM sms_messages m WHERE m.id = r.message_id AND r.status = 'queued' "
					"AND m.twilio_sid IS NOT NULL "
					"AND m.status NOT IN ('failed', 'undelivered', 'canceled')",
					err);
	if (run_update(s, sent, 0, changed, "marking reminders sent", err) != 0)
		return -1;
	sqlite3_stmt *failed = store_stmt(s,
					  "UPDATE appointment_sms_reminders AS r SET status = 'failed', "
					  "skip_reason = CASE WHEN m.error_code IS NOT NULL AND m.error_code <> 0 "
					  "THEN 'Twilio ' || m.error_code || ': ' || COALESCE(m.error_message, m.status) "
					  "ELSE COALESCE(m.error_message, 'message ' || m.status) END "
					  "FROM sms_messages m WHERE m.id = r.message_id "
					  "AND r.status IN ('queued', 'sent') "
					  "AND m.status IN ('failed', 'undelivered', 'canceled')",
					  err);
	return run_update(s, failed, 0, changed, "marking reminders failed", err);
}

/* Open rows whose appointment started or was cancelled can no longer go out. */
int store_reminder_expire(struct store *s, int64_t now, int *changed, char **err)
{
	if (changed != NULL)
		*changed = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE appointment_sms_reminders AS r SET status = 'skipped', "
				      "skip_reason = CASE WHEN a.status = 'cancelled' THEN 'appointment cancelled' "
				      "WHEN a.starts_at <= ?1 THEN 'appointment started before it could be sent' "
				      "ELSE 'appointment ' || a.status END "
				      "FROM appointments a WHERE a.id = r.appointment_id "
				      "AND r.status IN ('pending', 'waiting_quiet') "
				      "AND (a.starts_at <= ?1 OR a.status IN ('cancelled', 'completed', 'no_show'))",
				      err);
	return run_update(s, st, now, changed, "expiring reminders", err);
}

/* Reminder texts to a patient since a time, for the exemption limits. */
int store_reminder_count_recent(struct store *s, int64_t patient_id, int64_t since, int *count, char **err)
{
	*count = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT COUNT(*) FROM sms_messages WHERE patient_id = ?1 "
				      "AND direction = 'outbound' AND message_type = 'reminder' AND created_at > ?2 "
				      "AND NOT (status IN ('failed', 'canceled') AND twilio_sid IS NULL)",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int64(st, 2, since);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "counting recent reminders");
	return 0;
}

/* reminder_row's own fields freed, for store_list_free and store_collect. */
static void screen_row_free(void *elem)
{
	struct reminder_row *v = elem;
	appt_reminder_free(&v->r);
	free(v->patient_name);
	free(v->mobile);
	free(v->provider);
	free(v->appt_status);
	free(v->msg_status);
	free(v->msg_error_message);
}

/* Frees a list of screen rows and nulls the pointer. */
void reminder_row_list_free(struct reminder_row **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), screen_row_free);
	*list = NULL;
}

/* Fills a screen row from ROW_COLS and the patient and appointment columns after them. */
static void screen_row_from_row(sqlite3_stmt *st, void *elem)
{
	struct reminder_row *v = elem;
	read_row(st, 0, &v->r);
	v->patient_id = sqlite3_column_int64(st, 12);
	v->patient_name = store_col_text_or(st, 13, "");
	v->mobile = store_col_text(st, 14);
	v->provider = store_col_text_or(st, 15, "");
	v->starts_at = sqlite3_column_int64(st, 16);
	v->appt_status = store_col_text_or(st, 17, "");
	v->msg_status = store_col_text(st, 18);
	v->msg_error_code = sqlite3_column_int(st, 19);
	v->msg_error_message = store_col_text(st, 20);
}

/* Rows for the reminders screen, filtered by view. */
int store_reminder_list(struct store *s, int64_t tenant_id, enum reminder_view view, size_t limit,
			struct reminder_row **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(
		s,
		"SELECT " ROW_COLS ", p.id, p.first_name || ' ' || p.last_name, p.mobile, a.provider, "
		"a.starts_at, a.status, m.status, m.error_code, m.error_message FROM appointment_sms_reminders r "
		"JOIN appointments a ON a.id = r.appointment_id JOIN patients p ON p.id = a.patient_id "
		"LEFT JOIN sms_messages m ON m.id = r.message_id "
		"WHERE (?1 = 0 OR r.tenant_id = ?1) AND (?2 = 0 "
		" OR (?2 = 1 AND r.status IN ('queued', 'sent')) "
		" OR (?2 = 2 AND r.status IN ('pending', 'waiting_quiet')) "
		" OR (?2 = 3 AND r.status IN ('skipped', 'failed')) "
		" OR (?2 = 4 AND r.response IS NOT NULL)) "
		"ORDER BY CASE WHEN ?2 = 2 THEN r.due_at "
		" WHEN ?2 = 4 THEN -r.response_at ELSE -MAX(r.due_at, COALESCE(r.sent_at, 0)) END, r.id DESC "
		"LIMIT ?3",
		err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int(st, 2, (int)view);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), screen_row_from_row, screen_row_free, &rows, n,
			       "listing reminders", err);
	*out = rows;
	return rc;
}

/* Row counts by status for a tenant (0 = all). */
int store_reminder_counts(struct store *s, int64_t tenant_id, struct reminder_counts *out, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT status, COUNT(*), SUM(response IS NOT NULL) "
				      "FROM appointment_sms_reminders WHERE (?1 = 0 OR tenant_id = ?1) GROUP BY status",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		int count = sqlite3_column_int(st, 1);
		out->responses += sqlite3_column_int(st, 2);
		if (status == NULL)
			continue;
		if (strcmp(status, "pending") == 0)
			out->pending = count;
		else if (strcmp(status, "waiting_quiet") == 0)
			out->waiting = count;
		else if (strcmp(status, "queued") == 0)
			out->queued = count;
		else if (strcmp(status, "sent") == 0)
			out->sent = count;
		else if (strcmp(status, "skipped") == 0)
			out->skipped = count;
		else if (strcmp(status, "failed") == 0)
			out->failed = count;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "counting reminders");
	return 0;
}
