/* The only thing the core sees of the console. Owner: ui/ */
#ifndef SMSDESK_UI_H
#define SMSDESK_UI_H
#include <stdbool.h>
#include <stdint.h>

struct ui_options {
	const char *db_path;
	const char *key_file;
	const char *demo_user;   /* sign in as this user without a password (--demo only) */
	int64_t tenant_id;       /* 0: the first the user may see */
	const char *demo_password; /* shown on the demo's sign-in and lock screens (--demo only) */
	bool run_reminders;      /* the console runs the reminders pass and the EHR write-backs itself
				  * (--demo: no scheduler) */
	const char *ehr_note;    /* on the status bar until a write-back is acknowledged, or NULL (--demo) */
};

/* Runs the console until the user quits. Returns the process exit code. */
int ui_run(const struct ui_options *opts);

#endif
