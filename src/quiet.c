/* Texting hours (TCPA: no automated texts before 08:00 or after 21:00 local time). The module
 * keeps its old name, "quiet"; the window it checks is the one texts are allowed in. */
#include <string.h>
#include <time.h>
#include "src/quiet.h"
#include "src/tz.h"

/* Replaces minutes outside 0..1440 by the defaults (both, so a window is never half-default). */
static void window(int *start, int *end)
{
	if (*start < 0 || *start > 1440 || *end < 0 || *end > 1440) {
		*start = QUIET_DEFAULT_START;
		*end = QUIET_DEFAULT_END;
	}
}

/* Local time of t in tz, or in UTC when the zone is unknown. */
static void local_time(int64_t t, const char *tz, struct tm *tm)
{
	if (tz_local(tz, t, tm) != 0 && tz_local("UTC", t, tm) != 0) {
		memset(tm, 0, sizeof(*tm));
		tm->tm_mday = 1;
		tm->tm_year = 70;
	}
}

/* The zone used for tz: itself when known, else UTC. */
static const char *zone_or_utc(const char *tz)
{
	return tz_valid(tz) ? tz : "UTC";
}

bool quiet_allowed(int64_t t, const char *tz, int start_min, int end_min)
{
	window(&start_min, &end_min);
	if (start_min == end_min)
		return true;
	struct tm tm;
	local_time(t, zone_or_utc(tz), &tm);
	int m = tm.tm_hour * 60 + tm.tm_min;
	if (start_min < end_min)
		return m >= start_min && m < end_min;
	return m >= start_min || m < end_min;
}

int64_t quiet_next_allowed(int64_t t, const char *tz, int start_min, int end_min)
{
	window(&start_min, &end_min);
	if (quiet_allowed(t, tz, start_min, end_min))
		return t;
	const char *zone = zone_or_utc(tz);
	struct tm tm;
	local_time(t, zone, &tm);
	/* Today's start, else the next day's; a few days cover any odd transition. */
	for (int day = 0; day < 4; day++) {
		struct tm w = {.tm_year = tm.tm_year,
			       .tm_mon = tm.tm_mon,
			       .tm_mday = tm.tm_mday + day,
			       .tm_hour = start_min / 60,
			       .tm_min = start_min % 60};
		int64_t cand = tz_mktime(zone, &w);
		if (cand != TZ_ERROR && cand > t && quiet_allowed(cand, zone, start_min, end_min))
			return cand;
	}
	return t; /* not reached with a real zone: a start time exists every day */
}
