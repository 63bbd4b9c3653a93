/* What store/messages.c shares with store/msg_claims.c: the message columns and the row
 * helpers. Private to the store. */
#ifndef SMSDESK_STORE_MESSAGES_INTERNAL_H
#define SMSDESK_STORE_MESSAGES_INTERNAL_H

#include "store/internal.h"
#include "store/messages.h"

/* Every SELECT of a message lists these columns in this order (see read_message). */
#define MSG_COLS                                                                                             \
	"id, tenant_id, thread_id, patient_id, twilio_sid, direction, from_number, to_number, body, "        \
	"media_urls, segments, encoding, status, error_code, error_message, message_type, "                  \
	"appointment_id, reminder_id, sent_by, attempts, next_attempt_at, claimed_at, claim_owner, "         \
	"created_at, sent_at, delivered_at, updated_at"

/* The WHERE term of the partial index messages_open (001), written out so that queries on
 * one of these statuses can use that index. */
#define OPEN_STATUS "status IN ('queued', 'sending', 'accepted', 'scheduled', 'sent')"

/* Steps st (selecting MSG_COLS) to the end, collecting every row into a new array. */
int msg_collect(struct store *s, sqlite3_stmt *st, struct sms_message **out, size_t *n, char **err,
		const char *doing);
/* Runs a bound statement that returns no rows. */
int msg_run(struct store *s, sqlite3_stmt *st, char **err, const char *doing);

#endif
