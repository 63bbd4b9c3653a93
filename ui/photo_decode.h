/* Photo files to pixels for drawing: JPEG (libjpeg, scaled down while decoding) and PNG
 * (libpng's simplified API), with a size cap before any allocation and words for a file that
 * cannot be drawn. Owner: ui/photo_decode.c (no curses) */
#ifndef SMSDESK_UI_PHOTO_DECODE_H
#define SMSDESK_UI_PHOTO_DECODE_H
#include <stddef.h>

#define PHOTO_MAX_PIXELS (64L * 1024 * 1024) /* a hostile header must not make us allocate GBs */

/* Decodes data into RGB8 (malloc'd, *w x *h, rows of *w * 3 bytes); a JPEG is scaled so its
 * width stays near want_w (at least). NULL with *why (static words) when it cannot. */
unsigned char *photo_decode(const unsigned char *data, size_t len, int want_w, int *w, int *h, const char **why);

#endif
