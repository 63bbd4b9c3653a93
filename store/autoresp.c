/* Keyword auto-responses: the per-tenant table of keywords, their actions and reply texts. */
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define KEYWORD_MAX 32
#define REPLY_MAX 1600

struct seed {
	const char *keyword;
	const char *action;
	const char *reply;
};

static const char REPLY_OPTOUT[] =
	"You have been unsubscribed from {clinicName} texts and will receive no more messages. "
	"Reply START to resubscribe.";
static const char REPLY_OPTIN[] =
	"You are resubscribed to {clinicName} texts. Reply HELP for help, STOP to opt out.";
static const char REPLY_HELP[] =
	"{clinicName}: appointment texts. Help: call {clinicPhone}. Reply STOP to opt out. "
	"Msg & data rates may apply.";
static const char REPLY_CONFIRM[] = "Thank you, your appointment with {clinicName} is confirmed.";
static const char REPLY_RESCHEDULE[] =
	"Thanks, {clinicName} will call you to reschedule. You can also call us at {clinicPhone}.";
static const char REPLY_CANCEL[] =
	"Your appointment with {clinicName} is cancelled. Call {clinicPhone} to book again.";

/* The system rows every tenant gets; they can be edited, never removed or renamed. */
static const struct seed SEEDS[] = {
	{"STOP", "opt_out", REPLY_OPTOUT},
	{"STOPALL", "opt_out", REPLY_OPTOUT},
	{"UNSUBSCRIBE", "opt_out", REPLY_OPTOUT},
	{"CANCEL", "opt_out", REPLY_OPTOUT},
	{"END", "opt_out", REPLY_OPTOUT},
	{"QUIT", "opt_out", REPLY_OPTOUT},
	{"REVOKE", "opt_out", REPLY_OPTOUT},
	{"OPTOUT", "opt_out", REPLY_OPTOUT},
	{"START", "opt_in", REPLY_OPTIN},
	{"UNSTOP", "opt_in", REPLY_OPTIN},
	{"YES", "opt_in", REPLY_OPTIN},
	{"HELP", "help", REPLY_HELP},
	{"INFO", "help", REPLY_HELP},
	{"C", "confirm", REPLY_CONFIRM},
	{"CONFIRM", "confirm", REPLY_CONFIRM},
	{"R", "reschedule", REPLY_RESCHEDULE},
	{"RESCHEDULE", "reschedule", REPLY_RESCHEDULE},
	{"X", "cancel", REPLY_CANCEL},
};

static const char *const ACTIONS[] = {"opt_out", "opt_in", "help", "confirm", "reschedule", "cancel", "reply"};

void auto_response_free(struct auto_response *a)
{
	if (a == NULL)
		return;
	free(a->keyword);
	free(a->action);
	free(a->reply_text);
	memset(a, 0, sizeof(*a));
}

/* auto_response_free for store_list_free and store_collect. */
static void read_row_free(void *elem)
{
	auto_response_free(elem);
}

void auto_response_list_free(struct auto_response **list, size_t n)
{
	if (list == NULL)
		return;
	store_list_free(*list, n, sizeof(**list), read_row_free);
	*list = NULL;
}

/* Action rows whose "enabled" the law forbids turning off (opt-out, opt-in, help). */
static bool action_is_law(const char *action)
{
	return strcmp(action, "opt_out") == 0 || strcmp(action, "opt_in") == 0 || strcmp(action, "help") == 0;
}

static bool action_valid(const char *action)
{
	for (size_t i = 0; i < sizeof(ACTIONS) / sizeof(ACTIONS[0]); i++) {
		if (strcmp(action, ACTIONS[i]) == 0)
			return true;
	}
	return false;
}

/* A stored keyword is already normalised: A-Z, 0-9 and single inner spaces, 1..32 bytes. */
static bool keyword_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > KEYWORD_MAX || k[0] == ' ' || k[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
		if (!ok || (c == ' ' && k[i + 1] == ' '))
			return false;
	}
	return true;
}

