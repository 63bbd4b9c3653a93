/* Keywords in inbound texts: normalisation, classification against a tenant's auto-responses
 * plus the built-in words the law fixes, "possible opt-out" phrases, reply rendering.
 * Owner: src/keywords.c. Pure functions: no store, no network. */
#ifndef SMSDESK_KEYWORDS_H
#define SMSDESK_KEYWORDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define KEYWORD_MAX 32 /* longest keyword, in bytes, after normalisation */

enum kw_action {
	KW_NONE = 0,     /* conversation: no reply */
	KW_OPT_OUT,      /* STOP family */
	KW_OPT_IN,       /* START, UNSTOP, YES */
	KW_HELP,         /* HELP, INFO */
	KW_CONFIRM,      /* C, CONFIRM */
	KW_RESCHEDULE,   /* R, RESCHEDULE */
	KW_CANCEL_APPT,  /* X */
	KW_CUSTOM,       /* a tenant's own keyword with a reply */
};

struct kw_match {
	enum kw_action action;
	char keyword[KEYWORD_MAX + 1];   /* the normalised keyword matched; "" for KW_NONE */
	const struct auto_response *row; /* the enabled row whose reply applies, or NULL (use the
					  * built-in default); points into the rows passed in */
	bool law;                        /* a built-in word no row can disable */
	bool possible_optout;            /* KW_NONE that reads like a revocation */
	bool twilio_word;                /* the body is exactly one of Twilio's own keywords, so
					  * Twilio answered it (when it sends the confirmations) */
};

/* Normalises a body for matching (malloc'd): Unicode and ASCII spaces trimmed and collapsed
 * to one space, control characters treated as spaces, ASCII upper-cased, trailing . ! ? , ; :
 * and quotes dropped, hyphens and underscores read as spaces ("opt-out" -> "OPT OUT").
 * Invalid UTF-8 bytes become U+FFFD. body NULL reads as "". */
char *keywords_normalize(const char *body);

/* Classifies body against the tenant's rows (store_autoresp_list): the law's words first
 * (opt-out, opt-in, help: never disabled), then the enabled rows. An opt-out word with only
 * courtesy words around it ("stop please", "Please STOP, thanks") is that opt-out word. */
void keywords_classify(const char *body, const struct auto_response *rows, size_t n, struct kw_match *out);

/* Which of Twilio's own keywords body is (KW_OPT_OUT, KW_OPT_IN, KW_HELP), or KW_NONE: the
 * whole body, case-insensitive after trimming whitespace, the way Twilio matches. */
enum kw_action keywords_twilio_word(const char *body);

/* Whether a non-keyword body reads like "please stop texting me", "remove me", "no mas". */
bool keywords_possible_optout(const char *body);

/* Whether a normalised keyword is one of the law's built-in words (and which action). */
bool keywords_is_law_word(const char *normalized, enum kw_action *action);

/* The auto_response action text ("opt_out", ..., "reply") of a class and back. */
const char *keywords_action_name(enum kw_action a);
enum kw_action keywords_action_from_name(const char *action);

/* The built-in reply for a class when no row applies (opt-out, opt-in, help), else NULL. */
const char *keywords_default_reply(enum kw_action a);

/* Replaces {clinicName} and {clinicPhone} in text (malloc'd); other text is kept as is. */
char *keywords_render(const char *text, const char *clinic_name, const char *clinic_phone);

#endif
