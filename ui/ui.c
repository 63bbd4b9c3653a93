/* The console: one loop waiting on the keyboard, the sync worker's pipe and timers; a stack
 * of screens; mark dirty, draw once; relayout on resize. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "src/auth.h"
#include "src/media_open.h"
#include "src/scheduler.h"
#include "src/tz.h"
#include "src/util.h"
#include "ui/screen.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/job.h"
#include "ui/pixels.h"
#include "ui/worker.h"
#include "ui/auth_ui.h"

#define MIN_COLS 80
#define MIN_ROWS 24
#define FAST_POLL_MS 2000   /* after a send: follow the delivery closely for a while */
#define FAST_POLL_FOR_MS 90000

/* Colour pairs, one per style. */
enum { PAIR_TITLE = 1, PAIR_SELECTED, PAIR_DIM, PAIR_UNREAD, PAIR_ERROR, PAIR_OK, PAIR_WARN, PAIR_STATUS, PAIR_MARK };

struct loop {
	WINDOW *main, *hints, *status;
	int rows, cols;
	bool too_small;
	int wake[2];
	int64_t next_poll_ms, fast_until_ms;
	bool painted_once;
	const struct ui_options *opts; /* for the sync worker, started after the first paint */
	bool worker_tried;
};

static struct loop L;
static volatile sig_atomic_t stop_signal; /* SIGTERM / SIGHUP: leave cleanly (lease, endwin) */

/* Notes a request to stop; the loop sees it when poll(2) returns EINTR. */
static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* Attributes for a style: colours when the terminal has them and NO_COLOR is unset. */
attr_t ui_attr(const struct ui *ui, enum ui_style st)
{
	static const struct {
		short pair;
		attr_t mono;
		attr_t extra;
	} map[] = {
		[ST_NORMAL] = {0, A_NORMAL, A_NORMAL},         [ST_TITLE] = {PAIR_TITLE, A_BOLD, A_BOLD},
		[ST_SELECTED] = {PAIR_SELECTED, A_REVERSE, 0}, [ST_DIM] = {PAIR_DIM, A_NORMAL, 0},
		[ST_UNREAD] = {PAIR_UNREAD, A_BOLD, A_BOLD},   [ST_ERROR] = {PAIR_ERROR, A_BOLD, A_BOLD},
		[ST_OK] = {PAIR_OK, A_NORMAL, 0},              [ST_WARN] = {PAIR_WARN, A_BOLD, A_BOLD},
		[ST_STATUS] = {PAIR_STATUS, A_REVERSE, 0},     [ST_MARK] = {PAIR_MARK, A_BOLD, A_BOLD},
	};
	if (!ui->colour || map[st].pair == 0)
		return map[st].mono;
	return COLOR_PAIR(map[st].pair) | map[st].extra;
}

/* Sets up colour pairs, or leaves the terminal monochrome. */
static void colours_init(struct ui *ui)
{
	const char *no = getenv("NO_COLOR");

	ui->colour = has_colors() && (no == NULL || no[0] == '\0');
	if (!ui->colour)
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_DIM, COLOR_BLUE, -1);
	init_pair(PAIR_UNREAD, COLOR_YELLOW, -1);
	init_pair(PAIR_ERROR, COLOR_RED, -1);
	init_pair(PAIR_OK, COLOR_GREEN, -1);
	init_pair(PAIR_WARN, COLOR_MAGENTA, -1);
	init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_WHITE);
	init_pair(PAIR_MARK, COLOR_CYAN, -1);
}

/* Decoration in UTF-8, or its ASCII stand-in. */
const char *ui_sym(const char *utf8, const char *ascii)
{
	return text_is_ascii() ? ascii : utf8;
}

/* Draws a horizontal rule. */
void ui_rule(const struct ui *ui, WINDOW *w, int y, int cols)
{
	wattrset(w, ui_attr(ui, ST_DIM));
	mvwhline(w, y, 0, text_is_ascii() ? '-' : ACS_HLINE, cols);
	wattrset(w, A_NORMAL);
}

