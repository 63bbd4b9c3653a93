/* Staff decisions on a thread (link to a patient, opt the number out, mark handled), each with
 * its audit entry in the same transaction so the log never says more or less than was done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/ehr.h"
#include "src/thread_action.h"
#include "src/util.h"

/* Reads the thread, refusing one of another location (a stale id or a hostile caller). */
static int thread_of(struct store *s, const struct thread_actor *who, int64_t thread_id, struct sms_thread *t,
		     char **err)
{
	int rc = store_thread_get(s, thread_id, t, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "that conversation no longer exists");
	if (rc != 0)
		return -1;
	if (t->tenant_id != who->tenant_id) {
		sms_thread_free(t);
		return seterr(err, "that conversation belongs to another location");
	}
	return 0;
}

/* Appends the audit entry for who (inside the caller's transaction). */
static int audit(struct store *s, const struct thread_actor *who, const char *action, int64_t patient_id,
		 int64_t thread_id, const char *detail, char **err)
{
	char target[40];
	snprintf(target, sizeof target, "thread %lld", (long long)thread_id);
	return store_audit_append(s, who->user_id, who->username ? who->username : "?", who->tenant_id,
				  action, patient_id, target, detail, err);
}

/* Checks the patient may be linked to t: exists, same location. */
static int check_patient(struct store *s, const struct sms_thread *t, int64_t patient_id, struct patient *p,
			 char **err)
{
	if (patient_id <= 0)
		return seterr(err, "no patient chosen");
	int rc = store_patient_get(s, patient_id, p, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "that patient no longer exists");
	if (rc != 0)
		return -1;
	if (p->tenant_id != t->tenant_id) {
		patient_free(p);
		return seterr(err, "that patient belongs to another location");
	}
	return 0;
}

int thread_action_link(struct store *s, const struct thread_actor *who, int64_t thread_id, int64_t patient_id,
		       char **err)
{
	struct sms_thread t = {0};
	struct patient p = {0};
	char *detail = NULL;
	int rc = -1;

	if (store_begin(s, err) != 0)
		return -1;
	if (thread_of(s, who, thread_id, &t, err) != 0)
		goto fail;
	if (check_patient(s, &t, patient_id, &p, err) != 0)
		goto fail;
	if (t.patient_count > 1)
		detail = xasprintf("shared phone (%d patients); was patient %lld", t.patient_count,
				   (long long)t.patient_id);
	else if (p.mobile == NULL || strcmp(p.mobile, t.phone) != 0)
		detail = xasprintf("unknown sender; was patient %lld", (long long)t.patient_id);
	else
		detail = xasprintf("was patient %lld", (long long)t.patient_id);
	if (store_thread_set_patient(s, thread_id, patient_id, err) != 0 ||
	    audit(s, who, "thread.link", patient_id, thread_id, detail, err) != 0)
		goto fail;
	rc = store_commit(s, err);
	goto out;
fail:
	store_rollback(s);
out:
	free(detail);
	patient_free(&p);
	sms_thread_free(&t);
	return rc;
}

int thread_action_optout(struct store *s, const struct thread_actor *who, int64_t thread_id, int *cancelled,
			 char **err)
{
	struct sms_thread t = {0};
	char *detail = NULL;
	int rc = -1, n = 0;

	*cancelled = 0;
	if (store_begin(s, err) != 0)
		return -1;
	if (thread_of(s, who, thread_id, &t, err) != 0)
		goto fail;
	if (store_optout_number(s, t.tenant_id, t.phone, clock_now(), "staff", "asked by text", err) != 0 ||
	    store_msg_cancel_queued_to(s, t.tenant_id, t.phone, 0, "recipient opted out", &n, err) != 0 ||
	    store_thread_set_action(s, thread_id, false, NULL, err) != 0 ||
	    ehr_writeback_optout(s, t.tenant_id, t.phone, clock_now(), err) != 0)
		goto fail;
	detail = xasprintf("asked by text (%s); %d queued message(s) cancelled; no confirmation sent",
			   t.action_reason ? t.action_reason : "not flagged", n);
	if (audit(s, who, "pref.optout.staff", t.patient_id, thread_id, detail, err) != 0)
		goto fail;
	rc = store_commit(s, err);
	if (rc == 0)
		*cancelled = n;
	goto out;
fail:
	store_rollback(s);
out:
	free(detail);
	sms_thread_free(&t);
	return rc;
}

int thread_action_done(struct store *s, const struct thread_actor *who, int64_t thread_id, char **err)
{
	struct sms_thread t = {0};
	int rc = -1;

	if (store_begin(s, err) != 0)
		return -1;
	if (thread_of(s, who, thread_id, &t, err) != 0)
		goto fail;
	if (!t.needs_action) {
		seterr(err, "this conversation is not flagged (someone may have handled it already)");
		goto fail;
	}
	if (store_thread_set_action(s, thread_id, false, NULL, err) != 0 ||
	    audit(s, who, "thread.action_done", t.patient_id, thread_id,
		  t.action_reason ? t.action_reason : "needs action", err) != 0)
		goto fail;
	rc = store_commit(s, err);
	goto out;
fail:
	store_rollback(s);
out:
	sms_thread_free(&t);
	return rc;
}
