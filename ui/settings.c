/* The settings screen (S, admins only): the location's Twilio account and secrets, sending
 * number, reminder times, texting hours, idle lock and the reminder template; "test connection"
 * asks Twilio in a thread and shows its answer in words. Secrets are typed masked, encrypted
 * with the key file at once, and only ever shown as "set" / "not set". */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "src/auth.h"
#include "src/phone.h"
#include "src/reminders.h"
#include "src/twilio.h"
#include "src/util.h"
#include "src/vault.h"
#include "ui/auth_ui.h"
#include "ui/text.h"

#define SECRET_MAX 256

enum row { R_ACCOUNT, R_TOKEN, R_KEY_SID, R_KEY_SECRET, R_FROM, R_MG, R_SLOTS, R_QUIET, R_IDLE, R_TEMPLATE, R_COUNT };

static const char *const row_label[R_COUNT] = {
	[R_ACCOUNT] = "Twilio account SID", [R_TOKEN] = "Auth token",	    [R_KEY_SID] = "API key SID (optional)",
	[R_KEY_SECRET] = "API key secret",  [R_FROM] = "Sending number",   [R_MG] = "Messaging service SID",
	[R_SLOTS] = "Reminder times",	    [R_QUIET] = "Texting hours",	    [R_IDLE] = "Idle lock (seconds)",
	[R_TEMPLATE] = "Reminder template",
};

enum { SA_DOWN = 1, SA_UP, SA_EDIT, SA_CLEAR, SA_TEST, SA_CLOSE };

static const struct keybinding settings_keys[] = {
	{'j', false, SA_DOWN, "j/Down", "next", false},
	{KEY_DOWN, true, SA_DOWN, "Down", "next", false},
	{'k', false, SA_UP, "k/Up", "previous", false},
	{KEY_UP, true, SA_UP, "Up", "previous", false},
	{'\r', false, SA_EDIT, "Enter", "change", true},
	{'\n', false, SA_EDIT, "Enter", "change", false},
	{KEY_ENTER, true, SA_EDIT, "Enter", "change", false},
	{'x', false, SA_CLEAR, "x", "unset (optional fields)", true},
	{'t', false, SA_TEST, "t", "test connection", true},
	{27, false, SA_CLOSE, "Esc", "close", true},
	{'q', false, SA_CLOSE, "q", "close", false},
	{0},
};

struct settings {
	struct tenant t;
	bool token_set, key_secret_set;
	int sel;
	enum row editing;
	char *error;
};

