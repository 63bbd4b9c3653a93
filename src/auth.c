/* Staff sign-in: argon2id passwords, lockout after repeated failures, roles, audit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/tz.h"
#include "src/util.h"

#define WRONG_TEXT "Wrong username or password."

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static _Atomic unsigned long hash_count; /* argon2id computations, for tests and benchmarks */

/* Makes the hash an unknown username is checked against, so that it costs the same: an
 * argon2id string with the limits of new hashes and a random salt and digest. Verifying it
 * does the full argon2id work and never matches, and making it costs no hash at all (it
 * used to hash a random password, which doubled the first sign-in's time). */
static void dummy_init(void)
{
	unsigned char salt[16], digest[32];
	char salt64[sizeof(salt) * 2], digest64[sizeof(digest) * 2];
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(digest, sizeof(digest));
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(digest64, sizeof(digest64), digest, sizeof(digest),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	int n = snprintf(dummy_hash, sizeof(dummy_hash), "%sv=19$m=%zu,t=%llu,p=1$%s$%s", crypto_pwhash_STRPREFIX,
			 AUTH_MEMLIMIT / 1024, AUTH_OPSLIMIT, salt64, digest64);
	if (n < 0 || (size_t)n >= sizeof(dummy_hash))
		dummy_hash[0] = '\0';
}

const char *auth_dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_init);
	return dummy_hash;
}

unsigned long auth_hash_count(void)
{
	return hash_count;
}

static _Atomic long long verify_wall_us, verify_cpu_us; /* the last verify's cost */

void auth_last_verify_us(long long *wall_us, long long *cpu_us)
{
	*wall_us = verify_wall_us;
	*cpu_us = verify_cpu_us;
}

