/* `smsdesk user`: staff accounts. Passwords come from stdin or a hidden prompt, never argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/cli_internal.h"
#include "src/util.h"

#define CLI_ACTOR "cli"
#define MAX_TENANT_OPTS 32

extern const struct cli_command cli_cmd_user;

static const char usage_user[] =
	"usage: smsdesk user add USERNAME --role admin|staff [--name \"Display Name\"] [--tenant T]...\n"
	"       smsdesk user passwd USERNAME\n"
	"       smsdesk user disable|enable USERNAME\n"
	"       smsdesk user role USERNAME admin|staff\n"
	"       smsdesk user tenants USERNAME [--add T]...\n"
	"       smsdesk user list\n"
	"       smsdesk user unlock|expire USERNAME\n"
	"Staff accounts for the console. Admins change settings, keyword replies, templates and\n"
	"users and see every location; staff see and text patients of their locations (--tenant,\n"
	"a location's name or id; give it once per location).\n"
	"Passwords (at least 10 characters) are asked for twice at a hidden prompt, or read as one\n"
	"line from stdin with --password-stdin; they are never given on the command line.\n"
	"A new password also lifts a lockout after failed sign-ins; 'unlock' lifts it without\n"
	"one. 'expire' makes the user choose a new password at the next sign-in ('smsdesk\n"
	"--user NAME passwd'): give it after setting a temporary password.\n";

/* Reads a new password and hashes it into hash; the plaintext lives in locked memory and is
 * wiped. Returns an exit code. */
static int new_password(bool from_stdin, char hash[AUTH_HASH_MAX])
{
	if (!from_stdin && !isatty(STDIN_FILENO))
		return cli_usage("user", "stdin is not a terminal: give --password-stdin and the password on stdin");
	char *pw = sodium_malloc(AUTH_PASSWORD_MAX + 2), *again = sodium_malloc(AUTH_PASSWORD_MAX + 2);
	char *err = NULL;
	int rc = EXIT_OK;
	bool long1 = false, long2 = false;
	if (pw == NULL || again == NULL)
		abort();
	cli_read_hidden_line("New password (typing is hidden): ", pw, AUTH_PASSWORD_MAX + 2, &long1);
	if (!from_stdin) {
		cli_read_hidden_line("The same password again: ", again, AUTH_PASSWORD_MAX + 2, &long2);
		if (strcmp(pw, again) != 0) {
			rc = cli_fail(EXIT_USAGE, "user", "the two passwords differ; nothing changed");
			goto out;
		}
	}
	if (long1 || long2)
		rc = cli_fail(EXIT_USAGE, "user", "a password may have at most %d characters", AUTH_PASSWORD_MAX);
	else if (auth_hash_password(pw, hash, &err) != 0)
		rc = cli_fail(EXIT_USAGE, "user", "%s; nothing changed", err);
out:
	free(err);
	sodium_free(pw);
	sodium_free(again);
	return rc;
}

/* Finds a location by id or name; EXIT_NOTFOUND with words. */
static int find_tenant(struct store *s, const char *ref, int64_t *id)
{
	struct cli_ctx c = {.tenant = ref};
	struct tenant t;
	int rc = cli_resolve_tenant(&c, "user", s, &t);
	if (rc == EXIT_OK) {
		*id = t.id;
		tenant_free(&t);
	}
	return rc;
}

/* Finds a user; EXIT_NOTFOUND with words. */
static int find_user(struct store *s, const char *name, struct user *u)
{
	char *err = NULL;
	int rc = store_user_find(s, name, u, &err);
	if (rc == 0)
		return EXIT_OK;
	char safe[80];
	cli_safe_text(name, true, safe, sizeof(safe));
	rc = rc == SD_NOTFOUND ? cli_fail(EXIT_NOTFOUND, "user", "no user named \"%s\" (see 'smsdesk user list')", safe)
			       : cli_fail(EXIT_FAIL, "user", "%s", err);
	free(err);
	return rc;
}

/* Writes the audit entry of a user change; a failure here fails the command. */
static int audit_user(struct store *s, const char *action, const char *username, const char *detail)
{
	char *err = NULL;
	if (store_audit_append(s, 0, CLI_ACTOR, 0, action, 0, username, detail, &err) == 0)
		return EXIT_OK;
	int rc = cli_fail(EXIT_FAIL, "user", "the audit log could not be written: %s", err);
	free(err);
	return rc;
}

