/* Demo data: a clinic's worth of fictional patients, appointments and conversations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/demo.h"
#include "src/campaign.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"

struct demo_patient {
	const char *first, *last;
	int number;	/* last two digits of +1 312 555-01xx */
	const char *tz; /* NULL: the clinic's */
	bool consent;
};

/* Numbers 0101-0130 are in the 555-0100..0199 range set aside for fiction; the last digit
 * also picks how the demo simulator's patient answers. The Garcías share a family phone. */
static const struct demo_patient patients[DEMO_PATIENTS] = {
    {"Ana", "Souza", 1, NULL, true},	       {"Zoë", "Müller", 2, NULL, true},
    {"José", "García", 11, NULL, true},	       {"María", "García", 11, NULL, true},
    {"Lucía", "García", 11, NULL, false},      {"Chloé", "Dubois", 3, NULL, true},
    {"Kai", "Nakamura", 4, NULL, false},       {"Priya", "Raman", 5, NULL, true},
    {"Tomás", "Herrera", 6, NULL, true},       {"Leilani", "Kahale", 7, "Pacific/Honolulu", true},
    {"Björn", "Lindqvist", 8, NULL, false},    {"Siobhán", "O'Connor", 9, NULL, true},
    {"Nguyễn Thị", "Mai", 10, NULL, true},     {"Ahmed", "Al-Sayed", 12, NULL, true},
    {"Grace", "Okafor", 13, NULL, true},       {"Mateo", "Rossi", 14, NULL, false},
    {"Emily", "Johnson", 15, NULL, true},      {"Liam", "O'Brien", 16, NULL, true},
    {"Fatima", "Haddad", 17, NULL, true},      {"Wei", "Zhang", 18, NULL, false},
    {"Olivia", "Smith", 19, NULL, true},       {"Noah", "Williams", 20, NULL, true},
    {"Amélie", "Lefèvre", 21, NULL, true},     {"Dmitri", "Volkov", 22, NULL, false},
    {"Aisha", "Bello", 23, NULL, true},	       {"Henrik", "Sørensen", 24, NULL, true},
    {"Camila", "Pérez", 25, NULL, true},       {"Jamal", "Washington", 26, NULL, true},
    {"Ingrid", "Þórsdóttir", 27, NULL, false}, {"Benjamin", "Cohen", 28, NULL, true},
};

static const char *const providers[] = {"Dr. Okonkwo", "Dr. Lindgren", "Dr. Ramírez", "NP Chen"};
static const char *const locations[] = {"Main office, 200 N Lake St", "Suite 4, 200 N Lake St"};

/* Indexes into patients[] used by the conversations below. */
enum {
	P_ANA = 0,
	P_ZOE = 1,
	P_JOSE = 2,
	P_CHLOE = 5,
	P_KAI = 6,
	P_PRIYA = 7,
	P_TOMAS = 8,
	P_LEILANI = 9,
	P_BJORN = 10,
	P_SIOBHAN = 11,
	P_MAI = 12,
	P_AHMED = 13,
	P_GRACE = 14,
	P_EMILY = 16,
	P_LIAM = 17,
	P_FATIMA = 18,
	P_WEI = 19,
	P_OLIVIA = 20,
	P_NOAH = 21
};

#define LONG_BODY "@long" /* replaced by a 600-character message */

struct demo_msg {
	int patient;
	bool inbound;
	int minutes_ago;
	const char *type; /* outbound only */
	const char *body;
	const char *status;
	int error_code;
	const char *error_message;
};

