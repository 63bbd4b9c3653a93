/* The command line: `smsdesk <command>`, a thin layer over the core. Owner: src/cli.c;
 * other modules add commands in their own src/cli_*.c and one line in the table in cli.c. */
#ifndef SMSDESK_CLI_H
#define SMSDESK_CLI_H
#include <stdbool.h>
#include <stdio.h>

/* Exit codes (sysexits-style), also in the man page. */
#define EXIT_OK 0
#define EXIT_FAIL 1        /* internal or store error */
#define EXIT_REFUSED 3     /* a rule refused it: opted out, too long, not allowed for the role ... */
#define EXIT_TWILIO 4      /* Twilio or the network failed */
#define EXIT_NOTFOUND 5    /* no such patient / tenant / message */
#define EXIT_USAGE 64      /* bad command line */

struct auth_session;

struct cli_ctx {
	const char *db_path;   /* --db or the XDG default */
	const char *key_file;  /* --key-file or the XDG default */
	const char *tenant;    /* --tenant NAME|ID, NULL: the only one / the first */
	const char *anchor_path; /* the audit anchor of a system install (src/privsep.c), or NULL */
	const char *user;      /* --user NAME: sign in as NAME before the command */
	struct auth_session *session; /* who signed in (src/privsep.c), NULL for the data's owner */
	bool quiet;
};

struct cli_command {
	const char *name;      /* "send", "user", ... */
	const char *summary;   /* one line for `smsdesk --help` */
	const char *usage;     /* full text for `smsdesk NAME --help` */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv); /* argv[0] is the command name */
};

/* Runs the program with its arguments; returns the exit code. */
int cli_main(int argc, char **argv);

#endif
