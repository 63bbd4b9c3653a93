/* Tests for src/quiet.c: quiet hours in the recipient's zone, across DST days. */
#include "testutil.h"
#include <time.h>
#include "src/quiet.h"
#include "src/util.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm);
}

#define NY "America/New_York"
#define S QUIET_DEFAULT_START
#define E QUIET_DEFAULT_END

static void quiet_allowed__is_half_open__when_at_edges(void **state)
{
	/* 2026-06-10: New York is UTC-4. */
	assert_false(quiet_allowed(utc(2026, 6, 10, 11, 59) + 59, NY, S, E)); /* 07:59:59 */
	assert_true(quiet_allowed(utc(2026, 6, 10, 12, 0), NY, S, E));	      /* 08:00 */
	assert_true(quiet_allowed(utc(2026, 6, 11, 0, 59) + 59, NY, S, E));   /* 20:59:59 */
	assert_false(quiet_allowed(utc(2026, 6, 11, 1, 0), NY, S, E));	      /* 21:00 */
	assert_false(quiet_allowed(utc(2026, 6, 11, 4, 0), NY, S, E));	      /* midnight */
}

static void quiet_allowed__uses_recipient_zone__when_not_the_clinics(void **state)
{
	int64_t t = utc(2026, 6, 10, 13, 0); /* 09:00 in New York */
	assert_true(quiet_allowed(t, NY, S, E));
	assert_false(quiet_allowed(t, "America/Los_Angeles", S, E)); /* 06:00 */
	assert_false(quiet_allowed(t, "Pacific/Honolulu", S, E));    /* 03:00 */
	assert_true(quiet_allowed(t, "Asia/Kolkata", S, E));	     /* 18:30 */
	assert_int_equal(quiet_next_allowed(t, "America/Los_Angeles", S, E), utc(2026, 6, 10, 15, 0));
	assert_int_equal(quiet_next_allowed(t, "Pacific/Honolulu", S, E), utc(2026, 6, 10, 18, 0));
	int64_t late = utc(2026, 6, 10, 16, 0); /* 21:30 in Kolkata */
	assert_int_equal(quiet_next_allowed(late, "Asia/Kolkata", S, E), utc(2026, 6, 11, 2, 30));
}

static void quiet_next_allowed__returns_t__when_allowed(void **state)
{
	int64_t t = utc(2026, 6, 10, 15, 17);
	assert_int_equal(quiet_next_allowed(t, NY, S, E), t);
	/* Early morning: today at 08:00; late evening: tomorrow at 08:00. */
	assert_int_equal(quiet_next_allowed(utc(2026, 6, 10, 10, 0), NY, S, E), utc(2026, 6, 10, 12, 0));
	assert_int_equal(quiet_next_allowed(utc(2026, 6, 11, 1, 30), NY, S, E), utc(2026, 6, 11, 12, 0));
	/* Year end. */
	assert_int_equal(quiet_next_allowed(utc(2027, 1, 1, 3, 0), NY, S, E), utc(2027, 1, 1, 13, 0));
}

static void quiet_next_allowed__follows_dst__when_clocks_change(void **state)
{
	/* Spring forward 2026-03-08: 08:00 is EDT, 12:00 UTC (the day before it was 13:00 UTC). */
	assert_int_equal(quiet_next_allowed(utc(2026, 3, 8, 6, 0), NY, S, E), utc(2026, 3, 8, 12, 0));
	assert_int_equal(quiet_next_allowed(utc(2026, 3, 8, 3, 0), NY, S, E), utc(2026, 3, 8, 12, 0));
	assert_int_equal(quiet_next_allowed(utc(2026, 3, 7, 10, 0), NY, S, E), utc(2026, 3, 7, 13, 0));
	/* Fall back 2026-11-01: 21:30 EDT the evening before, next 08:00 is EST. */
	assert_int_equal(quiet_next_allowed(utc(2026, 11, 1, 1, 30), NY, S, E), utc(2026, 11, 1, 13, 0));
	/* The repeated 01:30 (both of them) is quiet. */
	assert_false(quiet_allowed(utc(2026, 11, 1, 5, 30), NY, S, E));
	assert_false(quiet_allowed(utc(2026, 11, 1, 6, 30), NY, S, E));
	/* Lord Howe's half-hour change, 2026-10-04: 08:00 is +11. */
	assert_int_equal(quiet_next_allowed(utc(2026, 10, 3, 12, 0), "Australia/Lord_Howe", S, E),
			 utc(2026, 10, 3, 21, 0));
}

static void quiet_next_allowed__moves_forward__when_start_is_in_gap(void **state)
{
	/* A 02:30 start does not exist on 2026-03-08 in New York: 03:30 EDT instead. */
	assert_int_equal(quiet_next_allowed(utc(2026, 3, 8, 6, 0), NY, 150, E), utc(2026, 3, 8, 7, 30));
	assert_true(quiet_allowed(utc(2026, 3, 8, 7, 30), NY, 150, E));
}

static void quiet_allowed__wraps__when_window_crosses_midnight(void **state)
{
	/* Allowed 22:00-06:00 (a night line). */
	assert_true(quiet_allowed(utc(2026, 6, 11, 3, 0), NY, 1320, 360));   /* 23:00 */
	assert_true(quiet_allowed(utc(2026, 6, 11, 9, 59), NY, 1320, 360));  /* 05:59 */
	assert_false(quiet_allowed(utc(2026, 6, 11, 10, 0), NY, 1320, 360)); /* 06:00 */
	assert_int_equal(quiet_next_allowed(utc(2026, 6, 11, 16, 0), NY, 1320, 360), utc(2026, 6, 12, 2, 0));
}

static void quiet_allowed__uses_defaults__when_settings_bad(void **state)
{
	int64_t t = utc(2026, 6, 10, 11, 0);	 /* 07:00 New York */
	assert_true(quiet_allowed(t, NY, 0, 0)); /* empty window: no quiet hours */
	assert_true(quiet_allowed(t, NY, 600, 600));
	assert_false(quiet_allowed(t, NY, -5, 1260)); /* out of range: 08:00-21:00 */
	assert_false(quiet_allowed(t, NY, 480, 5000));
	assert_true(quiet_allowed(t, NY, 0, 1440));
	/* Unknown zones are read as UTC. */
	assert_true(quiet_allowed(t, "Nowhere/City", S, E)); /* 11:00 UTC */
	assert_true(quiet_allowed(t, NULL, S, E));
	assert_false(quiet_allowed(utc(2026, 6, 10, 22, 0), "../../etc/passwd", S, E));
	assert_int_equal(quiet_next_allowed(utc(2026, 6, 10, 22, 0), "Nowhere/City", S, E),
			 utc(2026, 6, 11, 8, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quiet_allowed__is_half_open__when_at_edges),
	    cmocka_unit_test(quiet_allowed__uses_recipient_zone__when_not_the_clinics),
	    cmocka_unit_test(quiet_next_allowed__returns_t__when_allowed),
	    cmocka_unit_test(quiet_next_allowed__follows_dst__when_clocks_change),
	    cmocka_unit_test(quiet_next_allowed__moves_forward__when_start_is_in_gap),
	    cmocka_unit_test(quiet_allowed__wraps__when_window_crosses_midnight),
	    cmocka_unit_test(quiet_allowed__uses_defaults__when_settings_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
