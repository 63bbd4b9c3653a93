/* The reminder template editor (from settings): the text, and under it a live preview
 * rendered on a sample appointment with its segment count and cost, or the problem in words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/auth.h"
#include "src/reminders.h"
#include "src/segments.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

#define TEMPLATE_MAX 1600

enum { TA_SAVE = 1, TA_SAVE_RISKY, TA_CANCEL };

static const struct keybinding template_keys[] = {
	{19, false, TA_SAVE, "Ctrl-S", "save", true},
	{18, false, TA_SAVE_RISKY, "Ctrl-R", "save with sensitive fields", false},
	{27, false, TA_CANCEL, "Esc", "cancel", true},
	{0},
};

struct tpl {
	struct ui_field f;
	char *text;    /* the field as UTF-8, refreshed on each change */
	char *preview; /* the rendered sample, or NULL */
	char *problem; /* why it cannot be saved, or NULL */
	char *figures; /* "2 segments (GSM-7), 187 characters, $0.0158" */
};

/* Renders the sample appointment: two days from now at 14:30 clinic time. */
static void tpl_refresh(struct ui *ui, struct tpl *tp)
{
	char *err = NULL;
	free(tp->text);
	tp->text = xmalloc(TEMPLATE_MAX * 4 + 1);
	ui_field_utf8(&tp->f, tp->text, TEMPLATE_MAX * 4 + 1);
	xfree(&tp->preview);
	xfree(&tp->problem);
	xfree(&tp->figures);
	char *warning = NULL;
	if (reminders_check_template(tp->text, true, &warning, &err) != 0) {
		tp->problem = err;
		return;
	}
	struct tm lt;
	const char *tz = ui->session.tenant_tz ? ui->session.tenant_tz : "UTC";
	int64_t start = clock_now() + 2 * 86400;
	if (tz_local(tz, start, &lt) == 0) {
		lt.tm_hour = 14, lt.tm_min = 30, lt.tm_sec = 0;
		int64_t t = tz_mktime(tz, &lt);
		if (t != TZ_ERROR)
			start = t;
	}
	struct template_vars v = {
		.patient_name = "Maria",
		.provider_name = "Dr. Patel",
		.clinic_name = ui->session.tenant_name,
		.clinic_phone = "+13125550100",
		.location = "Suite 200",
		.procedure = "cleaning",
		.reason = "follow-up",
		.diagnosis = "(sample)",
		.appointment_start = start,
		.timezone = ui->session.tenant_tz,
	};
	if (template_render(tp->text, &v, &tp->preview, &err) != 0) {
		tp->problem = err;
		return;
	}
	struct segment_info si;
	char cost[32];
	segments_count(tp->preview, strlen(tp->preview), &si);
	segments_format_cost(segments_cost_micros(&si, false, ui->session.segment_price_micros, 0), cost, sizeof(cost));
	tp->figures = xasprintf("%d segment%s (%s), %zu characters, %s per reminder", si.segments,
				si.segments == 1 ? "" : "s", segments_encoding_name(si.encoding), si.chars, cost);
	if (template_uses_risky(tp->text))
		tp->problem = xstrdup("Uses {procedure}, {reason} or {diagnosis}: health details in a text. "
				      "Ctrl-R saves it anyway.");
	else if (warning != NULL)
		tp->problem = xasprintf("Warning: %s.", warning);
	else if (si.segments > 1)
		tp->problem = xstrdup("Warning: more than one segment: patients without consent on file will not "
				      "get this reminder.");
	free(warning);
}

/* Opens the editor on the location's template. */
static int template_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	const char *why = auth_refusal_text(ui->session.role, AUTH_TEMPLATES);
	struct tenant t = {0};
	char *err = NULL;
	if (why != NULL) {
		ui_message(ui, "Template", why);
		return -1;
	}
	if (store_tenant_get(ui->store, ui->session.tenant_id, &t, &err) != 0) {
		ui_message(ui, "Template", err ? err : "cannot read the location");
		free(err);
		return -1;
	}
	struct tpl *tp = xcalloc(1, sizeof(*tp));
	ui_field_init(&tp->f, TEMPLATE_MAX, false);
	ui_field_set(&tp->f, t.reminder_template);
	tenant_free(&t);
	sc->priv = tp;
	tpl_refresh(ui, tp);
	return 0;
}

