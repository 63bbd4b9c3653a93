/* What the reply triage asks the store. Owner: store/triage.c */
#ifndef SMSDESK_STORE_TRIAGE_H
#define SMSDESK_STORE_TRIAGE_H

/* The reminder a free-text reply from phone answers: the one sent last for an upcoming,
 * still only scheduled appointment on that number, and not answered yet. SD_NOTFOUND when
 * nothing waits for an answer (then the text is plain conversation). */
int store_triage_pending(struct store *s, int64_t tenant_id, const char *phone, int64_t now, int64_t *appointment_id,
			 int64_t *reminder_id, char **err);

#endif
