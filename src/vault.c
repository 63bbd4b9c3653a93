/* Secrets at rest: XChaCha20-Poly1305-IETF with a key from a 0600 key file or a passphrase. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "src/util.h"
#include "src/vault.h"

#define VAULT_KEYBYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define VAULT_NONCEBYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

struct vault {
	unsigned char *key; /* sodium_malloc'd (guarded, locked), read-only once filled */
};

/* Initialises libsodium once; sodium_init is itself safe to call again and from threads. */
static int sodium_ready(char **err)
{
	if (sodium_init() < 0)
		return seterr(err, "the crypto library (libsodium) could not start");
	return 0;
}

/* Allocates a vault with a writable key buffer; NULL when secure memory is unavailable. */
static struct vault *vault_alloc(char **err)
{
	unsigned char *key = sodium_malloc(VAULT_KEYBYTES);
	if (key == NULL) {
		seterr(err, "cannot allocate protected memory for the key");
		return NULL;
	}
	/* sodium_malloc locks the pages where it can; failure to lock is not fatal. */
	struct vault *v = xcalloc(1, sizeof(*v));
	v->key = key;
	return v;
}

/* Makes the key read-only and hands the vault over. */
static int vault_seal(struct vault *v, struct vault **out)
{
	sodium_mprotect_readonly(v->key);
	*out = v;
	return 0;
}

