/* MMS media over plain libcurl without credentials: the URL rules, the type and size limits,
 * the download of a photo Twilio redirected us to, and the HEAD check of an outbound URL. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "src/curlload.h"
#include "src/mediahttp.h"
#include "src/util.h"

static const char *const allowed_types[] = {"image/jpeg", "image/png",  "image/gif",	   "image/heic",
					    "image/heif", "image/webp", "application/pdf", NULL};

/* Twilio keeps MMS media on these hosts (and their subdomains). */
static const char *const twilio_media_hosts[] = {"twilio.com", "twiliocdn.com", "amazonaws.com", NULL};

bool mediahttp_type_allowed(const char *content_type)
{
	if (content_type == NULL)
		return false;
	size_t n = strcspn(content_type, ";");
	while (n > 0 && isspace((unsigned char)content_type[n - 1]))
		n--;
	for (size_t i = 0; allowed_types[i] != NULL; i++)
		if (strlen(allowed_types[i]) == n && strncasecmp(content_type, allowed_types[i], n) == 0)
			return true;
	return false;
}

const char *mediahttp_types_text(void)
{
	return "image/jpeg, image/png, image/gif, image/heic, image/heif, image/webp, application/pdf";
}

void mediahttp_size_text(int64_t bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%lld B", (long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, len, "%lld KB", (long long)((bytes + 512) / 1024));
	else
		snprintf(buf, len, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
}

/* The parts of a URL we judge, from curl's own parser (the host we check is the host curl
 * connects to). */
struct url_parts {
	char *scheme, *host;
	bool has_user;
};

static void parts_free(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	memset(p, 0, sizeof(*p));
}

/* 0, or -1 when url is not an absolute URL curl can read. */
static int url_split(const char *url, struct url_parts *p)
{
	memset(p, 0, sizeof(*p));
	CURLU *u = curl_url();
	char *user = NULL;
	int rc = -1;
	if (u == NULL || url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &p->host, 0) != CURLUE_OK)
		goto out;
	p->has_user = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK || strchr(url, '@') != NULL;
	rc = 0;
out:
	curl_free(user);
	curl_url_cleanup(u);
	if (rc != 0)
		parts_free(p);
	return rc;
}

static bool host_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

/* host is suffix or ends with "." suffix. */
static bool host_under(const char *host, const char *suffix)
{
	size_t h = strlen(host), s = strlen(suffix);
	if (h == s)
		return strcasecmp(host, suffix) == 0;
	return h > s && host[h - s - 1] == '.' && strcasecmp(host + h - s, suffix) == 0;
}

