/* The Twilio client against a tiny scripted HTTP server on loopback, for answers the simulator
 * never gives: huge bodies, HTML errors, redirects, a connection dropped after the request. */
#include "testutil.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sodium.h>
#include "src/twilio.h"
#include "src/util.h"
#include "src/version.h"

#define ACCT "AC00000000000000000000000000000000"
#define SID "SM00000000000000000000000000000001"

/* One canned answer: head (status line + headers, without the blank line) and body; head NULL
 * closes the connection without answering. */
struct raw {
	int lfd;
	unsigned short port;
	pthread_t th;
	const char *head;
	char *body;
	size_t body_len;
	_Atomic int requests;
	char last_request[8192];
};

/* Reads one request (headers, then Content-Length bytes of body) into r->last_request. */
static void read_request(struct raw *r, int fd)
{
	size_t n = 0;
	char *end = NULL;
	while (n < sizeof(r->last_request) - 1 && (end = strstr(r->last_request, "\r\n\r\n")) == NULL) {
		ssize_t k = read(fd, r->last_request + n, sizeof(r->last_request) - 1 - n);
		if (k <= 0)
			return;
		n += (size_t)k;
		r->last_request[n] = '\0';
	}
	const char *cl = strcasestr(r->last_request, "Content-Length:");
	size_t want = cl ? (size_t)atol(cl + 15) : 0;
	while (end != NULL && n - (size_t)(end + 4 - r->last_request) < want && n < sizeof(r->last_request) - 1) {
		ssize_t k = read(fd, r->last_request + n, sizeof(r->last_request) - 1 - n);
		if (k <= 0)
			return;
		n += (size_t)k;
		r->last_request[n] = '\0';
	}
}

/* Serves every connection with the same canned answer, then closes it. */
static void *serve(void *arg)
{
	struct raw *r = arg;
	for (;;) {
		int fd = accept(r->lfd, NULL, NULL);
		if (fd < 0)
			return NULL;
		memset(r->last_request, 0, sizeof(r->last_request));
		read_request(r, fd);
		r->requests++;
		if (r->head != NULL) {
			char *head = xasprintf("%s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", r->head, r->body_len);
			(void)!write(fd, head, strlen(head));
			for (size_t off = 0; off < r->body_len;) {
				ssize_t k = write(fd, r->body + off, r->body_len - off);
				if (k <= 0)
					break;
				off += (size_t)k;
			}
			free(head);
		}
		close(fd);
	}
}

static struct raw *raw_start(const char *head, const char *body)
{
	struct raw *r = xcalloc(1, sizeof(*r));
	r->head = head;
	r->body = xstrdup(body ? body : "");
	r->body_len = strlen(r->body);
	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	assert_int_equal(bind(r->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(r->lfd, 8), 0);
	assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&a, &l), 0);
	r->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&r->th, NULL, serve, r), 0);
	return r;
}

static void raw_stop(struct raw *r)
{
	shutdown(r->lfd, SHUT_RDWR);
	close(r->lfd);
	pthread_join(r->th, NULL);
	free(r->body);
	free(r);
}

static struct twilio_client *client_for(struct raw *r, int max_retries)
{
	char *base = xasprintf("http://127.0.0.1:%u/", r->port);
	struct twilio_config cfg = {.api_base = base, .account_sid = ACCT, .username = ACCT, .password = "s3cret",
				    .max_retries = max_retries, .backoff_base_ms = 5, .timeout_ms = 5000};
	struct twilio_client *c = NULL;
	char *err = NULL;
	if (twilio_client_new(&cfg, &c, &err) != 0)
		fail_msg("client: %s", err);
	free(base);
	return c;
}

static enum twilio_result send_one(struct twilio_client *c, struct twilio_error *e)
{
	struct twilio_send_req req = {.to = "+15551230001", .from = "+15005550006", .body = "hi there"};
	struct twilio_message m;
	enum twilio_result res = twilio_send(c, &req, &m, e);
	twilio_message_free(&m);
	return res;
}

static void twilio_send__sends_auth_agent_and_form__when_posting(void **state)
{
	char *msg = xasprintf("{\"sid\":\"%s\",\"status\":\"queued\"}", SID);
	struct raw *r = raw_start("HTTP/1.1 201 Created\r\nContent-Type: application/json", msg);
	struct twilio_client *c = client_for(r, 0);
	struct twilio_error e;
	assert_int_equal(send_one(c, &e), TW_OK);
	const char *req = r->last_request;
	assert_non_null(strstr(req, "POST /2010-04-01/Accounts/" ACCT "/Messages.json HTTP/1.1\r\n"));
	char want_ua[64];
	snprintf(want_ua, sizeof(want_ua), "User-Agent: smsdesk/%s\r\n", smsdesk_version());
	assert_non_null(strstr(req, want_ua));
	assert_non_null(strstr(req, "Accept: application/json\r\n"));
	assert_non_null(strstr(req, "Content-Type: application/x-www-form-urlencoded\r\n"));
	char b64[128];
	const char *cred = ACCT ":s3cret";
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)cred, strlen(cred), sodium_base64_VARIANT_ORIGINAL);
	char *auth = xasprintf("Authorization: Basic %s\r\n", b64);
	assert_non_null(strstr(req, auth));
	assert_non_null(strstr(req, "\r\n\r\nTo=%2B15551230001&From=%2B15005550006&Body=hi%20there"));
	free(auth);
	twilio_client_free(&c);
	raw_stop(r);
	free(msg);
}