/* A clock in microseconds. */
static long long clock_us(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* crypto_pwhash_str_verify, counted and timed. */
static int verify(const char *hash, const char *password, size_t len)
{
	hash_count++;
	long long w = clock_us(CLOCK_MONOTONIC), c = clock_us(CLOCK_THREAD_CPUTIME_ID);
	int rc = crypto_pwhash_str_verify(hash, password, len);
	verify_wall_us = clock_us(CLOCK_MONOTONIC) - w;
	verify_cpu_us = clock_us(CLOCK_THREAD_CPUTIME_ID) - c;
	return rc;
}

void auth_session_free(struct auth_session *s)
{
	if (s == NULL)
		return;
	free(s->username);
	free(s->display_name);
	free(s->role);
	free(s->tenants);
	memset(s, 0, sizeof(*s));
}

int auth_password_ok(const char *password, char **err)
{
	size_t n = password ? strlen(password) : 0;
	if (n < AUTH_PASSWORD_MIN)
		return seterr(err, "a password needs at least %d characters", AUTH_PASSWORD_MIN);
	if (n > AUTH_PASSWORD_MAX)
		return seterr(err, "a password may have at most %d characters", AUTH_PASSWORD_MAX);
	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return seterr(err, "a password may not contain control characters");
	return 0;
}

int auth_hash_password(const char *password, char out[AUTH_HASH_MAX], char **err)
{
	_Static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer too small");
	if (auth_password_ok(password, err) != 0)
		return -1;
	if (sodium_init() < 0)
		return seterr(err, "libsodium could not start");
	hash_count++;
	if (crypto_pwhash_str(out, password, strlen(password), AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 0)
		return seterr(err, "not enough memory to hash the password");
	return 0;
}

/* An integer global setting within [min, max], else def. */
static int setting_int(struct store *s, const char *key, int def, int min, int max)
{
	char *v = NULL, *end = NULL;
	int out = def;
	if (store_setting_get(s, 0, key, &v, NULL) == 0 && v != NULL) {
		long n = strtol(v, &end, 10);
		if (end != v && *end == '\0' && n >= min && n <= max)
			out = (int)n;
	}
	free(v);
	return out;
}

void auth_lockout_policy(struct store *s, int *failures, int *minutes)
{
	*failures = setting_int(s, "lockout_failures", AUTH_LOCKOUT_FAILURES, 1, 100);
	*minutes = setting_int(s, "lockout_minutes", AUTH_LOCKOUT_MINUTES, 1, 24 * 60);
}

/* "14:05" (or "Nov 26 14:05" when not today) in the zone of the user's first location, else
 * the first location's, else UTC. */
static void format_until(struct store *s, int64_t user_id, int64_t t, int64_t now, char *out, size_t len)
{
	int64_t *ids = NULL;
	size_t n = 0;
	struct tenant tn = {0};
	int64_t tid = 0;
	if (store_user_tenants(s, user_id, &ids, &n, NULL) == 0 && n > 0)
		tid = ids[0];
	free(ids);
	if (tid == 0) {
		struct tenant *list = NULL;
		size_t m = 0;
		if (store_tenant_list(s, &list, &m, NULL) == 0 && m > 0)
			tid = list[0].id;
		tenant_list_free(&list, m);
	}
	struct tm tm, now_tm;
	bool zoned = tid != 0 && store_tenant_get(s, tid, &tn, NULL) == 0 && tz_local(tn.timezone, t, &tm) == 0 &&
		     tz_local(tn.timezone, now, &now_tm) == 0;
	if (!zoned) {
		time_t a = (time_t)t, b = (time_t)now;
		gmtime_r(&a, &tm);
		gmtime_r(&b, &now_tm);
	}
	tenant_free(&tn);
	bool today = tm.tm_yday == now_tm.tm_yday && tm.tm_year == now_tm.tm_year;
	strftime(out, len, today ? (zoned ? "%H:%M" : "%H:%M UTC") : (zoned ? "%b %d %H:%M" : "%b %d %H:%M UTC"), &tm);
}

/* Audits an attempt without failing the caller when the log cannot be written. */
static void audit(struct store *s, int64_t uid, const char *username, const char *action, const char *detail)
{
	/* Usernames come from the keyboard: keep what the log accepts. */
	char safe[65];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)(username ? username : ""); *p && o < 64; p++)
		safe[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
	safe[o] = '\0';
	store_audit_append(s, uid, o ? safe : "?", 0, action, 0, NULL, detail, NULL);
}

/* Loads the session of user u (locations: every one for admins). */
static int session_fill(struct store *s, const struct user *u, struct auth_session *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(u->role, "admin") == 0) {
		struct tenant *list = NULL;
		size_t n = 0;
		if (store_tenant_list(s, &list, &n, err) != 0)
			return -1;
		out->tenants = xcalloc(n ? n : 1, sizeof(int64_t));
		for (size_t i = 0; i < n; i++)
			out->tenants[i] = list[i].id;
		out->n_tenants = n;
		tenant_list_free(&list, n);
	} else if (store_user_tenants(s, u->id, &out->tenants, &out->n_tenants, err) != 0) {
		return -1;
	} else {
		/* A retired location is closed to its staff too. */
		size_t kept = 0;
		for (size_t i = 0; i < out->n_tenants; i++) {
			int64_t retired = 0;
			if (store_tenant_retired(s, out->tenants[i], &retired, NULL) == 0 && retired == 0)
				out->tenants[kept++] = out->tenants[i];
		}
		out->n_tenants = kept;
	}
	out->user_id = u->id;
	out->username = xstrdup(u->username);
	out->display_name = xstrdup(u->display_name ? u->display_name : "");
	out->role = xstrdup(u->role);
	return 0;
}

/* Rehashes a right password whose stored hash has other limits than new ones (the old
 * 64 MiB profile): true when the store now holds the new hash. A failure keeps the old hash,
 * which still verifies; the sign-in goes on. */
