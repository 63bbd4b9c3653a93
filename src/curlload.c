/* libcurl loaded with dlopen on first use (see curlload.h for why and how). */
#define CURLLOAD_NO_MACROS
#include <pthread.h>
#include <string.h>
#include "src/curlload.h"
#include "src/lazylib.h"

/* The soname, never a path: the loader's default search only (lazylib.h). */
#define CURLLOAD_SONAME "libcurl.so.4"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Atomic bool done;
static char why[300];

/* ---- what every function does when libcurl could not be loaded ---- */

static CURLcode no_global_init(long flags)
{
	(void)flags;
	return CURLE_FAILED_INIT;
}
static CURL *no_easy_init(void)
{
	return NULL;
}
static CURLcode no_easy_opt(CURL *h, CURLoption opt, ...)
{
	(void)h, (void)opt;
	return CURLE_FAILED_INIT;
}
static CURLcode no_easy_info(CURL *h, CURLINFO info, ...)
{
	(void)h, (void)info;
	return CURLE_FAILED_INIT;
}
static CURLcode no_easy_perform(CURL *h)
{
	(void)h;
	return CURLE_FAILED_INIT;
}
static void no_easy_cleanup(CURL *h)
{
	(void)h;
}
static const char *no_easy_strerror(CURLcode rc)
{
	(void)rc;
	return why;
}
static char *no_easy_escape(CURL *h, const char *s, int len)
{
	(void)h, (void)s, (void)len;
	return NULL;
}
static void no_free(void *p)
{
	(void)p; /* nothing libcurl made can exist */
}
static struct curl_slist *no_slist_append(struct curl_slist *l, const char *s)
{
	(void)l, (void)s;
	return NULL;
}
static void no_slist_free_all(struct curl_slist *l)
{
	(void)l;
}
static CURLU *no_url(void)
{
	return NULL;
}
static CURLUcode no_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	(void)u, (void)what, (void)part, (void)flags;
	return CURLUE_OUT_OF_MEMORY;
}
static CURLUcode no_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	(void)u, (void)what, (void)flags;
	if (part != NULL)
		*part = NULL;
	return CURLUE_OUT_OF_MEMORY;
}
static void no_url_cleanup(CURLU *u)
{
	(void)u;
}
static char *no_version(void)
{
	return "libcurl (not loaded)";
}

static struct curlload_api api = {
	no_global_init, no_easy_init,	   no_easy_opt,	   no_easy_info,      no_easy_perform, no_easy_cleanup,
	no_easy_strerror, no_easy_escape,  no_free,	   no_slist_append,   no_slist_free_all, no_url,
	no_url_set,	  no_url_get,	   no_url_cleanup, no_version,
};

/* Names in the order of struct curlload_api's members. */
static const char *const names[] = {
	"curl_global_init", "curl_easy_init",	   "curl_easy_setopt", "curl_easy_getinfo",
	"curl_easy_perform", "curl_easy_cleanup",  "curl_easy_strerror", "curl_easy_escape",
	"curl_free",	     "curl_slist_append",  "curl_slist_free_all", "curl_url",
	"curl_url_set",	     "curl_url_get",	   "curl_url_cleanup", "curl_version",
};
_Static_assert(sizeof(names) / sizeof(names[0]) * sizeof(void (*)(void)) == sizeof(struct curlload_api),
	       "one name per function");

/* Loads libcurl and resolves every function, or keeps the stand-ins and says why. */
static void load(void)
{
	enum { N = sizeof names / sizeof names[0] };
	void (*found[N])(void);
	if (lazylib_resolve(CURLLOAD_SONAME, names, N, found, "the libcurl4 package, libcurl 7.62 or newer", why,
			    sizeof why) == 0) {
		_Static_assert(sizeof(struct curlload_api) == sizeof found, "the table is its functions");
		memcpy(&api, found, sizeof api);
	}
	done = true;
}

const struct curlload_api *curlload(void)
{
	pthread_once(&once, load);
	return &api;
}

const char *curlload_error(void)
{
	return done && why[0] != '\0' ? why : NULL;
}

bool curlload_done(void)
{
	return done;
}
