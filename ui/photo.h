/* A photo drawn with text symbols (libchafa, in the default colours: no escape sequences, so
 * it goes through curses like any text). JPEG only (libjpeg); nothing without libchafa.
 * Owner: ui/photo.c */
#ifndef SMSDESK_UI_PHOTO_H
#define SMSDESK_UI_PHOTO_H
#include <stdbool.h>
#include <stddef.h>

/* Whether this build can draw photos. */
bool ui_photo_available(void);
/* Renders a JPEG into at most cols x rows cells of UTF-8 symbols (ASCII only when ascii):
 * *lines (malloc'd array of malloc'd strings, ui_photo_lines_free) and how many; 0 when it
 * cannot (not a JPEG, damaged, too large, no libchafa). */
size_t ui_photo_render(const unsigned char *data, size_t len, int cols, int rows, bool ascii, char ***lines);
void ui_photo_lines_free(char ***lines, size_t n);

#endif
