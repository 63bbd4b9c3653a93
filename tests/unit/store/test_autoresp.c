/* Tests for store/autoresp.c: default seeds, edits, custom keywords, what cannot change. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store/store.h"
#include "src/util.h"

/* A bare tenant row written with raw SQL so these tests depend on this module only. */
static int64_t raw_tenant(const char *path, const char *name)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO tenants (name, created_at) VALUES (?1, 1)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	int64_t id = sqlite3_last_insert_rowid(db);
	sqlite3_close(db);
	return id;
}

struct fx {
	struct store *s;
	char *path;
	int64_t tenant;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	f->s = tu_store_new(&f->path);
	f->tenant = raw_tenant(f->path, "Clinic A");
	char *err = NULL;
	assert_int_equal(store_autoresp_seed_defaults(f->s, f->tenant, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	free(f->path);
	free(f);
	return 0;
}

static void autoresp_seed__creates_every_system_keyword__when_new_tenant(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *kw, *action;
	} want[] = {{"STOP", "opt_out"},  {"STOPALL", "opt_out"}, {"UNSUBSCRIBE", "opt_out"}, {"CANCEL", "opt_out"},
		    {"END", "opt_out"},   {"QUIT", "opt_out"},    {"REVOKE", "opt_out"},      {"OPTOUT", "opt_out"},
		    {"START", "opt_in"},  {"UNSTOP", "opt_in"},   {"YES", "opt_in"},          {"HELP", "help"},
		    {"INFO", "help"},     {"C", "confirm"},       {"CONFIRM", "confirm"},     {"R", "reschedule"},
		    {"RESCHEDULE", "reschedule"}, {"X", "cancel"}};
	char *err = NULL;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct auto_response a;
		assert_int_equal(store_autoresp_find(f->s, f->tenant, want[i].kw, &a, &err), 0);
		assert_string_equal(a.action, want[i].action);
		assert_true(a.is_system);
		assert_true(a.enabled);
		assert_true(strlen(a.reply_text) > 0);
		auto_response_free(&a);
	}
	struct auto_response *list = NULL;
	size_t n = 0;
	assert_int_equal(store_autoresp_list(f->s, f->tenant, &list, &n, &err), 0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_string_equal(list[0].action, "opt_out");
	auto_response_list_free(&list, n);
	assert_null(list);
}

static void autoresp_seed__keeps_edits__when_run_again(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "HELP", &a, &err), 0);
	free(a.reply_text);
	a.reply_text = xstrdup("{clinicName} help: {clinicPhone}. Reply STOP to opt out.");
	assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), 0);
	auto_response_free(&a);
	assert_int_equal(store_autoresp_seed_defaults(f->s, f->tenant, &err), 0);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "HELP", &a, &err), 0);
	assert_string_equal(a.reply_text, "{clinicName} help: {clinicPhone}. Reply STOP to opt out.");
	auto_response_free(&a);
}

static void autoresp_defaults__follow_ctia__when_help_and_stop(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "HELP", &a, &err), 0);
	assert_non_null(strstr(a.reply_text, "{clinicName}"));
	assert_non_null(strstr(a.reply_text, "{clinicPhone}"));
	assert_non_null(strstr(a.reply_text, "Reply STOP to opt out"));
	assert_non_null(strstr(a.reply_text, "Msg & data rates may apply"));
	auto_response_free(&a);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "STOP", &a, &err), 0);
	assert_string_equal(a.reply_text, "You have been unsubscribed from {clinicName} texts and will receive no "
					  "more messages. Reply START to resubscribe.");
	auto_response_free(&a);
}

static void autoresp_upsert__refuses_rename__when_system(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "STOP", &a, &err), 0);
	free(a.keyword);
	a.keyword = xstrdup("HALT");
	assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), -1);
	assert_non_null(strstr(err, "renamed"));
	xfree(&err);
	auto_response_free(&a);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "HALT", &a, &err), SD_NOTFOUND);
}

static void autoresp_upsert__keeps_action__when_system_row_changed(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "STOP", &a, &err), 0);
	free(a.action);
	a.action = xstrdup("reply");
	free(a.reply_text);
	a.reply_text = xstrdup("Unsubscribed from {clinicName}. Reply START to come back.");
	assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), 0);
	auto_response_free(&a);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "STOP", &a, &err), 0);
	assert_string_equal(a.action, "opt_out");
	assert_string_equal(a.reply_text, "Unsubscribed from {clinicName}. Reply START to come back.");
	auto_response_free(&a);
}

