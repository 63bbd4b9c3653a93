/* Staff sign-in, roles and what each role may do. Owner: src/auth.c
 *
 * Passwords are argon2id strings from libsodium's crypto_pwhash_str with AUTH_OPSLIMIT and
 * AUTH_MEMLIMIT (tens of milliseconds to check); older hashes with other limits still verify
 * and are renewed at the next good sign-in. Five wrong passwords (global setting lockout_failures)
 * lock an account for 15 minutes (lockout_minutes); an unknown username costs the same
 * work as a known one and gets the same words, so sign-in never says who exists. Every
 * attempt is written to the audit log: login, login.failed, login.locked, unlock. */
#ifndef SMSDESK_AUTH_H
#define SMSDESK_AUTH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define AUTH_PASSWORD_MIN 10  /* characters (bytes) */
#define AUTH_PASSWORD_MAX 256
#define AUTH_LOCKOUT_FAILURES 5
#define AUTH_LOCKOUT_MINUTES 15

/* Who signed in: filled by auth_sign_in, freed with auth_session_free. */
struct auth_session {
	int64_t user_id;
	char *username;
	char *display_name;
	char *role;         /* admin, staff */
	int64_t *tenants;   /* the locations this user may see, by id (admins: every one) */
	size_t n_tenants;
	bool must_change;   /* an admin set the password (`user expire`): change it first */
};
void auth_session_free(struct auth_session *s);

enum auth_result {
	AUTH_OK = 0,
	AUTH_ERROR = -1,   /* the store failed: *err says how */
	AUTH_WRONG = 2,    /* wrong username or password (the same words either way) */
	AUTH_LOCKED = 3,   /* too many failures: *err says until when */
	AUTH_DISABLED = 4, /* right password, but an admin disabled the account */
	AUTH_NO_LOCATION = 5, /* staff without any location to see */
	AUTH_MUST_CHANGE = 6  /* right password, but it must be changed first: *out is filled
			       * (for `smsdesk passwd`), *err says how; nothing else may run */
};

enum auth_perm {
	AUTH_VIEW,        /* read threads and patients */
	AUTH_SEND,        /* text patients, change their preferences */
	AUTH_SETTINGS,    /* location settings */
	AUTH_CREDENTIALS, /* Twilio account, token, API key */
	AUTH_KEYWORDS,    /* keyword replies */
	AUTH_TEMPLATES,   /* reminder templates */
	AUTH_USERS,       /* staff accounts */
	AUTH_AUDIT_VIEW,  /* the audit log */
	AUTH_CAMPAIGNS,   /* create, start and stop campaigns (staff see them read-only) */
};

/* The argon2id cost of every new hash: OWASP's first recommended profile (Password Storage
 * Cheat Sheet: m=19 MiB, t=2, p=1), about a third of libsodium's INTERACTIVE (64 MiB, t=2), so
 * a sign-in checks in tens of milliseconds (issue 15: the console's first paint < 100 ms).
 * Hashes made with other limits (the 64 MiB ones before) still verify, and are rehashed with
 * these at the next good sign-in (crypto_pwhash_str_needs_rehash). README "Security". */
#define AUTH_OPSLIMIT 2ULL
#define AUTH_MEMLIMIT ((size_t)19456 * 1024)

/* Hashes a password (argon2id, AUTH_OPSLIMIT and AUTH_MEMLIMIT) into out (crypto_pwhash_STRBYTES, i.e.
 * AUTH_HASH_MAX). Refuses a password outside AUTH_PASSWORD_MIN..MAX with words. */
#define AUTH_HASH_MAX 128
int auth_hash_password(const char *password, char out[AUTH_HASH_MAX], char **err);
/* The argon2id string an unknown username is checked against (same limits as real ones,
 * random salt and digest: it never matches). Made once per process without hashing. */
const char *auth_dummy_hash(void);
/* How many argon2id hashes or verifications this process has done (tests, benchmarks). */
unsigned long auth_hash_count(void);

/* The last argon2id verify's wall and CPU time in microseconds (its thread's CPU: argon2id runs
 * single-threaded), for the start-up benchmark's time split. */
void auth_last_verify_us(long long *wall_us, long long *cpu_us);
/* Checks a password's length and characters (no control characters) without hashing. */
int auth_password_ok(const char *password, char **err);

/* Signs username in with password at time now. AUTH_OK fills *out; anything else sets
 * *err to words fit for the sign-in screen ("Wrong username or password.", "This account
 * is locked until 14:05 after 5 failed sign-ins.", ...). Audited. */
enum auth_result auth_sign_in(struct store *s, const char *username, const char *password, int64_t now,
			      struct auth_session *out, char **err);
/* The same check for an idle-locked console: the same user types the password again.
 * Audited as "unlock" / "unlock.failed"; failures count towards the lockout. */
enum auth_result auth_unlock(struct store *s, const char *username, const char *password, int64_t now,
			     char **err);
/* Fills *out for a user without a password (the --demo sign-in). Audited as "login" with
 * detail "demo". */
int auth_session_load(struct store *s, const char *username, struct auth_session *out, char **err);

/* True when the role may do it (unknown roles may do nothing). */
bool auth_role_can(const char *role, enum auth_perm p);
bool auth_can(const struct auth_session *s, enum auth_perm p);
/* True when the session may see location tenant_id. */
bool auth_may_see_tenant(const struct auth_session *s, int64_t tenant_id);
/* Why a role may not: "Only an admin can change settings; you are signed in as staff."
 * (static text; NULL when the role may). */
const char *auth_refusal_text(const char *role, enum auth_perm p);

/* The lockout policy from the global settings (defaults 5 and 15). */
void auth_lockout_policy(struct store *s, int *failures, int *minutes);

#endif
