/* HL7 v2 in: each message is applied in one transaction (patient upsert, appointment upsert,
 * reminders superseded or cancelled, audit entries, the received-message log) or not at all,
 * and answered with an ACK: AA applied, AE readable but not usable, AR not readable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "src/ehr.h"
#include "src/util.h"

void ehr_in_result_clear(struct ehr_in_result *r)
{
	if (r == NULL)
		return;
	free(r->detail);
	free(r->ack);
	memset(r, 0, sizeof(*r));
}

/* The location a message is for: ehr_facility equal to MSH-6 (else MSH-4), then a location
 * of that name, then the only location. SD_NOTFOUND with *err. */
static int find_tenant(struct store *s, const char *facility, struct tenant *out, char **err)
{
	struct tenant *list = NULL;
	size_t n = 0;
	int found = -1;
	if (store_tenant_list(s, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n && found < 0; i++) {
		char *fac = NULL;
		int rc = store_setting_get(s, list[i].id, "ehr_facility", &fac, NULL);
		if (rc == 0 && strcmp(fac, facility) == 0)
			found = (int)i;
		free(fac);
	}
	for (size_t i = 0; i < n && found < 0; i++)
		if (strcmp(list[i].name, facility) == 0)
			found = (int)i;
	if (found < 0 && n == 1)
		found = 0;
	int rc = SD_NOTFOUND;
	if (found >= 0) {
		*out = list[found];
		memset(&list[found], 0, sizeof(list[found]));
		rc = 0;
	} else {
		seterr(err, "no location for facility \"%.60s\" (smsdesk ehr set --facility)", facility);
	}
	tenant_list_free(&list, n);
	return rc;
}

/* Upserts the patient of PID by external id; the landline and consent go with it. */
static int apply_patient(struct store *s, const struct tenant *t, const struct ehr_msg_in *m, int64_t now,
			 struct ehr_in_result *r, char **err)
{
	const struct ehr_patient_in *p = &m->patient;
	if (p->external_id == NULL) /* a cancel without PID */
		return 0;
	struct import_patient_row row = {
		.first_name = p->first_name,
		.last_name = p->last_name,
		.mobile = p->mobile,
		.external_id = p->external_id,
		.opt_out = p->consent < 0,
		.consent_at = p->consent > 0 ? p->consent_at : 0,
		.consent_method = p->consent_method,
		.allow_identity_change = true, /* the EHR's own id: a new name and number together is real */
	};
	bool updated = false;
	if (store_import_patient(s, t->id, &row, now, &updated, NULL, &r->patient_id, err) != 0 ||
	    store_ehr_set_landline(s, t->id, r->patient_id, p->landline, now, err) != 0)
		return -1;
	char *detail = xasprintf("%s from %s^%s%s%s", updated ? "updated" : "added", m->type, m->trigger,
				 p->consent > 0 ? "; consent on file" : p->consent < 0 ? "; opted out in the EHR" : "",
				 p->phone_note ? "; a phone number was not readable" : "");
	int rc = store_audit_append(s, 0, EHR_ACTOR, t->id, updated ? "ehr.patient.update" : "ehr.patient.add",
				    r->patient_id, m->control_id, detail, err);
	free(detail);
	return rc;
}

/* S15 / S17 / S26 and a status from SCH-25: a status change of a known appointment. */
static int apply_status(struct store *s, const struct tenant *t, const struct ehr_msg_in *m, const char *status,
			struct ehr_in_result *r, char **err)
{
	int64_t id = 0;
	int rc = store_ehr_appt_find(s, t->id, m->appt.ehr_id, &id, err);
	if (rc < 0)
		return -1;
	if (rc == SD_NOTFOUND) { /* nothing to cancel: the same answer as a second cancel */
		r->detail = xasprintf("%s^%s for an appointment we never had: nothing to do", m->type, m->trigger);
		return 0;
	}
	r->appointment_id = id;
	int cancelled = 0;
	if (store_appt_set_status(s, id, status, err) != 0 ||
	    store_ehr_cancel_queued(s, id, "the appointment was cancelled in the EHR", &cancelled, err) != 0)
		return -1;
	r->detail = xasprintf("appointment %lld %s; %d queued message(s) cancelled", (long long)id, status, cancelled);
	return store_audit_append(s, 0, EHR_ACTOR, t->id, "ehr.appt.status", r->patient_id, m->control_id, r->detail,
				  err);
}

/* S12 / S13 / S14: the appointment upserted; a new time supersedes its reminders. */
static int apply_appt(struct store *s, const struct tenant *t, const struct ehr_msg_in *m, int64_t now,
		      struct ehr_in_result *r, char **err)
{
	const struct ehr_appt_in *a = &m->appt;
	if (strcmp(m->trigger, "S15") == 0 || strcmp(m->trigger, "S17") == 0)
		return apply_status(s, t, m, "cancelled", r, err);
	if (strcmp(m->trigger, "S26") == 0)
		return apply_status(s, t, m, "no_show", r, err);
	struct ehr_appt_row row = {
		.ehr_id = a->ehr_id,
		.patient_id = r->patient_id,
		.provider = a->provider,
		.location = a->location,
		.starts_at = a->starts_at,
		.duration_min = a->duration_min,
		.status = a->status,
	};
	bool created = false, moved = false;
	int superseded = 0;
	if (store_ehr_appt_upsert(s, t->id, &row, now, &r->appointment_id, &created, &moved, err) != 0)
		return -1;
	if (moved && store_ehr_supersede(s, r->appointment_id, now, &superseded, err) != 0)
		return -1;
	if (a->status != NULL && strcmp(a->status, "cancelled") == 0 &&
	    store_ehr_cancel_queued(s, r->appointment_id, "the appointment was cancelled in the EHR", NULL, err) != 0)
		return -1;
	r->detail = xasprintf("appointment %lld %s%s", (long long)r->appointment_id,
			      created ? "added" : moved ? "moved" : "updated",
			      moved ? "; its reminders start over" : "");
	return store_audit_append(s, 0, EHR_ACTOR, t->id, created ? "ehr.appt.add" : moved ? "ehr.appt.move" : "ehr.appt.update",
				  r->patient_id, m->control_id, r->detail, err);
}

/* Maps and applies a readable message inside a transaction. 0 applied; 1 an AE (*err). */
static int apply(struct store *s, const struct hl7_msg *h, struct ehr_msg_in *m, struct ehr_in_result *r, char **err)
{
	struct tenant t = {0};
	int64_t now = clock_now();
	int rc = find_tenant(s, m->facility, &t, err);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	r->tenant_id = t.id;
	if (ehr_map_body(h, t.timezone, m, err) != 0) {
		tenant_free(&t);
		return 1;
	}
	if (store_begin(s, err) != 0) {
		tenant_free(&t);
		return -1;
	}
	rc = apply_patient(s, &t, m, now, r, err);
	if (rc == 0 && strcmp(m->type, "SIU") == 0)
		rc = apply_appt(s, &t, m, now, r, err);
	if (rc == 0 && r->detail == NULL)
		r->detail = xasprintf("patient %lld %s", (long long)r->patient_id, "updated");
	if (rc == 0)
		rc = store_ehr_inbound_record(s, t.id, m->sender, m->control_id, r->type, "AA", r->detail, now, err);
	if (rc == 0)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	tenant_free(&t);
	/* A store refusal (a bad provider text, say) is about this message: an AE. */
	return rc == 0 ? 0 : 1;
}

/* Fills the code, detail and ACK of the result. */
static void answer(struct ehr_in_result *r, const struct hl7_msg *h, const char *code, const char *why)
{
	snprintf(r->code, sizeof(r->code), "%s", code);
	if (why != NULL) {
		free(r->detail);
		r->detail = xstrdup(why);
	}
	char ctl[32];
	snprintf(ctl, sizeof(ctl), "SD%lld%04d", (long long)clock_now(), (int)(clock_mono_ms() % 10000));
	r->ack = hl7_ack(h, code, strcmp(code, "AA") == 0 ? NULL : r->detail, ctl);
}

int ehr_in_process(struct store *s, const char *data, size_t len, struct ehr_in_result *r)
{
	struct hl7_msg *h = NULL;
	struct ehr_msg_in m = {0};
	char *err = NULL;
	int ret = 0;
	memset(r, 0, sizeof(*r));
	if (hl7_parse(data, len, &h, &err) != 0 || ehr_map_header(h, &m, &err) != 0) {
		answer(r, h, "AR", err);
		goto out;
	}
	snprintf(r->type, sizeof(r->type), "%s^%s", m.type, m.trigger);
	if (!ehr_supported(m.type, m.trigger)) {
		xfree(&err);
		err = xasprintf("message type %s is not taken here (SIU^S12-S26, ADT^A04/A08)", r->type);
		answer(r, h, "AR", err);
		goto out;
	}
	char seen[3] = "";
	int rc = store_ehr_inbound_seen(s, m.sender, m.control_id, seen, &err);
	if (rc == 0 && strcmp(seen, "AA") == 0) {
		r->duplicate = true;
		answer(r, h, "AA", "a resent message (same control id): already applied");
		goto out;
	}
	rc = rc < 0 ? -1 : apply(s, h, &m, r, &err);
	if (rc == 0) {
		answer(r, h, "AA", NULL);
		goto out;
	}
	answer(r, h, "AE", err ? err : "could not apply the message");
	/* The AE is on record too; a resend is tried again (the patient may exist by then). */
	if (store_ehr_inbound_record(s, r->tenant_id, m.sender, m.control_id, r->type, "AE", r->detail, clock_now(),
				     NULL) != 0 && rc < 0)
		ret = -1;
out:
	free(err);
	ehr_msg_in_free(&m);
	hl7_free(&h);
	return ret;
}

/* Reads a whole (small) file; NULL with *err. */
static char *read_file(const char *path, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		seterr(err, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > HL7_MAX_BYTES)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Writes text to path (the ACK beside a processed file). */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* Compares names for qsort. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists dir's *.hl7 regular files, sorted. */
/* A file whose last write is younger than this (by the real clock, the file system's) may
 * still be being written: it is taken on a later pass. */
#define EHR_FILE_SETTLE_S 2

/* True when name in d is a regular file that has been still for EHR_FILE_SETTLE_S: a writer
 * that has just created it (empty) or is still appending is not read half-way, and a FIFO
 * or device named *.hl7 is never opened (the read would block the scheduler). */
static bool settled_file(DIR *d, const char *name)
{
	struct stat st;
	if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
		return false;
	double age = difftime(time(NULL), st.st_mtime);
	return age < 0 || age >= EHR_FILE_SETTLE_S; /* a future mtime (clock skew) cannot be judged */
}

static int list_hl7(const char *dir, char ***names, size_t *n, char **err)
{
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (d == NULL)
		return seterr(err, "cannot read the folder %s: %s", dir, strerror(errno));
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".hl7") != 0 ||
		    !settled_file(d, e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof(**names));
		}
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

int ehr_in_folder(struct store *s, const char *dir, ehr_file_fn fn, void *ctx, int *ok, int *failed, char **err)
{
	char **names = NULL;
	size_t n = 0;
	*ok = *failed = 0;
	if (list_hl7(dir, &names, &n, err) != 0)
		return -1;
	char *done = xasprintf("%s/done", dir), *bad = xasprintf("%s/failed", dir);
	mkdir(done, 0700);
	mkdir(bad, 0700);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		size_t len = 0;
		char *data = read_file(path, &len, err);
		struct ehr_in_result r = {0};
		if (data == NULL || ehr_in_process(s, data, len, &r) != 0)
			rc = -1;
		if (rc == 0) {
			bool good = strcmp(r.code, "AA") == 0;
			char *to = xasprintf("%s/%s", good ? done : bad, names[i]), *ack = xasprintf("%s.ack", to);
			/* Moved only once applied: a crash before this sees the file again, and the
			 * received-message log answers it as a resend. */
			if (rename(path, to) != 0)
				rc = seterr(err, "cannot move %s: %s", path, strerror(errno));
			write_file(ack, r.ack);
			good ? (*ok)++ : (*failed)++;
			if (fn != NULL)
				fn(ctx, names[i], &r);
			free(to);
			free(ack);
		}
		ehr_in_result_clear(&r);
		free(data);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(done);
	free(bad);
	return rc;
}
