/* Who is at the console: the sign-in screen, the session (user, role, the locations it may
 * see, the current one), sign-out, and the hooks ui/ui.c calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/util.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

#define DEFAULT_IDLE_S 600
#define USERNAME_MAX 64

/* One console per process: its sign-in state. */
static struct {
	struct auth_session auth;
	char *key_file;
	bool signed_in;
	bool locked;
	int idle_s;
	int64_t last_key_ms;
	char *demo_hint; /* "Demo: user demo, password demo" for the demo's screens, else NULL */
} A;

const char *ui_auth_demo_hint(void)
{
	return A.demo_hint;
}

const char *ui_auth_key_file(void)
{
	return A.key_file;
}

bool ui_auth_may_see(int64_t tenant_id)
{
	return A.signed_in && auth_may_see_tenant(&A.auth, tenant_id);
}

size_t ui_auth_tenants(const int64_t **ids)
{
	*ids = A.auth.tenants;
	return A.signed_in ? A.auth.n_tenants : 0;
}

void ui_auth_set_locked(bool locked)
{
	A.locked = locked;
	A.last_key_ms = clock_mono_ms();
}

/* Idle seconds: SMSDESK_IDLE_LOCK_SECONDS (tests), else the location's, else 10 minutes. */
static int idle_seconds(const struct tenant *t)
{
	const char *env = getenv("SMSDESK_IDLE_LOCK_SECONDS");
	if (env != NULL && atoi(env) > 0)
		return atoi(env);
	return t->idle_lock_seconds > 0 ? t->idle_lock_seconds : DEFAULT_IDLE_S;
}

int ui_auth_set_tenant(struct ui *ui, int64_t tenant_id, char **err)
{
	struct tenant t = {0};
	struct ui_session *s = &ui->session;
	if (!ui_auth_may_see(tenant_id))
		return seterr(err, "you are not assigned to that location");
	if (store_tenant_get(ui->store, tenant_id, &t, err) != 0)
		return -1;
	s->tenant_id = t.id;
	free(s->tenant_name);
	free(s->tenant_tz);
	s->tenant_name = xstrdup(t.name);
	s->tenant_tz = xstrdup(t.timezone);
	s->segment_price_micros = t.segment_price_micros;
	s->mms_price_micros = t.mms_price_micros;
	ui->poll_seconds = t.poll_seconds > 0 ? t.poll_seconds : 15;
	A.idle_s = idle_seconds(&t);
	tenant_free(&t);
	char *v = NULL;
	if (store_setting_get(ui->store, tenant_id, "console.poll_seconds", &v, NULL) == 0 && atoi(v) > 0)
		ui->poll_seconds = atoi(v);
	free(v);
	return 0;
}

/* Closes every screen but keep. */
static void close_all_but(struct ui *ui, struct screen *keep)
{
	struct screen *sc = ui->top;
	while (sc != NULL) {
		struct screen *below = sc->below;
		if (sc != keep)
			ui_close(ui, sc);
		sc = below;
	}
}

void ui_auth_restart(struct ui *ui, struct screen *keep)
{
	close_all_but(ui, keep);
	/* the new inbox has just read its page and counts, and keep (the sign-in or locations
	 * screen) is about to close: only the status bar's count is left to read (a full reload
	 * read the inbox twice on the way to the first paint) */
	ui_push(ui, &ui_inbox_screen, NULL);
	ui_count_unread(ui);
}

/* Takes the signed-in user into the console and opens the inbox at a permitted location. */
static int session_start(struct ui *ui, struct auth_session *as, struct screen *keep, char **err)
{
	auth_session_free(&A.auth);
	A.auth = *as;
	memset(as, 0, sizeof(*as));
	A.signed_in = true;
	A.locked = false;
	A.last_key_ms = clock_mono_ms();
	struct ui_session *s = &ui->session;
	free(s->username);
	free(s->role);
	s->user_id = A.auth.user_id;
	s->username = xstrdup(A.auth.username);
	s->role = xstrdup(A.auth.role);
	int64_t tid = s->tenant_id;
	if (!auth_may_see_tenant(&A.auth, tid))
		tid = A.auth.n_tenants > 0 ? A.auth.tenants[0] : 0;
	if (tid == 0 || ui_auth_set_tenant(ui, tid, err) != 0) {
		if (tid == 0)
			seterr(err, "there is no clinic location to open");
		return -1;
	}
	ui_auth_restart(ui, keep);
	return 0;
}

