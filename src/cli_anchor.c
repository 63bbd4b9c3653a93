/* `smsdesk audit anchor` and the anchor half of `smsdesk audit verify --anchor`. */
#include <stdio.h>
#include <stdlib.h>
#include "src/anchor.h"
#include "src/cli_internal.h"

int cli_anchor_verify(struct store *s, const char *path, bool required)
{
	char *err = NULL;
	struct audit_head a;
	enum anchor_result r = anchor_check(s, path, &a, &err);
	int rc = EXIT_OK;
	if (r == ANCHOR_OK)
		printf("audit anchor %s: the log still holds entry %lld and all %lld entries the anchor saw\n",
		       cli_show(path), (long long)a.last_id, (long long)a.count);
	else if (r == ANCHOR_MISSING && !required)
		printf("audit anchor %s: none yet (the scheduler writes it on every pass)\n", cli_show(path));
	else if (r == ANCHOR_MISSING)
		rc = cli_fail(EXIT_FAIL, "audit", "no audit anchor at %s", path);
	else if (r == ANCHOR_MISMATCH) {
		printf("audit log TRUNCATED OR REWRITTEN: %s\n", cli_show(err));
		rc = EXIT_FAIL;
	} else
		rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
	free(err);
	return rc;
}

int cli_anchor_write(struct store *s, const char *path, bool force)
{
	char *err = NULL;
	struct audit_head h;
	bool changed = false;
	enum anchor_result r = anchor_update(s, path, force, &h, &changed, &err);
	int rc = EXIT_OK;
	if (r == ANCHOR_OK)
		printf("audit anchor %s: %lld entries, newest %lld%s\n", cli_show(path), (long long)h.count,
		       (long long)h.last_id, changed ? "" : " (unchanged)");
	else if (r == ANCHOR_MISMATCH)
		rc = cli_fail(EXIT_FAIL, "audit", "%s; the anchor was left as it is (after a restore, check the log and "
			      "give --force)", err);
	else
		rc = cli_fail(EXIT_FAIL, "audit", "%s", err);
	free(err);
	return rc;
}
