/* Reminder templates: checking when saved, rendering when sent. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "src/phone.h"
#include "src/template.h"
#include "src/tz.h"
#include "src/util.h"

enum var_id {
	V_PATIENT,
	V_PROVIDER,
	V_DATE,
	V_TIME,
	V_CLINIC,
	V_CLINIC_PHONE,
	V_LOCATION,
	V_PROCEDURE,
	V_REASON,
	V_DIAGNOSIS,
	V_COUNT
};

static const char *const var_names[V_COUNT] = {
    "patientName", "providerName", "appointmentDate", "appointmentTime", "clinicName",
    "clinicPhone", "location",	   "procedure",	      "reason",		 "diagnosis",
};

/* The first risky variable: the ones after it are risky too. */
#define V_FIRST_RISKY V_PROCEDURE
/* Longest variable name we look for; longer text between braces is shown cut. */
#define NAME_SHOW_MAX 40

/* A growing output buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Adds an outside value, with control characters turned into spaces. */
static void buf_add_value(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	for (const char *p = s; *p != '\0'; p++) {
		char c = ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p;
		buf_add(b, &c, 1);
	}
}

/* The variable named by the n bytes at name, or V_COUNT. */
static enum var_id var_lookup(const char *name, size_t n, bool ignore_case)
{
	for (int i = 0; i < V_COUNT; i++) {
		if (strlen(var_names[i]) != n)
			continue;
		if (ignore_case ? strncasecmp(var_names[i], name, n) == 0
				: strncmp(var_names[i], name, n) == 0)
			return (enum var_id)i;
	}
	return V_COUNT;
}

/* Copies up to NAME_SHOW_MAX bytes of name for a message, control characters as '?'. */
static void show_name(const char *name, size_t n, char out[NAME_SHOW_MAX + 4])
{
	size_t k = n < NAME_SHOW_MAX ? n : NAME_SHOW_MAX;
	for (size_t i = 0; i < k; i++)
		out[i] = ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) ? '?' : name[i];
	strcpy(out + k, n > k ? "..." : "");
}

/* Control characters other than line breaks and tabs have no place in a text. */
static bool is_bad_control(char c)
{
	return ((unsigned char)c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f;
}

/* Called for each variable found by scan(); returns -1 to stop. */
typedef int (*var_fn)(void *ctx, enum var_id id);
/* Called for each run of literal text. */
typedef void (*text_fn)(void *ctx, const char *s, size_t n);

/* The variables each kind of text may use, as bit masks of enum var_id. */
#define VAR_BIT(id) (1u << (id))
#define REMINDER_VARS ((1u << V_COUNT) - 1)
#define REPLY_VARS (VAR_BIT(V_CLINIC) | VAR_BIT(V_CLINIC_PHONE) | VAR_BIT(V_PATIENT))

/* How scan() reads a text: which variables exist for it, and whether a bad one is an
 * error (saving) or kept as written (rendering a text stored before it was checked). */
struct scan_opts {
	unsigned allowed;
	bool lenient;
	const char *what; /* "template" or "reply" for messages */
};

/* "{clinicName}, {clinicPhone}, {patientName}" for the variables in mask (safe ones only). */
static void list_vars(unsigned mask, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < V_FIRST_RISKY && used < len; i++) {
		if ((mask & VAR_BIT(i)) == 0)
			continue;
		int w = snprintf(out + used, len - used, "%s{%s}", used ? ", " : "", var_names[i]);
		used += w > 0 ? (size_t)w : 0;
	}
}

/* The message for a {name} that is not a variable of this kind of text. */
static int bad_var(const struct scan_opts *o, const char *name, size_t n, const char *shown, char **err)
{
	char vars[200];
	list_vars(o->allowed, vars, sizeof(vars));
	enum var_id id = var_lookup(name, n, false);
	if (id != V_COUNT)
		return seterr(err, "{%s} cannot be used in a %s; it can use %s", shown, o->what, vars);
	enum var_id near = var_lookup(name, n, true);
	if (near != V_COUNT && (o->allowed & VAR_BIT(near)) != 0)
		return seterr(err, "unknown variable {%s}: did you mean {%s}?", shown, var_names[near]);
	return seterr(err, "unknown variable {%s}; the variables are %s", shown, vars);
}

/* Reads the variable at p (a '{'): its id in *id and the bytes it spans in *len, or -1 with
 * *err when it is not one this kind of text may use. */
