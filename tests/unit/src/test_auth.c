/* Tests for src/auth.c: hashing, sign-in, lockout, roles, against a real store file. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/tz.h"
#include "src/util.h"

#define T0 1790000000 /* a fixed "now" */
#define GOOD_PW "correct horse battery"

/* A store with one location and users ann (admin) and bob (staff, at the location). */
static struct store *setup(int64_t *tenant, int64_t *ann, int64_t *bob)
{
	struct store *s = tu_store_new(NULL);
	char hash[AUTH_HASH_MAX];
	char *err = NULL;
	int64_t t = 0, a = 0, b = 0;
	clock_set_fake(T0);
	assert_int_equal(store_tenant_add(s, "Main St", "America/Chicago", "", &t, &err), 0);
	assert_int_equal(auth_hash_password(GOOD_PW, hash, &err), 0);
	assert_int_equal(store_user_add(s, "ann", "Ann Admin", hash, "admin", &a, &err), 0);
	assert_int_equal(store_user_add(s, "bob", "Bob Staff", hash, "staff", &b, &err), 0);
	assert_int_equal(store_user_add_tenant(s, b, t, &err), 0);
	if (tenant)
		*tenant = t;
	if (ann)
		*ann = a;
	if (bob)
		*bob = b;
	return s;
}

