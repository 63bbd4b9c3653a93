/* Campaigns and recalls, first part: the filter, the preview with who is left out and why,
 * making a campaign's recipient list, start and stop. Sending: src/campaign_send.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/campaign.h"
#include "src/phone.h"
#include "src/segments.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"

#define CAMPAIGN_PACE_LONG_CODE 60 /* per minute: a long code sends 1 message a second */
#define CAMPAIGN_PACE_SERVICE 600  /* a Messaging Service spreads over its pool of numbers */

const char *campaign_excl_words(enum campaign_excl e)
{
	switch (e) {
	case CAMPAIGN_NO_MOBILE:
		return "no mobile number";
	case CAMPAIGN_INVALID_NUMBER:
		return "invalid number";
	case CAMPAIGN_LANDLINE:
		return "landline (Twilio: not a mobile number)";
	case CAMPAIGN_OPTED_OUT:
		return "opted out";
	case CAMPAIGN_NO_MARKETING_CONSENT:
		return "no marketing consent";
	case CAMPAIGN_NO_CONSENT_EXEMPTION:
		return "no consent on file, and the text is not within the healthcare exemption";
	default:
		return "will be texted";
	}
}

void campaign_preview_clear(struct campaign_preview *p)
{
	if (p == NULL)
		return;
	free(p->sample);
	free(p->filter_words);
	memset(p, 0, sizeof(*p));
}

int campaign_pace(const struct tenant *t)
{
	if (t->send_per_minute > 0)
		return t->send_per_minute;
	return t->messaging_service_sid && *t->messaging_service_sid ? CAMPAIGN_PACE_SERVICE : CAMPAIGN_PACE_LONG_CODE;
}

int campaign_pace_of(const struct tenant *t, int per_minute)
{
	int pace = campaign_pace(t);
	return per_minute > 0 && per_minute < pace ? per_minute : pace;
}

int campaign_check_body(const char *body, char **err)
{
	if (body == NULL || *body == '\0')
		return seterr(err, "the campaign needs a text (--body)");
	struct segment_info si;
	segments_count(body, strlen(body), &si);
	if (si.invalid_utf8)
		return seterr(err, "the text is not valid UTF-8 (a byte that is no character)");
	if (si.chars > CAMPAIGN_BODY_MAX)
		return seterr(err, "the text is %zu characters long; at most %d", si.chars, CAMPAIGN_BODY_MAX);
	if (template_validate_reply(body, err) != 0)
		return -1;
	if (strcasestr(body, "STOP") == NULL)
		return seterr(err, "the text must say how to opt out, e.g. \"Reply STOP to opt out\"");
	return 0;
}

/* Unix time of local midnight in tz, `days` days from the day of t (negative: before). */
static int64_t local_midnight(int64_t t, const char *tz, int days)
{
	struct tm lt;
	if (tz_local(tz, t, &lt) != 0)
		return t - t % 86400 + (int64_t)days * 86400;
	lt.tm_mday += days;
	lt.tm_hour = lt.tm_min = lt.tm_sec = 0;
	return tz_mktime(tz, &lt);
}

/* The same local time `months` months before t. */
static int64_t months_before(int64_t t, const char *tz, int months)
{
	struct tm lt;
	if (tz_local(tz, t, &lt) != 0)
		return t - (int64_t)months * 2629746; /* an average month */
	lt.tm_mon -= months;
	return tz_mktime(tz, &lt);
}

/* Fills the store's query and the filter in words from f. */
static int resolve_filter(const struct campaign_filter *f, const struct tenant *t, int64_t now,
			  struct campaign_query *q, char **words, char **err)
{
	char buf[512], day[40];
	size_t o = 0;
	memset(q, 0, sizeof(*q));
	q->tenant_id = f->tenant_id;
	q->now = now;
	q->provider = f->provider;
	q->no_upcoming = f->no_upcoming;
	o += (size_t)snprintf(buf, sizeof(buf), "%s", f->kind);
	if (f->overdue_months < 0 || f->overdue_months > 240 || f->followup_days < 0 || f->followup_days > 3650)
		return seterr(err, "--overdue-months must be 1 to 240 and --followup-days 1 to 3650");
	q->last_visit_before = f->last_visit_before;
	if (f->overdue_months > 0) {
		int64_t cut = months_before(now, t->timezone, f->overdue_months);
		if (q->last_visit_before == 0 || cut < q->last_visit_before)
			q->last_visit_before = cut;
		q->no_upcoming = true;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; no visit in %d months", f->overdue_months);
	}
	if (f->last_visit_before > 0) {
		template_format_date(f->last_visit_before, t->timezone, day, sizeof(day));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; last visit before %s", day);
	}
	if (f->followup_days > 0) {
		q->visit_from = local_midnight(now, t->timezone, -f->followup_days);
		q->visit_to = local_midnight(now, t->timezone, -f->followup_days + 1);
		template_format_date(q->visit_from, t->timezone, day, sizeof(day));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "; visit %d days ago (%s)", f->followup_days, day);
	}
	if (f->provider != NULL && o < sizeof(buf))
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " with %.60s", f->provider);
	if (q->no_upcoming && o < sizeof(buf))
		snprintf(buf + o, sizeof(buf) - o, "; nothing booked");
	if (f->provider != NULL && f->followup_days == 0)
		return seterr(err, "--provider goes with --followup-days (the visit's provider)");
	*words = xstrdup(buf);
	return 0;
}

