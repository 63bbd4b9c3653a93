/* An MMS attachment in compose: a public https URL (an aftercare sheet) checked before it is
 * taken (HEAD: at most 5 MB, an allowed type), off the loop (ui/job.c) so the console answers
 * keys during the check. Owner: ui/compose_media.c */
#ifndef SMSDESK_UI_COMPOSE_MEDIA_H
#define SMSDESK_UI_COMPOSE_MEDIA_H
#include <stdbool.h>
#include "ui/screen.h"

struct ui_attach_check;

/* Called on the loop when a check the draft waits for has ended (ok: the attachment is set). */
typedef void (*ui_attach_ready_fn)(struct ui *ui, void *ctx, bool ok);

struct ui_attachment {
	char *url;  /* as typed, NULL: none */
	char *json; /* the outbox's media list */
	char *what; /* "application/pdf 80 KB" */
	char *tried; /* the last URL refused: offered again by the next prompt, nothing retyped */
	struct ui_attach_check *check; /* a check running, or NULL */
	ui_attach_ready_fn ready;     /* told when the check ends (compose: review waits) */
	void *ready_ctx;
};

/* Frees the attachment; a check still running is orphaned (its result is then dropped). */
void ui_attachment_free(struct ui_attachment *a);
/* Copies the attachment taken (not a check running, not the callback). */
void ui_attachment_copy(struct ui_attachment *dst, const struct ui_attachment *src);
/* Asks for the URL (an empty line removes the attachment) and starts its check; when it ends
 * the attachment is set, or a message says why not. a must outlive the prompt. */
void ui_attachment_ask(struct ui *ui, struct ui_attachment *a);
/* Whether a check is running. */
bool ui_attachment_checking(const struct ui_attachment *a);
/* The line shown under the editor and in review ("Attached (MMS): URL · type size", or
 * "Checking attachment… URL"), malloc'd; NULL when there is none. */
char *ui_attachment_line(const struct ui_attachment *a);

#endif
