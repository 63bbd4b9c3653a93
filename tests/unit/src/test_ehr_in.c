/* Tests for src/ehr_map.c, src/ehr_in.c and store/ehr.c: SIU and ADT messages applied to a
 * real SQLite file (upsert by the EHR's ids, reschedule supersedes reminders, cancel cancels
 * them, no-show, mobile and consent changes), malformed ones answered AE/AR changing nothing,
 * resends applied once, and the drop folder. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "src/ehr.h"
#include "src/inbound.h"
#include "src/reminders.h"
#include "src/tz.h"
#include "src/util.h"

#define CHI "America/Chicago"

struct fx {
	struct store *s;
	char *path;
	int64_t tenant;
};

/* Local Chicago wall time to Unix seconds. */
static int64_t at(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return tz_mktime(CHI, &tm);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	f->s = tu_store_new(&f->path);
	f->tenant = tu_tenant_add(f->s, "Main Street");
	/* Able to send (reminders pass), with a one-segment template that gives the clinic's phone
	 * (no consent on file: the FCC exemption needs both). */
	assert_int_equal(store_tenant_set(f->s, f->tenant, "account_sid", "AC0123456789abcdef0123456789abcdef", NULL), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "from_number", "+13125550999", NULL), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "phone", "+13125550100", NULL), 0);
	assert_int_equal(store_tenant_set(f->s, f->tenant, "reminder_template",
					  "Hi {patientName}: appointment {appointmentDate} {appointmentTime}. Call {clinicPhone}. "
					  "Reply C, R or X.",
					  NULL), 0);
	clock_set_fake(at(2026, 12, 9, 15, 0));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	clock_set_fake(0);
	store_close(&f->s);
	char *dir = xstrdup(f->path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(f->path);
	free(f);
	return 0;
}

/* An SIU message: trigger, control id, appointment id, local start, and extra segments. */
static char *siu(const char *trigger, const char *ctl, const char *appt, const char *start, const char *pid_phones)
{
	return xasprintf("MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|20261201083000||SIU^%s^SIU_S12|%s|P|2.5.1\r"
			 "SCH|P-%s|%s|||||ROUTINE||30|MIN|^^30^%s||||||||||||||Booked\r"
			 "PID|1||MRN001^^^NORTHSIDE^MR||O\\S\\Brien^Mary||19800101|F|||||%s\r"
			 "AIL|1||EXAM3^^^NORTHSIDE^^^^^Northside Clinic\r"
			 "AIP|1||1234^Lee^Ann^^^Dr.|ATTENDING\r",
			 trigger, ctl, appt, appt, start, pid_phones);
}

#define PHONES "^PRN^PH^^1^312^5550100~^PRN^CP^^1^312^5550199"

/* Processes text; asserts the ACK code; returns the result (clear it). */
static struct ehr_in_result run(struct fx *f, const char *text, const char *code)
{
	struct ehr_in_result r;
	assert_int_equal(ehr_in_process(f->s, text, strlen(text), &r), 0);
	if (strcmp(r.code, code) != 0)
		fail_msg("got %s (%s), wanted %s", r.code, r.detail ? r.detail : "", code);
	assert_non_null(r.ack);
	assert_non_null(strstr(r.ack, code));
	return r;
}

/* The one appointment of the tenant (asserts there is exactly one). */
static struct appointment only_appt(struct fx *f)
{
	struct appointment *list = NULL;
	size_t n = 0;
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, 0, INT64_MAX, &list, &n, NULL), 0);
	assert_int_equal(n, 1);
	struct appointment a = list[0];
	memset(&list[0], 0, sizeof(list[0]));
	appointment_list_free(&list, n);
	return a;
}

static void ehr_in__adds_patient_and_appointment__when_s12(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	assert_string_equal(r.type, "SIU^S12");
	assert_true(r.appointment_id > 0);
	struct appointment a = only_appt(f);
	assert_string_equal(a.provider, "Dr. Ann Lee");
	assert_string_equal(a.location, "Northside Clinic");
	assert_int_equal(a.starts_at, at(2026, 12, 10, 14, 30)); /* no offset: the clinic's zone */
	assert_int_equal(a.duration_min, 30);
	assert_string_equal(a.status, "scheduled");
	struct patient p = {0};
	assert_int_equal(store_patient_get(f->s, a.patient_id, &p, NULL), 0);
	assert_string_equal(p.last_name, "O^Brien");
	assert_string_equal(p.mobile, "+13125550199"); /* the CP number, not the home one */
	assert_string_equal(p.external_id, "MRN001");
	char *land = NULL;
	assert_int_equal(store_ehr_landline(f->s, p.id, &land, NULL), 0);
	assert_string_equal(land, "+13125550100");
	free(land);
	patient_free(&p);
	appointment_free(&a);
	ehr_in_result_clear(&r);
	/* The same message again (a lost ACK): answered AA, applied once. */
	r = run(f, msg, "AA");
	assert_true(r.duplicate);
	a = only_appt(f);
	appointment_free(&a);
	ehr_in_result_clear(&r);
	free(msg);
}

