/* Appointments: add, read, status changes and listing by time. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define APPT_COLS "id, tenant_id, patient_id, provider, location, starts_at, duration_min, status, created_at, updated_at"

static const char *const appt_statuses[] = {
	"scheduled", "confirmed", "reschedule_requested", "cancelled", "completed", "no_show",
};

void appointment_free(struct appointment *a)
{
	if (a == NULL)
		return;
	free(a->provider);
	free(a->location);
	free(a->status);
	memset(a, 0, sizeof(*a));
}

/* appointment_free for store_list_free and store_collect. */
static void appt_free_elem(void *elem)
{
	appointment_free(elem);
}

void appointment_list_free(struct appointment **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), appt_free_elem);
	*list = NULL;
}

/* Fills an appointment from a row selected with APPT_COLS. */
static void appt_from_row(sqlite3_stmt *st, void *elem)
{
	struct appointment *a = elem;
	a->id = sqlite3_column_int64(st, 0);
	a->tenant_id = sqlite3_column_int64(st, 1);
	a->patient_id = sqlite3_column_int64(st, 2);
	a->provider = store_col_text_or(st, 3, "");
	a->location = store_col_text_or(st, 4, "");
	a->starts_at = sqlite3_column_int64(st, 5);
	a->duration_min = sqlite3_column_int(st, 6);
	a->status = store_col_text_or(st, 7, "scheduled");
	a->created_at = sqlite3_column_int64(st, 8);
	a->updated_at = sqlite3_column_int64(st, 9);
}

/* True for one of the statuses the schema allows. */
static bool status_ok(const char *status)
{
	for (size_t i = 0; status && i < sizeof(appt_statuses) / sizeof(appt_statuses[0]); i++)
		if (strcmp(status, appt_statuses[i]) == 0)
			return true;
	return false;
}

int store_appt_add(struct store *s, const struct appointment *a, int64_t *id_out, char **err)
{
	if (!store_text_ok(a->provider, true, 200) || !store_text_ok(a->location, false, 200))
		return seterr(err, "an appointment needs a provider (and location) without control characters");
	if (a->starts_at <= 0)
		return seterr(err, "an appointment needs a start time");
	int duration = a->duration_min == 0 ? 30 : a->duration_min;
	if (duration < 1 || duration > 1440)
		return seterr(err, "the duration must be from 1 to 1440 minutes");
	const char *status = a->status ? a->status : "scheduled";
	if (!status_ok(status))
		return seterr(err, "unknown appointment status \"%s\"", status);
	int64_t now = clock_now();
	/* Inserted only when the patient belongs to the same location. */
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO appointments (tenant_id, patient_id, provider, location, starts_at, duration_min,"
		" status, created_at, updated_at)"
		" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 WHERE EXISTS"
		" (SELECT 1 FROM patients WHERE id = ?2 AND tenant_id = ?1)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a->tenant_id);
	sqlite3_bind_int64(st, 2, a->patient_id);
	sqlite3_bind_text(st, 3, a->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->location ? a->location : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, a->starts_at);
	sqlite3_bind_int(st, 6, duration);
	sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "adding an appointment");
	if (sqlite3_changes(store_db(s)) == 0)
		return seterr(err, "no patient with id %lld at this location", (long long)a->patient_id);
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_appt_get(struct store *s, int64_t id, struct appointment *out, char **err)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = store_stmt(s, "SELECT " APPT_COLS " FROM appointments WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = store_fetch_one(s, st, sizeof(*out), appt_from_row, out, "reading an appointment", err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no appointment with id %lld", (long long)id);
	return rc;
}

int store_appt_set_status(struct store *s, int64_t id, const char *status, char **err)
{
	if (!status_ok(status))
		return seterr(err, "unknown appointment status \"%s\"", status ? status : "(null)");
	sqlite3_stmt *st = store_stmt(s, "UPDATE appointments SET status = ?1, updated_at = ?2 WHERE id = ?3", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, clock_now());
	sqlite3_bind_int64(st, 3, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "changing an appointment");
	if (sqlite3_changes(store_db(s)) == 0) {
		seterr(err, "no appointment with id %lld", (long long)id);
		return SD_NOTFOUND;
	}
	return 0;
}

int store_appt_list(struct store *s, int64_t tenant_id, int64_t patient_id, int64_t from, int64_t to,
		    struct appointment **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT " APPT_COLS " FROM appointments WHERE tenant_id = ?1 AND (?2 = 0 OR patient_id = ?2)"
		" AND starts_at >= ?3 AND starts_at < ?4 ORDER BY starts_at, id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, patient_id);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), appt_from_row, appt_free_elem, &rows, n,
			       "listing appointments", err);
	*out = rows;
	return rc;
}
