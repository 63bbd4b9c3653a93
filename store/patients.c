/* Patients: add (with their preferences row), lookups, search, and number changes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define PATIENT_COLS "id, tenant_id, first_name, last_name, mobile, timezone, external_id, created_at"

void patient_free(struct patient *p)
{
	if (p == NULL)
		return;
	free(p->first_name);
	free(p->last_name);
	free(p->mobile);
	free(p->timezone);
	free(p->external_id);
	memset(p, 0, sizeof(*p));
}

/* patient_free for store_list_free and store_collect. */
static void patient_free_elem(void *elem)
{
	patient_free(elem);
}

void patient_list_free(struct patient **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), patient_free_elem);
	*list = NULL;
}

/* Fills a patient from a row selected with PATIENT_COLS. */
static void patient_from_row(sqlite3_stmt *st, void *elem)
{
	struct patient *p = elem;
	p->id = sqlite3_column_int64(st, 0);
	p->tenant_id = sqlite3_column_int64(st, 1);
	p->first_name = store_col_text_or(st, 2, "");
	p->last_name = store_col_text_or(st, 3, "");
	p->mobile = store_col_text(st, 4);
	p->timezone = store_col_text(st, 5);
	p->external_id = store_col_text(st, 6);
	p->created_at = sqlite3_column_int64(st, 7);
}

/* Steps a bound statement collecting patient rows into a new array. */
static int collect(struct store *s, sqlite3_stmt *st, struct patient **out, size_t *n, char **err)
{
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), patient_from_row, patient_free_elem, &rows, n,
			       "listing patients", err);
	*out = rows;
	return rc;
}

int store_patient_add(struct store *s, const struct patient *p, int64_t *id_out, char **err)
{
	if (!store_text_ok(p->first_name, true, 200) || !store_text_ok(p->last_name, true, 200))
		return seterr(err, "a patient needs a first and a last name without control characters");
	if (p->mobile != NULL && !store_e164_ok(p->mobile))
		return seterr(err, "the mobile number must be in E.164 form such as +15551234567");
	if (!store_text_ok(p->timezone, false, 200) || !store_text_ok(p->external_id, false, 200))
		return seterr(err, "time zone and external id must be short and without control characters");
	if (store_begin(s, err) != 0)
		return -1;
	int64_t now = clock_now();
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO patients (tenant_id, first_name, last_name, mobile, timezone, external_id, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, p->tenant_id);
	sqlite3_bind_text(st, 2, p->first_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, p->last_name, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 4, p->mobile);
	store_bind_text_or_null(st, 5, p->timezone && *p->timezone ? p->timezone : NULL);
	store_bind_text_or_null(st, 6, p->external_id && *p->external_id ? p->external_id : NULL);
	sqlite3_bind_int64(st, 7, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		seterr(err, "another patient already has external id \"%s\"", p->external_id);
		goto fail;
	}
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
		seterr(err, "no location with id %lld", (long long)p->tenant_id);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, err, "adding a patient");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(store_db(s));
	st = store_stmt(s, "INSERT INTO patient_sms_preferences (patient_id, tenant_id, updated_at) VALUES (?1, ?2, ?3)", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, p->tenant_id);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, err, "adding a patient's preferences");
		goto fail;
	}
	if (store_commit(s, err) != 0)
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int store_patient_get(struct store *s, int64_t id, struct patient *out, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, "SELECT " PATIENT_COLS " FROM patients WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = store_fetch_one(s, st, sizeof(*out), patient_from_row, out, "reading a patient", err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no patient with id %lld", (long long)id);
	return rc;
}

int store_patient_by_mobile(struct store *s, int64_t tenant_id, const char *phone, struct patient **out,
			    size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " PATIENT_COLS " FROM patients WHERE tenant_id = ?1 AND mobile = ?2 ORDER BY id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone ? phone : "", -1, SQLITE_TRANSIENT);
	return collect(s, st, out, n, err);
}

