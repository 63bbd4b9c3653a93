/* `smsdesk campaign`: recalls and campaigns from the command line: preview, create, send
 * (paced, resumable), stop, list, show; and `campaign consent` for marketing consent. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "src/auth.h"
#include "src/campaign.h"
#include "src/cli_internal.h"
#include "src/segments.h"
#include "src/sync.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_campaign;

static const char usage_campaign[] =
	"usage: smsdesk [--tenant T] campaign preview --kind care|marketing --body TEXT [FILTER] [--per-minute N]\n"
	"       smsdesk [--tenant T] campaign create NAME --kind care|marketing --body TEXT [FILTER] [--per-minute N]\n"
	"       smsdesk campaign send ID [--no-wait]\n"
	"       smsdesk campaign stop ID\n"
	"       smsdesk [--tenant T] campaign list\n"
	"       smsdesk campaign show ID\n"
	"       smsdesk campaign consent PATIENT_ID --method TEXT | --revoke\n"
	"Recalls and campaigns: one text to every patient a filter finds, at the location's pace.\n"
	"FILTER (all given must hold):\n"
	"  --overdue-months N     last visit more than N months ago and nothing booked (recall)\n"
	"  --last-visit-before DATE  last visit before DATE (YYYY-MM-DD or Nd)\n"
	"  --followup-days N      had a visit on the day N days ago (post-procedure follow-up)\n"
	"  --provider NAME        ... with this provider (with --followup-days)\n"
	"  --no-upcoming          leave out patients with a visit booked\n"
	"TEXT may use {patientName} (first name), {clinicName} and {clinicPhone}, and must say how\n"
	"to opt out (\"Reply STOP to opt out\"), at most 1600 characters. NAME: at most 80 characters.\n"
	"--per-minute N sends this campaign slower than the location's pace (1 to that pace).\n"
	"preview and create count who is left out and why:\n"
	"no mobile, invalid number, landline (Twilio said so before), opted out, no marketing\n"
	"consent (kind marketing needs its own consent: `campaign consent`), or no consent on file\n"
	"with a care text outside the healthcare exemption (one segment, with {clinicPhone}).\n"
	"send starts or resumes a campaign: each text is queued in the outbox in the same\n"
	"transaction that marks its recipient, at the location's pace (settings set\n"
	"send_per_minute N; default 60 for a number, 600 with a Messaging Service), within texting\n"
	"hours; a crash or kill never sends anyone twice or loses anyone. When no scheduler holds\n"
	"the sync lease, send runs in the foreground showing progress until done (Ctrl-C leaves it\n"
	"sending, for the scheduler or a later send); --no-wait leaves it to the scheduler.\n"
	"stop takes back what is still queued; send resumes. show gives progress and results\n"
	"(delivered, replied, booked, cost). Every step is audited. In the console, n on the\n"
	"campaigns screen (M) makes a campaign with the same fields and checks (admins).\n";

/* The actor for the audit log: the signed-in user, else "cli:<login>". */
static char *actor_name(struct cli_ctx *ctx, int64_t *user_id)
{
	*user_id = 0;
	if (ctx->session != NULL) {
		*user_id = ctx->session->user_id;
		return xstrdup(ctx->session->username);
	}
	const char *user = getenv("USER");
	char safe[64];
	cli_safe_text(user && *user ? user : "unknown", true, safe, sizeof(safe));
	return xasprintf("cli:%s", safe);
}

struct filter_opts {
	const char *kind, *body, *before, *overdue, *followup, *provider, *per_minute;
	bool no_upcoming;
};

/* Fills f from the options (dates in the clinic's zone) through the parser the console's
 * form uses too; an exit code. */
