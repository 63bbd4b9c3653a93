/* The send plan: every reminder the scheduler will send in the coming hours, and why an
 * appointment in that window gets none. Read-only: it decides nothing. Owner: src/plan.c */
#ifndef SMSDESK_PLAN_H
#define SMSDESK_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct plan_item {
	int64_t appointment_id;
	int64_t patient_id;
	char *patient_name;  /* untrusted text */
	int64_t starts_at;
	int slot_minutes;    /* 0 when no message is planned */
	int64_t send_at;     /* when it will go (after texting hours are applied); 0 when none */
	char *reason;        /* NULL: it will go; else why not / why later, in words */
	bool from_ehr;       /* the appointment came from the EHR (HL7 or FHIR) */
};
void plan_list_free(struct plan_item **list, size_t n);

/* The plan of a tenant for (now, now + horizon]: messages due in it (reason NULL, or the
 * waiting reason when texting hours move them) and appointments starting in it that get
 * none, with the reason: opted out, no consent limit, texting hours, landline, no mobile,
 * cancelled, reminders off, already reminded. By send time, then start. */
int plan_build(struct store *s, int64_t tenant_id, int64_t now, int64_t horizon, struct plan_item **out,
	       size_t *n, char **err);

#endif
