/* Importing patients and appointments from the practice-management system's exports (CSV or
 * JSON). Every input is hostile: each row is checked on its own and a bad row is reported
 * and skipped, never half-written, and never stops the good rows. Owner: src/import.c
 * (row checks, writes, JSON), src/import_csv.c (the streaming CSV reader) and
 * src/import_values.c (text, date and time checks). */
#ifndef SMSDESK_IMPORT_H
#define SMSDESK_IMPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "store/store.h"

#define IMPORT_FIELD_MAX (64 * 1024)    /* a CSV record (line) longer than this is refused */
#define IMPORT_FIELDS_MAX 256           /* columns in one CSV record */
#define IMPORT_JSON_MAX (64 * 1024 * 1024) /* JSON is read whole: larger files must be CSV */
#define IMPORT_BATCH_ROWS 500           /* rows per transaction (each row under a savepoint) */

enum import_kind { IMPORT_PATIENTS, IMPORT_APPOINTMENTS };
enum import_format { IMPORT_AUTO, IMPORT_CSV, IMPORT_JSON };

/* Called for each refused row (row 0: about the whole file, e.g. an ignored column).
 * message is one line of safe text (hostile values are quoted with controls as '?'). */
typedef void (*import_report_fn)(void *ctx, size_t row, const char *message);

struct import_opts {
	enum import_kind kind;
	enum import_format format; /* IMPORT_AUTO: JSON when the first non-blank byte is '[' */
	bool dry_run;              /* check and count everything, then roll back: writes nothing */
	int64_t tenant_id;
	const char *clinic_tz;     /* the clinic's IANA zone: for start times without an offset */
	const char *actor;         /* audit username ("cli") */
	const char *source;        /* the audit entry's target (the file's name); NULL: none */
	size_t batch_rows;         /* 0: IMPORT_BATCH_ROWS */
	bool allow_identity_change; /* an update may change a patient's name and mobile at once
				     * (each such row is still reported); else such a row is refused */
	import_report_fn report;   /* NULL: problems are only counted */
	void *report_ctx;
};

struct import_result {
	size_t rows;     /* data rows seen (blank lines are not rows) */
	size_t added;
	size_t updated;  /* an existing patient (same external id) or appointment (same patient, start) */
	size_t rejected;
	size_t identity_changes; /* updates that changed name and mobile (allowed by the option) */
};

/* Imports the whole stream. Returns 0 when the file was read to the end (rows may have been
 * rejected: see r->rejected), -1 with *err when the file as a whole is refused (no header,
 * a required column missing, not a JSON array, unreadable) or the database failed; rows
 * committed in earlier batches stay. Writes one audit entry ("import.patients" /
 * "import.appointments") unless dry_run. */
int import_run(struct store *s, FILE *in, const struct import_opts *o, struct import_result *r, char **err);

/* ---- The CSV reader (RFC 4180), exposed for tests. Owner: src/import_csv.c ---- */

struct import_csv;

/* Reads from in (not closed by us). A UTF-8 byte-order mark at the start is skipped. */
struct import_csv *import_csv_open(FILE *in);
void import_csv_close(struct import_csv **cp);

/* Reads the next record: *fields points to *n NUL-terminated fields valid until the next call.
 * Blank lines are skipped. Returns 1 for a record, 0 at the end of input, -1 when this record
 * is refused (too long, too many fields, a NUL byte, text after a closing quote, a quote left
 * open at the end): *err says why, and the next call goes on with the following record.
 * *line is the line number where the record began. */
int import_csv_next(struct import_csv *c, char ***fields, size_t *n, size_t *line, char **err);
/* True after a read error on the stream (as opposed to its end). */
bool import_csv_failed(const struct import_csv *c);

/* ---- Value checks, exposed for tests ---- */

/* 0 when s is valid UTF-8 with no control characters (C0, DEL, C1) and no bidirectional
 * overrides; else -1 with the reason in *err ("contains a control character (U+001B)"). */
int import_check_text(const char *s, char **err);
/* ISO 8601 "2026-12-01T14:30" (seconds optional, ' ' for 'T' allowed) in zone tz, or with
 * "Z" / "+01:00" / "-0500"; with date_ok also a bare "2026-12-01" (midnight in tz). Refuses
 * dates that do not exist and local times skipped by a daylight-saving change. -1 with *err
 * (words that follow the value: "is not a real date ..."). */
int import_parse_time(const char *s, const char *tz, bool date_ok, int64_t *out, char **err);
/* Copies a hostile value for a report line: controls and bad UTF-8 as '?', cut at ~40 bytes. */
void import_quote_value(const char *v, char *out, size_t len);

#endif