/* The text for one recipient (malloc'd). */
static char *render_for(const struct tenant *t, const char *body, const char *first_name)
{
	return template_render_reply(body, t->name, t->phone, first_name);
}

/* Whether a care text to a patient without consent stays within the FCC healthcare
 * exemption: it gives the clinic's number and fits one segment (its daily and weekly limits
 * are checked when each text is released). */
static bool within_exemption(const struct tenant *t, const char *body, const char *first_name)
{
	if (t->phone == NULL || *t->phone == '\0' || strstr(body, "{clinicPhone}") == NULL)
		return false;
	char *text = render_for(t, body, first_name);
	struct segment_info si;
	segments_count(text, strlen(text), &si);
	free(text);
	return si.segments <= 1;
}

/* Why this candidate will not be texted, or CAMPAIGN_OK. */
static enum campaign_excl classify(const struct campaign_candidate *c, bool marketing, const struct tenant *t,
				   const char *body)
{
	if (c->mobile == NULL || *c->mobile == '\0')
		return CAMPAIGN_NO_MOBILE;
	if (!phone_is_e164(c->mobile))
		return CAMPAIGN_INVALID_NUMBER;
	if (c->landline)
		return CAMPAIGN_LANDLINE;
	if (!c->opted_in || c->number_blocked)
		return CAMPAIGN_OPTED_OUT;
	if (marketing && !c->marketing_consent)
		return CAMPAIGN_NO_MARKETING_CONSENT;
	if (!marketing && !c->consent && !within_exemption(t, body, c->first_name))
		return CAMPAIGN_NO_CONSENT_EXEMPTION;
	return CAMPAIGN_OK;
}

/* Reads the tenant and the candidates, and checks the text: shared by preview and create. */
static int gather(struct store *s, const struct campaign_filter *f, const char *body, int64_t now,
		  struct tenant *t, struct campaign_candidate **list, size_t *n, char **words, char **err)
{
	if (f->kind == NULL || (strcmp(f->kind, "care") != 0 && strcmp(f->kind, "marketing") != 0))
		return seterr(err, "--kind must be care or marketing");
	if (campaign_check_body(body, err) != 0)
		return -1;
	int rc = store_tenant_get(s, f->tenant_id, t, err);
	if (rc != 0)
		return rc == SD_NOTFOUND ? seterr(err, "no location %lld", (long long)f->tenant_id) : -1;
	struct campaign_query q;
	if (resolve_filter(f, t, now, &q, words, err) != 0)
		return -1;
	if (store_campaign_candidates(s, &q, list, n, err) != 0) {
		xfree(words);
		return -1;
	}
	return 0;
}

/* Counts the candidates into out; when ids is not NULL also keeps each one's reason. */
static void tally(const struct tenant *t, const struct campaign_filter *f, const char *body,
		  const struct campaign_candidate *list, size_t n, struct campaign_preview *out, enum campaign_excl *why)
{
	bool marketing = strcmp(f->kind, "marketing") == 0;
	out->matched = n;
	for (size_t i = 0; i < n; i++) {
		enum campaign_excl e = classify(&list[i], marketing, t, body);
		if (why != NULL)
			why[i] = e;
		if (e != CAMPAIGN_OK) {
			out->excluded[e]++;
			continue;
		}
		if (out->will_send++ == 0)
			out->sample = render_for(t, body, list[i].first_name);
	}
	struct segment_info si;
	const char *text = out->sample ? out->sample : body;
	segments_count(text, strlen(text), &si);
	out->segments = si.segments;
	out->encoding = segments_encoding_name(si.encoding);
	out->cost_micros = (int64_t)out->will_send * si.segments * t->segment_price_micros;
	out->per_minute = campaign_pace_of(t, f->per_minute);
	out->seconds = (int64_t)out->will_send * 60 / (out->per_minute > 0 ? out->per_minute : 1);
}

int campaign_preview(struct store *s, const struct campaign_filter *f, const char *body, int64_t now,
		     struct campaign_preview *out, char **err)
{
	struct tenant t = {0};
	struct campaign_candidate *list = NULL;
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	int rc = gather(s, f, body, now, &t, &list, &n, &out->filter_words, err);
	if (rc == 0)
		tally(&t, f, body, list, n, out, NULL);
	campaign_candidate_list_free(&list, n);
	tenant_free(&t);
	return rc;
}

