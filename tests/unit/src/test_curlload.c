/* Tests for src/curlload.c: libcurl loaded at the first call, not at exec. */
#include "testutil.h"
#include <string.h>
#include "src/curlload.h"
#include "src/twilio.h"

static void curlload__loads_once__when_first_called(void **state)
{
	(void)state;
	/* this program does not link libcurl: nothing loaded it yet */
	assert_false(curlload_done());
	const struct curlload_api *a = curlload();
	assert_true(curlload_done());
	assert_null(curlload_error());
	assert_ptr_equal(curlload(), a);
	assert_int_equal(strncmp(curl_version(), "libcurl/", 8), 0);
}

static void curlload__calls_libcurl__when_macros_used(void **state)
{
	(void)state;
	/* the calls of twilio.c and mediahttp.c, through the table */
	CURLU *u = curl_url();
	char *host = NULL;
	assert_non_null(u);
	assert_int_equal(curl_url_set(u, CURLUPART_URL, "https://api.twilio.com/2010-04-01", 0), CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
	assert_string_equal(host, "api.twilio.com");
	curl_free(host);
	curl_url_cleanup(u);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L), CURLE_OK);
	char *esc = curl_easy_escape(h, "a b+c", 0);
	assert_string_equal(esc, "a%20b%2Bc");
	curl_free(esc);
	long code = -1;
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
	assert_int_equal(code, 0);
	curl_easy_cleanup(h);
	/* and the URL rule that depends on curl's parser */
	assert_true(twilio_base_ok("https://api.twilio.com"));
	assert_false(twilio_base_ok("http://127.0.0.1:80@evil.example"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(curlload__loads_once__when_first_called),
		cmocka_unit_test(curlload__calls_libcurl__when_macros_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
