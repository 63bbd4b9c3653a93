/* Tests for src/vault.c: key files, passphrases, authenticated encryption bound to tenant and field. */
#include "testutil.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "src/util.h"
#include "src/vault.h"

struct fixture {
	char *dir;
	char *key_path;
	struct vault *v;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	f->dir = tu_tempdir();
	f->key_path = xasprintf("%s/etc/smsdesk/key", f->dir);
	char *err = NULL;
	assert_int_equal(vault_create_keyfile(f->key_path, &err), 0);
	assert_int_equal(vault_open_keyfile(f->key_path, &f->v, &err), 0);
	assert_null(err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	vault_close(&f->v);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->key_path);
	free(f);
	return 0;
}

/* Writes n bytes of buf to path with mode. */
static void write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

struct sealed {
	unsigned char *nonce, *ct;
	size_t nonce_len, ct_len;
};

static struct sealed seal(const struct vault *v, int64_t tenant, const char *field, const char *secret)
{
	struct sealed s;
	char *err = NULL;
	assert_int_equal(
	    vault_encrypt(v, tenant, field, secret, &s.nonce, &s.nonce_len, &s.ct, &s.ct_len, &err), 0);
	assert_null(err);
	return s;
}

static void sealed_free(struct sealed *s)
{
	free(s->nonce);
	free(s->ct);
}

/* Expects decryption to fail with the clear message naming field. */
static void expect_refused(const struct vault *v, int64_t tenant, const char *field, const struct sealed *s,
			   const char *shown_field)
{
	char *plain = NULL, *err = NULL;
	assert_int_equal(
	    vault_decrypt(v, tenant, field, s->nonce, s->nonce_len, s->ct, s->ct_len, &plain, &err), -1);
	assert_null(plain);
	char *want =
	    xasprintf("cannot decrypt the stored %s: wrong key file, or the data was changed", shown_field);
	assert_string_equal(err, want);
	free(want);
	free(err);
}

static void vault_decrypt__returns_secret__when_round_trip(void **state)
{
	struct fixture *f = *state;
	const char *secret = "auth-token-0123456789abcdef \xc3\xa9";
	struct sealed s = seal(f->v, 7, "auth_token", secret);
	assert_int_equal(s.nonce_len, 24);
	assert_int_equal(s.ct_len, strlen(secret) + 16);
	assert_null(memmem(s.ct, s.ct_len, "auth-token", 10));
	char *plain = NULL, *err = NULL;
	assert_int_equal(
	    vault_decrypt(f->v, 7, "auth_token", s.nonce, s.nonce_len, s.ct, s.ct_len, &plain, &err), 0);
	assert_string_equal(plain, secret);
	vault_secret_free(&plain);
	assert_null(plain);
	vault_secret_free(&plain); /* twice is harmless */
	sealed_free(&s);

	/* The same secret twice gives different ciphertexts (fresh nonce). */
	struct sealed a = seal(f->v, 7, "auth_token", "x"), b = seal(f->v, 7, "auth_token", "x");
	assert_memory_not_equal(a.nonce, b.nonce, 24);
	sealed_free(&a);
	sealed_free(&b);
}

static void vault_encrypt__round_trips__when_empty_secret(void **state)
{
	struct fixture *f = *state;
	struct sealed s = seal(f->v, 1, "api_secret", "");
	char *plain = NULL;
	assert_int_equal(
	    vault_decrypt(f->v, 1, "api_secret", s.nonce, s.nonce_len, s.ct, s.ct_len, &plain, NULL), 0);
	assert_string_equal(plain, "");
	vault_secret_free(&plain);
	sealed_free(&s);
}