/* Forgets the user (the location stays, for the next sign-in). */
static void session_clear(struct ui *ui)
{
	auth_session_free(&A.auth);
	A.signed_in = A.locked = false;
	ui->session.user_id = 0;
	xfree(&ui->session.username);
	xfree(&ui->session.role);
}

void ui_auth_sign_out(struct ui *ui, struct screen *keep, const char *why)
{
	if (A.signed_in)
		ui_audit(ui, "logout", 0, NULL, why);
	session_clear(ui);
	close_all_but(ui, keep);
	ui_push(ui, &ui_login_screen, NULL);
}

int ui_auth_begin(struct ui *ui, const struct ui_options *opts)
{
	char *err = NULL;
	free(A.key_file);
	free(A.demo_hint);
	memset(&A, 0, sizeof(A));
	A.key_file = opts->key_file ? xstrdup(opts->key_file) : NULL;
	if (opts->demo_user != NULL && opts->demo_password != NULL)
		A.demo_hint = xasprintf("Demo: user %s, password %s", opts->demo_user, opts->demo_password);
	A.idle_s = DEFAULT_IDLE_S;
	session_clear(ui);
	if (opts->demo_user != NULL) {
		struct auth_session as;
		if (auth_session_load(ui->store, opts->demo_user, &as, &err) == 0 && session_start(ui, &as, NULL, &err) == 0)
			return 0;
		auth_session_free(&as);
		ui_flash(ui, "demo sign-in failed: %s", err ? err : "?");
		free(err);
	}
	return ui_push(ui, &ui_login_screen, NULL);
}

void ui_auth_end(struct ui *ui)
{
	if (A.signed_in)
		ui_audit(ui, "logout", 0, NULL, "console closed");
	session_clear(ui);
	ui_settings_stop();
	xfree(&A.key_file);
	xfree(&A.demo_hint);
}

void ui_auth_activity(struct ui *ui)
{
	(void)ui;
	A.last_key_ms = clock_mono_ms();
}

int ui_auth_timeout_ms(int timeout_ms)
{
	if (ui_settings_poll(NULL) && timeout_ms > 100)
		timeout_ms = 100;
	if (!A.signed_in || A.locked)
		return timeout_ms;
	int64_t left = A.last_key_ms + (int64_t)A.idle_s * 1000 - clock_mono_ms();
	if (left < 0)
		left = 0;
	return left < timeout_ms ? (int)left : timeout_ms;
}

void ui_auth_tick(struct ui *ui)
{
	ui_settings_poll(ui);
	if (!A.signed_in || A.locked)
		return;
	if (clock_mono_ms() - A.last_key_ms < (int64_t)A.idle_s * 1000)
		return;
	if (ui_push(ui, &ui_lock_screen, NULL) == 0) {
		A.locked = true;
		ui_audit(ui, "lock", 0, NULL, "idle");
	}
}

/* ---- the sign-in screen ---- */

enum { LA_NEXT = 1, LA_PREV, LA_SUBMIT, LA_CLEAR, LA_QUIT };

static const struct keybinding login_keys[] = {
	{'\r', false, LA_SUBMIT, "Enter", "next / sign in", true},
	{'\n', false, LA_SUBMIT, "Enter", "next / sign in", false},
	{KEY_ENTER, true, LA_SUBMIT, "Enter", "next / sign in", false},
	{'\t', false, LA_NEXT, "Tab", "other field", true},
	{KEY_DOWN, true, LA_NEXT, "Down", "password field", false},
	{KEY_BTAB, true, LA_PREV, "S-Tab", "other field", false},
	{KEY_UP, true, LA_PREV, "Up", "username field", false},
	{27, false, LA_CLEAR, "Esc", "clear", true},
	{3, false, LA_QUIT, "Ctrl-C", "quit", true},
	{0},
};

struct login {
	struct ui_field user, pass;
	int focus; /* 0 username, 1 password */
	char *message;
	bool message_bad;
};

/* Opens the sign-in form. */
static int login_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct login *l = xcalloc(1, sizeof(*l));
	ui_field_init(&l->user, USERNAME_MAX, false);
	ui_field_init(&l->pass, AUTH_PASSWORD_MAX, true);
	sc->priv = l;
	struct user *users = NULL;
	size_t n = 0;
	/* A new install has nobody to sign in as: say how to make the first admin. */
	if (store_user_list(ui->store, &users, &n, NULL) == 0 && n == 0)
		l->message = xstrdup("No accounts yet: run 'smsdesk user add NAME --role admin' first.");
	user_list_free(&users, n);
	return 0;
}

