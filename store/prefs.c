/* Patient SMS preferences, consent on file, and the number-level opt-out list. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void sms_prefs_free(struct sms_prefs *p)
{
	if (p == NULL)
		return;
	free(p->opted_out_reason);
	free(p->opted_out_via);
	free(p->consent_method);
	free(p->consent_by);
	free(p->consent_phone);
	free(p->marketing_consent_method);
	free(p->marketing_consent_by);
	memset(p, 0, sizeof(*p));
}

/* The ways an opt-out or opt-in can arrive (the schema's CHECK list). */
static bool via_ok(const char *via)
{
	static const char *const vias[] = {"sms", "carrier", "staff", "import"};
	for (size_t i = 0; via && i < sizeof(vias) / sizeof(vias[0]); i++)
		if (strcmp(via, vias[i]) == 0)
			return true;
	return false;
}

int store_prefs_get(struct store *s, int64_t patient_id, struct sms_prefs *out, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s,
		"SELECT patient_id, tenant_id, opted_in, reminders, marketing, opted_out_at, opted_out_reason,"
		" opted_out_via, consent_at, consent_method, consent_by, consent_phone, updated_at,"
		" CASE WHEN marketing_consent_phone IS (SELECT mobile FROM patients WHERE id = ?1)"
		"  THEN marketing_consent_at END, marketing_consent_method, marketing_consent_by"
		" FROM patient_sms_preferences WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		seterr(err, "no preferences for patient %lld", (long long)patient_id);
		return SD_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading preferences");
	out->patient_id = sqlite3_column_int64(st, 0);
	out->tenant_id = sqlite3_column_int64(st, 1);
	out->opted_in = sqlite3_column_int(st, 2) != 0;
	out->reminders = sqlite3_column_int(st, 3) != 0;
	out->marketing = sqlite3_column_int(st, 4) != 0;
	out->opted_out_at = sqlite3_column_int64(st, 5);
	out->opted_out_reason = store_col_text(st, 6);
	out->opted_out_via = store_col_text(st, 7);
	out->consent_at = sqlite3_column_int64(st, 8);
	out->consent_method = store_col_text(st, 9);
	out->consent_by = store_col_text(st, 10);
	out->consent_phone = store_col_text(st, 11);
	out->updated_at = sqlite3_column_int64(st, 12);
	out->marketing_consent_at = sqlite3_column_int64(st, 13);
	out->marketing_consent_method = store_col_text(st, 14);
	out->marketing_consent_by = store_col_text(st, 15);
	sqlite3_reset(st);
	return 0;
}

/* Steps a bound UPDATE on one patient's row; SD_NOTFOUND when the patient has none. */
static int update_one(struct store *s, sqlite3_stmt *st, int64_t patient_id, const char *doing, char **err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, doing);
	if (sqlite3_changes(store_db(s)) == 0) {
		seterr(err, "no preferences for patient %lld", (long long)patient_id);
		return SD_NOTFOUND;
	}
	return 0;
}

int store_prefs_set_flags(struct store *s, int64_t patient_id, bool reminders, bool marketing, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE patient_sms_preferences SET reminders = ?2, marketing = ?3, updated_at = ?4 WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, reminders);
	sqlite3_bind_int(st, 3, marketing);
	sqlite3_bind_int64(st, 4, clock_now());
	return update_one(s, st, patient_id, "saving preferences", err);
}

int store_prefs_set_consent(struct store *s, int64_t patient_id, int64_t at, const char *method,
			    const char *by, const char *phone, char **err)
{
	if (at <= 0 || method == NULL || *method == '\0')
		return seterr(err, "consent needs a time and a method (paper form, verbal at desk, ...)");
	if (!store_text_ok(method, false, 500) || !store_text_ok(by, false, 500) ||
	    !store_text_ok(phone, false, 500))
		return seterr(err, "consent fields must be short and without control characters");
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE patient_sms_preferences SET consent_at = ?2, consent_method = ?3, consent_by = ?4,"
		" consent_phone = ?5, updated_at = ?6 WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, method, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 4, by);
	store_bind_text_or_null(st, 5, phone);
	sqlite3_bind_int64(st, 6, clock_now());
	return update_one(s, st, patient_id, "recording consent", err);
}

int store_prefs_set_marketing_consent(struct store *s, int64_t patient_id, int64_t at, const char *method,
				      const char *by, char **err)
{
	if (at > 0 && (method == NULL || *method == '\0'))
		return seterr(err, "marketing consent needs a method (paper form, patient portal, ...)");
	if (!store_text_ok(method, false, 500) || !store_text_ok(by, false, 500))
		return seterr(err, "consent fields must be short and without control characters");
	/* Given for the number the patient has now; withdrawn, it takes the marketing flag too. */
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE patient_sms_preferences SET marketing = ?2 > 0,"
		" marketing_consent_at = CASE WHEN ?2 > 0 THEN ?2 END, marketing_consent_method = ?3,"
		" marketing_consent_by = ?4,"
		" marketing_consent_phone = CASE WHEN ?2 > 0 THEN (SELECT mobile FROM patients WHERE id = ?1) END,"
		" updated_at = ?5 WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int64(st, 2, at);
	store_bind_text_or_null(st, 3, at > 0 ? method : NULL);
	store_bind_text_or_null(st, 4, at > 0 ? by : NULL);
	sqlite3_bind_int64(st, 5, clock_now());
	return update_one(s, st, patient_id, "recording marketing consent", err);
}

