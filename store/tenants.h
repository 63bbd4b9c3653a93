/* Clinic locations (tenants) and their settings. Owner: store/tenants.c */
#ifndef SMSDESK_STORE_TENANTS_H
#define SMSDESK_STORE_TENANTS_H

struct tenant {
	int64_t id;
	char *name;
	char *phone;      /* clinic voice number (E.164), may be "" */
	char *address;
	char *timezone;   /* IANA */
	char *account_sid;            /* NULL when not set */
	char *api_key_sid;            /* NULL when not set */
	char *from_number;            /* NULL when not set */
	char *messaging_service_sid;  /* NULL when not set */
	char *api_base;
	char *reminder_slots;         /* "72h,24h,2h" */
	char *reminder_template;
	int quiet_start;              /* minutes after local midnight, default 480 */
	int quiet_end;                /* default 1260 */
	int64_t segment_price_micros;
	int64_t mms_price_micros;
	int poll_seconds;
	int idle_lock_seconds;
	char *optout_replies_by;      /* "twilio" or "smsdesk" */
	int64_t created_at;
	int send_per_minute;          /* campaign pace; 0: 60 (long code) or 600 (Messaging Service) */
};

void tenant_free(struct tenant *t); /* frees the strings, not t */

/* A new location's reminder template. It names the clinic and gives its number (the FCC
 * exemption for patients without consent on file), names no word that is an opt-out keyword
 * ("cancel"), and stays one GSM-7 segment for a first name and clinic name of up to 27
 * characters together (tests/unit/src/test_reminders.c). Migration 004 holds the same text. */
#define TENANT_DEFAULT_TEMPLATE                                                                          \
	"Hi {patientName}, {clinicName}: visit {appointmentDate} at {appointmentTime}. Call "         \
	"{clinicPhone}. Reply C to confirm, R to reschedule, X if you can't come, STOP to opt out."

/* Adds a tenant with defaults for everything but name, timezone and phone; seeds its
 * default keyword replies (store_autoresp_seed_defaults). */
int store_tenant_add(struct store *s, const char *name, const char *timezone, const char *phone,
		     int64_t *id_out, char **err);
int store_tenant_get(struct store *s, int64_t id, struct tenant *out, char **err);
int store_tenant_find(struct store *s, const char *name, struct tenant *out, char **err); /* SD_NOTFOUND */
/* Every tenant, by name. *out is an array of *n tenants: free with tenant_list_free. */
int store_tenant_list(struct store *s, struct tenant **out, size_t *n, char **err);
void tenant_list_free(struct tenant **list, size_t n);

/* Sets one column of the tenant by its column name (an allow-listed name from the table
 * above, e.g. "from_number", "reminder_slots", "quiet_start"); value NULL stores NULL. */
int store_tenant_set(struct store *s, int64_t id, const char *column, const char *value, char **err);

/* Free-form settings: tenant_id 0 is global. store_setting_get returns SD_NOTFOUND when unset;
 * *value_out must be freed. */
int store_setting_set(struct store *s, int64_t tenant_id, const char *key, const char *value, char **err);
int store_setting_get(struct store *s, int64_t tenant_id, const char *key, char **value_out, char **err);

#endif
