/* Photos in a thread: label lines, and saving one decrypted for the chart. The label texts
 * come from src/media.c; server words inside them are drawn only through text_put. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "src/media.h"
#include "src/media_open.h"
#include "src/util.h"
#include "src/vault.h"
#include "ui/auth_ui.h"
#include "ui/photo.h"
#include "ui/pixels.h"
#include "ui/text.h"
#include "ui/thread_media.h"

enum { MC_DOWN = 1, MC_UP, MC_OPEN, MC_SAVE, MC_CANCEL };

size_t ui_media_of(const struct sms_media *list, size_t n, int64_t msg_id, size_t *first)
{
	size_t k = 0;
	*first = 0;
	for (size_t i = 0; i < n; i++) {
		if (list[i].message_id != msg_id)
			continue;
		if (k++ == 0)
			*first = i;
	}
	return k;
}

void ui_media_line(const struct sms_media *m, char *buf, size_t len, enum ui_style *st)
{
	media_label(m, buf, len);
	*st = strcmp(m->state, "refused") == 0 ? ST_WARN : strcmp(m->state, "stored") == 0 ? ST_MARK : ST_DIM;
}

/* A stored photo to choose: its row id and what the chooser shows. */
struct choice {
	int64_t id;
	char *text;
};

struct chooser {
	struct choice *c;
	size_t n, sel;
};

static const struct keybinding chooser_keys[] = {
	{KEY_DOWN, true, MC_DOWN, "Down", "next photo", true},
	{'j', false, MC_DOWN, "j", "next photo", false},
	{KEY_UP, true, MC_UP, "Up", "previous photo", false},
	{'k', false, MC_UP, "k", "previous photo", false},
	{'\r', false, MC_OPEN, "Enter", "open this photo in the viewer", true},
	{'\n', false, MC_OPEN, "Enter", "open this photo in the viewer", false},
	{KEY_ENTER, true, MC_OPEN, "Enter", "open this photo in the viewer", false},
	{'o', false, MC_OPEN, "o", "open this photo in the viewer", false},
	{'s', false, MC_SAVE, "s", "save this photo to a folder", true},
	{27, false, MC_CANCEL, "Esc", "cancel", true},
	{0},
};

/* Saves photo *arg (heap int64) into the folder typed; called by the prompt, also on Esc. */
static void save_to(struct ui *ui, void *arg, const char *dir)
{
	int64_t id = *(int64_t *)arg;
	struct vault *v = NULL;
	char *err = NULL, *path = NULL;
	free(arg);
	if (dir == NULL)
		return;
	if (*dir == '\0') {
		ui_flash(ui, "not saved: no folder given");
		return;
	}
	const char *kf = ui_auth_key_file();
	if (kf == NULL || vault_open_keyfile(kf, &v, &err) != 0 ||
	    media_export(ui->store, v, id, dir, ui->session.user_id, ui->session.username, &path, &err) != 0) {
		char *msg = xasprintf("The photo was not saved: %s", err ? err : "the key file is not available");
		ui_message(ui, "Photo", msg);
		free(msg);
	} else {
		char *msg = xasprintf("Saved (readable by you only) to %s", path);
		ui_message(ui, "Photo saved", msg);
		free(msg);
	}
	vault_close(&v);
	free(path);
	free(err);
}

/* Asks for the folder of photo id (default: media_default_dir()). */
static void ask_folder(struct ui *ui, int64_t id)
{
	int64_t *arg = xmalloc(sizeof *arg);
	char *dir = media_default_dir();
	*arg = id;
	ui_prompt(ui, "Save the photo, decrypted, into folder (Enter to accept, Esc to cancel):", dir, save_to, arg);
	free(dir);
}

/* Opens photo id in the viewer; where there is none (over SSH, no display) saves it into the
 * default folder instead and says where, and why it was not opened. */
