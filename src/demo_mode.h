/* `smsdesk --demo`: a throw-away database with demo data, the loopback simulator, then the
 * console. Declared by the CLI (src/cli.c dispatches to it); the demo work replaces the stub
 * in src/demo_mode.c. */
#ifndef SMSDESK_DEMO_MODE_H
#define SMSDESK_DEMO_MODE_H

/* argv[0] is "--demo"; returns the process exit code. */
int demo_mode_main(int argc, char **argv);

#endif
