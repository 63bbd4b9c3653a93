/* Simulator: GET .../Messages.json — filters (To, From, DateSent, DateSent<, DateSent>), newest first,
 * and Twilio's list envelope with paging that stays stable while new messages arrive (PageToken). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

struct list_query {
	const char *to, *from;
	const char *date_eq, *date_le, *date_ge; /* raw values, for the page URIs */
	int64_t day_eq, day_le, day_ge;
	long page_size, page;
	const char *token; /* "PA<sid>" (after) or "PB<sid>" (before), or NULL */
};

/* True when a comes before b in the list order: date_created desc, then newest insertion first. */
static bool before(const struct sim_msg *a, const struct sim_msg *b)
{
	if (a->created_s != b->created_s)
		return a->created_s > b->created_s;
	return a->seq > b->seq;
}

/* qsort comparator for the list order. */
static int cmp_order(const void *pa, const void *pb)
{
	const struct sim_msg *a = *(const struct sim_msg *const *)pa, *b = *(const struct sim_msg *const *)pb;
	return before(a, b) ? -1 : (before(b, a) ? 1 : 0);
}

/* Parses a non-negative integer parameter into *out (default def when absent); -1 when bad. */
static int parse_long(const char *s, long def, long *out)
{
	if (s == NULL) {
		*out = def;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Parses the query into q; fills r with a 400 and returns -1 when a value is bad. */
static int parse_query(const struct sim_form *f, struct list_query *q, struct sim_reply *r)
{
	memset(q, 0, sizeof(*q));
	q->to = sim_form_get(f, "To");
	q->from = sim_form_get(f, "From");
	q->date_eq = sim_form_get(f, "DateSent");
	q->date_le = sim_form_get(f, "DateSent<");
	q->date_ge = sim_form_get(f, "DateSent>");
	q->token = sim_form_get(f, "PageToken");
	if ((q->date_eq && sim_parse_day(q->date_eq, &q->day_eq) != 0) ||
	    (q->date_le && sim_parse_day(q->date_le, &q->day_le) != 0) ||
	    (q->date_ge && sim_parse_day(q->date_ge, &q->day_ge) != 0)) {
		sim_reply_error(r, 400, 20001, "Invalid DateSent: expected YYYY-MM-DD");
		return -1;
	}
	if (parse_long(sim_form_get(f, "PageSize"), 50, &q->page_size) != 0 || q->page_size < 1) {
		sim_reply_error(r, 400, 20001, "Invalid PageSize: must be an integer from 1 to 1000");
		return -1;
	}
	if (q->page_size > 1000)
		q->page_size = 1000;
	if (parse_long(sim_form_get(f, "Page"), 0, &q->page) != 0 || q->page > 1000000) {
		sim_reply_error(r, 400, 20001, "Invalid Page: must be a non-negative integer");
		return -1;
	}
	if (q->token && (strlen(q->token) != 2 + SIM_SID_LEN || q->token[0] != 'P' ||
			 (q->token[1] != 'A' && q->token[1] != 'B'))) {
		sim_reply_error(r, 400, 20001, "Invalid PageToken");
		return -1;
	}
	return 0;
}

/* True when m passes the filters; Twilio compares DateSent by UTC day. */
static bool matches(const struct sim *sim, const struct sim_msg *m, const struct list_query *q)
{
	if (q->to && strcmp(m->to, q->to) != 0)
		return false;
	if (q->from && (m->from == NULL || strcmp(m->from, q->from) != 0))
		return false;
	if (q->date_eq || q->date_le || q->date_ge) {
		struct sim_status st;
		sim_msg_status(sim, m, &st);
		/* A message still queued has no date_sent yet; its creation day stands in. */
		int64_t t = st.date_sent ? st.date_sent : m->created_s;
		int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
		if ((q->date_eq && day != q->day_eq) || (q->date_le && day > q->day_le) ||
		    (q->date_ge && day < q->day_ge))
			return false;
	}
	return true;
}

/* The matching messages in list order (malloc'd array, *n entries). */
static struct sim_msg **collect(struct sim *sim, const struct list_query *q, size_t *n)
{
	struct sim_msg **v = xmalloc((sim->nmsgs ? sim->nmsgs : 1) * sizeof(*v));
	size_t k = 0;
	bool sorted = true; /* newest-last insertion with non-decreasing dates: reversing suffices */
	for (size_t i = sim->nmsgs; i-- > 0;) {
		struct sim_msg *m = sim->msgs[i];
		if (!matches(sim, m, q))
			continue;
		if (k > 0 && before(m, v[k - 1]))
			sorted = false;
		v[k++] = m;
	}
	if (!sorted)
		qsort(v, k, sizeof(*v), cmp_order);
	*n = k;
	return v;
}

/* The URI of a page: path + the filters + PageSize + Page (+ PageToken), query encoded. */
static char *page_uri(const struct sim *sim, const struct list_query *q, long page, const char *tok_kind,
		      const char *tok_sid)
{
	const char *keys[] = {"To", "From", "DateSent", "DateSent<", "DateSent>"};
	const char *vals[] = {q->to, q->from, q->date_eq, q->date_le, q->date_ge};
	char *uri = xasprintf("/2010-04-01/Accounts/%s/Messages.json?", sim->account_sid);
	for (size_t i = 0; i < 5; i++) {
		if (vals[i] == NULL)
			continue;
		char *k = sim_url_encode(keys[i]), *v = sim_url_encode(vals[i]);
		char *next = xasprintf("%s%s=%s&", uri, k, v);
		free(k);
		free(v);
		free(uri);
		uri = next;
	}
	char *next = tok_kind ? xasprintf("%sPageSize=%ld&Page=%ld&PageToken=%s%s", uri, q->page_size, page,
					  tok_kind, tok_sid)
			      : xasprintf("%sPageSize=%ld&Page=%ld", uri, q->page_size, page);
	free(uri);
	return next;
}

/* Where the requested page starts in v; -1 when the token names no message we hold. */
static long page_start(struct sim *sim, const struct list_query *q, struct sim_msg **v, size_t n)
{
	if (q->token == NULL)
		return (long)((size_t)q->page * (size_t)q->page_size < n ? q->page * q->page_size : (long)n);
	const struct sim_msg *anchor = sim_msg_find(sim, q->token + 2);
	if (anchor == NULL)
		return -1;
	size_t k = 0; /* first entry not before the anchor (the anchor itself may be filtered out) */
	while (k < n && before(v[k], anchor))
		k++;
	if (q->token[1] == 'A')
		return (long)(k < n && v[k] == anchor ? k + 1 : k);
	return k > (size_t)q->page_size ? (long)(k - (size_t)q->page_size) : 0;
}

/* Adds a string member or null (the URI is consumed). */
static void add_uri(cJSON *j, const char *key, char *uri)
{
	if (uri)
		cJSON_AddStringToObject(j, key, uri);
	else
		cJSON_AddNullToObject(j, key);
	free(uri);
}

/* GET .../Messages.json: the list envelope exactly as Twilio shapes it. */
void sim_handle_list(struct sim *sim, const struct sim_form *query, struct sim_reply *r)
{
	struct list_query q;
	if (parse_query(query, &q, r) != 0)
		return;
	size_t n = 0;
	struct sim_msg **v = collect(sim, &q, &n);
	long start = page_start(sim, &q, v, n);
	if (start < 0) {
		free(v);
		sim_reply_error(r, 400, 20001, "Invalid PageToken: the page it points to has expired");
		return;
	}
	size_t count = n - (size_t)start < (size_t)q.page_size ? n - (size_t)start : (size_t)q.page_size;
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(j, "messages");
	for (size_t i = 0; i < count; i++)
		cJSON_AddItemToArray(arr, sim_msg_json(sim, v[(size_t)start + i]));
	long first = q.page * q.page_size;
	cJSON_AddNumberToObject(j, "end", (double)(count ? first + (long)count - 1 : first));
	add_uri(j, "first_page_uri", page_uri(sim, &q, 0, NULL, NULL));
	bool more = (size_t)start + count < n;
	add_uri(j, "next_page_uri",
		more && count ? page_uri(sim, &q, q.page + 1, "PA", v[start + count - 1]->sid) : NULL);
	cJSON_AddNumberToObject(j, "page", (double)q.page);
	cJSON_AddNumberToObject(j, "page_size", (double)q.page_size);
	if (q.page > 0 && start > 0) /* anchored on our first entry, or by offset when the page is empty */
		add_uri(j, "previous_page_uri",
			page_uri(sim, &q, q.page - 1, count ? "PB" : NULL, count ? v[start]->sid : NULL));
	else
		cJSON_AddNullToObject(j, "previous_page_uri");
	cJSON_AddNumberToObject(j, "start", (double)first);
	add_uri(j, "uri",
		page_uri(sim, &q, q.page, q.token ? (q.token[1] == 'A' ? "PA" : "PB") : NULL,
			 q.token ? q.token + 2 : NULL));
	free(v);
	sim_reply_json(r, 200, j);
}
