/* Failed deliveries in plain words: Twilio's error codes grouped by what the front desk does
 * about them (https://www.twilio.com/docs/api/errors). */
#include <stdio.h>
#include <string.h>
#include "src/failures.h"
#include "src/template.h"

static const struct {
	int code;
	enum failure_cat cat;
} CODES[] = {
	{30003, FAIL_UNREACHABLE},     {30005, FAIL_NO_SUCH_NUMBER}, {30006, FAIL_LANDLINE},
	{21614, FAIL_LANDLINE},        {30007, FAIL_CARRIER_BLOCKED}, {30004, FAIL_CARRIER_BLOCKED},
	{30008, FAIL_CARRIER_ERROR},   {30034, FAIL_UNREGISTERED},    {21610, FAIL_OPTED_OUT},
	{21211, FAIL_INVALID_NUMBER},
};

static const struct {
	const char *title, *hint;
} WORDS[FAIL_N] = {
	[FAIL_UNREACHABLE] = {"number unreachable", "phone off or out of coverage: call the patient"},
	[FAIL_NO_SUCH_NUMBER] = {"number does not exist", "ask the patient for their mobile number"},
	[FAIL_LANDLINE] = {"landline", "cannot take texts: call, and ask for a mobile number"},
	[FAIL_CARRIER_BLOCKED] = {"carrier blocked", "the carrier filtered it: call the patient"},
	[FAIL_CARRIER_ERROR] = {"carrier error", "the carrier gave no reason: call the patient"},
	[FAIL_UNREGISTERED] = {"clinic number not registered", "tell an admin: the sending number needs A2P 10DLC registration"},
	[FAIL_OPTED_OUT] = {"patient opted out", "texts are blocked until the patient replies START: call instead"},
	[FAIL_INVALID_NUMBER] = {"invalid number", "correct the patient's mobile number"},
	[FAIL_OTHER] = {"other", "see Twilio's error text; call the patient"},
};

const struct failure_outcome FAILURE_OUTCOMES[] = {
	{"called", "called the patient"},
	{"wrong_number", "wrong number: mobile updated"},
	{"voicemail", "left a voicemail"},
	{"resent", "sent again"},
	{"dismissed", "nothing to do"},
};
const size_t FAILURE_N_OUTCOMES = sizeof(FAILURE_OUTCOMES) / sizeof(FAILURE_OUTCOMES[0]);

enum failure_cat failures_category(int code)
{
	for (size_t i = 0; i < sizeof(CODES) / sizeof(CODES[0]); i++) {
		if (CODES[i].code == code)
			return CODES[i].cat;
	}
	return FAIL_OTHER;
}

const char *failures_title(enum failure_cat c)
{
	return (unsigned)c < FAIL_N ? WORDS[c].title : WORDS[FAIL_OTHER].title;
}

const char *failures_hint(enum failure_cat c)
{
	return (unsigned)c < FAIL_N ? WORDS[c].hint : WORDS[FAIL_OTHER].hint;
}

/* The message type in words, with its article. */
static const char *type_words(const char *type)
{
	static const struct {
		const char *type, *words;
	} T[] = {
		{"reminder", "a reminder"}, {"conversation", "a message"}, {"auto_reply", "an automatic reply"},
		{"optout_confirm", "an opt-out confirmation"}, {"optin_confirm", "an opt-in confirmation"},
		{"help", "a help reply"}, {"campaign", "a campaign message"},
	};
	for (size_t i = 0; type != NULL && i < sizeof(T) / sizeof(T[0]); i++) {
		if (strcmp(type, T[i].type) == 0)
			return T[i].words;
	}
	return "a message";
}

void failures_lost(const struct failed_delivery *f, const char *tz, char *buf, size_t len)
{
	if (f->appt_starts_at == 0) {
		snprintf(buf, len, "%s", type_words(f->message_type));
		return;
	}
	char day[32], time[32];
	template_format_date(f->appt_starts_at, tz, day, sizeof(day));
	template_format_time(f->appt_starts_at, tz, time, sizeof(time));
	snprintf(buf, len, "%s for %s %s", type_words(f->message_type), day, time);
}
