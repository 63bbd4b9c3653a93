/* HL7 v2 messages: a small strict reader and the few writers smsdesk needs (ACK, SIU, ADT).
 * No maintained HL7 v2 C library is packaged in Debian (only python3-hl7), so this is ours;
 * the README says why. Owner: src/hl7.c
 *
 * Reading: segments end at CR (LF and CRLF are accepted too: files edited by hand), the
 * separators come from MSH-1 and MSH-2, every escape sequence is checked when the message is
 * parsed (\F\ \S\ \T\ \R\ \E\ decoded, \H\ \N\ dropped, \Xhh..\ hex bytes), and anything that
 * is not well formed (no MSH, bad separators, control bytes, bad segment names, broken
 * escapes, invalid UTF-8, over HL7_MAX_BYTES) is refused with a reason. */
#ifndef SMSDESK_HL7_H
#define SMSDESK_HL7_H
#include <stdbool.h>
#include <stddef.h>

#define HL7_MAX_BYTES (1024 * 1024)
#define HL7_MAX_SEGMENTS 2000

struct hl7_msg;

/* Parses len bytes (need not be NUL-terminated); *out to free with hl7_free. -1 with *err. */
int hl7_parse(const char *data, size_t len, struct hl7_msg **out, char **err);
void hl7_free(struct hl7_msg **mp);

size_t hl7_segment_count(const struct hl7_msg *m);
/* The three-letter name of segment i ("MSH", "PID", ...). */
const char *hl7_segment_name(const struct hl7_msg *m, size_t i);
/* Index of the nth (0-based) segment named name, or -1. */
int hl7_find(const struct hl7_msg *m, const char *name, int nth);

/* The decoded value of segment seg, field (1-based; MSH-1 is the field separator itself),
 * repetition rep (0-based), component comp and subcomponent sub (1-based; 0 = the whole
 * field / component, undecoded separators kept). Malloc'd; "" when absent (never NULL). */
char *hl7_get(const struct hl7_msg *m, int seg, int field, int rep, int comp, int sub);
/* The same from the first segment with that name ("" when there is none). */
char *hl7_get_named(const struct hl7_msg *m, const char *name, int field, int rep, int comp);
/* Number of repetitions of a field (0 when empty or absent). */
int hl7_repetitions(const struct hl7_msg *m, int seg, int field);

/* Escapes text for a field with the standard separators |^~\& (malloc'd); control
 * characters become spaces so that text never opens a new segment. */
char *hl7_escape(const char *text);

/* "YYYYMMDDHHMMSS" of Unix time t in UTC with "+0000", into buf (>= 20 bytes). */
void hl7_format_time(long long t, char *buf, size_t len);
/* Parses an HL7 DTM ("YYYYMMDD[HHMM[SS[.S...]]][+/-ZZZZ]"). Without an offset the time is
 * local to zone tz (IANA). -1 with *err when malformed or out of range. */
int hl7_parse_time(const char *dtm, const char *tz, long long *out, char **err);

/* Builds an ACK for msg (NULL when it could not be parsed): code "AA", "AE" or "AR", text
 * for MSA-3 / ERR (may be NULL), control_id for our MSH-10. Ends with a CR; malloc'd. */
char *hl7_ack(const struct hl7_msg *msg, const char *code, const char *text, const char *control_id);
/* MSA-1 and MSA-2 of an ACK (malloc'd); -1 when it is not a readable ACK. */
int hl7_ack_read(const char *data, size_t len, char **code, char **control_id, char **err);

#endif
