/* Benchmark: MMS photos (issue 14). Prints
 *   - storing a 5 MB photo: encrypt (XChaCha20-Poly1305 with the vault key) + write to the
 *     real store file, in ms, and reading it back (read + decrypt);
 *   - the poll's overhead per MMS: 200 texts with a photo each against 200 plain texts, both
 *     listed from the simulator and processed into a real store file (the poll only notes the
 *     media), in ms per message;
 *   - the fetch after the poll per MMS (media list, Twilio's redirect, a 100 KB download,
 *     encrypt, store), and one 5 MB photo end to end, in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "store/store.h"
#include "src/media.h"
#include "src/mediahttp.h"
#include "src/poll.h"
#include "src/sim/sim.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"
#include "benchutil.h"

#define CLINIC "+13125550100"
#define BATCH 200
#define REPS 20

static void die(const char *what, char *err)
{
	fprintf(stderr, "bench_media: %s: %s\n", what, err ? err : "failed");
	exit(1);
}

struct rig {
	struct sim *sim;
	struct store *s;
	struct vault *v;
	struct twilio_client *c;
	struct tenant t;
	char *dir;
};

static void rig_open(struct rig *r)
{
	char *err = NULL;
	struct sim_config sc = {.step_ms = 1};
	char tmpl[] = "/tmp/smsdesk-bench-media-XXXXXX";
	if (mkdtemp(tmpl) == NULL)
		die("mkdtemp", NULL);
	r->dir = xstrdup(tmpl);
	char *db = xasprintf("%s/bench.db", r->dir), *key = xasprintf("%s/key", r->dir);
	int64_t tid = 0;
	if (sim_start(&sc, &r->sim, &err) != 0 || store_open(db, &r->s, &err) != 0 ||
	    vault_create_keyfile(key, &err) != 0 || vault_open_keyfile(key, &r->v, &err) != 0 ||
	    store_tenant_add(r->s, "Bench Clinic", "America/Chicago", "+13125550199", &tid, &err) != 0 ||
	    store_tenant_set(r->s, tid, "from_number", CLINIC, &err) != 0 ||
	    store_tenant_set(r->s, tid, "account_sid", sim_account_sid(r->sim), &err) != 0 ||
	    store_tenant_get(r->s, tid, &r->t, &err) != 0)
		die("setup", err);
	struct twilio_config cfg = {.api_base = sim_base_url(r->sim), .account_sid = sim_account_sid(r->sim),
				    .username = sim_account_sid(r->sim), .password = sim_auth_token(r->sim),
				    .max_retries = -1};
	if (twilio_client_new(&cfg, &r->c, &err) != 0)
		die("client", err);
	free(db);
	free(key);
}

static void rig_close(struct rig *r)
{
	twilio_client_free(&r->c);
	vault_close(&r->v);
	store_close(&r->s);
	sim_stop(&r->sim);
	tenant_free(&r->t);
	char *rm = xasprintf("rm -rf '%s'", r->dir);
	if (system(rm) != 0)
		fprintf(stderr, "bench_media: could not remove %s\n", r->dir);
	free(rm);
	free(r->dir);
}

/* Injects n messages from distinct senders (with one media spec each when spec is not NULL)
 * and times the poll that takes them in. */
static struct bench_clock poll_batch(struct rig *r, int n, const char *spec, int base)
{
	char from[32], *err = NULL;
	for (int i = 0; i < n; i++) {
		snprintf(from, sizeof from, "+1312%07d", 6000000 + base + i);
		const char *media[] = {spec};
		if (sim_inject_inbound_media(r->sim, from, CLINIC, "here it is", media, spec ? 1 : 0, NULL) != 0)
			die("inject", NULL);
	}
	struct poll_stats ps = {0};
	struct bench_clock t0 = bench_now();
	if (poll_inbound(r->s, r->c, &r->t, &ps, &err) != 0)
		die("poll", err);
	struct bench_clock d = bench_since(t0, bench_now());
	if (ps.processed != n)
		die("poll processed the wrong count", NULL);
	return d;
}

