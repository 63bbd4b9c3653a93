/* Admin recovery and lifecycle from the command line: `user unlock|expire`, `tenant
 * rename|retire|unretire`, `patient merge|delete`, and `passwd` (your own password). Each
 * change is audited under the name of whoever signed in ("cli" for the data's owner). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/cli_internal.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_passwd;

/* Audits one change as the signed-in user; a failure fails the command. */
static int audit_as(struct cli_ctx *ctx, struct store *s, const char *cmd, int64_t tenant, const char *action,
		    int64_t patient, const char *target, const char *detail)
{
	char *err = NULL;
	int64_t uid = ctx->session ? ctx->session->user_id : 0;
	const char *who = ctx->session ? ctx->session->username : "cli";
	if (store_audit_append(s, uid, who, tenant, action, patient, target, detail, &err) == 0)
		return EXIT_OK;
	int rc = cli_fail(EXIT_FAIL, cmd, "the audit log could not be written: %s", err);
	free(err);
	return rc;
}

/* Reports a store failure: EXIT_NOTFOUND for SD_NOTFOUND, else EXIT_FAIL. */
static int store_failed(const char *cmd, int rc, char *err)
{
	int code = cli_fail(rc == SD_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL, cmd, "%s", err ? err : "not found");
	free(err);
	return code;
}

/* `user unlock NAME` (clears a lockout) and `user expire NAME` (a new password at the next
 * sign-in). */
int cli_user_lifecycle(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 3)
		return cli_usage("user", "expected 'user unlock USERNAME' or 'user expire USERNAME'");
	bool unlock = strcmp(argv[1], "unlock") == 0;
	struct store *s = NULL;
	struct user u = {0};
	char *err = NULL;
	int rc = cli_open_store(ctx, "user", false, &s);
	if (rc != EXIT_OK)
		return rc;
	int r = store_user_find(s, argv[2], &u, &err);
	if (r == 0)
		r = unlock ? store_user_unlock(s, u.id, &err) : store_user_set_must_change(s, u.id, true, &err);
	if (r != 0)
		rc = store_failed("user", r, err);
	else
		rc = audit_as(ctx, s, "user", 0, unlock ? "user.unlock" : "user.expire", 0, u.username,
			      unlock ? "failed sign-ins cleared" : "must choose a new password");
	if (rc == EXIT_OK)
		printf(unlock ? "%s unlocked: failed sign-ins cleared\n"
			      : "%s must choose a new password at the next sign-in ('smsdesk passwd')\n",
		       cli_show(u.username));
	user_free(&u);
	store_close(&s);
	return rc;
}

