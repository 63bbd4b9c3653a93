/* MMS photos: the fetch after the poll (list, locate, download, encrypt, store), with
 * back-off for failures and reasons for refusals; labels; decrypting and saving for the chart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "src/media.h"
#include "src/mediahttp.h"
#include "src/util.h"

/* The vault's associated-data field of a media row: a photo decrypts only as its own row. */
static char *media_field(int64_t media_id)
{
	return xasprintf("media:%lld", (long long)media_id);
}

int media_expect(struct store *s, const struct tenant *t, const char *message_sid, char **err)
{
	struct sms_message m = {0};
	int rc = store_msg_get_by_sid(s, message_sid, &m, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no stored message %s to attach media to", message_sid);
	if (rc != 0)
		return -1;
	rc = store_media_expect(s, t->id, m.id, clock_now(), err);
	sms_message_free(&m);
	return rc;
}

/* When to try a media again after `attempts` failed tries: 1, 2, 4 ... minutes, capped. */
static int64_t next_try(int attempts, int64_t now)
{
	int64_t d = 60;
	for (int i = 1; i < attempts && d < MEDIA_BACKOFF_CAP; i++)
		d *= 2;
	return now + (d < MEDIA_BACKOFF_CAP ? d : MEDIA_BACKOFF_CAP);
}

/* Records a failure (tried again later) or a refusal (never); a failure past the last try
 * becomes a refusal that says so. */
static int record(struct store *s, const struct sms_media *m, bool refused, const char *why,
		  struct media_stats *st, char **err)
{
	int64_t now = clock_now();
	char *reason = NULL;
	if (!refused && m->attempts + 1 >= MEDIA_MAX_ATTEMPTS) {
		refused = true;
		reason = xasprintf("given up after %d tries: %s", MEDIA_MAX_ATTEMPTS, why);
	}
	int rc = store_media_fail(s, m->id, refused, reason ? reason : why, refused ? 0 : next_try(m->attempts + 1, now),
				  err);
	free(reason);
	if (refused)
		st->refused++;
	else
		st->failed++;
	return rc;
}

/* Fetches a message's media list and records its entries (idx 0 row). */
static int work_list(struct store *s, struct twilio_client *c, const struct sms_media *m, struct media_stats *st,
		     char **err)
{
	struct twilio_media_list l = {0};
	struct twilio_error e = {0};
	int rc;
	if (twilio_media_list(c, m->message_sid, &l, &e) != TW_OK) {
		char *why = xasprintf("the media list could not be fetched: %s",
				      e.message ? e.message : twilio_result_str(e.kind));
		rc = record(s, m, false, why, st, err);
		free(why);
		goto out;
	}
	struct sms_media items[10];
	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < l.n; i++) {
		items[i].media_sid = l.items[i].sid;
		items[i].content_type = l.items[i].content_type;
	}
	rc = store_media_listed(s, m->message_id, items, l.n, clock_now(), err);
	if (rc == 0)
		st->listed++;
out:
	twilio_media_list_free(&l);
	twilio_error_clear(&e);
	return rc;
}

/* Encrypts the photo bound to its row and stores it. */
static int keep(struct store *s, const struct vault *v, const struct sms_media *m, const struct mediahttp_body *b,
		char **err)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	char *field = media_field(m->id);
	int rc = vault_encrypt_bytes(v, m->tenant_id, field, b->data, b->len, &nonce, &nl, &ct, &cl, err);
	free(field);
	if (rc == 0)
		rc = store_media_put(s, m->id, b->content_type, (int64_t)b->len, nonce, nl, ct, cl, err);
	free(nonce);
	free(ct);
	return rc;
}

/* Fetches one photo: Twilio's redirect (authenticated), then the bytes (not). */
static int work_item(struct store *s, struct twilio_client *c, const struct vault *v, const struct sms_media *m,
		     struct media_stats *st, char **err)
{
	struct twilio_error e = {0};
	struct mediahttp_body b = {0};
	char *where = NULL, *why = NULL;
	bool refused = false;
	int rc;
	if (m->content_type != NULL && !mediahttp_type_allowed(m->content_type)) {
		why = xasprintf("type %.60s is not one smsdesk accepts (%s)", m->content_type, mediahttp_types_text());
		refused = true;
	} else if (twilio_media_locate(c, m->message_sid, m->media_sid, &where, &e) != TW_OK) {
		why = xasprintf("Twilio did not give the photo: %s", e.message ? e.message : twilio_result_str(e.kind));
	} else if (mediahttp_redirect_ok(twilio_client_base(c), where, &why) != 0) {
		refused = true;
	} else {
		enum mediahttp_outcome o = mediahttp_get(where, MEDIA_FETCH_TIMEOUT_MS, &b, &why);
		refused = o == MH_REFUSED;
		if (o == MH_OK)
			xfree(&why);
	}
	if (why != NULL) {
		rc = record(s, m, refused, why, st, err);
	} else {
		rc = keep(s, v, m, &b, err);
		if (rc == 0)
			st->stored++;
	}
	free(why);
	free(where);
	mediahttp_body_free(&b);
	twilio_error_clear(&e);
	return rc;
}

