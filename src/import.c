/* Importing patients and appointments: columns by name, one check per value with a reason a
 * person can act on, writes in batches of rows (one transaction per batch, a savepoint per
 * row so a refused row leaves nothing), one audit entry per import. The CSV reader is in
 * src/import_csv.c; JSON is read here.
 * cJSON is allowed in this file for import only (besides src/twilio.c and src/sim/): the
 * tree is turned into plain values row by row and nothing of it leaves this file. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include "src/import.h"
#include "src/phone.h"
#include "src/tz.h"
#include "src/util.h"
#include "store/import.h"

#define NAME_MAX_BYTES 200
#define UNKNOWN_MAX 32 /* unknown JSON keys remembered, so each is noted once */

enum col {
	COL_FIRST, COL_LAST, COL_MOBILE, COL_PHONE, COL_TZ, COL_EXT, COL_OPTOUT, COL_CONSENT_DATE,
	COL_CONSENT_METHOD, COL_PROVIDER, COL_LOCATION, COL_START, COL_DURATION, COL_STATUS, COL_N
};

#define KP (1u << IMPORT_PATIENTS)
#define KA (1u << IMPORT_APPOINTMENTS)

/* Column names (compared case-insensitively, ' ' and '-' read as '_') and who uses them. */
static const struct {
	const char *name;
	enum col col;
	unsigned kinds;
} columns[] = {
	{"first_name", COL_FIRST, KP}, {"last_name", COL_LAST, KP}, {"mobile", COL_MOBILE, KP},
	{"phone", COL_PHONE, KP}, {"timezone", COL_TZ, KP}, {"external_id", COL_EXT, KP | KA},
	{"patient_external_id", COL_EXT, KA}, {"sms_opt_out", COL_OPTOUT, KP},
	{"consent_date", COL_CONSENT_DATE, KP}, {"consent_method", COL_CONSENT_METHOD, KP},
	{"provider", COL_PROVIDER, KA}, {"location", COL_LOCATION, KA}, {"start", COL_START, KA},
	{"duration_min", COL_DURATION, KA}, {"status", COL_STATUS, KA},
};

/* One row as text: v[c] NULL when the column is absent, "" when empty. */
struct row {
	char *v[COL_N];
};

/* The patients' external ids written so far in this file, with their row numbers: a second
 * row for the same id is refused rather than turning the first patient into the second. */
struct seen {
	char **keys;
	size_t *rows;
	size_t n, cap; /* cap: a power of two, or 0 */
};

/* The run's state. */
struct run {
	struct store *s;
	const struct import_opts *o;
	struct import_result *r;
	size_t batch, in_batch;
	size_t lines_skipped; /* blank lines the format sniffer took before the CSV reader started */
	bool in_tx;
	int64_t now;
	char *unknown[UNKNOWN_MAX];
	size_t n_unknown;
	struct seen ids;
};

/* ---- external ids seen in this file ---- */

