/* Tests for src/tz.c: IANA zones read from the system tzdata, across DST changes. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "src/tz.h"
#include "src/util.h"

/* Unix time of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
	return (int64_t)timegm(&tm);
}

static struct tm wall(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return tm;
}

/* Asserts the local time of t in tz. */
static void expect_local(const char *tz, int64_t t, int y, int mo, int d, int h, int mi, long off, int dst)
{
	struct tm tm;
	assert_int_equal(tz_local(tz, t, &tm), 0);
	if (tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d || tm.tm_hour != h ||
	    tm.tm_min != mi || tm.tm_gmtoff != off || tm.tm_isdst != dst)
		fail_msg("%s at %lld: got %04d-%02d-%02d %02d:%02d off %ld dst %d", tz, (long long)t,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_gmtoff,
			 tm.tm_isdst);
}

static void tz_local__follows_dst__when_new_york_springs_forward(void **state)
{
	const char *ny = "America/New_York";
	expect_local(ny, utc(2026, 3, 8, 6, 59, 0), 2026, 3, 8, 1, 59, -18000, 0);
	expect_local(ny, utc(2026, 3, 8, 7, 0, 0), 2026, 3, 8, 3, 0, -14400, 1);
	struct tm tm;
	assert_int_equal(tz_local(ny, utc(2026, 3, 8, 7, 0, 0), &tm), 0);
	assert_string_equal(tm.tm_zone, "EDT");
	assert_int_equal(tm.tm_wday, 0); /* a Sunday */
	/* 02:30 does not exist that day: it moves forward to 03:30 EDT. */
	struct tm w = wall(2026, 3, 8, 2, 30);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 3, 8, 7, 30, 0));
	w = wall(2026, 3, 8, 1, 59);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 3, 8, 6, 59, 0));
	w = wall(2026, 3, 8, 3, 0);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 3, 8, 7, 0, 0));
}

static void tz_local__follows_dst__when_new_york_falls_back(void **state)
{
	const char *ny = "America/New_York";
	expect_local(ny, utc(2026, 11, 1, 5, 30, 0), 2026, 11, 1, 1, 30, -14400, 1);
	expect_local(ny, utc(2026, 11, 1, 6, 30, 0), 2026, 11, 1, 1, 30, -18000, 0);
	/* 01:30 happens twice: the first one is meant. */
	struct tm w = wall(2026, 11, 1, 1, 30);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 11, 1, 5, 30, 0));
	w = wall(2026, 11, 1, 2, 0);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 11, 1, 7, 0, 0));
	w = wall(2026, 11, 1, 0, 59);
	assert_int_equal(tz_mktime(ny, &w), utc(2026, 11, 1, 4, 59, 0));
}

static void tz_local__adds_half_hour__when_kolkata(void **state)
{
	expect_local("Asia/Kolkata", utc(2026, 1, 15, 0, 0, 0), 2026, 1, 15, 5, 30, 19800, 0);
	expect_local("Asia/Kolkata", utc(2026, 7, 15, 20, 45, 0), 2026, 7, 16, 2, 15, 19800, 0);
	struct tm w = wall(2026, 7, 16, 2, 15);
	assert_int_equal(tz_mktime("Asia/Kolkata", &w), utc(2026, 7, 15, 20, 45, 0));
	assert_int_equal(tz_offset("Asia/Kolkata", utc(2026, 1, 1, 0, 0, 0)), 19800);
}

static void tz_mktime__moves_half_hour__when_lord_howe_dst(void **state)
{
	const char *lh = "Australia/Lord_Howe";
	/* Standard time is +10:30, DST +11: the clocks move only half an hour. */
	expect_local(lh, utc(2026, 7, 1, 0, 0, 0), 2026, 7, 1, 10, 30, 37800, 0);
	expect_local(lh, utc(2026, 12, 1, 0, 0, 0), 2026, 12, 1, 11, 0, 39600, 1);
	/* 2026-10-04 02:00 local jumps to 02:30. */
	expect_local(lh, utc(2026, 10, 3, 15, 29, 0), 2026, 10, 4, 1, 59, 37800, 0);
	expect_local(lh, utc(2026, 10, 3, 15, 30, 0), 2026, 10, 4, 2, 30, 39600, 1);
	struct tm w = wall(2026, 10, 4, 2, 15);
	assert_int_equal(tz_mktime(lh, &w), utc(2026, 10, 3, 15, 45, 0));
	/* 2026-04-05 02:00 local falls back to 01:30: 01:45 happens twice. */
	w = wall(2026, 4, 5, 1, 45);
	assert_int_equal(tz_mktime(lh, &w), utc(2026, 4, 4, 14, 45, 0));
	expect_local(lh, utc(2026, 4, 4, 15, 15, 0), 2026, 4, 5, 1, 45, 37800, 0);
}

