/* Campaigns, second part: the paced release of each recipient's text into the one send path.
 * The outbox then sends it like any other message (claim, POST, record; a claim left by a
 * crash is settled by listing Twilio), so a campaign has no sender of its own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/campaign.h"
#include "src/outbox.h"
#include "src/quiet.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"

#define RELEASE_SCAN_MAX 2000 /* recipients looked at per campaign per call (deferrals included) */
#define DAY 86400

struct pacer_slot {
	int64_t tenant_id;
	double tokens;
	int64_t last_ms;
};

struct campaign_pacer {
	struct pacer_slot *slots;
	size_t n, cap;
};

struct campaign_pacer *campaign_pacer_new(void)
{
	return xcalloc(1, sizeof(struct campaign_pacer));
}

void campaign_pacer_free(struct campaign_pacer **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	free((*pp)->slots);
	free(*pp);
	*pp = NULL;
}

/* A bucket (a tenant's, or a campaign's own under -id), refilled up to one second's worth (at
 * least one text). */
static struct pacer_slot *pacer_refill(struct campaign_pacer *p, int64_t tenant_id, int per_minute, int64_t now_ms)
{
	struct pacer_slot *sl = NULL;
	for (size_t i = 0; i < p->n && sl == NULL; i++)
		if (p->slots[i].tenant_id == tenant_id)
			sl = &p->slots[i];
	if (sl == NULL) {
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 4;
			p->slots = xrealloc(p->slots, p->cap * sizeof(*p->slots));
		}
		sl = &p->slots[p->n++];
		*sl = (struct pacer_slot){.tenant_id = tenant_id, .tokens = 1.0, .last_ms = now_ms};
	}
	double cap = fmax(1.0, per_minute / 60.0);
	if (now_ms > sl->last_ms)
		sl->tokens = fmin(cap, sl->tokens + (double)(now_ms - sl->last_ms) * per_minute / 60000.0);
	sl->last_ms = now_ms;
	return sl;
}

/* Whether the patient has care consent on file for number. */
static int has_consent(struct store *s, int64_t patient_id, const char *number, bool marketing, bool *yes, char **err)
{
	struct sms_prefs pr;
	*yes = false;
	int rc = store_prefs_get(s, patient_id, &pr, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && marketing)
		*yes = pr.marketing && pr.marketing_consent_at > 0;
	else if (rc == 0)
		*yes = pr.consent_at > 0 && (pr.consent_phone == NULL || strcmp(pr.consent_phone, number) == 0);
	sms_prefs_free(&pr);
	return 0;
}

/* What release_one decided before any write. */
struct verdict {
	char *skip;        /* malloc'd reason: the recipient cannot be texted any more */
	int64_t wait_until; /* > 0: put off until then */
	char *wait_why;
};

/* Checks one recipient at release time: the number, consent, texting hours, the exemption's
 * limits. Fills v; -1 only on a store error. */
static int judge(struct store *s, const struct tenant *t, const struct campaign *c, const struct campaign_recipient *r,
		 const struct patient *p, int64_t now, struct verdict *v, char **err)
{
	bool marketing = strcmp(c->kind, "marketing") == 0, consent = false;
	if (p->mobile == NULL || r->phone == NULL || strcmp(p->mobile, r->phone) != 0) {
		v->skip = xstrdup("the number changed after the list was made");
		return 0;
	}
	if (has_consent(s, p->id, p->mobile, marketing, &consent, err) != 0)
		return -1;
	if (marketing && !consent) {
		v->skip = xstrdup("marketing consent withdrawn");
		return 0;
	}
	const char *zone = p->timezone && *p->timezone ? p->timezone : t->timezone;
	if (!quiet_allowed(now, zone, t->quiet_start, t->quiet_end)) {
		v->wait_until = quiet_next_allowed(now, zone, t->quiet_start, t->quiet_end);
		v->wait_why = xasprintf("outside texting hours in %s", zone);
		return 0;
	}
	if (marketing || consent)
		return 0;
	/* Healthcare exemption without consent: 1 automated text a day, 3 a week. */
	int day = 0, week = 0;
	if (store_msg_count_recent_to(s, t->id, p->mobile, "reminder,campaign", now - DAY, &day, err) != 0 ||
	    store_msg_count_recent_to(s, t->id, p->mobile, "reminder,campaign", now - 7 * DAY, &week, err) != 0)
		return -1;
	if (day >= 1 || week >= 3) {
		v->wait_until = now + DAY;
		v->wait_why = xstrdup(day >= 1 ? "exemption: 1 text a day without consent on file"
					       : "exemption: 3 texts a week without consent on file");
	}
	return 0;
}

/* Claims the recipient, queues its text and links it, in one transaction; a text the outbox
 * refuses (opted out since) marks the recipient skipped instead. 1 queued, 0 skipped. */
static int queue_one(struct store *s, const struct tenant *t, const struct campaign *c,
		     const struct campaign_recipient *r, const struct patient *p, int64_t now, char **err)
{
	struct campaign cur;
	char *text = template_render_reply(c->body, t->name, t->phone, p->first_name);
	char *why = NULL;
	int64_t msg = 0;
	int rc = -1;
	if (store_begin(s, err) != 0)
		goto out;
	/* Stopped since the list of sending campaigns was read: release nothing. */
	if (store_campaign_get(s, c->id, &cur, err) != 0)
		goto fail;
	bool sending = strcmp(cur.status, "sending") == 0;
	campaign_free(&cur);
	if (!sending) {
		store_rollback(s);
		rc = 0;
		goto out;
	}
	if (store_campaign_recipient_claim(s, r->id, now, err) != 0)
		goto fail;
	struct outbox_request req = {.tenant_id = t->id,
				     .patient_id = p->id,
				     .to = r->phone,
				     .body = text,
				     .message_type = "campaign",
				     .actor = "campaign"};
	int q = outbox_queue(s, &req, &msg, &why);
	if (q == OUTBOX_REFUSED) {
		if (store_campaign_recipient_skip(s, r->id, why, err) != 0)
			goto fail;
	} else if (q != 0 || store_campaign_recipient_link(s, r->id, msg, err) != 0) {
		if (q != 0 && err != NULL && why != NULL) {
			free(*err);
			*err = why;
			why = NULL;
		}
		goto fail;
	}
	if (store_commit(s, err) != 0)
		goto out;
	rc = q == 0 ? 1 : 0;
	goto out;
fail:
	store_rollback(s);
out:
	free(why);
	free(text);
	return rc;
}

