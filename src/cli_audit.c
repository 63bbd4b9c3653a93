/* `smsdesk audit`: verify the hash chain, list entries, export them as CSV. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "src/cli_internal.h"
#include "src/privsep.h"
#include "src/util.h"

#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_audit;

static const char usage_audit[] =
	"usage: smsdesk audit verify [--anchor FILE]\n"
	"       smsdesk audit anchor FILE [--force]\n"
	"       smsdesk audit list [--since YYYY-MM-DD] [--action PREFIX] [--patient ID] [--limit N]\n"
	"       smsdesk audit export --since YYYY-MM-DD [--until YYYY-MM-DD] [--output FILE]\n"
	"The audit log records who signed in, opened a patient's thread or preferences, sent,\n"
	"changed a preference, consent, setting, keyword or user, and exported, with when.\n"
	"Each entry is chained to the one before it by a BLAKE2b hash:\n"
	"  verify   walks the chain; exit 0 when intact, 1 naming the first changed entry (or the\n"
	"           entry after a deleted one)\n"
	"           --anchor also checks the anchor FILE (what the scheduler's --audit-anchor\n"
	"           wrote): exit 1 when the newest entries were removed or the log rewritten\n"
	"  anchor   writes the chain's head (count, newest id, hash) to FILE, mode 0644;\n"
	"           refused when the log no longer holds what FILE saw, unless --force\n"
	"  list     entries oldest first (all locations)\n"
	"  export   CSV (RFC 4180) of the entries from --since up to the end of --until (dates\n"
	"           are UTC days) to --output (created, mode 0600, never overwritten) or stdout;\n"
	"           cells that a spreadsheet would run as a formula are prefixed with '\n";

/* "YYYY-MM-DD" as Unix seconds at 00:00 UTC; false when not a real date. */
static bool parse_day(const char *s, int64_t *out)
{
	int y, m, d, used = 0;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || s[used] != '\0' || strlen(s) != 10)
		return false;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	time_t t = timegm(&tm);
	struct tm back;
	gmtime_r(&t, &back);
	if (back.tm_mday != d || back.tm_mon != m - 1) /* 2026-02-30 */
		return false;
	*out = (int64_t)t;
	return true;
}

/* Writes one CSV cell: quoted when needed, formula-looking text defused with a leading '. */
static void csv_cell(FILE *f, const char *s, bool last)
{
	s = s ? s : "";
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
}

/* Writes one entry as a CSV row. */
static void csv_row(FILE *f, const struct audit_entry *e)
{
	char at[32], num[4][24];
	time_iso_utc(e->at, at, sizeof(at));
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)e->id);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)e->user_id);
	snprintf(num[2], sizeof(num[2]), "%lld", (long long)e->tenant_id);
	snprintf(num[3], sizeof(num[3]), "%lld", (long long)e->patient_id);
	csv_cell(f, num[0], false);
	csv_cell(f, at, false);
	csv_cell(f, e->username, false);
	csv_cell(f, num[1], false);
	csv_cell(f, num[2], false);
	csv_cell(f, e->action, false);
	csv_cell(f, e->patient_id ? num[3] : "", false);
	csv_cell(f, e->target, false);
	csv_cell(f, e->detail, false);
	csv_cell(f, e->hash, true);
}

