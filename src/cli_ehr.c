/* `smsdesk ehr ...` (the EHR connection's settings, HL7 files, the write-back outbox, a fake
 * EHR for trials) and `smsdesk plan` (what the scheduler will send). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "src/cli_internal.h"
#include "src/ehr.h"
#include "src/fhir.h"
#include "src/mllp.h"
#include "src/plan.h"
#include "src/reminders.h"
#include "src/sim/sim.h"
#include "src/util.h"

#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_ehr;
extern const struct cli_command cli_cmd_plan;

static const char usage_ehr[] =
	"usage: smsdesk [--tenant T] ehr set [--facility NAME] [--writeback HOST:PORT|off] [--writeback-type SIU^Snn]\n"
	"       smsdesk [--tenant T] ehr set --fhir-base URL | ehr set-fhir-token (token on stdin)\n"
	"       smsdesk [--tenant T] ehr show\n"
	"       smsdesk ehr import FILE...\n"
	"       smsdesk [--tenant T] ehr import-fhir BUNDLE.json\n"
	"       smsdesk [--tenant T] ehr outbox [--limit N]\n"
	"       smsdesk [--tenant T] ehr export [--format csv|fhir] [--since YYYY-MM-DD|Nd]\n"
	"       smsdesk ehr send HOST:PORT FILE      (act as the EHR: send one HL7 file, print the ACK code)\n"
	"       smsdesk ehr fake-ehr HOST:PORT       (act as the EHR: print each write-back received, ACK it)\n"
	"The EHR connection. --facility is the name in MSH-6 (or MSH-4) that selects this location\n"
	"(not needed with one location). --writeback is the EHR's MLLP listener: each patient\n"
	"answer (C, R, X, or YES to a reminder) to an appointment that came from the EHR, and each\n"
	"opt-out or opt-back-in (START after STOP) of a patient it knows, is queued and sent there\n"
	"as --writeback-type (an SIU event from S12 to S26, default SIU^S14, or ORU^R01 for EHRs\n"
	"that take results: OBX-5 CONFIRMED/RESCHEDULE/CANCELLED; opt-outs as ADT^A08\n"
	"with ZSC|N, opt-back-ins with ZSC|Y) by the scheduler,\n"
	"retried until the EHR answers AA. 'import' applies\n"
	"HL7 files (SIU^S12/S13/S14/S15/S17/S26, ADT^A04/A08) now and prints each ACK code; the\n"
	"scheduler does the same with --mllp HOST:PORT and --hl7-dir DIR. 'import-fhir' applies a FHIR\n"
	"R4 Bundle of Patient and Appointment resources (upserted by their ids; a refused resource\n"
	"is reported and the others kept). 'export' writes the status of the appointments that came\n"
	"from the EHR (changed since --since) to standard output, as CSV or a FHIR Bundle, for\n"
	"sites that import files. With --fhir-base (and the bearer token, stored encrypted), the\n"
	"scheduler polls the FHIR server's Appointment search on each pass.\n"
	"Exit: 0 ok, 3 some message was refused (AE/AR), 1 failure.\n";

/* Stores one setting with its audit entry. */
static int set_one(struct store *s, int64_t tenant, const char *key, const char *value, char **err)
{
	if (store_setting_set(s, tenant, key, value, err) != 0)
		return -1;
	return store_audit_append(s, 0, CLI_ACTOR, tenant, "setting.set", 0, key, NULL, err);
}

