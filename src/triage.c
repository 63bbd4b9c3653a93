/* Reply triage: free-text answers to a reminder, read as people write them. The rule is
 * "never guess": a reply counts as one intent only when every word of it is either that
 * intent, a known filler word, or at most two words we do not know; anything mixed, negated,
 * questioning or long goes to a person. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/keywords.h"
#include "src/triage.h"
#include "src/util.h"

#define MAX_TOKENS 48  /* longer replies are never read automatically */
#define TOKEN_MAX 24   /* bytes; longer words read as unknown */
#define MAX_UNKNOWN 2  /* words outside the table a reply may hold and still be read */
#define NEG_WINDOW 4   /* a negation reaches this many words ahead */

/* What a phrase of the table means. */
enum cls {
	K_FILLER,   /* greetings, thanks, names of days: neutral */
	K_STRONG,   /* a confirmation on its own ("confirmed", "see you then", 👍) */
	K_WEAK,     /* "yes", "ok", "sure": a confirmation only when nothing else is asked */
	K_RESCHED,  /* "move it", "another day" */
	K_CANCEL,   /* "can't make it", "cancel my appointment" */
	K_NEG,      /* "not", "don't", "no": flips what follows into "ask a person" */
	K_ATTEND,   /* "come", "make it", "be there": a cancellation after a negation */
	K_BECAUSE,  /* "because": the rest is an explanation and is not read */
	K_QUESTION, /* "what", "when", "dónde": the reply asks something */
};

/* The table. Words are in token form: lower case, accents folded, apostrophes dropped,
 * runs of three or more equal letters as one; emoji as "+up", "+x", "+down". */
