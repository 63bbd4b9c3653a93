/* `smsdesk import patients|appointments FILE`: the practice-management system's exports. */
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/cli_internal.h"
#include "src/privsep.h"
#include "src/import.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_import;

static const char usage_import[] =
	"usage: smsdesk [--tenant T] import patients FILE [--format csv|json] [--dry-run]\n"
	"                                    [--allow-identity-change]\n"
	"       smsdesk [--tenant T] import appointments FILE [--format csv|json] [--dry-run]\n"
	"Imports an export of the practice-management system (FILE '-' reads standard input).\n"
	"CSV: the first row names the columns (any order, any case; other columns are ignored).\n"
	"JSON: an array of objects with the same keys.\n"
	"  patients:     first_name, last_name, mobile (or phone), timezone, external_id,\n"
	"                sms_opt_out (yes/no), consent_date (YYYY-MM-DD), consent_method\n"
	"  appointments: external_id (the patient's), provider, location,\n"
	"                start (2026-12-01T14:30 in the clinic's zone, or with Z / +01:00),\n"
	"                duration_min, status\n"
	"A patient whose external_id is already known is updated, not added twice; an appointment\n"
	"of the same patient at the same start is updated. An external_id twice in one file: the\n"
	"second row is refused (the first is kept). An update that changes both the name and\n"
	"the mobile is refused as probably another person, unless --allow-identity-change\n"
	"(each such row is still reported). sms_opt_out=yes opts the patient out (via import);\n"
	"'no' never opts anyone back in. Consent columns left out or empty keep the consent on\n"
	"file; a new mobile leaves it tied to the old number. Every refused row is reported as\n"
	"'row N: reason' (in CSV, N is the line where the row begins, the header being row 1;\n"
	"in JSON, N counts the objects from 1) and the other rows are imported. Rows are written\n"
	"in batches of 500, each row whole or not at all.\n"
	"--dry-run checks and counts everything and writes nothing.\n"
	"Exit: 0 all rows imported, 3 some rows refused (the others imported), 1 nothing could\n"
	"be imported (unreadable file, no header, a required column missing) or database error.\n";

/* Prints one report line from the import. */
static void print_problem(void *ctx, size_t row, const char *message)
{
	(void)ctx;
	size_t len = strlen(message) + 1;
	char *safe = xmalloc(len);
	cli_safe_text(message, false, safe, len); /* it may quote the file's bytes */
	printf("%s%s\n", row == 0 ? "note: " : "", safe);
	free(safe);
}

/* The format from --format, else from the file's extension, else sniffed. */
static int pick_format(const char *opt, const char *path, enum import_format *out)
{
	*out = IMPORT_AUTO;
	if (opt != NULL) {
		if (strcmp(opt, "csv") == 0)
			*out = IMPORT_CSV;
		else if (strcmp(opt, "json") == 0)
			*out = IMPORT_JSON;
		else
			return -1;
		return 0;
	}
	const char *dot = strrchr(path, '.');
	if (dot != NULL && strcasecmp(dot, ".json") == 0)
		*out = IMPORT_JSON;
	else if (dot != NULL && strcasecmp(dot, ".csv") == 0)
		*out = IMPORT_CSV;
	return 0;
}

/* Runs the import of one file for the resolved location. */
static int do_import(struct cli_ctx *ctx, enum import_kind kind, const char *path, enum import_format fmt,
		     bool dry_run, bool allow_identity)
{
	int fd = strcmp(path, "-") == 0 ? -1 : privsep_caller_open(path, O_RDONLY | O_CLOEXEC, 0);
	FILE *in = strcmp(path, "-") == 0 ? stdin : fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (in == NULL && fd >= 0)
		close(fd);
	char safe_path[256];
	cli_safe_text(path, true, safe_path, sizeof(safe_path));
	if (in == NULL)
		return cli_fail(EXIT_FAIL, "import", "cannot read %s: %s", safe_path, strerror(errno));
	struct store *s = NULL;
	struct tenant t = {0};
	int rc = cli_open_store(ctx, "import", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "import", s, &t);
	if (rc != EXIT_OK)
		goto out;
	const char *base = strrchr(safe_path, '/');
	struct import_opts o = {.kind = kind, .format = fmt, .dry_run = dry_run, .tenant_id = t.id,
				.clinic_tz = t.timezone, .actor = "cli", .source = in == stdin ? "standard input" : base ? base + 1 : safe_path,
				.report = print_problem, .allow_identity_change = allow_identity};
	struct import_result r;
	char *err = NULL;
	const char *what = kind == IMPORT_PATIENTS ? "patients" : "appointments";
	if (import_run(s, in, &o, &r, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "import", "%s: %s", safe_path, err);
		free(err);
		goto out;
	}
	if (dry_run)
		printf("dry run, nothing written: %zu rows of %s: %zu would be added, %zu updated, %zu refused\n",
		       r.rows, what, r.added, r.updated, r.rejected);
	else
		printf("imported %s: %zu rows: %zu added, %zu updated, %zu refused\n", what, r.rows, r.added,
		       r.updated, r.rejected);
	rc = r.rejected > 0 ? EXIT_REFUSED : EXIT_OK;
out:
	tenant_free(&t);
	store_close(&s);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* `import patients|appointments FILE`. */
static int run_import(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *format = NULL;
	bool dry_run = false, allow_identity = false;
	struct cli_opt opts[] = {{"--format", &format, NULL},
				 {"--dry-run", NULL, &dry_run},
				 {"--allow-identity-change", NULL, &allow_identity},
				 {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_import, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 2 || (strcmp(pos[0], "patients") != 0 && strcmp(pos[0], "appointments") != 0))
		return cli_usage("import", "expected 'import patients FILE' or 'import appointments FILE'");
	enum import_format fmt;
	if (pick_format(format, pos[1], &fmt) != 0)
		return cli_usage("import", "--format is csv or json");
	return do_import(ctx, strcmp(pos[0], "patients") == 0 ? IMPORT_PATIENTS : IMPORT_APPOINTMENTS, pos[1], fmt,
			 dry_run, allow_identity);
}

const struct cli_command cli_cmd_import = {"import", "import patients or appointments (CSV, JSON)", usage_import,
					   run_import};
