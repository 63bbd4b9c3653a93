/* `smsdesk --demo`: a throw-away database with demo data, the loopback simulator, then the
 * console. A console mode, so it lives in ui/; src/main.c starts it. */
#ifndef SMSDESK_DEMO_MODE_H
#define SMSDESK_DEMO_MODE_H

/* argv[0] is "--demo"; returns the process exit code. */
int demo_mode_main(int argc, char **argv);

#endif