static bool upgrade_hash(struct store *s, const struct user *u, const char *password)
{
	char hash[AUTH_HASH_MAX];
	bool done = false;
	if (crypto_pwhash_str_needs_rehash(u->pw_hash, AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 1)
		return false;
	hash_count++;
	if (crypto_pwhash_str(hash, password, strlen(password), AUTH_OPSLIMIT, AUTH_MEMLIMIT) == 0)
		done = store_user_set_password(s, u->id, hash, NULL) == 0;
	sodium_memzero(hash, sizeof(hash));
	return done;
}

/* The shared check: lockout, password, disabled. On AUTH_OK *u stays filled for the caller and
 * *upgraded says whether the password's hash was renewed with the current limits. */
static enum auth_result check(struct store *s, const char *username, const char *password, int64_t now,
			      bool unlocking, struct user *u, bool *upgraded, char **err)
{
	int max_fail, minutes;
	char when[48];
	const char *fail_action = unlocking ? "unlock.failed" : "login.failed";
	const char *dummy = auth_dummy_hash();
	auth_lockout_policy(s, &max_fail, &minutes);
	size_t pwlen = password ? strlen(password) : 0;
	int rc = store_user_find(s, username ? username : "", u, NULL);
	if (rc < 0)
		return seterr(err, "cannot read the user list"), AUTH_ERROR;
	if (rc == SD_NOTFOUND) {
		/* The same work as a real check, and the same words. */
		volatile int ignored = verify(dummy, password ? password : "", pwlen);
		(void)ignored;
		audit(s, 0, username, fail_action, "unknown user");
		seterr(err, WRONG_TEXT);
		return AUTH_WRONG;
	}
	if (u->locked_until > now) {
		format_until(s, u->id, u->locked_until, now, when, sizeof(when));
		audit(s, u->id, u->username, "login.locked", "attempt while locked");
		seterr(err, "This account is locked until %s after %d failed sign-ins.", when, max_fail);
		return AUTH_LOCKED;
	}
	if (pwlen == 0 || pwlen > AUTH_PASSWORD_MAX ||
	    verify(u->pw_hash, password, pwlen) != 0) {
		int64_t until = now + (int64_t)minutes * 60;
		if (store_user_login_failed(s, u->id, max_fail, until, now, err) != 0)
			return AUTH_ERROR;
		bool lock_expired = u->locked_until > 0 && u->locked_until <= now;
		bool now_locked = (lock_expired ? 0 : u->failed_logins) + 1 >= max_fail;
		audit(s, u->id, u->username, fail_action, now_locked ? "wrong password; account locked" : "wrong password");
		if (now_locked) {
			format_until(s, u->id, until, now, when, sizeof(when));
			seterr(err, "Account locked until %s after %d failed sign-ins.", when,
			       max_fail);
			return AUTH_LOCKED;
		}
		seterr(err, WRONG_TEXT);
		return AUTH_WRONG;
	}
	if (u->disabled) {
		audit(s, u->id, u->username, fail_action, "account disabled");
		seterr(err, "This account is disabled: ask an admin.");
		return AUTH_DISABLED;
	}
	*upgraded = upgrade_hash(s, u, password);
	if (store_user_login_ok(s, u->id, now, err) != 0)
		return AUTH_ERROR;
	return AUTH_OK;
}

#define UPGRADED_TEXT "password hash renewed (argon2id m=19456 KiB, t=2)"

enum auth_result auth_sign_in(struct store *s, const char *username, const char *password, int64_t now,
			      struct auth_session *out, char **err)
{
	struct user u = {0};
	bool upgraded = false;
	memset(out, 0, sizeof(*out));
	enum auth_result r = check(s, username, password, now, false, &u, &upgraded, err);
	if (r == AUTH_OK && session_fill(s, &u, out, err) != 0)
		r = AUTH_ERROR;
	if (r == AUTH_OK && out->n_tenants == 0 && strcmp(out->role, "admin") != 0) {
		auth_session_free(out);
		audit(s, u.id, u.username, "login.failed", "no location assigned");
		seterr(err, "This account has no clinic location yet: ask an admin to add one.");
		r = AUTH_NO_LOCATION;
	}
	if (r == AUTH_OK && store_user_must_change(s, u.id, &out->must_change, err) < 0)
		r = AUTH_ERROR;
	if (r == AUTH_OK && out->must_change) {
		audit(s, u.id, u.username, "login.must_change", "password set by an admin");
		seterr(err, "Your password was set by an admin: choose your own first with 'smsdesk passwd' at a shell.");
		r = AUTH_MUST_CHANGE;
	} else if (r == AUTH_OK)
		audit(s, u.id, u.username, "login", upgraded ? UPGRADED_TEXT : NULL);
	user_free(&u);
	return r;
}

enum auth_result auth_unlock(struct store *s, const char *username, const char *password, int64_t now, char **err)
{
	struct user u = {0};
	bool upgraded = false;
	enum auth_result r = check(s, username, password, now, true, &u, &upgraded, err);
	if (r == AUTH_OK)
		audit(s, u.id, u.username, "unlock", upgraded ? UPGRADED_TEXT : NULL);
	user_free(&u);
	return r;
}

int auth_session_load(struct store *s, const char *username, struct auth_session *out, char **err)
{
	struct user u = {0};
	memset(out, 0, sizeof(*out));
	int rc = store_user_find(s, username, &u, err);
	if (rc != 0)
		return -1;
	if (u.disabled) {
		user_free(&u);
		return seterr(err, "the account %s is disabled", username);
	}
	rc = session_fill(s, &u, out, err);
	if (rc == 0) {
		store_user_login_ok(s, u.id, clock_now(), NULL);
		audit(s, u.id, u.username, "login", "demo sign-in");
	}
	user_free(&u);
	return rc;
}

bool auth_role_can(const char *role, enum auth_perm p)
{
	if (role == NULL)
		return false;
	if (strcmp(role, "admin") == 0)
		return true;
	if (strcmp(role, "staff") == 0)
		return p == AUTH_VIEW || p == AUTH_SEND;
	return false;
}

bool auth_can(const struct auth_session *s, enum auth_perm p)
{
	return s != NULL && auth_role_can(s->role, p);
}

bool auth_may_see_tenant(const struct auth_session *s, int64_t tenant_id)
{
	for (size_t i = 0; s && i < s->n_tenants; i++)
		if (s->tenants[i] == tenant_id)
			return true;
	return false;
}

const char *auth_refusal_text(const char *role, enum auth_perm p)
{
	static const char *const what[] = {
		[AUTH_VIEW] = "Only signed-in staff can see patients and messages",
		[AUTH_SEND] = "Only signed-in staff can text patients",
		[AUTH_SETTINGS] = "Only an admin can change settings",
		[AUTH_CREDENTIALS] = "Only an admin can change the Twilio credentials",
		[AUTH_KEYWORDS] = "Only an admin can change keyword replies",
		[AUTH_TEMPLATES] = "Only an admin can change message templates",
		[AUTH_USERS] = "Only an admin can manage staff accounts",
		[AUTH_AUDIT_VIEW] = "Only an admin can see the audit log",
		[AUTH_CAMPAIGNS] = "Only an admin can create, start or stop a campaign",
	};
	static const char *const staff[] = {
		[AUTH_VIEW] = NULL,
		[AUTH_SEND] = NULL,
		[AUTH_SETTINGS] = "Only an admin can change settings; you are signed in as staff.",
		[AUTH_CREDENTIALS] = "Only an admin can change the Twilio credentials; you are signed in as staff.",
		[AUTH_KEYWORDS] = "Only an admin can change keyword replies; you are signed in as staff.",
		[AUTH_TEMPLATES] = "Only an admin can change message templates; you are signed in as staff.",
		[AUTH_USERS] = "Only an admin can manage staff accounts; you are signed in as staff.",
		[AUTH_AUDIT_VIEW] = "Only an admin can see the audit log; you are signed in as staff.",
		[AUTH_CAMPAIGNS] = "Only an admin can create, start or stop a campaign; you are signed in as staff.",
	};
	if ((unsigned)p > AUTH_CAMPAIGNS)
		return "Not allowed.";
	if (auth_role_can(role, p))
		return NULL;
	if (role != NULL && strcmp(role, "staff") == 0)
		return staff[p];
	return what[p];
}
