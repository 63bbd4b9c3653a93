/* libcurl loaded on first use instead of at exec. Owner: src/curlload.c
 *
 * libcurl brings about 30 shared libraries (TLS, Kerberos, LDAP, SSH, IDN, ...) whose loading
 * and relocation cost ~20 ms of CPU at every exec (issue 15); the console's first paint and
 * most commands need none of them. So smsdesk does not link libcurl: the first call to any
 * curl_* function below loads "libcurl.so.4" with dlopen and resolves every function smsdesk
 * uses, in one place, once per process. A setgid smsdesk is safe: the name has no slash, so
 * the loader searches only its default paths (ld.so.cache, /lib, /usr/lib) and ignores
 * LD_LIBRARY_PATH for a secure-execution process (privsep also clears the environment).
 *
 * Files that call libcurl include this header instead of <curl/curl.h>; the calls stay as
 * they are. When libcurl cannot be loaded every function answers as libcurl does when it
 * cannot work (CURLE_FAILED_INIT, NULL handles), and curl_easy_strerror says why. */
#ifndef SMSDESK_CURLLOAD_H
#define SMSDESK_CURLLOAD_H
#include <stdbool.h>
/* typecheck-gcc.h wraps curl_easy_setopt in a macro naming the linked function */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

/* The functions of libcurl smsdesk uses (named after curl_<name>). */
struct curlload_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *h);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	char *(*easy_escape)(CURL *h, const char *s, int len);
	void (*mem_free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode (*url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags);
	void (*url_cleanup)(CURLU *u);
	char *(*version)(void);
};

/* The functions, loading libcurl at the first call (thread-safe); never NULL. */
const struct curlload_api *curlload(void);
/* Why libcurl could not be loaded, or NULL when it is loaded (or not tried yet). */
const char *curlload_error(void);
/* Whether this process has loaded libcurl yet (tests: a command that needs no network
 * never does). */
bool curlload_done(void);

#ifndef CURLLOAD_NO_MACROS
#undef curl_easy_setopt /* curl.h's macros that check for three arguments */
#undef curl_easy_getinfo
#define curl_global_init (curlload()->global_init)
#define curl_easy_init (curlload()->easy_init)
#define curl_easy_setopt (curlload()->easy_setopt)
#define curl_easy_getinfo (curlload()->easy_getinfo)
#define curl_easy_perform (curlload()->easy_perform)
#define curl_easy_cleanup (curlload()->easy_cleanup)
#define curl_easy_strerror (curlload()->easy_strerror)
#define curl_easy_escape (curlload()->easy_escape)
#define curl_free (curlload()->mem_free)
#define curl_slist_append (curlload()->slist_append)
#define curl_slist_free_all (curlload()->slist_free_all)
#define curl_url (curlload()->url)
#define curl_url_set (curlload()->url_set)
#define curl_url_get (curlload()->url_get)
#define curl_url_cleanup (curlload()->url_cleanup)
#define curl_version (curlload()->version)
#endif
#endif
