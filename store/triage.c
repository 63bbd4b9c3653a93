/* The reply triage's question to the store: which reminder does a free-text reply answer? */
#include "store/internal.h"

int store_triage_pending(struct store *s, int64_t tenant_id, const char *phone, int64_t now, int64_t *appointment_id,
			 int64_t *reminder_id, char **err)
{
	/* Only an unanswered reminder of a scheduled appointment: a "thanks!" after "C" is
	 * conversation, not a reply for the needs-human lane. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT r.appointment_id, r.id FROM appointment_sms_reminders r"
				      " JOIN appointments a ON a.id = r.appointment_id"
				      " JOIN patients p ON p.id = a.patient_id"
				      " WHERE p.tenant_id = ?1 AND p.mobile = ?2 AND a.tenant_id = ?1"
				      " AND a.starts_at > ?3 AND a.status = 'scheduled'"
				      " AND r.status IN ('queued', 'sent') AND r.response IS NULL"
				      " ORDER BY COALESCE(r.sent_at, r.due_at) DESC, r.id DESC LIMIT 1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone ? phone : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*appointment_id = sqlite3_column_int64(st, 0);
		*reminder_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "finding the reminder a reply answers");
}
