/* Twilio REST client: one kept-alive libcurl handle per client, requests with retries and
 * backoff, Twilio's errors mapped to enum twilio_result. Answers are decoded from JSON by
 * src/twilio_parse.c, the other half of the client's edge. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "src/curlload.h"
#include "src/json_arena.h"
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"
#include "src/version.h"

#define TW_MAX_RESPONSE (8u * 1024u * 1024u) /* a message page is ~1 KB per message */
#define TW_BACKOFF_CAP_MS 30000L
#define TW_MAX_MEDIA 10

struct twilio_client {
	CURL *h;
	struct curl_slist *headers;
	char *base;        /* api_base without a trailing slash */
	char *account_sid;
	char *password;    /* wiped on free */
	int max_retries;
	long backoff_base_ms;
	long connects;     /* new connections opened so far (CURLINFO_NUM_CONNECTS summed) */
	char errbuf[CURL_ERROR_SIZE];
	struct json_arena *arena; /* answers are parsed here; its memory is kept for the next */
	/* per request */
	char *buf;
	size_t len, cap;
	bool too_big;
	bool accept_redirect; /* a 3xx is the answer (media), not an error */
	long retry_after_s; /* -1: no Retry-After header */
	/* the POST body, handed to libcurl by read_body so that it can never be sent twice */
	const char *form;
	size_t form_len, form_pos;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/* libcurl and libsodium global setup, once per process (neither is safe to race). */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (sodium_init() < 0)
		global_rc = CURLE_FAILED_INIT;
}

/* ---------------------------------------------------------------- errors */

void twilio_error_clear(struct twilio_error *e)
{
	if (e == NULL)
		return;
	free(e->message);
	memset(e, 0, sizeof(*e));
}

const char *twilio_result_str(enum twilio_result r)
{
	switch (r) {
	case TW_OK: return "ok";
	case TW_ERR_NETWORK: return "network error";
	case TW_ERR_TIMEOUT: return "timeout";
	case TW_ERR_AUTH: return "authentication failed";
	case TW_ERR_REJECTED: return "rejected by Twilio";
	case TW_ERR_RATE: return "rate limited";
	case TW_ERR_SERVER: return "Twilio server error";
	case TW_ERR_PARSE: return "unreadable answer";
	case TW_ERR_USAGE: return "bad request";
	}
	return "unknown";
}

/* Fills *e (replacing any earlier message) and returns kind. */
static enum twilio_result fail(struct twilio_error *e, enum twilio_result kind, int http, int code, bool retryable,
			       char *msg_owned)
{
	free(e->message);
	e->kind = kind;
	e->http_status = http;
	e->code = code;
	e->retryable = retryable;
	e->message = msg_owned;
	return kind;
}

/* ---------------------------------------------------------------- the client */

/* Collects the answer body, refusing more than TW_MAX_RESPONSE bytes. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct twilio_client *c = ud;
	size_t n = size * nmemb;
	if (n > TW_MAX_RESPONSE - c->len) {
		c->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 16384;
		while (cap < c->len + n + 1)
			cap *= 2;
		c->buf = xrealloc(c->buf, cap);
		c->cap = cap;
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return n;
}

/* Notes a Retry-After header given in seconds (the HTTP-date form falls back to backoff). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct twilio_client *c = ud;
	size_t n = size * nmemb;
	static const char name[] = "Retry-After:";
	if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		size_t i = sizeof(name) - 1;
		while (i < n && (data[i] == ' ' || data[i] == '\t'))
			i++;
		long v = 0;
		size_t start = i;
		while (i < n && isdigit((unsigned char)data[i]) && v < 100000)
			v = v * 10 + (data[i++] - '0');
		if (i > start)
			c->retry_after_s = v;
	}
	return n;
}

bool twilio_base_ok(const char *base)
{
	/* curl's own parser decides, so the host we check is the host curl will connect to
	 * ("http://127.0.0.1:80@evil.example" is user info plus evil.example, and refused). */
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL, *query = NULL, *frag = NULL;
	bool ok = false;
	if (u == NULL || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	/* Credentials come from the config only; a query or fragment would break the paths. */
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK || strchr(base, '@') != NULL)
		goto out;
	if (strcmp(scheme, "https") == 0)
		ok = *host != '\0';
	else if (strcmp(scheme, "http") == 0)
		ok = strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return ok;
}