/* Builds a LIKE pattern "%q%" with %, _ and \ escaped by '\'. */
static char *like_pattern(const char *q)
{
	size_t len = strlen(q);
	char *pat = xmalloc(len * 2 + 3);
	char *w = pat;
	*w++ = '%';
	for (const char *p = q; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			*w++ = '\\';
		*w++ = *p;
	}
	*w++ = '%';
	*w = '\0';
	return pat;
}

/* When the query is a phone fragment (digits with + ( ) - . space), its digits; else NULL. */
static char *query_digits(const char *q)
{
	size_t nd = 0;
	for (const char *p = q; *p; p++) {
		if (isdigit((unsigned char)*p))
			nd++;
		else if (strchr("+()-. ", *p) == NULL)
			return NULL;
	}
	if (nd == 0)
		return NULL;
	char *d = xmalloc(nd + 1), *w = d;
	for (const char *p = q; *p; p++)
		if (isdigit((unsigned char)*p))
			*w++ = *p;
	*w = '\0';
	return d;
}

int store_patient_search(struct store *s, int64_t tenant_id, const char *query, size_t limit,
			 struct patient **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	/* Trim surrounding blanks: people paste names with spaces. */
	while (query && isspace((unsigned char)*query))
		query++;
	char *q = xstrdup(query ? query : "");
	for (size_t l = strlen(q); l > 0 && isspace((unsigned char)q[l - 1]); l--)
		q[l - 1] = '\0';
	char *digits = query_digits(q);
	char *folded = store_fold(q);
	char *name_pat = like_pattern(folded); /* "zoe" finds Zoë: both sides folded */
	free(folded);
	char *digit_pat = digits ? like_pattern(digits) : NULL;
	int rc = -1;
	/* Names folded (sd_fold: accents and case) against the folded query; the three
	 * concatenations let "ann smith", "smith ann" and "smith, ann" all match. */
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " PATIENT_COLS " FROM patients WHERE tenant_id = ?1 AND ("
		" ?2 = '%%'" /* the pattern of an empty query: everyone */
		" OR sd_fold(first_name || ' ' || last_name) LIKE ?2 ESCAPE '\\'"
		" OR sd_fold(last_name || ' ' || first_name) LIKE ?2 ESCAPE '\\'"
		" OR sd_fold(last_name || ', ' || first_name) LIKE ?2 ESCAPE '\\'"
		" OR (?3 IS NOT NULL AND mobile LIKE ?3 ESCAPE '\\'))"
		" ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id LIMIT ?4", err);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, name_pat, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 3, digit_pat);
	sqlite3_bind_int64(st, 4, limit == 0 ? -1 : (sqlite3_int64)limit);
	rc = collect(s, st, out, n, err);
out:
	free(q);
	free(digits);
	free(name_pat);
	free(digit_pat);
	return rc;
}

int store_patient_set_mobile(struct store *s, int64_t id, const char *mobile, char **err)
{
	if (mobile != NULL && !store_e164_ok(mobile))
		return seterr(err, "the mobile number must be in E.164 form such as +15551234567");
	if (store_begin(s, err) != 0)
		return -1;
	/* Consent is given for a number: a new number has none until it is recorded again.
	 * Cleared before the change, only when the number really changes. */
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE patient_sms_preferences SET consent_at = NULL, consent_method = NULL, consent_by = NULL,"
		" consent_phone = NULL, updated_at = ?2 WHERE patient_id = ?1"
		" AND (SELECT mobile FROM patients WHERE id = ?1) IS NOT ?3", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, clock_now());
	store_bind_text_or_null(st, 3, mobile);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, err, "clearing consent");
		goto fail;
	}
	st = store_stmt(s, "UPDATE patients SET mobile = ?1 WHERE id = ?2", err);
	if (st == NULL)
		goto fail;
	store_bind_text_or_null(st, 1, mobile);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, err, "changing a mobile number");
		goto fail;
	}
	if (sqlite3_changes(store_db(s)) == 0) {
		seterr(err, "no patient with id %lld", (long long)id);
		goto fail;
	}
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}
