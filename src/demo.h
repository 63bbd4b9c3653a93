/* Demo data for `smsdesk --demo`: patients, appointments and threads that show every feature.
 * Owner: src/demo.c */
#ifndef SMSDESK_DEMO_H
#define SMSDESK_DEMO_H
#include <stdint.h>
#include "store/store.h"

#define DEMO_PATIENTS 30
#define DEMO_FROM_NUMBER "+15005550006" /* Twilio's magic valid From, when the tenant has none */

/* Fills tenant_id (which must exist and have no patients yet) with DEMO_PATIENTS patients
 * on fictional +1 312 555-01xx numbers (three share a family phone, one lives in another
 * zone), appointments over the 7 days after now, and thread history: delivered reminders,
 * replies with emoji, a 600-character message, one carrying terminal escape sequences, a
 * failed delivery (30003), an opted-out number and unread messages. One transaction. */
int demo_populate(struct store *s, int64_t tenant_id, int64_t now, char **err);

#endif
