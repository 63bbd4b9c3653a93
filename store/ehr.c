/* The EHR connection's tables: appointment upserts by EHR id, superseding reminders of a
 * moved appointment, landlines, the received-message log and the write-back outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* Steps a statement that returns no rows. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, doing);
	return 0;
}

int store_ehr_appt_find(struct store *s, int64_t tenant_id, const char *ehr_id, int64_t *id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM appointments WHERE tenant_id = ?1 AND ehr_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, ehr_id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "finding an appointment by EHR id");
}

int store_ehr_patient_by_external(struct store *s, int64_t tenant_id, const char *external_id, int64_t *id,
				  char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM patients WHERE tenant_id = ?1 AND external_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, external_id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "finding a patient by external id");
}

int store_ehr_appt_ehr_id(struct store *s, int64_t appointment_id, char **ehr_id, char **err)
{
	*ehr_id = NULL;
	sqlite3_stmt *st = store_stmt(s, "SELECT ehr_id FROM appointments WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ehr_id = store_col_text(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading an appointment's EHR id");
}

/* The start time of appointment id. */
static int appt_start(struct store *s, int64_t id, int64_t *starts_at, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT starts_at FROM appointments WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*starts_at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "reading an appointment");
}

int store_ehr_appt_upsert(struct store *s, int64_t tenant_id, const struct ehr_appt_row *r, int64_t now,
			  int64_t *id_out, bool *created, bool *moved, char **err)
{
	*created = *moved = false;
	if (!store_text_ok(r->ehr_id, true, 200) || !store_text_ok(r->provider, true, 200) ||
	    !store_text_ok(r->location, false, 200))
		return seterr(err, "an appointment needs an id and a provider (and location) without control characters");
	if (r->starts_at <= 0 || r->duration_min < 1 || r->duration_min > 1440)
		return seterr(err, "an appointment needs a start time and a duration of 1 to 1440 minutes");
	int64_t id = 0, old_start = 0;
	int rc = store_ehr_appt_find(s, tenant_id, r->ehr_id, &id, err);
	if (rc < 0 || (rc == 0 && appt_start(s, id, &old_start, err) != 0))
		return -1;
	sqlite3_stmt *st;
	if (rc == SD_NOTFOUND) {
		st = store_stmt(s,
			"INSERT INTO appointments (tenant_id, patient_id, provider, location, starts_at, duration_min,"
			" status, created_at, updated_at, ehr_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)", err);
		*created = true;
	} else {
		*moved = old_start != r->starts_at;
		/* A new time starts over: the patient's answer was about the old one. */
		st = store_stmt(s,
			"UPDATE appointments SET patient_id = ?2, provider = ?3, location = ?4, starts_at = ?5,"
			" duration_min = ?6, status = COALESCE(?7, CASE WHEN ?10 THEN 'scheduled' ELSE status END),"
			" updated_at = ?8 WHERE tenant_id = ?1 AND ehr_id = ?9", err);
	}
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, r->patient_id);
	sqlite3_bind_text(st, 3, r->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, r->location ? r->location : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, r->starts_at);
	sqlite3_bind_int(st, 6, r->duration_min);
	if (*created)
		sqlite3_bind_text(st, 7, r->status ? r->status : "scheduled", -1, SQLITE_TRANSIENT);
	else
		store_bind_text_or_null(st, 7, r->status);
	sqlite3_bind_int64(st, 8, now);
	sqlite3_bind_text(st, 9, r->ehr_id, -1, SQLITE_TRANSIENT);
	if (!*created)
		sqlite3_bind_int(st, 10, *moved);
	if (step_done(s, st, "writing an appointment from the EHR", err) != 0)
		return -1;
	*id_out = *created ? sqlite3_last_insert_rowid(store_db(s)) : id;
	return 0;
}

int store_ehr_cancel_queued(struct store *s, int64_t appointment_id, const char *reason, int *count, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE sms_messages SET status = 'failed', error_message = ?2, updated_at = ?3"
		" WHERE appointment_id = ?1 AND direction = 'outbound' AND status = 'queued' AND twilio_sid IS NULL",
		err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	store_bind_text_or_null(st, 2, reason);
	sqlite3_bind_int64(st, 3, clock_now());
	if (step_done(s, st, "cancelling an appointment's queued messages", err) != 0)
		return -1;
	if (count != NULL)
		*count = sqlite3_changes(store_db(s));
	return 0;
}

