/*
 * The statistics record: one text line per process image.
 *
 * A process under the shim appends one record to the file named by
 * NAMECACHE_STATS when its image ends (exit, _exit, or just before a
 * successful exec replaces it).  `namecache run --stats` and `namecache
 * stats` read such files and aggregate them.
 *
 *   namecache-stats 1 pid=4242 ppid=4200 comm=cc1 mode=strict end=exit \
 *       check=uring stat=120,3,0 lstat=88,0,1 open=40,12,0
 *
 * Tokens are separated by one space; the line ends with '\n' and is written
 * with one write() to an O_APPEND file, so records of concurrent processes
 * never interleave.  Family values are "ok,enoent,other,hits"; a family
 * with no calls is omitted.  Lookups not answered from the cache are
 * counted by reason in "doubt.FAMILY=reason:n,reason:n", and exec calls
 * whose new image lacked the shim in "exec=restored:n,setid:n" (what the
 * wrapper did, family.h: NC_EXECS).  "hints=posted,dropped" counts the
 * paths an attached image asked the daemon to fill, and those it could
 * not ask for (a full ring; omitted when both are 0).  "check" says how the
 * image's coherence checks asked the kernel: "uring" (at least one thread had a
 * ring), "epoll", or absent (no check).  "cache" says whether the
 * image was attached to a shared cache ("shared", "via" the daemon's
 * "socket" or handed down at "exec") or cached for itself ("process",
 * with "why" it did not attach: family.h, NC_WHYS).  Readers
 * ignore keys
 * they do not know and values past the third, so newer writers stay readable.
 */
#ifndef NC_RECORD_H
#define NC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "family.h"

#define NC_RECORD_MAGIC "namecache-stats"
#define NC_RECORD_VERSION 1
#define NC_RECORD_MAX 4096 /* one line; fits one atomic append */

struct nc__record {
	int64_t pid;
	int64_t ppid;
	char comm[32];
	char mode[16];
	char end[8];
	char check[8]; /* "uring", "epoll" or "" */
	char cache[8]; /* "shared", "process" or "" (off, or no lookup) */
	char why[12];  /* cache=process: enum nc_why's name, or "" */
	char via[8];   /* cache=shared: "socket", "exec", or "" */
	struct nc__counts c;
};

/* Format @r as one line (with '\n') into @buf; returns the length, 0 if
 * it does not fit. */
size_t nc__record_format(char *buf, size_t cap, const struct nc__record *r);

/* Parse one line (without or with '\n').  Returns 0, or -1 if it is not a
 * record of a version this build understands. */
int nc__record_parse(const char *line, struct nc__record *r);

#endif /* NC_RECORD_H */
