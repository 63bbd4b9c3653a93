/* Privilege separation: the setgid binary's clean start, system paths, and the sign-in and
 * role check in front of every command. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/cli_internal.h"
#include "src/privsep.h"
#include "src/util.h"

#define CONF_NAME "smsdesk.conf"
#define SYS_CONF "/etc/smsdesk/" CONF_NAME
#define SYS_DB "/var/lib/smsdesk/smsdesk.db"
#define SYS_KEY "/etc/smsdesk/key"
#define SYS_ANCHOR "/var/lib/smsdesk/anchor/audit.anchor"
#define SYS_CONSOLE_LOG "/var/log/smsdesk/console.log"

static char sys_db[PATH_MAX] = SYS_DB, sys_key[PATH_MAX] = SYS_KEY, sys_anchor[PATH_MAX] = SYS_ANCHOR,
	    sys_log[PATH_MAX] = SYS_CONSOLE_LOG;
static char staff_tenant[32];

bool privsep_setgid(void)
{
	/* Root is the administrator: it can read the files anyway, so it is not confined. */
	return getegid() != getgid() && getuid() != 0;
}

/* The environment variables a setgid smsdesk keeps: the terminal and the language. Anything
 * else could steer it (proxies and CA bundles for the Twilio token, SMSDESK_* paths, a fake
 * clock against the lockout, TZDIR, HOME-based defaults). */
static bool env_kept(const char *kv)
{
	static const char *const keep[] = {"TERM=", "LANG=", "LC_ALL=", "LC_CTYPE=", "LC_MESSAGES=", "COLORTERM=",
					   "NO_COLOR=", "COLUMNS=", "LINES=", NULL};
	for (const char *const *k = keep; *k; k++)
		if (strncmp(kv, *k, strlen(*k)) == 0)
			return strchr(kv, '/') == NULL; /* TERM=/path would name a terminfo file */
	return false;
}

/* Replaces the environment with the allowed variables plus USER, HOME and PATH of the real
 * user (the console offers USER as the sign-in name). */
static void env_clean(void)
{
	extern char **environ;
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	char **kept = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (char **e = environ; e && *e; e++)
		if (env_kept(*e))
			kept[k++] = xstrdup(*e);
	clearenv();
	for (size_t i = 0; i < k; i++) {
		putenv(kept[i]); /* the strings become the environment: not freed */
	}
	free(kept);
	struct passwd *pw = getpwuid(getuid());
	setenv("USER", pw && pw->pw_name ? pw->pw_name : "", 1);
	setenv("LOGNAME", pw && pw->pw_name ? pw->pw_name : "", 1);
	setenv("HOME", "/nonexistent", 1);
	setenv("PATH", "/usr/bin:/bin", 1);
}

void privsep_start(void)
{
	static bool done;
	if (done || !privsep_setgid())
		return;
	done = true;
	env_clean();
	/* No core file and no ptrace by the caller: memory holds the key and patient data. */
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Files we create (WAL, logs) stay within the owner and the group. */
	umask(007);
}

int privsep_caller_open(const char *path, int flags, mode_t mode)
{
	if (!privsep_setgid())
		return open(path, flags, mode);
	/* The caller's own rights for a file the caller named: without the group, a path to the
	 * database or the key would be opened on the caller's behalf (a confused deputy). */
	gid_t saved = getegid();
	if (setegid(getgid()) != 0)
		return -1;
	int fd = open(path, flags, mode);
	int e = errno;
	if (setegid(saved) != 0)
		abort();
	errno = e;
	return fd;
}

#ifdef __SANITIZE_ADDRESS__
/* Sanitizer builds only: LeakSanitizer cannot inspect a setgid, non-dumpable process (it
 * reads its own /proc) and would fail every run; ASan and UBSan stay on. The same code is
 * leak-checked when it runs as the data's owner (test_admin_lifecycle, test_cli). */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return privsep_setgid();
}
#endif

