/* MMS media of inbound messages: what is still to fetch, what was refused and why, and the
 * encrypted bytes (the crypto is src/vault.c; the fetching src/media.c). Owner: store/media.c */
#ifndef SMSDESK_STORE_MEDIA_H
#define SMSDESK_STORE_MEDIA_H

/* One media row. idx 0 stands for "the message's media list is still to be fetched". */
struct sms_media {
	int64_t id;
	int64_t tenant_id;
	int64_t message_id;
	int idx;              /* 1-based place in the message; 0: the list itself */
	char *message_sid;    /* the message's Twilio SID (filled by the listing queries) */
	char *media_sid;      /* ME..., NULL for idx 0 */
	char *content_type;
	int64_t size;         /* bytes of the photo (plaintext), 0 until stored */
	char *state;          /* pending, stored, failed (retried), refused (final) */
	char *reason;         /* why it failed or was refused, for people */
	int attempts;
	int64_t next_try_at;
	int64_t created_at;
	int64_t updated_at;
};

void sms_media_free(struct sms_media *m);
void sms_media_list_free(struct sms_media **list, size_t n);

/* Notes that a message has media to fetch (its idx 0 row, due at now); nothing when noted. */
int store_media_expect(struct store *s, int64_t tenant_id, int64_t message_id, int64_t now, char **err);
/* A tenant's rows due at now (pending or failed with next_try_at <= now), oldest first. */
int store_media_due(struct store *s, int64_t tenant_id, int64_t now, size_t limit, struct sms_media **out,
		    size_t *n, char **err);
/* The media list came: the idx 0 row becomes rows 1..n (media_sid and content_type from items),
 * pending and due at now, in one transaction. n 0 just drops the idx 0 row. */
int store_media_listed(struct store *s, int64_t message_id, const struct sms_media *items, size_t n,
		       int64_t now, char **err);
/* The encrypted photo: state stored, reason cleared. */
int store_media_put(struct store *s, int64_t id, const char *content_type, int64_t size,
		    const unsigned char *nonce, size_t nonce_len, const unsigned char *ct, size_t ct_len,
		    char **err);
/* A failure: refused (final, never fetched again) or failed (tried again at next_try_at);
 * attempts + 1 either way. */
int store_media_fail(struct store *s, int64_t id, bool refused, const char *reason, int64_t next_try_at,
		     char **err);
/* The rows of one message, by idx (the list row included while it is due). */
int store_media_list_message(struct store *s, int64_t message_id, struct sms_media **out, size_t *n,
			     char **err);
/* The rows of every message of a thread (message_id, idx order), for the thread view. */
int store_media_list_thread(struct store *s, int64_t thread_id, struct sms_media **out, size_t *n,
			    char **err);
/* One row (SD_NOTFOUND) and, when nonce is not NULL, its encrypted bytes (malloc'd). */
int store_media_get(struct store *s, int64_t id, struct sms_media *out, unsigned char **nonce,
		    size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err);

#endif
