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
	int per_minute;            /* not a criterion: the campaign's own pace, at most the location's
				    * (0: the location's) */
};

/* The filter as typed: command-line options or the console's form fields (NULL or blank:
 * not given). Both go through campaign_filter_parse. */
struct campaign_filter_text {
	const char *kind;              /* checked by preview / create: "care" or "marketing" */
	const char *overdue_months;    /* 1..240 */
	const char *last_visit_before; /* YYYY-MM-DD in the clinic's zone, or Nd (N days ago) */
	const char *followup_days;     /* 1..3650 */
	const char *provider;          /* with followup_days */
	bool no_upcoming;
	const char *per_minute;        /* 1..the location's pace */
};
/* Parses and checks in into f for location t (f's strings point into in); -1 with *err in
 * words fit for the console and the command line alike. Owner: src/campaign_filter.c */
int campaign_filter_parse(const struct campaign_filter_text *in, const struct tenant *t, int64_t now,
			  struct campaign_filter *f, char **err);

#define CAMPAIGN_NAME_MAX 80 /* characters */
/* A campaign's name: 1 to CAMPAIGN_NAME_MAX characters of valid UTF-8, no control characters. */
int campaign_check_name(const char *name, char **err);

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

#define CAMPAIGN_BODY_MAX 1600 /* characters: Twilio's limit for one message body */
/* Checks a campaign text: valid UTF-8 of at most CAMPAIGN_BODY_MAX characters, the
 * keyword-reply variables only ({patientName} = first name, {clinicName}, {clinicPhone}), no
 * control characters, and it must tell how to opt out ("STOP"). -1 with *err. */
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
/* The pace of campaign c at location t: its own when set and slower, else the location's. */
int campaign_pace_of(const struct tenant *t, int per_minute);

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
