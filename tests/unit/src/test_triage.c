/* Tests for src/triage.c: a few hundred replies as patients write them (typos, emoji, Spanish),
 * each with what a person at the desk would read in it. The classifier may send a clear reply
 * to a person (a miss), but must never read a reply as something else (a wrong guess). */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/triage.h"
#include "src/util.h"

static const struct {
	const char *text;
	enum triage_intent want;
} REPLIES[] = {
	{"C", TRIAGE_CONFIRM},
	{"c", TRIAGE_CONFIRM},
	{"C.", TRIAGE_CONFIRM},
	{" c ", TRIAGE_CONFIRM},
	{"Y", TRIAGE_CONFIRM},
	{"y", TRIAGE_CONFIRM},
	{"1", TRIAGE_CONFIRM},
	{"YES", TRIAGE_CONFIRM},
	{"Yes", TRIAGE_CONFIRM},
	{"yes", TRIAGE_CONFIRM},
	{"yes!", TRIAGE_CONFIRM},
	{"Yes!!", TRIAGE_CONFIRM},
	{"YES.", TRIAGE_CONFIRM},
	{"yesss", TRIAGE_CONFIRM},
	{"Yesssss!!!", TRIAGE_CONFIRM},
	{"yess", TRIAGE_CONFIRM},
	{"yse", TRIAGE_CONFIRM},
	{"ys", TRIAGE_CONFIRM},
	{"yeah", TRIAGE_CONFIRM},
	{"Yeah!", TRIAGE_CONFIRM},
	{"yea", TRIAGE_CONFIRM},
	{"yep", TRIAGE_CONFIRM},
	{"Yep 👍", TRIAGE_CONFIRM},
	{"yup", TRIAGE_CONFIRM},
	{"ya", TRIAGE_CONFIRM},
	{"yah", TRIAGE_CONFIRM},
	{"ye", TRIAGE_CONFIRM},
	{"yessir", TRIAGE_CONFIRM},
	{"ok", TRIAGE_CONFIRM},
	{"Ok", TRIAGE_CONFIRM},
	{"OK.", TRIAGE_CONFIRM},
	{"okay", TRIAGE_CONFIRM},
	{"Okay!", TRIAGE_CONFIRM},
	{"okey", TRIAGE_CONFIRM},
	{"okie", TRIAGE_CONFIRM},
	{"k", TRIAGE_CONFIRM},
	{"kk", TRIAGE_CONFIRM},
	{"Kk", TRIAGE_CONFIRM},
	{"sure", TRIAGE_CONFIRM},
	{"Sure thing", TRIAGE_CONFIRM},
	{"alright", TRIAGE_CONFIRM},
	{"Alright thanks", TRIAGE_CONFIRM},
	{"absolutely", TRIAGE_CONFIRM},
	{"definitely", TRIAGE_CONFIRM},
	{"perfect", TRIAGE_CONFIRM},
	{"Perfect thank you", TRIAGE_CONFIRM},
	{"fine", TRIAGE_CONFIRM},
	{"of course", TRIAGE_CONFIRM},
	{"no problem", TRIAGE_CONFIRM},
	{"No problem!", TRIAGE_CONFIRM},
	{"correct", TRIAGE_CONFIRM},
	{"will do", TRIAGE_CONFIRM},
	{"got it", TRIAGE_CONFIRM},
	{"Got it, thanks!", TRIAGE_CONFIRM},
	{"noted", TRIAGE_CONFIRM},
	{"👍", TRIAGE_CONFIRM},
	{"👍🏽", TRIAGE_CONFIRM},
	{"👍🏿", TRIAGE_CONFIRM},
	{"👍👍", TRIAGE_CONFIRM},
	{"👌", TRIAGE_CONFIRM},
	{"✅", TRIAGE_CONFIRM},
	{"✔️", TRIAGE_CONFIRM},
	{"☑️", TRIAGE_CONFIRM},
	{"🆗", TRIAGE_CONFIRM},
	{"Yes 👍", TRIAGE_CONFIRM},
	{"yes 😊", TRIAGE_CONFIRM},
	{"confirm", TRIAGE_CONFIRM},
	{"Confirm.", TRIAGE_CONFIRM},
	{"confirmed", TRIAGE_CONFIRM},
	{"Confirmed!", TRIAGE_CONFIRM},
	{"CONFIRMED", TRIAGE_CONFIRM},
	{"confirming", TRIAGE_CONFIRM},
	{"I confirm", TRIAGE_CONFIRM},
	{"confirmd", TRIAGE_CONFIRM},
	{"confim", TRIAGE_CONFIRM},
	{"confrim", TRIAGE_CONFIRM},
	{"comfirm", TRIAGE_CONFIRM},
	{"cofirm", TRIAGE_CONFIRM},
	{"confirn", TRIAGE_CONFIRM},
	{"conf", TRIAGE_CONFIRM},
	{"cnfrm", TRIAGE_CONFIRM},
	{"confirmm", TRIAGE_CONFIRM},
	{"confirmeddd", TRIAGE_CONFIRM},
	{"Yes confirm", TRIAGE_CONFIRM},
	{"Yes, confirmed", TRIAGE_CONFIRM},
	{"yes confirmed thank you", TRIAGE_CONFIRM},
	{"Confirmed, thank you!", TRIAGE_CONFIRM},
	{"confirmed thanks", TRIAGE_CONFIRM},
	{"Confirmed see you then", TRIAGE_CONFIRM},
	{"see you then", TRIAGE_CONFIRM},
	{"See you then!", TRIAGE_CONFIRM},
	{"see u then", TRIAGE_CONFIRM},
	{"See you there", TRIAGE_CONFIRM},
	{"see you soon", TRIAGE_CONFIRM},
	{"See ya", TRIAGE_CONFIRM},
	{"See you tomorrow", TRIAGE_CONFIRM},
	{"see you Tuesday", TRIAGE_CONFIRM},
	{"See you at 9", TRIAGE_CONFIRM},
	{"see you at 9am", TRIAGE_CONFIRM},
	{"c u then", TRIAGE_CONFIRM},
	{"will be there", TRIAGE_CONFIRM},
	{"I will be there", TRIAGE_CONFIRM},
	{"I'll be there", TRIAGE_CONFIRM},
	{"Ill be there", TRIAGE_CONFIRM},
	{"We will be there", TRIAGE_CONFIRM},
	{"we'll be there!", TRIAGE_CONFIRM},
	{"Yes I will be there", TRIAGE_CONFIRM},
	{"yes we'll be there thank you", TRIAGE_CONFIRM},
	{"Yes I'll be there at 9:30", TRIAGE_CONFIRM},
	{"Be there", TRIAGE_CONFIRM},
	{"sounds good", TRIAGE_CONFIRM},
	{"Sounds good, thanks", TRIAGE_CONFIRM},
	{"Sounds great!", TRIAGE_CONFIRM},
	{"Looking forward to it", TRIAGE_CONFIRM},
	{"all good", TRIAGE_CONFIRM},
	{"Yes thank you", TRIAGE_CONFIRM},
	{"Yes thanks", TRIAGE_CONFIRM},
	{"yes thx", TRIAGE_CONFIRM},
	{"Yes ty", TRIAGE_CONFIRM},
	{"Yes please", TRIAGE_CONFIRM},
	{"ok thank you", TRIAGE_CONFIRM},
	{"Ok thanks!", TRIAGE_CONFIRM},
	{"OK see you then", TRIAGE_CONFIRM},
	{"Ok I'll be there", TRIAGE_CONFIRM},
	{"Yes, see you Tuesday morning", TRIAGE_CONFIRM},
	{"Hi yes I confirm", TRIAGE_CONFIRM},
	{"Hello, confirming my appointment", TRIAGE_CONFIRM},
	{"Yes confirm my appointment please", TRIAGE_CONFIRM},
	{"Confirm appointment", TRIAGE_CONFIRM},
	{"Confirmed for tomorrow", TRIAGE_CONFIRM},
	{"yes confirmed for tuesday at 9", TRIAGE_CONFIRM},
	{"Thank you, confirmed", TRIAGE_CONFIRM},
	{"Thanks! See you then", TRIAGE_CONFIRM},
	{"Yes Dr Smith thank you", TRIAGE_CONFIRM},
	{"si", TRIAGE_CONFIRM},
	{"Sí", TRIAGE_CONFIRM},
	{"SI", TRIAGE_CONFIRM},
	{"sí!", TRIAGE_CONFIRM},
	{"Si gracias", TRIAGE_CONFIRM},
	{"sí, gracias", TRIAGE_CONFIRM},
	{"Confirmo", TRIAGE_CONFIRM},
	{"confirmo", TRIAGE_CONFIRM},
	{"Confirmo, gracias", TRIAGE_CONFIRM},
	{"Sí confirmo", TRIAGE_CONFIRM},
	{"confirmado", TRIAGE_CONFIRM},
	{"Confirmada", TRIAGE_CONFIRM},
	{"Claro", TRIAGE_CONFIRM},
	{"claro que sí", TRIAGE_CONFIRM},
	{"Por supuesto", TRIAGE_CONFIRM},
	{"De acuerdo", TRIAGE_CONFIRM},
	{"Vale", TRIAGE_CONFIRM},
	{"Listo", TRIAGE_CONFIRM},
	{"perfecto", TRIAGE_CONFIRM},
	{"Perfecto gracias", TRIAGE_CONFIRM},
	{"Está bien", TRIAGE_CONFIRM},
	{"esta bien gracias", TRIAGE_CONFIRM},
	{"Ahí estaré", TRIAGE_CONFIRM},
	{"alli estare", TRIAGE_CONFIRM},
	{"ahí estaremos", TRIAGE_CONFIRM},
	{"Nos vemos", TRIAGE_CONFIRM},
	{"Nos vemos mañana", TRIAGE_CONFIRM},
	{"Ahí nos vemos", TRIAGE_CONFIRM},
	{"Asistiré", TRIAGE_CONFIRM},
	{"Si asistire", TRIAGE_CONFIRM},
	{"Sí voy", TRIAGE_CONFIRM},
	{"si, ahi estare gracias", TRIAGE_CONFIRM},
	{"Hola sí confirmo mi cita", TRIAGE_CONFIRM},
	{"Buenos días, confirmo", TRIAGE_CONFIRM},
	{"R", TRIAGE_RESCHEDULE},
	{"r", TRIAGE_RESCHEDULE},
	{"R.", TRIAGE_RESCHEDULE},
	{"reschedule", TRIAGE_RESCHEDULE},
	{"Reschedule please", TRIAGE_RESCHEDULE},
	{"RESCHEDULE", TRIAGE_RESCHEDULE},
	{"I need to reschedule", TRIAGE_RESCHEDULE},
	{"I need to reschedule my appointment", TRIAGE_RESCHEDULE},
	{"Can I reschedule?", TRIAGE_RESCHEDULE},
	{"can we reschedule", TRIAGE_RESCHEDULE},
	{"Can we reschedule please", TRIAGE_RESCHEDULE},
	{"I'd like to reschedule", TRIAGE_RESCHEDULE},
	{"i would like to reschedule", TRIAGE_RESCHEDULE},
	{"reschedual", TRIAGE_RESCHEDULE},
	{"rescheduel", TRIAGE_RESCHEDULE},
	{"reshedule", TRIAGE_RESCHEDULE},
	{"rescedule", TRIAGE_RESCHEDULE},
	{"reschdule", TRIAGE_RESCHEDULE},
	{"resched", TRIAGE_RESCHEDULE},
	{"re-schedule", TRIAGE_RESCHEDULE},
	{"Re schedule pls", TRIAGE_RESCHEDULE},
	{"rebook", TRIAGE_RESCHEDULE},
	{"Can I rebook?", TRIAGE_RESCHEDULE},
	{"can we move it", TRIAGE_RESCHEDULE},
	{"Can we move it?", TRIAGE_RESCHEDULE},
	{"can we move it to thursday", TRIAGE_RESCHEDULE},
	{"Can I move my appointment", TRIAGE_RESCHEDULE},
	{"move my appointment please", TRIAGE_RESCHEDULE},
	{"Need to move it", TRIAGE_RESCHEDULE},
	{"need to change it", TRIAGE_RESCHEDULE},
	{"can I change my appointment", TRIAGE_RESCHEDULE},
	{"Can we change the time?", TRIAGE_RESCHEDULE},
	{"Change the date please", TRIAGE_RESCHEDULE},
	{"different time please", TRIAGE_RESCHEDULE},
	{"Can we do a different day?", TRIAGE_RESCHEDULE},
	{"another day please", TRIAGE_RESCHEDULE},
	{"Is another time possible?", TRIAGE_RESCHEDULE},
	{"Can we do Thursday instead?", TRIAGE_RESCHEDULE},
	{"could we do friday", TRIAGE_RESCHEDULE},
	{"can we do 3pm instead", TRIAGE_RESCHEDULE},
	{"Can we push it back?", TRIAGE_RESCHEDULE},
	{"push it back an hour", TRIAGE_RESCHEDULE},
	{"postpone please", TRIAGE_RESCHEDULE},
	{"I can't make it, can we reschedule", TRIAGE_RESCHEDULE},
	{"can't make it can we do another day", TRIAGE_RESCHEDULE},
	{"Cant come tuesday, can we move it?", TRIAGE_RESCHEDULE},
	{"I can't come can I rebook", TRIAGE_RESCHEDULE},
	{"Yes but can we move it to 10", TRIAGE_RESCHEDULE},
	{"ok can we reschedule", TRIAGE_RESCHEDULE},
	{"Need a new time", TRIAGE_RESCHEDULE},
	{"later time please", TRIAGE_RESCHEDULE},
	{"Can we switch to Friday", TRIAGE_RESCHEDULE},
	{"reprogramar", TRIAGE_RESCHEDULE},
	{"Quiero reprogramar", TRIAGE_RESCHEDULE},
	{"Necesito reprogramar mi cita", TRIAGE_RESCHEDULE},
	{"reagendar por favor", TRIAGE_RESCHEDULE},
	{"Puedo cambiar la cita?", TRIAGE_RESCHEDULE},
	{"necesito cambiar mi cita", TRIAGE_RESCHEDULE},
	{"otro día por favor", TRIAGE_RESCHEDULE},
	{"Otra hora?", TRIAGE_RESCHEDULE},
	{"podemos mover la cita", TRIAGE_RESCHEDULE},
	{"Posponer", TRIAGE_RESCHEDULE},
	{"X", TRIAGE_CANCEL},
	{"x", TRIAGE_CANCEL},
	{"X.", TRIAGE_CANCEL},
	{"❌", TRIAGE_CANCEL},
	{"cancel my appointment", TRIAGE_CANCEL},
	{"Cancel my appointment please", TRIAGE_CANCEL},
	{"cancel appointment", TRIAGE_CANCEL},
	{"Please cancel", TRIAGE_NONE}, /* CANCEL with a courtesy word: the law's opt-out */
	{"please cancel my appointment", TRIAGE_CANCEL},
	{"Cancel it", TRIAGE_CANCEL},
	{"cancel it please", TRIAGE_CANCEL},
	{"I need to cancel", TRIAGE_CANCEL},
	{"i have to cancel", TRIAGE_CANCEL},
	{"I want to cancel my appointment", TRIAGE_CANCEL},
	{"wanna cancel", TRIAGE_CANCEL},
	{"I'd like to cancel", TRIAGE_CANCEL},
	{"cancelled", TRIAGE_CANCEL},
	{"cancle", TRIAGE_CANCEL},
	{"cancell", TRIAGE_CANCEL},
	{"Cancle my appointment", TRIAGE_CANCEL},
	{"I can't make it", TRIAGE_CANCEL},
	{"I cant make it", TRIAGE_CANCEL},
	{"I can’t make it", TRIAGE_CANCEL},
	{"can't make it", TRIAGE_CANCEL},
	{"cannot make it", TRIAGE_CANCEL},
	{"Can not make it", TRIAGE_CANCEL},
	{"won't make it", TRIAGE_CANCEL},
	{"I won't be able to make it", TRIAGE_CANCEL},
	{"not going to make it", TRIAGE_CANCEL},
	{"Not gonna make it", TRIAGE_CANCEL},
	{"I won't be there", TRIAGE_CANCEL},
	{"I will not be there", TRIAGE_CANCEL},
	{"We can't come", TRIAGE_CANCEL},
	{"I cannot come", TRIAGE_CANCEL},
	{"can't come in", TRIAGE_CANCEL},
	{"I'm unable to attend", TRIAGE_CANCEL},
	{"unable to come", TRIAGE_CANCEL},
	{"not coming", TRIAGE_CANCEL},
	{"I'm not coming", TRIAGE_CANCEL},
	{"I can't make it tomorrow", TRIAGE_CANCEL},
	{"I can't make it because I have to work", TRIAGE_CANCEL},
	{"Can't make it bc my car broke down", TRIAGE_CANCEL},
	{"I can't make it sorry", TRIAGE_CANCEL},
	{"Sorry can't make it", TRIAGE_CANCEL},
	{"Sorry I can't come tomorrow", TRIAGE_CANCEL},
	{"No I can't make it", TRIAGE_CANCEL},
	{"No, cancel please", TRIAGE_CANCEL},
	{"no I won't be there", TRIAGE_CANCEL},
	{"Cancelar", TRIAGE_CANCEL},
	{"cancelar mi cita", TRIAGE_CANCEL},
	{"Quiero cancelar la cita", TRIAGE_CANCEL},
	{"cancelo", TRIAGE_CANCEL},
	{"No puedo ir", TRIAGE_CANCEL},
	{"no podré ir", TRIAGE_CANCEL},
	{"No voy a poder", TRIAGE_CANCEL},
	{"No voy a poder ir", TRIAGE_CANCEL},
	{"no puedo asistir", TRIAGE_CANCEL},
	{"Lo siento no puedo ir", TRIAGE_CANCEL},
	{"STOP", TRIAGE_NONE},
	{"stop", TRIAGE_NONE},
	{"Stop.", TRIAGE_NONE},
	{"STOP!", TRIAGE_NONE},
	{"CANCEL", TRIAGE_NONE},
	{"Cancel", TRIAGE_NONE},
	{"cancel.", TRIAGE_NONE},
	{"Unsubscribe", TRIAGE_NONE},
	{"END", TRIAGE_NONE},
	{"quit", TRIAGE_NONE},
	{"opt out", TRIAGE_NONE},
	{"opt-out", TRIAGE_NONE},
	{"STOPALL", TRIAGE_NONE},
	{"revoke", TRIAGE_NONE},
	{"HELP", TRIAGE_NONE},
	{"help", TRIAGE_NONE},
	{"INFO", TRIAGE_NONE},
	{"START", TRIAGE_NONE},
	{"unstop", TRIAGE_NONE},
	{"", TRIAGE_NONE},
	{"   ", TRIAGE_NONE},
	{"...", TRIAGE_NONE},
	{"?", TRIAGE_UNCLEAR},
	{"??", TRIAGE_UNCLEAR},
	{"Stop texting me", TRIAGE_UNCLEAR},
	{"please stop texting me", TRIAGE_UNCLEAR},
	{"no more texts", TRIAGE_UNCLEAR},
	{"remove me from this list", TRIAGE_UNCLEAR},
	{"wrong number", TRIAGE_UNCLEAR},
	{"Wrong number, who is this?", TRIAGE_UNCLEAR},
	{"Who is this?", TRIAGE_UNCLEAR},
	{"what time is my appointment?", TRIAGE_UNCLEAR},
	{"What time?", TRIAGE_UNCLEAR},
	{"Is it at 9 or 10?", TRIAGE_UNCLEAR},
	{"Where is the office?", TRIAGE_UNCLEAR},
	{"How do I get there", TRIAGE_UNCLEAR},
	{"Do I need to fast before?", TRIAGE_UNCLEAR},
	{"Can I bring my son?", TRIAGE_UNCLEAR},
	{"My husband will come instead", TRIAGE_UNCLEAR},
	{"Running late", TRIAGE_UNCLEAR},
	{"I'm running 10 min late", TRIAGE_UNCLEAR},
	{"I'll be 15 minutes late", TRIAGE_UNCLEAR},
	{"On my way", TRIAGE_UNCLEAR},
	{"Is parking available?", TRIAGE_UNCLEAR},
	{"How much will it cost", TRIAGE_UNCLEAR},
	{"Do you take Medicaid?", TRIAGE_UNCLEAR},
	{"Can you call me", TRIAGE_UNCLEAR},
	{"Please call me", TRIAGE_UNCLEAR},
	{"call me back", TRIAGE_UNCLEAR},
	{"I have a question about my bill", TRIAGE_UNCLEAR},
	{"I need a refill", TRIAGE_UNCLEAR},
	{"Can I get my prescription refilled?", TRIAGE_UNCLEAR},
	{"My insurance changed", TRIAGE_UNCLEAR},
	{"Thanks", TRIAGE_UNCLEAR},
	{"thank you", TRIAGE_UNCLEAR},
	{"Thank you!", TRIAGE_UNCLEAR},
	{"ty", TRIAGE_UNCLEAR},
	{"😊", TRIAGE_UNCLEAR},
	{"🙏", TRIAGE_UNCLEAR},
	{"❤️", TRIAGE_UNCLEAR},
	{"😂", TRIAGE_UNCLEAR},
	{"👎", TRIAGE_UNCLEAR},
	{"No", TRIAGE_UNCLEAR},
	{"no", TRIAGE_UNCLEAR},
	{"Nope", TRIAGE_UNCLEAR},
	{"nah", TRIAGE_UNCLEAR},
	{"N", TRIAGE_UNCLEAR},
	{"2", TRIAGE_UNCLEAR},
	{"3", TRIAGE_UNCLEAR},
	{"0", TRIAGE_UNCLEAR},
	{"Maybe", TRIAGE_UNCLEAR},
	{"maybe", TRIAGE_UNCLEAR},
	{"I think so", TRIAGE_UNCLEAR},
	{"Probably", TRIAGE_UNCLEAR},
	{"not sure", TRIAGE_UNCLEAR},
	{"Not sure yet", TRIAGE_UNCLEAR},
	{"I don't know", TRIAGE_UNCLEAR},
	{"idk", TRIAGE_UNCLEAR},
	{"let me check", TRIAGE_UNCLEAR},
	{"Let me check my schedule", TRIAGE_UNCLEAR},
	{"I'll let you know", TRIAGE_UNCLEAR},
	{"I'll call you", TRIAGE_UNCLEAR},
	{"I will call to reschedule", TRIAGE_RESCHEDULE},
	{"ok?", TRIAGE_UNCLEAR},
	{"Yes?", TRIAGE_UNCLEAR},
	{"confirm?", TRIAGE_UNCLEAR},
	{"Confirmed?", TRIAGE_UNCLEAR},
	{"yes what time", TRIAGE_UNCLEAR},
	{"yes but what time?", TRIAGE_UNCLEAR},
	{"Yes but I need to cancel", TRIAGE_CANCEL},
	{"yes I need to reschedule", TRIAGE_RESCHEDULE},
	{"Confirmed, but can we move it", TRIAGE_UNCLEAR},
	{"I confirm but might be late", TRIAGE_UNCLEAR},
	{"I can't confirm yet", TRIAGE_UNCLEAR},
	{"don't confirm", TRIAGE_UNCLEAR},
	{"Not confirmed", TRIAGE_UNCLEAR},
	{"I don't need to reschedule", TRIAGE_UNCLEAR},
	{"No need to cancel", TRIAGE_UNCLEAR},
	{"Ok but my daughter is sick", TRIAGE_UNCLEAR},
	{"Which appointment?", TRIAGE_UNCLEAR},
	{"Is this for my son or me?", TRIAGE_UNCLEAR},
	{"For which doctor?", TRIAGE_UNCLEAR},
	{"Hola", TRIAGE_UNCLEAR},
	{"Hello", TRIAGE_UNCLEAR},
	{"Hi", TRIAGE_UNCLEAR},
	{"hey", TRIAGE_UNCLEAR},
	{"Good morning", TRIAGE_UNCLEAR},
	{"Buenos días", TRIAGE_UNCLEAR},
	{"¿Qué hora?", TRIAGE_UNCLEAR},
	{"¿A qué hora es mi cita?", TRIAGE_UNCLEAR},
	{"No entiendo", TRIAGE_UNCLEAR},
	{"no sé", TRIAGE_UNCLEAR},
	{"Gracias", TRIAGE_UNCLEAR},
	{"Muchas gracias", TRIAGE_UNCLEAR},
	{"Quién es?", TRIAGE_UNCLEAR},
	{"Está incluido el seguro?", TRIAGE_UNCLEAR},
	{"lol", TRIAGE_UNCLEAR},
	{"haha", TRIAGE_UNCLEAR},
	{"👀", TRIAGE_UNCLEAR},
	{"🤔", TRIAGE_UNCLEAR},
	{".", TRIAGE_NONE},
	{"!!!", TRIAGE_NONE},
	{"https://example.com", TRIAGE_UNCLEAR},
	{"Sent from my iPhone", TRIAGE_UNCLEAR},
	{"Yes. Sent from my iPhone", TRIAGE_CONFIRM},
	{"<script>alert(1)</script>", TRIAGE_UNCLEAR},
	{"yes yes yes", TRIAGE_CONFIRM},
	{"ok ok", TRIAGE_CONFIRM},
	{"c c", TRIAGE_UNCLEAR},
	{"CC", TRIAGE_UNCLEAR},
	{"YY", TRIAGE_UNCLEAR},
	{"x x", TRIAGE_UNCLEAR},
	{"R R", TRIAGE_UNCLEAR},
	{"Y E S", TRIAGE_UNCLEAR},
	{"y.e.s", TRIAGE_UNCLEAR},
	{"s", TRIAGE_UNCLEAR},
	{"YESS!!! 👍👍", TRIAGE_CONFIRM},
	{"Si claro 👍", TRIAGE_CONFIRM},
	{"okk", TRIAGE_CONFIRM},
	{"okkk", TRIAGE_CONFIRM},
	{"Okayyy", TRIAGE_CONFIRM},
	{"surely", TRIAGE_CONFIRM},
	{"Yup see you then", TRIAGE_CONFIRM},
	{"Yep confirmed", TRIAGE_CONFIRM},
	{"Conf for tues", TRIAGE_CONFIRM},
	{"yes ma'am", TRIAGE_CONFIRM},
	{"Yes sir", TRIAGE_CONFIRM},
	{"I'll be there!! Thank you so much!", TRIAGE_CONFIRM},
	{"thank you so much see you tomorrow", TRIAGE_CONFIRM},
	{"See you then, thanks for the reminder", TRIAGE_CONFIRM},
	{"Yes I will be there. Thanks for reminding me", TRIAGE_CONFIRM},
	{"Confirmed. Can I also ask about parking?", TRIAGE_UNCLEAR},
	{"Can't make it", TRIAGE_CANCEL},
	{"cant make it", TRIAGE_CANCEL},
	{"cant make it sry", TRIAGE_CANCEL},
	{"Sry cant come", TRIAGE_CANCEL},
};
#define N_REPLIES (sizeof(REPLIES) / sizeof(REPLIES[0]))

