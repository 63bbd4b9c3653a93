/* FHIR polling end to end: a small FHIR server (libmicrohttpd, in this test) answers the
 * Appointment search in two pages; fhir_poll_all sends the bearer token from the vault,
 * follows the next link, applies both pages, moves the cursor, and sends _lastUpdated on the
 * next poll. A wrong token (401) fails the location and leaves the cursor; a next link to
 * another server is not followed (the token stays home). */
#include "testutil.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/fhir.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1796900000LL

struct srv {
	struct MHD_Daemon *d;
	unsigned short port;
	pthread_mutex_t lock;
	char *urls[16];
	int n;
	bool evil_next; /* page 1 links to another host */
};

static const char page1_fmt[] =
	"{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"next\",\"url\":\"%s\"}],"
	"\"entry\":[{\"resource\":{\"resourceType\":\"Appointment\",\"id\":\"a1\",\"status\":\"booked\","
	"\"start\":\"2026-12-10T14:30:00-06:00\",\"minutesDuration\":30,\"participant\":[{\"actor\":"
	"{\"reference\":\"Patient/p1\"}},{\"actor\":{\"reference\":\"Practitioner/x\",\"display\":\"Dr. Lee\"}}]}},"
	"{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Diaz\",\"given\":[\"Eva\"]}],"
	"\"telecom\":[{\"system\":\"phone\",\"use\":\"mobile\",\"value\":\"312-555-0101\"}]}}]}";
static const char page2[] =
	"{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":"
	"\"Appointment\",\"id\":\"a2\",\"status\":\"booked\",\"start\":\"2026-12-11T09:00:00Z\",\"participant\":"
	"[{\"actor\":{\"reference\":\"Patient/p1\"}}]}}]}";

/* Answers the search: 401 without the right token, else page 1 or page 2. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **ptr)
{
	(void)method, (void)version, (void)upload, (void)upload_size, (void)ptr;
	struct srv *s = cls;
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
	const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "_lastUpdated");
	const char *date = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "date");
	pthread_mutex_lock(&s->lock);
	if (s->n < 16)
		s->urls[s->n++] = xasprintf("%s page=%s since=%s date=%s", url, page ? page : "", since ? since : "",
					    date ? date : "");
	pthread_mutex_unlock(&s->lock);
	bool ok = auth != NULL && strcmp(auth, "Bearer tok-123") == 0;
	char *body;
	if (!ok)
		body = xstrdup("{\"resourceType\":\"OperationOutcome\"}");
	else if (page != NULL)
		body = xstrdup(page2);
	else if (s->evil_next)
		body = xasprintf(page1_fmt, "https://elsewhere.example/Appointment?page=2");
	else {
		char *next = xasprintf("http://127.0.0.1:%u/fhir/Appointment?page=2", s->port);
		body = xasprintf(page1_fmt, next);
		free(next);
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/fhir+json");
	enum MHD_Result rc = MHD_queue_response(c, ok ? 200 : 401, r);
	MHD_destroy_response(r);
	return rc;
}

struct fx {
	struct store *s;
	char *path, *dir;
	struct vault *v;
	int64_t t;
	struct srv srv;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	f->s = tu_store_new(&f->path);
	f->dir = tu_tempdir();
	char *key = xasprintf("%s/key", f->dir);
	if (vault_create_keyfile(key, &err) != 0 || vault_open_keyfile(key, &f->v, &err) != 0)
		fail_msg("%s", err);
	free(key);
	f->t = tu_tenant_add(f->s, "Main");
	pthread_mutex_init(&f->srv.lock, NULL);
	f->srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, &f->srv, MHD_OPTION_END);
	assert_non_null(f->srv.d);
	f->srv.port = MHD_get_daemon_info(f->srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	char *base = xasprintf("http://127.0.0.1:%u/fhir", f->srv.port);
	assert_int_equal(store_setting_set(f->s, f->t, "fhir_base", base, NULL), 0);
	free(base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	MHD_stop_daemon(f->srv.d);
	for (int i = 0; i < f->srv.n; i++)
		free(f->srv.urls[i]);
	pthread_mutex_destroy(&f->srv.lock);
	vault_close(&f->v);
	store_close(&f->s);
	char *dir = xstrdup(f->path);
	*strrchr(dir, '/') = '\0';
	tu_rmdir(dir);
	free(dir);
	free(f->path);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* One poll; returns its stats (last_error freed into *why when asked). */
static struct fhir_poll_stats poll_once(struct fx *f)
{
	struct fhir_poll_stats st = {0};
	char *err = NULL;
	if (fhir_poll_all(f->s, f->v, clock_now(), 5000, &st, &err) != 0)
		fail_msg("%s", err);
	return st;
}

static void fhir_poll__applies_pages_and_moves_cursor__when_token_right(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fhir_set_token(f->s, f->v, f->t, "tok-123", NULL), 0);
	struct fhir_poll_stats st = poll_once(f);
	assert_null(st.last_error);
	assert_int_equal(st.tenants, 1);
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.appointments, 2);
	assert_int_equal(st.patients, 1);
	int64_t id = 0;
	assert_int_equal(store_ehr_appt_find(f->s, f->t, "a2", &id, NULL), 0);
	assert_string_equal(f->srv.urls[0], "/fhir/Appointment page= since= date=ge2026-12-09");
	char *cur = NULL;
	assert_int_equal(store_setting_get(f->s, f->t, "fhir_cursor", &cur, NULL), 0);
	assert_int_equal(strtoll(cur, NULL, 10), NOW - 60);
	free(cur);
	/* The next poll asks only for what changed since. */
	clock_set_fake(NOW + 600);
	st = poll_once(f);
	if (strstr(f->srv.urls[2], "since=gt2026-12-10T10:52:20Z") == NULL)
		fail_msg("second poll asked %s", f->srv.urls[2]);
	free(st.last_error);
}

static void fhir_poll__fails_and_keeps_cursor__when_token_wrong(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fhir_set_token(f->s, f->v, f->t, "wrong", NULL), 0);
	struct fhir_poll_stats st = poll_once(f);
	assert_int_equal(st.failed, 1);
	assert_non_null(strstr(st.last_error, "HTTP 401"));
	free(st.last_error);
	char *cur = NULL;
	assert_int_equal(store_setting_get(f->s, f->t, "fhir_cursor", &cur, NULL), SD_NOTFOUND);
	free(cur);
	/* No token at all: said in words. */
	int64_t t2 = tu_tenant_add(f->s, "Second");
	assert_int_equal(store_setting_set(f->s, t2, "fhir_base", "http://127.0.0.1:1/fhir", NULL), 0);
	st = poll_once(f);
	assert_int_equal(st.failed, 2);
	free(st.last_error);
}

static void fhir_poll__keeps_token_home__when_next_link_elsewhere(void **state)
{
	struct fx *f = *state;
	f->srv.evil_next = true;
	assert_int_equal(fhir_set_token(f->s, f->v, f->t, "tok-123", NULL), 0);
	struct fhir_poll_stats st = poll_once(f);
	assert_int_equal(st.pages, 1);
	assert_int_equal(f->srv.n, 1);
	free(st.last_error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fhir_poll__applies_pages_and_moves_cursor__when_token_right, setup, teardown),
		cmocka_unit_test_setup_teardown(fhir_poll__fails_and_keeps_cursor__when_token_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(fhir_poll__keeps_token_home__when_next_link_elsewhere, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
