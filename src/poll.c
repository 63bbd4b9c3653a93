/* Inbound polling: clinics have no public URL for webhooks, so we list Twilio's messages to
 * the tenant's number since the cursor and hand each inbound one to the processor. */
#include <stdlib.h>
#include <string.h>
#include "src/poll.h"
#include "src/inbound.h"
#include "src/media.h"
#include "src/util.h"

#define POLL_PAGE_SIZE 1000     /* Twilio's largest page */
#define POLL_OVERLAP 86400      /* DateSent filters by day: start a day early */
#define POLL_MAX_PAGES 100000   /* a server that pages forever must not hold us forever */
#define POLL_BULK_CACHE_KIB 16384 /* page cache for a catch-up of more than a page (store_cache_grow) */

/* Every inbound message listed, in listing order, owned here. */
struct batch {
	struct twilio_message *items;
	size_t n, cap;
	int64_t newest; /* newest date_sent seen */
};

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		twilio_message_free(&b->items[i]);
	free(b->items);
	memset(b, 0, sizeof(*b));
}

/* What a listing is matched against: the tenant polled and every location of the database. */
struct owners {
	const struct tenant *t;
	const struct tenant *all;
	size_t n;
};

/* NULL-safe string equality; two NULLs (or "") are equal. */
static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The one location an inbound message belongs to (its id), 0 when none or more than one:
 * among the locations on the polled account, the one whose number it was sent To, else
 * the one whose Messaging Service received it. Two locations on one account must never see
 * each other's patients. */
static int64_t owner_of(const struct owners *o, const struct twilio_message *m)
{
	int64_t by_number = 0, by_service = 0;
	int numbers = 0, services = 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct tenant *x = &o->all[i];
		if (!same(x->account_sid, o->t->account_sid))
			continue;
		if (m->to != NULL && x->from_number != NULL && x->from_number[0] != '\0' &&
		    strcmp(x->from_number, m->to) == 0) {
			by_number = x->id;
			numbers++;
		}
		if (m->messaging_service_sid != NULL && x->messaging_service_sid != NULL &&
		    x->messaging_service_sid[0] != '\0' && strcmp(x->messaging_service_sid, m->messaging_service_sid) == 0) {
			by_service = x->id;
			services++;
		}
	}
	if (numbers > 0)
		return numbers == 1 ? by_number : 0;
	return services == 1 ? by_service : 0;
}

/* Whether a listed message is an inbound one for this tenant; one for nobody is counted. */
static bool wanted(const struct owners *o, const struct twilio_message *m, struct poll_stats *stats)
{
	if (m->direction == NULL || strcmp(m->direction, "inbound") != 0 || m->sid == NULL || m->from == NULL)
		return false;
	/* Listed by To = our number with no To in the answer: ours (the query said so). */
	if (m->to == NULL && o->t->from_number != NULL && o->t->from_number[0] != '\0')
		return true;
	int64_t owner = owner_of(o, m);
	if (owner == 0)
		stats->unmatched++;
	return owner == o->t->id;
}

/* Moves the page's wanted messages into the batch (the page keeps the rest to free). */
static void take_page(struct batch *b, const struct owners *o, struct twilio_page *p, struct poll_stats *stats)
{
	for (size_t i = 0; i < p->n; i++) {
		struct twilio_message *m = &p->items[i];
		stats->seen++;
		int64_t when = m->date_sent != 0 ? m->date_sent : m->date_created;
		if (!wanted(o, m, stats))
			continue;
		if (when > b->newest)
			b->newest = when;
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 256;
			b->items = xrealloc(b->items, b->cap * sizeof(*b->items));
		}
		b->items[b->n++] = *m;
		memset(m, 0, sizeof(*m));
	}
}

