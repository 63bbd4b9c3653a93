/* Appointment reminder rows (one per appointment and slot). Owner: store/reminders.c
 * (the scheduler work); its author fills in this header. */
#ifndef SMSDESK_STORE_REMINDERS_H
#define SMSDESK_STORE_REMINDERS_H

struct appt_reminder {
	int64_t id;
	int64_t tenant_id;
	int64_t appointment_id;
	int slot_minutes;
	int64_t due_at;
	char *status;      /* pending, waiting_quiet, queued, sent, skipped, failed */
	char *skip_reason;
	int64_t message_id;
	int64_t sent_at;
	char *response;    /* confirmed, reschedule, cancelled; NULL */
	int64_t response_at;
	int64_t created_at;
};

void appt_reminder_free(struct appt_reminder *r);
void appt_reminder_list_free(struct appt_reminder **list, size_t n);

/* The most recently reminded (a reminder row with status queued or sent) upcoming
 * (starts_at > now, not cancelled) appointment of any patient with this mobile number.
 * SD_NOTFOUND when there is none. Used by the keyword processor for C / R / X. */
int store_reminder_latest_for_phone(struct store *s, int64_t tenant_id, const char *phone, int64_t now,
				    int64_t *appointment_id, int64_t *reminder_id, char **err);
/* Records the patient's answer on the reminder row. */
int store_reminder_set_response(struct store *s, int64_t reminder_id, const char *response, int64_t at, char **err);

#endif
