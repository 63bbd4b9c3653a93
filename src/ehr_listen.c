/* The scheduler's HL7 listener: an MLLP server whose handler applies each message on a store
 * connection of its own (the listener has its own thread) and answers its ACK. Whatever a
 * peer sends, the answer is an ACK (AA, AE or AR) and one log line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/ehr.h"
#include "src/mllp.h"
#include "src/util.h"

struct ehr_listener {
	struct store *s;
	struct mllp_server *srv;
	ehr_log_fn log;
};

/* Applies one framed message; returns its ACK. */
static char *handle(void *ctx, const char *msg, size_t len)
{
	struct ehr_listener *l = ctx;
	struct ehr_in_result r;
	int rc = ehr_in_process(l->s, msg, len, &r);
	char fields[512];
	snprintf(fields, sizeof(fields), "type=%s code=%s appt=%lld dup=%d detail=\"%.300s\"", *r.type ? r.type : "?",
		 r.code, (long long)r.appointment_id, r.duplicate, r.detail ? r.detail : "");
	if (l->log != NULL)
		l->log(rc != 0 ? "error" : strcmp(r.code, "AA") == 0 ? "info" : "warn", r.tenant_id, "ehr.in", fields);
	char *ack = r.ack;
	r.ack = NULL;
	ehr_in_result_clear(&r);
	return ack;
}

int ehr_listener_start(const char *db_path, const char *addr, ehr_log_fn log, struct ehr_listener **out,
		       char **err)
{
	struct ehr_listener *l = xcalloc(1, sizeof(*l));
	*out = NULL;
	l->log = log;
	if (store_open(db_path, &l->s, err) != 0 || mllp_server_start(addr, handle, l, &l->srv, err) != 0) {
		store_close(&l->s);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

unsigned short ehr_listener_port(const struct ehr_listener *l)
{
	return mllp_server_port(l->srv);
}

void ehr_listener_stop(struct ehr_listener **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	mllp_server_stop(&(*lp)->srv);
	store_close(&(*lp)->s);
	free(*lp);
	*lp = NULL;
}
