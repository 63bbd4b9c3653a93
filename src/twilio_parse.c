/* Twilio's JSON at the client's edge: messages, pages, accounts and error bodies parsed with
 * cJSON into plain structs (the other half of the client is src/twilio.c), and Twilio's dates. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"


/* Copies a string field: absent or null -> NULL; another type is an error. */
static int get_str(const cJSON *o, const char *name, char **out, char **err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	*out = NULL;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return seterr(err, "field \"%s\" should be a string", name);
	*out = xstrdup(it->valuestring);
	return 0;
}

/* Reads an integer sent as a number or as a string of digits ("1"); null, absent or "" -> 0. */
static int get_int(const cJSON *o, const char *name, int *out, char **err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	*out = 0;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		if (!isfinite(d) || d < INT_MIN || d > INT_MAX || d != floor(d))
			return seterr(err, "field \"%s\" is not an integer in range", name);
		*out = (int)d;
		return 0;
	}
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return seterr(err, "field \"%s\" should be a number", name);
	const char *s = it->valuestring;
	if (*s == '\0')
		return 0;
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < INT_MIN || v > INT_MAX || isspace((unsigned char)*s))
		return seterr(err, "field \"%s\" should be a whole number, not \"%.40s\"", name, s);
	*out = (int)v;
	return 0;
}

/* Reads one of Twilio's RFC 2822 dates; null or absent -> 0, unparseable text -> 0. */
static int get_date(const cJSON *o, const char *name, int64_t *out, char **err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	*out = 0;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return seterr(err, "field \"%s\" should be a date string", name);
	*out = twilio_parse_date(it->valuestring);
	return 0;
}

/* price is a string ("-0.00750"); a bare number is tolerated and kept as its JSON text. */
static int get_price(const cJSON *o, char **out, char **err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "price");
	if (it != NULL && cJSON_IsNumber(it)) {
		*out = cJSON_PrintUnformatted(it);
		if (*out == NULL)
			abort();
		char *copy = xstrdup(*out);
		cJSON_free(*out);
		*out = copy;
		return 0;
	}
	return get_str(o, "price", out, err);
}

void twilio_message_free(struct twilio_message *m)
{
	if (m == NULL)
		return;
	free(m->sid);
	free(m->account_sid);
	free(m->messaging_service_sid);
	free(m->from);
	free(m->to);
	free(m->body);
	free(m->status);
	free(m->direction);
	free(m->error_message);
	free(m->price);
	memset(m, 0, sizeof(*m));
}

/* Fills *m from one message object; on error *m is freed and zeroed. */
static int message_from_json(const cJSON *o, void *elem, char **err)
{
	struct twilio_message *m = elem;
	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(o))
		return seterr(err, "a message should be a JSON object");
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "sid");
	if (!cJSON_IsString(sid) || sid->valuestring == NULL || sid->valuestring[0] == '\0')
		return seterr(err, "the message has no \"sid\"");
	if (get_str(o, "sid", &m->sid, err) || get_str(o, "account_sid", &m->account_sid, err) ||
	    get_str(o, "messaging_service_sid", &m->messaging_service_sid, err) ||
	    get_str(o, "from", &m->from, err) || get_str(o, "to", &m->to, err) ||
	    get_str(o, "body", &m->body, err) || get_str(o, "status", &m->status, err) ||
	    get_str(o, "direction", &m->direction, err) || get_int(o, "num_segments", &m->num_segments, err) ||
	    get_int(o, "num_media", &m->num_media, err) || get_int(o, "error_code", &m->error_code, err) ||
	    get_str(o, "error_message", &m->error_message, err) || get_price(o, &m->price, err) ||
	    get_date(o, "date_created", &m->date_created, err) || get_date(o, "date_sent", &m->date_sent, err) ||
	    get_date(o, "date_updated", &m->date_updated, err)) {
		twilio_message_free(m);
		return -1;
	}
	return 0;
}

/* Parses len bytes of JSON (need not be NUL-terminated) into a cJSON tree, or NULL with *err. */
static cJSON *parse_json(const char *json, size_t len, char **err)
{
	if (json == NULL || len == 0) {
		seterr(err, "the answer is empty");
		return NULL;
	}
	/* cJSON reads a terminating NUL in places; give it one rather than trust len alone. */
	char *copy = xmalloc(len + 1);
	memcpy(copy, json, len);
	copy[len] = '\0';
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	if (root == NULL) {
		size_t at = end != NULL && end >= copy ? (size_t)(end - copy) : 0;
		seterr(err, "the answer is not valid JSON (near byte %zu of %zu)", at, len);
	}
	free(copy);
	return root;
}

