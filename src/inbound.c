/* The inbound processor: each inbound text is stored and acted on exactly once, in one
 * transaction, so an opt-out is honoured the moment the message exists in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/inbound.h"
#include "src/ehr.h"
#include "src/keywords.h"
#include "src/outbox.h"
#include "src/phone.h"
#include "src/template.h"
#include "src/triage.h"
#include "src/util.h"

#define ACTOR "system"

/* What one message is being processed with: the tenant, the sender and what was matched. */
struct ctx {
	struct store *s;
	const struct tenant *t;
	const char *from;
	int64_t msg_id;
	int64_t thread_id;
	int64_t patient_id; /* 0: unknown sender or a family phone nobody picked */
	bool number_unknown; /* no patient of the location has the sender's number */
	int64_t now;
	struct kw_match match;
	const struct auto_response *rows; /* the tenant's keyword rows (classify) */
	size_t nrows;
	char target[32];    /* "message <id>" for the audit log */
};

/* Writes an audit entry for this message (never its body). */
static int audit(struct ctx *c, const char *action, int64_t patient_id, const char *detail, char **err)
{
	return store_audit_append(c->s, 0, ACTOR, c->t->id, action, patient_id, c->target, detail, err);
}

/* Renders text for the tenant and queues it through the one send path. A refusal (an
 * opted-out number, say) is not an error: the action stands, the reply just does not go. */
static int reply(struct ctx *c, const char *text, const char *type, int64_t patient_id, int64_t appt_id,
		 char **err)
{
	/* the same engine and variables the reply was checked with when saved */
	char *first = NULL;
	struct patient p;
	if (patient_id > 0 && text != NULL && strstr(text, "{patientName}") != NULL &&
	    store_patient_get(c->s, patient_id, &p, NULL) == 0) {
		first = xstrdup(p.first_name);
		patient_free(&p);
	}
	char *body = template_render_reply(text, c->t->name, c->t->phone, first ? first : TEMPLATE_UNKNOWN_NAME);
	free(first);
	struct outbox_request req = {
		.tenant_id = c->t->id,
		.patient_id = patient_id,
		.to = c->from,
		.body = body,
		.message_type = type,
		.appointment_id = appt_id,
		.actor = ACTOR,
		.tenant = c->t,
	};
	char *why = NULL;
	int rc = outbox_queue(c->s, &req, NULL, &why);
	free(body);
	if (rc == OUTBOX_REFUSED) {
		char *detail = xasprintf("%s reply not sent: %s", type, why ? why : "refused");
		free(why);
		rc = audit(c, "sms.reply_refused", patient_id, detail, err);
		free(detail);
		return rc;
	}
	if (rc != 0) {
		seterr(err, "queueing the %s reply: %s", type, why ? why : "unknown error");
		free(why);
		return -1;
	}
	return 0;
}

/* The reply text of the matched row, or the built-in one for the law's keywords. */
static const char *match_text(const struct ctx *c)
{
	if (c->match.row != NULL && c->match.row->reply_text != NULL && c->match.row->reply_text[0] != '\0')
		return c->match.row->reply_text;
	return keywords_default_reply(c->match.action);
}

/* Whether smsdesk sends this opt-out / opt-in confirmation: always when the tenant says so,
 * and also when Twilio answers them but will not have answered this one ("Stop.", "opt out",
 * "stop please" are not Twilio's exact keywords): the patient gets exactly one. */
static bool we_confirm(const struct ctx *c)
{
	if (c->t->optout_replies_by != NULL && strcmp(c->t->optout_replies_by, "smsdesk") == 0)
		return true;
	return !c->match.twilio_word;
}

/* A later answer the processor acts on (C, YES, CANCEL with a booked appointment) takes the
 * thread out of the needs-human lane: the older unclear reply no longer needs reading. */
static int leave_lane(struct ctx *c, char **err)
{
	return store_thread_set_triage(c->s, c->thread_id, 0, err) < 0 ? -1 : 0;
}

/* CANCEL is the law's opt-out word, and also what a patient told "X to cancel" may write
 * about the appointment: after the opt-out, a booked reminded appointment is put before
 * staff (the thread flagged with it), since nobody else would learn of it. */
