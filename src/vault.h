/* Secrets at rest: libsodium XChaCha20-Poly1305 with a 32-byte key from a 0600 key file
 * (or a passphrase through argon2id). Owner: src/vault.c */
#ifndef SMSDESK_VAULT_H
#define SMSDESK_VAULT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vault; /* holds the key in sodium_malloc'd, locked memory */

/* Creates a new key file (mode 0600, O_EXCL: never overwrites). */
int vault_create_keyfile(const char *path, char **err);
/* Loads the key; refuses a file group or others can read, or of the wrong size. */
int vault_open_keyfile(const char *path, struct vault **out, char **err);
/* Derives the key from a passphrase (argon2id, salt stored by the caller). */
int vault_open_passphrase(const char *passphrase, const unsigned char salt[16], struct vault **out, char **err);
void vault_close(struct vault **vp);

/* Encrypts plaintext bound to (tenant_id, field) as associated data. *nonce (24 bytes) and
 * *ct are malloc'd. */
int vault_encrypt(const struct vault *v, int64_t tenant_id, const char *field, const char *plaintext,
		  unsigned char **nonce, size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err);
/* Decrypts into *plaintext (sodium_malloc'd: free with vault_secret_free, which wipes it).
 * A wrong key, tenant or field gives a clear error, never garbage. */
int vault_decrypt(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *nonce,
		  size_t nonce_len, const unsigned char *ct, size_t ct_len, char **plaintext, char **err);
void vault_secret_free(char **secret);

/* The same for bytes (an MMS photo): *ct is len + VAULT_ABYTES bytes, malloc'd. */
#define VAULT_ABYTES 16
int vault_encrypt_bytes(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *msg,
			size_t len, unsigned char **nonce, size_t *nonce_len, unsigned char **ct, size_t *ct_len,
			char **err);
/* Decrypts into *out (malloc'd, *out_len bytes; wipe with sodium_memzero before free). */
int vault_decrypt_bytes(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *nonce,
			size_t nonce_len, const unsigned char *ct, size_t ct_len, unsigned char **out,
			size_t *out_len, char **err);

/* Accepts a key file its group may read (mode 0640 or 0440), for a system install where
 * the smsdesk group shares it (src/privsep.c); by default only 0600 / 0400 are accepted. */
void vault_allow_group_read(bool allow);

#endif