int store_autoresp_seed_defaults(struct store *s, int64_t tenant_id, char **err)
{
	static const char sql[] =
		"INSERT INTO sms_auto_responses (tenant_id, keyword, action, reply_text, is_system, enabled, updated_at) "
		"VALUES (?1, ?2, ?3, ?4, 1, 1, ?5) ON CONFLICT (tenant_id, keyword) DO NOTHING";
	int64_t now = clock_now();
	if (store_begin(s, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(SEEDS) / sizeof(SEEDS[0]); i++) {
		sqlite3_stmt *st = store_stmt(s, sql, err);
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, tenant_id);
		sqlite3_bind_text(st, 2, SEEDS[i].keyword, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, SEEDS[i].action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, SEEDS[i].reply, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, err, "seeding keyword replies");
			goto fail;
		}
	}
	return store_commit(s, err);
fail:
	store_rollback(s);
	return -1;
}

#define AR_COLS "id, tenant_id, keyword, action, reply_text, is_system, enabled, updated_at"

/* Copies the current row (AR_COLS order) into an auto_response. */
static void read_row(sqlite3_stmt *st, void *elem)
{
	struct auto_response *a = elem;
	a->id = sqlite3_column_int64(st, 0);
	a->tenant_id = sqlite3_column_int64(st, 1);
	a->keyword = store_col_text_or(st, 2, "");
	a->action = store_col_text_or(st, 3, "reply");
	a->reply_text = store_col_text_or(st, 4, "");
	a->is_system = sqlite3_column_int(st, 5) != 0;
	a->enabled = sqlite3_column_int(st, 6) != 0;
	a->updated_at = sqlite3_column_int64(st, 7);
}

int store_autoresp_list(struct store *s, int64_t tenant_id, struct auto_response **out, size_t *n, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " AR_COLS " FROM sms_auto_responses WHERE tenant_id = ?1 "
				      "ORDER BY is_system DESC, CASE action WHEN 'opt_out' THEN 0 WHEN 'opt_in' THEN 1 "
				      "WHEN 'help' THEN 2 WHEN 'confirm' THEN 3 WHEN 'reschedule' THEN 4 "
				      "WHEN 'cancel' THEN 5 ELSE 6 END, id",
				      err);
	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	void *rows;
	int rc = store_collect(s, st, sizeof(**out), read_row, read_row_free, &rows, n, "listing keyword replies", err);
	*out = rows;
	return rc;
}

int store_autoresp_find(struct store *s, int64_t tenant_id, const char *keyword, struct auto_response *out,
			char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " AR_COLS " FROM sms_auto_responses WHERE tenant_id = ?1 AND keyword = ?2",
				      err);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, keyword, -1, SQLITE_TRANSIENT);
	return store_fetch_one(s, st, sizeof(*out), read_row, out, "finding a keyword reply", err);
}

/* Loads the row with this id; SD_NOTFOUND when none. */
static int find_by_id(struct store *s, int64_t id, struct auto_response *out, char **err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " AR_COLS " FROM sms_auto_responses WHERE id = ?1", err);
	memset(out, 0, sizeof(*out));
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_fetch_one(s, st, sizeof(*out), read_row, out, "reading a keyword reply", err);
}

/* Checks what the caller may write; existing is the row being changed (NULL when new). */
static int check_upsert(const struct auto_response *a, const struct auto_response *existing, char **err)
{
	if (a->reply_text == NULL || a->reply_text[0] == '\0')
		return seterr(err, "the reply text is empty");
	if (strlen(a->reply_text) > REPLY_MAX)
		return seterr(err, "the reply text is longer than %d characters", REPLY_MAX);
	if (existing != NULL && existing->is_system) {
		if (a->keyword != NULL && strcmp(a->keyword, existing->keyword) != 0)
			return seterr(err, "%s is a system keyword: it cannot be renamed", existing->keyword);
		if (!a->enabled && action_is_law(existing->action))
			return seterr(err, "%s is required by law and cannot be turned off", existing->keyword);
		return 0;
	}
	if (a->keyword == NULL || !keyword_valid(a->keyword))
		return seterr(err, "a keyword is 1 to %d letters, digits or single spaces, upper case", KEYWORD_MAX);
	if (a->action == NULL || !action_valid(a->action))
		return seterr(err, "unknown keyword action \"%s\"", a->action ? a->action : "");
	return 0;
}