static void vault_create_keyfile__makes_private_file__when_new(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	assert_int_equal(stat(f->key_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);
	char *parent = xasprintf("%s/etc/smsdesk", f->dir);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(parent);
}

static void vault_create_keyfile__keeps_mode__when_umask_is_loose(void **state)
{
	struct fixture *f = *state;
	char *path = xasprintf("%s/loose-key", f->dir);
	mode_t old = umask(0);
	char *err = NULL;
	assert_int_equal(vault_create_keyfile(path, &err), 0);
	umask(old);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(path);
}

static void vault_create_keyfile__refuses__when_file_exists(void **state)
{
	struct fixture *f = *state;
	size_t len = 0;
	char *before = tu_read_file(f->key_path, &len);
	char *err = NULL;
	assert_int_equal(vault_create_keyfile(f->key_path, &err), -1);
	assert_non_null(strstr(err, "already exists"));
	free(err);
	size_t len2 = 0;
	char *after = tu_read_file(f->key_path, &len2);
	assert_int_equal(len, 32);
	assert_int_equal(len2, 32);
	assert_memory_equal(before, after, 32);
	free(before);
	free(after);
	err = NULL;
	assert_int_equal(vault_create_keyfile("", &err), -1);
	free(err);
}

static void vault_open_keyfile__refuses__when_group_or_others_can_read(void **state)
{
	struct fixture *f = *state;
	static const mode_t modes[] = {0644, 0640, 0604, 0620, 0602, 0660};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(f->key_path, modes[i]), 0);
		struct vault *v = NULL;
		char *err = NULL;
		assert_int_equal(vault_open_keyfile(f->key_path, &v, &err), -1);
		assert_null(v);
		char *fix = xasprintf("chmod 600 %s", f->key_path);
		assert_non_null(strstr(err, fix));
		assert_non_null(strstr(err, "group or others"));
		free(fix);
		free(err);
	}
	assert_int_equal(chmod(f->key_path, 0400), 0);
	struct vault *v = NULL;
	assert_int_equal(vault_open_keyfile(f->key_path, &v, NULL), 0);
	vault_close(&v);
	assert_null(v);
}

static void vault_open_keyfile__refuses__when_wrong_size(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[64] = {0};
	static const size_t sizes[] = {0, 31, 33, 64};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *path = xasprintf("%s/key-%zu", f->dir, sizes[i]);
		write_file(path, buf, sizes[i], 0600);
		struct vault *v = NULL;
		char *err = NULL;
		assert_int_equal(vault_open_keyfile(path, &v, &err), -1);
		assert_null(v);
		assert_non_null(strstr(err, "exactly 32"));
		free(err);
		free(path);
	}
}

static void vault_open_keyfile__refuses__when_missing_or_not_a_file(void **state)
{
	struct fixture *f = *state;
	struct vault *v = NULL;
	char *err = NULL;
	char *missing = xasprintf("%s/nope", f->dir);
	assert_int_equal(vault_open_keyfile(missing, &v, &err), -1);
	assert_non_null(strstr(err, missing));
	free(missing);
	char *dir = xasprintf("%s/etc", f->dir);
	assert_int_equal(vault_open_keyfile(dir, &v, &err), -1);
	free(dir);
	char *link = xasprintf("%s/link", f->dir);
	assert_int_equal(symlink(f->key_path, link), 0);
	assert_int_equal(vault_open_keyfile(link, &v, &err), -1);
	assert_null(v);
	free(link);
	free(err);
}

static void vault_decrypt__refuses__when_wrong_key(void **state)
{
	struct fixture *f = *state;
	char *other_path = xasprintf("%s/other-key", f->dir);
	struct vault *other = NULL;
	assert_int_equal(vault_create_keyfile(other_path, NULL), 0);
	assert_int_equal(vault_open_keyfile(other_path, &other, NULL), 0);
	struct sealed s = seal(f->v, 3, "auth_token", "s3cret");
	expect_refused(other, 3, "auth_token", &s, "auth_token");
	sealed_free(&s);
	vault_close(&other);
	free(other_path);
}

static void vault_decrypt__refuses__when_tenant_or_field_swapped(void **state)
{
	struct fixture *f = *state;
	struct sealed s = seal(f->v, 3, "auth_token", "s3cret");
	expect_refused(f->v, 4, "auth_token", &s, "auth_token");
	expect_refused(f->v, 3, "api_secret", &s, "api_secret");
	expect_refused(f->v, -3, "auth_token", &s, "auth_token");
	/* "tenant=3;field=auth_token" must not collide with a crafted field name. */
	expect_refused(f->v, 3, "auth_token;", &s, "auth_token;");
	sealed_free(&s);
}

static void vault_decrypt__refuses__when_tampered(void **state)
{
	struct fixture *f = *state;
	struct sealed s = seal(f->v, 9, "auth_token", "a longer secret value");
	for (size_t i = 0; i < s.ct_len; i++) {
		s.ct[i] ^= 0x01;
		expect_refused(f->v, 9, "auth_token", &s, "auth_token");
		s.ct[i] ^= 0x01;
	}
	s.nonce[5] ^= 0x80;
	expect_refused(f->v, 9, "auth_token", &s, "auth_token");
	s.nonce[5] ^= 0x80;
	/* Truncated or short inputs are refused without reading past them. */
	char *plain = NULL, *err = NULL;
	assert_int_equal(
	    vault_decrypt(f->v, 9, "auth_token", s.nonce, s.nonce_len, s.ct, s.ct_len - 1, &plain, &err), -1);
	assert_int_equal(vault_decrypt(f->v, 9, "auth_token", s.nonce, s.nonce_len, s.ct, 15, &plain, &err),
			 -1);
	assert_int_equal(vault_decrypt(f->v, 9, "auth_token", s.nonce, 12, s.ct, s.ct_len, &plain, &err), -1);
	assert_int_equal(vault_decrypt(f->v, 9, "auth_token", NULL, 0, NULL, 0, &plain, &err), -1);
	assert_non_null(strstr(err, "auth_token"));
	assert_null(plain);
	free(err);
	assert_int_equal(
	    vault_decrypt(f->v, 9, "auth_token", s.nonce, s.nonce_len, s.ct, s.ct_len, &plain, NULL), 0);
	vault_secret_free(&plain);
	sealed_free(&s);
}

