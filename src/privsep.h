/* Privilege separation for a multi-user clinic server. Owner: src/privsep.c
 *
 * The database and key file belong to the `smsdesk` system user and group and are not
 * readable by staff accounts. /usr/bin/smsdesk is installed setgid smsdesk (2755
 * root:smsdesk): run by a staff account it gains the group's access to the data, and
 * nothing else. Running setgid, it trusts nothing the caller controls: the environment is
 * reduced to a short allow-list, --db and --key-file are refused, the paths come from the
 * root-owned configuration (or the built-in defaults), core dumps and ptrace are off, and
 * every command needs a sign-in (--user NAME, the Unix login name by default) and the role
 * that command needs. See the README's "Deployment" section for the threat model. */
#ifndef SMSDESK_PRIVSEP_H
#define SMSDESK_PRIVSEP_H
#include <stdbool.h>
#include <sys/types.h>
#include "src/cli.h"

/* True when running setgid (effective group differs from the real one). */
bool privsep_setgid(void);
/* Called first thing: when setgid, cleans the environment and turns off core dumps. */
void privsep_start(void);
/* Fills the system paths (database, key file, audit anchor) into ctx when running setgid or
 * with --system. Returns an exit code: EXIT_USAGE when setgid and --db/--key-file given. */
int privsep_paths(struct cli_ctx *ctx, bool system, bool paths_given);
/* Before command argv[0] runs: signs in when needed (always when setgid; when --user was
 * given; when the database has users and belongs to someone else), checks the role, and
 * audits the command. Returns EXIT_OK to go on, else the exit code to finish with. */
int privsep_gate(struct cli_ctx *ctx, int argc, char **argv);
/* open(2) of a file the caller named (an import, an export), with the caller's own rights
 * when running setgid, so the group's files cannot be read or written through it. */
int privsep_caller_open(const char *path, int flags, mode_t mode);
/* Gives the smsdesk group up for good (the demo and the simulator need no data). */
void privsep_drop(void);
/* Frees the session. */
void privsep_end(struct cli_ctx *ctx);

#endif
