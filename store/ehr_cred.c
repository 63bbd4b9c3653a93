/* The FHIR server's bearer token: nonce and ciphertext per tenant (the crypto is src/vault.c). */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

int store_ehr_token_put(struct store *s, int64_t tenant_id, const unsigned char *nonce, size_t nonce_len,
			const unsigned char *ct, size_t ct_len, char **err)
{
	if (nonce == NULL || nonce_len == 0 || ct == NULL || ct_len == 0 || nonce_len > 64 || ct_len > 65536)
		return seterr(err, "an encrypted token needs a nonce and a ciphertext");
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO ehr_credentials (tenant_id, field, nonce, ciphertext, updated_at)"
		" VALUES (?1, 'fhir_token', ?2, ?3, ?4) ON CONFLICT (tenant_id, field) DO UPDATE SET"
		" nonce = excluded.nonce, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_blob(st, 2, nonce, (int)nonce_len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, ct, (int)ct_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, clock_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "saving the FHIR token");
	return 0;
}

/* A copy of a blob column (at least one byte allocated). */
static unsigned char *blob(sqlite3_stmt *st, int col, size_t *len)
{
	*len = (size_t)sqlite3_column_bytes(st, col);
	unsigned char *copy = xmalloc(*len ? *len : 1);
	if (*len)
		memcpy(copy, sqlite3_column_blob(st, col), *len);
	return copy;
}

int store_ehr_token_get(struct store *s, int64_t tenant_id, unsigned char **nonce, size_t *nonce_len,
			unsigned char **ct, size_t *ct_len, char **err)
{
	*nonce = *ct = NULL;
	*nonce_len = *ct_len = 0;
	sqlite3_stmt *st = store_stmt(s,
		"SELECT nonce, ciphertext FROM ehr_credentials WHERE tenant_id = ?1 AND field = 'fhir_token'", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*nonce = blob(st, 0, nonce_len);
		*ct = blob(st, 1, ct_len);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		seterr(err, "no FHIR token is set for this location (smsdesk ehr set-fhir-token)");
		return SD_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "reading the FHIR token");
}
