/* Benchmark: 100,000 inbound messages served by the simulator in list pages of 1,000,
 * polled and processed into a real store file. Prints messages per second, and the ratio to
 * bare SQLite inserts of the same rows into the same schema (same unique SID index), one
 * transaction per 1,000, measured in the same run (issue 15 item 1: goal >= 50,000 msg/s and
 * within 3x). */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"
#include "store/internal.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "benchutil.h"

#define CLINIC "+13125550100"

/* Exits with the message: a benchmark has nobody to report to but its terminal. */
static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_inbound: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

/* Patients on a tenth of the numbers, so both matched and unknown senders are measured. */
static void add_patients(struct store *s, int64_t tenant, int senders)
{
	char *err = NULL;
	char phone[32];
	if (store_begin(s, &err) != 0)
		die("begin", err);
	for (int i = 0; i < senders; i += 10) {
		snprintf(phone, sizeof(phone), "+1312%07d", 5000000 + i);
		struct patient p = {.tenant_id = tenant, .first_name = "Pat", .last_name = "Bench", .mobile = phone};
		if (store_patient_add(s, &p, NULL, &err) != 0)
			die("patient", err);
	}
	if (store_commit(s, &err) != 0)
		die("commit", err);
}

/* Removes a database with its -wal and -shm; frees path. */
static void remove_db(char *path)
{
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char *f = xasprintf("%s%s", path, sfx[i]);
		unlink(f);
		free(f);
	}
	free(path);
}

/* The limit: the same rows inserted straight into a fresh store's sms_messages (same schema
 * and indexes, same pragmas), a transaction per 1,000, no dedup, matching or keywords. */
