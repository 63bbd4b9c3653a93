/* Internals shared by the simulator's files in src/sim/; nothing outside src/sim/ uses this. */
#ifndef SMSDESK_SIM_INTERNAL_H
#define SMSDESK_SIM_INTERNAL_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "src/sim/sim.h"

#define SIM_MAX_BODY_BYTES (1024 * 1024) /* larger requests get 413 */
#define SIM_MAX_REQUESTS 100000		 /* recorded requests kept */
#define SIM_MAX_MESSAGES 100000		 /* messages kept; the oldest are dropped beyond */
#define SIM_SID_LEN 34
#define SIM_DEFAULT_FROM "+15005550006" /* Twilio's magic valid From */

enum sim_dir { SIM_OUTBOUND, SIM_INBOUND };

/* One message in the store. Status is derived from the time elapsed since creation. */
struct sim_msg {
	char sid[SIM_SID_LEN + 1];
	uint64_t seq; /* insertion order, the tie-break of the list order */
	enum sim_dir dir;
	char *from; /* NULL when sent through a messaging service */
	char *to;
	char *body;   /* raw bytes as received (may be invalid UTF-8) */
	char *ms_sid; /* MessagingServiceSid or NULL */
	int num_media;
	int64_t created_s;    /* clock_now() at creation */
	int64_t created_mono; /* clock_mono_ms() at creation; very negative for loaded messages */
	int fail_code;	      /* 0, or 21610 (failed at step 1) / 30003 (undelivered at step 2) */
};

/* The status of a message now, and what goes with it. */
struct sim_status {
	const char *status;
	int error_code;		   /* 0: none */
	const char *error_message; /* NULL: none */
	int64_t date_sent;	   /* 0: not sent yet */
	int64_t date_updated;
};

struct sim_optout {
	char *patient;
	char *clinic;
};

struct sim_patient {
	char *number;
	int received;		 /* outbound messages this patient got */
	int64_t last_reply_mono; /* when it last answered (0: never) */
};

struct sim_pending {
	char *from, *to, *body;
	int64_t due_mono; /* clock_mono_ms() deadline */
	int64_t due_s;	  /* clock_now() deadline, so a test moving the fake clock also triggers it */
};

struct sim_request {
	char *method, *path, *body;
};

struct sim {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	pthread_cond_t stop_cond; /* wakes SLOW/HANG sleepers at stop */
	bool stopping;
	char *account_sid, *auth_token, *base_url, *state_file;
	unsigned short port;
	int step_ms;
	bool demo_patients;
	int64_t created_s;

	/* messages, oldest first, and an open-addressing index sid -> message */
	struct sim_msg **msgs;
	size_t nmsgs, capmsgs;
	struct sim_msg **index;
	size_t index_cap;
	uint64_t next_seq;
	size_t outbound_total;

	struct sim_optout *optouts;
	size_t noptouts, capoptouts;

	struct sim_patient *patients;
	size_t npatients, cappatients;
	struct sim_pending *pending;
	size_t npending, cappending;

	/* ring of the last SIM_MAX_REQUESTS requests; request n lives at n % SIM_MAX_REQUESTS */
	struct sim_request *requests;
	size_t nrequests;

	enum sim_fault fault;
	int fault_count, fault_param;
	char fault_method[8]; /* "": every request; else only requests of this method get the fault */
	size_t faults_served; /* requests that got an injected fault */
};

/* A parsed application/x-www-form-urlencoded body or query string (decoded, in order). */
struct sim_form {
	size_t n;
	char **keys, **vals;
};

/* An HTTP answer built by a handler; sim.c sends it. */
struct sim_reply {
	unsigned status;
	char *body;	 /* malloc'd JSON */
	int retry_after; /* > 0: add Retry-After */
	bool www_authenticate;
};

/* sim_util.c */
void sim_form_parse(struct sim_form *f, const char *s, size_t len);
void sim_form_free(struct sim_form *f);
const char *sim_form_get(const struct sim_form *f, const char *key);
size_t sim_form_count(const struct sim_form *f, const char *key);
char *sim_url_encode(const char *s);
char *sim_utf8_clean(const char *s, size_t len);
size_t sim_utf8_chars(const char *s);
int sim_num_segments(const char *s);
char *sim_rfc2822(int64_t t, char *buf, size_t len);
int sim_parse_day(const char *s, int64_t *day_out);
bool sim_is_e164(const char *s);
void sim_new_sid(const char *prefix, char out[SIM_SID_LEN + 1]);
char *sim_json_print(cJSON *j);
void sim_reply_error(struct sim_reply *r, unsigned status, int code, const char *message);
void sim_reply_json(struct sim_reply *r, unsigned status, cJSON *j);

/* sim_messages.c (all called with sim->lock held) */
struct sim_msg *sim_msg_add(struct sim *sim, enum sim_dir dir, const char *from, const char *to,
			    const char *body, const char *ms_sid, int num_media);
struct sim_msg *sim_msg_find(struct sim *sim, const char *sid);
void sim_msg_status(const struct sim *sim, const struct sim_msg *m, struct sim_status *st);
cJSON *sim_msg_json(const struct sim *sim, const struct sim_msg *m);
void sim_msgs_free(struct sim *sim);
void sim_msgs_reindex(struct sim *sim);
bool sim_optout_has(const struct sim *sim, const char *patient, const char *clinic);
void sim_optout_note(struct sim *sim, const char *patient, const char *clinic, const char *body);
void sim_handle_create(struct sim *sim, const struct sim_form *form, struct sim_reply *r);
void sim_handle_fetch(struct sim *sim, const char *sid, const char *path, struct sim_reply *r);

/* sim_api.c (with sim->lock held) */
void sim_stats_locked(struct sim *sim, struct sim_stats *out);

/* sim_list.c (with sim->lock held) */
void sim_handle_list(struct sim *sim, const struct sim_form *query, struct sim_reply *r);

/* sim_state.c: persistence of messages across restarts (state_file) */
int sim_state_load(struct sim *sim, char **err);
int sim_state_save(struct sim *sim, char **err);

/* sim_demo.c (with sim->lock held) */
void sim_demo_on_outbound(struct sim *sim, const struct sim_msg *m);
void sim_demo_materialise(struct sim *sim);
void sim_demo_free(struct sim *sim);

#endif
