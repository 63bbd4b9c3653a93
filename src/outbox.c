/* The one send path, first part: checks and queues every outbound message. Draining the
 * outbox to Twilio is in src/outbox_drain.c, settling claims left behind by a sender that
 * stopped mid-send in src/outbox_reconcile.c (shared pieces: src/outbox_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/outbox.h"
#include "src/outbox_internal.h"
#include "src/phone.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"

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
int outbox_media_parse(const char *json, char *urls[OUTBOX_MAX_MEDIA])
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
bool outbox_type_allowed_when_opted_out(const char *type)
{
	return strcmp(type, "optout_confirm") == 0 || strcmp(type, "help") == 0;
}

/* t as "2026-11-16 08:00 CST" in the clinic's zone (UTC, so labelled, when it cannot be read):
 * a date without its zone reads as the clinic's own and is off by hours. */
static void outbox_local_time(struct store *s, int64_t tenant_id, int64_t t, char *out, size_t len)
{
	struct tenant tn;
	struct tm tm;
	char when[32];

	memset(&tn, 0, sizeof(tn));
	if (store_tenant_get(s, tenant_id, &tn, NULL) != 0 || tz_local(tn.timezone, t, &tm) != 0) {
		time_t tt = (time_t)t;
		gmtime_r(&tt, &tm);
		tm.tm_zone = "UTC";
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	snprintf(out, len, "%s %s", when, tm.tm_zone ? tm.tm_zone : "UTC");
	tenant_free(&tn);
}

/* Refuses when the patient or the number opted out, naming who and how. */
int outbox_check_opt_out(struct store *s, const struct outbox_request *req, const char *to, const char *who,
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
		char day[64];
		outbox_local_time(s, req->tenant_id, p.opted_out_at, day, sizeof(day));
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
	    .next_attempt_at = req->not_before > now ? req->not_before : now,
	    .created_at = now,
	};
	int64_t id = 0;
	if (store_begin(s, err) != 0)
		return -1;
	if (store_msg_queue(s, &m, &id, err) != 0)
		goto fail;
	char target[32], detail[144];
	snprintf(target, sizeof(target), "%lld", (long long)id);
	char later[48] = "";
	if (m.next_attempt_at > now) {
		char iso[32];
		snprintf(later, sizeof(later), " send_at=%s", time_iso_utc(m.next_attempt_at, iso, sizeof(iso)));
	}
	snprintf(detail, sizeof(detail), "type=%s segments=%d encoding=%s%s%s", type, seg.segments, m.encoding,
		 req->media_urls_json ? " media=yes" : "", later);
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

/* The location the request is for: the caller's copy when it holds one (the poller, for
 * its automatic replies: a read of the whole row per reply was a tenth of an inbound
 * message's cost), else read into *owned. */
static int request_tenant(struct store *s, const struct outbox_request *req, struct tenant *owned,
			  const struct tenant **t, char **err)
{
	if (req->tenant != NULL && req->tenant->id == req->tenant_id) {
		*t = req->tenant;
		return 0;
	}
	int rc = store_tenant_get(s, req->tenant_id, owned, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no clinic location with id %lld; nothing was sent", (long long)req->tenant_id);
	if (rc != 0)
		return -1;
	*t = owned;
	return 0;
}

/* Every rule of outbox_queue; on 0 *t, *to and *who are filled (the caller frees them and
 * owned, where *t may point). */
static int check_all(struct store *s, const struct outbox_request *req, const char *type, struct tenant *owned,
		     const struct tenant **t, char **to, char **who, char **err)
{
	if (!type_known(type))
		return refuse(err, "unknown message type '%.40s'; nothing was sent", type);
	int rc = check_body(req->body, err);
	if (rc != 0)
		return rc;
	char *urls[OUTBOX_MAX_MEDIA];
	int n_media = outbox_media_parse(req->media_urls_json, urls);
	if (n_media < 0)
		return refuse(
		    err, "the media list is not a JSON array of at most %d http(s) URLs; nothing was sent",
		    OUTBOX_MAX_MEDIA);
	for (int i = 0; i < n_media; i++)
		free(urls[i]);
	if (request_tenant(s, req, owned, t, err) != 0)
		return -1;
	rc = resolve_recipient(s, req, to, who, err);
	if (rc == 0 && !outbox_type_allowed_when_opted_out(type))
		rc = outbox_check_opt_out(s, req, *to, *who, err);
	return rc;
}

int outbox_check(struct store *s, const struct outbox_request *req, char **err)
{
	const char *type = req->message_type ? req->message_type : "conversation";
	char *to = NULL, *who = NULL;
	struct tenant owned;
	const struct tenant *t = NULL;
	memset(&owned, 0, sizeof(owned));
	int rc = check_all(s, req, type, &owned, &t, &to, &who, err);
	free(to);
	free(who);
	tenant_free(&owned);
	return rc;
}

int outbox_queue(struct store *s, const struct outbox_request *req, int64_t *id_out, char **err)
{
	const char *type = req->message_type ? req->message_type : "conversation";
	char *to = NULL, *who = NULL;
	struct tenant owned;
	const struct tenant *t = NULL;
	memset(&owned, 0, sizeof(owned));
	int rc = check_all(s, req, type, &owned, &t, &to, &who, err);
	if (rc == 0)
		rc = queue_and_audit(s, req, t, to, type, id_out, err);
	free(to);
	free(who);
	tenant_free(&owned);
	return rc;
}