static const struct demo_msg script[] = {
    {P_ANA, false, 1560, "reminder",
     "Hi Ana, this is Lakeside Family Clinic: you have an appointment soon. "
     "Reply C to confirm, R to reschedule, X if you can't come. Reply STOP to opt out.",
     "delivered", 0, NULL},
    {P_ANA, true, 1500, NULL, "C", "received", 0, NULL},
    {P_ANA, false, 1500, "auto_reply", "Thanks, your appointment is confirmed. See you soon!", "delivered", 0,
     NULL},
    {P_ZOE, false, 300, "conversation", "Hi Zoë, your lab results are in. Please call us when you can.",
     "delivered", 0, NULL},
    {P_ZOE, true, 240, NULL, "Thank you so much!! \xF0\x9F\x98\x8A\xF0\x9F\x99\x8F", "received", 0, NULL},
    {P_JOSE, false, 1200, "reminder",
     "Hi José, this is Lakeside Family Clinic: you have an appointment soon. "
     "Reply C to confirm, R to reschedule, X if you can't come.",
     "delivered", 0, NULL},
    {P_JOSE, true, 1100, NULL, "Is this for José or for Lucía? \xF0\x9F\xA4\x94", "received", 0, NULL},
    {P_CHLOE, true, 90, NULL, LONG_BODY, "received", 0, NULL},
    {P_KAI, true, 45, NULL, "hi \x1b[2J\x1b[31mURGENT\x1b[0m call me back \x1b]0;owned\x07 ok?\r\n",
     "received", 0, NULL},
    {P_PRIYA, false, 180, "reminder",
     "Hi Priya, this is Lakeside Family Clinic: you have an appointment "
     "soon. Reply C to confirm.",
     "failed", 30003, "Unreachable destination handset"},
    {P_TOMAS, false, 2900, "reminder",
     "Hi Tomás, this is Lakeside Family Clinic: you have an appointment "
     "soon. Reply C to confirm.",
     "delivered", 0, NULL},
    {P_TOMAS, true, 2880, NULL, "STOP", "received", 0, NULL},
    {P_LEILANI, false, 700, "reminder",
     "Hi Leilani, this is Lakeside Family Clinic: you have an "
     "appointment soon. Reply C to confirm, R to reschedule.",
     "delivered", 0, NULL},
    {P_LEILANI, true, 650, NULL, "R", "received", 0, NULL},
    {P_BJORN, true, 30, NULL, "Can I get a refill of my blood pressure prescription before Friday?",
     "received", 0, NULL},
    {P_SIOBHAN, false, 2000, "conversation",
     "We\xE2\x80\x99ve moved your appointment to Thursday "
     "\xE2\x80\x94 see you then!",
     "delivered", 0, NULL},
    {P_SIOBHAN, true, 1990, NULL, "Perfect, thanks", "received", 0, NULL},
    {P_MAI, true, 15, NULL, "Xin chào! Tôi có thể đổi lịch hẹn không?", "received", 0, NULL},
    {P_AHMED, false, 1400, "reminder",
     "Hi Ahmed, this is Lakeside Family Clinic: you have an appointment "
     "soon. Reply C to confirm, X if you can't come.",
     "delivered", 0, NULL},
    {P_AHMED, true, 1380, NULL, "X", "received", 0, NULL},
    {P_AHMED, false, 1380, "auto_reply", "Your appointment is cancelled. Call us to book a new time.",
     "delivered", 0, NULL},
    /* The front desk's lanes: a reply triage could not read, one it read ("sí, confirmo"),
     * failed deliveries of several causes. */
    {P_GRACE, false, 400, "reminder",
     "Hi Grace, this is Lakeside Family Clinic: you have an appointment soon. "
     "Reply C to confirm, R to reschedule, X if you can't come.",
     "delivered", 0, NULL},
    {P_GRACE, true, 380, NULL, "I'll be 15 minutes late, is that ok?", "received", 0, NULL},
    {P_EMILY, false, 600, "reminder",
     "Hi Emily, this is Lakeside Family Clinic: you have an appointment soon. "
     "Reply C to confirm, R to reschedule, X if you can't come.",
     "delivered", 0, NULL},
    {P_EMILY, true, 590, NULL, "s\xC3\xAD, confirmo \xF0\x9F\x91\x8D", "received", 0, NULL},
    {P_EMILY, false, 590, "auto_reply", "Thank you, your appointment with Lakeside Family Clinic is confirmed.",
     "delivered", 0, NULL},
    {P_LIAM, false, 240, "reminder",
     "Hi Liam, this is Lakeside Family Clinic: you have an appointment soon. Reply C to confirm.", "undelivered",
     30006, "Landline or unreachable carrier"},
    {P_FATIMA, false, 120, "conversation", "Your referral letter is ready to pick up at the front desk.",
     "undelivered", 30007, "Message filtered"},
    {P_WEI, false, 500, "conversation", "Please call us about your lab results.", "failed", 30005,
     "Unknown destination handset"},
    {P_OLIVIA, false, 60, "conversation", "We received your forms, thank you!", "failed", 30001,
     "Queue overflow"},
};

