/* `smsdesk media list|export`: a message's MMS photos, and saving them decrypted for the chart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/media.h"
#include "src/util.h"

#define CLI_ACTOR "cli"

extern const struct cli_command cli_cmd_media;

static const char usage_media[] =
	"usage: smsdesk [--tenant T] media list --message ID\n"
	"       smsdesk [--tenant T] media export --message ID [--index N] [--out DIR]\n"
	"The photos patients sent with a message (MMS). smsdesk fetches them after the text, keeps\n"
	"them encrypted with the key file, and records a photo it refused (over 5 MB, a type other\n"
	"than image/jpeg, png, gif, heic, heif, webp or application/pdf) or could not fetch yet,\n"
	"with the reason.\n"
	"  list     one line per photo: its number, state, type and size, or the reason\n"
	"  export   saves the stored photos of the message (or only photo N) decrypted, each as a\n"
	"           new file readable by you only (0600) in DIR (created 0700; default\n"
	"           $SMSDESK_MEDIA_DIR or ~/smsdesk-media), and prints each file's path. Every\n"
	"           export is recorded in the audit log (media.export).\n"
	"Exit codes: 5 no such message or photo, 1 a photo could not be read or written.\n";

struct media_args {
	const char *message, *index, *out;
};

/* The message (of the location) whose media are asked for; EXIT_OK or an exit code. */
static int media_message(struct cli_ctx *ctx, struct store *s, const struct media_args *a, struct sms_message *m)
{
	long long id = 0;
	char *err = NULL;
	struct tenant t = {0};
	if (a->message == NULL || !cli_parse_int(a->message, 1, INT64_MAX, &id))
		return cli_usage("media", "give --message ID (see 'smsdesk messages')");
	int rc = cli_resolve_tenant(ctx, "media", s, &t);
	if (rc != EXIT_OK)
		return rc;
	int found = store_msg_get(s, id, m, &err);
	if (found != 0 || m->tenant_id != t.id)
		rc = cli_fail(found < 0 ? EXIT_FAIL : EXIT_NOTFOUND, "media", "no message %lld at %s", id, cli_show(t.name));
	free(err);
	tenant_free(&t);
	return rc;
}

/* `media list`: one line per row. */
static int media_list(struct store *s, const struct sms_message *m)
{
	struct sms_media *rows = NULL;
	size_t n = 0;
	char *err = NULL;
	if (store_media_list_message(s, m->id, &rows, &n, &err) != 0) {
		int rc = cli_fail(EXIT_FAIL, "media", "%s", err);
		free(err);
		return rc;
	}
	if (n == 0)
		printf("message %lld has no photos\n", (long long)m->id);
	for (size_t i = 0; i < n; i++) {
		char label[400];
		media_label(&rows[i], label, sizeof(label));
		printf("%-8s %s\n", rows[i].state, cli_show(label));
	}
	sms_media_list_free(&rows, n);
	return EXIT_OK;
}

/* `media export`: every stored photo of the message (or photo `only`). */
static int media_export_all(struct cli_ctx *ctx, struct store *s, const struct sms_message *m, int only,
			    const char *dir)
{
	struct sms_media *rows = NULL;
	struct vault *v = NULL;
	size_t n = 0;
	int saved = 0;
	char *err = NULL;
	int rc = cli_open_vault(ctx, "media", &v);
	if (rc == EXIT_OK && store_media_list_message(s, m->id, &rows, &n, &err) != 0)
		rc = cli_fail(EXIT_FAIL, "media", "%s", err);
	for (size_t i = 0; rc == EXIT_OK && i < n; i++) {
		char *path = NULL;
		if (rows[i].idx == 0 || (only > 0 && rows[i].idx != only) || strcmp(rows[i].state, "stored") != 0)
			continue;
		if (media_export(s, v, rows[i].id, dir, 0, CLI_ACTOR, &path, &err) != 0) {
			rc = cli_fail(EXIT_FAIL, "media", "photo %d: %s", rows[i].idx, err);
		} else {
			printf("%s\n", cli_show(path));
			saved++;
		}
		free(path);
	}
	if (rc == EXIT_OK && saved == 0)
		rc = only > 0 ? cli_fail(EXIT_NOTFOUND, "media", "message %lld has no stored photo %d (see 'media list')",
					 (long long)m->id, only)
			      : cli_fail(EXIT_NOTFOUND, "media", "message %lld has no stored photos (see 'media list')",
					 (long long)m->id);
	free(err);
	sms_media_list_free(&rows, n);
	vault_close(&v);
	return rc;
}

/* `media`. */
static int run_media(struct cli_ctx *ctx, int argc, char **argv)
{
	struct media_args a = {0};
	struct cli_opt opts[] = {
		{"--message", &a.message, NULL}, {"--index", &a.index, NULL}, {"--out", &a.out, NULL}, {NULL, NULL, NULL},
	};
	char *pos[argc + 1];
	int npos = 0;
	int rc = cli_parse(&cli_cmd_media, argc, argv, opts, pos, &npos);
	if (rc != 0)
		return rc == 1 ? EXIT_OK : rc;
	bool list = npos == 1 && strcmp(pos[0], "list") == 0, export = npos == 1 && strcmp(pos[0], "export") == 0;
	if (!list && !export)
		return cli_usage("media", "say 'media list' or 'media export'");
	long long only = 0;
	if (a.index != NULL && (!export || !cli_parse_int(a.index, 1, 10, &only)))
		return cli_usage("media", "--index N (1 to 10) goes with export");
	if (a.out != NULL && (!export || a.out[0] == '\0'))
		return cli_usage("media", "--out DIR goes with export");
	struct store *s = NULL;
	struct sms_message m = {0};
	rc = cli_open_store(ctx, "media", false, &s);
	if (rc == EXIT_OK)
		rc = media_message(ctx, s, &a, &m);
	if (rc == EXIT_OK && list) {
		rc = media_list(s, &m);
	} else if (rc == EXIT_OK) {
		char *dir = a.out != NULL ? xstrdup(a.out) : media_default_dir();
		rc = media_export_all(ctx, s, &m, (int)only, dir);
		free(dir);
	}
	sms_message_free(&m);
	store_close(&s);
	return rc;
}

const struct cli_command cli_cmd_media = {"media", "list or export a message's MMS photos", usage_media,
					  run_media};
