/* The one send path: checks and queues every outbound message, drains the outbox to Twilio,
 * and reconciles claims left behind by a sender that stopped mid-send. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/outbox.h"
#include "src/crash.h"
#include "src/phone.h"
#include "src/segments.h"
#include "src/twilio.h"
#include "src/util.h"

#define OUTBOX_MAX_ATTEMPTS 8
#define OUTBOX_BACKOFF_BASE 30 /* seconds, doubled per attempt */
#define OUTBOX_BACKOFF_CAP 3600
#define OUTBOX_MATCH_SLACK 60 /* clocks differ: a Twilio message this much before the claim still matches */
#define OUTBOX_MAX_MEDIA 10   /* Twilio's limit per message */
#define TWILIO_ERR_OPTED_OUT 21610

/* ---- checks ---------------------------------------------------------------------------- */

/* Sets *err to the reason and returns OUTBOX_REFUSED. */
__attribute__((format(printf, 2, 3))) static int refuse(char **err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	seterr(err, "%s", buf);
	return OUTBOX_REFUSED;
}

/* What a body check found: code points, or where and why it was refused. */
struct body_scan {
	size_t chars;
	size_t bad_at; /* byte offset of the first problem */
	bool invalid_utf8;
	bool control; /* a C0/C1 control character other than \n and \t */
	bool blank;   /* nothing but white space */
};

/* Decodes one UTF-8 sequence at p (strictly: no overlongs, surrogates or values past
 * U+10FFFF); returns its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *p, size_t left, unsigned *cp)
{
	size_t n;
	unsigned min;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, min = 0x80, *cp = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, min = 0x800, *cp = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, *cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return n;
}

/* Walks the body once: validity, control characters, length in code points. */
static void body_scan(const char *body, size_t len, struct body_scan *out)
{
	memset(out, 0, sizeof(*out));
	out->blank = true;
	const unsigned char *p = (const unsigned char *)body;
	for (size_t i = 0; i < len;) {
		unsigned cp = 0;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			out->invalid_utf8 = true;
			out->bad_at = i;
			return;
		}
		bool ctl = (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
		if (ctl && !out->control) {
			out->control = true;
			out->bad_at = i;
		}
		if (cp != ' ' && cp != '\n' && cp != '\t' && cp != 0xA0 && cp != 0x3000)
			out->blank = false;
		out->chars++;
		i += n;
	}
}

/* Refuses a body staff cannot or should not send; OUTBOX_REFUSED with the reason. */
static int check_body(const char *body, char **err)
{
	struct body_scan b;
	size_t len = body ? strlen(body) : 0;
	body_scan(body ? body : "", len, &b);
	if (b.invalid_utf8)
		return refuse(
		    err, "the message is not valid UTF-8 text (bad byte at position %zu); nothing was sent",
		    b.bad_at + 1);
	if (len == 0 || b.blank)
		return refuse(err, "the message is empty; nothing was sent");
	if (b.control)
		return refuse(err,
			      "the message contains a control character (byte %zu) that cannot be sent to a "
			      "phone; only line breaks and tabs are allowed; nothing was sent",
			      b.bad_at + 1);
	if (b.chars > OUTBOX_MAX_BODY_CHARS)
		return refuse(err, "the message is %zu characters long; the limit is %d; nothing was sent",
			      b.chars, OUTBOX_MAX_BODY_CHARS);
	return 0;
}

/* Parses a media list, a JSON array of http(s) URL strings (escapes: \" \\ \/ only), into
 * urls (malloc'd); returns how many, or -1 when it is anything else. cJSON stays in the
 * Twilio client; this small grammar is all a media list needs. */
