/* Tests for src/import.c, src/import_csv.c and store/import.c: the CSV reader's edge cases,
 * value checks, and whole imports of CSV and JSON into a real SQLite file. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/import.h"
#include "src/util.h"
#include "store/import.h"

#define NOW 1796000000 /* 2026-11-30 00:53 UTC */

/* ---- helpers ---- */

/* A read stream over len bytes of data (a copy, so tests may pass literals). */
static FILE *mem(const char *data, size_t len)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	rewind(f);
	return f;
}
#define MEM(lit) mem(lit, sizeof(lit) - 1)

struct report {
	char *lines[64];
	size_t n;
	size_t rows[64];
};

static void collect(void *ctx, size_t row, const char *message)
{
	struct report *r = ctx;
	if (r->n < 64) {
		r->rows[r->n] = row;
		r->lines[r->n++] = xstrdup(message);
	}
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	memset(r, 0, sizeof(*r));
}

/* True when some report line contains needle. */
static bool reported(const struct report *r, const char *needle)
{
	for (size_t i = 0; i < r->n; i++)
		if (strstr(r->lines[i], needle) != NULL)
			return true;
	return false;
}

struct fixture {
	struct store *s;
	int64_t tenant;
	struct report rep;
	bool allow_identity; /* the next runs pass --allow-identity-change */
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(NULL);
	assert_int_equal(store_tenant_add(f->s, "Clinic", "America/Chicago", "", &f->tenant, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	report_free(&f->rep);
	store_close(&f->s);
	clock_set_fake(0);
	free(f);
	return 0;
}

/* Runs an import of text; returns import_run's code. */
static int run(struct fixture *f, enum import_kind kind, enum import_format fmt, bool dry, const char *text,
	       size_t len, struct import_result *r, char **err)
{
	report_free(&f->rep);
	FILE *in = mem(text, len);
	struct import_opts o = {.kind = kind, .format = fmt, .dry_run = dry, .tenant_id = f->tenant,
				.clinic_tz = "America/Chicago", .actor = "test", .source = "t.csv", .batch_rows = 2,
				.report = collect, .report_ctx = &f->rep, .allow_identity_change = f->allow_identity};
	int rc = import_run(f->s, in, &o, r, err);
	fclose(in);
	return rc;
}
#define RUN(f, kind, fmt, dry, lit, r) run(f, kind, fmt, dry, lit, sizeof(lit) - 1, r, NULL)

static size_t count_patients(struct fixture *f)
{
	struct patient *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &list, &n, &err), 0);
	patient_list_free(&list, n);
	return n;
}

static size_t count_audit(struct fixture *f, const char *prefix)
{
	struct audit_entry *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(f->s, 0, 0, prefix, 0, &list, &n, &err), 0);
	audit_entry_list_free(&list, n);
	return n;
}

/* The patient of the tenant with this external id (asserts there is exactly one). */
static struct patient find_ext(struct fixture *f, const char *ext)
{
	struct patient *list = NULL, out = {0};
	size_t n = 0, hits = 0;
	char *err = NULL;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &list, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		if (list[i].external_id && strcmp(list[i].external_id, ext) == 0) {
			hits++;
			out = list[i];
			memset(&list[i], 0, sizeof(list[i]));
		}
	}
	patient_list_free(&list, n);
	assert_int_equal(hits, 1);
	return out;
}

/* ---- the CSV reader ---- */

static void import_csv__reads_quoted_fields__when_commas_quotes_and_newlines(void **state)
{
	(void)state;
	FILE *in = MEM("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\n");
	struct import_csv *c = import_csv_open(in);
	char **fl, *err = NULL;
	size_t n, line;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(n, 3);
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(n, 3);
	assert_int_equal(line, 2);
	assert_string_equal(fl[0], "x, y");
	assert_string_equal(fl[1], "say \"hi\"");
	assert_string_equal(fl[2], "two\nlines");
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(line, 4);
	assert_int_equal(n, 3);
	assert_string_equal(fl[2], "");
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 0);
	assert_false(import_csv_failed(c));
	import_csv_close(&c);
	assert_null(c);
	fclose(in);
}

