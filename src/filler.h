/* The cancellation filler: a cancelled visit (X reply, staff, an EHR feed: whatever set the
 * appointment "cancelled") is offered by text to the waitlist, then to patients overdue for a
 * recall, a few at a time within texting hours. The first "BOOK" reply wins the slot (one
 * conditional UPDATE), is booked and told so; the others offered are told it is taken. Runs
 * in the sync pass, under the lease. Owner: src/filler.c */
#ifndef SMSDESK_FILLER_H
#define SMSDESK_FILLER_H
#include <stdint.h>
#include "store/store.h"

#define FILLER_BATCH 3            /* patients offered a slot at once */
#define FILLER_WAIT (20 * 60)     /* seconds a batch has before the next is asked */
#define FILLER_LEAD (2 * 3600)    /* a slot starting sooner than this is not offered any more */
#define FILLER_MAX_RECALL 20      /* recall-overdue patients put in one chain */
#define FILLER_ACCEPT "BOOK"      /* the reply that takes a slot (normalized) */

struct filler_report {
	int opened;  /* new offers for cancelled visits */
	int offered; /* texts offering a slot */
	int filled;  /* slots booked by a reply */
	int taken;   /* "it is taken" texts */
	int closed;  /* offers expired or with nobody left */
};

/* One pass over every location: opens offers for new cancellations, books the first BOOK
 * reply, offers the next few patients. Everything audited (filler.*). */
int filler_pass(struct store *s, int64_t now, struct filler_report *r, char **err);

#endif
