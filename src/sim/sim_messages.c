/* Simulator message store: creation with Twilio's validation and magic numbers, status
 * progression derived from time, the Message JSON, fetch, and carrier-level STOP blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

/* FNV-1a hash of a SID. */
static uint64_t sid_hash(const char *sid)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)sid; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* Puts m into the index (which has room). */
static void index_put(struct sim *sim, struct sim_msg *m)
{
	size_t mask = sim->index_cap - 1;
	size_t i = (size_t)sid_hash(m->sid) & mask;
	while (sim->index[i] != NULL)
		i = (i + 1) & mask;
	sim->index[i] = m;
}

/* Rebuilds the index for the current messages with room to grow. */
void sim_msgs_reindex(struct sim *sim)
{
	size_t cap = 64;
	while (cap < sim->nmsgs * 2 + 2)
		cap *= 2;
	free(sim->index);
	sim->index = xcalloc(cap, sizeof(*sim->index));
	sim->index_cap = cap;
	for (size_t i = 0; i < sim->nmsgs; i++)
		index_put(sim, sim->msgs[i]);
}

/* Frees one message. */
static void msg_free(struct sim_msg *m)
{
	free(m->from);
	free(m->to);
	free(m->body);
	free(m->ms_sid);
	sim_media_free(m->media, m->num_media);
	free(m);
}

/* Drops the oldest tenth of the messages once the cap is reached, so long runs stay bounded. */
static void evict_oldest(struct sim *sim)
{
	size_t drop = SIM_MAX_MESSAGES / 10;
	for (size_t i = 0; i < drop; i++)
		msg_free(sim->msgs[i]);
	memmove(sim->msgs, sim->msgs + drop, (sim->nmsgs - drop) * sizeof(*sim->msgs));
	sim->nmsgs -= drop;
	sim_msgs_reindex(sim);
}

/* Adds a message created now; returns it (owned by the store). */
struct sim_msg *sim_msg_add(struct sim *sim, enum sim_dir dir, const char *from, const char *to,
			    const char *body, const char *ms_sid, int num_media)
{
	if (sim->nmsgs >= SIM_MAX_MESSAGES)
		evict_oldest(sim);
	if (sim->nmsgs == sim->capmsgs) {
		sim->capmsgs = sim->capmsgs ? sim->capmsgs * 2 : 256;
		sim->msgs = xrealloc(sim->msgs, sim->capmsgs * sizeof(*sim->msgs));
	}
	struct sim_msg *m = xcalloc(1, sizeof(*m));
	do {
		sim_new_sid("SM", m->sid);
	} while (sim_msg_find(sim, m->sid) != NULL);
	m->seq = sim->next_seq++;
	m->dir = dir;
	m->from = from ? xstrdup(from) : NULL;
	m->to = xstrdup(to);
	m->body = xstrdup(body ? body : "");
	m->ms_sid = ms_sid ? xstrdup(ms_sid) : NULL;
	m->num_media = num_media;
	m->created_s = clock_now();
	m->created_mono = clock_mono_ms();
	sim->msgs[sim->nmsgs++] = m;
	if (sim->index_cap < sim->nmsgs * 2 + 2)
		sim_msgs_reindex(sim);
	else
		index_put(sim, m);
	return m;
}

/* The message with this SID, or NULL. */
struct sim_msg *sim_msg_find(struct sim *sim, const char *sid)
{
	if (sim->index_cap == 0)
		return NULL;
	size_t mask = sim->index_cap - 1;
	for (size_t i = (size_t)sid_hash(sid) & mask; sim->index[i] != NULL; i = (i + 1) & mask)
		if (strcmp(sim->index[i]->sid, sid) == 0)
			return sim->index[i];
	return NULL;
}

/* Frees every message and the index. */
void sim_msgs_free(struct sim *sim)
{
	for (size_t i = 0; i < sim->nmsgs; i++)
		msg_free(sim->msgs[i]);
	free(sim->msgs);
	free(sim->index);
	sim->msgs = NULL;
	sim->index = NULL;
	sim->nmsgs = sim->capmsgs = sim->index_cap = 0;
	for (size_t i = 0; i < sim->noptouts; i++) {
		free(sim->optouts[i].patient);
		free(sim->optouts[i].clinic);
	}
	free(sim->optouts);
	sim->optouts = NULL;
	sim->noptouts = sim->capoptouts = 0;
}

