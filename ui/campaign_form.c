/* The new-campaign form (admins, from the campaigns screen's `n`): name, care or marketing, the
 * same filters as `smsdesk campaign create` read by the same parser (campaign_filter_parse),
 * the text checked as everywhere (campaign_check_body), a pace of its own; Ctrl-P (or Enter
 * on the last row) opens the preview, which counts who would be texted and who is left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/segments.h"
#include "src/util.h"
#include "ui/campaign_form.h"
#include "ui/text.h"

/* Room in the fields: more than the limits, so an over-long name or text is kept and refused
 * in words (with its length) rather than cut while typing. */
#define NAME_ROOM 200
#define BODY_ROOM 2000
#define SHORT_ROOM 40

enum { FA_NEXT = 1, FA_PREV, FA_TOGGLE, FA_PREVIEW, FA_BACK };

static const struct keybinding form_keys[] = {
	{'\t', false, FA_NEXT, "Tab", "next field", true},
	{KEY_DOWN, true, FA_NEXT, "Down", "next field", false},
	{'\r', false, FA_NEXT, "Enter", "next field (on the last: preview)", false},
	{'\n', false, FA_NEXT, "Enter", "next field (on the last: preview)", false},
	{KEY_ENTER, true, FA_NEXT, "Enter", "next field (on the last: preview)", false},
	{KEY_BTAB, true, FA_PREV, "S-Tab/Up", "previous field", false},
	{KEY_UP, true, FA_PREV, "Up", "previous field", false},
	{' ', false, FA_TOGGLE, "Space", "switch", true},
	{16, false, FA_PREVIEW, "Ctrl-P", "preview", true},
	{KEY_F(5), true, FA_PREVIEW, "F5", "preview", false},
	{27, false, FA_BACK, "Esc", "back (kept)", true},
	{0},
};

static const char *const row_label[CF_ROWS] = {
	[CF_NAME] = "Name",		     [CF_KIND] = "Kind",
	[CF_OVERDUE] = "Overdue months",     [CF_BEFORE] = "Last visit before",
	[CF_FOLLOWUP] = "Follow-up days",    [CF_PROVIDER] = "  with provider",
	[CF_UPCOMING] = "Leave out booked",  [CF_BODY] = "Text",
	[CF_PACE] = "Texts a minute",
};

static const char *const row_help[CF_ROWS] = {
	[CF_NAME] = "at most 80 characters",
	[CF_KIND] = "marketing needs its own consent",
	[CF_OVERDUE] = "no visit in N months, nothing booked",
	[CF_BEFORE] = "YYYY-MM-DD, or Nd for N days ago",
	[CF_FOLLOWUP] = "a visit N days ago (7: a week after Mohs)",
	[CF_PROVIDER] = "that visit's provider (optional)",
	[CF_UPCOMING] = "patients with a visit booked",
	[CF_BODY] = "{patientName} {clinicName} {clinicPhone}; say how to opt out (STOP)",
	[CF_PACE] = "blank: the location's pace",
};

static bool is_toggle(int r)
{
	return r == CF_KIND || r == CF_UPCOMING;
}

#define FIELD_X 21 /* where the values start */

/* Columns of a one-line field on the form. */
static int field_width(int r)
{
	return r == CF_NAME ? 34 : 12;
}

void campaign_draft_init(struct campaign_draft *d)
{
	if (d->ready)
		return;
	for (int r = 0; r < CF_ROWS; r++)
		ui_field_init(&d->f[r], r == CF_NAME ? NAME_ROOM : r == CF_BODY ? BODY_ROOM : SHORT_ROOM, false);
	d->ready = true;
}

void campaign_draft_free(struct campaign_draft *d)
{
	if (d->ready)
		for (int r = 0; r < CF_ROWS; r++)
			ui_field_free(&d->f[r]);
	free(d->problem);
	memset(d, 0, sizeof(*d));
}

char *campaign_draft_text(const struct campaign_draft *d, enum cf_row r)
{
	if (!d->ready || is_toggle(r))
		return xstrdup("");
	return text_cps_utf8(d->f[r].cp, d->f[r].n);
}

