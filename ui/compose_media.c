/* The MMS attachment of a draft: asked for in a prompt, checked over the network (HEAD, 10 s)
 * before it is taken, so review never offers a file Twilio would refuse. */
#include <stdlib.h>
#include <string.h>
#include "src/mediahttp.h"
#include "src/util.h"
#include "ui/compose_media.h"

#define ATTACH_HEAD_MS 10000

void ui_attachment_free(struct ui_attachment *a)
{
	free(a->url);
	free(a->json);
	free(a->what);
	memset(a, 0, sizeof *a);
}

void ui_attachment_copy(struct ui_attachment *dst, const struct ui_attachment *src)
{
	dst->url = src->url ? xstrdup(src->url) : NULL;
	dst->json = src->json ? xstrdup(src->json) : NULL;
	dst->what = src->what ? xstrdup(src->what) : NULL;
}

/* The prompt's answer: empty removes, else the URL is checked and taken, or refused in words. */
static void attach_done(struct ui *ui, void *arg, const char *text)
{
	struct ui_attachment *a = arg;
	char *json = NULL, *what = NULL, *err = NULL;
	if (text == NULL)
		return;
	size_t len = strlen(text);
	while (len > 0 && text[len - 1] == ' ')
		len--;
	if (len == 0) {
		if (a->url != NULL)
			ui_flash(ui, "attachment removed: the message goes as SMS");
		ui_attachment_free(a);
		return;
	}
	char *url = xstrndup(text + strspn(text, " "), len - strspn(text, " "));
	/* a short wait in the loop: the check must finish before the draft can be reviewed */
	if (mediahttp_outbound(url, ATTACH_HEAD_MS, &json, &what, &err) != 0) {
		char *msg = xasprintf("Not attached: %s.", err ? err : "the URL could not be checked");
		ui_message(ui, "Attachment", msg);
		free(msg);
		free(url);
		free(err);
		return;
	}
	ui_attachment_free(a);
	a->url = url;
	a->json = json;
	a->what = what;
	ui_flash(ui, "attached (MMS): %s", what);
}

void ui_attachment_ask(struct ui *ui, struct ui_attachment *a)
{
	ui_prompt(ui, "Attach a file by its public https:// URL (at most 5 MB: JPEG, PNG, GIF, PDF ...); an empty "
		      "line removes it:",
		  a->url, attach_done, a);
}

char *ui_attachment_line(const struct ui_attachment *a)
{
	if (a->url == NULL)
		return NULL;
	return xasprintf("Attached (MMS): %s%s%s", a->url, ui_sym(" \xC2\xB7 ", " | "), a->what ? a->what : "");
}
