/* The audit anchor file: reading, checking the log against it, moving it forward. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "src/anchor.h"
#include "src/util.h"

#define ANCHOR_MAGIC "smsdesk-audit-anchor 1"

enum anchor_result anchor_read(const char *path, struct audit_head *out, char **err)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "re");
	if (f == NULL && errno == ENOENT)
		return ANCHOR_MISSING;
	if (f == NULL) {
		seterr(err, "cannot read the audit anchor %s: %s", path, strerror(errno));
		return ANCHOR_ERROR;
	}
	char line[256] = "";
	long long count = 0, id = 0, at = 0;
	int used = 0;
	bool ok = fgets(line, sizeof(line), f) != NULL &&
		  sscanf(line, ANCHOR_MAGIC " count=%lld id=%lld hash=%64[0-9a-f] at=%lld%n", &count, &id, out->hash,
			 &at, &used) == 4 &&
		  strlen(out->hash) == 64 && count >= 0 && id >= 0 && (line[used] == '\n' || line[used] == '\0');
	fclose(f);
	if (!ok) {
		seterr(err, "%s is not an smsdesk audit anchor", path);
		return ANCHOR_ERROR;
	}
	out->count = count;
	out->last_id = id;
	return ANCHOR_OK;
}

enum anchor_result anchor_check(struct store *s, const char *path, struct audit_head *anchored, char **err)
{
	struct audit_head a, now;
	enum anchor_result r = anchor_read(path, &a, err);
	if (anchored != NULL)
		*anchored = a;
	if (r != ANCHOR_OK)
		return r;
	if (a.count == 0)
		return ANCHOR_OK;
	char hash[65];
	int rc = store_audit_hash_at(s, a.last_id, hash, err);
	if (rc < 0 || store_audit_head(s, &now, err) != 0)
		return ANCHOR_ERROR;
	if (rc == SD_NOTFOUND) {
		seterr(err, "entry %" PRId64 " named by the anchor %s is gone: the newest entries of the audit log "
		       "were removed (the log has %" PRId64 " entries, the anchor saw %" PRId64 ")",
		       a.last_id, path, now.count, a.count);
		return ANCHOR_MISMATCH;
	}
	if (strcmp(hash, a.hash) != 0) {
		seterr(err, "entry %" PRId64 " differs from the anchor %s: the audit log was rewritten", a.last_id, path);
		return ANCHOR_MISMATCH;
	}
	if (now.count < a.count) {
		seterr(err, "the audit log has %" PRId64 " entries but the anchor %s saw %" PRId64 ": entries were removed",
		       now.count, path, a.count);
		return ANCHOR_MISMATCH;
	}
	return ANCHOR_OK;
}

/* Writes the anchor line to a new file beside path, then renames it over path. */
static int write_atomic(const char *path, const struct audit_head *h, char **err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		seterr(err, "cannot write the audit anchor %s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Readable by the group's checks whatever the service's umask. */
	fchmod(fd, 0644);
	char line[200];
	int n = snprintf(line, sizeof(line), ANCHOR_MAGIC " count=%" PRId64 " id=%" PRId64 " hash=%s at=%" PRId64 "\n",
			 h->count, h->last_id, h->hash, clock_now());
	bool wrote = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	if (close(fd) != 0 || !wrote) {
		seterr(err, "cannot write the audit anchor %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		seterr(err, "cannot replace the audit anchor %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

enum anchor_result anchor_update(struct store *s, const char *path, bool force, struct audit_head *head,
				 bool *changed, char **err)
{
	struct audit_head old;
	*changed = false;
	enum anchor_result r = anchor_check(s, path, &old, err);
	if (r == ANCHOR_ERROR || (r == ANCHOR_MISMATCH && !force))
		return r;
	if (store_audit_head(s, head, err) != 0)
		return ANCHOR_ERROR;
	if (r == ANCHOR_OK && old.count == head->count && old.last_id == head->last_id &&
	    strcmp(old.hash, head->hash) == 0)
		return ANCHOR_OK;
	if (write_atomic(path, head, err) != 0)
		return ANCHOR_ERROR;
	*changed = true;
	return ANCHOR_OK;
}
