/* The audit log: append-only, hash-chained. Owner: store/audit.c */
#ifndef SMSDESK_STORE_AUDIT_H
#define SMSDESK_STORE_AUDIT_H

struct audit_entry {
	int64_t id;
	int64_t at;
	int64_t user_id;    /* 0 = system */
	char *username;     /* "system", "scheduler" or the staff username */
	int64_t tenant_id;  /* 0 = none */
	char *action;       /* e.g. login, login.failed, thread.open, sms.send, pref.optout, setting.set */
	int64_t patient_id; /* 0 = none */
	char *target;       /* NULL or what was touched */
	char *detail;       /* NULL or words; never a body or a secret */
	char *prev_hash;
	char *hash;
};

void audit_entry_free(struct audit_entry *e);
void audit_entry_list_free(struct audit_entry **list, size_t n);

/* Appends one entry: computes hash = BLAKE2b-256(prev_hash || canonical fields) inside a
 * transaction with the previous row. `at` 0 means now. */
int store_audit_append(struct store *s, int64_t user_id, const char *username, int64_t tenant_id,
		       const char *action, int64_t patient_id, const char *target, const char *detail,
		       char **err);
/* Entries with at >= since, oldest first; filter by tenant (0 = all) and action prefix (NULL). */
int store_audit_list(struct store *s, int64_t since, int64_t tenant_id, const char *action_prefix,
		     size_t limit, struct audit_entry **out, size_t *n, char **err);
/* Walks the chain; *bad_id is 0 when intact, else the first entry whose hash or link fails
 * (an edited row, or the row after a deleted one). */
int store_audit_verify(struct store *s, int64_t *bad_id, char **err);

/* The chain's head, for an anchor kept outside the database (src/anchor.c): how many
 * entries, the newest id and its hash (64 hex digits; all zeros when the log is empty).
 * Owner: store/audit_head.c */
struct audit_head {
	int64_t count;
	int64_t last_id;
	char hash[65];
};
int store_audit_head(struct store *s, struct audit_head *out, char **err);
/* The stored hash of entry id into hash (65 bytes); SD_NOTFOUND when there is no such entry. */
int store_audit_hash_at(struct store *s, int64_t id, char hash[65], char **err);

#endif