/* Creates every missing directory above path with mode 0700. */
static int make_parents(const char *path, char **err)
{
	char *dir = xstrdup(path);
	int rc = 0;
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = seterr(err, "cannot create the directory %s: %s", dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* Writes all n bytes of buf to fd. */
static int write_all(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

int vault_create_keyfile(const char *path, char **err)
{
	if (path == NULL || *path == '\0')
		return seterr(err, "no key file path given");
	if (sodium_ready(err) != 0 || make_parents(path, err) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return seterr(err,
				      "the key file %s already exists; it is never overwritten "
				      "(secrets encrypted with it would be lost)",
				      path);
		return seterr(err, "cannot create the key file %s: %s", path, strerror(errno));
	}
	unsigned char *key = sodium_malloc(VAULT_KEYBYTES);
	int rc = -1;
	if (key == NULL) {
		seterr(err, "cannot allocate protected memory for the key");
		goto out;
	}
	randombytes_buf(key, VAULT_KEYBYTES);
	/* The umask can only take bits away; fchmod makes the mode exactly 0600 anyway. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, key, VAULT_KEYBYTES) != 0 || fsync(fd) != 0) {
		seterr(err, "cannot write the key file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_free(key);
	if (close(fd) != 0 && rc == 0)
		rc = seterr(err, "cannot write the key file %s: %s", path, strerror(errno));
	if (rc != 0)
		unlink(path);
	return rc;
}

static bool group_read_ok;

void vault_allow_group_read(bool allow)
{
	group_read_ok = allow;
}

/* Checks that the open key file is a private regular file of exactly the key size. */
static int check_keyfile(int fd, const char *path, char **err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return seterr(err, "cannot read the key file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return seterr(err, "the key file %s is not a regular file", path);
	/* A system install shares the key with the smsdesk group (0640 root:smsdesk): group
	 * read is accepted then, group write or any access by others never. */
	bool group_ok = group_read_ok && (st.st_mode & 037) == 0;
	if ((st.st_mode & 077) != 0 && !group_ok)
		return seterr(err,
			      "the key file %s can be %s by group or others (mode %04o); "
			      "fix it with: chmod 600 %s",
			      path, (st.st_mode & 044) != 0 ? "read" : "written",
			      (unsigned)(st.st_mode & 07777), path);
	if (st.st_size != (off_t)VAULT_KEYBYTES)
		return seterr(err, "the key file %s holds %lld bytes; a key file holds exactly %d", path,
			      (long long)st.st_size, (int)VAULT_KEYBYTES);
	return 0;
}

int vault_open_keyfile(const char *path, struct vault **out, char **err)
{
	*out = NULL;
	if (path == NULL || *path == '\0')
		return seterr(err, "no key file path given");
	if (sodium_ready(err) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return seterr(err, "cannot open the key file %s: %s", path, strerror(errno));
	struct vault *v = NULL;
	int rc = -1;
	if (check_keyfile(fd, path, err) != 0)
		goto out;
	v = vault_alloc(err);
	if (v == NULL)
		goto out;
	size_t got = 0;
	while (got < VAULT_KEYBYTES) {
		ssize_t r = read(fd, v->key + got, VAULT_KEYBYTES - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			seterr(err, "cannot read the key file %s: it is shorter than %d bytes", path,
			       (int)VAULT_KEYBYTES);
			goto out;
		}
		got += (size_t)r;
	}
	rc = vault_seal(v, out);
	v = NULL;
out:
	vault_close(&v);
	close(fd);
	return rc;
}

int vault_open_passphrase(const char *passphrase, const unsigned char salt[16], struct vault **out,
			  char **err)
{
	*out = NULL;
	if (passphrase == NULL || *passphrase == '\0')
		return seterr(err, "the passphrase is empty");
	if (salt == NULL)
		return seterr(err, "no salt given for the passphrase");
	if (sodium_ready(err) != 0)
		return -1;
	struct vault *v = vault_alloc(err);
	if (v == NULL)
		return -1;
	_Static_assert(crypto_pwhash_SALTBYTES == 16, "argon2id salt is 16 bytes");
	if (crypto_pwhash(v->key, VAULT_KEYBYTES, passphrase, strlen(passphrase), salt,
			  crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		vault_close(&v);
		return seterr(err, "not enough memory to derive the key from the passphrase");
	}
	return vault_seal(v, out);
}

void vault_close(struct vault **vp)
{
	if (vp == NULL || *vp == NULL)
		return;
	sodium_free((*vp)->key); /* wipes it */
	free(*vp);
	*vp = NULL;
}

/* The associated data binding a ciphertext to its tenant and field (malloc'd). */
static char *make_ad(int64_t tenant_id, const char *field)
{
	return xasprintf("tenant=%lld;field=%s", (long long)tenant_id, field);
}

int vault_encrypt(const struct vault *v, int64_t tenant_id, const char *field, const char *plaintext,
		  unsigned char **nonce, size_t *nonce_len, unsigned char **ct, size_t *ct_len, char **err)
{
	*nonce = NULL;
	*ct = NULL;
	*nonce_len = *ct_len = 0;
	if (v == NULL || field == NULL || *field == '\0' || plaintext == NULL)
		return seterr(err, "nothing to encrypt (no key, field name or secret)");
	size_t mlen = strlen(plaintext);
	char *ad = make_ad(tenant_id, field);
	unsigned char *n = xmalloc(VAULT_NONCEBYTES);
	unsigned char *c = xmalloc(mlen + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	randombytes_buf(n, VAULT_NONCEBYTES);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, (const unsigned char *)plaintext, mlen,
						   (const unsigned char *)ad, strlen(ad), NULL, n, v->key);
	free(ad);
	*nonce = n;
	*nonce_len = VAULT_NONCEBYTES;
	*ct = c;
	*ct_len = (size_t)clen;
	return 0;
}

int vault_decrypt(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *nonce,
		  size_t nonce_len, const unsigned char *ct, size_t ct_len, char **plaintext, char **err)
{
	*plaintext = NULL;
	const char *name = field != NULL ? field : "secret";
	if (v == NULL || field == NULL || nonce == NULL || ct == NULL || nonce_len != VAULT_NONCEBYTES ||
	    ct_len < crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return seterr(err, "cannot decrypt the stored %s: it is missing or damaged", name);
	size_t mlen = ct_len - crypto_aead_xchacha20poly1305_ietf_ABYTES;
	char *out = sodium_malloc(mlen + 1);
	if (out == NULL)
		return seterr(err, "cannot allocate protected memory for the %s", name);
	char *ad = make_ad(tenant_id, field);
	unsigned long long got = 0;
	int rc =
	    crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &got, NULL, ct, ct_len,
						       (const unsigned char *)ad, strlen(ad), nonce, v->key);
	free(ad);
	if (rc != 0) {
		sodium_free(out);
		return seterr(err, "cannot decrypt the stored %s: wrong key file, or the data was changed",
			      name);
	}
	out[got] = '\0';
	*plaintext = out;
	return 0;
}

void vault_secret_free(char **secret)
{
	if (secret == NULL || *secret == NULL)
		return;
	sodium_free(*secret);
	*secret = NULL;
}

int vault_encrypt_bytes(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *msg,
			size_t len, unsigned char **nonce, size_t *nonce_len, unsigned char **ct, size_t *ct_len,
			char **err)
{
	_Static_assert(VAULT_ABYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");
	*nonce = NULL;
	*ct = NULL;
	*nonce_len = *ct_len = 0;
	if (v == NULL || field == NULL || *field == '\0' || (msg == NULL && len > 0))
		return seterr(err, "nothing to encrypt (no key, field name or data)");
	char *ad = make_ad(tenant_id, field);
	unsigned char *n = xmalloc(VAULT_NONCEBYTES);
	unsigned char *c = xmalloc(len + VAULT_ABYTES);
	randombytes_buf(n, VAULT_NONCEBYTES);
	unsigned long long clen = 0;
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, msg, len, (const unsigned char *)ad, strlen(ad), NULL,
						   n, v->key);
	free(ad);
	*nonce = n;
	*nonce_len = VAULT_NONCEBYTES;
	*ct = c;
	*ct_len = (size_t)clen;
	return 0;
}

int vault_decrypt_bytes(const struct vault *v, int64_t tenant_id, const char *field, const unsigned char *nonce,
			size_t nonce_len, const unsigned char *ct, size_t ct_len, unsigned char **out,
			size_t *out_len, char **err)
{
	*out = NULL;
	*out_len = 0;
	if (v == NULL || field == NULL || nonce == NULL || ct == NULL || nonce_len != VAULT_NONCEBYTES ||
	    ct_len < VAULT_ABYTES)
		return seterr(err, "cannot decrypt the stored %s: it is missing or damaged", field ? field : "data");
	size_t mlen = ct_len - VAULT_ABYTES;
	unsigned char *m = xmalloc(mlen ? mlen : 1);
	char *ad = make_ad(tenant_id, field);
	unsigned long long got = 0;
	int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(m, &got, NULL, ct, ct_len, (const unsigned char *)ad,
							    strlen(ad), nonce, v->key);
	free(ad);
	if (rc != 0) {
		free(m);
		return seterr(err, "cannot decrypt the stored %s: wrong key file, or the data was changed", field);
	}
	*out = m;
	*out_len = (size_t)got;
	return 0;
}