/* Threads staff have already read; the others stay unread. */
static const int read_threads[] = {P_ANA, P_TOMAS, P_SIOBHAN, P_AHMED, P_PRIYA};

/* The 600-character message of the demo (malloc'd). */
static char *long_body(void)
{
	static const char part[] = "Hello, I have a few questions before my visit next week. I have been "
				   "taking the new medication every morning as prescribed, but I feel tired "
				   "in the afternoon. Should I take it in the evening instead? ";
	char *s = xmalloc(601);
	for (size_t i = 0; i < 600; i++)
		s[i] = part[i % (sizeof(part) - 1)];
	s[599] = '?';
	s[600] = '\0';
	return s;
}

static void demo_number(int n, char out[16])
{
	snprintf(out, 16, "+131255501%02d", n);
}

/* Adds the patients with their consent; ids into ids[]. */
static int add_patients(struct store *s, int64_t tenant_id, int64_t now, int64_t ids[DEMO_PATIENTS],
			char **err)
{
	for (int i = 0; i < DEMO_PATIENTS; i++) {
		char number[16], ext[16];
		demo_number(patients[i].number, number);
		snprintf(ext, sizeof(ext), "DEMO-%03d", i + 1);
		struct patient p = {.tenant_id = tenant_id,
				    .first_name = (char *)patients[i].first,
				    .last_name = (char *)patients[i].last,
				    .mobile = number,
				    .timezone = (char *)patients[i].tz,
				    .external_id = ext};
		if (store_patient_add(s, &p, &ids[i], err) != 0)
			return -1;
		if (patients[i].consent && store_prefs_set_consent(s, ids[i], now - 86400 * (30 + i),
								   "paper form", "demo", number, err) != 0)
			return -1;
	}
	return 0;
}

/* Unix time of day `day` after now's local date at hh:mm in zone tz. */
static int64_t local_at(const char *tz, int64_t now, int day, int hh, int mm)
{
	struct tm tm;
	if (tz_local(tz, now, &tm) != 0)
		tz_local("UTC", now, &tm);
	struct tm w = {.tm_year = tm.tm_year,
		       .tm_mon = tm.tm_mon,
		       .tm_mday = tm.tm_mday + day,
		       .tm_hour = hh,
		       .tm_min = mm};
	int64_t t = tz_mktime(tz, &w);
	return t == TZ_ERROR ? tz_mktime("UTC", &w) : t;
}

/* Adds upcoming appointments for most patients over the next days; appts[i] = id or 0. */
static int add_appointments(struct store *s, int64_t tenant_id, const char *tz, int64_t now,
			    const int64_t ids[DEMO_PATIENTS], int64_t appts[DEMO_PATIENTS], char **err)
{
	for (int i = 0; i < DEMO_PATIENTS; i++) {
		appts[i] = 0;
		if (i % 4 == 3 && i != P_LEILANI && i != P_AHMED)
			continue; /* not everyone has a visit this week */
		struct appointment a = {.tenant_id = tenant_id,
					.patient_id = ids[i],
					.provider = (char *)providers[i % 4],
					.location = (char *)locations[i % 2],
					.duration_min = i % 3 == 0 ? 45 : 30,
					.status = "scheduled"};
		a.starts_at = local_at(tz, now, 1 + i % 6, 9 + (i * 5) % 8, (i % 2) * 30);
		if (store_appt_add(s, &a, &appts[i], err) != 0)
			return -1;
	}
	if (store_appt_set_status(s, appts[P_ANA], "confirmed", err) != 0 ||
	    store_appt_set_status(s, appts[P_LEILANI], "reschedule_requested", err) != 0 ||
	    store_appt_set_status(s, appts[P_AHMED], "cancelled", err) != 0)
		return -1;
	return 0;
}

/* Past visits for the campaigns: the patients with nothing booked were last seen over a year
 * ago (an annual skin check recall finds them), the others a few months ago; three had a
 * procedure a week ago (the follow-up finds them, Tomás opted out). */