static void twilio_fetch__gives_parse__when_answer_exceeds_8mb(void **state)
{
	struct raw *r = raw_start("HTTP/1.1 200 OK\r\nContent-Type: application/json", NULL);
	size_t big = 9u * 1024 * 1024;
	free(r->body);
	r->body = xmalloc(big);
	memset(r->body, ' ', big);
	r->body[0] = '[';
	r->body_len = big;
	struct twilio_client *c = client_for(r, 3);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(twilio_fetch(c, SID, &m, &e), TW_ERR_PARSE);
	assert_non_null(strstr(e.message, "larger than 8 MB"));
	assert_false(e.retryable);
	assert_int_equal(r->requests, 1);
	twilio_error_clear(&e);
	twilio_client_free(&c);
	raw_stop(r);
}

static void twilio_send__says_not_json__when_error_body_is_html(void **state)
{
	struct raw *r = raw_start("HTTP/1.1 404 Not Found\r\nContent-Type: text/html", "<html>no such thing</html>");
	struct twilio_client *c = client_for(r, 3);
	struct twilio_error e;
	assert_int_equal(send_one(c, &e), TW_ERR_REJECTED);
	assert_int_equal(e.http_status, 404);
	assert_int_equal(e.code, 0);
	assert_non_null(strstr(e.message, "HTTP 404"));
	assert_non_null(strstr(e.message, "not JSON"));
	assert_int_equal(r->requests, 1);
	twilio_error_clear(&e);
	twilio_client_free(&c);
	raw_stop(r);
}

static void twilio_send__gives_parse__when_success_body_is_not_a_message(void **state)
{
	const char *bodies[] = {"[]", "{\"status\":\"queued\"}", "{\"sid\":\"" SID "\",\"num_segments\":\"x\"}", "nope"};
	for (size_t i = 0; i < 4; i++) {
		struct raw *r = raw_start("HTTP/1.1 201 Created\r\nContent-Type: application/json", bodies[i]);
		struct twilio_client *c = client_for(r, 3);
		struct twilio_error e;
		assert_int_equal(send_one(c, &e), TW_ERR_PARSE);
		assert_non_null(strstr(e.message, "Twilio's answer could not be read: "));
		assert_int_equal(r->requests, 1);
		twilio_error_clear(&e);
		twilio_client_free(&c);
		raw_stop(r);
	}
}

static void twilio_fetch__does_not_follow__when_redirected(void **state)
{
	struct raw *r = raw_start("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/steal", "");
	struct twilio_client *c = client_for(r, 3);
	struct twilio_message m;
	struct twilio_error e;
	assert_int_equal(twilio_fetch(c, SID, &m, &e), TW_ERR_PARSE);
	assert_int_equal(e.http_status, 302);
	assert_non_null(strstr(e.message, "302"));
	assert_int_equal(r->requests, 1);
	twilio_error_clear(&e);
	twilio_client_free(&c);
	raw_stop(r);
}

static void twilio_send__does_not_retry__when_connection_drops_after_request(void **state)
{
	struct raw *r = raw_start(NULL, NULL); /* reads the whole request, then hangs up */
	struct twilio_client *c = client_for(r, 3);
	struct twilio_error e;
	assert_int_equal(send_one(c, &e), TW_ERR_NETWORK);
	assert_true(e.retryable);
	assert_int_equal(r->requests, 1); /* it may have been accepted: the outbox reconciles */
	twilio_error_clear(&e);
	struct twilio_message m;
	assert_int_equal(twilio_fetch(c, SID, &m, &e), TW_ERR_NETWORK);
	assert_int_equal(r->requests, 1 + 4); /* a GET is safe to repeat: 1 + max_retries */
	twilio_error_clear(&e);
	twilio_client_free(&c);
	raw_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(twilio_send__sends_auth_agent_and_form__when_posting),
		cmocka_unit_test(twilio_fetch__gives_parse__when_answer_exceeds_8mb),
		cmocka_unit_test(twilio_send__says_not_json__when_error_body_is_html),
		cmocka_unit_test(twilio_send__gives_parse__when_success_body_is_not_a_message),
		cmocka_unit_test(twilio_fetch__does_not_follow__when_redirected),
		cmocka_unit_test(twilio_send__does_not_retry__when_connection_drops_after_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
