/* Messaging statistics: three aggregate queries over messages, opt-outs and reminder rows. */
#include <string.h>
#include "store/internal.h"
#include "store/stats.h"

/* Steps an aggregate query and copies its columns into the int64_t fields at outs. */
static int one_row(struct store *s, sqlite3_stmt *st, int64_t tenant_id, int64_t since, int64_t until,
		   int64_t *const *outs, int n, const char *doing, char **err)
{
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int64(st, 3, until);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(s, err, doing);
	for (int i = 0; i < n; i++)
		*outs[i] = sqlite3_column_int64(st, i); /* SUM over no rows is NULL: reads as 0 */
	sqlite3_reset(st);
	return 0;
}

/* Volumes, delivery, segments and the cost estimate. */
static int message_stats(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct sms_stats *o,
			 char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled'),"
		" SUM(m.direction = 'inbound'),"
		" SUM(m.direction = 'outbound' AND m.status = 'delivered'),"
		" SUM(m.direction = 'outbound' AND m.status IN ('failed', 'undelivered')),"
		" SUM(m.direction = 'outbound' AND m.status IN ('queued', 'sending', 'accepted', 'scheduled', 'sent')),"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled' AND m.message_type = 'reminder'),"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled' AND m.message_type = 'conversation'),"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled'"
		"     AND m.message_type IN ('auto_reply', 'optout_confirm', 'optin_confirm', 'help')),"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled' AND m.message_type = 'campaign'),"
		" COUNT(DISTINCT CASE WHEN m.direction = 'outbound' AND m.status <> 'canceled' THEN m.patient_id END),"
		" SUM(CASE WHEN m.direction = 'outbound' AND m.status <> 'canceled' THEN m.segments ELSE 0 END),"
		" SUM(CASE WHEN m.direction = 'inbound' THEN m.segments ELSE 0 END),"
		" SUM(m.direction = 'outbound' AND m.status <> 'canceled' AND m.media_urls IS NOT NULL"
		"     AND m.media_urls NOT IN ('', '[]')),"
		" SUM(CASE WHEN m.direction = 'inbound'"
		"       OR m.status IN ('accepted', 'scheduled', 'sent', 'delivered', 'undelivered')"
		"     THEN (CASE WHEN m.media_urls IS NOT NULL AND m.media_urls NOT IN ('', '[]')"
		"           THEN t.mms_price_micros ELSE m.segments * t.segment_price_micros END)"
		"     ELSE 0 END)"
		" FROM sms_messages m JOIN tenants t ON t.id = m.tenant_id"
		" WHERE (?1 = 0 OR m.tenant_id = ?1) AND m.created_at >= ?2 AND m.created_at < ?3", err);
	if (st == NULL)
		return -1;
	int64_t *const outs[] = {&o->sent, &o->received, &o->delivered, &o->failed, &o->in_flight,
				 &o->sent_reminder, &o->sent_conversation, &o->sent_automatic, &o->sent_campaign,
				 &o->patients_texted, &o->segments_out, &o->segments_in, &o->mms_out, &o->cost_micros};
	return one_row(s, st, tenant_id, since, until, outs, 14, "counting messages", err);
}

/* Numbers that opted out in the period, by channel. */
static int optout_stats(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct sms_stats *o,
			char **err)
{
	sqlite3_stmt *st = store_stmt(s,
		"SELECT COUNT(*), SUM(via = 'sms'), SUM(via = 'carrier'), SUM(via = 'staff'), SUM(via = 'import')"
		" FROM sms_optouts WHERE (?1 = 0 OR tenant_id = ?1) AND opted_out_at >= ?2 AND opted_out_at < ?3", err);
	if (st == NULL)
		return -1;
	int64_t *const outs[] = {&o->optouts, &o->optouts_sms, &o->optouts_carrier, &o->optouts_staff,
				 &o->optouts_import};
	return one_row(s, st, tenant_id, since, until, outs, 5, "counting opt-outs", err);
}

/* Reminders sent and skipped, and the answers per appointment. */
static int reminder_stats(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct sms_stats *o,
			  char **err)
{
	/* Several slots (72h, 24h) remind one appointment and the answer lands on one of them:
	 * answers are counted per appointment, not per reminder row. */
	sqlite3_stmt *st = store_stmt(s,
		"SELECT SUM(status IN ('queued', 'sent')),"
		" COUNT(DISTINCT CASE WHEN status IN ('queued', 'sent') THEN appointment_id END),"
		" SUM(status = 'skipped'),"
		" COUNT(DISTINCT CASE WHEN status IN ('queued', 'sent') AND response = 'confirmed' THEN appointment_id END),"
		" COUNT(DISTINCT CASE WHEN status IN ('queued', 'sent') AND response = 'reschedule' THEN appointment_id END),"
		" COUNT(DISTINCT CASE WHEN status IN ('queued', 'sent') AND response = 'cancelled' THEN appointment_id END)"
		" FROM appointment_sms_reminders WHERE (?1 = 0 OR tenant_id = ?1)"
		" AND COALESCE(sent_at, due_at) >= ?2 AND COALESCE(sent_at, due_at) < ?3", err);
	if (st == NULL)
		return -1;
	int64_t *const outs[] = {&o->reminders_sent, &o->appointments_reminded, &o->reminders_skipped,
				 &o->confirmed, &o->reschedule, &o->cancelled};
	return one_row(s, st, tenant_id, since, until, outs, 6, "counting reminders", err);
}

int store_stats_get(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct sms_stats *out,
		    char **err)
{
	memset(out, 0, sizeof(*out));
	if (since >= until)
		return seterr(err, "the period is empty: it must start before it ends");
	if (message_stats(s, tenant_id, since, until, out, err) != 0 ||
	    optout_stats(s, tenant_id, since, until, out, err) != 0 ||
	    reminder_stats(s, tenant_id, since, until, out, err) != 0)
		return -1;
	return 0;
}