static void import_csv__skips_bom_and_blank_lines__when_crlf_or_cr(void **state)
{
	(void)state;
	FILE *in = MEM("\xEF\xBB\xBFname,x\r\n\r\n\r\nann,1\r\rbob,2");
	struct import_csv *c = import_csv_open(in);
	char **fl, *err = NULL;
	size_t n, line;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_string_equal(fl[0], "name"); /* no BOM glued to the first name */
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(line, 4);
	assert_string_equal(fl[0], "ann");
	assert_string_equal(fl[1], "1");
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(line, 6);
	assert_string_equal(fl[0], "bob");
	assert_string_equal(fl[1], "2"); /* no line end at the end of the file */
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 0);
	import_csv_close(&c);
	fclose(in);
}

static void import_csv__refuses_record_and_goes_on__when_longer_than_cap(void **state)
{
	(void)state;
	size_t big = IMPORT_FIELD_MAX + 10;
	char *data = xmalloc(big + 64);
	size_t o = 0;
	o += (size_t)sprintf(data, "h\n\"");
	memset(data + o, 'a', big);
	o += big;
	o += (size_t)sprintf(data + o, "\"\nnext\n");
	FILE *in = mem(data, o);
	struct import_csv *c = import_csv_open(in);
	char **fl, *err = NULL;
	size_t n, line;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), -1);
	assert_non_null(strstr(err, "longer than 65536 bytes"));
	free(err);
	err = NULL;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_string_equal(fl[0], "next");
	assert_int_equal(line, 3);
	import_csv_close(&c);
	fclose(in);
	free(data);
}

static void import_csv__refuses__when_malformed(void **state)
{
	(void)state;
	/* text after a closing quote; a NUL byte; then a good record; then a quote open at the end */
	static const char data[] = "\"ab\"c,d\nx\0y,z\nok,1\n\"never closed,2\n";
	FILE *in = mem(data, sizeof(data) - 1);
	struct import_csv *c = import_csv_open(in);
	char **fl, *err = NULL;
	size_t n, line;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), -1);
	assert_non_null(strstr(err, "after a closing quote"));
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), -1);
	assert_non_null(strstr(err, "NUL byte"));
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 1);
	assert_string_equal(fl[0], "ok");
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), -1);
	assert_non_null(strstr(err, "not closed"));
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), 0);
	free(err);
	import_csv_close(&c);
	fclose(in);
}

static void import_csv__refuses__when_too_many_fields(void **state)
{
	(void)state;
	char data[IMPORT_FIELDS_MAX * 2 + 16];
	size_t o = 0;
	for (int i = 0; i <= IMPORT_FIELDS_MAX; i++)
		data[o++] = ',';
	data[o++] = '\n';
	FILE *in = mem(data, o);
	struct import_csv *c = import_csv_open(in);
	char **fl, *err = NULL;
	size_t n, line;
	assert_int_equal(import_csv_next(c, &fl, &n, &line, &err), -1);
	assert_non_null(strstr(err, "more than 256 columns"));
	free(err);
	import_csv_close(&c);
	fclose(in);
}

/* ---- value checks ---- */

static void import_check_text__rejects__when_hostile(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\x1b[31mRed", "a\tb", "new\nline", "del\x7f", "c1\xc2\x9b" "31m", "overlong\xc0\xaf",
		"surrogate\xed\xa0\x80", "cut\xe2\x82", "bidi\xe2\x80\xae" "evil", "iso\xe2\x81\xa6", "\xff",
		"beyond\xf4\x90\x80\x80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		if (import_check_text(bad[i], &err) == 0)
			fail_msg("accepted case %zu", i);
		free(err);
	}
	static const char *const good[] = {"Zoë", "José María", "O'Brien-Smith", "李", "Ana \xf0\x9f\x98\x80", ""};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(import_check_text(good[i], NULL), 0);
	char *err = NULL;
	assert_int_equal(import_check_text("x\x1by", &err), -1);
	assert_non_null(strstr(err, "U+001B"));
	free(err);
}

static void import_parse_time__reads_zone_and_offsets__when_valid(void **state)
{
	(void)state;
	int64_t t = 0;
	/* 2026-12-01 14:30 in Chicago is CST (UTC-6): 20:30 UTC. */
	assert_int_equal(import_parse_time("2026-12-01T14:30", "America/Chicago", false, &t, NULL), 0);
	assert_int_equal(t, 1796157000);
	assert_int_equal(import_parse_time("2026-12-01 14:30:00", "America/Chicago", false, &t, NULL), 0);
	assert_int_equal(t, 1796157000);
	assert_int_equal(import_parse_time("2026-12-01T20:30Z", "America/Chicago", false, &t, NULL), 0);
	assert_int_equal(t, 1796157000);
	assert_int_equal(import_parse_time("2026-12-01T21:30:00.250+01:00", "UTC", false, &t, NULL), 0);
	assert_int_equal(t, 1796157000);
	assert_int_equal(import_parse_time("2026-12-01T15:30-0500", "UTC", false, &t, NULL), 0);
	assert_int_equal(t, 1796157000);
	/* July is CDT (UTC-5). */
	assert_int_equal(import_parse_time("2026-07-01T09:00", "America/Chicago", false, &t, NULL), 0);
	assert_int_equal(t, 1782914400);
}