/* True when s is n characters of letters and digits (safe inside a URL path). */
static bool is_sid(const char *s, const char *prefix)
{
	if (s == NULL || strlen(s) != 34 || (prefix != NULL && strncmp(s, prefix, 2) != 0))
		return false;
	for (size_t i = 0; i < 34; i++)
		if (i < 2 ? !isalpha((unsigned char)s[i]) : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Sets the options that stay the same for every request of this client. */
static int setup_handle(struct twilio_client *c, const struct twilio_config *cfg, char **err)
{
	CURL *h = c->h;
	const char *ca = cfg->ca_bundle;
	if (ca == NULL || *ca == '\0')
		ca = getenv("SMSDESK_CA_BUNDLE");
	if (ca != NULL && *ca != '\0' && access(ca, R_OK) != 0)
		return seterr(err, "the CA bundle %s cannot be read: %s", ca, strerror(errno));
	char *ua = xasprintf("smsdesk/%s", smsdesk_version());
	c->headers = curl_slist_append(NULL, "Accept: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:"); /* no 100-continue round trip */
	if (c->headers == NULL)
		abort();
	CURLcode rc = CURLE_OK;
	rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000L);
	rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000L);
	rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL && *ca != '\0')
		rc |= curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	rc |= curl_easy_setopt(h, CURLOPT_USERNAME, cfg->username);
	rc |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
	rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
	rc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	rc |= curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	free(ua);
	if (rc != CURLE_OK)
		return seterr(err, "libcurl lacks an option smsdesk needs (libcurl %s)", curl_version());
	return 0;
}

int twilio_client_new(const struct twilio_config *cfg, struct twilio_client **out, char **err)
{
	*out = NULL;
	if (cfg == NULL || cfg->api_base == NULL || !twilio_base_ok(cfg->api_base))
		return seterr(err, "the Twilio API base must be an https:// URL without user name, query or "
			      "fragment (plain http only to loopback)");
	if (!is_sid(cfg->account_sid, "AC"))
		return seterr(err, "the Twilio account SID should be AC followed by 32 hex digits");
	if (cfg->username == NULL || *cfg->username == '\0' || cfg->password == NULL || *cfg->password == '\0')
		return seterr(err, "the Twilio credentials are missing (user name or secret is empty)");
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return seterr(err, "libcurl could not be initialised: %s", curl_easy_strerror(global_rc));
	struct twilio_client *c = xcalloc(1, sizeof(*c));
	c->base = xstrdup(cfg->api_base);
	for (size_t l = strlen(c->base); l > 0 && c->base[l - 1] == '/'; l--)
		c->base[l - 1] = '\0';
	c->account_sid = xstrdup(cfg->account_sid);
	c->password = xstrdup(cfg->password);
	c->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries == 0 ? 4 : cfg->max_retries;
	c->backoff_base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 500;
	c->arena = json_arena_new();
	c->h = curl_easy_init();
	if (c->h == NULL) {
		twilio_client_free(&c);
		return seterr(err, "libcurl could not make a handle");
	}
	if (setup_handle(c, cfg, err) != 0) {
		twilio_client_free(&c);
		return -1;
	}
	*out = c;
	return 0;
}

void twilio_client_free(struct twilio_client **cp)
{
	struct twilio_client *c = cp ? *cp : NULL;
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->headers);
	if (c->password != NULL) {
		sodium_memzero(c->password, strlen(c->password));
		free(c->password);
	}
	free(c->base);
	free(c->account_sid);
	free(c->buf);
	json_arena_free(&c->arena);
	free(c);
	*cp = NULL;
}

long twilio_client_connects(const struct twilio_client *c)
{
	return c ? c->connects : 0;
}

/* ---------------------------------------------------------------- requests */