/* Counts audit entries whose action is exactly action. */
static size_t audit_count(struct store *s, const char *action)
{
	struct audit_entry *e = NULL;
	size_t n = 0, hits = 0;
	assert_int_equal(store_audit_list(s, 0, 0, action, 0, &e, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		hits += strcmp(e[i].action, action) == 0;
	audit_entry_list_free(&e, n);
	return hits;
}

static void auth_hash_password__makes_verifiable_argon2id__when_long_enough(void **state)
{
	(void)state;
	char hash[AUTH_HASH_MAX];
	char *err = NULL;
	assert_int_equal(auth_hash_password(GOOD_PW, hash, &err), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(crypto_pwhash_str_verify(hash, GOOD_PW, strlen(GOOD_PW)), 0);
	assert_int_not_equal(crypto_pwhash_str_verify(hash, "correct horse battery!", 22), 0);
	/* a salt: the same password twice gives two hashes */
	char again[AUTH_HASH_MAX];
	assert_int_equal(auth_hash_password(GOOD_PW, again, &err), 0);
	assert_string_not_equal(hash, again);
}

static void auth_hash_password__uses_owasp_profile__when_hashing(void **state)
{
	(void)state;
	char hash[AUTH_HASH_MAX];
	char *err = NULL;
	assert_int_equal(auth_hash_password(GOOD_PW, hash, &err), 0);
	/* m=19 MiB, t=2, p=1 (README "Security"), not libsodium's 64 MiB interactive profile */
	assert_non_null(strstr(hash, "$v=19$m=19456,t=2,p=1$"));
	assert_int_equal(crypto_pwhash_str_needs_rehash(hash, AUTH_OPSLIMIT, AUTH_MEMLIMIT), 0);
}

/* The hash of user id in the store (malloc'd). */
static char *stored_hash(struct store *s, int64_t id)
{
	struct user u;
	assert_int_equal(store_user_get(s, id, &u, NULL), 0);
	char *h = xstrdup(u.pw_hash);
	user_free(&u);
	return h;
}

/* The detail of the newest audit entry with this action (malloc'd, "" when none). */
static char *last_detail(struct store *s, const char *action)
{
	struct audit_entry *e = NULL;
	size_t n = 0;
	char *d = NULL;
	assert_int_equal(store_audit_list(s, 0, 0, action, 0, &e, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) /* oldest first */
		if (strcmp(e[i].action, action) == 0) {
			free(d);
			d = xstrdup(e[i].detail ? e[i].detail : "");
		}
	audit_entry_list_free(&e, n);
	return d ? d : xstrdup("");
}

static void auth_sign_in__renews_hash__when_stored_with_old_limits(void **state)
{
	(void)state;
	int64_t bob;
	struct store *s = setup(NULL, NULL, &bob);
	struct auth_session ses;
	char old[AUTH_HASH_MAX], *err = NULL;
	/* a hash from before: libsodium's interactive limits (64 MiB) */
	assert_int_equal(crypto_pwhash_str(old, GOOD_PW, strlen(GOOD_PW), crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE), 0);
	assert_int_equal(store_user_set_password(s, bob, old, &err), 0);
	/* a wrong password renews nothing */
	assert_int_equal(auth_sign_in(s, "bob", "wrong password!", T0, &ses, &err), AUTH_WRONG);
	xfree(&err);
	char *h = stored_hash(s, bob);
	assert_string_equal(h, old);
	free(h);
	/* the right one still signs in, and the hash is renewed with the current limits */
	unsigned long before = auth_hash_count();
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 1, &ses, &err), AUTH_OK);
	auth_session_free(&ses);
	assert_int_equal(auth_hash_count() - before, 2); /* the check, then the new hash */
	h = stored_hash(s, bob);
	assert_string_not_equal(h, old);
	assert_int_equal(crypto_pwhash_str_needs_rehash(h, AUTH_OPSLIMIT, AUTH_MEMLIMIT), 0);
	assert_int_equal(crypto_pwhash_str_verify(h, GOOD_PW, strlen(GOOD_PW)), 0);
	char *d = last_detail(s, "login");
	assert_non_null(strstr(d, "renewed"));
	free(d);
	/* the next sign-in checks the new hash once and keeps it */
	before = auth_hash_count();
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 2, &ses, &err), AUTH_OK);
	auth_session_free(&ses);
	assert_int_equal(auth_hash_count() - before, 1);
	char *h2 = stored_hash(s, bob);
	assert_string_equal(h2, h);
	free(h2);
	free(h);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_hash_password__refuses__when_short_or_control_chars(void **state)
{
	(void)state;
	char hash[AUTH_HASH_MAX];
	char *err = NULL;
	assert_int_equal(auth_hash_password("short", hash, &err), -1);
	assert_non_null(strstr(err, "10"));
	xfree(&err);
	assert_int_equal(auth_hash_password("", hash, &err), -1);
	xfree(&err);
	assert_int_equal(auth_hash_password(NULL, hash, &err), -1);
	xfree(&err);
	assert_int_equal(auth_hash_password("0123456789\x1b[2J", hash, &err), -1);
	assert_non_null(strstr(err, "control"));
	xfree(&err);
	char longpw[AUTH_PASSWORD_MAX + 2];
	memset(longpw, 'x', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_int_equal(auth_hash_password(longpw, hash, &err), -1);
	xfree(&err);
}

static void auth_sign_in__fills_session__when_password_right(void **state)
{
	(void)state;
	int64_t t, ann, bob;
	struct store *s = setup(&t, &ann, &bob);
	struct auth_session ses;
	char *err = NULL;
	int64_t t2 = 0;
	assert_int_equal(store_tenant_add(s, "Oak Ave", "America/Denver", "", &t2, &err), 0);
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0, &ses, &err), AUTH_OK);
	assert_int_equal(ses.user_id, bob);
	assert_string_equal(ses.role, "staff");
	assert_string_equal(ses.display_name, "Bob Staff");
	assert_int_equal(ses.n_tenants, 1);
	assert_true(auth_may_see_tenant(&ses, t));
	assert_false(auth_may_see_tenant(&ses, t2));
	auth_session_free(&ses);
	/* admins see every location */
	assert_int_equal(auth_sign_in(s, "ann", GOOD_PW, T0, &ses, &err), AUTH_OK);
	assert_int_equal(ses.n_tenants, 2);
	assert_true(auth_may_see_tenant(&ses, t2));
	auth_session_free(&ses);
	assert_int_equal(audit_count(s, "login"), 2);
	struct user u;
	assert_int_equal(store_user_get(s, ann, &u, &err), 0);
	assert_int_equal(u.last_login_at, T0);
	user_free(&u);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_sign_in__same_words__when_user_unknown_or_password_wrong(void **state)
{
	(void)state;
	struct store *s = setup(NULL, NULL, NULL);
	struct auth_session ses;
	char *e1 = NULL, *e2 = NULL;
	assert_int_equal(auth_sign_in(s, "nobody", GOOD_PW, T0, &ses, &e1), AUTH_WRONG);
	assert_int_equal(auth_sign_in(s, "bob", "wrong password!", T0, &ses, &e2), AUTH_WRONG);
	assert_string_equal(e1, e2);
	assert_null(ses.username);
	/* hostile usernames are refused the same way and still audited safely */
	assert_int_equal(auth_sign_in(s, "x\x1b]0;pwn\a", GOOD_PW, T0, &ses, &e1), AUTH_WRONG);
	assert_int_equal(auth_sign_in(s, NULL, NULL, T0, &ses, &e1), AUTH_WRONG);
	assert_int_equal(auth_sign_in(s, "bob", "", T0, &ses, &e1), AUTH_WRONG);
	assert_int_equal(audit_count(s, "login.failed"), 5);
	int64_t bad = -1;
	assert_int_equal(store_audit_verify(s, &bad, NULL), 0);
	assert_int_equal(bad, 0);
	free(e1);
	free(e2);
	store_close(&s);
	clock_set_fake(0);
}

/* Issue 15: the first sign-in hashed twice (making the unknown-user hash, then checking), 277 ms
 * of the console's start. Each sign-in, known user or not, now costs one argon2id. */
static void auth_sign_in__costs_one_hash__when_user_known_or_unknown(void **state)
{
	(void)state;
	struct store *s = setup(NULL, NULL, NULL);
	struct auth_session ses;
	char *err = NULL;
	unsigned long before = auth_hash_count();
	assert_int_equal(auth_sign_in(s, "nobody", GOOD_PW, T0, &ses, &err), AUTH_WRONG);
	assert_int_equal(auth_hash_count() - before, 1);
	xfree(&err);
	before = auth_hash_count();
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0, &ses, &err), AUTH_OK);
	assert_int_equal(auth_hash_count() - before, 1);
	auth_session_free(&ses);
	before = auth_hash_count();
	assert_int_equal(auth_sign_in(s, "bob", "wrong password!", T0, &ses, &err), AUTH_WRONG);
	assert_int_equal(auth_hash_count() - before, 1);
	xfree(&err);
	/* The unknown-user check does the same work as a real one: same algorithm and limits. */
	const char *dummy = auth_dummy_hash();
	assert_int_equal(strncmp(dummy, "$argon2id$", 10), 0);
	assert_int_equal(crypto_pwhash_str_needs_rehash(dummy, AUTH_OPSLIMIT, AUTH_MEMLIMIT), 0);
	assert_int_not_equal(crypto_pwhash_str_verify(dummy, GOOD_PW, strlen(GOOD_PW)), 0);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_sign_in__locks__when_five_failures(void **state)
{
	(void)state;
	int64_t bob;
	struct store *s = setup(NULL, NULL, &bob);
	struct auth_session ses;
	char *err = NULL;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(auth_sign_in(s, "bob", "not the password", T0 + i, &ses, &err), AUTH_WRONG);
		xfree(&err);
	}
	assert_int_equal(auth_sign_in(s, "bob", "not the password", T0 + 4, &ses, &err), AUTH_LOCKED);
	assert_non_null(strstr(err, "locked until"));
	assert_non_null(strstr(err, "5 failed"));
	xfree(&err);
	/* the right password no longer helps, and says until when (15 minutes, Chicago time) */
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 60, &ses, &err), AUTH_LOCKED);
	char expect[64];
	struct tm tm;
	assert_int_equal(tz_local("America/Chicago", T0 + 4 + 15 * 60, &tm), 0);
	strftime(expect, sizeof(expect), "%H:%M", &tm);
	assert_non_null(strstr(err, expect));
	xfree(&err);
	assert_int_equal(audit_count(s, "login.locked"), 1);
	/* after the lock runs out the right password works and clears the count */
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 4 + 15 * 60, &ses, &err), AUTH_OK);
	auth_session_free(&ses);
	struct user u;
	assert_int_equal(store_user_get(s, bob, &u, &err), 0);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.locked_until, 0);
	user_free(&u);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_sign_in__counts_afresh__when_lock_expired(void **state)
{
	(void)state;
	int64_t bob;
	struct store *s = setup(NULL, NULL, &bob);
	struct auth_session ses;
	char *err = NULL;
	for (int i = 0; i < 5; i++) {
		auth_sign_in(s, "bob", "not the password", T0 + i, &ses, &err);
		xfree(&err);
	}
	/* 15 minutes later one more typo is one failure, not an instant new lock */
	int64_t later = T0 + 4 + 15 * 60;
	assert_int_equal(auth_sign_in(s, "bob", "not the password", later, &ses, &err), AUTH_WRONG);
	xfree(&err);
	struct user u;
	assert_int_equal(store_user_get(s, bob, &u, &err), 0);
	assert_int_equal(u.failed_logins, 1);
	assert_int_equal(u.locked_until, 0);
	user_free(&u);
	/* and four more lock it again */
	for (int i = 1; i < 4; i++) {
		assert_int_equal(auth_sign_in(s, "bob", "not the password", later + i, &ses, &err), AUTH_WRONG);
		xfree(&err);
	}
	assert_int_equal(auth_sign_in(s, "bob", "not the password", later + 4, &ses, &err), AUTH_LOCKED);
	xfree(&err);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_sign_in__follows_policy__when_settings_changed(void **state)
{
	(void)state;
	struct store *s = setup(NULL, NULL, NULL);
	struct auth_session ses;
	char *err = NULL;
	assert_int_equal(store_setting_set(s, 0, "lockout_failures", "2", &err), 0);
	assert_int_equal(store_setting_set(s, 0, "lockout_minutes", "1", &err), 0);
	assert_int_equal(auth_sign_in(s, "bob", "not the password", T0, &ses, &err), AUTH_WRONG);
	xfree(&err);
	assert_int_equal(auth_sign_in(s, "bob", "not the password", T0, &ses, &err), AUTH_LOCKED);
	xfree(&err);
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 59, &ses, &err), AUTH_LOCKED);
	xfree(&err);
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0 + 60, &ses, &err), AUTH_OK);
	auth_session_free(&ses);
	/* nonsense in the settings falls back to the defaults */
	assert_int_equal(store_setting_set(s, 0, "lockout_failures", "-3", &err), 0);
	assert_int_equal(store_setting_set(s, 0, "lockout_minutes", "lots", &err), 0);
	int f, m;
	auth_lockout_policy(s, &f, &m);
	assert_int_equal(f, AUTH_LOCKOUT_FAILURES);
	assert_int_equal(m, AUTH_LOCKOUT_MINUTES);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_sign_in__refuses__when_disabled_or_no_location(void **state)
{
	(void)state;
	int64_t bob;
	struct store *s = setup(NULL, NULL, &bob);
	struct auth_session ses;
	char *err = NULL, hash[AUTH_HASH_MAX];
	assert_int_equal(store_user_set_disabled(s, bob, true, &err), 0);
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0, &ses, &err), AUTH_DISABLED);
	assert_non_null(strstr(err, "disabled"));
	xfree(&err);
	/* a wrong password on a disabled account says nothing about it */
	assert_int_equal(auth_sign_in(s, "bob", "not the password", T0, &ses, &err), AUTH_WRONG);
	assert_null(strstr(err, "disabled"));
	xfree(&err);
	assert_int_equal(store_user_set_disabled(s, bob, false, &err), 0);
	assert_int_equal(auth_sign_in(s, "bob", GOOD_PW, T0, &ses, &err), AUTH_OK);
	auth_session_free(&ses);
	assert_int_equal(auth_hash_password(GOOD_PW, hash, &err), 0);
	assert_int_equal(store_user_add(s, "cat", "", hash, "staff", NULL, &err), 0);
	assert_int_equal(auth_sign_in(s, "cat", GOOD_PW, T0, &ses, &err), AUTH_NO_LOCATION);
	assert_null(ses.username);
	xfree(&err);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_unlock__audits_and_counts__when_idle_locked(void **state)
{
	(void)state;
	struct store *s = setup(NULL, NULL, NULL);
	char *err = NULL;
	assert_int_equal(auth_unlock(s, "bob", "not the password", T0, &err), AUTH_WRONG);
	xfree(&err);
	assert_int_equal(auth_unlock(s, "bob", GOOD_PW, T0, &err), AUTH_OK);
	assert_int_equal(audit_count(s, "unlock"), 1);
	assert_int_equal(audit_count(s, "unlock.failed"), 1);
	assert_int_equal(audit_count(s, "login"), 0);
	for (int i = 0; i < 5; i++)
		xfree(&err), auth_unlock(s, "bob", "not the password", T0, &err);
	assert_int_equal(auth_unlock(s, "bob", GOOD_PW, T0, &err), AUTH_LOCKED);
	xfree(&err);
	store_close(&s);
	clock_set_fake(0);
}

