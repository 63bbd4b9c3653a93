/* The EHR connection's tables: appointments by the EHR's id, superseded reminders, patients'
 * landlines, the received-message log and the write-back outbox. Owner: store/ehr.c */
#ifndef SMSDESK_STORE_EHR_H
#define SMSDESK_STORE_EHR_H
#include <stdbool.h>
#include <stdint.h>

/* One appointment as the EHR describes it. Strings are borrowed. */
struct ehr_appt_row {
	const char *ehr_id;   /* required */
	int64_t patient_id;
	const char *provider; /* required */
	const char *location; /* NULL = "" */
	int64_t starts_at;
	int duration_min;     /* 1..1440 */
	const char *status;   /* NULL: scheduled when new or moved, else kept */
};

/* Adds or updates the tenant's appointment with this EHR id, inside the caller's transaction.
 * *moved is true when an existing appointment got a new start time: its reminders are then
 * superseded (store_ehr_supersede) by the caller. *id_out the appointment. */
int store_ehr_appt_upsert(struct store *s, int64_t tenant_id, const struct ehr_appt_row *r, int64_t now,
			  int64_t *id_out, bool *created, bool *moved, char **err);
/* The appointment with this EHR id; SD_NOTFOUND. */
int store_ehr_appt_find(struct store *s, int64_t tenant_id, const char *ehr_id, int64_t *id, char **err);
/* The EHR id of an appointment (malloc'd, NULL when it has none). */
int store_ehr_appt_ehr_id(struct store *s, int64_t appointment_id, char **ehr_id, char **err);

/* The tenant's patient with this external id; SD_NOTFOUND. */
int store_ehr_patient_by_external(struct store *s, int64_t tenant_id, const char *external_id, int64_t *id,
				  char **err);

/* Cancels the queued (not yet sent) messages about an appointment with the reason; *count. */
int store_ehr_cancel_queued(struct store *s, int64_t appointment_id, const char *reason, int *count, char **err);
/* Moves the appointment's reminder rows to ehr_superseded_reminders (after cancelling its
 * queued messages) so the new time gets fresh reminders; *count rows moved. */
int store_ehr_supersede(struct store *s, int64_t appointment_id, int64_t now, int *count, char **err);

/* Records (landline E.164) or clears (NULL) the patient's non-mobile phone from the EHR. */
int store_ehr_set_landline(struct store *s, int64_t tenant_id, int64_t patient_id, const char *landline,
			   int64_t now, char **err);
/* The landline on record (malloc'd) or NULL. */
int store_ehr_landline(struct store *s, int64_t patient_id, char **landline, char **err);

/* The received-message log. store_ehr_inbound_seen: SD_NOTFOUND when (sender, control id) is
 * new, else 0 with the ACK code it got. */
int store_ehr_inbound_seen(struct store *s, const char *sender, const char *control_id, char code[3], char **err);
int store_ehr_inbound_record(struct store *s, int64_t tenant_id, const char *sender, const char *control_id,
			     const char *type, const char *code, const char *detail, int64_t now, char **err);

/* ---- status export ---- */
struct ehr_appt_status {
	int64_t appointment_id;
	char *ehr_id;
	char *patient_external_id; /* NULL when the patient has none */
	int64_t starts_at;
	char *status;              /* scheduled, confirmed, reschedule_requested, cancelled, ... */
	int64_t updated_at;
};
void ehr_appt_status_list_free(struct ehr_appt_status **list, size_t n);
/* The tenant's appointments that came from the EHR, changed after `since`, by change time. */
int store_ehr_appt_statuses(struct store *s, int64_t tenant_id, int64_t since, struct ehr_appt_status **out,
			    size_t *n, char **err);

/* ---- the FHIR server's bearer token, encrypted (store/ehr_cred.c) ---- */
int store_ehr_token_put(struct store *s, int64_t tenant_id, const unsigned char *nonce, size_t nonce_len,
			const unsigned char *ct, size_t ct_len, char **err);
/* SD_NOTFOUND when none is set; *nonce and *ct malloc'd. */
int store_ehr_token_get(struct store *s, int64_t tenant_id, unsigned char **nonce, size_t *nonce_len,
			unsigned char **ct, size_t *ct_len, char **err);

/* ---- write-back outbox ---- */
struct ehr_out {
	int64_t id;
	int64_t tenant_id;
	int64_t appointment_id; /* 0 for an opt-out */
	int64_t patient_id;
	char *event;            /* confirmed, reschedule, cancelled, opted_out */
	char *control_id;
	char *status;           /* pending, sending, sent, failed */
	int attempts;
	int64_t next_attempt_at;
	char *last_error;
	int64_t created_at;
	int64_t sent_at;
};
void ehr_out_list_free(struct ehr_out **list, size_t n);

/* Queues one write-back in the caller's transaction; control_id must be unique. */
int store_ehr_out_add(struct store *s, int64_t tenant_id, int64_t appointment_id, int64_t patient_id,
		      const char *event, const char *control_id, int64_t now, int64_t *id_out, char **err);
/* Claims up to limit rows due by now (pending, or sending claimed before stale_before: a
 * sender died between send and ACK) for sending: status sending, attempts + 1. */
int store_ehr_out_claim(struct store *s, int64_t now, int64_t stale_before, size_t limit, struct ehr_out **out,
			size_t *n, char **err);
/* After a try: sent (the EHR said AA), failed (final, with why), or pending again at retry_at. */
int store_ehr_out_done(struct store *s, int64_t id, const char *status, const char *why, int64_t retry_at,
		       int64_t now, char **err);
/* Rows of a tenant (0 = all), newest first, at most limit (0 = all). */
int store_ehr_out_list(struct store *s, int64_t tenant_id, size_t limit, struct ehr_out **out, size_t *n,
		       char **err);

#endif
