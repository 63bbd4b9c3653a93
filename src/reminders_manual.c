/* "Send reminder now" (one manual reminder per appointment per clinic day) and the upcoming
 * list for the reminders screen. The rules are in reminders.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/reminders_internal.h"
#include "src/outbox.h"
#include "src/quiet.h"
#include "src/tz.h"
#include "src/util.h"

/* ---- send now ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 in the zone: the manual slot's key (one manual reminder a day). */
static int64_t local_day(const char *tz, int64_t t)
{
	int64_t local = t + tz_offset(tz, t);
	return local >= 0 ? local / REM_DAY : -((-local + REM_DAY - 1) / REM_DAY);
}

/* Why "send now" must refuse before anything is written, or NULL. */
static char *send_now_refusal(const struct tenant *t, const struct reminder_candidate *c, int64_t now)
{
	if (c->starts_at <= now)
		return xstrdup("the appointment has already started; no reminder was sent");
	const char *block = rem_blocking_reason(c);
	if (block != NULL)
		return xasprintf("%s; no reminder was sent", block);
	if (!rem_tenant_can_send(t))
		return xstrdup("this location has no Twilio account or sending number yet");
	char *tpl = rem_template_problem(t, c);
	if (tpl != NULL) {
		char *msg = xasprintf("%s; no reminder was sent", tpl);
		free(tpl);
		return msg;
	}
	const char *zone = rem_zone_for(c, t);
	if (!quiet_allowed(now, zone, t->quiet_start, t->quiet_end)) {
		char *w = rem_wait_reason(zone, quiet_next_allowed(now, zone, t->quiet_start, t->quiet_end));
		char *msg = xasprintf("%s; no reminder was sent", w);
		free(w);
		return msg;
	}
	return NULL;
}

/* Inserts the manual row and queues the message, in the caller's transaction. */
static int send_now_tx(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c,
		       int64_t now, int64_t *msg_id, char **err)
{
	struct decision d = {.v = V_QUEUE};
	struct event_buf eb = {0};
	int slot = (int)-local_day(tc->t->timezone, now);
	int64_t id = 0;
	bool inserted = false;
	int rc = rem_render_body(tc->t, c, &d.body, err);
	if (rc != 0) {
		rc = OUTBOX_REFUSED;
		goto out;
	}
	rc = store_reminder_insert(s, c->tenant_id, c->appointment_id, slot, now, "pending", NULL, now, &id, &inserted,
				   err);
	if (rc == 0 && !inserted) {
		rc = OUTBOX_REFUSED;
		seterr(err, "a reminder for this appointment was already sent today (reminder %lld)", (long long)id);
		goto out;
	}
	if (rc == 0)
		rc = rem_exemption_check(s, c, d.body, now, &d.reason, err);
	if (rc == 0 && d.reason != NULL) {
		rc = OUTBOX_REFUSED;
		seterr(err, "%s; no reminder was sent", d.reason);
	}
	if (rc == 0)
		rc = rem_apply_queue(s, tc, c, id, slot, &d, &eb, msg_id, err);
out:
	rem_ev_flush(&eb, &(struct reminders_report){0}, false);
	rem_decision_free(&d);
	return rc;
}

/* "Send reminder now" for one appointment. */
int reminders_send_now(struct store *s, int64_t appointment_id, const char *actor, int64_t *message_id,
		       char **err)
{
	struct reminder_candidate c;
	struct tenant t;
	memset(&t, 0, sizeof(t));
	int64_t now = clock_now(), msg = 0;
	int rc = store_reminder_candidate_get(s, appointment_id, &c, err);
	if (rc == SD_NOTFOUND) {
		seterr(err, "no appointment with id %lld", (long long)appointment_id);
		return SD_NOTFOUND;
	}
	if (rc != 0)
		return -1;
	rc = store_tenant_get(s, c.tenant_id, &t, err);
	if (rc != 0)
		goto out;
	char *why = send_now_refusal(&t, &c, now);
	if (why != NULL) {
		xfree(err);
		*err = why;
		rc = OUTBOX_REFUSED;
		goto out;
	}
	struct tenant_ctx tc = {.t = &t, .actor = actor ? actor : "system"};
	if (store_begin(s, err) != 0) {
		rc = -1;
		goto out;
	}
	rc = send_now_tx(s, &tc, &c, now, &msg, err);
	if (rc == 0) {
		rc = store_commit(s, err);
	} else {
		store_rollback(s);
	}
	if (rc == 0 && message_id != NULL)
		*message_id = msg;
out:
	tenant_free(&t);
	reminder_candidate_free(&c);
	return rc;
}

