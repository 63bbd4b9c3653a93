/* The program's version string, set by CMake from project(VERSION). */
#include "src/version.h"

const char *smsdesk_version(void)
{
	return SMSDESK_VERSION;
}
