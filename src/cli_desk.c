/* Front-desk commands: `worklist` (failed deliveries and their follow-ups), `note` (internal
 * notes on a thread), `canned` (quick replies) and `triage` (what a reply would be read as). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/cli_internal.h"
#include "src/desk.h"
#include "src/failures.h"
#include "src/phone.h"
#include "src/triage.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_worklist, cli_cmd_note, cli_cmd_canned, cli_cmd_triage;

/* The operator for the audit log: "cli:<login>"; the command line is an admin's tool. */
static struct desk_actor actor(char name[80])
{
	const char *user = getenv("USER");
	char safe[64];
	cli_safe_text(user && *user ? user : "unknown", true, safe, sizeof(safe));
	snprintf(name, 80, "cli:%s", safe);
	return (struct desk_actor){.user_id = 0, .username = name, .admin = true};
}

/* Opens the store and the --tenant location. */
static int open_tenant(struct cli_ctx *ctx, const char *cmd, struct store **s, struct tenant *t)
{
	memset(t, 0, sizeof(*t));
	int rc = cli_open_store(ctx, cmd, false, s);
	if (rc == EXIT_OK && (rc = cli_resolve_tenant(ctx, cmd, *s, t)) != EXIT_OK)
		store_close(s);
	return rc;
}

/* Maps a desk/store return code to an exit code, printing the words. */
static int desk_exit(const char *cmd, int rc, char *err)
{
	int code = rc == 0 ? EXIT_OK : rc == SD_NOTFOUND ? EXIT_NOTFOUND : rc == DESK_REFUSED ? EXIT_REFUSED : EXIT_FAIL;
	if (rc != 0)
		cli_fail(code, cmd, "%s", err ? err : "failed");
	free(err);
	return code;
}

/* ---- worklist ---- */

static const char usage_worklist[] =
	"usage: smsdesk [--tenant T] worklist [--since DATE]\n"
	"       smsdesk [--tenant T] worklist done MESSAGE_ID OUTCOME [--mobile NUMBER]\n"
	"Messages that did not reach the patient and nobody followed up yet, grouped by cause in\n"
	"plain words (number unreachable, landline, carrier blocked, ... other), each with the\n"
	"patient and what was lost. DATE is YYYY-MM-DD or Nd (default 30d).\n"
	"'done' logs the follow-up and takes the message off the list. OUTCOME is called,\n"
	"wrong_number (needs --mobile: the patient's right number, saved on the patient),\n"
	"voicemail, resent or dismissed. Audited.\n";

/* Prints the list grouped by category. */
static void worklist_print(const struct failed_delivery *w, size_t n, const char *tz)
{
	if (n == 0) {
		printf("(no failed deliveries to follow up)\n");
		return;
	}
	for (int c = 0; c < FAIL_N; c++) {
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += failures_category(w[i].error_code) == (enum failure_cat)c;
		if (count == 0)
			continue;
		printf("%s (%zu): %s\n", failures_title((enum failure_cat)c), count, failures_hint((enum failure_cat)c));
		for (size_t i = 0; i < n; i++) {
			if (failures_category(w[i].error_code) != (enum failure_cat)c)
				continue;
			char lost[96], when[32], shown[40];
			failures_lost(&w[i], tz, lost, sizeof(lost));
			cli_format_local(w[i].created_at, tz, when, sizeof(when));
			phone_display(w[i].to_number, shown, sizeof(shown));
			printf("  %-6lld %-24s %-16s %s, %s (code %d)\n", (long long)w[i].message_id,
			       cli_show(w[i].patient_name ? w[i].patient_name : "(unknown)"), shown, lost, when,
			       w[i].error_code);
		}
	}
}

/* Whether the word is one of the follow-up outcomes 'worklist done' takes. */
static bool outcome_known(const char *word)
{
	for (size_t i = 0; i < FAILURE_N_OUTCOMES; i++) {
		if (strcmp(word, FAILURE_OUTCOMES[i].name) == 0)
			return true;
	}
	return false;
}

