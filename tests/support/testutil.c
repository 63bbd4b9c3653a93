/* Helpers for cmocka tests. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>
#include "testutil.h"
#include "src/util.h"

char *tu_tempdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/smsdesk-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

void tu_rmdir(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = xasprintf("%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			tu_rmdir(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

struct store *tu_store_new(char **path_out)
{
	char *dir = tu_tempdir();
	char *path = xasprintf("%s/test.db", dir);
	free(dir);
	struct store *s = NULL;
	char *err = NULL;
	if (store_open(path, &s, &err) != 0) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	if (path_out)
		*path_out = path;
	else
		free(path);
	return s;
}

int64_t tu_tenant_add(struct store *s, const char *name)
{
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_tenant_add(s, name, "America/Chicago", "+15551110000", &id, &err), 0);
	assert_true(id > 0);
	return id;
}

int64_t tu_patient_add(struct store *s, int64_t tenant, const char *first, const char *last, const char *mobile)
{
	struct patient p = {.tenant_id = tenant,
			    .first_name = (char *)first,
			    .last_name = (char *)last,
			    .mobile = (char *)mobile};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_patient_add(s, &p, &id, &err), 0);
	return id;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap + 1);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *tu_source_path(const char *rel)
{
	const char *base = getenv("SMSDESK_SOURCE");
	return xasprintf("%s/%s", base && *base ? base : ".", rel);
}

/* Prepares sql on db with ?1 bound to text, or else to num; fails the test on error. */
static sqlite3_stmt *q_prepare(sqlite3 *db, const char *sql, const char *text, int64_t num)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, num);
	return st;
}

int64_t tu_q_int(sqlite3 *db, const char *sql, const char *text, int64_t num)
{
	sqlite3_stmt *st = q_prepare(db, sql, text, num);
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

char *tu_q_text(sqlite3 *db, const char *sql, const char *text, int64_t num)
{
	sqlite3_stmt *st = q_prepare(db, sql, text, num);
	char *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int64_t tu_reminded_appt(struct store *s, sqlite3 *raw, int64_t tenant, int64_t patient, int64_t starts_at,
			 int64_t sent_at, int64_t *reminder_out)
{
	struct appointment a = {.tenant_id = tenant, .patient_id = patient, .provider = "Dr. Lee",
				.starts_at = starts_at};
	int64_t id = 0;
	char *err = NULL;
	assert_int_equal(store_appt_add(s, &a, &id, &err), 0);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw,
					    "INSERT INTO appointment_sms_reminders (tenant_id, appointment_id, slot_minutes,"
					    " due_at, status, sent_at, created_at) VALUES (?1, ?2, 1440, ?3, 'sent', ?3, ?3)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, tenant);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, sent_at);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	if (reminder_out)
		*reminder_out = sqlite3_last_insert_rowid(raw);
	return id;
}

const char *const *tu_fake_env;

const char *tu_fake_getenv(const char *name)
{
	size_t n = strlen(name);
	for (const char *const *e = tu_fake_env; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