static int add_past_visits(struct store *s, int64_t tenant_id, const char *tz, int64_t now,
			   const int64_t ids[DEMO_PATIENTS], const int64_t appts[DEMO_PATIENTS], char **err)
{
	static const int followup[] = {P_CHLOE, P_KAI, P_TOMAS};
	for (int i = 0; i < DEMO_PATIENTS; i++) {
		struct appointment a = {.tenant_id = tenant_id, .patient_id = ids[i], .provider = (char *)providers[i % 4],
					.location = (char *)locations[i % 2], .duration_min = 30, .status = "completed"};
		a.starts_at = local_at(tz, now, appts[i] ? -(60 + i * 5) : -(400 + i * 3), 10, 0);
		if (store_appt_add(s, &a, NULL, err) != 0)
			return -1;
	}
	for (size_t k = 0; k < sizeof(followup) / sizeof(followup[0]); k++) {
		struct appointment a = {.tenant_id = tenant_id, .patient_id = ids[followup[k]], .provider = "Dr. Okonkwo",
					.location = (char *)locations[0], .duration_min = 60, .status = "completed"};
		a.starts_at = local_at(tz, now, -7, 9 + (int)k, 0);
		if (store_appt_add(s, &a, NULL, err) != 0)
			return -1;
	}
	/* Two patients want an earlier visit: Ahmed's cancelled one is offered to them (the sim's
	 * Fatima answers BOOK), then to those overdue for their yearly check. */
	static const int waiting[] = {18, 16}; /* Fatima Haddad, Emily Johnson */
	for (size_t k = 0; k < sizeof(waiting) / sizeof(waiting[0]); k++) {
		struct waitlist_entry wl = {.tenant_id = tenant_id, .patient_id = ids[waiting[k]], .from_at = now,
					    .to_at = now + 14 * 86400, .created_by = "demo", .provider = NULL};
		if (store_waitlist_add(s, &wl, NULL, err) != 0)
			return -1;
	}
	/* Two patients signed the marketing consent form as well. */
	return store_prefs_set_marketing_consent(s, ids[P_ANA], now - 86400 * 20, "paper form", "demo", err) != 0 ||
			       store_prefs_set_marketing_consent(s, ids[P_ZOE], now - 86400 * 9, "patient portal", "demo",
								 err) != 0
		   ? -1
		   : 0;
}

/* Three draft campaigns to look at, preview and send from the campaigns screen (M). */
static int add_campaigns(struct store *s, int64_t tenant_id, int64_t now, char **err)
{
	static const struct {
		const char *name, *kind, *body;
		int overdue_months, followup_days;
	} drafts[] = {
	    {"Annual skin check recall", "care",
	     "Hi {patientName}, {clinicName}: your yearly skin check is due. Call {clinicPhone} to book. Reply STOP to "
	     "opt out.",
	     12, 0},
	    {"Mohs follow-up, 1 week", "care",
	     "Hi {patientName}, {clinicName}: how is the wound healing? Reply or call {clinicPhone}. Reply STOP to opt "
	     "out.",
	     0, 7},
	    {"Spring peel offer", "marketing",
	     "{clinicName}: 20% off chemical peels in April, {patientName}. Call {clinicPhone}. Reply STOP to opt out.", 0,
	     0},
	};
	for (size_t i = 0; i < sizeof(drafts) / sizeof(drafts[0]); i++) {
		struct campaign_filter f = {.tenant_id = tenant_id, .kind = drafts[i].kind,
					    .overdue_months = drafts[i].overdue_months,
					    .followup_days = drafts[i].followup_days};
		int64_t id = 0;
		if (campaign_create(s, &f, drafts[i].name, drafts[i].body, 0, "demo", now, &id, NULL, err) != 0)
			return -1;
	}
	return 0;
}