static void vault_open_passphrase__derives_same_key__when_same_salt(void **state)
{
	unsigned char salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	unsigned char salt2[16] = {0};
	struct vault *a = NULL, *b = NULL, *c = NULL;
	char *err = NULL;
	assert_int_equal(vault_open_passphrase("correct horse battery staple", salt, &a, &err), 0);
	assert_int_equal(vault_open_passphrase("correct horse battery staple", salt, &b, &err), 0);
	assert_int_equal(vault_open_passphrase("correct horse battery staple", salt2, &c, &err), 0);
	struct sealed s = seal(a, 1, "auth_token", "tok");
	char *plain = NULL;
	assert_int_equal(
	    vault_decrypt(b, 1, "auth_token", s.nonce, s.nonce_len, s.ct, s.ct_len, &plain, &err), 0);
	assert_string_equal(plain, "tok");
	vault_secret_free(&plain);
	expect_refused(c, 1, "auth_token", &s, "auth_token");
	sealed_free(&s);
	vault_close(&a);
	vault_close(&b);
	vault_close(&c);
	assert_int_equal(vault_open_passphrase("", salt, &a, &err), -1);
	assert_null(a);
	assert_int_equal(vault_open_passphrase(NULL, salt, &a, &err), -1);
	assert_int_equal(vault_open_passphrase("x", NULL, &a, &err), -1);
	free(err);
}

/* Bytes (an MMS photo, NULs inside): round trip, and bound to its tenant and row. */
static void vault_decrypt_bytes__round_trips_and_binds__when_photo(void **state)
{
	struct fixture *f = *state;
	unsigned char photo[4096];
	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (unsigned char)(i * 7);
	photo[10] = 0;
	unsigned char *nonce = NULL, *ct = NULL, *out = NULL;
	size_t nl = 0, cl = 0, ol = 0;
	char *err = NULL;
	assert_int_equal(vault_encrypt_bytes(f->v, 3, "media:12", photo, sizeof(photo), &nonce, &nl, &ct, &cl, &err), 0);
	assert_int_equal(cl, sizeof(photo) + VAULT_ABYTES);
	assert_null(memmem(ct, cl, photo + 100, 32));
	assert_int_equal(vault_decrypt_bytes(f->v, 3, "media:12", nonce, nl, ct, cl, &out, &ol, &err), 0);
	assert_int_equal(ol, sizeof(photo));
	assert_memory_equal(out, photo, ol);
	free(out);
	/* another row's field or another location: refused, not garbage */
	assert_int_equal(vault_decrypt_bytes(f->v, 3, "media:13", nonce, nl, ct, cl, &out, &ol, &err), -1);
	assert_non_null(strstr(err, "wrong key file, or the data was changed"));
	assert_null(out);
	assert_int_equal(vault_decrypt_bytes(f->v, 4, "media:12", nonce, nl, ct, cl, &out, &ol, &err), -1);
	ct[cl / 2] ^= 1;
	assert_int_equal(vault_decrypt_bytes(f->v, 3, "media:12", nonce, nl, ct, cl, &out, &ol, &err), -1);
	assert_int_equal(vault_decrypt_bytes(f->v, 3, "media:12", nonce, nl, ct, 3, &out, &ol, &err), -1);
	free(nonce);
	free(ct);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(vault_decrypt__returns_secret__when_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_decrypt_bytes__round_trips_and_binds__when_photo, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_encrypt__round_trips__when_empty_secret, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_create_keyfile__makes_private_file__when_new, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(vault_create_keyfile__keeps_mode__when_umask_is_loose, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(vault_create_keyfile__refuses__when_file_exists, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_open_keyfile__refuses__when_group_or_others_can_read, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(vault_open_keyfile__refuses__when_wrong_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_open_keyfile__refuses__when_missing_or_not_a_file, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(vault_decrypt__refuses__when_wrong_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(vault_decrypt__refuses__when_tenant_or_field_swapped, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(vault_decrypt__refuses__when_tampered, setup, teardown),
	    cmocka_unit_test(vault_open_passphrase__derives_same_key__when_same_salt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
