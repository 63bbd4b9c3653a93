/* The MMS attachment of a draft: asked for in a prompt, checked over the network (HEAD, 10 s)
 * before it is taken, so review never offers a file Twilio would refuse. The check runs as a
 * job (ui/job.c): a slow or silent host must not freeze the desk for ten seconds. */
#include <stdlib.h>
#include <string.h>
#include "src/mediahttp.h"
#include "src/util.h"
#include "ui/compose_media.h"
#include "ui/job.h"

#define ATTACH_HEAD_MS 10000

/* One check: the URL in, the result out (written by the job's thread, read after it ended). */
struct ui_attach_check {
	struct ui_attachment *owner; /* NULL once the draft is gone (or a newer check replaced it) */
	char *url;
	int rc;
	char *json, *what, *err;
};

static void check_free(struct ui_attach_check *k)
{
	free(k->url);
	free(k->json);
	free(k->what);
	free(k->err);
	free(k);
}

void ui_attachment_free(struct ui_attachment *a)
{
	if (a->check != NULL)
		a->check->owner = NULL; /* the job frees it when it ends */
	free(a->url);
	free(a->json);
	free(a->what);
	free(a->tried);
	memset(a, 0, sizeof *a);
}

void ui_attachment_copy(struct ui_attachment *dst, const struct ui_attachment *src)
{
	memset(dst, 0, sizeof *dst);
	dst->url = src->url ? xstrdup(src->url) : NULL;
	dst->json = src->json ? xstrdup(src->json) : NULL;
	dst->what = src->what ? xstrdup(src->what) : NULL;
}

bool ui_attachment_checking(const struct ui_attachment *a)
{
	return a->check != NULL;
}

/* The job: the HEAD request (its own curl handle: nothing shared with the loop). */
static void check_work(void *arg)
{
	struct ui_attach_check *k = arg;
	k->rc = mediahttp_outbound(k->url, ATTACH_HEAD_MS, &k->json, &k->what, &k->err);
}

/* Back on the loop: takes the result into the draft, or says why not (the draft keeps its
 * text and any attachment it had; the URL is offered again). */
static void check_done(struct ui *ui, void *arg)
{
	struct ui_attach_check *k = arg;
	struct ui_attachment *a = k->owner;
	if (ui == NULL || a == NULL) {
		check_free(k);
		return;
	}
	a->check = NULL;
	bool ok = k->rc == 0;
	if (ok) {
		free(a->url), free(a->json), free(a->what);
		a->url = k->url, a->json = k->json, a->what = k->what;
		k->url = k->json = k->what = NULL;
		xfree(&a->tried);
		ui_flash(ui, "attached (MMS): %s", a->what);
	} else {
		free(a->tried);
		a->tried = k->url;
		k->url = NULL;
		char *msg = xasprintf("Not attached: %s. The message is kept; Ctrl-O offers the URL again.",
				      k->err ? k->err : "the URL could not be checked");
		ui_message(ui, "Attachment", msg);
		free(msg);
	}
	check_free(k);
	ui_dirty(ui);
	if (a->ready != NULL)
		a->ready(ui, a->ready_ctx, ok);
}

/* The prompt's answer: empty removes, else the check starts. */
static void attach_done(struct ui *ui, void *arg, const char *text)
{
	struct ui_attachment *a = arg;
	if (text == NULL)
		return;
	size_t skip = strspn(text, " "), len = strlen(text);
	while (len > skip && text[len - 1] == ' ')
		len--;
	if (a->check != NULL) { /* a newer URL replaces the one being checked */
		a->check->owner = NULL;
		a->check = NULL;
	}
	if (len == skip) {
		if (a->url != NULL)
			ui_flash(ui, "attachment removed: the message goes as SMS");
		free(a->url), free(a->json), free(a->what), free(a->tried);
		a->url = a->json = a->what = a->tried = NULL;
		return;
	}
	struct ui_attach_check *k = xcalloc(1, sizeof *k);
	k->owner = a;
	k->url = xstrndup(text + skip, len - skip);
	if (ui_job_start(check_work, check_done, k) != 0) {
		ui_message(ui, "Attachment", "Not attached: the check could not be started (out of threads?).");
		check_free(k);
		return;
	}
	a->check = k;
	ui_flash(ui, "checking attachment%s", ui_sym("\xE2\x80\xA6", "..."));
}

void ui_attachment_ask(struct ui *ui, struct ui_attachment *a)
{
	const char *initial = a->check != NULL ? a->check->url : a->tried != NULL ? a->tried : a->url;
	ui_prompt(ui, "Attach a file by its public https:// URL (at most 5 MB: JPEG, PNG, GIF, PDF ...); an empty "
		      "line removes it:",
		  initial, attach_done, a);
}

char *ui_attachment_line(const struct ui_attachment *a)
{
	if (a->check != NULL)
		return xasprintf("Checking attachment%s %s", ui_sym("\xE2\x80\xA6", "..."), a->check->url);
	if (a->url == NULL)
		return NULL;
	return xasprintf("Attached (MMS): %s%s%s", a->url, ui_sym(" \xC2\xB7 ", " | "), a->what ? a->what : "");
}
