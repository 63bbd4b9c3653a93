/* FHIR R4 Bundles: cJSON stays in this file; what leaves it are plain structs, applied to the
 * store through the same upserts as the HL7 feed (store/import.c, store/ehr.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/ehr.h"
#include "src/fhir.h"
#include "src/import.h"
#include "src/phone.h"
#include "src/util.h"

void fhir_bundle_free(struct fhir_bundle *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->np; i++) {
		struct fhir_patient *p = &b->patients[i];
		free(p->id);
		free(p->first_name);
		free(p->last_name);
		free(p->mobile);
		free(p->landline);
	}
	for (size_t i = 0; i < b->na; i++) {
		struct fhir_appt *a = &b->appts[i];
		free(a->id);
		free(a->patient_id);
		free(a->status);
		free(a->provider);
		free(a->location);
		free(a->start);
		free(a->end);
	}
	free(b->patients);
	free(b->appts);
	free(b->next_url);
	memset(b, 0, sizeof(*b));
}

/* A string member, or NULL. */
static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : NULL;
}

/* A copy of a string member, or NULL. */
static char *dup_str(const cJSON *o, const char *name)
{
	const char *v = str(o, name);
	return v ? xstrdup(v) : NULL;
}

/* name[official or first]: family and the given names joined by spaces. */
static void read_name(const cJSON *res, struct fhir_patient *p)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(res, "name"), *n, *pick = NULL;
	cJSON_ArrayForEach(n, names)
	{
		const char *use = str(n, "use");
		if (pick == NULL || (use && strcmp(use, "official") == 0))
			pick = n;
	}
	if (pick == NULL)
		return;
	p->last_name = dup_str(pick, "family");
	const cJSON *given = cJSON_GetObjectItemCaseSensitive(pick, "given"), *g;
	cJSON_ArrayForEach(g, given)
	{
		if (!cJSON_IsString(g))
			continue;
		char *joined = p->first_name ? xasprintf("%s %s", p->first_name, g->valuestring) : xstrdup(g->valuestring);
		free(p->first_name);
		p->first_name = joined;
	}
}

/* telecom: sms or mobile phone -> mobile; home or work phone -> landline. */
static void read_telecom(const cJSON *res, struct fhir_patient *p)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(res, "telecom"))
	{
		const char *sys = str(t, "system"), *use = str(t, "use"), *val = str(t, "value");
		char e164[PHONE_E164_MAX], *err = NULL;
		if (sys == NULL || val == NULL || phone_to_e164(val, e164, &err) != 0) {
			free(err);
			continue;
		}
		bool mobile = strcmp(sys, "sms") == 0 || (strcmp(sys, "phone") == 0 && use && strcmp(use, "mobile") == 0);
		bool land = strcmp(sys, "phone") == 0 && use && (strcmp(use, "home") == 0 || strcmp(use, "work") == 0);
		if (mobile && p->mobile == NULL)
			p->mobile = xstrdup(e164);
		else if (land && p->landline == NULL)
			p->landline = xstrdup(e164);
	}
}

/* FHIR appointment status in our words; NULL for the ones we do not remind (proposed,
 * waitlist). */
static char *our_status(const char *s)
{
	if (s == NULL || strcmp(s, "booked") == 0 || strcmp(s, "pending") == 0)
		return xstrdup("scheduled");
	if (strcmp(s, "cancelled") == 0 || strcmp(s, "entered-in-error") == 0)
		return xstrdup("cancelled");
	if (strcmp(s, "noshow") == 0)
		return xstrdup("no_show");
	if (strcmp(s, "fulfilled") == 0 || strcmp(s, "arrived") == 0 || strcmp(s, "checked-in") == 0)
		return xstrdup("completed");
	return NULL;
}

/* The part of a reference after "Patient/", or the fullUrl's Patient id from the bundle. */
static char *patient_ref(const char *ref, const cJSON *entries)
{
	if (ref == NULL)
		return NULL;
	const char *slash = strrchr(ref, '/');
	if (strncmp(ref, "urn:", 4) != 0 && slash != NULL && slash > ref &&
	    (size_t)(slash - ref) >= 7 && strncmp(slash - 7, "Patient", 7) == 0)
		return xstrdup(slash + 1);
	const cJSON *e;
	cJSON_ArrayForEach(e, entries)
	{
		const char *full = str(e, "fullUrl");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (full && strcmp(full, ref) == 0 && str(res, "id") != NULL)
			return xstrdup(str(res, "id"));
	}
	return NULL;
}