static void open_photo(struct ui *ui, int64_t id)
{
	struct vault *v = NULL;
	char *err = NULL, *path = NULL, *msg = NULL;
	const char *why = NULL;
	const char *kf = ui_auth_key_file();
	if (kf == NULL || vault_open_keyfile(kf, &v, &err) != 0) {
		msg = xasprintf("The photo was not opened: %s", err ? err : "the key file is not available");
	} else if (media_opener_pick(NULL, &why) == MEDIA_OPEN_NONE) {
		char *dir = media_default_dir();
		if (media_export(ui->store, v, id, dir, ui->session.user_id, ui->session.username, &path, &err) != 0)
			msg = xasprintf("The photo was not opened (%s) nor saved: %s", why, err ? err : "?");
		else
			msg = xasprintf("Not opened: %s. Saved instead (readable by you only) to %s", why, path);
		free(dir);
	} else if (media_open(ui->store, v, id, ui->session.user_id, ui->session.username, &path, &err) != 0) {
		msg = xasprintf("The photo was not opened: %s", err ? err : "?");
	} else {
		ui_flash(ui, "opened in the viewer (a private copy, removed when smsdesk exits)");
	}
	if (msg != NULL)
		ui_message(ui, "Photo", msg);
	vault_close(&v);
	free(msg);
	free(path);
	free(err);
}

int ui_media_save(struct ui *ui, const struct sms_media *list, size_t n)
{
	struct chooser *c = xcalloc(1, sizeof *c);
	/* newest first: the photo just received is the one staff want */
	for (size_t i = n; i-- > 0;) {
		if (list[i].idx == 0 || strcmp(list[i].state, "stored") != 0)
			continue;
		char label[300];
		media_label(&list[i], label, sizeof label);
		c->c = xrealloc(c->c, (c->n + 1) * sizeof *c->c);
		c->c[c->n++] = (struct choice){list[i].id,
					       xasprintf("message %lld  %s", (long long)list[i].message_id, label)};
	}
	if (c->n == 0) {
		ui_flash(ui, "no stored photo in this thread");
		free(c);
		return UI_REDRAW;
	}
	ui_push(ui, &ui_media_chooser_screen, c);
	return UI_REDRAW;
}

static int chooser_init(struct ui *ui, struct screen *sc, void *arg)
{
	sc->priv = arg;
	return 0;
}

static void chooser_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct chooser *c = sc->priv;
	int bw = cols > 84 ? 76 : cols - 6, list_h = (int)c->n, y0, x0;
	if (list_h > rows - 6)
		list_h = rows - 6 > 1 ? rows - 6 : 1;
	ui_box(ui, w, rows, cols, list_h + 4, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2, "Photos, newest first: Enter opens, s saves to a folder", bw - 4, ui_attr(ui, ST_TITLE), false);
	size_t top = c->sel >= (size_t)list_h ? c->sel - (size_t)list_h + 1 : 0;
	for (int i = 0; i < list_h && top + (size_t)i < c->n; i++) {
		size_t k = top + (size_t)i;
		text_put(w, y0 + 2 + i, x0 + 2, c->c[k].text, bw - 4,
			 k == c->sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL, true);
	}
	sc->cursor_y = sc->cursor_x = -1;
}

static int chooser_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct chooser *c = sc->priv;
	switch (ev->action) {
	case MC_DOWN: c->sel = c->sel + 1 < c->n ? c->sel + 1 : c->sel; return UI_REDRAW;
	case MC_UP: c->sel = c->sel > 0 ? c->sel - 1 : 0; return UI_REDRAW;
	case MC_OPEN: open_photo(ui, c->c[c->sel].id); return UI_POP | UI_REDRAW;
	case MC_SAVE: ask_folder(ui, c->c[c->sel].id); return UI_POP | UI_REDRAW;
	case MC_CANCEL: return UI_POP | UI_REDRAW;
	}
	return UI_HANDLED;
}

static void chooser_free(struct screen *sc)
{
	struct chooser *c = sc->priv;
	for (size_t i = 0; i < c->n; i++)
		free(c->c[i].text);
	free(c->c);
	free(c);
}

const struct screen_ops ui_media_chooser_screen = {
	.name = "photos",
	.init = chooser_init,
	.draw = chooser_draw,
	.key = chooser_key,
	.free = chooser_free,
	.keys = chooser_keys,
	.overlay = true,
};