/* Whether got is a guess at an intent that is not the one wanted. */
static bool wrong_guess(enum triage_intent got, enum triage_intent want)
{
	return got != want && got != TRIAGE_UNCLEAR;
}

static void triage_classify__never_guesses_wrong__on_the_reply_table(void **state)
{
	(void)state;
	size_t hits = 0, wrong = 0, to_human = 0, clear = 0, clear_hits = 0;
	for (size_t i = 0; i < N_REPLIES; i++) {
		struct triage_result r;
		triage_classify(REPLIES[i].text, &r);
		assert_non_null(r.why);
		bool is_clear = REPLIES[i].want != TRIAGE_UNCLEAR && REPLIES[i].want != TRIAGE_NONE;
		clear += is_clear;
		if (r.intent == REPLIES[i].want) {
			hits++;
			clear_hits += is_clear;
			continue;
		}
		if (wrong_guess(r.intent, REPLIES[i].want)) {
			wrong++;
			print_message("WRONG: \"%s\": got %s (%s), want %s\n", REPLIES[i].text, triage_intent_name(r.intent),
				      r.why, triage_intent_name(REPLIES[i].want));
		} else {
			to_human++;
			print_message("to a person: \"%s\" (%s), want %s\n", REPLIES[i].text, r.why,
				      triage_intent_name(REPLIES[i].want));
		}
	}
	print_message("triage: %zu table entries; %zu replies: %zu read as a person would (%.1f%%), %zu clear "
		      "replies sent to a person, %zu wrong guesses; clear replies read automatically: %zu of %zu "
		      "(%.1f%%)\n",
		      triage_table_size(), N_REPLIES, hits, 100.0 * (double)hits / (double)N_REPLIES, to_human, wrong,
		      clear_hits, clear, 100.0 * (double)clear_hits / (double)clear);
	assert_true(N_REPLIES >= 300);
	assert_int_equal(wrong, 0);
	assert_true(hits * 100 >= N_REPLIES * 90);
}

