/* Tests for src/hl7.c: the strict reader (separators from MSH, escapes, repetitions), what it
 * refuses, times, escaping and ACKs. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "src/hl7.h"
#include "src/util.h"

/* An SIU^S12 as an EHR sends it (Epic-like field use). */
#define SIU_S12                                                                                             \
	"MSH|^~\\&|EPIC|NORTHSIDE|SMSDESK|MAIN|20261201083000||SIU^S12^SIU_S12|MSG00001|P|2.5.1\r"            \
	"SCH|P123^EPIC|F456^EPIC|||||ROUTINE^Routine visit||30|MIN|^^30^20261210143000-0600||||||||||||||Booked\r" \
	"PID|1||MRN001^^^NORTHSIDE^MR~998877^^^SSA^SS||O\\S\\Brien^Mary Ann||19800101|F|||1 Main St^^Chicago^IL"  \
	"||^PRN^PH^^1^312^5550100~^PRN^CP^^1^312^5550199\r"                                                       \
	"AIL|1||EXAM3^^^NORTHSIDE^^^^^Northside Clinic \\T\\ Lab\r"                                                \
	"AIP|1||1234^Lee^Ann^^^Dr.|ATTENDING\r"

/* Parses a literal; fails the test on error. */
static struct hl7_msg *parse(const char *text)
{
	struct hl7_msg *m = NULL;
	char *err = NULL;
	if (hl7_parse(text, strlen(text), &m, &err) != 0)
		fail_msg("parse: %s", err);
	return m;
}

/* Asserts hl7_get's value. */
static void expect(const struct hl7_msg *m, const char *seg, int field, int rep, int comp, int sub, const char *want)
{
	char *v = hl7_get(m, hl7_find(m, seg, 0), field, rep, comp, sub);
	assert_string_equal(v, want);
	free(v);
}

static void hl7_get__reads_fields_components_repetitions__when_siu(void **state)
{
	(void)state;
	struct hl7_msg *m = parse(SIU_S12);
	assert_int_equal(hl7_segment_count(m), 5);
	assert_string_equal(hl7_segment_name(m, 4), "AIP");
	expect(m, "MSH", 1, 0, 0, 0, "|");
	expect(m, "MSH", 2, 0, 0, 0, "^~\\&");
	expect(m, "MSH", 9, 0, 1, 0, "SIU");
	expect(m, "MSH", 9, 0, 2, 0, "S12");
	expect(m, "MSH", 10, 0, 1, 0, "MSG00001");
	expect(m, "SCH", 2, 0, 1, 0, "F456");
	expect(m, "SCH", 11, 0, 4, 0, "20261210143000-0600");
	expect(m, "SCH", 25, 0, 1, 0, "Booked");
	expect(m, "PID", 3, 1, 1, 0, "998877");
	expect(m, "PID", 3, 1, 5, 0, "SS");
	expect(m, "PID", 5, 0, 1, 0, "O^Brien");          /* \S\ decoded */
	expect(m, "PID", 5, 0, 2, 0, "Mary Ann");
	expect(m, "PID", 13, 1, 3, 0, "CP");
	expect(m, "AIL", 3, 0, 9, 0, "Northside Clinic & Lab"); /* \T\ decoded */
	expect(m, "AIL", 3, 0, 4, 1, "NORTHSIDE");
	expect(m, "PID", 40, 0, 1, 0, "");                 /* absent: empty, never NULL */
	expect(m, "PID", 3, 5, 1, 0, "");
	assert_int_equal(hl7_repetitions(m, hl7_find(m, "PID", 0), 13), 2);
	assert_int_equal(hl7_find(m, "ZZZ", 0), -1);
	hl7_free(&m);
	assert_null(m);
}

static void hl7_get__uses_the_message_separators__when_not_standard(void **state)
{
	(void)state;
	/* '#' for fields, '!' components, '*' repetitions, '$' escape, '%' subcomponents. */
	struct hl7_msg *m = parse("MSH#!*$%#A#B#C#D#20261201##ADT!A08#X1#P#2.5\nPID#1##ID1!!!!MR*ID2##Doe!J$F$r\n");
	expect(m, "MSH", 9, 0, 2, 0, "A08");
	expect(m, "PID", 3, 1, 1, 0, "ID2");
	expect(m, "PID", 5, 0, 2, 0, "J#r"); /* $F$ is the field separator, whatever it is */
	hl7_free(&m);
}

static void hl7_get__decodes_every_escape__when_present(void **state)
{
	(void)state;
	struct hl7_msg *m = parse("MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\r"
				  "NTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\H\\g\\N\\h\\X414243\\i\\.br\\j\r");
	expect(m, "NTE", 3, 0, 1, 0, "a|b^c&d~e\\fghABCi j");
	hl7_free(&m);
}

/* Asserts that text is refused with a message containing want. */
static void refused(const char *text, size_t len, const char *want)
{
	struct hl7_msg *m = NULL;
	char *err = NULL;
	assert_int_equal(hl7_parse(text, len, &m, &err), -1);
	assert_null(m);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	free(err);
}
#define REFUSED(lit, want) refused(lit, sizeof(lit) - 1, want)