static void import_parse_time__refuses__when_not_a_real_time(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2026-02-30T10:00", "2026-13-01T10:00", "2026-12-01T24:00", "2026-12-01T10:60", "2026-12-01",
		"12/01/2026 10:00", "2026-12-01T10:00+25:00", "2026-12-01T10:00 PM", "", "2026-12-01T1:00",
		"2026-03-08T02:30", /* skipped by the spring-forward change in Chicago */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t;
		char *err = NULL;
		if (import_parse_time(bad[i], "America/Chicago", false, &t, &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
		free(err);
	}
	char *err = NULL;
	int64_t t;
	assert_int_equal(import_parse_time("2026-03-08T02:30", "America/Chicago", false, &t, &err), -1);
	assert_non_null(strstr(err, "does not exist"));
	free(err);
}

/* ---- patients from CSV ---- */

static void import_run__adds_good_rows_and_reports_bad__when_mixed(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	int rc = RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
		     "External_ID,FIRST_NAME,last name,Mobile,TimeZone,dob\n"
		     "p1,Ann,Lee,(312) 555-0101,,1990-01-01\n"
		     "p2,Bob,Ray,abc,,\n"
		     "p3,\"\x1b]0;pwned\x07\",Zed,3125550103,,\n"
		     "p4,Cat,Ng,3125550104,Mars/Olympus,\n"
		     "p5,Dee,Fox,+44 20 7946 0958,Europe/London,\n"
		     "p6,Eve,Ito,312-555-0106 ext 12,,\n"
		     "p7,Fay,Ode,12345,,\n"
		     "p8,,Nameless,3125550108,,\n"
		     "p9,Gil,\"Ba\xff\",3125550109,,\n"
		     "p10,Hal,Ray,3125550110\n",
		     &r);
	assert_int_equal(rc, 0);
	assert_int_equal(r.rows, 10);
	assert_int_equal(r.added, 2);
	assert_int_equal(r.rejected, 8);
	assert_true(reported(&f->rep, "column 'dob' is not one smsdesk imports: ignored"));
	assert_true(reported(&f->rep, "row 3: mobile 'abc': the phone number contains letters"));
	assert_true(reported(&f->rep, "row 4: first_name '?]0;pwned?' contains a control character (U+001B)"));
	assert_true(reported(&f->rep, "row 5: timezone 'Mars/Olympus' is not a time zone"));
	assert_true(reported(&f->rep, "row 7: mobile '312-555-0106 ext 12': the phone number has an extension"));
	assert_true(reported(&f->rep, "row 8: mobile '12345'"));
	assert_true(reported(&f->rep, "row 9: first_name is empty"));
	assert_true(reported(&f->rep, "row 10: last_name 'Ba?' is not valid UTF-8"));
	assert_true(reported(&f->rep, "row 11: has 4 fields but the header has 6"));
	assert_int_equal(count_patients(f), 2);
	struct patient p = find_ext(f, "p5");
	assert_string_equal(p.mobile, "+442079460958");
	assert_string_equal(p.timezone, "Europe/London");
	patient_free(&p);
	p = find_ext(f, "p1");
	assert_string_equal(p.mobile, "+13125550101");
	assert_null(p.timezone);
	patient_free(&p);
	/* One audit entry for the whole import. */
	struct audit_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(f->s, 0, 0, "import.", 0, &list, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].action, "import.patients");
	assert_non_null(strstr(list[0].detail, "10 rows: 2 added/updated, 8 rejected"));
	assert_string_equal(list[0].target, "t.csv");
	audit_entry_list_free(&list, n);
}

