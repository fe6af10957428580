/*
 * open(), open64(), openat(), openat64(): the variadic members of the open
 * family, written by hand because the mode argument exists only when the
 * flags need one.
 *
 * The mode is read exactly when glibc reads it, __OPEN_NEEDS_MODE(flags):
 * O_CREAT, or O_TMPFILE (which includes O_DIRECTORY, so test all its bits;
 * several shims tested O_CREAT only and broke O_TMPFILE).  It is read as
 * an int, the type it has after default argument promotion.
 *
 * An open that fails in path lookup may be answered by the cache
 * (nc__open_query, wrap_lookup.c); every other open is the real one.
 */
#include <stdarg.h>

#include "real.h"

#define NC__OPEN_MODE(flags, last, mode)                \
	do {                                            \
		if (__OPEN_NEEDS_MODE(flags)) {         \
			va_list ap;                     \
			va_start(ap, last);             \
			mode = (mode_t)va_arg(ap, int); \
			va_end(ap);                     \
		}                                       \
	} while (0)

static int finish(int r, int flags)
{
	nc__count(NC_FAM_OPEN, r < 0);
	nc__opened(r, flags);
	return r;
}

/* One body for the four: @dirfd_ is AT_FDCWD for open and open64. */
#define NC__OPEN_WRAPPER(name, dirfd_, params, args)                      \
	NC_EXPORT int name params                                         \
	{                                                                 \
		nc__fn_##name fn = NC_REAL(name);                         \
		mode_t mode = 0;                                          \
                                                                          \
		NC__OPEN_MODE(flags, flags, mode);                        \
		if (nc__open_query((dirfd_), path, flags) < 0)            \
			return -1;                                        \
		return finish(                                            \
		    fn ? fn args                                          \
		       : nc__fb_openat_mode((dirfd_), path, flags, mode), \
		    flags);                                               \
	}

NC__OPEN_WRAPPER(open, AT_FDCWD, (const char *path, int flags, ...),
		 (path, flags, mode))
NC__OPEN_WRAPPER(open64, AT_FDCWD, (const char *path, int flags, ...),
		 (path, flags, mode))
NC__OPEN_WRAPPER(openat, dirfd, (int dirfd, const char *path, int flags, ...),
		 (dirfd, path, flags, mode))
NC__OPEN_WRAPPER(openat64, dirfd, (int dirfd, const char *path, int flags, ...),
		 (dirfd, path, flags, mode))
