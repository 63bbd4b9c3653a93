/* The sync engine: under the sync lease, one pass of Twilio work for every tenant (inbound
 * poll, delivery-status refresh), then the outbox (stale-claim reconcile, drain). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sync.h"
#include "src/campaign.h"
#include "src/connect.h"
#include "src/media.h"
#include "src/poll.h"
#include "src/util.h"

#define SYNC_STATUS_LIMIT 200  /* status fetches per tenant per pass */
#define SYNC_STALE_SECONDS 120 /* a claim this old belongs to a sender that stopped */
#define SYNC_DRAIN_CHUNK 50    /* messages between lease renewals */

struct sync_engine {
	struct store *s;
	const struct vault *v;
	char *owner;
	struct client_cache *cache;
	struct campaign_pacer *pacer;
	bool holding;
};

int sync_engine_new(struct store *s, const struct vault *v, const char *owner, struct sync_engine **out,
		    char **err)
{
	if (owner == NULL || *owner == '\0')
		return seterr(err, "the sync engine needs an owner name");
	struct sync_engine *e = xcalloc(1, sizeof(*e));
	e->s = s;
	e->v = v;
	e->owner = xstrdup(owner);
	e->cache = client_cache_new(s, v);
	e->pacer = campaign_pacer_new();
	*out = e;
	return 0;
}

void sync_engine_free(struct sync_engine **ep)
{
	struct sync_engine *e = ep ? *ep : NULL;
	if (e == NULL)
		return;
	client_cache_free(&e->cache);
	campaign_pacer_free(&e->pacer);
	free(e->owner);
	free(e);
	*ep = NULL;
}

void sync_report_clear(struct sync_report *r)
{
	if (r == NULL)
		return;
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

int sync_engine_lease(struct sync_engine *e, bool *holding, char **err)
{
	bool got = false;
	if (store_lease_acquire(e->s, SYNC_LEASE_NAME, e->owner, clock_now(), SYNC_LEASE_TTL, &got, err) != 0)
		return -1;
	e->holding = got;
	if (holding != NULL)
		*holding = got;
	return 0;
}

void sync_engine_release(struct sync_engine *e)
{
	if (e == NULL || !e->holding)
		return;
	char *err = NULL;
	store_lease_release(e->s, SYNC_LEASE_NAME, e->owner, &err);
	free(err);
	e->holding = false;
}

/* Remembers a tenant's failure in the report (the newest one wins the status bar). */
static void report_fail(struct sync_report *r, const char *tenant, const char *why)
{
	free(r->last_error);
	r->last_error = xasprintf("%s: %s", tenant, why ? why : "unknown error");
}

/* Whether the tenant has what sending and polling need. */
static bool tenant_configured(const struct tenant *t)
{
	return t->account_sid && *t->account_sid &&
	       ((t->from_number && *t->from_number) ||
		(t->messaging_service_sid && *t->messaging_service_sid));
}

/* Polls one tenant and refreshes its statuses; records the outcome in sync_state. */
static void pass_tenant(struct sync_engine *e, const struct tenant *t, struct sync_report *r)
{
	char *why = NULL;
	struct twilio_client *c = client_cache_get(e->cache, t->id, &why);
	if (c != NULL) {
		struct poll_stats ps = {0};
		if (poll_inbound(e->s, c, t, &ps, &why) == 0) {
			r->inbound_new += ps.processed;
			r->inbound_unmatched += ps.unmatched;
			int updated = 0;
			char *status_err = NULL;
			/* Delivery status is worth doing even if it fails part way: count what was done. */
			if (status_refresh(e->s, c, t, SYNC_STATUS_LIMIT, &updated, &status_err) != 0)
				why = status_err;
			else
				free(status_err);
			r->status_updates += updated;
			/* Photos after the texts: a slow or failing photo never holds a text back. */
			struct media_stats ms = {0};
			char *media_err = NULL;
			if (media_sync(e->s, c, e->v, t, 0, &ms, &media_err) != 0 && why == NULL)
				why = media_err;
			else
				free(media_err);
			r->media_stored += ms.stored;
			r->media_failed += ms.failed + ms.refused;
		}
	}
	char *rec_err = NULL;
	if (store_sync_record_poll(e->s, t->id, clock_now(), why, &rec_err) != 0)
		free(rec_err);
	if (why != NULL) {
		r->tenants_failed++;
		report_fail(r, t->name, why);
	} else {
		r->tenants_ok++;
	}
	free(why);
}

/* Hands the campaign texts the paces allow to the outbox (drained right after). */
static void pass_campaigns(struct sync_engine *e, struct sync_report *r)
{
	struct campaign_tick tk;
	char *why = NULL;
	if (campaign_release(e->s, e->pacer, clock_now(), clock_mono_ms(), &tk, &why) != 0) {
		report_fail(r, "campaign", why);
		free(why);
	}
	r->campaign_released += tk.released;
	r->campaign_active = tk.active;
	r->campaign_next_ms = tk.next_ms;
}

/* Settles stale claims, then drains in chunks, renewing the lease between chunks so a long
 * drain never outlives it. */
static void pass_outbox(struct sync_engine *e, struct sync_report *r)
{
	char *why = NULL;
	if (outbox_reconcile(e->s, client_cache_get, e->cache, SYNC_STALE_SECONDS, &r->outbox, &why) != 0) {
		report_fail(r, "outbox", why);
		xfree(&why);
	}
	pass_campaigns(e, r);
	for (;;) {
		struct outbox_stats before = r->outbox;
		if (outbox_drain(e->s, client_cache_get, e->cache, e->owner, SYNC_DRAIN_CHUNK, &r->outbox,
				 &why) != 0) {
			report_fail(r, "outbox", why);
			xfree(&why);
			break;
		}
		int done = (r->outbox.sent - before.sent) + (r->outbox.failed - before.failed) +
			   (r->outbox.retrying - before.retrying);
		bool holding = false;
		if (done < SYNC_DRAIN_CHUNK || sync_engine_lease(e, &holding, &why) != 0 || !holding)
			break;
	}
	free(why);
}

int sync_engine_pass(struct sync_engine *e, struct sync_report *r, char **err)
{
	bool holding = false;
	struct tenant *list = NULL;
	size_t n = 0;
	if (sync_engine_lease(e, &holding, err) != 0)
		return -1;
	if (!holding)
		return 0; /* another process does the Twilio work */
	if (store_tenant_list(e->s, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (tenant_configured(&list[i]))
			pass_tenant(e, &list[i], r);
	}
	tenant_list_free(&list, n);
	/* After the polls (a BOOK reply is in), before the outbox (the texts go in this pass). */
	char *why = NULL;
	if (filler_pass(e->s, clock_now(), &r->filler, &why) != 0) {
		report_fail(r, "cancellation filler", why);
		free(why);
	}
	pass_outbox(e, r);
	return 0;
}

int sync_engine_campaign_tick(struct sync_engine *e, struct sync_report *r, char **err)
{
	bool holding = false;
	if (sync_engine_lease(e, &holding, err) != 0)
		return -1;
	if (!holding)
		return 0;
	pass_campaigns(e, r);
	char *why = NULL;
	if (outbox_drain(e->s, client_cache_get, e->cache, e->owner, SYNC_DRAIN_CHUNK, &r->outbox, &why) != 0) {
		report_fail(r, "outbox", why);
		free(why);
	}
	return 0;
}
