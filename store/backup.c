/* Online backup, check and restore of the whole database with SQLite's backup API. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/internal.h"
#include "src/util.h"

/* Copies every page of src into dst; waits (up to about 10 s) while another process holds
 * a lock rather than failing at the first SQLITE_BUSY. */
static int copy_pages(sqlite3 *dst, sqlite3 *src, const char *doing, char **err)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		return seterr(err, "%s: %s", doing, sqlite3_errmsg(dst));
	int rc;
	int waits = 0;
	do {
		rc = sqlite3_backup_step(b, -1);
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits++ < 200)
			sqlite3_sleep(50);
		else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			break;
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return seterr(err, "%s: %s", doing, rc == SQLITE_BUSY || rc == SQLITE_LOCKED
						     ? "the database stayed locked by another process"
						     : sqlite3_errstr(rc));
	return 0;
}

int store_backup(struct store *s, const char *dest, char **err)
{
	/* O_EXCL: never overwrite (an earlier backup, or a file someone planted as a symlink). */
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return seterr(err, "cannot create the backup %s: %s", dest, strerror(errno));
	/* The umask may have taken bits away, never added them; make it exactly 0600. */
	fchmod(fd, 0600);
	close(fd);
	sqlite3 *db = NULL;
	int rc = -1;
	if (sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		seterr(err, "cannot open the backup %s: %s", dest, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (copy_pages(db, store_db(s), "copying the database", err) != 0)
		goto out;
	/* A WAL header in the copy would make every reader create -wal and -shm files beside
	 * it; a backup is one file. */
	char *msg = NULL;
	if (sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, "finishing the backup: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(db);
	if (rc != 0)
		unlink(dest);
	return rc;
}

/* One number from a query on db; -1 when it fails. */
static int64_t count_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Checks an open backup: intact pages, an smsdesk schema we know, the counts. */
static int check_open(sqlite3 *db, const char *path, struct backup_info *out, char **err)
{
	sqlite3_stmt *st = NULL;
	char *verdict = NULL;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		verdict = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (verdict == NULL || strcmp(verdict, "ok") != 0) {
		seterr(err, "%s is not a sound SQLite database (%s)", path, verdict ? verdict : sqlite3_errmsg(db));
		free(verdict);
		return -1;
	}
	free(verdict);
	out->schema_version = (int)count_of(db, "PRAGMA user_version");
	out->messages = count_of(db, "SELECT count(*) FROM sms_messages");
	out->patients = count_of(db, "SELECT count(*) FROM patients");
	out->audit_entries = count_of(db, "SELECT count(*) FROM audit_log");
	if (out->schema_version < 1 || out->messages < 0 || out->patients < 0 || out->audit_entries < 0)
		return seterr(err, "%s is not an smsdesk database", path);
	if (out->schema_version > store_schema_latest())
		return seterr(err, "%s has schema version %d but this smsdesk knows only up to %d: use a newer smsdesk",
			      path, out->schema_version, store_schema_latest());
	return 0;
}

int store_backup_check(const char *path, struct backup_info *out, char **err)
{
	memset(out, 0, sizeof(*out));
	struct stat sb;
	if (stat(path, &sb) != 0)
		return seterr(err, "cannot read the backup %s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return seterr(err, "%s is not a regular file", path);
	sqlite3 *db = NULL;
	int rc = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		seterr(err, "cannot open the backup %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	else
		rc = check_open(db, path, out, err);
	sqlite3_close(db);
	return rc;
}

int store_restore(struct store *s, const char *src, char **err)
{
	struct backup_info info;
	struct stat a, b;
	if (store_backup_check(src, &info, err) != 0)
		return -1;
	if (stat(src, &a) == 0 && stat(store_path(s), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return seterr(err, "%s is the database itself, not a backup of it", src);
	sqlite3 *db = NULL;
	int rc = -1;
	if (sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		seterr(err, "cannot open the backup %s: %s", src, db ? sqlite3_errmsg(db) : "out of memory");
	else
		rc = copy_pages(store_db(s), db, "restoring the backup", err);
	sqlite3_close(db);
	return rc;
}
