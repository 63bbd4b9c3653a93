/* Campaigns, the filter as people type it: the command line's options and the console's form
 * fields go through this one parser, so both accept and refuse the same things in the same
 * words; and the checks of a campaign's name. The filter's meaning: src/campaign.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/campaign.h"
#include "src/segments.h"
#include "src/tz.h"
#include "src/util.h"

/* True when s is NULL or only spaces: "not given" (an empty form field). */
static bool blank(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/* True when s is valid UTF-8 (the segment counter notes bad bytes). */
static bool utf8_valid(const char *s)
{
	struct segment_info si;
	segments_count(s, strlen(s), &si);
	return !si.invalid_utf8;
}

/* A whole number from min to max, nothing else (no sign, no spaces, no "12abc"). */
static bool parse_num(const char *s, int min, int max, int *out)
{
	long v = 0;
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 1000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

int campaign_filter_parse(const struct campaign_filter_text *in, const struct tenant *t, int64_t now,
			  struct campaign_filter *f, char **err)
{
	memset(f, 0, sizeof(*f));
	f->tenant_id = t->id;
	f->kind = in->kind;
	f->provider = blank(in->provider) ? NULL : in->provider;
	f->no_upcoming = in->no_upcoming;
	const char *tz = t->timezone && *t->timezone ? t->timezone : "UTC";
	if (!blank(in->overdue_months) && !parse_num(in->overdue_months, 1, 240, &f->overdue_months))
		return seterr(err, "overdue months must be a whole number from 1 to 240");
	if (!blank(in->last_visit_before) && tz_parse_day(in->last_visit_before, tz, now, &f->last_visit_before) != 0)
		return seterr(err, "last visit before must be a date like 2025-12-01, or Nd for N days ago");
	if (!blank(in->followup_days) && !parse_num(in->followup_days, 1, 3650, &f->followup_days))
		return seterr(err, "follow-up days must be a whole number from 1 to 3650");
	if (f->provider != NULL && f->followup_days == 0)
		return seterr(err, "a provider goes with follow-up days (the follow-up visit's provider)");
	if (f->provider != NULL && (!utf8_valid(f->provider) || strlen(f->provider) > 120))
		return seterr(err, "the provider must be a name of at most 120 characters");
	int pace = campaign_pace(t);
	if (!blank(in->per_minute) && !parse_num(in->per_minute, 1, pace, &f->per_minute))
		return seterr(err, "the pace must be a whole number of texts a minute from 1 to %d (the location's pace; "
				   "settings set send_per_minute N)", pace);
	return 0;
}

int campaign_check_name(const char *name, char **err)
{
	if (blank(name))
		return seterr(err, "the campaign needs a name");
	if (!utf8_valid(name))
		return seterr(err, "the name is not valid UTF-8 text");
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return seterr(err, "the name holds a control character");
		/* Bidi overrides and isolates would make a listing lie about its other columns. */
		if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
			return seterr(err, "the name holds a text-direction control");
		chars += (*p & 0xc0) != 0x80;
	}
	if (chars > CAMPAIGN_NAME_MAX)
		return seterr(err, "the name is %zu characters long; at most %d", chars, CAMPAIGN_NAME_MAX);
	return 0;
}
