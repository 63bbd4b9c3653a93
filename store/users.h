/* Staff users and their locations. Owner: store/users.c */
#ifndef SMSDESK_STORE_USERS_H
#define SMSDESK_STORE_USERS_H

struct user {
	int64_t id;
	char *username;
	char *display_name;
	char *pw_hash;      /* argon2id string from crypto_pwhash_str */
	char *role;         /* admin, staff */
	bool disabled;
	int failed_logins;
	int64_t locked_until;
	int64_t last_login_at;
	int64_t created_at;
};

void user_free(struct user *u);
void user_list_free(struct user **list, size_t n);

int store_user_add(struct store *s, const char *username, const char *display_name,
		   const char *pw_hash, const char *role, int64_t *id_out, char **err);
int store_user_get(struct store *s, int64_t id, struct user *out, char **err);                   /* SD_NOTFOUND */
int store_user_find(struct store *s, const char *username, struct user *out, char **err);        /* SD_NOTFOUND */
int store_user_list(struct store *s, struct user **out, size_t *n, char **err);
int store_user_set_password(struct store *s, int64_t id, const char *pw_hash, char **err);
int store_user_set_disabled(struct store *s, int64_t id, bool disabled, char **err);
int store_user_set_role(struct store *s, int64_t id, const char *role, char **err);
/* Records a failed sign-in at `now`: failed_logins + 1 (or 1 when an earlier lock has expired),
 * and locked_until when it reaches max_failures. */
int store_user_login_failed(struct store *s, int64_t id, int max_failures, int64_t lock_until, int64_t now,
			    char **err);
int store_user_login_ok(struct store *s, int64_t id, int64_t at, char **err);
/* Locations. */
int store_user_add_tenant(struct store *s, int64_t user_id, int64_t tenant_id, char **err);
int store_user_tenants(struct store *s, int64_t user_id, int64_t **ids, size_t *n, char **err);

#endif
