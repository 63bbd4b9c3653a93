/* libmicrohttpd loaded with dlopen on first use (see mhdload.h for why). */
#define MHDLOAD_NO_MACROS
#include <pthread.h>
#include <string.h>
#include "src/lazylib.h"
#include "src/mhdload.h"

#define MHDLOAD_SONAME "libmicrohttpd.so.12"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char why[300];

/* ---- what every function does when the library could not be loaded ---- */

static struct MHD_Daemon *no_start(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
				   MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	(void)flags, (void)port, (void)apc, (void)apc_cls, (void)dh, (void)dh_cls;
	return NULL;
}
static void no_stop(struct MHD_Daemon *d)
{
	(void)d;
}
static const union MHD_DaemonInfo *no_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...)
{
	(void)d, (void)t;
	return NULL;
}
static struct MHD_Response *no_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode m)
{
	(void)size, (void)buffer, (void)m;
	return NULL;
}
static struct MHD_Response *no_from_callback(uint64_t size, size_t block, MHD_ContentReaderCallback crc,
					     void *crc_cls, MHD_ContentReaderFreeCallback crfc)
{
	(void)size, (void)block, (void)crc, (void)crc_cls, (void)crfc;
	return NULL;
}
static enum MHD_Result no_header(struct MHD_Response *r, const char *header, const char *content)
{
	(void)r, (void)header, (void)content;
	return MHD_NO;
}
static void no_destroy(struct MHD_Response *r)
{
	(void)r;
}
static enum MHD_Result no_queue(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	(void)c, (void)status, (void)r;
	return MHD_NO;
}
static const char *no_lookup(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
	(void)c, (void)kind, (void)key;
	return NULL;
}

static struct mhdload_api api = {no_start,  no_stop,   no_info,	 no_from_buffer, no_from_callback,
				 no_header, no_destroy, no_queue, no_lookup};

/* Names in the order of struct mhdload_api's members. */
static const char *const names[] = {
	"MHD_start_daemon",	 "MHD_stop_daemon",	"MHD_get_daemon_info",
	"MHD_create_response_from_buffer", "MHD_create_response_from_callback", "MHD_add_response_header",
	"MHD_destroy_response", "MHD_queue_response", "MHD_lookup_connection_value",
};

/* Loads the library and resolves every function, or keeps the stand-ins and says why. */
static void load(void)
{
	enum { N = sizeof names / sizeof names[0] };
	void (*found[N])(void);
	_Static_assert(sizeof(struct mhdload_api) == sizeof found, "the table is its functions");
	if (lazylib_resolve(MHDLOAD_SONAME, names, N, found, "the libmicrohttpd12 package", why, sizeof why) == 0)
		memcpy(&api, found, sizeof api);
}

const struct mhdload_api *mhdload(void)
{
	pthread_once(&once, load);
	return &api;
}

const char *mhdload_error(void)
{
	return why[0] != '\0' ? why : NULL;
}
