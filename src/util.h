/* Small helpers shared by every layer: errors for people, allocation, the clock. */
#ifndef SMSDESK_UTIL_H
#define SMSDESK_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Allocation that aborts on out-of-memory (the one case where we abort). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets *err (if err is not NULL) to a newly allocated message; frees any earlier one.
 * Always returns -1 so callers can write `return seterr(err, "...")`. */
int seterr(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees *p and sets it to NULL. */
void xfree(char **p);

/* The current time in Unix seconds. Tests pin it with clock_set_fake(); the binary
 * also honours SMSDESK_FAKE_NOW=<unix seconds> so end-to-end tests can move time. */
int64_t clock_now(void);
void clock_set_fake(int64_t now); /* 0 returns to the real clock */

/* Monotonic milliseconds, for timers and benchmarks. */
int64_t clock_mono_ms(void);

/* Days from 1970-01-01 to y-m-d (m 1-12) of the proleptic Gregorian calendar (Howard
 * Hinnant's days_from_civil), and the days in month m of year y: the dates Twilio, imports,
 * time zone rules and the simulator read, without timegm's cost or its time zone. */
int64_t civil_days(int64_t y, int m, int d);
int civil_month_days(int64_t y, int m);

/* Formats Unix seconds as UTC ISO 8601 ("2026-11-26T14:05:00Z") into buf (>= 21 bytes). */
char *time_iso_utc(int64_t t, char *buf, size_t len);

#endif
