/* Import writes: patients upserted by (tenant, external id), appointments by (patient, start),
 * and a savepoint per row so a refused row leaves nothing behind. Owner: store/import.c */
#ifndef SMSDESK_STORE_IMPORT_H
#define SMSDESK_STORE_IMPORT_H
#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

/* One checked patient row. Strings are borrowed. */
struct import_patient_row {
	const char *first_name;     /* required */
	const char *last_name;      /* required */
	const char *mobile;         /* E.164; "" = no mobile; NULL = keep the stored one (new: none) */
	const char *timezone;       /* IANA; "" = the clinic's; NULL = keep the stored one */
	const char *external_id;    /* NULL/"": matched by first name, last name and mobile instead */
	bool opt_out;               /* opt the patient (and number) out, via "import" */
	int64_t consent_at;         /* 0 = no consent given in this row */
	const char *consent_method; /* required with consent_at */
	bool allow_identity_change; /* an update may change the name and the mobile at once */
};

#define STORE_IMPORT_IDENTITY 2 /* the update would change name and mobile at once: refused */

/* Adds or updates one patient inside the caller's transaction. A new patient gets its
 * preferences row (opted out already when its number is blocked). An update that changes
 * both the name and the mobile is another person more likely than a correction: refused
 * with STORE_IMPORT_IDENTITY (and *err) unless r->allow_identity_change; *identity_changed
 * (may be NULL) says when an allowed one happened. Consent on file is never wiped: a
 * changed mobile leaves it tied to the number it was given for (consent is per number,
 * so it no longer covers the new one). An opt-out is recorded once; a "no" never opts
 * anyone back in (only START or staff do). */
int store_import_patient(struct store *s, int64_t tenant_id, const struct import_patient_row *r, int64_t now,
			 bool *updated, bool *identity_changed, int64_t *id_out, char **err);

/* One checked appointment row. */
struct import_appt_row {
	const char *patient_external_id; /* required */
	const char *provider;            /* required */
	const char *location;            /* NULL = "" */
	int64_t starts_at;
	int duration_min;                /* 1..1440 */
	const char *status;              /* NULL = scheduled (new) / keep (existing) */
};

/* Adds the appointment, or updates the patient's appointment at the same start time. An
 * imported "scheduled" does not undo the patient's "confirmed" or "reschedule_requested"
 * answer by text. SD_NOTFOUND (with *err) when no patient has that external id. */
int store_import_appt(struct store *s, int64_t tenant_id, const struct import_appt_row *r, int64_t now,
		      bool *updated, char **err);

/* A savepoint around one row, inside a transaction: release keeps the row's writes,
 * rollback undoes them and leaves the rest of the transaction as it was. */
int store_import_row_begin(struct store *s, char **err);
int store_import_row_end(struct store *s, char **err);
void store_import_row_undo(struct store *s);

#endif