/* Lists every page; 0, or -1 with *err (nothing processed yet, the cursor untouched). */
static int list_all(struct twilio_client *c, const struct owners *o, int64_t cursor, struct batch *b,
		    struct poll_stats *stats, char **err)
{
	const struct tenant *t = o->t;
	struct twilio_list_query q = {
		.to = t->from_number != NULL && t->from_number[0] != '\0' ? t->from_number : NULL,
		.date_sent_after = cursor > POLL_OVERLAP ? cursor - POLL_OVERLAP : 0,
		.page_size = POLL_PAGE_SIZE,
	};
	struct twilio_error e = {0};
	struct twilio_page page = {0};
	char *next = NULL;
	int rc = -1;
	enum twilio_result r = twilio_list(c, &q, &page, &e);
	for (;;) {
		if (r != TW_OK) {
			seterr(err, "listing inbound messages: %s",
			       e.message ? e.message : twilio_result_str(r));
			goto out;
		}
		stats->pages++;
		take_page(b, o, &page, stats);
		if (page.next_page_uri == NULL || page.next_page_uri[0] == '\0') {
			rc = 0;
			goto out;
		}
		if (stats->pages >= POLL_MAX_PAGES || (next != NULL && strcmp(next, page.next_page_uri) == 0)) {
			seterr(err, "listing inbound messages: the pages do not end");
			goto out;
		}
		free(next);
		next = xstrdup(page.next_page_uri);
		twilio_page_free(&page);
		twilio_error_clear(&e);
		r = twilio_list_next(c, next, &page, &e);
	}
out:
	free(next);
	twilio_page_free(&page);
	twilio_error_clear(&e);
	return rc;
}

/* A message's time and its place in Twilio's listing, for a stable sort. */
struct order_key {
	int64_t when;
	size_t idx;
};

/* Oldest first; equal times in reverse listing order (Twilio lists newest first). */
static int by_time(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	if (x->when != y->when)
		return x->when < y->when ? -1 : 1;
	return x->idx > y->idx ? -1 : x->idx < y->idx ? 1 : 0;
}

/* Twilio lists newest first: process oldest first, so "STOP" then "START" ends opted in. */
static void order_oldest_first(struct batch *b)
{
	if (b->n < 2)
		return;
	struct order_key *keys = xmalloc(b->n * sizeof(*keys));
	for (size_t i = 0; i < b->n; i++) {
		const struct twilio_message *m = &b->items[i];
		keys[i].when = m->date_sent != 0 ? m->date_sent : m->date_created;
		keys[i].idx = i;
	}
	qsort(keys, b->n, sizeof(*keys), by_time);
	struct twilio_message *sorted = xmalloc(b->cap * sizeof(*sorted));
	for (size_t i = 0; i < b->n; i++)
		sorted[i] = b->items[keys[i].idx];
	free(b->items);
	b->items = sorted;
	free(keys);
}

/* Whether the SID is stored already; a read, so re-listed days cost no write lock. Any
 * doubt (an error) answers false and leaves the decision to inbound_process. */
static bool known(struct store *s, const char *sid)
{
	return store_msg_sid_known(s, sid, NULL) == 0;
}

/* The stored form of a listed inbound message (strings borrowed from tm). */
static struct sms_message as_message(const struct tenant *t, const struct twilio_message *tm)
{
	struct sms_message m = {
		.tenant_id = t->id,
		.twilio_sid = tm->sid,
		.direction = "inbound",
		.from_number = tm->from,
		.to_number = tm->to ? tm->to : (t->from_number ? t->from_number : ""),
		.body = tm->body ? tm->body : "",
		.segments = tm->num_segments > 0 ? tm->num_segments : 1,
		.status = "received",
		.created_at = tm->date_sent != 0 ? tm->date_sent : tm->date_created,
	};
	return m;
}

/* Processes one message inside the chunk's transaction; guarded: in a savepoint of its own,
 * so a failure undoes it alone. *done when it was new and processed. */
static int process_one(struct store *s, const struct tenant *t, const struct twilio_message *tm,
		       const struct inbound_keywords *kw, bool guarded, bool *done, char **err)
{
	struct sms_message m = as_message(t, tm);
	if (guarded && store_savepoint(s, err) != 0)
		return -1;
	if (inbound_process_with(s, t, &m, kw, done, err) != 0 ||
	    (*done && tm->num_media > 0 && media_expect(s, t, tm->sid, err) != 0)) {
		/* the photos are fetched after the poll (src/media.c): only noted here */
		*done = false;
		if (guarded)
			store_savepoint_rollback(s);
		return -1;
	}
	return guarded ? store_savepoint_release(s, err) : 0;
}

/* Processes items [from, to) in one transaction (a transaction per message cost 28 writes
 * and a sync each: issue 15). Unguarded, a failure undoes the whole chunk and returns
 * POLL_RETRY_GUARDED: the caller runs it again guarded, each message in its own savepoint
 * (two statements each, 5% of the ingest's CPU, paid only when something went wrong), where
 * a message that fails is undone alone and ends the poll: the ones before it are kept, the
 * cursor stays, and the next poll lists the rest again. cursor > 0 (the last chunk) moves
 * the cursor in the same transaction, so a crash leaves both or neither. */
