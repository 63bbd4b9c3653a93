/* Photos in a thread (MMS): their label lines under each message, and `v`: choose a stored
 * photo, open it in the viewer or save it decrypted (a new 0600 file), audited. Owner: ui/thread_media.c */
#ifndef SMSDESK_UI_THREAD_MEDIA_H
#define SMSDESK_UI_THREAD_MEDIA_H
#include "ui/photo.h"
#include "ui/screen.h"

/* The rows of list (ordered by message, then idx) that belong to message msg_id: the first
 * at *first; how many. */
size_t ui_media_of(const struct sms_media *list, size_t n, int64_t msg_id, size_t *first);
/* The label of a row and its style (refused: warning; not yet fetched: dim). */
void ui_media_line(const struct sms_media *m, char *buf, size_t len, enum ui_style *st);
/* `v`: with no stored photo says so; else lists them (newest at the top): Enter opens one in
 * the viewer (src/media_open.c), s asks for a folder and saves it. */
int ui_media_save(struct ui *ui, const struct sms_media *list, size_t n);

/* Stored photos drawn for this terminal (ui/photo.c, ui/pixels.c), kept across reloads. */
struct ui_photo_art {
	int64_t media_id;
	bool drawn;	    /* else why says why not (damaged, not a JPEG/PNG ...) */
	struct ui_photo p;
	const char *why;
};
struct ui_photo_cache {
	struct ui_photo_art *a;
	size_t n;
};
/* Draws the newest stored photos of list not drawn yet (decrypting them with the key file),
 * auditing each as "media.view" for patient_id; does nothing without libchafa or where
 * photos are not drawn (SMSDESK_GRAPHICS=none, a dumb terminal). */
void ui_media_art_update(struct ui *ui, struct ui_photo_cache *c, const struct sms_media *list, size_t n,
			 int64_t patient_id);
/* The drawing of a media row, or NULL. */
const struct ui_photo_art *ui_media_art_of(const struct ui_photo_cache *c, int64_t media_id);
/* The lines it takes in the thread (the photo's rows, or one line saying why not). */
int ui_media_art_lines(const struct ui_photo_art *a);
/* Draws row r of a at y, x (width cells). Pixels are listed for ui/pixels.c on row 0 when
 * whole (every row visible), else row 0 says to scroll. */
void ui_media_art_draw(struct ui *ui, WINDOW *w, const struct ui_photo_art *a, int r, int y, int x, int width,
		       bool whole);
void ui_media_art_free(struct ui_photo_cache *c);

extern const struct screen_ops ui_media_chooser_screen; /* via ui_media_save() */

#endif
