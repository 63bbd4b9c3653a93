/* SMS encoding (GSM 03.38 or UCS-2), segment count and cost. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "src/segments.h"

#define GSM_SINGLE 160
#define GSM_MULTI 153
#define UCS2_SINGLE 70
#define UCS2_MULTI 67
#define REPLACEMENT_CHAR 0xFFFDu

/* The GSM 03.38 basic character set, as Unicode code points (ESC at 0x1B left out: it is
 * the escape to the extension table, not a character one can send). */
static const uint16_t gsm_basic[] = {
    '@',    0x00A3, '$',    0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, '\n',   0x00D8, 0x00F8,
    '\r',   0x00C5, 0x00E5, 0x0394, '_',    0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398,
    0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, ' ',    '!',    '"',    '#',    0x00A4, '%',    '&',    '\'',
    '(',    ')',    '*',    '+',    ',',    '-',    '.',    '/',    '0',    '1',    '2',    '3',    '4',
    '5',    '6',    '7',    '8',    '9',    ':',    ';',    '<',    '=',    '>',    '?',    0x00A1, 'A',
    'B',    'C',    'D',    'E',    'F',    'G',    'H',    'I',    'J',    'K',    'L',    'M',    'N',
    'O',    'P',    'Q',    'R',    'S',    'T',    'U',    'V',    'W',    'X',    'Y',    'Z',    0x00C4,
    0x00D6, 0x00D1, 0x00DC, 0x00A7, 0x00BF, 'a',    'b',    'c',    'd',    'e',    'f',    'g',    'h',
    'i',    'j',    'k',    'l',    'm',    'n',    'o',    'p',    'q',    'r',    's',    't',    'u',
    'v',    'w',    'x',    'y',    'z',    0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: each costs the escape septet plus its own. */
static const uint16_t gsm_extension[] = {'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

/* Septets per code point below 0x400 (where every GSM character but the euro sign lies),
 * built once from the two tables: a message is counted on every keystroke and every send,
 * and a search of the 128-entry table per character cost 300 instructions each. */
#define SEPTET_TABLE 0x400
static uint8_t septet_table[SEPTET_TABLE];
static pthread_once_t septet_once = PTHREAD_ONCE_INIT;

static void septet_table_build(void)
{
	for (size_t i = 0; i < sizeof(gsm_extension) / sizeof(gsm_extension[0]); i++)
		if (gsm_extension[i] < SEPTET_TABLE)
			septet_table[gsm_extension[i]] = 2;
	for (size_t i = 0; i < sizeof(gsm_basic) / sizeof(gsm_basic[0]); i++)
		septet_table[gsm_basic[i]] = 1;
}

/* Septets cp takes in GSM-7: 1 (basic), 2 (extension), 0 when GSM-7 cannot carry it. */
static int gsm_septets(uint32_t cp)
{
	if (cp >= SEPTET_TABLE)
		return cp == 0x20AC ? 2 : 0; /* the euro sign, in the extension table */
	pthread_once(&septet_once, septet_table_build);
	return septet_table[cp];
}

/* Decodes one code point from s (n > 0 bytes left) into *cp; returns the bytes used.
 * A malformed sequence yields U+FFFD for its longest valid prefix (at least one byte). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp, bool *bad)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		need = 1, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3, v = c & 0x07, min = 0x10000;
	} else {
		*cp = REPLACEMENT_CHAR;
		*bad = true;
		return 1;
	}
	/* The second byte's range rules out overlong forms, surrogates and values past U+10FFFF
	 * (Unicode table 3-7). */
	unsigned char lo = 0x80, hi = 0xBF;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	size_t i = 1;
	for (; i <= need; i++) {
		if (i >= n || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			break;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (i <= need) {
		*cp = REPLACEMENT_CHAR;
		*bad = true;
		return i;
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*cp = REPLACEMENT_CHAR;
		*bad = true;
		return need + 1;
	}
	*cp = v;
	return need + 1;
}

/* Packs units of sizes 1 or 2 greedily into segments of per units, never splitting a pair. */
struct packer {
	size_t per;
	int segments;
	size_t fill;
};

static void pack(struct packer *p, size_t size)
{
	if (p->segments == 0 || p->fill + size > p->per) {
		p->segments++;
		p->fill = 0;
	}
	p->fill += size;
}

/* Counts segments for the given encoding over the whole text (second pass). */
static void count_packed(const unsigned char *s, size_t len, enum sms_encoding enc, struct segment_info *out)
{
	size_t single = enc == SMS_GSM7 ? GSM_SINGLE : UCS2_SINGLE;
	size_t multi = enc == SMS_GSM7 ? GSM_MULTI : UCS2_MULTI;
	if (out->units <= single) {
		out->segments = out->units == 0 ? 0 : 1;
		out->per_segment = single;
		out->remaining = single - out->units;
		return;
	}
	struct packer p = {.per = multi};
	bool bad = false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += utf8_next(s + i, len - i, &cp, &bad);
		size_t size = enc == SMS_GSM7 ? (size_t)gsm_septets(cp) : (cp > 0xFFFF ? 2u : 1u);
		pack(&p, size);
	}
	out->segments = p.segments;
	out->per_segment = multi;
	out->remaining = multi - p.fill;
}

void segments_count(const char *utf8, size_t len, struct segment_info *out)
{
	memset(out, 0, sizeof(*out));
	out->encoding = SMS_GSM7;
	const unsigned char *s = (const unsigned char *)(utf8 != NULL ? utf8 : "");
	if (utf8 == NULL)
		len = 0;
	size_t septets = 0, utf16 = 0;
	bool gsm = true;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += utf8_next(s + i, len - i, &cp, &out->invalid_utf8);
		out->chars++;
		int sep = gsm_septets(cp);
		if (sep == 0)
			gsm = false;
		septets += (size_t)sep;
		utf16 += cp > 0xFFFF ? 2 : 1;
	}
	out->encoding = gsm ? SMS_GSM7 : SMS_UCS2;
	out->units = gsm ? septets : utf16;
	count_packed(s, len, out->encoding, out);
}

const char *segments_encoding_name(enum sms_encoding e)
{
	return e == SMS_UCS2 ? "UCS-2" : "GSM-7";
}

int64_t segments_cost_micros(const struct segment_info *info, bool has_media, int64_t segment_price_micros,
			     int64_t mms_price_micros)
{
	if (has_media)
		return mms_price_micros > 0 ? mms_price_micros : SEGMENTS_MMS_PRICE_MICROS;
	if (info == NULL || info->segments <= 0)
		return 0;
	int64_t price = segment_price_micros > 0 ? segment_price_micros : SEGMENTS_PRICE_MICROS;
	return (int64_t)info->segments * price;
}

void segments_format_cost(int64_t micros, char *out, size_t len)
{
	if (out == NULL || len == 0)
		return;
	/* Unsigned magnitude so INT64_MIN does not overflow. */
	uint64_t mag = micros < 0 ? (uint64_t)0 - (uint64_t)micros : (uint64_t)micros;
	uint64_t dollars = mag / 1000000u, frac = mag % 1000000u;
	char digits[7];
	snprintf(digits, sizeof(digits), "%06llu", (unsigned long long)frac);
	/* Four decimals, more only when the last ones are not zero. */
	size_t keep = 6;
	while (keep > 4 && digits[keep - 1] == '0')
		keep--;
	digits[keep] = '\0';
	snprintf(out, len, "%s$%llu.%s", micros < 0 ? "-" : "", (unsigned long long)dollars, digits);
}
