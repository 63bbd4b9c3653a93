/* The new-campaign form (ui/campaign_form.c) and its preview (ui/campaign_preview.c), opened
 * from the campaigns screen by admins. The draft belongs to the campaigns screen, so leaving
 * the form (Esc, a refused preview, a lock) loses nothing: `n` comes back to it as it was.
 * Owner: ui/campaign_form.c */
#ifndef SMSDESK_UI_CAMPAIGN_FORM_H
#define SMSDESK_UI_CAMPAIGN_FORM_H
#include <stdbool.h>
#include <stdint.h>
#include "src/campaign.h"
#include "ui/auth_ui.h"

enum cf_row { CF_NAME, CF_KIND, CF_OVERDUE, CF_BEFORE, CF_FOLLOWUP, CF_PROVIDER, CF_UPCOMING, CF_BODY, CF_PACE, CF_ROWS };

struct campaign_draft {
	bool ready;                /* the fields are set up */
	struct ui_field f[CF_ROWS]; /* the text rows (kind and upcoming are toggles) */
	bool marketing, no_upcoming;
	int sel;                   /* the row with the cursor */
	char *problem;             /* why the last preview was refused, in words; NULL */
	int64_t created;           /* the campaign just made, for the list to select; 0 */
};

/* Sets the fields up once (no-op when ready). */
void campaign_draft_init(struct campaign_draft *d);
/* Frees the fields; the draft is empty again. */
void campaign_draft_free(struct campaign_draft *d);
/* The row's text (malloc'd UTF-8, "" for toggles). */
char *campaign_draft_text(const struct campaign_draft *d, enum cf_row r);

/* The draft's filter and text, as the command line would read them: fills *f (its strings point
 * into *hold, which the caller frees with campaign_draft_hold_free) and the text and name
 * (malloc'd). -1 with *err in words when a field is refused. */
struct campaign_draft_hold {
	char *text[CF_ROWS];
};
int campaign_draft_read(const struct campaign_draft *d, const struct tenant *t, int64_t now, struct campaign_filter *f,
			struct campaign_draft_hold *hold, char **err);
void campaign_draft_hold_free(struct campaign_draft_hold *hold);

#endif
