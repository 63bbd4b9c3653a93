/* libFuzzer target for the streaming CSV reader of imports (tests/fuzz/run.sh fuzzes it; ctest replays its corpus). Build and run:
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DSMSDESK_VERSION='"fuzz"' -I.
 * tests/fuzz/fuzz_import_csv.c src/import_csv.c src/util.c src/version.c $(pkg-config --cflags --libs
 * libsodium sqlite3) -o fuzz_import_csv && ./fuzz_import_csv -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/import.h"

/* Reads every record of the bytes as a CSV file; fields must be NUL-terminated and within the
 * record caps, line numbers must never go backwards, and the reader must reach the end. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (f == NULL)
		return 0;
	struct import_csv *c = import_csv_open(f);
	char **fields;
	size_t n, line, last = 0, records = 0;
	char *err = NULL;
	int rc;
	while ((rc = import_csv_next(c, &fields, &n, &line, &err)) != 0) {
		if (line < last || ++records > size + 1)
			abort(); /* lines go forward; each record eats at least one byte */
		last = line;
		if (rc == 1) {
			if (n == 0 || n > IMPORT_FIELDS_MAX)
				abort();
			for (size_t i = 0; i < n; i++)
				if (strlen(fields[i]) > size)
					abort();
		} else if (err == NULL) {
			abort(); /* a refused record says why */
		}
		free(err);
		err = NULL;
	}
	import_csv_close(&c);
	fclose(f);
	return 0;
}