/* Keeps a note for the hint line. */
void ui_flash(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	free(ui->flash);
	ui->flash = xstrdup(buf);
	ui->dirty_status = true;
}

/* Marks everything for a repaint. */
void ui_dirty(struct ui *ui)
{
	ui->dirty_main = ui->dirty_status = true;
}

/* Writes an audit entry as the signed-in user. */
void ui_audit(struct ui *ui, const char *action, int64_t patient_id, const char *target, const char *detail)
{
	char *err = NULL;

	if (store_audit_append(ui->store, ui->session.user_id, ui->session.username, ui->session.tenant_id, action,
			       patient_id, target, detail, &err) != 0) {
		ui_flash(ui, "audit failed: %s", err ? err : "?");
		free(err);
	}
}

/* Deletes the windows. */
static void relayout_free(void)
{
	delwin(L.main);
	delwin(L.hints);
	delwin(L.status);
	L.main = L.hints = L.status = NULL;
}

/* Lays the windows out from LINES/COLS: main area, hint line, status bar. */
static void relayout(void)
{
	L.rows = LINES;
	L.cols = COLS;
	L.too_small = L.rows < MIN_ROWS || L.cols < MIN_COLS;
	ui_pixels_reset();
	if (L.main != NULL)
		relayout_free();
	if (L.too_small)
		return;
	L.main = newwin(L.rows - 2, L.cols, 0, 0);
	L.hints = newwin(1, L.cols, L.rows - 2, 0);
	L.status = newwin(1, L.cols, L.rows - 1, 0);
	keypad(L.main, TRUE);
	nodelay(L.main, TRUE);
}

/* Frees one screen. */
static void screen_free(struct screen *sc)
{
	if (sc->ops->free)
		sc->ops->free(sc);
	free(sc->title);
	free(sc);
}

/* Opens a screen on top. */
int ui_push(struct ui *ui, const struct screen_ops *ops, void *arg)
{
	struct screen *sc = xcalloc(1, sizeof *sc);

	sc->ops = ops;
	sc->cursor_y = sc->cursor_x = -1;
	if (ops->init && ops->init(ui, sc, arg) != 0) {
		free(sc->title);
		free(sc);
		return -1;
	}
	sc->below = ui->top;
	ui->top = sc;
	ui_dirty(ui);
	return 0;
}

/* Removes screens marked closed, wherever they are in the stack. */
static void sweep(struct ui *ui, struct screen *closing)
{
	struct screen **pp = &ui->top;

	while (*pp != NULL) {
		if (*pp == closing) {
			struct screen *sc = *pp;
			*pp = sc->below;
			screen_free(sc);
			ui_dirty(ui);
			return;
		}
		pp = &(*pp)->below;
	}
}

/* Counts the unread messages for the status bar; nobody signed in sees no count, so none is
 * read then. */
void ui_count_unread(struct ui *ui)
{
	char *err = NULL;

	ui->unread = 0;
	if (ui->session.username != NULL &&
	    store_unread_total(ui->store, ui->session.tenant_id, &ui->unread, &err) != 0)
		free(err);
	ui->dirty_status = true;
}

/* Asks every open screen to reload from the store, and the unread total. */
static void reload_all(struct ui *ui)
{
	for (struct screen *sc = ui->top; sc != NULL; sc = sc->below)
		if (sc->ops->reload)
			sc->ops->reload(ui, sc);
	ui_count_unread(ui);
	ui_dirty(ui);
}

/* Closes a screen below the one handling a key. */
void ui_close(struct ui *ui, struct screen *sc)
{
	sweep(ui, sc);
}

/* Reloads every screen (exported for screens that change the store on open). */
void ui_reload(struct ui *ui)
{
	reload_all(ui);
}