/* A URL cut to 80 bytes with control characters as '?', for error texts. */
static void shown(const char *url, char *buf, size_t len)
{
	snprintf(buf, len, "%.80s", url ? url : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

int mediahttp_redirect_ok(const char *api_base, const char *url, char **err)
{
	struct url_parts base = {0}, to = {0};
	char what[96];
	int rc = -1;
	shown(url, what, sizeof(what));
	if (url_split(api_base, &base) != 0 || url_split(url, &to) != 0) {
		seterr(err, "Twilio's media redirect is not a URL (%s): refused", what);
		goto out;
	}
	if (to.has_user) {
		seterr(err, "Twilio's media redirect carries a user name (%s): refused", what);
		goto out;
	}
	if (host_loopback(base.host)) {
		/* the simulator: its media never leaves this machine */
		if (!host_loopback(to.host))
			seterr(err, "the media redirect goes to another host (%s), not the simulator's: refused", what);
		else
			rc = 0;
		goto out;
	}
	if (strcmp(to.scheme, "https") != 0) {
		seterr(err, "Twilio's media redirect goes to plain %s (%s), not https: refused", to.scheme, what);
		goto out;
	}
	for (size_t i = 0; twilio_media_hosts[i] != NULL && rc != 0; i++)
		if (host_under(to.host, twilio_media_hosts[i]))
			rc = 0;
	if (rc != 0)
		seterr(err, "the media redirect goes to %s, not one of Twilio's media hosts: refused", to.host);
out:
	parts_free(&base);
	parts_free(&to);
	return rc;
}

int mediahttp_public_ok(const char *url, char **err)
{
	struct url_parts p = {0};
	char what[96];
	int rc = -1;
	shown(url, what, sizeof(what));
	if (url == NULL || *url == '\0')
		return seterr(err, "no media URL given");
	if (url_split(url, &p) != 0)
		return seterr(err, "'%s' is not a URL; give a public https:// address of the file", what);
	if (p.has_user)
		seterr(err, "the media URL '%s' carries a user name or password; Twilio needs a public URL", what);
	else if (strcmp(p.scheme, "https") == 0 && *p.host != '\0')
		rc = 0;
	else if (strcmp(p.scheme, "http") == 0 && host_loopback(p.host))
		rc = 0; /* the simulator serves test files on loopback */
	else
		seterr(err, "the media URL '%s' must be a public https:// address", what);
	parts_free(&p);
	return rc;
}

void mediahttp_body_free(struct mediahttp_body *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL)
		sodium_memzero(b->data, b->len);
	free(b->data);
	free(b->content_type);
	memset(b, 0, sizeof(*b));
}

/* One transfer's state. */
struct xfer {
	CURL *h;
	struct mediahttp_body *out;
	size_t cap;
	bool too_big, bad_type, checked;
	long timeout_ms; /* for the words of a time-out */
	char errbuf[CURL_ERROR_SIZE];
};

/* Collects the body; stops a wrong type at the first byte and a body over the limit at once. */
static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	if (!x->checked) {
		char *ct = NULL;
		x->checked = true;
		curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
		long status = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300 && !mediahttp_type_allowed(ct)) {
			x->bad_type = true;
			return 0;
		}
	}
	if (n > (size_t)MEDIA_MAX_BYTES - x->out->len) {
		x->too_big = true;
		return 0;
	}
	if (x->out->len + n > x->cap) {
		size_t cap = x->cap ? x->cap : 65536;
		while (cap < x->out->len + n)
			cap *= 2;
		/* grown by hand so the old copy of a patient's photo is wiped, not left in the heap */
		unsigned char *bigger = xmalloc(cap);
		if (x->out->len > 0)
			memcpy(bigger, x->out->data, x->out->len);
		if (x->out->data != NULL)
			sodium_memzero(x->out->data, x->out->len);
		free(x->out->data);
		x->out->data = bigger;
		x->cap = cap;
	}
	memcpy(x->out->data + x->out->len, data, n);
	x->out->len += n;
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* A handle for one unauthenticated request to url: no redirects, TLS checked, timeouts set. */
static CURL *new_handle(struct xfer *x, const char *url, long timeout_ms, long default_ms)
{
	pthread_once(&curl_once, curl_init_once);
	CURL *h = curl_easy_init();
	if (h == NULL)
		return NULL;
	const char *ca = getenv("SMSDESK_CA_BUNDLE");
	x->h = h;
	x->timeout_ms = timeout_ms > 0 ? timeout_ms : default_ms;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : default_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL && *ca != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MEDIA_MAX_BYTES);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "smsdesk-media");
	return h;
}

/* The outcome of an HTTP status other than 2xx, in words. */
static enum mediahttp_outcome status_outcome(long status, const char *what, char **err)
{
	if (status >= 300 && status < 400) {
		seterr(err, "%s redirected again (HTTP %ld); only one redirect is followed: refused", what, status);
		return MH_REFUSED;
	}
	if (status == 404 || status == 410)
		seterr(err, "%s is not there (HTTP %ld): will try again later", what, status);
	else
		seterr(err, "%s answered HTTP %ld: will try again later", what, status);
	return MH_FAILED;
}

/* The outcome of a failed transfer, in words. */
static enum mediahttp_outcome curl_outcome(const struct xfer *x, CURLcode rc, const char *what, char **err)
{
	char limit[32];
	mediahttp_size_text(MEDIA_MAX_BYTES, limit, sizeof(limit));
	if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && x->too_big)) {
		seterr(err, "%s is larger than the %s limit: refused", what, limit);
		return MH_REFUSED;
	}
	if (rc == CURLE_WRITE_ERROR && x->bad_type) {
		char *ct = NULL;
		curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
		seterr(err, "%s is of type %.60s, not one smsdesk accepts (%s): refused", what, ct ? ct : "(none)",
		       mediahttp_types_text());
		return MH_REFUSED;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) { /* a silent host: say it plainly, not libcurl's words */
		seterr(err, "%s did not answer in time (%ld s)", what, x->timeout_ms / 1000);
		return MH_FAILED;
	}
	seterr(err, "%s could not be fetched: %s", what, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	return MH_FAILED;
}

