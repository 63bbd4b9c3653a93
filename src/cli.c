/* The command line: global options, the command table, and helpers every command shares. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <sodium.h>
#include "src/cli_internal.h"
#include "src/privsep.h"
#include "src/auth.h"
#include "src/scheduler.h"
#include "src/sync.h"
#include "src/tz.h"
#include "src/util.h"

/* The commands, one line each: X(name) refers to `const struct cli_command cli_cmd_<name>`
 * defined in the command's own file. `smsdesk --help` lists them in this order. */
#define CLI_COMMANDS(X)      \
	X(init)              \
	X(tenant)            \
	X(settings)          \
	X(test_connection)   \
	X(patient)           \
	X(appointment)       \
	X(import)            \
	X(remind)            \
	X(reminders)         \
	X(plan)              \
	X(send)              \
	X(messages)          \
	X(media)             \
	X(worklist)          \
	X(note)              \
	X(canned)            \
	X(triage)            \
	X(stats)             \
	X(campaign)          \
	X(waitlist)          \
	X(filler)            \
	X(poll)              \
	X(sim)               \
	X(ehr)               \
	X(user)              \
	X(audit)             \
	X(status)            \
	X(backup)            \
	X(restore)            \
	X(passwd)

#define CLI_DECLARE(n) extern const struct cli_command cli_cmd_##n;
CLI_COMMANDS(CLI_DECLARE)
#define CLI_REF(n) &cli_cmd_##n,
static const struct cli_command *const commands[] = {CLI_COMMANDS(CLI_REF)};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static char *default_db;
static char *default_key;

static void safe_copy(const char *in, bool first_line, bool keep_newlines, char *out, size_t len);

/* Writes "smsdesk CMD: " and the formatted message to stderr, control characters as '?': the
 * message often quotes outside text (a Twilio error, a database row, an argument). */
static void vwarn(const char *cmd, const char *fmt, va_list ap)
{
	char *msg = NULL, *safe;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	size_t cap = strlen(msg) + 1; /* never longer: each bad byte becomes one '?' */
	safe = xmalloc(cap);
	safe_copy(msg, false, true, safe, cap);
	fprintf(stderr, "smsdesk%s%s: %s", cmd ? " " : "", cmd ? cmd : "", safe);
	free(safe);
	free(msg);
}

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(cmd, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(cmd, fmt, ap);
	fprintf(stderr, "\ntry 'smsdesk %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	va_end(ap);
	return EXIT_USAGE;
}

bool cli_parse_int(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Matches argv[*i] against one option; consumes its value. 1 matched, 0 not, -1 bad. */
static int match_opt(const struct cli_command *cmd, const struct cli_opt *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(o->name);
	if (strncmp(a, o->name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return 0;
	if (o->flag != NULL) {
		if (a[n] == '=') {
			cli_usage(cmd->name, "%s takes no value", o->name);
			return -1;
		}
		*o->flag = true;
		return 1;
	}
	if (a[n] == '=') {
		*o->value = a + n + 1;
		return 1;
	}
	if (*i + 1 >= argc) {
		cli_usage(cmd->name, "%s needs a value", o->name);
		return -1;
	}
	*o->value = argv[++*i];
	return 1;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, const struct cli_opt *opts,
	      char **pos, int *npos)
{
	*npos = 0;
	bool only_words = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_words && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			fputs(cmd->usage, stdout);
			return 1;
		}
		if (!only_words && strcmp(a, "--") == 0) {
			only_words = true;
			continue;
		}
		if (only_words || a[0] != '-' || a[1] == '\0') {
			pos[(*npos)++] = argv[i];
			continue;
		}
		int m = 0;
		for (const struct cli_opt *o = opts; o && o->name && m == 0; o++)
			m = match_opt(cmd, o, argc, argv, &i);
		if (m < 0)
			return EXIT_USAGE;
		if (m == 0)
			return cli_usage(cmd->name, "unknown option '%s'", a);
	}
	return 0;
}

/* Creates dir and its parents with mode 0700 (our data is private). */
static int mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *q = p + 1; *q && rc == 0; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

int cli_open_store(struct cli_ctx *ctx, const char *cmd, bool create, struct store **out)
{
	*out = NULL;
	if (!create && eaccess(ctx->db_path, F_OK) != 0)
		return cli_fail(EXIT_FAIL, cmd, "no database at %s: run 'smsdesk init' first (or give --db PATH)",
				ctx->db_path);
	if (create) {
		char *dir = xstrdup(ctx->db_path);
		char *slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir) != 0) {
				int rc = cli_fail(EXIT_FAIL, cmd, "cannot create the folder %s: %s", dir, strerror(errno));
				free(dir);
				return rc;
			}
		}
		free(dir);
	}
	char *err = NULL;
	if (store_open(ctx->db_path, out, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, cmd, "%s", err);
		free(err);
		return rc;
	}
	return EXIT_OK;
}