/* Computes m's status now: queued/accepted -> sent after step_ms -> delivered after 2 x step_ms.
 * Real elapsed time counts, and so does a test moving the fake clock forward. */
void sim_msg_status(const struct sim *sim, const struct sim_msg *m, struct sim_status *st)
{
	memset(st, 0, sizeof(*st));
	st->date_updated = m->created_s;
	if (m->dir == SIM_INBOUND) {
		st->status = "received";
		st->date_sent = m->created_s;
		return;
	}
	int64_t elapsed = clock_mono_ms() - m->created_mono;
	int64_t by_clock = (clock_now() - m->created_s) * 1000;
	if (by_clock > elapsed)
		elapsed = by_clock;
	int64_t step = sim->step_ms;
	if (elapsed < step) {
		st->status = m->ms_sid ? "accepted" : "queued";
		return;
	}
	if (m->fail_code == 21610) {
		st->status = "failed";
		st->error_code = 21610;
		st->error_message = "Attempt to send to unsubscribed recipient";
		st->date_updated = m->created_s + step / 1000;
		return;
	}
	st->date_sent = m->created_s + step / 1000;
	st->date_updated = st->date_sent;
	if (elapsed < 2 * step) {
		st->status = "sent";
		return;
	}
	st->date_updated = m->created_s + 2 * step / 1000;
	if (m->fail_code == 30003) {
		st->status = "undelivered";
		st->error_code = 30003;
		st->error_message = "Unreachable destination handset";
		return;
	}
	st->status = "delivered";
}

/* Adds a string member, or null when s is NULL; text is cleaned to valid UTF-8. */
static void add_str(cJSON *j, const char *key, const char *s)
{
	if (s == NULL) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	char *clean = sim_utf8_clean(s, strlen(s));
	cJSON_AddStringToObject(j, key, clean);
	free(clean);
}

/* Adds an RFC 2822 date member, or null for 0. */
static void add_date(cJSON *j, const char *key, int64_t t)
{
	char buf[40];
	add_str(j, key, t ? sim_rfc2822(t, buf, sizeof(buf)) : NULL);
}

/* The api.v2010.account.message JSON of m, as Twilio shapes it. */
cJSON *sim_msg_json(const struct sim *sim, const struct sim_msg *m)
{
	struct sim_status st;
	sim_msg_status(sim, m, &st);
	cJSON *j = cJSON_CreateObject();
	char buf[32];
	add_str(j, "account_sid", sim->account_sid);
	add_str(j, "api_version", "2010-04-01");
	add_str(j, "body", m->body);
	add_date(j, "date_created", m->created_s);
	add_date(j, "date_sent", st.date_sent);
	add_date(j, "date_updated", st.date_updated);
	add_str(j, "direction", m->dir == SIM_INBOUND ? "inbound" : "outbound-api");
	if (st.error_code)
		cJSON_AddNumberToObject(j, "error_code", st.error_code);
	else
		cJSON_AddNullToObject(j, "error_code");
	add_str(j, "error_message", st.error_message);
	add_str(j, "from", m->from);
	add_str(j, "messaging_service_sid", m->ms_sid);
	snprintf(buf, sizeof(buf), "%d", m->num_media);
	add_str(j, "num_media", buf);
	snprintf(buf, sizeof(buf), "%d", sim_num_segments(m->body));
	add_str(j, "num_segments", buf);
	cJSON_AddNullToObject(j, "price");
	add_str(j, "price_unit", "USD");
	add_str(j, "sid", m->sid);
	add_str(j, "status", st.status);
	cJSON *sub = cJSON_AddObjectToObject(j, "subresource_uris");
	char *media = xasprintf("/2010-04-01/Accounts/%s/Messages/%s/Media.json", sim->account_sid, m->sid);
	char *uri = xasprintf("/2010-04-01/Accounts/%s/Messages/%s.json", sim->account_sid, m->sid);
	add_str(sub, "media", media);
	add_str(j, "to", m->to);
	add_str(j, "uri", uri);
	free(media);
	free(uri);
	return j;
}

