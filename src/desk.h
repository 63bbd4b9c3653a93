/* Front-desk actions on threads: notes, assignment, archive, unread, the needs-human lane,
 * appointments by hand, failed-delivery follow-ups, canned replies and send later. Each
 * action checks its input, changes the store and writes its audit entry in one transaction;
 * the console and the CLI both call these. Owner: src/desk.c (canned replies and send later:
 * src/desk_compose.c) */
#ifndef SMSDESK_DESK_H
#define SMSDESK_DESK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Who does it, for the audit log and the role checks. */
struct desk_actor {
	int64_t user_id;      /* 0 for the CLI's operator */
	const char *username; /* "maria", or "cli" */
	bool admin;
};

/* How staff settle a thread in the needs-human lane (or an appointment by hand). */
enum desk_resolution {
	DESK_CONFIRM = 0,
	DESK_RESCHEDULE,
	DESK_CANCEL,
	DESK_NOT_APPT, /* "not about the appointment": only takes the thread out of the lane */
};

int desk_note_add(struct store *s, const struct desk_actor *a, int64_t thread_id, const char *body, int64_t *id_out,
		  char **err);

/* who: a username, "front desk", "me" or "nobody". SD_NOTFOUND: no such thread or user. */
int desk_assign(struct store *s, const struct desk_actor *a, int64_t thread_id, const char *who, char **err);
/* done true archives (and marks read), false reopens. */
int desk_archive(struct store *s, const struct desk_actor *a, int64_t thread_id, bool done, char **err);
int desk_mark_unread(struct store *s, const struct desk_actor *a, int64_t thread_id, char **err);

/* The next appointments (not cancelled, not past) of the thread's patient, or of everyone on
 * the thread's number when no single patient is linked; soonest first, at most max. */
int desk_next_appointments(struct store *s, int64_t thread_id, int64_t now, size_t max, struct appointment **out,
			   size_t *n, char **err);

/* Settles the thread: confirm / reschedule / cancel act on the reminded appointment of the
 * number, else on the next appointment (SD_NOTFOUND when there is none); every resolution
 * takes the thread out of the needs-human lane. */
int desk_resolve(struct store *s, const struct desk_actor *a, int64_t thread_id, enum desk_resolution r, char **err);
/* Sets one appointment's status by hand (confirmed, reschedule_requested, cancelled). */
int desk_appt_set(struct store *s, const struct desk_actor *a, int64_t appt_id, enum desk_resolution r, char **err);

/* Logs the follow-up of a failed message (outcome as in FAILURE_OUTCOMES); wrong_number
 * needs new_mobile (any US form; stored as E.164 on the patient) and updates the patient. */
int desk_followup(struct store *s, const struct desk_actor *a, int64_t tenant_id, int64_t message_id,
		  const char *outcome, const char *new_mobile, char **err);

/* Canned replies (admins only): the body is checked like a reminder template (no risky
 * variables). Refusals return OUTBOX_REFUSED-like 2 (DESK_REFUSED) with words in *err. */
#define DESK_REFUSED 2
int desk_canned_put(struct store *s, const struct desk_actor *a, int64_t tenant_id, const char *name,
		    const char *body, char **err);
int desk_canned_remove(struct store *s, const struct desk_actor *a, int64_t tenant_id, const char *name, char **err);
/* Renders a canned body for the thread's patient and next appointment (malloc'd in *out). */
int desk_canned_render(struct store *s, int64_t tenant_id, int64_t thread_id, const char *body, char **out,
		       char **err);

/* Send later: the first allowed moment at or after want for the thread's patient (texting
 * hours of the location, in the patient's zone or the clinic's). */
int desk_later_time(struct store *s, int64_t tenant_id, int64_t thread_id, int64_t want, int64_t *at, char **err);
/* Reads when to send: "HH:MM" (today, or tomorrow when that has passed), "tomorrow HH:MM" or
 * "YYYY-MM-DD HH:MM", local time in tz; refused (-1, words) when malformed or not later than now. */
int desk_later_parse(const char *text, const char *tz, int64_t now, int64_t *at, char **err);
/* Cancels a scheduled message before it goes; SD_NOTFOUND when it is already on its way. */
int desk_later_cancel(struct store *s, const struct desk_actor *a, int64_t tenant_id, int64_t message_id,
		      char **err);

#endif
