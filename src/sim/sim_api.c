/* The simulator's C API for tests and the demo: inject inbound messages, set faults, inspect traffic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

/* Adds an inbound message from a patient to a clinic number; STOP/START act as the carrier would. */
int sim_inject_inbound(struct sim *sim, const char *from, const char *to, const char *body, char **sid_out)
{
	return sim_inject_inbound_service(sim, from, to, NULL, body, sid_out);
}

/* The same, received by a number of a Messaging Service (listed with its messaging_service_sid). */
int sim_inject_inbound_service(struct sim *sim, const char *from, const char *to, const char *ms_sid,
			       const char *body, char **sid_out)
{
	if (sid_out)
		*sid_out = NULL;
	if (from == NULL || *from == '\0' || to == NULL || *to == '\0')
		return -1;
	pthread_mutex_lock(&sim->lock);
	sim_demo_materialise(sim);
	struct sim_msg *m = sim_msg_add(sim, SIM_INBOUND, from, to, body ? body : "", ms_sid, 0);
	sim_optout_note(sim, from, to, m->body);
	if (sid_out)
		*sid_out = xstrdup(m->sid);
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

int sim_inject_inbound_media(struct sim *sim, const char *from, const char *to, const char *body,
			     const char *const *media, size_t n, char **sid_out)
{
	if (sid_out)
		*sid_out = NULL;
	if (from == NULL || *from == '\0' || to == NULL || *to == '\0' || n > 10)
		return -1;
	struct sim_media *items = n > 0 ? xcalloc(n, sizeof(*items)) : NULL;
	for (size_t i = 0; i < n; i++) {
		char why[160];
		if (!sim_media_parse(media[i], &items[i], why, sizeof(why))) {
			sim_media_free(items, (int)i + 1);
			return -1;
		}
	}
	pthread_mutex_lock(&sim->lock);
	sim_demo_materialise(sim);
	struct sim_msg *m = sim_msg_add(sim, SIM_INBOUND, from, to, body ? body : "", NULL, (int)n);
	m->media = items;
	if (sid_out)
		*sid_out = xstrdup(m->sid);
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

/* The next `count` /2010-04-01 requests get the fault (SIM_FAULT_NONE or count <= 0 clears it). */
void sim_set_fault(struct sim *sim, enum sim_fault fault, int count, int param)
{
	pthread_mutex_lock(&sim->lock);
	sim->fault = count > 0 ? fault : SIM_FAULT_NONE;
	sim->fault_count = count > 0 ? count : 0;
	sim->fault_param = param;
	pthread_mutex_unlock(&sim->lock);
}

/* Restricts the armed fault to requests of one method (NULL or "": every request). */
void sim_set_fault_method(struct sim *sim, const char *method)
{
	pthread_mutex_lock(&sim->lock);
	snprintf(sim->fault_method, sizeof(sim->fault_method), "%s", method ? method : "");
	pthread_mutex_unlock(&sim->lock);
}

/* Messages created by POST since start (rejected ones not counted). */
size_t sim_outbound_count(struct sim *sim)
{
	pthread_mutex_lock(&sim->lock);
	sim_demo_materialise(sim);
	size_t n = sim->outbound_total;
	pthread_mutex_unlock(&sim->lock);
	return n;
}

/* Outbound messages held to `to`. */
size_t sim_outbound_count_to(struct sim *sim, const char *to)
{
	size_t n = 0;
	pthread_mutex_lock(&sim->lock);
	sim_demo_materialise(sim);
	for (size_t i = 0; i < sim->nmsgs; i++)
		if (sim->msgs[i]->dir == SIM_OUTBOUND && strcmp(sim->msgs[i]->to, to) == 0)
			n++;
	pthread_mutex_unlock(&sim->lock);
	return n;
}

/* The body of the n-th (0-based, oldest first) outbound message to `to`, malloc'd; NULL if none. */
char *sim_outbound_body(struct sim *sim, const char *to, size_t n)
{
	char *body = NULL;
	pthread_mutex_lock(&sim->lock);
	for (size_t i = 0; i < sim->nmsgs && body == NULL; i++) {
		const struct sim_msg *m = sim->msgs[i];
		if (m->dir == SIM_OUTBOUND && strcmp(m->to, to) == 0 && n-- == 0)
			body = xstrdup(m->body);
	}
	pthread_mutex_unlock(&sim->lock);
	return body;
}

/* Requests received since start (only the last SIM_MAX_REQUESTS can still be read). */
size_t sim_request_count(struct sim *sim)
{
	pthread_mutex_lock(&sim->lock);
	size_t n = sim->nrequests;
	pthread_mutex_unlock(&sim->lock);
	return n;
}

/* Copies the n-th request's method, path with query and raw body; -1 if n is unknown or dropped. */
int sim_request_get(struct sim *sim, size_t n, char **method, char **path, char **body)
{
	int rc = -1;
	pthread_mutex_lock(&sim->lock);
	if (n < sim->nrequests && sim->nrequests - n <= SIM_MAX_REQUESTS) {
		const struct sim_request *r = &sim->requests[n % SIM_MAX_REQUESTS];
		if (method)
			*method = xstrdup(r->method);
		if (path)
			*path = xstrdup(r->path);
		if (body)
			*body = xstrdup(r->body);
		rc = 0;
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

/* Orders outbound messages by To, then Body, so equal pairs sit side by side. */
static int cmp_to_body(const void *a, const void *b)
{
	const struct sim_msg *x = *(const struct sim_msg *const *)a, *y = *(const struct sim_msg *const *)b;
	int c = strcmp(x->to, y->to);
	return c != 0 ? c : strcmp(x->body, y->body);
}

/* Fills the counters; duplicates are found by sorting, not on each POST, so the load
 * benchmarks' 100,000 messages cost nothing until someone asks (lock held). */
void sim_stats_locked(struct sim *sim, struct sim_stats *out)
{
	memset(out, 0, sizeof(*out));
	sim_demo_materialise(sim);
	struct sim_msg **v = xcalloc(sim->nmsgs ? sim->nmsgs : 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < sim->nmsgs; i++) {
		if (sim->msgs[i]->dir == SIM_OUTBOUND)
			v[n++] = sim->msgs[i];
		else
			out->inbound++;
	}
	qsort(v, n, sizeof(*v), cmp_to_body);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i - 1]->to, v[i]->to) != 0)
			out->recipients++;
		else if (cmp_to_body(&v[i - 1], &v[i]) == 0)
			out->duplicates++;
	}
	free(v);
	out->outbound = sim->outbound_total;
	out->requests = sim->nrequests;
	out->faults = sim->faults_served;
	/* list pages: the idle benchmark counts one per poll interval per location */
	size_t first = sim->nrequests > SIM_MAX_REQUESTS ? sim->nrequests - SIM_MAX_REQUESTS : 0;
	for (size_t i = first; i < sim->nrequests; i++) {
		const struct sim_request *r = &sim->requests[i % SIM_MAX_REQUESTS];
		const char *m = r->path ? strstr(r->path, "/Messages.json") : NULL;
		if (m != NULL && strcmp(r->method, "GET") == 0 && (m[14] == '\0' || m[14] == '?'))
			out->lists++;
	}
}

/* The counters of struct sim_stats, for assertions. */
void sim_get_stats(struct sim *sim, struct sim_stats *out)
{
	pthread_mutex_lock(&sim->lock);
	sim_stats_locked(sim, out);
	pthread_mutex_unlock(&sim->lock);
}
