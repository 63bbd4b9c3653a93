/* Tests for src/media_open.c: which way a photo is opened, from the environment (a viewer of
 * the user's choice first; xdg-open only on a local display, never over SSH). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "src/media_open.h"

static enum media_opener pick(const char *const *env, const char **why)
{
	tu_fake_env = env;
	return media_opener_pick(tu_fake_getenv, why);
}

static void media_opener_pick__follows_the_table__for_each_environment(void **state)
{
	(void)state;
	const char *why = NULL;
	const char *viewer[] = {"SMSDESK_VIEWER=/usr/bin/feh", "SSH_CONNECTION=1 2 3 4", NULL};
	assert_int_equal(pick(viewer, &why), MEDIA_OPEN_VIEWER); /* the user's explicit choice wins */
	assert_null(why);
	const char *ssh[] = {"DISPLAY=:0", "SSH_CONNECTION=10.0.0.9 5022 10.0.0.1 22", NULL};
	assert_int_equal(pick(ssh, &why), MEDIA_OPEN_NONE);
	assert_non_null(strstr(why, "over SSH"));
	const char *ssh_tty[] = {"WAYLAND_DISPLAY=wayland-0", "SSH_TTY=/dev/pts/3", NULL};
	assert_int_equal(pick(ssh_tty, &why), MEDIA_OPEN_NONE);
	const char *headless[] = {"SMSDESK_VIEWER=", "DISPLAY=", NULL};
	assert_int_equal(pick(headless, &why), MEDIA_OPEN_NONE);
	assert_non_null(strstr(why, "no DISPLAY or WAYLAND_DISPLAY"));
	/* a local display: xdg-open when it is installed, else words that say it is missing */
	const char *local[] = {"DISPLAY=:0", NULL};
	enum media_opener o = pick(local, &why);
	if (o == MEDIA_OPEN_NONE)
		assert_non_null(strstr(why, "xdg-open"));
	else
		assert_int_equal(o, MEDIA_OPEN_XDG);
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(pick(local, &why), MEDIA_OPEN_NONE);
	assert_non_null(strstr(why, "xdg-open"));
}

static void media_open__refuses_and_writes_nothing__without_a_way_to_open(void **state)
{
	(void)state;
	char *path = NULL, *err = NULL;
	unsetenv("SMSDESK_VIEWER");
	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	setenv("SSH_CONNECTION", "10.0.0.9 5022 10.0.0.1 22", 1);
	/* no store is touched: the refusal comes before anything is decrypted or written */
	assert_int_equal(media_open(NULL, NULL, 1, 1, "t", &path, &err), -1);
	assert_null(path);
	assert_non_null(strstr(err, "over SSH"));
	free(err);
	media_open_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(media_opener_pick__follows_the_table__for_each_environment),
		cmocka_unit_test(media_open__refuses_and_writes_nothing__without_a_way_to_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
