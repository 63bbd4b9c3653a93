/* Simulator state file: messages survive a restart of `smsdesk sim` (saved at stop, loaded at start).
 * Loaded messages have reached their final status; carrier opt-outs are replayed from them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/sim/sim_internal.h"
#include "src/util.h"

/* A string member of o, or NULL. */
static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number member of o, or def. */
static double get_num(const cJSON *o, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Restores one saved message; false when it is not one. */
static bool restore_msg(struct sim *sim, const cJSON *o)
{
	const char *sid = get_str(o, "sid"), *to = get_str(o, "to"), *dir = get_str(o, "direction");
	if (sid == NULL || strlen(sid) != SIM_SID_LEN || to == NULL || dir == NULL)
		return false;
	bool inbound = strcmp(dir, "inbound") == 0;
	struct sim_msg *m =
	    sim_msg_add(sim, inbound ? SIM_INBOUND : SIM_OUTBOUND, get_str(o, "from"), to, get_str(o, "body"),
			get_str(o, "messaging_service_sid"), (int)get_num(o, "num_media", 0));
	memcpy(m->sid, sid, SIM_SID_LEN + 1);
	m->created_s = (int64_t)get_num(o, "created", (double)clock_now());
	m->created_mono = INT64_MIN / 4; /* long past: final status */
	m->fail_code = (int)get_num(o, "fail_code", 0);
	if (inbound && m->from)
		sim_optout_note(sim, m->from, m->to, m->body);
	return true;
}

/* Loads sim->state_file if it exists. */
int sim_state_load(struct sim *sim, char **err)
{
	size_t len = 0;
	FILE *f = fopen(sim->state_file, "rb");
	if (f == NULL)
		return errno == ENOENT
			   ? 0
			   : seterr(err, "simulator: cannot read %s: %s", sim->state_file, strerror(errno));
	char *text = NULL;
	size_t cap = 0;
	for (;;) {
		if (len + 65536 > cap) {
			cap = cap ? cap * 2 : 65536 * 2;
			text = xrealloc(text, cap + 1);
		}
		size_t got = fread(text + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	text[len] = '\0';
	cJSON *root = cJSON_ParseWithLength(text, len);
	free(text);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (root == NULL || !cJSON_IsArray(msgs)) {
		cJSON_Delete(root);
		return seterr(err, "simulator: %s is not a simulator state file", sim->state_file);
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, msgs)
	{
		if (!restore_msg(sim, o)) {
			cJSON_Delete(root);
			return seterr(err, "simulator: %s holds a damaged message", sim->state_file);
		}
	}
	sim->outbound_total = (size_t)get_num(root, "outbound_total", 0);
	cJSON_Delete(root);
	sim_msgs_reindex(sim);
	return 0;
}

/* The saved form of one message. */
static cJSON *save_msg(const struct sim_msg *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sid", m->sid);
	cJSON_AddStringToObject(o, "direction", m->dir == SIM_INBOUND ? "inbound" : "outbound-api");
	if (m->from)
		cJSON_AddStringToObject(o, "from", m->from);
	cJSON_AddStringToObject(o, "to", m->to);
	cJSON_AddStringToObject(o, "body", m->body);
	if (m->ms_sid)
		cJSON_AddStringToObject(o, "messaging_service_sid", m->ms_sid);
	cJSON_AddNumberToObject(o, "num_media", m->num_media);
	cJSON_AddNumberToObject(o, "created", (double)m->created_s);
	cJSON_AddNumberToObject(o, "fail_code", m->fail_code);
	return o;
}

/* Writes the messages to sim->state_file (through a temporary file and rename, mode 0600). */
int sim_state_save(struct sim *sim, char **err)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "messages");
	for (size_t i = 0; i < sim->nmsgs; i++)
		cJSON_AddItemToArray(arr, save_msg(sim->msgs[i]));
	cJSON_AddNumberToObject(root, "outbound_total", (double)sim->outbound_total);
	char *text = sim_json_print(root);
	cJSON_Delete(root);
	char *tmp = xasprintf("%s.tmp", sim->state_file);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		seterr(err, "simulator: cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (close(fd) != 0 || off < len || rename(tmp, sim->state_file) != 0) {
		seterr(err, "simulator: cannot write %s: %s", sim->state_file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	free(text);
	return rc;
}