/* Parses a whole answer and fills out with from_json; says which stage failed. */
static enum twilio_decode decode(const char *body, size_t len, int (*from_json)(const cJSON *, void *, char **),
				 void *out, char **why)
{
	cJSON *root = parse_json(body, len, why);
	if (root == NULL)
		return TWD_NOT_JSON;
	int rc = from_json(root, out, why);
	cJSON_Delete(root);
	return rc == 0 ? TWD_OK : TWD_BAD_SHAPE;
}

enum twilio_decode twilio_decode_message(const char *body, size_t len, struct twilio_message *out, char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(body, len, message_from_json, out, why);
}

int twilio_parse_message(const char *json, size_t len, struct twilio_message *out, char **err)
{
	return twilio_decode_message(json, len, out, err) == TWD_OK ? 0 : -1;
}

void twilio_page_free(struct twilio_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		twilio_message_free(&p->items[i]);
	free(p->items);
	free(p->next_page_uri);
	memset(p, 0, sizeof(*p));
}

/* Fills *out from a list envelope {messages: [...], page, page_size, next_page_uri}. */
static int page_from_json(const cJSON *root, void *elem, char **err)
{
	struct twilio_page *out = elem;
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root))
		return seterr(err, "a message list should be a JSON object");
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!cJSON_IsArray(msgs))
		return seterr(err, "the message list has no \"messages\" array");
	if (get_int(root, "page", &out->page, err) || get_int(root, "page_size", &out->page_size, err) ||
	    get_str(root, "next_page_uri", &out->next_page_uri, err))
		goto fail;
	if (out->next_page_uri != NULL && out->next_page_uri[0] == '\0')
		xfree(&out->next_page_uri);
	out->items = xcalloc((size_t)cJSON_GetArraySize(msgs), sizeof(*out->items));
	const cJSON *it;
	cJSON_ArrayForEach(it, msgs)
	{
		char *why = NULL;
		if (message_from_json(it, &out->items[out->n], &why) != 0) {
			seterr(err, "message %zu of the list: %s", out->n + 1, why);
			free(why);
			goto fail;
		}
		out->n++;
	}
	return 0;
fail:
	twilio_page_free(out);
	return -1;
}

enum twilio_decode twilio_decode_page(const char *body, size_t len, struct twilio_page *out, char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(body, len, page_from_json, out, why);
}

int twilio_parse_page(const char *json, size_t len, struct twilio_page *out, char **err)
{
	return twilio_decode_page(json, len, out, err) == TWD_OK ? 0 : -1;
}

void twilio_media_list_free(struct twilio_media_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].sid);
		free(l->items[i].content_type);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* True for a media SID: ME and 32 hex digits (it goes into a URL path). */
static bool media_sid_ok(const char *s)
{
	if (s == NULL || strlen(s) != 34 || strncmp(s, "ME", 2) != 0)
		return false;
	for (size_t i = 2; i < 34; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Fills *out from {media_list: [{sid, content_type, ...}], ...}: at most 10 entries (Twilio's
 * limit per message), each with a well-formed SID. */
static int media_list_from_json(const cJSON *root, void *elem, char **err)
{
	struct twilio_media_list *out = elem;
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(root))
		return seterr(err, "a media list should be a JSON object");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "media_list");
	if (!cJSON_IsArray(list))
		return seterr(err, "the media list has no \"media_list\" array");
	int n = cJSON_GetArraySize(list);
	if (n > 10)
		return seterr(err, "the media list has %d entries; a message has at most 10", n);
	out->items = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*out->items));
	const cJSON *it;
	cJSON_ArrayForEach(it, list)
	{
		struct twilio_media *m = &out->items[out->n];
		if (!cJSON_IsObject(it) || get_str(it, "sid", &m->sid, err) ||
		    get_str(it, "content_type", &m->content_type, err)) {
			out->n++;
			goto fail;
		}
		out->n++;
		if (!media_sid_ok(m->sid)) {
			seterr(err, "media %zu of the list has no valid \"sid\"", out->n);
			goto fail;
		}
	}
	return 0;
fail:
	twilio_media_list_free(out);
	return -1;
}