static void tz_mktime__normalises__when_fields_out_of_range(void **state)
{
	/* Day 32 of December is January 1st; minute 90 is 01:30. */
	struct tm w = wall(2026, 12, 32, 0, 90);
	assert_int_equal(tz_mktime("America/Chicago", &w), utc(2027, 1, 1, 7, 30, 0));
	/* The caller's struct is left alone. */
	assert_int_equal(w.tm_mday, 32);
}

static void tz_valid__rejects__when_not_a_zone(void **state)
{
	static const char *const bad[] = {
	    NULL,
	    "",
	    "/etc/passwd",
	    "../../../../etc/passwd",
	    "America/../../etc/passwd",
	    "..",
	    "Nowhere/City",
	    "America/New_York/",
	    "America/New York",
	    "America\nNew_York",
	    "America",
	    "zone.tab",
	    "iso3166.tab",
	    "America/New_York\x1b[2J",
	    "right/America/New_York",
	    "America/Néw_York",
	    "EST5EDT,M3.2.0,M11.1.0",
	    ":America/New_York",
	    "america/new_york",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_valid(bad[i]))
			fail_msg("'%s' taken for a zone", bad[i] ? bad[i] : "NULL");
	char longname[300];
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(tz_valid(longname));
	static const char *const good[] = {"America/New_York",	  "UTC",
					   "Etc/GMT+5",		  "Asia/Kolkata",
					   "Australia/Lord_Howe", "America/Argentina/Buenos_Aires",
					   "Europe/London"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!tz_valid(good[i]))
			fail_msg("'%s' not taken for a zone", good[i]);
	struct tm tm;
	assert_int_equal(tz_local("Nowhere/City", 0, &tm), -1);
	assert_int_equal(tz_local(NULL, 0, &tm), -1);
	struct tm w = wall(2026, 1, 1, 0, 0);
	assert_true(tz_mktime("../etc/passwd", &w) == TZ_ERROR);
	assert_int_equal(tz_offset("Nowhere/City", 0), 0);
	assert_int_equal(tz_local("UTC", INT64_MAX, &tm), -1);
}

/* Compares every field glibc gives for t in tz (TZ set in this single-threaded test). */
static void compare_with_libc(const char *tz, int64_t t)
{
	struct tm want, got;
	time_t tt = (time_t)t;
	localtime_r(&tt, &want);
	assert_int_equal(tz_local(tz, t, &got), 0);
	if (got.tm_year != want.tm_year || got.tm_yday != want.tm_yday || got.tm_hour != want.tm_hour ||
	    got.tm_min != want.tm_min || got.tm_sec != want.tm_sec || got.tm_gmtoff != want.tm_gmtoff ||
	    got.tm_wday != want.tm_wday)
		fail_msg("%s at %lld: got off %ld, libc %ld", tz, (long long)t, got.tm_gmtoff,
			 want.tm_gmtoff);
	/* Away from transitions the wall time maps back to the same instant. */
	int64_t back = tz_mktime(tz, &got);
	if (tz_offset(tz, t - 86400) == tz_offset(tz, t + 86400) && back != t)
		fail_msg("%s: %lld -> wall -> %lld", tz, (long long)t, (long long)back);
}

static void tz_local__matches_libc__when_many_zones_and_years(void **state)
{
	static const char *const zones[] = {
	    "America/New_York",
	    "America/Chicago",
	    "America/Denver",
	    "America/Phoenix",
	    "America/Los_Angeles",
	    "America/Anchorage",
	    "Pacific/Honolulu",
	    "America/Puerto_Rico",
	    "Europe/London",
	    "Europe/Dublin",
	    "Europe/Berlin",
	    "Asia/Kolkata",
	    "Asia/Tehran",
	    "Australia/Lord_Howe",
	    "Australia/Sydney",
	    "Pacific/Auckland",
	    "Pacific/Chatham",
	    "America/Sao_Paulo",
	    "America/Santiago",
	    "Africa/Casablanca",
	    "America/St_Johns",
	    "Asia/Kathmandu",
	    "UTC",
	};
	char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		/* Every 7h13m from 1900 to 2045 (crossing every transition hour of day), plus 2100. */
		for (int64_t t = utc(1900, 1, 1, 0, 0, 0); t < utc(2045, 1, 1, 0, 0, 0);
		     t += 7 * 3600 + 13 * 60)
			compare_with_libc(zones[z], t);
		for (int64_t t = utc(2100, 1, 1, 0, 0, 0); t < utc(2101, 1, 1, 0, 0, 0); t += 3 * 3600 + 7)
			compare_with_libc(zones[z], t);
	}
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tz_local__follows_dst__when_new_york_springs_forward),
	    cmocka_unit_test(tz_local__follows_dst__when_new_york_falls_back),
	    cmocka_unit_test(tz_local__adds_half_hour__when_kolkata),
	    cmocka_unit_test(tz_mktime__moves_half_hour__when_lord_howe_dst),
	    cmocka_unit_test(tz_mktime__normalises__when_fields_out_of_range),
	    cmocka_unit_test(tz_valid__rejects__when_not_a_zone),
	    cmocka_unit_test(tz_local__matches_libc__when_many_zones_and_years),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