/* True when the patient has opted out of messages from this clinic number (carrier STOP). */
bool sim_optout_has(const struct sim *sim, const char *patient, const char *clinic)
{
	for (size_t i = 0; i < sim->noptouts; i++)
		if (strcmp(sim->optouts[i].patient, patient) == 0 &&
		    strcmp(sim->optouts[i].clinic, clinic) == 0)
			return true;
	return false;
}

/* True when body, trimmed, is one of words (case-insensitive). */
static bool is_keyword(const char *body, const char *const *words)
{
	while (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')
		body++;
	size_t len = strlen(body);
	while (len > 0 && (body[len - 1] == ' ' || body[len - 1] == '\t' || body[len - 1] == '\r' ||
			   body[len - 1] == '\n'))
		len--;
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == len && strncasecmp(body, words[i], len) == 0)
			return true;
	return false;
}

/* Records what Twilio's carrier-level opt-out does with an inbound body: STOP blocks, START unblocks. */
void sim_optout_note(struct sim *sim, const char *patient, const char *clinic, const char *body)
{
	static const char *const stop[] = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
					   "QUIT", "REVOKE",  "OPTOUT",	     NULL};
	static const char *const start[] = {"START", "UNSTOP", "YES", NULL};
	if (is_keyword(body, stop) && !sim_optout_has(sim, patient, clinic)) {
		if (sim->noptouts == sim->capoptouts) {
			sim->capoptouts = sim->capoptouts ? sim->capoptouts * 2 : 16;
			sim->optouts = xrealloc(sim->optouts, sim->capoptouts * sizeof(*sim->optouts));
		}
		sim->optouts[sim->noptouts].patient = xstrdup(patient);
		sim->optouts[sim->noptouts].clinic = xstrdup(clinic);
		sim->noptouts++;
	} else if (is_keyword(body, start)) {
		for (size_t i = 0; i < sim->noptouts; i++) {
			if (strcmp(sim->optouts[i].patient, patient) == 0 &&
			    strcmp(sim->optouts[i].clinic, clinic) == 0) {
				free(sim->optouts[i].patient);
				free(sim->optouts[i].clinic);
				sim->optouts[i] = sim->optouts[--sim->noptouts];
				break;
			}
		}
	}
}

