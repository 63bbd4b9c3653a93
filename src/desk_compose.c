/* Front-desk composing: canned replies (checked like reminder templates, rendered for the
 * thread's patient) and send later (texting hours respected, cancellable until it goes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/desk.h"
#include "src/quiet.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"

/* Runs a store change and its audit entry in one transaction. */
static int audited(struct store *s, const struct desk_actor *a, int64_t tenant_id, const char *action,
		   const char *target, const char *detail, int rc_change, char **err)
{
	if (rc_change != 0) {
		store_rollback(s);
		return rc_change;
	}
	if (store_audit_append(s, a->user_id, a->username, tenant_id, action, 0, target, detail, err) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, err);
}

int desk_canned_put(struct store *s, const struct desk_actor *a, int64_t tenant_id, const char *name,
		    const char *body, char **err)
{
	if (!a->admin) {
		seterr(err, "Only an admin can change quick replies.");
		return DESK_REFUSED;
	}
	/* Quick replies go to patients by hand: the same checks as a reminder template, and no
	 * risky variable at all (there is no admin confirmation step in compose). */
	if (body == NULL || template_validate(body, false, err) != 0)
		return body == NULL ? (seterr(err, "a quick reply needs text"), DESK_REFUSED) : DESK_REFUSED;
	struct canned_reply c = {.tenant_id = tenant_id,
				 .name = (char *)name,
				 .body = (char *)body,
				 .updated_by = (char *)a->username,
				 .updated_at = clock_now()};
	if (store_begin(s, err) != 0)
		return -1;
	int rc = store_canned_put(s, &c, NULL, err);
	char target[64];
	snprintf(target, sizeof(target), "quick reply %.40s", name ? name : "");
	return audited(s, a, tenant_id, "canned.save", target, NULL, rc, err);
}

int desk_canned_remove(struct store *s, const struct desk_actor *a, int64_t tenant_id, const char *name, char **err)
{
	if (!a->admin) {
		seterr(err, "Only an admin can change quick replies.");
		return DESK_REFUSED;
	}
	if (store_begin(s, err) != 0)
		return -1;
	int rc = store_canned_remove(s, tenant_id, name, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no quick reply '%.40s'", name ? name : "");
	char target[64];
	snprintf(target, sizeof(target), "quick reply %.40s", name ? name : "");
	return audited(s, a, tenant_id, "canned.remove", target, NULL, rc, err);
}

/* The zone texts to this thread's patient are timed in: the patient's, else the clinic's. */
static char *thread_zone(struct store *s, const struct tenant *t, const struct sms_thread *th)
{
	struct patient p = {0};
	char *zone = NULL;
	if (th->patient_id != 0 && store_patient_get(s, th->patient_id, &p, NULL) == 0 && p.timezone != NULL &&
	    tz_valid(p.timezone))
		zone = xstrdup(p.timezone);
	patient_free(&p);
	return zone != NULL ? zone : xstrdup(t->timezone ? t->timezone : "UTC");
}

int desk_canned_render(struct store *s, int64_t tenant_id, int64_t thread_id, const char *body, char **out,
		       char **err)
{
	struct tenant t = {0};
	struct sms_thread th = {0};
	struct appointment *next = NULL;
	size_t n = 0;
	int rc = store_tenant_get(s, tenant_id, &t, err);
	if (rc == 0)
		rc = store_thread_get(s, thread_id, &th, err);
	if (rc == 0)
		rc = desk_next_appointments(s, thread_id, clock_now(), 1, &next, &n, err);
	if (rc != 0) {
		if (rc == SD_NOTFOUND)
			seterr(err, "no such location or thread");
		goto out;
	}
	char *zone = thread_zone(s, &t, &th);
	struct template_vars v = {
	    .patient_name = th.patient_name,
	    .provider_name = n > 0 ? next[0].provider : NULL,
	    .clinic_name = t.name,
	    .clinic_phone = t.phone,
	    .location = n > 0 ? next[0].location : t.address,
	    .appointment_start = n > 0 ? next[0].starts_at : 0,
	    .timezone = zone,
	};
	rc = template_render(body, &v, out, err);
	free(zone);
out:
	appointment_list_free(&next, n);
	sms_thread_free(&th);
	tenant_free(&t);
	return rc;
}

int desk_later_time(struct store *s, int64_t tenant_id, int64_t thread_id, int64_t want, int64_t *at, char **err)
{
	struct tenant t = {0};
	struct sms_thread th = {0};
	int rc = store_tenant_get(s, tenant_id, &t, err);
	if (rc == 0 && thread_id != 0)
		rc = store_thread_get(s, thread_id, &th, err);
	if (rc == SD_NOTFOUND)
		seterr(err, "no such location or thread");
	if (rc == 0) {
		char *zone = thread_zone(s, &t, &th);
		*at = quiet_next_allowed(want, zone, t.quiet_start, t.quiet_end);
		free(zone);
	}
	sms_thread_free(&th);
	tenant_free(&t);
	return rc;
}

int desk_later_cancel(struct store *s, const struct desk_actor *a, int64_t tenant_id, int64_t message_id,
		      char **err)
{
	if (store_begin(s, err) != 0)
		return -1;
	int rc = store_scheduled_cancel(s, tenant_id, message_id, clock_now(), err);
	if (rc == SD_NOTFOUND)
		seterr(err, "message %lld is not waiting to be sent (already sent, or not scheduled)",
		       (long long)message_id);
	char target[32];
	snprintf(target, sizeof(target), "%lld", (long long)message_id);
	return audited(s, a, tenant_id, "sms.later_cancel", target, NULL, rc, err);
}

/* Unix time of local date (y, m, d) at hh:mm in tz, or -1 when that day or time does not exist. */
static int64_t local_time(const char *tz, int y, int mo, int d, int hh, int mm)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = hh, .tm_min = mm};
	int64_t t = tz_mktime(tz, &tm);
	struct tm back;
	if (t == TZ_ERROR || tz_local(tz, t, &back) != 0 || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1;
	return t;
}

