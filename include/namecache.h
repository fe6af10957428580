/*
 * namecache: a user-space dentry cache for path lookups.
 *
 * Most programs use namecache without this header, through LD_PRELOAD
 * (`namecache run -- CMD`).  Programs that link libnamecache directly
 * (`pkg-config --cflags --libs namecache`) can also ask for lookups
 * explicitly, and in particular ask for an answer only if the cache can
 * give one without a system call (NC_CACHED_ONLY, the idea of the kernel's
 * LOOKUP_NONBLOCK): such a call fails with EAGAIN instead of blocking in
 * the kernel, so it can be made from a latency-sensitive thread and the
 * slow lookup handed to another.
 *
 * Every function has the semantics, return value and errno of the libc
 * function it is named after.
 */
#ifndef NAMECACHE_H
#define NAMECACHE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NAMECACHE_VERSION_MAJOR 0
#define NAMECACHE_VERSION_MINOR 1
#define NAMECACHE_VERSION_PATCH 0
#define NAMECACHE_VERSION "0.1.0"

/* Flags for the lookups below. */
#define NC_CACHED_ONLY 0x1u /* answer from the cache or fail with EAGAIN */

/* The library's version string, e.g. "0.1.0". */
const char *nc_version(void);

int nc_stat(const char *path, struct stat *buf, unsigned int flags);
int nc_lstat(const char *path, struct stat *buf, unsigned int flags);
int nc_access(const char *path, int mode, unsigned int flags);
ssize_t nc_readlink(const char *path, char *buf, size_t len,
		    unsigned int flags);
/* As realpath(3); with resolved == NULL the result is malloc'ed. */
char *nc_realpath(const char *path, char *resolved, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* NAMECACHE_H */
