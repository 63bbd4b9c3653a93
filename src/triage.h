/* Reply triage: what a patient's free-text answer to a reminder asks for, read the way people
 * write ("yes!", "👍", "see you then", "can we move it", "I can't make it", "sí, confirmo").
 * Never guesses: anything not clearly one intent is TRIAGE_UNCLEAR, for a person to decide.
 * Owner: src/triage.c. Pure functions: no store, no network. */
#ifndef SMSDESK_TRIAGE_H
#define SMSDESK_TRIAGE_H
#include <stddef.h>

enum triage_intent {
	TRIAGE_NONE = 0,   /* not for triage: empty, or a law keyword (STOP, HELP ...) keywords.c owns */
	TRIAGE_CONFIRM,    /* "yes", "C", "👍", "see you then", "confirmo" */
	TRIAGE_RESCHEDULE, /* "R", "can we move it", "reschedule", "otro día" */
	TRIAGE_CANCEL,     /* "X", "I can't make it", "cancel my appointment" */
	TRIAGE_UNCLEAR,    /* anything else: the needs-human lane */
};

struct triage_result {
	enum triage_intent intent;
	const char *why; /* static plain words: "reads as a confirmation", "asks a question" ... */
};

/* Reads body (untrusted UTF-8, NULL reads as "") and says what it asks for. Case, accents,
 * punctuation, repeated letters ("yesss"), emoji skin tones and common typos are folded;
 * a whole message that is a law keyword (STOP, CANCEL, HELP, START ...) is TRIAGE_NONE. */
void triage_classify(const char *body, struct triage_result *out);

/* "confirm", "reschedule", "cancel", "unclear", "none". */
const char *triage_intent_name(enum triage_intent i);

/* How many phrases the triage table holds (for the notes and the tests). */
size_t triage_table_size(void);

#endif