static int run_worklist(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *since_s = NULL, *mobile = NULL;
	struct cli_opt opts[] = {{"--since", &since_s, NULL}, {"--mobile", &mobile, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_worklist, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	long long id = 0;
	bool done = npos == 3 && strcmp(pos[0], "done") == 0;
	if (npos != 0 && !done)
		return cli_usage("worklist", "expected 'worklist' or 'worklist done MESSAGE_ID OUTCOME'");
	if (done && !cli_parse_int(pos[1], 1, INT64_MAX, &id))
		return cli_usage("worklist", "MESSAGE_ID must be a message number");
	if (done && !outcome_known(pos[2]))
		return cli_usage("worklist", "OUTCOME must be called, wrong_number, voicemail, resent or dismissed");
	if (done && strcmp(pos[2], "wrong_number") == 0 && mobile == NULL)
		return cli_usage("worklist", "wrong_number needs --mobile NUMBER (the patient's right number)");
	struct store *s = NULL;
	struct tenant t;
	if ((rc = open_tenant(ctx, "worklist", &s, &t)) != EXIT_OK)
		return rc;
	char *err = NULL, name[80];
	struct desk_actor a = actor(name);
	if (done) {
		/* two statements: desk_exit must see err after desk_followup has set it (the order
		 * in which a call's arguments are evaluated is unspecified) */
		int r = desk_followup(s, &a, t.id, id, pos[2], mobile, &err);
		rc = desk_exit("worklist", r, err);
		if (rc == EXIT_OK)
			printf("message %lld: %s\n", id, cli_show(pos[2]));
		goto out;
	}
	int64_t since = clock_now() - 30 * 86400LL;
	if (since_s != NULL && cli_parse_day(since_s, t.timezone, &since) != 0) {
		rc = cli_usage("worklist", "--since needs YYYY-MM-DD or Nd");
		goto out;
	}
	struct failed_delivery *w = NULL;
	size_t n = 0;
	if (store_worklist_list(s, t.id, since, 0, &w, &n, &err) != 0)
		rc = desk_exit("worklist", -1, err);
	else
		worklist_print(w, n, t.timezone);
	failed_delivery_list_free(&w, n);
out:
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_worklist = {"worklist", "failed deliveries to follow up, by cause", usage_worklist,
					     run_worklist};

/* ---- note ---- */

static const char usage_note[] =
	"usage: smsdesk [--tenant T] note NUMBER [TEXT]\n"
	"Adds an internal note to the thread with NUMBER (the patient's phone), or lists its notes\n"
	"without TEXT. Notes are for staff: never sent to the patient. Audited (not their text).\n";

/* The thread of the location with this number (open or archived); SD_NOTFOUND when none. */
static int thread_by_number(struct store *s, int64_t tenant_id, const char *number, int64_t *id, char **err)
{
	char e164[PHONE_E164_MAX];
	if (phone_to_e164(number, e164, err) != 0)
		return -1;
	*id = 0;
	for (unsigned f = 0; f <= THREAD_FILTER_ARCHIVED && *id == 0; f += THREAD_FILTER_ARCHIVED) {
		struct thread_query q = {.filter = f, .query = e164 + 1};
		struct sms_thread *list = NULL;
		size_t n = 0;
		if (store_thread_query(s, tenant_id, &q, &list, &n, err) != 0)
			return -1;
		for (size_t i = 0; i < n && *id == 0; i++) {
			if (strcmp(list[i].phone, e164) == 0)
				*id = list[i].id;
		}
		sms_thread_list_free(&list, n);
	}
	if (*id == 0)
		seterr(err, "no conversation with %s at this location", e164);
	return *id == 0 ? SD_NOTFOUND : 0;
}

/* Lists the notes of a thread. */
static int note_list(struct store *s, int64_t thread_id, const char *tz, char **err)
{
	struct thread_note *notes = NULL;
	size_t n = 0;
	if (store_note_list(s, thread_id, &notes, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char when[32];
		cli_format_local(notes[i].created_at, tz, when, sizeof(when));
		printf("%s  %s: %s\n", when, cli_show(notes[i].username), cli_show(notes[i].body));
	}
	if (n == 0)
		printf("(no notes)\n");
	thread_note_list_free(&notes, n);
	return 0;
}

static int run_note(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt opts[] = {{NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_note, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos < 1 || npos > 2)
		return cli_usage("note", "expected 'note NUMBER [TEXT]'");
	struct store *s = NULL;
	struct tenant t;
	if ((rc = open_tenant(ctx, "note", &s, &t)) != EXIT_OK)
		return rc;
	char *err = NULL, name[80];
	struct desk_actor a = actor(name);
	int64_t thread = 0, id = 0;
	int r = thread_by_number(s, t.id, pos[0], &thread, &err);
	if (r == 0 && npos == 1)
		r = note_list(s, thread, t.timezone, &err);
	else if (r == 0)
		r = desk_note_add(s, &a, thread, pos[1], &id, &err);
	if (r == 0 && npos == 2)
		printf("note %lld added\n", (long long)id);
	rc = desk_exit("note", r == -1 && npos == 2 ? DESK_REFUSED : r, err);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_note = {"note", "internal notes on a conversation", usage_note, run_note};

/* ---- canned ---- */

static const char usage_canned[] =
	"usage: smsdesk [--tenant T] canned list\n"
	"       smsdesk [--tenant T] canned set NAME TEXT\n"
	"       smsdesk [--tenant T] canned remove NAME\n"
	"Quick replies staff pick in the console's composer (Ctrl-T). TEXT may use the template\n"
	"variables {patientName} {providerName} {appointmentDate} {appointmentTime} {clinicName}\n"
	"{clinicPhone} {location}, checked like reminder templates (risky variables and the word\n"
	"\"cancel\" are refused).\n"
	"Audited.\n";

static int run_canned(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_opt opts[] = {{NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_canned, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	bool list = npos == 1 && strcmp(pos[0], "list") == 0;
	bool set = npos == 3 && strcmp(pos[0], "set") == 0;
	bool rm = npos == 2 && strcmp(pos[0], "remove") == 0;
	if (!list && !set && !rm)
		return cli_usage("canned", "expected 'canned list', 'canned set NAME TEXT' or 'canned remove NAME'");
	struct store *s = NULL;
	struct tenant t;
	if ((rc = open_tenant(ctx, "canned", &s, &t)) != EXIT_OK)
		return rc;
	char *err = NULL, name[80];
	struct desk_actor a = actor(name);
	if (set || rm) {
		int r = set ? desk_canned_put(s, &a, t.id, pos[1], pos[2], &err) : desk_canned_remove(s, &a, t.id, pos[1], &err);
		rc = desk_exit("canned", r, err);
		if (rc == EXIT_OK)
			printf("quick reply '%s' %s\n", cli_show(pos[1]), set ? "saved" : "removed");
	} else {
		struct canned_reply *c = NULL;
		size_t n = 0;
		if (store_canned_list(s, t.id, &c, &n, &err) != 0)
			rc = desk_exit("canned", -1, err);
		for (size_t i = 0; i < n; i++)
			printf("%-16s %s\n", cli_show(c[i].name), cli_show(c[i].body));
		if (rc == EXIT_OK && n == 0)
			printf("(no quick replies)\n");
		canned_reply_list_free(&c, n);
	}
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_canned = {"canned", "quick replies for the composer", usage_canned, run_canned};

/* ---- triage ---- */

static const char usage_triage[] =
	"usage: smsdesk triage TEXT\n"
	"Says how a reply to a reminder would be read: confirm, reschedule, cancel, or unclear\n"
	"(the needs-human lane), with the reason. Law keywords (STOP, CANCEL, HELP, START ...) say\n"
	"none: CANCEL opts out (and flags a still-booked appointment for staff). YES reads as\n"
	"confirm, as the inbound processor takes it after a reminder. Touches no database.\n";

static int run_triage(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	struct cli_opt opts[] = {{NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_triage, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos != 1)
		return cli_usage("triage", "expected 'triage TEXT'");
	struct triage_result r;
	triage_classify(pos[0], &r);
	printf("%s: %s\n", triage_intent_name(r.intent), r.why);
	return EXIT_OK;
}

const struct cli_command cli_cmd_triage = {"triage", "how a reply to a reminder would be read", usage_triage,
					   run_triage};
