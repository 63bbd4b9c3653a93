/* Sign-in, idle lock, locations, settings and the audit screen: the console side of issue 6.
 * Owner: ui/login.c, ui/lock.c, ui/locations.c, ui/settings.c, ui/audit.c, ui/field.c
 *
 * ui/ui.c calls the hooks: ui_auth_begin instead of opening the inbox, ui_auth_activity on
 * every key, ui_auth_timeout_ms around its poll timeout, ui_auth_tick after its timers and
 * ui_auth_end before it closes. The inbox opens the screens with L, S and A. */
#ifndef SMSDESK_UI_AUTH_UI_H
#define SMSDESK_UI_AUTH_UI_H
#include <stdbool.h>
#include <stdint.h>
#include "ui/screen.h"
#include "ui/ui.h"

/* ---- hooks for ui/ui.c (ui/login.c, ui/lock.c) ---- */
/* Opens the sign-in screen, or signs the demo user in and opens the inbox. 0, or -1. */
int ui_auth_begin(struct ui *ui, const struct ui_options *opts);
/* Audits the sign-out when someone is signed in; frees the session's extra state. */
void ui_auth_end(struct ui *ui);
/* A key was pressed: the idle clock starts again. */
void ui_auth_activity(struct ui *ui);
/* The poll timeout the loop should use: timeout_ms or less when a lock or a test is due. */
int ui_auth_timeout_ms(int timeout_ms);
/* Locks the console when idle long enough; collects a finished connection test. */
void ui_auth_tick(struct ui *ui);

/* ---- for the screens (ui/login.c) ---- */
/* "Demo: user demo, password demo" on the demo's sign-in and lock screens, else NULL. */
const char *ui_auth_demo_hint(void);
/* The key file the console was started with (for encrypting secrets), or NULL. */
const char *ui_auth_key_file(void);
/* True when the session may see location tenant_id; fills the ids the session may see. */
bool ui_auth_may_see(int64_t tenant_id);
size_t ui_auth_tenants(const int64_t **ids);
/* Makes tenant_id the console's location: session fields, idle time, poll interval. */
int ui_auth_set_tenant(struct ui *ui, int64_t tenant_id, char **err);
/* Closes every screen but keep (NULL: all) and opens a fresh inbox below it. */
void ui_auth_restart(struct ui *ui, struct screen *keep);
/* Signs out: audits, closes every screen but keep, opens the sign-in screen. */
void ui_auth_sign_out(struct ui *ui, struct screen *keep, const char *why);
/* Marks the console locked or unlocked (the lock screen calls it). */
void ui_auth_set_locked(bool locked);

/* ---- screens and their openers ---- */
extern const struct screen_ops ui_login_screen;
extern const struct screen_ops ui_lock_screen;
extern const struct screen_ops ui_locations_screen;
extern const struct screen_ops ui_settings_screen;
extern const struct screen_ops ui_template_screen;
extern const struct screen_ops ui_secret_screen;
extern const struct screen_ops ui_audit_screen;
/* Open the screen, or say why not (a message box with the refusal text). */
void ui_locations_open(struct ui *ui);
void ui_settings_open(struct ui *ui);
void ui_audit_open(struct ui *ui);
/* Collects the result of a running connection test; true while one runs. */
bool ui_settings_poll(struct ui *ui);
/* Waits for a running connection test to end (at exit). */
void ui_settings_stop(void);

/* ---- a one-line text field (ui/field.c) ---- */
struct ui_field {
	uint32_t *cp; /* code points; sodium_malloc'd and wiped for secrets */
	size_t n, cur, max;
	bool secret;  /* drawn as '*' */
};
void ui_field_init(struct ui_field *f, size_t max, bool secret);
void ui_field_free(struct ui_field *f);
void ui_field_clear(struct ui_field *f);
void ui_field_set(struct ui_field *f, const char *utf8);
/* Edits the field with a key (printable, Backspace, Delete, arrows, Home, End, Ctrl-U);
 * true when the key was used. */
bool ui_field_key(struct ui_field *f, const struct key_event *ev);
/* UTF-8 of the field into buf (NUL-terminated); false when it does not fit. */
bool ui_field_utf8(const struct ui_field *f, char *buf, size_t len);
/* Draws the field at (y, x) in width columns and puts the screen's cursor in it. */
void ui_field_draw(const struct ui_field *f, struct screen *sc, WINDOW *w, int y, int x, int width, attr_t attr);

#endif
