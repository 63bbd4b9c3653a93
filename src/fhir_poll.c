/* Polling a FHIR R4 server for appointments: libcurl with everything explicit (timeouts,
 * NOSIGNAL, an error buffer, TLS checks on, the CA bundle setting), the bearer token from
 * the vault wiped after use, pages applied through fhir_bundle_apply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/curlload.h"
#include "src/fhir.h"
#include "src/util.h"
#include "src/vault.h"

#define MAX_PAGES 50
#define OVERLAP_SECONDS 60

int fhir_set_token(struct store *s, const struct vault *v, int64_t tenant_id, const char *token, char **err)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	if (token == NULL || *token == '\0' || strlen(token) > 8192)
		return seterr(err, "a FHIR token must be 1 to 8192 characters");
	if (vault_encrypt(v, tenant_id, "fhir_token", token, &nonce, &nl, &ct, &cl, err) != 0)
		return -1;
	int rc = store_ehr_token_put(s, tenant_id, nonce, nl, ct, cl, err);
	if (rc == 0)
		rc = store_audit_append(s, 0, "cli", tenant_id, "secret.set", 0, "fhir_token", NULL, err);
	free(nonce);
	free(ct);
	return rc;
}

struct body {
	char *p;
	size_t len;
	bool too_big;
};

/* libcurl's write callback: collects the answer up to FHIR_MAX_BYTES. */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;
	if (b->len + n > FHIR_MAX_BYTES) {
		b->too_big = true;
		return 0;
	}
	b->p = xrealloc(b->p, b->len + n + 1);
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* GET url with the bearer token; *out the body of a 200. */
static int get(const char *url, const char *token, const char *ca, int timeout_ms, struct body *out, char **err)
{
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE] = "";
	size_t alen = strlen(token) + 32;
	char *auth = sodium_malloc(alen);
	if (h == NULL || auth == NULL) {
		if (h)
			curl_easy_cleanup(h);
		return seterr(err, "cannot start an HTTP request");
	}
	snprintf(auth, alen, "Authorization: Bearer %s", token);
	struct curl_slist *hdr = curl_slist_append(NULL, auth);
	hdr = curl_slist_append(hdr, "Accept: application/fhir+json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	sodium_free(auth); /* wipes the token copy */
	curl_easy_cleanup(h);
	if (out->too_big)
		return seterr(err, "the FHIR server's answer is over %d MB", FHIR_MAX_BYTES / (1024 * 1024));
	if (cc != CURLE_OK)
		return seterr(err, "FHIR server: %s", *errbuf ? errbuf : curl_easy_strerror(cc));
	if (status != 200)
		return seterr(err, "the FHIR server answered HTTP %ld", status);
	return 0;
}

/* The first search URL of a poll. */
static char *first_url(struct store *s, const struct tenant *t, const char *base, int64_t now)
{
	char *cur = NULL, today[32], since[32];
	int64_t cursor = 0;
	if (store_setting_get(s, t->id, "fhir_cursor", &cur, NULL) == 0 && cur != NULL)
		cursor = strtoll(cur, NULL, 10);
	free(cur);
	time_iso_utc(now - 86400, today, sizeof(today)); /* a day back: any zone's "today" */
	today[10] = '\0';
	size_t bl = strlen(base);
	const char *slash = bl > 0 && base[bl - 1] == '/' ? "" : "/";
	if (cursor <= 0)
		return xasprintf("%s%sAppointment?date=ge%s&_include=Appointment:patient&_count=100", base, slash, today);
	time_iso_utc(cursor, since, sizeof(since));
	return xasprintf("%s%sAppointment?date=ge%s&_lastUpdated=gt%s&_include=Appointment:patient&_count=100", base,
			 slash, today, since);
}

/* Polls one tenant; -1 with *err when any page failed (the cursor then stays). */
static int poll_tenant(struct store *s, const struct vault *v, const struct tenant *t, const char *base, int64_t now,
		       int timeout_ms, struct fhir_poll_stats *st, char **err)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	char *token = NULL, *ca = NULL, *url = NULL;
	int rc = store_ehr_token_get(s, t->id, &nonce, &nl, &ct, &cl, err);
	if (rc == 0)
		rc = vault_decrypt(v, t->id, "fhir_token", nonce, nl, ct, cl, &token, err);
	free(nonce);
	free(ct);
	if (rc != 0)
		return -1;
	if (store_setting_get(s, t->id, "ca_bundle", &ca, NULL) != 0)
		ca = getenv("SMSDESK_CA_BUNDLE") ? xstrdup(getenv("SMSDESK_CA_BUNDLE")) : NULL;
	url = first_url(s, t, base, now);
	for (int page = 0; rc == 0 && url != NULL; page++) {
		struct body b = {0};
		struct fhir_bundle bundle = {0};
		struct fhir_result r = {0};
		if (page == MAX_PAGES)
			rc = seterr(err, "more than %d pages: the rest waits for the next pass", MAX_PAGES);
		else if (get(url, token, ca, timeout_ms, &b, err) != 0 || fhir_bundle_parse(b.p, b.len, &bundle, err) != 0 ||
			 fhir_bundle_apply(s, t->id, t->timezone, &bundle, &r, err) != 0)
			rc = -1;
		free(b.p);
		free(url);
		url = NULL;
		st->pages += rc == 0;
		st->patients += r.patients;
		st->appointments += r.appointments;
		st->refused += r.refused;
		/* Only pages of the same server are followed: a bundle must not send our token elsewhere. */
		if (rc == 0 && bundle.next_url != NULL && strncmp(bundle.next_url, base, strlen(base)) == 0)
			url = xstrdup(bundle.next_url);
		fhir_bundle_free(&bundle);
	}
	free(url);
	free(ca);
	vault_secret_free(&token);
	if (rc != 0)
		return -1;
	char cursor[32];
	snprintf(cursor, sizeof(cursor), "%lld", (long long)(now - OVERLAP_SECONDS));
	return store_setting_set(s, t->id, "fhir_cursor", cursor, err);
}

int fhir_poll_all(struct store *s, const struct vault *v, int64_t now, int timeout_ms, struct fhir_poll_stats *st,
		  char **err)
{
	struct tenant *list = NULL;
	size_t n = 0;
	if (store_tenant_list(s, &list, &n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *base = NULL, *why = NULL;
		if (store_setting_get(s, list[i].id, "fhir_base", &base, NULL) != 0 || base == NULL || *base == '\0') {
			free(base);
			continue;
		}
		st->tenants++;
		if (poll_tenant(s, v, &list[i], base, now, timeout_ms, st, &why) != 0) {
			st->failed++;
			free(st->last_error);
			st->last_error = xasprintf("%s: %s", list[i].name, why ? why : "?");
		}
		free(why);
		free(base);
	}
	tenant_list_free(&list, n);
	return 0;
}
