/* Texting hours (once called "quiet hours"): automated texts only between start and end,
 * local time of the recipient. The columns keep their old names, quiet_start and quiet_end.
 * Owner: src/quiet.c */
#ifndef SMSDESK_QUIET_H
#define SMSDESK_QUIET_H
#include <stdbool.h>
#include <stdint.h>

#define QUIET_DEFAULT_START 480 /* 08:00, minutes after local midnight */
#define QUIET_DEFAULT_END 1260	/* 21:00 */

/* True when the local time of t in zone tz lies in [start_min, end_min) (minutes after local
 * midnight, 0..1440). A window with start > end runs past midnight; start == end allows all
 * day. Minutes out of range mean the defaults. An unknown zone is read as UTC: callers check
 * zones with tz_valid() when they are stored. */
bool quiet_allowed(int64_t t, const char *tz, int start_min, int end_min);

/* t itself when allowed, else the first moment after t at local start_min (DST-aware: a
 * start inside a spring-forward gap moves forward by the gap). */
int64_t quiet_next_allowed(int64_t t, const char *tz, int start_min, int end_min);

#endif