void privsep_drop(void)
{
	if (privsep_setgid() && setgid(getgid()) != 0)
		abort(); /* keeping the group against our word would be worse than stopping */
}

/* True when path and every folder above it belong to root and only root can change them
 * (a sticky folder such as /tmp counts: nobody else can rename root's entries in it). */
static bool path_trusted(const char *path)
{
	char buf[PATH_MAX];
	if (realpath(path, buf) == NULL)
		return false;
	for (;;) {
		struct stat st;
		if (lstat(buf, &st) != 0 || st.st_uid != 0)
			return false;
		bool writable = (st.st_mode & 022) != 0;
		if (writable && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
			return false;
		char *slash = strrchr(buf, '/');
		if (slash == NULL || slash == buf) {
			if (strcmp(buf, "/") == 0)
				return true;
			buf[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
}

/* Reads "key = /absolute/path" lines of a trusted configuration file. */
static void conf_read(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	char line[PATH_MAX + 64], key[32], val[PATH_MAX];
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || sscanf(line, " %31[a-z_] = %4095s", key, val) != 2 || val[0] != '/')
			continue;
		char *dst = strcmp(key, "db") == 0 ? sys_db : strcmp(key, "key_file") == 0 ? sys_key
			  : strcmp(key, "audit_anchor") == 0 ? sys_anchor : strcmp(key, "console_log") == 0 ? sys_log
			  : NULL;
		if (dst != NULL)
			snprintf(dst, PATH_MAX, "%s", val);
	}
	fclose(f);
}

/* The configuration: PREFIX/etc/smsdesk/smsdesk.conf beside the binary's PREFIX/bin when it
 * is trusted (an install under a prefix), else /etc/smsdesk/smsdesk.conf when trusted. */
static void conf_load(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			char *conf = xasprintf("%s/../etc/smsdesk/" CONF_NAME, exe);
			bool used = access(conf, F_OK) == 0 && path_trusted(conf);
			if (used)
				conf_read(conf);
			free(conf);
			if (used)
				return;
		}
	}
	if (access(SYS_CONF, F_OK) == 0 && path_trusted(SYS_CONF))
		conf_read(SYS_CONF);
}

int privsep_paths(struct cli_ctx *ctx, bool system, bool paths_given)
{
	bool sg = privsep_setgid();
	if (sg && paths_given)
		return cli_usage(NULL, "--db and --key-file cannot be given to the shared smsdesk: it uses the "
				       "clinic's database (ask the administrator)");
	if (!sg && !system)
		return EXIT_OK;
	conf_load();
	ctx->db_path = sys_db;
	ctx->key_file = sys_key;
	ctx->anchor_path = sys_anchor;
	vault_allow_group_read(true);
	if (sg)
		setenv("SMSDESK_CONSOLE_LOG", sys_log, 1);
	return EXIT_OK;
}

/* What a command needs. NEED_OWNER: only the data's owner (root or the smsdesk user, not
 * through the setgid binary); NEED_NOTHING: no data (help, the simulator). */
enum need { NEED_NOTHING = -2, NEED_OWNER = -1 };