static int media_parse(const char *json, char *urls[OUTBOX_MAX_MEDIA])
{
	int n = 0;
	const char *p = json;
	if (p == NULL)
		return 0;
	while (*p == ' ')
		p++;
	if (*p++ != '[')
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (*p == ']' && n == 0 && p[1 + strspn(p + 1, " \n\t")] == '\0')
			return 0;
		if (*p != '"' || n == OUTBOX_MAX_MEDIA)
			goto bad;
		char *u = xmalloc(strlen(++p) + 1), *w = u;
		while (*p != '\0' && *p != '"') {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '/'))
				p++;
			else if (*p == '\\' || (unsigned char)*p < 0x20)
				break;
			*w++ = *p++;
		}
		*w = '\0';
		urls[n++] = u;
		if (*p++ != '"' || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
			goto bad;
		while (*p == ' ' || *p == '\n' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']' && p[1 + strspn(p + 1, " \n\t")] == '\0')
			return n;
		goto bad;
	}
bad:
	for (int i = 0; i < n; i++)
		free(urls[i]);
	return -1;
}

static bool type_known(const char *type)
{
	static const char *const types[] = {"conversation",  "auto_reply", "reminder", "optout_confirm",
					    "optin_confirm", "help",	   "campaign", NULL};
	for (size_t i = 0; types[i] != NULL; i++) {
		if (strcmp(type, types[i]) == 0)
			return true;
	}
	return false;
}

/* Only these may still go to a number that opted out (CTIA; compliance.md). */
static bool type_allowed_when_opted_out(const char *type)
{
	return strcmp(type, "optout_confirm") == 0 || strcmp(type, "help") == 0;
}

/* Refuses when the patient or the number opted out, naming who and how. */
static int check_opt_out(struct store *s, const struct outbox_request *req, const char *to, const char *who,
			 char **err)
{
	bool blocked = false;
	if (store_number_opted_out(s, req->tenant_id, to, &blocked, err) != 0)
		return -1;
	struct sms_prefs p;
	memset(&p, 0, sizeof(p));
	int rc = req->patient_id != 0 ? store_prefs_get(s, req->patient_id, &p, err) : SD_NOTFOUND;
	if (rc < 0)
		return -1;
	bool patient_out = rc == 0 && !p.opted_in;
	if (!patient_out && !blocked) {
		sms_prefs_free(&p);
		return 0;
	}
	if (patient_out && p.opted_out_at != 0) {
		char day[32];
		time_iso_utc(p.opted_out_at, day, sizeof(day));
		day[10] = '\0';
		seterr(err, "%s has opted out of texts (%s%sby %s on %s); nothing was sent", who,
		       p.opted_out_reason ? p.opted_out_reason : "", p.opted_out_reason ? " " : "",
		       p.opted_out_via ? p.opted_out_via : "unknown means", day);
	} else {
		seterr(err, "%s has opted out of texts (number %s); nothing was sent", who, to);
	}
	sms_prefs_free(&p);
	return OUTBOX_REFUSED;
}

/* Resolves the recipient: req->to, else the patient's mobile. *to and *who are malloc'd. */
static int resolve_recipient(struct store *s, const struct outbox_request *req, char **to, char **who,
			     char **err)
{
	struct patient p;
	memset(&p, 0, sizeof(p));
	*to = NULL;
	*who = NULL;
	if (req->patient_id != 0) {
		int rc = store_patient_get(s, req->patient_id, &p, err);
		if (rc == SD_NOTFOUND)
			return refuse(err, "no patient with id %lld; nothing was sent",
				      (long long)req->patient_id);
		if (rc != 0)
			return -1;
		*who = xasprintf("%s %s", p.first_name, p.last_name);
	}
	const char *number = req->to;
	if (number == NULL) {
		if (req->patient_id == 0) {
			free(*who);
			*who = NULL;
			return refuse(err, "no recipient: give a number or a patient; nothing was sent");
		}
		number = p.mobile;
		if (number == NULL || *number == '\0') {
			seterr(err, "%s: patient has no mobile number; nothing was sent", *who);
			patient_free(&p);
			xfree(who);
			return OUTBOX_REFUSED;
		}
	}
	if (!phone_is_e164(number)) {
		char shown[48];
		snprintf(shown, sizeof(shown), "%.40s", number);
		for (char *c = shown; *c; c++)
			*c = (*c >= 0x20 && *c < 0x7F) ? *c : '?';
		seterr(err,
		       "'%s' is not a valid phone number in E.164 form (like +15551234567); nothing was sent",
		       shown);
		patient_free(&p);
		xfree(who);
		return OUTBOX_REFUSED;
	}
	*to = xstrdup(number);
	if (*who == NULL)
		*who = xstrdup(number);
	patient_free(&p);
	return 0;
}

