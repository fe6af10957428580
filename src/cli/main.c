/*
 * namecache(1): run commands under the path-lookup cache and report on it.
 *
 *   namecache run [--stats] [--mode strict|relaxed|off] [--respect-env]
 *                 [--] CMD [ARGS...]
 *   namecache stats [FILE...]
 *   namecache doctor
 *   namecache explain [--nofollow] PATH...
 *   namecache daemon start [--foreground] [--arena-mb N] | stop | status
 *   namecache --help | --version
 *
 * Errors are one line on stderr, "namecache: what failed", and exit
 * status 2 for usage errors; `run` otherwise exits with the command's
 * status (128+N when a signal N killed it).
 */
#include <stdio.h>
#include <string.h>

#include "../../include/namecache.h"
#include "cli.h"

static const char usage[] =
    "usage: namecache run [--stats] [--mode strict|relaxed|off] "
    "[--no-daemon] [--] CMD [ARGS...]\n"
    "       namecache stats [FILE...]\n"
    "       namecache doctor\n"
    "       namecache explain [--nofollow] PATH...\n"
    "       namecache daemon start [--foreground] [--arena-mb N] | stop | "
    "status\n"
    "       namecache --help | --version\n"
    "\n"
    "  run     run CMD and all its descendants with the namecache shim\n"
    "          preloaded; exit with CMD's status\n"
    "    --stats        after CMD ends, print call statistics aggregated\n"
    "                   over every process of the tree to stderr\n"
    "    --mode MODE    strict (default), relaxed or off\n"
    "    --no-daemon    each process caches for itself; by default the\n"
    "                   processes share the cache of a running daemon, or\n"
    "                   of one started for CMD's lifetime\n"
    "    --respect-env  pass every program's environment on as it built\n"
    "                   it: a child started without LD_PRELOAD (env -i)\n"
    "                   then runs without namecache\n"
    "  stats   aggregate statistics records (from NAMECACHE_STATS) and\n"
    "          print the table; FILE - or no FILE reads stdin\n"
    "  doctor  check what the cache relies on here (kernel, inotify,\n"
    "          filesystem ...), one line each; status 1 if it cannot work\n"
    "  explain say for each PATH whether its lookups would be answered\n"
    "          from the cache, and if not why; status 1 if one would not\n"
    "    --nofollow     a final symbolic link is not followed (lstat)\n"
    "  daemon  the shared cache's daemon: start one (detached, or in the\n"
    "          --foreground for service managers), stop it, or print its\n"
    "          status (status 3 when none runs)\n"
    "    --arena-mb N   the cache's size in MB (default 128)\n"
    "\n"
    "Environment: NAMECACHE_MODE, NAMECACHE_STATS, NAMECACHE_LOG,\n"
    "NAMECACHE_MAX_STALE_US, NAMECACHE_WARMUP, NAMECACHE_INHERIT,\n"
    "NAMECACHE_SOCKET, NAMECACHE_ARENA_MB; see\n"
    "namecache(1).\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage, stderr);
		return NC_EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("namecache %s\n", NAMECACHE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return nc__cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "stats"))
		return nc__cmd_stats(argc - 1, argv + 1);
	if (!strcmp(cmd, "doctor"))
		return nc__cmd_doctor(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return nc__cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "daemon"))
		return nc__cmd_daemon(argc - 1, argv + 1);
	nc__err("unknown command '%s' (see namecache --help)", cmd);
	return NC_EXIT_USAGE;
}