/* Asks for a sync pass now and quick passes for a while. */
void ui_sync_soon(struct ui *ui)
{
	int64_t now = clock_mono_ms();

	L.fast_until_ms = now + FAST_POLL_FOR_MS;
	L.next_poll_ms = now + FAST_POLL_MS;
	ui_worker_kick(ui->worker);
}

/* Finds the action bound to a key in a table; 0 when unbound. */
static int key_action(const struct keybinding *keys, wint_t k, bool fn)
{
	for (const struct keybinding *b = keys; b && b->label; b++)
		if (b->key == k && b->fn == fn)
			return b->action;
	return 0;
}

/* Keys every screen shares, when the screen left them unbound. */
static int global_key(struct ui *ui, struct screen *sc, wint_t k, bool fn)
{
	if ((fn && k == KEY_F(1)) || (!fn && k == '?' && !sc->ops->text_input)) {
		if (sc->ops != &ui_help_screen)
			ui_push(ui, &ui_help_screen, sc);
		return UI_HANDLED;
	}
	if (!fn && k == 12) { /* Ctrl-L */
		clearok(curscr, TRUE);
		ui_pixels_reset();
		ui_dirty(ui);
		return UI_HANDLED;
	}
	return 0;
}

/* Routes one key to the top screen and applies what it asks for. */
static void dispatch(struct ui *ui, wint_t k, bool fn)
{
	ui_auth_activity(ui); /* the idle lock counts from the last key */
	if (fn && k == KEY_RESIZE) {
		relayout();
		ui_dirty(ui);
		return;
	}
	if (L.too_small || ui->top == NULL)
		return;
	struct screen *sc = ui->top;
	if (ui->flash != NULL) {
		xfree(&ui->flash);
		ui->dirty_status = true;
	}
	struct key_event ev = {k, fn, key_action(sc->ops->keys, k, fn)};
	int flags = 0;
	if (ev.action == 0)
		flags = global_key(ui, sc, k, fn);
	if (flags == 0)
		flags = sc->ops->key(ui, sc, &ev);
	if (flags & UI_REDRAW)
		ui->dirty_main = true;
	if (flags & UI_POP)
		sweep(ui, sc);
	if (flags & UI_RELOAD)
		reload_all(ui);
	if (flags & UI_SYNC_NOW)
		ui_sync_soon(ui);
	if ((flags & UI_QUIT) || ui->top == NULL)
		ui->quit = true;
}

/* Draws the screen stack bottom-up as far as overlays need. */
static void draw_stack(struct ui *ui, struct screen *sc, int rows, int cols)
{
	if (sc->ops->overlay && sc->below != NULL)
		draw_stack(ui, sc->below, rows, cols);
	sc->ops->draw(ui, sc, L.main, rows, cols);
}

/* Draws one "key words" pair of the hint line at x; returns the columns used with the gap. */
static int hint_put(struct ui *ui, WINDOW *w, int x, const struct keybinding *b)
{
	int x0 = x;
	x += text_put(w, 0, x, b->label, L.cols - x, ui_attr(ui, ST_MARK), false);
	x += 1;
	x += text_put(w, 0, x, b->desc, L.cols - x, A_NORMAL, false);
	return x + 2 - x0;
}

/* The hint line: the top screen's hinted keys, or the flash note. */
static void draw_hints(struct ui *ui)
{
	WINDOW *w = L.hints;
	int x = 0;

	werase(w);
	if (ui->flash != NULL) {
		text_put(w, 0, 0, ui->flash, L.cols, ui_attr(ui, ST_WARN), false);
		return;
	}
	/* the way back (Esc, or q where Esc does something else) is always shown: its room is kept
	 * before the others are laid out */
	const struct keybinding *esc = NULL;
	for (const struct keybinding *b = ui->top->ops->keys; b && b->label; b++)
		if (b->hint && !b->fn && (b->key == 27 || (b->key == 'q' && esc == NULL)))
			esc = b;
	int budget = L.cols - 8 - (esc ? text_width(esc->label) + text_width(esc->desc) + 3 : 0);
	for (const struct keybinding *b = ui->top->ops->keys; b && b->label; b++) {
		if (!b->hint || b == esc)
			continue;
		int need = text_width(b->label) + text_width(b->desc) + 3;
		if (x + need > budget)
			continue; /* a shorter one further on may still fit */
		x += hint_put(ui, w, x, b);
	}
	if (esc != NULL)
		hint_put(ui, w, x, esc);
	text_put(w, 0, L.cols - 7, "? help", 7, ui_attr(ui, ST_DIM), false);
}

