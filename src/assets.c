/* Lookup of compiled-in assets. */
#include <string.h>
#include "src/assets.h"

/* Returns the asset called name, or NULL. */
const struct asset *asset_find(const char *name)
{
	for (const struct asset *a = asset_table; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}
