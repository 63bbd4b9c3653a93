/* libFuzzer target for the HL7 v2 reader and the SIU/ADT mapping. tests/fuzz/run.sh fuzz_hl7 fuzzes it (clang);
 * ctest replays the kept corpus tests/fuzz/corpus/fuzz_hl7/ (fuzz__fuzz_hl7). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "src/ehr.h"
#include "src/hl7.h"

/* Parses the bytes; a parsed message must have segments with three-letter names, every field
 * read must be a NUL-terminated string without CR or LF, its ACK must parse again, and the
 * mapping must either succeed or say why. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl7_msg *m = NULL;
	char *err = NULL;
	if (hl7_parse((const char *)data, size, &m, &err) != 0) {
		if (err == NULL)
			abort(); /* a refusal always says why */
		free(err);
		char *ack = hl7_ack(NULL, "AR", "x", "C");
		free(ack);
		return 0;
	}
	size_t n = hl7_segment_count(m);
	if (n == 0 || strlen(hl7_segment_name(m, 0)) != 3)
		abort();
	for (size_t s = 0; s < n && s < 20; s++)
		for (int f = 1; f < 12; f++)
			for (int c = 0; c < 4; c++) {
				char *v = hl7_get(m, (int)s, f, c % 2, c, c == 3 ? 1 : 0);
				if (v == NULL || strchr(v, '\r') != NULL || strchr(v, '\n') != NULL)
					abort();
				free(v);
			}
	char *ack = hl7_ack(m, "AE", "fuzz", "C1");
	struct hl7_msg *back = NULL;
	if (hl7_parse(ack, strlen(ack), &back, &err) != 0)
		abort(); /* our own ACK, built from their fields, must be valid HL7 */
	hl7_free(&back);
	free(ack);
	struct ehr_msg_in in = {0};
	if (ehr_map_header(m, &in, &err) == 0 && ehr_supported(in.type, in.trigger) &&
	    ehr_map_body(m, "America/Chicago", &in, &err) == 0) {
		if (in.patient.external_id != NULL && in.patient.external_id[0] == '\0')
			abort();
	}
	free(err);
	ehr_msg_in_free(&in);
	hl7_free(&m);
	return 0;
}
