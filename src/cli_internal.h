/* Shared by the src/cli*.c files and src/main.c: option parsing, messages, and opening the
 * store, the key file and the --tenant location the same way in every command. Owner: src/cli.c */
#ifndef SMSDESK_CLI_INTERNAL_H
#define SMSDESK_CLI_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "src/cli.h"
#include "store/store.h"
#include "src/vault.h"

/* One option of a command: "--name VALUE" / "--name=VALUE" into *value, or a flag into *flag. */
struct cli_opt {
	const char *name;   /* "--body" */
	const char **value; /* set for options that take a value */
	bool *flag;         /* set for options without one */
};

/* Parses argv[1..] (argv[0] is the command) against opts; bare words go to pos[] (room for
 * argc entries) and *npos. Returns 0, 1 when --help was asked and printed, or EXIT_USAGE
 * after printing the problem and the --help hint. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, const struct cli_opt *opts,
	      char **pos, int *npos);

/* "smsdesk CMD: message" on stderr; returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The problem plus "try 'smsdesk CMD --help'" on stderr; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whole-string decimal within [min, max]. */
bool cli_parse_int(const char *s, long long min, long long max, long long *out);

/* Opens the database; refuses (EXIT_FAIL, with a hint to run init) when the file does not
 * exist yet, unless create. Returns an exit code (EXIT_OK on success). */
int cli_open_store(struct cli_ctx *ctx, const char *cmd, bool create, struct store **out);
/* Opens the key file (EXIT_FAIL with the reason otherwise). */
int cli_open_vault(struct cli_ctx *ctx, const char *cmd, struct vault **out);
/* The location named by --tenant (id or name), or the only one; EXIT_NOTFOUND / EXIT_USAGE. */
int cli_resolve_tenant(struct cli_ctx *ctx, const char *cmd, struct store *s, struct tenant *out);

/* Copies untrusted text for the terminal: control characters (C0, DEL, C1), bidi overrides and bad UTF-8
 * become '?'; stops at the first newline when first_line. Always NUL-terminates. */
void cli_safe_text(const char *in, bool first_line, char *out, size_t len);
/* The same for one printf argument: first line only, at most 511 bytes, in one of 16 static
 * buffers used in turn (so up to 16 may appear in one call). NULL reads as "". */
const char *cli_show(const char *in);
/* "2026-11-26 14:05" in zone tz (UTC when the zone is unknown). */
void cli_format_local(int64_t t, const char *tz, char *out, size_t len);

/* "YYYY-MM-DD" (midnight in zone tz; a date that does not exist is refused) or "Nd" (N days
 * before now) to Unix time; 0, or -1 when malformed. */
int cli_parse_day(const char *s, const char *tz, int64_t *out);

/* The name this process uses for the sync lease and outbox claims ("cli@host:pid"), malloc'd. */
char *cli_owner_name(void);

/* Takes the sync lease for owner so message id can be sent at once; when another process
 * holds it, says on stdout that it will send the message and leaves *got false. Returns an
 * exit code (EXIT_FAIL, reported, when the lease cannot be read). */
int cli_take_send_lease(struct store *s, const char *cmd, const char *owner, int64_t id, bool *got);

/* Parses the global options before the command (--db, --key-file, --tenant, --help,
 * --version). *cmd_index is where the command or mode starts (argc when none). Returns -1
 * to go on, else the exit code to finish with (help, version, usage error). */
int cli_globals(int argc, char **argv, struct cli_ctx *ctx, int *cmd_index);
void cli_ctx_clear(struct cli_ctx *ctx);

/* Reads one line from stdin (hidden at a terminal) into buf; returns its length, sets
 * *too_long when it did not fit. For secrets: no stdio buffering, so no stray copies. */
int cli_read_hidden_line(const char *prompt, char *buf, size_t len, bool *too_long);

/* `audit verify --anchor PATH` / `audit anchor PATH` (src/cli_anchor.c). verify: EXIT_FAIL when
 * the log lost or changed what the anchor saw (or, when required, there is no anchor). */
int cli_anchor_verify(struct store *s, const char *path, bool required);
int cli_anchor_write(struct store *s, const char *path, bool force);

/* Lifecycle subcommands (src/cli_lifecycle.c), called by the user, tenant and patient
 * commands with their own argv when argv[1] names one: user unlock|expire, tenant
 * rename|retire|unretire, patient merge|delete. */
int cli_user_lifecycle(struct cli_ctx *ctx, int argc, char **argv);
int cli_tenant_lifecycle(struct cli_ctx *ctx, int argc, char **argv);
int cli_patient_lifecycle(struct cli_ctx *ctx, int argc, char **argv);
/* The rest of `smsdesk stats` (src/cli_stats_weekly.c): by location and week, no-shows with and
 * without a reminder, campaigns started in the period; t->id 0 = every location. */
int cli_stats_more(struct store *s, const struct tenant *t, int64_t since, int64_t until);
/* `appointment cancel ID` (src/cli_filler.c): by hand, audited; the filler offers the slot. */
int cli_appointment_cancel(struct cli_ctx *ctx, int argc, char **argv);

#endif
