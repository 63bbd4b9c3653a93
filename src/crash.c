/* Self-inflicted SIGKILL at named points, for the tests that prove the outbox crash-safe.
 * The environment is read once; an unset SMSDESK_CRASH_AT costs one branch per call. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "src/crash.h"

static bool loaded;
static const char *armed;  /* the SMSDESK_CRASH_AT list, NULL when off */
static double prob = 1.0;
static long after;         /* 0: use prob */
static long hits;

/* Reads the environment the first time a point is reached. */
static void load(void)
{
	loaded = true;
	const char *at = getenv("SMSDESK_CRASH_AT");
	if (at == NULL || *at == '\0')
		return;
	armed = at;
	const char *p = getenv("SMSDESK_CRASH_PROB");
	if (p != NULL && *p != '\0')
		prob = strtod(p, NULL);
	const char *a = getenv("SMSDESK_CRASH_AFTER");
	if (a != NULL && *a != '\0')
		after = strtol(a, NULL, 10);
}

/* True when name is one of the comma-separated names in list. */
static bool listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Dies here, at once and without cleanup, if the tests armed this point. */
void crash_point(const char *name)
{
	if (!loaded)
		load();
	if (armed == NULL || !listed(armed, name))
		return;
	hits++;
	bool die;
	if (after > 0)
		die = hits == after;
	else
		die = prob >= 1.0 || (prob > 0.0 && randombytes_uniform(1000000) < (uint32_t)(prob * 1000000.0));
	if (die)
		raise(SIGKILL);
}
