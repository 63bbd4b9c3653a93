/* The cancellation filler: the waitlist, one offer per cancelled slot and its chain of
 * patients offered it. Owner: store/filler.c */
#ifndef SMSDESK_STORE_FILLER_H
#define SMSDESK_STORE_FILLER_H

struct waitlist_entry {
	int64_t id;
	int64_t tenant_id;
	int64_t patient_id;
	char *provider;       /* NULL: any */
	int64_t from_at, to_at; /* a visit starting in [from_at, to_at) */
	char *status;         /* waiting, booked, removed */
	char *created_by;
	int64_t created_at;
	char *patient_name;   /* "First Last" (lists only) */
};
void waitlist_entry_list_free(struct waitlist_entry **list, size_t n);

int store_waitlist_add(struct store *s, const struct waitlist_entry *w, int64_t *id_out, char **err);
/* The tenant's entries (every status), oldest first. */
int store_waitlist_list(struct store *s, int64_t tenant_id, struct waitlist_entry **out, size_t *n, char **err);
/* waiting -> removed (by staff) or booked (the filler); -1 with *err when not waiting. */
int store_waitlist_set_status(struct store *s, int64_t id, const char *status, char **err);
/* The patient's waiting entries whose range holds starts_at are booked (they got a slot). */
int store_waitlist_mark_booked(struct store *s, int64_t patient_id, int64_t starts_at, char **err);

struct slot_offer {
	int64_t id;
	int64_t tenant_id;
	int64_t appointment_id; /* the cancelled visit */
	int64_t cancelled_by;   /* its patient */
	char *provider;
	char *location;
	int64_t starts_at;
	int duration_min;
	char *status;           /* open, filled, expired, exhausted */
	int64_t filled_by;
	int64_t new_appointment_id;
	int64_t created_at, updated_at;
};
void slot_offer_free(struct slot_offer *o);
void slot_offer_list_free(struct slot_offer **list, size_t n);

/* Makes an offer for every visit cancelled since `since` that starts after `after` and has
 * none yet, at locations whose filler is on (setting "filler" not "off"); *made how many. */
int store_offer_open_new(struct store *s, int64_t since, int64_t after, int64_t now, int *made, char **err);
int store_offer_get(struct store *s, int64_t id, struct slot_offer *out, char **err); /* SD_NOTFOUND */
/* Offers of a tenant (0 = all), newest first; status NULL = any; limit 0 = all. */
int store_offer_list(struct store *s, int64_t tenant_id, const char *status, size_t limit, struct slot_offer **out,
		     size_t *n, char **err);
/* open -> status (filled: with who and the new visit); SD_NOTFOUND when no longer open, so
 * only one caller wins a slot. */
int store_offer_close(struct store *s, int64_t id, const char *status, int64_t filled_by, int64_t new_appt,
		      int64_t now, char **err);

/* Fills the chain: waiting waitlist entries that fit the slot (provider or any, the day in
 * their range), oldest first, then patients overdue for a recall (last visit before
 * recall_before, nothing booked), longest overdue first; never the patient who cancelled or
 * one without a mobile. recall_before 0: waitlist only. */
int store_offer_build_chain(struct store *s, const struct slot_offer *o, int64_t recall_before, int max_recall,
			    char **err);

struct offer_link {
	int64_t id;
	int64_t offer_id;
	int64_t patient_id;
	char *phone;
	char *source;   /* waitlist, recall */
	int rank;
	char *status;   /* waiting, offered, won, told_taken, no_answer, skipped */
	char *reason;
	int64_t message_id;
	int64_t offered_at, answered_at;
	char *patient_name;
	char *first_name;
	char *timezone; /* the patient's, NULL: the clinic's */
};
void offer_link_list_free(struct offer_link **list, size_t n);
/* The chain of an offer, by rank. */
int store_offer_chain(struct store *s, int64_t offer_id, struct offer_link **out, size_t *n, char **err);
/* Sets a link's status (and reason, message, times when not 0 / NULL). */
int store_offer_link_set(struct store *s, int64_t link_id, const char *status, const char *reason, int64_t message_id,
			 int64_t offered_at, int64_t answered_at, char **err);
/* The first inbound message (id, time, body) from phone at the tenant since `since`, in the
 * order they were stored, whose normalized body the caller checks; *found false when none.
 * Each call returns the messages after after_id. */
int store_offer_next_reply(struct store *s, int64_t tenant_id, const char *phone, int64_t since, int64_t after_id,
			   int64_t *id, int64_t *at, char **body, char **err);

#endif
