/* The audit anchor: the head of the audit chain (entry count, newest id and hash) written
 * to a file outside the database, where the staff cannot write, on every scheduler pass.
 * The database alone cannot show that its newest entries were removed (the shortened chain
 * is still a valid chain); the anchor can. Owner: src/anchor.c
 *
 * The file is one line: "smsdesk-audit-anchor 1 count=N id=ID hash=HEX at=UNIX". */
#ifndef SMSDESK_ANCHOR_H
#define SMSDESK_ANCHOR_H
#include <stdbool.h>
#include "store/store.h"

enum anchor_result {
	ANCHOR_ERROR = -1,   /* could not read the store or the file: *err says why */
	ANCHOR_OK = 0,       /* the log still holds the anchored entry, unchanged */
	ANCHOR_MISMATCH = 2, /* entries the anchor saw are gone or changed: *err says which */
	ANCHOR_MISSING = 3   /* no anchor file yet */
};

/* Reads an anchor file. */
enum anchor_result anchor_read(const char *path, struct audit_head *out, char **err);
/* Checks the log against the anchor at path; *anchored (may be NULL) gets what it says. */
enum anchor_result anchor_check(struct store *s, const char *path, struct audit_head *anchored, char **err);
/* Moves the anchor forward to the current head: refused (ANCHOR_MISMATCH, file untouched)
 * when the log no longer holds what the anchor saw, unless force. The file is replaced
 * atomically (mode 0644: readable for checks, writable only by its owner). *changed says
 * whether it was rewritten. */
enum anchor_result anchor_update(struct store *s, const char *path, bool force, struct audit_head *head,
				 bool *changed, char **err);

#endif