static const struct {
	const char *phrase;
	enum cls cls;
} TABLE[] = {
	/* confirmations that stand on their own */
	{"confirm", K_STRONG}, {"confirmed", K_STRONG}, {"confirming", K_STRONG}, {"i confirm", K_STRONG},
	{"confirmd", K_STRONG}, {"confim", K_STRONG}, {"confimed", K_STRONG}, {"confirn", K_STRONG},
	{"comfirm", K_STRONG}, {"comfirmed", K_STRONG}, {"cofirm", K_STRONG}, {"confrim", K_STRONG},
	{"confrimed", K_STRONG}, {"conf", K_STRONG}, {"cnfrm", K_STRONG}, {"cnfm", K_STRONG},
	{"yes confirm", K_STRONG}, {"see you then", K_STRONG}, {"see you there", K_STRONG},
	{"see u then", K_STRONG}, {"see u there", K_STRONG}, {"see you soon", K_STRONG},
	{"see u soon", K_STRONG}, {"see you", K_STRONG}, {"see ya", K_STRONG}, {"c u then", K_STRONG},
	{"will be there", K_STRONG}, {"be there", K_STRONG}, {"ill be there", K_STRONG},
	{"we will be there", K_STRONG}, {"well be there", K_STRONG}, {"will attend", K_STRONG},
	{"sounds good", K_STRONG}, {"sounds great", K_STRONG}, {"count me in", K_STRONG},
	{"looking forward", K_STRONG}, {"all good", K_STRONG}, {"+up", K_STRONG},
	{"confirmo", K_STRONG}, {"confirmado", K_STRONG}, {"confirmada", K_STRONG}, {"ahi estare", K_STRONG},
	{"alli estare", K_STRONG}, {"ahi estaremos", K_STRONG}, {"alli estaremos", K_STRONG},
	{"ahi nos vemos", K_STRONG}, {"nos vemos", K_STRONG}, {"asistire", K_STRONG}, {"si asistire", K_STRONG},
	{"alla estare", K_STRONG}, {"si voy", K_STRONG},
	/* confirmations that yield to any other request */
	{"yes", K_WEAK}, {"yess", K_WEAK}, {"yeah", K_WEAK}, {"yea", K_WEAK}, {"yep", K_WEAK},
	{"yup", K_WEAK}, {"ya", K_WEAK}, {"yah", K_WEAK}, {"yas", K_WEAK}, {"ye", K_WEAK}, {"yse", K_WEAK},
	{"ys", K_WEAK}, {"yesir", K_WEAK}, {"yessir", K_WEAK}, {"ok", K_WEAK}, {"okay", K_WEAK},
	{"okey", K_WEAK}, {"okie", K_WEAK}, {"oki", K_WEAK}, {"k", K_WEAK}, {"kk", K_WEAK}, {"sure", K_WEAK},
	{"alright", K_WEAK}, {"allright", K_WEAK}, {"aight", K_WEAK}, {"absolutely", K_WEAK},
	{"definitely", K_WEAK}, {"perfect", K_WEAK}, {"fine", K_WEAK}, {"of course", K_WEAK},
	{"no problem", K_WEAK}, {"correct", K_WEAK}, {"affirmative", K_WEAK}, {"will do", K_WEAK},
	{"got it", K_WEAK}, {"noted", K_WEAK}, {"si", K_WEAK}, {"claro", K_WEAK}, {"claro que si", K_WEAK},
	{"por supuesto", K_WEAK}, {"de acuerdo", K_WEAK}, {"vale", K_WEAK}, {"listo", K_WEAK},
	{"perfecto", K_WEAK}, {"esta bien", K_WEAK}, {"correcto", K_WEAK}, {"bien", K_WEAK},
	/* reschedule requests */
	{"reschedule", K_RESCHED}, {"rescheduled", K_RESCHED}, {"rescheduling", K_RESCHED},
	{"re schedule", K_RESCHED}, {"reschedual", K_RESCHED}, {"rescheduel", K_RESCHED},
	{"reshedule", K_RESCHED}, {"rescedule", K_RESCHED}, {"reschdule", K_RESCHED}, {"resched", K_RESCHED},
	{"rebook", K_RESCHED}, {"re book", K_RESCHED}, {"postpone", K_RESCHED}, {"push it back", K_RESCHED},
	{"push back", K_RESCHED}, {"move it", K_RESCHED}, {"move my appointment", K_RESCHED},
	{"move the appointment", K_RESCHED}, {"move appointment", K_RESCHED}, {"move", K_RESCHED},
	{"change it", K_RESCHED}, {"change my appointment", K_RESCHED}, {"change the time", K_RESCHED},
	{"change the date", K_RESCHED}, {"change the day", K_RESCHED}, {"change", K_RESCHED},
	{"different time", K_RESCHED}, {"different day", K_RESCHED}, {"different date", K_RESCHED},
	{"another time", K_RESCHED}, {"another day", K_RESCHED}, {"another date", K_RESCHED},
	{"other day", K_RESCHED}, {"later time", K_RESCHED}, {"later date", K_RESCHED},
	{"earlier time", K_RESCHED}, {"new time", K_RESCHED}, {"new date", K_RESCHED},
	{"can we do", K_RESCHED}, {"could we do", K_RESCHED}, {"switch", K_RESCHED},
	{"reprogramar", K_RESCHED}, {"reprogramarla", K_RESCHED}, {"reagendar", K_RESCHED},
	{"reagendarla", K_RESCHED}, {"cambiar", K_RESCHED}, {"cambiar la cita", K_RESCHED},
	{"cambiar mi cita", K_RESCHED}, {"otro dia", K_RESCHED}, {"otra hora", K_RESCHED},
	{"otro horario", K_RESCHED}, {"otra fecha", K_RESCHED}, {"mover", K_RESCHED}, {"posponer", K_RESCHED},
	/* cancellation requests */
	{"cancel", K_CANCEL}, {"cancel it", K_CANCEL}, {"cancel my appointment", K_CANCEL},
	{"cancel appointment", K_CANCEL}, {"cancel the appointment", K_CANCEL}, {"cancelled", K_CANCEL},
	{"canceled", K_CANCEL}, {"canceling", K_CANCEL}, {"cancelling", K_CANCEL}, {"cancle", K_CANCEL},
	{"cancell", K_CANCEL}, {"cancal", K_CANCEL}, {"need to cancel", K_CANCEL}, {"have to cancel", K_CANCEL},
	{"want to cancel", K_CANCEL}, {"wanna cancel", K_CANCEL}, {"please cancel", K_CANCEL},
	{"not coming", K_CANCEL}, {"not going to make it", K_CANCEL}, {"not gonna make it", K_CANCEL},
	{"+x", K_CANCEL}, {"cancelar", K_CANCEL}, {"cancelo", K_CANCEL}, {"cancelar la cita", K_CANCEL},
	{"cancelar mi cita", K_CANCEL}, {"cancela", K_CANCEL},
	/* negations, what they turn into a cancellation, and "because" */
	{"not", K_NEG}, {"dont", K_NEG}, {"do not", K_NEG}, {"cant", K_NEG}, {"cannot", K_NEG},
	{"can not", K_NEG}, {"wont", K_NEG}, {"will not", K_NEG}, {"unable", K_NEG}, {"didnt", K_NEG},
	{"doesnt", K_NEG}, {"never", K_NEG}, {"no", K_NEG}, {"nope", K_NEG}, {"nah", K_NEG}, {"nunca", K_NEG},
	{"+down", K_NEG},
	{"make it", K_ATTEND}, {"come", K_ATTEND}, {"come in", K_ATTEND}, {"attend", K_ATTEND},
	{"be there", K_ATTEND}, {"go", K_ATTEND}, {"ir", K_ATTEND}, {"asistir", K_ATTEND}, {"llegar", K_ATTEND},
	{"voy a poder", K_ATTEND}, {"podre ir", K_ATTEND}, {"voy a ir", K_ATTEND},
	{"because", K_BECAUSE}, {"bc", K_BECAUSE}, {"cuz", K_BECAUSE}, {"coz", K_BECAUSE},
	{"porque", K_BECAUSE},
	/* filler */
	{"i", K_FILLER}, {"im", K_FILLER}, {"ill", K_FILLER}, {"id", K_FILLER}, {"ive", K_FILLER},
	{"we", K_FILLER}, {"well", K_FILLER}, {"will", K_FILLER}, {"be", K_FILLER}, {"able", K_FILLER},
	{"to", K_FILLER}, {"the", K_FILLER}, {"a", K_FILLER}, {"an", K_FILLER}, {"my", K_FILLER},
	{"me", K_FILLER}, {"you", K_FILLER}, {"u", K_FILLER}, {"your", K_FILLER}, {"it", K_FILLER},
	{"its", K_FILLER}, {"is", K_FILLER}, {"at", K_FILLER}, {"on", K_FILLER}, {"for", K_FILLER},
	{"that", K_FILLER}, {"this", K_FILLER}, {"of", K_FILLER}, {"and", K_FILLER}, {"so", K_FILLER},
	{"much", K_FILLER}, {"very", K_FILLER}, {"just", K_FILLER}, {"thanks", K_FILLER}, {"thank", K_FILLER},
	{"thank you", K_FILLER}, {"thankyou", K_FILLER}, {"thx", K_FILLER}, {"ty", K_FILLER},
	{"tysm", K_FILLER}, {"please", K_FILLER}, {"pls", K_FILLER}, {"plz", K_FILLER}, {"hi", K_FILLER},
	{"hello", K_FILLER}, {"hey", K_FILLER}, {"dr", K_FILLER}, {"doctor", K_FILLER}, {"doc", K_FILLER},
	{"appointment", K_FILLER}, {"appt", K_FILLER}, {"time", K_FILLER}, {"then", K_FILLER},
	{"great", K_FILLER}, {"good", K_FILLER}, {"all", K_FILLER}, {"set", K_FILLER}, {"need", K_FILLER},
	{"have", K_FILLER}, {"nice", K_FILLER}, {"day", K_FILLER}, {"morning", K_FILLER},
	{"afternoon", K_FILLER}, {"tomorrow", K_FILLER}, {"tmrw", K_FILLER}, {"today", K_FILLER},
	{"monday", K_FILLER}, {"tuesday", K_FILLER}, {"wednesday", K_FILLER}, {"thursday", K_FILLER},
	{"friday", K_FILLER}, {"saturday", K_FILLER}, {"sunday", K_FILLER}, {"mon", K_FILLER},
	{"tue", K_FILLER}, {"tues", K_FILLER}, {"wed", K_FILLER}, {"thu", K_FILLER}, {"thurs", K_FILLER},
	{"fri", K_FILLER}, {"am", K_FILLER}, {"pm", K_FILLER}, {"oclock", K_FILLER}, {"instead", K_FILLER},
	{"please and thank you", K_FILLER}, {"gracias", K_FILLER}, {"muchas", K_FILLER}, {"hola", K_FILLER},
	{"buenos", K_FILLER}, {"buenas", K_FILLER}, {"dias", K_FILLER}, {"tardes", K_FILLER},
	{"la", K_FILLER}, {"el", K_FILLER}, {"mi", K_FILLER}, {"cita", K_FILLER}, {"de", K_FILLER},
	{"en", K_FILLER}, {"y", K_FILLER}, {"lo", K_FILLER}, {"que", K_FILLER}, {"muy", K_FILLER},
	{"por favor", K_FILLER}, {"puedo", K_FILLER}, {"hoy", K_FILLER}, {"manana", K_FILLER},
	{"quiero", K_FILLER}, {"necesito", K_FILLER}, {"doctora", K_FILLER}, {"+other", K_FILLER},
	{"can", K_FILLER}, {"we can", K_FILLER}, {"can we", K_FILLER}, {"could", K_FILLER},
	{"please confirm", K_STRONG}, {"okk", K_WEAK}, {"sure thing", K_WEAK}, {"surely", K_WEAK},
	{"what", K_QUESTION}, {"whats", K_QUESTION}, {"when", K_QUESTION}, {"where", K_QUESTION},
	{"wheres", K_QUESTION}, {"which", K_QUESTION}, {"who", K_QUESTION}, {"whos", K_QUESTION},
	{"why", K_QUESTION}, {"how", K_QUESTION}, {"donde", K_QUESTION}, {"cuando", K_QUESTION},
	{"cual", K_QUESTION}, {"quien", K_QUESTION}, {"como", K_QUESTION}, {"cuanto", K_QUESTION},
};
#define TABLE_N (sizeof(TABLE) / sizeof(TABLE[0]))

