/* smsdesk entry point: the console when no command is given, otherwise the CLI (src/cli.c),
 * which also starts the --scheduler mode; --demo (a console mode) is started here. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "src/cli_internal.h"
#include "src/privsep.h"
#include "src/util.h"
#include "ui/demo_mode.h"
#include "ui/ui.h"

/* The --tenant given for the console as an id (0: let the console choose). */
static int console_tenant(struct cli_ctx *ctx, int64_t *id)
{
	*id = 0;
	if (ctx->tenant == NULL)
		return EXIT_OK;
	struct store *s = NULL;
	struct tenant t;
	int rc = cli_open_store(ctx, NULL, false, &s);
	if (rc != EXIT_OK)
		return rc;
	rc = cli_resolve_tenant(ctx, NULL, s, &t);
	if (rc == EXIT_OK) {
		*id = t.id;
		tenant_free(&t);
	}
	store_close(&s);
	return rc;
}

int main(int argc, char **argv)
{
	/* Character classes for the console's wide-character output; numbers stay "C". */
	setlocale(LC_CTYPE, "");
	struct cli_ctx ctx;
	int idx = 0;
	int rc = cli_globals(argc, argv, &ctx, &idx);
	if (rc >= 0) {
		cli_ctx_clear(&ctx);
		return rc;
	}
	if (idx < argc && strcmp(argv[idx], "--demo") == 0) {
		/* The demo is a console mode: it lives in ui/, which the CLI (core) must not call.
		 * It needs none of the clinic's data: a setgid run gives the group up first. */
		cli_ctx_clear(&ctx);
		privsep_drop();
		return demo_mode_main(argc - idx, argv + idx);
	}
	if (idx < argc) {
		cli_ctx_clear(&ctx);
		return cli_main(argc, argv);
	}
	struct ui_options opts = {.db_path = ctx.db_path, .key_file = ctx.key_file};
	rc = console_tenant(&ctx, &opts.tenant_id);
	if (rc == EXIT_OK)
		rc = ui_run(&opts);
	cli_ctx_clear(&ctx);
	return rc;
}
