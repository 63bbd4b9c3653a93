/* Setting up: `init`, `tenant`, `settings` and `test-connection`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "src/cli_internal.h"
#include "src/segments.h"
#include "src/connect.h"
#include "src/phone.h"
#include "src/reminders.h"
#include "src/template.h"
#include "src/twilio.h"
#include "src/tz.h"
#include "src/util.h"

#define SECRET_MAX 256
#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_init, cli_cmd_tenant, cli_cmd_settings, cli_cmd_test_connection;

/* ---- init ---- */

static const char usage_init[] =
	"usage: smsdesk [--db PATH] [--key-file PATH] init\n"
	"Creates the database (or brings its schema up to date) and the key file that encrypts\n"
	"Twilio secrets (mode 0600). An existing key file is never overwritten: if it is valid,\n"
	"init says so and keeps it. Prints where both are.\n";

/* Creates or checks the database and the key file. */
static int run_init(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_init, argc, argv, NULL, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos > 0)
		return cli_usage("init", "init takes no arguments");
	struct store *s = NULL;
	rc = cli_open_store(ctx, "init", true, &s);
	if (rc != EXIT_OK)
		return rc;
	printf("database: %s (schema version %d)\n", ctx->db_path, store_schema_version(s));
	store_close(&s);
	char *err = NULL;
	struct vault *v = NULL;
	if (access(ctx->key_file, F_OK) == 0) {
		if (vault_open_keyfile(ctx->key_file, &v, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "init", "%s", err);
			free(err);
			return rc;
		}
		vault_close(&v);
		printf("key file: %s (already there and valid; kept)\n", ctx->key_file);
		return EXIT_OK;
	}
	if (vault_create_keyfile(ctx->key_file, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "init", "%s", err);
		free(err);
		return rc;
	}
	printf("key file: %s (created, mode 0600: back it up; without it the stored Twilio secrets cannot be read)\n",
	       ctx->key_file);
	return EXIT_OK;
}

const struct cli_command cli_cmd_init = {"init", "create the database and the key file", usage_init, run_init};

/* ---- tenant ---- */

static const char usage_tenant[] =
	"usage: smsdesk tenant add NAME --timezone Area/City [--phone NUMBER]\n"
	"       smsdesk tenant list\n"
	"       smsdesk tenant rename OLD NEW | retire NAME | unretire NAME\n"
	"A tenant is a clinic location: its own Twilio settings, patients and messages.\n"
	"--timezone is an IANA name such as America/Chicago; --phone is the clinic's voice number\n"
	"(given in HELP replies).\n";

/* Adds a location. */
static int tenant_add(struct cli_ctx *ctx, const char *name, const char *tz, const char *phone)
{
	char e164[PHONE_E164_MAX] = "";
	char *err = NULL;
	if (tz == NULL)
		return cli_usage("tenant", "tenant add needs --timezone Area/City");
	if (!tz_valid(tz))
		return cli_usage("tenant", "unknown time zone '%s' (an IANA name such as America/Chicago)", tz);
	if (phone != NULL && phone_to_e164(phone, e164, &err) != 0) {
		int rc = cli_usage("tenant", "--phone: %s", err);
		free(err);
		return rc;
	}
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "tenant", false, &s);
	if (rc != EXIT_OK)
		return rc;
	int64_t id = 0;
	if (store_tenant_add(s, name, tz, e164, &id, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "tenant", "%s", err);
		free(err);
	} else {
		store_audit_append(s, 0, CLI_ACTOR, id, "tenant.add", 0, name, NULL, NULL);
		printf("added location %lld: %s (%s)\n", (long long)id, cli_show(name), cli_show(tz));
	}
	store_close(&s);
	return rc;
}

/* Lists the locations. */
static int tenant_list(struct cli_ctx *ctx)
{
	struct store *s = NULL;
	int rc = cli_open_store(ctx, "tenant", false, &s);
	if (rc != EXIT_OK)
		return rc;
	struct tenant *list = NULL;
	size_t n = 0;
	char *err = NULL;
	if (store_tenant_list(s, &list, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "tenant", "%s", err);
		free(err);
		store_close(&s);
		return rc;
	}
	printf("%-4s %-24s %-22s %-16s %s\n", "ID", "NAME", "TIME ZONE", "PHONE", "TWILIO");
	for (size_t i = 0; i < n; i++) {
		char name[100];
		cli_safe_text(list[i].name, true, name, sizeof(name));
		printf("%-4lld %-24s %-22s %-16s %s\n", (long long)list[i].id, name,
		       cli_show(list[i].timezone), list[i].phone[0] ? cli_show(list[i].phone) : "-",
		       list[i].account_sid ? "account set" : "not set");
	}
	if (n == 0)
		printf("(no locations yet: smsdesk tenant add NAME --timezone Area/City --phone NUMBER)\n");
	tenant_list_free(&list, n);
	store_close(&s);
	return EXIT_OK;
}