/* Draws the form in a box: title, location, fields, and the last message. */
static void login_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct login *l = sc->priv;
	int bw = 72, bh = 11, y0, x0;
	ui_box(ui, w, rows, cols, bh, bw, &y0, &x0);
	char title[64];
	snprintf(title, sizeof(title), "smsdesk %s sign in", ui_sym("\xE2\x80\x94", "-"));
	text_put(w, y0 + 1, x0 + 3, title, bw - 6, ui_attr(ui, ST_TITLE), false);
	if (ui->session.tenant_name)
		text_put(w, y0 + 2, x0 + 3, ui->session.tenant_name, bw - 6, ui_attr(ui, ST_DIM), false);
	if (A.demo_hint != NULL)
		text_put(w, y0 + 9, x0 + 3, A.demo_hint, bw - 6, ui_attr(ui, ST_MARK), false);
	text_put(w, y0 + 4, x0 + 3, "Username:", 10, A_NORMAL, false);
	text_put(w, y0 + 6, x0 + 3, "Password:", 10, A_NORMAL, false);
	ui_field_draw(&l->pass, sc, w, y0 + 6, x0 + 14, bw - 18, A_UNDERLINE);
	int py = sc->cursor_y, px = sc->cursor_x;
	ui_field_draw(&l->user, sc, w, y0 + 4, x0 + 14, bw - 18, A_UNDERLINE);
	if (l->focus == 1)
		sc->cursor_y = py, sc->cursor_x = px;
	if (l->message)
		text_put(w, y0 + 8, x0 + 3, l->message, bw - 6, ui_attr(ui, l->message_bad ? ST_ERROR : ST_DIM), false);
	else
		text_put(w, y0 + 8, x0 + 3, "Type your username and password.", bw - 6, ui_attr(ui, ST_DIM), false);
}

/* Checks the password; on success the inbox replaces this screen. */
static int login_submit(struct ui *ui, struct screen *sc, struct login *l)
{
	char user[USERNAME_MAX * 4 + 1];
	char *pw = sodium_malloc(AUTH_PASSWORD_MAX * 4 + 1), *err = NULL;
	struct auth_session as = {0};
	int flags = UI_REDRAW;
	if (pw == NULL)
		abort();
	ui_field_utf8(&l->user, user, sizeof(user));
	ui_field_utf8(&l->pass, pw, AUTH_PASSWORD_MAX * 4 + 1);
	ui_field_clear(&l->pass);
	xfree(&l->message);
	enum auth_result r = auth_sign_in(ui->store, user, pw, clock_now(), &as, &err);
	sodium_free(pw);
	if (r == AUTH_OK && session_start(ui, &as, sc, &err) == 0)
		return UI_POP | UI_REDRAW;
	if (r == AUTH_OK) /* signed in but no location could open */
		session_clear(ui);
	auth_session_free(&as);
	l->message = xstrdup(err ? err : "Sign-in failed.");
	l->message_bad = true;
	l->focus = 1;
	free(err);
	return flags;
}

/* Edits the fields; Enter moves on, then signs in. */
static int login_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct login *l = sc->priv;
	struct ui_field *f = l->focus ? &l->pass : &l->user;
	switch (ev->action) {
	case LA_NEXT: l->focus = !l->focus; return UI_REDRAW;
	case LA_PREV: l->focus = 0; return UI_REDRAW;
	case LA_CLEAR:
		ui_field_clear(&l->user);
		ui_field_clear(&l->pass);
		l->focus = 0;
		xfree(&l->message);
		return UI_REDRAW;
	case LA_QUIT: return UI_QUIT;
	case LA_SUBMIT:
		if (l->focus == 0 || l->user.n == 0) {
			l->focus = l->user.n == 0 ? 0 : 1;
			return UI_REDRAW;
		}
		return login_submit(ui, sc, l);
	}
	if (ui_field_key(f, ev))
		return UI_REDRAW;
	return UI_HANDLED;
}

/* Wipes the form. */
static void login_free(struct screen *sc)
{
	struct login *l = sc->priv;
	ui_field_free(&l->user);
	ui_field_free(&l->pass);
	free(l->message);
	free(l);
}

const struct screen_ops ui_login_screen = {
	.name = "sign-in",
	.init = login_init,
	.draw = login_draw,
	.key = login_key,
	.free = login_free,
	.keys = login_keys,
	.text_input = true,
};