static int read_filter(const struct filter_opts *o, const struct tenant *t, struct campaign_filter *f)
{
	const char *given[] = {o->before, o->overdue, o->followup, o->provider, o->per_minute};
	char *err = NULL;
	if (o->kind == NULL || o->body == NULL)
		return cli_usage("campaign", "--kind care|marketing and --body TEXT are needed");
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i] != NULL && *given[i] == '\0')
			return cli_usage("campaign", "a filter option was given an empty value");
	struct campaign_filter_text in = {.kind = o->kind, .overdue_months = o->overdue, .last_visit_before = o->before,
					  .followup_days = o->followup, .provider = o->provider,
					  .no_upcoming = o->no_upcoming, .per_minute = o->per_minute};
	if (campaign_filter_parse(&in, t, clock_now(), f, &err) != 0) {
		int rc = cli_usage("campaign", "%s", err);
		free(err);
		return rc;
	}
	return EXIT_OK;
}

/* Prints a preview's counts. */
static void print_preview(const struct campaign_preview *p)
{
	char cost[32], sample[400];
	segments_format_cost(p->cost_micros, cost, sizeof(cost));
	printf("filter: %s\n", cli_show(p->filter_words));
	printf("matched: %zu\nwill text: %zu\nleft out: %zu\n", p->matched, p->will_send, p->matched - p->will_send);
	for (int e = 1; e < CAMPAIGN_EXCL_N; e++)
		if (p->excluded[e] > 0)
			printf("  %-8zu %s\n", p->excluded[e], campaign_excl_words((enum campaign_excl)e));
	printf("text: %d segment%s (%s), estimated cost %s\n", p->segments, p->segments == 1 ? "" : "s", p->encoding,
	       cost);
	printf("pace: %d per minute, about %lld min\n", p->per_minute, (long long)(p->seconds + 59) / 60);
	if (p->sample) {
		cli_safe_text(p->sample, false, sample, sizeof(sample));
		printf("sample: %s\n", sample);
	}
}

/* Audits a preview: it read patients' records (counts and a first name in the sample), as the
 * console's preview does (same action and detail). */
static int audit_preview(struct store *s, int64_t uid, const char *actor, int64_t tenant_id,
			 const struct campaign_filter *f, const struct campaign_preview *p, char **err)
{
	char *detail = xasprintf("kind=%s matched=%zu will_send=%zu excluded=%zu filter=\"%.200s\"", f->kind,
				 p->matched, p->will_send, p->matched - p->will_send, p->filter_words);
	int rc = store_audit_append(s, uid, actor, tenant_id, "campaign.preview", 0, "new campaign", detail, err);
	free(detail);
	return rc;
}

/* `campaign preview` and `campaign create NAME`. */
static int run_make(struct cli_ctx *ctx, struct store *s, const struct filter_opts *o, const char *name)
{
	struct tenant t = {0};
	struct campaign_filter f;
	struct campaign_preview p = {0};
	char *err = NULL;
	int64_t uid = 0, id = 0;
	char *actor = actor_name(ctx, &uid);
	int rc = cli_resolve_tenant(ctx, "campaign", s, &t);
	if (rc == EXIT_OK)
		rc = read_filter(o, &t, &f);
	if (rc != EXIT_OK)
		goto out;
	int r = name ? campaign_create(s, &f, name, o->body, uid, actor, clock_now(), &id, &p, &err)
		     : campaign_preview(s, &f, o->body, clock_now(), &p, &err);
	if (r == 0 && name == NULL)
		r = audit_preview(s, uid, actor, t.id, &f, &p, &err);
	if (r != 0) {
		rc = cli_fail(EXIT_REFUSED, "campaign", "%s", err);
		goto out;
	}
	if (name)
		printf("campaign %lld created (draft): send it with 'smsdesk campaign send %lld'\n", (long long)id,
		       (long long)id);
	print_preview(&p);
out:
	campaign_preview_clear(&p);
	tenant_free(&t);
	free(actor);
	free(err);
	return rc;
}