/* Decides about one due recipient and acts: queued (1), skipped or put off (0), -1 error. */
static int release_one(struct store *s, const struct tenant *t, const struct campaign *c,
		       const struct campaign_recipient *r, int64_t now, struct campaign_tick *out, char **err)
{
	struct patient p = {0};
	struct verdict v = {0};
	int rc = store_patient_get(s, r->patient_id, &p, err);
	if (rc < 0)
		return -1;
	if (rc == SD_NOTFOUND)
		v.skip = xstrdup("the patient was deleted");
	else if (judge(s, t, c, r, &p, now, &v, err) != 0)
		rc = -1;
	if (rc >= 0 && v.skip != NULL) {
		rc = store_campaign_recipient_skip(s, r->id, v.skip, err);
		out->skipped += rc == 0;
	} else if (rc >= 0 && v.wait_until > 0) {
		rc = store_campaign_recipient_defer(s, r->id, v.wait_until, v.wait_why, err);
		out->deferred += rc == 0;
	} else if (rc >= 0) {
		rc = queue_one(s, t, c, r, &p, now, err);
		if (rc == 1)
			out->released++;
		else if (rc == 0)
			out->skipped++;
	}
	free(v.skip);
	free(v.wait_why);
	patient_free(&p);
	return rc;
}

/* Marks a campaign with nothing pending as done, audited. */
static int finish(struct store *s, const struct campaign *c, int64_t now, char **err)
{
	char target[32];
	snprintf(target, sizeof(target), "campaign %lld", (long long)c->id);
	if (store_begin(s, err) != 0)
		return -1;
	if (store_campaign_set_status(s, c->id, "done", now, err) != 0 ||
	    store_audit_append(s, 0, "campaign", c->tenant_id, "campaign.done", 0, target, NULL, err) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* When (clock_mono_ms) the slot has a whole token again. */
static int64_t slot_next(const struct pacer_slot *sl, int pace, int64_t now_ms)
{
	return sl->tokens >= 1.0 ? now_ms + 250 : now_ms + (int64_t)ceil((1.0 - sl->tokens) * 60000.0 / pace);
}

/* Releases what one campaign's pace and window allow: the location's bucket (the sender's
 * rate, shared by its campaigns) and, for a campaign with a slower pace of its own, its own
 * bucket (keyed by -id) must both hold a token. */
static int release_campaign(struct store *s, struct campaign_pacer *p, const struct campaign *c, int64_t now,
			    int64_t now_ms, struct campaign_tick *out, char **err)
{
	struct tenant t;
	int64_t outstanding = 0;
	if (store_tenant_get(s, c->tenant_id, &t, err) != 0)
		return -1;
	int pace = campaign_pace(&t), own_pace = campaign_pace_of(&t, c->per_minute);
	struct pacer_slot *sl = pacer_refill(p, t.id, pace, now_ms);
	struct pacer_slot *own = own_pace < pace ? pacer_refill(p, -c->id, own_pace, now_ms) : NULL;
	/* Never more than two seconds' worth waiting in the outbox: staff replies queued behind
	 * a campaign wait that long at most, and a Twilio outage does not pile up the list. */
	int64_t window = (int64_t)fmax(2.0, ceil(own_pace / 30.0));
	int rc = store_campaign_outstanding(s, c->id, &outstanding, err);
	for (int scanned = 0; rc == 0 && sl->tokens >= 1.0 && (own == NULL || own->tokens >= 1.0) &&
			      outstanding < window && scanned < RELEASE_SCAN_MAX;
	     scanned++) {
		struct campaign_recipient r;
		int got = store_campaign_next_pending(s, c->id, now, &r, err);
		if (got != 0) {
			int64_t left = 0;
			rc = got < 0 ? -1 : store_campaign_count_pending(s, c->id, &left, err);
			if (rc == 0 && left == 0 && (rc = finish(s, c, now, err)) == 0)
				out->finished++;
			break;
		}
		int done = release_one(s, &t, c, &r, now, out, err);
		campaign_recipient_free(&r);
		if (done < 0)
			rc = -1;
		else if (done == 1) {
			sl->tokens -= 1.0;
			if (own != NULL)
				own->tokens -= 1.0;
			outstanding++;
		}
	}
	int64_t next = slot_next(sl, pace, now_ms);
	if (own != NULL && slot_next(own, own_pace, now_ms) > next)
		next = slot_next(own, own_pace, now_ms);
	if (out->next_ms == 0 || next < out->next_ms)
		out->next_ms = next;
	tenant_free(&t);
	return rc;
}

int campaign_release(struct store *s, struct campaign_pacer *p, int64_t now, int64_t now_ms,
		     struct campaign_tick *out, char **err)
{
	struct campaign *list = NULL;
	size_t n = 0;
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (store_campaign_list(s, 0, "sending", &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = release_campaign(s, p, &list[i], now, now_ms, out, err);
	out->active = n > (size_t)out->finished;
	if (!out->active)
		out->next_ms = 0;
	campaign_list_free(&list, n);
	return rc;
}