/* The status bar: tenant, user, unread, sync state. */
static void draw_status(struct ui *ui)
{
	WINDOW *w = L.status;
	const char *dot = ui_sym(" \xC2\xB7 ", " | ");
	const char *tenant = ui->session.tenant_name ? ui->session.tenant_name : "?";
	attr_t bar = ui_attr(ui, ST_STATUS);

	wbkgdset(w, ' ' | bar);
	werase(w);
	if (ui->session.username == NULL) { /* the sign-in screen: nobody to show counts to */
		char *s = xasprintf(" %s%snot signed in", tenant, dot);
		text_put(w, 0, 0, s, L.cols, bar, false);
		free(s);
		return;
	}
	char *left = xasprintf(" %s%s%s (%s)%sunread %d%s", tenant, dot, ui->session.username,
			       ui->session.role ? ui->session.role : "?", dot, ui->unread, dot);
	const char *sync = ui->sync_text ? ui->sync_text : "not synced yet";
	if (ui->sync_error && text_width(left) + text_width(sync) > L.cols - 1) {
		/* an error matters more than the clinic's name (it is in the title anyway) */
		free(left);
		left = xasprintf(" %s (%s)%sunread %d%s", ui->session.username, ui->session.role ? ui->session.role : "?",
				 dot, ui->unread, dot);
	}
	int x = text_put(w, 0, 0, left, L.cols, bar, false);
	attr_t sa = ui->sync_error ? (ui->colour ? (bar | A_BOLD) : (A_REVERSE | A_BOLD)) : bar;
	text_put(w, 0, x, sync, L.cols - x - 1, sa, true);
	free(left);
}

