/* libFuzzer target for the FHIR R4 Bundle reader. tests/fuzz/run.sh fuzz_fhir fuzzes it (clang);
 * ctest replays the kept corpus tests/fuzz/corpus/fuzz_fhir/ (fuzz__fuzz_fhir). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "src/fhir.h"

/* Reads the bytes as a Bundle; a refusal says why; what was read holds only E.164 numbers
 * and durations in range. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fhir_bundle b;
	char *err = NULL;
	if (fhir_bundle_parse((const char *)data, size, &b, &err) != 0) {
		if (err == NULL)
			abort();
		free(err);
		return 0;
	}
	for (size_t i = 0; i < b.np; i++)
		if ((b.patients[i].mobile && b.patients[i].mobile[0] != '+') ||
		    (b.patients[i].landline && b.patients[i].landline[0] != '+'))
			abort();
	for (size_t i = 0; i < b.na; i++)
		if (b.appts[i].duration_min < 0 || b.appts[i].duration_min > 1440)
			abort();
	fhir_bundle_free(&b);
	return 0;
}
