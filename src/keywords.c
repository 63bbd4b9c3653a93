/* Keywords in inbound texts: what a patient's message means, decided the way carriers do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/keywords.h"
#include "src/util.h"

#define REPLACEMENT 0xFFFDu

/* The law's words (FCC 24-18, CTIA, Twilio Advanced Opt-Out): no tenant row can disable them. */
static const struct {
	const char *word;
	enum kw_action action;
} LAW_WORDS[] = {
	{"STOP", KW_OPT_OUT},   {"STOPALL", KW_OPT_OUT}, {"UNSUBSCRIBE", KW_OPT_OUT}, {"CANCEL", KW_OPT_OUT},
	{"END", KW_OPT_OUT},    {"QUIT", KW_OPT_OUT},    {"REVOKE", KW_OPT_OUT},      {"OPTOUT", KW_OPT_OUT},
	{"OPT OUT", KW_OPT_OUT}, {"START", KW_OPT_IN},   {"UNSTOP", KW_OPT_IN},       {"YES", KW_OPT_IN},
	{"HELP", KW_HELP},      {"INFO", KW_HELP},
};

/* Phrases that may be a revocation "by any reasonable means" (matched as whole words in the
 * phrase form: upper case, apostrophes dropped, accents folded, punctuation as spaces). */
static const char *const OPTOUT_PHRASES[] = {
	"STOP",         "STOPALL",       "UNSUBSCRIBE",      "OPTOUT",          "OPT OUT",
	"OPT ME OUT",   "REVOKE",        "REMOVE ME",        "REMOVE MY NUMBER", "TAKE ME OFF",
	"NO MORE",      "DONT TEXT",     "DO NOT TEXT",      "DONT MESSAGE",    "DO NOT MESSAGE",
	"DONT CONTACT", "DO NOT CONTACT", "DONT SEND",       "DO NOT SEND",     "LEAVE ME ALONE",
	"QUIT TEXTING", "QUIT SENDING",  "WRONG NUMBER",     "NO MAS",          "NO MANDEN",
	"NO ME ENVIEN", "NO ME MANDEN",  "BASTA",
};

/* Twilio's own default keywords (Advanced Opt-Out on long codes). Twilio answers, and blocks
 * or unblocks, only when the whole body is one of them, case-insensitive after trimming
 * whitespace: "Stop." and "opt out" reach us unanswered, so smsdesk must confirm those. */
static const struct {
	const char *word;
	enum kw_action action;
} TWILIO_WORDS[] = {
	{"STOP", KW_OPT_OUT}, {"STOPALL", KW_OPT_OUT}, {"UNSUBSCRIBE", KW_OPT_OUT}, {"CANCEL", KW_OPT_OUT},
	{"END", KW_OPT_OUT},  {"QUIT", KW_OPT_OUT},    {"REVOKE", KW_OPT_OUT},      {"OPTOUT", KW_OPT_OUT},
	{"START", KW_OPT_IN}, {"UNSTOP", KW_OPT_IN},   {"YES", KW_OPT_IN},          {"HELP", KW_HELP},
	{"INFO", KW_HELP},
};

/* Words of courtesy around a STOP word: "stop please", "Please, STOP.", "stop now thanks"
 * still say STOP (in the phrase form; "THANK YOU" is two words). */
static const char *const COURTESY[] = {"PLEASE", "PLS", "PLZ", "THANKS", "THANK", "YOU", "THX", "TY", "NOW", "OK",
				       "OKAY"};

static const char *const ACTION_NAMES[] = {
	[KW_NONE] = "none",       [KW_OPT_OUT] = "opt_out",       [KW_OPT_IN] = "opt_in",
	[KW_HELP] = "help",       [KW_CONFIRM] = "confirm",       [KW_RESCHEDULE] = "reschedule",
	[KW_CANCEL_APPT] = "cancel", [KW_CUSTOM] = "reply",
};

/* Built-in texts for when a tenant has no usable row; same words as the seeded defaults. */
static const char DEFAULT_OPTOUT[] = "You have been unsubscribed from {clinicName} texts and will receive no "
				     "more messages. Reply START to resubscribe.";