static void import_run__updates_not_duplicates__when_external_id_known(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	static const char file[] = "external_id,first_name,last_name,mobile\n"
				   "77,Ann,Lee,3125550101\n"
				   "78,Bob,Ray,3125550102\n";
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, file, &r), 0);
	assert_int_equal(r.added, 2);
	assert_int_equal(count_patients(f), 2);
	/* The next export: a new last name for Ann (her mobile unchanged), Bob as he was. */
	static const char next[] = "external_id,first_name,last_name,mobile\n"
				   "77,Ann,Lee-Smith,3125550101\n"
				   "78,Bob,Ray,3125550102\n";
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, next, &r), 0);
	assert_int_equal(r.added, 0);
	assert_int_equal(r.updated, 2);
	assert_int_equal(count_patients(f), 2);
	struct patient p = find_ext(f, "77");
	assert_string_equal(p.last_name, "Lee-Smith");
	assert_string_equal(p.mobile, "+13125550101");
	patient_free(&p);
	assert_int_equal(count_audit(f, "import.patients"), 2);
}

static void import_run__matches_by_name_and_mobile__when_no_external_id(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	static const char file[] = "first_name,last_name,phone\nAnn,Lee,3125550101\nann,LEE,312.555.0101\n";
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, file, &r), 0);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.updated, 1);
	assert_int_equal(count_patients(f), 1);
}

static void import_run__writes_nothing__when_dry_run(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	static const char file[] = "external_id,first_name,last_name,mobile,sms_opt_out\n"
				   "1,Ann,Lee,3125550101,yes\n2,Bob,Ray,nope,no\n1,Ann,Lee,3125550101,no\n3,Cy,Od,3125550103,\n"
				   "4,Di,Ux,3125550104,\n";
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, true, file, &r), 0);
	/* The counts a real run would give, the repeated external id refused as there... */
	assert_int_equal(r.rows, 5);
	assert_int_equal(r.added, 3);
	assert_int_equal(r.updated, 0);
	assert_int_equal(r.rejected, 2);
	assert_true(reported(&f->rep, "row 3: mobile 'nope'"));
	assert_true(reported(&f->rep, "row 4: external_id '1' is already on row 2 of this file"));
	/* ...and nothing written: no patients, no opt-out, no audit entry. */
	assert_int_equal(count_patients(f), 0);
	assert_int_equal(count_audit(f, "import."), 0);
	bool blocked = true;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, "+13125550101", &blocked, NULL), 0);
	assert_false(blocked);
	/* The real run after it agrees. */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, file, &r), 0);
	assert_int_equal(r.added, 3);
	assert_int_equal(count_patients(f), 3);
}

static void import_run__refuses_file__when_header_wrong(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	char *err = NULL;
	static const char *const files[] = {
		"", "\n\n", "first_name,last_name\nAnn,Lee\n", "Ann,Lee,3125550101\n",
		"first_name,last_name,mobile,MOBILE\nAnn,Lee,1,2\n", "\"first_name,last_name\n",
	};
	static const char *const why[] = {
		"empty", "empty", "no mobile (or phone) column", "not a header", "twice", "header row",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(run(f, IMPORT_PATIENTS, IMPORT_CSV, false, files[i], strlen(files[i]), &r, &err), -1);
		if (strstr(err, why[i]) == NULL)
			fail_msg("case %zu: %s", i, err);
		xfree(&err);
	}
	assert_int_equal(count_patients(f), 0);
	assert_int_equal(count_audit(f, "import."), 0);
}

static void import_run__goes_on__when_a_record_is_too_long(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	size_t big = IMPORT_FIELD_MAX + 1;
	char *data = xmalloc(big + 256);
	size_t o = (size_t)sprintf(data, "external_id,first_name,last_name,mobile\n1,");
	memset(data + o, 'A', big);
	o += big;
	o += (size_t)sprintf(data + o, ",Lee,3125550101\n2,Bob,Ray,3125550102\n");
	assert_int_equal(run(f, IMPORT_PATIENTS, IMPORT_CSV, false, data, o, &r, NULL), 0);
	free(data);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.added, 1);
	assert_true(reported(&f->rep, "row 2: the record is longer than 65536 bytes"));
}