static void auth_role_can__matches_roles__when_admin_staff_or_other(void **state)
{
	(void)state;
	for (int p = AUTH_VIEW; p <= AUTH_CAMPAIGNS; p++) {
		assert_true(auth_role_can("admin", p));
		assert_null(auth_refusal_text("admin", p));
		assert_false(auth_role_can("root", p));
		assert_false(auth_role_can(NULL, p));
		assert_non_null(auth_refusal_text(NULL, p));
	}
	assert_true(auth_role_can("staff", AUTH_VIEW));
	assert_true(auth_role_can("staff", AUTH_SEND));
	int denied[] = {AUTH_SETTINGS,	AUTH_CREDENTIALS, AUTH_KEYWORDS,  AUTH_TEMPLATES,
			AUTH_USERS,	AUTH_AUDIT_VIEW,  AUTH_CAMPAIGNS};
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		assert_false(auth_role_can("staff", denied[i]));
		assert_non_null(strstr(auth_refusal_text("staff", denied[i]), "signed in as staff"));
	}
	assert_string_equal(auth_refusal_text("staff", AUTH_SETTINGS),
			    "Only an admin can change settings; you are signed in as staff.");
	struct auth_session ses = {.role = "staff"};
	assert_false(auth_can(&ses, AUTH_USERS));
	assert_false(auth_can(NULL, AUTH_VIEW));
}