/* The time one pass may spend on photos (SMSDESK_MEDIA_BUDGET_MS for tests): slow media hosts
 * must not hold back the next pass's texts. */
static int64_t pass_budget_ms(void)
{
	const char *e = getenv("SMSDESK_MEDIA_BUDGET_MS");
	long v = e != NULL ? strtol(e, NULL, 10) : 0;
	return v > 0 ? v : MEDIA_PASS_BUDGET_MS;
}

/* One round over the due rows (at most limit) until the deadline; *worked counts them. */
static int sync_round(struct store *s, struct twilio_client *c, const struct vault *v, const struct tenant *t,
		      size_t limit, int64_t deadline, size_t *worked, struct media_stats *stats, char **err)
{
	struct sms_media *due = NULL;
	size_t n = 0;
	*worked = 0;
	if (store_media_due(s, t->id, clock_now(), limit, &due, &n, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0 && clock_mono_ms() < deadline; i++, (*worked)++) {
		if (due[i].message_sid == NULL)
			rc = record(s, &due[i], true, "the message has no Twilio SID", stats, err);
		else if (due[i].idx == 0)
			rc = work_list(s, c, &due[i], stats, err);
		else
			rc = work_item(s, c, v, &due[i], stats, err);
	}
	sms_media_list_free(&due, n);
	return rc;
}

int media_sync(struct store *s, struct twilio_client *c, const struct vault *v, const struct tenant *t,
	       int limit, struct media_stats *stats, char **err)
{
	struct media_stats local = {0};
	if (stats == NULL)
		stats = &local;
	size_t left = (size_t)(limit > 0 ? limit : MEDIA_SYNC_LIMIT), worked = 0;
	int64_t deadline = clock_mono_ms() + pass_budget_ms();
	/* A list fetched in the first round makes its photos due at once: a second round fetches
	 * them in the same pass, so a photo shows one poll after its text, not two. */
	for (int round = 0; round < 2 && left > 0; round++) {
		int listed = stats->listed;
		if (sync_round(s, c, v, t, left, deadline, &worked, stats, err) != 0)
			return -1;
		left -= worked;
		if (stats->listed == listed || clock_mono_ms() >= deadline)
			break;
	}
	return 0;
}

void media_label(const struct sms_media *m, char *buf, size_t len)
{
	bool file = m->content_type != NULL && strncasecmp(m->content_type, "image/", 6) != 0;
	const char *what = file ? "file" : "photo";
	char size[32];
	if (m->idx == 0 && strcmp(m->state, "refused") != 0) {
		snprintf(buf, len, "[photo: fetching%s%.120s]", m->reason ? ": " : "", m->reason ? m->reason : "");
	} else if (strcmp(m->state, "stored") == 0) {
		mediahttp_size_text(m->size, size, sizeof(size));
		snprintf(buf, len, "[%s %d: %.60s %s]", what, m->idx, m->content_type ? m->content_type : "?", size);
	} else if (strcmp(m->state, "refused") == 0) {
		snprintf(buf, len, "[%s %d refused: %.160s]", what, m->idx, m->reason ? m->reason : "no reason kept");
	} else if (strcmp(m->state, "failed") == 0) {
		snprintf(buf, len, "[%s %d not fetched yet: %.160s]", what, m->idx, m->reason ? m->reason : "");
	} else {
		snprintf(buf, len, "[%s %d: fetching]", what, m->idx);
	}
	/* reasons quote what servers sent: no control characters on a screen */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

int media_read(struct store *s, const struct vault *v, int64_t media_id, struct sms_media *meta,
	       unsigned char **data, size_t *len, char **err)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	*data = NULL;
	*len = 0;
	int rc = store_media_get(s, media_id, meta, &nonce, &nl, &ct, &cl, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "no media with id %lld", (long long)media_id);
	if (rc != 0)
		return -1;
	if (strcmp(meta->state, "stored") != 0) {
		rc = seterr(err, "media %lld is not stored (%s%s%s)", (long long)media_id, meta->state,
			    meta->reason ? ": " : "", meta->reason ? meta->reason : "");
	} else {
		char *field = media_field(media_id);
		rc = vault_decrypt_bytes(v, meta->tenant_id, field, nonce, nl, ct, cl, data, len, err);
		free(field);
	}
	free(nonce);
	free(ct);
	if (rc != 0)
		sms_media_free(meta);
	return rc;
}

char *media_default_dir(void)
{
	const char *d = getenv("SMSDESK_MEDIA_DIR");
	if (d != NULL && *d != '\0')
		return xstrdup(d);
	const char *home = getenv("HOME");
	return xasprintf("%s/smsdesk-media", home != NULL && *home != '\0' ? home : ".");
}

/* The file name extension of a content type. */
static const char *ext_of(const char *ct)
{
	static const char *const map[][2] = {{"image/jpeg", "jpg"}, {"image/png", "png"},  {"image/gif", "gif"},
					     {"image/heic", "heic"}, {"image/heif", "heif"}, {"image/webp", "webp"},
					     {"application/pdf", "pdf"}};
	for (size_t i = 0; ct != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(ct, map[i][0], strlen(map[i][0])) == 0)
			return map[i][1];
	return "bin";
}

/* Creates a new 0600 file in dir for the photo (never an existing one); fd or -1. */
static int create_file(const char *dir, const struct sms_media *m, char **path, char **err)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return seterr(err, "cannot create the folder %s: %s", dir, strerror(errno));
	for (int k = 1; k < 1000; k++) {
		char suffix[16] = "";
		if (k > 1)
			snprintf(suffix, sizeof(suffix), "-%d", k);
		*path = xasprintf("%s/message-%lld-%d%s.%s", dir, (long long)m->message_id, m->idx, suffix,
				  ext_of(m->content_type));
		int fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		int e = errno;
		if (e != EEXIST) {
			seterr(err, "cannot create %s: %s", *path, strerror(e));
			xfree(path);
			return -1;
		}
		xfree(path);
	}
	return seterr(err, "%s holds too many copies of this photo already", dir);
}

