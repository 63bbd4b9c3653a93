/* HL7 v2: the strict reader (segments, separators from MSH, checked escapes) and the small
 * writers (escaping, times, ACKs). See hl7.h for what is refused. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/hl7.h"
#include "src/tz.h"
#include "src/util.h"

struct seg {
	const char *p;
	size_t len;
	char name[4];
};

struct hl7_msg {
	char *text;      /* a copy of the message */
	struct seg *segs;
	size_t n;
	char fs, cs, rs, ec, ss; /* field, component, repetition, escape, subcomponent */
};

/* Length of a valid UTF-8 sequence at p (at most left bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || n > left || (n == 2 && p[0] < 0xc2) || (n == 4 && p[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (n == 3 && p[0] == 0xed && p[1] >= 0xa0) ||
	    (n == 4 && p[0] == 0xf0 && p[1] < 0x90) || (n == 4 && p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Length of the escape sequence body at p (after the opening escape char, up to the closing
 * one, excluded), or -1 when it is not one we know. */
static long escape_body(const struct hl7_msg *m, const char *p, const char *end)
{
	const char *q = p;
	while (q < end && *q != m->ec && q - p < 64)
		q++;
	if (q >= end || *q != m->ec || q == p)
		return -1;
	size_t n = (size_t)(q - p);
	if (n == 1 && strchr("FSTREHN", *p) != NULL)
		return 1;
	if (n == 3 && memcmp(p, ".br", 3) == 0)
		return 3;
	if (*p == 'X' && n >= 3 && n % 2 == 1) {
		for (size_t i = 1; i < n; i++)
			if (!isxdigit((unsigned char)p[i]))
				return -1;
		return (long)n;
	}
	return -1;
}

/* Reads MSH-1 and MSH-2 and checks them. */
static int read_separators(struct hl7_msg *m, const char *t, size_t len, char **err)
{
	if (len < 8 || memcmp(t, "MSH", 3) != 0)
		return seterr(err, "not an HL7 v2 message: it must start with an MSH segment");
	m->fs = t[3];
	const char *enc = t + 4;
	size_t n = 0;
	while (4 + n < len && enc[n] != m->fs && enc[n] != '\r' && enc[n] != '\n')
		n++;
	if (n < 4 || n > 5 || 4 + n >= len || enc[n] != m->fs)
		return seterr(err, "MSH-2 must hold the four encoding characters (^~\\&)");
	m->cs = enc[0];
	m->rs = enc[1];
	m->ec = enc[2];
	m->ss = enc[3];
	char all[6] = {m->fs, m->cs, m->rs, m->ec, m->ss, n == 5 ? enc[4] : '\0'};
	for (size_t i = 0; i < 4 + (n == 5); i++) {
		unsigned char c = (unsigned char)all[i];
		if (c < 0x21 || c > 0x7e || isalnum(c))
			return seterr(err, "MSH-1/MSH-2 separators must be printable punctuation");
		for (size_t j = 0; j < i; j++)
			if (all[j] == all[i])
				return seterr(err, "MSH-1/MSH-2 use the same separator twice");
	}
	return 0;
}

/* Checks one segment's name and bytes (controls, escapes, UTF-8). */
static int check_segment(const struct hl7_msg *m, struct seg *sg, size_t index, char **err)
{
	const char *p = sg->p, *end = sg->p + sg->len;
	if (sg->len < 3 || !isupper((unsigned char)p[0]) || !isalnum((unsigned char)p[1]) ||
	    !isalnum((unsigned char)p[2]) || (sg->len > 3 && p[3] != m->fs))
		return seterr(err, "segment %zu: a segment must start with a three-letter name", index + 1);
	memcpy(sg->name, p, 3);
	sg->name[3] = '\0';
	if (index > 0 && strcmp(sg->name, "MSH") == 0)
		return seterr(err, "segment %zu: a second MSH (one message at a time)", index + 1);
	/* MSH-2 holds the escape character itself: checks start after it. */
	const char *q = index == 0 ? p + 4 + 4 : p + 3;
	while (q < end && index == 0 && *q != m->fs)
		q++;
	while (q < end) {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20 || c == 0x7f)
			return seterr(err, "segment %zu (%s): control character 0x%02x", index + 1, sg->name, c);
		if (c == (unsigned char)m->ec) {
			long b = escape_body(m, q + 1, end);
			if (b < 0)
				return seterr(err, "segment %zu (%s): a broken escape sequence", index + 1, sg->name);
			q += b + 2;
			continue;
		}
		size_t u = utf8_len((const unsigned char *)q, (size_t)(end - q));
		if (u == 0)
			return seterr(err, "segment %zu (%s): invalid UTF-8", index + 1, sg->name);
		q += u;
	}
	return 0;
}

