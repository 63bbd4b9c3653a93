/* The cancellation filler from the command line: `waitlist add|list|remove`, `filler [list]`,
 * `filler show ID` (the chain: who was offered the slot, who answered, who got it), and
 * `appointment cancel ID` (by hand; the filler offers the slot at its next pass). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/cli_internal.h"
#include "src/filler.h"
#include "src/util.h"

extern const struct cli_command cli_cmd_waitlist, cli_cmd_filler;

static const char usage_waitlist[] =
	"usage: smsdesk [--tenant T] waitlist add PATIENT_ID --from DATE --to DATE [--provider NAME]\n"
	"       smsdesk [--tenant T] waitlist list\n"
	"       smsdesk [--tenant T] waitlist remove ENTRY_ID\n"
	"Patients who want an earlier visit: with any provider, or with --provider NAME, starting\n"
	"on a day from --from to --to (YYYY-MM-DD in the clinic's zone, both included). When a\n"
	"visit is cancelled (an X reply, 'smsdesk appointment cancel', an import), the scheduler\n"
	"offers it to them by text in the order they were added, then to patients overdue for\n"
	"their yearly visit (setting filler: all, the default; waitlist; or off). See 'smsdesk\n"
	"filler --help'.\n";

static const char usage_filler[] =
	"usage: smsdesk [--tenant T] filler [list]\n"
	"       smsdesk filler show OFFER_ID\n"
	"       smsdesk [--tenant T] filler mode all|waitlist|off\n"
	"The cancellation filler: each cancelled visit starting more than 2 hours ahead is offered\n"
	"by text to the waitlist, then to patients overdue for a recall, 3 at a time within\n"
	"texting hours, the next 3 after 20 minutes without an answer. The first to reply BOOK gets\n"
	"it (booked at once, and told); the others offered are told it is taken. list shows the\n"
	"offers; show the chain: who was offered it when, who answered, who got it. Audited\n"
	"(filler.offer, filler.filled, filler.expired, filler.exhausted). mode (admins): all (the\n"
	"default: the waitlist, then recall-overdue patients), waitlist only, or off.\n";

/* The actor for the audit log. */
static char *actor_name(struct cli_ctx *ctx)
{
	if (ctx->session != NULL)
		return xstrdup(ctx->session->username);
	const char *user = getenv("USER");
	char safe[64];
	cli_safe_text(user && *user ? user : "unknown", true, safe, sizeof(safe));
	return xasprintf("cli:%s", safe);
}

/* `waitlist add PATIENT --from --to [--provider]`. */
static int waitlist_add(struct cli_ctx *ctx, struct store *s, const struct tenant *t, const char *arg,
			const char *from, const char *to, const char *provider)
{
	long long pid;
	struct waitlist_entry w = {.tenant_id = t->id, .provider = (char *)provider};
	if (arg == NULL || !cli_parse_int(arg, 1, INT64_MAX, &pid))
		return cli_usage("waitlist", "give the patient's number (see 'smsdesk patient list')");
	if (from == NULL || to == NULL || cli_parse_day(from, t->timezone, &w.from_at) != 0 ||
	    cli_parse_day(to, t->timezone, &w.to_at) != 0)
		return cli_usage("waitlist", "--from and --to must be dates like 2026-12-01");
	w.to_at += 86400; /* the last day included */
	w.patient_id = pid;
	char *actor = actor_name(ctx), *err = NULL, target[32];
	int64_t id = 0;
	w.created_by = actor;
	int rc = EXIT_OK;
	if (store_begin(s, &err) != 0 || store_waitlist_add(s, &w, &id, &err) != 0 ||
	    (snprintf(target, sizeof(target), "waitlist %lld", (long long)id),
	     store_audit_append(s, ctx->session ? ctx->session->user_id : 0, actor, t->id, "waitlist.add", pid, target,
				provider, &err)) != 0) {
		store_rollback(s);
		rc = cli_fail(EXIT_REFUSED, "waitlist", "%s", err);
	} else if (store_commit(s, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "waitlist", "%s", err);
	} else {
		printf("waitlist entry %lld: patient %lld\n", (long long)id, pid);
	}
	free(actor);
	free(err);
	return rc;
}

/* `waitlist list`. */
static int waitlist_list(struct store *s, const struct tenant *t)
{
	struct waitlist_entry *list = NULL;
	size_t n = 0;
	char *err = NULL, a[40], b[40];
	if (store_waitlist_list(s, t->id, &list, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "waitlist", "%s", err);
		free(err);
		return rc;
	}
	printf("%-5s %-8s %-8s %-24s %-16s %-16s %s\n", "ID", "PATIENT", "STATUS", "NAME", "FROM", "TO", "PROVIDER");
	for (size_t i = 0; i < n; i++) {
		cli_format_local(list[i].from_at, t->timezone, a, sizeof(a));
		cli_format_local(list[i].to_at, t->timezone, b, sizeof(b));
		printf("%-5lld %-8lld %-8s %-24s %-16s %-16s %s\n", (long long)list[i].id, (long long)list[i].patient_id,
		       list[i].status, cli_show(list[i].patient_name), a, b, list[i].provider ? cli_show(list[i].provider) : "any");
	}
	waitlist_entry_list_free(&list, n);
	return EXIT_OK;
}

