/* libFuzzer target for the Twilio JSON parsers (tests/fuzz/run.sh fuzzes it; ctest replays its corpus). Build and run:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DSMSDESK_VERSION='"fuzz"' -I. tests/fuzz/fuzz_twilio_parse.c src/twilio_parse.c src/util.c $(pkg-config --cflags --libs libcjson) -lm -o fuzz_twilio_parse && ./fuzz_twilio_parse -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "src/twilio.h"

/* Feeds the bytes to the message, page and media-list parsers and the date parser; the sanitizers report what goes wrong. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct twilio_message m;
	struct twilio_page p;
	struct twilio_media_list ml;
	char *err = NULL;
	if (twilio_parse_message((const char *)data, size, &m, &err) == 0)
		twilio_message_free(&m);
	if (twilio_parse_page((const char *)data, size, &p, &err) == 0)
		twilio_page_free(&p);
	if (twilio_parse_media_list((const char *)data, size, &ml, &err) == 0)
		twilio_media_list_free(&ml);
	free(err);
	char *s = malloc(size + 1);
	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		(void)twilio_parse_date(s);
		free(s);
	}
	return 0;
}