void campaign_draft_hold_free(struct campaign_draft_hold *hold)
{
	for (int r = 0; r < CF_ROWS; r++)
		xfree(&hold->text[r]);
}

int campaign_draft_read(const struct campaign_draft *d, const struct tenant *t, int64_t now, struct campaign_filter *f,
			struct campaign_draft_hold *hold, char **err)
{
	for (int r = 0; r < CF_ROWS; r++)
		hold->text[r] = campaign_draft_text(d, (enum cf_row)r);
	struct campaign_filter_text in = {.kind = d->marketing ? "marketing" : "care",
					  .overdue_months = hold->text[CF_OVERDUE],
					  .last_visit_before = hold->text[CF_BEFORE],
					  .followup_days = hold->text[CF_FOLLOWUP],
					  .provider = hold->text[CF_PROVIDER],
					  .no_upcoming = d->no_upcoming,
					  .per_minute = hold->text[CF_PACE]};
	if (campaign_check_name(hold->text[CF_NAME], err) != 0 || campaign_check_body(hold->text[CF_BODY], err) != 0)
		return -1;
	return campaign_filter_parse(&in, t, now, f, err);
}

static int form_init(struct ui *ui, struct screen *sc, void *arg)
{
	const char *why = auth_refusal_text(ui->session.role, AUTH_CAMPAIGNS);
	if (why != NULL) {
		ui_message(ui, "Admins only", why);
		return -1;
	}
	struct campaign_draft *d = arg;
	campaign_draft_init(d);
	sc->priv = d;
	sc->title = xstrdup("New campaign");
	return 0;
}

/* The value column of a toggle row. */
static const char *toggle_text(const struct campaign_draft *d, int r)
{
	if (r == CF_KIND)
		return d->marketing ? "( ) care  (*) marketing" : "(*) care  ( ) marketing";
	return d->no_upcoming ? "[x] yes" : "[ ] no";
}

/* One labelled row at y: the field (or toggle) and its help or length. */
static void draw_row(struct ui *ui, struct screen *sc, WINDOW *w, int y, int r, int cols)
{
	struct campaign_draft *d = sc->priv;
	const int lx = 2, fx = FIELD_X, fw = field_width(r);
	bool on = d->sel == r;
	text_put(w, y, 0, on ? ui_sym("\xE2\x96\xB8", ">") : " ", 1, ui_attr(ui, ST_MARK), false);
	text_put(w, y, lx, row_label[r], fx - lx - 1, ui_attr(ui, on ? ST_TITLE : ST_NORMAL), false);
	if (r == CF_BODY) {
		char count[48];
		snprintf(count, sizeof(count), "%zu/%d characters", d->f[r].n, CAMPAIGN_BODY_MAX);
		text_put(w, y, fx, count, cols - fx, ui_attr(ui, d->f[r].n > CAMPAIGN_BODY_MAX ? ST_ERROR : ST_DIM), false);
		return;
	}
	if (is_toggle(r))
		text_put(w, y, fx, toggle_text(d, r), 24, ui_attr(ui, on ? ST_SELECTED : ST_NORMAL), false);
	else if (!on)
		ui_field_draw(&d->f[r], sc, w, y, fx, fw, A_UNDERLINE);
	int hx = fx + (is_toggle(r) ? 25 : fw + 1);
	if (r == CF_NAME) {
		char count[24];
		snprintf(count, sizeof(count), "%zu/%d", d->f[r].n, CAMPAIGN_NAME_MAX);
		text_put(w, y, hx, count, cols - hx, ui_attr(ui, d->f[r].n > CAMPAIGN_NAME_MAX ? ST_ERROR : ST_DIM), false);
	} else {
		text_put(w, y, hx, row_help[r], cols - hx, ui_attr(ui, ST_DIM), false);
	}
}

/* The text's help line and editing line (drawn by form_draw), then the whole text wrapped
 * when it is longer than the line (3 lines at most). Returns the next row; *field_y the
 * editing line's. */