/* One connection test at a time, run off the loop. */
static struct {
	pthread_mutex_t mu;
	pthread_t thread;
	bool running, done;
	struct twilio_client *client;
	char *result; /* words for the screen */
	bool ok;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- reading and writing ---- */

/* True when the credential field is stored for the tenant. */
static bool cred_set(struct store *s, int64_t tid, const char *field)
{
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	int rc = store_cred_get(s, tid, field, &nonce, &nl, &ct, &cl, NULL);
	free(nonce);
	free(ct);
	return rc == 0;
}

/* Re-reads the location. */
static void settings_load(struct ui *ui, struct settings *st)
{
	char *err = NULL;
	tenant_free(&st->t);
	xfree(&st->error);
	if (store_tenant_get(ui->store, ui->session.tenant_id, &st->t, &err) != 0) {
		st->error = err;
		return;
	}
	st->token_set = cred_set(ui->store, st->t.id, "auth_token");
	st->key_secret_set = cred_set(ui->store, st->t.id, "api_key_secret");
}

/* The value shown for a row (malloc'd). */
static char *row_value(const struct settings *st, enum row r)
{
	const struct tenant *t = &st->t;
	switch (r) {
	case R_ACCOUNT: return xstrdup(t->account_sid ? t->account_sid : "not set");
	case R_TOKEN: return xstrdup(st->token_set ? "set" : "not set");
	case R_KEY_SID: return xstrdup(t->api_key_sid ? t->api_key_sid : "not set (the auth token is used)");
	case R_KEY_SECRET: return xstrdup(st->key_secret_set ? "set" : "not set");
	case R_FROM: return xstrdup(t->from_number ? t->from_number : "not set");
	case R_MG: return xstrdup(t->messaging_service_sid ? t->messaging_service_sid : "not set");
	case R_SLOTS: return xstrdup(t->reminder_slots ? t->reminder_slots : "");
	case R_QUIET:
		return xasprintf("%02d:%02d-%02d:%02d", t->quiet_start / 60, t->quiet_start % 60, t->quiet_end / 60,
				 t->quiet_end % 60);
	case R_IDLE: return xasprintf("%d", t->idle_lock_seconds);
	case R_TEMPLATE: return xstrdup(t->reminder_template ? t->reminder_template : "");
	default: return xstrdup("");
	}
}

/* A SID: two letters and 32 hex digits. */
static bool sid_ok(const char *s, const char *prefix)
{
	if (strlen(s) != 34 || strncasecmp(s, prefix, 2) != 0)
		return false;
	for (const char *p = s + 2; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return false;
	return true;
}

/* "08:00-21:00" into minutes. */
static bool parse_quiet(const char *s, int *start, int *end)
{
	int h1, m1, h2, m2, used = 0;
	if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 || s[used] != '\0' ||
	    !isdigit((unsigned char)s[0]))
		return false;
	if (h1 < 0 || h1 > 24 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 || m2 > 59)
		return false;
	*start = h1 * 60 + m1;
	*end = h2 * 60 + m2;
	return *start <= 1440 && *end <= 1440 && *start < *end;
}

/* Writes one column and audits its name (values of settings are not secret, but the audit
 * keeps to the key all the same). */
static int set_column(struct ui *ui, struct settings *st, const char *column, const char *value, char **err)
{
	if (store_tenant_set(ui->store, st->t.id, column, value, err) != 0)
		return -1;
	ui_audit(ui, "setting.set", 0, column, value ? NULL : "unset");
	return 0;
}

/* Validates and stores the text typed for a row; -1 with the reason in words. */
static int apply_row(struct ui *ui, struct settings *st, enum row r, const char *v, char **err)
{
	char e164[PHONE_E164_MAX], b1[16], b2[16];
	int minutes[REMINDER_MAX_SLOTS], qs, qe;
	size_t n = 0;
	switch (r) {
	case R_ACCOUNT:
		if (!sid_ok(v, "AC"))
			return seterr(err, "An account SID is AC followed by 32 hex digits (see the Twilio console).");
		return set_column(ui, st, "account_sid", v, err);
	case R_KEY_SID:
		if (!sid_ok(v, "SK"))
			return seterr(err, "An API key SID is SK followed by 32 hex digits.");
		return set_column(ui, st, "api_key_sid", v, err);
	case R_MG:
		if (!sid_ok(v, "MG"))
			return seterr(err, "A messaging service SID is MG followed by 32 hex digits.");
		return set_column(ui, st, "messaging_service_sid", v, err);
	case R_FROM:
		if (phone_to_e164(v, e164, err) != 0)
			return -1;
		if (set_column(ui, st, "from_number", e164, err) != 0)
			return -1;
		return st->t.messaging_service_sid ? set_column(ui, st, "messaging_service_sid", NULL, err) : 0;
	case R_SLOTS:
		if (reminders_parse_slots(v, minutes, &n, err) != 0)
			return -1;
		return set_column(ui, st, "reminder_slots", n == 0 ? REMINDER_SLOTS_OFF : v, err);
	case R_QUIET:
		if (!parse_quiet(v, &qs, &qe))
			return seterr(err, "Texting hours (when automated texts may go out) look like 08:00-21:00, the start before the end.");
		snprintf(b1, sizeof(b1), "%d", qs);
		snprintf(b2, sizeof(b2), "%d", qe);
		return set_column(ui, st, "quiet_start", b1, err) == 0 ? set_column(ui, st, "quiet_end", b2, err) : -1;
	case R_IDLE:
		qs = atoi(v);
		snprintf(b1, sizeof(b1), "%d", qs);
		if (strcmp(b1, v) != 0 || qs < 60 || qs > 86400)
			return seterr(err, "The idle lock is a number of seconds from 60 to 86400.");
		return set_column(ui, st, "idle_lock_seconds", b1, err);
	default: return seterr(err, "That row is not edited here.");
	}
}

/* The prompt's answer for the row being edited. */
static void row_done(struct ui *ui, void *arg, const char *text)
{
	struct settings *st = arg;
	char *err = NULL;
	if (text == NULL)
		return;
	if (text[0] == '\0')
		return;
	if (apply_row(ui, st, st->editing, text, &err) != 0)
		ui_message(ui, row_label[st->editing], err ? err : "Not saved.");
	else
		ui_flash(ui, "%s saved", row_label[st->editing]);
	free(err);
	settings_load(ui, st);
	ui_auth_set_tenant(ui, st->t.id, NULL); /* idle lock and names follow at once */
	ui->dirty_main = true;
}

/* ---- the connection test ---- */

/* Runs in the test thread: one account fetch, turned into words. */
static void *test_thread(void *arg)
{
	(void)arg;
	struct twilio_account acct = {0};
	struct twilio_error e = {0};
	char *words;
	bool ok = twilio_fetch_account(T.client, &acct, &e) == TW_OK;
	if (ok)
		words = xasprintf("Connected: Twilio knows account \"%s\" (%s), status %s, type %s.",
				  acct.friendly_name ? acct.friendly_name : "?", acct.sid ? acct.sid : "?",
				  acct.status ? acct.status : "unknown", acct.type ? acct.type : "unknown");
	else if (e.code != 0)
		words = xasprintf("Not connected: %s (Twilio error %d, HTTP %d)", e.message ? e.message : "refused", e.code,
				  e.http_status);
	else
		words = xasprintf("Not connected (%s): %s", twilio_result_str(e.kind), e.message ? e.message : "no answer");
	twilio_account_free(&acct);
	twilio_error_clear(&e);
	pthread_mutex_lock(&T.mu);
	free(T.result);
	T.result = words;
	T.ok = ok;
	T.done = true;
	pthread_mutex_unlock(&T.mu);
	return NULL;
}

/* Reads the tenant's secret through the vault (sodium memory; vault_secret_free it). */
static int load_secret(const struct tenant *t, struct store *s, const char *field, char **secret, char **err)
{
	struct vault *v = NULL;
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	const char *kf = ui_auth_key_file();
	if (kf == NULL)
		return seterr(err, "no key file: the console cannot read stored secrets");
	int rc = store_cred_get(s, t->id, field, &nonce, &nl, &ct, &cl, err);
	if (rc == SD_NOTFOUND)
		return seterr(err, "the %s is not set", strcmp(field, "auth_token") == 0 ? "auth token" : "API key secret");
	if (rc == 0 && vault_open_keyfile(kf, &v, err) == 0)
		rc = vault_decrypt(v, t->id, field, nonce, nl, ct, cl, secret, err);
	else
		rc = -1;
	vault_close(&v);
	free(nonce);
	free(ct);
	return rc;
}

/* Starts a test with the stored settings: 5 s to connect, 10 s in all, no retries. */
static void test_start(struct ui *ui, struct settings *st)
{
	char *secret = NULL, *ca = NULL, *err = NULL;
	const struct tenant *t = &st->t;
	if (T.running)
		return;
	bool key = t->api_key_sid != NULL && t->api_key_sid[0] != '\0';
	if (t->account_sid == NULL)
		seterr(&err, "Set the account SID first.");
	else if (load_secret(t, ui->store, key ? "api_key_secret" : "auth_token", &secret, &err) == 0) {
		if (store_setting_get(ui->store, t->id, "ca_bundle", &ca, NULL) != 0)
			store_setting_get(ui->store, 0, "ca_bundle", &ca, NULL);
		struct twilio_config cfg = {
			.api_base = t->api_base && t->api_base[0] ? t->api_base : "https://api.twilio.com",
			.account_sid = t->account_sid,
			.username = key ? t->api_key_sid : t->account_sid,
			.password = secret,
			.ca_bundle = ca,
			.connect_timeout_ms = 5000,
			.timeout_ms = 10000,
			.max_retries = -1,
		};
		twilio_client_new(&cfg, &T.client, &err);
	}
	vault_secret_free(&secret);
	free(ca);
	xfree(&T.result);
	T.done = false;
	T.ok = false;
	T.result = xstrdup("Testing the connection...");
	if (T.client != NULL && pthread_create(&T.thread, NULL, test_thread, NULL) == 0) {
		T.running = true;
	} else {
		free(T.result);
		T.result = xasprintf("Cannot test: %s", err ? err : "the client could not start");
		twilio_client_free(&T.client);
	}
	free(err);
}

bool ui_settings_poll(struct ui *ui)
{
	if (ui == NULL || !T.running)
		return T.running;
	pthread_mutex_lock(&T.mu);
	bool done = T.done;
	pthread_mutex_unlock(&T.mu);
	if (!done)
		return true;
	pthread_join(T.thread, NULL);
	T.running = false;
	twilio_client_free(&T.client);
	ui_audit(ui, "settings.test", 0, "twilio", T.ok ? "connected" : "failed");
	ui->dirty_main = true;
	return false;
}

/* ---- the screen ---- */

/* Opens the settings of the current location. */
static int settings_init(struct ui *ui, struct screen *sc, void *arg)
{
	(void)arg;
	struct settings *st = xcalloc(1, sizeof(*st));
	sc->priv = st;
	settings_load(ui, st);
	return 0;
}

/* Draws the rows and the last test result. */
static void settings_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct settings *st = sc->priv;
	char head[200];
	snprintf(head, sizeof(head), "Settings %s %s", ui_sym("\xE2\x80\x94", "-"), st->t.name ? st->t.name : "?");
	text_put(w, 0, 0, head, cols, ui_attr(ui, ST_TITLE), false);
	ui_rule(ui, w, 1, cols);
	if (st->error) {
		text_put(w, 2, 0, st->error, cols, ui_attr(ui, ST_ERROR), false);
		return;
	}
	for (int r = 0; r < R_COUNT && 3 + r < rows; r++) {
		bool sel = r == st->sel;
		attr_t a = sel ? ui_attr(ui, ST_SELECTED) : A_NORMAL;
		char *v = row_value(st, (enum row)r);
		wattrset(w, a);
		mvwhline(w, 2 + r, 0, ' ', cols);
		text_put(w, 2 + r, 2, row_label[r], 26, a, false);
		bool dim = strncmp(v, "not set", 7) == 0;
		text_put(w, 2 + r, 30, v, cols - 32, sel ? a : dim ? ui_attr(ui, ST_DIM) : A_NORMAL, false);
		wattrset(w, A_NORMAL);
		free(v);
	}
	int y = 3 + R_COUNT;
	pthread_mutex_lock(&T.mu);
	if (T.result && y < rows) /* Twilio's answer in words: wrapped, its end is often the point */
		y += text_put_wrap(w, y, 2, T.result, cols - 4, rows - y > 3 ? 3 : rows - y,
				   T.running ? ui_attr(ui, ST_DIM) : ui_attr(ui, T.ok ? ST_OK : ST_ERROR)) - 1;
	pthread_mutex_unlock(&T.mu);
	if (y + 2 < rows)
		text_put_wrap(w, y + 2, 2, "Secrets are encrypted with the key file and never shown. t tests the connection.",
			      cols - 4, rows - y - 2, ui_attr(ui, ST_DIM));
}

