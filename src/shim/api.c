/*
 * The public C API (include/namecache.h).
 *
 * Each function answers like the libc call it is named after and is
 * counted in the same family.  Until a lookup can be answered from the
 * cache, NC_CACHED_ONLY fails with EAGAIN: that is the honest answer of a
 * cache that holds nothing, and callers must handle it in any case.
 * Unknown flag bits are EINVAL.
 */
#include "../../include/namecache.h"
#include "real.h"

#define NC__API_FLAGS NC_CACHED_ONLY

static int check_flags(unsigned int flags)
{
	if (flags & ~NC__API_FLAGS) {
		errno = EINVAL;
		return -1;
	}
	if (flags & NC_CACHED_ONLY) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

NC_EXPORT const char *nc_version(void)
{
	return NAMECACHE_VERSION;
}

NC_EXPORT int nc_stat(const char *path, struct stat *buf, unsigned int flags)
{
	nc__fn_stat fn = NC_REAL(stat);
	int r;

	if (check_flags(flags) < 0)
		return -1;
	r = fn ? fn(path, buf) : nc__fb_stat(path, buf);
	nc__count(NC_FAM_STAT, r < 0);
	return r;
}

NC_EXPORT int nc_lstat(const char *path, struct stat *buf, unsigned int flags)
{
	nc__fn_lstat fn = NC_REAL(lstat);
	int r;

	if (check_flags(flags) < 0)
		return -1;
	r = fn ? fn(path, buf) : nc__fb_lstat(path, buf);
	nc__count(NC_FAM_LSTAT, r < 0);
	return r;
}

NC_EXPORT int nc_access(const char *path, int mode, unsigned int flags)
{
	nc__fn_access fn = NC_REAL(access);
	int r;

	if (check_flags(flags) < 0)
		return -1;
	r = fn ? fn(path, mode) : nc__fb_access(path, mode);
	nc__count(NC_FAM_ACCESS, r < 0);
	return r;
}

NC_EXPORT ssize_t nc_readlink(const char *path, char *buf, size_t len,
			      unsigned int flags)
{
	nc__fn_readlink fn = NC_REAL(readlink);
	ssize_t r;

	if (check_flags(flags) < 0)
		return -1;
	r = fn ? fn(path, buf, len) : nc__fb_readlink(path, buf, len);
	nc__count(NC_FAM_READLINK, r < 0);
	return r;
}

NC_EXPORT char *nc_realpath(const char *path, char *resolved,
			    unsigned int flags)
{
	nc__fn_realpath fn = NC_REAL(realpath);
	char *r;

	if (check_flags(flags) < 0)
		return NULL;
	if (!fn) {
		errno = ENOSYS;
		return NULL;
	}
	r = fn(path, resolved);
	nc__count(NC_FAM_REALPATH, r == NULL);
	return r;
}
