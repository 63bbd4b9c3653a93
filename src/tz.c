/* Time zones: a small reader of the system's TZif files (RFC 8536) and their POSIX TZ
 * footers, so that no code changes the process-wide TZ (which races with every getenv). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "src/tz.h"
#include "src/util.h"

#define TZ_NAME_MAX 128
#define TZ_FILE_MAX (512 * 1024)

struct tz_type {
	int32_t off;
	bool dst;
	char abbr[16];
};

/* A POSIX TZ rule date: Mm.w.d ('M'), Jn without leap days ('J'), or n with them ('N'). */
struct tz_rdate {
	char kind;
	int m, w, d;
	int32_t secs; /* local time of day of the change */
};

struct tz_rule {
	struct tz_type std, dst;
	bool has_dst;
	struct tz_rdate start, end;
};

struct tz_zone {
	char name[TZ_NAME_MAX];
	int64_t *trans; /* transition times */
	uint8_t *idx;	/* type index after each transition */
	size_t ntrans;
	struct tz_type *types;
	size_t ntypes;
	bool has_rule; /* the footer governs times after the last transition */
	struct tz_rule rule;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_zone **cache; /* every zone loaded so far */
static size_t cache_n, cache_cap;

/* Big-endian readers over a bounded buffer. */
static int64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* True when name is shaped like an IANA zone name and cannot leave the zoneinfo tree. */
static bool name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return false;
	size_t n = strnlen(name, TZ_NAME_MAX);
	if (n >= TZ_NAME_MAX || name[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '/' || c == '_' || c == '-' || c == '+';
		if (!ok)
			return false;
	}
	return true;
}

/* Reads the whole zone file for name (malloc'd) or NULL. */
static unsigned char *read_zone_file(const char *name, size_t *len)
{
	const char *dir = getenv("TZDIR");
	if (dir == NULL || dir[0] != '/')
		dir = "/usr/share/zoneinfo";
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "rbe");
	free(path);
	if (f == NULL)
		return NULL;
	struct stat st;
	unsigned char *buf = NULL;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > TZ_FILE_MAX)
		goto out;
	buf = xmalloc((size_t)st.st_size);
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = (size_t)st.st_size;
out:
	fclose(f);
	return buf;
}

/* Parses "[+-]hh[:mm[:ss]]" at *p into seconds; -1 on a malformed value. */
static int parse_hms(const char **p, int32_t *out)
{
	const char *s = *p;
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	int32_t part[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		int v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 3)
			v = v * 10 + (*s++ - '0'), digits++;
		part[i] = v;
		if (*s != ':' || i == 2)
			break;
		s++;
	}
	if (part[0] > 167 || part[1] > 59 || part[2] > 59)
		return -1;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	*p = s;
	return 0;
}

/* Parses a zone abbreviation ("EST" or "<+1030>") at *p into abbr. */
static int parse_abbr(const char **p, char abbr[16])
{
	const char *s = *p;
	size_t n = 0;
	if (*s == '<') {
		s++;
		while (*s != '>' && *s != '\0' && n < 15)
			abbr[n++] = *s++;
		if (*s++ != '>')
			return -1;
	} else {
		while (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) && n < 15)
			abbr[n++] = *s++;
	}
	abbr[n] = '\0';
	if (n < 3)
		return -1;
	*p = s;
	return 0;
}

/* Parses ",Mm.w.d[/time]" style dates of a POSIX TZ rule. */
static int parse_rdate(const char **p, struct tz_rdate *r)
{
	const char *s = *p;
	if (*s++ != ',')
		return -1;
	char *end;
	r->secs = 7200;
	if (*s == 'M') {
		r->kind = 'M';
		r->m = (int)strtol(s + 1, &end, 10);
		if (*end != '.')
			return -1;
		r->w = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return -1;
		r->d = (int)strtol(end + 1, &end, 10);
		if (r->m < 1 || r->m > 12 || r->w < 1 || r->w > 5 || r->d < 0 || r->d > 6)
			return -1;
	} else {
		r->kind = *s == 'J' ? 'J' : 'N';
		if (*s == 'J')
			s++;
		r->d = (int)strtol(s, &end, 10);
		if (end == s || r->d < 0 || r->d > 365)
			return -1;
	}
	s = end;
	if (*s == '/') {
		s++;
		if (parse_hms(&s, &r->secs) != 0)
			return -1;
	}
	*p = s;
	return 0;
}