static void auth_session_load__signs_in__when_demo_user(void **state)
{
	(void)state;
	struct store *s = setup(NULL, NULL, NULL);
	struct auth_session ses;
	char *err = NULL;
	assert_int_equal(auth_session_load(s, "ann", &ses, &err), 0);
	assert_string_equal(ses.role, "admin");
	auth_session_free(&ses);
	assert_int_equal(auth_session_load(s, "ghost", &ses, &err), -1);
	xfree(&err);
	assert_int_equal(audit_count(s, "login"), 1);
	store_close(&s);
	clock_set_fake(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_sign_in__costs_one_hash__when_user_known_or_unknown),
		cmocka_unit_test(auth_hash_password__makes_verifiable_argon2id__when_long_enough),
		cmocka_unit_test(auth_hash_password__refuses__when_short_or_control_chars),
		cmocka_unit_test(auth_hash_password__uses_owasp_profile__when_hashing),
		cmocka_unit_test(auth_sign_in__renews_hash__when_stored_with_old_limits),
		cmocka_unit_test(auth_sign_in__fills_session__when_password_right),
		cmocka_unit_test(auth_sign_in__same_words__when_user_unknown_or_password_wrong),
		cmocka_unit_test(auth_sign_in__locks__when_five_failures),
		cmocka_unit_test(auth_sign_in__counts_afresh__when_lock_expired),
		cmocka_unit_test(auth_sign_in__follows_policy__when_settings_changed),
		cmocka_unit_test(auth_sign_in__refuses__when_disabled_or_no_location),
		cmocka_unit_test(auth_unlock__audits_and_counts__when_idle_locked),
		cmocka_unit_test(auth_role_can__matches_roles__when_admin_staff_or_other),
		cmocka_unit_test(auth_session_load__signs_in__when_demo_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
