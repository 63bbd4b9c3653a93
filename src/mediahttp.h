/* MMS media over HTTP without our credentials: where a photo may come from, which photos are
 * accepted (size, type), the download of Twilio's redirect target, and the HEAD check of an
 * outbound media URL. Owner: src/mediahttp.c */
#ifndef SMSDESK_MEDIAHTTP_H
#define SMSDESK_MEDIAHTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_MAX_BYTES (5L * 1024 * 1024) /* Twilio's MMS limit, and ours for inbound photos */

/* Whether a content type (parameters after ';' ignored, any case) is one smsdesk keeps or
 * sends: image/jpeg, image/png, image/gif, image/heic, image/heif, image/webp, application/pdf. */
bool mediahttp_type_allowed(const char *content_type);
/* The allowed types as one line for people ("image/jpeg, image/png, ..."). */
const char *mediahttp_types_text(void);

/* Whether Twilio's media redirect may be followed: https to Twilio's media hosts (twilio.com,
 * twiliocdn.com, amazonaws.com); when api_base is loopback (the simulator) only loopback. 0, or
 * -1 with the reason in *err. Our credentials never go to the target either way. */
int mediahttp_redirect_ok(const char *api_base, const char *url, char **err);
/* Whether an outbound media URL is one Twilio can fetch: https, no user info; plain http only
 * to loopback (the simulator in tests). 0, or -1 with the reason in *err. */
int mediahttp_public_ok(const char *url, char **err);

enum mediahttp_outcome {
	MH_OK = 0,
	MH_FAILED,  /* may work later (network, timeout, 5xx, 404): try again */
	MH_REFUSED, /* never acceptable (too large, type not allowed, another redirect) */
};

struct mediahttp_body {
	unsigned char *data; /* malloc'd; wipe before free (a patient's photo) */
	size_t len;
	char *content_type;  /* malloc'd, as the server sent it */
};
void mediahttp_body_free(struct mediahttp_body *b);

/* GETs url (no credentials, no redirects, at most MEDIA_MAX_BYTES, an allowed type), within
 * timeout_ms (0: 60 s). The reason in *err when not MH_OK. */
enum mediahttp_outcome mediahttp_get(const char *url, long timeout_ms, struct mediahttp_body *out, char **err);
/* HEADs url within timeout_ms (0: 10 s): its type must be allowed and its size (when given)
 * at most MEDIA_MAX_BYTES. *content_type (malloc'd) and *size (-1: not told) on MH_OK. */
enum mediahttp_outcome mediahttp_head(const char *url, long timeout_ms, char **content_type, int64_t *size,
				      char **err);
/* The whole check of an outbound media URL before it is queued: the URL rule, then the HEAD
 * check. 0 with *json (the outbox's media list, malloc'd) and *what ("image/jpeg 80 KB",
 * malloc'd), or -1 with the reason in words in *err. */
int mediahttp_outbound(const char *url, long timeout_ms, char **json, char **what, char **err);
/* "240 KB", "4.8 MB", "512 B" */
void mediahttp_size_text(int64_t bytes, char *buf, size_t len);

#endif
