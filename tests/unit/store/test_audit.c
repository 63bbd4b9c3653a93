/* Tests for store/audit.c: the hash chain, tamper detection, concurrent writers. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <sodium.h>
#include <inttypes.h>
#include "store/store.h"
#include "store/import.h"
#include "src/util.h"

/* Appends n entries with varied fields. */
static void append_n(struct store *s, int n)
{
	char *err = NULL;
	for (int i = 0; i < n; i++) {
		char target[32];
		snprintf(target, sizeof(target), "message %d", i);
		if (store_audit_append(s, i % 3, i % 3 ? "jane" : "system", i % 2, "sms.send", i, target,
				       i % 4 ? "detail" : NULL, &err) != 0)
			fail_msg("append: %s", err);
	}
}

/* Runs SQL on the database file with a separate raw connection (the attacker's). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static int64_t verify(struct store *s)
{
	int64_t bad = -1;
	char *err = NULL;
	if (store_audit_verify(s, &bad, &err) != 0)
		fail_msg("verify: %s", err);
	return bad;
}

static void store_audit_append__links_chain__when_appended(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(verify(s), 0); /* an empty log is intact */
	clock_set_fake(1700000000);
	append_n(s, 3);
	clock_set_fake(0);
	struct audit_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(s, 0, 0, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].prev_hash, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(strlen(list[0].hash), 64);
	assert_string_equal(list[1].prev_hash, list[0].hash);
	assert_string_equal(list[2].prev_hash, list[1].hash);
	assert_string_not_equal(list[1].hash, list[2].hash);
	assert_int_equal(list[0].at, 1700000000);
	assert_string_equal(list[0].username, "system");
	assert_int_equal(list[0].user_id, 0);
	assert_null(list[0].detail);
	assert_string_equal(list[1].target, "message 1");
	audit_entry_list_free(&list, n);
	assert_int_equal(verify(s), 0);
	store_close(&s);
}

static void store_audit_list__filters__when_asked(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	clock_set_fake(100);
	assert_int_equal(store_audit_append(s, 0, "system", 1, "login", 0, NULL, NULL, &err), 0);
	clock_set_fake(200);
	assert_int_equal(store_audit_append(s, 0, "system", 2, "pref.optout", 5, NULL, NULL, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 1, "pref.optin", 5, NULL, NULL, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 1, "prefix%", 5, NULL, NULL, &err), 0);
	clock_set_fake(0);
	struct audit_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(s, 200, 0, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	audit_entry_list_free(&list, n);
	assert_int_equal(store_audit_list(s, 0, 1, "pref.", 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].action, "pref.optin");
	audit_entry_list_free(&list, n);
	assert_int_equal(store_audit_list(s, 0, 0, "pref%", 0, &list, &n, &err), 0);
	assert_int_equal(n, 0); /* the prefix is literal, not a pattern */
	assert_int_equal(store_audit_list(s, 0, 0, NULL, 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].action, "login");
	audit_entry_list_free(&list, n);
	store_close(&s);
}

static void store_audit_append__refuses__when_fields_bad(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_audit_append(s, 0, "", 0, "x", 0, NULL, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_audit_append(s, 0, "system", 0, NULL, 0, NULL, NULL, &err), -1);
	xfree(&err);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "x", 0, NULL, "two\nlines", &err), -1);
	xfree(&err);
	assert_int_equal(verify(s), 0);
	store_close(&s);
}

static void store_audit__refuses_update_and_delete__when_triggers_present(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	append_n(s, 2);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET detail = 'x'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(verify(s), 0);
	store_close(&s);
	free(path);
}

static void store_audit_verify__reports_edited_row__when_field_changed(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	append_n(s, 5);
	raw_exec(path, "DROP TRIGGER audit_no_update; UPDATE audit_log SET detail = 'innocent' WHERE id = 3");
	assert_int_equal(verify(s), 3);
	store_close(&s);
	free(path);
}

static void store_audit_verify__reports_edited_row__when_null_becomes_empty(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	append_n(s, 5); /* entry 1 (i = 0) has detail NULL */
	raw_exec(path, "DROP TRIGGER audit_no_update; UPDATE audit_log SET detail = '' WHERE id = 1");
	assert_int_equal(verify(s), 1);
	store_close(&s);
	free(path);
}

static void store_audit_verify__reports_next_row__when_row_deleted(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	append_n(s, 5);
	raw_exec(path, "DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE id = 2");
	assert_int_equal(verify(s), 3);
	store_close(&s);
	free(path);
}

static void store_audit_verify__reports_row__when_rehashed_without_relinking(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	append_n(s, 4);
	/* The attacker edits row 2 and fixes its hash: row 3 no longer links to it. */
	raw_exec(path, "DROP TRIGGER audit_no_update; UPDATE audit_log SET hash = "
		       "'1111111111111111111111111111111111111111111111111111111111111111' WHERE id = 2");
	assert_int_equal(verify(s), 2);
	store_close(&s);
	free(path);
}

/* Two processes append at once through their own connections: the chain must stay whole. */
static void store_audit_append__keeps_one_chain__when_two_writers(void **state)
{
	char *path = NULL;
	struct store *s = tu_store_new(&path);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct store *c = NULL;
			char *err = NULL;
			if (store_open(path, &c, &err) != 0)
				_exit(2);
			for (int i = 0; i < 40; i++)
				if (store_audit_append(c, k, k ? "b" : "a", 0, "test", i, NULL, NULL, &err) != 0)
					_exit(3);
			store_close(&c);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int status = 0;
		assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	struct audit_entry *list = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_audit_list(s, 0, 0, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 80);
	audit_entry_list_free(&list, n);
	assert_int_equal(verify(s), 0);
	store_close(&s);
	free(path);
}