static int flag_cancel_word(struct ctx *c, char **err)
{
	int64_t appt_id = 0, reminder_id = 0;
	int rc = store_reminder_latest_for_phone(c->s, c->t->id, c->from, c->now, &appt_id, &reminder_id, err);
	if (rc != 0)
		return rc == SD_NOTFOUND ? 0 : -1;
	struct appointment appt = {0};
	if (store_appt_get(c->s, appt_id, &appt, err) != 0)
		return -1;
	char day[32], at[32];
	template_format_date(appt.starts_at, c->t->timezone, day, sizeof(day));
	template_format_time(appt.starts_at, c->t->timezone, at, sizeof(at));
	bool with = appt.provider != NULL && appt.provider[0] != '\0';
	char *reason = xasprintf("cancel appointment? opted out; still booked %s %s%s%.40s", day, at, with ? " " : "",
				 with ? appt.provider : "");
	char *detail = xasprintf("appointment %lld still booked; keyword %s opted out; flagged for staff",
				 (long long)appt_id, c->match.keyword);
	rc = store_thread_set_action(c->s, c->thread_id, true, reason, err);
	if (rc == 0)
		rc = leave_lane(c, err);
	if (rc == 0)
		rc = audit(c, "appt.cancel_word", appt.patient_id, detail, err);
	free(detail);
	free(reason);
	appointment_free(&appt);
	return rc;
}

/* STOP family: block the number, cancel what waits for it, then the one confirmation. */
static int act_opt_out(struct ctx *c, char **err)
{
	char *reason = xasprintf("replied %s", c->match.keyword);
	int rc = store_optout_number(c->s, c->t->id, c->from, c->now, "sms", reason, err);
	free(reason);
	int cancelled = 0;
	if (rc != 0 ||
	    store_msg_cancel_queued_to(c->s, c->t->id, c->from, 0, "recipient opted out", &cancelled, err) != 0)
		return -1;
	char *detail = xasprintf("keyword %s; %d queued message(s) cancelled", c->match.keyword, cancelled);
	rc = audit(c, "pref.optout.sms", c->patient_id, detail, err);
	free(detail);
	if (rc != 0 || ehr_writeback_optout(c->s, c->t->id, c->from, c->now, err) != 0)
		return -1;
	/* When Twilio answered STOP itself, a second confirmation from us would be one too many. */
	if (we_confirm(c) && reply(c, match_text(c), "optout_confirm", c->patient_id, 0, err) != 0)
		return -1;
	return strcmp(c->match.keyword, "CANCEL") == 0 ? flag_cancel_word(c, err) : 0;
}

/* START / UNSTOP / YES: lift the block first so the confirmation may pass the send path. A
 * number that was opted out goes back to the EHR as opted in (else it keeps the opt-out). */
static int act_opt_in(struct ctx *c, char **err)
{
	bool was_out = false;
	char *detail = xasprintf("keyword %s", c->match.keyword);
	int rc = store_number_opted_out(c->s, c->t->id, c->from, &was_out, err);
	if (rc == 0)
		rc = store_optin_number(c->s, c->t->id, c->from, c->now, "sms", err);
	if (rc == 0)
		rc = audit(c, "pref.optin.sms", c->patient_id, detail, err);
	free(detail);
	if (rc == 0 && was_out)
		rc = ehr_writeback_optin(c->s, c->t->id, c->from, c->now, err);
	if (rc != 0 || !we_confirm(c))
		return rc;
	return reply(c, match_text(c), "optin_confirm", c->patient_id, 0, err);
}

/* C / R / X: act on the most recently reminded upcoming appointment of this number. */
static int act_appointment(struct ctx *c, char **err)
{
	static const struct {
		const char *appt_status, *response, *audit, *verb, *action_reason;
	} what[] = {
		[KW_CONFIRM] = {"confirmed", "confirmed", "appt.confirm", "confirm", NULL},
		[KW_RESCHEDULE] = {"reschedule_requested", "reschedule", "appt.reschedule", "reschedule",
				   "reschedule requested"},
		[KW_CANCEL_APPT] = {"cancelled", "cancelled", "appt.cancel", "cancel", "appointment cancelled"},
	};
	enum kw_action a = c->match.action;
	int64_t appt_id = 0, reminder_id = 0;
	int rc = store_reminder_latest_for_phone(c->s, c->t->id, c->from, c->now, &appt_id, &reminder_id, err);
	if (rc < 0)
		return -1;
	if (rc == SD_NOTFOUND) {
		char *text = xasprintf("We couldn't find an upcoming appointment to %s. Please call {clinicPhone}.",
				       what[a].verb);
		char *detail = xasprintf("keyword %s; no reminded appointment", c->match.keyword);
		rc = audit(c, "appt.keyword_unmatched", c->patient_id, detail, err);
		if (rc == 0)
			rc = reply(c, text, "auto_reply", c->patient_id, 0, err);
		free(detail);
		free(text);
		return rc;
	}
	/* A family phone: the patient is whoever the appointment belongs to. */
	struct appointment appt = {0};
	if (store_appt_get(c->s, appt_id, &appt, err) != 0)
		return -1;
	int64_t patient_id = appt.patient_id;
	appointment_free(&appt);
	if (store_appt_set_status(c->s, appt_id, what[a].appt_status, err) != 0 ||
	    store_reminder_set_response(c->s, reminder_id, what[a].response, c->now, err) != 0)
		return -1;
	if (what[a].action_reason != NULL &&
	    store_thread_set_action(c->s, c->thread_id, true, what[a].action_reason, err) != 0)
		return -1;
	char *detail = xasprintf("appointment %lld; keyword %s", (long long)appt_id, c->match.keyword);
	rc = audit(c, what[a].audit, patient_id, detail, err);
	free(detail);
	if (rc != 0 || ehr_writeback_appt(c->s, c->t->id, appt_id, what[a].response, c->now, err) != 0)
		return -1;
	const char *text = match_text(c);
	return text == NULL ? 0 : reply(c, text, "auto_reply", patient_id, appt_id, err);
}

