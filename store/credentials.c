/* Encrypted Twilio secrets: nonce and ciphertext per tenant and field (the crypto is src/vault.c). */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* The two secret fields the schema allows. */
static bool field_ok(const char *field)
{
	return field != NULL && (strcmp(field, "auth_token") == 0 || strcmp(field, "api_key_secret") == 0);
}

int store_cred_put(struct store *s, int64_t tenant_id, const char *field, const unsigned char *nonce,
		   size_t nonce_len, const unsigned char *ct, size_t ct_len, char **err)
{
	if (!field_ok(field))
		return seterr(err, "unknown secret \"%s\" (auth_token or api_key_secret)", field ? field : "(null)");
	if (nonce == NULL || nonce_len == 0 || ct == NULL || ct_len == 0 || nonce_len > 64 || ct_len > 65536)
		return seterr(err, "an encrypted secret needs a nonce and a ciphertext");
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO credentials (tenant_id, field, nonce, ciphertext, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (tenant_id, field) DO UPDATE SET nonce = excluded.nonce,"
		" ciphertext = excluded.ciphertext, updated_at = excluded.updated_at", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, nonce, (int)nonce_len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, ct, (int)ct_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, clock_now());
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return seterr(err, "no location with id %lld", (long long)tenant_id);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "saving a secret");
	return 0;
}

int store_cred_get(struct store *s, int64_t tenant_id, const char *field, unsigned char **nonce,
		   size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err)
{
	*nonce = NULL;
	*ct = NULL;
	*nonce_len = *ct_len = 0;
	if (!field_ok(field))
		return seterr(err, "unknown secret \"%s\" (auth_token or api_key_secret)", field ? field : "(null)");
	sqlite3_stmt *st = store_stmt(s,
		"SELECT nonce, ciphertext FROM credentials WHERE tenant_id = ?1 AND field = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		seterr(err, "no %s is set for this location", field);
		return SD_NOTFOUND;
	}
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading a secret");
	*nonce = store_col_blob(st, 0, nonce_len);
	*ct = store_col_blob(st, 1, ct_len);
	sqlite3_reset(st);
	return 0;
}