/* Parses the POSIX TZ string of a TZif footer ("EST5EDT,M3.2.0,M11.1.0"). */
static int parse_rule(const char *s, struct tz_rule *r)
{
	memset(r, 0, sizeof(*r));
	int32_t off;
	if (parse_abbr(&s, r->std.abbr) != 0 || parse_hms(&s, &off) != 0)
		return -1;
	r->std.off = -off; /* POSIX counts west of Greenwich as positive */
	if (*s == '\0')
		return 0;
	if (parse_abbr(&s, r->dst.abbr) != 0)
		return -1;
	r->has_dst = true;
	r->dst.dst = true;
	r->dst.off = r->std.off + 3600;
	if (*s != ',' && *s != '\0') {
		if (parse_hms(&s, &off) != 0)
			return -1;
		r->dst.off = -off;
	}
	if (*s == '\0') {
		/* No dates: the US rules are POSIX's default. */
		r->start = (struct tz_rdate){'M', 3, 2, 0, 7200};
		r->end = (struct tz_rdate){'M', 11, 1, 0, 7200};
		return 0;
	}
	if (parse_rdate(&s, &r->start) != 0 || parse_rdate(&s, &r->end) != 0 || *s != '\0')
		return -1;
	return 0;
}

/* Checks counts and sizes of one TZif data block; returns its length or 0 when bad. */
static size_t block_len(const unsigned char *h, size_t tsize, uint32_t c[6])
{
	for (int i = 0; i < 6; i++)
		c[i] = be32(h + 20 + 4 * i);
	/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	if (c[4] == 0 || c[4] > 256 || c[3] > 100000 || c[2] > 10000 || c[5] > 10000)
		return 0;
	return c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
}

/* Parses a TZif file into z; -1 when it is not one. */
static int parse_tzif(const unsigned char *buf, size_t len, struct tz_zone *z)
{
	uint32_t c[6];
	if (len < 44 || memcmp(buf, "TZif", 4) != 0)
		return -1;
	size_t v1 = block_len(buf, 4, c);
	if (v1 == 0 || 44 + v1 > len)
		return -1;
	/* "right/" zones count leap seconds, which Unix time does not. */
	if (c[2] != 0)
		return -1;
	const unsigned char *h = buf;
	size_t tsize = 4;
	if (buf[4] >= '2') {
		h = buf + 44 + v1;
		if ((size_t)(h - buf) + 44 > len || memcmp(h, "TZif", 4) != 0)
			return -1;
		tsize = 8;
	}
	size_t blen = block_len(h, tsize, c);
	const unsigned char *p = h + 44, *end = buf + len;
	if (blen == 0 || blen > (size_t)(end - p))
		return -1;
	z->ntrans = c[3];
	z->ntypes = c[4];
	z->trans = xcalloc(z->ntrans ? z->ntrans : 1, sizeof(*z->trans));
	z->idx = xcalloc(z->ntrans ? z->ntrans : 1, 1);
	z->types = xcalloc(z->ntypes, sizeof(*z->types));
	for (size_t i = 0; i < z->ntrans; i++, p += tsize)
		z->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
	for (size_t i = 0; i < z->ntrans; i++) {
		z->idx[i] = *p++;
		if (z->idx[i] >= z->ntypes)
			return -1;
	}
	const unsigned char *chars = p + z->ntypes * 6;
	for (size_t i = 0; i < z->ntypes; i++, p += 6) {
		z->types[i].off = (int32_t)be32(p);
		z->types[i].dst = p[4] != 0;
		if (p[5] >= c[5])
			return -1;
		snprintf(z->types[i].abbr, sizeof(z->types[i].abbr), "%.*s", (int)(c[5] - p[5]),
			 chars + p[5]);
	}
	p = h + 44 + blen;
	/* The footer: "\n<POSIX TZ string>\n" (version 2 and later). */
	if (tsize == 8 && p < end && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
		if (nl != NULL && nl > p + 1 && nl - p < 128) {
			char rule[128];
			snprintf(rule, sizeof(rule), "%.*s", (int)(nl - p - 1), p + 1);
			z->has_rule = parse_rule(rule, &z->rule) == 0;
		}
	}
	return 0;
}

static void zone_free(struct tz_zone *z)
{
	free(z->trans);
	free(z->idx);
	free(z->types);
	free(z);
}

/* The parsed zone for name, from the cache or loaded into it; NULL when unknown. Zones are
 * never freed or changed once cached, so the pointer stays valid for the process. */
static const struct tz_zone *zone_get(const char *name)
{
	if (!name_ok(name))
		return NULL;
	struct tz_zone *z = NULL;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < cache_n; i++)
		if (strcmp(cache[i]->name, name) == 0) {
			z = cache[i];
			goto out;
		}
	size_t len = 0;
	unsigned char *buf = read_zone_file(name, &len);
	if (buf == NULL)
		goto out;
	z = xcalloc(1, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name);
	if (parse_tzif(buf, len, z) != 0) {
		zone_free(z);
		z = NULL;
	} else {
		/* Only zones that exist get here, so the tzdata bounds the cache. */
		if (cache_n == cache_cap) {
			cache_cap = cache_cap ? cache_cap * 2 : 16;
			cache = xrealloc(cache, cache_cap * sizeof(*cache));
		}
		cache[cache_n++] = z;
	}
	free(buf);
