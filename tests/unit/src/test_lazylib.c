/* Tests for src/lazylib.c: a soname loaded and its functions resolved, all or nothing. */
#include "testutil.h"
#include <string.h>
#include "src/lazylib.h"

static const char *const one[] = {"curl_version"};

static void lazylib_resolve__fills__when_library_has_every_name(void **state)
{
	(void)state;
	void (*fn[1])(void) = {NULL};
	char why[200] = "";
	assert_int_equal(lazylib_resolve("libcurl.so.4", one, 1, fn, "libcurl4", why, sizeof why), 0);
	assert_non_null(fn[0]);
	char *(*version)(void) = (char *(*)(void))fn[0];
	assert_int_equal(strncmp(version(), "libcurl/", 8), 0);
}

static void lazylib_resolve__refuses_in_words__when_path_missing_or_incomplete(void **state)
{
	(void)state;
	void (*fn[2])(void) = {NULL, NULL};
	char why[300] = "";
	/* a path would let whoever controls it choose the code: never loaded */
	assert_int_equal(lazylib_resolve("/tmp/libcurl.so.4", one, 1, fn, "libcurl4", why, sizeof why), -1);
	assert_non_null(strstr(why, "never a path"));
	assert_null(fn[0]);
	/* a library that is not installed: the package to install */
	assert_int_equal(lazylib_resolve("libsmsdesk-none.so.9", one, 1, fn, "the foo package", why, sizeof why), -1);
	assert_non_null(strstr(why, "libsmsdesk-none.so.9"));
	assert_non_null(strstr(why, "the foo package"));
	/* one missing function: nothing is filled, the missing name is given */
	const char *const two[] = {"curl_version", "curl_no_such_function"};
	assert_int_equal(lazylib_resolve("libcurl.so.4", two, 2, fn, "libcurl4", why, sizeof why), -1);
	assert_non_null(strstr(why, "curl_no_such_function"));
	assert_null(fn[0]);
	assert_null(fn[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lazylib_resolve__fills__when_library_has_every_name),
		cmocka_unit_test(lazylib_resolve__refuses_in_words__when_path_missing_or_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