/* Splits the copy into segments at CR, LF or CRLF; empty lines are skipped. */
static int split_segments(struct hl7_msg *m, size_t len, char **err)
{
	size_t cap = 16;
	m->segs = xcalloc(cap, sizeof(*m->segs));
	const char *p = m->text, *end = m->text + len;
	while (p < end) {
		const char *e = p;
		while (e < end && *e != '\r' && *e != '\n')
			e++;
		if (e > p) {
			if (m->n == HL7_MAX_SEGMENTS)
				return seterr(err, "more than %d segments", HL7_MAX_SEGMENTS);
			if (m->n == cap) {
				cap *= 2;
				m->segs = xrealloc(m->segs, cap * sizeof(*m->segs));
			}
			m->segs[m->n] = (struct seg){.p = p, .len = (size_t)(e - p)};
			if (check_segment(m, &m->segs[m->n], m->n, err) != 0)
				return -1;
			m->n++;
		}
		p = e + 1;
	}
	return 0;
}

int hl7_parse(const char *data, size_t len, struct hl7_msg **out, char **err)
{
	*out = NULL;
	if (data == NULL || len == 0)
		return seterr(err, "an empty message");
	if (len > HL7_MAX_BYTES)
		return seterr(err, "a message of more than %d bytes", HL7_MAX_BYTES);
	if (memchr(data, '\0', len) != NULL)
		return seterr(err, "a NUL byte in the message");
	struct hl7_msg *m = xcalloc(1, sizeof(*m));
	m->text = xstrndup(data, len);
	if (read_separators(m, m->text, len, err) != 0 || split_segments(m, len, err) != 0) {
		hl7_free(&m);
		return -1;
	}
	*out = m;
	return 0;
}

void hl7_free(struct hl7_msg **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	free((*mp)->text);
	free((*mp)->segs);
	free(*mp);
	*mp = NULL;
}

size_t hl7_segment_count(const struct hl7_msg *m)
{
	return m->n;
}

const char *hl7_segment_name(const struct hl7_msg *m, size_t i)
{
	return i < m->n ? m->segs[i].name : "";
}

int hl7_find(const struct hl7_msg *m, const char *name, int nth)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->segs[i].name, name) == 0 && nth-- == 0)
			return (int)i;
	return -1;
}

/* Narrows [*p, *end) to the idx-th (0-based) piece split at sep; false when there is none. */
static bool piece(const char **p, const char **end, char sep, int idx)
{
	const char *q = *p;
	for (int i = 0; i < idx; i++) {
		while (q < *end && *q != sep)
			q++;
		if (q >= *end)
			return false;
		q++;
	}
	const char *e = q;
	while (e < *end && *e != sep)
		e++;
	*p = q;
	*end = e;
	return true;
}

/* The raw bytes of a field (MSH counted as HL7 does); false when absent. */
static bool field_range(const struct hl7_msg *m, int seg, int field, const char **p, const char **end)
{
	if (seg < 0 || (size_t)seg >= m->n || field < 1)
		return false;
	const struct seg *sg = &m->segs[seg];
	*p = sg->p + 3;
	*end = sg->p + sg->len;
	if (*p >= *end)
		return false;
	(*p)++; /* past the first field separator */
	bool msh = seg == 0;
	if (msh && field == 1) {
		*p = sg->p + 3;
		*end = *p + 1;
		return true;
	}
	return piece(p, end, m->fs, msh ? field - 2 : field - 1);
}

/* Appends the decoded bytes of [p, end) to out (size cap, already allocated). */
static char *decode(const struct hl7_msg *m, const char *p, const char *end)
{
	char *out = xmalloc((size_t)(end - p) + 1), *o = out;
	while (p < end) {
		if (*p != m->ec) {
			*o++ = *p++;
			continue;
		}
		long b = escape_body(m, p + 1, end);
		if (b < 0) { /* checked at parse time: cannot happen, but never read past */
			*o++ = *p++;
			continue;
		}
		const char *x = p + 1;
		char c = *x;
		if (b == 1 && c != 'H' && c != 'N')
			*o++ = c == 'F' ? m->fs : c == 'S' ? m->cs : c == 'T' ? m->ss : c == 'R' ? m->rs : m->ec;
		else if (b == 3 && c == '.')
			*o++ = ' '; /* a line break inside a field: one line for us */
		else if (c == 'X')
			for (long i = 1; i + 1 < b; i += 2) {
				char hex[3] = {x[i], x[i + 1], '\0'};
				unsigned v = (unsigned)strtoul(hex, NULL, 16);
				*o++ = v < 0x20 || v == 0x7f ? ' ' : (char)v;
			}
		p += b + 2;
	}
	*o = '\0';
	return out;
}

char *hl7_get(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub)
{
	const char *p, *end;
	if (m == NULL || !field_range(m, seg, field, &p, &end))
		return xstrdup("");
	if (seg == 0 && field <= 2)
		return xstrndup(p, (size_t)(end - p));
	if (!piece(&p, &end, m->rs, rep))
		return xstrdup("");
	if (comp == 0)
		return xstrndup(p, (size_t)(end - p));
	if (!piece(&p, &end, m->cs, comp - 1))
		return xstrdup("");
	if (sub > 0 && !piece(&p, &end, m->ss, sub - 1))
		return xstrdup("");
	return decode(m, p, end);
}

