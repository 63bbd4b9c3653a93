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

/* ---- Scheduler work. Owner: store/reminders_sched.c ---- */

/* An appointment that may need a reminder, with its patient, preferences and number block. */
struct reminder_candidate {
	int64_t appointment_id;
	int64_t tenant_id;
	int64_t patient_id;
	int64_t starts_at;
	char *appt_status;
	char *provider;
	char *location;
	char *first_name;
	char *last_name;
	char *mobile;        /* E.164, NULL when the patient has none */
	char *timezone;      /* the patient's zone, NULL: the clinic's */
	bool opted_in;       /* no preferences row reads as opted in, reminders on */
	bool reminders_on;
	bool has_consent;    /* prior express consent on file for this mobile number */
	bool number_blocked; /* the mobile is in the tenant's number-level opt-out list */
};
void reminder_candidate_list_free(struct reminder_candidate **list, size_t n);

/* Appointments of a tenant starting in (from, to], any status, by start time: the window the
 * scheduler looks at is (now, now + the longest slot]. */
int store_reminder_candidates(struct store *s, int64_t tenant_id, int64_t from, int64_t to,
			      struct reminder_candidate **out, size_t *n, char **err);
/* One appointment as a candidate (for "send reminder now"). SD_NOTFOUND. */
int store_reminder_candidate_get(struct store *s, int64_t appointment_id, struct reminder_candidate *out,
				 char **err);
void reminder_candidate_free(struct reminder_candidate *c);

/* The reminder rows of one appointment, by slot (largest first); appt_reminder_list_free. */
int store_reminder_rows(struct store *s, int64_t appointment_id, struct appt_reminder **out, size_t *n,
			char **err);

/* Inserts the row for (appointment, slot) with INSERT ... ON CONFLICT DO NOTHING: the unique
 * key, not a check, is what makes "exactly one per appointment and slot" hold. *inserted is
 * false (and *id_out the existing row's id) when the row already existed. */
int store_reminder_insert(struct store *s, int64_t tenant_id, int64_t appointment_id, int slot_minutes,
			  int64_t due_at, const char *status, const char *reason, int64_t now,
			  int64_t *id_out, bool *inserted, char **err);
/* Takes an open row (pending or waiting_quiet, due by now) for evaluation: status -> pending.
 * SD_NOTFOUND when another pass got there first or it is not due. */
int store_reminder_claim_open(struct store *s, int64_t id, int64_t now, char **err);
/* Takes a skipped row whose reason starts with reason_prefix back for evaluation (status ->
 * pending, reason cleared): a conditional update, SD_NOTFOUND when another pass got it. */
int store_reminder_reopen(struct store *s, int64_t id, const char *reason_prefix, char **err);
/* Sets a row's status: pending, waiting_quiet, queued, sent, skipped, failed. reason is kept
 * for skipped / failed / waiting_quiet (NULL clears it); due_at 0 and message_id 0 keep the
 * old values. */
int store_reminder_set_status(struct store *s, int64_t id, const char *status, const char *reason,
			      int64_t due_at, int64_t message_id, char **err);
/* Brings queued/sent rows in line with their outbound message: accepted by Twilio -> sent
 * (sent_at), failed / undelivered / canceled -> failed with Twilio's code and text. */
int store_reminder_sync_messages(struct store *s, int *changed, char **err);
/* Open rows (pending, waiting_quiet) whose appointment has started or was cancelled become
 * skipped with the reason. */
int store_reminder_expire(struct store *s, int64_t now, int *changed, char **err);

/* Reminder messages (type reminder, not failed before leaving) to a patient created after
 * `since` (strictly): for the healthcare exemption's 1 per day and 3 per week. */
int store_reminder_count_recent(struct store *s, int64_t patient_id, int64_t since, int *count, char **err);

/* What the reminders screen shows. */
enum reminder_view {
	REMINDER_VIEW_ALL = 0,
	REMINDER_VIEW_SENT,      /* queued or sent, newest first */
	REMINDER_VIEW_WAITING,   /* pending or waiting_quiet, soonest first */
	REMINDER_VIEW_SKIPPED,   /* skipped or failed, with the reason, newest first */
	REMINDER_VIEW_RESPONSES, /* rows with a patient response, newest first */
};

struct reminder_row {
	struct appt_reminder r;
	int64_t patient_id;
	char *patient_name;  /* "First Last" (untrusted text) */
	char *mobile;        /* E.164 or NULL */
	char *provider;
	int64_t starts_at;
	char *appt_status;
	char *msg_status;        /* the reminder message's own status (delivered, undelivered, ...), or NULL */
	int msg_error_code;      /* Twilio's error code on it, 0 when none */
	char *msg_error_message; /* Twilio's error text, or NULL */
};
void reminder_row_list_free(struct reminder_row **list, size_t n);
/* Rows of a tenant (0 = all) for a view, at most limit (0 = no limit). */
int store_reminder_list(struct store *s, int64_t tenant_id, enum reminder_view view, size_t limit,
			struct reminder_row **out, size_t *n, char **err);
/* Counts of a tenant's rows (0 = all) by status, for the screen's header. */
struct reminder_counts {
	int pending, waiting, queued, sent, skipped, failed, responses;
};
int store_reminder_counts(struct store *s, int64_t tenant_id, struct reminder_counts *out, char **err);

#endif
