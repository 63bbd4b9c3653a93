/* Clinic locations (tenants), their allow-listed settings columns, and free-form settings. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define TENANT_COLS                                                                                    \
	"id, name, phone, address, timezone, account_sid, api_key_sid, from_number, "                \
	"messaging_service_sid, api_base, reminder_slots, reminder_template, quiet_start, quiet_end, " \
	"segment_price_micros, mms_price_micros, poll_seconds, idle_lock_seconds, optout_replies_by, " \
	"created_at, send_per_minute"

enum col_kind {
	COL_INT,      /* integer in [min, max] */
	COL_NAME,     /* non-empty text, no control characters */
	COL_TEXT,     /* any text without control characters (may be "") */
	COL_TEMPLATE, /* non-empty text, newlines allowed */
	COL_PHONE,    /* E.164 or "" */
	COL_E164,     /* E.164 or NULL */
	COL_TZ,       /* IANA zone name shape */
	COL_SID_AC,   /* AC + 32 hex or NULL */
	COL_SID_SK,
	COL_SID_MG,
	COL_URL,      /* http:// or https:// */
	COL_SLOTS,    /* "72h,24h,2h" */
	COL_OPTOUT_BY,
};

/* One allow-listed column: the SQL is a literal per column, so a name is never spliced in. */
struct tenant_col {
	const char *name;
	enum col_kind kind;
	bool nullable;
	long long min, max;
	const char *sql;
};

static const struct tenant_col tenant_cols[] = {
	{"name", COL_NAME, false, 0, 0, "UPDATE tenants SET name = ?1 WHERE id = ?2"},
	{"phone", COL_PHONE, false, 0, 0, "UPDATE tenants SET phone = ?1 WHERE id = ?2"},
	{"address", COL_TEXT, false, 0, 0, "UPDATE tenants SET address = ?1 WHERE id = ?2"},
	{"timezone", COL_TZ, false, 0, 0, "UPDATE tenants SET timezone = ?1 WHERE id = ?2"},
	{"account_sid", COL_SID_AC, true, 0, 0, "UPDATE tenants SET account_sid = ?1 WHERE id = ?2"},
	{"api_key_sid", COL_SID_SK, true, 0, 0, "UPDATE tenants SET api_key_sid = ?1 WHERE id = ?2"},
	{"from_number", COL_E164, true, 0, 0, "UPDATE tenants SET from_number = ?1 WHERE id = ?2"},
	{"messaging_service_sid", COL_SID_MG, true, 0, 0,
	 "UPDATE tenants SET messaging_service_sid = ?1 WHERE id = ?2"},
	{"api_base", COL_URL, false, 0, 0, "UPDATE tenants SET api_base = ?1 WHERE id = ?2"},
	{"reminder_slots", COL_SLOTS, false, 0, 0, "UPDATE tenants SET reminder_slots = ?1 WHERE id = ?2"},
	{"reminder_template", COL_TEMPLATE, false, 0, 0,
	 "UPDATE tenants SET reminder_template = ?1 WHERE id = ?2"},
	{"quiet_start", COL_INT, false, 0, 1440, "UPDATE tenants SET quiet_start = ?1 WHERE id = ?2"},
	{"quiet_end", COL_INT, false, 0, 1440, "UPDATE tenants SET quiet_end = ?1 WHERE id = ?2"},
	{"segment_price_micros", COL_INT, false, 0, 100000000,
	 "UPDATE tenants SET segment_price_micros = ?1 WHERE id = ?2"},
	{"mms_price_micros", COL_INT, false, 0, 100000000,
	 "UPDATE tenants SET mms_price_micros = ?1 WHERE id = ?2"},
	{"poll_seconds", COL_INT, false, 5, 86400, "UPDATE tenants SET poll_seconds = ?1 WHERE id = ?2"},
	{"idle_lock_seconds", COL_INT, false, 0, 86400,
	 "UPDATE tenants SET idle_lock_seconds = ?1 WHERE id = ?2"},
	{"optout_replies_by", COL_OPTOUT_BY, false, 0, 0,
	 "UPDATE tenants SET optout_replies_by = ?1 WHERE id = ?2"},
	{"send_per_minute", COL_INT, false, 0, 600000,
	 "UPDATE tenants SET send_per_minute = ?1 WHERE id = ?2"},
};

void tenant_free(struct tenant *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->phone);
	free(t->address);
	free(t->timezone);
	free(t->account_sid);
	free(t->api_key_sid);
	free(t->from_number);
	free(t->messaging_service_sid);
	free(t->api_base);
	free(t->reminder_slots);
	free(t->reminder_template);
	free(t->optout_replies_by);
	memset(t, 0, sizeof(*t));
}

/* tenant_free for store_list_free and store_collect. */
static void tenant_free_elem(void *elem)
{
	tenant_free(elem);
}

void tenant_list_free(struct tenant **list, size_t n)
{
	store_list_free(*list, n, sizeof(**list), tenant_free_elem);
	*list = NULL;
}