/* The first version's serialisation, field by field through the hash's update calls: the
 * hashes of chains already written by it must stay the ones the store computes. */
static void ref_int(crypto_generichash_state *h, int64_t v)
{
	char num[32], head[48];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);
	int m = snprintf(head, sizeof(head), "i%d:", n);
	crypto_generichash_update(h, (const unsigned char *)head, (unsigned long long)m);
	crypto_generichash_update(h, (const unsigned char *)num, (unsigned long long)n);
}

static void ref_text(crypto_generichash_state *h, const char *s)
{
	if (s == NULL) {
		crypto_generichash_update(h, (const unsigned char *)"n", 1);
		return;
	}
	char head[32];
	int m = snprintf(head, sizeof(head), "s%zu:", strlen(s));
	crypto_generichash_update(h, (const unsigned char *)head, (unsigned long long)m);
	crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
}

static void ref_hash(const struct audit_entry *e, char out[65])
{
	crypto_generichash_state h;
	unsigned char d[32];
	crypto_generichash_init(&h, NULL, 0, sizeof(d));
	ref_text(&h, e->prev_hash);
	ref_text(&h, "smsdesk-audit-v1");
	ref_int(&h, e->id);
	ref_int(&h, e->at);
	ref_int(&h, e->user_id);
	ref_text(&h, e->username);
	ref_int(&h, e->tenant_id);
	ref_text(&h, e->action);
	ref_int(&h, e->patient_id);
	ref_text(&h, e->target);
	ref_text(&h, e->detail);
	crypto_generichash_final(&h, d, sizeof(d));
	sodium_bin2hex(out, 65, d, sizeof(d));
}

static void store_audit_append__hashes_as_first_version__when_fields_vary(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL, detail[2001], target[501];
	memset(detail, 'd', 2000);
	detail[2000] = '\0';
	memset(target, 't', 500);
	target[500] = '\0';
	clock_set_fake(1795000123);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "sms.inbound", 0, NULL, NULL, &err), 0);
	assert_int_equal(store_audit_append(s, 987654321, "jane", 42, "pref.optout.sms", 9007199254740993LL,
					    "message 1", "keyword STOP (opt-out)", &err), 0);
	/* the longest fields the store takes: the serialisation leaves the stack buffer */
	assert_int_equal(store_audit_append(s, 1, "a", 1, "x", 1, target, detail, &err), 0);
	assert_int_equal(store_audit_append(s, 7, "ünï", 3, "sms.send", 10, "", "", &err), 0);
	clock_set_fake(0);
	struct audit_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(s, 0, 0, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		char want[65];
		ref_hash(&list[i], want);
		assert_string_equal(list[i].hash, want);
	}
	audit_entry_list_free(&list, n);
	assert_int_equal(verify(s), 0);
	store_close(&s);
}

/* The chain's head is cached inside a transaction: whatever undoes part of the transaction
 * (a savepoint, an import row, the whole of it) must leave the next entry chained to the row
 * that is really last. */
static void store_audit_append__chains_to_real_head__when_part_of_transaction_undone(void **state)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "a.kept", 0, NULL, NULL, &err), 0);
	assert_int_equal(store_savepoint(s, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "b.undone", 0, NULL, NULL, &err), 0);
	store_savepoint_rollback(s);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "c.kept", 0, NULL, NULL, &err), 0);
	assert_int_equal(store_import_row_begin(s, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "d.undone", 0, NULL, NULL, &err), 0);
	store_import_row_undo(s);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "e.kept", 0, NULL, NULL, &err), 0);
	assert_int_equal(store_commit(s, &err), 0);
	assert_int_equal(store_begin(s, &err), 0);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "f.undone", 0, NULL, NULL, &err), 0);
	store_rollback(s);
	assert_int_equal(store_audit_append(s, 0, "system", 0, "g.kept", 0, NULL, NULL, &err), 0);
	struct audit_entry *list = NULL;
	size_t n = 0;
	assert_int_equal(store_audit_list(s, 0, 0, NULL, 0, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	const char *want[] = {"a.kept", "c.kept", "e.kept", "g.kept"};
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(list[i].action, want[i]);
		assert_int_equal(list[i].id, (int64_t)i + 1);
		if (i > 0)
			assert_string_equal(list[i].prev_hash, list[i - 1].hash);
	}
	audit_entry_list_free(&list, n);
	assert_int_equal(verify(s), 0);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_audit_append__links_chain__when_appended),
		cmocka_unit_test(store_audit_list__filters__when_asked),
		cmocka_unit_test(store_audit_append__refuses__when_fields_bad),
		cmocka_unit_test(store_audit__refuses_update_and_delete__when_triggers_present),
		cmocka_unit_test(store_audit_verify__reports_edited_row__when_field_changed),
		cmocka_unit_test(store_audit_verify__reports_edited_row__when_null_becomes_empty),
		cmocka_unit_test(store_audit_verify__reports_next_row__when_row_deleted),
		cmocka_unit_test(store_audit_verify__reports_row__when_rehashed_without_relinking),
		cmocka_unit_test(store_audit_append__keeps_one_chain__when_two_writers),
		cmocka_unit_test(store_audit_append__hashes_as_first_version__when_fields_vary),
		cmocka_unit_test(store_audit_append__chains_to_real_head__when_part_of_transaction_undone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