/* `user add`: the user and its locations in one transaction. */
static int user_add(struct store *s, const char *name, const char *display, const char *role, const char **tenants,
		    int nt, bool pw_stdin)
{
	char hash[AUTH_HASH_MAX], *err = NULL;
	int64_t ids[MAX_TENANT_OPTS], uid = 0;
	if (role == NULL || (strcmp(role, "admin") != 0 && strcmp(role, "staff") != 0))
		return cli_usage("user", "user add needs --role admin or --role staff");
	for (int i = 0; i < nt; i++) {
		int rc = find_tenant(s, tenants[i], &ids[i]);
		if (rc != EXIT_OK)
			return rc;
	}
	struct user existing;
	if (store_user_find(s, name, &existing, NULL) == 0) {
		user_free(&existing);
		return cli_fail(EXIT_FAIL, "user", "a user named \"%s\" already exists", name);
	}
	int rc = new_password(pw_stdin, hash);
	if (rc != EXIT_OK)
		return rc;
	if (store_begin(s, &err) != 0)
		goto fail;
	if (store_user_add(s, name, display, hash, role, &uid, &err) != 0)
		goto rollback;
	for (int i = 0; i < nt; i++)
		if (store_user_add_tenant(s, uid, ids[i], &err) != 0)
			goto rollback;
	char *detail = xasprintf("role %s, %d location%s", role, nt, nt == 1 ? "" : "s");
	rc = store_audit_append(s, 0, CLI_ACTOR, 0, "user.add", 0, name, detail, &err);
	free(detail);
	if (rc != 0 || store_commit(s, &err) != 0)
		goto rollback;
	sodium_memzero(hash, sizeof(hash));
	printf("added %s %s (id %lld)%s\n", role, cli_show(name), (long long)uid,
	       nt == 0 && strcmp(role, "staff") == 0
		   ? ": give a location with 'smsdesk user tenants NAME --add T'"
		   : "");
	return EXIT_OK;
rollback:
	store_rollback(s);
fail:
	sodium_memzero(hash, sizeof(hash));
	rc = cli_fail(strstr(err ? err : "", "username") ? EXIT_USAGE : EXIT_FAIL, "user", "%s", err);
	free(err);
	return rc;
}

