/* The failed-delivery worklist: outbound messages that failed and nobody followed up yet.
 * Owner: store/worklist.c */
#ifndef SMSDESK_STORE_WORKLIST_H
#define SMSDESK_STORE_WORKLIST_H

struct failed_delivery {
	int64_t message_id;
	int64_t tenant_id;
	int64_t thread_id;
	int64_t patient_id;     /* the message's patient, else the thread's; 0 when unknown */
	char *patient_name;     /* "First Last" or NULL */
	char *to_number;
	char *message_type;     /* reminder, conversation, ... */
	char *status;           /* failed, undelivered */
	int error_code;         /* Twilio's code; 0 when none was given */
	char *error_message;
	int64_t created_at;
	int64_t appointment_id; /* 0 = none */
	int64_t appt_starts_at; /* 0 = none */
};

void failed_delivery_free(struct failed_delivery *f);
void failed_delivery_list_free(struct failed_delivery **list, size_t n);

/* Failed or undelivered outbound messages of the tenant created since `since`, without a
 * follow-up, newest first, at most limit (0 = all). */
int store_worklist_list(struct store *s, int64_t tenant_id, int64_t since, size_t limit,
			struct failed_delivery **out, size_t *n, char **err);

/* Records what staff did about a failed message (outcome: called, wrong_number, voicemail,
 * resent, dismissed). SD_NOTFOUND when the message is not a failed outbound message of the
 * tenant; an error saying so when it already has a follow-up. */
int store_followup_add(struct store *s, int64_t tenant_id, int64_t message_id, const char *outcome,
		       const char *note, int64_t user_id, const char *username, int64_t at, char **err);

#endif
