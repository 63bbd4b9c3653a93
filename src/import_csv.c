/* A streaming RFC 4180 CSV reader for imports: quoted fields with embedded commas, quotes and
 * newlines, CRLF / LF / CR line ends, an optional UTF-8 byte-order mark, and hard caps on the
 * length of a record and its number of fields so a hostile file cannot make us grow without
 * bound. It reads through a fixed buffer: a 100,000-row file never sits in memory whole. */
#include <stdlib.h>
#include <string.h>
#include "src/import.h"
#include "src/util.h"

struct import_csv {
	FILE *in;
	unsigned char buf[64 * 1024];
	size_t pos, len;
	bool eof, failed;
	size_t line; /* the line the reader is on, from 1 */
	char *rec;   /* the record's bytes, fields separated by NUL */
	size_t rec_len;
	size_t nfields;
	size_t offs[IMPORT_FIELDS_MAX];
	char *fields[IMPORT_FIELDS_MAX];
	const char *problem; /* the first reason this record is refused, or NULL */
	bool too_long;
};

/* The next byte of input, or EOF (also after a read error, which sets failed). */
static int next_byte(struct import_csv *c)
{
	if (c->pos == c->len) {
		if (c->eof)
			return EOF;
		c->len = fread(c->buf, 1, sizeof(c->buf), c->in);
		c->pos = 0;
		if (c->len == 0) {
			c->eof = true;
			if (ferror(c->in))
				c->failed = true;
			return EOF;
		}
	}
	return c->buf[c->pos++];
}

/* The next byte without taking it. */
static int peek_byte(struct import_csv *c)
{
	int ch = next_byte(c);
	if (ch != EOF)
		c->pos--;
	return ch;
}

struct import_csv *import_csv_open(FILE *in)
{
	struct import_csv *c = xcalloc(1, sizeof(*c));
	c->in = in;
	c->line = 1;
	/* Room for the longest record plus one NUL per field, so ends always fit. */
	c->rec = xmalloc(IMPORT_FIELD_MAX + IMPORT_FIELDS_MAX + 1);
	/* Spreadsheets save "CSV UTF-8" with a byte-order mark: skip it. */
	if (peek_byte(c) == 0xEF && c->len - c->pos >= 3 && memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3) == 0)
		c->pos += 3;
	return c;
}

void import_csv_close(struct import_csv **cp)
{
	if (*cp == NULL)
		return;
	free((*cp)->rec);
	free(*cp);
	*cp = NULL;
}

bool import_csv_failed(const struct import_csv *c)
{
	return c->failed;
}

/* Remembers the first problem of the record. */
static void refuse(struct import_csv *c, const char *why)
{
	if (c->problem == NULL)
		c->problem = why;
}

/* Appends one byte of field content, within the record cap. */
static void put(struct import_csv *c, int ch)
{
	if (ch == 0) {
		refuse(c, "contains a NUL byte (is this a UTF-16 file? save it as CSV UTF-8)");
		return;
	}
	if (c->rec_len - c->nfields >= IMPORT_FIELD_MAX) {
		if (!c->too_long)
			refuse(c, "is longer than 65536 bytes");
		c->too_long = true;
		return;
	}
	c->rec[c->rec_len++] = (char)ch;
}

/* Ends the current field. */
static void end_field(struct import_csv *c, size_t start)
{
	if (c->nfields == IMPORT_FIELDS_MAX) {
		refuse(c, "has more than 256 columns");
		return;
	}
	c->offs[c->nfields++] = start;
	c->rec[c->rec_len++] = '\0';
}

/* Consumes a line end whose first byte ch was already read (CRLF counts once). */
static void line_end(struct import_csv *c, int ch)
{
	if (ch == '\r' && peek_byte(c) == '\n')
		next_byte(c);
	c->line++;
}

/* Reads one non-blank record into c->rec; first is its first byte. */
static void read_record(struct import_csv *c, int first)
{
	enum { START, PLAIN, QUOTED, CLOSED } st = START;
	size_t start = 0;
	for (int ch = first;; ch = next_byte(c)) {
		if (ch == EOF) {
			if (st == QUOTED)
				refuse(c, "has a quoted field that is not closed before the end of the file");
			end_field(c, start);
			return;
		}
		if (st == QUOTED) {
			if (ch == '"' && peek_byte(c) == '"') {
				next_byte(c);
				put(c, '"');
			} else if (ch == '"') {
				st = CLOSED;
			} else {
				if (ch == '\n')
					c->line++;
				put(c, ch);
			}
			continue;
		}
		if (ch == ',') {
			end_field(c, start);
			start = c->rec_len;
			st = START;
		} else if (ch == '\n' || ch == '\r') {
			line_end(c, ch);
			end_field(c, start);
			return;
		} else if (st == START && ch == '"') {
			st = QUOTED;
		} else if (st == CLOSED) {
			/* "ab"c is not CSV: a sign the file is not what it claims to be. */
			refuse(
			    c,
			    "has text after a closing quote (a quote inside a field must be doubled: \"\")");
		} else {
			st = PLAIN;
			put(c, ch);
		}
	}
}

int import_csv_next(struct import_csv *c, char ***fields, size_t *n, size_t *line, char **err)
{
	int ch;
	*fields = NULL;
	*n = 0;
	/* Blank lines (LF, CRLF or CR alone) are not records. */
	for (;;) {
		ch = next_byte(c);
		if (ch == EOF)
			return 0;
		if (ch != '\n' && ch != '\r')
			break;
		line_end(c, ch);
	}
	*line = c->line;
	c->rec_len = 0;
	c->nfields = 0;
	c->problem = NULL;
	c->too_long = false;
	read_record(c, ch);
	if (c->problem != NULL)
		return seterr(err, "%s", c->problem);
	for (size_t i = 0; i < c->nfields; i++)
		c->fields[i] = c->rec + c->offs[i];
	*fields = c->fields;
	*n = c->nfields;
	return 1;
}
