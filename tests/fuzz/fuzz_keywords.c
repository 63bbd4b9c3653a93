/* libFuzzer target for keyword normalisation and classification (tests/fuzz/run.sh fuzzes it; ctest replays its corpus). Build and run:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DSMSDESK_VERSION='"fuzz"' -I.
 * tests/fuzz/fuzz_keywords.c src/keywords.c src/util.c src/version.c $(pkg-config --cflags --libs libsodium)
 * -o fuzz_keywords && ./fuzz_keywords -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "src/keywords.h"

/* The normalised text must hold no ASCII control byte, no space at either end, no double space. */
static void check_normalized(const char *n)
{
	size_t len = strlen(n);
	if (len > 0 && (n[0] == ' ' || n[len - 1] == ' '))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];
		if (c < 0x20 || c == 0x7f)
			abort();
		if (c == ' ' && n[i + 1] == ' ')
			abort();
	}
}

/* Splits the input at the first NUL: the body, then a custom keyword row's keyword and reply
 * (also rendered as a template with a hostile clinic name). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *body = buf;
	size_t blen = strlen(buf);
	const char *rest = blen < size ? buf + blen + 1 : "";

	char *n = keywords_normalize(body);
	check_normalized(n);
	/* Normalising twice changes nothing. */
	char *n2 = keywords_normalize(n);
	if (strcmp(n, n2) != 0)
		abort();
	free(n2);

	char kw[] = "FUZZ", act[] = "reply", stop[] = "STOP", opt_out[] = "opt_out";
	struct auto_response rows[2] = {
	    {.id = 1,
	     .keyword = stop,
	     .action = opt_out,
	     .reply_text = (char *)rest,
	     .is_system = true,
	     .enabled = false},
	    {.id = 2,
	     .keyword = *rest ? (char *)rest : kw,
	     .action = act,
	     .reply_text = (char *)rest,
	     .enabled = true},
	};
	struct kw_match m;
	keywords_classify(body, rows, 2, &m);
	if (strlen(m.keyword) > KEYWORD_MAX)
		abort();
	if (m.action == KW_OPT_OUT && !m.law && m.row == NULL)
		abort();
	/* STOP can never be disabled: a disabled system STOP row still opts out. */
	if (strcmp(n, "STOP") == 0 && m.action != KW_OPT_OUT)
		abort();
	enum kw_action a;
	(void)keywords_is_law_word(n, &a);
	(void)keywords_possible_optout(body);
	char *r = keywords_render(rest, body, "+13125550100");
	free(r);
	free(n);
	free(buf);
	return 0;
}