static void ehr_in__supersedes_reminders__when_s14_moves_the_time(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	int64_t id = r.appointment_id;
	ehr_in_result_clear(&r);
	free(msg);
	struct reminders_report rr = {0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	assert_int_equal(rr.queued, 1);
	reminders_report_clear(&rr);
	struct appt_reminder *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_reminder_rows(f->s, id, &rows, &n, NULL), 0);
	assert_int_equal(n, 1);
	int64_t msg_id = rows[0].message_id;
	appt_reminder_list_free(&rows, n);
	assert_int_equal(store_appt_set_status(f->s, id, "confirmed", NULL), 0);

	/* S14 to the next day: same row, new time, the queued reminder cancelled, rows moved. */
	msg = siu("S14", "C2", "F456", "20261211143000", PHONES);
	r = run(f, msg, "AA");
	assert_int_equal(r.appointment_id, id);
	struct appointment a = only_appt(f);
	assert_int_equal(a.starts_at, at(2026, 12, 11, 14, 30));
	assert_string_equal(a.status, "scheduled"); /* the answer was about the old time */
	appointment_free(&a);
	assert_int_equal(store_reminder_rows(f->s, id, &rows, &n, NULL), 0);
	assert_int_equal(n, 0);
	struct sms_message m = {0};
	assert_int_equal(store_msg_get(f->s, msg_id, &m, NULL), 0);
	assert_string_equal(m.status, "failed");
	sms_message_free(&m);
	ehr_in_result_clear(&r);
	free(msg);
	/* The new time gets its own reminder when its slot comes. */
	clock_set_fake(at(2026, 12, 10, 15, 0));
	rr = (struct reminders_report){0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	assert_int_equal(rr.queued, 1);
	reminders_report_clear(&rr);
}

static void ehr_in__cancels_and_marks_no_show__when_s15_s26(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	int64_t id = r.appointment_id;
	ehr_in_result_clear(&r);
	free(msg);
	struct reminders_report rr = {0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	reminders_report_clear(&rr);
	/* A cancel needs only the id: no PID, no times. */
	r = run(f, "MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|20261201083000||SIU^S15|C3|P|2.5.1\rSCH||F456\r", "AA");
	struct appointment a = only_appt(f);
	assert_string_equal(a.status, "cancelled");
	appointment_free(&a);
	assert_non_null(strstr(r.detail, "1 queued message(s) cancelled"));
	ehr_in_result_clear(&r);
	r = run(f, "MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|1||SIU^S26|C4|P|2.5.1\rSCH||F456\r", "AA");
	a = only_appt(f);
	assert_string_equal(a.status, "no_show");
	appointment_free(&a);
	ehr_in_result_clear(&r);
	/* A cancel for an appointment we never had changes nothing and is not an error. */
	r = run(f, "MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|1||SIU^S17|C5|P|2.5.1\rSCH||NOPE\r", "AA");
	assert_int_equal(r.appointment_id, 0);
	ehr_in_result_clear(&r);
	(void)id;
}

static void ehr_in__updates_mobile_and_consent__when_adt(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	int64_t pid = r.patient_id;
	ehr_in_result_clear(&r);
	free(msg);
	r = run(f,
		"MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|1||ADT^A08|C6|P|2.5.1\rEVN|A08|20261201\r"
		"PID|1||MRN001^^^^MR||O'Brien^Mary||||||||(773) 555-0123^PRN^CP\rZSC|Y|20261201090000|portal\r",
		"AA");
	assert_int_equal(r.patient_id, pid);
	ehr_in_result_clear(&r);
	struct patient p = {0};
	assert_int_equal(store_patient_get(f->s, pid, &p, NULL), 0);
	assert_string_equal(p.mobile, "+17735550123");
	assert_string_equal(p.last_name, "O'Brien");
	patient_free(&p);
	struct sms_prefs pr = {0};
	assert_int_equal(store_prefs_get(f->s, pid, &pr, NULL), 0);
	assert_true(pr.consent_at > 0);
	assert_string_equal(pr.consent_method, "portal");
	assert_string_equal(pr.consent_phone, "+17735550123");
	assert_true(pr.opted_in);
	sms_prefs_free(&pr);
	/* ZSC-1 N: opted out in the EHR. */
	r = run(f,
		"MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|1||ADT^A04|C7|P|2.5.1\r"
		"PID|1||MRN001^^^^MR||O'Brien^Mary\rZSC|N\r",
		"AA");
	ehr_in_result_clear(&r);
	assert_int_equal(store_prefs_get(f->s, pid, &pr, NULL), 0);
	assert_false(pr.opted_in);
	sms_prefs_free(&pr);
	assert_int_equal(store_patient_get(f->s, pid, &p, NULL), 0);
	assert_string_equal(p.mobile, "+17735550123"); /* no phone fields: the number is kept */
	patient_free(&p);
}

/* Counts patients and appointments of the tenant. */
static void counts(struct fx *f, size_t *patients, size_t *appts)
{
	struct patient *pl = NULL;
	struct appointment *al = NULL;
	assert_int_equal(store_patient_search(f->s, f->tenant, NULL, 0, &pl, patients, NULL), 0);
	assert_int_equal(store_appt_list(f->s, f->tenant, 0, 0, INT64_MAX, &al, appts, NULL), 0);
	patient_list_free(&pl, *patients);
	appointment_list_free(&al, *appts);
}

static void ehr_in__answers_ae_ar_and_changes_nothing__when_malformed(void **state)
{
	struct fx *f = *state;
	struct {
		const char *text, *code, *why;
	} cases[] = {
		{"this is not HL7", "AR", "MSH"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X1|P|2.5\rPID|1||A\\Q\\B\r", "AR", "escape"},
		{"MSH|^~\\&|EPIC|N|S|M|1||ORU^R01|X2|P|2.5\rPID|1||A\r", "AR", "not taken"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12||P|2.5\r", "AR", "MSH-10"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X3|P|2.5\rSCH||F1|||||||30|MIN|^^30^20261210143000\r", "AE", "PID"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X4|P|2.5\rSCH||F1\rPID|1||M1^^^^MR||Doe^J\rAIP|1||1^Lee^Ann\r", "AE",
		 "start time"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X5|P|2.5\rSCH||F1|||||||30|MIN|^^30^20261340143000\r"
		 "PID|1||M1^^^^MR||Doe^J\rAIP|1||1^Lee^Ann\r", "AE", "date"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X6|P|2.5\rSCH||F1|||||||30|MIN|^^30^20261210143000\r"
		 "PID|1||M1^^^^MR||Doe^J\r", "AE", "provider"},
		{"MSH|^~\\&|EPIC|N|S|M|1||SIU^S12|X7|P|2.5\rSCH||F1|||||||9999|MIN|^^30^20261210143000\r"
		 "PID|1||M1^^^^MR||Doe^J\rAIP|1||1^Lee^Ann\r", "AE", "duration"},
		{"MSH|^~\\&|EPIC|N|S|M|1||ADT^A08|X8|P|2.5\rPID|1||||Doe^J\r", "AE", "PID-3"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ehr_in_result r = run(f, cases[i].text, cases[i].code);
		if (strstr(r.detail, cases[i].why) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, r.detail, cases[i].why);
		ehr_in_result_clear(&r);
		size_t np = 9, na = 9;
		counts(f, &np, &na);
		assert_int_equal(np, 0);
		assert_int_equal(na, 0);
	}
	/* A second location without a facility mapping: which one is meant cannot be told. */
	tu_tenant_add(f->s, "Lakeside");
	char *msg = siu("S12", "X9", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AE");
	assert_non_null(strstr(r.detail, "no location"));
	ehr_in_result_clear(&r);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_facility", "MAIN", NULL), 0);
	r = run(f, msg, "AA"); /* the resend of an AE is tried again */
	ehr_in_result_clear(&r);
	free(msg);
}

static void ehr_in_folder__moves_files_with_their_acks(void **state)
{
	struct fx *f = *state;
	char *dir = tu_tempdir();
	char *good = xasprintf("%s/001.hl7", dir), *bad = xasprintf("%s/002.hl7", dir), *other = xasprintf("%s/x.txt", dir);
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	FILE *fp = fopen(good, "w");
	fputs(msg, fp);
	fclose(fp);
	fp = fopen(bad, "w");
	fputs("MSH|^~\\&|broken", fp);
	fclose(fp);
	fp = fopen(other, "w");
	fclose(fp);
	int ok = 0, failed = 0;
	char *err = NULL;
	/* Just written: maybe not finished, so left for a later pass (nothing read, nothing moved). */
	assert_int_equal(ehr_in_folder(f->s, dir, NULL, NULL, &ok, &failed, &err), 0);
	assert_int_equal(ok + failed, 0);
	struct stat st;
	assert_int_equal(stat(good, &st), 0);
	/* A FIFO named *.hl7 is never opened (reading it would hang the scheduler). */
	char *fifo = xasprintf("%s/003.hl7", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Still for a while: taken. */
	struct timespec old[2] = {{.tv_sec = time(NULL) - 10}, {.tv_sec = time(NULL) - 10}};
	assert_int_equal(utimensat(AT_FDCWD, good, old, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, bad, old, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, fifo, old, 0), 0);
	assert_int_equal(ehr_in_folder(f->s, dir, NULL, NULL, &ok, &failed, &err), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(failed, 1);
	assert_int_equal(stat(fifo, &st), 0); /* left where it is */
	unlink(fifo);
	free(fifo);
	char *p1 = xasprintf("%s/done/001.hl7.ack", dir), *p2 = xasprintf("%s/failed/002.hl7", dir);
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(stat(other, &st), 0); /* not ours: left alone */
	assert_int_not_equal(stat(good, &st), 0);
	struct appointment a = only_appt(f);
	appointment_free(&a);
	free(p1);
	free(p2);
	free(msg);
	free(good);
	free(bad);
	free(other);
	tu_rmdir(dir);
	free(dir);
}

/* A text from the patient's mobile, processed as the poller would. */
static void inbound(struct fx *f, const char *sid, const char *body)
{
	struct tenant t = {0};
	assert_int_equal(store_tenant_get(f->s, f->tenant, &t, NULL), 0);
	struct sms_message m = {.twilio_sid = (char *)sid, .from_number = "+13125550199",
				.to_number = "+13125550999", .body = (char *)body};
	bool processed = false;
	char *err = NULL;
	if (inbound_process(f->s, &t, &m, &processed, &err) != 0)
		fail_msg("%s", err);
	assert_true(processed);
	tenant_free(&t);
}

/* The events in the write-back outbox, oldest first, joined by ','. */
static char *outbox_events(struct fx *f)
{
	struct ehr_out *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 0, &rows, &n, NULL), 0);
	char *out = xstrdup("");
	for (size_t i = n; i > 0; i--) {
		char *next = xasprintf("%s%s%s", out, *out ? "," : "", rows[i - 1].event);
		free(out);
		out = next;
	}
	ehr_out_list_free(&rows, n);
	return out;
}

static void ehr_writeback__queues__when_patient_answers_or_stops(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	ehr_in_result_clear(&r);
	free(msg);
	struct reminders_report rr = {0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	reminders_report_clear(&rr);
	/* No write-back host: the answer is kept here only. */
	inbound(f, "SM0001", "C");
	char *ev = outbox_events(f);
	assert_string_equal(ev, "");
	free(ev);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback", "127.0.0.1:1", NULL), 0);
	inbound(f, "SM0002", "R");
	/* YES right after a reminder confirms it (main's keyword rule): a confirmation goes back too. */
	inbound(f, "SM0004", "YES");
	inbound(f, "SM0003", "STOP");
	ev = outbox_events(f);
	assert_string_equal(ev, "reschedule,confirmed,opted_out");
	free(ev);
	/* The opt-out write-back is an ADT^A08 with ZSC|N for the EHR's patient id. */
	struct ehr_out *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 1, &rows, &n, NULL), 0);
	char *hl7 = ehr_writeback_message(f->s, &rows[0], &err);
	assert_non_null(hl7);
	assert_non_null(strstr(hl7, "|ADT^A08^ADT_A01|"));
	assert_non_null(strstr(hl7, "PID|1||MRN001^^^^MR||O\\S\\Brien^Mary\r"));
	assert_non_null(strstr(hl7, "\rZSC|N|"));
	free(hl7);
	ehr_out_list_free(&rows, n);
	/* The answer goes as the configured SIU event; a type that is not one (put into the
	 * settings table by other means: it would go into MSH-9 as is) falls back to SIU^S14. */
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 0, &rows, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[2].event, "reschedule");
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback_type", "SIU^S13", NULL), 0);
	hl7 = ehr_writeback_message(f->s, &rows[2], &err);
	assert_non_null(strstr(hl7, "|SIU^S13|"));
	free(hl7);
	assert_true(ehr_writeback_type_ok("SIU^S26"));
	assert_false(ehr_writeback_type_ok("SIU^S27"));
	assert_false(ehr_writeback_type_ok("SI|^S14"));
	assert_false(ehr_writeback_type_ok("ORU^R02"));
	assert_false(ehr_writeback_type_ok("ADT^A08"));
	/* ORU^R01 for an interface that takes results: OBR-3 the EHR's appointment id, the
	 * answer as a coded final OBX. */
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback_type", "ORU^R01", NULL), 0);
	hl7 = ehr_writeback_message(f->s, &rows[2], &err);
	assert_non_null(strstr(hl7, "|ORU^R01^ORU_R01|"));
	assert_non_null(strstr(hl7, "\rOBR|1||F456|SMSREPLY^"));
	assert_non_null(strstr(hl7, "|CE|SMSREPLY^SMS appointment reply^L||RESCHEDULE^Patient asked by SMS to reschedule^L||||||F|"));
	assert_null(strstr(hl7, "SCH|"));
	struct hl7_msg *parsed = NULL;
	assert_int_equal(hl7_parse(hl7, strlen(hl7), &parsed, &err), 0);
	char *obr3 = hl7_get_named(parsed, "OBR", 3, 0, 0), *obx5 = hl7_get_named(parsed, "OBX", 5, 0, 1);
	char *obx11 = hl7_get_named(parsed, "OBX", 11, 0, 0);
	assert_string_equal(obr3, "F456");
	assert_string_equal(obx5, "RESCHEDULE");
	assert_string_equal(obx11, "F");
	free(obr3);
	free(obx5);
	free(obx11);
	hl7_free(&parsed);
	free(hl7);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback_type", "SI|^S14", NULL), 0);
	hl7 = ehr_writeback_message(f->s, &rows[2], &err);
	assert_null(strstr(hl7, "SI|"));
	assert_non_null(strstr(hl7, "|SIU^S14|"));
	free(hl7);
	ehr_out_list_free(&rows, n);
}

/* START after STOP: the opt-back-in goes to the EHR too (ADT^A08, ZSC|Y, "SMS START"), or the
 * EHR keeps the old opt-out; a START from a number that was never opted out changes nothing
 * and sends nothing; YES to a reminder after STOP opts back in (written back) and confirms. */
static void ehr_writeback__queues_opt_in__when_patient_texts_start_after_stop(void **state)
{
	struct fx *f = *state;
	char *msg = siu("S12", "C1", "F456", "20261210143000", PHONES);
	struct ehr_in_result r = run(f, msg, "AA");
	ehr_in_result_clear(&r);
	free(msg);
	assert_int_equal(store_setting_set(f->s, f->tenant, "ehr_writeback", "127.0.0.1:1", NULL), 0);
	inbound(f, "SM0101", "START");
	char *ev = outbox_events(f);
	assert_string_equal(ev, ""); /* never opted out: nothing to tell the EHR */
	free(ev);
	inbound(f, "SM0102", "STOP");
	inbound(f, "SM0103", "START");
	ev = outbox_events(f);
	assert_string_equal(ev, "opted_out,opted_in");
	free(ev);
	bool out = true;
	assert_int_equal(store_number_opted_out(f->s, f->tenant, "+13125550199", &out, NULL), 0);
	assert_false(out);
	struct ehr_out *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_ehr_out_list(f->s, f->tenant, 1, &rows, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].event, "opted_in");
	char *hl7 = ehr_writeback_message(f->s, &rows[0], &err);
	assert_non_null(hl7);
	assert_non_null(strstr(hl7, "|ADT^A08^ADT_A01|"));
	assert_non_null(strstr(hl7, "PID|1||MRN001^^^^MR||O\\S\\Brien^Mary\r"));
	assert_non_null(strstr(hl7, "\rZSC|Y|"));
	assert_non_null(strstr(hl7, "|SMS START\r"));
	assert_null(strstr(hl7, "ZSC|N"));
	free(hl7);
	ehr_out_list_free(&rows, n);
	/* YES to a reminder after STOP: back in (written back), then the confirmation */
	struct reminders_report rr = {0};
	assert_int_equal(reminders_pass(f->s, clock_now(), &rr, NULL), 0);
	reminders_report_clear(&rr);
	inbound(f, "SM0104", "STOP");
	inbound(f, "SM0105", "YES");
	ev = outbox_events(f);
	assert_string_equal(ev, "opted_out,opted_in,opted_out,opted_in,confirmed");
	free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ehr_in__adds_patient_and_appointment__when_s12, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_in__supersedes_reminders__when_s14_moves_the_time, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_in__cancels_and_marks_no_show__when_s15_s26, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_in__updates_mobile_and_consent__when_adt, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_in__answers_ae_ar_and_changes_nothing__when_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_in_folder__moves_files_with_their_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_writeback__queues__when_patient_answers_or_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(ehr_writeback__queues_opt_in__when_patient_texts_start_after_stop, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