/* `ehr set`. */
static int ehr_set(struct cli_ctx *ctx, const char *facility, const char *wb, const char *type, const char *fhir)
{
	char host[256];
	unsigned short port;
	char *err = NULL;
	if (wb != NULL && strcmp(wb, "off") != 0 && mllp_parse_addr(wb, host, sizeof(host), &port, &err) != 0) {
		int rc = cli_usage("ehr", "--writeback: %s", err);
		free(err);
		return rc;
	}
	if (type != NULL && !ehr_writeback_type_ok(type))
		return cli_usage("ehr", "--writeback-type must be an SIU type from SIU^S12 to SIU^S26 (e.g. SIU^S14) "
					"or ORU^R01");
	if (fhir != NULL && strncmp(fhir, "https://", 8) != 0 && strncmp(fhir, "http://127.0.0.1", 16) != 0 &&
	    strncmp(fhir, "http://localhost", 16) != 0 && *fhir != '\0')
		return cli_usage("ehr", "--fhir-base must be an https:// URL (http only to this machine)");
	if (facility == NULL && wb == NULL && type == NULL && fhir == NULL)
		return cli_usage("ehr", "give --facility, --writeback, --writeback-type or --fhir-base");
	struct store *s = NULL;
	struct tenant t = {0};
	int rc = cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	if (rc != EXIT_OK)
		goto out;
	if ((facility && set_one(s, t.id, "ehr_facility", facility, &err) != 0) ||
	    (wb && set_one(s, t.id, "ehr_writeback", strcmp(wb, "off") == 0 ? "" : wb, &err) != 0) ||
	    (type && set_one(s, t.id, "ehr_writeback_type", type, &err) != 0) ||
	    (fhir && set_one(s, t.id, "fhir_base", fhir, &err) != 0)) {
		rc = cli_fail(EXIT_FAIL, "ehr", "%s", err);
		free(err);
		goto out;
	}
	printf("saved the EHR settings of %s\n", cli_show(t.name));
out:
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `ehr show`. */
static int ehr_show(struct cli_ctx *ctx)
{
	struct store *s = NULL;
	struct tenant t = {0};
	int rc = cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	const char *keys[] = {"ehr_facility", "ehr_writeback", "ehr_writeback_type", "fhir_base"};
	for (size_t i = 0; rc == EXIT_OK && i < 4; i++) {
		char *v = NULL;
		store_setting_get(s, t.id, keys[i], &v, NULL);
		printf("%-20s %s\n", keys[i], v && *v ? cli_show(v) : i == 2 ? "SIU^S14 (default)" : "(not set)");
		free(v);
	}
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `ehr set-fhir-token`: the token from stdin (or a hidden prompt), never argv. */
static int ehr_set_token(struct cli_ctx *ctx)
{
	char *buf = sodium_malloc(8200);
	bool too_long = false;
	struct store *s = NULL;
	struct vault *v = NULL;
	struct tenant t = {0};
	char *err = NULL;
	int len = cli_read_hidden_line("FHIR bearer token: ", buf, 8200, &too_long);
	int rc = len <= 0 || too_long ? cli_usage("ehr", "give the token (1 to 8192 characters) on standard input")
				       : cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_open_vault(ctx, "ehr", &v);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	if (rc == EXIT_OK && fhir_set_token(s, v, t.id, buf, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "ehr", "%s", err);
		free(err);
	}
	if (rc == EXIT_OK)
		printf("saved the FHIR token of %s (encrypted)\n", cli_show(t.name));
	sodium_free(buf);
	tenant_free(&t);
	vault_close(&v);
	store_close(&s);
	return rc;
}

/* `ehr import FILE...`: each file applied now, its ACK code printed. */
static int ehr_import(struct cli_ctx *ctx, char **files, int n)
{
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "ehr", false, &s), refused = 0;
	for (int i = 0; rc == EXIT_OK && i < n; i++) {
		FILE *f = fopen(files[i], "rb");
		if (f == NULL) {
			rc = cli_fail(EXIT_FAIL, "ehr", "cannot read %s: %s", cli_show(files[i]), strerror(errno));
			break;
		}
		char *buf = xmalloc(HL7_MAX_BYTES + 1);
		size_t len = fread(buf, 1, HL7_MAX_BYTES + 1, f);
		fclose(f);
		struct ehr_in_result r;
		if (ehr_in_process(s, buf, len, &r) != 0)
			rc = cli_fail(EXIT_FAIL, "ehr", "%s: cannot record the result", cli_show(files[i]));
		else
			printf("%s: %s %s %s\n", cli_show(files[i]), r.code, *r.type ? r.type : "?",
			       cli_show(r.detail));
		refused += strcmp(r.code, "AA") != 0;
		ehr_in_result_clear(&r);
		free(buf);
	}
	store_close(&s);
	return rc != EXIT_OK ? rc : refused ? EXIT_REFUSED : EXIT_OK;
}

/* Prints one refused FHIR resource. */
static void fhir_report(void *ctx, const char *what, const char *why)
{
	(void)ctx;
	printf("refused %s: %s\n", cli_show(what), cli_show(why));
}

/* `ehr import-fhir FILE`. */
static int ehr_import_fhir(struct cli_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return cli_fail(EXIT_FAIL, "ehr", "cannot read %s: %s", cli_show(path), strerror(errno));
	size_t cap = 1 << 16, len = 0;
	char *buf = xmalloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap && cap <= FHIR_MAX_BYTES)
			buf = xrealloc(buf, cap *= 2);
		else if (len == cap)
			break;
	}
	fclose(f);
	struct store *s = NULL;
	struct tenant t = {0};
	struct fhir_bundle b = {0};
	struct fhir_result r = {.report = fhir_report};
	char *err = NULL;
	int rc = cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	if (rc == EXIT_OK && (fhir_bundle_parse(buf, len, &b, &err) != 0 ||
			      fhir_bundle_apply(s, t.id, t.timezone, &b, &r, &err) != 0)) {
		rc = cli_fail(EXIT_FAIL, "ehr", "%s: %s", cli_show(path), err);
		free(err);
	}
	if (rc == EXIT_OK) {
		printf("imported FHIR bundle: %d patients, %d appointments, %d refused, %zu other resources skipped\n",
		       r.patients, r.appointments, r.refused, b.skipped);
		rc = r.refused ? EXIT_REFUSED : EXIT_OK;
	}
	fhir_bundle_free(&b);
	tenant_free(&t);
	store_close(&s);
	free(buf);
	return rc;
}