/* participant[]: the patient, a practitioner's display and a location's display. */
static void read_participants(const cJSON *res, const cJSON *entries, struct fhir_appt *a)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(res, "participant"))
	{
		const cJSON *actor = cJSON_GetObjectItemCaseSensitive(p, "actor");
		const char *ref = str(actor, "reference"), *disp = str(actor, "display");
		if (ref == NULL)
			continue;
		if (a->patient_id == NULL && strstr(ref, "Patient") != NULL)
			a->patient_id = patient_ref(ref, entries);
		else if (a->patient_id == NULL && strncmp(ref, "urn:", 4) == 0)
			a->patient_id = patient_ref(ref, entries);
		if (strstr(ref, "Practitioner") != NULL && a->provider == NULL && disp)
			a->provider = xstrdup(disp);
		else if (strstr(ref, "Location") != NULL && a->location == NULL && disp)
			a->location = xstrdup(disp);
	}
}

/* Adds one resource of the entry to the bundle (other types counted as skipped). */
static void read_entry(const cJSON *e, const cJSON *entries, struct fhir_bundle *b)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
	const char *type = str(res, "resourceType");
	if (type != NULL && strcmp(type, "Patient") == 0) {
		b->patients = xrealloc(b->patients, (b->np + 1) * sizeof(*b->patients));
		struct fhir_patient *p = &b->patients[b->np++];
		memset(p, 0, sizeof(*p));
		p->id = dup_str(res, "id");
		read_name(res, p);
		read_telecom(res, p);
	} else if (type != NULL && strcmp(type, "Appointment") == 0) {
		b->appts = xrealloc(b->appts, (b->na + 1) * sizeof(*b->appts));
		struct fhir_appt *a = &b->appts[b->na++];
		memset(a, 0, sizeof(*a));
		a->id = dup_str(res, "id");
		a->status = our_status(str(res, "status"));
		a->start = dup_str(res, "start");
		a->end = dup_str(res, "end");
		const cJSON *dur = cJSON_GetObjectItemCaseSensitive(res, "minutesDuration");
		a->duration_min = cJSON_IsNumber(dur) && dur->valuedouble >= 1 && dur->valuedouble <= 1440
					  ? (int)dur->valuedouble : 0;
		read_participants(res, entries, a);
	} else {
		b->skipped++;
	}
}

int fhir_bundle_parse(const char *json, size_t len, struct fhir_bundle *out, char **err)
{
	memset(out, 0, sizeof(*out));
	if (len > FHIR_MAX_BYTES)
		return seterr(err, "a bundle of more than %d MB", FHIR_MAX_BYTES / (1024 * 1024));
	cJSON *root = cJSON_ParseWithLength(json, len);
	if (root == NULL)
		return seterr(err, "not valid JSON");
	int rc = 0;
	const char *type = str(root, "resourceType");
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entry"), *e, *l;
	if (type == NULL || strcmp(type, "Bundle") != 0)
		rc = seterr(err, "not a FHIR Bundle (resourceType is not \"Bundle\")");
	else if (entries != NULL && !cJSON_IsArray(entries))
		rc = seterr(err, "Bundle.entry is not an array");
	if (rc == 0) {
		cJSON_ArrayForEach(e, entries)
			read_entry(e, entries, out);
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(root, "link"))
		{
			const char *rel = str(l, "relation");
			if (rel && strcmp(rel, "next") == 0 && str(l, "url") && out->next_url == NULL)
				out->next_url = dup_str(l, "url");
		}
	}
	cJSON_Delete(root);
	if (rc != 0)
		fhir_bundle_free(out);
	return rc;
}

/* A FHIR instant to Unix time: fractions of a second dropped, then the import's ISO reader. */
static int instant(const char *text, const char *tz, int64_t *out, char **err)
{
	char buf[64];
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < sizeof(buf); p++) {
		if (*p == '.') {
			while (p[1] >= '0' && p[1] <= '9')
				p++;
			continue;
		}
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return import_parse_time(buf, tz, false, out, err);
}

