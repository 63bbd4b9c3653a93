/* The simulator's EHR side: a fake EHR that receives smsdesk's write-backs over MLLP (and
 * ACKs them), and builds and sends the SIU messages an EHR would send. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/hl7.h"
#include "src/mllp.h"
#include "src/sim/sim.h"
#include "src/util.h"

#define EHR_MAX_KEPT 1000

struct sim_ehr {
	struct mllp_server *srv;
	pthread_mutex_t lock;
	char *msgs[EHR_MAX_KEPT];
	size_t n;
	char answer[3];
	int answer_count;
};

/* Records the message and answers it. */
static char *receive(void *ctx, const char *msg, size_t len)
{
	struct sim_ehr *e = ctx;
	char code[3] = "AA";
	pthread_mutex_lock(&e->lock);
	if (e->n < EHR_MAX_KEPT)
		e->msgs[e->n++] = xstrndup(msg, len);
	if (e->answer_count > 0) {
		e->answer_count--;
		memcpy(code, e->answer, sizeof(code));
	}
	pthread_mutex_unlock(&e->lock);
	if (code[0] == '\0')
		return NULL;
	struct hl7_msg *h = NULL;
	char *err = NULL;
	if (hl7_parse(msg, len, &h, &err) != 0) {
		free(err);
		return hl7_ack(NULL, "AR", "unreadable", "EHRACK");
	}
	char *ack = hl7_ack(h, code, strcmp(code, "AA") == 0 ? NULL : "refused by the test", "EHRACK");
	hl7_free(&h);
	return ack;
}

int sim_ehr_start(const char *addr, struct sim_ehr **out, char **err)
{
	struct sim_ehr *e = xcalloc(1, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	if (mllp_server_start(addr, receive, e, &e->srv, err) != 0) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		*out = NULL;
		return -1;
	}
	*out = e;
	return 0;
}

unsigned short sim_ehr_port(const struct sim_ehr *e)
{
	return mllp_server_port(e->srv);
}

void sim_ehr_stop(struct sim_ehr **ep)
{
	struct sim_ehr *e = ep ? *ep : NULL;
	if (e == NULL)
		return;
	mllp_server_stop(&e->srv);
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	pthread_mutex_destroy(&e->lock);
	free(e);
	*ep = NULL;
}

size_t sim_ehr_count(struct sim_ehr *e)
{
	pthread_mutex_lock(&e->lock);
	size_t n = e->n;
	pthread_mutex_unlock(&e->lock);
	return n;
}

char *sim_ehr_message(struct sim_ehr *e, size_t n)
{
	pthread_mutex_lock(&e->lock);
	char *m = n < e->n ? xstrdup(e->msgs[n]) : NULL;
	pthread_mutex_unlock(&e->lock);
	return m;
}

void sim_ehr_answer(struct sim_ehr *e, const char *code, int count)
{
	pthread_mutex_lock(&e->lock);
	snprintf(e->answer, sizeof(e->answer), "%s", code ? code : "");
	e->answer_count = count;
	pthread_mutex_unlock(&e->lock);
}

char *sim_ehr_siu(const char *trigger, const char *control_id, const char *appt_id, const char *mrn,
		  const char *first, const char *last, const char *mobile, int64_t start)
{
	char when[32], now[32];
	hl7_format_time(start, when, sizeof(when));
	hl7_format_time(clock_now(), now, sizeof(now));
	char *ef = hl7_escape(first), *el = hl7_escape(last), *em = hl7_escape(mobile), *ea = hl7_escape(appt_id);
	char *emrn = hl7_escape(mrn);
	char *msg = xasprintf("MSH|^~\\&|SIMEHR|SIMCLINIC|SMSDESK|SMSDESK|%s||SIU^%s^SIU_S12|%s|P|2.5.1\r"
			      "SCH|%s|%s|||||ROUTINE^Routine visit||30|MIN|^^30^%s||||||||||||||Booked\r"
			      "PID|1||%s^^^SIMEHR^MR||%s^%s||||||||%s^PRN^CP\r"
			      "AIL|1||ROOM1^^^SIMCLINIC^^^^^Main clinic\r"
			      "AIP|1||D1^Lee^Ann^^^Dr.|ATTENDING\r",
			      now, trigger, control_id, ea, ea, when, emrn, el, ef, em);
	free(ef);
	free(el);
	free(em);
	free(ea);
	free(emrn);
	return msg;
}

int sim_ehr_send(const char *addr, const char *msg, char **code, char **err)
{
	char *ans = NULL, *ctl = NULL;
	size_t alen = 0;
	*code = NULL;
	int rc = mllp_exchange(addr, msg, strlen(msg), 10000, &ans, &alen, err);
	if (rc == 0)
		rc = hl7_ack_read(ans, alen, code, &ctl, err);
	free(ans);
	free(ctl);
	return rc;
}
