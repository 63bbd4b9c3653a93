/* Screens, key tables, the session and the console context, shared inside ui/.
 * Owner: ui/ (ui/ui.c runs the loop)
 *
 * Adding a screen (autoresp editor, reminders, settings, audit, login ...):
 *   1. write ui/<name>.c with a `const struct screen_ops ui_<name>_screen` whose key table
 *      (struct keybinding[], ending with {0}) lists every key with a label and a description:
 *      the dispatcher resolves keys through it and the help screen (`?`) is built from it;
 *   2. declare it in the list at the end of this file;
 *   3. open it from another screen's key handler with ui_push(ui, &ui_<name>_screen, arg).
 * Key handlers never draw: they change state and return UI_* flags; draw() paints from
 * state into the main window (it is erased first) and never touches the store. */
#ifndef SMSDESK_UI_SCREEN_H
#define SMSDESK_UI_SCREEN_H
#include <stdbool.h>
#include <stdint.h>
#include "ui/curses.h"
#include "store/store.h"

/* What a key handler asks for (bits). */
enum {
	UI_HANDLED = 1 << 0,
	UI_REDRAW = 1 << 1,  /* this screen changed */
	UI_POP = 1 << 2,     /* close this screen */
	UI_QUIT = 1 << 3,    /* leave the console */
	UI_RELOAD = 1 << 4,  /* data changed: every open screen reloads from the store */
	UI_SYNC_NOW = 1 << 5 /* wake the sync worker (after a send) */
};

/* One key of a screen. key is a character, or a KEY_* code when fn is true. action is the
 * screen's own number for it (0 is never used). hidden keys work but stay off the hints. */
struct keybinding {
	wint_t key;
	bool fn;
	int action;
	const char *label; /* "j/↓", "Enter" ... as shown in the help */
	const char *desc;
	bool hint;         /* shown on the hint line */
};

/* Who is at the keyboard (issue 6 fills it from the login screen). */
struct ui_session {
	int64_t user_id;  /* 0 while there is no user table entry */
	char *username;
	char *role;       /* admin, staff */
	int64_t tenant_id;
	char *tenant_name;
	char *tenant_tz;  /* IANA */
	int64_t segment_price_micros;
	int64_t mms_price_micros;
};

struct ui;
struct screen;

struct key_event {
	wint_t key;
	bool fn;    /* key is a KEY_* code */
	int action; /* from the screen's table, 0 when unbound */
};

struct screen_ops {
	const char *name;  /* "inbox", "thread" ... */
	int (*init)(struct ui *ui, struct screen *sc, void *arg); /* 0, or -1 (screen not opened) */
	void (*draw)(struct ui *ui, struct screen *sc, WINDOW *w, int rows, int cols);
	int (*key)(struct ui *ui, struct screen *sc, const struct key_event *ev);
	void (*reload)(struct ui *ui, struct screen *sc); /* store changed; NULL: nothing to do */
	void (*free)(struct screen *sc);
	const struct keybinding *keys;
	bool overlay; /* drawn over the screen below (prompts, message boxes) */
	bool text_input; /* unbound printable keys go to key() (editors, prompts) */
};

struct screen {
	const struct screen_ops *ops;
	void *priv;
	struct screen *below;
	char *title;
	int cursor_y, cursor_x; /* where the terminal cursor goes, -1: hidden */
};

/* The console. */
struct ui {
	struct store *store;
	struct ui_session session;
	struct screen *top;
	bool dirty_main, dirty_status;
	bool colour;
	int unread;
	char *sync_text;  /* "synced 14:05" or the last error, in words */
	bool sync_error;
	char *reminders_warn; /* "reminders are not being sent: ..." when no scheduler ran lately */
	char *flash;      /* a one-line note on the hint line until the next key */
	char *ehr_note;   /* the demo's EHR step for the status bar ("EHR: S12 in"), or NULL */
	int poll_seconds;
	struct ui_worker *worker;
	bool quit;
};

/* Opens a screen on top of the stack; returns -1 (and opens nothing) when init refuses. */
int ui_push(struct ui *ui, const struct screen_ops *ops, void *arg);
/* Closes a screen anywhere in the stack (not the one whose key is being handled: that one
 * returns UI_POP). */