/* Sleeps ms milliseconds (resuming after signals). */
static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The wait before retry number attempt+1: Retry-After if given, else base * 2^attempt with jitter. */
static long backoff_ms(const struct twilio_client *c, int attempt)
{
	if (c->retry_after_s >= 0)
		return c->retry_after_s * 1000 < TW_BACKOFF_CAP_MS ? c->retry_after_s * 1000 : TW_BACKOFF_CAP_MS;
	long d = c->backoff_base_ms;
	for (int i = 0; i < attempt && d < TW_BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > TW_BACKOFF_CAP_MS)
		d = TW_BACKOFF_CAP_MS;
	/* "equal jitter": half fixed, half random, so clients that failed together spread out */
	return d / 2 + (long)randombytes_uniform((uint32_t)(d / 2 + 1));
}

/* Maps an HTTP status to our result; *post_safe tells whether the POST certainly created nothing. */
static enum twilio_result classify_http(const struct twilio_client *c, long status, struct twilio_error *e,
					bool *post_safe)
{
	int code = 0;
	*post_safe = false;
	if (status == 401 || status == 403) {
		char *m = twilio_error_text(c->buf, c->len, status, &code);
		char *msg = xasprintf("Twilio refused the credentials (HTTP %ld): %s", status, m);
		free(m);
		return fail(e, TW_ERR_AUTH, (int)status, code, false, msg);
	}
	if (status == 429 || status >= 500) {
		*post_safe = status == 429 || status == 503; /* refused before any work */
		char *m = twilio_error_text(c->buf, c->len, status, &code);
		return fail(e, status == 429 ? TW_ERR_RATE : TW_ERR_SERVER, (int)status, code, true, m);
	}
	if (status >= 400) {
		char *m = twilio_error_text(c->buf, c->len, status, &code);
		return fail(e, TW_ERR_REJECTED, (int)status, code, false, m);
	}
	return fail(e, TW_ERR_PARSE, (int)status, 0, false,
		    xasprintf("Twilio answered with unexpected HTTP status %ld: is the API base URL right?", status));
}

/* Maps a libcurl failure to our result; *post_safe when nothing can have reached Twilio. */
static enum twilio_result classify_curl(const struct twilio_client *c, CURLcode rc, bool started,
					struct twilio_error *e, bool *post_safe)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	*post_safe = !started;
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		*post_safe = true;
		return fail(e, TW_ERR_NETWORK, 0, 0, true, xasprintf("could not reach Twilio: %s", why));
	case CURLE_OPERATION_TIMEDOUT:
		return fail(e, TW_ERR_TIMEOUT, 0, 0, true, xasprintf("Twilio did not answer in time: %s", why));
	case CURLE_WRITE_ERROR:
		if (c->too_big)
			return fail(e, TW_ERR_PARSE, 0, 0, false,
				    xasprintf("Twilio's answer could not be read: it is larger than %u MB",
					      TW_MAX_RESPONSE / (1024 * 1024)));
		break;
	case CURLE_SEND_FAIL_REWIND:
		return fail(e, TW_ERR_NETWORK, 0, 0, true,
			    xasprintf("the connection to Twilio closed without an answer after the request was "
				      "sent (%s)", why));
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		/* retrying cannot fix a certificate; a TLS-inspecting proxy needs the CA bundle setting */
		return fail(e, TW_ERR_NETWORK, 0, 0, false,
			    xasprintf("the TLS certificate check failed (%s): if a proxy inspects TLS, set the "
				      "ca_bundle setting or SMSDESK_CA_BUNDLE", why));
	default:
		break;
	}
	return fail(e, TW_ERR_NETWORK, 0, 0, true, xasprintf("the connection to Twilio failed: %s", why));
}

/* CURLOPT_READFUNCTION: the next piece of the POST body. */
static size_t read_body(char *dst, size_t size, size_t n, void *ud)
{
	struct twilio_client *c = ud;
	size_t left = c->form_len - c->form_pos, want = size * n;
	size_t k = left < want ? left : want;
	memcpy(dst, c->form + c->form_pos, k);
	c->form_pos += k;
	return k;
}