int cli_open_vault(struct cli_ctx *ctx, const char *cmd, struct vault **out)
{
	char *err = NULL;
	if (vault_open_keyfile(ctx->key_file, out, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, cmd, "%s (run 'smsdesk init' to create the key file, or give --key-file PATH)", err);
		free(err);
		return rc;
	}
	return EXIT_OK;
}

int cli_resolve_tenant(struct cli_ctx *ctx, const char *cmd, struct store *s, struct tenant *out)
{
	char *err = NULL;
	int rc;
	long long id;
	memset(out, 0, sizeof(*out));
	if (ctx->tenant != NULL && cli_parse_int(ctx->tenant, 1, INT64_MAX, &id))
		rc = store_tenant_get(s, id, out, &err);
	else if (ctx->tenant != NULL)
		rc = store_tenant_find(s, ctx->tenant, out, &err);
	else {
		struct tenant *list = NULL;
		size_t n = 0;
		rc = store_tenant_list(s, &list, &n, &err);
		if (rc == 0 && n == 0) {
			tenant_list_free(&list, n);
			return cli_fail(EXIT_NOTFOUND, cmd, "no clinic location yet: add one with "
				"'smsdesk tenant add NAME --timezone Area/City --phone NUMBER'");
		}
		if (rc == 0 && n > 1) {
			tenant_list_free(&list, n);
			return cli_usage(cmd, "there are several locations: choose one with --tenant NAME|ID before the command");
		}
		if (rc == 0) {
			*out = list[0];
			free(list);
		}
	}
	if (rc == SD_NOTFOUND) {
		rc = cli_fail(EXIT_NOTFOUND, cmd, "%s (see 'smsdesk tenant list')", err);
		free(err);
		return rc;
	}
	if (rc != 0) {
		rc = cli_fail(EXIT_FAIL, cmd, "%s", err);
		free(err);
		return rc;
	}
	if (ctx->session != NULL && !auth_may_see_tenant(ctx->session, out->id)) {
		tenant_free(out);
		return cli_fail(EXIT_REFUSED, cmd, "you are not assigned to that location");
	}
	return EXIT_OK;
}

/* Length of a valid UTF-8 sequence at p (not a C1 control, not overlong), else 0. */
static size_t utf8_ok(const unsigned char *p)
{
	size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
	if (p[0] < 0xC2 || p[0] > 0xF4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (p[0] == 0xC2 && p[1] < 0xA0)
		return 0; /* U+0080..U+009F: C1 controls, which terminals obey */
	if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F) ||
	    (p[0] == 0xED && p[1] > 0x9F))
		return 0;
	/* Bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069) reorder what follows on
	 * the line: a name could make a listing lie about its other columns. */
	if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
			     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
		return 0;
	return n;
}