/* Stores one scripted message as Twilio would have it. */
static int add_message(struct store *s, int64_t tenant_id, const char *from, int64_t now, int seq,
		       const struct demo_msg *d, const int64_t ids[DEMO_PATIENTS],
		       const int64_t appts[DEMO_PATIENTS], char **err)
{
	char number[16], sid[40];
	demo_number(patients[d->patient].number, number);
	/* Twilio SIDs are "SM" + 32 hex digits; these cannot collide with the simulator's. */
	snprintf(sid, sizeof(sid), "SMde0000%08llx%016x", (unsigned long long)tenant_id, (unsigned)seq);
	char *body = strcmp(d->body, LONG_BODY) == 0 ? long_body() : xstrdup(d->body);
	struct segment_info info;
	segments_count(body, strlen(body), &info);
	int64_t at = now - (int64_t)d->minutes_ago * 60;
	struct sms_message m = {
	    .tenant_id = tenant_id,
	    .patient_id = ids[d->patient],
	    .twilio_sid = sid,
	    .direction = d->inbound ? "inbound" : "outbound",
	    .from_number = d->inbound ? number : (char *)from,
	    .to_number = d->inbound ? (char *)from : number,
	    .body = body,
	    .segments = info.segments,
	    .encoding = (char *)segments_encoding_name(info.encoding),
	    .status = (char *)d->status,
	    .error_code = d->error_code,
	    .error_message = (char *)d->error_message,
	    .message_type = (char *)(d->type ? d->type : "conversation"),
	    .appointment_id = d->type && strcmp(d->type, "reminder") == 0 ? appts[d->patient] : 0,
	    .created_at = at,
	    .sent_at = d->inbound ? 0 : at + 1,
	    .delivered_at = strcmp(d->status, "delivered") == 0 ? at + 5 : 0,
	};
	bool inserted = false;
	int rc = d->inbound ? store_msg_insert_inbound(s, &m, NULL, &inserted, err)
			    : store_msg_insert_outbound_seen(s, &m, &inserted, err);
	free(body);
	return rc;
}

/* Marks the read threads read and flags the ones that need staff. */
static int finish_threads(struct store *s, int64_t tenant_id, int64_t now, char **err)
{
	char number[16];
	int64_t thread = 0;
	for (size_t i = 0; i < sizeof(read_threads) / sizeof(read_threads[0]); i++) {
		demo_number(patients[read_threads[i]].number, number);
		if (store_thread_for_phone(s, tenant_id, number, &thread, err) != 0 ||
		    store_thread_mark_read(s, thread, err) != 0)
			return -1;
	}
	demo_number(patients[P_LEILANI].number, number);
	if (store_thread_for_phone(s, tenant_id, number, &thread, err) != 0 ||
	    store_thread_set_action(s, thread, true, "reschedule requested", err) != 0)
		return -1;
	demo_number(patients[P_TOMAS].number, number);
	return store_optout_number(s, tenant_id, number, now - 2880 * 60, "sms", "replied STOP", err);
}

/* The thread of a demo patient's number. */
static int demo_thread(struct store *s, int64_t tenant_id, int patient, int64_t *thread, char **err)
{
	char number[16];
	demo_number(patients[patient].number, number);
	return store_thread_for_phone(s, tenant_id, number, thread, err);
}

/* Puts the thread in the needs-human lane for its newest message. */
static int demo_lane(struct store *s, int64_t tenant_id, int patient, char **err)
{
	int64_t thread = 0;
	struct sms_message *last = NULL;
	size_t n = 0;
	if (demo_thread(s, tenant_id, patient, &thread, err) != 0 ||
	    store_msg_list_thread(s, thread, 1, &last, &n, err) != 0)
		return -1;
	int rc = n == 1 ? store_thread_set_triage(s, thread, last[0].id, err) : 0;
	sms_message_list_free(&last, n);
	return rc;
}

/* The front desk's state: lanes, a note, assignments, the archive, quick replies, a message
 * to send later (tomorrow 09:00). */
