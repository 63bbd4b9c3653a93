/* Opening a stored photo in the desktop's viewer: a decrypted copy in a private temporary
 * folder (0700, the file 0600, removed when the console leaves), shown by $SMSDESK_VIEWER or,
 * with a local display only, xdg-open. Owner: src/media_open.c */
#ifndef SMSDESK_MEDIA_OPEN_H
#define SMSDESK_MEDIA_OPEN_H
#include <stdint.h>
#include "store/store.h"
#include "src/vault.h"

enum media_opener {
	MEDIA_OPEN_NONE,   /* no way to show it here: save it instead */
	MEDIA_OPEN_VIEWER, /* $SMSDESK_VIEWER */
	MEDIA_OPEN_XDG,    /* xdg-open, on a local display */
};

/* How a photo can be opened, from the environment given (envp-style lookups through get;
 * NULL get: getenv). When none, *why (static words) says why. */
enum media_opener media_opener_pick(const char *(*get)(const char *name), const char **why);

/* Opens stored photo media_id: copies it decrypted into a new private folder, audits
 * "media.open" as actor and starts the viewer (not waited for). *path_out (malloc'd) names
 * the copy. -1 with *err; with no way to open it, -1 and *err says why (nothing written). */
int media_open(struct store *s, const struct vault *v, int64_t media_id, int64_t user_id, const char *actor,
	       char **path_out, char **err);

/* Removes the folders of the copies opened by this process (at the console's exit: a viewer
 * has long read its file by then). */
void media_open_cleanup(void);

#endif
