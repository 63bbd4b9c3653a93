/* Reminder templates: "{patientName}, see you {appointmentDate} at {appointmentTime}".
 * Owner: src/template.c
 *
 * Variables: {patientName} {providerName} {appointmentDate} {appointmentTime} {clinicName}
 * {clinicPhone} {location}; the risky ones {procedure} {reason} {diagnosis} (HIPAA minimum
 * necessary: they need an admin's explicit confirmation, passed as allow_risky). "{{" and
 * "}}" write a literal brace; a lone '}' is literal too. Names are case-sensitive. */
#ifndef SMSDESK_TEMPLATE_H
#define SMSDESK_TEMPLATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct template_vars {
	const char *patient_name; /* each string may be NULL: rendered as "" */
	const char *provider_name;
	const char *clinic_name;
	const char *clinic_phone; /* E.164 is shown as "(312) 555-0100" */
	const char *location;
	const char *procedure;	   /* risky */
	const char *reason;	   /* risky */
	const char *diagnosis;	   /* risky */
	int64_t appointment_start; /* Unix seconds */
	const char *timezone;	   /* IANA zone for date and time; NULL or unknown: UTC */
};

/* The check when a template is saved: empty, unclosed '{', unknown or empty variable,
 * control characters, or a risky variable without allow_risky give -1 and a message
 * naming the problem (and suggesting the right spelling for a wrong case). */
int template_validate(const char *tpl, bool allow_risky, char **err);
/* True when tpl (a valid reminder template) uses {clinicPhone}: without it a reminder to a
 * patient without consent on file would not give the provider's contact number (FCC). */
bool template_uses_clinic_phone(const char *tpl);
/* The check when a keyword reply is saved: the same rules as a template, but the only
 * variables are {clinicName}, {clinicPhone} and {patientName} (the patient's first name);
 * anything else in braces is refused with a message naming it. */
int template_validate_reply(const char *text, char **err);
/* {patientName} in a reply to a number that is no known patient (or a family phone). */
#define TEMPLATE_UNKNOWN_NAME "there"
/* Renders a keyword reply (malloc'd, never NULL). A reply stored before it was checked may
 * hold text that is not a reply variable: that is sent as written. clinic_phone in E.164 is
 * shown as "(312) 555-0100"; a NULL value renders as "". */
char *template_render_reply(const char *text, const char *clinic_name, const char *clinic_phone,
			    const char *first_name);
/* True when tpl uses {procedure}, {reason} or {diagnosis}. */
bool template_uses_risky(const char *tpl);
/* Renders tpl into *out (malloc'd). Fails only on a template that template_validate (with
 * allow_risky) refuses. Control characters in values become spaces. */
int template_render(const char *tpl, const struct template_vars *v, char **out, char **err);

/* "Tue, Dec 1" and "2:30 PM" for Unix time t in zone tz (UTC when unknown). */
void template_format_date(int64_t t, const char *tz, char *buf, size_t len);
void template_format_time(int64_t t, const char *tz, char *buf, size_t len);
/* The i-th variable name (without braces), NULL past the end: for help screens. */
const char *template_variable(size_t i);

#endif
