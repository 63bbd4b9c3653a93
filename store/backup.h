/* Online backups and restores of the whole database, and the figures `smsdesk status` shows.
 * Owner: store/backup.c (backup, restore, check) and store/ops.c (status). */
#ifndef SMSDESK_STORE_BACKUP_H
#define SMSDESK_STORE_BACKUP_H

/* What a backup file holds (store_backup_check). */
struct backup_info {
	int schema_version;
	int64_t messages;
	int64_t patients;
	int64_t audit_entries;
};

/* Copies the open database into a new file dest (refused when it exists), mode 0600, with
 * SQLite's online backup API: a consistent snapshot while other processes keep writing. The
 * copy is a single self-contained file (rollback journal, not WAL). The key file is not in
 * it: the secrets in the copy stay encrypted and need the key file, kept separately. */
int store_backup(struct store *s, const char *dest, char **err);
/* Opens a backup read-only and checks it: SQLite's quick_check, an smsdesk schema no newer
 * than this binary, and counts. */
int store_backup_check(const char *path, struct backup_info *out, char **err);
/* Replaces the whole content of the open database with the backup at src (checked first),
 * page by page under the write lock, so other processes see either the old or the new
 * database. Reopen the store afterwards: the migrations bring an older backup up to date. */
int store_restore(struct store *s, const char *src, char **err);

/* Health figures for `smsdesk status`. */
struct ops_status {
	int64_t queued;           /* outbound messages waiting */
	int64_t sending;          /* claimed by a sender */
	int64_t failed_last_hour; /* outbound that failed or were undelivered in the last hour */
	int64_t last_poll_at;     /* newest poll of any location, 0 never */
	int64_t last_ok_at;       /* newest successful poll */
	char *last_error;         /* the newest poll's error, NULL when it succeeded */
	int64_t audit_entries;
	int64_t tenants;
};
void ops_status_free(struct ops_status *st);
int store_ops_status(struct store *s, int64_t now, struct ops_status *out, char **err);

#endif