static int finish_desk(struct store *s, int64_t tenant_id, const char *tz, const char *from, int64_t now,
		       const int64_t ids[DEMO_PATIENTS], const int64_t appts[DEMO_PATIENTS], char **err)
{
	static const struct {
		const char *name, *body;
	} canned[] = {
		{"address", "{clinicName} is at 200 N Lake St, Suite 4. Parking is behind the building."},
		{"bring card", "Hi {patientName}, please bring your insurance card and a photo ID to your visit."},
		{"call us", "Hi {patientName}, please call {clinicName} at {clinicPhone} when you have a moment."},
	};
	int64_t thread = 0, user = 0;
	struct user u = {0};
	if (store_user_find(s, "demo", &u, NULL) == 0)
		user = u.id;
	user_free(&u);
	if (demo_lane(s, tenant_id, P_JOSE, err) != 0 || demo_lane(s, tenant_id, P_GRACE, err) != 0 ||
	    store_appt_set_status(s, appts[P_EMILY], "confirmed", err) != 0)
		return -1;
	struct thread_note note = {.user_id = user, .username = "demo", .created_at = now - 600 * 60,
				   .body = "Called back: she prefers Thursday afternoons. Waiting for Dr. Lindgren's schedule."};
	if (demo_thread(s, tenant_id, P_LEILANI, &note.thread_id, err) != 0 || store_note_add(s, &note, NULL, err) != 0 ||
	    store_thread_assign(s, note.thread_id, THREAD_FRONT_DESK, err) != 0 ||
	    demo_thread(s, tenant_id, P_BJORN, &thread, err) != 0 ||
	    store_thread_assign(s, thread, user != 0 ? user : THREAD_FRONT_DESK, err) != 0 ||
	    demo_thread(s, tenant_id, P_SIOBHAN, &thread, err) != 0 || store_thread_archive(s, thread, now - 600, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(canned) / sizeof(canned[0]); i++) {
		struct canned_reply c = {.tenant_id = tenant_id, .name = (char *)canned[i].name,
					 .body = (char *)canned[i].body, .updated_by = "demo", .updated_at = now};
		if (store_canned_put(s, &c, NULL, err) != 0)
			return -1;
	}
	char number[16];
	demo_number(patients[P_NOAH].number, number);
	struct sms_message later = {.tenant_id = tenant_id, .patient_id = ids[P_NOAH], .direction = "outbound",
				    .from_number = (char *)from, .to_number = number, .segments = 1,
				    .body = "Reminder: no food or drink after midnight before your blood test.",
				    .encoding = "GSM-7", .message_type = "conversation", .sent_by = user,
				    .next_attempt_at = local_at(tz, now, 1, 9, 0), .created_at = now - 4000 * 60};
	return store_msg_queue(s, &later, NULL, err);
}

int demo_populate(struct store *s, int64_t tenant_id, int64_t now, char **err)
{
	struct tenant t = {0};
	struct patient *existing = NULL;
	size_t n = 0;
	int64_t ids[DEMO_PATIENTS], appts[DEMO_PATIENTS];
	if (store_tenant_get(s, tenant_id, &t, err) != 0)
		return -1;
	const char *tz = t.timezone != NULL && tz_valid(t.timezone) ? t.timezone : "America/Chicago";
	const char *from = t.from_number != NULL && *t.from_number ? t.from_number : DEMO_FROM_NUMBER;
	if (store_patient_search(s, tenant_id, NULL, 1, &existing, &n, err) != 0)
		goto fail_early;
	patient_list_free(&existing, n);
	if (n > 0) {
		seterr(err, "the clinic already has patients: demo data goes into an empty clinic only");
		goto fail_early;
	}
	if (store_begin(s, err) != 0)
		goto fail_early;
	if (add_patients(s, tenant_id, now, ids, err) != 0 ||
	    add_appointments(s, tenant_id, tz, now, ids, appts, err) != 0)
		goto fail;
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		if (add_message(s, tenant_id, from, now, (int)i + 1, &script[i], ids, appts, err) != 0)
			goto fail;
	if (finish_threads(s, tenant_id, now, err) != 0 || finish_desk(s, tenant_id, tz, from, now, ids, appts, err) != 0 ||
	    add_past_visits(s, tenant_id, tz, now, ids, appts, err) != 0 || add_campaigns(s, tenant_id, now, err) != 0)
		goto fail;
	if (store_commit(s, err) != 0)
		goto fail_early; /* a failed commit has rolled back already */
	tenant_free(&t);
	return 0;
fail:
	store_rollback(s);
fail_early:
	tenant_free(&t);
	return -1;
}
