/* Patients and appointments from the command line: `patient` and `appointment`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/phone.h"
#include "src/tz.h"
#include "src/util.h"

#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_patient, cli_cmd_appointment;

/* ---- patient ---- */

static const char usage_patient[] =
	"usage: smsdesk [--tenant T] patient add --first F --last L --mobile NUMBER\n"
	"                                        [--timezone Area/City] [--external-id ID]\n"
	"       smsdesk [--tenant T] patient list [--search QUERY] [--limit N]\n"
	"       smsdesk patient merge KEEP_ID DROP_ID --yes\n"
	"       smsdesk patient delete ID --yes\n"
	"merge moves the appointments, messages, threads and preferences of DROP_ID to KEEP_ID\n"
	"(same location; an opt-out of either stays) and deletes DROP_ID. delete removes a patient\n"
	"with their appointments, reminders, messages and preferences; the audit log keeps its\n"
	"entries about them, and an opt-out of their number stays.\n"
	"The mobile number may be written as people do ((555) 123-4567, +44 20 7946 0958);\n"
	"it is stored in E.164 form. A new patient is opted in for reminders, with no consent on\n"
	"file. --search matches part of the name or digits of the number.\n";

/* Opens the store and resolves the location for a command. */
static int open_with_tenant(struct cli_ctx *ctx, const char *cmd, struct store **s, struct tenant *t)
{
	memset(t, 0, sizeof(*t));
	int rc = cli_open_store(ctx, cmd, false, s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, cmd, *s, t);
	if (rc != EXIT_OK)
		store_close(s);
	return rc;
}

/* `patient add`. */
static int patient_add(struct cli_ctx *ctx, const char *first, const char *last, const char *mobile,
		       const char *tz, const char *ext)
{
	char e164[PHONE_E164_MAX];
	char *err = NULL;
	if (first == NULL || last == NULL || mobile == NULL)
		return cli_usage("patient", "patient add needs --first, --last and --mobile");
	if (phone_to_e164(mobile, e164, &err) != 0) {
		int rc = cli_usage("patient", "--mobile: %s", err);
		free(err);
		return rc;
	}
	if (tz != NULL && !tz_valid(tz))
		return cli_usage("patient", "unknown time zone '%s' (an IANA name such as America/Chicago)", tz);
	struct store *s = NULL;
	struct tenant t;
	int rc = open_with_tenant(ctx, "patient", &s, &t);
	if (rc != EXIT_OK)
		return rc;
	struct patient p = {.tenant_id = t.id, .first_name = (char *)first, .last_name = (char *)last,
			    .mobile = e164, .timezone = (char *)tz, .external_id = (char *)ext};
	int64_t id = 0;
	if (store_patient_add(s, &p, &id, &err) != 0) {
		/* The store refuses what breaks its rules (names with control characters, a
		 * duplicate external id): a refusal in words, not a crash. */
		rc = cli_fail(EXIT_REFUSED, "patient", "%s", err);
		free(err);
	} else {
		char shown[40], name[200];
		store_audit_append(s, 0, CLI_ACTOR, t.id, "patient.add", id, NULL, NULL, NULL);
		phone_display(e164, shown, sizeof(shown));
		snprintf(name, sizeof(name), "%s %s", first, last);
		char safe[200];
		cli_safe_text(name, true, safe, sizeof(safe));
		printf("added patient %lld: %s, %s\n", (long long)id, safe, shown);
	}
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `patient list`. */
static int patient_list(struct cli_ctx *ctx, const char *query, const char *limit_s)
{
	long long limit = 0;
	if (limit_s && !cli_parse_int(limit_s, 1, 100000, &limit))
		return cli_usage("patient", "--limit needs a number from 1 to 100000");
	struct store *s = NULL;
	struct tenant t;
	int rc = open_with_tenant(ctx, "patient", &s, &t);
	if (rc != EXIT_OK)
		return rc;
	struct patient *list = NULL;
	size_t n = 0;
	char *err = NULL;
	if (store_patient_search(s, t.id, query, (size_t)limit, &list, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "patient", "%s", err);
		free(err);
	} else {
		printf("%-6s %-30s %-18s %-20s %s\n", "ID", "NAME", "MOBILE", "TIME ZONE", "EXTERNAL ID");
		for (size_t i = 0; i < n; i++) {
			char name[200], safe[200], shown[40] = "-", ext[64];
			snprintf(name, sizeof(name), "%s, %s", list[i].last_name, list[i].first_name);
			cli_safe_text(name, true, safe, sizeof(safe));
			cli_safe_text(list[i].external_id ? list[i].external_id : "-", true, ext, sizeof(ext));
			if (list[i].mobile)
				phone_display(list[i].mobile, shown, sizeof(shown));
			printf("%-6lld %-30s %-18s %-20s %s\n", (long long)list[i].id, safe, shown,
			       cli_show(list[i].timezone ? list[i].timezone : "(clinic's)"), ext);
		}
		if (n == 0)
			printf("(no patients%s)\n", query && *query ? " match" : " yet");
	}
	patient_list_free(&list, n);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `patient add|list`. */
static int run_patient(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "merge") == 0 || strcmp(argv[1], "delete") == 0))
		return cli_patient_lifecycle(ctx, argc, argv);
	const char *first = NULL, *last = NULL, *mobile = NULL, *tz = NULL, *ext = NULL, *search = NULL, *limit = NULL;
	struct cli_opt opts[] = {
		{"--first", &first, NULL}, {"--last", &last, NULL}, {"--mobile", &mobile, NULL},
		{"--timezone", &tz, NULL}, {"--external-id", &ext, NULL}, {"--search", &search, NULL},
		{"--limit", &limit, NULL}, {NULL, NULL, NULL},
	};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_patient, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos == 1 && strcmp(pos[0], "add") == 0)
		return patient_add(ctx, first, last, mobile, tz, ext);
	if (npos == 1 && strcmp(pos[0], "list") == 0)
		return patient_list(ctx, search, limit);
	return cli_usage("patient", "expected 'patient add ...' or 'patient list'");
}

