/* dlopen of a soname and dlsym of a list of functions, all or nothing (see lazylib.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "src/lazylib.h"

int lazylib_resolve(const char *soname, const char *const *names, size_t n, void (**fns)(void),
		    const char *install_hint, char *why, size_t why_len)
{
	if (strchr(soname, '/') != NULL) {
		snprintf(why, why_len, "%s: only a library name, never a path, is loaded", soname);
		return -1;
	}
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		const char *e = dlerror();
		snprintf(why, why_len, "%s could not be loaded (%s; install %s)", soname, e ? e : "?", install_hint);
		return -1;
	}
	void (*found[n])(void);
	for (size_t i = 0; i < n; i++) {
		/* POSIX: a function's address fits a void * (dlsym's contract) */
		*(void **)&found[i] = dlsym(lib, names[i]);
		if (found[i] == NULL) {
			snprintf(why, why_len, "%s lacks %s (install a newer %s)", soname, names[i], install_hint);
			dlclose(lib);
			return -1;
		}
	}
	memcpy(fns, found, n * sizeof(found[0]));
	return 0;
}
