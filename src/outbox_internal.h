/* Shared by the three parts of the send path only: src/outbox.c (checks, queue),
 * src/outbox_drain.c (sending) and src/outbox_reconcile.c (stale claims). */
#ifndef SMSDESK_OUTBOX_INTERNAL_H
#define SMSDESK_OUTBOX_INTERNAL_H
#include <stdbool.h>
#include "store/store.h"
#include "src/outbox.h"

#define OUTBOX_MAX_ATTEMPTS 8
#define OUTBOX_MAX_MEDIA 10 /* Twilio's limit per message */

/* Parses a stored media list (a JSON array of http(s) URLs) into urls (malloc'd each); the
 * count (0 for NULL), or -1 when it is not such a list. */
int outbox_media_parse(const char *json, char *urls[OUTBOX_MAX_MEDIA]);

/* Only these may still go to a number that opted out (CTIA; compliance.md). */
bool outbox_type_allowed_when_opted_out(const char *type);

/* Refuses (OUTBOX_REFUSED, the reason in *err) when the patient or the number opted out;
 * -1 on a store error, 0 when the message may go. who names the recipient in the reason. */
int outbox_check_opt_out(struct store *s, const struct outbox_request *req, const char *to, const char *who,
			 char **err);

/* Appends the audit entry for what happened to message m (its id as the target). */
int outbox_audit_msg(struct store *s, const struct sms_message *m, const char *actor, const char *action,
		     const char *detail, char **err);

#endif