int store_ehr_supersede(struct store *s, int64_t appointment_id, int64_t now, int *count, char **err)
{
	if (store_ehr_cancel_queued(s, appointment_id, "superseded: the appointment was moved", NULL, err) != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s,
		"INSERT OR REPLACE INTO ehr_superseded_reminders (id, tenant_id, appointment_id, slot_minutes, due_at,"
		" status, message_id, sent_at, response, superseded_at) SELECT id, tenant_id, appointment_id,"
		" slot_minutes, due_at, CASE WHEN status IN ('pending', 'waiting_quiet', 'queued') THEN 'superseded'"
		" ELSE status END, message_id, sent_at, response, ?2 FROM appointment_sms_reminders"
		" WHERE appointment_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	sqlite3_bind_int64(st, 2, now);
	if (step_done(s, st, "keeping the superseded reminders", err) != 0)
		return -1;
	st = store_stmt(s, "DELETE FROM appointment_sms_reminders WHERE appointment_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, appointment_id);
	if (step_done(s, st, "superseding reminders", err) != 0)
		return -1;
	if (count != NULL)
		*count = sqlite3_changes(store_db(s));
	return 0;
}

int store_ehr_set_landline(struct store *s, int64_t tenant_id, int64_t patient_id, const char *landline,
			   int64_t now, char **err)
{
	if (landline != NULL && !store_e164_ok(landline))
		return seterr(err, "a landline must be an E.164 number");
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO ehr_patients (patient_id, tenant_id, landline, updated_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (patient_id) DO UPDATE SET landline = ?3, updated_at = ?4", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int64(st, 2, tenant_id);
	store_bind_text_or_null(st, 3, landline);
	sqlite3_bind_int64(st, 4, now);
	return step_done(s, st, "recording a landline", err);
}

int store_ehr_landline(struct store *s, int64_t patient_id, char **landline, char **err)
{
	*landline = NULL;
	sqlite3_stmt *st = store_stmt(s, "SELECT landline FROM ehr_patients WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*landline = store_col_text(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading a landline");
}

int store_ehr_inbound_seen(struct store *s, const char *sender, const char *control_id, char code[3], char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT ack_code FROM ehr_inbound WHERE sender = ?1 AND control_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, sender, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, control_id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *c = sqlite3_column_text(st, 0);
		snprintf(code, 3, "%s", c ? (const char *)c : "AA");
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "reading the received-message log");
}

int store_ehr_inbound_record(struct store *s, int64_t tenant_id, const char *sender, const char *control_id,
			     const char *type, const char *code, const char *detail, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO ehr_inbound (tenant_id, sender, control_id, message_type, ack_code, detail, received_at)"
		" VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (sender, control_id) DO UPDATE SET ack_code = ?5, detail = ?6, received_at = ?7", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, control_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, code, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 6, detail);
	sqlite3_bind_int64(st, 7, now);
	return step_done(s, st, "recording a received message", err);
}

/* ---- status export ---- */

/* Frees one status row's strings. */
static void status_free_elem(void *elem)
{
	struct ehr_appt_status *a = elem;
	free(a->ehr_id);
	free(a->patient_external_id);
	free(a->status);
}

void ehr_appt_status_list_free(struct ehr_appt_status **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), status_free_elem);
	*list = NULL;
}

/* Fills one status row. */
static void status_from_row(sqlite3_stmt *st, void *elem)
{
	struct ehr_appt_status *a = elem;
	a->appointment_id = sqlite3_column_int64(st, 0);
	a->ehr_id = store_col_text_or(st, 1, "");
	a->patient_external_id = store_col_text(st, 2);
	a->starts_at = sqlite3_column_int64(st, 3);
	a->status = store_col_text_or(st, 4, "scheduled");
	a->updated_at = sqlite3_column_int64(st, 5);
}

int store_ehr_appt_statuses(struct store *s, int64_t tenant_id, int64_t since, struct ehr_appt_status **out,
			    size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT a.id, a.ehr_id, p.external_id, a.starts_at, a.status, a.updated_at FROM appointments a"
		" JOIN patients p ON p.id = a.patient_id WHERE a.tenant_id = ?1 AND a.ehr_id IS NOT NULL"
		" AND a.updated_at > ?2 ORDER BY a.updated_at, a.id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, since);
	void *rows = NULL;
	int rc = store_collect(s, st, sizeof(**out), status_from_row, status_free_elem, &rows, n,
			       "listing appointment statuses", err);
	*out = rows;
	return rc;
}

