/*
 * Configuration from the environment, shared by the shim and the CLI.
 *
 * The shim reads it once per process image; the CLI validates the same
 * variables before it starts a command, so that a bad value is reported
 * once, with exit status 2, instead of by every process of a build.
 *
 *   NAMECACHE_MODE          strict (default) | relaxed | off
 *   NAMECACHE_STATS         absolute path: append a statistics record per
 *                           process image (record.h)
 *   NAMECACHE_LOG           absolute path: append diagnostic lines
 *   NAMECACHE_MAX_STALE_US  relaxed mode's bound on staleness, microseconds
 *   NAMECACHE_WARMUP        repeated lookups a process makes before it
 *                           caches anything (default 4096; see cache.c)
 *   NAMECACHE_INHERIT       1: every exec and spawn gives the new image
 *                           the shim and these variables back when the
 *                           program left them out (src/shim/inherit.c);
 *                           `namecache run` sets it.  0 or unset: the
 *                           environment is passed on as the program
 *                           built it.
 *   NAMECACHE_CHECK         auto (default) | uring | epoll: how strict
 *                           checks ask the kernel (notify.c, uring.c)
 *   NAMECACHE_SOCKET        the shared cache daemon's socket (absolute;
 *                           default $XDG_RUNTIME_DIR/namecache/socket, or
 *                           /tmp/namecache-UID/socket); "none": always
 *                           the in-process cache (proto.h)
 *
 * An empty value means "unset".  Any other bad value is an error: one line
 * naming the variable and what was expected.
 */
#ifndef NC_CONFIG_H
#define NC_CONFIG_H

#include <limits.h>
#include <stdint.h>

#include "util.h"

enum nc_mode { NC_MODE_STRICT, NC_MODE_RELAXED, NC_MODE_OFF };

#define NC_ENV_MODE "NAMECACHE_MODE"
#define NC_ENV_STATS "NAMECACHE_STATS"
#define NC_ENV_LOG "NAMECACHE_LOG"
#define NC_ENV_MAX_STALE "NAMECACHE_MAX_STALE_US"

#define NC_MAX_STALE_DEFAULT_US 100000ULL
#define NC_MAX_STALE_LIMIT_US 60000000ULL
#define NC_ENV_WARMUP "NAMECACHE_WARMUP"
#define NC_WARMUP_DEFAULT 4096ULL
#define NC_WARMUP_LIMIT 1000000000ULL
#define NC_ENV_INHERIT "NAMECACHE_INHERIT"
#define NC_ENV_CHECK "NAMECACHE_CHECK"
#define NC_ENV_SOCKET "NAMECACHE_SOCKET"

struct nc__config {
	int mode;
	uint64_t max_stale_us;
	uint64_t warmup;     /* repeated lookups before caching */
	int inherit;	     /* NAMECACHE_INHERIT=1 */
	int check;	     /* enum nc_check (cache.h): 0 auto */
	char sock_path[108]; /* "": no shared cache */
	/* "" when unset; else a copy in the config module's own storage
	 * (one of each per process: a later load replaces it), whose
	 * pages a process that sets neither never touches. */
	const char *stats_path;
	const char *log_path;
};

/* The mode named @s, or -1. */
int nc__mode_parse(const char *s);
const char *nc__mode_name(int mode);

/*
 * Fill @c from @get (getenv, or a lookup in an envp array).  On a bad value
 * returns -1 with @c still usable (the bad setting at its safe default:
 * mode off, no stats/log file) and one line without '\n' in @err.
 * Async-signal-safe when @get is.
 */
int nc__config_load(struct nc__config *c, const char *(*get)(const char *),
		    struct nc__buf *err);

#endif /* NC_CONFIG_H */
