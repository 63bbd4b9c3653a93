/* Builds a tenant's Twilio client from the store and the vault, and caches one per tenant so
 * a drain or a pass keeps one connection alive per tenant. */
#include <stdlib.h>
#include <string.h>
#include "src/connect.h"
#include "src/util.h"

/* Reads the ca_bundle setting: the tenant's own, else the global one (tenant 0); NULL if unset. */
static int ca_bundle_setting(struct store *s, int64_t tenant_id, char **out, char **err)
{
	*out = NULL;
	int rc = store_setting_get(s, tenant_id, "ca_bundle", out, err);
	if (rc == SD_NOTFOUND && tenant_id != 0)
		rc = store_setting_get(s, 0, "ca_bundle", out, err);
	if (rc == SD_NOTFOUND) {
		*out = NULL;
		return 0;
	}
	if (rc == 0 && *out != NULL && (*out)[0] == '\0')
		xfree(out);
	return rc == 0 ? 0 : -1;
}

/* Decrypts the tenant's secret for field into *secret (free with vault_secret_free). */
static int load_secret(struct store *s, const struct vault *v, const struct tenant *t, const char *field,
		       char **secret, char **err)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nonce_len = 0, ct_len = 0;
	*secret = NULL;
	int rc = store_cred_get(s, t->id, field, &nonce, &nonce_len, &ct, &ct_len, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no Twilio %s stored for %s: run `smsdesk settings set-secret %s`",
			      strcmp(field, "auth_token") == 0 ? "auth token" : "API key secret", t->name, field);
	if (rc != 0)
		return -1;
	if (v == NULL)
		rc = seterr(err, "the Twilio %s of %s cannot be decrypted: no key file is open", field, t->name);
	else
		rc = vault_decrypt(v, t->id, field, nonce, nonce_len, ct, ct_len, secret, err);
	free(nonce);
	free(ct);
	return rc;
}

int connect_tenant_client(struct store *s, const struct vault *v, int64_t tenant_id, struct twilio_client **out,
			  char **err)
{
	struct tenant t;
	char *secret = NULL, *ca = NULL;
	*out = NULL;
	memset(&t, 0, sizeof(t));
	int rc = store_tenant_get(s, tenant_id, &t, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no clinic location with id %lld", (long long)tenant_id);
	if (rc != 0)
		return -1;
	rc = -1;
	if (t.account_sid == NULL || t.account_sid[0] == '\0') {
		seterr(err, "no Twilio account SID set for %s: run `smsdesk settings set account_sid AC...`", t.name);
		goto out;
	}
	bool use_key = t.api_key_sid != NULL && t.api_key_sid[0] != '\0';
	const char *field = use_key ? "api_key_secret" : "auth_token";
	if (load_secret(s, v, &t, field, &secret, err) != 0)
		goto out;
	if (ca_bundle_setting(s, tenant_id, &ca, err) != 0)
		goto out;
	struct twilio_config cfg = {
		.api_base = t.api_base && t.api_base[0] ? t.api_base : "https://api.twilio.com",
		.account_sid = t.account_sid,
		.username = use_key ? t.api_key_sid : t.account_sid,
		.password = secret,
		.ca_bundle = ca,
	};
	char *why = NULL;
	if (twilio_client_new(&cfg, out, &why) != 0) {
		seterr(err, "the Twilio connection for %s cannot be set up: %s", t.name, why);
		free(why);
		goto out;
	}
	rc = 0;
out:
	vault_secret_free(&secret);
	free(ca);
	tenant_free(&t);
	return rc;
}

struct cache_entry {
	int64_t tenant_id;
	struct twilio_client *client;
};

struct client_cache {
	struct store *s;
	const struct vault *v;
	struct cache_entry *items;
	size_t n;
};

struct client_cache *client_cache_new(struct store *s, const struct vault *v)
{
	struct client_cache *c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->v = v;
	return c;
}

void client_cache_free(struct client_cache **cp)
{
	struct client_cache *c = cp ? *cp : NULL;
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		twilio_client_free(&c->items[i].client);
	free(c->items);
	free(c);
	*cp = NULL;
}

struct twilio_client *client_cache_get(void *cache, int64_t tenant_id, char **err)
{
	struct client_cache *c = cache;
	if (c == NULL) {
		seterr(err, "no client cache");
		return NULL;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].tenant_id == tenant_id)
			return c->items[i].client;
	struct twilio_client *client = NULL;
	if (connect_tenant_client(c->s, c->v, tenant_id, &client, err) != 0)
		return NULL; /* not cached: the next call tries again (settings may have been fixed) */
	c->items = xrealloc(c->items, (c->n + 1) * sizeof(*c->items));
	c->items[c->n++] = (struct cache_entry){.tenant_id = tenant_id, .client = client};
	return client;
}
