/* The Twilio client's MMS calls: a message's Media list and the redirect to each file's bytes
 * (requests in src/twilio.c, JSON in src/twilio_parse.c). */
#include <stdlib.h>
#include <string.h>
#include "src/twilio.h"
#include "src/twilio_internal.h"
#include "src/util.h"

enum twilio_result twilio_media_list(struct twilio_client *c, const char *msg_sid, struct twilio_media_list *out,
				     struct twilio_error *e)
{
	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	if (c == NULL || !twilio_is_sid(msg_sid, NULL))
		return twilio_fail(e, TW_ERR_USAGE, 0, xstrdup("not a Twilio message SID"));
	char *path = xasprintf("Messages/%s/Media.json?PageSize=20", msg_sid);
	const char *body = NULL;
	size_t len = 0;
	long status = 0;
	enum twilio_result r = twilio_get_path(c, path, false, &status, &body, &len, NULL, e);
	free(path);
	if (r != TW_OK)
		return r;
	char *why = NULL;
	enum twilio_decode d = twilio_decode_media_list(body, len, out, &why);
	if (d != TWD_OK)
		r = twilio_fail(e, TW_ERR_PARSE, d == TWD_NOT_JSON ? (int)status : 200,
				xasprintf("Twilio's answer could not be read: %s", why));
	free(why);
	return r;
}

enum twilio_result twilio_media_locate(struct twilio_client *c, const char *msg_sid, const char *media_sid,
				       char **location, struct twilio_error *e)
{
	*location = NULL;
	memset(e, 0, sizeof(*e));
	if (c == NULL || !twilio_is_sid(msg_sid, NULL) || !twilio_is_sid(media_sid, "ME"))
		return twilio_fail(e, TW_ERR_USAGE, 0, xstrdup("not a Twilio message and media SID"));
	char *path = xasprintf("Messages/%s/Media/%s", msg_sid, media_sid);
	const char *body = NULL;
	size_t len = 0;
	long status = 0;
	enum twilio_result r = twilio_get_path(c, path, true, &status, &body, &len, location, e);
	free(path);
	if (r == TW_OK && *location == NULL)
		r = twilio_fail(e, TW_ERR_PARSE, (int)status,
				xasprintf("Twilio answered the media request with HTTP %ld and no redirect to the "
					  "photo", status));
	return r;
}
