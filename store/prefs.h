/* Patient SMS preferences, consent, and the number-level opt-out list. Owner: store/prefs.c */
#ifndef SMSDESK_STORE_PREFS_H
#define SMSDESK_STORE_PREFS_H

struct sms_prefs {
	int64_t patient_id;
	int64_t tenant_id;
	bool opted_in;
	bool reminders;
	bool marketing;
	int64_t opted_out_at;     /* 0 = never */
	char *opted_out_reason;
	char *opted_out_via;      /* sms, carrier, staff, import; NULL */
	int64_t consent_at;       /* 0 = no consent on file */
	char *consent_method;
	char *consent_by;
	char *consent_phone;
	int64_t updated_at;
	int64_t marketing_consent_at; /* 0 = none for the patient's current number */
	char *marketing_consent_method;
	char *marketing_consent_by;
};

void sms_prefs_free(struct sms_prefs *p);

int store_prefs_get(struct store *s, int64_t patient_id, struct sms_prefs *out, char **err); /* SD_NOTFOUND */
/* Writes reminders/marketing flags (opt-in/out goes through the calls below). */
int store_prefs_set_flags(struct store *s, int64_t patient_id, bool reminders, bool marketing, char **err);
int store_prefs_set_consent(struct store *s, int64_t patient_id, int64_t at, const char *method,
			    const char *by, const char *phone, char **err);

/* Records marketing consent (its own, apart from care consent: TCPA) for the patient's current
 * number and turns marketing on; at 0 withdraws it and turns marketing off. */
int store_prefs_set_marketing_consent(struct store *s, int64_t patient_id, int64_t at, const char *method,
				      const char *by, char **err);

/* Opts the number out for the tenant (sms_optouts) and every patient of the tenant with that
 * mobile (opted_in = 0, time, via, reason). Idempotent. via: sms, carrier, staff, import. */
int store_optout_number(struct store *s, int64_t tenant_id, const char *phone, int64_t at,
			const char *via, const char *reason, char **err);
/* Opts the number back in: removes the block, opted_in = 1 for its patients. */
int store_optin_number(struct store *s, int64_t tenant_id, const char *phone, int64_t at,
		       const char *via, char **err);
/* Opts one patient out / in (staff action); also blocks / unblocks the number. */
int store_prefs_set_opted_in(struct store *s, int64_t patient_id, bool opted_in, int64_t at,
			     const char *via, const char *reason, char **err);
/* Whether the number is blocked for the tenant. */
int store_number_opted_out(struct store *s, int64_t tenant_id, const char *phone, bool *out, char **err);

#endif