/* The permission (enum auth_perm) or need of `cmd sub`. Unknown pairs need the most. */
static int command_need(const char *cmd, const char *sub)
{
	static const struct {
		const char *cmd, *sub; /* sub NULL: any */
		int need;
	} table[] = {
		{"sim", NULL, NEED_NOTHING},        {"help", NULL, NEED_NOTHING},
		{"init", NULL, NEED_OWNER},         {"restore", NULL, NEED_OWNER},
		{"backup", NULL, NEED_OWNER},       {"--scheduler", NULL, NEED_OWNER},
		{"audit", "anchor", NEED_OWNER},    {"status", NULL, AUTH_VIEW},
		{"passwd", NULL, AUTH_VIEW},        {"messages", NULL, AUTH_VIEW},
		{"stats", NULL, AUTH_VIEW},         {"reminders", NULL, AUTH_VIEW},
		{"tenant", "list", AUTH_VIEW},      {"patient", "list", AUTH_VIEW},
		{"patient", "add", AUTH_SEND},      {"appointment", "list", AUTH_VIEW},
		{"appointment", "add", AUTH_SEND},  {"send", NULL, AUTH_SEND},
		{"remind", NULL, AUTH_SEND},        {"poll", NULL, AUTH_SEND},
		{"import", NULL, AUTH_SEND},        {"audit", NULL, AUTH_AUDIT_VIEW},
		{"settings", "show", AUTH_SETTINGS}, {"test-connection", NULL, AUTH_SETTINGS},
		{"settings", NULL, AUTH_CREDENTIALS},
		{"campaign", "list", AUTH_VIEW},    {"campaign", "show", AUTH_VIEW},
		{"campaign", "preview", AUTH_VIEW}, {"campaign", "consent", AUTH_SEND},
		{"campaign", NULL, AUTH_CAMPAIGNS}, /* create, send, stop: texts to many patients */
		{"waitlist", "list", AUTH_VIEW},    {"waitlist", NULL, AUTH_SEND},
		{"filler", "mode", AUTH_SETTINGS},  {"filler", NULL, AUTH_VIEW},        {"appointment", "cancel", AUTH_SEND},
		{"plan", NULL, AUTH_VIEW},          {"ehr", "outbox", AUTH_VIEW},
		{"ehr", "import", AUTH_SEND},       {"ehr", "import-fhir", AUTH_SEND},
		{"ehr", "send", NEED_NOTHING},      {"ehr", "fake-ehr", NEED_NOTHING},
		{"ehr", "show", AUTH_SETTINGS},     {"ehr", "set", AUTH_SETTINGS},
		{"ehr", "export", AUTH_SETTINGS},   {"ehr", "set-fhir-token", AUTH_CREDENTIALS},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].cmd, cmd) == 0 && (table[i].sub == NULL || (sub && strcmp(table[i].sub, sub) == 0)))
			return table[i].need;
	return AUTH_USERS; /* user, tenant add|rename|retire, patient merge|delete, ... */
}

/* The first word after the command that is not an option, or NULL. */
static const char *subcommand(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			return argv[i];
	return NULL;
}

/* Whether this run must sign in, as far as it can tell without the database: 1 always setgid
 * or with --user, 0 for root or the database's owner, -1 when the database must say (it
 * belongs to another Unix user). The owner's commands then open it once, not twice. */
static int signin_rule(const struct cli_ctx *ctx)
{
	if (privsep_setgid() || ctx->user != NULL)
		return 1;
	struct stat st;
	if (getuid() == 0 || stat(ctx->db_path, &st) != 0 || st.st_uid == getuid())
		return 0;
	return -1;
}

/* Whether a database of another Unix user must be signed in to: when it has staff accounts (a
 * shared file left readable). */
static bool signin_needed(struct cli_ctx *ctx, struct store *s)
{
	if (signin_rule(ctx) >= 0)
		return signin_rule(ctx) == 1;
	struct user *list = NULL;
	size_t n = 0;
	bool any = store_user_list(s, &list, &n, NULL) == 0 && n > 0;
	user_list_free(&list, n);
	return any;
}

