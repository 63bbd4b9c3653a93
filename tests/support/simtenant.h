/* Fixture pieces shared by the integration tests that send through the loopback simulator:
 * the simulator, a fresh store file and a vault, and tenants wired to that simulator. */
#ifndef SMSDESK_SIMTENANT_H
#define SMSDESK_SIMTENANT_H
#include <stdint.h>
#include "store/store.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/vault.h"

/* Starts a simulator with this step, opens a fresh store and creates a vault whose key file
 * lives in a new temp dir (*dir, malloc'd); fails the test on error. */
void st_sim_store_vault(int step_ms, struct sim **sim, struct store **s, char **dir, struct vault **v);

/* Undoes st_sim_store_vault: closes the vault and store, stops the simulator, removes dir. */
void st_sim_store_vault_free(struct sim **sim, struct store **s, char **dir, struct vault **v);

/* Adds a tenant (America/Chicago, clinic phone `phone`) whose account SID, From number and API
 * base are the simulator's; a non-NULL token is stored encrypted as its auth_token, as setup
 * does. Returns its id; fails the test on error. */
int64_t st_sim_tenant_add(struct store *s, struct vault *v, struct sim *sim, const char *name, const char *phone,
			  const char *from_number, const char *token);

/* Starts a simulator with this step (ms per status change); fails the test on error. */
struct sim *st_sim_start(int step_ms);

/* A Twilio client for the simulator's account that never retries (each fault shows at once);
 * timeout_ms 0 = the client's default. Fails the test on error. */
struct twilio_client *st_sim_client(struct sim *sim, long timeout_ms);

#endif
