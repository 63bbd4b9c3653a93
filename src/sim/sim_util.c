/* Simulator helpers: form and URL coding, UTF-8 cleaning, segments, dates, SIDs, JSON replies. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/segments.h"
#include "src/sim/sim_internal.h"
#include "src/util.h"

/* The value of one hex digit, or -1. */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' of a form component; a bad escape is kept as it is. */
static char *form_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] =
			    (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Parses "a=1&b=2" (decoded, repeated keys kept in order) into f. */
void sim_form_parse(struct sim_form *f, const char *s, size_t len)
{
	memset(f, 0, sizeof(*f));
	size_t cap = 0;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(s + i, '=', j - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
			if (f->n == cap) {
				cap = cap ? cap * 2 : 8;
				f->keys = xrealloc(f->keys, cap * sizeof(char *));
				f->vals = xrealloc(f->vals, cap * sizeof(char *));
			}
			f->keys[f->n] = form_decode(s + i, klen);
			f->vals[f->n] = eq ? form_decode(eq + 1, (size_t)(s + j - (eq + 1))) : xstrdup("");
			f->n++;
		}
		i = j + 1;
	}
}

/* Frees what sim_form_parse allocated. */
void sim_form_free(struct sim_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	memset(f, 0, sizeof(*f));
}

/* The first value of key, or NULL. */
const char *sim_form_get(const struct sim_form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	return NULL;
}

/* How many times key appears. */
size_t sim_form_count(const struct sim_form *f, const char *key)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			n++;
	return n;
}

/* Percent-encodes everything but unreserved characters (RFC 3986), malloc'd. */
char *sim_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* Decodes one UTF-8 sequence at s (n bytes left): its length and *cp, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2, c = s[0] & 0x1F, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, c = s[0] & 0x0F, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* A copy of s with every invalid UTF-8 byte replaced by U+FFFD, so JSON output stays valid. */
char *sim_utf8_clean(const char *s, size_t len)
{
	char *out = xmalloc(len * 3 + 1);
	size_t o = 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, u + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}

/* Characters (code points; an invalid byte counts as one) in s. */
size_t sim_utf8_chars(const char *s)
{
	size_t len = strlen(s), chars = 0;
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len; chars++) {
		uint32_t cp;
		size_t n = utf8_decode(u + i, len - i, &cp);
		i += n ? n : 1;
	}
	return chars;
}

/* Segments Twilio would bill for s (src/segments.c does the GSM-7 / UCS-2 packing); at least 1. */
int sim_num_segments(const char *s)
{
	struct segment_info info;
	segments_count(s, strlen(s), &info);
	return info.segments > 0 ? info.segments : 1;
}

/* Formats Unix seconds as RFC 2822 in UTC ("Thu, 26 Nov 2026 14:05:00 +0000"), locale-free. */
char *sim_rfc2822(int64_t t, char *buf, size_t len)
{
	static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
		 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* Month number (1-12) of an English three-letter abbreviation, or 0. */
static int month_of(const char *s)
{
	static const char *months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				       "jul", "aug", "sep", "oct", "nov", "dec"};
	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, months[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Parses a DateSent value into a UTC day number: YYYY-MM-DD[...], MM/DD/YYYY[...] or RFC 2822
 * (its offset applied). Twilio filters by day, so the time of day is otherwise dropped. */
int sim_parse_day(const char *s, int64_t *day_out)
{
	int y, m, d, hh = 0, mi = 0, ss = 0, n = 0;
	char mon[4] = "", sign = '+';
	int off = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10) {
		/* time of day, if any, is dropped */
	} else if (sscanf(s, "%2d/%2d/%4d%n", &m, &d, &y, &n) == 3 && n >= 8) {
		/* US form, as in Twilio's own examples */
	} else {
		const char *p = strchr(s, ',');
		p = p ? p + 1 : s;
		int k = sscanf(p, " %d %3s %d %d:%d:%d %c%4d", &d, mon, &y, &hh, &mi, &ss, &sign, &off);
		m = month_of(mon);
		if (k < 3 || m == 0)
			return -1;
		if (k < 8)
			off = 0, sign = '+';
		int64_t t = civil_days(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss;
		int64_t off_s = (off / 100) * 3600 + (off % 100) * 60;
		t += sign == '-' ? off_s : -off_s;
		*day_out = t >= 0 ? t / 86400 : (t - 86399) / 86400;
		return 0;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
		return -1;
	*day_out = civil_days(y, m, d);
	return 0;
}

/* True for an E.164 number: '+', a non-zero digit, 2 to 15 digits in all. */
bool sim_is_e164(const char *s)
{
	if (s == NULL || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	size_t n = 0;
	for (const char *p = s + 1; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return false;
	return n >= 2 && n <= 15;
}

/* A new random SID: prefix + 32 lowercase hex digits. */
void sim_new_sid(const char *prefix, char out[SIM_SID_LEN + 1])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	out[0] = prefix[0];
	out[1] = prefix[1];
	sodium_bin2hex(out + 2, 33, raw, sizeof(raw));
}

/* Compact JSON text of j (malloc'd with xmalloc semantics). */
char *sim_json_print(cJSON *j)
{
	char *p = cJSON_PrintUnformatted(j);
	if (p == NULL)
		abort(); /* only fails on out-of-memory */
	char *out = xstrdup(p);
	cJSON_free(p);
	return out;
}

/* Fills r with JSON j (consumed) and an HTTP status. */
void sim_reply_json(struct sim_reply *r, unsigned status, cJSON *j)
{
	r->status = status;
	free(r->body);
	r->body = sim_json_print(j);
	cJSON_Delete(j);
}

/* Fills r with Twilio's error body {code, message, more_info, status}. */
void sim_reply_error(struct sim_reply *r, unsigned status, int code, const char *message)
{
	cJSON *j = cJSON_CreateObject();
	char *clean = sim_utf8_clean(message, strlen(message));
	char *more = xasprintf("https://www.twilio.com/docs/errors/%d", code);
	cJSON_AddNumberToObject(j, "code", code);
	cJSON_AddStringToObject(j, "message", clean);
	cJSON_AddStringToObject(j, "more_info", more);
	cJSON_AddNumberToObject(j, "status", status);
	free(clean);
	free(more);
	sim_reply_json(r, status, j);
}
