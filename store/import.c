/* Import writes: patient and appointment upserts, and per-row savepoints. The rows arrive
 * already checked by src/import.c; the schema's constraints are the last line of defence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "store/import.h"
#include "store/internal.h"

/* Steps a statement that returns no rows. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, doing);
	return 0;
}

/* Runs a fixed savepoint statement. */
static int run_fixed(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	if (st == NULL)
		return -1;
	return step_done(s, st, doing, err);
}

int store_import_row_begin(struct store *s, char **err)
{
	return run_fixed(s, store_stmt(s, "SAVEPOINT import_row", err), "starting a row", err);
}

int store_import_row_end(struct store *s, char **err)
{
	return run_fixed(s, store_stmt(s, "RELEASE import_row", err), "finishing a row", err);
}

void store_import_row_undo(struct store *s)
{
	/* ROLLBACK TO keeps the savepoint open: RELEASE pops it. */
	store_audit_head_forget(s);
	run_fixed(s, store_stmt(s, "ROLLBACK TO import_row", NULL), "undoing a row", NULL);
	run_fixed(s, store_stmt(s, "RELEASE import_row", NULL), "undoing a row", NULL);
}

/* What is stored of the patient a row refers to (malloc'd strings). */
struct stored {
	char *mobile, *tz, *first, *last;
};

static void stored_free(struct stored *p)
{
	free(p->mobile);
	free(p->tz);
	free(p->first);
	free(p->last);
	memset(p, 0, sizeof(*p));
}

/* The stored patient a row refers to: by external id, else the one patient without an
 * external id with the same names and mobile. *id 0 when none. */
static int find_patient(struct store *s, int64_t tenant_id, const struct import_patient_row *r, int64_t *id,
			struct stored *old, char **err)
{
	sqlite3_stmt *st;
	*id = 0;
	if (r->external_id != NULL && *r->external_id) {
		st = store_stmt(s,
			"SELECT id, mobile, timezone, first_name, last_name FROM patients WHERE tenant_id = ?1"
			" AND external_id = ?2", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 2, r->external_id, -1, SQLITE_STATIC);
	} else {
		st = store_stmt(s,
			"SELECT id, mobile, timezone, first_name, last_name FROM patients WHERE tenant_id = ?1"
			" AND external_id IS NULL"
			" AND last_name = ?3 COLLATE NOCASE AND first_name = ?4 COLLATE NOCASE AND mobile IS ?5"
			" ORDER BY id LIMIT 2", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 3, r->last_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->first_name, -1, SQLITE_STATIC);
		store_bind_text_or_null(st, 5, r->mobile && *r->mobile ? r->mobile : NULL);
	}
	sqlite3_bind_int64(st, 1, tenant_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		old->mobile = store_col_text(st, 1);
		old->tz = store_col_text(st, 2);
		old->first = store_col_text_or(st, 3, "");
		old->last = store_col_text_or(st, 4, "");
		/* Two namesakes on one number: we cannot tell which, so the row adds a third. */
		if (r->external_id == NULL || *r->external_id == '\0') {
			if (sqlite3_step(st) == SQLITE_ROW) {
				*id = 0;
				stored_free(old);
			}
		}
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "finding a patient");
	return 0;
}

/* Inserts a new patient and its preferences row. */
static int insert_patient(struct store *s, int64_t tenant_id, const struct import_patient_row *r,
			  const char *mobile, int64_t now, int64_t *id, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO patients (tenant_id, first_name, last_name, mobile, timezone, external_id, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, r->first_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->last_name, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 4, mobile);
	store_bind_text_or_null(st, 5, r->timezone && *r->timezone ? r->timezone : NULL);
	store_bind_text_or_null(st, 6, r->external_id && *r->external_id ? r->external_id : NULL);
	sqlite3_bind_int64(st, 7, now);
	if (step_done(s, st, "adding a patient", err) != 0)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(s));
	/* A number that already said STOP stays stopped for the newcomer who shares it. */
	st = store_stmt(s,
		"INSERT INTO patient_sms_preferences (patient_id, tenant_id, opted_in, opted_out_at, opted_out_via,"
		" opted_out_reason, updated_at)"
		" SELECT ?1, ?2, o.phone IS NULL, o.opted_out_at, o.via, o.reason, ?3"
		" FROM (SELECT 1) LEFT JOIN sms_optouts o ON o.tenant_id = ?2 AND o.phone = ?4", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int64(st, 2, tenant_id);
	sqlite3_bind_int64(st, 3, now);
	store_bind_text_or_null(st, 4, mobile);
	return step_done(s, st, "adding a patient's preferences", err);
}

