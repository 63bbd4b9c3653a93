/* Test hooks for the crash-safety tests: the process kills itself (SIGKILL, no cleanup) at a
 * named point when the environment asks for it. A no-op unless SMSDESK_CRASH_AT is set.
 * Owner: src/crash.c */
#ifndef SMSDESK_CRASH_H
#define SMSDESK_CRASH_H

/* Crash points used by src/outbox.c: "after_claim" (row claimed, nothing POSTed),
 * "after_post" (Twilio has the message, its answer not yet looked at) and "before_record"
 * (the SID is known, not yet written to the store).
 *
 * SMSDESK_CRASH_AT=name[,name...]  which points are armed
 * SMSDESK_CRASH_PROB=0.25          chance of dying at each armed hit (default 1)
 * SMSDESK_CRASH_AFTER=N            or: die at the N-th armed hit (1-based), exactly
 */
void crash_point(const char *name);

#endif