/* Writes the first-paint marker for the start-up benchmark (SMSDESK_BENCH_PAINT_FILE). */
static void bench_marker(struct ui *ui)
{
	const char *path = getenv("SMSDESK_BENCH_PAINT_FILE");

	/* The first paint of the inbox, after the sign-in screen when there is one. */
	if (ui->top == NULL || ui->top->ops != &ui_inbox_screen)
		return;
	L.painted_once = true;
	if (path == NULL)
		return;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	/* the time, this process's CPU so far and the sign-in's argon2id (wall, CPU), in µs: the
	 * benchmark splits the start-up with them; then the inbox's page reads so far (one: its
	 * test, tests/e2e/test_console_start.sh) */
	struct timespec now, cpu;
	long long aw = 0, ac = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	auth_last_verify_us(&aw, &ac);
	fprintf(f, "%lld %lld %lld %lld %lu\n", (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000,
		(long long)cpu.tv_sec * 1000000 + cpu.tv_nsec / 1000, aw, ac, ui_inbox_page_reads());
	fclose(f);
}

/* Repaints what is dirty and updates the terminal once. */
static void paint(struct ui *ui)
{
	if (L.too_small) {
		char msg[96];
		werase(stdscr);
		snprintf(msg, sizeof msg, "Terminal too small (need %dx%d, have %dx%d)", MIN_COLS, MIN_ROWS, COLS, LINES);
		text_put(stdscr, LINES / 2, 0, msg, COLS, A_BOLD, false);
		wnoutrefresh(stdscr);
		ui_pixels_hide();
		ui_pixels_before_update();
		doupdate();
		return;
	}
	if (!ui->dirty_main && !ui->dirty_status)
		return;
	if (ui->dirty_main) {
		werase(L.main);
		ui_pixels_begin();
		draw_stack(ui, ui->top, L.rows - 2, L.cols);
		if (ui->top->ops->overlay)
			ui_pixels_hide(); /* a box over the photos: pixels would cover it */
		ui->dirty_status = true;
	}
	if (ui->dirty_status) {
		draw_hints(ui);
		draw_status(ui);
		wnoutrefresh(L.hints);
		wnoutrefresh(L.status);
	}
	struct screen *sc = ui->top;
	if (sc->cursor_y >= 0) {
		curs_set(1);
		wmove(L.main, sc->cursor_y, sc->cursor_x);
	} else {
		curs_set(0);
	}
	wnoutrefresh(L.main); /* last, so the terminal cursor lands in it */
	ui_pixels_before_update();
	doupdate();
	ui_pixels_after_update(); /* photos as pixels, where curses left them room */
	ui->dirty_main = ui->dirty_status = false;
	if (!L.painted_once)
		bench_marker(ui);
}

/* Formats t in the clinic's zone, shorter when recent. */
void ui_time(const struct ui *ui, int64_t t, char *out, size_t len)
{
	struct tm tm, now_tm;
	int64_t now = clock_now();
	const char *tz = ui->session.tenant_tz ? ui->session.tenant_tz : "UTC";

	if (t <= 0) {
		snprintf(out, len, "-");
		return;
	}
	if (tz_local(tz, t, &tm) != 0 || tz_local(tz, now, &now_tm) != 0) {
		time_t tt = (time_t)t, nt = (time_t)now;
		gmtime_r(&tt, &tm);
		gmtime_r(&nt, &now_tm);
	}
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(out, len, "%H:%M", &tm);
	else if (t > now - 6 * 86400 && t <= now)
		strftime(out, len, "%a %H:%M", &tm);
	else if (tm.tm_year == now_tm.tm_year)
		strftime(out, len, "%b %d %H:%M", &tm);
	else
		strftime(out, len, "%b %d %Y", &tm);
}

/* Formats t as a full date in the clinic's zone with the zone's name: "Dec 04 2026 07:07 CST"
 * (records such as an opt-out are read later and elsewhere: no "today" shortcuts, no guessing
 * which zone). */
void ui_time_zoned(const struct ui *ui, int64_t t, char *out, size_t len)
{
	struct tm tm;
	char when[40];
	const char *tz = ui->session.tenant_tz ? ui->session.tenant_tz : "UTC";

	if (t <= 0) {
		snprintf(out, len, "-");
		return;
	}
	if (tz_local(tz, t, &tm) != 0) {
		time_t tt = (time_t)t;
		gmtime_r(&tt, &tm);
		tm.tm_zone = "UTC";
	}
	strftime(when, sizeof when, "%b %d %Y %H:%M", &tm);
	snprintf(out, len, "%s %s", when, tm.tm_zone ? tm.tm_zone : tz);
}

/* Whether the open clinic has what sending needs (an account and a number or service). */
static bool tenant_ready(struct ui *ui)
{
	struct tenant t = {0};
	bool ok = true; /* a read error is not the clinic's setup: stay quiet */

	if (store_tenant_get(ui->store, ui->session.tenant_id, &t, NULL) == 0) {
		ok = t.account_sid && *t.account_sid &&
		     ((t.from_number && *t.from_number) || (t.messaging_service_sid && *t.messaging_service_sid));
		tenant_free(&t);
	}
	return ok;
}

/* Words when no reminders pass ran lately (no scheduler), else NULL: nothing else in the
 * console would show that due reminders are simply not going out. */
static char *reminders_stale(struct ui *ui)
{
	int64_t at = 0;
	char when[40], *err = NULL;

	if (scheduler_reminders_last(ui->store, &at, &err) != 0) {
		free(err);
		return NULL; /* a read error is not a missing scheduler */
	}
	if (at > 0 && at >= clock_now() - SCHEDULER_STALE_SECONDS)
		return NULL;
	if (at == 0)
		return xstrdup("reminders are not being sent: no scheduler has ever run (smsdesk --scheduler)");
	ui_time(ui, at, when, sizeof when);
	return xasprintf("reminders are not being sent: no scheduler since %s (smsdesk --scheduler)", when);
}

/* The demo's EHR loop in a few words (it must fit the status bar at 80 columns): what the fake
 * EHR sent, then that it acknowledged our write-backs. NULL outside the demo. */
static char *ehr_words(const struct ui *ui, int acked)
{
	if (acked == 1)
		return xstrdup("EHR: write-back acked");
	if (acked > 1)
		return xasprintf("EHR: %d write-backs acked", acked);
	return ui->ehr_note ? xstrdup(ui->ehr_note) : NULL;
}

/* Updates the status bar from the worker's latest pass. */
static void take_worker(struct ui *ui)
{
	struct ui_worker_result r;
	char when[32];
	char *err = NULL;

	ui_worker_take(ui->worker, &r);
	free(ui->sync_text);
	ui->sync_error = r.error != NULL;
	if (r.error != NULL) {
		ui->sync_text = xasprintf("sync: %s", r.error);
	} else if (r.holding && !tenant_ready(ui)) {
		/* the pass skipped this clinic: say so, or queued messages seem stuck for no reason */
		ui->sync_text = xstrdup("Twilio is not set up: messages wait (S: settings)");
		ui->sync_error = true;
	} else if (r.holding) {
		ui_time(ui, r.ok_at, when, sizeof when);
		char *ehr = ehr_words(ui, r.ehr_acked);
		ui->sync_text = xasprintf("synced %s%s%s", when, ehr ? ui_sym(" \xC2\xB7 ", " | ") : "", ehr ? ehr : "");
		free(ehr);
	} else {
		/* a scheduler does the syncing: show what it recorded for this clinic */
		struct sync_state st = {0};
		if (store_sync_get(ui->store, ui->session.tenant_id, &st, &err) == 0 && st.last_error != NULL) {
			ui->sync_text = xasprintf("scheduler: %s", st.last_error);
			ui->sync_error = true;
		} else if (st.last_ok_at > 0) {
			ui_time(ui, st.last_ok_at, when, sizeof when);
			ui->sync_text = xasprintf("synced %s by scheduler", when);
		} else {
			ui->sync_text = xstrdup("scheduler has not synced yet");
		}
		sync_state_free(&st);
		free(err);
	}
	free(r.error);
	free(ui->reminders_warn);
	ui->reminders_warn = reminders_stale(ui);
	if (ui->reminders_warn != NULL && !ui->sync_error) {
		/* first: cut at the bar's end it must still be read; "synced" matters less */
		char *both = xasprintf("%s%s%s", ui->reminders_warn, ui_sym(" \xC2\xB7 ", " | "), ui->sync_text);
		free(ui->sync_text);
		ui->sync_text = both;
		ui->sync_error = true;
	}
	reload_all(ui);
}

/* The poll timer: a pass every poll_seconds, every 2 s for a while after a send. */
static void timers_fire(struct ui *ui)
{
	int64_t now = clock_mono_ms();

	if (now < L.next_poll_ms)
		return;
	ui_worker_kick(ui->worker);
	int64_t step = now < L.fast_until_ms ? FAST_POLL_MS : (int64_t)ui->poll_seconds * 1000;
	L.next_poll_ms = now + step;
}

/* Milliseconds until the next timer, for poll(2). */
static int timers_timeout(void)
{
	int64_t d = L.next_poll_ms - clock_mono_ms();
	if (d < 0)
		return 0;
	return d > 60000 ? 60000 : (int)d;
}

/* Reads every key that is waiting (NeoMutt key/get.c: drain until ERR after each wake). */
static void drain_keys(struct ui *ui)
{
	wint_t k;
	int rc;

	while (!ui->quit && (rc = wget_wch(L.main ? L.main : stdscr, &k)) != ERR)
		dispatch(ui, k, rc == KEY_CODE_YES);
}

/* Empties the wake-up pipe and takes the worker's news. */
static void drain_wake(struct ui *ui)
{
	char buf[64];

	while (read(L.wake[0], buf, sizeof buf) > 0)
		;
	take_worker(ui);
}

/* Starts the sync worker and its first pass: after the first paint, which needs nothing from
 * it (its connection and pass would only compete with the start for the CPU). A thread that
 * cannot start leaves the console without syncing, and says so on the status bar. */
static void worker_start(struct ui *ui)
{
	const struct ui_options *opts = L.opts;
	char *err = NULL;

	L.worker_tried = true;
	if (ui_worker_start(opts->db_path, opts->key_file, L.wake[1], opts->run_reminders, &ui->worker, &err) != 0) {
		free(ui->sync_text);
		ui->sync_text = xasprintf("sync: %s", err ? err : "cannot start");
		ui->sync_error = true;
		ui->dirty_status = true;
		free(err);
		return;
	}
	ui_worker_kick(ui->worker);
	L.next_poll_ms = clock_mono_ms() + (int64_t)ui->poll_seconds * 1000;
}

/* The loop: paint, wait for keys / the worker / the next timer, handle, repeat. */
static void loop(struct ui *ui)
{
	while (!ui->quit && !stop_signal) {
		paint(ui);
		if (!L.worker_tried)
			worker_start(ui);
		struct pollfd fds[3] = {{.fd = 0, .events = POLLIN},
					{.fd = L.wake[0], .events = POLLIN},
					{.fd = ui_jobs_fd(), .events = POLLIN}};
		int n = poll(fds, 3, ui_auth_timeout_ms(timers_timeout()));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (fds[1].revents & POLLIN))
			drain_wake(ui);
		if (n > 0 && (fds[2].revents & POLLIN))
			ui_jobs_reap(ui); /* an attachment checked (ui/job.c) */
		if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
			break; /* the terminal went away */
		drain_keys(ui); /* also after EINTR: SIGWINCH gives KEY_RESIZE */
		timers_fire(ui);
		ui_auth_tick(ui); /* idle lock, connection test */
	}
}

