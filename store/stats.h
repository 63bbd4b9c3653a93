/* Messaging statistics for a period: volumes, delivery, estimated cost, opt-outs, reminder
 * answers (the earlier web version's analytics). Owner: store/stats.c */
#ifndef SMSDESK_STORE_STATS_H
#define SMSDESK_STORE_STATS_H
#include <stdint.h>
#include "store/store.h"

struct sms_stats {
	/* Messages created in [since, until). */
	int64_t sent;             /* outbound, any status but canceled */
	int64_t received;         /* inbound */
	int64_t delivered;        /* outbound now "delivered" */
	int64_t failed;           /* outbound "failed" or "undelivered" */
	int64_t in_flight;        /* outbound not final yet: queued, sending, accepted, scheduled, sent */
	int64_t sent_reminder, sent_conversation, sent_automatic, sent_campaign; /* sent by type */
	int64_t patients_texted;  /* distinct patients with an outbound message */
	int64_t segments_out, segments_in;
	int64_t mms_out;
	/* Estimate: what Twilio bills, SMS segments both ways at each location's segment price,
	 * MMS at its MMS price; outbound only once Twilio took it (not queued, failed, canceled). */
	int64_t cost_micros;
	/* Numbers blocked in the period and still blocked (an opt-in removes the block). */
	int64_t optouts, optouts_sms, optouts_carrier, optouts_staff, optouts_import;
	/* Reminder rows sent (queued or sent) or skipped in the period, by send (or due) time. */
	int64_t reminders_sent;
	int64_t appointments_reminded; /* distinct appointments among reminders_sent */
	int64_t reminders_skipped;
	/* Appointments among appointments_reminded whose reminder got this answer. */
	int64_t confirmed, reschedule, cancelled;
};

/* Fills *out for tenant_id (0 = every location) over [since, until). */
int store_stats_get(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct sms_stats *out,
		    char **err);

/* One location's week (Monday 00:00 in the zone whose UTC offset was given). Owner:
 * store/stats_weekly.c */
struct stats_week {
	int64_t tenant_id;
	int64_t week_start;  /* Unix time of the week's Monday 00:00, local */
	int64_t sent, delivered, final; /* outbound; final: delivered, failed or undelivered */
	int64_t texted, replied;        /* distinct patients texted / who wrote in */
	int64_t reminded, confirmed;    /* appointments reminded that week / confirmed by reply */
	int64_t campaign;               /* campaign texts (campaigns and slot offers) */
	int64_t cost_micros;            /* as in struct sms_stats */
};
/* The tenant's weeks with activity in [since, until), oldest first; utc_offset (seconds) puts
 * week boundaries on the clinic's Mondays. */
int store_stats_weekly(struct store *s, int64_t tenant_id, int64_t since, int64_t until, int64_t utc_offset,
		       struct stats_week **out, size_t *n, char **err);
void stats_week_list_free(struct stats_week **list, size_t n);

/* Visits in [since, until) that are over (completed or no-show), with and without a reminder. */
struct stats_noshow {
	int64_t reminded, reminded_noshow;
	int64_t unreminded, unreminded_noshow;
};
int store_stats_noshow(struct store *s, int64_t tenant_id, int64_t since, int64_t until, struct stats_noshow *out,
		       char **err);

#endif
