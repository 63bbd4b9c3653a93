/* One-off blocking work off the console's loop (an attachment's HEAD check, up to 10 s): a
 * thread runs work(arg), then the loop, woken through a pipe, runs done(ui, arg) where curses
 * and the store may be used. Owner: ui/job.c
 *
 * work() must touch neither curses nor the store nor any screen; done() is the only place the
 * result meets the UI, so a screen closed meanwhile is noticed there (on the loop's thread). */
#ifndef SMSDESK_UI_JOB_H
#define SMSDESK_UI_JOB_H

struct ui;

typedef void (*ui_job_work_fn)(void *arg);
/* ui is NULL when the console is leaving: only free arg then. */
typedef void (*ui_job_done_fn)(struct ui *ui, void *arg);

/* The pipe the loop polls (read end), -1 before ui_jobs_init. */
int ui_jobs_fd(void);
int ui_jobs_init(void);
/* Starts a job; -1 (nothing started, arg untouched) when no thread could be made. */
int ui_job_start(ui_job_work_fn work, ui_job_done_fn done, void *arg);
/* Runs done() for every finished job (the loop, after its pipe woke it). */
void ui_jobs_reap(struct ui *ui);
/* Waits for the jobs still running and lets them free their args (done(NULL, arg)). */
void ui_jobs_stop(void);

#endif