/* Loads the clinic and the user into the session. Sign-in (issue 6) replaces the user part. */
static int session_load(struct ui *ui, const struct ui_options *opts, char **err)
{
	struct tenant t = {0};
	struct ui_session *s = &ui->session;
	int64_t tid = opts->tenant_id;

	if (tid == 0) {
		struct tenant *list = NULL;
		size_t n = 0;
		if (store_tenant_list(ui->store, &list, &n, err) != 0)
			return -1;
		if (n == 0) {
			tenant_list_free(&list, n);
			return seterr(err, "no clinic in this database: run `smsdesk init` first");
		}
		tid = list[0].id;
		tenant_list_free(&list, n);
	}
	if (store_tenant_get(ui->store, tid, &t, err) != 0)
		return -1;
	s->tenant_id = t.id;
	s->tenant_name = xstrdup(t.name);
	s->tenant_tz = xstrdup(t.timezone);
	s->segment_price_micros = t.segment_price_micros;
	s->mms_price_micros = t.mms_price_micros;
	ui->poll_seconds = t.poll_seconds > 0 ? t.poll_seconds : 15;
	tenant_free(&t);

	const char *name = opts->demo_user ? opts->demo_user : getenv("USER");
	struct user u = {0};
	if (name != NULL && store_user_find(ui->store, name, &u, NULL) == 0) {
		s->user_id = u.id;
		s->username = xstrdup(u.username);
		s->role = xstrdup(u.role);
		user_free(&u);
	} else {
		s->username = xstrdup(name ? name : "console");
		s->role = xstrdup(opts->demo_user ? "admin" : "staff");
	}
	char *v = NULL;
	if (store_setting_get(ui->store, s->tenant_id, "console.poll_seconds", &v, NULL) == 0 && atoi(v) > 0)
		ui->poll_seconds = atoi(v);
	free(v);
	return 0;
}

