/* `smsdesk --demo`: a throw-away database and key file in a temp dir, a demo clinic wired to
 * the loopback simulator (with simulated patients who answer), demo data, then the console
 * signed in as "demo". Everything is removed on exit. */
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/cli.h"
#include "src/demo.h"
#include "src/ehr.h"
#include "ui/demo_mode.h"
#include "src/sim/sim.h"
#include "src/util.h"
#include "src/vault.h"
#include "store/store.h"
#include "ui/ui.h"

#define DEMO_STEP_MS 1500
#define DEMO_PASSWORD "demo" /* shown on the sign-in and lock screens: the clinic is fiction */

/* The patient the demo's fake EHR books: a new one (the EHR's MR number), on a fictional number
 * whose last digit makes the simulated patient answer C (src/sim/sim_demo.c). */
#define DEMO_EHR_MRN "EHR-4711"
#define DEMO_EHR_APPT "EHR-APPT-1"
#define DEMO_EHR_MOBILE "+13125550131"
#define DEMO_EHR_AHEAD (23 * 3600) /* inside the 24h slot: the reminder is due at once */

struct demo {
	char *dir, *db, *key, *log;
	struct sim *sim;
	struct sim_ehr *ehr;           /* the fake EHR: receives the write-backs */
	struct ehr_listener *listener; /* smsdesk's own MLLP listener, as --scheduler --mllp runs it */
	char *notice;                  /* what the fake EHR did, for the status bar */
	int64_t tenant_id;
};

/* Removes one entry of the temp dir (for nftw). */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* Stores the simulator's auth token encrypted, as `smsdesk settings` would. */
static int store_token(struct store *s, const struct demo *d, char **err)
{
	struct vault *v = NULL;
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nonce_len = 0, ct_len = 0;
	int rc = -1;

	if (vault_create_keyfile(d->key, err) != 0 || vault_open_keyfile(d->key, &v, err) != 0)
		goto out;
	if (vault_encrypt(v, d->tenant_id, "auth_token", sim_auth_token(d->sim), &nonce, &nonce_len, &ct, &ct_len,
			  err) != 0)
		goto out;
	rc = store_cred_put(s, d->tenant_id, "auth_token", nonce, nonce_len, ct, ct_len, err);
out:
	free(nonce);
	free(ct);
	vault_close(&v);
	return rc;
}

/* The demo sign-in: an admin "demo" (password DEMO_PASSWORD; cheap hash, the database is thrown away). */
static int add_demo_user(struct store *s, int64_t tenant_id, char **err)
{
	char hash[crypto_pwhash_STRBYTES];
	int64_t uid = 0;

	if (crypto_pwhash_str(hash, DEMO_PASSWORD, strlen(DEMO_PASSWORD), crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) != 0)
		return seterr(err, "cannot hash the demo password");
	if (store_user_add(s, "demo", "Demo User", hash, "admin", &uid, err) != 0)
		return -1;
	return store_user_add_tenant(s, uid, tenant_id, err);
}

/* Creates the clinic, wires it to the simulator, fills it with demo data. */
static int setup_store(struct demo *d, char **err)
{
	struct store *s = NULL;
	int rc = -1;

	if (store_open(d->db, &s, err) != 0)
		return -1;
	if (store_tenant_add(s, "Demo Clinic", "America/Chicago", "+13125550100", &d->tenant_id, err) != 0 ||
	    store_tenant_set(s, d->tenant_id, "account_sid", sim_account_sid(d->sim), err) != 0 ||
	    store_tenant_set(s, d->tenant_id, "from_number", DEMO_FROM_NUMBER, err) != 0 ||
	    store_tenant_set(s, d->tenant_id, "api_base", sim_base_url(d->sim), err) != 0 ||
	    store_tenant_set(s, d->tenant_id, "poll_seconds", "5", err) != 0 || store_token(s, d, err) != 0 ||
	    add_demo_user(s, d->tenant_id, err) != 0 || demo_populate(s, d->tenant_id, clock_now(), err) != 0)
		goto out;
	rc = 0;
out:
	store_close(&s);
	return rc;
}

/* A patient texts a photo (MMS) through the simulator: the console's first poll lists it and
 * fetches the photo, so the demo shows the whole path (Emily Johnson's thread). */
static void seed_photo(struct demo *d)
{
	static const char *const media[] = {"gen:image/jpeg:245760"};
	sim_inject_inbound_media(d->sim, "+13125550115", DEMO_FROM_NUMBER,
				 "Here is the spot on my arm from last week, it looks bigger to me", media, 1, NULL);
}

