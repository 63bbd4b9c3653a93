/* Twilio REST client (libcurl): send, fetch, list with paging, account fetch, MMS media.
 * Owner: src/twilio.c (requests, retries), src/twilio_media.c (MMS media) and
 * src/twilio_parse.c (JSON), the client's edge: cJSON stays inside twilio_parse.c, callers
 * see plain structs. */
#ifndef SMSDESK_TWILIO_H
#define SMSDESK_TWILIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct twilio_config {
	const char *api_base;     /* "https://api.twilio.com" or the simulator's URL */
	const char *account_sid;  /* AC... (goes in the path) */
	const char *username;     /* Account SID or API key SID (basic auth user) */
	const char *password;     /* auth token or API key secret: copied, wiped on free */
	const char *ca_bundle;    /* NULL: system default; also SMSDESK_CA_BUNDLE */
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;          /* 0: 30 s for the whole request */
	int max_retries;          /* 429/5xx/network retries; 0: default 4; -1: none */
	long backoff_base_ms;     /* 0: 500 ms, doubling, capped at 30 s; Retry-After wins */
};

enum twilio_result {
	TW_OK = 0,
	TW_ERR_NETWORK,   /* could not connect / reset / DNS */
	TW_ERR_TIMEOUT,
	TW_ERR_AUTH,      /* 401 / 403 */
	TW_ERR_REJECTED,  /* other 4xx: Twilio said no (code + message); never retried */
	TW_ERR_RATE,      /* 429 still after retries */
	TW_ERR_SERVER,    /* 5xx still after retries */
	TW_ERR_PARSE,     /* the answer was not the JSON we expect */
	TW_ERR_USAGE,     /* bad arguments on our side */
};

struct twilio_error {
	enum twilio_result kind;
	int http_status;   /* 0 when no HTTP answer */
	int code;          /* Twilio's error code (e.g. 21610), 0 when none */
	char *message;     /* for people: Twilio's message or what went wrong; NULL when TW_OK */
	bool retryable;    /* true for network, timeout, 429, 5xx */
};

void twilio_error_clear(struct twilio_error *e);
const char *twilio_result_str(enum twilio_result r);

struct twilio_message {
	char *sid;
	char *account_sid;
	char *messaging_service_sid;
	char *from;
	char *to;
	char *body;
	char *status;       /* queued, sending, sent, delivered, undelivered, failed, received, accepted, scheduled, ... */
	char *direction;    /* inbound, outbound-api, outbound-call, outbound-reply */
	int num_segments;
	int num_media;
	int error_code;     /* 0 = none */
	char *error_message;
	char *price;        /* as Twilio sends it, may be NULL */
	int64_t date_created; /* Unix s, 0 when null */
	int64_t date_sent;
	int64_t date_updated;
	char *strings;      /* one malloc'd block that every string above points into */
};

/* Frees the message's strings (one block: never free a field alone) and zeroes *m. */
void twilio_message_free(struct twilio_message *m);

struct twilio_client;

/* Whether base may be an API base: https://, or plain http:// to loopback only (the simulator),
 * so credentials never cross a network in clear; no user info, query or fragment. */
bool twilio_base_ok(const char *base);

int twilio_client_new(const struct twilio_config *cfg, struct twilio_client **out, char **err);
void twilio_client_free(struct twilio_client **cp);
/* How many TCP connections the client has opened so far (1 while keep-alive holds). */
long twilio_client_connects(const struct twilio_client *c);

struct twilio_send_req {
	const char *to;
	const char *from;                  /* or: */
	const char *messaging_service_sid;
	const char *body;
	const char *const *media_urls;
	size_t n_media;
};

/* Each returns TW_OK or an error kind, with *e filled (clear it with twilio_error_clear). */
enum twilio_result twilio_send(struct twilio_client *c, const struct twilio_send_req *req,
			       struct twilio_message *out, struct twilio_error *e);
enum twilio_result twilio_fetch(struct twilio_client *c, const char *sid, struct twilio_message *out,
				struct twilio_error *e);

struct twilio_list_query {
	const char *to;
	const char *from;
	int64_t date_sent_after;  /* DateSent>= (Twilio filters by day: YYYY-MM-DD), 0 = none */
	int64_t date_sent_before; /* DateSent<=, 0 = none */
	int page_size;            /* 0: 50 */
};

struct twilio_page {
	struct twilio_message *items;
	size_t n;
	int page;
	int page_size;
	char *next_page_uri; /* NULL on the last page */
};

void twilio_page_free(struct twilio_page *p);
enum twilio_result twilio_list(struct twilio_client *c, const struct twilio_list_query *q,
			       struct twilio_page *out, struct twilio_error *e);
/* Follows a page's next_page_uri. */
enum twilio_result twilio_list_next(struct twilio_client *c, const char *next_page_uri,
				    struct twilio_page *out, struct twilio_error *e);

struct twilio_account {
	char *sid;
	char *friendly_name;
	char *status; /* active, suspended, closed */
	char *type;   /* Trial, Full */
};
void twilio_account_free(struct twilio_account *a);
enum twilio_result twilio_fetch_account(struct twilio_client *c, struct twilio_account *out,
					struct twilio_error *e);

/* One entry of a message's Media list (MMS). */
struct twilio_media {
	char *sid;          /* ME... */
	char *content_type; /* as Twilio lists it */
};
struct twilio_media_list {
	struct twilio_media *items;
	size_t n;
};
void twilio_media_list_free(struct twilio_media_list *l);
/* GET .../Messages/{msg_sid}/Media.json (at most 10 entries; more is an unreadable answer). */
enum twilio_result twilio_media_list(struct twilio_client *c, const char *msg_sid, struct twilio_media_list *out,
				     struct twilio_error *e);
/* GET .../Messages/{msg_sid}/Media/{media_sid} authenticated, not following: Twilio answers
 * with a redirect to where the bytes are; *location is that URL (malloc'd). Checking where it
 * points, and fetching it without our credentials, is the caller's (src/mediahttp.c). */
enum twilio_result twilio_media_locate(struct twilio_client *c, const char *msg_sid, const char *media_sid,
				       char **location, struct twilio_error *e);
/* The API base the client talks to (to judge where a media redirect may point). */
const char *twilio_client_base(const struct twilio_client *c);

/* Parsers, exposed for tests and fuzzing: JSON text -> struct. 0 ok, -1 with *err. */
int twilio_parse_message(const char *json, size_t len, struct twilio_message *out, char **err);
int twilio_parse_page(const char *json, size_t len, struct twilio_page *out, char **err);
int twilio_parse_media_list(const char *json, size_t len, struct twilio_media_list *out, char **err);
/* Twilio's date format "Thu, 30 Jul 2015 20:12:31 +0000" -> Unix s; 0 when unparseable. */
int64_t twilio_parse_date(const char *s);

#endif
