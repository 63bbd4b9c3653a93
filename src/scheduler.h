/* `smsdesk --scheduler`: the headless service. Takes the sync lease, then every minute does
 * inbound polling, delivery-status refresh, the outbox and reminders; one log line per event
 * on stderr; SIGTERM / SIGINT finish the current step, release the lease and exit 0.
 * Owner: src/scheduler.c */
#ifndef SMSDESK_SCHEDULER_H
#define SMSDESK_SCHEDULER_H
#include "src/cli.h"

/* argv[0] is "--scheduler"; options: --once, --interval SECONDS (default: each minute on the
 * minute), --drain-chunk N (messages per drain step between signal checks). Returns an exit
 * code: 0 on a clean stop (or a --once pass that went well), EXIT_TWILIO when --once could
 * not reach Twilio for some tenant, EXIT_FAIL on a store or key failure, EXIT_USAGE. */
int scheduler_main(struct cli_ctx *ctx, int argc, char **argv);

/* "+15551234567" and other runs of 7+ digits become "***4567": log lines never carry a full
 * number. Copies at most len - 1 bytes of text into out, control characters as '?'. */
void scheduler_log_sanitize(const char *text, char *out, size_t len);

#endif
