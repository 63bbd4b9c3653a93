/* Campaigns and recalls: a recipient list from a filter, a preview that says who is left out
 * and why, and a paced send that hands each recipient's text to the one send path
 * (src/outbox.c) exactly once. Owner: src/campaign.c (sending: src/campaign_send.c) */
#ifndef SMSDESK_CAMPAIGN_H
#define SMSDESK_CAMPAIGN_H
#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

/* What a campaign's list is made from. Every criterion left 0 / NULL matches everyone. */
struct campaign_filter {
	int64_t tenant_id;
	const char *kind;          /* "care" (recalls, follow-ups) or "marketing" */
	int64_t last_visit_before; /* the last visit was before this (Unix time) */
	int overdue_months;        /* the last visit is more than N months old and nothing is booked */
	int followup_days;         /* had a visit on the clinic's day N days ago (post-procedure follow-up) */
	const char *provider;      /* the follow-up visit was with this provider */
	bool no_upcoming;          /* leave out whoever has a visit booked */
};

/* Why a patient the filter found will not be texted. */
enum campaign_excl {
	CAMPAIGN_OK = 0,
	CAMPAIGN_NO_MOBILE,
	CAMPAIGN_INVALID_NUMBER,
	CAMPAIGN_LANDLINE,
	CAMPAIGN_OPTED_OUT,
	CAMPAIGN_NO_MARKETING_CONSENT,
	CAMPAIGN_NO_CONSENT_EXEMPTION,
	CAMPAIGN_EXCL_N
};
/* The reason in words, as stored on the recipient row and shown in previews. */
const char *campaign_excl_words(enum campaign_excl e);

struct campaign_preview {
	size_t matched;                 /* patients the filter found */
	size_t will_send;
	size_t excluded[CAMPAIGN_EXCL_N]; /* by reason; [CAMPAIGN_OK] unused */
	int segments;                   /* of the text as rendered for the first recipient */
	const char *encoding;           /* "GSM-7" / "UCS-2" (static) */
	int64_t cost_micros;            /* will_send x segments x the location's price */
	int per_minute;                 /* the location's pace */
	int64_t seconds;                /* will_send at that pace */
	char *sample;                   /* the text for the first recipient (malloc'd), or NULL */
	char *filter_words;             /* the filter in words (malloc'd) */
};
void campaign_preview_clear(struct campaign_preview *p);

/* Checks a campaign text: the keyword-reply variables only ({patientName} = first name,
 * {clinicName}, {clinicPhone}), and it must tell how to opt out ("STOP"). -1 with *err. */
int campaign_check_body(const char *body, char **err);

/* Counts who the filter finds and who would be left out, and why. now fixes "today". */
int campaign_preview(struct store *s, const struct campaign_filter *f, const char *body, int64_t now,
		     struct campaign_preview *out, char **err);

/* Makes a draft campaign with one recipient row per patient found (excluded ones with their
 * reason), audited (campaign.create). *pv (may be NULL) gets the preview. */
int campaign_create(struct store *s, const struct campaign_filter *f, const char *name, const char *body,
		    int64_t user_id, const char *actor, int64_t now, int64_t *id_out, struct campaign_preview *pv,
		    char **err);

/* Starts or resumes sending (draft or stopped -> sending), audited (campaign.start). */
int campaign_start(struct store *s, int64_t id, int64_t user_id, const char *actor, char **err);
/* Stops it (-> stopped): what is still queued in the outbox is taken back, unsent, to go on a
 * resume; a text already with a sender goes. Audited (campaign.stop); *unqueued how many. */
int campaign_stop(struct store *s, int64_t id, int64_t user_id, const char *actor, int64_t *unqueued,
		  char **err);

/* The messages per minute a location sends campaign texts at. */
int campaign_pace(const struct tenant *t);

/* ---- sending (src/campaign_send.c) ---------------------------------------------------- */

/* Each location's token bucket: campaign texts are handed to the outbox no faster than the
 * location's pace. Owned by whoever runs the send loop (the sync engine). */
struct campaign_pacer;
struct campaign_pacer *campaign_pacer_new(void);
void campaign_pacer_free(struct campaign_pacer **pp);

struct campaign_tick {
	int released;  /* texts handed to the outbox */
	int skipped;   /* recipients who cannot be texted any more (opted out since the list) */
	int deferred;  /* waiting for texting hours or the exemption's daily limit */
	int finished;  /* campaigns that have nothing left */
	bool active;   /* some campaign is sending */
	int64_t next_ms; /* when a text may next be released (clock_mono_ms); 0 when not active */
};

/* Releases what the pace allows of every sending campaign: each recipient's text is queued
 * in the same transaction that moves its row out of "pending", so a crash anywhere leaves
 * it either pending or queued, never both, and the outbox sends it once. now_ms is
 * clock_mono_ms(); now is clock_now(). */
int campaign_release(struct store *s, struct campaign_pacer *p, int64_t now, int64_t now_ms,
		     struct campaign_tick *out, char **err);

#endif