/* Frees the session strings. */
static void session_free(struct ui_session *s)
{
	free(s->username);
	free(s->role);
	free(s->tenant_name);
	free(s->tenant_tz);
	memset(s, 0, sizeof *s);
}

/* Sends stderr to a file (or /dev/null) while curses owns the terminal: a stray library
 * message must never land on the screen. Returns the saved descriptor. */
static int stderr_away(void)
{
	const char *log = getenv("SMSDESK_CONSOLE_LOG");
	int saved = dup(2);
	int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	return saved;
}

/* Starts curses. */
static void curses_start(struct ui *ui)
{
	initscr();
	raw(); /* Ctrl-C, Ctrl-Z and Ctrl-S reach the screens as keys, not signals */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	colours_init(ui);
	ui_pixels_init(ui->colour);
	relayout();
}

/* The store's opening, run beside curses_start: both take ~2 ms of CPU (the schema's parse,
 * the terminal's description) and need nothing of each other. */
struct opening {
	struct ui *ui;
	const struct ui_options *opts;
	char *err;
	int rc;
};

/* Opens the store and loads the clinic into the session (the thread's body). */
static void *opening_run(void *arg)
{
	struct opening *o = arg;

	if (store_open(o->opts->db_path, &o->ui->store, &o->err) != 0 || session_load(o->ui, o->opts, &o->err) != 0)
		o->rc = -1;
	return NULL;
}

