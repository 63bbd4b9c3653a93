/* HL7 v2 -> plain structs: MSH (who, what), PID and ZSC (the patient), SCH, TQ1, AIS, AIL
 * and AIP (the appointment). Nothing here touches the store. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/ehr.h"
#include "src/phone.h"
#include "src/util.h"

void ehr_msg_in_free(struct ehr_msg_in *m)
{
	if (m == NULL)
		return;
	free(m->control_id);
	free(m->sender);
	free(m->facility);
	free(m->patient.external_id);
	free(m->patient.first_name);
	free(m->patient.last_name);
	free(m->patient.mobile);
	free(m->patient.landline);
	free(m->patient.phone_note);
	free(m->patient.consent_method);
	free(m->appt.ehr_id);
	free(m->appt.provider);
	free(m->appt.location);
	memset(m, 0, sizeof(*m));
}

bool ehr_supported(const char *type, const char *trigger)
{
	static const char *const siu[] = {"S12", "S13", "S14", "S15", "S17", "S26"};
	if (strcmp(type, "SIU") == 0) {
		for (size_t i = 0; i < sizeof(siu) / sizeof(siu[0]); i++)
			if (strcmp(trigger, siu[i]) == 0)
				return true;
		return false;
	}
	return strcmp(type, "ADT") == 0 && (strcmp(trigger, "A04") == 0 || strcmp(trigger, "A08") == 0);
}

/* Copies a short code (MSH-9 parts) into out, upper case; false when too long or empty. */
static bool code_copy(const char *in, char out[4])
{
	size_t n = strlen(in);
	if (n == 0 || n > 3)
		return false;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	return true;
}

int ehr_map_header(const struct hl7_msg *h, struct ehr_msg_in *out, char **err)
{
	char *type = hl7_get(h, 0, 9, 0, 1, 0), *trig = hl7_get(h, 0, 9, 0, 2, 0);
	char *app = hl7_get(h, 0, 3, 0, 1, 0), *fac = hl7_get(h, 0, 4, 0, 1, 0);
	char *rfac = hl7_get(h, 0, 6, 0, 1, 0);
	int rc = -1;
	out->control_id = hl7_get(h, 0, 10, 0, 1, 0);
	out->sender = xasprintf("%s^%s", app, fac);
	out->facility = xstrdup(*rfac ? rfac : fac);
	if (!code_copy(type, out->type) || !code_copy(trig, out->trigger))
		seterr(err, "MSH-9 must give the message type and trigger event (e.g. SIU^S12)");
	else if (*out->control_id == '\0' || strlen(out->control_id) > 64)
		seterr(err, "MSH-10 (message control id) must be given, at most 64 characters");
	else
		rc = 0;
	free(type);
	free(trig);
	free(app);
	free(fac);
	free(rfac);
	return rc;
}

/* One number of an XTN as E.164 (*out malloc'd) and whether it is a mobile (CP) or a
 * landline (PH); -1 when it cannot be read. */
static int xtn_number(const struct hl7_msg *h, int seg, int field, int rep, char **out, char **kind, char **err)
{
	char *formatted = hl7_get(h, seg, field, rep, 1, 0), *equip = hl7_get(h, seg, field, rep, 3, 0);
	char *cc = hl7_get(h, seg, field, rep, 5, 0), *area = hl7_get(h, seg, field, rep, 6, 0);
	char *local = hl7_get(h, seg, field, rep, 7, 0);
	char *text = *local ? xasprintf("%s%s%s%s", *cc ? "+" : "", cc, area, local) : xstrdup(formatted);
	char e164[PHONE_E164_MAX];
	int rc = 0;
	*out = NULL;
	*kind = equip;
	if (*text == '\0')
		rc = 1; /* an empty repetition (e.g. only an e-mail address) */
	else if (strcasecmp(equip, "Internet") == 0 || strcasecmp(equip, "X.400") == 0)
		rc = 1;
	else if (phone_to_e164(text, e164, err) != 0)
		rc = -1;
	else
		*out = xstrdup(e164);
	free(formatted);
	free(cc);
	free(area);
	free(local);
	free(text);
	return rc;
}

/* PID-13 / PID-14: the mobile is the first CP number (else the first home number without an
 * equipment type: many systems send none); the first PH number is kept as the landline. */
