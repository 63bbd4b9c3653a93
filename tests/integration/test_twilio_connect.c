/* Tests for src/connect.c: a tenant's client built from a real store, a real vault and the
 * real simulator; the per-tenant client cache. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/connect.h"
#include "src/sim/sim.h"
#include "src/util.h"

struct fx {
	char *dir;
	struct store *s;
	struct vault *v;
	struct sim *sim;
	int64_t tenant;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	f->dir = tu_tempdir();
	f->s = tu_store_new(NULL);
	char *key = xasprintf("%s/key", f->dir);
	assert_int_equal(vault_create_keyfile(key, &err), 0);
	assert_int_equal(vault_open_keyfile(key, &f->v, &err), 0);
	free(key);
	struct sim_config sc = {.step_ms = 1000};
	if (sim_start(&sc, &f->sim, &err) != 0)
		fail_msg("sim_start: %s", err);
	assert_int_equal(store_tenant_add(f->s, "Main Street Clinic", "America/Chicago", "+15551110000", &f->tenant, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sim_stop(&f->sim);
	vault_close(&f->v);
	store_close(&f->s);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Encrypts secret for (tenant, field) and stores it. */
static void put_secret(struct fx *f, int64_t tenant, int64_t bound_to, const char *field, const char *secret)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	char *err = NULL;
	assert_int_equal(vault_encrypt(f->v, bound_to, field, secret, &nonce, &nl, &ct, &cl, &err), 0);
	assert_int_equal(store_cred_put(f->s, tenant, field, nonce, nl, ct, cl, &err), 0);
	free(nonce);
	free(ct);
}

/* Points the tenant at the simulator with its account SID. */
static void point_at_sim(struct fx *f, int64_t tenant)
{
	char *err = NULL;
	assert_int_equal(store_tenant_set(f->s, tenant, "account_sid", sim_account_sid(f->sim), &err), 0);
	assert_int_equal(store_tenant_set(f->s, tenant, "api_base", sim_base_url(f->sim), &err), 0);
}

/* Expects connect_tenant_client to fail with a message containing want. */
static void expect_connect_error(struct fx *f, int64_t tenant, const char *want)
{
	struct twilio_client *c = NULL;
	char *err = NULL;
	assert_int_equal(connect_tenant_client(f->s, f->v, tenant, &c, &err), -1);
	assert_null(c);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	free(err);
}

static void connect_tenant_client__explains__when_settings_are_missing(void **state)
{
	struct fx *f = *state;
	expect_connect_error(f, f->tenant, "no Twilio account SID set for Main Street Clinic");
	expect_connect_error(f, 999, "no clinic location");
	point_at_sim(f, f->tenant);
	expect_connect_error(f, f->tenant, "no Twilio auth token stored for Main Street Clinic");
	char *err = NULL;
	assert_int_equal(store_tenant_set(f->s, f->tenant, "api_key_sid", "SK0123456789abcdef0123456789abcdef", &err), 0);
	expect_connect_error(f, f->tenant, "API key secret");
}

static void connect_tenant_client__works_against_sim__when_token_is_stored(void **state)
{
	struct fx *f = *state;
	point_at_sim(f, f->tenant);
	put_secret(f, f->tenant, f->tenant, "auth_token", sim_auth_token(f->sim));
	struct twilio_client *c = NULL;
	char *err = NULL;
	if (connect_tenant_client(f->s, f->v, f->tenant, &c, &err) != 0)
		fail_msg("connect: %s", err);
	struct twilio_account a;
	struct twilio_error e;
	assert_int_equal(twilio_fetch_account(c, &a, &e), TW_OK);
	assert_string_equal(a.sid, sim_account_sid(f->sim));
	twilio_account_free(&a);
	struct twilio_send_req req = {.to = "+15551112222", .from = "+15005550006", .body = "connected"};
	struct twilio_message m;
	assert_int_equal(twilio_send(c, &req, &m, &e), TW_OK);
	twilio_message_free(&m);
	assert_int_equal(sim_outbound_count(f->sim), 1);
	twilio_client_free(&c);
}

