/* `smsdesk --scheduler`: the headless service. Takes the sync lease, then every minute does
 * inbound polling, delivery-status refresh, the outbox and reminders; one log line per event
 * on stderr; SIGTERM / SIGINT finish the current step, release the lease and exit 0.
 * Owner: src/scheduler.c */
#ifndef SMSDESK_SCHEDULER_H
#define SMSDESK_SCHEDULER_H
#include "src/cli.h"
#include "store/store.h"

/* argv[0] is "--scheduler"; options: --once, --interval SECONDS (default: each minute on the
 * minute), --drain-chunk N (messages per drain step between signal checks). Returns an exit
 * code: 0 on a clean stop (or a --once pass that went well), EXIT_TWILIO when --once could
 * not reach Twilio for some tenant, EXIT_FAIL on a store or key failure, EXIT_USAGE. */
int scheduler_main(struct cli_ctx *ctx, int argc, char **argv);

/* "+15551234567" and other runs of 7+ digits become "***4567": log lines never carry a full
 * number. Copies at most len - 1 bytes of text into out, control characters as '?'. */
void scheduler_log_sanitize(const char *text, char *out, size_t len);

/* When reminders last ran (a global setting, Unix s as text): written after every reminders
 * pass by the scheduler, and by the demo console, which acts as the scheduler for its
 * throw-away clinic. Consoles read it to say plainly when nothing is sending reminders. */
#define SCHEDULER_REMINDERS_KEY "scheduler.reminders_at"
#define SCHEDULER_STALE_SECONDS 600 /* no pass for this long: reminders are not being sent */
int scheduler_note_reminders(struct store *s, int64_t now, char **err);
/* *at = the last reminders pass, 0 when none ever ran. */
int scheduler_reminders_last(struct store *s, int64_t *at, char **err);

#endif
