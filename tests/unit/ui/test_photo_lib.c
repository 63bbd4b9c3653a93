/* Tests for ui/photo_lib.c: libchafa, libjpeg and libpng (with glib) are not in the process
 * until the first photo is drawn, and are then (the console's start does not pay for them).
 * Needs the build with libchafa (skipped without). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "src/util.h"
#include "ui/photo.h"

/* Whether a library whose file name starts with prefix is mapped into this process. */
static bool mapped(const char *prefix)
{
	size_t len = 0;
	char *maps = tu_read_file("/proc/self/maps", &len);
	assert_non_null(maps);
	char *needle = xasprintf("/%s", prefix);
	bool found = strstr(maps, needle) != NULL;
	free(needle);
	free(maps);
	return found;
}

static void photo_lib__loads_the_libraries__at_the_first_photo_only(void **state)
{
	(void)state;
	if (!ui_photo_available())
		skip();
	const char *libs[] = {"libchafa", "libglib-2.0", "libjpeg", "libpng"};
	for (size_t i = 0; i < 4; i++)
		if (mapped(libs[i]))
			fail_msg("%s is loaded before any photo", libs[i]);
	char *path = tu_source_path("tests/data/photos/mole.jpg");
	size_t len = 0;
	unsigned char *data = (unsigned char *)tu_read_file(path, &len);
	assert_non_null(data);
	struct ui_photo p;
	const char *why = NULL;
	assert_int_equal(ui_photo_render(data, len, UI_GFX_MONO, 36, 10, false, &p, &why), 0);
	for (size_t i = 0; i < 4; i++)
		if (!mapped(libs[i]))
			fail_msg("%s is not loaded after a photo was drawn", libs[i]);
	ui_photo_free(&p);
	free(data);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(photo_lib__loads_the_libraries__at_the_first_photo_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
