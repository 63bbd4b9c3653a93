/* The sync engine: one pass of Twilio work for every tenant (inbound poll, delivery-status
 * refresh, stale-claim reconcile, outbox drain), done only by the holder of the sync lease.
 * Owner: src/sync.c and src/status.c */
#ifndef SMSDESK_SYNC_H
#define SMSDESK_SYNC_H
#include <stdbool.h>
#include "store/store.h"
#include "src/filler.h"
#include "src/outbox.h"
#include "src/twilio.h"
#include "src/vault.h"

#define SYNC_LEASE_NAME "sync"
#define SYNC_LEASE_TTL 90 /* seconds; renewed every pass */

/* Refreshes the tenant's non-final outbound messages (fetch each by SID, at most limit);
 * 21610 in a status opts the number out (via carrier). */
int status_refresh(struct store *s, struct twilio_client *c, const struct tenant *t, int limit,
		   int *updated, char **err);

struct sync_engine;

/* owner names this process in the lease and in claims ("scheduler@host:pid", "console@..."). */
int sync_engine_new(struct store *s, const struct vault *v, const char *owner,
		    struct sync_engine **out, char **err);
void sync_engine_free(struct sync_engine **ep);

struct sync_report {
	int inbound_new;
	int inbound_unmatched; /* listed inbound messages no location (or several) matched */
	int status_updates;
	int media_stored; /* MMS photos fetched and stored encrypted */
	int media_failed; /* photo fetches that failed (retried later) or were refused */
	struct outbox_stats outbox;
	int tenants_ok;
	int tenants_failed;
	struct filler_report filler; /* the cancellation filler's step (src/filler.c) */
	int campaign_released;  /* campaign texts handed to the outbox (src/campaign_send.c) */
	bool campaign_active;   /* a campaign is sending: call sync_engine_campaign_tick soon */
	int64_t campaign_next_ms; /* when (clock_mono_ms) it can release the next text */
	char *last_error; /* malloc'd words for the status bar, NULL when all went well */
};
void sync_report_clear(struct sync_report *r);

/* Takes or renews the lease; *holding false means another process holds it (do nothing). */
int sync_engine_lease(struct sync_engine *e, bool *holding, char **err);
void sync_engine_release(struct sync_engine *e);
/* One pass over every tenant that has Twilio settings. Per-tenant failures are recorded in
 * sync_state and the report, and do not stop the other tenants. */
int sync_engine_pass(struct sync_engine *e, struct sync_report *r, char **err);
/* Between passes while a campaign is sending: under the lease, releases the campaign texts
 * the locations' paces allow and drains the outbox. r->campaign_next_ms says when to call
 * again (r->campaign_active false: no campaign is sending). Nothing when not holding. */
int sync_engine_campaign_tick(struct sync_engine *e, struct sync_report *r, char **err);

#endif