static void import_run__records_optout_and_consent__when_columns_given(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile,sms_opt_out,consent_date,consent_method\n"
			     "1,Ann,Lee,3125550101,yes,,\n"
			     "2,Bob,Ray,3125550102,no,2025-03-01,paper form\n"
			     "3,Cy,Od,3125550103,maybe,,\n"
			     "4,Di,Ux,3125550104,,2025-03-01,\n"
			     "5,Ed,Vo,3125550105,,2030-01-01,verbal at desk\n"
			     "6,Fy,Wu,3125550106,,,verbal at desk\n"
			     "7,Gu,Xi,,,2025-03-01,paper form\n",
			     &r),
			 0);
	assert_int_equal(r.added, 2);
	assert_true(reported(&f->rep, "row 4: sms_opt_out 'maybe' is neither yes nor no"));
	assert_true(reported(&f->rep, "row 5: consent_date needs a consent_method"));
	assert_true(reported(&f->rep, "row 6: consent_date '2030-01-01' is in the future"));
	assert_true(reported(&f->rep, "row 7: consent_method needs a consent_date"));
	assert_true(reported(&f->rep, "row 8: consent needs a mobile number"));
	struct patient ann = find_ext(f, "1"), bob = find_ext(f, "2");
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, ann.id, &p, NULL), 0);
	assert_false(p.opted_in);
	assert_string_equal(p.opted_out_via, "import");
	sms_prefs_free(&p);
	bool blocked = false;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, "+13125550101", &blocked, NULL), 0);
	assert_true(blocked);
	assert_int_equal(store_prefs_get(f->s, bob.id, &p, NULL), 0);
	assert_true(p.opted_in);
	/* 2025-03-01 is midnight in the clinic's zone (CST): 06:00 UTC. */
	assert_int_equal(p.consent_at, 1740808800);
	assert_string_equal(p.consent_method, "paper form");
	assert_string_equal(p.consent_by, "import");
	assert_string_equal(p.consent_phone, "+13125550102");
	sms_prefs_free(&p);
	/* "no" never opts back in; a new number leaves the consent tied to the old one. */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile,sms_opt_out\n1,Ann,Lee,3125550101,no\n"
			     "2,Bob,Ray,3125550122,no\n",
			     &r),
			 0);
	assert_int_equal(store_prefs_get(f->s, ann.id, &p, NULL), 0);
	assert_false(p.opted_in);
	sms_prefs_free(&p);
	assert_int_equal(store_prefs_get(f->s, bob.id, &p, NULL), 0);
	assert_int_equal(p.consent_at, 1740808800);
	assert_string_equal(p.consent_phone, "+13125550102"); /* not the new +13125550122 */
	sms_prefs_free(&p);
	patient_free(&ann);
	patient_free(&bob);
}

/* Ann (external id 1) with consent on file, as the first import of the identity tests. */
static void import_ann(struct fixture *f)
{
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile,consent_date,consent_method\n"
			     "1,Ann,Lee,3125550101,2025-03-01,paper form\n",
			     &r),
			 0);
	assert_int_equal(r.added, 1);
}

/* Asserts Ann is stored as imported first, her consent intact. */
static void assert_ann_intact(struct fixture *f)
{
	struct patient ann = find_ext(f, "1");
	assert_string_equal(ann.first_name, "Ann");
	assert_string_equal(ann.last_name, "Lee");
	assert_string_equal(ann.mobile, "+13125550101");
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, ann.id, &p, NULL), 0);
	assert_int_equal(p.consent_at, 1740808800);
	assert_string_equal(p.consent_phone, "+13125550101");
	sms_prefs_free(&p);
	patient_free(&ann);
}

static void import_run__refuses_second_row__when_external_id_repeats_in_file(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	/* The first row is kept (and its consent); the second, in the same batch or a later one,
	 * would have turned Ann into Bob. */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile,consent_date,consent_method\n"
			     "1,Ann,Lee,3125550101,2025-03-01,paper form\n"
			     "1,Bob,Ray,3125550199,,\n"
			     "2,Cy,Od,3125550103,,\n"
			     "1,Ann,Lee,3125550101,,\n",
			     &r),
			 0);
	assert_int_equal(r.added, 2);
	assert_int_equal(r.updated, 0);
	assert_int_equal(r.rejected, 2);
	assert_true(reported(&f->rep, "row 3: external_id '1' is already on row 2 of this file: one row per patient"));
	assert_true(reported(&f->rep, "row 5: external_id '1' is already on row 2"));
	assert_int_equal(count_patients(f), 2);
	assert_ann_intact(f);
	/* JSON: rows are the objects, counted from 1. */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_JSON, false,
			     "[{\"external_id\":\"9\",\"first_name\":\"Di\",\"last_name\":\"Ux\",\"mobile\":\"3125550104\"},"
			     "{\"external_id\":\"9\",\"first_name\":\"Ed\",\"last_name\":\"Vo\",\"mobile\":\"3125550105\"}]",
			     &r),
			 0);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.rejected, 1);
	assert_true(reported(&f->rep, "row 2: external_id '9' is already on row 1 of this file"));
	struct patient di = find_ext(f, "9");
	assert_string_equal(di.first_name, "Di");
	patient_free(&di);
}

