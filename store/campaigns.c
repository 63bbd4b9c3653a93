/* Campaigns and recalls: campaign rows, the candidate query, recipient rows and their moves. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define CAMPAIGN_COLS                                                                                \
	"id, tenant_id, name, kind, body, filter, status, created_by, created_at, started_at, "      \
	"finished_at, updated_at, per_minute"
#define RECIPIENT_COLS "id, campaign_id, tenant_id, patient_id, phone, status, reason, message_id, not_before, released_at"

void campaign_free(struct campaign *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->kind);
	free(c->body);
	free(c->filter);
	free(c->status);
	free(c->created_by);
	memset(c, 0, sizeof(*c));
}

static void campaign_free_elem(void *e)
{
	campaign_free(e);
}

void campaign_list_free(struct campaign **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), campaign_free_elem);
	*list = NULL;
}

static void candidate_free_elem(void *e)
{
	struct campaign_candidate *c = e;
	free(c->first_name);
	free(c->mobile);
	free(c->timezone);
}

void campaign_candidate_list_free(struct campaign_candidate **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), candidate_free_elem);
	*list = NULL;
}

void campaign_recipient_free(struct campaign_recipient *r)
{
	if (r == NULL)
		return;
	free(r->phone);
	free(r->status);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

static void campaign_from_row(sqlite3_stmt *st, void *elem)
{
	struct campaign *c = elem;
	c->id = sqlite3_column_int64(st, 0);
	c->tenant_id = sqlite3_column_int64(st, 1);
	c->name = store_col_text_or(st, 2, "");
	c->kind = store_col_text_or(st, 3, "care");
	c->body = store_col_text_or(st, 4, "");
	c->filter = store_col_text_or(st, 5, "");
	c->status = store_col_text_or(st, 6, "draft");
	c->created_by = store_col_text_or(st, 7, "");
	c->created_at = sqlite3_column_int64(st, 8);
	c->started_at = sqlite3_column_int64(st, 9);
	c->finished_at = sqlite3_column_int64(st, 10);
	c->updated_at = sqlite3_column_int64(st, 11);
	c->per_minute = sqlite3_column_int(st, 12);
}

static void candidate_from_row(sqlite3_stmt *st, void *elem)
{
	struct campaign_candidate *c = elem;
	c->patient_id = sqlite3_column_int64(st, 0);
	c->first_name = store_col_text_or(st, 1, "");
	c->mobile = store_col_text(st, 2);
	c->timezone = store_col_text(st, 3);
	c->opted_in = sqlite3_column_int(st, 4) != 0;
	c->number_blocked = sqlite3_column_int(st, 5) != 0;
	c->landline = sqlite3_column_int(st, 6) != 0;
	c->consent = sqlite3_column_int(st, 7) != 0;
	c->marketing_consent = sqlite3_column_int(st, 8) != 0;
}

static void recipient_from_row(sqlite3_stmt *st, void *elem)
{
	struct campaign_recipient *r = elem;
	r->id = sqlite3_column_int64(st, 0);
	r->campaign_id = sqlite3_column_int64(st, 1);
	r->tenant_id = sqlite3_column_int64(st, 2);
	r->patient_id = sqlite3_column_int64(st, 3);
	r->phone = store_col_text(st, 4);
	r->status = store_col_text_or(st, 5, "");
	r->reason = store_col_text(st, 6);
	r->message_id = sqlite3_column_int64(st, 7);
	r->not_before = sqlite3_column_int64(st, 8);
	r->released_at = sqlite3_column_int64(st, 9);
}

int store_campaign_candidates(struct store *s, const struct campaign_query *q, struct campaign_candidate **out,
			      size_t *n, char **err)
{
	/* One pass over the tenant's patients; each visit test is an index lookup on
	 * appointments_by_patient. Care consent reads as the reminders read it. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT p.id, p.first_name, p.mobile, p.timezone, COALESCE(pr.opted_in, 1),"
	    " EXISTS (SELECT 1 FROM sms_optouts o WHERE o.tenant_id = p.tenant_id AND o.phone = p.mobile),"
	    " EXISTS (SELECT 1 FROM sms_landlines l WHERE l.tenant_id = p.tenant_id AND l.phone = p.mobile),"
	    " (pr.consent_at IS NOT NULL AND pr.consent_at > 0 AND p.mobile IS NOT NULL"
	    "  AND (pr.consent_phone IS NULL OR pr.consent_phone = p.mobile)),"
	    " (COALESCE(pr.marketing, 0) = 1 AND pr.marketing_consent_at > 0 AND p.mobile IS NOT NULL"
	    "  AND pr.marketing_consent_phone = p.mobile)"
	    " FROM patients p LEFT JOIN patient_sms_preferences pr ON pr.patient_id = p.id"
	    " WHERE p.tenant_id = ?1"
	    " AND (?3 = 0 OR (SELECT MAX(a.starts_at) FROM appointments a WHERE a.patient_id = p.id"
	    "  AND a.starts_at < ?2 AND a.status NOT IN ('cancelled', 'no_show')) < ?3)"
	    " AND (?4 = 0 OR NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id"
	    "  AND a.starts_at >= ?2 AND a.status IN ('scheduled', 'confirmed', 'reschedule_requested')))"
	    " AND (?5 = 0 OR EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id"
	    "  AND a.starts_at >= ?5 AND a.starts_at < ?6 AND a.status NOT IN ('cancelled', 'no_show')"
	    "  AND (?7 IS NULL OR a.provider = ?7)))"
	    " ORDER BY p.id",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, q->tenant_id);
	sqlite3_bind_int64(st, 2, q->now);
	sqlite3_bind_int64(st, 3, q->last_visit_before);
	sqlite3_bind_int(st, 4, q->no_upcoming ? 1 : 0);
	sqlite3_bind_int64(st, 5, q->visit_from);
	sqlite3_bind_int64(st, 6, q->visit_to);
	store_bind_text_or_null(st, 7, q->provider);
	return store_collect(s, st, sizeof(**out), candidate_from_row, candidate_free_elem, (void **)out, n,
			     "finding a campaign's recipients", err);
}

int store_campaign_add(struct store *s, const struct campaign *c, int64_t *id_out, char **err)
{
	if (!store_text_ok(c->name, true, 200))
		return seterr(err, "a campaign name must be 1 to 200 characters, without control characters");
	if (c->kind == NULL || (strcmp(c->kind, "care") != 0 && strcmp(c->kind, "marketing") != 0))
		return seterr(err, "a campaign is either care or marketing");
	if (c->per_minute < 0)
		return seterr(err, "a campaign's pace cannot be negative");
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO sms_campaigns (tenant_id, name, kind, body, filter, status, created_by,"
				      " created_at, updated_at, per_minute) VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?7, ?8)",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->tenant_id);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, c->body ? c->body : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, c->filter ? c->filter : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, c->created_by ? c->created_by : "system", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, c->created_at ? c->created_at : clock_now());
	sqlite3_bind_int(st, 8, c->per_minute);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "adding a campaign");
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_campaign_add_recipient(struct store *s, int64_t campaign_id, int64_t tenant_id, int64_t patient_id,
				 const char *phone, const char *status, const char *reason, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO sms_campaign_recipients (campaign_id, tenant_id, patient_id, phone,"
				      " status, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, tenant_id);
	sqlite3_bind_int64(st, 3, patient_id);
	store_bind_text_or_null(st, 4, phone);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(st, 6, reason);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "adding a campaign recipient");
}

int store_campaign_get(struct store *s, int64_t id, struct campaign *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " CAMPAIGN_COLS " FROM sms_campaigns WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_fetch_one(s, st, sizeof(*out), campaign_from_row, out, "reading a campaign", err);
}

int store_campaign_list(struct store *s, int64_t tenant_id, const char *status, struct campaign **out, size_t *n,
			char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " CAMPAIGN_COLS " FROM sms_campaigns WHERE (?1 = 0 OR tenant_id = ?1)"
				      " AND (?2 IS NULL OR status = ?2) ORDER BY id DESC",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	store_bind_text_or_null(st, 2, status);
	return store_collect(s, st, sizeof(**out), campaign_from_row, campaign_free_elem, (void **)out, n,
			     "listing campaigns", err);
}

int store_campaign_set_status(struct store *s, int64_t id, const char *status, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s,
	    "UPDATE sms_campaigns SET status = ?2, updated_at = ?3,"
	    " started_at = CASE WHEN ?2 = 'sending' AND started_at IS NULL THEN ?3 ELSE started_at END,"
	    " finished_at = CASE WHEN ?2 = 'done' THEN ?3 ELSE finished_at END WHERE id = ?1",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "changing a campaign's status");
	return sqlite3_changes(store_db(s)) == 1 ? 0 : seterr(err, "no campaign %lld", (long long)id);
}

int store_campaign_next_pending(struct store *s, int64_t campaign_id, int64_t now, struct campaign_recipient *out,
				char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " RECIPIENT_COLS " FROM sms_campaign_recipients WHERE campaign_id = ?1"
				      " AND status = 'pending' AND not_before <= ?2 ORDER BY not_before, id LIMIT 1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	sqlite3_bind_int64(st, 2, now);
	return store_fetch_one(s, st, sizeof(*out), recipient_from_row, out, "reading a campaign recipient", err);
}

/* Runs a statement with one int64 result into *n. */
static int count_one(struct store *s, sqlite3_stmt *st, int64_t *n, const char *doing, char **err)
{
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, doing);
}

