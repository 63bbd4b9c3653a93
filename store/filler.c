/* The cancellation filler's tables: waitlist, slot offers and each offer's chain. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define OFFER_COLS                                                                                   \
	"o.id, o.tenant_id, o.appointment_id, a.patient_id, o.provider, o.location, o.starts_at, "     \
	"o.duration_min, o.status, o.filled_by, o.new_appointment_id, o.created_at, o.updated_at"

static void waitlist_free_elem(void *e)
{
	struct waitlist_entry *w = e;
	free(w->provider);
	free(w->status);
	free(w->created_by);
	free(w->patient_name);
}

void waitlist_entry_list_free(struct waitlist_entry **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), waitlist_free_elem);
	*list = NULL;
}

static void waitlist_from_row(sqlite3_stmt *st, void *elem)
{
	struct waitlist_entry *w = elem;
	w->id = sqlite3_column_int64(st, 0);
	w->tenant_id = sqlite3_column_int64(st, 1);
	w->patient_id = sqlite3_column_int64(st, 2);
	w->provider = store_col_text(st, 3);
	w->from_at = sqlite3_column_int64(st, 4);
	w->to_at = sqlite3_column_int64(st, 5);
	w->status = store_col_text_or(st, 6, "");
	w->created_by = store_col_text_or(st, 7, "");
	w->created_at = sqlite3_column_int64(st, 8);
	w->patient_name = store_col_text_or(st, 9, "");
}

int store_waitlist_add(struct store *s, const struct waitlist_entry *w, int64_t *id_out, char **err)
{
	if (w->from_at <= 0 || w->to_at <= w->from_at)
		return seterr(err, "a waitlist entry needs a date range, its start before its end");
	if (!store_text_ok(w->provider, false, 200))
		return seterr(err, "the provider must be short and without control characters");
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO waitlist (tenant_id, patient_id, provider, from_at, to_at, created_by,"
				      " created_at) SELECT tenant_id, id, ?2, ?3, ?4, ?5, ?6 FROM patients"
				      " WHERE id = ?1 AND tenant_id = ?7",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, w->patient_id);
	store_bind_text_or_null(st, 2, w->provider);
	sqlite3_bind_int64(st, 3, w->from_at);
	sqlite3_bind_int64(st, 4, w->to_at);
	sqlite3_bind_text(st, 5, w->created_by ? w->created_by : "system", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, clock_now());
	sqlite3_bind_int64(st, 7, w->tenant_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "adding to the waitlist");
	if (sqlite3_changes(store_db(s)) != 1)
		return seterr(err, "no patient %lld at this location", (long long)w->patient_id);
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_waitlist_list(struct store *s, int64_t tenant_id, struct waitlist_entry **out, size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT w.id, w.tenant_id, w.patient_id, w.provider, w.from_at, w.to_at, w.status,"
				      " w.created_by, w.created_at, p.first_name || ' ' || p.last_name FROM waitlist w"
				      " JOIN patients p ON p.id = w.patient_id WHERE w.tenant_id = ?1 ORDER BY w.id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	return store_collect(s, st, sizeof(**out), waitlist_from_row, waitlist_free_elem, (void **)out, n,
			     "listing the waitlist", err);
}

int store_waitlist_set_status(struct store *s, int64_t id, const char *status, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "UPDATE waitlist SET status = ?2 WHERE id = ?1 AND status = 'waiting'", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "changing a waitlist entry");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : seterr(err, "no waiting waitlist entry %lld", (long long)id);
}

void slot_offer_free(struct slot_offer *o)
{
	if (o == NULL)
		return;
	free(o->provider);
	free(o->location);
	free(o->status);
	memset(o, 0, sizeof(*o));
}

static void offer_free_elem(void *e)
{
	slot_offer_free(e);
}

void slot_offer_list_free(struct slot_offer **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), offer_free_elem);
	*list = NULL;
}

static void offer_from_row(sqlite3_stmt *st, void *elem)
{
	struct slot_offer *o = elem;
	o->id = sqlite3_column_int64(st, 0);
	o->tenant_id = sqlite3_column_int64(st, 1);
	o->appointment_id = sqlite3_column_int64(st, 2);
	o->cancelled_by = sqlite3_column_int64(st, 3);
	o->provider = store_col_text_or(st, 4, "");
	o->location = store_col_text_or(st, 5, "");
	o->starts_at = sqlite3_column_int64(st, 6);
	o->duration_min = sqlite3_column_int(st, 7);
	o->status = store_col_text_or(st, 8, "");
	o->filled_by = sqlite3_column_int64(st, 9);
	o->new_appointment_id = sqlite3_column_int64(st, 10);
	o->created_at = sqlite3_column_int64(st, 11);
	o->updated_at = sqlite3_column_int64(st, 12);
}

int store_offer_open_new(struct store *s, int64_t since, int64_t after, int64_t now, int *made, char **err)
{
	/* Whatever cancelled it (an X reply, staff, an EHR feed): the appointment row says so. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT INTO slot_offers (tenant_id, appointment_id, provider, location, starts_at, duration_min,"
	    " created_at, updated_at)"
	    " SELECT a.tenant_id, a.id, a.provider, a.location, a.starts_at, a.duration_min, ?3, ?3 FROM appointments a"
	    " JOIN tenants t ON t.id = a.tenant_id AND t.retired_at = 0"
	    " WHERE a.status = 'cancelled' AND a.updated_at >= ?1 AND a.starts_at > ?2"
	    " AND NOT EXISTS (SELECT 1 FROM slot_offers o WHERE o.appointment_id = a.id)"
	    " AND COALESCE((SELECT value FROM settings WHERE tenant_id = a.tenant_id AND key = 'filler'), 'all') <> 'off'",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "opening offers for cancelled visits");
	*made = sqlite3_changes(store_db(s));
	return 0;
}

int store_offer_get(struct store *s, int64_t id, struct slot_offer *out, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s, "SELECT " OFFER_COLS " FROM slot_offers o JOIN appointments a ON a.id = o.appointment_id WHERE o.id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_fetch_one(s, st, sizeof(*out), offer_from_row, out, "reading a slot offer", err);
}

int store_offer_list(struct store *s, int64_t tenant_id, const char *status, size_t limit, struct slot_offer **out,
		     size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " OFFER_COLS " FROM slot_offers o JOIN appointments a ON a.id = o.appointment_id"
				      " WHERE (?1 = 0 OR o.tenant_id = ?1) AND (?2 IS NULL OR o.status = ?2)"
				      " ORDER BY o.id DESC LIMIT ?3",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	store_bind_text_or_null(st, 2, status);
	sqlite3_bind_int64(st, 3, limit == 0 ? -1 : (int64_t)limit);
	return store_collect(s, st, sizeof(**out), offer_from_row, offer_free_elem, (void **)out, n,
			     "listing slot offers", err);
}

int store_offer_close(struct store *s, int64_t id, const char *status, int64_t filled_by, int64_t new_appt,
		      int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE slot_offers SET status = ?2, filled_by = NULLIF(?3, 0),"
				      " new_appointment_id = NULLIF(?4, 0), updated_at = ?5 WHERE id = ?1 AND status = 'open'",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, filled_by);
	sqlite3_bind_int64(st, 4, new_appt);
	sqlite3_bind_int64(st, 5, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "closing a slot offer");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : SD_NOTFOUND;
}

int store_offer_build_chain(struct store *s, const struct slot_offer *o, int64_t recall_before, int max_recall,
			    char **err)
{
	/* Ranks continue after what the chain holds; a patient is in a chain once. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT OR IGNORE INTO slot_offer_chain (offer_id, patient_id, phone, source, rank)"
	    " SELECT ?1, p.id, p.mobile, 'waitlist',"
	    "  (SELECT COUNT(*) FROM slot_offer_chain WHERE offer_id = ?1) + ROW_NUMBER() OVER (ORDER BY w.created_at, w.id)"
	    " FROM waitlist w JOIN patients p ON p.id = w.patient_id"
	    " WHERE w.tenant_id = ?2 AND w.status = 'waiting' AND (w.provider IS NULL OR w.provider = ?3)"
	    " AND ?4 >= w.from_at AND ?4 < w.to_at AND p.mobile IS NOT NULL AND p.id <> ?5"
	    " GROUP BY p.id",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, o->tenant_id);
	sqlite3_bind_text(st, 3, o->provider, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, o->starts_at);
	sqlite3_bind_int64(st, 5, o->cancelled_by);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "offering a slot to the waitlist");
	if (recall_before <= 0 || max_recall <= 0)
		return 0;
	st = store_stmt(
	    s,
	    "INSERT OR IGNORE INTO slot_offer_chain (offer_id, patient_id, phone, source, rank)"
	    " SELECT ?1, id, mobile, 'recall', (SELECT COUNT(*) FROM slot_offer_chain WHERE offer_id = ?1)"
	    "  + ROW_NUMBER() OVER (ORDER BY last, id) FROM (SELECT p.id, p.mobile, (SELECT MAX(a.starts_at) FROM"
	    "  appointments a WHERE a.patient_id = p.id AND a.starts_at < ?4 AND a.status NOT IN ('cancelled', 'no_show'))"
	    "  AS last FROM patients p WHERE p.tenant_id = ?2 AND p.mobile IS NOT NULL AND p.id <> ?5"
	    "  AND NOT EXISTS (SELECT 1 FROM appointments b WHERE b.patient_id = p.id AND b.starts_at >= ?4"
	    "   AND b.status IN ('scheduled', 'confirmed', 'reschedule_requested')))"
	    " WHERE last < ?3 ORDER BY last, id LIMIT ?6",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, o->tenant_id);
	sqlite3_bind_int64(st, 3, recall_before);
	sqlite3_bind_int64(st, 4, clock_now());
	sqlite3_bind_int64(st, 5, o->cancelled_by);
	sqlite3_bind_int(st, 6, max_recall);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "offering a slot to patients due for a recall");
}

static void link_free_elem(void *e)
{
	struct offer_link *l = e;
	free(l->phone);
	free(l->source);
	free(l->status);
	free(l->reason);
	free(l->patient_name);
	free(l->first_name);
	free(l->timezone);
}

void offer_link_list_free(struct offer_link **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), link_free_elem);
	*list = NULL;
}

static void link_from_row(sqlite3_stmt *st, void *elem)
{
	struct offer_link *l = elem;
	l->id = sqlite3_column_int64(st, 0);
	l->offer_id = sqlite3_column_int64(st, 1);
	l->patient_id = sqlite3_column_int64(st, 2);
	l->phone = store_col_text_or(st, 3, "");
	l->source = store_col_text_or(st, 4, "");
	l->rank = sqlite3_column_int(st, 5);
	l->status = store_col_text_or(st, 6, "");
	l->reason = store_col_text(st, 7);
	l->message_id = sqlite3_column_int64(st, 8);
	l->offered_at = sqlite3_column_int64(st, 9);
	l->answered_at = sqlite3_column_int64(st, 10);
	l->patient_name = store_col_text_or(st, 11, "");
	l->first_name = store_col_text_or(st, 12, "");
	l->timezone = store_col_text(st, 13);
}

int store_offer_chain(struct store *s, int64_t offer_id, struct offer_link **out, size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT c.id, c.offer_id, c.patient_id, c.phone, c.source, c.rank, c.status, c.reason,"
				      " c.message_id, c.offered_at, c.answered_at, p.first_name || ' ' || p.last_name,"
				      " p.first_name, p.timezone FROM slot_offer_chain c JOIN patients p ON p.id = c.patient_id"
				      " WHERE c.offer_id = ?1 ORDER BY c.rank, c.id",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, offer_id);
	return store_collect(s, st, sizeof(**out), link_from_row, link_free_elem, (void **)out, n,
			     "reading an offer's chain", err);
}

int store_offer_link_set(struct store *s, int64_t link_id, const char *status, const char *reason, int64_t message_id,
			 int64_t offered_at, int64_t answered_at, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE slot_offer_chain SET status = ?2, reason = COALESCE(?3, reason),"
				      " message_id = COALESCE(NULLIF(?4, 0), message_id),"
				      " offered_at = COALESCE(NULLIF(?5, 0), offered_at),"
				      " answered_at = COALESCE(NULLIF(?6, 0), answered_at) WHERE id = ?1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, link_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 3, reason);
	sqlite3_bind_int64(st, 4, message_id);
	sqlite3_bind_int64(st, 5, offered_at);
	sqlite3_bind_int64(st, 6, answered_at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "updating an offer's chain");
}

int store_offer_next_reply(struct store *s, int64_t tenant_id, const char *phone, int64_t since, int64_t after_id,
			   int64_t *id, int64_t *at, char **body, char **err)
{
	*body = NULL;
	*id = 0;
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT id, created_at, body FROM sms_messages WHERE thread_id ="
				      " (SELECT id FROM sms_threads WHERE tenant_id = ?1 AND phone = ?2)"
				      " AND direction = 'inbound' AND created_at >= ?3 AND id > ?4 ORDER BY id LIMIT 1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, after_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*at = sqlite3_column_int64(st, 1);
		*body = store_col_text_or(st, 2, "");
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading replies to an offer");
}

int store_waitlist_mark_booked(struct store *s, int64_t patient_id, int64_t starts_at, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE waitlist SET status = 'booked' WHERE patient_id = ?1 AND status = 'waiting'"
				      " AND ?2 >= from_at AND ?2 < to_at",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int64(st, 2, starts_at);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "marking a waitlist entry booked");
}