/* Runs the console until the user quits. */
int ui_run(const struct ui_options *opts)
{
	struct ui ui = {0};
	char *err = NULL;
	int rc = 1;
	pthread_t opener;

	setlocale(LC_CTYPE, "");
	text_set_ascii(strcmp(nl_langinfo(CODESET), "UTF-8") != 0);
	memset(&L, 0, sizeof L);
	L.wake[0] = L.wake[1] = -1;
	ui.ehr_note = opts->ehr_note ? xstrdup(opts->ehr_note) : NULL;
	if (pipe2(L.wake, O_CLOEXEC | O_NONBLOCK) != 0 || ui_jobs_init() != 0) {
		seterr(&err, "pipe: %s", strerror(errno));
		goto out;
	}
	L.opts = opts;
	/* Until the join, the opener alone touches ui.store and ui.session (and curses_start
	 * neither). A database that cannot open now shows the terminal's screen for a moment
	 * before the message: the price of the overlap. */
	struct opening op = {.ui = &ui, .opts = opts};
	bool threaded = pthread_create(&opener, NULL, opening_run, &op) == 0;
	if (!threaded)
		opening_run(&op);
	struct sigaction sa = {.sa_handler = on_stop_signal}, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	stop_signal = 0;
	int saved = stderr_away();
	curses_start(&ui);
	if (threaded)
		pthread_join(opener, NULL);
	err = op.err;
	if (op.rc == 0 && ui_auth_begin(&ui, opts) == 0) { /* sign-in, then the inbox */
		loop(&ui);
		rc = 0;
	}
	ui_auth_end(&ui);
	while (ui.top != NULL)
		sweep(&ui, ui.top);
	if (L.main)
		relayout_free();
	ui_pixels_end();
	endwin();
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
out:
	ui_worker_stop(&ui.worker);
	ui_jobs_stop(); /* after the screens: a job whose screen is gone only frees */
	media_open_cleanup(); /* the private copies made for the viewer */
	if (err != NULL)
		fprintf(stderr, "smsdesk: %s\n", err);
	free(err);
	free(ui.sync_text);
	free(ui.reminders_warn);
	free(ui.ehr_note);
	free(ui.flash);
	session_free(&ui.session);
	store_close(&ui.store);
	for (int i = 0; i < 2; i++)
		if (L.wake[i] >= 0)
			close(L.wake[i]);
	return rc;
}
