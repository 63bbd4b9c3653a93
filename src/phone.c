/* Phone numbers: E.164 formatting, validation, display, masking. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "src/phone.h"
#include "src/util.h"

/* Longest input we look at: anything longer is not a phone number someone typed. */
#define PHONE_INPUT_MAX 64
/* Shortest and longest international number, country code included. */
#define PHONE_INTL_MIN 8
#define PHONE_INTL_MAX 15

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when the text at p is an extension marker ("x123", "ext. 5", "extension 12", "#12")
 * followed by digits up to the end. */
static bool is_extension(const char *p)
{
	if (strncasecmp(p, "extension", 9) == 0)
		p += 9;
	else if (strncasecmp(p, "ext", 3) == 0)
		p += 3;
	else if (*p == 'x' || *p == 'X' || *p == '#' || *p == ',' || *p == ';')
		p++;
	else
		return false;
	while (*p == ' ' || *p == '.' || *p == ':' || *p == '#')
		p++;
	if (!is_digit(*p))
		return false;
	while (is_digit(*p) || *p == ' ')
		p++;
	return *p == '\0';
}

/* Checks a +1 number's ten national digits against the NANP rules; NULL when fine. */
static const char *nanp_problem(const char *d)
{
	if (d[0] == '0' || d[0] == '1')
		return "the area code cannot start with 0 or 1";
	if (d[1] == '1' && d[2] == '1')
		return "N11 codes (such as 911 or 411) are not area codes";
	/* Area code 555 is not in service: it is the fiction and test prefix everyone uses
	 * ("(555) 123-4567"), so its made-up exchanges are let through. */
	if ((d[3] == '0' || d[3] == '1') && memcmp(d, "555", 3) != 0)
		return "the exchange (the 3 digits after the area code) cannot start with 0 or 1";
	return NULL;
}

/* Collects the digits of input, checking every other character; -1 with *err on bad input.
 * *plus is set when the number began with '+'. */
static int collect_digits(const char *input, char *digits, size_t cap, size_t *n, bool *plus, char **err)
{
	size_t len = strnlen(input, PHONE_INPUT_MAX + 1);
	if (len > PHONE_INPUT_MAX)
		return seterr(err, "the phone number is too long");
	*n = 0;
	*plus = false;
	bool seen_digit = false;
	for (size_t i = 0; i < len; i++) {
		char c = input[i];
		if (is_digit(c)) {
			if (*n < cap)
				digits[*n] = c;
			(*n)++;
			seen_digit = true;
		} else if (c == '+') {
			if (*plus)
				return seterr(err, "the phone number has more than one '+'");
			if (seen_digit)
				return seterr(err, "a '+' may only begin the phone number");
			*plus = true;
		} else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '\t') {
			continue;
		} else if (seen_digit && is_extension(input + i)) {
			return seterr(err, "the phone number has an extension: texts cannot reach an "
					   "extension, enter the mobile number only");
		} else if (is_alpha(c)) {
			return seterr(err,
				      "the phone number contains letters: enter digits only "
				      "(vanity numbers like 1-800-FLOWERS must be spelled out as digits)");
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			return seterr(err, "the phone number contains control characters");
		} else {
			return seterr(err,
				      "the phone number contains '%c' (only digits, spaces, "
				      "'+', '-', '.' and parentheses are allowed)",
				      (unsigned char)c < 0x80 ? c : '?');
		}
	}
	return 0;
}

/* Writes the international digits (country code first) as E.164 into out. */
static int finish_intl(const char *d, size_t n, char out[PHONE_E164_MAX], char **err)
{
	if (n == 0)
		return seterr(err, "the phone number has no digits");
	if (d[0] == '0')
		return seterr(err, "a country code cannot start with 0");
	if (n > PHONE_INTL_MAX)
		return seterr(err, "the phone number is too long (%zu digits; at most %d)", n,
			      PHONE_INTL_MAX);
	if (d[0] == '1') {
		if (n != 11)
			return seterr(err,
				      "the phone number is too %s: a +1 (US/Canada) number has 10 digits "
				      "after the +1, this one has %zu",
				      n < 11 ? "short" : "long", n - 1);
		const char *why = nanp_problem(d + 1);
		if (why != NULL)
			return seterr(err, "not a valid US/Canada number: %s", why);
	}
	if (n < PHONE_INTL_MIN)
		return seterr(err,
			      "the phone number is too short (%zu digits; at least %d with the country code)",
			      n, PHONE_INTL_MIN);
	out[0] = '+';
	memcpy(out + 1, d, n);
	out[n + 1] = '\0';
	return 0;
}