static int read_var(const struct scan_opts *o, const char *tpl, const char *p, enum var_id *id, size_t *len,
		    char **err)
{
	const char *name = p + 1;
	size_t n = strcspn(name, "{}\n");
	char shown[NAME_SHOW_MAX + 4];
	show_name(name, n, shown);
	if (name[n] != '}')
		return seterr(err, "unclosed brace at position %zu: \"{%s\" needs a closing '}'",
			      (size_t)(p - tpl) + 1, shown);
	if (n == 0)
		return seterr(err, "empty variable \"{}\" at position %zu", (size_t)(p - tpl) + 1);
	*id = var_lookup(name, n, false);
	if (*id == V_COUNT || (o->allowed & VAR_BIT(*id)) == 0)
		return bad_var(o, name, n, shown, err);
	*len = n + 2;
	return 0;
}

/* Walks tpl: literal text to on_text, variables to on_var; -1 with *err on a bad template
 * (lenient: what is not a variable is literal text, and only on_var can fail). */
static int scan(const char *tpl, const struct scan_opts *o, var_fn on_var, text_fn on_text, void *ctx,
		char **err)
{
	if (tpl == NULL)
		return seterr(err, "the %s is empty", o->what);
	const char *p = tpl;
	while (*p != '\0') {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			on_text(ctx, p, 1);
			p += 2;
			continue;
		}
		if (is_bad_control(*p) && !o->lenient)
			return seterr(err, "the %s contains a control character at position %zu", o->what,
				      (size_t)(p - tpl) + 1);
		if (*p != '{') {
			size_t n = 0;
			while (p[n] != '\0' && p[n] != '{' && p[n] != '}' && (o->lenient || !is_bad_control(p[n])))
				n++;
			if (n == 0)
				n = 1; /* a lone '}' is literal */
			on_text(ctx, p, n);
			p += n;
			continue;
		}
		enum var_id id = V_COUNT;
		size_t len = 0;
		if (read_var(o, tpl, p, &id, &len, o->lenient ? NULL : err) != 0) {
			if (!o->lenient)
				return -1;
			on_text(ctx, p, 1); /* kept as written */
			p++;
			continue;
		}
		if (on_var(ctx, id) != 0)
			return -1;
		p += len;
	}
	return 0;
}

static const struct scan_opts reminder_opts = {.allowed = REMINDER_VARS, .what = "template"};
static const struct scan_opts reply_opts = {.allowed = REPLY_VARS, .what = "reply"};
static const struct scan_opts reply_lenient = {.allowed = REPLY_VARS, .lenient = true, .what = "reply"};

struct check_ctx {
	bool allow_risky;
	bool risky_seen;
	char **err;
	size_t visible; /* non-space characters outside variables, or variables */
};

static int check_var(void *ctx, enum var_id id)
{
	struct check_ctx *c = ctx;
	c->visible++;
	if (id >= V_FIRST_RISKY) {
		c->risky_seen = true;
		if (!c->allow_risky)
			return seterr(c->err,
				      "{%s} puts private health information in a text; an admin "
				      "must confirm it explicitly",
				      var_names[id]);
	}
	return 0;
}

static void check_text(void *ctx, const char *s, size_t n)
{
	struct check_ctx *c = ctx;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			c->visible++;
}

/* Whether the text has "cancel" as a whole word, any case ("cancelled" does not count). */
static bool says_cancel(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (strncasecmp(p, "cancel", 6) != 0)
			continue;
		bool start = p == s || !isalpha((unsigned char)p[-1]);
		if (start && !isalpha((unsigned char)p[6]))
			return true;
	}
	return false;
}

int template_validate(const char *tpl, bool allow_risky, char **err)
{
	struct check_ctx c = {.allow_risky = allow_risky, .err = err};
	if (scan(tpl, &reminder_opts, check_var, check_text, &c, err) != 0)
		return -1;
	if (c.visible == 0)
		return seterr(err, "the template is empty");
	/* Patients answer with the word they read, and CANCEL is by law an opt-out of all
	 * texts: the appointment would stay booked and the patient unreachable. */
	if (says_cancel(tpl))
		return seterr(err, "the template says \"cancel\": patients answer \"Cancel\", which opts them out of all "
				   "texts by law; write e.g. \"X if you can't come\"");
	return 0;
}

int template_validate_reply(const char *text, char **err)
{
	struct check_ctx c = {.err = err};
	if (scan(text, &reply_opts, check_var, check_text, &c, err) != 0)
		return -1;
	if (c.visible == 0)
		return seterr(err, "the reply is empty");
	return 0;
}

/* Sets *seen when the variable is the one looked for. */
struct find_ctx {
	enum var_id want;
	bool seen;
};

static int find_var(void *ctx, enum var_id id)
{
	struct find_ctx *f = ctx;
	if (id == f->want)
		f->seen = true;
	return 0;
}