char *hl7_get_named(const struct hl7_msg *m, const char *name, int field, int rep, int comp)
{
	return hl7_get(m, hl7_find(m, name, 0), field, rep, comp, 0);
}

int hl7_repetitions(const struct hl7_msg *m, int seg, int field)
{
	const char *p, *end;
	if (!field_range(m, seg, field, &p, &end) || p == end)
		return 0;
	int n = 1;
	for (; p < end; p++)
		n += *p == m->rs;
	return n;
}

char *hl7_escape(const char *text)
{
	size_t len = text ? strlen(text) : 0;
	char *out = xmalloc(len * 3 + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		const char *esc = c == '|' ? "\\F\\" : c == '^' ? "\\S\\" : c == '~' ? "\\R\\" : c == '\\' ? "\\E\\" :
				  c == '&' ? "\\T\\" : NULL;
		if (esc != NULL) {
			memcpy(o, esc, 3);
			o += 3;
		} else {
			*o++ = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
	}
	*o = '\0';
	return out;
}

void hl7_format_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(buf, len, "%04d%02d%02d%02d%02d%02d+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* Reads n digits at *p into *v; false when they are not all digits. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

int hl7_parse_time(const char *dtm, const char *tz, long long *out, char **err)
{
	const char *p = dtm;
	int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0;
	if (p == NULL || !digits(&p, 4, &y) || !digits(&p, 2, &mo) || !digits(&p, 2, &d))
		return seterr(err, "\"%.40s\" is not an HL7 date and time (YYYYMMDDHHMM)", dtm ? dtm : "");
	if (isdigit((unsigned char)*p) && (!digits(&p, 2, &h) || !digits(&p, 2, &mi)))
		return seterr(err, "\"%.40s\": the time needs hours and minutes", dtm);
	if (isdigit((unsigned char)*p) && !digits(&p, 2, &s))
		return seterr(err, "\"%.40s\": bad seconds", dtm);
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	bool offset = *p == '+' || *p == '-';
	int sign = *p == '-' ? -1 : 1;
	if (offset) {
		p++;
		if (!digits(&p, 2, &oh) || !digits(&p, 2, &om) || oh > 14 || om > 59)
			return seterr(err, "\"%.40s\": bad time zone offset", dtm);
	}
	if (*p != '\0' || y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
		return seterr(err, "\"%.40s\" is not a valid HL7 date and time", dtm);
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
	if (offset) {
		*out = (long long)timegm(&tm) - sign * (oh * 3600 + om * 60);
		return 0;
	}
	int64_t t = tz_mktime(tz ? tz : "UTC", &tm);
	if (t == TZ_ERROR)
		return seterr(err, "unknown time zone %s", tz ? tz : "UTC");
	*out = t;
	return 0;
}

char *hl7_ack(const struct hl7_msg *msg, const char *code, const char *text, const char *control_id)
{
	char now[32];
	hl7_format_time(clock_now(), now, sizeof(now));
	char *fields[5];
	int idx[5] = {3, 4, 5, 6, 10}; /* their app, their facility, ... , their control id */
	for (int i = 0; i < 5; i++) {
		char *raw = msg ? hl7_get(msg, 0, idx[i], 0, 1, 0) : xstrdup("");
		fields[i] = hl7_escape(raw);
		free(raw);
	}
	char *trig = msg ? hl7_get(msg, 0, 9, 0, 2, 0) : xstrdup("");
	char *etrig = hl7_escape(trig);
	char *etext = hl7_escape(text ? text : "");
	char *ectl = hl7_escape(control_id);
	/* We answer from the app and facility they addressed. */
	char *ack = xasprintf("MSH|^~\\&|%s|%s|%s|%s|%s||ACK^%s^ACK|%s|P|2.5.1\rMSA|%s|%s|%.80s\r%s%s%s", fields[2],
			      fields[3], fields[0], fields[1], now, etrig, ectl, code, fields[4], etext,
			      strcmp(code, "AA") == 0 ? "" : "ERR||||E||||",
			      strcmp(code, "AA") == 0 ? "" : etext, strcmp(code, "AA") == 0 ? "" : "\r");
	for (int i = 0; i < 5; i++)
		free(fields[i]);
	free(trig);
	free(etrig);
	free(etext);
	free(ectl);
	return ack;
}

int hl7_ack_read(const char *data, size_t len, char **code, char **control_id, char **err)
{
	struct hl7_msg *m = NULL;
	*code = *control_id = NULL;
	if (hl7_parse(data, len, &m, err) != 0)
		return -1;
	int msa = hl7_find(m, "MSA", 0);
	if (msa < 0) {
		hl7_free(&m);
		return seterr(err, "an answer without an MSA segment");
	}
	*code = hl7_get(m, msa, 1, 0, 1, 0);
	*control_id = hl7_get(m, msa, 2, 0, 1, 0);
	hl7_free(&m);
	return 0;
}