/* Draws wrapped text (with lines) and the preview below it. */
static int draw_wrapped(WINDOW *w, int y, int x, int cols, int max_rows, const char *s, attr_t a)
{
	struct text_buf b = {0};
	struct text_line *lines = NULL;
	text_from_utf8(&b, s, strlen(s), TEXT_KEEP_NEWLINES);
	size_t n = text_wrap(&b, cols, &lines);
	int used = 0;
	for (size_t i = 0; i < n && used < max_rows; i++, used++)
		text_draw(w, y + used, x, &b, lines[i].from, lines[i].to, cols, a);
	free(lines);
	text_buf_free(&b);
	return used;
}

/* Draws the editor. */
static void template_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct tpl *tp = sc->priv;
	text_put(w, 0, 0, "Reminder template", cols, ui_attr(ui, ST_TITLE), false);
	text_put(w, 1, 0,
		 "{patientName} {providerName} {appointmentDate} {appointmentTime} {clinicName} {clinicPhone} {location}",
		 cols, ui_attr(ui, ST_DIM), false);
	ui_rule(ui, w, 2, cols);
	int y = 3, room = cols - 4, text_rows = rows / 2 - 4;
	/* The text: the line with the cursor is edited in place, the rest wraps above it. */
	ui_field_draw(&tp->f, sc, w, y, 2, room, A_UNDERLINE);
	y += 2;
	text_put(w, y++, 0, "Full text:", cols, ui_attr(ui, ST_DIM), false);
	y += draw_wrapped(w, y, 2, room, text_rows, tp->text, A_NORMAL) + 1;
	ui_rule(ui, w, y++, cols);
	text_put(w, y++, 0, "Preview on a sample appointment:", cols, ui_attr(ui, ST_DIM), false);
	if (tp->preview != NULL)
		y += draw_wrapped(w, y, 2, room, rows - y - 3, tp->preview, A_NORMAL);
	if (tp->figures != NULL && y < rows - 1)
		text_put(w, ++y, 2, tp->figures, room, ui_attr(ui, ST_OK), false);
	if (tp->problem != NULL && y + 1 < rows)
		text_put(w, y + 1, 2, tp->problem, room, ui_attr(ui, ST_ERROR), false);
}

/* Saves after the same checks as the command line. */
static int template_save(struct ui *ui, struct tpl *tp, bool allow_risky)
{
	char *err = NULL, *warning = NULL;
	if (reminders_check_template(tp->text, allow_risky, &warning, &err) != 0 ||
	    store_tenant_set(ui->store, ui->session.tenant_id, "reminder_template", tp->text, &err) != 0) {
		free(tp->problem);
		tp->problem = err ? err : xstrdup("Not saved.");
		free(warning);
		return UI_REDRAW;
	}
	ui_audit(ui, "setting.set", 0, "reminder_template",
		 allow_risky && template_uses_risky(tp->text) ? "sensitive fields allowed" : NULL);
	ui_flash(ui, warning ? "Template saved. Without {clinicPhone}, patients without consent on file will not "
			       "get this reminder."
			     : "Reminder template saved");
	free(warning);
	return UI_POP | UI_RELOAD;
}

/* Typing refreshes the preview; Ctrl-S saves. */
static int template_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct tpl *tp = sc->priv;
	switch (ev->action) {
	case TA_CANCEL: return UI_POP | UI_REDRAW;
	case TA_SAVE: return template_save(ui, tp, false);
	case TA_SAVE_RISKY: return template_save(ui, tp, true);
	}
	if (!ui_field_key(&tp->f, ev))
		return UI_HANDLED;
	tpl_refresh(ui, tp);
	return UI_REDRAW;
}

/* Frees the editor. */
static void template_free(struct screen *sc)
{
	struct tpl *tp = sc->priv;
	ui_field_free(&tp->f);
	free(tp->text);
	free(tp->preview);
	free(tp->problem);
	free(tp->figures);
	free(tp);
}

const struct screen_ops ui_template_screen = {
	.name = "template",
	.init = template_init,
	.draw = template_draw,
	.key = template_key,
	.free = template_free,
	.keys = template_keys,
	.text_input = true,
};