/* Updates an existing row; system rows keep keyword and action. */
static int update_row(struct store *s, const struct auto_response *a, const struct auto_response *existing,
		      char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_auto_responses SET keyword = ?2, action = ?3, reply_text = ?4, "
				      "enabled = ?5, updated_at = ?6 WHERE id = ?1",
				      err);
	if (st == NULL)
		return -1;
	const char *kw = existing->is_system ? existing->keyword : a->keyword;
	const char *action = existing->is_system ? existing->action : a->action;
	sqlite3_bind_int64(st, 1, existing->id);
	sqlite3_bind_text(st, 2, kw, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->reply_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, a->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 6, clock_now());
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return seterr(err, "the keyword %s already exists", kw);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "updating a keyword reply");
	return 0;
}

/* Inserts a new custom row. */
static int insert_row(struct store *s, const struct auto_response *a, int64_t *id_out, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "INSERT INTO sms_auto_responses (tenant_id, keyword, action, reply_text, is_system, "
				      "enabled, updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, a->tenant_id);
	sqlite3_bind_text(st, 2, a->keyword, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, a->action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, a->reply_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, a->enabled ? 1 : 0);
	sqlite3_bind_int64(st, 6, clock_now());
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return seterr(err, "no tenant %lld", (long long)a->tenant_id);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "adding a keyword reply");
	if (id_out != NULL)
		*id_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int store_autoresp_upsert(struct store *s, const struct auto_response *a, int64_t *id_out, char **err)
{
	struct auto_response existing = {0};
	bool have = false;
	int rc = -1;
	if (store_begin(s, err) != 0)
		return -1;
	int f = a->id > 0 ? find_by_id(s, a->id, &existing, err)
			  : store_autoresp_find(s, a->tenant_id, a->keyword ? a->keyword : "", &existing, err);
	if (f < 0)
		goto out;
	if (f == SD_NOTFOUND && a->id > 0) {
		seterr(err, "no keyword reply with id %lld", (long long)a->id);
		goto out;
	}
	have = f == 0;
	if (have && existing.tenant_id != a->tenant_id && a->tenant_id != 0) {
		seterr(err, "keyword reply %lld belongs to another tenant", (long long)existing.id);
		goto out;
	}
	if (check_upsert(a, have ? &existing : NULL, err) != 0)
		goto out;
	if (have) {
		if (update_row(s, a, &existing, err) != 0)
			goto out;
		if (id_out != NULL)
			*id_out = existing.id;
	} else if (insert_row(s, a, id_out, err) != 0) {
		goto out;
	}
	rc = 0;
out:
	auto_response_free(&existing);
	if (rc == 0)
		return store_commit(s, err);
	store_rollback(s);
	return -1;
}

int store_autoresp_delete(struct store *s, int64_t id, char **err)
{
	struct auto_response existing = {0};
	int f = find_by_id(s, id, &existing, err);
	if (f < 0)
		return -1;
	if (f == SD_NOTFOUND)
		return seterr(err, "no keyword reply with id %lld", (long long)id);
	bool system = existing.is_system;
	char *kw = xstrdup(existing.keyword);
	auto_response_free(&existing);
	if (system) {
		seterr(err, "%s is a system keyword: its reply can be edited, it cannot be removed", kw);
		free(kw);
		return -1;
	}
	free(kw);
	sqlite3_stmt *st = store_stmt(s, "DELETE FROM sms_auto_responses WHERE id = ?1 AND is_system = 0", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, "removing a keyword reply");
	return 0;
}
