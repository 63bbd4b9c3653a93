/* The loopback Twilio simulator: start/stop, HTTP plumbing (libmicrohttpd, one thread per connection),
 * routing, basic auth, faults and the request log. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/mhdload.h"
#include <sodium.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

#define DEFAULT_ACCOUNT_SID "AC00000000000000000000000000000000"
#define DEFAULT_AUTH_TOKEN "5157e5b0c1d2e3f405162738495a6b7c"

/* One HTTP request being received. */
struct req {
	char *uri; /* raw request target, path and query */
	char *body;
	size_t len;
	bool too_big;
	bool started;
	bool answered; /* a 413 went out before the body was read */
};

/* Copies the raw request target before MHD parses it, so the log keeps the query as sent. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct req *rq = xcalloc(1, sizeof(*rq));
	rq->uri = xstrdup(uri ? uri : "");
	return rq;
}

/* Frees the request state when MHD is done with it. */
static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;
	if (rq == NULL)
		return;
	free(rq->uri);
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

/* Appends a request to the bounded log (lock held). */
static void record_request(struct sim *sim, const char *method, const char *uri, const char *body)
{
	struct sim_request *slot = &sim->requests[sim->nrequests % SIM_MAX_REQUESTS];
	free(slot->method);
	free(slot->path);
	free(slot->body);
	slot->method = xstrdup(method);
	slot->path = xstrdup(uri);
	slot->body = xstrdup(body);
	sim->nrequests++;
}

/* Sleeps ms milliseconds, or less if the simulator is stopping (lock held; released while waiting). */
void sim_sleep_locked(struct sim *sim, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t ns = (int64_t)ts.tv_nsec + (int64_t)(ms > 0 ? ms : 0) * 1000000;
	ts.tv_sec += ns / 1000000000;
	ts.tv_nsec = ns % 1000000000;
	while (!sim->stopping && pthread_cond_timedwait(&sim->stop_cond, &sim->lock, &ts) == 0)
		;
}

/* Takes one pending fault for a request of this method, if any (lock held). */
static enum sim_fault take_fault(struct sim *sim, const char *method, int *param)
{
	if (sim->fault == SIM_FAULT_NONE || sim->fault_count <= 0)
		return SIM_FAULT_NONE;
	if (sim->fault_method[0] != '\0' && strcmp(sim->fault_method, method) != 0)
		return SIM_FAULT_NONE;
	enum sim_fault f = sim->fault;
	*param = sim->fault_param;
	if (--sim->fault_count == 0)
		sim->fault = SIM_FAULT_NONE;
	sim->faults_served++;
	return f;
}

