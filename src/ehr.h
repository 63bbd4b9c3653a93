/* The EHR connection: HL7 v2 appointment and patient feeds in (SIU^S12/S13/S14/S15/S17/S26,
 * ADT^A04/A08), acknowledgements, and write-backs of the patients' answers out.
 * Owners: src/ehr_map.c (HL7 -> plain structs), src/ehr_in.c (apply, ACK, drop folder),
 * src/ehr_out.c (write-back queue, message, sender).
 *
 * Settings (per location, `smsdesk ehr set`): ehr_facility (the MSH-6 / MSH-4 name that
 * selects this location; with one location it is optional), ehr_writeback (host:port of the
 * EHR's MLLP listener: without it no write-back is queued), ehr_writeback_type (default
 * SIU^S14). */
#ifndef SMSDESK_EHR_H
#define SMSDESK_EHR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "src/hl7.h"

#define EHR_ACTOR "ehr"

/* ---- mapping (src/ehr_map.c) ---- */

/* A patient as PID (and ZSC) describe it. */
struct ehr_patient_in {
	char *external_id; /* PID-3: the MR identifier, else the first */
	char *first_name, *last_name;
	char *mobile;      /* E.164; NULL: no phone fields (keep ours); "": phones given, none mobile */
	char *landline;    /* E.164 or NULL */
	char *phone_note;  /* why a number given was not used, or NULL */
	int consent;       /* ZSC-1: 1 consent given, -1 opted out, 0 not said */
	int64_t consent_at;
	char *consent_method;
};

/* An appointment as SCH / AIL / AIP / AIS / TQ1 describe it. */
struct ehr_appt_in {
	char *ehr_id;      /* SCH-2 (filler) else SCH-1 (placer), first component */
	char *provider;
	char *location;
	int64_t starts_at;
	int duration_min;
	const char *status; /* from SCH-25, NULL: not said */
};

struct ehr_msg_in {
	char type[4];      /* SIU, ADT */
	char trigger[4];   /* S12, A08, ... */
	char *control_id;  /* MSH-10 */
	char *sender;      /* MSH-3^MSH-4 */
	char *facility;    /* MSH-6, else MSH-4 */
	struct ehr_patient_in patient;
	struct ehr_appt_in appt;
};
void ehr_msg_in_free(struct ehr_msg_in *m);

/* Reads MSH: type, trigger, control id, sender, facility. -1 with *err (an AR). */
int ehr_map_header(const struct hl7_msg *h, struct ehr_msg_in *out, char **err);
/* Reads PID (and ZSC) and, for SIU, the appointment; times without an offset are in zone tz.
 * -1 with *err (an AE: the message is readable but not usable). */
int ehr_map_body(const struct hl7_msg *h, const char *tz, struct ehr_msg_in *out, char **err);
/* True for the message types this side takes. */
bool ehr_supported(const char *type, const char *trigger);
/* SIU^S15, S17, S26: a status change needing only the appointment id. */
bool ehr_status_only(const struct ehr_msg_in *m);

/* ---- inbound (src/ehr_in.c) ---- */

struct ehr_in_result {
	char code[3];          /* AA, AE, AR */
	char *detail;          /* what was done, or why not (for the log; never a name or number) */
	char *ack;             /* the ACK to send back (ends with CR) */
	char type[8];          /* "SIU^S12" or "" */
	int64_t tenant_id;
	int64_t appointment_id;
	int64_t patient_id;
	bool duplicate;        /* already applied earlier (same sender and control id) */
};
void ehr_in_result_clear(struct ehr_in_result *r);

/* Applies one HL7 message in one transaction (or not at all) and builds its ACK. Never fails
 * for bad input: that is an AE/AR in *r. -1 only when even the result cannot be recorded. */
int ehr_in_process(struct store *s, const char *data, size_t len, struct ehr_in_result *r);

/* Called for each file of a drop folder. */
typedef void (*ehr_file_fn)(void *ctx, const char *name, const struct ehr_in_result *r);
/* Processes every *.hl7 file of dir (oldest name first): each moves to dir/done or
 * dir/failed with its ACK beside it (NAME.ack). Counts in *ok / *failed. */
int ehr_in_folder(struct store *s, const char *dir, ehr_file_fn fn, void *ctx, int *ok, int *failed, char **err);

/* ---- the MLLP listener (src/ehr_listen.c) ---- */

/* One log line from the listener's thread: event and fields as the scheduler prints them. */
typedef void (*ehr_log_fn)(const char *level, int64_t tenant_id, const char *event, const char *fields);
struct ehr_listener;
/* Listens on addr (HOST:PORT; port 0 picks one) with a store connection of its own to
 * db_path; each message is applied (ehr_in_process) and answered with its ACK. */
int ehr_listener_start(const char *db_path, const char *addr, ehr_log_fn log, struct ehr_listener **out,
		       char **err);
unsigned short ehr_listener_port(const struct ehr_listener *l);
void ehr_listener_stop(struct ehr_listener **lp);

/* ---- write-back (src/ehr_out.c) ---- */

/* The hook for the keyword actions: queues a write-back of event (confirmed, reschedule,
 * cancelled) for the appointment when its location writes back and the appointment came
 * from the EHR; nothing otherwise. Inside the caller's transaction. */
int ehr_writeback_appt(struct store *s, int64_t tenant_id, int64_t appointment_id, const char *event,
		       int64_t now, char **err);
/* The hook for opt-outs: one write-back per patient on that number known to the EHR. */
int ehr_writeback_optout(struct store *s, int64_t tenant_id, const char *phone, int64_t now, char **err);
/* The hook for opt-back-ins (START, or YES, on a number that was opted out): the same, so the
 * EHR does not keep the old opt-out. */
int ehr_writeback_optin(struct store *s, int64_t tenant_id, const char *phone, int64_t now, char **err);

/* True for a write-back type the outbox can build: SIU^S12 to SIU^S26 (the body is an SIU
 * message; the setting goes into MSH-9 as is, so nothing else may pass). */
bool ehr_writeback_type_ok(const char *type);

/* The HL7 message for one outbox row (malloc'd), built from the appointment as it is now. */
char *ehr_writeback_message(struct store *s, const struct ehr_out *o, char **err);

struct ehr_drain_stats {
	int sent, failed, retrying;
	char *last_error; /* malloc'd or NULL */
};
/* Sends the due write-backs over MLLP to each location's ehr_writeback host; an AA marks the
 * row sent, AR failed, anything else (no answer, AE, network) retries with backoff. */
int ehr_writeback_drain(struct store *s, int64_t now, int timeout_ms, struct ehr_drain_stats *st, char **err);

#endif