/* Codes that count only as the whole message ("C", "Y", "1" ...): inside a sentence a lone
 * letter or digit means something else. */
static const struct {
	const char *word;
	enum triage_intent intent;
} CODES[] = {
	{"c", TRIAGE_CONFIRM}, {"y", TRIAGE_CONFIRM}, {"1", TRIAGE_CONFIRM},
	{"r", TRIAGE_RESCHEDULE}, {"x", TRIAGE_CANCEL},
};

struct tokens {
	char w[MAX_TOKENS][TOKEN_MAX + 1];
	size_t n;
	bool question;  /* a '?' anywhere */
	bool too_long;  /* more words than MAX_TOKENS */
	bool unreadable; /* held characters that are neither words nor ASCII marks */
};

size_t triage_table_size(void)
{
	return TABLE_N + sizeof(CODES) / sizeof(CODES[0]);
}

const char *triage_intent_name(enum triage_intent i)
{
	switch (i) {
	case TRIAGE_CONFIRM: return "confirm";
	case TRIAGE_RESCHEDULE: return "reschedule";
	case TRIAGE_CANCEL: return "cancel";
	case TRIAGE_UNCLEAR: return "unclear";
	default: return "none";
	}
}

/* Decodes one UTF-8 code point; invalid input gives U+FFFD and consumes one byte. */
static uint32_t next_cp(const unsigned char *p, size_t n, size_t *used)
{
	*used = 1;
	if (p[0] < 0x80)
		return p[0];
	size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
	if (len == 0 || p[0] > 0xF4 || len > n)
		return 0xFFFD;
	uint32_t cp = p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0xFFFD;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*used = len;
	return cp;
}