/* Reads "ID" as a campaign id that exists; an exit code. */
static int campaign_arg(struct store *s, const char *arg, struct campaign *c)
{
	long long id;
	char *err = NULL;
	if (arg == NULL || !cli_parse_int(arg, 1, INT64_MAX, &id))
		return cli_usage("campaign", "give the campaign's number (see 'smsdesk campaign list')");
	int rc = store_campaign_get(s, id, c, &err);
	if (rc == SD_NOTFOUND)
		rc = cli_fail(EXIT_NOTFOUND, "campaign", "no campaign %lld", id);
	else if (rc != 0)
		rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
	free(err);
	return rc;
}

/* Prints where a campaign stands and why recipients were left out. */
static int print_show(struct store *s, const struct campaign *c)
{
	struct campaign_results r;
	struct campaign_reason *why = NULL;
	size_t n = 0;
	char *err = NULL, cost[32], when[40];
	if (store_campaign_results(s, c->id, &r, &err) != 0 || store_campaign_reasons(s, c->id, &why, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
		free(err);
		return rc;
	}
	segments_format_cost(r.cost_micros, cost, sizeof(cost));
	cli_format_local(c->created_at, "UTC", when, sizeof(when));
	printf("campaign %lld: %s (%s, %s)\nfilter: %s\ncreated: %s UTC by %s\n", (long long)c->id, cli_show(c->name),
	       c->kind, c->status, cli_show(c->filter), when, cli_show(c->created_by));
	struct tenant t = {0};
	if (store_tenant_get(s, c->tenant_id, &t, NULL) == 0)
		printf("pace: %d a minute (%s)\n", campaign_pace_of(&t, c->per_minute),
		       c->per_minute > 0 && c->per_minute < campaign_pace(&t) ? "its own" : "the location's");
	tenant_free(&t);
	printf("recipients: %lld  to text: %lld  left out: %lld\n", (long long)r.recipients,
	       (long long)(r.recipients - r.excluded), (long long)r.excluded);
	printf("progress: %lld pending, %lld in the outbox, %lld sent, %lld skipped\n", (long long)r.pending,
	       (long long)r.outbox, (long long)r.sent, (long long)r.skipped);
	printf("results: %lld delivered, %lld failed, %lld replied, %lld booked; %lld segments, %s\n",
	       (long long)r.delivered, (long long)r.failed, (long long)r.replied, (long long)r.booked,
	       (long long)r.segments, cost);
	for (size_t i = 0; i < n; i++)
		printf("  %-8lld %-8s %s\n", (long long)why[i].count, why[i].status, cli_show(why[i].reason));
	campaign_reason_list_free(&why, n);
	return EXIT_OK;
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Sends in the foreground while holding the lease, printing progress, until done or Ctrl-C. */
static int send_foreground(struct cli_ctx *ctx, struct store *s, const struct campaign *c)
{
	struct vault *v = NULL;
	struct sync_engine *e = NULL;
	char *err = NULL, *owner = cli_owner_name();
	int rc = cli_open_vault(ctx, "campaign", &v);
	if (rc == EXIT_OK && sync_engine_new(s, v, owner, &e, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
	/* First settle what an interrupted earlier run left claimed (and poll, as `poll` does). */
	struct sync_report first = {0};
	if (rc == EXIT_OK && sync_engine_pass(e, &first, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
	sync_report_clear(&first);
	struct sigaction sa = {.sa_handler = on_sigint}, old;
	struct sigaction old_term;
	sigaction(SIGINT, &sa, &old);
	sigaction(SIGTERM, &sa, &old_term);
	int64_t shown = 0;
	bool active = true;
	while (rc == EXIT_OK && active && !interrupted) {
		struct sync_report r = {0};
		if (sync_engine_campaign_tick(e, &r, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
			break;
		}
		active = r.campaign_active;
		int64_t next = r.campaign_next_ms;
		sync_report_clear(&r);
		struct campaign_results res;
		if (clock_mono_ms() - shown >= (isatty(STDOUT_FILENO) ? 2000 : 10000) || !active) {
			if (store_campaign_results(s, c->id, &res, &err) == 0)
				printf("campaign %lld: %lld sent, %lld in the outbox, %lld pending, %lld skipped\n",
				       (long long)c->id, (long long)res.sent, (long long)res.outbox, (long long)res.pending,
				       (long long)res.skipped);
			fflush(stdout);
			shown = clock_mono_ms();
		}
		int64_t wait = next - clock_mono_ms();
		if (active && wait > 0) {
			struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	sigaction(SIGINT, &old, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (interrupted)
		printf("interrupted: campaign %lld is still sending; the scheduler or 'smsdesk campaign send %lld' "
		       "goes on from here\n",
		       (long long)c->id, (long long)c->id);
	sync_engine_release(e);
	sync_engine_free(&e);
	vault_close(&v);
	free(owner);
	free(err);
	return rc;
}

/* `campaign send ID` and `campaign stop ID`. */
static int run_move(struct cli_ctx *ctx, struct store *s, const char *sub, const char *arg, bool no_wait)
{
	struct campaign c = {0};
	char *err = NULL;
	int64_t uid = 0, unqueued = 0;
	char *actor = actor_name(ctx, &uid);
	int rc = campaign_arg(s, arg, &c);
	if (rc != EXIT_OK)
		goto out;
	if (strcmp(sub, "stop") == 0) {
		if (campaign_stop(s, c.id, uid, actor, &unqueued, &err) != 0)
			rc = cli_fail(EXIT_REFUSED, "campaign", "%s", err);
		else
			printf("campaign %lld stopped; %lld queued texts taken back (resume with 'smsdesk campaign send "
			       "%lld')\n",
			       (long long)c.id, (long long)unqueued, (long long)c.id);
		goto out;
	}
	if (campaign_start(s, c.id, uid, actor, &err) != 0) {
		rc = cli_fail(EXIT_REFUSED, "campaign", "%s", err);
		goto out;
	}
	char *holder = NULL;
	store_lease_holder(s, SYNC_LEASE_NAME, clock_now(), &holder, NULL);
	if (holder != NULL || no_wait) {
		char who[120];
		cli_safe_text(holder ? holder : "the scheduler", true, who, sizeof(who));
		printf("campaign %lld is sending: %s sends it at the location's pace\n", (long long)c.id, who);
		free(holder);
		goto out;
	}
	rc = send_foreground(ctx, s, &c);
out:
	campaign_free(&c);
	free(actor);
	free(err);
	return rc;
}

/* `campaign list`. */
static int run_list(struct cli_ctx *ctx, struct store *s)
{
	struct tenant t = {0};
	struct campaign *list = NULL;
	size_t n = 0;
	char *err = NULL;
	int rc = ctx->tenant ? cli_resolve_tenant(ctx, "campaign", s, &t) : EXIT_OK;
	if (rc == EXIT_OK && store_campaign_list(s, t.id, NULL, &list, &n, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
	if (rc == EXIT_OK)
		printf("%-5s %-9s %-9s %8s %8s  %s\n", "ID", "KIND", "STATUS", "TO TEXT", "SENT", "NAME");
	for (size_t i = 0; rc == EXIT_OK && i < n; i++) {
		struct campaign_results r;
		if (store_campaign_results(s, list[i].id, &r, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
			break;
		}
		printf("%-5lld %-9s %-9s %8lld %8lld  %s\n", (long long)list[i].id, list[i].kind, list[i].status,
		       (long long)(r.recipients - r.excluded), (long long)r.sent, cli_show(list[i].name));
	}
	campaign_list_free(&list, n);
	tenant_free(&t);
	free(err);
	return rc;
}

/* `campaign consent PATIENT --method TEXT | --revoke`: marketing consent, audited. */
static int run_consent(struct cli_ctx *ctx, struct store *s, const char *arg, const char *method, bool revoke)
{
	long long pid;
	char *err = NULL, target[32];
	int64_t uid = 0;
	if (arg == NULL || !cli_parse_int(arg, 1, INT64_MAX, &pid))
		return cli_usage("campaign", "give the patient's number (see 'smsdesk patient list')");
	if ((method == NULL) == !revoke)
		return cli_usage("campaign", "consent takes --method TEXT (how it was given) or --revoke");
	struct patient p;
	int rc = store_patient_get(s, pid, &p, &err);
	if (rc != 0) {
		rc = cli_fail(rc == SD_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL, "campaign", "no patient %lld", pid);
		free(err);
		return rc;
	}
	if (!revoke && (p.mobile == NULL || *p.mobile == '\0')) {
		patient_free(&p);
		return cli_fail(EXIT_REFUSED, "campaign", "patient %lld has no mobile number to consent for", pid);
	}
	char *actor = actor_name(ctx, &uid);
	snprintf(target, sizeof(target), "%lld", pid);
	rc = EXIT_OK;
	if (store_begin(s, &err) != 0 ||
	    store_prefs_set_marketing_consent(s, pid, revoke ? 0 : clock_now(), method, actor, &err) != 0 ||
	    store_audit_append(s, uid, actor, p.tenant_id, revoke ? "pref.marketing.revoke" : "pref.marketing.consent",
			       pid, target, revoke ? NULL : method, &err) != 0) {
		store_rollback(s);
		rc = cli_fail(EXIT_REFUSED, "campaign", "%s", err);
	} else if (store_commit(s, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "campaign", "%s", err);
	} else {
		printf("patient %lld: marketing consent %s\n", pid, revoke ? "withdrawn" : "recorded");
	}
	patient_free(&p);
	free(actor);
	free(err);
	return rc;
}

/* `campaign`. */
static int run_campaign(struct cli_ctx *ctx, int argc, char **argv)
{
	struct filter_opts f = {0};
	const char *tenant = NULL, *method = NULL;
	bool no_wait = false, revoke = false;
	struct cli_opt opts[] = {{"--kind", &f.kind, NULL},	      {"--body", &f.body, NULL},
				 {"--last-visit-before", &f.before, NULL}, {"--overdue-months", &f.overdue, NULL},
				 {"--followup-days", &f.followup, NULL},   {"--provider", &f.provider, NULL},
				 {"--per-minute", &f.per_minute, NULL},
				 {"--no-upcoming", NULL, &f.no_upcoming},  {"--no-wait", NULL, &no_wait},
				 {"--tenant", &tenant, NULL},		      {"--method", &method, NULL},
				 {"--revoke", NULL, &revoke},		      {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_campaign, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos < 1)
		return cli_usage("campaign", "say what to do: preview, create, send, stop, list, show or consent");
	if (tenant != NULL)
		ctx->tenant = tenant;
	const char *sub = pos[0], *arg = npos > 1 ? pos[1] : NULL;
	if (npos > 2)
		return cli_usage("campaign", "too many words: %s", cli_show(pos[2]));
	struct store *s = NULL;
	rc = cli_open_store(ctx, "campaign", false, &s);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(sub, "preview") == 0 && arg == NULL)
		rc = run_make(ctx, s, &f, NULL);
	else if (strcmp(sub, "create") == 0 && arg != NULL)
		rc = run_make(ctx, s, &f, arg);
	else if (strcmp(sub, "send") == 0 || strcmp(sub, "stop") == 0)
		rc = run_move(ctx, s, sub, arg, no_wait);
	else if (strcmp(sub, "list") == 0 && arg == NULL)
		rc = run_list(ctx, s);
	else if (strcmp(sub, "show") == 0) {
		struct campaign c = {0};
		rc = campaign_arg(s, arg, &c);
		if (rc == EXIT_OK)
			rc = print_show(s, &c);
		campaign_free(&c);
	} else if (strcmp(sub, "consent") == 0)
		rc = run_consent(ctx, s, arg, method, revoke);
	else
		rc = cli_usage("campaign", "unknown: campaign %s%s%s", cli_show(sub), arg ? " " : "", arg ? cli_show(arg) : "");
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_campaign = {"campaign", "recalls and campaigns: preview, create, send, stop, results",
					     usage_campaign, run_campaign};
