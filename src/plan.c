/* The send plan: the scheduler's rules (src/reminders.c) applied to the coming hours without
 * writing anything: which reminders go when, and why an appointment gets none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/plan.h"
#include "src/quiet.h"
#include "src/reminders.h"
#include "src/reminders_internal.h"
#include "src/util.h"

void plan_list_free(struct plan_item **list, size_t n)
{
	if (list == NULL || *list == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*list)[i].patient_name);
		free((*list)[i].reason);
	}
	free(*list);
	*list = NULL;
}

struct plan_buf {
	struct plan_item *v;
	size_t n, cap;
};

/* Appends one item (reason malloc'd or NULL, taken). */
static void add(struct plan_buf *b, const struct reminder_candidate *c, int slot, int64_t send_at, char *reason)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	b->v[b->n++] = (struct plan_item){
		.appointment_id = c->appointment_id,
		.patient_id = c->patient_id,
		.patient_name = xasprintf("%s %s", c->first_name, c->last_name),
		.starts_at = c->starts_at,
		.slot_minutes = slot,
		.send_at = send_at,
		.reason = reason,
	};
}

/* Why this candidate gets no message at all (malloc'd), or NULL. A patient without a mobile
 * whose EHR record has a landline is told apart from one with no number. */
static char *blocked(struct store *s, const struct reminder_candidate *c, const struct tenant_ctx *tc)
{
	const char *why = rem_blocking_reason(c);
	if (why != NULL && strcmp(why, "no mobile number") == 0) {
		char *land = NULL;
		store_ehr_landline(s, c->patient_id, &land, NULL);
		bool has_land = land != NULL;
		free(land);
		if (has_land)
			return xstrdup("landline only (no mobile number)");
	}
	if (why == NULL && tc->nslots == 0)
		why = "automatic reminders off";
	return why ? xstrdup(why) : NULL;
}

/* The slot of c that goes next by `until` with no row yet: of the slots already due, the
 * nearest to the appointment (the scheduler supersedes the older ones), else the first later
 * one. Slots are largest first, so their due times ascend. */
static bool due_slot(const struct tenant_ctx *tc, const struct appt_reminder *rows, size_t nr,
		     const struct reminder_candidate *c, int64_t now, int64_t until, int *slot, int64_t *due)
{
	bool found = false;
	for (size_t k = 0; k < tc->nslots; k++) {
		int64_t d = c->starts_at - (int64_t)tc->slots[k] * 60;
		if (d > now && found)
			break;
		if (d > until)
			break;
		if (rem_row_for(rows, nr, tc->slots[k]) != NULL)
			continue;
		*slot = tc->slots[k];
		*due = d < now ? now : d;
		found = true;
		if (d > now)
			break;
	}
	return found;
}

/* Plans one candidate. */
static int plan_one(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c, int64_t now,
		    int64_t until, struct plan_buf *b, char **err)
{
	struct appt_reminder *rows = NULL;
	size_t nr = 0;
	int slot = 0;
	int64_t due = 0;
	if (store_reminder_rows(s, c->appointment_id, &rows, &nr, err) != 0)
		return -1;
	bool in_window = c->starts_at <= until;
	char *why = blocked(s, c, tc);
	if (!due_slot(tc, rows, nr, c, now, until, &slot, &due)) {
		if (in_window)
			add(b, c, 0, 0, why ? why : xstrdup(nr > 0 ? "already reminded" : "no reminder slot falls in the window"));
		else
			free(why);
		appt_reminder_list_free(&rows, nr);
		return 0;
	}
	appt_reminder_list_free(&rows, nr);
	if (why != NULL) {
		add(b, c, 0, 0, why);
		return 0;
	}
	const char *zone = rem_zone_for(c, tc->t);
	int64_t at = quiet_next_allowed(due, zone, tc->t->quiet_start, tc->t->quiet_end);
	if (at >= c->starts_at) {
		add(b, c, 0, 0, xstrdup("texting hours: no allowed time before the appointment"));
		return 0;
	}
	/* The scheduler holds back a reminder its template cannot give this patient (no
	 * {clinicPhone} without consent): the plan says so rather than promising a send. */
	char *tpl = rem_template_problem(tc->t, c);
	if (tpl != NULL) {
		add(b, c, 0, 0, tpl);
		return 0;
	}
	char *body = NULL, *limit = NULL;
	int rc = rem_render_body(tc->t, c, &body, err);
	if (rc == 0)
		rc = rem_exemption_check(s, c, body, now, &limit, err);
	free(body);
	if (rc != 0)
		return -1;
	if (limit != NULL)
		add(b, c, 0, 0, xasprintf("no consent on file: %s", limit));
	else
		add(b, c, slot, at, at > due ? rem_wait_reason(zone, at) : NULL);
	free(limit);
	return 0;
}

/* Orders by send time (none last), then start. */
static int by_time(const void *a, const void *b)
{
	const struct plan_item *x = a, *y = b;
	int64_t tx = x->send_at ? x->send_at : INT64_MAX, ty = y->send_at ? y->send_at : INT64_MAX;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x->starts_at < y->starts_at ? -1 : x->starts_at > y->starts_at;
}

int plan_build(struct store *s, int64_t tenant_id, int64_t now, int64_t horizon, struct plan_item **out,
	       size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	struct tenant t;
	if (store_tenant_get(s, tenant_id, &t, err) != 0)
		return -1;
	struct tenant_ctx tc = {.t = &t};
	struct reminder_candidate *cands = NULL;
	struct plan_buf b = {0};
	size_t nc = 0;
	int rc = reminders_parse_slots(t.reminder_slots, tc.slots, &tc.nslots, err);
	int64_t reach = tc.nslots > 0 ? (int64_t)tc.slots[0] * 60 : 0; /* the longest slot */
	if (rc == 0)
		rc = store_reminder_candidates(s, tenant_id, now, now + horizon + reach, &cands, &nc, err);
	for (size_t i = 0; rc == 0 && i < nc; i++)
		rc = plan_one(s, &tc, &cands[i], now, now + horizon, &b, err);
	reminder_candidate_list_free(&cands, nc);
	tenant_free(&t);
	for (size_t i = 0; rc == 0 && i < b.n; i++) {
		char *ehr_id = NULL;
		rc = store_ehr_appt_ehr_id(s, b.v[i].appointment_id, &ehr_id, err);
		b.v[i].from_ehr = ehr_id != NULL;
		free(ehr_id);
	}
	if (rc != 0) {
		plan_list_free(&b.v, b.n);
		return -1;
	}
	if (b.n > 1)
		qsort(b.v, b.n, sizeof(*b.v), by_time);
	*out = b.v;
	*n = b.n;
	return 0;
}
