/* Photos in a thread: label lines, and saving one decrypted for the chart. The label texts
 * come from src/media.c; server words inside them are drawn only through text_put. */
#include <stdlib.h>
#include <string.h>
#include "src/media.h"
#include "src/util.h"
#include "src/vault.h"
#include "ui/auth_ui.h"
#include "ui/text.h"
#include "ui/thread_media.h"

enum { MC_DOWN = 1, MC_UP, MC_PICK, MC_CANCEL };

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
	{'\r', false, MC_PICK, "Enter", "save this photo", true},
	{'\n', false, MC_PICK, "Enter", "save this photo", false},
	{KEY_ENTER, true, MC_PICK, "Enter", "save this photo", false},
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
	if (c->n == 1) {
		ask_folder(ui, c->c[0].id);
		free(c->c[0].text);
		free(c->c);
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
	text_put(w, y0 + 1, x0 + 2, "Save which photo? (newest first)", bw - 4, ui_attr(ui, ST_TITLE), false);
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
	case MC_PICK: ask_folder(ui, c->c[c->sel].id); return UI_POP | UI_REDRAW;
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
