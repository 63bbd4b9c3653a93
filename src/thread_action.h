/* What staff decide about a thread: whose number it is (a family phone or an unknown sender),
 * and what to do about a flagged message (opt the number out, or mark it done). Each change and
 * its audit entry go in one transaction. Owner: src/thread_action.c */
#ifndef SMSDESK_THREAD_ACTION_H
#define SMSDESK_THREAD_ACTION_H
#include <stdint.h>
#include "store/store.h"

/* Who acts, for the audit log; tenant_id is the location the console is signed in to. */
struct thread_actor {
	int64_t user_id;
	const char *username;
	int64_t tenant_id;
};

/* Links the thread to a patient of the same location (a family phone's member, or the patient
 * an unknown number turned out to be) and audits "thread.link" with the patient id.
 * Refused in words when the thread or the patient belongs to another location. */
int thread_action_link(struct store *s, const struct thread_actor *who, int64_t thread_id, int64_t patient_id,
		       char **err);

/* Staff opt the thread's number out because the patient asked by text: blocks the number
 * (via "staff", reason "asked by text"), cancels the messages queued to it (*cancelled), clears
 * the thread's flag and audits "pref.optout.staff". Sends nothing: no confirmation text. */
int thread_action_optout(struct store *s, const struct thread_actor *who, int64_t thread_id, int *cancelled,
			 char **err);

/* Clears the thread's flag (staff handled it) and audits "thread.action_done" with the reason
 * that was shown. Refused in words when the thread is not flagged (someone else cleared it). */
int thread_action_done(struct store *s, const struct thread_actor *who, int64_t thread_id, char **err);

#endif