enum mediahttp_outcome mediahttp_get(const char *url, long timeout_ms, struct mediahttp_body *out, char **err)
{
	memset(out, 0, sizeof(*out));
	struct xfer x = {.out = out};
	CURL *h = new_handle(&x, url, timeout_ms, 60000L);
	if (h == NULL) {
		seterr(err, "libcurl could not make a handle");
		return MH_FAILED;
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	char *ct = NULL;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	enum mediahttp_outcome o = MH_OK;
	if (rc != CURLE_OK)
		o = curl_outcome(&x, rc, "the photo", err);
	else if (status < 200 || status >= 300)
		o = status_outcome(status, "the photo", err);
	else if (!mediahttp_type_allowed(ct)) /* an empty body never reached on_data */
		o = curl_outcome(&(struct xfer){.h = h, .bad_type = true}, CURLE_WRITE_ERROR, "the photo", err);
	else if (out->len == 0) {
		seterr(err, "the photo is empty (0 bytes): will try again later");
		o = MH_FAILED;
	} else
		out->content_type = xstrdup(ct);
	curl_easy_cleanup(h);
	if (o != MH_OK)
		mediahttp_body_free(out);
	return o;
}

enum mediahttp_outcome mediahttp_head(const char *url, long timeout_ms, char **content_type, int64_t *size,
				      char **err)
{
	*content_type = NULL;
	*size = -1;
	if (mediahttp_public_ok(url, err) != 0)
		return MH_REFUSED;
	struct mediahttp_body none = {0};
	struct xfer x = {.out = &none};
	CURL *h = new_handle(&x, url, timeout_ms, 10000L);
	if (h == NULL) {
		seterr(err, "libcurl could not make a handle");
		return MH_FAILED;
	}
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0); /* the size is judged below, in words */
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	char *ct = NULL;
	curl_off_t len = -1;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	enum mediahttp_outcome o = MH_OK;
	if (rc != CURLE_OK)
		o = curl_outcome(&x, rc, "the file at the media URL", err);
	else if (status >= 300 && status < 400) {
		seterr(err, "the media URL redirects (HTTP %ld); give the file's final address", status);
		o = MH_REFUSED;
	} else if (status < 200 || status >= 300) {
		seterr(err, "the media URL answered HTTP %ld%s; Twilio could not fetch it either", status,
		       status == 404 ? " (not found)" : "");
		o = MH_REFUSED;
	} else if (!mediahttp_type_allowed(ct)) {
		o = curl_outcome(&(struct xfer){.h = h, .bad_type = true}, CURLE_WRITE_ERROR, "the file at the media URL",
				 err);
	} else if (len > MEDIA_MAX_BYTES) {
		char got[32], limit[32];
		mediahttp_size_text(len, got, sizeof(got));
		mediahttp_size_text(MEDIA_MAX_BYTES, limit, sizeof(limit));
		seterr(err, "the file at the media URL is %s, over the %s MMS limit", got, limit);
		o = MH_REFUSED;
	} else {
		*content_type = xstrdup(ct);
		*size = len;
	}
	curl_easy_cleanup(h);
	return o;
}

int mediahttp_outbound(const char *url, long timeout_ms, char **json, char **what, char **err)
{
	char *ct = NULL, size[32] = "size not told";
	int64_t len = -1;
	*json = *what = NULL;
	if (mediahttp_head(url, timeout_ms, &ct, &len, err) != MH_OK) {
		/* the callers say "refused" (or "not attached") themselves */
		size_t n = err && *err ? strlen(*err) : 0;
		if (n > 9 && strcmp(*err + n - 9, ": refused") == 0)
			(*err)[n - 9] = '\0';
		return -1;
	}
	if (len >= 0)
		mediahttp_size_text(len, size, sizeof(size));
	size_t n = strlen(url);
	char *j = xmalloc(2 * n + 5), *w = j;
	*w++ = '[';
	*w++ = '"';
	for (const char *p = url; *p; p++) {
		if (*p == '"' || *p == '\\')
			*w++ = '\\';
		*w++ = *p;
	}
	*w++ = '"';
	*w++ = ']';
	*w = '\0';
	*json = j;
	*what = xasprintf("%s %s", ct, size);
	free(ct);
	return 0;
}
