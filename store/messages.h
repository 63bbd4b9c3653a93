/* Messages (in and out; the outbound rows are the outbox) and threads.
 * Owner: store/messages.c and store/threads.c */
#ifndef SMSDESK_STORE_MESSAGES_H
#define SMSDESK_STORE_MESSAGES_H

struct sms_message {
	int64_t id;
	int64_t tenant_id;
	int64_t thread_id;
	int64_t patient_id;     /* 0 = none */
	char *twilio_sid;       /* NULL until Twilio accepted it */
	char *direction;        /* "inbound" / "outbound" */
	char *from_number;
	char *to_number;
	char *body;
	char *media_urls;       /* JSON array text or NULL */
	int segments;
	char *encoding;         /* "GSM-7" / "UCS-2" */
	char *status;           /* queued, sending, accepted, scheduled, sent, delivered, undelivered, failed, received, canceled */
	int error_code;         /* 0 = none */
	char *error_message;
	char *message_type;     /* conversation, auto_reply, reminder, optout_confirm, optin_confirm, help, campaign */
	int64_t appointment_id; /* 0 = none */
	int64_t reminder_id;    /* 0 = none */
	int64_t sent_by;        /* users.id, 0 = automatic */
	int attempts;
	int64_t next_attempt_at;
	int64_t claimed_at;
	char *claim_owner;
	int64_t created_at;
	int64_t sent_at;
	int64_t delivered_at;
	int64_t updated_at;
};

void sms_message_free(struct sms_message *m); /* frees the strings, not m */
void sms_message_list_free(struct sms_message **list, size_t n);

/* True for statuses after which Twilio reports nothing more. */
bool sms_status_is_final(const char *status);

/* Queues an outbound message (status "queued"): finds or creates the thread for
 * (tenant, to_number), sets the thread's last message. Checks nothing: the one send path
 * (src/outbox.c) checks opt-out, limits and texting hours before calling this. */
int store_msg_queue(struct store *s, const struct sms_message *m, int64_t *id_out, char **err);

/* Stores an inbound message keyed by its SID. *inserted is false (and nothing changes) when
 * that SID is already stored: the caller must then not process it again. When new: finds or
 * creates the thread for (tenant, from_number), raises its unread count, sets last message. */
int store_msg_insert_inbound(struct store *s, const struct sms_message *m, int64_t *id_out,
			     bool *inserted, char **err);
/* Where a stored message went: its thread and the patient it was stored with (0: none). */
struct msg_placed {
	int64_t thread_id;
	int64_t patient_id;
	bool number_unknown; /* as in struct thread_place */
};
/* The same, saying where the new message went (*placed untouched when not inserted), so the
 * processor need not read the row back. */
int store_msg_insert_inbound_placed(struct store *s, const struct sms_message *m, int64_t *id_out,
				    bool *inserted, struct msg_placed *placed, char **err);

/* Stores an outbound message that Twilio already has (found by listing, e.g. sent from
 * Twilio's console or reconciled after a crash); ignored when its SID is already stored. */
int store_msg_insert_outbound_seen(struct store *s, const struct sms_message *m, bool *inserted, char **err);

int store_msg_get(struct store *s, int64_t id, struct sms_message *out, char **err);            /* SD_NOTFOUND */
int store_msg_get_by_sid(struct store *s, const char *sid, struct sms_message *out, char **err); /* SD_NOTFOUND */
/* 0 when a message with this SID is stored, SD_NOTFOUND when not, -1 on error. */
int store_msg_sid_known(struct store *s, const char *sid, char **err);

/* Messages of a thread, oldest first; the newest `limit` of them (0 = all). */
int store_msg_list_thread(struct store *s, int64_t thread_id, size_t limit,
			  struct sms_message **out, size_t *n, char **err);
/* Messages of a tenant (patient_id 0 = all), newest first, at most limit. */
int store_msg_list(struct store *s, int64_t tenant_id, int64_t patient_id, size_t limit,
		   struct sms_message **out, size_t *n, char **err);

/* What `smsdesk messages` may ask for; every field left 0 / NULL matches anything. */
struct msg_filter {
	int64_t patient_id;       /* 0 = any */
	const char *direction;    /* "inbound" / "outbound" */
	const char *message_type; /* conversation, reminder, auto_reply, ... */
	const char *status;       /* queued, sent, delivered, received, failed, ... */
	int64_t since;            /* created_at >= since (Unix seconds); 0 = any */
};
/* Messages of a tenant matching f (NULL = all), newest first (created_at, then id), at most
 * limit (0 = all). Bound SQL walking messages_by_patient or messages_by_tenant_time from the
 * newest end. */