/* The tenant's enabled confirm row ("C" first), or NULL when confirming by text is off. */
static const struct auto_response *confirm_row(const struct ctx *c)
{
	const struct auto_response *any = NULL;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct auto_response *r = &c->rows[i];
		if (!r->enabled || keywords_action_from_name(r->action) != KW_CONFIRM)
			continue;
		if (strcmp(r->keyword, "C") == 0)
			return r;
		if (any == NULL)
			any = r;
	}
	return any;
}

/* "YES" right after a reminder answers the reminder: it confirms the reminded upcoming
 * appointment (C's action and reply), and opts back in first when the number was out, as
 * the law's opt-in word. Without such an appointment it is the opt-in word alone. */
static int act_yes(struct ctx *c, char **err)
{
	int64_t appt_id = 0, reminder_id = 0;
	const struct auto_response *row = confirm_row(c);
	int rc = row == NULL ? SD_NOTFOUND
			     : store_reminder_latest_for_phone(c->s, c->t->id, c->from, c->now, &appt_id, &reminder_id,
								err);
	if (rc < 0)
		return -1;
	if (rc == SD_NOTFOUND)
		return act_opt_in(c, err);
	bool out = false;
	if (store_number_opted_out(c->s, c->t->id, c->from, &out, err) != 0 || (out && act_opt_in(c, err) != 0) ||
	    leave_lane(c, err) != 0)
		return -1;
	c->match.action = KW_CONFIRM;
	c->match.row = row;
	return act_appointment(c, err);
}

/* Runs the matched action (or flags a possible opt-out). */
static int act(struct ctx *c, char **err)
{
	switch (c->match.action) {
	case KW_OPT_OUT:
		return act_opt_out(c, err);
	case KW_OPT_IN:
		return strcmp(c->match.keyword, "YES") == 0 ? act_yes(c, err) : act_opt_in(c, err);
	case KW_HELP:
		return reply(c, match_text(c), "help", c->patient_id, 0, err);
	case KW_CONFIRM:
	case KW_RESCHEDULE:
	case KW_CANCEL_APPT:
		return act_appointment(c, err);
	case KW_CUSTOM:
		return reply(c, match_text(c), "auto_reply", c->patient_id, 0, err);
	case KW_NONE:
		break;
	}
	if (!c->match.possible_optout)
		return 0;
	if (store_thread_set_action(c->s, c->thread_id, true, "possible opt-out", err) != 0)
		return -1;
	return audit(c, "sms.possible_optout", c->patient_id, "flagged for staff", err);
}

/* A free-text reply to an unanswered reminder (src/triage.c): a clear one acts as its
 * keyword would (with the same reply row), an unclear one goes to the needs-human lane. */
static int triage_reply(struct ctx *c, const char *body, const struct auto_response *rows, size_t n, char **err)
{
	int64_t appt = 0, reminder = 0;
	enum kw_action k = c->match.action;
	if (k == KW_CONFIRM || k == KW_RESCHEDULE || k == KW_CANCEL_APPT)
		return leave_lane(c, err); /* answered after all */
	/* A number no patient has was sent no reminder: nothing to look up (most of a wrong
	 * number's or a stranger's texts). */
	if (k != KW_NONE || c->match.possible_optout || c->number_unknown)
		return 0;
	/* A keyword the location turned off ("C" disabled) stays off: triage does not bring it back. */
	char *norm = keywords_normalize(body);
	bool off = false;
	for (size_t i = 0; i < n && !off; i++)
		off = !rows[i].enabled && rows[i].keyword != NULL && strcmp(rows[i].keyword, norm) == 0;
	free(norm);
	if (off)
		return 0;
	int rc = store_triage_pending(c->s, c->t->id, c->from, c->now, &appt, &reminder, err);
	if (rc != 0)
		return rc == SD_NOTFOUND ? 0 : -1;
	struct triage_result r;
	triage_classify(body, &r);
	enum kw_action a = r.intent == TRIAGE_CONFIRM	   ? KW_CONFIRM
			   : r.intent == TRIAGE_RESCHEDULE ? KW_RESCHEDULE
			   : r.intent == TRIAGE_CANCEL	   ? KW_CANCEL_APPT
							   : KW_NONE;
	if (a == KW_NONE) {
		if (r.intent != TRIAGE_UNCLEAR || store_thread_set_triage(c->s, c->thread_id, c->msg_id, err) != 0)
			return r.intent == TRIAGE_UNCLEAR ? -1 : 0;
		return audit(c, "triage.needs_human", c->patient_id, r.why, err);
	}
	for (size_t i = 0; i < n && c->match.row == NULL; i++) {
		if (rows[i].enabled && keywords_action_from_name(rows[i].action) == a)
			c->match.row = &rows[i];
	}
	if (c->match.row == NULL)
		return 0; /* every keyword of this answer is off at this location */
	c->match.action = a;
	snprintf(c->match.keyword, sizeof(c->match.keyword), "triage:%s", triage_intent_name(r.intent));
	return 0;
}