int store_campaign_count_pending(struct store *s, int64_t campaign_id, int64_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s, "SELECT COUNT(*) FROM sms_campaign_recipients WHERE campaign_id = ?1 AND status = 'pending'", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	return count_one(s, st, n, "counting pending recipients", err);
}

int store_campaign_outstanding(struct store *s, int64_t campaign_id, int64_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT COUNT(*) FROM sms_campaign_recipients r JOIN sms_messages m"
				      " ON m.id = r.message_id WHERE r.campaign_id = ?1 AND r.status = 'queued'"
				      " AND m.status IN ('queued', 'sending') AND m.twilio_sid IS NULL",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, campaign_id);
	return count_one(s, st, n, "counting a campaign's outbox", err);
}

/* Runs an UPDATE of one recipient; -1 unless exactly one row changed (then *err says so). */
static int update_recipient(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, doing);
	if (sqlite3_changes(store_db(s)) != 1)
		return seterr(err, "%s: the recipient is not pending any more", doing);
	return 0;
}

int store_campaign_recipient_defer(struct store *s, int64_t id, int64_t not_before, const char *reason,
				   char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_campaign_recipients SET not_before = ?2, reason = ?3"
				      " WHERE id = ?1 AND status = 'pending'",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, not_before);
	store_bind_text_or_null(st, 3, reason);
	return update_recipient(s, st, "putting a recipient off", err);
}