static int run_waitlist(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *provider = NULL, *tenant = NULL;
	struct cli_opt opts[] = {{"--from", &from, NULL}, {"--to", &to, NULL}, {"--provider", &provider, NULL},
				 {"--tenant", &tenant, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_waitlist, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (npos < 1 || npos > 2)
		return cli_usage("waitlist", "expected 'waitlist add ID ...', 'waitlist list' or 'waitlist remove ID'");
	if (tenant)
		ctx->tenant = tenant;
	struct store *s = NULL;
	struct tenant t = {0};
	rc = cli_open_store(ctx, "waitlist", false, &s);
	if (rc == EXIT_OK)
		rc = cli_resolve_tenant(ctx, "waitlist", s, &t);
	const char *arg = npos > 1 ? pos[1] : NULL;
	long long id;
	char *err = NULL;
	if (rc != EXIT_OK)
		;
	else if (strcmp(pos[0], "add") == 0)
		rc = waitlist_add(ctx, s, &t, arg, from, to, provider);
	else if (strcmp(pos[0], "list") == 0)
		rc = waitlist_list(s, &t);
	else if (strcmp(pos[0], "remove") == 0 && arg && cli_parse_int(arg, 1, INT64_MAX, &id)) {
		char *actor = actor_name(ctx);
		if (store_waitlist_set_status(s, id, "removed", &err) != 0 ||
		    store_audit_append(s, 0, actor, t.id, "waitlist.remove", 0, arg, NULL, &err) != 0)
			rc = cli_fail(EXIT_NOTFOUND, "waitlist", "%s", err);
		else
			printf("waitlist entry %lld removed\n", id);
		free(actor);
	} else
		rc = cli_usage("waitlist", "expected 'waitlist add ID ...', 'waitlist list' or 'waitlist remove ID'");
	free(err);
	tenant_free(&t);
	store_close(&s);
	return rc;
}

/* `filler show ID`: the offer and its chain. */
static int filler_show(struct store *s, const char *arg)
{
	long long id;
	struct slot_offer o;
	struct offer_link *chain = NULL;
	size_t n = 0;
	char *err = NULL, when[40], at[40];
	if (arg == NULL || !cli_parse_int(arg, 1, INT64_MAX, &id))
		return cli_usage("filler", "give the offer's number (see 'smsdesk filler list')");
	int rc = store_offer_get(s, id, &o, &err);
	if (rc != 0) {
		rc = cli_fail(rc == SD_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL, "filler", "no offer %lld", id);
		free(err);
		return rc;
	}
	struct tenant t = {0};
	if (store_tenant_get(s, o.tenant_id, &t, &err) != 0 || store_offer_chain(s, id, &chain, &n, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "filler", "%s", err);
		goto out;
	}
	cli_format_local(o.starts_at, t.timezone, when, sizeof(when));
	printf("offer %lld: %s with %s (%s), cancelled appointment %lld: %s", id, when, cli_show(o.provider),
	       cli_show(t.timezone), (long long)o.appointment_id, o.status);
	if (o.filled_by)
		printf(", booked for patient %lld (appointment %lld)", (long long)o.filled_by,
		       (long long)o.new_appointment_id);
	printf("\n%-4s %-8s %-24s %-9s %-11s %-16s %s\n", "#", "PATIENT", "NAME", "FROM", "STATUS", "OFFERED", "NOTE");
	for (size_t i = 0; i < n; i++) {
		if (chain[i].offered_at)
			cli_format_local(chain[i].offered_at, t.timezone, at, sizeof(at));
		else
			snprintf(at, sizeof(at), "-");
		printf("%-4d %-8lld %-24s %-9s %-11s %-16s %s\n", chain[i].rank, (long long)chain[i].patient_id,
		       cli_show(chain[i].patient_name), chain[i].source, chain[i].status, at,
		       chain[i].reason ? cli_show(chain[i].reason) : "");
	}
out:
	offer_link_list_free(&chain, n);
	tenant_free(&t);
	slot_offer_free(&o);
	free(err);
	return rc;
}

/* `filler [list]`. */
static int filler_list(struct cli_ctx *ctx, struct store *s)
{
	struct tenant t = {0};
	struct slot_offer *list = NULL;
	size_t n = 0;
	char *err = NULL, when[40];
	int rc = ctx->tenant ? cli_resolve_tenant(ctx, "filler", s, &t) : EXIT_OK;
	if (rc == EXIT_OK && store_offer_list(s, t.id, NULL, 200, &list, &n, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "filler", "%s", err);
	if (rc == EXIT_OK)
		printf("%-5s %-10s %-18s %-20s %s\n", "ID", "STATUS", "SLOT (UTC)", "PROVIDER", "BOOKED FOR");
	for (size_t i = 0; rc == EXIT_OK && i < n; i++) {
		char who[24] = "-";
		cli_format_local(list[i].starts_at, "UTC", when, sizeof(when));
		if (list[i].filled_by)
			snprintf(who, sizeof(who), "patient %lld", (long long)list[i].filled_by);
		printf("%-5lld %-10s %-18s %-20s %s\n", (long long)list[i].id, list[i].status, when,
		       cli_show(list[i].provider), who);
	}
	slot_offer_list_free(&list, n);
	tenant_free(&t);
	free(err);
	return rc;
}

/* `filler mode all|waitlist|off`: who is offered a cancelled visit, audited. */
static int filler_mode(struct cli_ctx *ctx, struct store *s, const char *mode)
{
	struct tenant t = {0};
	char *err = NULL, *actor = actor_name(ctx);
	int rc = cli_resolve_tenant(ctx, "filler", s, &t);
	if (rc == EXIT_OK && strcmp(mode, "all") != 0 && strcmp(mode, "waitlist") != 0 && strcmp(mode, "off") != 0)
		rc = cli_usage("filler", "mode is all, waitlist or off");
	if (rc == EXIT_OK && (store_begin(s, &err) != 0 || store_setting_set(s, t.id, "filler", mode, &err) != 0 ||
			      store_audit_append(s, ctx->session ? ctx->session->user_id : 0, actor, t.id, "setting.set", 0,
						 "filler", mode, &err) != 0 ||
			      store_commit(s, &err) != 0)) {
		store_rollback(s);
		rc = cli_fail(EXIT_FAIL, "filler", "%s", err);
	}
	if (rc == EXIT_OK)
		printf("filler: %s\n", mode);
	free(actor);
	free(err);
	tenant_free(&t);
	return rc;
}

static int run_filler(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *tenant = NULL;
	struct cli_opt opts[] = {{"--tenant", &tenant, NULL}, {NULL, NULL, NULL}};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_filler, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	if (tenant)
		ctx->tenant = tenant;
	struct store *s = NULL;
	rc = cli_open_store(ctx, "filler", false, &s);
	if (rc != EXIT_OK)
		return rc;
	if (npos == 0 || (npos == 1 && strcmp(pos[0], "list") == 0))
		rc = filler_list(ctx, s);
	else if (npos == 2 && strcmp(pos[0], "show") == 0)
		rc = filler_show(s, pos[1]);
	else if (npos == 2 && strcmp(pos[0], "mode") == 0)
		rc = filler_mode(ctx, s, pos[1]);
	else
		rc = cli_usage("filler", "expected 'filler list', 'filler show ID' or 'filler mode all|waitlist|off'");
	store_close(&s);
	return rc;
}

int cli_appointment_cancel(struct cli_ctx *ctx, int argc, char **argv)
{
	long long id;
	if (argc != 3 || !cli_parse_int(argv[2], 1, INT64_MAX, &id))
		return cli_usage("appointment", "expected 'appointment cancel APPOINTMENT_ID'");
	struct store *s = NULL;
	struct appointment a;
	char *err = NULL, target[32];
	int rc = cli_open_store(ctx, "appointment", false, &s);
	if (rc != EXIT_OK)
		return rc;
	int got = store_appt_get(s, id, &a, &err);
	if (got != 0) {
		rc = cli_fail(got == SD_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL, "appointment", "no appointment %lld", id);
		goto out;
	}
	char *actor = actor_name(ctx);
	snprintf(target, sizeof(target), "%lld", id);
	if (strcmp(a.status, "cancelled") == 0) {
		printf("appointment %lld was already cancelled\n", id);
	} else if (store_begin(s, &err) != 0 || store_appt_set_status(s, id, "cancelled", &err) != 0 ||
		   store_audit_append(s, ctx->session ? ctx->session->user_id : 0, actor, a.tenant_id, "appt.cancel",
				      a.patient_id, target, "by hand", &err) != 0) {
		store_rollback(s);
		rc = cli_fail(EXIT_FAIL, "appointment", "%s", err);
	} else if (store_commit(s, &err) != 0) {
		rc = cli_fail(EXIT_FAIL, "appointment", "%s", err);
	} else {
		printf("appointment %lld cancelled; the scheduler offers the slot to the waitlist ('smsdesk filler')\n", id);
	}
	free(actor);
	appointment_free(&a);
out:
	free(err);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_waitlist = {"waitlist", "patients who want an earlier visit (the cancellation filler)",
					     usage_waitlist, run_waitlist};
const struct cli_command cli_cmd_filler = {"filler", "cancelled visits offered to the waitlist: who was asked, who got it",
					   usage_filler, run_filler};