static const char DEFAULT_OPTIN[] = "You are resubscribed to {clinicName} texts. Reply HELP for help, STOP to opt out.";
static const char DEFAULT_HELP[] = "{clinicName}: appointment texts. Help: call {clinicPhone}. Reply STOP to opt "
				   "out. Msg & data rates may apply.";

/* Decodes one UTF-8 code point at p (n bytes left); invalid or overlong input gives U+FFFD
 * and consumes one byte, so hostile bytes can never hide a keyword or run past the end. */
static uint32_t utf8_next(const unsigned char *p, size_t n, size_t *used)
{
	*used = 1;
	if (p[0] < 0x80)
		return p[0];
	size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
	if (len == 0 || p[0] > 0xF4 || len > n)
		return REPLACEMENT;
	uint32_t cp = p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return REPLACEMENT;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return REPLACEMENT;
	*used = len;
	return cp;
}

/* Appends cp as UTF-8 to out (room for 4 bytes is the caller's). */
static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Spaces of every kind, control characters (escape sequences lose their ESC), zero-width
 * spaces and the separators people put in "opt-out" / "opt_out". */
static bool is_space_like(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return true;
	switch (cp) {
	case ' ': case '-': case '_': case 0xA0: case 0x1680: case 0x180E: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000: case 0xFEFF: case 0x200B: case 0x2060:
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

/* Trailing marks dropped before matching: "Stop." "STOP!!" "stop?" "“Stop”". */
static bool is_trailing_mark(uint32_t cp)
{
	return cp == '.' || cp == '!' || cp == '?' || cp == ',' || cp == ';' || cp == ':' || cp == '"' ||
	       cp == '\'' || cp == 0x2026 || cp == 0x201D || cp == 0x2019 || cp == 0x00A1 || cp == 0x00BF;
}

/* Length of s without trailing marks and spaces (s is already collapsed UTF-8). */
static size_t strip_trailing(const char *s, size_t len)
{
	while (len > 0) {
		size_t start = len - 1;
		while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80)
			start--;
		size_t used;
		uint32_t cp = utf8_next((const unsigned char *)s + start, len - start, &used);
		if (start + used != len)
			break; /* a broken tail: keep it, it is not a mark */
		if (cp != ' ' && !is_trailing_mark(cp))
			break;
		len = start;
	}
	return len;
}

char *keywords_normalize(const char *body)
{
	if (body == NULL)
		body = "";
	const unsigned char *p = (const unsigned char *)body;
	size_t n = strlen(body);
	/* Each input byte yields at most 3 output bytes (U+FFFD) plus one space. */
	char *out = xmalloc(n * 4 + 1);
	size_t o = 0;
	bool pending_space = false;
	for (size_t i = 0; i < n;) {
		size_t used;
		uint32_t cp = utf8_next(p + i, n - i, &used);
		i += used;
		if (is_space_like(cp)) {
			pending_space = o > 0;
			continue;
		}
		if (pending_space)
			out[o++] = ' ';
		pending_space = false;
		if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		o += utf8_put(cp, out + o);
	}
	o = strip_trailing(out, o);
	out[o] = '\0';
	return out;
}

/* Folds the Latin letters Spanish speakers use (á é í ó ú ü ñ) to ASCII upper case. */
static char fold_latin(uint32_t cp)
{
	switch (cp) {
	case 0xE1: case 0xC1: return 'A';
	case 0xE9: case 0xC9: return 'E';
	case 0xED: case 0xCD: return 'I';
	case 0xF3: case 0xD3: return 'O';
	case 0xFA: case 0xDA: case 0xFC: case 0xDC: return 'U';
	case 0xF1: case 0xD1: return 'N';
	default: return 0;
	}
}

/* The phrase form: " WORD WORD " (padded), letters and digits only, apostrophes dropped. */
static char *phrase_form(const char *normalized)
{
	const unsigned char *p = (const unsigned char *)normalized;
	size_t n = strlen(normalized);
	char *out = xmalloc(n + 3);
	size_t o = 0;
	out[o++] = ' ';
	for (size_t i = 0; i < n;) {
		size_t used;
		uint32_t cp = utf8_next(p + i, n - i, &used);
		i += used;
		char c = 0;
		if ((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))
			c = (char)cp;
		else if (cp == '\'' || cp == 0x2019 || cp == 0x2018)
			continue;
		else
			c = fold_latin(cp);
		if (c == 0) {
			if (out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		out[o++] = c;
	}
	if (out[o - 1] != ' ')
		out[o++] = ' ';
	out[o] = '\0';
	return out;
}

/* Whether the phrase form (words between single spaces, a space at each end) holds phrase
 * as whole words: strstr of " phrase " without building that pattern for every phrase. */
static bool has_phrase(const char *form, const char *phrase)
{
	size_t len = strlen(phrase);
	for (const char *p = strstr(form + 1, phrase); p != NULL; p = strstr(p + 1, phrase))
		if (p[-1] == ' ' && p[len] == ' ')
			return true;
	return false;
}

/* keywords_possible_optout of a body already normalized (keywords_normalize). */
static bool possible_optout_normalized(const char *norm)
{
	char *form = phrase_form(norm);
	bool hit = false;
	for (size_t i = 0; !hit && i < sizeof(OPTOUT_PHRASES) / sizeof(OPTOUT_PHRASES[0]); i++)
		hit = has_phrase(form, OPTOUT_PHRASES[i]);
	free(form);
	return hit;
}

bool keywords_possible_optout(const char *body)
{
	char *norm = keywords_normalize(body);
	bool hit = possible_optout_normalized(norm);
	free(norm);
	return hit;
}

enum kw_action keywords_twilio_word(const char *body)
{
	static const char WS[] = " \t\r\n";
	if (body == NULL)
		return KW_NONE;
	body += strspn(body, WS);
	size_t len = strlen(body);
	while (len > 0 && strchr(WS, body[len - 1]) != NULL)
		len--;
	for (size_t i = 0; i < sizeof(TWILIO_WORDS) / sizeof(TWILIO_WORDS[0]); i++) {
		if (strlen(TWILIO_WORDS[i].word) == len && strncasecmp(body, TWILIO_WORDS[i].word, len) == 0)
			return TWILIO_WORDS[i].action;
	}
	return KW_NONE;
}

/* Whether word (len bytes) is a courtesy word. */
static bool is_courtesy(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof(COURTESY) / sizeof(COURTESY[0]); i++)
		if (strlen(COURTESY[i]) == len && memcmp(COURTESY[i], word, len) == 0)
			return true;
	return false;
}

/* An opt-out law word with only courtesy words around it ("stop please"): the word, in
 * out (KEYWORD_MAX + 1 bytes), and true. The message as a whole says STOP, so it is
 * honoured as one; longer sentences stay "possible opt-out" for staff. */
static bool courteous_optout(const char *normalized, char *out)
{
	char *form = phrase_form(normalized);
	char rest[KEYWORD_MAX + 1] = "";
	size_t r = 0;
	bool dropped = false, fits = true;
	for (char *w = form; *w != '\0' && fits;) {
		w += strspn(w, " ");
		size_t len = strcspn(w, " ");
		if (len == 0)
			break;
		if (is_courtesy(w, len)) {
			dropped = true;
		} else if (r + (r > 0) + len <= KEYWORD_MAX) {
			if (r > 0)
				rest[r++] = ' ';
			memcpy(rest + r, w, len);
			r += len;
			rest[r] = '\0';
		} else {
			fits = false;
		}
		w += len;
	}
	free(form);
	enum kw_action a = KW_NONE;
	if (!fits || !dropped || !keywords_is_law_word(rest, &a) || a != KW_OPT_OUT)
		return false;
	snprintf(out, KEYWORD_MAX + 1, "%s", rest);
	return true;
}

bool keywords_is_law_word(const char *normalized, enum kw_action *action)
{
	for (size_t i = 0; i < sizeof(LAW_WORDS) / sizeof(LAW_WORDS[0]); i++) {
		if (strcmp(normalized, LAW_WORDS[i].word) == 0) {
			if (action != NULL)
				*action = LAW_WORDS[i].action;
			return true;
		}
	}
	return false;
}

const char *keywords_action_name(enum kw_action a)
{
	if ((unsigned)a >= sizeof(ACTION_NAMES) / sizeof(ACTION_NAMES[0]))
		return "none";
	return ACTION_NAMES[a];
}

enum kw_action keywords_action_from_name(const char *action)
{
	if (action == NULL)
		return KW_NONE;
	for (size_t i = 1; i < sizeof(ACTION_NAMES) / sizeof(ACTION_NAMES[0]); i++) {
		if (strcmp(action, ACTION_NAMES[i]) == 0)
			return (enum kw_action)i;
	}
	return KW_NONE;
}

const char *keywords_default_reply(enum kw_action a)
{
	switch (a) {
	case KW_OPT_OUT: return DEFAULT_OPTOUT;
	case KW_OPT_IN: return DEFAULT_OPTIN;
	case KW_HELP: return DEFAULT_HELP;
	default: return NULL;
	}
}

/* The row whose reply a law word uses: its own enabled row, else an enabled system row of
 * the same action (STOP's text for "OPT OUT"), else NULL (the built-in default). */
static const struct auto_response *law_row(const char *kw, enum kw_action action, const struct auto_response *rows,
					   size_t n)
{
	const struct auto_response *same_action = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].enabled || keywords_action_from_name(rows[i].action) != action)
			continue;
		if (strcmp(rows[i].keyword, kw) == 0)
			return &rows[i];
		if (same_action == NULL && rows[i].is_system)
			same_action = &rows[i];
	}
	return same_action;
}

