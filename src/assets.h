/* Files from assets/ compiled into the binary (cmake/embed.cmake). */
#ifndef SMSDESK_ASSETS_H
#define SMSDESK_ASSETS_H
#include <stddef.h>

struct asset {
	const char *name; /* path below assets/, e.g. "migrations/001_init.sql" */
	const char *data; /* NUL-terminated */
	size_t len;
};

/* The table, sorted by name, ending with a {NULL} entry (store/store.c walks it for
 * migrations/NNN_*.sql). */
extern const struct asset asset_table[];

#endif