/* The EHR loop: the fake EHR and smsdesk's MLLP listener on loopback, write-backs to the fake
 * EHR, and one SIU^S12 sent through the listener (a new patient and appointment from the EHR).
 * When she answers C to her reminder, the console's pass sends the SIU^S14 back. */
static int start_ehr(struct demo *d, char **err)
{
	struct store *s = NULL;
	char wb[64], addr[64], *code = NULL;
	if (sim_ehr_start("127.0.0.1:0", &d->ehr, err) != 0 ||
	    ehr_listener_start(d->db, "127.0.0.1:0", NULL, &d->listener, err) != 0)
		return -1;
	snprintf(wb, sizeof wb, "127.0.0.1:%u", sim_ehr_port(d->ehr));
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ehr_listener_port(d->listener));
	if (store_open(d->db, &s, err) != 0)
		return -1;
	int rc = store_setting_set(s, d->tenant_id, "ehr_writeback", wb, err);
	store_close(&s);
	if (rc != 0)
		return -1;
	char *msg = sim_ehr_siu("S12", "DEMO-S12-1", DEMO_EHR_APPT, DEMO_EHR_MRN, "Rosa", "Delgado", DEMO_EHR_MOBILE,
				clock_now() + DEMO_EHR_AHEAD);
	rc = sim_ehr_send(addr, msg, &code, err);
	free(msg);
	if (rc == 0 && strcmp(code, "AA") != 0)
		rc = seterr(err, "the demo's SIU^S12 was answered %s, not AA", code);
	if (rc == 0)
		d->notice = xstrdup("EHR: S12 in");
	free(code);
	return rc;
}

/* Writes where the demo lives for scripts and tests (SMSDESK_DEMO_INFO names the file). */
static void write_info(const struct demo *d)
{
	const char *path = getenv("SMSDESK_DEMO_INFO");
	if (path == NULL)
		return;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "base_url=%s\nfrom_number=%s\ndb=%s\ntenant_id=%lld\nlog=%s\nmllp_port=%u\nfake_ehr_port=%u\n",
		sim_base_url(d->sim), DEMO_FROM_NUMBER, d->db, (long long)d->tenant_id, d->log,
		ehr_listener_port(d->listener), sim_ehr_port(d->ehr));
	fclose(f);
}

/* Runs the demo. */
int demo_mode_main(int argc, char **argv)
{
	struct demo d = {0};
	char *err = NULL;
	int rc = EXIT_FAIL;
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/smsdesk-demo-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		puts("usage: smsdesk --demo\n  A throw-away clinic with demo patients, the Twilio simulator on loopback,\n"
		     "  a fake EHR that books one patient over MLLP and receives her confirmation back,\n"
		     "  then the console signed in as \"demo\". Nothing is kept.");
		free(tmpl);
		return EXIT_OK;
	}
	if (sodium_init() < 0 || mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "smsdesk --demo: cannot create a temp directory under %s\n", tmp ? tmp : "/tmp");
		free(tmpl);
		return EXIT_FAIL;
	}
	d.dir = tmpl;
	d.db = xasprintf("%s/demo.db", d.dir);
	d.key = xasprintf("%s/key", d.dir);
	d.log = xasprintf("%s/console.log", d.dir);
	struct sim_config cfg = {.step_ms = DEMO_STEP_MS, .demo_patients = true};
	if (sim_start(&cfg, &d.sim, &err) != 0 || setup_store(&d, &err) != 0 || start_ehr(&d, &err) != 0)
		goto out;
	seed_photo(&d);
	write_info(&d);
	if (getenv("SMSDESK_CONSOLE_LOG") == NULL)
		setenv("SMSDESK_CONSOLE_LOG", d.log, 1);
	struct ui_options opts = {.db_path = d.db, .key_file = d.key, .demo_user = "demo", .tenant_id = d.tenant_id,
				 .demo_password = DEMO_PASSWORD, .run_reminders = true, .ehr_note = d.notice};
	rc = ui_run(&opts);
out:
	if (err != NULL)
		fprintf(stderr, "smsdesk --demo: %s\n", err);
	free(err);
	ehr_listener_stop(&d.listener);
	sim_ehr_stop(&d.ehr);
	sim_stop(&d.sim);
	free(d.notice);
	nftw(d.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(d.db);
	free(d.key);
	free(d.log);
	free(d.dir);
	return rc;
}
