/* Write-backs to the EHR: queued in the transaction of the patient's answer (so never lost),
 * each with its own MSH-10 fixed when queued (so a resend after a lost ACK is the same message
 * to the EHR, never a second one), sent over MLLP by whoever runs the scheduler pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/ehr.h"
#include "src/mllp.h"
#include "src/util.h"

#define OUT_CHUNK 50
#define OUT_STALE_SECONDS 300   /* a 'sending' row older than this: its sender died */
#define OUT_BACKOFF_MAX 3600

/* The location's write-back host, or NULL when it does not write back. */
static char *writeback_host(struct store *s, int64_t tenant_id)
{
	char *v = NULL;
	if (store_setting_get(s, tenant_id, "ehr_writeback", &v, NULL) != 0 || v == NULL || *v == '\0') {
		free(v);
		return NULL;
	}
	return v;
}

/* A new control id: "SDW" and 16 random hex digits. */
static void new_control_id(char out[24])
{
	unsigned char r[8];
	randombytes_buf(r, sizeof(r));
	memcpy(out, "SDW", 3);
	sodium_bin2hex(out + 3, 17, r, sizeof(r));
}

/* Queues one row and its audit entry. */
static int queue(struct store *s, int64_t tenant_id, int64_t appt_id, int64_t patient_id, const char *event,
		 int64_t now, char **err)
{
	char ctl[24];
	int64_t id = 0;
	new_control_id(ctl);
	if (store_ehr_out_add(s, tenant_id, appt_id, patient_id, event, ctl, now, &id, err) != 0)
		return -1;
	char target[32], *detail = xasprintf("%s queued for the EHR (control id %s)", event, ctl);
	snprintf(target, sizeof(target), "ehr_outbox %lld", (long long)id);
	int rc = store_audit_append(s, 0, EHR_ACTOR, tenant_id, "ehr.writeback.queue", patient_id, target, detail, err);
	free(detail);
	return rc;
}

int ehr_writeback_appt(struct store *s, int64_t tenant_id, int64_t appointment_id, const char *event,
		       int64_t now, char **err)
{
	char *host = writeback_host(s, tenant_id), *ehr_id = NULL;
	if (host == NULL)
		return 0;
	free(host);
	struct appointment a = {0};
	int rc = store_ehr_appt_ehr_id(s, appointment_id, &ehr_id, err);
	if (rc == 0 && ehr_id != NULL) /* only what came from the EHR goes back to it */
		rc = store_appt_get(s, appointment_id, &a, err);
	if (rc == 0 && ehr_id != NULL)
		rc = queue(s, tenant_id, appointment_id, a.patient_id, event, now, err);
	appointment_free(&a);
	free(ehr_id);
	return rc;
}

