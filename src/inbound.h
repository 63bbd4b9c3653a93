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

/* A tenant's keyword rows, loaded once for many messages (the poller loads them per page,
 * inside the page's write transaction, so no one can change them meanwhile). */
struct inbound_keywords {
	struct auto_response *rows;
	size_t n;
};
int inbound_keywords_load(struct store *s, int64_t tenant_id, struct inbound_keywords *kw, char **err);
void inbound_keywords_free(struct inbound_keywords *kw);

/* inbound_process with the keyword rows given: the caller holds a transaction in which
 * they were loaded. */
int inbound_process_with(struct store *s, const struct tenant *t, const struct sms_message *m,
			 const struct inbound_keywords *kw, bool *processed, char **err);

#endif