static void map_phones(const struct hl7_msg *h, int pid, struct ehr_patient_in *p)
{
	int fields[2] = {13, 14};
	bool given = false;
	char *untyped = NULL;
	for (int f = 0; f < 2; f++) {
		int n = hl7_repetitions(h, pid, fields[f]);
		given = given || n > 0;
		for (int r = 0; r < n; r++) {
			char *num = NULL, *kind = NULL, *why = NULL;
			int rc = xtn_number(h, pid, fields[f], r, &num, &kind, &why);
			if (rc < 0 && p->phone_note == NULL)
				p->phone_note = xasprintf("PID-%d: %s", fields[f], why);
			if (rc == 0 && strcasecmp(kind, "CP") == 0 && p->mobile == NULL)
				p->mobile = xstrdup(num);
			else if (rc == 0 && strcasecmp(kind, "PH") == 0 && p->landline == NULL)
				p->landline = xstrdup(num);
			else if (rc == 0 && *kind == '\0' && f == 0 && untyped == NULL)
				untyped = xstrdup(num);
			free(num);
			free(kind);
			free(why);
		}
	}
	if (p->mobile == NULL && untyped != NULL)
		p->mobile = untyped;
	else
		free(untyped);
	if (given && p->mobile == NULL)
		p->mobile = xstrdup(""); /* the EHR lists the phones and none is a mobile */
}

/* ZSC (our Z-segment, for sites that send SMS consent): ZSC-1 Y/N, ZSC-2 when, ZSC-3 how. */
static int map_consent(const struct hl7_msg *h, const char *tz, struct ehr_patient_in *p, char **err)
{
	int z = hl7_find(h, "ZSC", 0);
	if (z < 0)
		return 0;
	char *flag = hl7_get(h, z, 1, 0, 1, 0), *when = hl7_get(h, z, 2, 0, 1, 0);
	int rc = 0;
	p->consent = strcasecmp(flag, "Y") == 0 ? 1 : strcasecmp(flag, "N") == 0 ? -1 : 0;
	p->consent_method = hl7_get(h, z, 3, 0, 1, 0);
	if (*p->consent_method == '\0') {
		free(p->consent_method);
		p->consent_method = xstrdup("EHR");
	}
	long long at = clock_now();
	if (*flag != '\0' && p->consent == 0)
		rc = seterr(err, "ZSC-1 (SMS consent) must be Y or N");
	else if (*when != '\0' && hl7_parse_time(when, tz, &at, err) != 0)
		rc = -1;
	p->consent_at = at;
	free(flag);
	free(when);
	return rc;
}

/* PID: identifier (MR first), name, phones; ZSC: consent. */
static int map_patient(const struct hl7_msg *h, const char *tz, struct ehr_patient_in *p, char **err)
{
	int pid = hl7_find(h, "PID", 0);
	if (pid < 0)
		return seterr(err, "no PID segment");
	int n = hl7_repetitions(h, pid, 3);
	for (int r = 0; r < n && p->external_id == NULL; r++) {
		char *type = hl7_get(h, pid, 3, r, 5, 0);
		if (strcasecmp(type, "MR") == 0)
			p->external_id = hl7_get(h, pid, 3, r, 1, 0);
		free(type);
	}
	if (p->external_id == NULL)
		p->external_id = hl7_get(h, pid, 3, 0, 1, 0);
	p->last_name = hl7_get(h, pid, 5, 0, 1, 0);
	p->first_name = hl7_get(h, pid, 5, 0, 2, 0);
	if (*p->external_id == '\0')
		return seterr(err, "PID-3 (patient identifier) is empty");
	if (*p->last_name == '\0' || *p->first_name == '\0')
		return seterr(err, "PID-5 must give the patient's family and given name");
	map_phones(h, pid, p);
	return map_consent(h, tz, p, err);
}

/* "Dr. Ann Lee" from an XCN (AIP-3: id^family^given^middle^suffix^prefix), or its id. */
static char *xcn_name(const struct hl7_msg *h, int seg, int field)
{
	char *family = hl7_get(h, seg, field, 0, 2, 0), *given = hl7_get(h, seg, field, 0, 3, 0);
	char *prefix = hl7_get(h, seg, field, 0, 6, 0);
	char *name = *family ? xasprintf("%s%s%s%s%s", prefix, *prefix ? " " : "", given, *given ? " " : "", family)
			     : hl7_get(h, seg, field, 0, 1, 0);
	free(family);
	free(given);
	free(prefix);
	return name;
}

/* The first non-empty start time of SCH-11.4, TQ1-7, AIS-4, AIL-6, AIP-6. */
static char *start_text(const struct hl7_msg *h)
{
	struct {
		const char *seg;
		int field, comp;
	} where[] = {{"SCH", 11, 4}, {"TQ1", 7, 1}, {"AIS", 4, 1}, {"AIL", 6, 1}, {"AIP", 6, 1}};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *v = hl7_get_named(h, where[i].seg, where[i].field, 0, where[i].comp);
		if (*v)
			return v;
		free(v);
	}
	return xstrdup("");
}