/* Latin letters with accents folded to ASCII lower case (Spanish, French names); 0 if none. */
static char fold_letter(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return (char)(cp - 'A' + 'a');
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		return (char)cp;
	if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7) {
		static const char map[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"
					  "aaaaaaaceeeeiiiidnooooo ouuuuyty";
		return map[cp - 0xC0];
	}
	return 0;
}

/* The token an emoji stands for, NULL for marks that carry nothing (skin tones, VS16, ZWJ). */
static const char *emoji_token(uint32_t cp)
{
	switch (cp) {
	case 0x1F44D: case 0x1F44C: case 0x2705: case 0x2714: case 0x2611: case 0x1F197:
		return "+up";
	case 0x274C: case 0x2716: case 0x274E:
		return "+x";
	case 0x1F44E:
		return "+down";
	default:
		break;
	}
	if ((cp >= 0x1F3FB && cp <= 0x1F3FF) || cp == 0xFE0F || cp == 0x200D || cp == 0x20E3)
		return NULL;
	if (cp >= 0x2190 && cp != 0xFFFD && !(cp >= 0x3000 && cp <= 0xFEFF))
		return "+other";
	return NULL;
}

/* Adds one finished word (runs of 3+ equal letters folded: "yesss" -> "yes"). */
static void push_word(struct tokens *t, const char *w, size_t len)
{
	if (len == 0)
		return;
	if (t->n == MAX_TOKENS) {
		t->too_long = true;
		return;
	}
	char *out = t->w[t->n++];
	size_t o = 0;
	if (len > TOKEN_MAX) {
		strcpy(out, "#"); /* no word of the table is this long: unknown, never cut to one */
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t r = 1;
		while (i + r < len && w[i + r] == w[i])
			r++;
		for (size_t k = 0; k < (r >= 3 ? 1 : r) && o < TOKEN_MAX; k++)
			out[o++] = w[i];
		i += r;
	}
	out[o] = '\0';
}