/* ---- write-back outbox ---- */

#define OUT_COLS                                                                                       \
	"id, tenant_id, appointment_id, patient_id, event, control_id, status, attempts, next_attempt_at," \
	" last_error, created_at, sent_at"

/* Frees one row's strings. */
static void out_free_elem(void *elem)
{
	struct ehr_out *o = elem;
	free(o->event);
	free(o->control_id);
	free(o->status);
	free(o->last_error);
}

void ehr_out_list_free(struct ehr_out **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), out_free_elem);
	*list = NULL;
}

/* Fills a row selected with OUT_COLS. */
static void out_from_row(sqlite3_stmt *st, void *elem)
{
	struct ehr_out *o = elem;
	o->id = sqlite3_column_int64(st, 0);
	o->tenant_id = sqlite3_column_int64(st, 1);
	o->appointment_id = sqlite3_column_int64(st, 2);
	o->patient_id = sqlite3_column_int64(st, 3);
	o->event = store_col_text_or(st, 4, "");
	o->control_id = store_col_text_or(st, 5, "");
	o->status = store_col_text_or(st, 6, "");
	o->attempts = sqlite3_column_int(st, 7);
	o->next_attempt_at = sqlite3_column_int64(st, 8);
	o->last_error = store_col_text(st, 9);
	o->created_at = sqlite3_column_int64(st, 10);
	o->sent_at = sqlite3_column_int64(st, 11);
}

int store_ehr_out_add(struct store *s, int64_t tenant_id, int64_t appointment_id, int64_t patient_id,
		      const char *event, const char *control_id, int64_t now, int64_t *id_out, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO ehr_outbox (tenant_id, appointment_id, patient_id, event, control_id, created_at)"
		" VALUES (?1, NULLIF(?2, 0), NULLIF(?3, 0), ?4, ?5, ?6)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, appointment_id);
	sqlite3_bind_int64(st, 3, patient_id);
	sqlite3_bind_text(st, 4, event, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, control_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	if (step_done(s, st, "queueing a write-back to the EHR", err) != 0)
		return -1;
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_ehr_out_claim(struct store *s, int64_t now, int64_t stale_before, size_t limit, struct ehr_out **out,
			size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	if (store_begin(s, err) != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE ehr_outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?1 WHERE id IN"
		" (SELECT id FROM ehr_outbox WHERE (status = 'pending' AND next_attempt_at <= ?1)"
		" OR (status = 'sending' AND claimed_at < ?2) ORDER BY id LIMIT ?3) RETURNING " OUT_COLS, err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, stale_before);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	void *rows = NULL;
	if (store_collect(s, st, sizeof(**out), out_from_row, out_free_elem, &rows, n, "claiming write-backs", err) != 0)
		goto fail;
	*out = rows;
	if (store_commit(s, err) == 0)
		return 0;
	ehr_out_list_free(out, *n);
	*n = 0;
	return -1;
fail:
	store_rollback(s);
	return -1;
}

int store_ehr_out_done(struct store *s, int64_t id, const char *status, const char *why, int64_t retry_at,
		       int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE ehr_outbox SET status = ?2, last_error = ?3, next_attempt_at = ?4,"
		" sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END, claimed_at = NULL WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 3, why);
	sqlite3_bind_int64(st, 4, retry_at);
	sqlite3_bind_int64(st, 5, now);
	return step_done(s, st, "recording a write-back", err);
}

int store_ehr_out_list(struct store *s, int64_t tenant_id, size_t limit, struct ehr_out **out, size_t *n,
		       char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " OUT_COLS " FROM ehr_outbox WHERE (?1 = 0 OR tenant_id = ?1) ORDER BY id DESC"
		" LIMIT CASE WHEN ?2 = 0 THEN -1 ELSE ?2 END", err);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	void *rows = NULL;
	int rc = store_collect(s, st, sizeof(**out), out_from_row, out_free_elem, &rows, n, "listing write-backs", err);
	*out = rows;
	return rc;
}
