/* Helpers for cmocka tests: temp dirs, a fresh store, a running simulator. */
#ifndef SMSDESK_TESTUTIL_H
#define SMSDESK_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "store/store.h"

/* A new empty directory under $TMPDIR (malloc'd path); removed by tu_rmdir. */
char *tu_tempdir(void);
void tu_rmdir(const char *path);
/* Opens a fresh store in a temp file (real SQLite file, WAL); asserts on error. */
struct store *tu_store_new(char **path_out);
/* Adds a tenant (America/Chicago, clinic phone +15551110000) / a patient; asserts on error and
 * returns the new id. */
int64_t tu_tenant_add(struct store *s, const char *name);
int64_t tu_patient_add(struct store *s, int64_t tenant, const char *first, const char *last, const char *mobile);
/* A getenv stand-in for code that takes one (ui_gfx_detect, media_opener_pick): answers from
 * tu_fake_env, "NAME=value" pairs ending in NULL, which the test sets. */
extern const char *const *tu_fake_env;
const char *tu_fake_getenv(const char *name);
/* Reads a whole file (malloc'd, NUL-terminated) or NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Path of the source tree (SMSDESK_SOURCE) + rel, malloc'd: tests read only files inside the repository. */
char *tu_source_path(const char *rel);

/* One value from raw SQL on a second connection (what the store wrote, seen from outside),
 * with ?1 bound to text, or else to num. tu_q_int: the first column as an integer, -1 when
 * no row. tu_q_text: malloc'd, NULL when no row or NULL. A bad statement fails the test. */
struct sqlite3;
int64_t tu_q_int(struct sqlite3 *db, const char *sql, const char *text, int64_t num);
char *tu_q_text(struct sqlite3 *db, const char *sql, const char *text, int64_t num);

/* An appointment (Dr. Lee, starting at starts_at) whose 24-hour reminder went out at sent_at,
 * the reminder row written through raw as the scheduler would have: what a patient's answer
 * refers to. Returns the appointment id; *reminder_out (if given) gets the reminder's. */
int64_t tu_reminded_appt(struct store *s, struct sqlite3 *raw, int64_t tenant, int64_t patient, int64_t starts_at,
			 int64_t sent_at, int64_t *reminder_out);

#endif
