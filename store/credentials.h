/* Encrypted Twilio secrets (ciphertext only: src/vault.c does the crypto). Owner: store/credentials.c */
#ifndef SMSDESK_STORE_CREDENTIALS_H
#define SMSDESK_STORE_CREDENTIALS_H

/* field: "auth_token" or "api_key_secret". */
int store_cred_put(struct store *s, int64_t tenant_id, const char *field, const unsigned char *nonce,
		   size_t nonce_len, const unsigned char *ct, size_t ct_len, char **err);
/* *nonce and *ct are malloc'd; SD_NOTFOUND when unset. */
int store_cred_get(struct store *s, int64_t tenant_id, const char *field, unsigned char **nonce,
		   size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err);

#endif