/* CURLOPT_SEEKFUNCTION: refuses to rewind a body that has left, even in part. libcurl sends
 * a request again by itself when a kept-alive connection closes without an answer; for a GET
 * that is harmless, but Twilio may have created the message before the close, so a POST sent
 * again could text the patient twice. Refused, the transfer fails (CURLE_SEND_FAIL_REWIND)
 * and the outbox settles the message by listing Twilio instead. */
static int seek_body(void *ud, curl_off_t offset, int origin)
{
	struct twilio_client *c = ud;
	if (origin != SEEK_SET || offset != 0 || c->form_pos != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	return CURL_SEEKFUNC_OK;
}

/* Performs one request with retries. On TW_OK the answer's body is c->buf (c->len bytes) and
 * *status its HTTP status. A POST is retried only when Twilio certainly created nothing
 * (connect failure, 429, 503). */
static enum twilio_result request(struct twilio_client *c, const char *url, const char *form, long *status_out,
				  struct twilio_error *e)
{
	*status_out = 0;
	for (int attempt = 0;; attempt++) {
		c->len = 0;
		c->too_big = false;
		c->retry_after_s = -1;
		c->errbuf[0] = '\0';
		curl_easy_setopt(c->h, CURLOPT_URL, url);
		if (form != NULL) {
			c->form = form;
			c->form_len = strlen(form);
			c->form_pos = 0;
			curl_easy_setopt(c->h, CURLOPT_POST, 1L);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, NULL);
			curl_easy_setopt(c->h, CURLOPT_READFUNCTION, read_body);
			curl_easy_setopt(c->h, CURLOPT_READDATA, c);
			curl_easy_setopt(c->h, CURLOPT_SEEKFUNCTION, seek_body);
			curl_easy_setopt(c->h, CURLOPT_SEEKDATA, c);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->form_len);
		} else {
			curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
		}
		CURLcode rc = curl_easy_perform(c->h);
		long status = 0, nconn = 0;
		curl_off_t pre = 0;
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &nconn);
		curl_easy_getinfo(c->h, CURLINFO_PRETRANSFER_TIME_T, &pre);
		c->connects += nconn;
		bool post_safe = false;
		enum twilio_result r;
		if (rc != CURLE_OK)
			r = classify_curl(c, rc, pre > 0, e, &post_safe);
		else if ((status >= 200 && status < 300) || (c->accept_redirect && status >= 300 && status < 400))
			r = TW_OK;
		else
			r = classify_http(c, status, e, &post_safe);
		if (r == TW_OK) {
			twilio_error_clear(e); /* an earlier attempt's failure is history now */
			*status_out = status;
			return TW_OK;
		}
		if (!e->retryable || attempt >= c->max_retries || (form != NULL && !post_safe))
			return r;
		sleep_ms(backoff_ms(c, attempt));
	}
}

/* TW_OK, or TW_ERR_PARSE for an answer that did not decode: with the answer's HTTP status
 * when it was not JSON at all, with 200 when it was JSON of the wrong shape. Frees why. */
static enum twilio_result decoded(enum twilio_decode d, long status, char *why, struct twilio_error *e)
{
	enum twilio_result r = TW_OK;
	if (d != TWD_OK)
		r = fail(e, TW_ERR_PARSE, d == TWD_NOT_JSON ? (int)status : 200, 0, false,
			 xasprintf("Twilio's answer could not be read: %s", why));
	free(why);
	return r;
}

/* Performs a request whose answer is one message, decoded into *out. */
static enum twilio_result message_request(struct twilio_client *c, const char *url, const char *form,
					  struct twilio_message *out, struct twilio_error *e)
{
	long status = 0;
	enum twilio_result r = request(c, url, form, &status, e);
	if (r != TW_OK)
		return r;
	char *why = NULL;
	enum twilio_decode d = twilio_decode_message(c->arena, c->buf, c->len, out, &why);
	return decoded(d, status, why, e);
}

