/* Shared libraries loaded on first use with dlopen, for what most runs never need
 * (libcurl: src/curlload.c; libmicrohttpd, the simulator's server: src/mhdload.c).
 * Owner: src/lazylib.c
 *
 * Only sonames (no slash) are loaded: the loader then searches its default paths only, and
 * for a setgid smsdesk (secure execution) it ignores LD_LIBRARY_PATH and the like, so the
 * environment cannot choose the library (privsep.c also clears the environment). */
#ifndef SMSDESK_LAZYLIB_H
#define SMSDESK_LAZYLIB_H
#include <stddef.h>

/* Loads soname (RTLD_NOW | RTLD_LOCAL, kept for the process) and resolves the n names into
 * fns[0..n-1]. 0, or -1 with fns untouched and the reason in why (install_hint names the
 * package that brings it). */
int lazylib_resolve(const char *soname, const char *const *names, size_t n, void (**fns)(void),
		    const char *install_hint, char *why, size_t why_len);
#endif