/* True when the Authorization header carries the account SID and auth token. */
static bool authorized(struct sim *sim, struct MHD_Connection *con)
{
	const char *h = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return false;
	h += 6;
	while (*h == ' ')
		h++;
	size_t hlen = strlen(h), bin_len = 0;
	unsigned char *bin = xmalloc(hlen + 1);
	bool ok = false;
	if (sodium_base642bin(bin, hlen, h, hlen, " ", &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
		bin[bin_len] = '\0';
		char *colon = memchr(bin, ':', bin_len);
		size_t ulen = colon ? (size_t)(colon - (char *)bin) : 0;
		size_t plen = colon ? bin_len - ulen - 1 : 0;
		ok = colon != NULL && ulen == strlen(sim->account_sid) && plen == strlen(sim->auth_token) &&
		     sodium_memcmp(bin, sim->account_sid, ulen) == 0 &&
		     sodium_memcmp(colon + 1, sim->auth_token, plen) == 0;
	}
	sodium_memzero(bin, hlen + 1);
	free(bin);
	return ok;
}

/* GET /2010-04-01/Accounts/{Sid}.json */
static void handle_account(struct sim *sim, struct sim_reply *r)
{
	char buf[40];
	cJSON *j = cJSON_CreateObject();
	char *uri = xasprintf("/2010-04-01/Accounts/%s.json", sim->account_sid);
	char *msgs = xasprintf("/2010-04-01/Accounts/%s/Messages.json", sim->account_sid);
	cJSON_AddStringToObject(j, "auth_token", sim->auth_token);
	cJSON_AddStringToObject(j, "date_created", sim_rfc2822(sim->created_s, buf, sizeof(buf)));
	cJSON_AddStringToObject(j, "date_updated", buf);
	cJSON_AddStringToObject(j, "friendly_name", "smsdesk simulator");
	cJSON_AddStringToObject(j, "owner_account_sid", sim->account_sid);
	cJSON_AddStringToObject(j, "sid", sim->account_sid);
	cJSON_AddStringToObject(j, "status", "active");
	cJSON *sub = cJSON_AddObjectToObject(j, "subresource_uris");
	cJSON_AddStringToObject(sub, "messages", msgs);
	cJSON_AddStringToObject(j, "type", "Full");
	cJSON_AddStringToObject(j, "uri", uri);
	free(uri);
	free(msgs);
	sim_reply_json(r, 200, j);
}

/* GET .../Messages/{SM}/Media.json, .../Media/{ME} and .../Media/{ME}.json (lock held). */
static void route_media(struct sim *sim, const char *sid, struct sim_reply *r)
{
	char msg[SIM_SID_LEN + 1], me[SIM_SID_LEN + 1];
	memcpy(msg, sid, SIM_SID_LEN);
	msg[SIM_SID_LEN] = '\0';
	const char *rest = sid + SIM_SID_LEN;
	size_t n = strlen(rest);
	if (strcmp(rest, "/Media.json") == 0) {
		sim_handle_media_list(sim, msg, r);
	} else if (strncmp(rest, "/Media/", 7) == 0 && (n == 7 + SIM_SID_LEN || (n == 12 + SIM_SID_LEN &&
		   strcmp(rest + 7 + SIM_SID_LEN, ".json") == 0))) {
		memcpy(me, rest + 7, SIM_SID_LEN);
		me[SIM_SID_LEN] = '\0';
		sim_handle_media_fetch(sim, msg, me, n > 7 + SIM_SID_LEN, r);
	} else {
		sim_reply_error(r, 404, 20404, "The requested resource was not found");
	}
}

/* Routes an authenticated /2010-04-01 request (lock held). */
static void route_api(struct sim *sim, const char *method, const char *path, const char *query,
		      const char *body, struct sim_reply *r)
{
	static const char prefix[] = "/2010-04-01/Accounts/";
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
	char *msg = xasprintf("The requested resource %s was not found", path);
	size_t acc_len = strlen(sim->account_sid);
	if (strncmp(path, prefix, strlen(prefix)) != 0 ||
	    strncmp(path + strlen(prefix), sim->account_sid, acc_len) != 0) {
		sim_reply_error(r, 404, 20404, msg);
		goto out;
	}
	const char *rest = path + strlen(prefix) + acc_len;
	const char *sid = strncmp(rest, "/Messages/", 10) == 0 ? rest + 10 : "";
	if (strcmp(rest, ".json") == 0 && get) {
		handle_account(sim, r);
	} else if (strcmp(rest, "/Messages.json") == 0 && (get || post)) {
		struct sim_form f;
		sim_form_parse(&f, get ? query : body, strlen(get ? query : body));
		if (get)
			sim_handle_list(sim, &f, r);
		else
			sim_handle_create(sim, &f, r);
		sim_form_free(&f);
	} else if (strlen(sid) > SIM_SID_LEN && strncmp(sid + SIM_SID_LEN, "/Media", 6) == 0 && get) {
		route_media(sim, sid, r);
	} else if (strlen(sid) == SIM_SID_LEN + 5 && strcmp(sid + SIM_SID_LEN, ".json") == 0 && get) {
		char want[SIM_SID_LEN + 1];
		memcpy(want, sid, SIM_SID_LEN);
		want[SIM_SID_LEN] = '\0';
		sim_handle_fetch(sim, want, path, r);
	} else if (strcmp(rest, ".json") == 0 || strcmp(rest, "/Messages.json") == 0 ||
		   strncmp(rest, "/Messages/", 10) == 0) {
		sim_reply_error(r, 405, 20004, "Method not allowed");
	} else {
		sim_reply_error(r, 404, 20404, msg);
	}
out:
	free(msg);
}

/* Fault names of POST /sim/fault. */
static enum sim_fault fault_of(const char *s)
{
	static const char *names[] = {"none", "429", "500", "503", "slow", "malformed", "hang", "drop", "drop_after"};
	for (int i = 0; s && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (enum sim_fault)i;
	return (enum sim_fault) - 1;
}

/* POST /sim/inbound (lock held). */
static void handle_sim_inbound(struct sim *sim, const struct sim_form *f, struct sim_reply *r)
{
	const char *from = sim_form_get(f, "From"), *to = sim_form_get(f, "To");
	/* Any sender is allowed: real inbound can come from short codes and alphanumeric senders. */
	if (from == NULL || *from == '\0' || to == NULL || *to == '\0') {
		sim_reply_error(r, 400, 21604, "From and To are required");
		return;
	}
	const char *body = sim_form_get(f, "Body");
	size_t nmedia = sim_form_count(f, "MediaUrl");
	if (nmedia > 10) {
		sim_reply_error(r, 400, 21623, "At most 10 MediaUrl");
		return;
	}
	struct sim_media *media = nmedia > 0 ? xcalloc(nmedia, sizeof(*media)) : NULL;
	for (size_t i = 0, k = 0; i < f->n; i++) {
		char why[160];
		if (strcmp(f->keys[i], "MediaUrl") != 0)
			continue;
		if (!sim_media_parse(f->vals[i], &media[k], why, sizeof(why))) {
			sim_media_free(media, (int)k + 1);
			sim_reply_error(r, 400, 21620, why);
			return;
		}
		k++;
	}
	struct sim_msg *m = sim_msg_add(sim, SIM_INBOUND, from, to, body ? body : "", NULL, (int)nmedia);
	m->media = media;
	sim_optout_note(sim, from, to, m->body);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "sid", m->sid);
	/* the media SIDs, so a test can use /sim/media/{ME} as a public file URL */
	cJSON *sids = cJSON_AddArrayToObject(j, "media");
	for (size_t i = 0; i < nmedia; i++)
		cJSON_AddItemToArray(sids, cJSON_CreateString(media[i].sid));
	sim_reply_json(r, 201, j);
}

/* GET /sim/outbound?To= : bodies of the messages created to To (all when To is absent), oldest first. */
static void handle_sim_outbound(struct sim *sim, const struct sim_form *f, struct sim_reply *r)
{
	const char *to = sim_form_get(f, "To");
	cJSON *j = cJSON_CreateObject();
	cJSON *bodies = cJSON_CreateArray();
	size_t n = 0;
	for (size_t i = 0; i < sim->nmsgs; i++) {
		const struct sim_msg *m = sim->msgs[i];
		if (m->dir != SIM_OUTBOUND || (to && strcmp(m->to, to) != 0))
			continue;
		char *clean = sim_utf8_clean(m->body, strlen(m->body));
		cJSON_AddItemToArray(bodies, cJSON_CreateString(clean));
		free(clean);
		n++;
	}
	cJSON_AddNumberToObject(j, "count", (double)n);
	cJSON_AddItemToObject(j, "bodies", bodies);
	sim_reply_json(r, 200, j);
}

/* GET /sim/stats: the counters of struct sim_stats (lock held). */
static void handle_sim_stats(struct sim *sim, struct sim_reply *r)
{
	struct sim_stats st;
	sim_stats_locked(sim, &st);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "outbound", (double)st.outbound);
	cJSON_AddNumberToObject(j, "duplicates", (double)st.duplicates);
	cJSON_AddNumberToObject(j, "recipients", (double)st.recipients);
	cJSON_AddNumberToObject(j, "inbound", (double)st.inbound);
	cJSON_AddNumberToObject(j, "requests", (double)st.requests);
	cJSON_AddNumberToObject(j, "faults", (double)st.faults);
	cJSON_AddNumberToObject(j, "lists", (double)st.lists);
	sim_reply_json(r, 200, j);
}