#define POLL_RETRY_GUARDED 1
static int process_chunk(struct store *s, const struct tenant *t, const struct batch *b, size_t from, size_t to,
			 int64_t cursor, bool guarded, struct poll_stats *stats, char **err)
{
	int rc = 0, processed = 0;
	if (store_begin(s, err) != 0)
		return -1;
	struct inbound_keywords kw = {0};
	bool kw_loaded = false; /* on the first new message: a re-listed page needs none */
	for (size_t i = from; i < to && rc == 0; i++) {
		const struct twilio_message *tm = &b->items[i];
		bool done = false;
		if (known(s, tm->sid))
			continue; /* listed again (the day overlap) */
		if (!kw_loaded) {
			if (inbound_keywords_load(s, t->id, &kw, err) != 0) {
				rc = -1;
				break;
			}
			kw_loaded = true;
		}
		rc = process_one(s, t, tm, &kw, guarded, &done, err);
		processed += done;
	}
	inbound_keywords_free(&kw);
	if (rc != 0 && !guarded) {
		store_rollback(s);
		if (err != NULL) {
			free(*err);
			*err = NULL;
		}
		return POLL_RETRY_GUARDED;
	}
	if (rc == 0 && cursor > 0 && store_sync_set_cursor(s, t->id, cursor, err) != 0)
		rc = -1;
	char *commit_err = NULL;
	if (store_commit(s, rc == 0 ? err : &commit_err) != 0) {
		free(commit_err);
		return -1;
	}
	stats->processed += processed;
	return rc;
}

/* Hands the messages to the processor a page's worth per transaction; stops at the first
 * failure. The last transaction also moves the cursor to `newest` (when it moves ahead). */
static int process_all(struct store *s, const struct tenant *t, struct batch *b, int64_t cursor,
		       struct poll_stats *stats, char **err)
{
	int64_t to_cursor = b->newest > cursor ? b->newest : 0;
	if (b->n == 0)
		return to_cursor > 0 ? store_sync_set_cursor(s, t->id, to_cursor, err) : 0;
	bool bulk = b->n > POLL_PAGE_SIZE; /* 16 MB of cache: +10-20% ingest on 100,000 */
	if (bulk)
		store_cache_grow(s, POLL_BULK_CACHE_KIB);
	int rc = 0;
	for (size_t from = 0; from < b->n && rc == 0; from += POLL_PAGE_SIZE) {
		size_t to = from + POLL_PAGE_SIZE < b->n ? from + POLL_PAGE_SIZE : b->n;
		int64_t at = to == b->n ? to_cursor : 0;
		rc = process_chunk(s, t, b, from, to, at, false, stats, err);
		if (rc == POLL_RETRY_GUARDED)
			rc = process_chunk(s, t, b, from, to, at, true, stats, err);
	}
	if (bulk)
		store_cache_restore(s);
	return rc == 0 ? 0 : -1;
}

int poll_inbound(struct store *s, struct twilio_client *c, const struct tenant *t, struct poll_stats *stats,
		 char **err)
{
	struct poll_stats local = {0};
	struct sync_state st = {0};
	struct batch b = {0};
	int64_t now = clock_now();
	int rc = -1;
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if ((t->from_number == NULL || t->from_number[0] == '\0') &&
	    (t->messaging_service_sid == NULL || t->messaging_service_sid[0] == '\0'))
		return seterr(err, "%s has no sending number or messaging service to poll", t->name);
	struct tenant *all = NULL;
	size_t nall = 0;
	if (store_sync_get(s, t->id, &st, err) != 0)
		return -1;
	if (store_tenant_list(s, &all, &nall, err) != 0)
		goto record;
	struct owners o = {.t = t, .all = all, .n = nall};
	if (list_all(c, &o, st.inbound_cursor, &b, stats, err) != 0)
		goto record;
	order_oldest_first(&b);
	if (process_all(s, t, &b, st.inbound_cursor, stats, err) != 0)
		goto record;
	rc = 0;
record:
	/* The poll's outcome is kept for the status line; a failure to record it is secondary. */
	store_sync_record_poll(s, t->id, now, rc == 0 ? NULL : (err && *err ? *err : "poll failed"), NULL);
	sync_state_free(&st);
	tenant_list_free(&all, nall);
	batch_free(&b);
	return rc;
}
