/* MMS photos of inbound messages: fetched after the text (never holding it back), kept
 * encrypted with the vault key, shown as labels, saved decrypted for the chart on request
 * (audited). Owner: src/media.c */
#ifndef SMSDESK_MEDIA_H
#define SMSDESK_MEDIA_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "src/twilio.h"
#include "src/vault.h"

#define MEDIA_MAX_ATTEMPTS 10	   /* a failing media is given up (refused) after this many tries */
#define MEDIA_BACKOFF_CAP 21600	   /* seconds: retries at most 6 hours apart */
#define MEDIA_SYNC_LIMIT 20	   /* media rows worked per tenant per pass */
#define MEDIA_PASS_BUDGET_MS 20000 /* photo work per tenant per pass stops after this; the rest waits */
#define MEDIA_FETCH_TIMEOUT_MS 30000 /* one photo's download */

struct media_stats {
	int listed;  /* media lists fetched */
	int stored;  /* photos stored */
	int failed;  /* failures that will be tried again */
	int refused; /* refused for good */
};

/* Notes, inside the caller's transaction, that the stored inbound message with this SID has
 * media to fetch (poll does this when NumMedia > 0). */
int media_expect(struct store *s, const struct tenant *t, const char *message_sid, char **err);

/* Works the tenant's due media (at most limit rows; 0: MEDIA_SYNC_LIMIT; for at most
 * MEDIA_PASS_BUDGET_MS, the rest left due for the next pass): fetches media lists
 * and photos, stores each photo encrypted, records failures with their reason and a back-off.
 * A media's failure is recorded on its row, not returned: -1 only for a store failure. */
int media_sync(struct store *s, struct twilio_client *c, const struct vault *v, const struct tenant *t,
	       int limit, struct media_stats *stats, char **err);

/* The label of a media row for the thread and the CLI, such as "[photo 1: image/jpeg 240 KB]"
 * or "[photo 2 refused: ...]" (at most len bytes). */
void media_label(const struct sms_media *m, char *buf, size_t len);

/* Decrypts a stored photo: *data (malloc'd, *len bytes; wipe with sodium_memzero before
 * free), *meta filled (sms_media_free it). */
int media_read(struct store *s, const struct vault *v, int64_t media_id, struct sms_media *meta,
	       unsigned char **data, size_t *len, char **err);

/* Saves a stored photo decrypted into dir (created 0700 when missing) as a new 0600 file
 * "message-<id>-<idx>.<ext>" (never overwriting: -2, -3 ... when taken) and audits
 * "media.export" as actor. *path_out (malloc'd, may be NULL) names the file. */
int media_export(struct store *s, const struct vault *v, int64_t media_id, const char *dir, int64_t user_id,
		 const char *actor, char **path_out, char **err);

/* media_export, audited as action ("media.open": a copy made for a viewer). */
int media_export_as(struct store *s, const struct vault *v, int64_t media_id, const char *dir, int64_t user_id,
		    const char *actor, const char *action, char **path_out, char **err);

/* The folder photos are saved to when none is given: $SMSDESK_MEDIA_DIR, else
 * $HOME/smsdesk-media (malloc'd). */
char *media_default_dir(void);

#endif
