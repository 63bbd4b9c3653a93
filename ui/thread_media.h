/* Photos in a thread (MMS): their label lines under each message, and `v`: choose a stored
 * photo, open it in the viewer or save it decrypted (a new 0600 file), audited. Owner: ui/thread_media.c */
#ifndef SMSDESK_UI_THREAD_MEDIA_H
#define SMSDESK_UI_THREAD_MEDIA_H
#include "ui/screen.h"

/* The rows of list (ordered by message, then idx) that belong to message msg_id: the first
 * at *first; how many. */
size_t ui_media_of(const struct sms_media *list, size_t n, int64_t msg_id, size_t *first);
/* The label of a row and its style (refused: warning; not yet fetched: dim). */
void ui_media_line(const struct sms_media *m, char *buf, size_t len, enum ui_style *st);
/* `v`: with no stored photo says so; else lists them (newest at the top): Enter opens one in
 * the viewer (src/media_open.c), s asks for a folder and saves it. */
int ui_media_save(struct ui *ui, const struct sms_media *list, size_t n);

/* Stored JPEG photos drawn with text symbols (ui/photo.c), kept across reloads. */
struct ui_photo_art {
	int64_t media_id;
	char **lines; /* NULL when it could not be drawn (not a JPEG, damaged) */
	size_t n;
};
struct ui_photo_cache {
	struct ui_photo_art *a;
	size_t n;
};
/* Draws the newest stored photos of list not drawn yet (decrypting them with the key file),
 * auditing each as "media.view" for patient_id; does nothing without libchafa. */
void ui_media_art_update(struct ui *ui, struct ui_photo_cache *c, const struct sms_media *list, size_t n,
			 int64_t patient_id);
/* The drawing of a media row, or NULL. */
const struct ui_photo_art *ui_media_art_of(const struct ui_photo_cache *c, int64_t media_id);
void ui_media_art_free(struct ui_photo_cache *c);

extern const struct screen_ops ui_media_chooser_screen; /* via ui_media_save() */

#endif