/* ---- photos drawn in the thread ---- */

#define ART_COLS 36  /* cells: fits an 80-column thread beside the indent */
#define ART_ROWS 10
#define ART_MAX 6    /* newest stored photos drawn per thread */

const struct ui_photo_art *ui_media_art_of(const struct ui_photo_cache *c, int64_t media_id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->a[i].media_id == media_id)
			return c->a[i].drawn || c->a[i].why != NULL ? &c->a[i] : NULL;
	return NULL;
}

int ui_media_art_lines(const struct ui_photo_art *a)
{
	return a == NULL ? 0 : a->drawn ? a->p.rows : 1;
}

void ui_media_art_draw(struct ui *ui, WINDOW *w, const struct ui_photo_art *a, int r, int y, int x, int width,
		       bool whole)
{
	if (!a->drawn) {
		char *msg = xasprintf("(not drawn: %s)", a->why);
		text_put(w, y, x, msg, width, ui_attr(ui, ST_DIM), false);
		free(msg);
	} else if (a->p.gfx == UI_GFX_MONO) {
		text_put(w, y, x, a->p.lines[r], width, A_NORMAL, false);
	} else if (a->p.gfx == UI_GFX_COLOR) {
		ui_pixels_draw_cells(w, y, x, &a->p, r, width);
	} else if (r == 0 && whole) {
		ui_pixels_place(w, y, x, a->media_id, &a->p);
	} else if (r == 0) {
		text_put(w, y, x, "(scroll to see the photo)", width, ui_attr(ui, ST_DIM), false);
	}
}

void ui_media_art_free(struct ui_photo_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		ui_photo_free(&c->a[i].p);
	free(c->a);
	c->a = NULL;
	c->n = 0;
}

/* Whether media_id was tried already (drawn or not). */
static bool art_tried(const struct ui_photo_cache *c, int64_t media_id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->a[i].media_id == media_id)
			return true;
	return false;
}

/* Decrypts and draws one photo into the cache (an entry even when it cannot be drawn, so it
 * is not decrypted again at every reload). */
static void art_add(struct ui *ui, struct ui_photo_cache *c, struct vault *v, const struct sms_media *m,
		    int64_t patient_id)
{
	struct sms_media meta = {0};
	unsigned char *data = NULL;
	size_t len = 0;
	struct ui_photo_art art = {.media_id = m->id};
	bool ascii = ui_sym("\xE2\x96\x80", "#")[0] == '#';
	if (media_read(ui->store, v, m->id, &meta, &data, &len, NULL) == 0) {
		art.drawn = ui_photo_render(data, len, ui_pixels_mode(), ART_COLS, ART_ROWS, ascii, &art.p, &art.why) == 0;
		sms_media_free(&meta);
	}
	if (data != NULL)
		sodium_memzero(data, len);
	free(data);
	c->a = xrealloc(c->a, (c->n + 1) * sizeof *c->a);
	c->a[c->n++] = art;
	if (art.drawn) {
		char target[32];
		snprintf(target, sizeof target, "media %lld", (long long)m->id);
		ui_audit(ui, "media.view", patient_id, target, ui_gfx_name(art.p.gfx));
	}
}

void ui_media_art_update(struct ui *ui, struct ui_photo_cache *c, const struct sms_media *list, size_t n,
			 int64_t patient_id)
{
	struct vault *v = NULL;
	const char *kf = ui_auth_key_file();
	size_t drawn = 0;
	if (!ui_photo_available() || ui_pixels_mode() == UI_GFX_NONE || kf == NULL)
		return;
	for (size_t i = n; i-- > 0 && drawn < ART_MAX;) {
		const struct sms_media *m = &list[i];
		if (m->idx == 0 || strcmp(m->state, "stored") != 0 || m->content_type == NULL ||
		    strncasecmp(m->content_type, "image/", 6) != 0)
			continue;
		drawn++;
		if (art_tried(c, m->id))
			continue;
		if (v == NULL && vault_open_keyfile(kf, &v, NULL) != 0)
			return;
		art_add(ui, c, v, m, patient_id);
	}
	vault_close(&v);
}
