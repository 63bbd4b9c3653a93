/* Send later: outbound messages waiting in the outbox for a set time. Owner: store/scheduled.c */
#ifndef SMSDESK_STORE_SCHEDULED_H
#define SMSDESK_STORE_SCHEDULED_H

struct scheduled_send {
	int64_t message_id;
	int64_t tenant_id;
	int64_t thread_id;
	int64_t patient_id;
	char *to_number;
	char *body;
	int64_t send_at;  /* next_attempt_at */
	int64_t sent_by;  /* users.id, 0 = automatic */
};

void scheduled_send_free(struct scheduled_send *m);
void scheduled_send_list_free(struct scheduled_send **list, size_t n);

/* Queued messages of the tenant (thread_id 0 = all threads) not tried yet and due after now,
 * soonest first. */
int store_scheduled_list(struct store *s, int64_t tenant_id, int64_t thread_id, int64_t now,
			 struct scheduled_send **out, size_t *n, char **err);
/* Cancels a message that is still queued and untried (status -> canceled); SD_NOTFOUND when
 * it is not (already sending or sent: too late). */
int store_scheduled_cancel(struct store *s, int64_t tenant_id, int64_t message_id, int64_t at, char **err);

#endif
