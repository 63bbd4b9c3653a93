/* The thread view's decisions: whose number it is (a shared family phone or an unknown sender:
 * P chooses the patient) and what to do about a flagged message (O opts the number out, D marks
 * it done). ui/thread.c calls these. Owner: ui/thread_actions.c */
#ifndef SMSDESK_UI_THREAD_ACTIONS_H
#define SMSDESK_UI_THREAD_ACTIONS_H
#include "ui/screen.h"

/* The names of the patients who share the thread's number, "José García · María García"
 * (malloc'd), or NULL when one or none has it. Read with the thread, never while drawing. */
char *ui_thread_people(struct ui *ui, const struct sms_thread *t);

/* The thread's title: its patient, "Shared phone" or "Unknown sender". */
const char *ui_thread_who(const struct sms_thread *t);

/* Draws the lines under the title that say whose number it is and why the thread is flagged,
 * with the keys that act on them, from row y; returns how many rows it used (0 to 2). */
int ui_thread_banner(struct ui *ui, WINDOW *w, int y, int cols, const struct sms_thread *t,
		     const char *people, bool opted_out);

/* P: opens the picker of the patients with the number (or a search for an unknown sender). */
int ui_thread_choose(struct ui *ui, const struct sms_thread *t);
/* O: asks, then opts the number of a flagged thread out (no confirmation text is sent). */
int ui_thread_optout(struct ui *ui, const struct sms_thread *t, bool opted_out);
/* D: clears the thread's flag. */
int ui_thread_done(struct ui *ui, const struct sms_thread *t);

#endif