int store_msg_list_filtered(struct store *s, int64_t tenant_id, const struct msg_filter *f, size_t limit,
			    struct sms_message **out, size_t *n, char **err);

/* Outbox. Claims the oldest queued message of the tenant (tenant_id 0 = any) whose
 * next_attempt_at <= now: status -> "sending", claimed_at = now, claim_owner = owner,
 * attempts + 1, in one statement so two senders never claim the same row.
 * Returns SD_NOTFOUND when nothing is due. */
int store_msg_claim_next(struct store *s, int64_t tenant_id, const char *owner, int64_t now,
			 struct sms_message *out, char **err);
/* The same for up to max rows (at least one) in one statement, oldest first: a sender claims
 * a batch per commit. *out is NULL with *n 0 when nothing is due. */
int store_msg_claim_batch(struct store *s, int64_t tenant_id, const char *owner, int64_t now, size_t max,
			  struct sms_message **out, size_t *n, char **err);
/* Hands back a claim never POSTed (the rest of a batch): "queued" again, its attempt not
 * counted. Only while owner still holds it; SD_NOTFOUND otherwise. */
int store_msg_release_claim(struct store *s, int64_t id, const char *owner, char **err);
/* Twilio accepted it: records SID, Twilio's status, sent_at, clears the claim. */
int store_msg_record_sent(struct store *s, int64_t id, const char *sid, const char *status,
			  int segments, int64_t at, char **err);
/* The POST failed. final: status "failed" with code and text. Not final: back to "queued"
 * with next_attempt_at (the error stays visible on the row). */
int store_msg_record_failure(struct store *s, int64_t id, int code, const char *message,
			     bool final, int64_t next_attempt_at, char **err);
/* The POST's outcome is unknown (a 500, an unreadable answer, a dropped connection): the row
 * stays "sending" with its claim, for the reconcile, and keeps the words of what went wrong
 * (error_message only: no error code, nothing has failed yet). */
int store_msg_note_unsure(struct store *s, int64_t id, const char *message, char **err);
/* Claims left "sending" since before `older_than` (a sender that crashed): for reconciling. */
int store_msg_list_stale_claims(struct store *s, int64_t older_than, struct sms_message **out,
				size_t *n, char **err);
/* Outbound messages with a SID and a non-final status whose next status check
 * (next_attempt_at) is due at `now`, least recently refreshed first, at most limit. */
int store_msg_list_open(struct store *s, int64_t tenant_id, int64_t now, size_t limit,
			struct sms_message **out, size_t *n, char **err);
/* Puts off the next status check of a sent message until `next_at` (INT64_MAX: never again);
 * its status and updated_at stay as they are. */
int store_msg_defer_status(struct store *s, int64_t id, int64_t next_at, char **err);
/* A status from Twilio for the message with this SID; error_code 0 = none; at = when. */
int store_msg_update_status(struct store *s, const char *sid, const char *status, int error_code,
			    const char *error_message, int64_t at, char **err);
/* Fails every queued message to phone (after an opt-out) with code and reason; *count set. */
int store_msg_cancel_queued_to(struct store *s, int64_t tenant_id, const char *phone, int code,
			       const char *reason, int *count, char **err);
/* Outbound messages to phone in the last `seconds` of the given types (comma list, NULL=all),
 * for rate limits such as the healthcare exemption's 1/day 3/week. */
int store_msg_count_recent_to(struct store *s, int64_t tenant_id, const char *phone,
			      const char *types, int64_t since, int *count, char **err);

/* Threads. */
struct sms_thread {
	int64_t id;
	int64_t tenant_id;
	char *phone;
	int64_t patient_id;      /* 0 when unknown or ambiguous */
	char *patient_name;      /* "First Last" of patient_id, NULL when none */
	int patient_count;       /* how many patients have this number (family phone > 1) */
	int unread_count;
	bool needs_action;
	char *action_reason;     /* NULL when none */
	int64_t last_message_at;
	char *last_body;         /* preview of the last message (raw, untrusted) */
	char *last_direction;
	char *last_status;       /* status of the last message */
	char *last_outbound_status; /* status of the last outbound message, NULL when none */
	int64_t assigned_to;     /* users.id; THREAD_FRONT_DESK; THREAD_NOBODY when unassigned */
	char *assignee;          /* "front desk", the username, or NULL */
	int64_t archived_at;     /* 0 while open */
	int64_t triage_message_id; /* the reply a person must read (needs-human lane), 0 = none */
};