int desk_later_parse(const char *text, const char *tz, int64_t now, int64_t *at, char **err)
{
	int y = 0, mo = 0, d = 0, hh = -1, mm = -1, used = 0;
	bool relative = true;
	struct tm today;
	if (text == NULL || tz_local(tz, now, &today) != 0)
		return seterr(err, "no time given");
	if (sscanf(text, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &hh, &mm, &used) == 5 && text[used] == '\0') {
		relative = false; /* a date that does not exist is refused, not rolled over */
	} else if (sscanf(text, "tomorrow %2d:%2d%n", &hh, &mm, &used) == 2 && text[used] == '\0') {
		y = today.tm_year + 1900, mo = today.tm_mon + 1, d = today.tm_mday + 1;
	} else if (sscanf(text, "%2d:%2d%n", &hh, &mm, &used) == 2 && text[used] == '\0') {
		y = today.tm_year + 1900, mo = today.tm_mon + 1, d = today.tm_mday;
		if (hh * 60 + mm <= today.tm_hour * 60 + today.tm_min)
			d++; /* 09:00 said at 15:00 means tomorrow */
	} else {
		return seterr(err, "say when as HH:MM, \"tomorrow HH:MM\" or YYYY-MM-DD HH:MM");
	}
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || mo < 1 || mo > 12 || d < 1 || d > 32)
		return seterr(err, "that is not a time of day");
	if (relative && d > 28) { /* "tomorrow" past the month's end: let mktime roll it, then read it back */
		struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = 12};
		int64_t noon = tz_mktime(tz, &tm);
		struct tm back;
		if (noon != TZ_ERROR && tz_local(tz, noon, &back) == 0)
			y = back.tm_year + 1900, mo = back.tm_mon + 1, d = back.tm_mday;
	}
	int64_t t = local_time(tz, y, mo, d, hh, mm);
	if (t < 0)
		return seterr(err, "that day or time does not exist in %s", tz);
	if (t <= now)
		return seterr(err, "that time has passed");
	if (t > now + 366 * 86400LL)
		return seterr(err, "at most a year ahead");
	*at = t;
	return 0;
}