int store_campaign_recipient_claim(struct store *s, int64_t id, int64_t now, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_campaign_recipients SET status = 'queued', released_at = ?2, reason = NULL"
				      " WHERE id = ?1 AND status = 'pending'",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return update_recipient(s, st, "releasing a recipient", err);
}

int store_campaign_recipient_link(struct store *s, int64_t id, int64_t message_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_campaign_recipients SET message_id = ?2 WHERE id = ?1 AND status = 'queued'",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, message_id);
	return update_recipient(s, st, "linking a recipient's message", err);
}

int store_campaign_recipient_skip(struct store *s, int64_t id, const char *reason, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_campaign_recipients SET status = 'skipped', reason = ?2"
				      " WHERE id = ?1 AND status IN ('pending', 'queued') AND message_id IS NULL",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text_or_null(st, 2, reason);
	return update_recipient(s, st, "skipping a recipient", err);
}

int store_campaign_unqueue(struct store *s, int64_t campaign_id, int64_t now, int64_t *n, char **err)
{
	*n = 0;
	if (store_begin(s, err) != 0)
		return -1;
	/* The messages first: only rows still 'queued' without a SID, which no sender has
	 * claimed (a claim needs 'queued' and takes the write lock we hold). Then their
	 * recipients go back to pending, to be released again on a resume. */
	sqlite3_stmt *ids = store_stmt(s,
				       "UPDATE sms_messages SET status = 'canceled', error_message ="
				       " 'not sent: the campaign was stopped', updated_at = ?2"
				       " WHERE status = 'queued' AND twilio_sid IS NULL AND id IN"
				       " (SELECT message_id FROM sms_campaign_recipients WHERE campaign_id = ?1"
				       "  AND status = 'queued')",
				       err);
	if (ids == NULL)
		goto fail;
	sqlite3_bind_int64(ids, 1, campaign_id);
	sqlite3_bind_int64(ids, 2, now);
	if (sqlite3_step(ids) != SQLITE_DONE) {
		sqlite3_reset(ids);
		store_fail(s, err, "cancelling a campaign's queued messages");
		goto fail;
	}
	sqlite3_reset(ids);
	*n = sqlite3_changes(store_db(s));
	sqlite3_stmt *st = store_stmt(s,
			"UPDATE sms_campaign_recipients SET status = 'pending', message_id = NULL,"
			" released_at = NULL WHERE campaign_id = ?1 AND status = 'queued' AND message_id IN"
			" (SELECT id FROM sms_messages WHERE status = 'canceled' AND twilio_sid IS NULL)",
			err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, campaign_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		store_fail(s, err, "putting a campaign's recipients back");
		goto fail;
	}
	sqlite3_reset(st);
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}
