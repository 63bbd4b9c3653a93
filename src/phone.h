/* Phone numbers: E.164 formatting, validation, display, masking. Owner: src/phone.c */
#ifndef SMSDESK_PHONE_H
#define SMSDESK_PHONE_H
#include <stdbool.h>
#include <stddef.h>

#define PHONE_E164_MAX 17 /* '+' + 15 digits + NUL */

/* Formats any human input ("(555) 123-4567", "1-555-123-4567", "+44 20 7946 0958", ...) to
 * E.164 in out; US is the default country. Rejects letters, extensions, too short or too
 * long numbers with a reason in *err. */
int phone_to_e164(const char *input, char out[PHONE_E164_MAX], char **err);
bool phone_is_e164(const char *s);
/* "+15551234567" -> "(555) 123-4567"; other countries as "+44 20 7946 0958"-ish grouping or as is. */
void phone_display(const char *e164, char *out, size_t len);
/* "+15551234567" -> "(***) ***-4567" */
void phone_mask(const char *e164, char *out, size_t len);
/* True when both parse to the same E.164 number. */
bool phone_equal(const char *a, const char *b);
/* US number whose area code and exchange are plausible for a mobile (not 555-01xx fiction, not toll-free). */
bool phone_is_likely_us_mobile(const char *e164);

#endif