out:
	pthread_mutex_unlock(&cache_lock);
	return z;
}

/* Local seconds since the epoch at which a POSIX rule date happens in year y. */
static int64_t rdate_local(int64_t y, const struct tz_rdate *r)
{
	int64_t days;
	if (r->kind == 'M') {
		int64_t first = civil_days(y, r->m, 1);
		int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int day = 1 + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
		int dim = civil_month_days(y, r->m);
		while (day > dim)
			day -= 7;
		days = first + day - 1;
	} else if (r->kind == 'J') {
		days = civil_days(y, 1, 1) + r->d - 1 + (civil_month_days(y, 2) == 29 && r->d >= 60);
	} else {
		days = civil_days(y, 1, 1) + r->d;
	}
	return days * 86400 + r->secs;
}

/* The type the footer rule gives Unix time t. */
static const struct tz_type *rule_type(const struct tz_rule *r, int64_t t)
{
	if (!r->has_dst)
		return &r->std;
	int64_t days = (t + r->std.off) / 86400 - ((t + r->std.off) % 86400 < 0);
	/* The year of that day, from the inverse of civil_days. */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t y = yoe + era * 400 + (mp >= 10);
	int64_t start = rdate_local(y, &r->start) - r->std.off;
	int64_t end = rdate_local(y, &r->end) - r->dst.off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? &r->dst : &r->std;
}

/* The local time type in effect at Unix time t. */
static const struct tz_type *zone_type(const struct tz_zone *z, int64_t t)
{
	if (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]) {
		if (z->has_rule)
			return rule_type(&z->rule, t);
		return &z->types[z->ntrans == 0 ? 0 : z->idx[z->ntrans - 1]];
	}
	if (t < z->trans[0])
		return &z->types[0];
	size_t lo = 0, hi = z->ntrans - 1; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->idx[lo]];
}

bool tz_valid(const char *name)
{
	return zone_get(name) != NULL;
}

/* Keeps times where broken-down years fit an int comfortably. */
#define TZ_T_LIMIT ((int64_t)1 << 40)

int tz_local(const char *tz, int64_t t, struct tm *out)
{
	const struct tz_zone *z = zone_get(tz);
	if (z == NULL || t < -TZ_T_LIMIT || t > TZ_T_LIMIT)
		return -1;
	const struct tz_type *ty = zone_type(z, t);
	time_t local = (time_t)(t + ty->off);
	if (gmtime_r(&local, out) == NULL)
		return -1;
	out->tm_isdst = ty->dst;
	out->tm_gmtoff = ty->off;
	out->tm_zone = ty->abbr;
	return 0;
}

int32_t tz_offset(const char *tz, int64_t t)
{
	const struct tz_zone *z = zone_get(tz);
	if (z == NULL || t < -TZ_T_LIMIT || t > TZ_T_LIMIT)
		return 0;
	return zone_type(z, t)->off;
}

int64_t tz_mktime(const char *tz, const struct tm *local)
{
	const struct tz_zone *z = zone_get(tz);
	if (z == NULL || local == NULL)
		return TZ_ERROR;
	struct tm tmp = *local;
	tmp.tm_isdst = 0;
	int64_t wall = (int64_t)timegm(&tmp); /* the wall time read as if it were UTC */
	if (wall < -TZ_T_LIMIT || wall > TZ_T_LIMIT)
		return TZ_ERROR;
	/* The offsets a day either side cover any transition near this wall time. */
	int32_t before = zone_type(z, wall - 86400)->off, after = zone_type(z, wall + 86400)->off;
	int64_t t1 = wall - before, t2 = wall - after;
	bool ok1 = zone_type(z, t1)->off == before, ok2 = zone_type(z, t2)->off == after;
	if (ok1 && ok2)
		return t1 < t2 ? t1 : t2; /* repeated hour: the first */
	if (ok1)
		return t1;
	if (ok2)
		return t2;
	/* In a gap: read with the offset from before it, which lands after it, moved forward. */
	return t1;
}

int tz_parse_day(const char *s, const char *tz, int64_t now, int64_t *out)
{
	size_t len = s ? strlen(s) : 0;
	if (len >= 2 && len <= 6 && s[len - 1] == 'd') {
		int64_t n = 0;
		for (size_t i = 0; i + 1 < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			n = n * 10 + (s[i] - '0');
		}
		if (n > 36500)
			return -1;
		*out = now - n * 86400;
		return 0;
	}
	int y, mo, d, used = 0;
	if (len != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10 || y < 1970 || y > 2200)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d};
	int64_t t = tz_mktime(tz, &tm);
	struct tm back;
	if (t == TZ_ERROR || tz_local(tz, t, &back) != 0 || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	*out = t;
	return 0;
}
