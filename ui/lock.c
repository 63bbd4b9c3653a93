/* The idle lock: a screen that covers everything (it is not an overlay, so nothing below is
 * drawn) and asks the same user for the password again. Unlocking pops it and the screens
 * below (an open thread, a draft being written) come back exactly as they were. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

enum { KA_UNLOCK = 1, KA_SIGN_OUT };

static const struct keybinding lock_keys[] = {
	{'\r', false, KA_UNLOCK, "Enter", "unlock", true},
	{'\n', false, KA_UNLOCK, "Enter", "unlock", false},
	{KEY_ENTER, true, KA_UNLOCK, "Enter", "unlock", false},
	{KEY_F(10), true, KA_SIGN_OUT, "F10", "sign out", true},
	{0},
};

struct lock {
	struct ui_field pass;
	char *message;
};

/* Opens the lock. */
static int lock_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)ui, (void)arg;
	struct lock *k = xcalloc(1, sizeof(*k));
	ui_field_init(&k->pass, AUTH_PASSWORD_MAX, true);
	sc->priv = k;
	ui_auth_set_locked(true);
	return 0;
}

/* Draws the lock box: who is signed in, the password field, the last message. */
static void lock_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct lock *k = sc->priv;
	int bw = 64, bh = 11, y0, x0;
	char line[160];
	ui_box(ui, w, rows, cols, bh, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 3, "Console locked", bw - 6, ui_attr(ui, ST_TITLE), false);
	snprintf(line, sizeof(line), "Signed in as %s. Type your password to go on.",
		 ui->session.username ? ui->session.username : "?");
	text_put(w, y0 + 3, x0 + 3, line, bw - 6, A_NORMAL, false);
	text_put(w, y0 + 5, x0 + 3, "Password:", 10, A_NORMAL, false);
	ui_field_draw(&k->pass, sc, w, y0 + 5, x0 + 14, bw - 18, A_UNDERLINE);
	if (k->message)
		text_put(w, y0 + 7, x0 + 3, k->message, bw - 6, ui_attr(ui, ST_ERROR), false);
	text_put(w, y0 + 9, x0 + 3, "F10 signs out (an unsent draft is then lost).", bw - 6, ui_attr(ui, ST_DIM),
		 false);
	if (ui_auth_demo_hint() != NULL)
		text_put(w, y0 + 2, x0 + 3, ui_auth_demo_hint(), bw - 6, ui_attr(ui, ST_MARK), false);
}

/* Checks the password of the signed-in user. */
static int lock_unlock(struct ui *ui, struct lock *k)
{
	char *pw = sodium_malloc(AUTH_PASSWORD_MAX * 4 + 1), *err = NULL;
	if (pw == NULL)
		abort();
	ui_field_utf8(&k->pass, pw, AUTH_PASSWORD_MAX * 4 + 1);
	ui_field_clear(&k->pass);
	enum auth_result r = auth_unlock(ui->store, ui->session.username, pw, clock_now(), &err);
	sodium_free(pw);
	xfree(&k->message);
	if (r == AUTH_OK) {
		ui_auth_set_locked(false);
		free(err);
		return UI_POP | UI_REDRAW;
	}
	k->message = xstrdup(r == AUTH_WRONG ? "Wrong password." : err ? err : "Wrong password.");
	free(err);
	return UI_REDRAW;
}

/* Password keys, Enter to unlock, Ctrl-X to sign out. */
static int lock_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct lock *k = sc->priv;
	if (ev->action == KA_UNLOCK)
		return k->pass.n ? lock_unlock(ui, k) : UI_HANDLED;
	if (ev->action == KA_SIGN_OUT) {
		ui_auth_sign_out(ui, sc, "signed out at the lock screen");
		return UI_POP | UI_REDRAW;
	}
	if (ev->fn && ev->key == KEY_F(1))
		return UI_HANDLED;
	return ui_field_key(&k->pass, ev) ? UI_REDRAW : UI_HANDLED;
}

/* Wipes the field. */
static void lock_free(struct screen *sc)
{
	struct lock *k = sc->priv;
	ui_field_free(&k->pass);
	free(k->message);
	free(k);
}

const struct screen_ops ui_lock_screen = {
	.name = "lock",
	.init = lock_init,
	.draw = lock_draw,
	.key = lock_key,
	.free = lock_free,
	.keys = lock_keys,
	.text_input = true,
};
