/* `smsdesk sim [--port N] [--step-ms N] [--demo-patients] [--state-file PATH]`: runs the loopback
 * Twilio simulator in the foreground until SIGTERM or SIGINT. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli.h"
#include "src/sim/sim.h"

static const char usage[] =
    "usage: smsdesk sim [--port N] [--step-ms N] [--demo-patients] [--state-file PATH]\n"
    "Runs the loopback Twilio simulator on 127.0.0.1 and prints base_url, account_sid and\n"
    "auth_token, one per line; stops cleanly on SIGTERM or SIGINT.\n";

/* Parses a whole-number option value within [min, max] into *out. */
static int parse_int(const char *opt, const char *s, long min, long max, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "smsdesk sim: %s needs a number from %ld to %ld\n", opt, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), advancing *i; NULL if not it. */
static const char *opt_value(const char *name, int argc, char **argv, int *i, bool *matched)
{
	size_t n = strlen(name);
	*matched = false;
	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=') {
		*matched = true;
		return argv[*i] + n + 1;
	}
	if (argv[*i][n] != '\0')
		return NULL;
	*matched = true;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

/* Parses the command line into cfg; returns -1 (after a message) on a bad one, 1 for --help. */
static int parse_args(int argc, char **argv, struct sim_config *cfg)
{
	for (int i = 1; i < argc; i++) {
		bool m = false;
		long v = 0;
		const char *val;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
		if (strcmp(argv[i], "--demo-patients") == 0) {
			cfg->demo_patients = true;
			continue;
		}
		val = opt_value("--port", argc, argv, &i, &m);
		if (m) {
			if (parse_int("--port", val, 0, 65535, &v) != 0)
				return -1;
			cfg->port = (unsigned short)v;
			continue;
		}
		val = opt_value("--step-ms", argc, argv, &i, &m);
		if (m) {
			if (parse_int("--step-ms", val, 1, 3600000, &v) != 0)
				return -1;
			cfg->step_ms = (int)v;
			continue;
		}
		val = opt_value("--state-file", argc, argv, &i, &m);
		if (m && val && *val) {
			cfg->state_file = val;
			continue;
		}
		fprintf(stderr, "smsdesk sim: unknown or incomplete option '%s'\n%s", argv[i], usage);
		return -1;
	}
	return 0;
}

/* Entry point of `smsdesk sim` (argv[0] is the command name); returns the exit code. */
int sim_main(int argc, char **argv)
{
	struct sim_config cfg = {0};
	int rc = parse_args(argc, argv, &cfg);
	if (rc != 0) {
		if (rc > 0)
			fputs(usage, stdout);
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/* Block the stop signals in every thread (MHD's inherit the mask) and wait for them here. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct sim *sim = NULL;
	char *err = NULL;
	if (sim_start(&cfg, &sim, &err) != 0) {
		fprintf(stderr, "smsdesk sim: %s\n", err);
		free(err);
		return EXIT_FAIL;
	}
	printf("base_url=%s\naccount_sid=%s\nauth_token=%s\n", sim_base_url(sim), sim_account_sid(sim),
	       sim_auth_token(sim));
	fflush(stdout);
	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	sim_stop(&sim);
	return EXIT_OK;
}