enum twilio_decode twilio_decode_media_list(const char *body, size_t len, struct twilio_media_list *out,
					   char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(body, len, media_list_from_json, out, why);
}

int twilio_parse_media_list(const char *json, size_t len, struct twilio_media_list *out, char **err)
{
	return twilio_decode_media_list(json, len, out, err) == TWD_OK ? 0 : -1;
}

void twilio_account_free(struct twilio_account *a)
{
	if (a == NULL)
		return;
	free(a->sid);
	free(a->friendly_name);
	free(a->status);
	free(a->type);
	memset(a, 0, sizeof(*a));
}

/* Fills *a from an account object. */
static int account_from_json(const cJSON *o, void *elem, char **err)
{
	struct twilio_account *a = elem;
	memset(a, 0, sizeof(*a));
	if (!cJSON_IsObject(o))
		return seterr(err, "an account should be a JSON object");
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(o, "sid");
	if (!cJSON_IsString(sid) || sid->valuestring == NULL || sid->valuestring[0] == '\0')
		return seterr(err, "the account has no \"sid\"");
	if (get_str(o, "sid", &a->sid, err) || get_str(o, "friendly_name", &a->friendly_name, err) ||
	    get_str(o, "status", &a->status, err) || get_str(o, "type", &a->type, err)) {
		twilio_account_free(a);
		return -1;
	}
	return 0;
}

enum twilio_decode twilio_decode_account(const char *body, size_t len, struct twilio_account *out, char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(body, len, account_from_json, out, why);
}

/* Reads exactly n digits into *v. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

int64_t twilio_parse_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	if (s == NULL)
		return 0;
	const char *p = s;
	const char *comma = strchr(p, ',');
	if (comma != NULL && comma - p <= 3)
		p = comma + 1; /* the weekday adds nothing */
	while (*p == ' ')
		p++;
	int day, year, hh, mm, ss, off = 0, mon = -1;
	int dlen = isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) ? 2 : 1;
	if (digits(&p, dlen, &day) || *p++ != ' ')
		return 0;
	for (int i = 0; i < 12; i++)
		if (strncmp(p, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0 || p[3] != ' ')
		return 0;
	p += 4;
	if (digits(&p, 4, &year) || *p++ != ' ' || digits(&p, 2, &hh) || *p++ != ':' || digits(&p, 2, &mm) ||
	    *p++ != ':' || digits(&p, 2, &ss))
		return 0;
	if (*p == ' ' && (p[1] == '+' || p[1] == '-')) {
		int sign = p[1] == '-' ? -1 : 1, oh, om;
		p += 2;
		if (digits(&p, 2, &oh) || digits(&p, 2, &om) || oh > 23 || om > 59)
			return 0;
		off = sign * (oh * 3600 + om * 60);
	} else if (strcmp(p, " GMT") == 0 || strcmp(p, " UT") == 0) {
		p += strlen(p);
	}
	if (*p != '\0' || day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	struct tm tm = {.tm_year = year - 1900, .tm_mon = mon, .tm_mday = day, .tm_hour = hh, .tm_min = mm,
			.tm_sec = ss};
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != day) /* timegm normalises 31 Feb: refuse it */
		return 0;
	return (int64_t)t - off;
}

/* Reads Twilio's error JSON {code, message, ...} from the answer body into code and a message. */
char *twilio_error_text(const char *body, size_t len, long status, int *code)
{
	*code = 0;
	cJSON *root = len ? cJSON_ParseWithLength(body, len) : NULL;
	char *msg = NULL;
	if (cJSON_IsObject(root)) {
		const cJSON *jc = cJSON_GetObjectItemCaseSensitive(root, "code");
		const cJSON *jm = cJSON_GetObjectItemCaseSensitive(root, "message");
		if (cJSON_IsNumber(jc) && jc->valuedouble > 0 && jc->valuedouble < INT_MAX)
			*code = (int)jc->valuedouble;
		else if (cJSON_IsString(jc) && jc->valuestring != NULL)
			*code = atoi(jc->valuestring);
		if (cJSON_IsString(jm) && jm->valuestring != NULL && jm->valuestring[0] != '\0')
			msg = xstrdup(jm->valuestring);
	}
	if (msg == NULL)
		msg = root == NULL ? xasprintf("Twilio answered HTTP %ld with a body that is not JSON", status)
				   : xasprintf("Twilio answered HTTP %ld without an error message", status);
	cJSON_Delete(root);
	return msg;
}
