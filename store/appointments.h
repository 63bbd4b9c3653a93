/* Appointments. Owner: store/appointments.c */
#ifndef SMSDESK_STORE_APPOINTMENTS_H
#define SMSDESK_STORE_APPOINTMENTS_H

struct appointment {
	int64_t id;
	int64_t tenant_id;
	int64_t patient_id;
	char *provider;
	char *location;
	int64_t starts_at;
	int duration_min;
	char *status; /* scheduled, confirmed, reschedule_requested, cancelled, completed, no_show */
	int64_t created_at;
	int64_t updated_at;
};

void appointment_free(struct appointment *a);
void appointment_list_free(struct appointment **list, size_t n);

int store_appt_add(struct store *s, const struct appointment *a, int64_t *id_out, char **err);
int store_appt_get(struct store *s, int64_t id, struct appointment *out, char **err); /* SD_NOTFOUND */
int store_appt_set_status(struct store *s, int64_t id, const char *status, char **err);
/* Appointments of a tenant starting in [from, to), by start time; patient_id 0 = all. */
int store_appt_list(struct store *s, int64_t tenant_id, int64_t patient_id, int64_t from, int64_t to,
		    struct appointment **out, size_t *n, char **err);

#endif
