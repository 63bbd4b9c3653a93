/* An MMS attachment in compose: a public https URL (an aftercare sheet) checked before it is
 * taken (HEAD: at most 5 MB, an allowed type). Owner: ui/compose_media.c */
#ifndef SMSDESK_UI_COMPOSE_MEDIA_H
#define SMSDESK_UI_COMPOSE_MEDIA_H
#include "ui/screen.h"

struct ui_attachment {
	char *url;  /* as typed, NULL: none */
	char *json; /* the outbox's media list */
	char *what; /* "application/pdf 80 KB" */
};

void ui_attachment_free(struct ui_attachment *a);
void ui_attachment_copy(struct ui_attachment *dst, const struct ui_attachment *src);
/* Asks for the URL (an empty line removes the attachment), checks it and sets *a, or shows why
 * it cannot be sent. a must outlive the prompt (it lives in the compose screen below it). */
void ui_attachment_ask(struct ui *ui, struct ui_attachment *a);
/* The line shown under the editor and in review ("Attached (MMS): URL · type size"), malloc'd;
 * NULL when there is none. */
char *ui_attachment_line(const struct ui_attachment *a);

#endif