/* Moves, edits, clears, tests. */
static int settings_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct settings *st = sc->priv;
	char *err = NULL;
	switch (ev->action) {
	case SA_DOWN: st->sel = (st->sel + 1) % R_COUNT; return UI_REDRAW;
	case SA_UP: st->sel = (st->sel + R_COUNT - 1) % R_COUNT; return UI_REDRAW;
	case SA_CLOSE: return UI_POP | UI_REDRAW;
	case SA_TEST: test_start(ui, st); return UI_REDRAW;
	case SA_CLEAR:
		if (st->sel == R_KEY_SID || st->sel == R_MG) {
			if (set_column(ui, st, st->sel == R_KEY_SID ? "api_key_sid" : "messaging_service_sid", NULL, &err) != 0)
				ui_message(ui, "Settings", err);
			free(err);
			settings_load(ui, st);
		} else {
			ui_flash(ui, "Only the API key SID and the messaging service can be unset.");
		}
		return UI_REDRAW;
	case SA_EDIT:
		st->editing = (enum row)st->sel;
		if (st->sel == R_TOKEN || st->sel == R_KEY_SECRET) {
			ui_push(ui, &ui_secret_screen, (void *)(st->sel == R_TOKEN ? "auth_token" : "api_key_secret"));
		} else if (st->sel == R_TEMPLATE) {
			ui_push(ui, &ui_template_screen, NULL);
		} else {
			char *v = row_value(st, (enum row)st->sel);
			char *q = xasprintf("%s:", row_label[st->sel]);
			ui_prompt(ui, q, strncmp(v, "not set", 7) == 0 ? "" : v, row_done, st);
			free(q);
			free(v);
		}
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

/* Another screen saved: read again. */
static void settings_reload(struct ui *ui, struct screen *sc)
{
	settings_load(ui, sc->priv);
}

/* Frees the screen (a running test goes on and reports later). */
static void settings_free(struct screen *sc)
{
	struct settings *st = sc->priv;
	tenant_free(&st->t);
	free(st->error);
	free(st);
}

const struct screen_ops ui_settings_screen = {
	.name = "settings",
	.init = settings_init,
	.draw = settings_draw,
	.key = settings_key,
	.reload = settings_reload,
	.free = settings_free,
	.keys = settings_keys,
};

void ui_settings_open(struct ui *ui)
{
	const char *why = auth_refusal_text(ui->session.role, AUTH_SETTINGS);
	if (why != NULL) {
		ui_message(ui, "Settings", why);
		return;
	}
	ui_push(ui, &ui_settings_screen, NULL);
}

void ui_settings_stop(void)
{
	if (!T.running)
		return;
	pthread_join(T.thread, NULL);
	T.running = false;
	twilio_client_free(&T.client);
	xfree(&T.result);
}

/* ---- the secret entry ---- */

enum { XA_SAVE = 1, XA_CANCEL };

static const struct keybinding secret_keys[] = {
	{'\r', false, XA_SAVE, "Enter", "encrypt and save", true},
	{'\n', false, XA_SAVE, "Enter", "encrypt and save", false},
	{KEY_ENTER, true, XA_SAVE, "Enter", "encrypt and save", false},
	{27, false, XA_CANCEL, "Esc", "cancel", true},
	{0},
};

struct secret {
	const char *field; /* static: "auth_token" / "api_key_secret" */
	struct ui_field f;
	char *error;
};

/* Opens the masked entry for field (a static string). */
static int secret_init(struct ui *ui, struct screen *sc, void *arg)
{
	const char *why = auth_refusal_text(ui->session.role, AUTH_CREDENTIALS);
	if (why != NULL) {
		ui_message(ui, "Credentials", why);
		return -1;
	}
	struct secret *x = xcalloc(1, sizeof(*x));
	x->field = arg;
	ui_field_init(&x->f, SECRET_MAX, true);
	sc->priv = x;
	return 0;
}

/* Draws the box with stars for what was typed. */
static void secret_draw(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols)
{
	struct secret *x = sc->priv;
	int bw = 70, y0, x0;
	ui_box(ui, w, rows, cols, 8, bw, &y0, &x0);
	text_put(w, y0 + 1, x0 + 2,
		 strcmp(x->field, "auth_token") == 0 ? "New Twilio auth token (hidden):" : "New API key secret (hidden):",
		 bw - 4, ui_attr(ui, ST_TITLE), false);
	ui_field_draw(&x->f, sc, w, y0 + 3, x0 + 2, bw - 4, A_UNDERLINE);
	text_put(w, y0 + 5, x0 + 2, x->error ? x->error : "It is encrypted at once and never shown again.", bw - 4,
		 x->error ? ui_attr(ui, ST_ERROR) : ui_attr(ui, ST_DIM), false);
}

/* Encrypts the typed secret with the key file and stores it; wipes every copy. */
static int secret_save(struct ui *ui, struct secret *x, char **err)
{
	char *plain = sodium_malloc(SECRET_MAX * 4 + 1);
	struct vault *v = NULL;
	unsigned char *nonce = NULL, *ct = NULL;
	size_t nl = 0, cl = 0;
	int rc = -1;
	if (plain == NULL)
		abort();
	ui_field_utf8(&x->f, plain, SECRET_MAX * 4 + 1);
	ui_field_clear(&x->f);
	for (const char *p = plain; *p; p++)
		if (!isgraph((unsigned char)*p)) {
			seterr(err, "A token has no spaces or other characters: check what was pasted.");
			goto out;
		}
	if (strlen(plain) < 16) {
		seterr(err, "That is too short for a Twilio secret (32 characters).");
		goto out;
	}
	if (ui_auth_key_file() == NULL || vault_open_keyfile(ui_auth_key_file(), &v, err) != 0)
		goto out;
	if (vault_encrypt(v, ui->session.tenant_id, x->field, plain, &nonce, &nl, &ct, &cl, err) != 0 ||
	    store_cred_put(ui->store, ui->session.tenant_id, x->field, nonce, nl, ct, cl, err) != 0)
		goto out;
	ui_audit(ui, "credential.set", 0, x->field, NULL);
	rc = 0;
out:
	sodium_free(plain);
	vault_close(&v);
	free(nonce);
	free(ct);
	return rc;
}

/* Typing, Enter to save, Esc to cancel. */
static int secret_key(struct ui *ui, struct screen *sc, const struct key_event *ev)
{
	struct secret *x = sc->priv;
	char *err = NULL;
	if (ev->action == XA_CANCEL)
		return UI_POP | UI_REDRAW;
	if (ev->action == XA_SAVE) {
		xfree(&x->error);
		if (secret_save(ui, x, &err) != 0) {
			x->error = err ? err : xstrdup("Not saved.");
			return UI_REDRAW;
		}
		ui_flash(ui, "%s saved (encrypted)", strcmp(x->field, "auth_token") == 0 ? "Auth token" : "API key secret");
		return UI_POP | UI_RELOAD;
	}
	return ui_field_key(&x->f, ev) ? UI_REDRAW : UI_HANDLED;
}

/* Wipes the field. */
static void secret_free(struct screen *sc)
{
	struct secret *x = sc->priv;
	ui_field_free(&x->f);
	free(x->error);
	free(x);
}

const struct screen_ops ui_secret_screen = {
	.name = "secret",
	.init = secret_init,
	.draw = secret_draw,
	.key = secret_key,
	.free = secret_free,
	.keys = secret_keys,
	.overlay = true,
	.text_input = true,
};