static void import_run__refuses_identity_change__unless_allowed(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	import_ann(f);
	/* Name and mobile both new under Ann's id, in a later file: another person, refused. */
	static const char other[] = "external_id,first_name,last_name,mobile\n1,Bob,Ray,3125550199\n";
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, other, &r), 0);
	assert_int_equal(r.updated, 0);
	assert_int_equal(r.rejected, 1);
	assert_true(reported(&f->rep, "row 2: external_id '1': would change both the name and the mobile"));
	assert_true(reported(&f->rep, "--allow-identity-change"));
	assert_ann_intact(f);
	/* One at a time is a correction: a new last name, then a new mobile (consent stays on
	 * record, tied to the number it was given for). */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile\n1,ann,LEE,3125550101\n", &r),
			 0);
	assert_int_equal(r.updated, 1);
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile\n1,Ann,Lee,3125550111\n", &r),
			 0);
	assert_int_equal(r.updated, 1);
	assert_int_equal(r.rejected, 0);
	struct patient ann = find_ext(f, "1");
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, ann.id, &p, NULL), 0);
	assert_int_equal(p.consent_at, 1740808800);
	assert_string_equal(p.consent_phone, "+13125550101");
	sms_prefs_free(&p);
	/* Allowed by the option: updated, and still reported row by row. */
	f->allow_identity = true;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false, other, &r), 0);
	assert_int_equal(r.updated, 1);
	assert_int_equal(r.rejected, 0);
	assert_int_equal(r.identity_changes, 1);
	assert_true(reported(&f->rep, "row 2: external_id '1': name and mobile both changed"));
	struct patient bob = find_ext(f, "1");
	assert_int_equal(bob.id, ann.id);
	assert_string_equal(bob.first_name, "Bob");
	assert_string_equal(bob.mobile, "+13125550199");
	patient_free(&bob);
	patient_free(&ann);
}

static void import_run__new_patient_starts_opted_out__when_number_blocked(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(store_optout_number(f->s, f->tenant, "+13125550101", NOW - 10, "sms", "STOP", NULL), 0);
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile\n1,Ann,Lee,3125550101\n", &r),
			 0);
	struct patient ann = find_ext(f, "1");
	struct sms_prefs p;
	assert_int_equal(store_prefs_get(f->s, ann.id, &p, NULL), 0);
	assert_false(p.opted_in);
	assert_string_equal(p.opted_out_via, "sms");
	sms_prefs_free(&p);
	patient_free(&ann);
}

static void import_run__reports_file_lines__when_sniffed_csv_starts_blank(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_AUTO, false,
			     "\r\n\nfirst_name,last_name,mobile\nAnn,Lee,3125550101\nBob,Ray,x\n", &r),
			 0);
	assert_int_equal(r.added, 1);
	assert_true(reported(&f->rep, "row 5: mobile 'x'"));
}

/* ---- JSON ---- */