/* `tenant rename OLD NEW`, `tenant retire NAME`, `tenant unretire NAME`. */
int cli_tenant_lifecycle(struct cli_ctx *ctx, int argc, char **argv)
{
	bool rename = strcmp(argv[1], "rename") == 0, retire = strcmp(argv[1], "retire") == 0;
	if (argc != (rename ? 4 : 3))
		return cli_usage("tenant", "expected 'tenant rename OLD NEW', 'tenant retire NAME' or 'tenant unretire NAME'");
	struct store *s = NULL;
	struct tenant t = {0};
	char *err = NULL;
	struct cli_ctx one = {.tenant = argv[2]};
	int rc = cli_open_store(ctx, "tenant", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(&one, "tenant", s, &t);
	if (rc != EXIT_OK)
		goto out;
	int r = rename ? store_tenant_rename(s, t.id, argv[3], &err)
		       : store_tenant_retire(s, t.id, retire ? clock_now() : 0, &err);
	if (r != 0) {
		if (rename && r < 0 && strstr(err ? err : "", "database") == NULL) {
			rc = cli_fail(EXIT_USAGE, "tenant", "%s", err);
		} else {
			rc = store_failed("tenant", r, err);
			err = NULL; /* store_failed freed it */
		}
		goto out;
	}
	char *detail = rename ? xasprintf("renamed to %s", argv[3]) : NULL;
	rc = audit_as(ctx, s, "tenant", t.id, rename ? "tenant.rename" : retire ? "tenant.retire" : "tenant.unretire", 0,
		      t.name, detail);
	free(detail);
	if (rc == EXIT_OK && rename)
		printf("location %lld renamed from \"%s\" to \"%s\"\n", (long long)t.id, cli_show(t.name), cli_show(argv[3]));
	else if (rc == EXIT_OK)
		printf(retire ? "location \"%s\" retired: no longer polled, reminded or listed; its records are kept\n"
			      : "location \"%s\" is back in use\n",
		       cli_show(t.name));
out:
	free(err);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `patient merge KEEP DROP --yes`, `patient delete ID --yes`. */
int cli_patient_lifecycle(struct cli_ctx *ctx, int argc, char **argv)
{
	bool merge = strcmp(argv[1], "merge") == 0;
	long long a = 0, b = 0;
	int want = merge ? 5 : 4;
	if (argc != want || strcmp(argv[argc - 1], "--yes") != 0)
		return cli_usage("patient", merge ? "expected 'patient merge KEEP_ID DROP_ID --yes'"
						  : "expected 'patient delete ID --yes'");
	if (!cli_parse_int(argv[2], 1, INT64_MAX, &a) || (merge && !cli_parse_int(argv[3], 1, INT64_MAX, &b)))
		return cli_usage("patient", "patients are given by id (see 'smsdesk patient list')");
	struct store *s = NULL;
	struct patient_change ch;
	char *err = NULL;
	int rc = cli_open_store(ctx, "patient", false, &s);
	if (rc != EXIT_OK)
		return rc;
	int r = merge ? store_patient_merge(s, a, b, &ch, &err) : store_patient_delete(s, a, &ch, &err);
	if (r != 0) {
		rc = store_failed("patient", r, err);
		store_close(&s);
		return rc;
	}
	char detail[160];
	if (merge)
		snprintf(detail, sizeof(detail), "merged patient %lld into it: %d appointments, %d messages, %d threads",
			 b, ch.appointments, ch.messages, ch.threads);
	else
		snprintf(detail, sizeof(detail), "deleted with %d appointments, %d messages", ch.appointments,
			 ch.messages);
	rc = audit_as(ctx, s, "patient", 0, merge ? "patient.merge" : "patient.delete", a, merge ? argv[3] : argv[2],
		      detail);
	if (rc == EXIT_OK && merge)
		printf("patient %lld merged into %lld: %d appointments, %d messages, %d threads moved\n", b, a,
		       ch.appointments, ch.messages, ch.threads);
	else if (rc == EXIT_OK)
		printf("patient %lld deleted with %d appointments and %d messages; the audit log keeps its entries\n", a,
		       ch.appointments, ch.messages);
	store_close(&s);
	return rc;
}

static const char usage_passwd[] =
	"usage: smsdesk --user NAME passwd [--password-stdin]\n"
	"Changes your own password (at least 10 characters): asked for twice at a hidden prompt, or\n"
	"read as one line from stdin with --password-stdin (after the sign-in password's line).\n"
	"It is how a password an admin set ('user add', 'user passwd', 'user expire') is replaced\n"
	"at the first sign-in.\n";

/* Reads the new password (twice at a terminal) and hashes it. */
static int read_new(bool from_stdin, char hash[AUTH_HASH_MAX])
{
	char *pw = sodium_malloc(AUTH_PASSWORD_MAX + 2), *again = sodium_malloc(AUTH_PASSWORD_MAX + 2), *err = NULL;
	bool long1 = false, long2 = false;
	int rc = EXIT_OK;
	if (pw == NULL || again == NULL)
		abort();
	cli_read_hidden_line("New password (typing is hidden): ", pw, AUTH_PASSWORD_MAX + 2, &long1);
	if (!from_stdin)
		cli_read_hidden_line("The same password again: ", again, AUTH_PASSWORD_MAX + 2, &long2);
	if (!from_stdin && strcmp(pw, again) != 0)
		rc = cli_fail(EXIT_USAGE, "passwd", "the two passwords differ; nothing changed");
	else if (long1 || long2)
		rc = cli_fail(EXIT_USAGE, "passwd", "a password may have at most %d characters", AUTH_PASSWORD_MAX);
	else if (auth_hash_password(pw, hash, &err) != 0)
		rc = cli_fail(EXIT_USAGE, "passwd", "%s; nothing changed", err);
	free(err);
	sodium_free(pw);
	sodium_free(again);
	return rc;
}

static int run_passwd(struct cli_ctx *ctx, int argc, char **argv)
{
	bool pw_stdin = false;
	char *pos[argc + 1], hash[AUTH_HASH_MAX], *err = NULL;
	int npos = 0;
	const struct cli_opt opts[] = {{"--password-stdin", NULL, &pw_stdin}, {NULL, NULL, NULL}};
	int rc = cli_parse(&cli_cmd_passwd, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 0)
		return cli_usage("passwd", "passwd takes no words");
	if (ctx->session == NULL)
		return cli_usage("passwd", "sign in first: 'smsdesk --user NAME passwd' (an admin may use 'user passwd NAME')");
	if (!pw_stdin && !isatty(STDIN_FILENO))
		return cli_usage("passwd", "stdin is not a terminal: give --password-stdin");
	struct store *s = NULL;
	rc = read_new(pw_stdin, hash);
	if (rc == EXIT_OK)
		rc = cli_open_store(ctx, "passwd", false, &s);
	if (rc == EXIT_OK && (store_user_set_password(s, ctx->session->user_id, hash, &err) != 0 ||
			      store_user_set_must_change(s, ctx->session->user_id, false, &err) != 0))
		rc = cli_fail(EXIT_FAIL, "passwd", "%s", err);
	if (rc == EXIT_OK)
		rc = audit_as(ctx, s, "passwd", 0, "user.passwd.self", 0, ctx->session->username, NULL);
	if (rc == EXIT_OK)
		printf("password changed for %s\n", cli_show(ctx->session->username));
	sodium_memzero(hash, sizeof(hash));
	free(err);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_passwd = {"passwd", "change your own password (after --user NAME)", usage_passwd,
					   run_passwd};
