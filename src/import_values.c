/* Import value checks: UTF-8 and control characters, hostile values quoted for reports,
 * ISO 8601 dates and times in a zone or with an offset (see src/import.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "src/import.h"
#include "src/tz.h"
#include "src/util.h"

/* Decodes one UTF-8 sequence at p (n bytes left): its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
	if (p[0] < 0xC2 || p[0] > 0xF4 || len > n)
		return 0;
	unsigned v = p[0] & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* True for code points a terminal obeys or that reorder text: C0, DEL, C1, line and
 * paragraph separators, bidirectional embeddings, overrides and isolates. */
static bool cp_is_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int import_check_text(const char *s, char **err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned cp = p[i];
		size_t len = 1;
		if (p[i] >= 0x80) {
			len = utf8_decode(p + i, n - i, &cp);
			if (len == 0)
				return seterr(err,
					      "is not valid UTF-8 (byte 0x%02X at position %zu): save the "
					      "file as UTF-8",
					      p[i], i + 1);
		}
		if (cp_is_control(cp))
			return seterr(err, "contains a %s (U+%04X)",
				      (cp >= 0x202A && cp <= 0x2069) ? "bidirectional override"
								     : "control character",
				      cp);
		i += len;
	}
	return 0;
}

void import_quote_value(const char *v, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = strlen(v), o = 0;
	for (size_t i = 0; i < n && o + 5 < len;) {
		unsigned cp = p[i];
		size_t l = p[i] >= 0x80 ? utf8_decode(p + i, n - i, &cp) : 1;
		if (l == 0 || cp_is_control(cp) || o + l + 5 >= len || o >= 40) {
			if (o >= 40 || o + l + 5 >= len) {
				memcpy(out + o, "...", 3);
				o += 3;
				break;
			}
			out[o++] = '?';
			i += l ? l : 1;
			continue;
		}
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
}

/* Reads exactly n digits at *p into *out. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Parses "YYYY-MM-DD" at *p; checks the day exists. */
static bool parse_date(const char **p, int *y, int *mo, int *d)
{
	if (!digits(p, 4, y) || *(*p)++ != '-' || !digits(p, 2, mo) || *(*p)++ != '-' || !digits(p, 2, d))
		return false;
	if (*y < 1900 || *y > 2200 || *mo < 1 || *mo > 12 || *d < 1)
		return false;
	return *d <= civil_month_days(*y, *mo);
}

/* Parses a UTC offset "Z", "+HH:MM", "+HHMM", "+HH" (or nothing: *has false). */
static bool parse_offset(const char *p, bool *has, int *secs)
{
	*has = *p != '\0';
	*secs = 0;
	if (*p == '\0')
		return true;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	int sign = *p == '+' ? 1 : *p == '-' ? -1 : 0, h = 0, m = 0;
	if (sign == 0)
		return false;
	p++;
	if (!digits(&p, 2, &h))
		return false;
	if (*p == ':')
		p++;
	if (*p != '\0' && !digits(&p, 2, &m))
		return false;
	if (*p != '\0' || h > 14 || m > 59)
		return false;
	*secs = sign * (h * 3600 + m * 60);
	return true;
}

int import_parse_time(const char *s, const char *tz, bool date_ok, int64_t *out, char **err)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
	bool has_off = false;
	if (!parse_date(&p, &y, &mo, &d))
		return seterr(err, "is not a real date written as YYYY-MM-DD");
	if (*p == '\0' && !date_ok)
		return seterr(err, "has no time of day (write 2026-12-01T14:30)");
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return seterr(err, "has no time written as HH:MM after the date");
		if (*p == ':' && (p++, !digits(&p, 2, &sec)))
			return seterr(err, "has seconds that are not two digits");
		if (*p == '.' || *p == ',')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (h > 23 || mi > 59 || sec > 60)
			return seterr(err, "has a time of day that does not exist");
	} else if (*p != '\0') {
		return seterr(err, "is not a date-time like 2026-12-01T14:30");
	}
	if (!parse_offset(p, &has_off, &off))
		return seterr(err, "has an offset that is not Z, +HH:MM or -HH:MM");
	if (sec == 60)
		sec = 59; /* a leap second: the same minute is what matters */
	if (has_off) {
		*out = civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
		return 0;
	}
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	int64_t t = tz_mktime(tz, &tm);
	struct tm back;
	if (t == TZ_ERROR || tz_local(tz, t, &back) != 0)
		return seterr(err, "cannot be placed: the clinic's time zone '%s' is unknown", tz);
	/* tz_mktime moves a time in a spring-forward gap: such a time was never on a clock. */
	if (back.tm_hour != h || back.tm_min != mi)
		return seterr(err, "does not exist in %s (the clocks jump forward then)", tz);
	*out = t;
	return 0;
}