/* Splits body into words and emoji tokens; apostrophes join ("can't" -> "cant"). */
static void tokenize(const char *body, struct tokens *t)
{
	memset(t, 0, sizeof(*t));
	const unsigned char *p = (const unsigned char *)body;
	size_t n = strlen(body), wl = 0;
	char word[64];
	for (size_t i = 0; i < n;) {
		size_t used;
		uint32_t cp = next_cp(p + i, n - i, &used);
		i += used;
		char c = fold_letter(cp);
		if (c != 0 && c != ' ') {
			if (wl < sizeof(word))
				word[wl++] = c;
			continue;
		}
		if (cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == '`')
			continue;
		push_word(t, word, wl);
		wl = 0;
		if (cp == '?' || cp == 0xBF)
			t->question = true;
		if ((cp == ',' || cp == '.' || cp == '!' || cp == ';' || cp == ':') && t->n > 0 &&
		    strcmp(t->w[t->n - 1], "|") != 0)
			push_word(t, "|", 1); /* a clause break: negations stop here */
		const char *e = emoji_token(cp);
		if (e != NULL)
			push_word(t, e, strlen(e));
		else if (cp >= 0x80)
			t->unreadable = true;
	}
	push_word(t, word, wl);
	while (t->n > 0 && strcmp(t->w[t->n - 1], "|") == 0)
		t->n--; /* "C." is "C" */
}