/* Writes the campaign, its recipients and the audit entry in one transaction. */
static int write_campaign(struct store *s, const struct campaign *c, const struct campaign_candidate *list,
			  const enum campaign_excl *why, size_t n, const struct campaign_preview *pv, int64_t user_id,
			  int64_t *id_out, char **err)
{
	int64_t id = 0;
	if (store_begin(s, err) != 0)
		return -1;
	if (store_campaign_add(s, c, &id, err) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		bool ok = why[i] == CAMPAIGN_OK;
		if (store_campaign_add_recipient(s, id, c->tenant_id, list[i].patient_id, list[i].mobile,
						 ok ? "pending" : "excluded", ok ? NULL : campaign_excl_words(why[i]),
						 err) != 0)
			goto fail;
	}
	char target[32], detail[300];
	snprintf(target, sizeof(target), "campaign %lld", (long long)id);
	snprintf(detail, sizeof(detail), "kind=%s matched=%zu will_send=%zu excluded=%zu per_minute=%d filter=\"%.200s\"",
		 c->kind, pv->matched, pv->will_send, pv->matched - pv->will_send, pv->per_minute, c->filter);
	if (store_audit_append(s, user_id, c->created_by, c->tenant_id, "campaign.create", 0, target, detail, err) != 0)
		goto fail;
	if (store_commit(s, err) != 0)
		return -1;
	*id_out = id;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int campaign_create(struct store *s, const struct campaign_filter *f, const char *name, const char *body,
		    int64_t user_id, const char *actor, int64_t now, int64_t *id_out, struct campaign_preview *pv,
		    char **err)
{
	struct tenant t = {0};
	struct campaign_candidate *list = NULL;
	struct campaign_preview local;
	struct campaign_preview *p = pv ? pv : &local;
	size_t n = 0;
	memset(p, 0, sizeof(*p));
	int rc = campaign_check_name(name, err);
	if (rc == 0)
		rc = gather(s, f, body, now, &t, &list, &n, &p->filter_words, err);
	if (rc != 0)
		goto out;
	enum campaign_excl *why = xcalloc(n ? n : 1, sizeof(*why));
	tally(&t, f, body, list, n, p, why);
	struct campaign c = {.tenant_id = f->tenant_id,
			     .name = (char *)name,
			     .kind = (char *)f->kind,
			     .body = (char *)body,
			     .filter = p->filter_words,
			     .per_minute = f->per_minute,
			     .created_by = (char *)(actor ? actor : "system"),
			     .created_at = now};
	rc = write_campaign(s, &c, list, why, n, p, user_id, id_out, err);
	free(why);
out:
	campaign_candidate_list_free(&list, n);
	tenant_free(&t);
	if (p == &local)
		campaign_preview_clear(&local);
	return rc;
}

/* Moves a campaign to status with an audit entry, in one transaction; from lists the statuses
 * it may come from ("draft,stopped"). */
static int move(struct store *s, int64_t id, const char *from, const char *to, int64_t user_id, const char *actor,
		const char *action, const char *detail, char **err)
{
	struct campaign c;
	int rc = store_campaign_get(s, id, &c, err);
	if (rc != 0)
		return rc == SD_NOTFOUND ? seterr(err, "no campaign %lld", (long long)id) : -1;
	char target[32];
	snprintf(target, sizeof(target), "campaign %lld", (long long)id);
	if (strstr(from, c.status) == NULL) {
		rc = seterr(err, "campaign %lld is %s; it cannot be %s", (long long)id, c.status,
			    strcmp(to, "sending") == 0 ? "started" : "stopped");
		goto out;
	}
	rc = -1;
	if (store_begin(s, err) != 0)
		goto out;
	if (store_campaign_set_status(s, id, to, clock_now(), err) != 0 ||
	    store_audit_append(s, user_id, actor ? actor : "system", c.tenant_id, action, 0, target, detail, err) != 0) {
		store_rollback(s);
		goto out;
	}
	rc = store_commit(s, err);
out:
	campaign_free(&c);
	return rc;
}

int campaign_start(struct store *s, int64_t id, int64_t user_id, const char *actor, char **err)
{
	return move(s, id, "draft,stopped,sending", "sending", user_id, actor, "campaign.start", NULL, err);
}

int campaign_stop(struct store *s, int64_t id, int64_t user_id, const char *actor, int64_t *unqueued, char **err)
{
	*unqueued = 0;
	if (move(s, id, "sending,draft", "stopped", user_id, actor, "campaign.stop", NULL, err) != 0)
		return -1;
	return store_campaign_unqueue(s, id, clock_now(), unqueued, err);
}