void ui_close(struct ui *ui, struct screen *sc);
/* Shows a message box with untrusted-safe text (title, then the words). */
void ui_message(struct ui *ui, const char *title, const char *text);
/* Draws a framed, cleared box of h x w in the middle of win (rows x cols); its top-left in *y0, *x0. */
void ui_box(const struct ui *ui, WINDOW *win, int rows, int cols, int h, int w, int *y0, int *x0);
/* A one-line prompt; done gets the text, or NULL when cancelled (then frees nothing). */
typedef void (*ui_prompt_fn)(struct ui *ui, void *arg, const char *text);
void ui_prompt(struct ui *ui, const char *question, const char *initial, ui_prompt_fn done, void *arg);
/* The line typed so far in the prompt screen sc (malloc'd UTF-8), or NULL when sc is no prompt:
 * lets the screen below show a live preview. */
char *ui_prompt_current(const struct screen *sc);
/* Sets the note on the hint line (a copy is kept). */
void ui_flash(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Every open screen reloads from the store (and the unread total); marks all dirty. */
void ui_reload(struct ui *ui);
/* Reads the unread total for the status bar again (0 while nobody is signed in). */
void ui_count_unread(struct ui *ui);
/* Marks everything for a repaint. */
void ui_dirty(struct ui *ui);
/* Asks the sync worker for a pass now and then quick passes for a while (after a send). */
void ui_sync_soon(struct ui *ui);

/* Colours / attributes by role; plain A_BOLD / A_REVERSE without colour. */
enum ui_style { ST_NORMAL, ST_TITLE, ST_SELECTED, ST_DIM, ST_UNREAD, ST_ERROR, ST_OK, ST_WARN, ST_STATUS, ST_MARK };
attr_t ui_attr(const struct ui *ui, enum ui_style st);
/* Decoration that degrades to ASCII: "·" / "|", "←" / "<", "→" / ">", "…" / "~". */
const char *ui_sym(const char *utf8, const char *ascii);

/* Formats t (Unix s) in the clinic's zone: "14:05" today, "Mon 14:05" this week, else
 * "Nov 26 14:05" (or with the year). */
void ui_time(const struct ui *ui, int64_t t, char *out, size_t len);
/* t as "Dec 04 2026 07:07 CST": a full date in the clinic's zone, with the zone's name. */
void ui_time_zoned(const struct ui *ui, int64_t t, char *out, size_t len);
/* Writes an audit entry for the signed-in user (errors shown as a flash). */
void ui_audit(struct ui *ui, const char *action, int64_t patient_id, const char *target, const char *detail);

/* Draws a horizontal rule on row y. */
void ui_rule(const struct ui *ui, WINDOW *w, int y, int cols);

/* The screens. */
extern const struct screen_ops ui_inbox_screen;
/* How many pages the inbox has read from the store in this process (the start-up benchmark and
 * its test: one read on the way to the first paint). */
unsigned long ui_inbox_page_reads(void);
extern const struct screen_ops ui_thread_screen;   /* arg: int64_t * thread id */
extern const struct screen_ops ui_compose_screen;  /* arg: int64_t * thread id */
extern const struct screen_ops ui_review_screen;   /* arg: struct compose_draft * (compose.c) */
extern const struct screen_ops ui_patient_screen;  /* arg: int64_t * patient id */
extern const struct screen_ops ui_help_screen;     /* arg: struct screen * whose keys to show */
extern const struct screen_ops ui_message_screen;  /* via ui_message() */
extern const struct screen_ops ui_prompt_screen;   /* via ui_prompt() */
extern const struct screen_ops ui_reminders_screen; /* ui/reminders.c; arg unused */
extern const struct screen_ops ui_campaigns_screen; /* ui/campaigns.c; arg unused */
extern const struct screen_ops ui_campaign_form_screen;    /* ui/campaign_form.c; arg: struct campaign_draft * */
extern const struct screen_ops ui_campaign_preview_screen; /* ui/campaign_preview.c; arg: struct campaign_draft * */
extern const struct screen_ops ui_filler_screen;    /* ui/filler.c; arg unused */
extern const struct screen_ops ui_stats_screen;     /* ui/stats.c; arg unused */
extern const struct screen_ops ui_autoresp_screen; /* ui/autoresp.c; arg unused; admins only */
extern const struct screen_ops ui_plan_screen;     /* ui/plan.c; arg unused */

#endif