/* Routes the unauthenticated /sim/ test endpoints (lock held). */
static void route_sim(struct sim *sim, const char *method, const char *path, const char *query,
		      const char *body, struct sim_reply *r)
{
	struct sim_form f;
	bool post = strcmp(method, "POST") == 0;
	sim_form_parse(&f, post ? body : query, strlen(post ? body : query));
	if (post && strcmp(path, "/sim/inbound") == 0) {
		handle_sim_inbound(sim, &f, r);
	} else if (post && strcmp(path, "/sim/fault") == 0) {
		enum sim_fault fault = fault_of(sim_form_get(&f, "Fault"));
		const char *c = sim_form_get(&f, "Count"), *p = sim_form_get(&f, "Param");
		const char *m = sim_form_get(&f, "Method");
		if ((int)fault < 0) {
			sim_reply_error(r, 400, 20001,
					"Fault must be one of 429, 500, 503, slow, malformed, hang, drop, drop_after, none");
		} else if (m != NULL && *m != '\0' && strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0) {
			sim_reply_error(r, 400, 20001, "Method must be GET or POST");
		} else {
			snprintf(sim->fault_method, sizeof(sim->fault_method), "%s", m ? m : "");
			sim->fault = fault;
			sim->fault_count = c ? atoi(c) : 1;
			sim->fault_param = p ? atoi(p) : 0;
			cJSON *j = cJSON_CreateObject();
			cJSON_AddNumberToObject(j, "count", sim->fault_count);
			sim_reply_json(r, 200, j);
		}
	} else if (!post && strcmp(path, "/sim/outbound") == 0) {
		handle_sim_outbound(sim, &f, r);
	} else if (!post && strcmp(path, "/sim/stats") == 0) {
		handle_sim_stats(sim, r);
	} else {
		sim_reply_error(r, 404, 20404, "No such simulator endpoint");
	}
	sim_form_free(&f);
}

