/* Simulated patients for --demo: some numbers answer an outbound message a few seconds later.
 * Who answers what is decided by the number's last digit, so the demo is the same every time:
 * 1-3 confirm ("C"), 4 asks to reschedule ("R"), 5 chats with an emoji, 6 sends STOP to its
 * second message, others stay silent. Replies are materialised lazily at each request. */
#include <stdlib.h>
#include <string.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

/* A message that arrives this soon after the patient's own reply is an answer to it (an
 * auto-reply or a staff reply): the patient does not answer that, so there are no reply loops. */
#define QUIET_AFTER_REPLY_MS 120000

/* The patient record for number, created on first use. */
static struct sim_patient *patient_get(struct sim *sim, const char *number)
{
	for (size_t i = 0; i < sim->npatients; i++)
		if (strcmp(sim->patients[i].number, number) == 0)
			return &sim->patients[i];
	if (sim->npatients == sim->cappatients) {
		sim->cappatients = sim->cappatients ? sim->cappatients * 2 : 16;
		sim->patients = xrealloc(sim->patients, sim->cappatients * sizeof(*sim->patients));
	}
	struct sim_patient *p = &sim->patients[sim->npatients++];
	memset(p, 0, sizeof(*p));
	p->number = xstrdup(number);
	return p;
}

/* What the patient answers to its n-th (1-based) message `body`, or NULL for silence. Numbers
 * ending in 7 take a cancelled visit offered to them (the cancellation filler). */
static const char *reply_for(const char *number, int n, const char *body)
{
	static const char *chat[] = {
	    "Thanks! See you then \xF0\x9F\x98\x8A",
	    "Can I bring my daughter along? \xF0\x9F\x99\x82",
	    "Running 10 min late, sorry! \xF0\x9F\x9A\x97",
	};
	size_t len = strlen(number);
	int d = len ? number[len - 1] - '0' : 0;
	if (d == 7 && body != NULL && strstr(body, "Reply BOOK") != NULL)
		return "Book";
	if (d >= 1 && d <= 3)
		return "C";
	if (d == 4)
		return "R";
	if (d == 5)
		return chat[(n - 1) % 3];
	if (d == 6)
		return n == 2 ? "STOP" : NULL;
	return NULL;
}

/* True when a reply from number is already on its way. */
static bool reply_pending(const struct sim *sim, const char *number)
{
	for (size_t i = 0; i < sim->npending; i++)
		if (strcmp(sim->pending[i].from, number) == 0)
			return true;
	return false;
}

/* Notes an outbound message; schedules the patient's answer 2-6 s later if it gives one. */
void sim_demo_on_outbound(struct sim *sim, const struct sim_msg *m)
{
	if (m->fail_code != 0)
		return; /* never reached the handset */
	struct sim_patient *p = patient_get(sim, m->to);
	p->received++;
	int64_t now = clock_mono_ms();
	if (p->last_reply_mono != 0 && now - p->last_reply_mono < QUIET_AFTER_REPLY_MS)
		return;
	const char *body = reply_for(m->to, p->received, m->body);
	if (body == NULL || reply_pending(sim, m->to))
		return;
	size_t len = strlen(m->to);
	int delay_ms = 2000 + (len >= 2 ? (m->to[len - 2] - '0') % 5 : 0) * 1000;
	if (sim->npending == sim->cappending) {
		sim->cappending = sim->cappending ? sim->cappending * 2 : 16;
		sim->pending = xrealloc(sim->pending, sim->cappending * sizeof(*sim->pending));
	}
	struct sim_pending *r = &sim->pending[sim->npending++];
	r->from = xstrdup(m->to);
	r->to = xstrdup(m->from ? m->from : SIM_DEFAULT_FROM);
	r->body = xstrdup(body);
	r->due_mono = now + delay_ms;
	r->due_s = clock_now() + (delay_ms + 999) / 1000;
}

/* Turns every answer that is due into an inbound message. */
void sim_demo_materialise(struct sim *sim)
{
	if (sim->npending == 0)
		return;
	int64_t mono = clock_mono_ms(), now = clock_now();
	for (size_t i = 0; i < sim->npending;) {
		struct sim_pending *r = &sim->pending[i];
		if (r->due_mono > mono && r->due_s > now) {
			i++;
			continue;
		}
		sim_msg_add(sim, SIM_INBOUND, r->from, r->to, r->body, NULL, 0);
		sim_optout_note(sim, r->from, r->to, r->body);
		patient_get(sim, r->from)->last_reply_mono = mono;
		free(r->from);
		free(r->to);
		free(r->body);
		/* keep the order: replies due together arrive in the order they were scheduled */
		memmove(r, r + 1, (sim->npending - i - 1) * sizeof(*r));
		sim->npending--;
	}
}

/* Frees the patients and the pending answers. */
void sim_demo_free(struct sim *sim)
{
	for (size_t i = 0; i < sim->npatients; i++)
		free(sim->patients[i].number);
	free(sim->patients);
	for (size_t i = 0; i < sim->npending; i++) {
		free(sim->pending[i].from);
		free(sim->pending[i].to);
		free(sim->pending[i].body);
	}
	free(sim->pending);
	sim->patients = NULL;
	sim->pending = NULL;
	sim->npatients = sim->cappatients = sim->npending = sim->cappending = 0;
}
