/* Shared by the benchmarks: wall and CPU clocks and the `ratio` lines (our figure against its
 * limit measured in the same run, with the goal), so each bench prints one comparable line.
 * CPU time counts every thread of the process (the in-process simulator too); on a loaded
 * machine it is the steadier of the two figures. Thread CPU counts only the calling thread:
 * smsdesk's own work without the simulator, which stands in for Twilio's servers. */
#ifndef SMSDESK_BENCHUTIL_H
#define SMSDESK_BENCHUTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct bench_clock {
	double wall, cpu, thread; /* seconds: elapsed, process CPU, calling thread's CPU */
};

static inline struct bench_clock bench_now(void)
{
	struct timespec w, c, th;
	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &th);
	struct bench_clock t = {w.tv_sec + w.tv_nsec / 1e9, c.tv_sec + c.tv_nsec / 1e9, th.tv_sec + th.tv_nsec / 1e9};
	return t;
}

/* Time from a to b. */
static inline struct bench_clock bench_since(struct bench_clock a, struct bench_clock b)
{
	struct bench_clock d = {b.wall - a.wall, b.cpu - a.cpu, b.thread - a.thread};
	return d;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of n figures (sorts them). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "ratio what 2.40x (goal <= 3x)" for wall time, and the same by CPU time. */
static inline void bench_ratio(const char *what, struct bench_clock ours, struct bench_clock limit, double goal)
{
	double w = limit.wall > 0 ? ours.wall / limit.wall : 0, c = limit.cpu > 0 ? ours.cpu / limit.cpu : 0;
	printf("ratio %s %.2fx (goal <= %gx)%s\n", what, w, goal, w <= goal ? "" : " MISSED");
	printf("ratio %s(cpu) %.2fx (goal <= %gx)%s\n", what, c, goal, c <= goal ? "" : " MISSED");
}

/* The same by the calling thread's CPU: for benches whose simulator runs in the process. */
static inline void bench_ratio_thread(const char *what, struct bench_clock ours, struct bench_clock limit, double goal)
{
	double t = limit.thread > 0 ? ours.thread / limit.thread : 0;
	printf("ratio %s(thread cpu) %.2fx (goal <= %gx)%s\n", what, t, goal, t <= goal ? "" : " MISSED");
}
#endif
