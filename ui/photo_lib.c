/* libchafa, libjpeg and libpng with dlopen on first use (see photo_lib.h for why). */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include "src/lazylib.h"
#include "ui/photo_lib.h"

#ifdef SMSDESK_HAVE_CHAFA
#define PHOTO_LIB_NAME(name) #name,
static const char *const chafa_names[] = {PHOTO_LIB_CHAFA(PHOTO_LIB_NAME)};
static const char *const glib_names[] = {PHOTO_LIB_GLIB(PHOTO_LIB_NAME)};
static const char *const jpeg_names[] = {PHOTO_LIB_JPEG(PHOTO_LIB_NAME)};
static const char *const png_names[] = {PHOTO_LIB_PNG(PHOTO_LIB_NAME)};
#undef PHOTO_LIB_NAME

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert((COUNT(chafa_names) + COUNT(glib_names) + COUNT(jpeg_names) + COUNT(png_names)) *
		       sizeof(void (*)(void)) ==
		   sizeof(struct photo_lib),
	       "one name per function");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct photo_lib lib;
static bool loaded;
static char why_buf[300];

/* Loads one library's part of the table, which starts at fns. */
static int part(const char *soname, const char *const *names, size_t n, void (**fns)(void), const char *pkg)
{
	return lazylib_resolve(soname, names, n, fns, pkg, why_buf, sizeof why_buf);
}

/* Loads the four libraries (glib is already in with libchafa) and fills the table, or leaves
 * it empty and says why. */
static void load(void)
{
	void (*fns[sizeof(struct photo_lib) / sizeof(void (*)(void))])(void);
	void (**at)(void) = fns;

	if (part(SMSDESK_CHAFA_SONAME, chafa_names, COUNT(chafa_names), at, "libchafa0") != 0)
		return;
	at += COUNT(chafa_names);
	if (part(SMSDESK_GLIB_SONAME, glib_names, COUNT(glib_names), at, "libglib2.0-0") != 0)
		return;
	at += COUNT(glib_names);
	if (part(SMSDESK_JPEG_SONAME, jpeg_names, COUNT(jpeg_names), at, "libjpeg62-turbo") != 0)
		return;
	at += COUNT(jpeg_names);
	if (part(SMSDESK_PNG_SONAME, png_names, COUNT(png_names), at, "libpng16-16") != 0)
		return;
	_Static_assert(sizeof lib == sizeof fns, "the table is its functions");
	memcpy(&lib, fns, sizeof lib);
	loaded = true;
}

const struct photo_lib *photo_lib(const char **why)
{
	pthread_once(&once, load);
	if (!loaded)
		*why = why_buf;
	return loaded ? &lib : NULL;
}
#endif
