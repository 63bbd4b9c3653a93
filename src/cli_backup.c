/* `smsdesk backup` and `smsdesk restore`: consistent copies of the database while it is in
 * use, and putting one back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "src/cli_internal.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_backup;
extern const struct cli_command cli_cmd_restore;

static const char usage_backup[] =
	"usage: smsdesk backup PATH\n"
	"       smsdesk backup --check PATH\n"
	"Copies the whole database into the new file PATH (mode 0600; an existing file is never\n"
	"overwritten) while the console and the scheduler keep working: SQLite's online backup,\n"
	"one consistent moment. The key file is NOT in the backup: the Twilio secrets in it stay\n"
	"encrypted, so keep a copy of the key file too, somewhere else (it is small and never\n"
	"changes). --check opens a backup read-only and says what it holds.\n"
	"Every backup is written to the audit log.\n";

static const char usage_restore[] =
	"usage: smsdesk restore PATH --yes\n"
	"Replaces everything in the database with the backup PATH (checked first). The current\n"
	"database is saved beside it as DB.before-restore-YYYYMMDDTHHMMSSZ. Stop the scheduler\n"
	"first. A backup from an older smsdesk is brought up to date on the way in.\n";

/* Prints what a backup holds. */
static void print_info(const char *path, const struct backup_info *bi)
{
	printf("%s: schema %d, %lld messages, %lld patients, %lld audit entries\n", cli_show(path),
	       bi->schema_version, (long long)bi->messages, (long long)bi->patients, (long long)bi->audit_entries);
}

/* Audits one backup action; a failure fails the command. */
static int audit_backup(struct store *s, const char *cmd, const char *action, const char *path)
{
	char *err = NULL;
	if (store_audit_append(s, 0, "cli", 0, action, 0, path, NULL, &err) == 0)
		return EXIT_OK;
	int rc = cli_fail(EXIT_FAIL, cmd, "the audit log could not be written: %s", err);
	free(err);
	return rc;
}

static int run_backup(struct cli_ctx *ctx, int argc, char **argv)
{
	bool check = false;
	char *pos[argc];
	int npos = 0;
	const struct cli_opt opts[] = {{"--check", NULL, &check}, {NULL, NULL, NULL}};
	int rc = cli_parse(&cli_cmd_backup, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 1)
		return cli_usage("backup", "give the path of the backup file");
	char *err = NULL;
	struct backup_info bi;
	if (check) {
		if (store_backup_check(pos[0], &bi, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "backup", "%s", err);
			free(err);
			return rc;
		}
		print_info(pos[0], &bi);
		return EXIT_OK;
	}
	struct store *s = NULL;
	rc = cli_open_store(ctx, "backup", false, &s);
	if (rc != EXIT_OK)
		return rc;
	rc = audit_backup(s, "backup", "backup.create", pos[0]);
	if (rc == EXIT_OK && (store_backup(s, pos[0], &err) != 0 || store_backup_check(pos[0], &bi, &err) != 0))
		rc = cli_fail(EXIT_FAIL, "backup", "%s", err);
	if (rc == EXIT_OK && !ctx->quiet) {
		print_info(pos[0], &bi);
		printf("The key file (%s) is not in the backup: keep a copy of it apart from the backups.\n",
		       cli_show(ctx->key_file));
	}
	free(err);
	store_close(&s);
	return rc;
}

/* Saves the current database beside itself before a restore overwrites it. */
static int save_current(struct store *s, const char *db_path, char **saved, char **err)
{
	char stamp[32];
	time_t now = (time_t)clock_now();
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	*saved = xasprintf("%s.before-restore-%s", db_path, stamp);
	return store_backup(s, *saved, err);
}

static int run_restore(struct cli_ctx *ctx, int argc, char **argv)
{
	bool yes = false;
	char *pos[argc];
	int npos = 0;
	const struct cli_opt opts[] = {{"--yes", NULL, &yes}, {NULL, NULL, NULL}};
	int rc = cli_parse(&cli_cmd_restore, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 1)
		return cli_usage("restore", "give the path of the backup to restore");
	if (!yes)
		return cli_usage("restore", "restoring replaces every message, patient and setting in %s: add --yes",
				 ctx->db_path);
	struct store *s = NULL;
	char *err = NULL, *saved = NULL;
	struct backup_info bi;
	if (store_backup_check(pos[0], &bi, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "restore", "%s; nothing changed", err);
		goto out;
	}
	struct stat a, b;
	if (stat(pos[0], &a) == 0 && stat(ctx->db_path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		rc = cli_fail(EXIT_USAGE, "restore", "%s is the database itself, not a backup of it", pos[0]);
		goto out;
	}
	rc = cli_open_store(ctx, "restore", true, &s);
	if (rc != EXIT_OK)
		goto out;
	if (save_current(s, ctx->db_path, &saved, &err) != 0 || store_restore(s, pos[0], &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "restore", "%s", err);
		goto out;
	}
	/* Reopening runs the migrations an older backup needs. */
	store_close(&s);
	rc = cli_open_store(ctx, "restore", false, &s);
	if (rc == EXIT_OK)
		rc = audit_backup(s, "restore", "backup.restore", pos[0]);
	if (rc == EXIT_OK && !ctx->quiet) {
		print_info(pos[0], &bi);
		printf("restored into %s; the database as it was is in %s\n", cli_show(ctx->db_path), cli_show(saved));
	}
out:
	free(err);
	free(saved);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_backup = {"backup", "copy the database safely while it is in use", usage_backup,
					   run_backup};
const struct cli_command cli_cmd_restore = {"restore", "put a backup back in place of the database",
					    usage_restore, run_restore};