static void import_run__reads_json__and_rejects_wrong_types(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_AUTO, false,
			     "  [{\"external_id\": 101, \"first_name\": \"Ann\", \"last_name\": \"Lee\","
			     "   \"mobile\": \"3125550101\", \"sms_opt_out\": false, \"extra\": {\"deep\": [1, 2]}},\n"
			     "  {\"external_id\": \"102\", \"first_name\": {\"x\": 1}, \"last_name\": \"Ray\", \"mobile\": \"3125550102\"},\n"
			     "  {\"external_id\": 1.5, \"first_name\": \"Cy\", \"last_name\": \"Od\", \"mobile\": \"3125550103\"},\n"
			     "  [\"not\", \"an\", \"object\"],\n"
			     "  \"junk\",\n"
			     "  {\"external_id\": \"105\", \"First_Name\": \"Di\", \"first_name\": \"Dup\", \"last_name\": \"Ux\", \"mobile\": \"1\"},\n"
			     "  {\"external_id\": \"106\", \"first_name\": \"Ed\", \"last_name\": \"Vo\"},\n"
			     "  {\"external_id\": \"107\", \"first_name\": \"Fy\", \"last_name\": \"Wu\", \"mobile\": null, \"timezone\": true},\n"
			     "  {\"external_id\": \"108\", \"first_name\": \"Gu\\u001b[2J\", \"last_name\": \"Xi\", \"mobile\": \"3125550108\"},\n"
			     "  {\"external_id\": \"109\", \"first_name\": \"Ha\", \"last_name\": \"Yo\", \"mobile\": \"3125550109\", \"sms_opt_out\": true}]",
			     &r),
			 0);
	assert_int_equal(r.rows, 10);
	assert_int_equal(r.added, 2);
	assert_true(reported(&f->rep, "column 'extra' is not one smsdesk imports"));
	assert_true(reported(&f->rep, "row 2: first_name must be text, not an object"));
	assert_true(reported(&f->rep, "row 3: external_id must be text, not a number"));
	assert_true(reported(&f->rep, "row 4: is not an object"));
	assert_true(reported(&f->rep, "row 5: is not an object"));
	assert_true(reported(&f->rep, "row 6: names the same key twice"));
	assert_true(reported(&f->rep, "row 7: has no mobile"));
	assert_true(reported(&f->rep, "row 8: timezone must be text, not true/false"));
	assert_true(reported(&f->rep, "row 9: first_name 'Gu?[2J' contains a control character"));
	struct patient p = find_ext(f, "101");
	assert_string_equal(p.first_name, "Ann");
	patient_free(&p);
	p = find_ext(f, "109");
	struct sms_prefs pr;
	assert_int_equal(store_prefs_get(f->s, p.id, &pr, NULL), 0);
	assert_false(pr.opted_in);
	sms_prefs_free(&pr);
	patient_free(&p);
}

static void import_run__refuses_json__when_not_an_array_or_broken(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	char *err = NULL;
	static const char *const files[] = {
		"{\"patients\": []}", "[{\"first_name\": \"Ann\",", "42", "[1, 2", "\xEF\xBB\xBF{}",
	};
	static const char *const why[] = {"array of objects", "not valid JSON", "array of objects", "not valid JSON",
					  "array of objects"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(run(f, IMPORT_PATIENTS, IMPORT_JSON, false, files[i], strlen(files[i]), &r, &err), -1);
		if (strstr(err, why[i]) == NULL)
			fail_msg("case %zu: %s", i, err);
		xfree(&err);
	}
	/* An empty array is an empty import, not an error. */
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_JSON, false, "[]", &r), 0);
	assert_int_equal(r.rows, 0);
	/* Deep nesting beyond cJSON's limit is refused, not a stack overflow. */
	size_t depth = 100000;
	char *deep = xmalloc(depth * 2 + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	assert_int_equal(run(f, IMPORT_PATIENTS, IMPORT_JSON, false, deep, depth * 2, &r, &err), -1);
	xfree(&err);
	free(deep);
}

/* Numbers too large for an integer (or infinite) are refused in words; casting them first
 * was undefined behaviour (clang's -fsanitize=float-cast-overflow stops on it). */
static void import_run__refuses_json_number__when_beyond_integers(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_JSON, false,
			     "[{\"external_id\": 1e300, \"first_name\": \"Ann\", \"last_name\": \"Lee\", \"mobile\": \"3125550101\"},"
			     " {\"external_id\": -1e999, \"first_name\": \"Bo\", \"last_name\": \"Ray\", \"mobile\": \"3125550102\"},"
			     " {\"external_id\": 9223372036854775808, \"first_name\": \"Cy\", \"last_name\": \"Od\", \"mobile\": \"3125550103\"},"
			     " {\"external_id\": 104, \"first_name\": \"Di\", \"last_name\": \"Ux\", \"mobile\": \"3125550104\"}]",
			     &r),
			 0);
	assert_int_equal(r.rows, 4);
	assert_int_equal(r.added, 1);
	assert_true(reported(&f->rep, "row 1: external_id must be text, not a number"));
	assert_true(reported(&f->rep, "row 2: external_id must be text, not a number"));
	assert_true(reported(&f->rep, "row 3: external_id must be text, not a number"));
	struct patient p = find_ext(f, "104");
	assert_string_equal(p.first_name, "Di");
	patient_free(&p);
}

/* ---- appointments ---- */

