/* Shared by the two halves of the Twilio client only: src/twilio.c (requests, retries) asks
 * src/twilio_parse.c (cJSON) to decode answers. No cJSON type crosses this header. */
#ifndef SMSDESK_TWILIO_INTERNAL_H
#define SMSDESK_TWILIO_INTERNAL_H
#include <stddef.h>
#include "src/twilio.h"

/* How decoding an answer went: the client reports each failure with a different HTTP status. */
enum twilio_decode {
	TWD_OK = 0,
	TWD_NOT_JSON,  /* empty or not JSON at all */
	TWD_BAD_SHAPE, /* JSON, but not the object we expect */
};

/* Decode len bytes of a 2xx answer into *out (zeroed first, and again on failure); on failure a
 * reason in *why (malloc'd). */
enum twilio_decode twilio_decode_message(const char *body, size_t len, struct twilio_message *out, char **why);
enum twilio_decode twilio_decode_page(const char *body, size_t len, struct twilio_page *out, char **why);
enum twilio_decode twilio_decode_media_list(const char *body, size_t len, struct twilio_media_list *out,
					   char **why);
enum twilio_decode twilio_decode_account(const char *body, size_t len, struct twilio_account *out, char **why);

/* Twilio's error JSON {code, message, ...} of an answer with this HTTP status: *code (0 when
 * none) and a message for people (malloc'd), saying so when the body has none. */
char *twilio_error_text(const char *body, size_t len, long status, int *code);

#endif
