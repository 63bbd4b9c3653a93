/* Appointment reminders as the keyword processor sees them: the latest reminded appointment
 * of a number and the patient's answer. (The scheduler's functions are in reminders_sched.c.) */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

void appt_reminder_free(struct appt_reminder *r)
{
	if (r == NULL)
		return;
	free(r->status);
	free(r->skip_reason);
	free(r->response);
	memset(r, 0, sizeof(*r));
}

/* appt_reminder_free for store_list_free. */
static void reminder_free_elem(void *elem)
{
	appt_reminder_free(elem);
}

void appt_reminder_list_free(struct appt_reminder **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), reminder_free_elem);
	*list = NULL;
}

int store_reminder_latest_for_phone(struct store *s, int64_t tenant_id, const char *phone, int64_t now,
				    int64_t *appointment_id, int64_t *reminder_id, char **err)
{
	/* "Most recently reminded": the reminder that went out last (sent_at), a queued one by
	 * when it was due; a family phone sees every patient's appointments on that number. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT r.appointment_id, r.id FROM appointment_sms_reminders r "
				      "JOIN appointments a ON a.id = r.appointment_id "
				      "JOIN patients p ON p.id = a.patient_id "
				      "WHERE p.tenant_id = ?1 AND p.mobile = ?2 AND a.tenant_id = ?1 "
				      "AND a.starts_at > ?3 AND a.status IN ('scheduled', 'confirmed', 'reschedule_requested') "
				      "AND r.status IN ('queued', 'sent') "
				      "ORDER BY COALESCE(r.sent_at, r.due_at) DESC, r.id DESC LIMIT 1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone ? phone : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "finding the latest reminded appointment");
	if (appointment_id != NULL)
		*appointment_id = sqlite3_column_int64(st, 0);
	if (reminder_id != NULL)
		*reminder_id = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

int store_reminder_set_response(struct store *s, int64_t reminder_id, const char *response, int64_t at, char **err)
{
	if (response == NULL ||
	    (strcmp(response, "confirmed") != 0 && strcmp(response, "reschedule") != 0 && strcmp(response, "cancelled") != 0))
		return seterr(err, "unknown reminder response \"%s\"", response ? response : "");
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE appointment_sms_reminders SET response = ?2, response_at = ?3 WHERE id = ?1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, reminder_id);
	sqlite3_bind_text(st, 2, response, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "recording a reminder response");
	if (sqlite3_changes(store_db(s)) == 0)
		return seterr(err, "no reminder with id %lld", (long long)reminder_id);
	return 0;
}