/* NULL-safe: whether two mobiles differ. */
static bool mobile_changed(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/* Updates a stored patient. A new number leaves the consent on file tied to the old one
 * (recorded before without a number: pinned now), so it never covers the new number and is
 * never wiped by a file that does not mention consent. */
static int update_patient(struct store *s, int64_t id, const struct import_patient_row *r, const char *mobile,
			  const char *old_mobile, const char *tz, int64_t now, char **err)
{
	sqlite3_stmt *st;
	if (mobile_changed(mobile, old_mobile)) {
		st = store_stmt(s,
			"UPDATE patient_sms_preferences SET consent_phone = ?3, updated_at = ?2 WHERE patient_id = ?1"
			" AND consent_at IS NOT NULL AND consent_at > 0 AND consent_phone IS NULL", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_text(st, 3, old_mobile ? old_mobile : "", -1, SQLITE_STATIC);
		if (step_done(s, st, "tying consent to its number", err) != 0)
			return -1;
	}
	st = store_stmt(s, "UPDATE patients SET first_name = ?2, last_name = ?3, mobile = ?4, timezone = ?5 WHERE id = ?1",
			err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, r->first_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->last_name, -1, SQLITE_STATIC);
	store_bind_text_or_null(st, 4, mobile);
	store_bind_text_or_null(st, 5, tz && *tz ? tz : NULL);
	return step_done(s, st, "updating a patient", err);
}

/* Records the row's opt-out (once) and consent. */
static int apply_prefs(struct store *s, int64_t id, const struct import_patient_row *r, const char *mobile,
		       int64_t now, char **err)
{
	if (r->consent_at > 0 &&
	    store_prefs_set_consent(s, id, r->consent_at, r->consent_method, "import", mobile, err) != 0)
		return -1;
	if (!r->opt_out)
		return 0;
	struct sms_prefs p;
	int rc = store_prefs_get(s, id, &p, err);
	if (rc != 0)
		return -1;
	bool in = p.opted_in;
	sms_prefs_free(&p);
	/* The first opt-out stays on record: re-importing the same file changes nothing. */
	if (!in)
		return 0;
	return store_prefs_set_opted_in(s, id, false, now, "import", "opted out in the practice-management system", err);
}

int store_import_patient(struct store *s, int64_t tenant_id, const struct import_patient_row *r, int64_t now,
			 bool *updated, bool *identity_changed, int64_t *id_out, char **err)
{
	int64_t id = 0;
	struct stored old = {0};
	int rc = -1;
	*updated = false;
	if (identity_changed)
		*identity_changed = false;
	if (find_patient(s, tenant_id, r, &id, &old, err) != 0)
		goto out;
	/* NULL keeps what is stored; "" clears it. */
	const char *mobile = r->mobile == NULL ? old.mobile : (*r->mobile ? r->mobile : NULL);
	if (id == 0) {
		if (insert_patient(s, tenant_id, r, mobile, now, &id, err) != 0)
			goto out;
	} else {
		bool renamed = strcasecmp(old.first, r->first_name) != 0 || strcasecmp(old.last, r->last_name) != 0;
		if (renamed && mobile_changed(mobile, old.mobile)) {
			if (!r->allow_identity_change) {
				rc = STORE_IMPORT_IDENTITY;
				seterr(err, "would change both the name and the mobile of the stored patient: another "
					    "person? (a real change: --allow-identity-change)");
				goto out;
			}
			if (identity_changed)
				*identity_changed = true;
		}
		const char *tz = r->timezone == NULL ? old.tz : r->timezone;
		if (update_patient(s, id, r, mobile, old.mobile, tz, now, err) != 0)
			goto out;
		*updated = true;
	}
	if (apply_prefs(s, id, r, mobile, now, err) != 0)
		goto out;
	if (id_out)
		*id_out = id;
	rc = 0;
out:
	stored_free(&old);
	return rc;
}

/* The patient with this external id; SD_NOTFOUND. */
static int patient_by_external(struct store *s, int64_t tenant_id, const char *ext, int64_t *id, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT id FROM patients WHERE tenant_id = ?1 AND external_id = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, ext, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "finding a patient");
	return 0;
}

/* The patient's appointment at that start (id 0 when none) and its status. */
static int find_appt(struct store *s, int64_t tenant_id, int64_t patient_id, int64_t starts_at, int64_t *id,
		     char *status, size_t len, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT id, status FROM appointments WHERE tenant_id = ?1 AND patient_id = ?2 AND starts_at = ?3"
		" ORDER BY id LIMIT 1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, patient_id);
	sqlite3_bind_int64(st, 3, starts_at);
	*id = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		const unsigned char *t = sqlite3_column_text(st, 1);
		snprintf(status, len, "%s", t ? (const char *)t : "scheduled");
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "finding an appointment");
	return 0;
}

/* The status to store over old: the patient's own answer beats the export's default. */
static const char *merged_status(const char *imported, const char *old)
{
	if (imported == NULL)
		return old;
	if (strcmp(imported, "scheduled") == 0 &&
	    (strcmp(old, "confirmed") == 0 || strcmp(old, "reschedule_requested") == 0))
		return old;
	return imported;
}

int store_import_appt(struct store *s, int64_t tenant_id, const struct import_appt_row *r, int64_t now,
		      bool *updated, char **err)
{
	int64_t pid = 0, id = 0;
	char old[32] = "";
	*updated = false;
	int rc = patient_by_external(s, tenant_id, r->patient_external_id, &pid, err);
	if (rc == SD_NOTFOUND) {
		seterr(err, "no patient has this external id (import the patients first)");
		return SD_NOTFOUND;
	}
	if (rc != 0 || find_appt(s, tenant_id, pid, r->starts_at, &id, old, sizeof(old), err) != 0)
		return -1;
	sqlite3_stmt *st;
	if (id != 0) {
		st = store_stmt(s,
			"UPDATE appointments SET provider = ?2, location = ?3, duration_min = ?4, status = ?5,"
			" updated_at = ?6 WHERE id = ?1", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 5, merged_status(r->status, old), -1, SQLITE_TRANSIENT);
		*updated = true;
	} else {
		st = store_stmt(s,
			"INSERT INTO appointments (tenant_id, patient_id, provider, location, duration_min, status,"
			" updated_at, created_at, starts_at) VALUES (?7, ?8, ?2, ?3, ?4, ?5, ?6, ?6, ?9)", err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 5, r->status ? r->status : "scheduled", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, tenant_id);
		sqlite3_bind_int64(st, 8, pid);
		sqlite3_bind_int64(st, 9, r->starts_at);
	}
	sqlite3_bind_text(st, 2, r->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->location ? r->location : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->duration_min);
	sqlite3_bind_int64(st, 6, now);
	return step_done(s, st, id ? "updating an appointment" : "adding an appointment", err);
}
