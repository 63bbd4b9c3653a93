/* Fixture pieces shared by the integration tests that send through the loopback simulator. */
#include "testutil.h"
#include <stdlib.h>
#include "simtenant.h"
#include "src/util.h"

struct sim *st_sim_start(int step_ms)
{
	char *err = NULL;
	struct sim *sim = NULL;
	struct sim_config sc = {.step_ms = step_ms};
	if (sim_start(&sc, &sim, &err) != 0)
		fail_msg("sim_start: %s", err);
	return sim;
}

struct twilio_client *st_sim_client(struct sim *sim, long timeout_ms)
{
	struct twilio_config cfg = {.api_base = sim_base_url(sim),
				    .account_sid = sim_account_sid(sim),
				    .username = sim_account_sid(sim),
				    .password = sim_auth_token(sim),
				    .max_retries = -1,
				    .timeout_ms = timeout_ms};
	struct twilio_client *c = NULL;
	char *err = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0)
		fail_msg("twilio_client_new: %s", err);
	return c;
}

void st_sim_store_vault(int step_ms, struct sim **sim, struct store **s, char **dir, struct vault **v)
{
	char *err = NULL;
	*sim = st_sim_start(step_ms);
	*s = tu_store_new(NULL);
	*dir = tu_tempdir();
	char *key = xasprintf("%s/key", *dir);
	assert_int_equal(vault_create_keyfile(key, &err), 0);
	assert_int_equal(vault_open_keyfile(key, v, &err), 0);
	free(key);
}

void st_sim_store_vault_free(struct sim **sim, struct store **s, char **dir, struct vault **v)
{
	vault_close(v);
	store_close(s);
	sim_stop(sim);
	tu_rmdir(*dir);
	free(*dir);
	*dir = NULL;
}

int64_t st_sim_tenant_add(struct store *s, struct vault *v, struct sim *sim, const char *name, const char *phone,
			  const char *from_number, const char *token)
{
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, name, "America/Chicago", phone, &id, &err), 0);
	assert_int_equal(store_tenant_set(s, id, "account_sid", sim_account_sid(sim), &err), 0);
	assert_int_equal(store_tenant_set(s, id, "from_number", from_number, &err), 0);
	assert_int_equal(store_tenant_set(s, id, "api_base", sim_base_url(sim), &err), 0);
	if (token != NULL) {
		unsigned char *nonce = NULL, *ct = NULL;
		size_t nl = 0, cl = 0;
		assert_int_equal(vault_encrypt(v, id, "auth_token", token, &nonce, &nl, &ct, &cl, &err), 0);
		assert_int_equal(store_cred_put(s, id, "auth_token", nonce, nl, ct, cl, &err), 0);
		free(nonce);
		free(ct);
	}
	return id;
}
