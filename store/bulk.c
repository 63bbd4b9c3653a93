/* Bulk generation: large synthetic databases in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/bulk.h"
#include "store/internal.h"

#define BULK_MAX_PATIENTS 1000000 /* numbers +1 312 2xx-xxxx run out beyond this */

static const char *const first_names[] = {"Ana",   "Zoë",   "José",    "María", "Chloé", "Kai",
					  "Priya", "Tomás", "Leilani", "Björn", "Grace", "Mateo",
					  "Emily", "Liam",  "Fatima",  "Wei"};
static const char *const last_names[] = {"Souza",   "Müller", "García",	   "Dubois", "Nakamura", "Raman",
					 "Herrera", "Kahale", "Lindqvist", "Okafor", "Rossi",	 "Johnson",
					 "O'Brien", "Haddad", "Zhang",	   "Smith",  "Williams", "Lefèvre",
					 "Volkov",  "Bello",  "Sørensen"};

struct bulk_body {
	const char *text;
	const char *encoding;
	int segments;
};

static const struct bulk_body out_bodies[] = {
    {"Hi, this is your clinic: you have an appointment tomorrow at 9:30 AM. Reply C to confirm, R to "
     "reschedule, X if you can't come. Reply STOP to opt out.",
     "GSM-7", 1},
    {"Thanks, your appointment is confirmed. See you soon!", "GSM-7", 1},
    {"Your lab results are ready. Please call us at (312) 555-0100.", "GSM-7", 1},
    {"We\xE2\x80\x99ve moved your visit to Thursday \xE2\x80\x94 see you then!", "UCS-2", 1},
};
static const struct bulk_body in_bodies[] = {
    {"C", "GSM-7", 1},
    {"Thank you! \xF0\x9F\x98\x8A", "UCS-2", 1},
    {"Can I come in 15 minutes later?", "GSM-7", 1},
    {"R", "GSM-7", 1},
    {"Is parking available near the office?", "GSM-7", 1},
};

/* xorshift32: cheap, deterministic, good enough to vary test data. */
static uint32_t next_rand(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* The mobile number of patient i: +1 312, exchange 200-299, four digits. */
static void bulk_phone(size_t i, char out[24])
{
	snprintf(out, 24, "+1312%03u%04u", (unsigned)((200 + i / 10000) % 1000), (unsigned)(i % 10000));
}

/* Runs a prepared statement that returns no rows. */
static int step_done(struct store *s, sqlite3_stmt *st, const char *doing, char **err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, err, doing);
	sqlite3_reset(st);
	return 0;
}