/* True for a MessagingServiceSid: MG + 32 hex digits. */
static bool is_ms_sid(const char *s)
{
	if (strlen(s) != 34 || strncmp(s, "MG", 2) != 0)
		return false;
	for (size_t i = 2; i < 34; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

/* Checks the sender: From must be valid and not one of Twilio's magic bad From numbers. */
static bool check_from(const char *from, const char *ms_sid, struct sim_reply *r)
{
	char *msg = NULL;
	if (from == NULL) {
		if (is_ms_sid(ms_sid))
			return true;
		msg = xasprintf("The Messaging Service Sid %s is invalid.", ms_sid);
		sim_reply_error(r, 400, 21701, msg);
	} else if (!sim_is_e164(from) || strcmp(from, "+15005550001") == 0) {
		msg = xasprintf(
		    "The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.",
		    from);
		sim_reply_error(r, 400, 21212, msg);
	} else if (strcmp(from, "+15005550007") == 0) {
		msg = xasprintf(
		    "The From phone number %s is not a valid, SMS-capable inbound phone number or short "
		    "code for your account.",
		    from);
		sim_reply_error(r, 400, 21606, msg);
	} else if (strcmp(from, "+15005550008") == 0) {
		msg = xasprintf("This 'From' number %s has exceeded the maximum number of queued messages.",
				from);
		sim_reply_error(r, 400, 21611, msg);
	} else {
		return true;
	}
	free(msg);
	return false;
}

/* Checks the recipient against E.164, Twilio's magic To numbers and the STOP blocks. */
static bool check_to(struct sim *sim, const char *to, const char *from, struct sim_reply *r)
{
	char *msg = NULL;
	if (!sim_is_e164(to) || strcmp(to, "+15005550001") == 0) {
		msg = xasprintf("The 'To' number %s is not a valid phone number.", to);
		sim_reply_error(r, 400, 21211, msg);
	} else if (strcmp(to, "+15005550002") == 0) {
		msg =
		    xasprintf("The 'To' phone number: %s, is not currently reachable using the 'From' phone "
			      "number: %s via SMS.",
			      to, from);
		sim_reply_error(r, 400, 21612, msg);
	} else if (strcmp(to, "+15005550003") == 0) {
		msg = xasprintf(
		    "Permission to send an SMS has not been enabled for the region indicated by the "
		    "'To' number: %s.",
		    to);
		sim_reply_error(r, 400, 21408, msg);
	} else if (strcmp(to, "+15005550004") == 0 || sim_optout_has(sim, to, from)) {
		sim_reply_error(r, 400, 21610, "Attempt to send to unsubscribed recipient");
	} else if (strcmp(to, "+15005550009") == 0) {
		sim_reply_error(r, 400, 21614, "'To' number is not a valid mobile number");
	} else {
		return true;
	}
	free(msg);
	return false;
}

/* Checks the presence and size of the parameters, in Twilio's order. */
static bool check_params(const struct sim_form *form, struct sim_reply *r)
{
	const char *to = sim_form_get(form, "To");
	const char *body = sim_form_get(form, "Body");
	size_t nmedia = sim_form_count(form, "MediaUrl");
	if (to == NULL || *to == '\0') {
		sim_reply_error(r, 400, 21604, "A 'To' phone number is required.");
		return false;
	}
	if ((body == NULL || *body == '\0') && nmedia == 0) {
		sim_reply_error(r, 400, 21602, "Message body is required.");
		return false;
	}
	const char *from = sim_form_get(form, "From");
	const char *ms = sim_form_get(form, "MessagingServiceSid");
	if ((from == NULL || *from == '\0') && (ms == NULL || *ms == '\0')) {
		sim_reply_error(r, 400, 21603, "A 'From' phone number is required.");
		return false;
	}
	if (body != NULL && sim_utf8_chars(body) > 1600) {
		sim_reply_error(r, 400, 21617,
				"The concatenated message body exceeds the 1600 character limit.");
		return false;
	}
	for (size_t i = 0; i < form->n; i++) {
		if (strcmp(form->keys[i], "MediaUrl") == 0 && strncmp(form->vals[i], "https://", 8) != 0 &&
		    strncmp(form->vals[i], "http://", 7) != 0) {
			sim_reply_error(r, 400, 21620, "Invalid media URL(s)");
			return false;
		}
	}
	return true;
}

/* POST .../Messages.json: validates like Twilio and creates an outbound message (201). */
void sim_handle_create(struct sim *sim, const struct sim_form *form, struct sim_reply *r)
{
	if (!check_params(form, r))
		return;
	const char *to = sim_form_get(form, "To");
	const char *from = sim_form_get(form, "From");
	const char *ms = sim_form_get(form, "MessagingServiceSid");
	if (from != NULL && *from == '\0')
		from = NULL;
	if (from != NULL)
		ms = (ms != NULL && *ms != '\0') ? ms : NULL;
	if (!check_from(from, ms, r))
		return;
	if (!check_to(sim, to, from ? from : SIM_DEFAULT_FROM, r))
		return;
	struct sim_msg *m = sim_msg_add(sim, SIM_OUTBOUND, from, to, sim_form_get(form, "Body"), ms,
					(int)sim_form_count(form, "MediaUrl"));
	if (strcmp(to, "+15005550010") == 0)
		m->fail_code = 21610;
	else if (strcmp(to, "+15005550011") == 0)
		m->fail_code = 30003;
	sim->outbound_total++;
	if (sim->demo_patients)
		sim_demo_on_outbound(sim, m);
	sim_reply_json(r, 201, sim_msg_json(sim, m));
}

/* GET .../Messages/{Sid}.json: the message, or 404 with code 20404. */
void sim_handle_fetch(struct sim *sim, const char *sid, const char *path, struct sim_reply *r)
{
	struct sim_msg *m = sim_msg_find(sim, sid);
	if (m == NULL) {
		char *msg = xasprintf("The requested resource %s was not found", path);
		sim_reply_error(r, 404, 20404, msg);
		free(msg);
		return;
	}
	sim_reply_json(r, 200, sim_msg_json(sim, m));
}