void keywords_classify(const char *body, const struct auto_response *rows, size_t n, struct kw_match *out)
{
	memset(out, 0, sizeof(*out));
	out->twilio_word = keywords_twilio_word(body) != KW_NONE;
	char *whole = keywords_normalize(body), polite[KEYWORD_MAX + 1];
	const char *norm = courteous_optout(whole, polite) ? polite : whole;
	if (strlen(norm) <= KEYWORD_MAX && norm[0] != '\0') {
		enum kw_action law;
		if (keywords_is_law_word(norm, &law)) {
			out->action = law;
			out->law = true;
			out->row = law_row(norm, law, rows, n);
		} else {
			for (size_t i = 0; i < n; i++) {
				if (rows[i].enabled && rows[i].keyword != NULL && strcmp(rows[i].keyword, norm) == 0) {
					out->action = keywords_action_from_name(rows[i].action);
					out->row = out->action == KW_NONE ? NULL : &rows[i];
					break;
				}
			}
		}
		if (out->action != KW_NONE)
			snprintf(out->keyword, sizeof(out->keyword), "%s", norm);
	}
	if (out->action == KW_NONE)
		out->possible_optout = possible_optout_normalized(whole);
	free(whole);
}

/* Appends src[0..len) to the growing buffer. */
static void buf_add(char **buf, size_t *len, size_t *cap, const char *src, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, src, n);
	*len += n;
	(*buf)[*len] = '\0';
}

char *keywords_render(const char *text, const char *clinic_name, const char *clinic_phone)
{
	static const char NAME[] = "{clinicName}", PHONE[] = "{clinicPhone}";
	size_t len = 0, cap = 0;
	char *buf = NULL;
	buf_add(&buf, &len, &cap, "", 0);
	for (const char *p = text ? text : ""; *p != '\0';) {
		if (strncmp(p, NAME, sizeof(NAME) - 1) == 0) {
			const char *v = clinic_name ? clinic_name : "";
			buf_add(&buf, &len, &cap, v, strlen(v));
			p += sizeof(NAME) - 1;
		} else if (strncmp(p, PHONE, sizeof(PHONE) - 1) == 0) {
			const char *v = clinic_phone ? clinic_phone : "";
			buf_add(&buf, &len, &cap, v, strlen(v));
			p += sizeof(PHONE) - 1;
		} else {
			buf_add(&buf, &len, &cap, p, 1);
			p++;
		}
	}
	return buf;
}
