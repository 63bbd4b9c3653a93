/* Time zones by IANA name ("America/Chicago") over the system tzdata, without touching the
 * process's TZ: safe to call from any thread. Owner: src/tz.c */
#ifndef SMSDESK_TZ_H
#define SMSDESK_TZ_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define TZ_ERROR INT64_MIN /* what tz_mktime returns for an unknown zone */

/* True when name is a zone in the system tzdata (TZDIR or /usr/share/zoneinfo). Refuses NULL,
 * "", absolute paths, "..", and anything but letters, digits, '/', '_', '-', '+'. */
bool tz_valid(const char *name);

/* Local time of Unix time t in zone tz: fills *out (tm_isdst, tm_gmtoff and tm_zone set;
 * tm_zone points to storage that lives as long as the process). -1 for an unknown zone. */
int tz_local(const char *tz, int64_t t, struct tm *out);

/* Unix time of the local wall time *local (its fields may be out of range, as for mktime;
 * tm_isdst and tm_wday/tm_yday are ignored) in zone tz. A time skipped by a spring-forward
 * gap moves forward by the gap (02:30 -> 03:30); a repeated fall-back time gives the first
 * occurrence. TZ_ERROR for an unknown zone. */
int64_t tz_mktime(const char *tz, const struct tm *local);

/* "YYYY-MM-DD" (local midnight in tz) or "Nd" (N days before now, N 0..36500) to Unix time;
 * -1 for anything else (a day that does not exist, a year outside 1970..2200). */
int tz_parse_day(const char *s, const char *tz, int64_t now, int64_t *out);

/* Offset from UTC in seconds in zone tz at Unix time t; 0 for an unknown zone. */
int32_t tz_offset(const char *tz, int64_t t);

#endif
