/* The one send path. Every message (staff, auto-reply, reminder, opt-out confirmation)
 * is checked and queued here, then drained to Twilio by whoever holds the sync lease.
 * Owner: src/outbox.c */
#ifndef SMSDESK_OUTBOX_H
#define SMSDESK_OUTBOX_H
#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

#define OUTBOX_MAX_BODY_CHARS 1600 /* Twilio's limit, in characters */
#define OUTBOX_REFUSED 2           /* return value: refused by a rule; *err says which, in words */

struct outbox_request {
	int64_t tenant_id;
	int64_t patient_id;        /* 0: by number only */
	const char *to;            /* E.164; NULL: the patient's mobile */
	const char *body;
	const char *media_urls_json; /* NULL or JSON array text */
	const char *message_type;  /* conversation, auto_reply, reminder, optout_confirm, optin_confirm, help, campaign */
	int64_t appointment_id;    /* 0 = none */
	int64_t reminder_id;       /* 0 = none */
	int64_t sent_by;           /* users.id; 0 = automatic */
	const char *actor;         /* username for the audit log ("system", "scheduler", staff) */
	int64_t not_before;        /* send later: not before this time (Unix s); 0 = now */
	const struct tenant *tenant; /* the caller's copy of location tenant_id, when it holds one
				      * already; NULL: read here */
};

/* Checks the rules (number valid; not opted out unless the type is optout_confirm or help;
 * body not empty and at most 1,600 characters, valid UTF-8) and queues the message, with an
 * audit entry. Returns 0 (queued, *id_out set), OUTBOX_REFUSED with the reason in *err, or
 * -1 on a store error. Never talks to the network. */
int outbox_queue(struct store *s, const struct outbox_request *req, int64_t *id_out, char **err);
/* The same rules without queueing: 0 when outbox_queue would queue it now, OUTBOX_REFUSED
 * with the reason in *err, -1 on a store error. Lets a review screen say up front that a
 * message will be refused, and why. */
int outbox_check(struct store *s, const struct outbox_request *req, char **err);

struct twilio_client;
/* Returns the Twilio client to use for a tenant (cached by the caller: one connection per
 * tenant for a whole drain), or NULL with *err. */
typedef struct twilio_client *(*outbox_client_fn)(void *ctx, int64_t tenant_id, char **err);

struct outbox_stats {
	int sent;       /* accepted by Twilio */
	int failed;     /* permanent failures (final) */
	int retrying;   /* transient failures, queued again with backoff */
	int reconciled; /* stale claims resolved by listing Twilio */
};

/* Claims and POSTs due messages until none is due or max (0 = no limit) were tried.
 * 21610 marks the number opted out (via carrier) and fails its other queued messages. */
int outbox_drain(struct store *s, outbox_client_fn client_for, void *ctx, const char *owner, int max,
		 struct outbox_stats *stats, char **err);

/* Resolves claims left "sending" for more than stale_seconds (a crashed sender): lists
 * Twilio's messages to that number since the claim; a match with the same body is recorded
 * as sent, otherwise the message is queued again. Nothing lost, nothing sent twice. */
int outbox_reconcile(struct store *s, outbox_client_fn client_for, void *ctx, int stale_seconds,
		     struct outbox_stats *stats, char **err);

#endif
