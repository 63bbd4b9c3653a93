/* The inbound processor: store an inbound message and act on it, exactly once.
 * Owner: src/inbound.c (with src/keywords.c) */
#ifndef SMSDESK_INBOUND_H
#define SMSDESK_INBOUND_H
#include <stdbool.h>
#include "store/store.h"

/* Stores m (direction inbound, keyed by m->twilio_sid) and, in the same transaction, matches
 * the patient and the keyword, runs its action and queues the reply (src/outbox.h).
 * *processed is false when the SID was already stored (nothing done). */
int inbound_process(struct store *s, const struct tenant *t, const struct sms_message *m,
		    bool *processed, char **err);

#endif
