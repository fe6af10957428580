/*
 * The tool's error lines: one line on stderr, "namecache: what failed".
 * Apart from main.c, which every subcommand's file is called from, so
 * that the subcommands and main.c do not call each other in a circle.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void nc__err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "namecache: %s\n", msg);
}