/* `tenant add|list`. */
static int run_tenant(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "rename") == 0 || strcmp(argv[1], "retire") == 0 || strcmp(argv[1], "unretire") == 0))
		return cli_tenant_lifecycle(ctx, argc, argv);
	const char *tz = NULL, *phone = NULL;
	struct cli_opt opts[] = {{"--timezone", &tz, NULL}, {"--phone", &phone, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_tenant, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos == 1 && strcmp(pos[0], "list") == 0)
		return tenant_list(ctx);
	if (npos == 2 && strcmp(pos[0], "add") == 0)
		return tenant_add(ctx, pos[1], tz, phone);
	if (npos >= 1 && strcmp(pos[0], "add") == 0)
		return cli_usage("tenant", "tenant add needs one NAME (quote names with spaces)");
	return cli_usage("tenant", "expected 'tenant add NAME ...' or 'tenant list'");
}

const struct cli_command cli_cmd_tenant = {"tenant", "add or list clinic locations", usage_tenant, run_tenant};

/* ---- settings ---- */

static const char usage_settings[] =
	"usage: smsdesk [--tenant T] settings set [options] [COLUMN VALUE]...\n"
	"       smsdesk [--tenant T] settings set-secret auth_token|api_key_secret\n"
	"       smsdesk [--tenant T] settings show\n"
	"Options of 'settings set':\n"
	"  --account-sid AC...          the Twilio Account SID\n"
	"  --api-key-sid SK...          an API key to sign in with instead of the Account SID\n"
	"  --from NUMBER                the sending number, or:\n"
	"  --messaging-service MG...    a Messaging Service to send through\n"
	"  --api-base URL               https:// base of the API (regional edge); plain http://\n"
	"                               only to loopback (the simulator)\n"
	"  --ca-bundle PATH             CA certificates for a TLS-inspecting proxy\n"
	"  --auth-token-stdin           read the auth token from stdin (one line; a hidden\n"
	"                               prompt when stdin is a terminal), never from the command line\n"
	"  --api-key-secret-stdin       the same for the API key secret\n"
	"  --slots 72h,24h,2h           when reminders go out before an appointment; off (or\n"
	"                               none): no automatic reminders, the template is kept\n"
	"  --texting-hours 08:00-21:00  the hours in the patient's local time in which automated\n"
	"                               texts may go out (--quiet is the old name, still accepted)\n"
	"  --template TEXT              the reminder text ({patientName}, {clinicName}, {clinicPhone},\n"
	"                               {appointmentDate}, {appointmentTime}, {providerName},\n"
	"                               {location}); checked when saved: unknown or unclosed\n"
	"                               variables are refused; without {clinicPhone} patients without\n"
	"                               consent on file will not get it (a warning)\n"
	"  --allow-risky                let --template use {procedure}, {reason} or {diagnosis}\n"
	"                               (health details in a text: an admin's explicit choice, audited)\n"
	"COLUMN VALUE pairs set other location settings, e.g. 'poll_seconds 30',\n"
	"'optout_replies_by smsdesk', 'timezone America/Denver', 'idle_lock_seconds 300',\n"
	"'send_per_minute 60' (the pace of campaigns; 0: 60 for a number, 600 with a Messaging Service),\n"
	"and the prices in millionths of a dollar: 'segment_price_micros 7900' (one SMS segment) and\n"
	"'mms_price_micros 20000' (one MMS, any length, with its attachment).\n"
	"Secrets are encrypted with the key file and shown only as set / not set.\n";

/* Reads one line of secret from stdin into buf; hides typing when stdin is a terminal. */
static int read_secret(const char *what, char *buf, size_t len, char **err)
{
	char prompt[96];
	bool too_long = false;
	snprintf(prompt, sizeof(prompt), "%s (typing is hidden): ", what);
	size_t n = (size_t)cli_read_hidden_line(prompt, buf, len, &too_long);
	while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (too_long)
		return seterr(err, "the %s is longer than %d characters", what, SECRET_MAX - 1);
	if (n == 0)
		return seterr(err, "no %s was given on stdin", what);
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)buf[i]))
			return seterr(err, "the %s has spaces or control characters: check what was pasted", what);
	return 0;
}