/* FNV-1a. */
static size_t seen_hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)k; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of key: where it is, or the empty slot where it would go (cap > 0). */
static size_t seen_slot(const struct seen *t, const char *key)
{
	size_t i = seen_hash(key) & (t->cap - 1);
	while (t->keys[i] != NULL && strcmp(t->keys[i], key) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* The row where key was first written, 0 when not yet. */
static size_t seen_row(const struct seen *t, const char *key)
{
	if (t->cap == 0)
		return 0;
	size_t i = seen_slot(t, key);
	return t->keys[i] != NULL ? t->rows[i] : 0;
}

static void seen_add(struct seen *t, const char *key, size_t row)
{
	if (2 * (t->n + 1) > t->cap) {
		struct seen bigger = {.cap = t->cap ? t->cap * 2 : 1024};
		bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
		bigger.rows = xcalloc(bigger.cap, sizeof(*bigger.rows));
		for (size_t i = 0; i < t->cap; i++) {
			if (t->keys[i] == NULL)
				continue;
			size_t j = seen_slot(&bigger, t->keys[i]);
			bigger.keys[j] = t->keys[i];
			bigger.rows[j] = t->rows[i];
		}
		bigger.n = t->n;
		free(t->keys);
		free(t->rows);
		*t = bigger;
	}
	size_t i = seen_slot(t, key);
	if (t->keys[i] != NULL)
		return;
	t->keys[i] = xstrdup(key);
	t->rows[i] = row;
	t->n++;
}

static void seen_free(struct seen *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* ---- values ---- */

/* Strips ASCII blanks around s in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* "yes"/"no" and friends: 1, 0, or -1 when not a yes or no ("" is no). */
static int parse_yes_no(const char *v)
{
	static const char *const yes[] = {"yes", "y", "true", "1", "x"}, *const no[] = {"no", "n", "false", "0", ""};
	for (size_t i = 0; i < 5; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* ---- rows ---- */

/* Reports a refused row and counts it. */
static void reject(struct run *x, size_t rowno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void reject(struct run *x, size_t rowno, const char *fmt, ...)
{
	x->r->rejected++;
	if (x->o->report == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	char *line = xasprintf("row %zu: %s", rowno, msg);
	x->o->report(x->o->report_ctx, rowno, line);
	free(line);
	free(msg);
}

/* Checks a text value: required (non-empty), short, clean. NULL when fine, else the reason. */
static char *check_field(const char *name, const char *v, bool required, size_t max)
{
	char *why = NULL, q[64];
	if (v == NULL || *v == '\0')
		return required ? xasprintf("%s is empty", name) : NULL;
	import_quote_value(v, q, sizeof(q));
	if (import_check_text(v, &why) != 0) {
		char *msg = xasprintf("%s '%s' %s", name, q, why);
		free(why);
		return msg;
	}
	if (strlen(v) > max)
		return xasprintf("%s '%s' is longer than %zu bytes", name, q, max);
	return NULL;
}

/* Checks the consent columns: a date needs a method and a number, and cannot be ahead. */
static char *check_consent(struct run *x, struct row *w, struct import_patient_row *p)
{
	const char *date = w->v[COL_CONSENT_DATE], *method = w->v[COL_CONSENT_METHOD];
	char *why = NULL, q[64];
	if (date == NULL || *date == '\0') {
		if (method != NULL && *method != '\0')
			return xasprintf("consent_method needs a consent_date");
		return NULL;
	}
	import_quote_value(date, q, sizeof(q));
	if (import_parse_time(date, x->o->clinic_tz, true, &p->consent_at, &why) != 0) {
		char *msg = xasprintf("consent_date '%s' %s", q, why);
		free(why);
		return msg;
	}
	if (p->consent_at <= 0)
		return xasprintf("consent_date '%s' is before 1970", q);
	/* A day of slack: a date is midnight in the clinic's zone, which may be ahead of UTC. */
	if (p->consent_at > x->now + 86400)
		return xasprintf("consent_date '%s' is in the future", q);
	if (method == NULL || *method == '\0')
		return xasprintf("consent_date needs a consent_method (paper form, verbal at desk, ...)");
	if (*p->mobile == '\0')
		return xasprintf("consent needs a mobile number (consent is given for a number)");
	p->consent_method = method;
	return NULL;
}

/* Checks the patient columns of a row into *p (pointing into the row). NULL or the reason. */
static char *check_patient(struct run *x, struct row *w, struct import_patient_row *p, char *e164)
{
	char *why = NULL, q[64];
	if ((why = check_field("first_name", w->v[COL_FIRST], true, NAME_MAX_BYTES)) ||
	    (why = check_field("last_name", w->v[COL_LAST], true, NAME_MAX_BYTES)) ||
	    (why = check_field("external_id", w->v[COL_EXT], false, NAME_MAX_BYTES)) ||
	    (why = check_field("timezone", w->v[COL_TZ], false, 64)) ||
	    (why = check_field("consent_method", w->v[COL_CONSENT_METHOD], false, 100)))
		return why;
	memset(p, 0, sizeof(*p));
	p->first_name = w->v[COL_FIRST];
	p->last_name = w->v[COL_LAST];
	p->external_id = w->v[COL_EXT];
	const char *mcol = w->v[COL_MOBILE] && *w->v[COL_MOBILE] ? "mobile" : "phone";
	const char *m = w->v[COL_MOBILE] && *w->v[COL_MOBILE] ? w->v[COL_MOBILE] : w->v[COL_PHONE];
	if (m == NULL && w->v[COL_MOBILE] == NULL)
		return xasprintf("has no mobile");
	p->mobile = "";
	if (m != NULL && *m != '\0') {
		import_quote_value(m, q, sizeof(q));
		char *perr = NULL;
		if (phone_to_e164(m, e164, &perr) != 0) {
			why = xasprintf("%s '%s': %s", mcol, q, perr);
			free(perr);
			return why;
		}
		p->mobile = e164;
	}
	const char *tzv = w->v[COL_TZ];
	if (tzv != NULL && *tzv != '\0' && !tz_valid(tzv)) {
		import_quote_value(tzv, q, sizeof(q));
		return xasprintf("timezone '%s' is not a time zone (an IANA name such as America/Chicago)", q);
	}
	p->timezone = tzv;
	if (w->v[COL_OPTOUT] != NULL) {
		int yn = parse_yes_no(w->v[COL_OPTOUT]);
		import_quote_value(w->v[COL_OPTOUT], q, sizeof(q));
		if (yn < 0)
			return xasprintf("sms_opt_out '%s' is neither yes nor no", q);
		p->opt_out = yn == 1;
	}
	return check_consent(x, w, p);
}

/* The appointment statuses the schema knows, with the spellings exports use. */
static const char *appt_status(const char *v)
{
	static const struct {
		const char *in, *out;
	} map[] = {
		{"scheduled", "scheduled"}, {"booked", "scheduled"}, {"confirmed", "confirmed"},
		{"reschedule_requested", "reschedule_requested"}, {"cancelled", "cancelled"},
		{"canceled", "cancelled"}, {"completed", "completed"}, {"no_show", "no_show"},
		{"no-show", "no_show"}, {"noshow", "no_show"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(v, map[i].in) == 0)
			return map[i].out;
	return NULL;
}

/* Checks the appointment columns of a row into *a. NULL or the reason. */
static char *check_appt(struct run *x, struct row *w, struct import_appt_row *a)
{
	char *why = NULL, q[64];
	if ((why = check_field("external_id", w->v[COL_EXT], true, NAME_MAX_BYTES)) ||
	    (why = check_field("provider", w->v[COL_PROVIDER], true, NAME_MAX_BYTES)) ||
	    (why = check_field("location", w->v[COL_LOCATION], false, NAME_MAX_BYTES)) ||
	    (why = check_field("start", w->v[COL_START], true, 64)) ||
	    (why = check_field("status", w->v[COL_STATUS], false, 64)) ||
	    (why = check_field("duration_min", w->v[COL_DURATION], false, 16)))
		return why;
	memset(a, 0, sizeof(*a));
	a->patient_external_id = w->v[COL_EXT];
	a->provider = w->v[COL_PROVIDER];
	a->location = w->v[COL_LOCATION];
	import_quote_value(w->v[COL_START], q, sizeof(q));
	if (import_parse_time(w->v[COL_START], x->o->clinic_tz, false, &a->starts_at, &why) != 0) {
		char *msg = xasprintf("start '%s' %s", q, why);
		free(why);
		return msg;
	}
	if (a->starts_at <= 0)
		return xasprintf("start '%s' is before 1970", q);
	a->duration_min = 30;
	const char *d = w->v[COL_DURATION];
	if (d != NULL && *d != '\0') {
		char *end = NULL;
		long v = strtol(d, &end, 10);
		import_quote_value(d, q, sizeof(q));
		if (!isdigit((unsigned char)*d) || *end != '\0' || v < 1 || v > 1440)
			return xasprintf("duration_min '%s' is not a number of minutes from 1 to 1440", q);
		a->duration_min = (int)v;
	}
	const char *st = w->v[COL_STATUS];
	if (st != NULL && *st != '\0') {
		a->status = appt_status(st);
		import_quote_value(st, q, sizeof(q));
		if (a->status == NULL)
			return xasprintf("status '%s' is not one of scheduled, confirmed, reschedule_requested, "
					 "cancelled, completed, no_show", q);
	}
	return NULL;
}

/* ---- writing ---- */

/* Commits the open batch. */
static int flush(struct run *x, char **err)
{
	if (!x->in_tx)
		return 0;
	x->in_tx = false;
	x->in_batch = 0;
	return store_commit(x->s, err);
}

/* Reports an allowed change of name and mobile: the row is in, and still shown. */
static void note_identity(struct run *x, size_t rowno, const char *ext)
{
	x->r->identity_changes++;
	if (x->o->report == NULL)
		return;
	char q[64];
	import_quote_value(ext ? ext : "", q, sizeof(q));
	char *line = xasprintf("row %zu: external_id '%s': name and mobile both changed (allowed by "
			       "--allow-identity-change)", rowno, q);
	x->o->report(x->o->report_ctx, rowno, line);
	free(line);
}

/* Checks and writes one row under its own savepoint. -1 only when the database failed. */
static int take_row(struct run *x, size_t rowno, struct row *w, char **err)
{
	struct import_patient_row p;
	struct import_appt_row a;
	char e164[PHONE_E164_MAX];
	x->r->rows++;
	char *why = x->o->kind == IMPORT_PATIENTS ? check_patient(x, w, &p, e164) : check_appt(x, w, &a);
	if (why != NULL) {
		reject(x, rowno, "%s", why);
		free(why);
		return 0;
	}
	const char *ext = x->o->kind == IMPORT_PATIENTS && p.external_id != NULL && *p.external_id ? p.external_id : NULL;
	size_t first = ext != NULL ? seen_row(&x->ids, ext) : 0;
	if (first != 0) {
		char q[64];
		import_quote_value(ext, q, sizeof(q));
		reject(x, rowno, "external_id '%s' is already on row %zu of this file: one row per patient "
				 "(row %zu is kept, this one is not imported)",
		       q, first, first);
		return 0;
	}
	p.allow_identity_change = x->o->allow_identity_change;
	if (!x->in_tx) {
		if (store_begin(x->s, err) != 0)
			return -1;
		x->in_tx = true;
	}
	if (store_import_row_begin(x->s, err) != 0)
		return -1;
	bool updated = false, identity = false;
	char *werr = NULL;
	int rc = x->o->kind == IMPORT_PATIENTS
			 ? store_import_patient(x->s, x->o->tenant_id, &p, x->now, &updated, &identity, NULL, &werr)
			 : store_import_appt(x->s, x->o->tenant_id, &a, x->now, &updated, &werr);
	if (rc == SD_NOTFOUND || rc == STORE_IMPORT_IDENTITY) {
		char q[64];
		import_quote_value(rc == SD_NOTFOUND ? a.patient_external_id : p.external_id, q, sizeof(q));
		store_import_row_undo(x->s);
		reject(x, rowno, "external_id '%s': %s", q, werr);
		free(werr);
		return 0;
	}
	if (rc != 0) {
		store_import_row_undo(x->s);
		seterr(err, "row %zu: %s", rowno, werr);
		free(werr);
		return -1;
	}
	if (store_import_row_end(x->s, err) != 0)
		return -1;
	if (ext != NULL)
		seen_add(&x->ids, ext, rowno);
	if (identity)
		note_identity(x, rowno, ext);
	if (updated)
		x->r->updated++;
	else
		x->r->added++;
	/* A dry run is one transaction rolled back at the end, so counts match a real run. */
	if (!x->o->dry_run && ++x->in_batch >= x->batch)
		return flush(x, err);
	return 0;
}

/* Notes a column nobody imports (once per name). */
static void note_unknown(struct run *x, const char *name)
{
	for (size_t i = 0; i < x->n_unknown; i++)
		if (strcasecmp(x->unknown[i], name) == 0)
			return;
	if (x->n_unknown < UNKNOWN_MAX)
		x->unknown[x->n_unknown++] = xstrdup(name);
	if (x->o->report != NULL) {
		char q[64];
		import_quote_value(name, q, sizeof(q));
		char *msg = xasprintf("column '%s' is not one smsdesk imports: ignored", q);
		x->o->report(x->o->report_ctx, 0, msg);
		free(msg);
	}
}

/* The column a header name means for this kind of import, or -1. */
static int column_of(enum import_kind kind, const char *name)
{
	char norm[48];
	size_t n = 0;
	for (const char *p = name; *p && n + 1 < sizeof(norm); p++)
		norm[n++] = (*p == ' ' || *p == '-') ? '_' : (char)tolower((unsigned char)*p);
	norm[n] = '\0';
	if (strlen(name) >= sizeof(norm))
		return -1;
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if ((columns[i].kinds & (1u << kind)) && strcmp(norm, columns[i].name) == 0)
			return (int)columns[i].col;
	return -1;
}

/* The columns a file of this kind must have: NULL when all are there, else the missing one. */
static const char *missing_column(enum import_kind kind, const bool *have)
{
	if (kind == IMPORT_PATIENTS) {
		if (!have[COL_FIRST])
			return "first_name";
		if (!have[COL_LAST])
			return "last_name";
		if (!have[COL_MOBILE] && !have[COL_PHONE])
			return "mobile (or phone)";
		return NULL;
	}
	if (!have[COL_EXT])
		return "external_id";
	if (!have[COL_PROVIDER])
		return "provider";
	return have[COL_START] ? NULL : "start";
}

/* ---- CSV ---- */

/* Reads the header row into map (field index -> column or -1). */
static int csv_header(struct run *x, struct import_csv *c, int *map, size_t *ncols, char **err)
{
	char **f = NULL, *rerr = NULL;
	size_t n = 0, line = 0;
	int rc = import_csv_next(c, &f, &n, &line, &rerr);
	if (rc == 0)
		return seterr(err, import_csv_failed(c) ? "the file could not be read"
						       : "the file is empty: its first row must name the columns");
	if (rc < 0) {
		seterr(err, "the header row (line %zu) %s", line, rerr);
		free(rerr);
		return -1;
	}
	bool have[COL_N] = {false};
	size_t known = 0;
	for (size_t i = 0; i < n; i++) {
		char *name = trim(f[i]);
		int col = *name ? column_of(x->o->kind, name) : -1;
		map[i] = col;
		if (col < 0 && *name)
			note_unknown(x, name);
		if (col < 0)
			continue;
		if (have[col]) {
			char q[64];
			import_quote_value(name, q, sizeof(q));
			return seterr(err, "the header row names the column '%s' twice", q);
		}
		have[col] = true;
		known++;
	}
	*ncols = n;
	const char *miss = missing_column(x->o->kind, have);
	if (known == 0)
		return seterr(err, "the first row is not a header: it must name the columns, such as %s",
			      x->o->kind == IMPORT_PATIENTS ? "external_id,first_name,last_name,mobile"
							    : "external_id,provider,location,start,duration_min,status");
	if (miss != NULL)
		return seterr(err, "the header row has no %s column", miss);
	return 0;
}

/* Imports a CSV stream. */
static int run_csv(struct run *x, FILE *in, char **err)
{
	struct import_csv *c = import_csv_open(in);
	int map[IMPORT_FIELDS_MAX];
	size_t ncols = 0;
	int rc = csv_header(x, c, map, &ncols, err);
	while (rc == 0) {
		char **f = NULL, *rerr = NULL;
		size_t n = 0, line = 0;
		int got = import_csv_next(c, &f, &n, &line, &rerr);
		if (got == 0)
			break;
		line += x->lines_skipped;
		if (got < 0 || n != ncols) {
			x->r->rows++;
			if (got < 0)
				reject(x, line, "the record %s", rerr);
			else
				reject(x, line, "has %zu fields but the header has %zu (a quote left open or a stray comma?)",
				       n, ncols);
			free(rerr);
			continue;
		}
		struct row w = {{NULL}};
		for (size_t i = 0; i < n; i++)
			if (map[i] >= 0)
				w.v[map[i]] = trim(f[i]);
		rc = take_row(x, line, &w, err);
	}
	if (rc == 0 && import_csv_failed(c))
		rc = seterr(err, "reading the file failed part way through");
	import_csv_close(&c);
	return rc;
}

/* ---- JSON ---- */

/* Reads the whole stream (at most IMPORT_JSON_MAX bytes). */
static int read_all(FILE *in, char **buf, size_t *len, char **err)
{
	size_t cap = 64 * 1024, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap >= IMPORT_JSON_MAX) {
				free(b);
				return seterr(err, "the JSON file is larger than %d MB: export CSV instead, which is read as a stream",
					      IMPORT_JSON_MAX / (1024 * 1024));
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		size_t got = fread(b + n, 1, cap - n, in);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(in)) {
		free(b);
		return seterr(err, "the file could not be read");
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Names a JSON value's type for a report. */
static const char *json_type(const cJSON *v)
{
	return cJSON_IsObject(v) ? "an object" : cJSON_IsArray(v) ? "a list" : cJSON_IsBool(v) ? "true/false" : "a number";
}

/* Turns one array element into a row and takes it. */
static int json_row(struct run *x, size_t rowno, cJSON *obj, char **err)
{
	struct row w = {{NULL}};
	char nums[COL_N][32];
	const char *bad = NULL;
	if (!cJSON_IsObject(obj))
		bad = "is not an object ({\"first_name\": ..., ...})";
	for (cJSON *it = cJSON_IsObject(obj) ? obj->child : NULL; it != NULL && bad == NULL; it = it->next) {
		int col = column_of(x->o->kind, it->string ? it->string : "");
		if (col < 0) {
			note_unknown(x, it->string ? it->string : "");
			continue;
		}
		if (w.v[col] != NULL) {
			bad = "names the same key twice";
		} else if (cJSON_IsString(it)) {
			w.v[col] = trim(it->valuestring);
		} else if (cJSON_IsNull(it)) {
			w.v[col] = "";
		} else if (cJSON_IsBool(it) && col == COL_OPTOUT) {
			w.v[col] = strcpy(nums[col], cJSON_IsTrue(it) ? "yes" : "no");
		} else if (cJSON_IsNumber(it) && it->valuedouble > -1e15 && it->valuedouble < 1e15 &&
			   it->valuedouble == (double)(long long)it->valuedouble) {
			/* The range first: casting 1e300, inf or NaN to an integer is undefined. */
			snprintf(nums[col], sizeof(nums[col]), "%lld", (long long)it->valuedouble);
			w.v[col] = nums[col];
		} else {
			char q[64];
			import_quote_value(it->string, q, sizeof(q));
			x->r->rows++;
			reject(x, rowno, "%s must be text, not %s", q, json_type(it));
			return 0;
		}
	}
	if (bad != NULL) {
		x->r->rows++;
		reject(x, rowno, "%s", bad);
		return 0;
	}
	return take_row(x, rowno, &w, err);
}

/* Imports a JSON array of objects. */
static int run_json(struct run *x, FILE *in, char **err)
{
	char *buf = NULL;
	size_t len = 0;
	if (read_all(in, &buf, &len, err) != 0)
		return -1;
	size_t skip = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(buf + skip, len - skip, &end, false);
	int rc = 0;
	if (root == NULL)
		rc = seterr(err, "the file is not valid JSON (near byte %zu)", end ? (size_t)(end - buf) + 1 : skip + 1);
	else if (!cJSON_IsArray(root))
		rc = seterr(err, "the JSON must be an array of objects ([{...}, {...}]), not %s",
			    cJSON_IsObject(root) ? "an object" : "a single value");
	size_t i = 0;
	for (cJSON *it = root && rc == 0 ? root->child : NULL; it != NULL && rc == 0; it = it->next)
		rc = json_row(x, ++i, it, err);
	cJSON_Delete(root);
	free(buf);
	return rc;
}

/* ---- the import ---- */

/* JSON when the first non-blank byte is '[' or '{' (that byte is put back); counts the line
 * ends it passed so CSV row numbers stay those of the file. */
static enum import_format sniff(FILE *in, size_t *lines)
{
	int ch;
	*lines = 0;
	do {
		ch = fgetc(in);
		*lines += ch == '\n';
	} while (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
	if (ch == EOF)
		return IMPORT_CSV;
	ungetc(ch, in);
	return ch == '[' || ch == '{' ? IMPORT_JSON : IMPORT_CSV;
}

/* Appends the one audit entry of the import. */
static void audit(struct run *x, const char *outcome)
{
	char *detail = xasprintf("%zu rows: %zu added/updated, %zu rejected (%zu added, %zu updated)%s%s", x->r->rows,
				 x->r->added + x->r->updated, x->r->rejected, x->r->added, x->r->updated,
				 x->r->identity_changes > 0 ? "; name and mobile changed by --allow-identity-change" : "",
				 outcome);
	store_audit_append(x->s, 0, x->o->actor ? x->o->actor : "system", x->o->tenant_id,
			   x->o->kind == IMPORT_PATIENTS ? "import.patients" : "import.appointments", 0, x->o->source,
			   detail, NULL);
	free(detail);
}

int import_run(struct store *s, FILE *in, const struct import_opts *o, struct import_result *r, char **err)
{
	memset(r, 0, sizeof(*r));
	if (o->clinic_tz == NULL || !tz_valid(o->clinic_tz))
		return seterr(err, "the clinic's time zone is not set or unknown");
	struct run x = {.s = s, .o = o, .r = r, .batch = o->batch_rows ? o->batch_rows : IMPORT_BATCH_ROWS,
			.now = clock_now()};
	enum import_format fmt = o->format == IMPORT_AUTO ? sniff(in, &x.lines_skipped) : o->format;
	int rc = 0;
	if (o->dry_run) {
		rc = store_begin(s, err);
		x.in_tx = rc == 0;
	}
	if (rc == 0)
		rc = fmt == IMPORT_JSON ? run_json(&x, in, err) : run_csv(&x, in, err);
	if (o->dry_run || rc != 0) {
		if (x.in_tx)
			store_rollback(s);
	} else {
		rc = flush(&x, err);
	}
	size_t lost = x.in_batch;
	if (!o->dry_run && rc != 0 && r->added + r->updated > 0) {
		/* The rows of the batch rolled back are not in; earlier batches are. */
		char *outcome = xasprintf("; stopped by an error, the last %zu rows undone", lost);
		audit(&x, outcome);
		free(outcome);
	} else if (!o->dry_run && rc == 0) {
		audit(&x, "");
	}
	for (size_t i = 0; i < x.n_unknown; i++)
		free(x.unknown[i]);
	seen_free(&x.ids);
	return rc;
}
