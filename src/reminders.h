/* Appointment reminders: which are due, which wait for texting hours, which are skipped and
 * why, and queueing exactly one message per appointment and slot. Owner: src/reminders.c
 *
 * Rules:
 * - A slot is absolute elapsed time before the appointment: "24h" is 86,400 s before
 *   starts_at, so across a daylight-saving change the reminder's wall-clock time shifts by
 *   the hour (a 9:00 appointment on the day after the change is reminded at 10:00 or 8:00).
 * - A reminder is due when starts_at - slot has passed and the appointment is still ahead.
 * - On time means within REMINDER_GRACE_SECONDS of its due time. A later one (the scheduler
 *   was down, or the appointment was booked after the slot) is still sent when the
 *   appointment is at least min(slot / 2, 2 h) away, else skipped "missed: ...".
 * - When several slots of one appointment are due at once only the nearest to the
 *   appointment is sent; the older ones are skipped "superseded".
 * - Texting hours are the tenant's [quiet_start, quiet_end) allowed window in the patient's
 *   zone, else the clinic's: a reminder due outside it waits (waiting_quiet) for the next
 *   allowed minute if that is before the appointment, else is skipped.
 * - Patients without consent on file get at most one segment, one reminder per rolling 24 h
 *   and three per rolling 7 days (the FCC healthcare exemption), and only from a template
 *   with {clinicPhone} and a location with a phone number; else it is skipped with the
 *   reason. With consent on file the clinic's own plan applies.
 * - A reminder skipped for its template ("template: ...": a broken template stored before
 *   the save check, no {clinicPhone} for a patient without consent) is decided again on a
 *   later pass once the template (or phone) is fixed, while the appointment is still ahead.
 * - "Send reminder now" uses slot_minutes = -(days since 1970 in the clinic's zone): one
 *   manual reminder per appointment per clinic day, so a double key press never sends twice;
 *   it refuses (never waits) outside texting hours and for opted-out patients. */
#ifndef SMSDESK_REMINDERS_H
#define SMSDESK_REMINDERS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define REMINDER_MAX_SLOTS 8
#define REMINDER_MAX_SLOT_MINUTES (60 * 1440) /* 60 days */
#define REMINDER_GRACE_SECONDS 600           /* a pass this late is still "on time" */
#define REMINDER_CATCHUP_CAP_SECONDS 7200    /* late reminders need min(slot/2, 2 h) ahead */

/* Parses "72h,24h,2h,30m,1d" (spaces allowed around commas) into minutes, largest first.
 * Rejects empty items, zero, units other than m/h/d, more than REMINDER_MAX_SLOTS, beyond
 * 60 days and duplicates ("24h,1d") with a message naming the bad item. "off" or "none"
 * (reminders_slots_off) gives 0 with *n = 0: no automatic reminders. */
int reminders_parse_slots(const char *text, int minutes[REMINDER_MAX_SLOTS], size_t *n, char **err);
/* True for "off" / "none" (any case, spaces around allowed): the location sends no automatic
 * reminders; its template stays and "send reminder now" still works. Stored as "off". */
bool reminders_slots_off(const char *text);
#define REMINDER_SLOTS_OFF "off"
/* Formats minutes as the shortest of "3d", "24h", "90m" into buf. */
void reminders_format_slot(int minutes, char *buf, size_t len);

/* The one check every path that saves a reminder template calls (CLI, console): a template is
 * checked when saved (an unknown or unclosed variable is an error then); a risky variable
 * needs allow_risky (an admin's explicit confirmation). *warning (malloc'd; NULL when none,
 * warning may be NULL) says what a savable template will not do: without {clinicPhone},
 * patients without consent on file do not get it. {patientName} is the first name. */
int reminders_check_template(const char *tmpl, bool allow_risky, char **warning, char **err);

/* What happened to one reminder, for the scheduler's log (never a body or a number). */
struct reminder_event {
	const char *what;       /* reminder.queued, reminder.waiting, reminder.skipped */
	int64_t tenant_id;
	int64_t appointment_id;
	int64_t reminder_id;
	int64_t message_id;     /* 0 unless queued */
	int slot_minutes;
	int64_t due_at;         /* for waiting: the next allowed time */
	const char *reason;     /* for skipped / waiting, else NULL */
};
typedef void (*reminders_event_fn)(void *ctx, const struct reminder_event *ev);

struct reminders_report {
	reminders_event_fn on_event; /* set by the caller, may be NULL */
	void *event_ctx;
	int tenants;         /* tenants looked at */
	int appointments;    /* appointments in the window */
	int queued;
	int waiting;         /* moved to the next allowed time */
	int skipped;         /* including superseded */
	int already;         /* another pass or process had the row */
	int synced;          /* rows moved to sent / failed from their message */
	int expired;         /* open rows whose appointment started or was cancelled */
	int tenants_failed;
	int tenants_off;     /* skipped: automatic reminders are off there (one "reminders.off" event each) */
	int templates_invalid; /* locations whose template does not validate ("reminders.template_invalid") */
	int retried;         /* rows skipped for their template, taken again after it was fixed */
	char *last_error;    /* malloc'd, NULL when every tenant went well */
};
/* Frees last_error and zeroes the counters (keeps on_event and event_ctx). */
void reminders_report_clear(struct reminders_report *r);

/* One pass over every tenant at time now: syncs rows with their messages, expires open rows
 * of past or cancelled appointments, then decides and queues every due reminder (each in
 * its own transaction, with the outbox row and an audit entry). A tenant's failure is in
 * the report and does not stop the others; -1 only for a store failure that stops all. */
int reminders_pass(struct store *s, int64_t now, struct reminders_report *r, char **err);

/* "Send reminder now" for one appointment, rendered from the tenant's template. Returns 0
 * (queued; *message_id set when not NULL), OUTBOX_REFUSED with the reason in *err (opted
 * out, cancelled, past, outside texting hours, exemption limit, already sent today), SD_NOTFOUND, or -1. */
int reminders_send_now(struct store *s, int64_t appointment_id, const char *actor, int64_t *message_id,
		       char **err);

/* What the reminders screen and `smsdesk reminders` show for a row: once a message exists,
 * its own status as Twilio last reported it (queued, sent, delivered, undelivered, failed,
 * ...), else the row's (pending, waiting_quiet, skipped). */
const char *reminders_row_status(const struct reminder_row *v);
/* The words beside it (malloc'd, NULL when none): Twilio's "error 30003: Unreachable
 * destination handset" when the message carries one, else the row's skip reason. */
char *reminders_row_reason(const struct reminder_row *v);

/* The next reminder each upcoming appointment will get, for the screen's "upcoming" list.
 * With reminders off: every upcoming appointment, slot 0, due_at 0, a note saying so (so
 * "send reminder now" can still pick it). */
struct reminder_upcoming {
	int64_t appointment_id;
	int64_t patient_id;
	char *patient_name;
	int64_t starts_at;
	int slot_minutes;
	int64_t due_at;
	char *note; /* NULL, or why it will not go: "opted out", "reminders off", "no mobile", ... */
};
void reminder_upcoming_list_free(struct reminder_upcoming **list, size_t n);
/* Appointments of the tenant starting in (now, now + horizon] whose next slot has no row yet. */
int reminders_upcoming(struct store *s, int64_t tenant_id, int64_t now, int64_t horizon,
		       struct reminder_upcoming **out, size_t *n, char **err);

#endif
