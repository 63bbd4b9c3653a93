/* smsdesk entry point: parses the mode and hands over to the CLI (src/cli.c). */
#include <stdio.h>
#include <string.h>
#include "src/util.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("smsdesk %s\n", SMSDESK_VERSION);
		return 0;
	}
	fputs("smsdesk: not built yet\n", stderr);
	return 64;
}