/* ---- upcoming ------------------------------------------------------------------------------ */

/* Frees the upcoming list and nulls the pointer. */
void reminder_upcoming_list_free(struct reminder_upcoming **list, size_t n)
{
	if (list == NULL || *list == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*list)[i].patient_name);
		free((*list)[i].note);
	}
	free(*list);
	*list = NULL;
}

/* The first slot of an appointment still to be decided (no row yet): its slot and due time. */
static bool next_slot(const struct tenant_ctx *tc, const struct reminder_candidate *c,
		      const struct appt_reminder *rows, size_t n, int64_t now, int *slot, int64_t *due)
{
	size_t k = 0;
	while (k < tc->nslots && c->starts_at - (int64_t)tc->slots[k] * 60 <= now)
		k++;
	/* The due ones collapse into the nearest (older ones are superseded); then the rest. */
	size_t from = k > 0 ? k - 1 : 0;
	for (size_t i = from; i < tc->nslots; i++) {
		if (rem_row_for(rows, n, tc->slots[i]) == NULL) {
			*slot = tc->slots[i];
			*due = c->starts_at - (int64_t)tc->slots[i] * 60;
			return true;
		}
	}
	return false;
}

/* Upcoming reminders of a tenant within the horizon. */
int reminders_upcoming(struct store *s, int64_t tenant_id, int64_t now, int64_t horizon,
		       struct reminder_upcoming **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	struct tenant t;
	if (store_tenant_get(s, tenant_id, &t, err) != 0)
		return -1;
	struct tenant_ctx tc = {.t = &t};
	struct reminder_candidate *cands = NULL;
	size_t nc = 0, cap = 0;
	int rc = reminders_parse_slots(t.reminder_slots, tc.slots, &tc.nslots, err);
	if (rc == 0)
		rc = store_reminder_candidates(s, tenant_id, now, now + horizon, &cands, &nc, err);
	for (size_t i = 0; rc == 0 && i < nc; i++) {
		const struct reminder_candidate *c = &cands[i];
		struct appt_reminder *rows = NULL;
		size_t nr = 0;
		int slot = 0;
		int64_t due = 0;
		rc = store_reminder_rows(s, c->appointment_id, &rows, &nr, err);
		/* with reminders off every appointment is listed (no slot, no due time) so that
		 * staff can still pick it for "send reminder now" */
		if (rc == 0 && (tc.nslots == 0 || next_slot(&tc, c, rows, nr, now, &slot, &due))) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 32;
				*out = xrealloc(*out, cap * sizeof(**out));
			}
			const char *block = rem_blocking_reason(c);
			if (block == NULL && tc.nslots == 0)
				block = "automatic reminders off";
			(*out)[(*n)++] = (struct reminder_upcoming){
				.appointment_id = c->appointment_id,
				.patient_id = c->patient_id,
				.patient_name = xasprintf("%s %s", c->first_name, c->last_name),
				.starts_at = c->starts_at,
				.slot_minutes = slot,
				.due_at = due,
				.note = block ? xstrdup(block) : NULL,
			};
		}
		appt_reminder_list_free(&rows, nr);
	}
	reminder_candidate_list_free(&cands, nc);
	tenant_free(&t);
	if (rc != 0) {
		reminder_upcoming_list_free(out, *n);
		*n = 0;
		return -1;
	}
	return 0;
}