static void triage_classify__asks_a_person__when_input_is_hostile(void **state)
{
	(void)state;
	struct triage_result r;
	triage_classify(NULL, &r);
	assert_int_equal(r.intent, TRIAGE_NONE);
	triage_classify("\xFF\xFE\xC0\xAF", &r); /* invalid bytes only */
	assert_int_equal(r.intent, TRIAGE_UNCLEAR);
	triage_classify("yes\x1b[2J", &r); /* an escape sequence after a yes: "2j" is not read */
	assert_int_equal(r.intent, TRIAGE_CONFIRM);
	triage_classify("\xED\xA0\x80yes", &r); /* a surrogate: U+FFFD, then yes */
	assert_int_equal(r.intent, TRIAGE_CONFIRM);
	/* A long reply is never read automatically, even if every word is "yes". */
	size_t n = 60 * 4;
	char *many = xmalloc(n + 1);
	for (size_t i = 0; i < 60; i++)
		memcpy(many + i * 4, "yes ", 4);
	many[n] = '\0';
	triage_classify(many, &r);
	assert_int_equal(r.intent, TRIAGE_UNCLEAR);
	free(many);
	/* One very long word is cut, never read past its end. */
	char *word = xmalloc(5001);
	memset(word, 'y', 5000);
	word[5000] = '\0';
	triage_classify(word, &r);
	assert_int_equal(r.intent, TRIAGE_UNCLEAR);
	free(word);
}