/* `ehr export`. */
static int ehr_export(struct cli_ctx *ctx, const char *format, const char *since_text)
{
	enum fhir_export_format fmt = EXPORT_CSV;
	if (format != NULL && strcmp(format, "fhir") == 0)
		fmt = EXPORT_FHIR;
	else if (format != NULL && strcmp(format, "csv") != 0)
		return cli_usage("ehr", "--format is csv or fhir");
	struct store *s = NULL;
	struct tenant t = {0};
	char *text = NULL, *err = NULL;
	int64_t since = 0;
	int rc = cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	if (rc == EXIT_OK && since_text != NULL && cli_parse_day(since_text, t.timezone, &since) != 0)
		rc = cli_usage("ehr", "--since is YYYY-MM-DD or Nd");
	if (rc == EXIT_OK && (fhir_export_statuses(s, t.id, since, fmt, &text, &err) != 0 ||
			      store_audit_append(s, 0, CLI_ACTOR, t.id, "ehr.export", 0, fmt == EXPORT_FHIR ? "fhir" : "csv",
						 NULL, &err) != 0)) {
		rc = cli_fail(EXIT_FAIL, "ehr", "%s", err);
		free(err);
	}
	if (rc == EXIT_OK)
		fputs(text, stdout);
	free(text);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `ehr outbox`. */
static int ehr_outbox(struct cli_ctx *ctx, const char *limit_text)
{
	long long limit = 50;
	if (limit_text != NULL && !cli_parse_int(limit_text, 1, 100000, &limit))
		return cli_usage("ehr", "--limit wants a number from 1 to 100000");
	struct store *s = NULL;
	struct tenant t = {0};
	struct ehr_out *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	int rc = cli_open_store(ctx, "ehr", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "ehr", s, &t);
	if (rc == EXIT_OK && store_ehr_out_list(s, t.id, (size_t)limit, &rows, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "ehr", "%s", err);
		free(err);
	}
	if (rc == EXIT_OK)
		printf("%-6s %-16s %-10s %-8s %-4s %-19s %s\n", "id", "queued", "event", "status", "try", "control id",
		       "last error");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		cli_format_local(rows[i].created_at, t.timezone, when, sizeof(when));
		printf("%-6lld %-16s %-10s %-8s %-4d %-19s %s\n", (long long)rows[i].id, when, rows[i].event,
		       rows[i].status, rows[i].attempts, rows[i].control_id, cli_show(rows[i].last_error));
	}
	ehr_out_list_free(&rows, n);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `ehr send HOST:PORT FILE`: the EHR's side, for trials and tests. */
static int ehr_send(const char *addr, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return cli_fail(EXIT_FAIL, "ehr", "cannot read %s: %s", cli_show(path), strerror(errno));
	char *buf = xcalloc(1, HL7_MAX_BYTES + 1);
	size_t len = fread(buf, 1, HL7_MAX_BYTES, f);
	fclose(f);
	buf[len] = '\0';
	char *code = NULL, *err = NULL;
	int rc = sim_ehr_send(addr, buf, &code, &err);
	free(buf);
	if (rc != 0) {
		rc = cli_fail(EXIT_TWILIO, "ehr", "%s", err);
		free(err);
		return rc;
	}
	printf("%s\n", code);
	rc = strcmp(code, "AA") == 0 ? EXIT_OK : EXIT_REFUSED;
	free(code);
	return rc;
}

/* Prints one received message, a segment per line, each made safe for the terminal on its own
 * (the safe copy turns line ends into '?', so the CRs are split on first). */
static void fake_print(char *m)
{
	char *safe = xmalloc(strlen(m) + 1);
	for (char *seg = m, *end; *seg != '\0'; seg = end) {
		end = seg + strcspn(seg, "\r\n");
		bool more = *end != '\0';
		*end = '\0';
		cli_safe_text(seg, false, safe, strlen(seg) + 1);
		printf("%s\n", safe);
		if (more)
			end++;
	}
	printf("\n");
	fflush(stdout);
	free(safe);
}

/* `ehr fake-ehr HOST:PORT`: prints each received message (segments on lines, a blank line
 * after each) until SIGTERM. */
static int ehr_fake(const char *addr)
{
	struct sim_ehr *e = NULL;
	char *err = NULL;
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (sim_ehr_start(addr, &e, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "ehr", "%s", err);
		free(err);
		return rc;
	}
	printf("fake EHR listening on port %u\n", sim_ehr_port(e));
	fflush(stdout);
	size_t shown = 0;
	for (;;) {
		struct timespec ts = {0, 100 * 1000000};
		int sig = sigtimedwait(&sigs, NULL, &ts);
		for (; shown < sim_ehr_count(e); shown++) {
			char *m = sim_ehr_message(e, shown);
			fake_print(m);
			free(m);
		}
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	sim_ehr_stop(&e);
	return EXIT_OK;
}

/* `ehr SUBCOMMAND`. */
static int run_ehr(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *facility = NULL, *wb = NULL, *type = NULL, *limit = NULL, *format = NULL, *since = NULL,
		   *fhir = NULL;
	struct cli_opt opts[] = {{"--facility", &facility, NULL}, {"--writeback", &wb, NULL},
				 {"--writeback-type", &type, NULL}, {"--limit", &limit, NULL},
				 {"--format", &format, NULL}, {"--since", &since, NULL}, {"--fhir-base", &fhir, NULL},
				 {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_ehr, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	const char *sub = npos > 0 ? pos[0] : "";
	if (strcmp(sub, "set") == 0 && npos == 1)
		return ehr_set(ctx, facility, wb, type, fhir);
	if (strcmp(sub, "set-fhir-token") == 0 && npos == 1)
		return ehr_set_token(ctx);
	if (strcmp(sub, "show") == 0 && npos == 1)
		return ehr_show(ctx);
	if (strcmp(sub, "import") == 0 && npos >= 2)
		return ehr_import(ctx, pos + 1, npos - 1);
	if (strcmp(sub, "import-fhir") == 0 && npos == 2)
		return ehr_import_fhir(ctx, pos[1]);
	if (strcmp(sub, "export") == 0 && npos == 1)
		return ehr_export(ctx, format, since);
	if (strcmp(sub, "outbox") == 0 && npos == 1)
		return ehr_outbox(ctx, limit);
	if (strcmp(sub, "send") == 0 && npos == 3)
		return ehr_send(pos[1], pos[2]);
	if (strcmp(sub, "fake-ehr") == 0 && npos == 2)
		return ehr_fake(pos[1]);
	return cli_usage("ehr", "expected set, set-fhir-token, show, import FILE..., import-fhir FILE, export, outbox, send HOST:PORT FILE or fake-ehr HOST:PORT");
}

const struct cli_command cli_cmd_ehr = {"ehr", "the EHR connection: HL7 settings, files, write-backs", usage_ehr,
					run_ehr};

static const char usage_plan[] =
	"usage: smsdesk [--tenant T] plan [HOURS]   (e.g. 24h, 2d, 90m; default 24h)\n"
	"Lists every reminder the scheduler will send in the coming hours (when, which slot, which\n"
	"appointment) and every appointment in that window that gets none, with the reason:\n"
	"opted out, no mobile or a landline only, texting hours, the no-consent limit, the template\n"
	"(no {clinicPhone} or no location phone for a patient without consent), cancelled,\n"
	"reminders off, already reminded. Nothing is written.\n";

/* "24h" -> seconds (one reminder-slot item). */
static bool parse_horizon(const char *text, int64_t *seconds)
{
	int m[REMINDER_MAX_SLOTS];
	size_t n = 0;
	char *err = NULL;
	if (reminders_parse_slots(text, m, &n, &err) != 0 || n != 1) {
		free(err);
		return false;
	}
	*seconds = (int64_t)m[0] * 60;
	return true;
}

/* Prints the plan. */
static void print_plan(const struct tenant *t, const struct plan_item *v, size_t n)
{
	printf("%-16s %-6s %-16s %-24s %s\n", "send at", "slot", "appointment", "patient", "note");
	for (size_t i = 0; i < n; i++) {
		char when[32] = "-", start[32], slot[16] = "-";
		if (v[i].send_at)
			cli_format_local(v[i].send_at, t->timezone, when, sizeof(when));
		if (v[i].slot_minutes > 0)
			reminders_format_slot(v[i].slot_minutes, slot, sizeof(slot));
		cli_format_local(v[i].starts_at, t->timezone, start, sizeof(start));
		const char *note = v[i].reason ? cli_show(v[i].reason) : "";
		printf("%-16s %-6s %-16s %-24.24s %s%s%s\n", when, slot, start, cli_show(v[i].patient_name),
		       v[i].send_at ? "" : "none: ", note, !v[i].from_ehr ? "" : *note ? " (from the EHR)" : "from the EHR");
	}
}

/* `plan [HOURS]`. */
static int run_plan(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_plan, argc, argv, NULL, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	int64_t horizon = 86400;
	if (npos > 1 || (npos == 1 && !parse_horizon(pos[0], &horizon)))
		return cli_usage("plan", "HOURS is one duration such as 24h, 2d or 90m");
	struct store *s = NULL;
	struct tenant t = {0};
	struct plan_item *v = NULL;
	size_t n = 0;
	char *err = NULL;
	rc = cli_open_store(ctx, "plan", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "plan", s, &t);
	if (rc == EXIT_OK && plan_build(s, t.id, clock_now(), horizon, &v, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "plan", "%s", err);
		free(err);
	}
	if (rc == EXIT_OK) {
		print_plan(&t, v, n);
		store_audit_append(s, 0, CLI_ACTOR, t.id, "plan.view", 0, NULL, NULL, NULL);
	}
	plan_list_free(&v, n);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_plan = {"plan", "what the scheduler will send in the coming hours, and why not",
					 usage_plan, run_plan};