/* Minutes from SCH-9/SCH-10 (or AIS-7/8, AIL-9/10, AIP-9/10); 30 when none is given. */
static int duration_min(const struct hl7_msg *h, char **err)
{
	struct {
		const char *seg;
		int field;
	} where[] = {{"SCH", 9}, {"AIS", 7}, {"AIL", 9}, {"AIP", 9}};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		char *v = hl7_get_named(h, where[i].seg, where[i].field, 0, 1);
		char *u = hl7_get_named(h, where[i].seg, where[i].field + 1, 0, 1);
		char *end = NULL;
		long n = strtol(v, &end, 10);
		bool empty = *v == '\0', ok = !empty && *end == '\0' && n > 0;
		long mult = strncasecmp(u, "H", 1) == 0 ? 60 : strncasecmp(u, "S", 1) == 0 ? 0 : 1;
		free(v);
		free(u);
		if (empty)
			continue;
		if (!ok || mult == 0 || n * mult > 1440)
			return seterr(err, "%s-%d: the duration must be 1 to 1440 minutes", where[i].seg, where[i].field);
		return (int)(n * mult);
	}
	return 30;
}

/* SCH-25 (filler status code) in our words; NULL for Booked, Pending and the unknown. */
static const char *status_of(const char *code)
{
	if (strcasecmp(code, "Cancelled") == 0 || strcasecmp(code, "Deleted") == 0)
		return "cancelled";
	if (strcasecmp(code, "Noshow") == 0)
		return "no_show";
	if (strcasecmp(code, "Complete") == 0)
		return "completed";
	return NULL;
}

/* The appointment id alone (cancel, delete, no-show need nothing else). */
static int map_appt_id(const struct hl7_msg *h, struct ehr_appt_in *a, char **err)
{
	int sch = hl7_find(h, "SCH", 0);
	if (sch < 0)
		return seterr(err, "no SCH segment");
	a->ehr_id = hl7_get(h, sch, 2, 0, 1, 0);
	if (*a->ehr_id == '\0') {
		free(a->ehr_id);
		a->ehr_id = hl7_get(h, sch, 1, 0, 1, 0);
	}
	if (*a->ehr_id == '\0')
		return seterr(err, "SCH-1 / SCH-2 (appointment id) are both empty");
	return 0;
}

/* SCH, TQ1, AIS, AIL, AIP -> the appointment. */
static int map_appt(const struct hl7_msg *h, const char *tz, struct ehr_appt_in *a, char **err)
{
	if (map_appt_id(h, a, err) != 0)
		return -1;
	int sch = hl7_find(h, "SCH", 0);
	int aip = hl7_find(h, "AIP", 0), ail = hl7_find(h, "AIL", 0);
	a->provider = aip >= 0 ? xcn_name(h, aip, 3) : xstrdup("");
	if (*a->provider == '\0') { /* SCH-16 filler contact person, then the AIS service */
		free(a->provider);
		a->provider = hl7_get(h, sch, 16, 0, 2, 0);
	}
	if (*a->provider == '\0')
		return seterr(err, "no provider: AIP-3 (or SCH-16) must name one");
	a->location = ail >= 0 ? hl7_get(h, ail, 3, 0, 9, 0) : xstrdup("");
	if (*a->location == '\0' && ail >= 0) {
		free(a->location);
		a->location = hl7_get(h, ail, 3, 0, 1, 0);
	}
	char *start = start_text(h), *code = hl7_get(h, sch, 25, 0, 1, 0);
	long long t = 0;
	int rc = 0;
	if (*start == '\0')
		rc = seterr(err, "no start time (SCH-11.4, TQ1-7, AIS-4, AIL-6 or AIP-6)");
	else if (hl7_parse_time(start, tz, &t, err) != 0)
		rc = -1;
	else if ((a->duration_min = duration_min(h, err)) < 0)
		rc = -1;
	a->starts_at = t;
	a->status = status_of(code);
	free(start);
	free(code);
	return rc;
}

bool ehr_status_only(const struct ehr_msg_in *m)
{
	return strcmp(m->type, "SIU") == 0 &&
	       (strcmp(m->trigger, "S15") == 0 || strcmp(m->trigger, "S17") == 0 || strcmp(m->trigger, "S26") == 0);
}

int ehr_map_body(const struct hl7_msg *h, const char *tz, struct ehr_msg_in *out, char **err)
{
	bool status_only = ehr_status_only(out);
	/* A cancel may come without PID: the appointment is known by its id. */
	if ((!status_only || hl7_find(h, "PID", 0) >= 0) && map_patient(h, tz, &out->patient, err) != 0)
		return -1;
	if (strcmp(out->type, "SIU") != 0)
		return 0;
	if (status_only)
		return map_appt_id(h, &out->appt, err);
	return map_appt(h, tz, &out->appt, err);
}