/* Blocks the number and opts out its patients; call inside a transaction. */
static int optout_number_tx(struct store *s, int64_t tenant_id, const char *phone, int64_t at,
			    const char *via, const char *reason, char **err)
{
	/* The first opt-out stays on record: a repeated STOP changes nothing. */
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO sms_optouts (tenant_id, phone, opted_out_at, via, reason) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (tenant_id, phone) DO NOTHING", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, via, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 5, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "blocking a number");
	st = store_stmt(s,
		"UPDATE patient_sms_preferences SET opted_in = 0, opted_out_at = ?3, opted_out_via = ?4,"
		" opted_out_reason = ?5, updated_at = ?3"
		" WHERE opted_in = 1 AND patient_id IN (SELECT id FROM patients WHERE tenant_id = ?1 AND mobile = ?2)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, via, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 5, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "opting patients out");
	return 0;
}

/* Removes the block and opts the number's patients back in; call inside a transaction. */
static int optin_number_tx(struct store *s, int64_t tenant_id, const char *phone, int64_t at, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sms_optouts WHERE tenant_id = ?1 AND phone = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "unblocking a number");
	st = store_stmt(s,
		"UPDATE patient_sms_preferences SET opted_in = 1, opted_out_at = NULL, opted_out_via = NULL,"
		" opted_out_reason = NULL, updated_at = ?3"
		" WHERE opted_in = 0 AND patient_id IN (SELECT id FROM patients WHERE tenant_id = ?1 AND mobile = ?2)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "opting patients in");
	return 0;
}

/* Checks the arguments shared by opt-out and opt-in. */
static int check_number_args(const char *phone, const char *via, const char *reason, char **err)
{
	if (phone == NULL || *phone == '\0' || !store_text_ok(phone, false, 500))
		return seterr(err, "an opt-out needs a phone number");
	if (!via_ok(via))
		return seterr(err, "unknown opt-out channel \"%s\" (sms, carrier, staff or import)", via ? via : "(null)");
	if (!store_text_ok(reason, false, 500))
		return seterr(err, "the reason must be short and without control characters");
	return 0;
}

int store_optout_number(struct store *s, int64_t tenant_id, const char *phone, int64_t at,
			const char *via, const char *reason, char **err)
{
	if (check_number_args(phone, via, reason, err) != 0 || store_begin(s, err) != 0)
		return -1;
	if (optout_number_tx(s, tenant_id, phone, at, via, reason, err) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

int store_optin_number(struct store *s, int64_t tenant_id, const char *phone, int64_t at,
		       const char *via, char **err)
{
	if (check_number_args(phone, via, NULL, err) != 0 || store_begin(s, err) != 0)
		return -1;
	if (optin_number_tx(s, tenant_id, phone, at, err) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* Sets one patient's own row (for patients without a mobile, or as well as the number). */
static int set_patient_row(struct store *s, int64_t patient_id, bool opted_in, int64_t at, const char *via,
			   const char *reason, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE patient_sms_preferences SET opted_in = ?2,"
		" opted_out_at = CASE WHEN ?2 THEN NULL WHEN opted_in = 0 THEN opted_out_at ELSE ?3 END,"
		" opted_out_via = CASE WHEN ?2 THEN NULL WHEN opted_in = 0 THEN opted_out_via ELSE ?4 END,"
		" opted_out_reason = CASE WHEN ?2 THEN NULL WHEN opted_in = 0 THEN opted_out_reason ELSE ?5 END,"
		" updated_at = ?3 WHERE patient_id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, opted_in);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, via, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 5, reason);
	return update_one(s, st, patient_id, "changing opt-in", err);
}

int store_prefs_set_opted_in(struct store *s, int64_t patient_id, bool opted_in, int64_t at,
			     const char *via, const char *reason, char **err)
{
	if (!via_ok(via))
		return seterr(err, "unknown opt-out channel \"%s\" (sms, carrier, staff or import)", via ? via : "(null)");
	if (!store_text_ok(reason, false, 500))
		return seterr(err, "the reason must be short and without control characters");
	if (store_begin(s, err) != 0)
		return -1;
	struct patient p;
	int rc = store_patient_get(s, patient_id, &p, err);
	if (rc != 0)
		goto fail;
	rc = -1;
	if (p.mobile != NULL) {
		int r = opted_in ? optin_number_tx(s, p.tenant_id, p.mobile, at, err)
				 : optout_number_tx(s, p.tenant_id, p.mobile, at, via, reason, err);
		if (r != 0)
			goto fail;
	}
	if (set_patient_row(s, patient_id, opted_in, at, via, reason, err) != 0)
		goto fail;
	patient_free(&p);
	return store_commit(s, err);
fail:
	patient_free(&p);
	store_rollback(s);
	return rc;
}

int store_number_opted_out(struct store *s, int64_t tenant_id, const char *phone, bool *out, char **err)
{
	*out = false;
	sqlite3_stmt *st = store_stmt(s, "SELECT 1 FROM sms_optouts WHERE tenant_id = ?1 AND phone = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone ? phone : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = true;
	else if (rc != SQLITE_DONE)
		return store_fail(s, err, "checking the opt-out list");
	sqlite3_reset(st);
	return 0;
}
