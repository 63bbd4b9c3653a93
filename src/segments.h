/* SMS encoding, segment count and cost. Owner: src/segments.c */
#ifndef SMSDESK_SEGMENTS_H
#define SMSDESK_SEGMENTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sms_encoding { SMS_GSM7, SMS_UCS2 };

#define SEGMENTS_PRICE_MICROS 7900	/* $0.0079 per US SMS segment (default) */
#define SEGMENTS_MMS_PRICE_MICROS 20000 /* $0.0200 per US MMS (default) */
#define SEGMENTS_MAX_CHARS 1600		/* Twilio's longest Body */

struct segment_info {
	enum sms_encoding encoding;
	size_t chars;	    /* Unicode code points */
	size_t units;	    /* septets (GSM-7) or UTF-16 code units (UCS-2) */
	int segments;	    /* 0 for an empty body */
	size_t per_segment; /* 160/153 or 70/67 as applies */
	size_t remaining;   /* units left in the last segment */
	bool invalid_utf8;  /* bad bytes were counted as U+FFFD (forcing UCS-2) */
};

/* Counts len bytes of utf8 (NUL bytes included; NULL counts as empty). Multipart messages
 * are packed greedily, never splitting an escape pair or a surrogate pair across segments. */
void segments_count(const char *utf8, size_t len, struct segment_info *out);
const char *segments_encoding_name(enum sms_encoding e); /* "GSM-7" / "UCS-2" */
/* Cost in millionths of a dollar: segments x price, or the MMS price when has_media.
 * A price <= 0 means the default above. */
int64_t segments_cost_micros(const struct segment_info *info, bool has_media, int64_t segment_price_micros,
			     int64_t mms_price_micros);
/* "$0.0158" into out: four decimals, more when needed not to lose precision. */
void segments_format_cost(int64_t micros, char *out, size_t len);

#endif