/* Appends key=value (both URL-encoded) to a form or query string. */
static void form_add(struct twilio_client *c, char **form, const char *key, const char *value)
{
	char *k = curl_easy_escape(c->h, key, 0);
	char *v = curl_easy_escape(c->h, value, 0);
	if (k == NULL || v == NULL)
		abort();
	char *next = xasprintf("%s%s%s=%s", *form ? *form : "", *form && **form ? "&" : "", k, v);
	curl_free(k);
	curl_free(v);
	free(*form);
	*form = next;
}

/* Starts every call with an empty *e (callers clear the previous one with twilio_error_clear). */
static void begin(struct twilio_error *e)
{
	memset(e, 0, sizeof(*e));
}

enum twilio_result twilio_send(struct twilio_client *c, const struct twilio_send_req *req,
			       struct twilio_message *out, struct twilio_error *e)
{
	begin(e);
	memset(out, 0, sizeof(*out));
	if (c == NULL || req == NULL || req->to == NULL || *req->to == '\0')
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("a message needs a recipient (To)"));
	bool has_from = req->from && *req->from, has_mg = req->messaging_service_sid && *req->messaging_service_sid;
	if (!has_from && !has_mg)
		return fail(e, TW_ERR_USAGE, 0, 0, false,
			    xstrdup("a message needs a sender: a From number or a Messaging Service SID"));
	if ((req->body == NULL || *req->body == '\0') && req->n_media == 0)
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("a message needs a body or media"));
	if (req->n_media > TW_MAX_MEDIA || (req->n_media > 0 && req->media_urls == NULL))
		return fail(e, TW_ERR_USAGE, 0, 0, false, xasprintf("a message takes at most %d media URLs", TW_MAX_MEDIA));
	char *form = NULL;
	form_add(c, &form, "To", req->to);
	if (has_from)
		form_add(c, &form, "From", req->from);
	if (has_mg)
		form_add(c, &form, "MessagingServiceSid", req->messaging_service_sid);
	if (req->body != NULL && *req->body != '\0')
		form_add(c, &form, "Body", req->body);
	for (size_t i = 0; i < req->n_media; i++)
		if (req->media_urls[i] != NULL)
			form_add(c, &form, "MediaUrl", req->media_urls[i]);
	char *url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json", c->base, c->account_sid);
	enum twilio_result r = message_request(c, url, form, out, e);
	free(url);
	free(form);
	return r;
}

enum twilio_result twilio_fetch(struct twilio_client *c, const char *sid, struct twilio_message *out,
				struct twilio_error *e)
{
	begin(e);
	memset(out, 0, sizeof(*out));
	if (c == NULL || !is_sid(sid, NULL))
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("not a Twilio message SID"));
	char *url = xasprintf("%s/2010-04-01/Accounts/%s/Messages/%s.json", c->base, c->account_sid, sid);
	enum twilio_result r = message_request(c, url, NULL, out, e);
	free(url);
	return r;
}

/* GETs a message list page at url into *out. */
static enum twilio_result get_page(struct twilio_client *c, const char *url, struct twilio_page *out,
				   struct twilio_error *e)
{
	long status = 0;
	enum twilio_result r = request(c, url, NULL, &status, e);
	if (r != TW_OK)
		return r;
	char *why = NULL;
	enum twilio_decode d = twilio_decode_page(c->arena, c->buf, c->len, out, &why);
	return decoded(d, status, why, e);
}

