/* Why a message did not reach the patient, in plain words, from Twilio's error code.
 * Owner: src/failures.c. Pure functions. */
#ifndef SMSDESK_FAILURES_H
#define SMSDESK_FAILURES_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

enum failure_cat {
	FAIL_UNREACHABLE = 0, /* 30003: phone off, out of coverage */
	FAIL_NO_SUCH_NUMBER,  /* 30005 */
	FAIL_LANDLINE,        /* 30006, 21614 */
	FAIL_CARRIER_BLOCKED, /* 30007, 30004 */
	FAIL_CARRIER_ERROR,   /* 30008 */
	FAIL_UNREGISTERED,    /* 30034: the clinic's number is not registered (A2P 10DLC) */
	FAIL_OPTED_OUT,       /* 21610 */
	FAIL_INVALID_NUMBER,  /* 21211 */
	FAIL_OTHER,           /* every other code, and none */
	FAIL_N
};

/* The category of a Twilio error code (0 or unknown: FAIL_OTHER). */
enum failure_cat failures_category(int code);
/* "number unreachable", "landline", "carrier blocked" ... */
const char *failures_title(enum failure_cat c);
/* What to do, in a few words: "call the patient; the phone may be off". */
const char *failures_hint(enum failure_cat c);

/* What was lost, in words: "a reminder for Tue, Dec 8 9:00 AM", "a message", in zone tz. */
void failures_lost(const struct failed_delivery *f, const char *tz, char *buf, size_t len);

/* The follow-ups staff can log, by store name ("called") and words ("called the patient"). */
struct failure_outcome {
	const char *name;
	const char *words;
};
extern const struct failure_outcome FAILURE_OUTCOMES[];
extern const size_t FAILURE_N_OUTCOMES;

#endif