__attribute__((noinline)) static struct bench_clock bare_inserts(const char *dir, int total, int senders)
{
	char *path = xasprintf("%s/bare.db", dir), *err = NULL;
	struct store *s = NULL;
	int64_t tid = 0;
	if (store_open(path, &s, &err) != 0 ||
	    store_tenant_add(s, "Bare Clinic", "America/Chicago", "+13125550199", &tid, &err) != 0)
		die("bare store", err);
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO sms_messages (tenant_id, twilio_sid, direction, from_number, to_number,"
			       " body, status, created_at, updated_at) VALUES (?1, ?2, 'inbound', ?3, ?4, ?5,"
			       " 'received', ?6, ?6)",
			       -1, &st, NULL) != SQLITE_OK)
		die("bare prepare", NULL);
	char sid[40], phone[32];
	struct bench_clock t0 = bench_now();
	for (int i = 0; i < total; i++) {
		if (i % 1000 == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			die("bare begin", NULL);
		snprintf(sid, sizeof(sid), "SM%032x", i);
		snprintf(phone, sizeof(phone), "+1312%07d", 5000000 + i % senders);
		sqlite3_bind_int64(st, 1, tid);
		sqlite3_bind_text(st, 2, sid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, CLINIC, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, "See you then", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, 1795000000 + i);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("bare insert", NULL);
		sqlite3_reset(st);
		if ((i % 1000 == 999 || i == total - 1) && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("bare commit", NULL);
	}
	struct bench_clock d = bench_since(t0, bench_now());
	sqlite3_finalize(st);
	store_close(&s);
	remove_db(path);
	return d;
}

/* One prepared statement of the floor, or exit. */
static sqlite3_stmt *floor_stmt(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("floor prepare", xstrdup(sqlite3_errmsg(db)));
	return st;
}

/* Steps a bound statement to its end, or exits; resets it for the next row. */
static void floor_step(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("floor step", xstrdup(sqlite3_errmsg(sqlite3_db_handle(st))));
	sqlite3_reset(st);
}

/* The floor of what an inbound message must write, as bare SQL on a fresh store (same schema,
 * indexes and pragmas), a transaction per 1,000, no C-side work at all: per message the
 * thread found (created the first time), the row inserted, the thread's last message and
 * unread count updated, one audit row; for the quarter the bench's mix answers (HELP, C),
 * the reply's row, its thread update and its audit row as well. What the mission requires
 * (a thread per patient, an audit entry for everything) costs this much before any dedup,
 * matching, keyword or hashing: the ratio of ours to it is how much our own work adds. */
__attribute__((noinline)) static struct bench_clock required_writes(const char *dir, int total, int senders)
{
	char *path = xasprintf("%s/floor.db", dir), *err = NULL;
	struct store *s = NULL;
	int64_t tid = 0;
	if (store_open(path, &s, &err) != 0 ||
	    store_tenant_add(s, "Floor Clinic", "America/Chicago", "+13125550199", &tid, &err) != 0)
		die("floor store", err);
	sqlite3 *db = store_db(s);
	sqlite3_stmt *find = floor_stmt(db, "SELECT id FROM sms_threads WHERE tenant_id = ?1 AND phone = ?2");
	sqlite3_stmt *make = floor_stmt(db, "INSERT INTO sms_threads (tenant_id, phone) VALUES (?1, ?2)");
	sqlite3_stmt *row = floor_stmt(db,
		"INSERT INTO sms_messages (tenant_id, thread_id, twilio_sid, direction, from_number, to_number, body,"
		" status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'received', ?8, ?8)");
	sqlite3_stmt *touch = floor_stmt(db,
		"UPDATE sms_threads SET last_message_id = ?2, last_message_at = MAX(last_message_at, ?3),"
		" unread_count = unread_count + ?4 WHERE id = ?1");
	sqlite3_stmt *audit = floor_stmt(db,
		"INSERT INTO audit_log (at, username, tenant_id, action, target, detail, prev_hash, hash)"
		" VALUES (?1, 'system', ?2, ?3, 'message', 'conversation', ?4, ?4)");
	static const char hash[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char sid[40], phone[32];
	struct bench_clock t0 = bench_now();
	for (int i = 0; i < total; i++) {
		if (i % 1000 == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			die("floor begin", NULL);
		snprintf(phone, sizeof(phone), "+1312%07d", 5000000 + i % senders);
		sqlite3_bind_int64(find, 1, tid);
		sqlite3_bind_text(find, 2, phone, -1, SQLITE_STATIC);
		int64_t thread = sqlite3_step(find) == SQLITE_ROW ? sqlite3_column_int64(find, 0) : 0;
		sqlite3_reset(find);
		if (thread == 0) {
			sqlite3_bind_int64(make, 1, tid);
			sqlite3_bind_text(make, 2, phone, -1, SQLITE_STATIC);
			floor_step(make);
			thread = sqlite3_last_insert_rowid(db);
		}
		bool answered = i % 8 == 2 || i % 8 == 4;
		for (int k = 0; k < (answered ? 2 : 1); k++) {
			snprintf(sid, sizeof(sid), "SM%031x%d", i, k);
			sqlite3_bind_int64(row, 1, tid);
			sqlite3_bind_int64(row, 2, thread);
			sqlite3_bind_text(row, 3, sid, -1, SQLITE_STATIC);
			sqlite3_bind_text(row, 4, k == 0 ? "inbound" : "outbound", -1, SQLITE_STATIC);
			sqlite3_bind_text(row, 5, k == 0 ? phone : CLINIC, -1, SQLITE_STATIC);
			sqlite3_bind_text(row, 6, k == 0 ? CLINIC : phone, -1, SQLITE_STATIC);
			sqlite3_bind_text(row, 7, "See you then", -1, SQLITE_STATIC);
			sqlite3_bind_int64(row, 8, 1795000000 + i);
			floor_step(row);
			sqlite3_bind_int64(touch, 1, thread);
			sqlite3_bind_int64(touch, 2, sqlite3_last_insert_rowid(db));
			sqlite3_bind_int64(touch, 3, 1795000000 + i);
			sqlite3_bind_int(touch, 4, k == 0);
			floor_step(touch);
			sqlite3_bind_int64(audit, 1, 1795000000 + i);
			sqlite3_bind_int64(audit, 2, tid);
			sqlite3_bind_text(audit, 3, k == 0 ? "sms.inbound" : "sms.queue", -1, SQLITE_STATIC);
			sqlite3_bind_text(audit, 4, hash, -1, SQLITE_STATIC);
			floor_step(audit);
		}
		if ((i % 1000 == 999 || i == total - 1) && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("floor commit", NULL);
	}
	struct bench_clock d = bench_since(t0, bench_now());
	sqlite3_stmt *all[] = {find, make, row, touch, audit};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	store_close(&s);
	remove_db(path);
	return d;
}

int main(int argc, char **argv)
{
	int total = argc > 1 ? atoi(argv[1]) : 100000;
	int senders = 20000;
	static const char *bodies[] = {"See you then", "thanks!", "HELP", "running 5 min late",
				       "C", "Can I bring my son?", "please stop texting me", "ok"};
	char *err = NULL;
	struct sim *sim = NULL;
	struct sim_config sc = {.step_ms = 1};
	if (sim_start(&sc, &sim, &err) != 0)
		die("sim", err);
	char dir[] = "/tmp/smsdesk-bench-XXXXXX";
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	char *path = xasprintf("%s/bench.db", dir);
	struct store *s = NULL;
	if (store_open(path, &s, &err) != 0)
		die("store", err);
	int64_t tid = 0;
	if (store_tenant_add(s, "Bench Clinic", "America/Chicago", "+13125550199", &tid, &err) != 0 ||
	    store_tenant_set(s, tid, "from_number", CLINIC, &err) != 0 ||
	    store_tenant_set(s, tid, "account_sid", sim_account_sid(sim), &err) != 0)
		die("tenant", err);
	struct tenant t;
	if (store_tenant_get(s, tid, &t, &err) != 0)
		die("tenant", err);
	add_patients(s, tid, senders);
	char phone[32];
	for (int i = 0; i < total; i++) {
		snprintf(phone, sizeof(phone), "+1312%07d", 5000000 + i % senders);
		if (sim_inject_inbound(sim, phone, CLINIC, bodies[i % 8], NULL) != 0)
			die("inject", NULL);
	}
	struct twilio_config cfg = {.api_base = sim_base_url(sim), .account_sid = sim_account_sid(sim),
				    .username = sim_account_sid(sim), .password = sim_auth_token(sim)};
	struct twilio_client *c = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0)
		die("client", err);
	struct bench_clock b0 = bench_now();
	int64_t t0 = clock_mono_ms();
	struct poll_stats st = {0};
	if (poll_inbound(s, c, &t, &st, &err) != 0)
		die("poll", err);
	int64_t t1 = clock_mono_ms();
	struct bench_clock ours = bench_since(b0, bench_now());
	struct poll_stats again = {0};
	struct bench_clock r0 = bench_now();
	if (poll_inbound(s, c, &t, &again, &err) != 0)
		die("poll again", err);
	struct bench_clock relist = bench_since(r0, bench_now());
	int64_t t2 = clock_mono_ms();
	double secs = (double)(t1 - t0) / 1000.0;
	printf("bench_inbound: %d messages, %d pages, %d processed in %.2f s: %.0f messages/s\n", st.seen, st.pages,
	       st.processed, secs, secs > 0 ? st.processed / secs : 0.0);
	printf("bench_inbound: re-poll of the same pages: %d listed, %d processed in %.2f s\n", again.seen,
	       again.processed, (double)(t2 - t1) / 1000.0);
	struct bench_clock bare = bare_inserts(dir, total, senders);
	printf("bench_inbound: ours %.0f msg/s (cpu %.0f msg/s), bare SQLite %.0f rows/s (cpu %.0f rows/s)\n",
	       total / ours.wall, total / ours.cpu, total / bare.wall, total / bare.cpu);
	printf("goal ingest >= 50000 msg/s: %.0f by wall, %.0f by cpu, %.0f by the poller's thread cpu\n",
	       total / ours.wall, total / ours.cpu, total / ours.thread);
	bench_ratio("ingest/bare_sqlite", ours, bare, 3);
	bench_ratio_thread("ingest/bare_sqlite", ours, bare, 3);
	/* The re-poll fetches and decodes the same pages and finds every SID known: what is left
	 * of the first poll is the store's work (dedup, match, keyword, thread, audit, replies). */
	struct bench_clock work = {ours.wall - relist.wall, ours.cpu - relist.cpu, ours.thread - relist.thread};
	printf("bench_inbound: listing and decoding %.0f msg/s by thread cpu; storing and acting %.0f msg/s\n",
	       total / relist.thread, total / work.thread);
	bench_ratio_thread("store_work/bare_sqlite", work, bare, 3);
	struct bench_clock floor = required_writes(dir, total, senders);
	printf("bench_inbound: the required writes as bare SQL %.0f msg/s (thread cpu %.0f msg/s): %.2fx bare SQLite"
	       " by thread cpu, before any work of ours\n",
	       total / floor.wall, total / floor.thread, floor.thread / bare.thread);
	printf("ratio ingest/required_writes(thread cpu) %.2fx; store_work/required_writes(thread cpu) %.2fx\n",
	       ours.thread / floor.thread, work.thread / floor.thread);
	twilio_client_free(&c);
	tenant_free(&t);
	store_close(&s);
	sim_stop(&sim);
	remove_db(path);
	rmdir(dir);
	return st.processed == total && again.processed == 0 ? 0 : 1;
}