int phone_to_e164(const char *input, char out[PHONE_E164_MAX], char **err)
{
	char d[PHONE_INPUT_MAX + 1];
	size_t n = 0;
	bool plus = false;
	if (out != NULL)
		out[0] = '\0';
	if (input == NULL)
		return seterr(err, "no phone number given");
	if (collect_digits(input, d, sizeof(d), &n, &plus, err) != 0)
		return -1;
	if (n == 0)
		return seterr(err, plus ? "the phone number has no digits after the '+'"
					: "the phone number is empty");
	char tmp[PHONE_E164_MAX];
	int rc;
	if (plus) {
		rc = finish_intl(d, n, tmp, err);
	} else if (n > 3 && memcmp(d, "011", 3) == 0) {
		/* 011 is how one dials out of the US: the same as a leading '+'. */
		if (n > 4 && d[3] == '1')
			return seterr(err, "011 dials out of the US; a +1 number is dialled without it");
		rc = finish_intl(d + 3, n - 3, tmp, err);
	} else if (n == 10) {
		char full[11];
		full[0] = '1';
		memcpy(full + 1, d, 10);
		rc = finish_intl(full, 11, tmp, err);
	} else if (n == 11 && d[0] == '1') {
		rc = finish_intl(d, 11, tmp, err);
	} else if (n < 10) {
		return seterr(err,
			      "the phone number is too short (%zu digits; a US number has 10, "
			      "other countries need a leading +)",
			      n);
	} else {
		return seterr(err,
			      "the phone number is too long for a US number (%zu digits); "
			      "start international numbers with +",
			      n);
	}
	if (rc != 0)
		return -1;
	if (out != NULL)
		memcpy(out, tmp, strlen(tmp) + 1);
	return 0;
}

bool phone_is_e164(const char *s)
{
	char norm[PHONE_E164_MAX];
	if (s == NULL || s[0] != '+')
		return false;
	if (phone_to_e164(s, norm, NULL) != 0)
		return false;
	return strcmp(norm, s) == 0;
}

/* Copies s into out, replacing anything that is not printable ASCII with '?'. */
static void copy_printable(const char *s, char *out, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; s[i] != '\0' && j + 1 < len && i < PHONE_INPUT_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[j] = '\0';
}

void phone_display(const char *e164, char *out, size_t len)
{
	if (out == NULL || len == 0)
		return;
	out[0] = '\0';
	if (e164 == NULL)
		return;
	if (phone_is_e164(e164) && e164[1] == '1') {
		snprintf(out, len, "(%.3s) %.3s-%.4s", e164 + 2, e164 + 5, e164 + 8);
		return;
	}
	copy_printable(e164, out, len);
}

void phone_mask(const char *e164, char *out, size_t len)
{
	if (out == NULL || len == 0)
		return;
	if (e164 == NULL || !phone_is_e164(e164)) {
		snprintf(out, len, "***");
		return;
	}
	size_t n = strlen(e164);
	if (e164[1] == '1') {
		snprintf(out, len, "(***) ***-%s", e164 + n - 4);
		return;
	}
	/* Keep the '+', stars for every hidden digit, then the last four. */
	char buf[PHONE_E164_MAX];
	buf[0] = '+';
	for (size_t i = 1; i < n - 4; i++)
		buf[i] = '*';
	memcpy(buf + n - 4, e164 + n - 4, 5);
	snprintf(out, len, "%s", buf);
}

bool phone_equal(const char *a, const char *b)
{
	char na[PHONE_E164_MAX], nb[PHONE_E164_MAX];
	if (phone_to_e164(a, na, NULL) != 0 || phone_to_e164(b, nb, NULL) != 0)
		return false;
	return strcmp(na, nb) == 0;
}

bool phone_is_likely_us_mobile(const char *e164)
{
	static const char *const toll_free[] = {"800", "833", "844", "855", "866", "877", "888"};
	if (!phone_is_e164(e164) || e164[1] != '1')
		return false;
	const char *area = e164 + 2, *exchange = e164 + 5, *line = e164 + 8;
	for (size_t i = 0; i < sizeof(toll_free) / sizeof(toll_free[0]); i++)
		if (memcmp(area, toll_free[i], 3) == 0)
			return false;
	/* 555-0100 to 555-0199 are reserved for fiction in every area code. */
	if (memcmp(exchange, "555", 3) == 0 && line[0] == '0' && line[1] == '1')
		return false;
	return true;
}