/* Applies one patient. */
static int apply_patient(struct store *s, int64_t tenant_id, const struct fhir_patient *p, int64_t now,
			 char **err)
{
	if (p->id == NULL || p->first_name == NULL || p->last_name == NULL)
		return seterr(err, "a Patient needs an id, a family and a given name");
	struct import_patient_row row = {.first_name = p->first_name, .last_name = p->last_name,
					 .mobile = p->mobile ? p->mobile : (p->landline ? "" : NULL),
					 .external_id = p->id, .allow_identity_change = true};
	bool updated = false;
	int64_t id = 0;
	if (store_import_patient(s, tenant_id, &row, now, &updated, NULL, &id, err) != 0 ||
	    store_ehr_set_landline(s, tenant_id, id, p->landline, now, err) != 0)
		return -1;
	return store_audit_append(s, 0, EHR_ACTOR, tenant_id, updated ? "ehr.patient.update" : "ehr.patient.add", id,
				  "FHIR Patient", NULL, err);
}

/* Applies one appointment. */
static int apply_appt(struct store *s, int64_t tenant_id, const char *tz, const struct fhir_appt *a, int64_t now,
		      char **err)
{
	int64_t pid = 0, start = 0, end = 0, id = 0;
	if (a->id == NULL || a->patient_id == NULL || a->start == NULL)
		return seterr(err, "an Appointment needs an id, a Patient participant and a start");
	if (a->status == NULL)
		return 0; /* proposed or waitlist: nothing to remind yet */
	int rc = store_ehr_patient_by_external(s, tenant_id, a->patient_id, &pid, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no patient with id %.60s (send the Patient too)", a->patient_id);
	if (rc != 0 || instant(a->start, tz, &start, err) != 0 || (a->end && instant(a->end, tz, &end, err) != 0))
		return -1;
	int dur = a->duration_min ? a->duration_min : end > start && end - start <= 86400 ? (int)((end - start) / 60) : 30;
	bool cancel = strcmp(a->status, "cancelled") == 0;
	struct ehr_appt_row row = {.ehr_id = a->id, .patient_id = pid, .provider = a->provider ? a->provider : "(provider)",
				   .location = a->location, .starts_at = start, .duration_min = dur > 0 ? dur : 30,
				   .status = strcmp(a->status, "scheduled") == 0 ? NULL : a->status};
	bool created = false, moved = false;
	if (store_ehr_appt_upsert(s, tenant_id, &row, now, &id, &created, &moved, err) != 0 ||
	    (moved && store_ehr_supersede(s, id, now, NULL, err) != 0) ||
	    (cancel && store_ehr_cancel_queued(s, id, "the appointment was cancelled in the EHR", NULL, err) != 0))
		return -1;
	return store_audit_append(s, 0, EHR_ACTOR, tenant_id, created ? "ehr.appt.add" : moved ? "ehr.appt.move" : "ehr.appt.update",
				  pid, "FHIR Appointment", a->status, err);
}

/* Runs one resource inside a savepoint; a refusal is reported, not fatal. */
static int one(struct store *s, int rc_apply, const char *what, const char *id, char **why, struct fhir_result *r,
	       int *count)
{
	if (rc_apply == 0) {
		(*count)++;
		return store_import_row_end(s, NULL);
	}
	store_import_row_undo(s);
	r->refused++;
	if (r->report) {
		char *label = xasprintf("%s %.60s", what, id ? id : "(no id)");
		r->report(r->ctx, label, *why ? *why : "refused");
		free(label);
	}
	xfree(why);
	return 0;
}

int fhir_bundle_apply(struct store *s, int64_t tenant_id, const char *tz, const struct fhir_bundle *b,
		      struct fhir_result *r, char **err)
{
	int64_t now = clock_now();
	char *why = NULL;
	if (store_begin(s, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < b->np; i++) {
		if ((rc = store_import_row_begin(s, err)) != 0)
			break;
		rc = one(s, apply_patient(s, tenant_id, &b->patients[i], now, &why), "Patient", b->patients[i].id, &why, r,
			 &r->patients);
	}
	for (size_t i = 0; rc == 0 && i < b->na; i++) {
		if ((rc = store_import_row_begin(s, err)) != 0)
			break;
		rc = one(s, apply_appt(s, tenant_id, tz, &b->appts[i], now, &why), "Appointment", b->appts[i].id, &why, r,
			 &r->appointments);
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* ---- status export ---------------------------------------------------------------------- */

/* FHIR's Appointment.status and the patient participant's status for ours. */
static void fhir_words(const char *ours, const char **status, const char **part)
{
	*status = "booked";
	*part = "needs-action";
	if (strcmp(ours, "confirmed") == 0)
		*part = "accepted";
	else if (strcmp(ours, "reschedule_requested") == 0)
		*part = "tentative";
	else if (strcmp(ours, "cancelled") == 0)
		*status = "cancelled", *part = "declined";
	else if (strcmp(ours, "no_show") == 0)
		*status = "noshow";
	else if (strcmp(ours, "completed") == 0)
		*status = "fulfilled";
}

/* One Appointment resource for the export. */
static cJSON *export_appt(const struct ehr_appt_status *a)
{
	char start[32], updated[32];
	const char *status, *part;
	fhir_words(a->status, &status, &part);
	time_iso_utc(a->starts_at, start, sizeof(start));
	time_iso_utc(a->updated_at, updated, sizeof(updated));
	cJSON *res = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(res, "meta");
	cJSON_AddStringToObject(res, "resourceType", "Appointment");
	cJSON_AddStringToObject(res, "id", a->ehr_id);
	cJSON_AddStringToObject(meta, "lastUpdated", updated);
	cJSON_AddStringToObject(res, "status", status);
	cJSON_AddStringToObject(res, "start", start);
	cJSON *parts = cJSON_AddArrayToObject(res, "participant"), *p = cJSON_CreateObject();
	if (a->patient_external_id != NULL) {
		char *ref = xasprintf("Patient/%s", a->patient_external_id);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "actor"), "reference", ref);
		free(ref);
	}
	cJSON_AddStringToObject(p, "status", part);
	cJSON_AddItemToArray(parts, p);
	return res;
}

/* A CSV field, quoted when it needs to be (a formula-looking start is quoted and prefixed). */
static void csv_field(FILE *f, const char *v, bool last)
{
	bool formula = v[0] != '\0' && strchr("=+-@", v[0]) != NULL;
	bool quote = formula || strpbrk(v, ",\"\r\n") != NULL;
	if (!quote) {
		fputs(v, f);
	} else {
		fputc('"', f);
		if (formula) /* a spreadsheet must not run it */
			fputc('\'', f);
		for (const char *p = v; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	fputs(last ? "\r\n" : ",", f);
}

int fhir_export_statuses(struct store *s, int64_t tenant_id, int64_t since, enum fhir_export_format fmt,
			 char **out, char **err)
{
	struct ehr_appt_status *v = NULL;
	size_t n = 0;
	*out = NULL;
	if (store_ehr_appt_statuses(s, tenant_id, since, &v, &n, err) != 0)
		return -1;
	if (fmt == EXPORT_FHIR) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "resourceType", "Bundle");
		cJSON_AddStringToObject(b, "type", "collection");
		cJSON *entries = cJSON_AddArrayToObject(b, "entry");
		for (size_t i = 0; i < n; i++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddItemToObject(e, "resource", export_appt(&v[i]));
			cJSON_AddItemToArray(entries, e);
		}
		*out = cJSON_Print(b);
		cJSON_Delete(b);
	} else {
		size_t len = 0;
		FILE *f = open_memstream(out, &len);
		fputs("ehr_id,patient_id,start,status,updated\r\n", f);
		for (size_t i = 0; i < n; i++) {
			char start[32], updated[32];
			time_iso_utc(v[i].starts_at, start, sizeof(start));
			time_iso_utc(v[i].updated_at, updated, sizeof(updated));
			csv_field(f, v[i].ehr_id, false);
			csv_field(f, v[i].patient_external_id ? v[i].patient_external_id : "", false);
			csv_field(f, start, false);
			csv_field(f, v[i].status, false);
			csv_field(f, updated, true);
		}
		fclose(f);
	}
	ehr_appt_status_list_free(&v, n);
	return 0;
}