/* Writes the queued row and its audit entry in one transaction. */
static int queue_and_audit(struct store *s, const struct outbox_request *req, const struct tenant *t,
			   const char *to, const char *type, int64_t *id_out, char **err)
{
	struct segment_info seg;
	segments_count(req->body, strlen(req->body), &seg);
	int64_t now = clock_now();
	struct sms_message m = {
	    .tenant_id = req->tenant_id,
	    .patient_id = req->patient_id,
	    .direction = "outbound",
	    .from_number =
		t->messaging_service_sid ? t->messaging_service_sid : (t->from_number ? t->from_number : ""),
	    .to_number = (char *)to,
	    .body = (char *)req->body,
	    .media_urls = (char *)req->media_urls_json,
	    .segments = seg.segments,
	    .encoding = (char *)segments_encoding_name(seg.encoding),
	    .message_type = (char *)type,
	    .appointment_id = req->appointment_id,
	    .reminder_id = req->reminder_id,
	    .sent_by = req->sent_by,
	    .next_attempt_at = now,
	    .created_at = now,
	};
	int64_t id = 0;
	if (store_begin(s, err) != 0)
		return -1;
	if (store_msg_queue(s, &m, &id, err) != 0)
		goto fail;
	char target[32], detail[96];
	snprintf(target, sizeof(target), "%lld", (long long)id);
	snprintf(detail, sizeof(detail), "type=%s segments=%d encoding=%s%s", type, seg.segments, m.encoding,
		 req->media_urls_json ? " media=yes" : "");
	if (store_audit_append(s, req->sent_by, req->actor ? req->actor : "system", req->tenant_id,
			       "sms.queue", req->patient_id, target, detail, err) != 0)
		goto fail;
	if (store_commit(s, err) != 0)
		return -1;
	if (id_out != NULL)
		*id_out = id;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

int outbox_queue(struct store *s, const struct outbox_request *req, int64_t *id_out, char **err)
{
	const char *type = req->message_type ? req->message_type : "conversation";
	char *to = NULL, *who = NULL;
	struct tenant t;
	memset(&t, 0, sizeof(t));
	if (!type_known(type))
		return refuse(err, "unknown message type '%.40s'; nothing was sent", type);
	int rc = check_body(req->body, err);
	if (rc != 0)
		return rc;
	char *urls[OUTBOX_MAX_MEDIA];
	int n_media = media_parse(req->media_urls_json, urls);
	if (n_media < 0)
		return refuse(
		    err, "the media list is not a JSON array of at most %d http(s) URLs; nothing was sent",
		    OUTBOX_MAX_MEDIA);
	for (int i = 0; i < n_media; i++)
		free(urls[i]);
	rc = store_tenant_get(s, req->tenant_id, &t, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no clinic location with id %lld; nothing was sent",
			      (long long)req->tenant_id);
	if (rc != 0)
		return -1;
	rc = resolve_recipient(s, req, &to, &who, err);
	if (rc == 0 && !type_allowed_when_opted_out(type))
		rc = check_opt_out(s, req, to, who, err);
	if (rc == 0)
		rc = queue_and_audit(s, req, &t, to, type, id_out, err);
	free(to);
	free(who);
	tenant_free(&t);
	return rc;
}

/* ---- sending --------------------------------------------------------------------------- */

/* The audit log's username for what this sender did: "scheduler" of "scheduler@host:pid". */
static char *actor_of(const char *owner)
{
	const char *at = owner ? strchr(owner, '@') : NULL;
	if (owner == NULL || *owner == '\0')
		return xstrdup("system");
	return at ? xstrndup(owner, (size_t)(at - owner)) : xstrdup(owner);
}

static int audit_msg(struct store *s, const struct sms_message *m, const char *actor, const char *action,
		     const char *detail, char **err)
{
	char target[32];
	snprintf(target, sizeof(target), "%lld", (long long)m->id);
	return store_audit_append(s, 0, actor, m->tenant_id, action, m->patient_id, target, detail, err);
}

/* 21610: the recipient told the carrier STOP. Opts the number out (unless it already is, e.g.
 * this was our own opt-out confirmation) and fails what is queued to it. */
static int carrier_optout(struct store *s, int64_t tenant_id, int64_t patient_id, const char *phone,
			  const char *actor, int64_t now, char **err)
{
	bool already = false;
	int cancelled = 0;
	if (store_number_opted_out(s, tenant_id, phone, &already, err) != 0)
		return -1;
	if (!already) {
		if (store_optout_number(s, tenant_id, phone, now, "carrier",
					"Twilio error 21610: the recipient replied STOP to the carrier",
					err) != 0)
			return -1;
		if (store_audit_append(s, 0, actor, tenant_id, "pref.optout.carrier", patient_id, phone,
				       "Twilio error 21610 (unsubscribed recipient)", err) != 0)
			return -1;
	}
	return store_msg_cancel_queued_to(s, tenant_id, phone, TWILIO_ERR_OPTED_OUT,
					  "not sent: the number opted out (STOP at the carrier)", &cancelled,
					  err);
}

/* Seconds to wait before the next try after `attempts` tries. */
static int64_t backoff_seconds(int attempts)
{
	int64_t d = OUTBOX_BACKOFF_BASE;
	for (int i = 0; i < attempts && d < OUTBOX_BACKOFF_CAP; i++)
		d *= 2;
	return d < OUTBOX_BACKOFF_CAP ? d : OUTBOX_BACKOFF_CAP;
}

/* What the drain does next after one message. */
enum after_send { NEXT_MESSAGE, STOP_TENANT };

/* Whether Twilio certainly did not create the message, so sending again is safe. A timeout,
 * a dropped connection or an unreadable 2xx may hide an accepted message: those stay
 * "sending" for outbox_reconcile to settle by listing. */
static bool certainly_not_created(const struct twilio_error *e)
{
	switch (e->kind) {
	case TW_ERR_RATE:
	case TW_ERR_AUTH:
	case TW_ERR_REJECTED:
	case TW_ERR_USAGE:
		return true;
	case TW_ERR_SERVER:
		return e->http_status == 503; /* refused before any work; a 500 may have created it */
	case TW_ERR_NETWORK:
		return !e->retryable; /* TLS/certificate failures happen before the request */
	default:
		return false;
	}
}

/* Records a transient failure: queued again with backoff, or final after too many tries. */
static int record_retry(struct store *s, const struct sms_message *m, const struct twilio_error *e,
			const char *actor, int64_t now, struct outbox_stats *st, char **err)
{
	/* Refused credentials are the clinic's to fix, not the message's fault: never final. */
	bool final = m->attempts >= OUTBOX_MAX_ATTEMPTS && e->kind != TW_ERR_AUTH;
	char *msg =
	    final ? xasprintf("gave up after %d attempts: %s", m->attempts, e->message ? e->message : "")
		  : xstrdup(e->message ? e->message : twilio_result_str(e->kind));
	int rc =
	    store_msg_record_failure(s, m->id, e->code, msg, final, now + backoff_seconds(m->attempts), err);
	if (rc == 0 && final)
		rc = audit_msg(s, m, actor, "sms.failed", msg, err);
	free(msg);
	if (rc == 0) {
		if (final)
			st->failed++;
		else
			st->retrying++;
	}
	return rc < 0 ? -1 : 0;
}

/* Records Twilio's refusal: final, with its code and words; 21610 opts the number out. */
static int record_rejected(struct store *s, const struct sms_message *m, const struct twilio_error *e,
			   const char *actor, int64_t now, struct outbox_stats *st, char **err)
{
	const char *words = e->message ? e->message : twilio_result_str(e->kind);
	if (store_msg_record_failure(s, m->id, e->code, words, true, 0, err) < 0)
		return -1;
	char *detail = xasprintf("code=%d http=%d %s", e->code, e->http_status, words);
	int rc = audit_msg(s, m, actor, "sms.failed", detail, err);
	free(detail);
	if (rc == 0 && e->code == TWILIO_ERR_OPTED_OUT)
		rc = carrier_optout(s, m->tenant_id, m->patient_id, m->to_number, actor, now, err);
	if (rc == 0)
		st->failed++;
	return rc;
}

/* Records what Twilio answered for one claimed message, in one transaction. */
static int record_result(struct store *s, const struct sms_message *m, enum twilio_result r,
			 const struct twilio_message *tm, const struct twilio_error *e, const char *actor,
			 struct outbox_stats *st, char **err)
{
	int64_t now = clock_now();
	int rc = 0;
	if (r != TW_OK && !certainly_not_created(e))
		return 0; /* left "sending": outbox_reconcile decides by listing Twilio */
	if (store_begin(s, err) != 0)
		return -1;
	crash_point("before_record"); /* test hook: dies inside the transaction */
	if (r == TW_OK) {
		char *detail = xasprintf("sid=%s status=%s segments=%d", tm->sid,
					 tm->status ? tm->status : "?", tm->num_segments);
		rc = store_msg_record_sent(s, m->id, tm->sid, tm->status, tm->num_segments, now, err) < 0 ? -1
													  : 0;
		if (rc == 0)
			rc = audit_msg(s, m, actor, "sms.sent", detail, err);
		free(detail);
		if (rc == 0)
			st->sent++;
	} else if (e->kind == TW_ERR_REJECTED || e->kind == TW_ERR_USAGE) {
		rc = record_rejected(s, m, e, actor, now, st, err);
	} else {
		rc = record_retry(s, m, e, actor, now, st, err);
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

/* Fails a claimed message, unsent, when its recipient opted out after it was queued. A STOP
 * only cancels what is "queued": one that came while this row sat claimed ("sending", then
 * requeued by a retry or by outbox_reconcile) is caught here, just before the POST.
 * Returns 1 when refused, 0 when it may go, -1 on a store error. */
static int refuse_if_opted_out(struct store *s, const struct sms_message *m, const char *actor,
			       struct outbox_stats *st, char **err)
{
	if (m->message_type == NULL || type_allowed_when_opted_out(m->message_type))
		return 0;
	struct outbox_request rq = {.tenant_id = m->tenant_id, .patient_id = m->patient_id};
	char *why = NULL;
	int rc = check_opt_out(s, &rq, m->to_number, "the recipient", &why);
	if (rc != 0 && rc != OUTBOX_REFUSED && err != NULL) {
		*err = why; /* the store's reason */
		return -1;
	}
	free(why);
	if (rc != OUTBOX_REFUSED)
		return rc == 0 ? 0 : -1;
	static const char words[] = "not sent: the recipient opted out after it was queued";
	if (store_begin(s, err) != 0)
		return -1;
	if (store_msg_record_failure(s, m->id, 0, words, true, 0, err) < 0 ||
	    audit_msg(s, m, actor, "sms.failed", words, err) != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0)
		return -1;
	st->failed++;
	return 1;
}

/* POSTs one claimed message and records the outcome. */
static int send_one(struct store *s, struct twilio_client *c, const struct tenant *t,
		    const struct sms_message *m, const char *actor, struct outbox_stats *st,
		    enum after_send *next, char **err)
{
	int refused = refuse_if_opted_out(s, m, actor, st, err);
	if (refused != 0)
		return refused < 0 ? -1 : 0;
	char *urls[OUTBOX_MAX_MEDIA];
	int n_media = media_parse(m->media_urls, urls);
	if (n_media < 0)
		n_media = 0; /* checked when queued; a row edited since goes as text only */
	bool use_service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	struct twilio_send_req req = {
	    .to = m->to_number,
	    .from = use_service ? NULL : t->from_number,
	    .messaging_service_sid = use_service ? t->messaging_service_sid : NULL,
	    .body = m->body,
	    .media_urls = (const char *const *)urls,
	    .n_media = (size_t)n_media,
	};
	struct twilio_message tm;
	struct twilio_error e;
	memset(&tm, 0, sizeof(tm));
	memset(&e, 0, sizeof(e));
	enum twilio_result r = twilio_send(c, &req, &tm, &e);
	crash_point("after_post"); /* test hook: Twilio has it, we have not looked at the answer */
	for (int i = 0; i < n_media; i++)
		free(urls[i]);
	/* Trouble reaching Twilio (or our credentials) will hit this tenant's next message too. */
	*next = (r == TW_ERR_NETWORK || r == TW_ERR_TIMEOUT || r == TW_ERR_AUTH) ? STOP_TENANT : NEXT_MESSAGE;
	int rc = record_result(s, m, r, &tm, &e, actor, st, err);
	twilio_message_free(&tm);
	twilio_error_clear(&e);
	return rc;
}

/* One tenant's part of a drain. */
struct drain_slot {
	struct tenant t;
	struct twilio_client *client;
	bool active;
};

/* Tenants that can send (an account SID, and a number or a messaging service). */
static int drain_slots(struct store *s, struct drain_slot **out, size_t *n, char **err)
{
	struct tenant *list = NULL;
	size_t count = 0;
	if (store_tenant_list(s, &list, &count, err) != 0)
		return -1;
	struct drain_slot *slots = xcalloc(count ? count : 1, sizeof(*slots));
	size_t k = 0;
	for (size_t i = 0; i < count; i++) {
		struct tenant *t = &list[i];
		bool can = t->account_sid && *t->account_sid &&
			   ((t->from_number && *t->from_number) ||
			    (t->messaging_service_sid && *t->messaging_service_sid));
		if (!can)
			continue;
		slots[k].t = *t;
		memset(t, 0, sizeof(*t)); /* moved into the slot */
		slots[k].active = true;
		k++;
	}
	tenant_list_free(&list, count);
	*out = slots;
	*n = k;
	return 0;
}

/* Takes the next due message of one tenant and sends it; deactivates the slot when the tenant
 * has nothing due or cannot send now. Returns -1 only on a store error. */
static int drain_turn(struct store *s, struct drain_slot *sl, outbox_client_fn client_for, void *ctx,
		      const char *owner, const char *actor, struct outbox_stats *st, bool *tried, char **err)
{
	*tried = false;
	if (sl->client == NULL) {
		/* Before claiming: a tenant we cannot reach keeps its messages queued with their
		 * attempts untouched (the sync engine reports why). */
		char *why = NULL;
		sl->client = client_for(ctx, sl->t.id, &why);
		free(why);
		if (sl->client == NULL) {
			sl->active = false;
			return 0;
		}
	}
	struct sms_message m;
	int got = store_msg_claim_next(s, sl->t.id, owner, clock_now(), &m, err);
	if (got != 0) {
		sl->active = false;
		return got < 0 ? -1 : 0;
	}
	crash_point("after_claim"); /* test hook: claimed, nothing POSTed yet */
	enum after_send next = NEXT_MESSAGE;
	int rc = send_one(s, sl->client, &sl->t, &m, actor, st, &next, err);
	*tried = true;
	sms_message_free(&m);
	if (next == STOP_TENANT)
		sl->active = false;
	return rc;
}

int outbox_drain(struct store *s, outbox_client_fn client_for, void *ctx, const char *owner, int max,
		 struct outbox_stats *stats, char **err)
{
	struct drain_slot *slots = NULL;
	size_t n = 0;
	int tried = 0, rc = 0;
	struct outbox_stats local = {0};
	struct outbox_stats *st = stats ? stats : &local;
	if (drain_slots(s, &slots, &n, err) != 0)
		return -1;
	char *actor = actor_of(owner);
	bool any = n > 0;
	/* Round robin, one message per tenant per turn, so one busy clinic cannot starve another. */
	while (any && rc == 0 && (max <= 0 || tried < max)) {
		any = false;
		for (size_t i = 0; i < n && rc == 0 && (max <= 0 || tried < max); i++) {
			bool did = false;
			if (!slots[i].active)
				continue;
			rc = drain_turn(s, &slots[i], client_for, ctx, owner, actor, st, &did, err);
			tried += did;
			any = any || slots[i].active;
		}
	}
	for (size_t i = 0; i < n; i++)
		tenant_free(&slots[i].t);
	free(slots);
	free(actor);
	return rc;
}

/* ---- reconciling ----------------------------------------------------------------------- */

/* Whether the Twilio message is the one we claimed: same number pair, same body, created no
 * earlier than the claim (with slack), and not already recorded for another row. */
static int is_match(struct store *s, const struct tenant *t, const struct sms_message *m,
		    const struct twilio_message *tm, bool *match, char **err)
{
	*match = false;
	if (tm->sid == NULL || tm->body == NULL || strcmp(tm->body, m->body) != 0)
		return 0;
	if (tm->direction != NULL && strncmp(tm->direction, "outbound", 8) != 0)
		return 0;
	if (tm->to != NULL && strcmp(tm->to, m->to_number) != 0)
		return 0;
	bool service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	if (service ? (tm->messaging_service_sid &&
		       strcmp(tm->messaging_service_sid, t->messaging_service_sid) != 0)
		    : (tm->from && t->from_number && strcmp(tm->from, t->from_number) != 0))
		return 0;
	if (tm->date_created != 0 && tm->date_created < m->claimed_at - OUTBOX_MATCH_SLACK)
		return 0;
	struct sms_message known;
	int rc = store_msg_get_by_sid(s, tm->sid, &known, err);
	if (rc == 0) {
		sms_message_free(&known);
		return 0;
	}
	if (rc < 0)
		return -1;
	*match = true;
	return 0;
}

/* Lists Twilio's messages to m's number since the claim's day, page by page, for a match.
 * *found gets a copy of the match's SID, status and segments. */
static int find_at_twilio(struct store *s, struct twilio_client *c, const struct tenant *t,
			  const struct sms_message *m, struct twilio_message *found, bool *ok, char **err)
{
	bool service = t->messaging_service_sid != NULL && t->messaging_service_sid[0] != '\0';
	struct twilio_list_query q = {
	    .to = m->to_number,
	    .from = service ? NULL : t->from_number,
	    .date_sent_after = m->claimed_at - OUTBOX_MATCH_SLACK,
	    .page_size = 50,
	};
	struct twilio_page page;
	struct twilio_error e;
	memset(&page, 0, sizeof(page));
	memset(&e, 0, sizeof(e));
	*ok = false;
	enum twilio_result r = twilio_list(c, &q, &page, &e);
	for (int pages = 0; r == TW_OK && pages < 100; pages++) {
		for (size_t i = 0; i < page.n; i++) {
			bool match = false;
			if (is_match(s, t, m, &page.items[i], &match, err) != 0) {
				twilio_page_free(&page);
				return -1;
			}
			if (match) {
				*found = page.items[i];
				memset(&page.items[i], 0, sizeof(page.items[i])); /* moved */
				*ok = true;
				twilio_page_free(&page);
				return 0;
			}
		}
		if (page.next_page_uri == NULL)
			break;
		char *next = xstrdup(page.next_page_uri);
		twilio_page_free(&page);
		memset(&page, 0, sizeof(page));
		r = twilio_list_next(c, next, &page, &e);
		free(next);
	}
	twilio_page_free(&page);
	if (r != TW_OK) {
		seterr(err, "listing Twilio's messages to settle message %lld: %s", (long long)m->id,
		       e.message ? e.message : twilio_result_str(r));
		twilio_error_clear(&e);
		return -1;
	}
	return 0;
}

/* Settles one stale claim: sent (found at Twilio) or queued again (not found). */
static int settle(struct store *s, const struct sms_message *m, const struct twilio_message *found, bool ok,
		  struct outbox_stats *st, char **err)
{
	int rc;
	if (store_begin(s, err) != 0)
		return -1;
	if (ok) {
		int64_t at = found->date_created ? found->date_created : clock_now();
		char *detail = xasprintf("sid=%s status=%s reconciled after an interrupted send", found->sid,
					 found->status ? found->status : "?");
		rc = store_msg_record_sent(s, m->id, found->sid, found->status, found->num_segments, at,
					   err) < 0
			 ? -1
			 : 0;
		if (rc == 0)
			rc = audit_msg(s, m, "system", "sms.sent", detail, err);
		free(detail);
	} else if (m->attempts >= OUTBOX_MAX_ATTEMPTS) {
		const char *why = "gave up: interrupted sends, and Twilio never received it";
		rc = store_msg_record_failure(s, m->id, 0, why, true, 0, err) < 0 ? -1 : 0;
		if (rc == 0)
			rc = audit_msg(s, m, "system", "sms.failed", why, err);
	} else {
		rc = store_msg_record_failure(
			 s, m->id, 0, "the send was interrupted and Twilio does not have it: queued again",
			 false, clock_now(), err) < 0
			 ? -1
			 : 0;
	}
	if (rc != 0) {
		store_rollback(s);
		return -1;
	}
	if (store_commit(s, err) != 0)
		return -1;
	st->reconciled++;
	if (!ok && m->attempts >= OUTBOX_MAX_ATTEMPTS)
		st->failed++;
	return 0;
}

int outbox_reconcile(struct store *s, outbox_client_fn client_for, void *ctx, int stale_seconds,
		     struct outbox_stats *stats, char **err)
{
	struct sms_message *list = NULL;
	size_t n = 0;
	struct outbox_stats local = {0};
	struct outbox_stats *st = stats ? stats : &local;
	int failures = 0;
	if (store_msg_list_stale_claims(s, clock_now() - stale_seconds, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct sms_message *m = &list[i];
		struct tenant t;
		struct twilio_message found;
		bool ok = false;
		char *why = NULL;
		memset(&found, 0, sizeof(found));
		if (store_tenant_get(s, m->tenant_id, &t, &why) != 0) {
			failures++;
			free(why);
			continue;
		}
		struct twilio_client *c = client_for(ctx, m->tenant_id, &why);
		/* Cannot ask Twilio now: the claim stays until we can (never resend blindly). */
		if (c == NULL || find_at_twilio(s, c, &t, m, &found, &ok, &why) != 0 ||
		    settle(s, m, &found, ok, st, &why) != 0) {
			failures++;
			seterr(err, "%s", why ? why : "cannot reach Twilio");
		}
		free(why);
		twilio_message_free(&found);
		tenant_free(&t);
	}
	sms_message_list_free(&list, n);
	return failures > 0 ? -1 : 0;
}