static void autoresp_upsert__refuses_disable__when_law_keyword(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	const char *law[] = {"STOP", "START", "HELP", "QUIT"};
	for (size_t i = 0; i < 4; i++) {
		struct auto_response a;
		assert_int_equal(store_autoresp_find(f->s, f->tenant, law[i], &a, &err), 0);
		a.enabled = false;
		assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), -1);
		assert_non_null(strstr(err, "law"));
		xfree(&err);
		auto_response_free(&a);
	}
	/* Appointment keywords may be turned off by a clinic that does not use them. */
	struct auto_response c;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "C", &c, &err), 0);
	c.enabled = false;
	assert_int_equal(store_autoresp_upsert(f->s, &c, NULL, &err), 0);
	auto_response_free(&c);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "C", &c, &err), 0);
	assert_false(c.enabled);
	auto_response_free(&c);
}

static void autoresp_delete__refuses__when_system(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "CANCEL", &a, &err), 0);
	assert_int_equal(store_autoresp_delete(f->s, a.id, &err), -1);
	assert_non_null(strstr(err, "system"));
	xfree(&err);
	auto_response_free(&a);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "CANCEL", &a, &err), 0);
	auto_response_free(&a);
	assert_int_equal(store_autoresp_delete(f->s, 999999, &err), -1);
	xfree(&err);
}

static void autoresp_upsert__adds_and_deletes__when_custom(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	struct auto_response a = {.tenant_id = f->tenant,
				  .keyword = "HOURS",
				  .action = "reply",
				  .reply_text = "{clinicName} is open 8-5 Mon-Fri.",
				  .enabled = true};
	int64_t id = 0;
	assert_int_equal(store_autoresp_upsert(f->s, &a, &id, &err), 0);
	assert_true(id > 0);
	struct auto_response got;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "HOURS", &got, &err), 0);
	assert_false(got.is_system);
	assert_int_equal(got.id, id);
	/* Rename a custom one, by id. */
	free(got.keyword);
	got.keyword = xstrdup("OPEN HOURS");
	got.enabled = false;
	int64_t id2 = 0;
	assert_int_equal(store_autoresp_upsert(f->s, &got, &id2, &err), 0);
	assert_int_equal(id2, id);
	auto_response_free(&got);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "OPEN HOURS", &got, &err), 0);
	assert_false(got.enabled);
	auto_response_free(&got);
	assert_int_equal(store_autoresp_delete(f->s, id, &err), 0);
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "OPEN HOURS", &got, &err), SD_NOTFOUND);
}

static void autoresp_upsert__refuses__when_bad_input(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const struct {
		const char *kw, *action, *text;
	} bad[] = {
		{"", "reply", "x"},           {"hours", "reply", "x"},  {"A  B", "reply", "x"},
		{" A", "reply", "x"},         {"A\x1b[2J", "reply", "x"}, {"ÄRGER", "reply", "x"},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "reply", "x"},
		{"OK", "delete_all", "x"},    {"OK", "reply", ""},       {"OK", "reply", big},
		{"STOP", "reply", ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct auto_response a = {.tenant_id = f->tenant,
					  .keyword = (char *)bad[i].kw,
					  .action = (char *)bad[i].action,
					  .reply_text = (char *)bad[i].text,
					  .enabled = true};
		assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), -1);
		assert_non_null(err);
		xfree(&err);
	}
	/* Unknown tenant. */
	struct auto_response a = {.tenant_id = 4242, .keyword = "OK", .action = "reply", .reply_text = "x", .enabled = true};
	assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), -1);
	xfree(&err);
}

static void autoresp_tenants__are_separate__when_two(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	int64_t other = raw_tenant(f->path, "Clinic B");
	assert_int_equal(store_autoresp_seed_defaults(f->s, other, &err), 0);
	struct auto_response a = {.tenant_id = other, .keyword = "PARKING", .action = "reply",
				  .reply_text = "Park behind.", .enabled = true};
	assert_int_equal(store_autoresp_upsert(f->s, &a, NULL, &err), 0);
	struct auto_response got;
	assert_int_equal(store_autoresp_find(f->s, f->tenant, "PARKING", &got, &err), SD_NOTFOUND);
	assert_int_equal(store_autoresp_find(f->s, other, "PARKING", &got, &err), 0);
	/* Editing another tenant's row through the wrong tenant is refused. */
	got.tenant_id = f->tenant;
	assert_int_equal(store_autoresp_upsert(f->s, &got, NULL, &err), -1);
	xfree(&err);
	auto_response_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(autoresp_seed__creates_every_system_keyword__when_new_tenant, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_seed__keeps_edits__when_run_again, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_defaults__follow_ctia__when_help_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_upsert__refuses_rename__when_system, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_upsert__keeps_action__when_system_row_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_upsert__refuses_disable__when_law_keyword, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_delete__refuses__when_system, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_upsert__adds_and_deletes__when_custom, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_upsert__refuses__when_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(autoresp_tenants__are_separate__when_two, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