/* Whether the table's phrase matches the words from position i; its length in words. */
static size_t phrase_match(const struct tokens *t, size_t i, const char *phrase)
{
	size_t k = i;
	const char *p = phrase;
	while (*p != '\0') {
		const char *sp = strchr(p, ' ');
		size_t len = sp ? (size_t)(sp - p) : strlen(p);
		if (k >= t->n || strlen(t->w[k]) != len || memcmp(t->w[k], p, len) != 0)
			return 0;
		k++;
		p += len + (sp ? 1 : 0);
	}
	return k - i;
}

/* One edit (insert, delete, change, swap two neighbours) between a and b. */
static bool one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb + 1 || lb > la + 1)
		return false;
	size_t i = 0;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	if (i == la && i == lb)
		return true;
	if (la == lb)
		return strcmp(a + i + 1, b + i + 1) == 0 ||
		       (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0);
	return la > lb ? strcmp(a + i + 1, b + i) == 0 : strcmp(a + i, b + i + 1) == 0;
}

/* The longest table phrase at i (its index, *len words), or a one-edit typo of a one-word
 * request of seven letters or more ("confrmed", "reschedle"; shorter words are too close to
 * others: "cancer", "changed"); -1 when none. */
static int best_match(const struct tokens *t, size_t i, size_t *len)
{
	int best = -1;
	*len = 0;
	for (size_t k = 0; k < TABLE_N; k++) {
		size_t m = phrase_match(t, i, TABLE[k].phrase);
		if (m > *len) {
			*len = m;
			best = (int)k;
		}
	}
	if (best >= 0 || strlen(t->w[i]) < 6)
		return best;
	for (size_t k = 0; k < TABLE_N; k++) {
		enum cls c = TABLE[k].cls;
		if ((c == K_STRONG || c == K_RESCHED || c == K_CANCEL) && strchr(TABLE[k].phrase, ' ') == NULL &&
		    strlen(TABLE[k].phrase) >= 7 && one_edit(t->w[i], TABLE[k].phrase)) {
			*len = 1;
			return (int)k;
		}
	}
	return -1;
}

/* What the words add up to. */
struct tally {
	int strong, weak, resched, cancel, unknown, negated;
	bool question;
};

/* A number or a time ("9", "930", "10am", "3pm"): neutral in a sentence. */
static bool is_number(const char *w)
{
	size_t d = strspn(w, "0123456789");
	return d > 0 && (w[d] == '\0' || strcmp(w + d, "am") == 0 || strcmp(w + d, "pm") == 0);
}

/* Whether an attendance phrase ("be there", "make it") starts at i: after a negation it
 * means "will not come", whatever else the same words could mean. */
static bool attend_at(const struct tokens *t, size_t i, size_t *len)
{
	for (size_t k = 0; k < TABLE_N; k++) {
		if (TABLE[k].cls == K_ATTEND && (*len = phrase_match(t, i, TABLE[k].phrase)) > 0)
			return true;
	}
	return false;
}

/* Counts one matched phrase of class c; neg says a negation reaches it. */
static void count_one(struct tally *y, enum cls c, bool neg)
{
	int *slot = NULL;
	switch (c) {
	case K_STRONG: slot = &y->strong; break;
	case K_WEAK: slot = &y->weak; break;
	case K_RESCHED: slot = &y->resched; break;
	case K_CANCEL: slot = &y->cancel; break;
	case K_ATTEND: y->cancel += neg; return; /* "can't come"; "I'll come" alone says nothing */
	case K_QUESTION: y->question = true; return;
	default: return;
	}
	if (neg)
		y->negated++; /* "not confirmed", "no need to cancel": a person reads it */
	else
		(*slot)++;
}

