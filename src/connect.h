/* Builds a tenant's Twilio client from its settings and its decrypted secret.
 * Owner: src/connect.c */
#ifndef SMSDESK_CONNECT_H
#define SMSDESK_CONNECT_H
#include <stdint.h>
#include "store/store.h"
#include "src/twilio.h"
#include "src/vault.h"

/* Reads the tenant (account SID, API key SID, api_base, CA bundle setting), decrypts the auth
 * token or API key secret, makes the client and wipes the secret. Clear error when unset. */
int connect_tenant_client(struct store *s, const struct vault *v, int64_t tenant_id,
			  struct twilio_client **out, char **err);

/* A cache of one client per tenant (one kept-alive connection each), for a drain or a pass. */
struct client_cache;
struct client_cache *client_cache_new(struct store *s, const struct vault *v);
void client_cache_free(struct client_cache **cp);
/* Matches outbox_client_fn: pass the cache as ctx. */
struct twilio_client *client_cache_get(void *cache, int64_t tenant_id, char **err);

#endif