static void triage_classify__keeps_law_words_out__when_whole_message(void **state)
{
	(void)state;
	static const char *const law[] = {"STOP", "cancel", "Cancel!", "opt-out", "END", "quit", "HELP", "start"};
	for (size_t i = 0; i < sizeof(law) / sizeof(law[0]); i++) {
		struct triage_result r;
		triage_classify(law[i], &r);
		assert_int_equal(r.intent, TRIAGE_NONE);
	}
	struct triage_result r;
	triage_classify("YES", &r); /* also an opt-in word, and a confirmation of a reminder */
	assert_int_equal(r.intent, TRIAGE_CONFIRM);
	triage_classify("cancel my appointment", &r); /* not the whole message: a request */
	assert_int_equal(r.intent, TRIAGE_CANCEL);
}

static void triage_intent_name__names_each__when_asked(void **state)
{
	(void)state;
	assert_string_equal(triage_intent_name(TRIAGE_CONFIRM), "confirm");
	assert_string_equal(triage_intent_name(TRIAGE_RESCHEDULE), "reschedule");
	assert_string_equal(triage_intent_name(TRIAGE_CANCEL), "cancel");
	assert_string_equal(triage_intent_name(TRIAGE_UNCLEAR), "unclear");
	assert_string_equal(triage_intent_name(TRIAGE_NONE), "none");
	assert_true(triage_table_size() > 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(triage_classify__never_guesses_wrong__on_the_reply_table),
		cmocka_unit_test(triage_classify__asks_a_person__when_input_is_hostile),
		cmocka_unit_test(triage_classify__keeps_law_words_out__when_whole_message),
		cmocka_unit_test(triage_intent_name__names_each__when_asked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