/* `audit verify`. */
static int audit_verify(struct store *s)
{
	int64_t bad = 0;
	char *err = NULL;
	if (store_audit_verify(s, &bad, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
		free(err);
		return rc;
	}
	struct audit_entry *list = NULL;
	size_t n = 0;
	if (store_audit_list(s, 0, 0, NULL, 0, &list, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
		free(err);
		return rc;
	}
	int rc = EXIT_OK;
	if (bad == 0) {
		printf("audit log intact: %zu entries, chain verified\n", n);
	} else {
		size_t i = 0;
		while (i < n && list[i].id != bad)
			i++;
		bool gap = i < n && ((i == 0 && bad > 1) || (i > 0 && list[i - 1].id != bad - 1));
		char at[32] = "?", action[100] = "?", who[100] = "?";
		if (i < n) {
			time_iso_utc(list[i].at, at, sizeof(at));
			cli_safe_text(list[i].action, true, action, sizeof(action));
			cli_safe_text(list[i].username, true, who, sizeof(who));
		}
		if (gap)
			printf("audit log BROKEN: entry %lld was deleted (entry %lld, %s %s by %s, no longer links to it)\n",
			       (long long)bad - 1, (long long)bad, at, action, who);
		else
			printf("audit log BROKEN: entry %lld (%s %s by %s) was changed: its hash does not match\n", (long long)bad,
			       at, action, who);
		rc = EXIT_FAIL;
	}
	audit_entry_list_free(&list, n);
	return rc;
}

/* `audit list`. */
static int audit_list(struct store *s, int64_t since, const char *action, int64_t patient, long long limit)
{
	struct audit_entry *list = NULL;
	size_t n = 0;
	char *err = NULL;
	if (store_audit_list(s, since, 0, action, 0, &list, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
		free(err);
		return rc;
	}
	size_t shown = 0, first = 0;
	/* --limit keeps the newest N, still printed oldest first */
	size_t matching = 0;
	for (size_t i = 0; i < n; i++)
		matching += patient == 0 || list[i].patient_id == patient;
	size_t skip = limit > 0 && (size_t)limit < matching ? matching - (size_t)limit : 0;
	printf("%-6s %-20s %-14s %-20s %-8s %-8s %s\n", "ID", "AT (UTC)", "USER", "ACTION", "LOCATION", "PATIENT",
	       "TARGET / DETAIL");
	for (size_t i = 0; i < n; i++) {
		const struct audit_entry *e = &list[i];
		if (patient != 0 && e->patient_id != patient)
			continue;
		if (first++ < skip)
			continue;
		char at[32], who[64], act[64], tgt[160], det[400], pid[24] = "-", tid[24] = "-";
		time_iso_utc(e->at, at, sizeof(at));
		cli_safe_text(e->username, true, who, sizeof(who));
		cli_safe_text(e->action, true, act, sizeof(act));
		cli_safe_text(e->target, true, tgt, sizeof(tgt));
		cli_safe_text(e->detail, true, det, sizeof(det));
		if (e->patient_id)
			snprintf(pid, sizeof(pid), "%lld", (long long)e->patient_id);
		if (e->tenant_id)
			snprintf(tid, sizeof(tid), "%lld", (long long)e->tenant_id);
		printf("%-6lld %-20s %-14s %-20s %-8s %-8s %s%s%s\n", (long long)e->id, at, who, act, tid, pid, tgt,
		       *tgt && *det ? " / " : "", det);
		shown++;
	}
	if (shown == 0)
		printf("(no entries)\n");
	audit_entry_list_free(&list, n);
	return EXIT_OK;
}

/* `audit export`. */
static int audit_export(struct store *s, int64_t since, int64_t until, const char *output)
{
	FILE *f = stdout;
	char *err = NULL;
	if (output != NULL) {
		int fd = privsep_caller_open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return cli_fail(EXIT_FAIL, "audit", "cannot create %s: %s%s", output, strerror(errno),
					errno == EEXIST ? " (exports never overwrite a file)" : "");
		f = fdopen(fd, "w");
		if (f == NULL) {
			close(fd);
			return cli_fail(EXIT_FAIL, "audit", "cannot write %s", output);
		}
	}
	struct audit_entry *list = NULL;
	size_t n = 0, rows = 0;
	int rc = EXIT_OK;
	if (store_audit_list(s, since, 0, NULL, 0, &list, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
		goto out;
	}
	fputs("id,at_utc,username,user_id,tenant_id,action,patient_id,target,detail,hash\r\n", f);
	for (size_t i = 0; i < n; i++) {
		if (until > 0 && list[i].at >= until)
			break;
		csv_row(f, &list[i]);
		rows++;
	}
	if (fflush(f) != 0 || ferror(f))
		rc = cli_fail(EXIT_FAIL, "audit", "writing the export failed: %s", strerror(errno));
	char since_s[32], until_s[32] = "now", *detail;
	time_iso_utc(since, since_s, sizeof(since_s));
	if (until > 0)
		time_iso_utc(until, until_s, sizeof(until_s));
	detail = xasprintf("%zu entries from %s to %s%s%s", rows, since_s, until_s, output ? " to " : " to stdout",
			   output ? output : "");
	/* The export is itself audited: who took the log out, and how much of it. */
	if (rc == EXIT_OK && store_audit_append(s, 0, CLI_ACTOR, 0, "audit.export", 0, NULL, detail, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "audit", "the export could not be audited: %s", err);
	free(detail);
	if (rc == EXIT_OK && output != NULL)
		fprintf(stderr, "exported %zu entries to %s\n", rows, output);
out:
	audit_entry_list_free(&list, n);
	free(err);
	if (f != stdout)
		fclose(f);
	if (rc != EXIT_OK && output != NULL)
		unlink(output);
	return rc;
}

/* `audit anchor FILE`. */
static int run_anchor(struct cli_ctx *ctx, const char *path, bool force)
{
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "audit", false, &s);
	if (rc == EXIT_OK)
		rc = cli_anchor_write(s, path, force);
	store_close(&s);
	return rc;
}

/* `audit ...`. */
static int run_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *since_s = NULL, *until_s = NULL, *output = NULL, *action = NULL, *patient_s = NULL, *limit_s = NULL;
	const char *anchor = NULL;
	bool force = false;
	struct cli_opt opts[] = {{"--anchor", &anchor, NULL}, {"--force", NULL, &force},
				 {"--since", &since_s, NULL},   {"--until", &until_s, NULL},
				 {"--output", &output, NULL},   {"--action", &action, NULL},
				 {"--patient", &patient_s, NULL}, {"--limit", &limit_s, NULL},
				 {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_audit, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos == 2 && strcmp(pos[0], "anchor") == 0)
		return run_anchor(ctx, pos[1], force);
	if (force || (anchor && strcmp(pos[0], "verify") != 0))
		return cli_usage("audit", "--anchor goes with 'audit verify', --force with 'audit anchor FILE'");
	if (npos != 1)
		return cli_usage("audit", "expected 'audit verify', 'audit list' or 'audit export --since YYYY-MM-DD'");
	const char *sub = pos[0];
	int64_t since = 0, until = 0;
	long long patient = 0, limit = 0;
	if (since_s && !parse_day(since_s, &since))
		return cli_usage("audit", "--since must be a date like 2026-11-26");
	if (until_s && !parse_day(until_s, &until))
		return cli_usage("audit", "--until must be a date like 2026-11-26");
	if (until_s)
		until += 86400; /* through the end of that day */
	if (until_s && until <= since)
		return cli_usage("audit", "--until is before --since");
	if (patient_s && !cli_parse_int(patient_s, 1, INT64_MAX, &patient))
		return cli_usage("audit", "--patient must be a patient id");
	if (limit_s && !cli_parse_int(limit_s, 1, 1000000000, &limit))
		return cli_usage("audit", "--limit must be a positive number");
	bool is_export = strcmp(sub, "export") == 0, is_list = strcmp(sub, "list") == 0;
	if (!is_export && !is_list && strcmp(sub, "verify") != 0)
		return cli_usage("audit", "unknown subcommand (verify, list, export)");
	if (is_export && since_s == NULL)
		return cli_usage("audit", "audit export needs --since YYYY-MM-DD");
	if (!is_export && (until_s || output))
		return cli_usage("audit", "--until and --output go with 'audit export'");
	if (!is_list && (action || patient_s || limit_s))
		return cli_usage("audit", "--action, --patient and --limit go with 'audit list'");
	struct store *s = NULL;
	rc = cli_open_store(ctx, "audit", false, &s);
	if (rc != EXIT_OK)
		return rc;
	if (is_export)
		rc = audit_export(s, since, until_s ? until : 0, output);
	else if (is_list)
		rc = audit_list(s, since, action, patient, limit);
	else {
		rc = audit_verify(s);
		/* The anchor of a system install is checked whenever it exists. */
		const char *a = anchor ? anchor : ctx->anchor_path;
		if (rc == EXIT_OK && a != NULL)
			rc = cli_anchor_verify(s, a, anchor != NULL);
	}
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_audit = {"audit", "verify, list or export the audit log", usage_audit, run_audit};
