/* Twilio's JSON at the client's edge: messages, pages, accounts and error bodies parsed with
 * cJSON into plain structs (the other half of the client is src/twilio.c), and Twilio's dates. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/json_arena.h"
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"


/* The string a field holds (not copied): absent or null -> NULL; another type is an error. */
static int str_of(const cJSON *it, const char *name, const char **out, char **err)
{
	*out = NULL;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return seterr(err, "field \"%s\" should be a string", name);
	*out = it->valuestring;
	return 0;
}

/* Copies a string field: absent or null -> NULL; another type is an error. */
static int get_str(const cJSON *o, const char *name, char **out, char **err)
{
	const char *s = NULL;
	*out = NULL;
	if (str_of(cJSON_GetObjectItemCaseSensitive(o, name), name, &s, err) != 0)
		return -1;
	*out = s != NULL ? xstrdup(s) : NULL;
	return 0;
}

/* Reads an integer sent as a number or as a string of digits ("1"); null, absent or "" -> 0. */
static int int_of(const cJSON *it, const char *name, int *out, char **err)
{
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

/* int_of for the member name of o. */
static int get_int(const cJSON *o, const char *name, int *out, char **err)
{
	return int_of(cJSON_GetObjectItemCaseSensitive(o, name), name, out, err);
}

/* Reads one of Twilio's RFC 2822 dates; null or absent -> 0, unparseable text -> 0. */
static int date_of(const cJSON *it, const char *name, int64_t *out, char **err)
{
	*out = 0;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return seterr(err, "field \"%s\" should be a date string", name);
	*out = twilio_parse_date(it->valuestring);
	return 0;
}

/* price is a string ("-0.00750"); a bare number is tolerated and kept as its JSON text (made
 * in the parse's arena: it lives as long as the tree). */
static int price_of(const cJSON *it, const char **out, char **err)
{
	if (it != NULL && cJSON_IsNumber(it)) {
		*out = cJSON_PrintUnformatted(it);
		if (*out == NULL)
			abort();
		return 0;
	}
	return str_of(it, "price", out, err);
}

void twilio_message_free(struct twilio_message *m)
{
	if (m == NULL)
		return;
	free(m->strings);
	memset(m, 0, sizeof(*m));
}

/* A message's members, in the order they are checked (the first wrong one is reported). */
enum msg_field {
	MF_SID, MF_ACCOUNT_SID, MF_SERVICE_SID, MF_FROM, MF_TO, MF_BODY, MF_STATUS, MF_DIRECTION,
	MF_NUM_SEGMENTS, MF_NUM_MEDIA, MF_ERROR_CODE, MF_ERROR_MESSAGE, MF_PRICE, MF_DATE_CREATED,
	MF_DATE_SENT, MF_DATE_UPDATED, MF_COUNT
};
static const char *const msg_names[MF_COUNT] = {
	"sid", "account_sid", "messaging_service_sid", "from", "to", "body", "status", "direction",
	"num_segments", "num_media", "error_code", "error_message", "price", "date_created",
	"date_sent", "date_updated",
};

/* The members of o named in names, in one walk over o (a message has ~20 members and 16 are
 * read: a lookup each walked them 16 times); the first of duplicate names wins, as with
 * cJSON_GetObjectItemCaseSensitive. */
static void pick(const cJSON *o, const char *const *names, size_t n, const cJSON **found)
{
	memset(found, 0, n * sizeof(*found));
	for (const cJSON *it = o->child; it != NULL; it = it->next) {
		const char *k = it->string;
		if (k == NULL)
			continue;
		for (size_t i = 0; i < n; i++)
			if (found[i] == NULL && names[i][0] == k[0] && strcmp(names[i], k) == 0) {
				found[i] = it;
				break;
			}
	}
}

/* The strings of a message, in the order of struct twilio_message's string fields. */
enum { MS_SID, MS_ACCOUNT_SID, MS_SERVICE_SID, MS_FROM, MS_TO, MS_BODY, MS_STATUS, MS_DIRECTION,
       MS_ERROR_MESSAGE, MS_PRICE, MS_COUNT };

/* Copies the strings into one block owned by m (one malloc per message instead of ten). */
static void own_strings(struct twilio_message *m, const char *const src[MS_COUNT])
{
	char **dst[MS_COUNT] = {&m->sid, &m->account_sid, &m->messaging_service_sid, &m->from, &m->to,
				&m->body, &m->status, &m->direction, &m->error_message, &m->price};
	size_t len[MS_COUNT], total = 0;
	for (size_t i = 0; i < MS_COUNT; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	char *p = m->strings = xmalloc(total);
	for (size_t i = 0; i < MS_COUNT; i++) {
		*dst[i] = src[i] != NULL ? memcpy(p, src[i], len[i]) : NULL;
		p += len[i];
	}
}

/* Fills *m from one message object; on error *m stays zeroed. */
static int message_from_json(const cJSON *o, void *elem, char **err)
{
	struct twilio_message *m = elem;
	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(o))
		return seterr(err, "a message should be a JSON object");
	const cJSON *f[MF_COUNT];
	pick(o, msg_names, MF_COUNT, f);
	const cJSON *sid = f[MF_SID];
	if (!cJSON_IsString(sid) || sid->valuestring == NULL || sid->valuestring[0] == '\0')
		return seterr(err, "the message has no \"sid\"");
	const char *s[MS_COUNT];
	struct twilio_message v = {0};
	if (str_of(f[MF_SID], "sid", &s[MS_SID], err) ||
	    str_of(f[MF_ACCOUNT_SID], "account_sid", &s[MS_ACCOUNT_SID], err) ||
	    str_of(f[MF_SERVICE_SID], "messaging_service_sid", &s[MS_SERVICE_SID], err) ||
	    str_of(f[MF_FROM], "from", &s[MS_FROM], err) || str_of(f[MF_TO], "to", &s[MS_TO], err) ||
	    str_of(f[MF_BODY], "body", &s[MS_BODY], err) || str_of(f[MF_STATUS], "status", &s[MS_STATUS], err) ||
	    str_of(f[MF_DIRECTION], "direction", &s[MS_DIRECTION], err) ||
	    int_of(f[MF_NUM_SEGMENTS], "num_segments", &v.num_segments, err) ||
	    int_of(f[MF_NUM_MEDIA], "num_media", &v.num_media, err) ||
	    int_of(f[MF_ERROR_CODE], "error_code", &v.error_code, err) ||
	    str_of(f[MF_ERROR_MESSAGE], "error_message", &s[MS_ERROR_MESSAGE], err) ||
	    price_of(f[MF_PRICE], &s[MS_PRICE], err) ||
	    date_of(f[MF_DATE_CREATED], "date_created", &v.date_created, err) ||
	    date_of(f[MF_DATE_SENT], "date_sent", &v.date_sent, err) ||
	    date_of(f[MF_DATE_UPDATED], "date_updated", &v.date_updated, err))
		return -1;
	*m = v;
	own_strings(m, s);
	return 0;
}

/* Parses len bytes of JSON (need not be NUL-terminated) into a cJSON tree in the arena, which
 * must be begun, or NULL with *err. */
static cJSON *parse_json(struct json_arena *a, const char *json, size_t len, char **err)
{
	if (json == NULL || len == 0) {
		seterr(err, "the answer is empty");
		return NULL;
	}
	/* cJSON reads a terminating NUL in places; give it one rather than trust len alone. */
	char *copy = json_arena_alloc(a, len + 1);
	memcpy(copy, json, len);
	copy[len] = '\0';
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	if (root == NULL) {
		size_t at = end != NULL && end >= copy ? (size_t)(end - copy) : 0;
		seterr(err, "the answer is not valid JSON (near byte %zu of %zu)", at, len);
	}
	return root;
}

/* Parses a whole answer in an arena (arena, or a new one when NULL) and fills out with
 * from_json, which copies what it keeps out of the tree; says which stage failed. */
static enum twilio_decode decode(struct json_arena *arena, const char *body, size_t len,
				 int (*from_json)(const cJSON *, void *, char **), void *out, char **why)
{
	struct json_arena *a = arena != NULL ? arena : json_arena_new();
	enum twilio_decode d = TWD_NOT_JSON;
	json_arena_begin(a);
	cJSON *root = parse_json(a, body, len, why);
	if (root != NULL)
		d = from_json(root, out, why) == 0 ? TWD_OK : TWD_BAD_SHAPE;
	json_arena_end(a); /* the whole tree at once: no cJSON_Delete */
	if (arena == NULL)
		json_arena_free(&a);
	return d;
}

enum twilio_decode twilio_decode_message(struct json_arena *arena, const char *body, size_t len,
					 struct twilio_message *out, char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(arena, body, len, message_from_json, out, why);
}

int twilio_parse_message(const char *json, size_t len, struct twilio_message *out, char **err)
{
	return twilio_decode_message(NULL, json, len, out, err) == TWD_OK ? 0 : -1;
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

enum twilio_decode twilio_decode_page(struct json_arena *arena, const char *body, size_t len,
				      struct twilio_page *out, char **why)
{
	memset(out, 0, sizeof(*out));
	return decode(arena, body, len, page_from_json, out, why);
}

int twilio_parse_page(const char *json, size_t len, struct twilio_page *out, char **err)
{
	return twilio_decode_page(NULL, json, len, out, err) == TWD_OK ? 0 : -1;
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
	return decode(NULL, body, len, media_list_from_json, out, why);
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
	return decode(NULL, body, len, account_from_json, out, why);
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

/* The month (0-11) whose English abbreviation p starts with, -1 for none. */
static int month_of(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++) {
		const char *m = months + 3 * i;
		if (p[0] == m[0] && p[1] == m[1] && p[2] == m[2])
			return i;
	}
	return -1;
}

int64_t twilio_parse_date(const char *s)
{
	if (s == NULL)
		return 0;
	const char *p = s;
	const char *comma = strchr(p, ',');
	if (comma != NULL && comma - p <= 3)
		p = comma + 1; /* the weekday adds nothing */
	while (*p == ' ')
		p++;
	int day, year, hh, mm, ss, off = 0, mon;
	int dlen = isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) ? 2 : 1;
	if (digits(&p, dlen, &day) || *p++ != ' ')
		return 0;
	mon = month_of(p);
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
	/* 31 Feb is refused, and so is 23:59:60 (a leap second would be the next day) */
	int64_t secs = (int64_t)hh * 3600 + mm * 60 + ss;
	if (*p != '\0' || year < 1970 || day < 1 || day > civil_month_days(year, mon + 1) || hh > 23 || mm > 59 || ss > 60 ||
	    secs >= 86400)
		return 0;
	return civil_days(year, mon + 1, day) * 86400 + secs - off;
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