/* Inserts patient i with its preferences row and thread; sets their ids. */
static int add_patient(struct store *s, int64_t tenant_id, size_t i, int64_t now, uint32_t *rng,
		       int64_t *patient_out, int64_t *thread_out, char **err)
{
	char mobile[24], ext[24];
	bulk_phone(i, mobile);
	snprintf(ext, sizeof(ext), "BULK-%07zu", i + 1);
	sqlite3_stmt *st =
	    store_stmt(s,
		       "INSERT INTO patients (tenant_id, first_name, last_name, mobile, external_id,"
		       " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		       err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, first_names[next_rand(rng) % 16], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, last_names[next_rand(rng) % 21], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, mobile, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, ext, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now - 400 * 86400);
	if (step_done(s, st, "adding a patient", err) != 0)
		return -1;
	int64_t pid = sqlite3_last_insert_rowid(store_db(s));
	*patient_out = pid;
	st = store_stmt(
	    s, "INSERT INTO patient_sms_preferences (patient_id, tenant_id, updated_at) VALUES (?1, ?2, ?3)",
	    err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, tenant_id);
	sqlite3_bind_int64(st, 3, now - 400 * 86400);
	if (step_done(s, st, "adding preferences", err) != 0)
		return -1;
	st = store_stmt(s, "INSERT INTO sms_threads (tenant_id, phone, patient_id) VALUES (?1, ?2, ?3)", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_text(st, 2, mobile, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, pid);
	if (step_done(s, st, "adding a thread", err) != 0)
		return -1;
	*thread_out = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

/* Inserts message k of total into thread (whose patient and phone are given). */
static int add_message(struct store *s, int64_t tenant_id, int64_t thread, int64_t patient, const char *phone,
		       size_t k, size_t total, int64_t now, uint32_t *rng, char **err)
{
	sqlite3_stmt *st = store_stmt(
	    s,
	    "INSERT INTO sms_messages (tenant_id, thread_id, patient_id, twilio_sid, direction, from_number,"
	    " to_number, body, segments, encoding, status, message_type, created_at, sent_at, delivered_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?13)",
	    err);
	if (st == NULL)
		return -1;
	bool inbound = next_rand(rng) % 5 < 2;
	const struct bulk_body *b =
	    inbound ? &in_bodies[next_rand(rng) % 5] : &out_bodies[next_rand(rng) % 4];
	/* Oldest first, a year ago up to a minute ago. */
	int64_t at = now - 60 - (int64_t)((double)(total - k) / (double)total * 365.0 * 86400.0);
	char sid[40];
	snprintf(sid, sizeof(sid), "SMb0%014llx%016zx", (unsigned long long)tenant_id, k);
	sqlite3_bind_int64(st, 1, tenant_id);
	sqlite3_bind_int64(st, 2, thread);
	sqlite3_bind_int64(st, 3, patient);
	sqlite3_bind_text(st, 4, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, inbound ? "inbound" : "outbound", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, inbound ? phone : "+15005550006", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, inbound ? "+15005550006" : phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, b->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, b->segments);
	sqlite3_bind_text(st, 10, b->encoding, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, inbound ? "received" : "delivered", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12,
			  inbound ? "conversation" : (b == &out_bodies[0] ? "reminder" : "conversation"), -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, at);
	if (inbound) {
		sqlite3_bind_null(st, 14);
		sqlite3_bind_null(st, 15);
	} else {
		sqlite3_bind_int64(st, 14, at + 1);
		sqlite3_bind_int64(st, 15, at + 4);
	}
	return step_done(s, st, "adding a message", err);
}

/* Sets each thread's last message, its time, and one unread message when the patient spoke last. */
static int finish_threads(struct store *s, int64_t tenant_id, char **err)
{
	sqlite3_stmt *st = store_stmt(s,
				      "UPDATE sms_threads SET last_message_id ="
				      " (SELECT id FROM sms_messages m WHERE m.thread_id = sms_threads.id"
				      "  ORDER BY created_at DESC, id DESC LIMIT 1) WHERE tenant_id = ?1",
				      err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	if (step_done(s, st, "finding each thread's last message", err) != 0)
		return -1;
	st = store_stmt(s,
			"UPDATE sms_threads SET"
			" last_message_at = COALESCE((SELECT created_at FROM sms_messages WHERE id = "
			"last_message_id), 0),"
			" unread_count = COALESCE((SELECT direction = 'inbound' FROM sms_messages"
			"  WHERE id = last_message_id), 0) WHERE tenant_id = ?1",
			err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tenant_id);
	return step_done(s, st, "setting thread times and unread counts", err);
}

/* The connection's page cache setting (PRAGMA cache_size). */
static int cache_size(struct store *s)
{
	sqlite3_stmt *st = NULL;
	int v = -2000; /* SQLite's default */
	if (sqlite3_prepare_v2(store_db(s), "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void set_cache_size(struct store *s, int v)
{
	char sql[48];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", v);
	sqlite3_exec(store_db(s), sql, NULL, NULL, NULL);
}

int store_bulk_generate(struct store *s, int64_t tenant_id, size_t patients, size_t messages, int64_t now,
			uint32_t seed, char **err)
{
	if (patients > BULK_MAX_PATIENTS)
		return seterr(err, "at most %d patients can be generated", BULK_MAX_PATIENTS);
	if (patients == 0 && messages > 0)
		return seterr(err, "messages need at least one patient");
	uint32_t rng = seed != 0 ? seed : 0x9E3779B9u;
	int64_t *threads = xcalloc(patients ? patients : 1, sizeof(*threads));
	int64_t *pids = xcalloc(patients ? patients : 1, sizeof(*pids));
	/* A big page cache keeps the random-order index inserts off the disk until commit. */
	int old_cache = cache_size(s);
	set_cache_size(s, -262144); /* 256 MiB */
	if (store_begin(s, err) != 0)
		goto out_free;
	for (size_t i = 0; i < patients; i++)
		if (add_patient(s, tenant_id, i, now, &rng, &pids[i], &threads[i], err) != 0)
			goto fail;
	for (size_t k = 0; k < messages; k++) {
		/* Uneven traffic: some numbers text a lot, most a little. */
		size_t i = (size_t)(next_rand(&rng) % patients);
		if (next_rand(&rng) % 4 == 0)
			i = i % (patients / 20 + 1);
		char phone[24];
		bulk_phone(i, phone);
		if (add_message(s, tenant_id, threads[i], pids[i], phone, k, messages, now, &rng, err) != 0)
			goto fail;
	}
	if (finish_threads(s, tenant_id, err) != 0)
		goto fail;
	free(threads);
	free(pids);
	int rc = store_commit(s, err);
	set_cache_size(s, old_cache);
	return rc;
fail:
	store_rollback(s);
out_free:
	set_cache_size(s, old_cache);
	free(threads);
	free(pids);
	return -1;
}
