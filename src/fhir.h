/* FHIR R4 in: a Bundle of Patient and Appointment resources (a file, or a FHIR server's
 * search result) read with cJSON into plain structs at this edge, then applied like the HL7
 * feed: patients upserted by Patient.id, appointments by Appointment.id. Owner: src/fhir.c */
#ifndef SMSDESK_FHIR_H
#define SMSDESK_FHIR_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define FHIR_MAX_BYTES (64 * 1024 * 1024)

struct fhir_patient {
	char *id;
	char *first_name, *last_name;
	char *mobile;   /* E.164: telecom system sms, or phone with use mobile; NULL none */
	char *landline; /* E.164: phone with use home/work; NULL */
};

struct fhir_appt {
	char *id;
	char *patient_id;  /* from participant.actor.reference "Patient/ID" (or a fullUrl in the bundle) */
	char *status;      /* ours: scheduled, cancelled, no_show, completed; NULL skip (proposed, waitlist) */
	char *provider;    /* a Practitioner participant's display */
	char *location;    /* a Location participant's display */
	char *start;       /* FHIR instant as given */
	int duration_min;  /* minutesDuration, else end - start, else 30 */
	char *end;
};

struct fhir_bundle {
	struct fhir_patient *patients;
	size_t np;
	struct fhir_appt *appts;
	size_t na;
	char *next_url;    /* link[relation=next].url, for paging a server's search; NULL */
	size_t skipped;    /* entries of other resource types */
};
void fhir_bundle_free(struct fhir_bundle *b);

/* Reads a Bundle (resourceType "Bundle", entry[].resource). Resources that lack what we need
 * are refused with the reason when the whole bundle is unusable; -1 with *err. */
int fhir_bundle_parse(const char *json, size_t len, struct fhir_bundle *out, char **err);

/* Called for each refused resource. */
typedef void (*fhir_report_fn)(void *ctx, const char *what, const char *why);
struct fhir_result {
	int patients, appointments, refused;
	fhir_report_fn report;
	void *ctx;
};
/* Applies the bundle to the tenant in one transaction, each resource whole or not at all
 * (a savepoint each): a refused resource is reported and the others are kept. */
int fhir_bundle_apply(struct store *s, int64_t tenant_id, const char *tz, const struct fhir_bundle *b,
		      struct fhir_result *r, char **err);

/* The status export for sites that import files: the appointments that came from the EHR
 * and changed after `since`, as CSV (ehr_id,patient_id,start,status,updated; a header row) or
 * as a FHIR Bundle (type collection) of Appointments whose patient participant says the
 * answer: accepted (confirmed), tentative (reschedule asked), declined (cancelled).
 * Malloc'd text in *out. */
enum fhir_export_format { EXPORT_CSV, EXPORT_FHIR };
int fhir_export_statuses(struct store *s, int64_t tenant_id, int64_t since, enum fhir_export_format fmt,
			 char **out, char **err);

/* ---- polling a FHIR server (src/fhir_poll.c) ---- */
struct vault;
struct tenant;

/* Encrypts and stores the location's bearer token (vault-bound to tenant and "fhir_token"). */
int fhir_set_token(struct store *s, const struct vault *v, int64_t tenant_id, const char *token, char **err);

struct fhir_poll_stats {
	int tenants, pages, patients, appointments, refused, failed;
	char *last_error; /* malloc'd or NULL */
};
/* For each location with an fhir_base setting: GET {base}/Appointment?date=ge{today}
 * &_lastUpdated=gt{cursor}&_include=Appointment:patient with its bearer token, following
 * next links on the same server (at most 50 pages), each page applied like an imported
 * Bundle; the cursor (setting fhir_cursor) moves to the poll's start (less a minute of
 * overlap: upserts are idempotent) only when every page went in. A location's failure is
 * counted and does not stop the others. */
int fhir_poll_all(struct store *s, const struct vault *v, int64_t now, int timeout_ms, struct fhir_poll_stats *st,
		  char **err);

#endif