/* Fills a tenant from a row selected with TENANT_COLS. */
static void tenant_from_row(sqlite3_stmt *st, void *elem)
{
	struct tenant *t = elem;
	t->id = sqlite3_column_int64(st, 0);
	t->name = store_col_text_or(st, 1, "");
	t->phone = store_col_text_or(st, 2, "");
	t->address = store_col_text_or(st, 3, "");
	t->timezone = store_col_text_or(st, 4, "");
	t->account_sid = store_col_text(st, 5);
	t->api_key_sid = store_col_text(st, 6);
	t->from_number = store_col_text(st, 7);
	t->messaging_service_sid = store_col_text(st, 8);
	t->api_base = store_col_text_or(st, 9, "");
	t->reminder_slots = store_col_text_or(st, 10, "");
	t->reminder_template = store_col_text_or(st, 11, "");
	t->quiet_start = sqlite3_column_int(st, 12);
	t->quiet_end = sqlite3_column_int(st, 13);
	t->segment_price_micros = sqlite3_column_int64(st, 14);
	t->mms_price_micros = sqlite3_column_int64(st, 15);
	t->poll_seconds = sqlite3_column_int(st, 16);
	t->idle_lock_seconds = sqlite3_column_int(st, 17);
	t->optout_replies_by = store_col_text_or(st, 18, "twilio");
	t->created_at = sqlite3_column_int64(st, 19);
	t->send_per_minute = sqlite3_column_int(st, 20);
}

/* True when s has no control characters (C0, DEL); newlines allowed only if multiline. */
static bool text_clean(const char *s, bool multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (multiline && (*p == '\n' || *p == '\t'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

/* prefix followed by exactly 32 hex digits, either case. */
static bool is_sid(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, 2) != 0 || strlen(s) != 34)
		return false;
	for (const char *p = s + 2; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* The shape of an IANA name: "UTC", "Area/City", "America/Argentina/Buenos_Aires", "Etc/GMT+5". */
static bool is_tz_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '/' || s[n - 1] == '/' || strstr(s, "..") || strstr(s, "//"))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return false;
	return true;
}

/* "72h,24h,2h": 1 to 8 comma-separated positive counts of minutes, hours or days, at most 60
 * days; or "off" (no automatic reminders, src/reminders.h). */
static bool is_slots(const char *s)
{
	if (strcmp(s, "off") == 0)
		return true;
	int count = 0;
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			return false;
		char *end = NULL;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (errno != 0 || v <= 0 || strchr("mhd", *end) == NULL || *end == '\0')
			return false;
		long minutes = *end == 'm' ? v : *end == 'h' ? v * 60 : v * 1440;
		if (v > 86400 || minutes > 60 * 1440)
			return false;
		p = end + 1;
		if (++count > 8)
			return false;
		if (*p == ',') {
			p++;
			if (*p == '\0')
				return false;
		} else if (*p != '\0') {
			return false;
		}
	}
	return count > 0;
}