/* Sends r as the answer (status, JSON body, Twilio's headers); frees r's body. */
static enum MHD_Result send_reply(struct MHD_Connection *con, struct sim_reply *r)
{
	size_t len = r->body ? strlen(r->body) : 0;
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    len, r->body ? r->body : (void *)"", r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	r->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	if (r->retry_after > 0) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%d", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, buf);
	}
	if (r->location != NULL) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
		xfree(&r->location);
	}
	if (r->www_authenticate)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"Twilio API\"");
	enum MHD_Result ret = MHD_queue_response(con, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answers one complete /2010-04-01 request, applying a pending fault first (lock held).
 * Returns false when the connection must be dropped without an answer (HANG, DROP, DROP_AFTER). */
static bool serve_api(struct sim *sim, struct MHD_Connection *con, const char *method, const char *path,
		      const char *query, const char *body, struct sim_reply *r)
{
	int param = 0;
	enum sim_fault f = take_fault(sim, method, &param);
	switch (f) {
	case SIM_FAULT_429:
		sim_reply_error(r, 429, 20429, "Too Many Requests");
		r->retry_after = param > 0 ? param : 1;
		return true;
	case SIM_FAULT_500:
		sim_reply_error(r, 500, 20500, "Internal Server Error");
		return true;
	case SIM_FAULT_503:
		sim_reply_error(r, 503, 20503, "Service Unavailable");
		return true;
	case SIM_FAULT_HANG:
		sim_sleep_locked(sim, param);
		return false;
	case SIM_FAULT_SLOW:
		sim_sleep_locked(sim, param);
		break;
	case SIM_FAULT_DROP:
		return false;
	default:
		break;
	}
	if (!authorized(sim, con)) {
		sim_reply_error(r, 401, 20003, "Authenticate");
		r->www_authenticate = true;
	} else {
		route_api(sim, method, path, query, body, r);
	}
	if (f == SIM_FAULT_MALFORMED) {
		r->status = 200;
		r->body[strlen(r->body) / 2] = '\0';
	}
	/* The worst case for exactly-once: Twilio has the message, the client never hears so. */
	return f != SIM_FAULT_DROP_AFTER;
}

/* Answers a fully received request. */
static enum MHD_Result serve(struct sim *sim, struct MHD_Connection *con, const char *method, struct req *rq)
{
	struct sim_reply r = {0};
	char *path = xstrdup(rq->uri);
	char *q = strchr(path, '?');
	const char *query = "";
	if (q) {
		*q = '\0';
		query = q + 1;
	}
	const char *body = rq->body ? rq->body : "";
	bool answer = true;
	bool get_or_head = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (get_or_head && strncmp(path, "/sim/media/", 11) == 0 && strlen(path) == 11 + SIM_SID_LEN) {
		/* the CDN stand-in: bytes, no auth (Twilio's redirect target is public but unguessable) */
		enum MHD_Result ret = (enum MHD_Result)sim_media_serve(sim, con, path + 11);
		free(path);
		return ret;
	}
	pthread_mutex_lock(&sim->lock);
	record_request(sim, method, rq->uri, rq->too_big ? "" : body);
	sim_demo_materialise(sim);
	if (rq->too_big)
		sim_reply_error(&r, 413, 20001, "Request entity too large");
	else if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		sim_reply_error(&r, 405, 20004, "Method not allowed");
	else if (strncmp(path, "/sim/", 5) == 0)
		route_sim(sim, method, path, query, body, &r);
	else if (strncmp(path, "/2010-04-01/", 12) == 0)
		answer = serve_api(sim, con, method, path, query, body, &r);
	else
		sim_reply_error(&r, 404, 20404, "The requested resource was not found");
	pthread_mutex_unlock(&sim->lock);
	free(path);
	if (!answer) {
		free(r.body);
		return MHD_NO;
	}
	return send_reply(con, &r);
}

/* MHD's access handler: collects the body (at most 1 MB), then serves. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct sim *sim = cls;
	struct req *rq = *con_cls;
	if (rq == NULL) {
		rq = xcalloc(1, sizeof(*rq));
		rq->uri = xstrdup(url);
		*con_cls = rq;
	}
	if (!rq->started) {
		rq->started = true;
		const char *cl =
		    MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > SIM_MAX_BODY_BYTES) {
			/* Refuse before reading the body; MHD closes the connection afterwards. */
			rq->too_big = true;
			rq->answered = true;
			return serve(sim, con, method, rq);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (rq->answered) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (!rq->too_big && rq->len + *upload_data_size <= SIM_MAX_BODY_BYTES) {
			rq->body = xrealloc(rq->body, rq->len + *upload_data_size + 1);
			memcpy(rq->body + rq->len, upload_data, *upload_data_size);
			rq->len += *upload_data_size;
			rq->body[rq->len] = '\0';
		} else {
			rq->too_big = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	return serve(sim, con, method, rq);
}

/* Checks the configuration and fills the defaults into sim. */
static int configure(struct sim *sim, const struct sim_config *cfg, char **err)
{
	const char *acc = cfg && cfg->account_sid ? cfg->account_sid : DEFAULT_ACCOUNT_SID;
	if (strlen(acc) != 34 || strncmp(acc, "AC", 2) != 0 ||
	    strspn(acc + 2, "0123456789abcdefABCDEF") != 32)
		return seterr(err, "simulator: account SID must be AC followed by 32 hex digits");
	const char *tok = cfg && cfg->auth_token ? cfg->auth_token : DEFAULT_AUTH_TOKEN;
	if (*tok == '\0')
		return seterr(err, "simulator: empty auth token");
	if (cfg && cfg->step_ms < 0)
		return seterr(err, "simulator: step_ms must not be negative");
	sim->account_sid = xstrdup(acc);
	sim->auth_token = xstrdup(tok);
	sim->step_ms = cfg && cfg->step_ms > 0 ? cfg->step_ms : 1000;
	sim->demo_patients = cfg && cfg->demo_patients;
	sim->state_file = cfg && cfg->state_file ? xstrdup(cfg->state_file) : NULL;
	sim->port = cfg ? cfg->port : 0;
	sim->created_s = clock_now();
	return 0;
}

/* Frees everything sim owns (daemon already stopped). */
static void sim_free(struct sim *sim)
{
	sim_msgs_free(sim);
	sim_demo_free(sim);
	if (sim->requests) {
		for (size_t i = 0; i < SIM_MAX_REQUESTS; i++) {
			free(sim->requests[i].method);
			free(sim->requests[i].path);
			free(sim->requests[i].body);
		}
		free(sim->requests);
	}
	if (sim->auth_token)
		sodium_memzero(sim->auth_token, strlen(sim->auth_token));
	free(sim->auth_token);
	free(sim->account_sid);
	free(sim->base_url);
	free(sim->state_file);
	pthread_cond_destroy(&sim->stop_cond);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

/* Starts the simulator on 127.0.0.1 (cfg may be NULL for all defaults). */
int sim_start(const struct sim_config *cfg, struct sim **out, char **err)
{
	*out = NULL;
	if (sodium_init() < 0)
		return seterr(err, "simulator: libsodium failed to initialise");
	struct sim *sim = xcalloc(1, sizeof(*sim));
	pthread_mutex_init(&sim->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sim->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	sim->requests = xcalloc(SIM_MAX_REQUESTS, sizeof(*sim->requests));
	if (configure(sim, cfg, err) != 0 || (sim->state_file && sim_state_load(sim, err) != 0))
		goto fail;
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(sim->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sim->daemon =
	    MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
			     sim->port, NULL, NULL, on_request, sim, MHD_OPTION_SOCK_ADDR, &addr,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, sim, MHD_OPTION_NOTIFY_COMPLETED,
			     on_completed, sim, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
	if (sim->daemon == NULL) {
		seterr(err, "simulator: cannot listen on 127.0.0.1:%u%s%s", (unsigned)sim->port,
		       mhdload_error() ? ": " : "", mhdload_error() ? mhdload_error() : "");
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(sim->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port)
		sim->port = info->port;
	sim->base_url = xasprintf("http://127.0.0.1:%u", (unsigned)sim->port);
	*out = sim;
	return 0;
fail:
	sim_free(sim);
	return -1;
}

/* Stops the server (waking any SLOW/HANG sleeper), saves the state file and frees *sp. */
void sim_stop(struct sim **sp)
{
	struct sim *sim = *sp;
	if (sim == NULL)
		return;
	pthread_mutex_lock(&sim->lock);
	sim->stopping = true;
	pthread_cond_broadcast(&sim->stop_cond);
	pthread_mutex_unlock(&sim->lock);
	MHD_stop_daemon(sim->daemon);
	if (sim->state_file)
		sim_state_save(sim, NULL);
	sim_free(sim);
	*sp = NULL;
}

const char *sim_base_url(const struct sim *sim)
{
	return sim->base_url;
}

const char *sim_account_sid(const struct sim *sim)
{
	return sim->account_sid;
}

const char *sim_auth_token(const struct sim *sim)
{
	return sim->auth_token;
}
