/* Inbound polling: list a tenant's inbound messages since its cursor, page by page, and
 * process each exactly once. Owner: src/poll.c (the inbound/keywords work) */
#ifndef SMSDESK_POLL_H
#define SMSDESK_POLL_H
#include "store/store.h"
#include "src/twilio.h"

struct poll_stats {
	int pages;
	int seen;      /* messages listed */
	int processed; /* new ones processed */
	int unmatched; /* inbound ones listed that belong to no location (or to more than one) */
};

/* Lists messages To the tenant's number (or its messaging service's numbers) with DateSent
 * from the cursor (minus a safety overlap: Twilio filters by day), follows next_page_uri,
 * calls inbound_process() for each inbound one that belongs to this tenant, then advances
 * the cursor. Each inbound message belongs to exactly one location of the same account: the
 * one whose number it was sent To, else the one whose Messaging Service received it; one
 * that matches none (or several) is attached to none and counted in stats->unmatched. A failure leaves
 * the cursor where it was (the next poll repeats; SIDs make that harmless). */
int poll_inbound(struct store *s, struct twilio_client *c, const struct tenant *t,
		 struct poll_stats *stats, char **err);

#endif
