/* The program's version string. */
#ifndef SMSDESK_VERSION_H
#define SMSDESK_VERSION_H
const char *smsdesk_version(void);
#endif
