/* The store's whole API: everything smsdesk keeps in SQLite.
 * Conventions: functions return 0 on success and -1 with *err set (free() it) on failure;
 * lookups that find nothing return 1 (SD_NOTFOUND). Times are Unix seconds UTC; phone numbers
 * E.164. Structs filled by the store own their strings: free them with the matching *_free. */
#ifndef SMSDESK_STORE_H
#define SMSDESK_STORE_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define SD_NOTFOUND 1

struct store;

/* Opens (creating if needed) the database at path, WAL, foreign keys on, busy timeout 5 s,
 * and applies pending migrations. A database newer than this binary is refused, and so is
 * a database file (or its -wal / -shm) that others may read or write. Sets the process
 * umask to take away group and other bits, so a new database is created 0600. */
int store_open(const char *path, struct store **out, char **err);
void store_close(struct store **sp);

/* The schema version this binary knows, and the one in the open database. */
int store_schema_latest(void);
int store_schema_version(struct store *s);

/* Transactions. store_begin takes the write lock at once (BEGIN IMMEDIATE) so that two
 * processes cannot both read-then-write the same rows. Nested calls are counted: only the
 * outermost begin/commit touch SQLite; a rollback anywhere rolls the whole thing back. */
int store_begin(struct store *s, char **err);
int store_commit(struct store *s, char **err);
void store_rollback(struct store *s);
/* A savepoint inside a transaction (one level), so that a batch can undo one item's work and
 * keep the rest: begin/commit/rollback inside it act as nested calls do, but a rollback
 * inside spoils only the savepoint. store_savepoint_release keeps its work (-1 with *err,
 * and the work undone, when something inside rolled back); store_savepoint_rollback undoes
 * it. Either way the outer transaction goes on. */
int store_savepoint(struct store *s, char **err);
int store_savepoint_release(struct store *s, char **err);
void store_savepoint_rollback(struct store *s);

/* A bigger page cache for a bulk job: a catch-up poll writes rows into the messages table,
 * its five indexes, the threads and the audit log at once, and with SQLite's default 2 MB
 * it re-reads evicted pages from the file all along. store_cache_grow raises this
 * connection's cache to kib KiB; store_cache_restore puts the default back and hands the
 * memory back, so a console that caught up does not keep it. */
void store_cache_grow(struct store *s, int kib);
void store_cache_restore(struct store *s);

/* The path the store was opened with (":memory:" for in-memory tests). */
const char *store_path(struct store *s);

#include "store/tenants.h"
#include "store/patients.h"
#include "store/appointments.h"
#include "store/messages.h"
#include "store/prefs.h"
#include "store/autoresp.h"
#include "store/reminders.h"
#include "store/users.h"
#include "store/audit.h"
#include "store/credentials.h"
#include "store/sync.h"
#include "store/import.h"
#include "store/stats.h"
#include "store/bulk.h"
#include "store/fold.h"
#include "store/backup.h"
#include "store/lifecycle.h"
#include "store/media.h"
#include "store/campaigns.h"
#include "store/filler.h"
#include "store/ehr.h"
#include "store/notes.h"
#include "store/canned.h"
#include "store/worklist.h"
#include "store/scheduled.h"
#include "store/triage.h"

#endif
