/* Console entry point (placeholder until the console lands). */
#include <stdio.h>
#include "ui/ui.h"

int ui_run(const struct ui_options *opts)
{
	(void)opts;
	fputs("smsdesk: the console is not built yet\n", stderr);
	return 1;
}
