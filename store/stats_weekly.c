/* Analytics by location and week (delivery, reply and confirm rates, cost) and no-shows after
 * a reminder against without one. Owner of the declarations in store/stats.h below the
 * period figures. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define WEEK 604800
#define MONDAY 345600 /* 1970-01-05 00:00 UTC was a Monday */

void stats_week_list_free(struct stats_week **list, size_t n)
{
	free(*list);
	*list = NULL;
	(void)n;
}

/* Finds or appends the row of week start w (rows stay in week order: both queries walk the weeks in order). */
static struct stats_week *row_for(struct stats_week **rows, size_t *n, size_t *cap, int64_t tenant_id, int64_t w)
{
	for (size_t i = 0; i < *n; i++)
		if ((*rows)[i].week_start == w)
			return &(*rows)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*rows = xrealloc(*rows, *cap * sizeof(**rows));
	}
	struct stats_week *r = &(*rows)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->tenant_id = tenant_id;
	r->week_start = w;
	return r;
}

/* Binds the weekly queries' parameters: ?1 location, ?2-?3 the period, ?4 the zone offset
 * that puts week starts on the location's Mondays. */
static void bind_weeks(sqlite3_stmt *st, int64_t tenant_id, int64_t since, int64_t until, int64_t offset)
{
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	sqlite3_bind_int64(st, 4, offset);
}

/* Messages by week: volumes, delivery, patients texted and who wrote back, cost. */
static int weekly_messages(struct store *s, int64_t tenant_id, int64_t since, int64_t until, int64_t offset,
			   struct stats_week **rows, size_t *n, size_t *cap, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT ((m.created_at + ?4 - 345600) / 604800) * 604800 + 345600 - ?4 AS w,"
	    " TOTAL(m.direction = 'outbound' AND m.status <> 'canceled'),"
	    " TOTAL(m.direction = 'outbound' AND m.status = 'delivered'),"
	    " TOTAL(m.direction = 'outbound' AND m.status IN ('delivered', 'failed', 'undelivered')),"
	    " COUNT(DISTINCT CASE WHEN m.direction = 'outbound' AND m.status <> 'canceled' THEN m.patient_id END),"
	    " COUNT(DISTINCT CASE WHEN m.direction = 'inbound' THEN m.patient_id END),"
	    " TOTAL(CASE WHEN m.direction = 'inbound'"
	    "       OR m.status IN ('accepted', 'scheduled', 'sent', 'delivered', 'undelivered')"
	    "     THEN (CASE WHEN m.media_urls IS NOT NULL AND m.media_urls NOT IN ('', '[]')"
	    "           THEN t.mms_price_micros ELSE m.segments * t.segment_price_micros END) ELSE 0 END),"
	    " TOTAL(m.direction = 'outbound' AND m.status <> 'canceled' AND m.message_type = 'campaign')"
	    " FROM sms_messages m JOIN tenants t ON t.id = m.tenant_id"
	    " WHERE m.tenant_id = ?1 AND m.created_at >= ?2 AND m.created_at < ?3 GROUP BY w ORDER BY w",
	    err);
	if (st == NULL)
		return -1;
	bind_weeks(st, tenant_id, since, until, offset);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct stats_week *r = row_for(rows, n, cap, tenant_id, sqlite3_column_int64(st, 0));
		r->sent = (int64_t)sqlite3_column_double(st, 1);
		r->delivered = (int64_t)sqlite3_column_double(st, 2);
		r->final = (int64_t)sqlite3_column_double(st, 3);
		r->texted = sqlite3_column_int64(st, 4);
		r->replied = sqlite3_column_int64(st, 5);
		r->cost_micros = (int64_t)sqlite3_column_double(st, 6);
		r->campaign = (int64_t)sqlite3_column_double(st, 7);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "counting messages by week");
}

/* Reminded appointments by the week of their reminder, and how many were confirmed. */
static int weekly_reminders(struct store *s, int64_t tenant_id, int64_t since, int64_t until, int64_t offset,
			    struct stats_week **rows, size_t *n, size_t *cap, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT ((COALESCE(sent_at, due_at) + ?4 - 345600) / 604800) * 604800 + 345600 - ?4 AS w,"
	    " COUNT(DISTINCT appointment_id),"
	    " COUNT(DISTINCT CASE WHEN response = 'confirmed' THEN appointment_id END)"
	    " FROM appointment_sms_reminders WHERE tenant_id = ?1 AND status IN ('queued', 'sent')"
	    " AND COALESCE(sent_at, due_at) >= ?2 AND COALESCE(sent_at, due_at) < ?3 GROUP BY w ORDER BY w",
	    err);
	if (st == NULL)
		return -1;
	bind_weeks(st, tenant_id, since, until, offset);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct stats_week *r = row_for(rows, n, cap, tenant_id, sqlite3_column_int64(st, 0));
		r->reminded = sqlite3_column_int64(st, 1);
		r->confirmed = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "counting reminders by week");
}

/* Orders rows by week (the two queries may have added weeks out of order). */
static int by_week(const void *a, const void *b)
{
	int64_t x = ((const struct stats_week *)a)->week_start, y = ((const struct stats_week *)b)->week_start;
	return x < y ? -1 : x > y;
}

int store_stats_weekly(struct store *s, int64_t tenant_id, int64_t since, int64_t until, int64_t utc_offset,
		       struct stats_week **out, size_t *n, char **err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (weekly_messages(s, tenant_id, since, until, utc_offset, out, n, &cap, err) != 0 ||
	    weekly_reminders(s, tenant_id, since, until, utc_offset, out, n, &cap, err) != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), by_week);
	return 0;
}

int store_stats_noshow(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct stats_noshow *out,
		       char **err)
{
	memset(out, 0, sizeof(*out));
	/* Visits in the period that are over (completed or no-show), split by whether a reminder
	 * went to the patient for them. */
	sqlite3_stmt *st = store_stmt(
	    s,
	    "SELECT TOTAL(r), TOTAL(r AND ns), TOTAL(NOT r), TOTAL(NOT r AND ns) FROM ("
	    " SELECT EXISTS (SELECT 1 FROM appointment_sms_reminders x WHERE x.appointment_id = a.id"
	    "  AND x.status IN ('queued', 'sent')) AS r, a.status = 'no_show' AS ns"
	    " FROM appointments a WHERE (?1 = 0 OR a.tenant_id = ?1) AND a.starts_at >= ?2 AND a.starts_at < ?3"
	    " AND a.status IN ('completed', 'no_show'))",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->reminded = (int64_t)sqlite3_column_double(st, 0);
		out->reminded_noshow = (int64_t)sqlite3_column_double(st, 1);
		out->unreminded = (int64_t)sqlite3_column_double(st, 2);
		out->unreminded_noshow = (int64_t)sqlite3_column_double(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, err, "counting no-shows");
}
