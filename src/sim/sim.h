/* The loopback Twilio simulator (libmicrohttpd), for --demo and the tests.
 * Owner: src/sim/ */
#ifndef SMSDESK_SIM_H
#define SMSDESK_SIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_config {
	const char *account_sid;  /* NULL: "AC" + 32 x "0"... a fixed test SID */
	const char *auth_token;   /* NULL: a fixed test token */
	unsigned short port;      /* 0: any free port on 127.0.0.1 */
	int step_ms;              /* queued -> sent -> delivered, each after step_ms (0: 1000) */
	bool demo_patients;       /* simulated patients answer some messages after a few seconds */
	const char *state_file;   /* NULL: in memory; else messages survive a restart of `smsdesk sim` */
};

struct sim;

int sim_start(const struct sim_config *cfg, struct sim **out, char **err);
void sim_stop(struct sim **sp);

const char *sim_base_url(const struct sim *sim);   /* "http://127.0.0.1:PORT" */
const char *sim_account_sid(const struct sim *sim);
const char *sim_auth_token(const struct sim *sim);

/* An inbound message from a patient to a clinic number; *sid_out (malloc'd) may be NULL. */
int sim_inject_inbound(struct sim *sim, const char *from, const char *to, const char *body, char **sid_out);
/* The same, to a number of Messaging Service ms_sid: listed with that messaging_service_sid,
 * as Twilio lists what a service's number receives. */
int sim_inject_inbound_service(struct sim *sim, const char *from, const char *to, const char *ms_sid,
			       const char *body, char **sid_out);

/* An inbound MMS: media[i] are MediaUrl specs (src/sim/sim_media.c: "gen:image/jpeg:245760",
 * "gen:TYPE:BYTES:FAULT" with FAULT 404, 404once, http, otherhost, badlist, typelie, redirect,
 * or "file:///abs/path.jpg"); at most 10. -1 on a bad spec. */
int sim_inject_inbound_media(struct sim *sim, const char *from, const char *to, const char *body,
			     const char *const *media, size_t n, char **sid_out);

enum sim_fault {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_429,       /* 429 with Retry-After: param seconds */
	SIM_FAULT_500,
	SIM_FAULT_503,
	SIM_FAULT_SLOW,      /* answer after param ms */
	SIM_FAULT_MALFORMED, /* 200 with broken JSON */
	SIM_FAULT_HANG,      /* never answers within the client's timeout (param ms) */
	SIM_FAULT_DROP,      /* closes the connection at once: nothing done, no answer */
	SIM_FAULT_DROP_AFTER, /* does the work (a POST creates the message), then closes without answering */
};
/* The next `count` requests get the fault. */
void sim_set_fault(struct sim *sim, enum sim_fault fault, int count, int param);
/* Only requests of this method ("POST": sends; "GET": polls, fetches) get the armed fault;
 * NULL or "": every request (the default). */
void sim_set_fault_method(struct sim *sim, const char *method);

/* What the simulator saw, for the soak tests' exactly-once checks. */
struct sim_stats {
	size_t outbound;   /* messages created by POST since start */
	size_t duplicates; /* held outbound messages with the same To and Body as an earlier one */
	size_t recipients; /* distinct To numbers among the held outbound messages */
	size_t inbound;    /* inbound messages held */
	size_t requests;   /* requests received */
	size_t faults;     /* requests answered with an injected fault */
	size_t lists;      /* GET .../Messages.json: list pages asked for (polls), among the last SIM_MAX_REQUESTS */
};
void sim_get_stats(struct sim *sim, struct sim_stats *out);

/* What the simulator saw, for assertions. */
size_t sim_outbound_count(struct sim *sim);                /* messages created by POST */
size_t sim_outbound_count_to(struct sim *sim, const char *to);
/* The body of the n-th (0-based) message created to `to`, malloc'd; NULL if none. */
char *sim_outbound_body(struct sim *sim, const char *to, size_t n);
size_t sim_request_count(struct sim *sim);
/* The n-th request: method, path with query, and the raw form body (each malloc'd). */
int sim_request_get(struct sim *sim, size_t n, char **method, char **path, char **body);

/* Test endpoints over HTTP too (for shell and tmux tests, no auth, loopback only):
 *   POST /sim/inbound   form From, To, Body, MediaUrl (0-10 specs, as sim_inject_inbound_media)
 *                                                     -> {"sid": "SM...", "media": ["ME...", ...]}
 *   GET  /sim/media/ME...  the bytes of an inbound media (Twilio's redirect target; no auth)
 *   POST /sim/fault     form Fault (429|500|503|slow|malformed|hang|drop|drop_after), Count, Param,
 *                       Method (GET|POST: only those requests; default every request)
 *   GET  /sim/outbound?To=+1555...                    -> {"count": N, "bodies": [...]}
 *   GET  /sim/stats     -> {"outbound", "duplicates", "recipients", "inbound", "requests", "faults", "lists"} (struct sim_stats)
 */

/* ---- the EHR side (src/sim/sim_ehr.c): a fake EHR for --demo and the tests ---- */

/* An MLLP listener on addr (port 0: any) that records every message it gets and answers each
 * with an ACK (AA unless sim_ehr_answer says otherwise): where smsdesk's write-backs arrive. */
struct sim_ehr;
int sim_ehr_start(const char *addr, struct sim_ehr **out, char **err);
unsigned short sim_ehr_port(const struct sim_ehr *e);
void sim_ehr_stop(struct sim_ehr **ep);
size_t sim_ehr_count(struct sim_ehr *e);
/* The n-th (0-based) message received, malloc'd; NULL if none. */
char *sim_ehr_message(struct sim_ehr *e, size_t n);
/* The next count messages get code ("AE", "AR"; "" = no answer at all) instead of AA. */
void sim_ehr_answer(struct sim_ehr *e, const char *code, int count);

/* The EHR's sending side: an SIU (trigger S12, S14, S15, ...) for one patient and appointment
 * starting at Unix time start (malloc'd). */
char *sim_ehr_siu(const char *trigger, const char *control_id, const char *appt_id, const char *mrn,
		  const char *first, const char *last, const char *mobile, int64_t start);
/* Sends msg to smsdesk's listener at addr; *code the MSA-1 of its ACK (malloc'd). */
int sim_ehr_send(const char *addr, const char *msg, char **code, char **err);

int sim_main(int argc, char **argv); /* `smsdesk sim` (src/sim/sim_cli.c); argv[0] is "sim" */

#endif
