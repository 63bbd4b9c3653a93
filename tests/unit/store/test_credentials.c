/* Tests for store/credentials.c: ciphertext storage per tenant and field. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

static void store_cred__round_trips_and_replaces__when_put_twice(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t t;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &t, &err), 0);
	unsigned char nonce[24], ct[40];
	memset(nonce, 0xAB, sizeof(nonce));
	for (size_t i = 0; i < sizeof(ct); i++)
		ct[i] = (unsigned char)i; /* includes NUL bytes: stored as a blob */
	assert_int_equal(store_cred_put(s, t, "auth_token", nonce, sizeof(nonce), ct, sizeof(ct), &err), 0);
	ct[0] = 0xFF;
	assert_int_equal(store_cred_put(s, t, "auth_token", nonce, sizeof(nonce), ct, sizeof(ct), &err), 0);
	unsigned char *n = NULL, *c = NULL;
	size_t nl = 0, cl = 0;
	assert_int_equal(store_cred_get(s, t, "auth_token", &n, &nl, &c, &cl, &err), 0);
	assert_int_equal(nl, 24);
	assert_int_equal(cl, 40);
	assert_memory_equal(n, nonce, 24);
	assert_memory_equal(c, ct, 40);
	free(n);
	free(c);
	assert_int_equal(store_cred_get(s, t, "api_key_secret", &n, &nl, &c, &cl, &err), SD_NOTFOUND);
	assert_null(n);
	xfree(&err);
	store_close(&s);
}

static void store_cred_put__refuses__when_field_or_tenant_bad(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t t;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", &t, &err), 0);
	unsigned char b[24] = {1};
	assert_int_equal(store_cred_put(s, t, "password", b, 24, b, 24, &err), -1);
	xfree(&err);
	assert_int_equal(store_cred_put(s, t, NULL, b, 24, b, 24, &err), -1);
	xfree(&err);
	assert_int_equal(store_cred_put(s, t, "auth_token", NULL, 0, b, 24, &err), -1);
	xfree(&err);
	assert_int_equal(store_cred_put(s, t + 5, "auth_token", b, 24, b, 24, &err), -1);
	xfree(&err);
	unsigned char *n, *c;
	size_t nl, cl;
	assert_int_equal(store_cred_get(s, t, "auth_token' OR 1=1 --", &n, &nl, &c, &cl, &err), -1);
	xfree(&err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_cred__round_trips_and_replaces__when_put_twice),
		cmocka_unit_test(store_cred_put__refuses__when_field_or_tenant_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