static void hl7_parse__refuses__when_malformed(void **state)
{
	(void)state;
	REFUSED("", "empty");
	REFUSED("PID|1||X\r", "MSH");
	REFUSED("MSH|^~\rPID|1\r", "encoding");
	REFUSED("MSH|^^\\&|A\r", "same separator");
	REFUSED("MSHa^~\\&aAaB\r", "punctuation");
	REFUSED("MSH|^~\\&|A\rpid|1\r", "three-letter");
	REFUSED("MSH|^~\\&|A\rPID1|x\r", "three-letter");
	REFUSED("MSH|^~\\&|A\rPID|a\\Q\\b\r", "escape");
	REFUSED("MSH|^~\\&|A\rPID|a\\F\r", "escape");
	REFUSED("MSH|^~\\&|A\rPID|a\\X4\\b\r", "escape");
	REFUSED("MSH|^~\\&|A\rPID|a\033[2Jb\r", "control character");
	REFUSED("MSH|^~\\&|A\rPID|a\xff\xfe\r", "UTF-8");
	REFUSED("MSH|^~\\&|A\rPID|a\0b\r", "NUL");
	REFUSED("MSH|^~\\&|A\rMSH|^~\\&|B\r", "second MSH");
	char *big = xcalloc(1, HL7_MAX_BYTES + 2);
	memcpy(big, "MSH|^~\\&|A|", 11);
	memset(big + 11, 'x', HL7_MAX_BYTES - 10);
	refused(big, strlen(big), "more than");
	free(big);
}

static void hl7_parse_time__reads_offsets_and_zones__when_valid(void **state)
{
	(void)state;
	long long t = 0;
	char *err = NULL;
	assert_int_equal(hl7_parse_time("20261210143000-0600", NULL, &t, &err), 0);
	assert_int_equal(t, 1796934600); /* 2026-12-10 20:30 UTC */
	assert_int_equal(hl7_parse_time("202612101430", "America/Chicago", &t, &err), 0);
	assert_int_equal(t, 1796934600);
	assert_int_equal(hl7_parse_time("20261210143000.1234+0000", "America/Chicago", &t, &err), 0);
	assert_int_equal(t, 1796913000);
	assert_int_equal(hl7_parse_time("20261210", "UTC", &t, &err), 0);
	assert_int_equal(t, 1796860800);
	const char *bad[] = {"2026121", "20261310", "202612101", "20261210146000", "20261210143000+9900", "2026x210",
			     "20261210143000Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hl7_parse_time(bad[i], "UTC", &t, &err), -1);
		xfree(&err);
	}
}

static void hl7_escape__round_trips__through_the_reader(void **state)
{
	(void)state;
	char *e = hl7_escape("A|B^C~D\\E&F\rG");
	assert_string_equal(e, "A\\F\\B\\S\\C\\R\\D\\E\\E\\T\\F G");
	char *msg = xasprintf("MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rNTE|1||%s\r", e);
	struct hl7_msg *m = parse(msg);
	expect(m, "NTE", 3, 0, 1, 0, "A|B^C~D\\E&F G");
	hl7_free(&m);
	free(msg);
	free(e);
}

static void hl7_ack__answers_the_control_id__and_reads_back(void **state)
{
	(void)state;
	struct hl7_msg *m = parse(SIU_S12);
	char *ack = hl7_ack(m, "AE", "no | such patient", "SD1");
	struct hl7_msg *a = parse(ack);
	expect(a, "MSH", 3, 0, 1, 0, "SMSDESK"); /* we answer as the app they addressed */
	expect(a, "MSH", 5, 0, 1, 0, "EPIC");
	expect(a, "MSH", 9, 0, 1, 0, "ACK");
	expect(a, "MSA", 1, 0, 1, 0, "AE");
	expect(a, "MSA", 2, 0, 1, 0, "MSG00001");
	expect(a, "ERR", 8, 0, 1, 0, "no | such patient");
	char *code = NULL, *ctl = NULL, *err = NULL;
	assert_int_equal(hl7_ack_read(ack, strlen(ack), &code, &ctl, &err), 0);
	assert_string_equal(code, "AE");
	assert_string_equal(ctl, "MSG00001");
	free(code);
	free(ctl);
	free(ack);
	hl7_free(&a);
	hl7_free(&m);
	/* No message at all (unparseable): still a readable AR. */
	ack = hl7_ack(NULL, "AR", "garbage", "SD2");
	a = parse(ack);
	expect(a, "MSA", 1, 0, 1, 0, "AR");
	expect(a, "MSA", 2, 0, 1, 0, "");
	hl7_free(&a);
	free(ack);
	assert_int_equal(hl7_ack_read("MSH|^~\\&|A\r", 11, &code, &ctl, &err), -1);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hl7_get__reads_fields_components_repetitions__when_siu),
		cmocka_unit_test(hl7_get__uses_the_message_separators__when_not_standard),
		cmocka_unit_test(hl7_get__decodes_every_escape__when_present),
		cmocka_unit_test(hl7_parse__refuses__when_malformed),
		cmocka_unit_test(hl7_parse_time__reads_offsets_and_zones__when_valid),
		cmocka_unit_test(hl7_escape__round_trips__through_the_reader),
		cmocka_unit_test(hl7_ack__answers_the_control_id__and_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