/* `user passwd`. */
static int user_passwd(struct store *s, const char *name, bool pw_stdin)
{
	struct user u;
	char hash[AUTH_HASH_MAX], *err = NULL;
	int rc = find_user(s, name, &u);
	if (rc != EXIT_OK)
		return rc;
	rc = new_password(pw_stdin, hash);
	if (rc == EXIT_OK && store_user_set_password(s, u.id, hash, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "user", "%s", err);
	if (rc == EXIT_OK)
		rc = audit_user(s, "user.passwd", u.username, u.locked_until > clock_now() ? "lockout lifted" : NULL);
	if (rc == EXIT_OK)
		printf("password changed for %s\n", cli_show(u.username));
	sodium_memzero(hash, sizeof(hash));
	free(err);
	user_free(&u);
	return rc;
}

/* `user disable|enable`. */
static int user_set_disabled(struct store *s, const char *name, bool disabled)
{
	struct user u;
	char *err = NULL;
	int rc = find_user(s, name, &u);
	if (rc != EXIT_OK)
		return rc;
	if (store_user_set_disabled(s, u.id, disabled, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "user", "%s", err);
	else
		rc = audit_user(s, disabled ? "user.disable" : "user.enable", u.username, NULL);
	if (rc == EXIT_OK)
		printf("%s %s\n", cli_show(u.username),
		       disabled ? "disabled: it can no longer sign in" : "enabled");
	free(err);
	user_free(&u);
	return rc;
}

/* `user role`. */
static int user_role(struct store *s, const char *name, const char *role)
{
	struct user u;
	char *err = NULL;
	int rc = find_user(s, name, &u);
	if (rc != EXIT_OK)
		return rc;
	if (store_user_set_role(s, u.id, role, &err) != 0)
		rc = cli_usage("user", "%s", err);
	else
		rc = audit_user(s, "user.role", u.username, role);
	if (rc == EXIT_OK)
		printf("%s is now %s\n", cli_show(u.username), role);
	free(err);
	user_free(&u);
	return rc;
}

/* Joins a user's location names with ", " (malloc'd); "all" for admins. */
static char *tenant_names(struct store *s, const struct user *u)
{
	if (strcmp(u->role, "admin") == 0)
		return xstrdup("all (admin)");
	int64_t *ids = NULL;
	size_t n = 0;
	char *out = xstrdup("");
	if (store_user_tenants(s, u->id, &ids, &n, NULL) != 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		struct tenant t;
		char safe[80] = "?";
		if (store_tenant_get(s, ids[i], &t, NULL) == 0) {
			cli_safe_text(t.name, true, safe, sizeof(safe));
			tenant_free(&t);
		}
		char *next = xasprintf("%s%s%s", out, i ? ", " : "", safe);
		free(out);
		out = next;
	}
	free(ids);
	if (n == 0) {
		free(out);
		out = xstrdup("(none)");
	}
	return out;
}

/* `user tenants NAME [--add T]...`. */
static int user_tenants(struct store *s, const char *name, const char **adds, int na)
{
	struct user u;
	char *err = NULL;
	int rc = find_user(s, name, &u);
	for (int i = 0; rc == EXIT_OK && i < na; i++) {
		int64_t tid = 0;
		rc = find_tenant(s, adds[i], &tid);
		if (rc == EXIT_OK && store_user_add_tenant(s, u.id, tid, &err) != 0)
			rc = cli_fail(EXIT_FAIL, "user", "%s", err);
		char detail[32];
		snprintf(detail, sizeof(detail), "location %lld", (long long)tid);
		if (rc == EXIT_OK)
			rc = audit_user(s, "user.tenant.add", u.username, detail);
	}
	if (rc == EXIT_OK) {
		char *names = tenant_names(s, &u);
		printf("%s: %s\n", cli_show(u.username), names);
		free(names);
	}
	free(err);
	if (u.username)
		user_free(&u);
	return rc;
}

/* `user list`. */
static int user_list(struct store *s)
{
	struct user *list = NULL;
	size_t n = 0;
	char *err = NULL;
	if (store_user_list(s, &list, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "user", "%s", err);
		free(err);
		return rc;
	}
	int64_t now = clock_now();
	printf("%-4s %-20s %-22s %-6s %-9s %-17s %s\n", "ID", "USERNAME", "NAME", "ROLE", "STATE", "LAST SIGN-IN (UTC)",
	       "LOCATIONS");
	for (size_t i = 0; i < n; i++) {
		const struct user *u = &list[i];
		char name[64], last[32] = "never";
		cli_safe_text(u->display_name, true, name, sizeof(name));
		if (u->last_login_at > 0)
			cli_format_local(u->last_login_at, "UTC", last, sizeof(last));
		const char *state = u->disabled ? "disabled" : u->locked_until > now ? "locked" : "active";
		char *locs = tenant_names(s, u);
		printf("%-4lld %-20s %-22s %-6s %-9s %-18s %s\n", (long long)u->id, cli_show(u->username),
		       name, cli_show(u->role), state, last, locs);
		free(locs);
	}
	if (n == 0)
		printf("(no users yet: smsdesk user add NAME --role admin)\n");
	user_list_free(&list, n);
	return EXIT_OK;
}

/* Takes every "--tenant T" / "--add T" out of argv (they may repeat) into vals. */
static int take_repeated(int *argc, char **argv, const char *opt, const char **vals, int *nv)
{
	int o = 0;
	size_t ol = strlen(opt);
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if (i > 0 && strncmp(a, opt, ol) == 0 && (a[ol] == '\0' || a[ol] == '=')) {
			if (*nv >= MAX_TENANT_OPTS)
				return cli_usage("user", "too many %s options", opt);
			if (a[ol] == '=') {
				vals[(*nv)++] = a + ol + 1;
				continue;
			}
			if (i + 1 >= *argc)
				return cli_usage("user", "%s needs a value", opt);
			vals[(*nv)++] = argv[++i];
			continue;
		}
		argv[o++] = argv[i];
	}
	*argc = o;
	return EXIT_OK;
}

/* `user ...`. */
static int run_user(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "unlock") == 0 || strcmp(argv[1], "expire") == 0))
		return cli_user_lifecycle(ctx, argc, argv);
	const char *role = NULL, *display = NULL, *tenants[MAX_TENANT_OPTS], *adds[MAX_TENANT_OPTS];
	int nt = 0, na = 0;
	bool pw_stdin = false;
	char *args[argc + 1];
	memcpy(args, argv, sizeof(char *) * (size_t)argc);
	int rc = take_repeated(&argc, args, "--tenant", tenants, &nt);
	if (rc == EXIT_OK)
		rc = take_repeated(&argc, args, "--add", adds, &na);
	if (rc != EXIT_OK)
		return rc;
	struct cli_opt opts[] = {{"--role", &role, NULL},
				 {"--name", &display, NULL},
				 {"--password-stdin", NULL, &pw_stdin},
				 {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	rc = cli_parse(&cli_cmd_user, argc, args, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	const char *sub = npos > 0 ? pos[0] : "";
	bool one = npos == 2;
	if (!(strcmp(sub, "list") == 0 && npos == 1) && !(one && strcmp(sub, "role") != 0) &&
	    !(npos == 3 && strcmp(sub, "role") == 0))
		return cli_usage("user", "expected add|passwd|disable|enable|tenants USERNAME, role USERNAME ROLE, or list");
	if ((nt > 0 && strcmp(sub, "add") != 0) || (na > 0 && strcmp(sub, "tenants") != 0))
		return cli_usage("user", "--tenant goes with 'user add', --add with 'user tenants'");
	struct store *s = NULL;
	rc = cli_open_store(ctx, "user", false, &s);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(sub, "list") == 0)
		rc = user_list(s);
	else if (strcmp(sub, "add") == 0)
		rc = user_add(s, pos[1], display, role, tenants, nt, pw_stdin);
	else if (strcmp(sub, "passwd") == 0)
		rc = user_passwd(s, pos[1], pw_stdin);
	else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
		rc = user_set_disabled(s, pos[1], strcmp(sub, "disable") == 0);
	else if (strcmp(sub, "tenants") == 0)
		rc = user_tenants(s, pos[1], adds, na);
	else if (strcmp(sub, "role") == 0)
		rc = user_role(s, pos[1], pos[2]);
	else
		rc = cli_usage("user", "unknown subcommand");
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_user = {"user", "add, change, disable or list staff accounts", usage_user, run_user};
