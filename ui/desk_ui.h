/* The console's front-desk parts: the needs-human lane and the failed-delivery worklist
 * (ui/desk_lanes.c), and the thread's notes, assignment, appointments and archive
 * (ui/desk_thread.c); canned replies and send later in compose (ui/desk_compose.c).
 * Owner: those files. */
#ifndef SMSDESK_UI_DESK_UI_H
#define SMSDESK_UI_DESK_UI_H
#include "src/desk.h"
#include "ui/screen.h"

extern const struct screen_ops ui_lane_screen;     /* H; arg NULL */
extern const struct screen_ops ui_worklist_screen; /* F; arg non-NULL (any) */

/* The signed-in user as a desk actor (strings borrowed from the session). */
struct desk_actor ui_desk_actor(const struct ui *ui);
/* "Tue, Dec 8 9:00 AM · Dr. Park · scheduled" in the location's zone (malloc'd). */
char *ui_desk_appt_words(const struct ui *ui, const struct appointment *a);

/* The inbox's title counts: threads in the needs-human lane, failed deliveries to follow up. */
void ui_desk_counts(struct ui *ui, int *lane, int *failed);
/* e in the inbox: archives an open thread, reopens an archived one. */
int ui_desk_archive_toggle(struct ui *ui, const struct sms_thread *t);

/* What the thread view shows of the desk: next appointments, notes, who has it. */
struct ui_desk_thread;
struct ui_desk_thread *ui_desk_thread_load(struct ui *ui, int64_t thread_id);
void ui_desk_thread_free(struct ui_desk_thread **dp);
/* Draws the desk lines from row y (appointment, assignee, latest note); returns rows used. */
int ui_desk_thread_draw(struct ui *ui, WINDOW *w, int y, int cols, const struct ui_desk_thread *d);
/* The thread's desk keys (UI_DESK_* actions); returns UI_* flags. */
enum { UI_DESK_NOTE = 100, UI_DESK_NOTES, UI_DESK_ASSIGN, UI_DESK_UNREAD, UI_DESK_ARCHIVE, UI_DESK_CONFIRM,
       UI_DESK_RESCHED, UI_DESK_CANCEL, UI_DESK_LATER_CANCEL };
int ui_desk_thread_key(struct ui *ui, struct ui_desk_thread *d, int action);

/* Compose: opens the quick-reply picker; chosen text (rendered for the thread) goes to put(). */
typedef void (*ui_desk_put_fn)(struct ui *ui, void *ctx, const char *text);
void ui_desk_canned_pick(struct ui *ui, int64_t thread_id, ui_desk_put_fn put, void *ctx);
/* Review's l: asks when, then queues the draft for that time (moved into texting hours) and
 * closes review and compose. */
void ui_desk_send_later(struct ui *ui, struct screen *review, struct screen *compose, int64_t thread_id,
			int64_t patient_id, const char *phone, const char *body);

#endif
