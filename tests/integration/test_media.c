/* End to end: MMS photos injected into the real simulator, listed by poll_inbound into a real
 * SQLite file, fetched by media_sync through the real libcurl client (Twilio's redirect, then
 * the bytes without credentials), stored encrypted, exported decrypted; and every hostile
 * media (malformed list, 50 MB, wrong type, type lie, 404, redirect to http or another host)
 * recorded with a clear reason while the text is kept. */
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <sodium.h>
#include "store/store.h"
#include "src/media.h"
#include "src/mediahttp.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/sync.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"

#define NOW 1800000000LL
#define CLINIC_NUMBER "+13125550100"
#define ANN "+13125557001"

struct fx {
	struct sim *sim;
	struct store *s;
	char *path, *dir;
	struct vault *v;
	struct twilio_client *c;
	struct tenant t;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;
	clock_set_fake(NOW);
	struct sim_config sc = {.step_ms = 1};
	if (sim_start(&sc, &f->sim, &err) != 0)
		fail_msg("sim_start: %s", err);
	struct twilio_config cfg = {.api_base = sim_base_url(f->sim), .account_sid = sim_account_sid(f->sim),
				    .username = sim_account_sid(f->sim), .password = sim_auth_token(f->sim),
				    .max_retries = -1};
	assert_int_equal(twilio_client_new(&cfg, &f->c, &err), 0);
	f->s = tu_store_new(&f->path);
	f->dir = tu_tempdir();
	char *key = xasprintf("%s/key", f->dir);
	assert_int_equal(vault_create_keyfile(key, &err), 0);
	assert_int_equal(vault_open_keyfile(key, &f->v, &err), 0);
	free(key);
	int64_t tid = 0;
	assert_int_equal(store_tenant_add(f->s, "Skin Clinic", "America/Chicago", "+13125550199", &tid, &err), 0);
	assert_int_equal(store_tenant_set(f->s, tid, "from_number", CLINIC_NUMBER, &err), 0);
	assert_int_equal(store_tenant_set(f->s, tid, "account_sid", sim_account_sid(f->sim), &err), 0);
	assert_int_equal(store_tenant_get(f->s, tid, &f->t, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	twilio_client_free(&f->c);
	vault_close(&f->v);
	store_close(&f->s);
	sim_stop(&f->sim);
	tenant_free(&f->t);
	tu_rmdir(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	clock_set_fake(0);
	return 0;
}

/* Injects an MMS and polls it in; returns the stored message's id. */
static int64_t mms_in(struct fx *f, const char *body, const char *const *media, size_t n)
{
	char *sid = NULL, *err = NULL;
	assert_int_equal(sim_inject_inbound_media(f->sim, ANN, CLINIC_NUMBER, body, media, n, &sid), 0);
	struct poll_stats ps = {0};
	if (poll_inbound(f->s, f->c, &f->t, &ps, &err) != 0)
		fail_msg("poll: %s", err);
	struct sms_message m = {0};
	assert_int_equal(store_msg_get_by_sid(f->s, sid, &m, &err), 0);
	assert_string_equal(m.body, body); /* the text is there before any photo */
	int64_t id = m.id;
	sms_message_free(&m);
	free(sid);
	return id;
}

static struct media_stats sync_media(struct fx *f)
{
	struct media_stats ms = {0};
	char *err = NULL;
	if (media_sync(f->s, f->c, f->v, &f->t, 0, &ms, &err) != 0)
		fail_msg("media_sync: %s", err);
	return ms;
}

/* Writes len pseudo-random bytes starting with a JPEG header to dir/name; returns the bytes. */
static unsigned char *write_photo(const char *dir, const char *name, size_t len, char **path)
{
	unsigned char *b = xmalloc(len);
	randombytes_buf(b, len);
	b[0] = 0xff, b[1] = 0xd8, b[2] = 0xff;
	*path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(*path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, len, fp), len);
	fclose(fp);
	return b;
}

/* The label of media row idx of a message. */
static void label_of(struct fx *f, int64_t msg, int idx, char *buf, size_t len)
{
	struct sms_media *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	assert_int_equal(store_media_list_message(f->s, msg, &rows, &n, &err), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (rows[i].idx == idx)
			media_label(&rows[i], buf, len);
	sms_media_list_free(&rows, n);
}

static int64_t media_id_of(struct fx *f, int64_t msg, int idx)
{
	struct sms_media *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	int64_t id = 0;
	assert_int_equal(store_media_list_message(f->s, msg, &rows, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		if (rows[i].idx == idx)
			id = rows[i].id;
	sms_media_list_free(&rows, n);
	assert_true(id > 0);
	return id;
}

/* Whether the raw database file holds needle anywhere in sms_media.data. */
static bool db_holds(struct fx *f, const unsigned char *needle, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool found = false;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT data FROM sms_media WHERE data IS NOT NULL", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		for (size_t i = 0; i + n <= len && !found; i++)
			found = memcmp(d + i, needle, n) == 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

static void media__stores_photo_encrypted_and_exports_it__when_mms_polled(void **state)
{
	struct fx *f = *state;
	char *path = NULL, *err = NULL, *out = NULL;
	unsigned char *bytes = write_photo(f->dir, "lesion.jpg", 245760, &path);
	char *spec = xasprintf("file://%s", path);
	const char *media[] = {spec};
	int64_t msg = mms_in(f, "here is the spot", media, 1);
	char label[256];
	label_of(f, msg, 0, label, sizeof(label));
	assert_string_equal(label, "[photo: fetching]");
	struct media_stats ms = sync_media(f);
	assert_int_equal(ms.listed, 1);
	assert_int_equal(ms.stored, 1);
	label_of(f, msg, 1, label, sizeof(label));
	assert_string_equal(label, "[photo 1: image/jpeg 240 KB]");
	assert_false(db_holds(f, bytes + 100, 64)); /* at rest: ciphertext only */
	/* export: a new 0600 file with the very bytes, and an audit entry */
	char *outdir = xasprintf("%s/chart", f->dir);
	int64_t id = media_id_of(f, msg, 1);
	assert_int_equal(media_export(f->s, f->v, id, outdir, 0, "alice", &out, &err), 0);
	size_t len = 0;
	char *got = tu_read_file(out, &len);
	assert_int_equal(len, 245760);
	assert_memory_equal(got, bytes, len);
	struct stat sb;
	assert_int_equal(stat(out, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(outdir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	struct audit_entry *a = NULL;
	size_t na = 0;
	assert_int_equal(store_audit_list(f->s, 0, 0, "media.export", 10, &a, &na, &err), 0);
	assert_int_equal(na, 1);
	assert_string_equal(a[0].username, "alice");
	audit_entry_list_free(&a, na);
	/* a second export never overwrites the first */
	char *out2 = NULL;
	assert_int_equal(media_export(f->s, f->v, id, outdir, 0, "alice", &out2, &err), 0);
	assert_string_not_equal(out, out2);
	/* nothing is fetched again */
	size_t before = sim_request_count(f->sim);
	ms = sync_media(f);
	assert_int_equal(ms.stored + ms.failed + ms.refused + ms.listed, 0);
	assert_int_equal(sim_request_count(f->sim), before);
	free(out2);
	free(got);
	free(out);
	free(outdir);
	free(spec);
	free(path);
	free(bytes);
}

/* Each hostile media is recorded with its reason; the good one in the same message is kept. */
static void media__records_clear_reasons__when_media_is_hostile(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/jpeg:52428800", "gen:text/html:1000",	   "gen:image/png:2000:typelie",
			       "gen:image/jpeg:3000:404",  "gen:image/jpeg:3000:otherhost", "gen:image/jpeg:3000:http",
			       "gen:image/jpeg:3000:redirect", "gen:image/gif:4000"};
	int64_t msg = mms_in(f, "photos", media, 8);
	struct media_stats ms = sync_media(f);
	assert_int_equal(ms.stored, 1);
	char label[300];
	label_of(f, msg, 1, label, sizeof(label));
	assert_non_null(strstr(label, "[photo 1 refused: the photo is larger than the 5.0 MB limit"));
	label_of(f, msg, 2, label, sizeof(label));
	assert_non_null(strstr(label, "refused: type text/html is not one smsdesk accepts"));
	label_of(f, msg, 3, label, sizeof(label));
	assert_non_null(strstr(label, "refused: the photo is of type text/html"));
	label_of(f, msg, 4, label, sizeof(label));
	assert_non_null(strstr(label, "[photo 4 not fetched yet: Twilio did not give the photo"));
	assert_non_null(strstr(label, "not found"));
	label_of(f, msg, 5, label, sizeof(label));
	assert_non_null(strstr(label, "refused: the media redirect goes to another host (https://media.example.invalid/"));
	label_of(f, msg, 6, label, sizeof(label));
	assert_non_null(strstr(label, "refused: the media redirect goes to another host (http://mms.twiliocdn.com/"));
	label_of(f, msg, 7, label, sizeof(label));
	assert_non_null(strstr(label, "redirected again"));
	label_of(f, msg, 8, label, sizeof(label));
	assert_string_equal(label, "[photo 8: image/gif 4 KB]");
	/* refusals are final; the 404 waits for its back-off */
	size_t before = sim_request_count(f->sim);
	ms = sync_media(f);
	assert_int_equal(sim_request_count(f->sim), before);
	clock_set_fake(NOW + 61);
	ms = sync_media(f);
	assert_int_equal(ms.failed, 1);
	assert_int_equal(ms.refused + ms.stored, 0);
	assert_int_equal(sim_request_count(f->sim), before + 1); /* only the 404 was asked again */
}

static void media__retries_with_backoff__when_fetch_fails_once(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/jpeg:10000:404once"};
	int64_t msg = mms_in(f, "", media, 1);
	struct media_stats ms = sync_media(f);
	assert_int_equal(ms.failed, 1);
	ms = sync_media(f); /* not due yet */
	assert_int_equal(ms.failed + ms.stored, 0);
	clock_set_fake(NOW + 60);
	ms = sync_media(f);
	assert_int_equal(ms.stored, 1);
	char label[256];
	label_of(f, msg, 1, label, sizeof(label));
	assert_string_equal(label, "[photo 1: image/jpeg 10 KB]");
	/* the photo served starts with the simulator's real JPEG */
	unsigned char *data = NULL;
	size_t len = 0;
	struct sms_media meta = {0};
	char *err = NULL;
	assert_int_equal(media_read(f->s, f->v, media_id_of(f, msg, 1), &meta, &data, &len, &err), 0);
	assert_int_equal(len, 10000);
	assert_int_equal(data[0], 0xff);
	assert_int_equal(data[1], 0xd8);
	sms_media_free(&meta);
	free(data);
}

static void media__gives_up_after_tries__when_list_is_malformed(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/jpeg:1000:badlist"};
	int64_t msg = mms_in(f, "see photo", media, 1);
	char label[300];
	int64_t t = NOW;
	for (int i = 0; i < MEDIA_MAX_ATTEMPTS; i++) {
		struct media_stats ms = sync_media(f);
		assert_int_equal(ms.failed + ms.refused, 1);
		label_of(f, msg, 0, label, sizeof(label));
		if (i + 1 < MEDIA_MAX_ATTEMPTS)
			assert_non_null(strstr(label, "[photo: fetching: the media list could not be fetched: Twilio's answer could not be read"));
		t += MEDIA_BACKOFF_CAP;
		clock_set_fake(t);
	}
	label_of(f, msg, 0, label, sizeof(label));
	assert_non_null(strstr(label, "refused: given up after 10 tries: the media list could not be fetched"));
	size_t before = sim_request_count(f->sim);
	sync_media(f);
	assert_int_equal(sim_request_count(f->sim), before);
}

/* A Twilio 500 on the media list is a failure retried later, and the text poll still works. */
static void media__keeps_text_and_retries__when_twilio_fails(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/png:5000"};
	int64_t msg = mms_in(f, "wound day 3", media, 1);
	sim_set_fault(f->sim, SIM_FAULT_500, 1, 0);
	struct media_stats ms = sync_media(f);
	assert_int_equal(ms.failed, 1);
	clock_set_fake(NOW + 60);
	ms = sync_media(f);
	assert_int_equal(ms.listed, 1);
	assert_int_equal(ms.stored, 1);
	char label[256];
	label_of(f, msg, 1, label, sizeof(label));
	assert_string_equal(label, "[photo 1: image/png 5 KB]");
}

/* A slow Twilio holds the photo work to its time budget; what is left stays due, nothing lost. */
static void media__stops_at_budget__when_twilio_is_slow(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/jpeg:1000", "gen:image/jpeg:1000", "gen:image/jpeg:1000"};
	int64_t msg = mms_in(f, "three", media, 3);
	sim_set_fault_method(f->sim, "GET");
	sim_set_fault(f->sim, SIM_FAULT_SLOW, 100, 400); /* each Twilio GET takes 400 ms */
	setenv("SMSDESK_MEDIA_BUDGET_MS", "600", 1);
	int64_t t0 = clock_mono_ms();
	struct media_stats slow = {0};
	char *err = NULL;
	assert_int_equal(media_sync(f->s, f->c, f->v, &f->t, 0, &slow, &err), 0);
	int64_t took = clock_mono_ms() - t0;
	unsetenv("SMSDESK_MEDIA_BUDGET_MS");
	sim_set_fault(f->sim, SIM_FAULT_NONE, 0, 0);
	assert_true(slow.stored >= 1 && slow.stored < 3); /* stopped at the budget */
	assert_true(took < 3000);
	struct media_stats ms = sync_media(f);
	assert_int_equal(ms.stored + slow.stored, 3);
	char label[256];
	label_of(f, msg, 3, label, sizeof(label));
	assert_string_equal(label, "[photo 3: image/jpeg 1000 B]");
}

/* The sync engine's pass fetches photos after the texts, in the same pass. */
static void media__sync_pass_stores_photo__when_configured(void **state)
{
	struct fx *f = *state;
	char *err = NULL;
	assert_int_equal(store_tenant_set(f->s, f->t.id, "api_base", sim_base_url(f->sim), &err), 0);
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	assert_int_equal(vault_encrypt(f->v, f->t.id, "auth_token", sim_auth_token(f->sim), &nonce, &nl, &ct, &cl, &err), 0);
	assert_int_equal(store_cred_put(f->s, f->t.id, "auth_token", nonce, nl, ct, cl, &err), 0);
	free(nonce);
	free(ct);
	const char *media[] = {"gen:image/jpeg:20000", "gen:application/pdf:3000"};
	assert_int_equal(sim_inject_inbound_media(f->sim, ANN, CLINIC_NUMBER, "two files", media, 2, NULL), 0);
	struct sync_engine *e = NULL;
	assert_int_equal(sync_engine_new(f->s, f->v, "test", &e, &err), 0);
	struct sync_report r = {0};
	assert_int_equal(sync_engine_pass(e, &r, &err), 0);
	assert_int_equal(r.inbound_new, 1);
	assert_int_equal(r.media_stored, 2);
	sync_report_clear(&r);
	sync_engine_release(e);
	sync_engine_free(&e);
}

/* The HEAD check of an outbound media URL, against the simulator's media host. */
static void media__head_checks_size_and_type__when_sending_mms(void **state)
{
	struct fx *f = *state;
	const char *media[] = {"gen:image/jpeg:100000", "gen:image/jpeg:52428800", "gen:text/html:100"};
	char *sid = NULL, *err = NULL, *ct = NULL;
	assert_int_equal(sim_inject_inbound_media(f->sim, ANN, CLINIC_NUMBER, "x", media, 3, &sid), 0);
	struct twilio_media_list l = {0};
	struct twilio_error e = {0};
	assert_int_equal(twilio_media_list(f->c, sid, &l, &e), TW_OK);
	assert_int_equal(l.n, 3);
	int64_t size = 0;
	char *url = xasprintf("%s/sim/media/%s", sim_base_url(f->sim), l.items[0].sid);
	if (mediahttp_head(url, 5000, &ct, &size, &err) != MH_OK)
		fail_msg("head: %s", err);
	assert_string_equal(ct, "image/jpeg");
	assert_int_equal(size, 100000);
	xfree(&ct);
	free(url);
	url = xasprintf("%s/sim/media/%s", sim_base_url(f->sim), l.items[1].sid);
	assert_int_equal(mediahttp_head(url, 5000, &ct, &size, &err), MH_REFUSED);
	assert_non_null(strstr(err, "is 50.0 MB, over the 5.0 MB MMS limit"));
	free(url);
	url = xasprintf("%s/sim/media/%s", sim_base_url(f->sim), l.items[2].sid);
	assert_int_equal(mediahttp_head(url, 5000, &ct, &size, &err), MH_REFUSED);
	assert_non_null(strstr(err, "of type text/html"));
	free(url);
	url = xasprintf("%s/sim/media/ME00000000000000000000000000000000", sim_base_url(f->sim));
	assert_int_equal(mediahttp_head(url, 5000, &ct, &size, &err), MH_REFUSED);
	assert_non_null(strstr(err, "HTTP 404 (not found)"));
	free(url);
	assert_int_equal(mediahttp_head("http://example.com/sheet.pdf", 5000, &ct, &size, &err), MH_REFUSED);
	assert_non_null(strstr(err, "must be a public https:// address"));
	twilio_media_list_free(&l);
	free(err);
	free(sid);
}

/* Where Twilio's redirect may point, for a real (https) API base. */
static void media__redirect_rules__when_base_is_twilio(void **state)
{
	(void)state;
	char *err = NULL;
	const char *base = "https://api.twilio.com";
	assert_int_equal(mediahttp_redirect_ok(base, "https://mms.twiliocdn.com/AC1/abc", &err), 0);
	assert_int_equal(mediahttp_redirect_ok(base, "https://s3-external-1.amazonaws.com/media.twiliocdn.com/x", &err), 0);
	assert_int_equal(mediahttp_redirect_ok(base, "http://mms.twiliocdn.com/AC1/abc", &err), -1);
	assert_non_null(strstr(err, "goes to plain http"));
	assert_int_equal(mediahttp_redirect_ok(base, "https://eviltwilio.com/x", &err), -1);
	assert_non_null(strstr(err, "not one of Twilio's media hosts"));
	assert_int_equal(mediahttp_redirect_ok(base, "https://user:pw@mms.twiliocdn.com/x", &err), -1);
	assert_int_equal(mediahttp_redirect_ok(base, "not a url", &err), -1);
	assert_int_equal(mediahttp_redirect_ok("http://127.0.0.1:8080", "http://localhost:9/x", &err), 0);
	assert_int_equal(mediahttp_redirect_ok("http://127.0.0.1:8080", "https://mms.twiliocdn.com/x", &err), -1);
	assert_true(mediahttp_type_allowed("IMAGE/JPEG; charset=binary"));
	assert_false(mediahttp_type_allowed("image/svg+xml"));
	assert_false(mediahttp_type_allowed(NULL));
	free(err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(media__stores_photo_encrypted_and_exports_it__when_mms_polled),
		T(media__records_clear_reasons__when_media_is_hostile),
		T(media__retries_with_backoff__when_fetch_fails_once),
		T(media__gives_up_after_tries__when_list_is_malformed),
		T(media__keeps_text_and_retries__when_twilio_fails),
		T(media__stops_at_budget__when_twilio_is_slow),
		T(media__sync_pass_stores_photo__when_configured),
		T(media__head_checks_size_and_type__when_sending_mms),
		cmocka_unit_test(media__redirect_rules__when_base_is_twilio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