#define THREAD_FRONT_DESK 0
#define THREAD_NOBODY (-1)

void sms_thread_free(struct sms_thread *t);
void sms_thread_list_free(struct sms_thread **list, size_t n);

#define THREAD_FILTER_UNREAD 1u
#define THREAD_FILTER_ACTION 2u
#define THREAD_FILTER_MINE 4u        /* assigned to thread_query.user_id */
#define THREAD_FILTER_NEEDS_HUMAN 8u /* a reply to a reminder that triage could not read */
#define THREAD_FILTER_ARCHIVED 16u   /* the archive (done) instead of the open threads */
/* Threads of a tenant by last activity; filter flags above; query matches patient name
 * (case-insensitive substring) or phone digits; NULL/"" = all. offset/limit page. */
int store_thread_list(struct store *s, int64_t tenant_id, unsigned filter, const char *query,
		      size_t offset, size_t limit, struct sms_thread **out, size_t *n, char **err);
/* Where thread_id stands in store_thread_list's order for the same filter and query: *pos
 * threads come before it; *found is false when it is not in that list (then *pos means nothing). */
int store_thread_position(struct store *s, int64_t tenant_id, unsigned filter, const char *query,
			  int64_t thread_id, size_t *pos, bool *found, char **err);
/* The same with every option: filter flags, query, the user "mine" means, page. */
struct thread_query {
	unsigned filter;
	const char *query;
	int64_t user_id;
	size_t offset, limit;
};
int store_thread_query(struct store *s, int64_t tenant_id, const struct thread_query *q,
		       struct sms_thread **out, size_t *n, char **err);
/* store_thread_position for a query with every option (offset and limit unused). */
int store_thread_query_position(struct store *s, int64_t tenant_id, const struct thread_query *q, int64_t thread_id,
				size_t *pos, bool *found, char **err);
/* How many threads of the tenant match filter (user_id for THREAD_FILTER_MINE). */
int store_thread_count(struct store *s, int64_t tenant_id, unsigned filter, int64_t user_id, int *count,
		       char **err);
int store_thread_get(struct store *s, int64_t id, struct sms_thread *out, char **err); /* SD_NOTFOUND */
/* The SELECT ... FROM ... part every thread query starts with (for bench_startup, which runs
 * the inbox's query in the sqlite3 CLI to compare). */
extern const char store_thread_select_sql[];
/* Finds or creates the thread of (tenant, phone), linking the patient when exactly one has it. */
int store_thread_for_phone(struct store *s, int64_t tenant_id, const char *phone, int64_t *id_out, char **err);
/* Where a message of (tenant, phone) goes, in one lookup: what an insert needs. */
struct thread_place {
	int64_t id;
	int64_t patient_id;  /* the thread's patient; 0 when none or a family phone */
	bool number_unknown; /* no patient of the location has this number (so none was reminded) */
};
/* As store_thread_for_phone, filling *out. */
int store_thread_place(struct store *s, int64_t tenant_id, const char *phone, struct thread_place *out,
		       char **err);
int store_thread_mark_read(struct store *s, int64_t id, char **err);
int store_thread_set_action(struct store *s, int64_t id, bool needs_action, const char *reason, char **err);
int store_thread_set_patient(struct store *s, int64_t id, int64_t patient_id, char **err);
/* Assigns to a user, THREAD_FRONT_DESK or THREAD_NOBODY. SD_NOTFOUND for no such thread. */
int store_thread_assign(struct store *s, int64_t id, int64_t user_id, char **err);
/* Archives (done) at time at, or reopens with at 0. Archiving marks it read; a new inbound
 * message reopens it (a trigger). */
int store_thread_archive(struct store *s, int64_t id, int64_t at, char **err);
int store_thread_mark_unread(struct store *s, int64_t id, char **err);
/* Puts the thread in the needs-human lane for message_id, or takes it out with 0. */
int store_thread_set_triage(struct store *s, int64_t id, int64_t message_id, char **err);
int store_unread_total(struct store *s, int64_t tenant_id, int *total, char **err);

#endif