/* "08:00-21:00" (texting hours) into minutes after midnight. */
static bool parse_hours(const char *s, int *start, int *end)
{
	int h1, m1, h2, m2, used = 0;
	if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 || s[used] != '\0' || !isdigit((unsigned char)s[0]))
		return false;
	if (h1 < 0 || h1 > 24 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 || m2 > 59)
		return false;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return *start <= 1440 && *end <= 1440 && *start < *end;
}

/* A SID: two-letter prefix and 32 hex digits, either case. */
static bool sid_ok(const char *s, const char *prefix)
{
	if (strlen(s) != 34 || strncasecmp(s, prefix, 2) != 0)
		return false;
	for (const char *p = s + 2; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* The credentials go with every request: refused at `settings set`, not only at connect. */
#define API_BASE_RULE                                                                          \
	"%s must be an https:// URL (plain http:// only to 127.0.0.1, localhost or [::1], the " \
	"simulator) without user name, query or fragment"

/* One column change to make: validated first, written together. */
struct change {
	const char *column;
	char *value; /* malloc'd; NULL stores NULL */
};

struct settings_args {
	const char *account_sid, *api_key_sid, *from, *mg, *api_base, *ca_bundle, *slots, *hours, *quiet, *template;
	bool token_stdin, secret_stdin, allow_risky;
};

/* Adds a change (value copied). */
static void add_change(struct change *ch, int *n, const char *column, const char *value)
{
	ch[*n].column = column;
	ch[*n].value = value ? xstrdup(value) : NULL;
	(*n)++;
}

/* The reminder template check every path shares (reminders_check_template); prints its
 * warning to stderr. EXIT_USAGE when it cannot be saved. */
static int check_template(const char *tmpl, bool allow_risky)
{
	char *err = NULL, *warning = NULL;
	if (reminders_check_template(tmpl, allow_risky, &warning, &err) != 0) {
		int rc = cli_usage("settings", "reminder template not saved: %s%s", err ? err : "invalid",
				   template_uses_risky(tmpl) && !allow_risky ? " (--allow-risky saves it anyway)" : "");
		free(err);
		return rc;
	}
	if (warning != NULL)
		fprintf(stderr, "smsdesk settings: warning: %s\n", warning);
	free(warning);
	return EXIT_OK;
}

/* Turns the options into column changes; EXIT_USAGE with the reason on a bad value. */
static int collect_changes(const struct settings_args *a, char **pos, int npos, struct change *ch, int *n)
{
	char e164[PHONE_E164_MAX];
	char *err = NULL;
	if (a->account_sid && !sid_ok(a->account_sid, "AC"))
		return cli_usage("settings", "--account-sid must be AC followed by 32 hex digits");
	if (a->api_key_sid && !sid_ok(a->api_key_sid, "SK"))
		return cli_usage("settings", "--api-key-sid must be SK followed by 32 hex digits");
	if (a->mg && !sid_ok(a->mg, "MG"))
		return cli_usage("settings", "--messaging-service must be MG followed by 32 hex digits");
	if (a->from && a->mg)
		return cli_usage("settings", "give --from or --messaging-service, not both");
	if (a->token_stdin && a->secret_stdin)
		return cli_usage("settings", "give --auth-token-stdin or --api-key-secret-stdin, not both");
	if (a->api_base && !twilio_base_ok(a->api_base))
		return cli_usage("settings", API_BASE_RULE, "--api-base");
	if (a->from && phone_to_e164(a->from, e164, &err) != 0) {
		int rc = cli_usage("settings", "--from: %s", err);
		free(err);
		return rc;
	}
	if (a->account_sid)
		add_change(ch, n, "account_sid", a->account_sid);
	if (a->api_key_sid)
		add_change(ch, n, "api_key_sid", a->api_key_sid);
	if (a->from) {
		add_change(ch, n, "from_number", e164);
		add_change(ch, n, "messaging_service_sid", NULL); /* the number is what sends now */
	}
	if (a->mg)
		add_change(ch, n, "messaging_service_sid", a->mg);
	if (a->api_base)
		add_change(ch, n, "api_base", a->api_base);
	if (a->slots)
		add_change(ch, n, "reminder_slots", reminders_slots_off(a->slots) ? REMINDER_SLOTS_OFF : a->slots);
	if (a->template && check_template(a->template, a->allow_risky) != EXIT_OK)
		return EXIT_USAGE;
	if (a->template)
		add_change(ch, n, "reminder_template", a->template);
	if (a->hours && a->quiet)
		return cli_usage("settings", "give --texting-hours once (--quiet is its old name)");
	const char *hours = a->hours ? a->hours : a->quiet;
	if (hours) {
		int qs, qe;
		if (!parse_hours(hours, &qs, &qe))
			return cli_usage("settings", "--texting-hours must look like 08:00-21:00 (start before end): "
						     "the hours in which automated texts may go out");
		char b1[16], b2[16];
		snprintf(b1, sizeof(b1), "%d", qs);
		snprintf(b2, sizeof(b2), "%d", qe);
		add_change(ch, n, "quiet_start", b1);
		add_change(ch, n, "quiet_end", b2);
	}
	if (npos % 2 != 0)
		return cli_usage("settings", "COLUMN VALUE pairs: '%s' has no value", pos[npos - 1]);
	for (int i = 0; i < npos; i += 2) {
		if (strcmp(pos[i], "timezone") == 0 && !tz_valid(pos[i + 1]))
			return cli_usage("settings", "unknown time zone '%s'", pos[i + 1]);
		if (strcmp(pos[i], "api_base") == 0 && !twilio_base_ok(pos[i + 1]))
			return cli_usage("settings", API_BASE_RULE, "api_base");
		if (strcmp(pos[i], "reminder_template") == 0 && check_template(pos[i + 1], a->allow_risky) != EXIT_OK)
			return EXIT_USAGE;
		add_change(ch, n, pos[i], pos[i + 1]);
	}
	return EXIT_OK;
}

/* Encrypts and stores the secret for field, wiping the plaintext. */
static int store_secret(struct cli_ctx *ctx, struct store *s, const struct tenant *t, const char *field,
			const char *secret, char **err)
{
	struct vault *v = NULL;
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	if (vault_open_keyfile(ctx->key_file, &v, err) != 0)
		return -1;
	int rc = vault_encrypt(v, t->id, field, secret, &nonce, &nl, &ct, &cl, err);
	vault_close(&v);
	if (rc == 0)
		rc = store_cred_put(s, t->id, field, nonce, nl, ct, cl, err);
	free(nonce);
	free(ct);
	return rc;
}

/* `settings set`: everything is checked before anything is written, then one transaction. */
static int settings_set(struct cli_ctx *ctx, const struct settings_args *a, char **pos, int npos)
{
	struct change ch[64];
	int n = 0, rc;
	char *err = NULL;
	if (npos > 40)
		return cli_usage("settings", "too many COLUMN VALUE pairs");
	rc = collect_changes(a, pos, npos, ch, &n);
	if (rc == EXIT_OK && n == 0 && !a->token_stdin && !a->secret_stdin && !a->ca_bundle)
		rc = cli_usage("settings", "nothing to set");
	if (rc == EXIT_OK && a->ca_bundle && access(a->ca_bundle, R_OK) != 0)
		rc = cli_usage("settings", "--ca-bundle: cannot read %s", a->ca_bundle);
	struct store *s = NULL;
	struct tenant t = {0};
	if (rc == EXIT_OK)
		rc = cli_open_store(ctx, "settings", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "settings", s, &t);
	/* The secret lives in locked memory and is wiped whatever happens. */
	char *secret = sodium_malloc(SECRET_MAX);
	const char *field = a->token_stdin ? "auth_token" : a->secret_stdin ? "api_key_secret" : NULL;
	if (secret == NULL)
		abort();
	secret[0] = '\0';
	if (rc == EXIT_OK && field != NULL &&
	    read_secret(a->token_stdin ? "Twilio auth token" : "Twilio API key secret", secret, SECRET_MAX, &err) != 0)
		rc = cli_usage("settings", "%s", err);
	if (rc != EXIT_OK)
		goto out;
	if (store_begin(s, &err) != 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		if (store_tenant_set(s, t.id, ch[i].column, ch[i].value, &err) != 0) {
			store_rollback(s);
			rc = cli_usage("settings", "%s", err);
			goto out;
		}
		/* a template with health details in it is saved only on the admin's word: say so */
		bool risky = strcmp(ch[i].column, "reminder_template") == 0 && template_uses_risky(ch[i].value);
		store_audit_append(s, 0, CLI_ACTOR, t.id, "setting.set", 0, ch[i].column,
				   risky ? "risky variables allowed (--allow-risky)" : NULL, NULL);
	}
	if (a->ca_bundle && (store_setting_set(s, t.id, "ca_bundle", a->ca_bundle, &err) != 0 ||
			     store_audit_append(s, 0, CLI_ACTOR, t.id, "setting.set", 0, "ca_bundle", NULL, &err) != 0))
		goto fail_tx;
	if (field != NULL && (store_secret(ctx, s, &t, field, secret, &err) != 0 ||
			      store_audit_append(s, 0, CLI_ACTOR, t.id, "credential.set", 0, field, NULL, &err) != 0))
		goto fail_tx;
	if (store_commit(s, &err) != 0)
		goto fail;
	for (int i = 0; i < n; i++)
		printf("%s: %s\n", ch[i].column, ch[i].value ? "set" : "cleared");
	if (a->ca_bundle)
		printf("ca_bundle: set\n");
	if (field)
		printf("%s: set (encrypted)\n", field);
	goto out;
fail_tx:
	store_rollback(s);
fail:
	rc = cli_fail(EXIT_FAIL, "settings", "%s", err);
out:
	sodium_free(secret);
	free(err);
	for (int i = 0; i < n; i++)
		free(ch[i].value);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* Prints "set" or "not set" for a stored secret: never the secret itself. */
static const char *secret_state(struct store *s, int64_t tenant_id, const char *field)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl, cl;
	int rc = store_cred_get(s, tenant_id, field, &nonce, &nl, &ct, &cl, NULL);
	free(nonce);
	free(ct);
	return rc == 0 ? "set" : "not set";
}

/* `settings show`. */
static int settings_show(struct cli_ctx *ctx)
{
	struct store *s = NULL;
	struct tenant t = {0};
	int rc = cli_open_store(ctx, "settings", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "settings", s, &t);
	if (rc != EXIT_OK) {
		store_close(&s);
		return rc;
	}
	char name[100], tmpl[800], *ca = NULL;
	cli_safe_text(t.name, true, name, sizeof(name));
	cli_safe_text(t.reminder_template, false, tmpl, sizeof(tmpl));
	store_setting_get(s, t.id, "ca_bundle", &ca, NULL);
	printf("location:              %lld %s\n", (long long)t.id, name);
	printf("timezone:              %s\n", cli_show(t.timezone));
	printf("phone:                 %s\n", t.phone[0] ? cli_show(t.phone) : "-");
	printf("account_sid:           %s\n", t.account_sid ? cli_show(t.account_sid) : "not set");
	printf("api_key_sid:           %s\n", t.api_key_sid ? cli_show(t.api_key_sid) : "not set");
	printf("auth_token:            %s\n", secret_state(s, t.id, "auth_token"));
	printf("api_key_secret:        %s\n", secret_state(s, t.id, "api_key_secret"));
	printf("from_number:           %s\n", t.from_number ? cli_show(t.from_number) : "not set");
	printf("messaging_service_sid: %s\n",
	       t.messaging_service_sid ? cli_show(t.messaging_service_sid) : "not set");
	printf("api_base:              %s\n", cli_show(t.api_base));
	printf("ca_bundle:             %s\n", ca ? cli_show(ca) : "system default");
	printf("reminder_slots:        %s\n", cli_show(t.reminder_slots));
	printf("texting hours:         %02d:%02d-%02d:%02d\n", t.quiet_start / 60, t.quiet_start % 60,
	       t.quiet_end / 60, t.quiet_end % 60);
	char sms_price[32], mms_price[32];
	segments_format_cost(t.segment_price_micros, sms_price, sizeof(sms_price));
	segments_format_cost(t.mms_price_micros, mms_price, sizeof(mms_price));
	printf("segment_price_micros:  %lld (%s per SMS segment)\n", (long long)t.segment_price_micros, sms_price);
	printf("mms_price_micros:      %lld (%s per MMS)\n", (long long)t.mms_price_micros, mms_price);
	printf("poll_seconds:          %d\n", t.poll_seconds);
	printf("idle_lock_seconds:     %d\n", t.idle_lock_seconds);
	printf("optout_replies_by:     %s\n", cli_show(t.optout_replies_by));
	printf("reminder_template:     %s\n", tmpl);
	free(ca);
	tenant_free(&t);
	store_close(&s);
	return EXIT_OK;
}

/* `settings set|set-secret|show`. */
static int run_settings(struct cli_ctx *ctx, int argc, char **argv)
{
	struct settings_args a = {0};
	struct cli_opt opts[] = {
		{"--account-sid", &a.account_sid, NULL}, {"--api-key-sid", &a.api_key_sid, NULL},
		{"--from", &a.from, NULL}, {"--messaging-service", &a.mg, NULL}, {"--api-base", &a.api_base, NULL},
		{"--ca-bundle", &a.ca_bundle, NULL}, {"--slots", &a.slots, NULL}, {"--quiet", &a.quiet, NULL},
		{"--texting-hours", &a.hours, NULL}, {"--template", &a.template, NULL},
		{"--allow-risky", NULL, &a.allow_risky}, {"--auth-token-stdin", NULL, &a.token_stdin},
		{"--api-key-secret-stdin", NULL, &a.secret_stdin}, {NULL, NULL, NULL},
	};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_settings, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos >= 1 && strcmp(pos[0], "show") == 0 && npos == 1)
		return settings_show(ctx);
	if (npos >= 1 && strcmp(pos[0], "set") == 0)
		return settings_set(ctx, &a, pos + 1, npos - 1);
	if (npos == 2 && strcmp(pos[0], "set-secret") == 0) {
		struct settings_args b = {.token_stdin = strcmp(pos[1], "auth_token") == 0,
					  .secret_stdin = strcmp(pos[1], "api_key_secret") == 0};
		if (!b.token_stdin && !b.secret_stdin)
			return cli_usage("settings", "set-secret takes auth_token or api_key_secret");
		return settings_set(ctx, &b, NULL, 0);
	}
	return cli_usage("settings", "expected 'settings set ...', 'settings set-secret FIELD' or 'settings show'");
}

const struct cli_command cli_cmd_settings = {"settings", "set or show a location's Twilio and reminder settings",
					     usage_settings, run_settings};

/* ---- test-connection ---- */

static const char usage_test_connection[] =
	"usage: smsdesk [--tenant T] test-connection\n"
	"Asks Twilio for the location's account with the stored credentials and says what Twilio\n"
	"answered: the account's name, status and type, or the error in words. Exit code 4 when\n"
	"Twilio or the network failed.\n";

/* Fetches the account and reports it. */
static int run_test_connection(struct cli_ctx *ctx, int argc, char **argv)
{
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_test_connection, argc, argv, NULL, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos > 0)
		return cli_usage("test-connection", "test-connection takes no arguments");
	struct store *s = NULL;
	struct vault *v = NULL;
	struct tenant t = {0};
	struct twilio_client *c = NULL;
	char *err = NULL;
	rc = cli_open_store(ctx, "test-connection", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "test-connection", s, &t);
	if (rc == EXIT_OK)
		rc = cli_open_vault(ctx, "test-connection", &v);
	if (rc == EXIT_OK && connect_tenant_client(s, v, t.id, &c, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "test-connection", "%s", err);
	vault_close(&v);
	if (rc == EXIT_OK) {
		struct twilio_account acct = {0};
		struct twilio_error e = {0};
		char name[120];
		if (twilio_fetch_account(c, &acct, &e) == TW_OK) {
			cli_safe_text(acct.friendly_name, true, name, sizeof(name));
			printf("Twilio answered for %s: account \"%s\" (%s), status %s, type %s\n",
			       cli_show(t.name), name, acct.sid ? cli_show(acct.sid) : "?",
			       acct.status ? cli_show(acct.status) : "unknown",
			       acct.type ? cli_show(acct.type) : "unknown");
			if (acct.status && strcmp(acct.status, "active") != 0)
				printf("warning: the account is not active: messages will not be sent\n");
		} else {
			char code[32] = "", http[32] = "";
			cli_safe_text(e.message ? e.message : "no answer", true, name, sizeof(name));
			if (e.code)
				snprintf(code, sizeof(code), ", Twilio error %d", e.code);
			if (e.http_status)
				snprintf(http, sizeof(http), ", HTTP %d", e.http_status);
			rc = cli_fail(EXIT_TWILIO, "test-connection", "Twilio did not accept the connection: %s (%s%s%s)",
				      name, twilio_result_str(e.kind), code, http);
		}
		twilio_account_free(&acct);
		twilio_error_clear(&e);
	}
	twilio_client_free(&c);
	free(err);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_test_connection = {"test-connection", "check the Twilio credentials of a location",
						    usage_test_connection, run_test_connection};