/* Writes all len bytes and syncs; 0 or -1 with *err. */
static int write_all(int fd, const unsigned char *data, size_t len, const char *path, char **err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return seterr(err, "cannot write %s: %s", path, strerror(errno));
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		return seterr(err, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

int media_export(struct store *s, const struct vault *v, int64_t media_id, const char *dir, int64_t user_id,
		 const char *actor, char **path_out, char **err)
{
	return media_export_as(s, v, media_id, dir, user_id, actor, "media.export", path_out, err);
}

int media_export_as(struct store *s, const struct vault *v, int64_t media_id, const char *dir, int64_t user_id,
		    const char *actor, const char *action, char **path_out, char **err)
{
	struct sms_media meta = {0};
	struct sms_message msg = {0};
	unsigned char *data = NULL;
	size_t len = 0;
	char *path = NULL;
	int fd = -1, rc = -1;
	if (path_out != NULL)
		*path_out = NULL;
	if (dir == NULL || *dir == '\0')
		return seterr(err, "no folder given to save the photo in");
	if (media_read(s, v, media_id, &meta, &data, &len, err) != 0)
		return -1;
	if (store_msg_get(s, meta.message_id, &msg, err) != 0)
		goto out;
	fd = create_file(dir, &meta, &path, err);
	if (fd < 0)
		goto out;
	if (write_all(fd, data, len, path, err) != 0) {
		close(fd);
		unlink(path);
		goto out;
	}
	close(fd);
	char target[32], detail[300];
	snprintf(target, sizeof(target), "%lld", (long long)media_id);
	snprintf(detail, sizeof(detail), "message=%lld idx=%d type=%.60s bytes=%zu file=%.180s",
		 (long long)meta.message_id, meta.idx, meta.content_type ? meta.content_type : "?", len, path);
	if (store_audit_append(s, user_id, actor ? actor : "system", meta.tenant_id, action, msg.patient_id,
			       target, detail, err) != 0) {
		unlink(path); /* an export nobody can trace must not stay */
		goto out;
	}
	rc = 0;
	if (path_out != NULL) {
		*path_out = path;
		path = NULL;
	}
out:
	if (data != NULL)
		sodium_memzero(data, len);
	free(data);
	free(path);
	sms_media_free(&meta);
	sms_message_free(&msg);
	return rc;
}