static void connect_tenant_client__refuses__when_secret_belongs_to_another_tenant(void **state)
{
	struct fx *f = *state;
	point_at_sim(f, f->tenant);
	int64_t other = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", "", &other, &err), 0);
	/* a ciphertext copied from another tenant's row must not decrypt */
	put_secret(f, f->tenant, other, "auth_token", sim_auth_token(f->sim));
	struct twilio_client *c = NULL;
	assert_int_equal(connect_tenant_client(f->s, f->v, f->tenant, &c, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "decrypt"));
	xfree(&err);
	/* no vault open: a clear message, not a crash */
	assert_int_equal(connect_tenant_client(f->s, NULL, f->tenant, &c, &err), -1);
	assert_non_null(strstr(err, "key"));
	free(err);
}

static void connect_tenant_client__uses_ca_bundle_setting__when_tenant_or_global_set(void **state)
{
	struct fx *f = *state;
	point_at_sim(f, f->tenant);
	put_secret(f, f->tenant, f->tenant, "auth_token", sim_auth_token(f->sim));
	char *err = NULL;
	assert_int_equal(store_setting_set(f->s, 0, "ca_bundle", "/nonexistent/smsdesk-ca.pem", &err), 0);
	expect_connect_error(f, f->tenant, "/nonexistent/smsdesk-ca.pem");
	/* the tenant's own setting wins over the global one */
	char *ca = xasprintf("%s/ca.pem", f->dir);
	FILE *fp = fopen(ca, "w");
	assert_non_null(fp);
	fputs("not used on loopback http\n", fp);
	fclose(fp);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ca_bundle", ca, &err), 0);
	struct twilio_client *c = NULL;
	if (connect_tenant_client(f->s, f->v, f->tenant, &c, &err) != 0)
		fail_msg("connect: %s", err);
	twilio_client_free(&c);
	free(ca);
}

static void client_cache_get__reuses_one_client__when_same_tenant(void **state)
{
	struct fx *f = *state;
	int64_t other = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(f->s, "Oak Clinic", "America/Chicago", "", &other, &err), 0);
	struct client_cache *cache = client_cache_new(f->s, f->v);
	assert_null(client_cache_get(cache, f->tenant, &err));
	assert_non_null(strstr(err, "account SID"));
	xfree(&err);
	/* a failure is not cached: fixing the settings makes the next call work */
	point_at_sim(f, f->tenant);
	put_secret(f, f->tenant, f->tenant, "auth_token", sim_auth_token(f->sim));
	point_at_sim(f, other);
	put_secret(f, other, other, "auth_token", sim_auth_token(f->sim));
	struct twilio_client *a = client_cache_get(cache, f->tenant, &err);
	assert_non_null(a);
	assert_ptr_equal(client_cache_get(cache, f->tenant, &err), a);
	struct twilio_client *b = client_cache_get(cache, other, &err);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	for (int i = 0; i < 5; i++) {
		struct twilio_send_req req = {.to = "+15551113333", .from = "+15005550006", .body = "cached"};
		struct twilio_message m;
		struct twilio_error e;
		assert_int_equal(twilio_send(client_cache_get(cache, f->tenant, &err), &req, &m, &e), TW_OK);
		twilio_message_free(&m);
	}
	assert_int_equal(twilio_client_connects(a), 1);
	client_cache_free(&cache);
	assert_null(cache);
	client_cache_free(&cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(connect_tenant_client__explains__when_settings_are_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(connect_tenant_client__works_against_sim__when_token_is_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(connect_tenant_client__refuses__when_secret_belongs_to_another_tenant, setup,
						teardown),
		cmocka_unit_test_setup_teardown(connect_tenant_client__uses_ca_bundle_setting__when_tenant_or_global_set, setup,
						teardown),
		cmocka_unit_test_setup_teardown(client_cache_get__reuses_one_client__when_same_tenant, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