int main(void)
{
	struct rig r = {0};
	char *err = NULL;
	if (sodium_init() < 0)
		die("sodium", NULL);
	rig_open(&r);

	/* 1. the poll's overhead per MMS: each batch in its own simulator and store (so neither
	 * lists the other's messages), after a one-message warm-up poll */
	struct rig plain = {0};
	rig_open(&plain);
	poll_batch(&plain, 1, NULL, 3 * BATCH);
	struct bench_clock sms = poll_batch(&plain, BATCH, NULL, 0);
	rig_close(&plain);
	poll_batch(&r, 1, NULL, 3 * BATCH);
	struct bench_clock mms = poll_batch(&r, BATCH, "gen:image/jpeg:102400", BATCH);
	printf("poll per SMS: %.3f ms\npoll per MMS: %.3f ms (overhead %.3f ms per MMS: noting its media)\n",
	       sms.wall * 1000 / BATCH, mms.wall * 1000 / BATCH, (mms.wall - sms.wall) * 1000 / BATCH);

	/* 2. the fetch after the poll */
	struct media_stats ms = {0};
	struct bench_clock t0 = bench_now();
	while (ms.stored < BATCH) {
		int before = ms.listed + ms.stored + ms.failed + ms.refused;
		if (media_sync(r.s, r.c, r.v, &r.t, 50, &ms, &err) != 0)
			die("media_sync", err);
		if (ms.listed + ms.stored + ms.failed + ms.refused == before || ms.failed + ms.refused > 0)
			die("media_sync stalled", NULL);
	}
	struct bench_clock fetch = bench_since(t0, bench_now());
	printf("fetch per MMS (list, redirect, 100 KB download, encrypt, store): %.2f ms\n", fetch.wall * 1000 / BATCH);

	/* 3. one 5 MB photo end to end, then encrypt + store alone */
	poll_batch(&r, 1, "gen:image/jpeg:5242880", 2 * BATCH);
	struct media_stats one = {0};
	t0 = bench_now();
	while (one.stored == 0) {
		if (media_sync(r.s, r.c, r.v, &r.t, 0, &one, &err) != 0 || one.failed + one.refused > 0)
			die("5 MB media_sync", err);
	}
	struct bench_clock big = bench_since(t0, bench_now());
	printf("fetch of one 5 MB photo end to end: %.1f ms\n", big.wall * 1000);

	size_t len = (size_t)MEDIA_MAX_BYTES;
	unsigned char *photo = xmalloc(len);
	randombytes_buf(photo, len);
	struct sms_media *rows = NULL;
	size_t n = 0;
	if (store_media_due(r.s, r.t.id, INT64_MAX, 0, &rows, &n, &err) != 0)
		die("due", err);
	sms_media_list_free(&rows, n);
	/* the last stored row (the 5 MB one) is rewritten REPS times */
	int64_t id = 0;
	struct sms_message last = {0};
	struct sms_message *msgs = NULL;
	if (store_msg_list(r.s, r.t.id, 0, 1, &msgs, &n, &err) != 0 || n != 1)
		die("last message", err);
	last = msgs[0];
	if (store_media_list_message(r.s, last.id, &rows, &n, &err) != 0 || n != 1)
		die("last media", err);
	id = rows[0].id;
	sms_media_list_free(&rows, n);
	t0 = bench_now();
	for (int i = 0; i < REPS; i++) {
		unsigned char *nonce = NULL, *ct = NULL;
		size_t nl = 0, cl = 0;
		char *field = xasprintf("media:%lld", (long long)id);
		if (vault_encrypt_bytes(r.v, r.t.id, field, photo, len, &nonce, &nl, &ct, &cl, &err) != 0 ||
		    store_media_put(r.s, id, "image/jpeg", (int64_t)len, nonce, nl, ct, cl, &err) != 0)
			die("store", err);
		free(field);
		free(nonce);
		free(ct);
	}
	struct bench_clock put = bench_since(t0, bench_now());
	t0 = bench_now();
	for (int i = 0; i < REPS; i++) {
		struct sms_media meta = {0};
		unsigned char *data = NULL;
		size_t got = 0;
		if (media_read(r.s, r.v, id, &meta, &data, &got, &err) != 0 || got != len || memcmp(data, photo, len) != 0)
			die("read back", err);
		sms_media_free(&meta);
		free(data);
	}
	struct bench_clock get = bench_since(t0, bench_now());
	printf("store a 5 MB photo (encrypt + write): %.1f ms (cpu %.1f ms)\n", put.wall * 1000 / REPS,
	       put.cpu * 1000 / REPS);
	printf("read a 5 MB photo (read + decrypt): %.1f ms\n", get.wall * 1000 / REPS);
	sms_message_list_free(&msgs, 1);
	free(photo);
	rig_close(&r);
	return 0;
}