/* Walks the words left to right, longest phrase first, counting each class. */
static void count(const struct tokens *t, struct tally *y)
{
	memset(y, 0, sizeof(*y));
	y->question = t->question;
	size_t neg_until = 0; /* a negation reaches the words before this index */
	for (size_t i = 0; i < t->n;) {
		size_t len = 1;
		if (strcmp(t->w[i], "|") == 0) {
			neg_until = 0;
			i++;
			continue;
		}
		if (is_number(t->w[i])) {
			i++;
			continue;
		}
		bool neg = i < neg_until;
		if (neg && attend_at(t, i, &len)) {
			y->cancel++;
			neg_until = 0; /* one negation negates one thing: "can't come, can I rebook" */
			i += len;
			continue;
		}
		int k = best_match(t, i, &len);
		if (k < 0) {
			y->unknown++;
			i++;
			continue;
		}
		if (TABLE[k].cls == K_BECAUSE)
			return; /* the reason is not read */
		if (TABLE[k].cls == K_NEG) {
			neg_until = i + len + NEG_WINDOW;
		} else {
			count_one(y, TABLE[k].cls, neg);
			if (neg && TABLE[k].cls != K_FILLER && TABLE[k].cls != K_QUESTION)
				neg_until = 0;
		}
		i += len;
	}
}

/* Sets the result. */
static void set(struct triage_result *out, enum triage_intent i, const char *why)
{
	out->intent = i;
	out->why = why;
}

/* The whole-message checks: empty, the law's keywords, one-letter codes, opt-out phrases. */
static bool whole_message(const char *body, const struct tokens *t, struct triage_result *out)
{
	/* The same reading the inbound processor gives the law's words ("Stop.", "cancel please"). */
	struct kw_match m;
	keywords_classify(body, NULL, 0, &m);
	bool is_law = m.law && strcmp(m.keyword, "YES") != 0;
	if (is_law) {
		set(out, TRIAGE_NONE, "a keyword the law defines (opt-out, opt-in, help)");
		return true;
	}
	if (t->n == 0) {
		bool person = t->question || t->unreadable;
		set(out, person ? TRIAGE_UNCLEAR : TRIAGE_NONE, person ? "nothing we can read" : "no words");
		return true;
	}
	if (t->n == 1) {
		for (size_t i = 0; i < sizeof(CODES) / sizeof(CODES[0]); i++) {
			if (strcmp(t->w[0], CODES[i].word) == 0) {
				set(out, CODES[i].intent, "the reminder's reply code");
				return true;
			}
		}
	}
	if (keywords_possible_optout(body)) {
		set(out, TRIAGE_UNCLEAR, "may be an opt-out: a person decides");
		return true;
	}
	if (t->too_long) {
		set(out, TRIAGE_UNCLEAR, "too long to read automatically");
		return true;
	}
	return false;
}

void triage_classify(const char *body, struct triage_result *out)
{
	struct tokens t;
	struct tally y;
	if (body == NULL)
		body = "";
	tokenize(body, &t);
	if (whole_message(body, &t, out))
		return;
	count(&t, &y);
	int asks = (y.resched > 0) + (y.cancel > 0);
	if (y.unknown > MAX_UNKNOWN)
		set(out, TRIAGE_UNCLEAR, "says more than a yes or no");
	else if (y.negated > 0 && asks == 0)
		set(out, TRIAGE_UNCLEAR, "a negated answer");
	else if (y.strong > 0 && asks > 0)
		set(out, TRIAGE_UNCLEAR, "mixes a confirmation with a request");
	else if (y.resched > 0)
		set(out, TRIAGE_RESCHEDULE, "asks to reschedule"); /* "can't make it, can we move it" too */
	else if (y.cancel > 0)
		set(out, TRIAGE_CANCEL, "asks to cancel");
	else if (y.strong + y.weak == 0)
		set(out, TRIAGE_UNCLEAR, "no answer we can read");
	else if (y.question)
		set(out, TRIAGE_UNCLEAR, "asks a question");
	else
		set(out, TRIAGE_CONFIRM, "reads as a confirmation");
}