/* Stores the message; fills c with its ids. *inserted false when the SID was seen. */
static int store_message(struct ctx *c, const struct sms_message *m, bool *inserted, char **err)
{
	struct sms_message in = *m;
	in.tenant_id = c->t->id;
	in.direction = "inbound";
	in.status = "received";
	in.message_type = "conversation";
	in.patient_id = 0; /* the thread's patient, when there is exactly one */
	if (in.created_at == 0)
		in.created_at = c->now;
	struct msg_placed at = {0};
	if (store_msg_insert_inbound_placed(c->s, &in, &c->msg_id, inserted, &at, err) != 0)
		return -1;
	if (!*inserted)
		return 0;
	c->thread_id = at.thread_id;
	c->patient_id = at.patient_id;
	c->number_unknown = at.number_unknown;
	snprintf(c->target, sizeof(c->target), "message %lld", (long long)c->msg_id);
	return 0;
}

int inbound_keywords_load(struct store *s, int64_t tenant_id, struct inbound_keywords *kw, char **err)
{
	*kw = (struct inbound_keywords){0};
	return store_autoresp_list(s, tenant_id, &kw->rows, &kw->n, err);
}

void inbound_keywords_free(struct inbound_keywords *kw)
{
	auto_response_list_free(&kw->rows, kw->n);
	kw->n = 0;
}

/* Stores, matches and acts inside the caller's transaction; false *processed when known. */
static int process_in_tx(struct ctx *c, const struct sms_message *m, const struct inbound_keywords *kw,
			 bool *processed, char **err)
{
	bool inserted = false;
	if (store_message(c, m, &inserted, err) != 0)
		return -1;
	if (!inserted)
		return 0;
	keywords_classify(m->body, kw->rows, kw->n, &c->match);
	c->rows = kw->rows;
	c->nrows = kw->n;
	if (triage_reply(c, m->body, kw->rows, kw->n, err) != 0)
		return -1;
	char *detail = c->match.action == KW_NONE
			       ? xstrdup(c->match.possible_optout ? "possible opt-out" : "conversation")
			       : xasprintf("keyword %s (%s)", c->match.keyword, keywords_action_name(c->match.action));
	int rc = audit(c, "sms.inbound", c->patient_id, detail, err);
	free(detail);
	if (rc != 0 || act(c, err) != 0)
		return -1;
	*processed = true;
	return 0;
}

int inbound_process_with(struct store *s, const struct tenant *t, const struct sms_message *m,
			 const struct inbound_keywords *kw, bool *processed, char **err)
{
	struct ctx c = {.s = s, .t = t, .from = m->from_number, .now = clock_now()};
	*processed = false;
	if (m->twilio_sid == NULL || m->twilio_sid[0] == '\0')
		return seterr(err, "an inbound message without a Twilio SID");
	if (m->from_number == NULL || m->from_number[0] == '\0')
		return seterr(err, "inbound message %s has no sender number", m->twilio_sid);
	if (store_begin(s, err) != 0)
		return -1;
	if (process_in_tx(&c, m, kw, processed, err) != 0) {
		*processed = false;
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0) {
		*processed = false;
		return -1;
	}
	return 0;
}

int inbound_process(struct store *s, const struct tenant *t, const struct sms_message *m, bool *processed,
		    char **err)
{
	/* the keyword rows are read inside the write transaction, so they are the current ones */
	*processed = false;
	if (store_begin(s, err) != 0)
		return -1;
	struct inbound_keywords kw;
	int rc = inbound_keywords_load(s, t->id, &kw, err);
	if (rc == 0)
		rc = inbound_process_with(s, t, m, &kw, processed, err);
	inbound_keywords_free(&kw);
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0) {
		*processed = false;
		return -1;
	}
	return 0;
}