/* cli_safe_text, optionally keeping '\n' (for messages of several lines). */
static void safe_copy(const char *in, bool first_line, bool keep_newlines, char *out, size_t len)
{
	size_t o = 0;
	if (len == 0)
		return;
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	while (*p && o + 1 < len) {
		if (first_line && (*p == '\n' || *p == '\r'))
			break;
		if (*p < 0x80) {
			bool ctl = (*p < 0x20 && !(keep_newlines && *p == '\n')) || *p == 0x7f;
			out[o++] = ctl ? '?' : (char)*p;
			p++;
			continue;
		}
		size_t n = utf8_ok(p);
		if (n == 0) {
			out[o++] = '?';
			p++;
			continue;
		}
		if (o + n >= len)
			break;
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
}

void cli_safe_text(const char *in, bool first_line, char *out, size_t len)
{
	safe_copy(in, first_line, false, out, len);
}

const char *cli_show(const char *in)
{
	static char ring[16][512];
	static unsigned next;
	char *out = ring[next++ % 16];
	safe_copy(in, true, false, out, sizeof(ring[0]));
	return out;
}

void cli_format_local(int64_t t, const char *tz, char *out, size_t len)
{
	struct tm tm;
	if (tz == NULL || tz_local(tz, t, &tm) != 0) {
		time_t tt = (time_t)t;
		gmtime_r(&tt, &tm);
	}
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

char *cli_owner_name(void)
{
	char host[128] = "localhost";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return xasprintf("cli@%s:%ld", host, (long)getpid());
}

int cli_take_send_lease(struct store *s, const char *cmd, const char *owner, int64_t id, bool *got)
{
	char *err = NULL, *holder = NULL;
	*got = false;
	if (store_lease_acquire(s, SYNC_LEASE_NAME, owner, clock_now(), SYNC_LEASE_TTL, got, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, cmd, "%s", err);
		free(err);
		return rc;
	}
	if (!*got) {
		store_lease_holder(s, SYNC_LEASE_NAME, clock_now(), &holder, NULL);
		char who[120];
		cli_safe_text(holder ? holder : "another process", true, who, sizeof(who));
		printf("queued: message %lld; %s holds the sync lease and will send it\n", (long long)id, who);
		free(holder);
	}
	return EXIT_OK;
}

/* $VAR/rest when VAR is set and absolute, else $HOME/fallback/rest. */
static char *xdg_path(const char *var, const char *fallback, const char *rest)
{
	const char *base = getenv(var);
	if (base != NULL && base[0] == '/')
		return xasprintf("%s/%s", base, rest);
	const char *home = getenv("HOME");
	return xasprintf("%s/%s/%s", home && *home ? home : ".", fallback, rest);
}

/* Prints `smsdesk --help`, generated from the command table. */
static void print_help(FILE *f)
{
	fputs("usage: smsdesk [global options] [command [options]]\n"
	      "\n"
	      "Texting patients through Twilio from the clinic's front desk.\n"
	      "  smsdesk                  the console (sign in, then the inbox)\n"
	      "  smsdesk --scheduler      the headless service (reminders, polling, outbox;\n"
	      "                           --mllp HOST:PORT / --hl7-dir DIR: the EHR's HL7 feed)\n"
	      "  smsdesk --demo           a throw-away demo with a built-in Twilio simulator\n"
	      "\n"
	      "Global options:\n"
	      "  --db PATH          database (default $SMSDESK_DB, else $XDG_DATA_HOME/smsdesk/smsdesk.db)\n"
	      "  --key-file PATH    key file (default $SMSDESK_KEY_FILE, else $XDG_CONFIG_HOME/smsdesk/key)\n"
	      "  --tenant NAME|ID   the clinic location (needed when there are several)\n"
	      "  --user NAME        sign in as NAME first (password on stdin or a hidden prompt);\n"
	      "                     needed by the shared (setgid) install, where NAME defaults to\n"
	      "                     your login name\n"
	      "  --system           the system install's files (/var/lib/smsdesk, /etc/smsdesk)\n"
	      "  --help, --version\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-18s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'smsdesk COMMAND --help' describes a command.\n"
	      "Exit codes: 0 ok, 1 failure, 3 refused by a rule, 4 Twilio or network, 5 not found, 64 usage.\n", f);
}

void cli_ctx_clear(struct cli_ctx *ctx)
{
	privsep_end(ctx);
	xfree(&default_db);
	xfree(&default_key);
	memset(ctx, 0, sizeof(*ctx));
}

int cli_globals(int argc, char **argv, struct cli_ctx *ctx, int *cmd_index)
{
	memset(ctx, 0, sizeof(*ctx));
	/* Before anything reads the environment: a setgid run cleans it first. */
	privsep_start();
	bool system = false;
	/* sodium_malloc and friends need it; safe to call more than once. */
	if (sodium_init() < 0)
		return cli_fail(EXIT_FAIL, NULL, "libsodium could not start");
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_help(stdout);
			return EXIT_OK;
		}
		if (strcmp(a, "--version") == 0) {
			printf("smsdesk %s\n", SMSDESK_VERSION);
			return EXIT_OK;
		}
		if (strcmp(a, "--db") == 0)
			target = &ctx->db_path;
		else if (strcmp(a, "--key-file") == 0)
			target = &ctx->key_file;
		else if (strcmp(a, "--tenant") == 0)
			target = &ctx->tenant;
		else if (strcmp(a, "--user") == 0)
			target = &ctx->user;
		else if (strcmp(a, "--system") == 0) {
			system = true;
			continue;
		}
		else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			ctx->quiet = true;
			continue;
		} else
			break;
		if (i + 1 >= argc || argv[i + 1][0] == '\0')
			return cli_usage(NULL, "%s needs a value", a);
		*target = argv[++i];
	}
	*cmd_index = i;
	int prc = privsep_paths(ctx, system, ctx->db_path != NULL || ctx->key_file != NULL);
	if (prc != EXIT_OK)
		return prc;
	if (ctx->db_path == NULL) {
		const char *env = getenv("SMSDESK_DB");
		if (env != NULL && *env)
			ctx->db_path = env;
		else
			ctx->db_path = default_db = xdg_path("XDG_DATA_HOME", ".local/share", "smsdesk/smsdesk.db");
	}
	if (ctx->key_file == NULL) {
		const char *env = getenv("SMSDESK_KEY_FILE");
		if (env != NULL && *env)
			ctx->key_file = env;
		else
			ctx->key_file = default_key = xdg_path("XDG_CONFIG_HOME", ".config", "smsdesk/key");
	}
	return -1;
}

