/* Patients. Owner: store/patients.c */
#ifndef SMSDESK_STORE_PATIENTS_H
#define SMSDESK_STORE_PATIENTS_H

struct patient {
	int64_t id;
	int64_t tenant_id;
	char *first_name;
	char *last_name;
	char *mobile;      /* E.164 or NULL */
	char *timezone;    /* NULL: the clinic's */
	char *external_id; /* NULL when none */
	int64_t created_at;
};

void patient_free(struct patient *p); /* frees the strings, not p */
void patient_list_free(struct patient **list, size_t n);

/* Adds a patient (mobile must already be E.164) and its default preferences row (opted in,
 * reminders on, marketing off, no consent on file). */
int store_patient_add(struct store *s, const struct patient *p, int64_t *id_out, char **err);
int store_patient_get(struct store *s, int64_t id, struct patient *out, char **err); /* SD_NOTFOUND */
/* All patients of a tenant whose mobile equals phone (a family may share one). */
int store_patient_by_mobile(struct store *s, int64_t tenant_id, const char *phone,
			    struct patient **out, size_t *n, char **err);
/* Patients of a tenant matching query (name substring, case-insensitive, or digits of the
 * number); query NULL or "" lists all. Ordered by last, first name. limit 0 = no limit. */
int store_patient_search(struct store *s, int64_t tenant_id, const char *query, size_t limit,
			 struct patient **out, size_t *n, char **err);
/* Changes the mobile number; clears consent on file (consent is per number). */
int store_patient_set_mobile(struct store *s, int64_t id, const char *mobile, char **err);

#endif
