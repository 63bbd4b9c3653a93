/* Files from assets/ compiled into the binary (cmake/embed.cmake). */
#ifndef SMSDESK_ASSETS_H
#define SMSDESK_ASSETS_H
#include <stddef.h>

struct asset {
	const char *name; /* path below assets/, e.g. "migrations/001_init.sql" */
	const char *data; /* NUL-terminated */
	size_t len;
};

/* The table, sorted by name, ending with a {NULL} entry. */
extern const struct asset asset_table[];

/* Returns the asset called name, or NULL. */
const struct asset *asset_find(const char *name);

#endif