static void ignore_text(void *ctx, const char *s, size_t n)
{
	(void)ctx, (void)s, (void)n;
}

bool template_uses_clinic_phone(const char *tpl)
{
	struct find_ctx f = {.want = V_CLINIC_PHONE};
	return scan(tpl, &reminder_opts, find_var, ignore_text, &f, NULL) == 0 && f.seen;
}

bool template_uses_risky(const char *tpl)
{
	struct check_ctx c = {.allow_risky = true};
	if (scan(tpl, &reminder_opts, check_var, check_text, &c, NULL) != 0) {
		/* A broken template may still name a risky variable: look for the text. */
		return tpl != NULL && (strstr(tpl, "{procedure}") != NULL ||
				       strstr(tpl, "{reason}") != NULL || strstr(tpl, "{diagnosis}") != NULL);
	}
	return c.risky_seen;
}

/* Local time of t in tz, UTC when tz is unknown. */
static void local_tm(int64_t t, const char *tz, struct tm *tm)
{
	if (tz_local(tz, t, tm) != 0 && tz_local("UTC", t, tm) != 0) {
		time_t tt = (time_t)0;
		gmtime_r(&tt, tm);
	}
}

void template_format_date(int64_t t, const char *tz, char *buf, size_t len)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	local_tm(t, tz, &tm);
	snprintf(buf, len, "%s, %s %d", days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday);
}

void template_format_time(int64_t t, const char *tz, char *buf, size_t len)
{
	struct tm tm;
	local_tm(t, tz, &tm);
	int h = tm.tm_hour % 12;
	snprintf(buf, len, "%d:%02d %s", h == 0 ? 12 : h, tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
}

const char *template_variable(size_t i)
{
	return i < V_COUNT ? var_names[i] : NULL;
}

struct render_ctx {
	const struct template_vars *v;
	struct buf out;
};

static int render_var(void *ctx, enum var_id id)
{
	struct render_ctx *r = ctx;
	const struct template_vars *v = r->v;
	char tmp[64];
	switch (id) {
	case V_PATIENT:
		buf_add_value(&r->out, v->patient_name);
		break;
	case V_PROVIDER:
		buf_add_value(&r->out, v->provider_name);
		break;
	case V_CLINIC:
		buf_add_value(&r->out, v->clinic_name);
		break;
	case V_LOCATION:
		buf_add_value(&r->out, v->location);
		break;
	case V_PROCEDURE:
		buf_add_value(&r->out, v->procedure);
		break;
	case V_REASON:
		buf_add_value(&r->out, v->reason);
		break;
	case V_DIAGNOSIS:
		buf_add_value(&r->out, v->diagnosis);
		break;
	case V_CLINIC_PHONE:
		if (phone_is_e164(v->clinic_phone)) {
			phone_display(v->clinic_phone, tmp, sizeof(tmp));
			buf_add_value(&r->out, tmp);
		} else {
			buf_add_value(&r->out, v->clinic_phone);
		}
		break;
	case V_DATE:
		template_format_date(v->appointment_start, v->timezone, tmp, sizeof(tmp));
		buf_add_value(&r->out, tmp);
		break;
	case V_TIME:
		template_format_time(v->appointment_start, v->timezone, tmp, sizeof(tmp));
		buf_add_value(&r->out, tmp);
		break;
	case V_COUNT:
		break;
	}
	return 0;
}

static void render_text(void *ctx, const char *s, size_t n)
{
	struct render_ctx *r = ctx;
	buf_add(&r->out, s, n);
}

int template_render(const char *tpl, const struct template_vars *v, char **out, char **err)
{
	*out = NULL;
	if (v == NULL)
		return seterr(err, "nothing to fill the template with");
	if (template_validate(tpl, true, err) != 0)
		return -1;
	struct render_ctx r = {.v = v};
	buf_add(&r.out, "", 0);
	if (scan(tpl, &reminder_opts, render_var, render_text, &r, err) != 0) {
		free(r.out.p);
		return -1;
	}
	*out = r.out.p;
	return 0;
}

char *template_render_reply(const char *text, const char *clinic_name, const char *clinic_phone,
			    const char *first_name)
{
	struct template_vars v = {.clinic_name = clinic_name, .clinic_phone = clinic_phone, .patient_name = first_name};
	struct render_ctx r = {.v = &v};
	buf_add(&r.out, "", 0);
	/* lenient: only on_var can fail, and render_var never does */
	scan(text ? text : "", &reply_lenient, render_var, render_text, &r, NULL);
	return r.out.p;
}