/* Parses a whole string as a decimal integer within [min, max]. */
static bool parse_int(const char *s, long long min, long long max, long long *out)
{
	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Checks value for column c; a reason in *err when it does not fit. */
static int check_value(const struct tenant_col *c, const char *v, char **err)
{
	if (v == NULL)
		return c->nullable ? 0 : seterr(err, "%s cannot be empty", c->name);
	if (strlen(v) > 2000)
		return seterr(err, "%s is too long", c->name);
	bool ok = false;
	long long n;
	switch (c->kind) {
	case COL_INT:
		ok = parse_int(v, c->min, c->max, &n);
		if (!ok)
			return seterr(err, "%s must be a whole number from %lld to %lld", c->name, c->min, c->max);
		return 0;
	case COL_NAME: ok = *v != '\0' && text_clean(v, false); break;
	case COL_TEXT: ok = text_clean(v, false); break;
	case COL_TEMPLATE: ok = *v != '\0' && text_clean(v, true); break;
	case COL_PHONE: ok = *v == '\0' || store_e164_ok(v); break;
	case COL_E164: ok = store_e164_ok(v); break;
	case COL_TZ: ok = is_tz_name(v); break;
	case COL_SID_AC: ok = is_sid(v, "AC"); break;
	case COL_SID_SK: ok = is_sid(v, "SK"); break;
	case COL_SID_MG: ok = is_sid(v, "MG"); break;
	case COL_URL:
		ok = (strncmp(v, "http://", 7) == 0 && v[7] != '\0') ||
		     (strncmp(v, "https://", 8) == 0 && v[8] != '\0');
		ok = ok && text_clean(v, false) && strchr(v, ' ') == NULL;
		break;
	case COL_SLOTS: ok = is_slots(v); break;
	case COL_OPTOUT_BY: ok = strcmp(v, "twilio") == 0 || strcmp(v, "smsdesk") == 0; break;
	}
	if (ok)
		return 0;
	switch (c->kind) {
	case COL_PHONE:
	case COL_E164: return seterr(err, "%s must be an E.164 number such as +15551234567", c->name);
	case COL_TZ: return seterr(err, "%s must be a time zone name such as America/Chicago", c->name);
	case COL_SID_AC: return seterr(err, "%s must be AC followed by 32 hex digits", c->name);
	case COL_SID_SK: return seterr(err, "%s must be SK followed by 32 hex digits", c->name);
	case COL_SID_MG: return seterr(err, "%s must be MG followed by 32 hex digits", c->name);
	case COL_URL: return seterr(err, "%s must be an http:// or https:// URL", c->name);
	case COL_SLOTS: return seterr(err, "%s must look like 72h,24h,2h (m, h or d; at most 60 days)", c->name);
	case COL_OPTOUT_BY: return seterr(err, "%s must be twilio or smsdesk", c->name);
	default: return seterr(err, "%s has control characters or is empty", c->name);
	}
}

int store_tenant_add(struct store *s, const char *name, const char *timezone, const char *phone,
		     int64_t *id_out, char **err)
{
	if (check_value(&tenant_cols[0], name, err) != 0 || check_value(&tenant_cols[3], timezone, err) != 0 ||
	    check_value(&tenant_cols[1], phone ? phone : "", err) != 0)
		return -1;
	if (store_begin(s, err) != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(
		s, "INSERT INTO tenants (name, timezone, phone, created_at, reminder_template) VALUES (?1, ?2, ?3, ?4, ?5)",
		err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, timezone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, phone ? phone : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, clock_now());
	sqlite3_bind_text(st, 5, TENANT_DEFAULT_TEMPLATE, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		seterr(err, "a location named \"%s\" already exists", name);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, err, "adding a location");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(store_db(s));
	if (store_autoresp_seed_defaults(s, id, err) != 0)
		goto fail;
	if (store_commit(s, err) != 0)
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
fail:
	store_rollback(s);
	return -1;
}

/* Runs a one-row tenant query already bound; SD_NOTFOUND when no row. */
static int tenant_fetch(struct store *s, sqlite3_stmt *st, struct tenant *out, char **err)
{
	return store_fetch_one(s, st, sizeof(*out), tenant_from_row, out, "reading a location", err);
}

int store_tenant_get(struct store *s, int64_t id, struct tenant *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = tenant_fetch(s, st, out, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no location with id %lld", (long long)id);
	return rc;
}

int store_tenant_find(struct store *s, const char *name, struct tenant *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " TENANT_COLS " FROM tenants WHERE name = ?1", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_TRANSIENT);
	int rc = tenant_fetch(s, st, out, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no location named \"%s\"", name ? name : "");
	return rc;
}

int store_tenant_list(struct store *s, struct tenant **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, "SELECT " TENANT_COLS " FROM tenants WHERE retired_at = 0 ORDER BY name, id", err);
	if (st == NULL)
		return -1;
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), tenant_from_row, tenant_free_elem, &rows, n,
			       "listing locations", err);
	*out = rows;
	return rc;
}

int store_tenant_set(struct store *s, int64_t id, const char *column, const char *value, char **err)
{
	const struct tenant_col *c = NULL;
	for (size_t i = 0; column != NULL && i < sizeof(tenant_cols) / sizeof(tenant_cols[0]); i++)
		if (strcmp(tenant_cols[i].name, column) == 0)
			c = &tenant_cols[i];
	if (c == NULL)
		return seterr(err, "unknown location setting \"%s\"", column ? column : "(null)");
	if (check_value(c, value, err) != 0)
		return -1;
	sqlite3_stmt *st = store_stmt(s, c->sql, err);
	if (st == NULL)
		return -1;
	long long n;
	if (value == NULL)
		sqlite3_bind_null(st, 1);
	else if (c->kind == COL_INT && parse_int(value, c->min, c->max, &n))
		sqlite3_bind_int64(st, 1, n);
	else
		sqlite3_bind_text(st, 1, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return seterr(err, "a location named \"%s\" already exists", value);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "changing a location setting");
	if (sqlite3_changes(store_db(s)) == 0)
		return seterr(err, "no location with id %lld", (long long)id);
	return 0;
}

int store_setting_set(struct store *s, int64_t tenant_id, const char *key, const char *value, char **err)
{
	if (key == NULL || *key == '\0' || strlen(key) > 200 || !text_clean(key, false))
		return seterr(err, "a setting needs a name without control characters");
	if (value == NULL)
		return seterr(err, "setting %s needs a value", key);
	sqlite3_stmt *st = store_stmt(s,
		"INSERT INTO settings (tenant_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, clock_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "saving a setting");
	return 0;
}

int store_setting_get(struct store *s, int64_t tenant_id, const char *key, char **value_out, char **err)
{
	*value_out = NULL;
	sqlite3_stmt *st = store_stmt(s, "SELECT value FROM settings WHERE tenant_id = ?1 AND key = ?2", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, key ? key : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return SD_NOTFOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s, err, "reading a setting");
	*value_out = store_col_text_or(st, 0, "");
	sqlite3_reset(st);
	return 0;
}