/* Prompts for the password of ctx->user (the Unix login name by default) and signs in. */
static int sign_in(struct cli_ctx *ctx, struct store *s, const char *cmd, bool may_change)
{
	struct passwd *pw = getpwuid(getuid());
	const char *name = ctx->user ? ctx->user : pw && pw->pw_name ? pw->pw_name : "";
	char prompt[160], *err = NULL;
	snprintf(prompt, sizeof(prompt), "smsdesk password for %s: ", cli_show(name));
	char *pass = sodium_malloc(AUTH_PASSWORD_MAX + 2);
	if (pass == NULL)
		abort();
	bool too_long = false;
	cli_read_hidden_line(prompt, pass, AUTH_PASSWORD_MAX + 2, &too_long);
	ctx->session = xcalloc(1, sizeof(*ctx->session));
	enum auth_result r = auth_sign_in(s, name, too_long ? "" : pass, clock_now(), ctx->session, &err);
	sodium_free(pass);
	int rc = EXIT_OK;
	if (r == AUTH_MUST_CHANGE && may_change)
		r = AUTH_OK;
	if (r != AUTH_OK) {
		rc = cli_fail(r == AUTH_ERROR ? EXIT_FAIL : EXIT_REFUSED, cmd, "%s", err ? err : "sign-in failed");
		auth_session_free(ctx->session);
		xfree((char **)&ctx->session);
	}
	free(err);
	return rc;
}

/* Staff see their own locations only: --tenant defaults to the first of them. */
static void scope_tenant(struct cli_ctx *ctx)
{
	const struct auth_session *as = ctx->session;
	if (ctx->tenant != NULL || strcmp(as->role, "admin") == 0 || as->n_tenants == 0)
		return;
	snprintf(staff_tenant, sizeof(staff_tenant), "%lld", (long long)as->tenants[0]);
	ctx->tenant = staff_tenant;
}

/* Audits that the signed-in user ran cmd (sub). */
static int audit_run(struct cli_ctx *ctx, struct store *s, const char *cmd, const char *sub)
{
	char *err = NULL, target[96];
	snprintf(target, sizeof(target), "%s%s%s", cmd, sub ? " " : "", sub ? sub : "");
	if (store_audit_append(s, ctx->session->user_id, ctx->session->username, 0, "cli.run", 0, target, NULL, &err) == 0)
		return EXIT_OK;
	int rc = cli_fail(EXIT_FAIL, cmd, "the audit log could not be written: %s", err);
	free(err);
	return rc;
}

int privsep_gate(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *cmd = argv[0], *sub = subcommand(argc, argv);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return EXIT_OK; /* usage text only */
	int need = command_need(cmd, sub);
	if (need == NEED_NOTHING) {
		privsep_drop();
		return EXIT_OK;
	}
	if (need == NEED_OWNER && privsep_setgid())
		return cli_fail(EXIT_REFUSED, cmd, "only the system administrator can run this (as root or the "
				"smsdesk user, e.g. sudo -u smsdesk smsdesk --system %s)", cmd);
	if (eaccess(ctx->db_path, F_OK) != 0 && !privsep_setgid())
		return EXIT_OK; /* the command says there is no database yet */
	if (signin_rule(ctx) == 0)
		return EXIT_OK; /* the command opens the database (and reports what is wrong with it) */
	struct store *s = NULL;
	int rc = cli_open_store(ctx, cmd, false, &s);
	if (rc != EXIT_OK || !signin_needed(ctx, s))
		goto out;
	if (need == NEED_OWNER) {
		rc = cli_fail(EXIT_REFUSED, cmd, "only the owner of the database can run this");
		goto out;
	}
	rc = sign_in(ctx, s, cmd, strcmp(cmd, "passwd") == 0);
	if (rc != EXIT_OK)
		goto out;
	if (!auth_can(ctx->session, (enum auth_perm)need)) {
		const char *why = auth_refusal_text(ctx->session->role, (enum auth_perm)need);
		rc = cli_fail(EXIT_REFUSED, cmd, "%s", why ? why : "not allowed for your role");
		goto out;
	}
	scope_tenant(ctx);
	rc = audit_run(ctx, s, cmd, sub);
out:
	store_close(&s);
	return rc;
}

void privsep_end(struct cli_ctx *ctx)
{
	if (ctx->session == NULL)
		return;
	auth_session_free(ctx->session);
	free(ctx->session);
	ctx->session = NULL;
}
