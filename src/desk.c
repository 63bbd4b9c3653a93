/* Front-desk actions on a thread: each checks, changes the store and audits in one
 * transaction, so the log says who noted, assigned, archived or settled what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/desk.h"
#include "src/ehr.h"
#include "src/failures.h"
#include "src/phone.h"
#include "src/util.h"

/* Reads the thread (its tenant and patient for the audit entry). */
static int thread_load(struct store *s, int64_t thread_id, struct sms_thread *t, char **err)
{
	int rc = store_thread_get(s, thread_id, t, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no thread %lld", (long long)thread_id);
	return rc;
}

/* Runs change() on the thread and writes one audit entry, in one transaction. */
static int thread_action(struct store *s, const struct desk_actor *a, int64_t thread_id, const char *action,
			 const char *detail, int (*change)(struct store *, int64_t, const void *, char **),
			 const void *arg, char **err)
{
	struct sms_thread t = {0};
	int rc = thread_load(s, thread_id, &t, err);
	if (rc != 0)
		return rc;
	char target[32];
	snprintf(target, sizeof(target), "thread %lld", (long long)thread_id);
	if (store_begin(s, err) != 0)
		goto out;
	rc = change(s, thread_id, arg, err);
	if (rc == 0)
		rc = store_audit_append(s, a->user_id, a->username, t.tenant_id, action, t.patient_id, target, detail,
					err);
	if (rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
out:
	sms_thread_free(&t);
	return rc;
}

/* thread_action bodies. */
static int do_assign(struct store *s, int64_t id, const void *arg, char **err)
{
	return store_thread_assign(s, id, *(const int64_t *)arg, err);
}

static int do_archive(struct store *s, int64_t id, const void *arg, char **err)
{
	return store_thread_archive(s, id, *(const bool *)arg ? clock_now() : 0, err);
}

static int do_unread(struct store *s, int64_t id, const void *arg, char **err)
{
	(void)arg;
	return store_thread_mark_unread(s, id, err);
}

static int do_note(struct store *s, int64_t id, const void *arg, char **err)
{
	const struct thread_note *n = arg;
	struct thread_note copy = *n;
	copy.thread_id = id;
	int64_t note_id = 0;
	return store_note_add(s, &copy, &note_id, err);
}

int desk_note_add(struct store *s, const struct desk_actor *a, int64_t thread_id, const char *body, int64_t *id_out,
		  char **err)
{
	struct thread_note n = {
	    .user_id = a->user_id, .username = (char *)a->username, .body = (char *)body, .created_at = clock_now()};
	/* The audit entry says a note was written and how long it is, never what it says. */
	char detail[48];
	snprintf(detail, sizeof(detail), "%zu characters", body ? strlen(body) : 0);
	int rc = thread_action(s, a, thread_id, "thread.note", detail, do_note, &n, err);
	if (rc == 0 && id_out != NULL) {
		struct thread_note *list = NULL;
		size_t cnt = 0;
		if (store_note_list(s, thread_id, &list, &cnt, err) != 0)
			return -1;
		*id_out = cnt > 0 ? list[cnt - 1].id : 0;
		thread_note_list_free(&list, cnt);
	}
	return rc;
}

/* The user id `who` names: a username, "front desk", "me" or "nobody". */
static int assignee_id(struct store *s, const struct desk_actor *a, const char *who, int64_t *id, char **err)
{
	if (who == NULL || strcmp(who, "nobody") == 0 || who[0] == '\0') {
		*id = THREAD_NOBODY;
		return 0;
	}
	if (strcmp(who, "front desk") == 0 || strcmp(who, "desk") == 0) {
		*id = THREAD_FRONT_DESK;
		return 0;
	}
	if (strcmp(who, "me") == 0) {
		if (a->user_id <= 0)
			return seterr(err, "\"me\" needs a signed-in user; name the user instead");
		*id = a->user_id;
		return 0;
	}
	struct user u = {0};
	int rc = store_user_find(s, who, &u, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no user '%.40s'", who);
	*id = u.id;
	user_free(&u);
	return rc;
}

int desk_assign(struct store *s, const struct desk_actor *a, int64_t thread_id, const char *who, char **err)
{
	int64_t id = 0;
	int rc = assignee_id(s, a, who, &id, err);
	if (rc != 0)
		return rc;
	char detail[96];
	snprintf(detail, sizeof(detail), "to %s",
		 id == THREAD_NOBODY ? "nobody" : id == THREAD_FRONT_DESK ? "front desk" : who);
	if (strcmp(who ? who : "", "me") == 0)
		snprintf(detail, sizeof(detail), "to %s", a->username);
	return thread_action(s, a, thread_id, "thread.assign", detail, do_assign, &id, err);
}

int desk_archive(struct store *s, const struct desk_actor *a, int64_t thread_id, bool done, char **err)
{
	return thread_action(s, a, thread_id, done ? "thread.archive" : "thread.reopen", NULL, do_archive, &done, err);
}

int desk_mark_unread(struct store *s, const struct desk_actor *a, int64_t thread_id, char **err)
{
	return thread_action(s, a, thread_id, "thread.unread", NULL, do_unread, NULL, err);
}

/* Adds the upcoming appointments of one patient to the list. */
static int add_upcoming(struct store *s, int64_t tenant_id, int64_t patient_id, int64_t now, struct appointment **all,
			size_t *n, char **err)
{
	struct appointment *list = NULL;
	size_t cnt = 0;
	if (store_appt_list(s, tenant_id, patient_id, now, now + 366 * 86400LL, &list, &cnt, err) != 0)
		return -1;
	for (size_t i = 0; i < cnt; i++) {
		if (strcmp(list[i].status, "cancelled") == 0 || strcmp(list[i].status, "completed") == 0 ||
		    strcmp(list[i].status, "no_show") == 0) {
			appointment_free(&list[i]);
			continue;
		}
		*all = xrealloc(*all, (*n + 1) * sizeof(**all));
		(*all)[(*n)++] = list[i]; /* the strings move over */
	}
	free(list);
	return 0;
}

/* Orders appointments by start time. */
static int by_start(const void *x, const void *y)
{
	const struct appointment *a = x, *b = y;
	return (a->starts_at > b->starts_at) - (a->starts_at < b->starts_at);
}

int desk_next_appointments(struct store *s, int64_t thread_id, int64_t now, size_t max, struct appointment **out,
			   size_t *n, char **err)
{
	struct sms_thread t = {0};
	*out = NULL;
	*n = 0;
	int rc = thread_load(s, thread_id, &t, err);
	if (rc != 0)
		return rc;
	if (t.patient_id != 0) {
		rc = add_upcoming(s, t.tenant_id, t.patient_id, now, out, n, err);
	} else {
		struct patient *ps = NULL;
		size_t np = 0;
		rc = store_patient_by_mobile(s, t.tenant_id, t.phone, &ps, &np, err);
		for (size_t i = 0; rc == 0 && i < np; i++)
			rc = add_upcoming(s, t.tenant_id, ps[i].id, now, out, n, err);
		patient_list_free(&ps, np);
	}
	sms_thread_free(&t);
	if (rc != 0) {
		appointment_list_free(out, *n);
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_start);
	while (*n > max)
		appointment_free(&(*out)[--*n]);
	return 0;
}

static const struct {
	const char *status, *response, *action, *flag;
} RESOLVE[] = {
	[DESK_CONFIRM] = {"confirmed", "confirmed", "appt.confirm.staff", NULL},
	[DESK_RESCHEDULE] = {"reschedule_requested", "reschedule", "appt.reschedule.staff", "reschedule requested"},
	[DESK_CANCEL] = {"cancelled", "cancelled", "appt.cancel.staff", NULL},
};

/* Sets the appointment's status (and the reminder's answer when one was reminded) and audits. */
static int appt_apply(struct store *s, const struct desk_actor *a, int64_t appt_id, int64_t reminder_id,
		      enum desk_resolution r, const char *why, char **err)
{
	struct appointment ap = {0};
	int rc = store_appt_get(s, appt_id, &ap, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no appointment %lld", (long long)appt_id);
	if (rc != 0)
		return rc;
	char target[32];
	snprintf(target, sizeof(target), "appointment %lld", (long long)appt_id);
	rc = store_appt_set_status(s, appt_id, RESOLVE[r].status, err);
	if (rc == 0 && reminder_id != 0)
		rc = store_reminder_set_response(s, reminder_id, RESOLVE[r].response, clock_now(), err);
	/* what came from the EHR goes back to it, as a patient's own C / R / X does */
	if (rc == 0)
		rc = ehr_writeback_appt(s, ap.tenant_id, appt_id, RESOLVE[r].response, clock_now(), err);
	if (rc == 0)
		rc = store_audit_append(s, a->user_id, a->username, ap.tenant_id, RESOLVE[r].action, ap.patient_id,
					target, why, err);
	appointment_free(&ap);
	return rc;
}

int desk_appt_set(struct store *s, const struct desk_actor *a, int64_t appt_id, enum desk_resolution r, char **err)
{
	if (r == DESK_NOT_APPT || (unsigned)r > DESK_NOT_APPT)
		return seterr(err, "an appointment is confirmed, cancelled or marked for rescheduling");
	if (store_begin(s, err) != 0)
		return -1;
	int rc = appt_apply(s, a, appt_id, 0, r, "by hand", err);
	if (rc == 0)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}

/* The appointment a resolution acts on: the number's reminded one, else the next one. */
static int resolve_target(struct store *s, const struct sms_thread *t, int64_t *appt_id, int64_t *reminder_id,
			  char **err)
{
	int64_t now = clock_now();
	*appt_id = *reminder_id = 0;
	int rc = store_reminder_latest_for_phone(s, t->tenant_id, t->phone, now, appt_id, reminder_id, err);
	if (rc != SD_NOTFOUND)
		return rc;
	struct appointment *next = NULL;
	size_t n = 0;
	if (desk_next_appointments(s, t->id, now, 1, &next, &n, err) != 0)
		return -1;
	*appt_id = n > 0 ? next[0].id : 0;
	appointment_list_free(&next, n);
	if (*appt_id == 0) {
		seterr(err, "this patient has no upcoming appointment");
		return SD_NOTFOUND;
	}
	return 0;
}

int desk_resolve(struct store *s, const struct desk_actor *a, int64_t thread_id, enum desk_resolution r, char **err)
{
	struct sms_thread t = {0};
	int64_t appt_id = 0, reminder_id = 0;
	if ((unsigned)r > DESK_NOT_APPT)
		return seterr(err, "unknown resolution");
	int rc = thread_load(s, thread_id, &t, err);
	if (rc != 0)
		return rc;
	if (r != DESK_NOT_APPT && (rc = resolve_target(s, &t, &appt_id, &reminder_id, err)) != 0)
		goto out;
	char target[32];
	snprintf(target, sizeof(target), "thread %lld", (long long)thread_id);
	if ((rc = store_begin(s, err)) != 0)
		goto out;
	if (r != DESK_NOT_APPT)
		rc = appt_apply(s, a, appt_id, reminder_id, r, "from the needs-human lane", err);
	if (rc == 0 && r == DESK_RESCHEDULE)
		rc = store_thread_set_action(s, thread_id, true, RESOLVE[r].flag, err);
	if (rc == 0)
		rc = store_thread_set_triage(s, thread_id, 0, err);
	if (rc == 0 && r == DESK_NOT_APPT)
		rc = store_audit_append(s, a->user_id, a->username, t.tenant_id, "triage.not_appointment",
					t.patient_id, target, NULL, err);
	if (rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
out:
	sms_thread_free(&t);
	return rc;
}

/* Whether outcome is one of FAILURE_OUTCOMES. */
static bool outcome_known(const char *outcome)
{
	for (size_t i = 0; outcome != NULL && i < FAILURE_N_OUTCOMES; i++) {
		if (strcmp(outcome, FAILURE_OUTCOMES[i].name) == 0)
			return true;
	}
	return false;
}

/* wrong_number: the failed message's patient gets the new mobile (audited as a change). */
static int update_mobile(struct store *s, const struct desk_actor *a, int64_t tenant_id, int64_t message_id,
			 const char *e164, char **err)
{
	struct failed_delivery *list = NULL;
	size_t n = 0;
	int64_t patient_id = 0;
	if (store_worklist_list(s, tenant_id, 0, 0, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (list[i].message_id == message_id)
			patient_id = list[i].patient_id;
	}
	failed_delivery_list_free(&list, n);
	if (patient_id == 0)
		return seterr(err, "message %lld has no single patient whose number could be changed",
			      (long long)message_id);
	if (store_patient_set_mobile(s, patient_id, e164, err) != 0)
		return -1;
	char target[32];
	snprintf(target, sizeof(target), "patient %lld", (long long)patient_id);
	return store_audit_append(s, a->user_id, a->username, tenant_id, "patient.mobile", patient_id, target,
				  "wrong number on a failed delivery", err);
}

int desk_followup(struct store *s, const struct desk_actor *a, int64_t tenant_id, int64_t message_id,
		  const char *outcome, const char *new_mobile, char **err)
{
	char e164[PHONE_E164_MAX] = "";
	if (!outcome_known(outcome))
		return seterr(err, "unknown follow-up '%.40s' (called, wrong_number, voicemail, resent, dismissed)",
			      outcome ? outcome : "");
	bool wrong = strcmp(outcome, "wrong_number") == 0;
	if (wrong && (new_mobile == NULL || phone_to_e164(new_mobile, e164, err) != 0))
		return new_mobile == NULL ? seterr(err, "a wrong number needs the right mobile number") : -1;
	char target[32];
	snprintf(target, sizeof(target), "message %lld", (long long)message_id);
	if (store_begin(s, err) != 0)
		return -1;
	int rc = wrong ? update_mobile(s, a, tenant_id, message_id, e164, err) : 0;
	if (rc == 0)
		rc = store_followup_add(s, tenant_id, message_id, outcome, NULL, a->user_id, a->username, clock_now(),
					err);
	if (rc == SD_NOTFOUND)
		seterr(err, "message %lld is not a failed delivery of this location", (long long)message_id);
	if (rc == 0)
		rc = store_audit_append(s, a->user_id, a->username, tenant_id, "delivery.followup", 0, target, outcome,
					err);
	if (rc == 0)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}
