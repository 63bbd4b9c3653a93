/* Admin recovery and lifecycle: accounts, locations, patients. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* Runs one bound statement to completion; returns the rows it changed, or -1. */
static int run(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	return sqlite3_changes(store_db(s));
}

/* One statement with up to two integer parameters. */
static int exec2(struct store *s, const char *sql, int64_t a, int64_t b, const char *doing, char **err)
{
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return run(s, st, doing, err);
}

/* One integer column of the row with this id (sql has ?1 = id): 0 and *out set, SD_NOTFOUND
 * when there is no such row, -1 on a database error. */
static int int_by_id(struct store *s, const char *sql, int64_t id, int64_t *out, const char *doing, char **err)
{
	*out = 0;
	sqlite3_stmt *st = store_stmt(s, sql, err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	return rc == SQLITE_DONE ? SD_NOTFOUND : 0;
}

int store_user_unlock(struct store *s, int64_t id, char **err)
{
	int n = exec2(s, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?1", id, 0,
		      "unlocking the account", err);
	return n < 0 ? -1 : n == 0 ? SD_NOTFOUND : 0;
}

int store_user_set_must_change(struct store *s, int64_t id, bool must, char **err)
{
	int n = exec2(s, "UPDATE users SET must_change_password = ?2 WHERE id = ?1", id, must,
		      "saving the password rule", err);
	return n < 0 ? -1 : n == 0 ? SD_NOTFOUND : 0;
}

int store_user_must_change(struct store *s, int64_t id, bool *must, char **err)
{
	int64_t v = 0;
	int rc = int_by_id(s, "SELECT must_change_password FROM users WHERE id = ?1", id, &v,
			   "reading the password rule", err);
	*must = v != 0;
	return rc;
}

int store_tenant_rename(struct store *s, int64_t id, const char *name, char **err)
{
	if (!store_text_ok(name, true, 100))
		return seterr(err, "a location name is 1 to 100 characters without control characters");
	struct tenant other;
	int rc = store_tenant_find(s, name, &other, err);
	if (rc == 0) {
		bool same = other.id == id;
		tenant_free(&other);
		return same ? 0 : seterr(err, "a location named \"%s\" already exists", name);
	}
	if (rc < 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, "UPDATE tenants SET name = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	int n = run(s, st, "renaming the location", err);
	return n < 0 ? -1 : n == 0 ? SD_NOTFOUND : 0;
}

int store_tenant_retire(struct store *s, int64_t id, int64_t at, char **err)
{
	int n = exec2(s, "UPDATE tenants SET retired_at = ?2 WHERE id = ?1", id, at, "retiring the location", err);
	return n < 0 ? -1 : n == 0 ? SD_NOTFOUND : 0;
}

int store_tenant_retired(struct store *s, int64_t id, int64_t *at, char **err)
{
	return int_by_id(s, "SELECT retired_at FROM tenants WHERE id = ?1", id, at, "reading the location", err);
}

/* The location of a patient; SD_NOTFOUND when there is no such patient. */
static int patient_tenant(struct store *s, int64_t id, int64_t *tenant, char **err)
{
	int rc = int_by_id(s, "SELECT tenant_id FROM patients WHERE id = ?1", id, tenant, "reading the patient", err);
	return rc == SD_NOTFOUND ? seterr(err, "no patient %lld", (long long)id), SD_NOTFOUND : rc;
}

/* The merge's statements, in order; ?1 = keep, ?2 = drop. Preferences: an opt-out of the
 * dropped record is carried over (never lost); then keep's row is created from drop's when
 * it has none. */
static const char *const merge_sql[] = {
	"UPDATE appointments SET patient_id = ?1 WHERE patient_id = ?2",
	"UPDATE sms_messages SET patient_id = ?1 WHERE patient_id = ?2",
	"UPDATE sms_threads SET patient_id = ?1 WHERE patient_id = ?2",
	"UPDATE patient_sms_preferences SET opted_in = 0,"
	" opted_out_at = (SELECT opted_out_at FROM patient_sms_preferences WHERE patient_id = ?2),"
	" opted_out_reason = (SELECT opted_out_reason FROM patient_sms_preferences WHERE patient_id = ?2),"
	" opted_out_via = (SELECT opted_out_via FROM patient_sms_preferences WHERE patient_id = ?2)"
	" WHERE patient_id = ?1 AND opted_in = 1"
	" AND EXISTS (SELECT 1 FROM patient_sms_preferences WHERE patient_id = ?2 AND opted_in = 0)",
	"UPDATE patient_sms_preferences SET patient_id = ?1 WHERE patient_id = ?2"
	" AND NOT EXISTS (SELECT 1 FROM patient_sms_preferences WHERE patient_id = ?1)",
	"DELETE FROM patient_sms_preferences WHERE patient_id = ?2",
	"DELETE FROM patients WHERE id = ?2",
};

int store_patient_merge(struct store *s, int64_t keep, int64_t drop, struct patient_change *out, char **err)
{
	int64_t tk = 0, td = 0;
	memset(out, 0, sizeof(*out));
	if (keep == drop)
		return seterr(err, "a patient cannot be merged into itself");
	int rc = patient_tenant(s, keep, &tk, err);
	if (rc == 0)
		rc = patient_tenant(s, drop, &td, err);
	if (rc != 0)
		return rc;
	if (tk != td)
		return seterr(err, "patients %lld and %lld belong to different locations", (long long)keep, (long long)drop);
	if (store_begin(s, err) != 0)
		return -1;
	int counts[3] = {0};
	for (size_t i = 0; i < sizeof(merge_sql) / sizeof(merge_sql[0]); i++) {
		int n = exec2(s, merge_sql[i], keep, drop, "merging the patients", err);
		if (n < 0) {
			store_rollback(s);
			return -1;
		}
		if (i < 3)
			counts[i] = n;
	}
	out->appointments = counts[0];
	out->messages = counts[1];
	out->threads = counts[2];
	return store_commit(s, err);
}

/* The deletion's statements, in order; ?1 = the patient. Threads of the patient's number
 * that still hold other people's messages are kept, without the patient. */
static const char *const delete_sql[] = {
	"DELETE FROM appointment_sms_reminders WHERE appointment_id IN"
	" (SELECT id FROM appointments WHERE patient_id = ?1)",
	"UPDATE appointment_sms_reminders SET message_id = NULL WHERE message_id IN"
	" (SELECT id FROM sms_messages WHERE patient_id = ?1)",
	"UPDATE sms_messages SET appointment_id = NULL WHERE appointment_id IN"
	" (SELECT id FROM appointments WHERE patient_id = ?1)",
	"DELETE FROM appointments WHERE patient_id = ?1",
	"DELETE FROM sms_messages WHERE patient_id = ?1",
	"DELETE FROM sms_threads WHERE patient_id = ?1"
	" AND NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.thread_id = sms_threads.id)",
	"UPDATE sms_threads SET patient_id = NULL,"
	" last_message_id = (SELECT max(id) FROM sms_messages m WHERE m.thread_id = sms_threads.id)"
	" WHERE patient_id = ?1",
	"DELETE FROM patient_sms_preferences WHERE patient_id = ?1",
	"DELETE FROM patients WHERE id = ?1",
};

int store_patient_delete(struct store *s, int64_t id, struct patient_change *out, char **err)
{
	int64_t tenant = 0;
	memset(out, 0, sizeof(*out));
	int rc = patient_tenant(s, id, &tenant, err);
	if (rc != 0)
		return rc;
	if (store_begin(s, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(delete_sql) / sizeof(delete_sql[0]); i++) {
		int n = exec2(s, delete_sql[i], id, 0, "deleting the patient", err);
		if (n < 0) {
			store_rollback(s);
			return -1;
		}
		if (i == 3)
			out->appointments = n;
		else if (i == 4)
			out->messages = n;
		else if (i == 5)
			out->threads = n;
	}
	return store_commit(s, err);
}
