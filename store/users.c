/* Staff users: accounts, roles, sign-in bookkeeping and their locations. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define USER_COLS "id, username, display_name, pw_hash, role, disabled, failed_logins, locked_until, last_login_at, created_at"

void user_free(struct user *u)
{
	if (u == NULL)
		return;
	free(u->username);
	free(u->display_name);
	if (u->pw_hash)
		memset(u->pw_hash, 0, strlen(u->pw_hash));
	free(u->pw_hash);
	free(u->role);
	memset(u, 0, sizeof(*u));
}

/* user_free for store_list_free and store_collect. */
static void user_free_elem(void *elem)
{
	user_free(elem);
}

void user_list_free(struct user **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), user_free_elem);
	*list = NULL;
}

/* Fills a user from a row selected with USER_COLS. */
static void user_from_row(sqlite3_stmt *st, void *elem)
{
	struct user *u = elem;
	u->id = sqlite3_column_int64(st, 0);
	u->username = store_col_text_or(st, 1, "");
	u->display_name = store_col_text_or(st, 2, "");
	u->pw_hash = store_col_text_or(st, 3, "");
	u->role = store_col_text_or(st, 4, "staff");
	u->disabled = sqlite3_column_int(st, 5) != 0;
	u->failed_logins = sqlite3_column_int(st, 6);
	u->locked_until = sqlite3_column_int64(st, 7);
	u->last_login_at = sqlite3_column_int64(st, 8);
	u->created_at = sqlite3_column_int64(st, 9);
}

static bool role_ok(const char *role)
{
	return role != NULL && (strcmp(role, "admin") == 0 || strcmp(role, "staff") == 0);
}

/* Usernames: 1 to 64 bytes of letters, digits and . _ - @ (they appear in the audit log). */
static bool username_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;
	if (n == 0 || n > 64)
		return false;
	for (const char *p = u; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._-@", c)))
			return false;
	}
	return true;
}

int store_user_add(struct store *s, const char *username, const char *display_name,
		   const char *pw_hash, const char *role, int64_t *id_out, char **err)
{
	if (!username_ok(username))
		return seterr(err, "a username is 1 to 64 letters, digits or . _ - @");
	if (!store_text_ok(display_name, false, 200))
		return seterr(err, "the display name must be short and without control characters");
	if (pw_hash == NULL || strncmp(pw_hash, "$argon2id$", 10) != 0)
		return seterr(err, "a user needs an argon2id password hash");
	if (!role_ok(role))
		return seterr(err, "the role must be admin or staff");
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO users (username, display_name, pw_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, display_name ? display_name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, pw_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, clock_now());
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return seterr(err, "a user named \"%s\" already exists", username);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "adding a user");
	if (id_out)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

/* Runs a bound one-user query; SD_NOTFOUND when no row. */
static int user_fetch(struct store *s, sqlite3_stmt *st, struct user *out, char **err)
{
	return store_fetch_one(s, st, sizeof(*out), user_from_row, out, "reading a user", err);
}

int store_user_get(struct store *s, int64_t id, struct user *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS " FROM users WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = user_fetch(s, st, out, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no user with id %lld", (long long)id);
	return rc;
}

int store_user_find(struct store *s, const char *username, struct user *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS " FROM users WHERE username = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, username ? username : "", -1, SQLITE_TRANSIENT);
	int rc = user_fetch(s, st, out, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no user named \"%s\"", username ? username : "");
	return rc;
}

int store_user_list(struct store *s, struct user **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT " USER_COLS " FROM users ORDER BY username", err);
	if (st == NULL)
		return -1;
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), user_from_row, user_free_elem, &rows, n, "listing users", err);
	*out = rows;
	return rc;
}

/* Steps a bound UPDATE of one user; SD_NOTFOUND when there is no such user. */
static int update_user(struct store *s, sqlite3_stmt *st, int64_t id, const char *doing, char **err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, doing);
	if (sqlite3_changes(store_db(s)) == 0) {
		seterr(err, "no user with id %lld", (long long)id);
		return SD_NOTFOUND;
	}
	return 0;
}

int store_user_set_password(struct store *s, int64_t id, const char *pw_hash, char **err)
{
	if (pw_hash == NULL || strncmp(pw_hash, "$argon2id$", 10) != 0)
		return seterr(err, "a password must be stored as an argon2id hash");
	/* A new password also lifts a lockout: an admin resets it for a locked-out colleague. */
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE users SET pw_hash = ?2, failed_logins = 0, locked_until = 0 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, pw_hash, -1, SQLITE_TRANSIENT);
	return update_user(s, st, id, "changing a password", err);
}

int store_user_set_disabled(struct store *s, int64_t id, bool disabled, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE users SET disabled = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, disabled);
	return update_user(s, st, id, "disabling a user", err);
}

int store_user_set_role(struct store *s, int64_t id, const char *role, char **err)
{
	if (!role_ok(role))
		return seterr(err, "the role must be admin or staff");
	sqlite3_stmt *st = store_stmt(s, "UPDATE users SET role = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_TRANSIENT);
	return update_user(s, st, id, "changing a role", err);
}

int store_user_login_failed(struct store *s, int64_t id, int max_failures, int64_t lock_until, int64_t now,
			    char **err)
{
	/* One statement, so concurrent failures from two consoles both count. A lock that has
	 * expired starts the count afresh (SET expressions all see the old row). */
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE users SET"
		" failed_logins = CASE WHEN locked_until > 0 AND locked_until <= ?4 THEN 1"
		"                 ELSE failed_logins + 1 END,"
		" locked_until = CASE"
		"   WHEN ?2 > 0 AND (CASE WHEN locked_until > 0 AND locked_until <= ?4 THEN 1"
		"                    ELSE failed_logins + 1 END) >= ?2 THEN ?3"
		"   WHEN locked_until > 0 AND locked_until <= ?4 THEN 0"
		"   ELSE locked_until END"
		" WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, max_failures);
	sqlite3_bind_int64(st, 3, lock_until);
	sqlite3_bind_int64(st, 4, now);
	return update_user(s, st, id, "recording a failed sign-in", err);
}

int store_user_login_ok(struct store *s, int64_t id, int64_t at, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"UPDATE users SET failed_logins = 0, locked_until = 0, last_login_at = ?2 WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	return update_user(s, st, id, "recording a sign-in", err);
}

int store_user_add_tenant(struct store *s, int64_t user_id, int64_t tenant_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO user_tenants (user_id, tenant_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, tenant_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return seterr(err, "no such user or location (user %lld, location %lld)", (long long)user_id,
			      (long long)tenant_id);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "giving a user a location");
	return 0;
}

/* Fills an int64_t from column 0. */
static void id_from_row(sqlite3_stmt *st, void *elem)
{
	*(int64_t *)elem = sqlite3_column_int64(st, 0);
}

int store_user_tenants(struct store *s, int64_t user_id, int64_t **ids, size_t *n, char **err)
{
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT tenant_id FROM user_tenants WHERE user_id = ?1 ORDER BY tenant_id", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	void *rows;
	int rc = store_collect(s, st, sizeof(**ids), id_from_row, NULL, &rows, n, "listing a user's locations", err);
	*ids = rows;
	return rc;
}