static void import_run__imports_appointments__and_upserts_by_patient_and_start(void **state)
{
	struct fixture *f = *state;
	struct import_result r;
	assert_int_equal(RUN(f, IMPORT_PATIENTS, IMPORT_CSV, false,
			     "external_id,first_name,last_name,mobile\nA1,Ann,Lee,3125550101\n", &r),
			 0);
	assert_int_equal(RUN(f, IMPORT_APPOINTMENTS, IMPORT_CSV, false,
			     "external_id,provider,location,start,duration_min,status\n"
			     "A1,Dr. Smith,Room 2,2026-12-01T14:30,45,Scheduled\n"
			     "A1,Dr. Smith,Room 2,2026-12-02T09:00Z,,canceled\n"
			     "ZZ,Dr. Smith,,2026-12-01T14:30,,\n"
			     "A1,,,2026-12-01T15:30,,\n"
			     "A1,Dr. Who,,2026-12-01,,\n"
			     "A1,Dr. Who,,2026-12-03T10:00,0,\n"
			     "A1,Dr. Who,,2026-12-03T10:00,30,maybe\n",
			     &r),
			 0);
	assert_int_equal(r.added, 2);
	assert_int_equal(r.rejected, 5);
	assert_true(reported(&f->rep, "row 4: external_id 'ZZ': no patient has this external id"));
	assert_true(reported(&f->rep, "row 5: provider is empty"));
	assert_true(reported(&f->rep, "row 6: start '2026-12-01' has no time of day"));
	assert_true(reported(&f->rep, "row 7: duration_min '0' is not a number of minutes"));
	assert_true(reported(&f->rep, "row 8: status 'maybe' is not one of"));
	struct patient ann = find_ext(f, "A1");
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(f->s, f->tenant, ann.id, 0, INT64_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].starts_at, 1796157000);
	assert_int_equal(list[0].duration_min, 45);
	assert_string_equal(list[0].status, "scheduled");
	assert_string_equal(list[1].status, "cancelled");
	int64_t first = list[0].id;
	appointment_list_free(&list, n);
	/* The patient confirmed by text; the next export still says scheduled, with a new room. */
	assert_int_equal(store_appt_set_status(f->s, first, "confirmed", NULL), 0);
	assert_int_equal(RUN(f, IMPORT_APPOINTMENTS, IMPORT_JSON, false,
			     "[{\"external_id\": \"A1\", \"provider\": \"Dr. Smith\", \"location\": \"Room 5\","
			     " \"start\": \"2026-12-01T20:30:00Z\", \"duration_min\": 45, \"status\": \"scheduled\"}]",
			     &r),
			 0);
	assert_int_equal(r.updated, 1);
	assert_int_equal(r.added, 0);
	struct appointment a;
	assert_int_equal(store_appt_get(f->s, first, &a, NULL), 0);
	assert_string_equal(a.status, "confirmed");
	assert_string_equal(a.location, "Room 5");
	appointment_free(&a);
	patient_free(&ann);
	assert_int_equal(count_audit(f, "import.appointments"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(import_csv__reads_quoted_fields__when_commas_quotes_and_newlines),
		cmocka_unit_test(import_csv__skips_bom_and_blank_lines__when_crlf_or_cr),
		cmocka_unit_test(import_csv__refuses_record_and_goes_on__when_longer_than_cap),
		cmocka_unit_test(import_csv__refuses__when_malformed),
		cmocka_unit_test(import_csv__refuses__when_too_many_fields),
		cmocka_unit_test(import_check_text__rejects__when_hostile),
		cmocka_unit_test(import_parse_time__reads_zone_and_offsets__when_valid),
		cmocka_unit_test(import_parse_time__refuses__when_not_a_real_time),
		cmocka_unit_test_setup_teardown(import_run__adds_good_rows_and_reports_bad__when_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__updates_not_duplicates__when_external_id_known, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__matches_by_name_and_mobile__when_no_external_id, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__writes_nothing__when_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__refuses_file__when_header_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__goes_on__when_a_record_is_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__records_optout_and_consent__when_columns_given, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__new_patient_starts_opted_out__when_number_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__refuses_second_row__when_external_id_repeats_in_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(import_run__refuses_identity_change__unless_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__reports_file_lines__when_sniffed_csv_starts_blank, setup,
						teardown),
		cmocka_unit_test_setup_teardown(import_run__reads_json__and_rejects_wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__refuses_json__when_not_an_array_or_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__refuses_json_number__when_beyond_integers, setup, teardown),
		cmocka_unit_test_setup_teardown(import_run__imports_appointments__and_upserts_by_patient_and_start, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