enum twilio_result twilio_list(struct twilio_client *c, const struct twilio_list_query *q,
			       struct twilio_page *out, struct twilio_error *e)
{
	begin(e);
	memset(out, 0, sizeof(*out));
	if (c == NULL || q == NULL || q->page_size < 0 || q->page_size > 1000)
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("a list page holds 1 to 1000 messages"));
	char *query = NULL, day[16], num[16];
	struct tm tm;
	if (q->to != NULL && *q->to != '\0')
		form_add(c, &query, "To", q->to);
	if (q->from != NULL && *q->from != '\0')
		form_add(c, &query, "From", q->from);
	/* Twilio filters by day: "DateSent>=YYYY-MM-DD" is the parameter "DateSent>" = "YYYY-MM-DD" */
	time_t t = (time_t)q->date_sent_after;
	if (q->date_sent_after > 0 && gmtime_r(&t, &tm) != NULL && strftime(day, sizeof(day), "%Y-%m-%d", &tm))
		form_add(c, &query, "DateSent>", day);
	t = (time_t)q->date_sent_before;
	if (q->date_sent_before > 0 && gmtime_r(&t, &tm) != NULL && strftime(day, sizeof(day), "%Y-%m-%d", &tm))
		form_add(c, &query, "DateSent<", day);
	snprintf(num, sizeof(num), "%d", q->page_size > 0 ? q->page_size : 50);
	form_add(c, &query, "PageSize", num);
	char *url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json?%s", c->base, c->account_sid, query);
	free(query);
	enum twilio_result r = get_page(c, url, out, e);
	free(url);
	return r;
}

enum twilio_result twilio_list_next(struct twilio_client *c, const char *next_page_uri, struct twilio_page *out,
				    struct twilio_error *e)
{
	begin(e);
	memset(out, 0, sizeof(*out));
	if (c == NULL || next_page_uri == NULL)
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("no next page"));
	/* Only follow a page of this account's message list: the URI comes from the network. */
	char *prefix = xasprintf("/2010-04-01/Accounts/%s/Messages.json", c->account_sid);
	size_t pl = strlen(prefix);
	bool ok = strncmp(next_page_uri, prefix, pl) == 0 &&
		  (next_page_uri[pl] == '\0' || next_page_uri[pl] == '?');
	for (const char *p = next_page_uri; ok && *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
			ok = false;
	free(prefix);
	if (!ok)
		return fail(e, TW_ERR_USAGE, 0, 0, false,
			    xstrdup("next_page_uri is not a page of this account's message list"));
	char *url = xasprintf("%s%s", c->base, next_page_uri);
	enum twilio_result r = get_page(c, url, out, e);
	free(url);
	return r;
}

enum twilio_result twilio_fetch_account(struct twilio_client *c, struct twilio_account *out,
					struct twilio_error *e)
{
	begin(e);
	memset(out, 0, sizeof(*out));
	if (c == NULL)
		return fail(e, TW_ERR_USAGE, 0, 0, false, xstrdup("no client"));
	char *url = xasprintf("%s/2010-04-01/Accounts/%s.json", c->base, c->account_sid);
	long status = 0;
	enum twilio_result r = request(c, url, NULL, &status, e);
	free(url);
	if (r != TW_OK)
		return r;
	char *why = NULL;
	enum twilio_decode d = twilio_decode_account(c->buf, c->len, out, &why);
	return decoded(d, status, why, e);
}

const char *twilio_client_base(const struct twilio_client *c)
{
	return c ? c->base : NULL;
}

bool twilio_is_sid(const char *s, const char *prefix)
{
	return is_sid(s, prefix);
}

enum twilio_result twilio_fail(struct twilio_error *e, enum twilio_result kind, int http, char *msg_owned)
{
	return fail(e, kind, http, 0, false, msg_owned);
}

enum twilio_result twilio_get_path(struct twilio_client *c, const char *path, bool accept_redirect, long *status,
				   const char **body, size_t *len, char **location, struct twilio_error *e)
{
	begin(e);
	*body = NULL;
	*len = 0;
	if (location != NULL)
		*location = NULL;
	char *url = xasprintf("%s/2010-04-01/Accounts/%s/%s", c->base, c->account_sid, path);
	c->accept_redirect = accept_redirect;
	enum twilio_result r = request(c, url, NULL, status, e);
	c->accept_redirect = false;
	free(url);
	if (r != TW_OK)
		return r;
	*body = c->buf ? c->buf : "";
	*len = c->len;
	char *where = NULL;
	if (location != NULL && *status >= 300 && *status < 400 &&
	    curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &where) == CURLE_OK && where != NULL && *where != '\0')
		*location = xstrdup(where);
	return TW_OK;
}