static int draw_body(struct ui *ui, struct screen *sc, WINDOW *w, int y, int cols, int *field_y)
{
	struct campaign_draft *d = sc->priv;
	text_put(w, y++, 2, row_help[CF_BODY], cols - 2, ui_attr(ui, ST_DIM), false);
	*field_y = y++;
	char *text = campaign_draft_text(d, CF_BODY);
	if (d->sel != CF_BODY)
		ui_field_draw(&d->f[CF_BODY], sc, w, *field_y, 2, cols - 4, A_UNDERLINE);
	if (text_width(text) >= cols - 4)
		y += text_put_wrap(w, y, 2, text, cols - 4, 3, ui_attr(ui, ST_DIM));
	free(text);
	return y;
}

static void form_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct campaign_draft *d = sc->priv;
	int row_y[CF_ROWS], body_y = 0;
	char *title = xasprintf("New campaign %s %s", ui_sym("\xE2\x80\x94", "-"),
				ui->session.tenant_name ? ui->session.tenant_name : "this location");
	text_put(w, 0, 0, title, cols, ui_attr(ui, ST_TITLE), false);
	free(title);
	ui_rule(ui, w, 1, cols);
	int y = 2;
	for (int r = 0; r < CF_ROWS; r++) {
		if (r == CF_OVERDUE)
			text_put(w, y++, 0, "Filter: all that are filled in must hold", cols, ui_attr(ui, ST_DIM), false);
		row_y[r] = y;
		draw_row(ui, sc, w, y++, r, cols);
		if (r == CF_BODY)
			y = draw_body(ui, sc, w, y, cols, &body_y);
	}
	if (d->problem != NULL && y + 1 < rows)
		text_put_wrap(w, y + 1, 0, d->problem, cols, rows - y - 1, ui_attr(ui, ST_ERROR));
	/* The row being typed in is drawn last: the terminal's cursor stays in it. */
	sc->cursor_y = sc->cursor_x = -1;
	if (d->sel == CF_BODY)
		ui_field_draw(&d->f[CF_BODY], sc, w, body_y, 2, cols - 4, A_UNDERLINE);
	else if (!is_toggle(d->sel))
		ui_field_draw(&d->f[d->sel], sc, w, row_y[d->sel], FIELD_X, field_width(d->sel), A_UNDERLINE);
}

/* Ctrl-P: the preview screen; a refusal (bad field, store error) comes back as d->problem. */
static int open_preview(struct ui *ui, struct campaign_draft *d)
{
	xfree(&d->problem);
	ui_push(ui, &ui_campaign_preview_screen, d);
	return UI_REDRAW;
}

static int form_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct campaign_draft *d = sc->priv;
	switch (ev->action) {
	case FA_BACK: return UI_POP | UI_REDRAW;
	case FA_PREVIEW: return open_preview(ui, d);
	case FA_NEXT:
		if (d->sel == CF_ROWS - 1 && ev->key != '\t' && ev->key != KEY_DOWN)
			return open_preview(ui, d);
		d->sel = (d->sel + 1) % CF_ROWS;
		return UI_REDRAW;
	case FA_PREV: d->sel = (d->sel + CF_ROWS - 1) % CF_ROWS; return UI_REDRAW;
	case FA_TOGGLE:
		if (d->sel == CF_KIND)
			d->marketing = !d->marketing;
		else if (d->sel == CF_UPCOMING)
			d->no_upcoming = !d->no_upcoming;
		else
			ui_field_key(&d->f[d->sel], ev);
		return UI_REDRAW;
	}
	if (is_toggle(d->sel) || !ui_field_key(&d->f[d->sel], ev))
		return UI_HANDLED;
	xfree(&d->problem); /* typing answers it */
	return UI_REDRAW;
}

/* The draft stays with the campaigns screen. */
static void form_free(struct screen *sc)
{
	(void)sc;
}

const struct screen_ops ui_campaign_form_screen = {
	.name = "new campaign",
	.init = form_init,
	.draw = form_draw,
	.key = form_key,
	.free = form_free,
	.keys = form_keys,
	.text_input = true,
};