const struct cli_command cli_cmd_patient = {"patient", "add or find patients", usage_patient, run_patient};

/* ---- appointment ---- */

static const char usage_appointment[] =
	"usage: smsdesk [--tenant T] appointment add --patient ID --provider NAME --at \"YYYY-MM-DD HH:MM\"\n"
	"                                            [--location L] [--duration MINUTES]\n"
	"       smsdesk [--tenant T] appointment list [--patient ID] [--all]\n"
	"       smsdesk appointment cancel ID   (the cancellation filler offers the slot: 'filler --help')\n"
	"--at is the clinic's local time. 'list' shows appointments from yesterday on, or all of\n"
	"them with --all.\n";

/* "YYYY-MM-DD HH:MM" local in tz to Unix time; -1 when malformed or not a real date. */
static int parse_local(const char *s, const char *tz, int64_t *out)
{
	int y, mo, d, h, mi, used = 0;
	if (s == NULL || strlen(s) != 16 || sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &used) != 5 ||
	    used != 16)
		return -1;
	if (y < 2000 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	int64_t t = tz_mktime(tz, &tm);
	if (t == TZ_ERROR)
		return -1;
	/* 2026-02-30 normalises to March: refuse dates that do not exist. */
	struct tm back;
	if (tz_local(tz, t, &back) != 0 || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	*out = t;
	return 0;
}

struct appt_args {
	const char *patient, *provider, *at, *location, *duration;
	bool all;
};

/* `appointment add`. */
static int appointment_add(struct cli_ctx *ctx, const struct appt_args *a)
{
	long long pid = 0, dur = 30;
	if (a->patient == NULL || a->provider == NULL || a->at == NULL)
		return cli_usage("appointment", "appointment add needs --patient, --provider and --at");
	if (!cli_parse_int(a->patient, 1, INT64_MAX, &pid))
		return cli_usage("appointment", "--patient needs a patient id (see 'smsdesk patient list')");
	if (a->duration && !cli_parse_int(a->duration, 1, 1440, &dur))
		return cli_usage("appointment", "--duration needs minutes from 1 to 1440");
	struct store *s = NULL;
	struct tenant t;
	int rc = open_with_tenant(ctx, "appointment", &s, &t);
	if (rc != EXIT_OK)
		return rc;
	int64_t at = 0, id = 0;
	char *err = NULL;
	struct patient p = {0};
	if (parse_local(a->at, t.timezone, &at) != 0) {
		rc = cli_usage("appointment", "--at must be a real local time like \"2026-11-26 14:30\"");
		goto out;
	}
	int found = store_patient_get(s, pid, &p, &err);
	if (found != 0 || p.tenant_id != t.id) {
		rc = cli_fail(found < 0 ? EXIT_FAIL : EXIT_NOTFOUND, "appointment", "no patient %lld at %s", pid, t.name);
		goto out;
	}
	struct appointment ap = {.tenant_id = t.id, .patient_id = pid, .provider = (char *)a->provider,
				 .location = (char *)a->location, .starts_at = at, .duration_min = (int)dur};
	if (store_appt_add(s, &ap, &id, &err) != 0) {
		rc = cli_fail(EXIT_REFUSED, "appointment", "%s", err);
		goto out;
	}
	store_audit_append(s, 0, CLI_ACTOR, t.id, "appointment.add", pid, NULL, NULL, NULL);
	char when[40];
	cli_format_local(at, t.timezone, when, sizeof(when));
	printf("added appointment %lld for patient %lld on %s (%s)%s\n", (long long)id, pid, when,
	       cli_show(t.timezone), at < clock_now() ? " - note: this time has passed" : "");
out:
	free(err);
	patient_free(&p);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `appointment list`. */
static int appointment_list(struct cli_ctx *ctx, const struct appt_args *a)
{
	long long pid = 0;
	if (a->patient && !cli_parse_int(a->patient, 1, INT64_MAX, &pid))
		return cli_usage("appointment", "--patient needs a patient id");
	struct store *s = NULL;
	struct tenant t;
	int rc = open_with_tenant(ctx, "appointment", &s, &t);
	if (rc != EXIT_OK)
		return rc;
	struct appointment *list = NULL;
	size_t n = 0;
	char *err = NULL;
	int64_t from = a->all ? INT64_MIN : clock_now() - 86400;
	if (store_appt_list(s, t.id, pid, from, INT64_MAX, &list, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "appointment", "%s", err);
		free(err);
	} else {
		printf("%-6s %-16s %-8s %-22s %-20s %s\n", "ID", "WHEN", "PATIENT", "STATUS", "PROVIDER", "LOCATION");
		for (size_t i = 0; i < n; i++) {
			char when[40], prov[80], loc[80];
			cli_format_local(list[i].starts_at, t.timezone, when, sizeof(when));
			cli_safe_text(list[i].provider, true, prov, sizeof(prov));
			cli_safe_text(list[i].location, true, loc, sizeof(loc));
			printf("%-6lld %-16s %-8lld %-22s %-20s %s\n", (long long)list[i].id, when,
			       (long long)list[i].patient_id, cli_show(list[i].status), prov, loc);
		}
		if (n == 0)
			printf("(no appointments)\n");
	}
	appointment_list_free(&list, n);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `appointment add|list`. */
static int run_appointment(struct cli_ctx *ctx, int argc, char **argv)
{
	struct appt_args a = {0};
	if (argc > 1 && strcmp(argv[1], "cancel") == 0)
		return cli_appointment_cancel(ctx, argc, argv);
	struct cli_opt opts[] = {
		{"--patient", &a.patient, NULL}, {"--provider", &a.provider, NULL}, {"--at", &a.at, NULL},
		{"--location", &a.location, NULL}, {"--duration", &a.duration, NULL}, {"--all", NULL, &a.all},
		{NULL, NULL, NULL},
	};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_appointment, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos == 1 && strcmp(pos[0], "add") == 0)
		return appointment_add(ctx, &a);
	if (npos == 1 && strcmp(pos[0], "list") == 0)
		return appointment_list(ctx, &a);
	return cli_usage("appointment", "expected 'appointment add ...' or 'appointment list'");
}

const struct cli_command cli_cmd_appointment = {"appointment", "add or list appointments", usage_appointment,
						run_appointment};
