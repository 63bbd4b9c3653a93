/* Polling cursors and the sync lease. Owner: store/sync.c */
#ifndef SMSDESK_STORE_SYNC_H
#define SMSDESK_STORE_SYNC_H

struct sync_state {
	int64_t tenant_id;
	int64_t inbound_cursor; /* DateSent (Unix s) up to which inbound is complete */
	int64_t last_poll_at;
	int64_t last_ok_at;
	char *last_error;       /* NULL when the last poll succeeded */
};

void sync_state_free(struct sync_state *st);
/* A missing row reads as all zeros (never SD_NOTFOUND). */
int store_sync_get(struct store *s, int64_t tenant_id, struct sync_state *out, char **err);
int store_sync_set_cursor(struct store *s, int64_t tenant_id, int64_t cursor, char **err);
/* Records a poll: error NULL = success (last_ok_at = at). */
int store_sync_record_poll(struct store *s, int64_t tenant_id, int64_t at, const char *error, char **err);

/* Takes or renews the lease `name` for holder until now + ttl. *got is false when another
 * holder has it unexpired. */
int store_lease_acquire(struct store *s, const char *name, const char *holder, int64_t now, int ttl,
			bool *got, char **err);
int store_lease_release(struct store *s, const char *name, const char *holder, char **err);
/* Who holds it now (NULL in *holder when free or expired). */
int store_lease_holder(struct store *s, const char *name, int64_t now, char **holder, char **err);

#endif