/* Runs the command at argv[0]. */
static int dispatch(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[0];
	int gate = privsep_gate(ctx, argc, argv);
	if (gate != EXIT_OK)
		return gate;
	if (strcmp(name, "--scheduler") == 0)
		return scheduler_main(ctx, argc, argv);
	if (strcmp(name, "help") == 0) {
		if (argc > 1) {
			for (size_t i = 0; i < N_COMMANDS; i++)
				if (strcmp(commands[i]->name, argv[1]) == 0) {
					fputs(commands[i]->usage, stdout);
					return EXIT_OK;
				}
		}
		print_help(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i]->run(ctx, argc, argv);
	char safe[64];
	cli_safe_text(name, true, safe, sizeof(safe));
	if (name[0] == '-')
		return cli_usage(NULL, "unknown option '%s'", safe);
	return cli_usage(NULL, "unknown command '%s'", safe);
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx;
	int idx = 0;
	int rc = cli_globals(argc, argv, &ctx, &idx);
	if (rc >= 0) {
		cli_ctx_clear(&ctx);
		return rc;
	}
	if (idx >= argc) {
		print_help(stderr);
		rc = EXIT_USAGE;
	} else {
		rc = dispatch(&ctx, argc - idx, argv + idx);
	}
	cli_ctx_clear(&ctx);
	return rc;
}

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

/* Puts the terminal back if a hidden prompt is interrupted. */
static void restore_tty(int sig)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Reads one line from stdin into buf with read(2) (no stdio copies of a secret); typing is
 * hidden when stdin is a terminal, and the terminal is put back even on SIGINT/SIGTERM. */
int cli_read_hidden_line(const char *prompt, char *buf, size_t len, bool *too_long)
{
	bool tty = isatty(STDIN_FILENO);
	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
			struct termios quiet = saved_tty;
			quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			signal(SIGINT, restore_tty);
			signal(SIGTERM, restore_tty);
			tty_changed = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	size_t n = 0;
	char c;
	*too_long = false;
	while (read(STDIN_FILENO, &c, 1) == 1 && c != '\n') {
		if (n + 1 < len)
			buf[n++] = c;
		else
			*too_long = true;
	}
	buf[n] = '\0';
	c = 0;
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (tty) {
		if (tty_changed)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
		tty_changed = 0;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		fputc('\n', stderr);
	}
	return (int)n;
}
