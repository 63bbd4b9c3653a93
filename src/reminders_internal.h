/* Shared by src/reminders.c (the pass) and src/reminders_manual.c (send now, upcoming):
 * the decision types and the helpers both use. Not part of the core's API. */
#ifndef SMSDESK_REMINDERS_INTERNAL_H
#define SMSDESK_REMINDERS_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "src/reminders.h"

#define REM_EVENTS_MAX (REMINDER_MAX_SLOTS + 4)
#define REM_DAY 86400

/* What to do with one reminder. */
enum verdict { V_QUEUE, V_WAIT, V_SKIP };

struct decision {
	enum verdict v;
	char *reason;     /* skip / wait: words for the screen and the log */
	int64_t until;    /* wait: the next allowed time */
	char *body;       /* queue: the rendered text */
};

/* One tenant's settings, parsed once per pass. */
struct tenant_ctx {
	const struct tenant *t;
	int slots[REMINDER_MAX_SLOTS];
	size_t nslots;
	const char *actor;
};

/* Events of one appointment, emitted after its transaction commits. */
struct event_buf {
	struct reminder_event ev[REM_EVENTS_MAX];
	char *reasons[REM_EVENTS_MAX];
	size_t n;
};

/* The start of a skip reason an admin can fix by changing the template (or the location's
 * phone): such a reminder is decided again once fixed, while the appointment is ahead. */
#define REM_TEMPLATE_REASON "template: "

/* The helpers (src/reminders.c). */
char *rem_template_problem(const struct tenant *t, const struct reminder_candidate *c);
bool rem_template_fixed(const struct tenant *t, const struct reminder_candidate *c, const struct appt_reminder *row);
const char *rem_zone_for(const struct reminder_candidate *c, const struct tenant *t);
int rem_render_body(const struct tenant *t, const struct reminder_candidate *c, char **body, char **err);
const char *rem_blocking_reason(const struct reminder_candidate *c);
int rem_exemption_check(struct store *s, const struct reminder_candidate *c, const char *body, int64_t now,
			char **reason, char **err);
char *rem_wait_reason(const char *zone, int64_t until);
void rem_decision_free(struct decision *d);
void rem_ev_flush(struct event_buf *b, struct reminders_report *r, bool commit);
int rem_apply_queue(struct store *s, const struct tenant_ctx *tc, const struct reminder_candidate *c, int64_t row_id,
		    int slot, const struct decision *d, struct event_buf *eb, int64_t *msg_out, char **err);
const struct appt_reminder *rem_row_for(const struct appt_reminder *rows, size_t n, int slot);
bool rem_tenant_can_send(const struct tenant *t);

#endif