/* Queues event for every patient on phone the EHR knows (an external id). */
static int queue_for_number(struct store *s, int64_t tenant_id, const char *phone, const char *event, int64_t now,
			    char **err)
{
	char *host = writeback_host(s, tenant_id);
	if (host == NULL)
		return 0;
	free(host);
	struct patient *list = NULL;
	size_t n = 0;
	int rc = store_patient_by_mobile(s, tenant_id, phone, &list, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (list[i].external_id != NULL)
			rc = queue(s, tenant_id, 0, list[i].id, event, now, err);
	patient_list_free(&list, n);
	return rc;
}

int ehr_writeback_optout(struct store *s, int64_t tenant_id, const char *phone, int64_t now, char **err)
{
	return queue_for_number(s, tenant_id, phone, "opted_out", now, err);
}

int ehr_writeback_optin(struct store *s, int64_t tenant_id, const char *phone, int64_t now, char **err)
{
	return queue_for_number(s, tenant_id, phone, "opted_in", now, err);
}

/* SCH-25 and SCH-6 for an event: what the EHR should read. */
static void event_words(const char *event, const char **status, const char **code, const char **text)
{
	*status = "Booked";
	*code = "CONFIRMED";
	*text = "Patient confirmed by SMS";
	if (strcmp(event, "reschedule") == 0) {
		*code = "RESCHEDULE";
		*text = "Patient asked by SMS to reschedule";
	} else if (strcmp(event, "cancelled") == 0) {
		*status = "Cancelled";
		*code = "CANCELLED";
		*text = "Patient cancelled by SMS";
	}
}

/* MSH for a write-back. */
static char *msh(struct store *s, const struct ehr_out *o, const char *type, const char *structure)
{
	struct tenant t = {0};
	char *fac = NULL, now[32];
	store_tenant_get(s, o->tenant_id, &t, NULL);
	store_setting_get(s, o->tenant_id, "ehr_facility", &fac, NULL);
	hl7_format_time(clock_now(), now, sizeof(now));
	char *et = hl7_escape(t.name), *ef = hl7_escape(fac), *ec = hl7_escape(o->control_id);
	char *out = xasprintf("MSH|^~\\&|SMSDESK|%s|EHR|%s|%s||%s^%s|%s|P|2.5.1\r", et, ef, now, type, structure, ec);
	free(et);
	free(ef);
	free(ec);
	free(fac);
	tenant_free(&t);
	return out;
}

/* PID with the EHR's identifier and the name. */
static char *pid(struct store *s, int64_t patient_id, char **err)
{
	struct patient p = {0};
	if (store_patient_get(s, patient_id, &p, err) != 0)
		return NULL;
	char *id = hl7_escape(p.external_id), *ln = hl7_escape(p.last_name), *fn = hl7_escape(p.first_name);
	char *out = xasprintf("PID|1||%s^^^^MR||%s^%s\r", id, ln, fn);
	free(id);
	free(ln);
	free(fn);
	patient_free(&p);
	return out;
}

bool ehr_writeback_type_ok(const char *type)
{
	if (type != NULL && strcmp(type, "ORU^R01") == 0)
		return true;
	if (type == NULL || strlen(type) != 7 || strncmp(type, "SIU^S", 5) != 0 || type[5] < '1' || type[5] > '2' ||
	    type[6] < '0' || type[6] > '9')
		return false;
	int n = (type[5] - '0') * 10 + (type[6] - '0');
	return n >= 12 && n <= 26;
}

/* The configured write-back type ("SIU^S14" unless ehr_writeback_type says otherwise; a value
 * put into the settings table by other means is checked again, since it goes into MSH-9). */
static char *writeback_type(struct store *s, int64_t tenant_id)
{
	char *v = NULL;
	if (store_setting_get(s, tenant_id, "ehr_writeback_type", &v, NULL) == 0 && ehr_writeback_type_ok(v))
		return v;
	free(v);
	return xstrdup("SIU^S14");
}

/* ORU^R01 for an answer, for EHRs whose interface takes results, not scheduling messages:
 * OBR-3 is the EHR's appointment id, OBX-5 the answer as code^words (coded entry, local
 * system "L"), OBX-11 F (final), OBX-14 when, and the NTE the same words. */
static char *oru_message(struct store *s, const struct ehr_out *o, const char *eid, const char *p, const char *code,
			 const char *text, const char *when)
{
	char *head = msh(s, o, "ORU^R01", "ORU_R01");
	char *out = xasprintf("%s%sOBR|1||%s|SMSREPLY^SMS appointment reply^L|||%s\r"
			      "OBX|1|CE|SMSREPLY^SMS appointment reply^L||%s^%s^L||||||F|||%s\rNTE|1||%s (%s)\r",
			      head, p, eid, when, code, text, when, text, when);
	free(head);
	return out;
}

/* The configured SIU event for an answer: SCH-6 the answer as code^words, SCH-25 the status. */
static char *siu_message(struct store *s, const struct ehr_out *o, char *type, const struct appointment *a,
			 const char *eid, const char *p, const char *status, const char *code, const char *text,
			 const char *when)
{
	char start[32];
	hl7_format_time(a->starts_at, start, sizeof(start));
	type[3] = '\0'; /* "SIU^S14" -> "SIU" and "S14" */
	char *head = msh(s, o, type, type + 4);
	char *out = xasprintf("%sSCH|%s|%s||||%s^%s^SMSDESK|||%d|MIN|^^%d^%s||||||||||||||%s\r%s"
			      "NTE|1||%s (%s)\r",
			      head, eid, eid, code, text, a->duration_min, a->duration_min, start, status, p, text, when);
	free(head);
	return out;
}

/* The configured message type (an SIU event or ORU^R01) for an answer about an appointment. */
static char *appt_message(struct store *s, const struct ehr_out *o, char **err)
{
	struct appointment a = {0};
	char *ehr_id = NULL, *p = NULL, *out = NULL;
	if (store_appt_get(s, o->appointment_id, &a, err) != 0 ||
	    store_ehr_appt_ehr_id(s, o->appointment_id, &ehr_id, err) != 0 || (p = pid(s, a.patient_id, err)) == NULL)
		goto done;
	const char *status, *code, *text;
	event_words(o->event, &status, &code, &text);
	char when[32], *type = writeback_type(s, o->tenant_id), *eid = hl7_escape(ehr_id);
	hl7_format_time(clock_now(), when, sizeof(when));
	if (strcmp(type, "ORU^R01") == 0)
		out = oru_message(s, o, eid, p, code, text, when);
	else
		out = siu_message(s, o, type, &a, eid, p, status, code, text, when);
	free(eid);
	free(type);
done:
	appointment_free(&a);
	free(ehr_id);
	free(p);
	return out;
}

/* ADT^A08 with ZSC|N for an opt-out, ZSC|Y for an opt-back-in (ZSC as the inbound side reads
 * it; ZSC-3 says how, so the EHR can tell a texted START from consent on paper). */
static char *consent_message(struct store *s, const struct ehr_out *o, char **err)
{
	bool in = strcmp(o->event, "opted_in") == 0;
	char *p = pid(s, o->patient_id, err);
	if (p == NULL)
		return NULL;
	char when[32];
	hl7_format_time(o->created_at, when, sizeof(when));
	char *head = msh(s, o, "ADT^A08", "ADT_A01");
	/* msh() puts type^structure: "ADT^A08^ADT_A01". */
	char *out = xasprintf("%sEVN|A08|%s\r%sZSC|%s|%s|%s\r", head, when, p, in ? "Y" : "N", when,
			      in ? "SMS START" : "SMS STOP");
	free(head);
	free(p);
	return out;
}

char *ehr_writeback_message(struct store *s, const struct ehr_out *o, char **err)
{
	if (strcmp(o->event, "opted_out") == 0 || strcmp(o->event, "opted_in") == 0)
		return consent_message(s, o, err);
	return appt_message(s, o, err);
}

/* Seconds to wait before try number attempts + 1. */
static int64_t backoff(int attempts)
{
	int64_t d = 30;
	for (int i = 1; i < attempts && d < OUT_BACKOFF_MAX; i++)
		d *= 2;
	return d > OUT_BACKOFF_MAX ? OUT_BACKOFF_MAX : d;
}

/* Sends one row and records the outcome. */
static int send_one(struct store *s, const struct ehr_out *o, int64_t now, int timeout_ms, struct ehr_drain_stats *st,
		    char **err)
{
	char *host = writeback_host(s, o->tenant_id), *why = NULL, *msg = NULL, *ans = NULL, *code = NULL, *ctl = NULL;
	const char *status = "pending";
	size_t alen = 0;
	if (host == NULL)
		why = xstrdup("no write-back host (smsdesk ehr set --writeback HOST:PORT)");
	else if ((msg = ehr_writeback_message(s, o, &why)) == NULL)
		status = "failed"; /* the appointment or patient is gone: nothing to retry */
	else if (mllp_exchange(host, msg, strlen(msg), timeout_ms, &ans, &alen, &why) == 0 &&
		 hl7_ack_read(ans, alen, &code, &ctl, &why) == 0) {
		if (strcmp(ctl, o->control_id) != 0)
			why = xasprintf("the EHR acknowledged control id %.40s, not ours", ctl);
		else if (strcmp(code, "AA") == 0 || strcmp(code, "CA") == 0)
			status = "sent";
		else if (strcmp(code, "AR") == 0 || strcmp(code, "CR") == 0)
			status = "failed", why = xasprintf("the EHR refused it (%s)", code);
		else
			why = xasprintf("the EHR answered %.4s", code);
	}
	int rc = store_ehr_out_done(s, o->id, status, why, strcmp(status, "pending") == 0 ? now + backoff(o->attempts) : 0,
				    now, err);
	if (strcmp(status, "sent") == 0)
		st->sent++;
	else if (strcmp(status, "failed") == 0)
		st->failed++;
	else
		st->retrying++;
	if (why != NULL) {
		free(st->last_error);
		st->last_error = why;
	}
	if (rc == 0 && strcmp(status, "pending") != 0) {
		char target[32];
		snprintf(target, sizeof(target), "ehr_outbox %lld", (long long)o->id);
		rc = store_audit_append(s, 0, EHR_ACTOR, o->tenant_id, "ehr.writeback", o->patient_id, target, status, err);
	}
	free(host);
	free(msg);
	free(ans);
	free(code);
	free(ctl);
	return rc;
}

int ehr_writeback_drain(struct store *s, int64_t now, int timeout_ms, struct ehr_drain_stats *st, char **err)
{
	struct ehr_out *rows = NULL;
	size_t n = 0;
	if (store_ehr_out_claim(s, now, now - OUT_STALE_SECONDS, OUT_CHUNK, &rows, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = send_one(s, &rows[i], now, timeout_ms, st, err);
	ehr_out_list_free(&rows, n);
	return rc;
}
