/* Campaigns and recalls: the campaign rows, one recipient row per patient, the candidate
 * query behind a preview, and results. Owner: store/campaigns.c (results in
 * store/campaign_results.c) */
#ifndef SMSDESK_STORE_CAMPAIGNS_H
#define SMSDESK_STORE_CAMPAIGNS_H

struct campaign {
	int64_t id;
	int64_t tenant_id;
	char *name;
	char *kind;   /* care, marketing */
	char *body;   /* {patientName} {clinicName} {clinicPhone} */
	char *filter; /* the filter in words */
	char *status; /* draft, sending, stopped, done */
	char *created_by;
	int64_t created_at, started_at, finished_at, updated_at;
	int per_minute; /* its own pace; 0: the location's (send_per_minute) */
};
void campaign_free(struct campaign *c);
void campaign_list_free(struct campaign **list, size_t n);

/* Who a campaign's filter finds, resolved into times by the core (src/campaign.c). */
struct campaign_query {
	int64_t tenant_id;
	int64_t now;
	int64_t last_visit_before;  /* the latest past visit (not cancelled, no-show) before this; 0 = any */
	bool no_upcoming;           /* nothing booked from now on */
	int64_t visit_from, visit_to; /* a visit (not cancelled, no-show) in [from, to); 0 = any */
	const char *provider;       /* the visits above with this provider; NULL = any */
};

/* One patient the query found, with what decides whether a campaign may text them. */
struct campaign_candidate {
	int64_t patient_id;
	char *first_name;
	char *mobile;   /* NULL when none */
	char *timezone; /* NULL: the clinic's */
	bool opted_in;
	bool number_blocked;   /* the number is on the opt-out list */
	bool landline;         /* Twilio said 21614 / 30006 for the number */
	bool consent;          /* care consent on file for this number */
	bool marketing_consent; /* marketing on, with its own consent for this number */
};
void campaign_candidate_list_free(struct campaign_candidate **list, size_t n);

/* Every patient of q->tenant_id that the filter finds, by id. */
int store_campaign_candidates(struct store *s, const struct campaign_query *q, struct campaign_candidate **out,
			      size_t *n, char **err);

/* Adds a draft campaign (status draft); *id_out set. */
int store_campaign_add(struct store *s, const struct campaign *c, int64_t *id_out, char **err);
/* Adds one recipient row: status "pending" or "excluded" (with the reason). */
int store_campaign_add_recipient(struct store *s, int64_t campaign_id, int64_t tenant_id, int64_t patient_id,
				 const char *phone, const char *status, const char *reason, char **err);
int store_campaign_get(struct store *s, int64_t id, struct campaign *out, char **err); /* SD_NOTFOUND */
/* Campaigns of a tenant (0 = all), newest first; status NULL = any. */
int store_campaign_list(struct store *s, int64_t tenant_id, const char *status, struct campaign **out, size_t *n,
			char **err);
/* Sets the status (started_at on the first "sending", finished_at on "done"); updated_at now. */
int store_campaign_set_status(struct store *s, int64_t id, const char *status, int64_t now, char **err);

struct campaign_recipient {
	int64_t id;
	int64_t campaign_id;
	int64_t tenant_id;
	int64_t patient_id;
	char *phone;
	char *status; /* pending, queued, excluded, skipped, cancelled */
	char *reason;
	int64_t message_id;
	int64_t not_before;
	int64_t released_at;
};
void campaign_recipient_free(struct campaign_recipient *r);

/* The first pending recipient due at now (not_before <= now), by id; SD_NOTFOUND when none. */
int store_campaign_next_pending(struct store *s, int64_t campaign_id, int64_t now, struct campaign_recipient *out,
				char **err);
/* Pending recipients left, due or not. */
int store_campaign_count_pending(struct store *s, int64_t campaign_id, int64_t *n, char **err);
/* A pending recipient waits until not_before (texting hours, the exemption's daily limit). */
int store_campaign_recipient_defer(struct store *s, int64_t id, int64_t not_before, const char *reason,
				   char **err);
/* Moves a pending recipient to "queued" (the message made in the same transaction): -1 with
 * *err when it is no longer pending, so a row is released once. */
int store_campaign_recipient_claim(struct store *s, int64_t id, int64_t now, char **err);
/* Links the message made for a claimed recipient. */
int store_campaign_recipient_link(struct store *s, int64_t id, int64_t message_id, char **err);
/* A pending or claimed recipient that cannot be texted now (opted out since): "skipped". */
int store_campaign_recipient_skip(struct store *s, int64_t id, const char *reason, char **err);
/* Messages of the campaign in the outbox, not yet with Twilio (queued or sending). */
int store_campaign_outstanding(struct store *s, int64_t campaign_id, int64_t *n, char **err);
/* Stop: the campaign's messages still "queued" are canceled (a sender claims only "queued"
 * rows, so none of them can have gone) and their recipients are pending again, to go on a
 * resume. *n how many. */
int store_campaign_unqueue(struct store *s, int64_t campaign_id, int64_t now, int64_t *n, char **err);

/* Where a campaign stands. */
struct campaign_results {
	int64_t recipients;            /* rows */
	int64_t excluded, pending, skipped, cancelled;
	int64_t queued;                /* with a message: the rest split by the message's status */
	int64_t outbox;                /* still ours: queued, sending */
	int64_t sent;                  /* Twilio has it (accepted .. delivered, undelivered) */
	int64_t delivered, failed;
	int64_t replied;               /* an inbound text from the number after the campaign's */
	int64_t booked;                /* a visit made after the text, for after it (not cancelled) */
	int64_t segments;
	int64_t cost_micros;           /* segments at the location's price, once Twilio has them */
};
int store_campaign_results(struct store *s, int64_t campaign_id, struct campaign_results *out, char **err);

/* Reasons with their counts (excluded and skipped rows), most first. */
struct campaign_reason {
	char *status;
	char *reason;
	int64_t count;
};
int store_campaign_reasons(struct store *s, int64_t campaign_id, struct campaign_reason **out, size_t *n,
			   char **err);
void campaign_reason_list_free(struct campaign_reason **list, size_t n);

#endif
