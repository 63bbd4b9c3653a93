/* Shared by the two halves of the Twilio client only: src/twilio.c (requests, retries) asks
 * src/twilio_parse.c (cJSON) to decode answers. No cJSON type crosses this header. */
#ifndef SMSDESK_TWILIO_INTERNAL_H
#define SMSDESK_TWILIO_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include "src/twilio.h"

/* How decoding an answer went: the client reports each failure with a different HTTP status. */
enum twilio_decode {
	TWD_OK = 0,
	TWD_NOT_JSON,  /* empty or not JSON at all */
	TWD_BAD_SHAPE, /* JSON, but not the object we expect */
};

struct json_arena;

/* Decode len bytes of a 2xx answer into *out (zeroed first, and again on failure); on failure a
 * reason in *why (malloc'd). The JSON is parsed in arena (src/json_arena.h), which keeps its
 * memory for the next answer; NULL: in one made for this answer alone. */
enum twilio_decode twilio_decode_message(struct json_arena *arena, const char *body, size_t len,
					 struct twilio_message *out, char **why);
enum twilio_decode twilio_decode_page(struct json_arena *arena, const char *body, size_t len,
				      struct twilio_page *out, char **why);
enum twilio_decode twilio_decode_media_list(const char *body, size_t len, struct twilio_media_list *out,
					   char **why);
enum twilio_decode twilio_decode_account(const char *body, size_t len, struct twilio_account *out, char **why);

/* For src/twilio_media.c, the client's third file: GETs {base}/2010-04-01/Accounts/{account}/
 * path with the client's retries. On TW_OK *body and *len are the answer (the client's buffer,
 * valid until its next request) and *status its HTTP status; with accept_redirect a 3xx is an
 * answer too, and *location (malloc'd, NULL when none) where it points. */
enum twilio_result twilio_get_path(struct twilio_client *c, const char *path, bool accept_redirect, long *status,
				   const char **body, size_t *len, char **location, struct twilio_error *e);
/* Fills *e (a final, not retryable failure) and returns kind. */
enum twilio_result twilio_fail(struct twilio_error *e, enum twilio_result kind, int http, char *msg_owned);
/* Whether s is a 34-character SID (with this two-letter prefix when not NULL). */
bool twilio_is_sid(const char *s, const char *prefix);

/* Twilio's error JSON {code, message, ...} of an answer with this HTTP status: *code (0 when
 * none) and a message for people (malloc'd), saying so when the body has none. */
char *twilio_error_text(const char *body, size_t len, long status, int *code);

#endif
