/* Tests for store/users.c. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store/store.h"
#include "src/util.h"

/* A real argon2id hash at the cheapest settings, so the tests stay quick. */
static char *hash_of(const char *pw)
{
	static char out[crypto_pwhash_STRBYTES];
	assert_true(sodium_init() >= 0);
	assert_int_equal(crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	return out;
}

static void store_user_add__stores_user__when_valid(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_user_add(s, "jane.doe", "Jane Doe", hash_of("pw"), "admin", &id, &err), 0);
	struct user u;
	assert_int_equal(store_user_find(s, "jane.doe", &u, &err), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.display_name, "Jane Doe");
	assert_string_equal(u.role, "admin");
	assert_false(u.disabled);
	assert_int_equal(crypto_pwhash_str_verify(u.pw_hash, "pw", 2), 0);
	user_free(&u);
	assert_int_equal(store_user_get(s, id, &u, &err), 0);
	user_free(&u);
	assert_int_equal(store_user_get(s, id + 1, &u, &err), SD_NOTFOUND);
	xfree(&err);
	assert_int_equal(store_user_find(s, "nobody", &u, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

static void store_user_add__refuses__when_input_bad(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	const char *h = hash_of("pw");
	assert_int_equal(store_user_add(s, "a", "", h, "admin", NULL, &err), 0);
	assert_int_equal(store_user_add(s, "a", "", h, "staff", NULL, &err), -1);
	assert_non_null(strstr(err, "already exists"));
	xfree(&err);
	assert_int_equal(store_user_add(s, "", "", h, "staff", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_user_add(s, "b c", "", h, "staff", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_user_add(s, "b\x1b", "", h, "staff", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_user_add(s, "b", "", "plaintext", "staff", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_user_add(s, "b", "", h, "root", NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_user_add(s, "b", "x\ny", h, "staff", NULL, &err), -1);
	xfree(&err);
	struct user *list = NULL;
	size_t n = 0;
	assert_int_equal(store_user_list(s, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	user_list_free(&list, n);
	store_close(&s);
}

static void store_user_login_failed__locks__when_max_reached(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_user_add(s, "bob", "", hash_of("pw"), "staff", &id, &err), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(store_user_login_failed(s, id, 5, 9999, 1, &err), 0);
	struct user u;
	assert_int_equal(store_user_get(s, id, &u, &err), 0);
	assert_int_equal(u.failed_logins, 4);
	assert_int_equal(u.locked_until, 0);
	user_free(&u);
	assert_int_equal(store_user_login_failed(s, id, 5, 9999, 1, &err), 0);
	assert_int_equal(store_user_get(s, id, &u, &err), 0);
	assert_int_equal(u.failed_logins, 5);
	assert_int_equal(u.locked_until, 9999);
	user_free(&u);
	assert_int_equal(store_user_login_ok(s, id, 12345, &err), 0);
	assert_int_equal(store_user_get(s, id, &u, &err), 0);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.locked_until, 0);
	assert_int_equal(u.last_login_at, 12345);
	user_free(&u);
	assert_int_equal(store_user_login_failed(s, id + 7, 5, 1, 1, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

static void store_user_setters__change_fields__when_valid(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id;
	assert_int_equal(store_user_add(s, "bob", "", hash_of("old"), "staff", &id, &err), 0);
	assert_int_equal(store_user_login_failed(s, id, 1, 5000, 1, &err), 0);
	assert_int_equal(store_user_set_password(s, id, hash_of("new"), &err), 0);
	assert_int_equal(store_user_set_role(s, id, "admin", &err), 0);
	assert_int_equal(store_user_set_disabled(s, id, true, &err), 0);
	struct user u;
	assert_int_equal(store_user_get(s, id, &u, &err), 0);
	assert_int_equal(crypto_pwhash_str_verify(u.pw_hash, "new", 3), 0);
	assert_string_equal(u.role, "admin");
	assert_true(u.disabled);
	assert_int_equal(u.locked_until, 0);
	user_free(&u);
	assert_int_equal(store_user_set_role(s, id, "superuser", &err), -1);
	xfree(&err);
	assert_int_equal(store_user_set_password(s, id, "", &err), -1);
	xfree(&err);
	assert_int_equal(store_user_set_disabled(s, id + 3, true, &err), SD_NOTFOUND);
	xfree(&err);
	store_close(&s);
}

static void store_user_tenants__lists_locations__when_added(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	int64_t id, t1, t2;
	assert_int_equal(store_user_add(s, "bob", "", hash_of("pw"), "staff", &id, &err), 0);
	assert_int_equal(store_tenant_add(s, "B", "UTC", "", &t2, &err), 0);
	assert_int_equal(store_tenant_add(s, "A", "UTC", "", &t1, &err), 0);
	assert_int_equal(store_user_add_tenant(s, id, t2, &err), 0);
	assert_int_equal(store_user_add_tenant(s, id, t1, &err), 0);
	assert_int_equal(store_user_add_tenant(s, id, t1, &err), 0); /* idempotent */
	assert_int_equal(store_user_add_tenant(s, id, t1 + 50, &err), -1);
	xfree(&err);
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_user_tenants(s, id, &ids, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], t2 < t1 ? t2 : t1);
	free(ids);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_user_add__stores_user__when_valid),
		cmocka_unit_test(store_user_add__refuses__when_input_bad),
		cmocka_unit_test(store_user_login_failed__locks__when_max_reached),
		cmocka_unit_test(store_user_setters__change_fields__when_valid),
		cmocka_unit_test(store_user_tenants__lists_locations__when_added),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
