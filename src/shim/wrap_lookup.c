/*
 * The lookup wrappers: the entry points the cache can answer.
 *
 * Each translates its arguments into a query (src/cache/cache.h).  On a
 * hit it returns the cache's answer, with errno set only when the answer
 * is a failure; on a miss it makes the real call exactly as the generated
 * wrappers do, and reports its result for memoization (access, statx).
 * Either way the call is counted once, with whether it was a hit and, if
 * not, why.
 *
 * Anything the cache does not model is passed through untouched: unknown
 * flags, dirfd-relative paths, NULL output buffers, the fortified
 * variants' overflow cases (whose real function aborts), stat version
 * numbers other than _STAT_VER, fopen modes other than plain reading.
 */
#include <limits.h>
#include <string.h>

#include "../cache/cache.h"
#include "real.h"

_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
	       "stat and stat64 must share a layout to share the cache");

#define NC__STAT_VER 1
#define NC__OFF (-1) /* a query the cache does not serve */

/* A hit: errno is the answer's when it is a failure; count it. */
static long hit(int fam, const struct nc_query *q)
{
	if (q->ret < 0)
		errno = q->err;
	nc__count_hit(fam, q->ret < 0);
	return q->ret;
}

/* After the real call on a miss: memoize if asked, count, keep errno. */
static long missed(int fam, struct nc_query *q, long r)
{
	if (q->armed)
		nc__query_done(q, r, errno);
	nc__count_doubt(fam, q->doubt);
	nc__count(fam, r < 0);
	return r;
}

/* The cache is off for this image: count why, build nothing. */
static int off(struct nc_query *q)
{
	q->doubt = NC_DOUBT_MODE;
	q->armed = 0;
	return NC_Q_MISS;
}

static int q_stat(struct nc_query *q, int dirfd, const char *path, void *buf,
		  int flags)
{
	if (!nc__cache_usable())
		return off(q);
	memset(q, 0, sizeof(*q));
	q->op = NC_OP_STAT;
	if (nc__is_null(buf) ||
	    (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)))
		q->op = NC__OFF;
	q->dirfd = dirfd;
	q->path = path;
	q->nofollow = !!(flags & AT_SYMLINK_NOFOLLOW);
	q->out.st = buf;
	return nc__query(q);
}

#define NC__STAT_WRAPPER(name, fam_, dirfd_, flags_, params, args)         \
	NC_EXPORT int name params                                          \
	{                                                                  \
		struct nc_query q;                                         \
		nc__fn_##name fn;                                          \
		int fam = (fam_);                                          \
                                                                           \
		if (q_stat(&q, (dirfd_), path, buf, (flags_)) == NC_Q_HIT) \
			return (int)hit(fam, &q);                          \
		fn = NC_REAL(name);                                        \
		return (int)missed(fam, &q,                                \
				   fn ? fn args : nc__fb_##name args);     \
	}

NC__STAT_WRAPPER(stat, NC_FAM_STAT, AT_FDCWD, 0,
		 (const char *path, struct stat *buf), (path, buf))
NC__STAT_WRAPPER(stat64, NC_FAM_STAT, AT_FDCWD, 0,
		 (const char *path, struct stat64 *buf), (path, buf))
NC__STAT_WRAPPER(lstat, NC_FAM_LSTAT, AT_FDCWD, AT_SYMLINK_NOFOLLOW,
		 (const char *path, struct stat *buf), (path, buf))
NC__STAT_WRAPPER(lstat64, NC_FAM_LSTAT, AT_FDCWD, AT_SYMLINK_NOFOLLOW,
		 (const char *path, struct stat64 *buf), (path, buf))
NC__STAT_WRAPPER(fstatat,
		 (flags & AT_SYMLINK_NOFOLLOW) ? NC_FAM_LSTAT : NC_FAM_STAT,
		 dirfd, flags,
		 (int dirfd, const char *path, struct stat *buf, int flags),
		 (dirfd, path, buf, flags))
NC__STAT_WRAPPER(fstatat64,
		 (flags & AT_SYMLINK_NOFOLLOW) ? NC_FAM_LSTAT : NC_FAM_STAT,
		 dirfd, flags,
		 (int dirfd, const char *path, struct stat64 *buf, int flags),
		 (dirfd, path, buf, flags))
/* The pre-2.33 names: a wrong version is the real function's EINVAL. */
NC__STAT_WRAPPER(__xstat, NC_FAM_STAT, AT_FDCWD,
		 ver == NC__STAT_VER ? 0 : NC__OFF,
		 (int ver, const char *path, struct stat *buf),
		 (ver, path, buf))
NC__STAT_WRAPPER(__xstat64, NC_FAM_STAT, AT_FDCWD,
		 ver == NC__STAT_VER ? 0 : NC__OFF,
		 (int ver, const char *path, struct stat64 *buf),
		 (ver, path, buf))
NC__STAT_WRAPPER(__lxstat, NC_FAM_LSTAT, AT_FDCWD,
		 ver == NC__STAT_VER ? AT_SYMLINK_NOFOLLOW : NC__OFF,
		 (int ver, const char *path, struct stat *buf),
		 (ver, path, buf))
NC__STAT_WRAPPER(__lxstat64, NC_FAM_LSTAT, AT_FDCWD,
		 ver == NC__STAT_VER ? AT_SYMLINK_NOFOLLOW : NC__OFF,
		 (int ver, const char *path, struct stat64 *buf),
		 (ver, path, buf))
NC__STAT_WRAPPER(__fxstatat,
		 (flags & AT_SYMLINK_NOFOLLOW) ? NC_FAM_LSTAT : NC_FAM_STAT,
		 dirfd, ver == NC__STAT_VER ? flags : NC__OFF,
		 (int ver, int dirfd, const char *path, struct stat *buf,
		  int flags),
		 (ver, dirfd, path, buf, flags))
NC__STAT_WRAPPER(__fxstatat64,
		 (flags & AT_SYMLINK_NOFOLLOW) ? NC_FAM_LSTAT : NC_FAM_STAT,
		 dirfd, ver == NC__STAT_VER ? flags : NC__OFF,
		 (int ver, int dirfd, const char *path, struct stat64 *buf,
		  int flags),
		 (ver, dirfd, path, buf, flags))

NC_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		    struct statx *buf)
{
	struct nc_query q = {.op = NC_OP_STATX,
			     .dirfd = dirfd,
			     .path = path,
			     .nofollow = !!(flags & AT_SYMLINK_NOFOLLOW),
			     .mask = mask,
			     .out.stx = buf};
	nc__fn_statx fn;

	/* FORCE_SYNC asks the filesystem; reserved mask bits are EINVAL. */
	if (nc__is_null(buf) ||
	    (flags &
	     ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC)) ||
	    (mask & STATX__RESERVED))
		q.op = NC__OFF;
	if (nc__query(&q) == NC_Q_HIT)
		return (int)hit(NC_FAM_STATX, &q);
	fn = NC_REAL(statx);
	return (int)missed(NC_FAM_STATX, &q,
			   fn ? fn(dirfd, path, flags, mask, buf)
			      : nc__fb_statx(dirfd, path, flags, mask, buf));
}

static int q_access(struct nc_query *q, int dirfd, const char *path, int mode,
		    int flags)
{
	if (!nc__cache_usable())
		return off(q);
	memset(q, 0, sizeof(*q));
	q->op = NC_OP_ACCESS;
	if ((mode & ~(R_OK | W_OK | X_OK)) ||
	    (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW)))
		q->op = NC__OFF;
	q->dirfd = dirfd;
	q->path = path;
	q->mode = mode & 7;
	q->eff = !!(flags & AT_EACCESS);
	q->nofollow = !!(flags & AT_SYMLINK_NOFOLLOW);
	return nc__query(q);
}

#define NC__ACCESS_WRAPPER(name, dirfd_, flags_, params, args, fallback)      \
	NC_EXPORT int name params                                             \
	{                                                                     \
		struct nc_query q;                                            \
		nc__fn_##name fn;                                             \
                                                                              \
		if (q_access(&q, (dirfd_), path, mode, (flags_)) == NC_Q_HIT) \
			return (int)hit(NC_FAM_ACCESS, &q);                   \
		fn = NC_REAL(name);                                           \
		return (int)missed(NC_FAM_ACCESS, &q,                         \
				   fn ? fn args : (fallback));                \
	}

NC__ACCESS_WRAPPER(access, AT_FDCWD, 0, (const char *path, int mode),
		   (path, mode), nc__fb_access(path, mode))
NC__ACCESS_WRAPPER(faccessat, dirfd, flags,
		   (int dirfd, const char *path, int mode, int flags),
		   (dirfd, path, mode, flags),
		   nc__fb_faccessat(dirfd, path, mode, flags))
NC__ACCESS_WRAPPER(euidaccess, AT_FDCWD, AT_EACCESS,
		   (const char *path, int mode), (path, mode),
		   (errno = ENOSYS, -1))
NC__ACCESS_WRAPPER(eaccess, AT_FDCWD, AT_EACCESS, (const char *path, int mode),
		   (path, mode), (errno = ENOSYS, -1))

static int q_readlink(struct nc_query *q, int dirfd, const char *path,
		      char *buf, size_t len)
{
	if (!nc__cache_usable())
		return off(q);
	memset(q, 0, sizeof(*q));
	q->op = (!nc__is_null(buf) && len) ? NC_OP_READLINK : NC__OFF;
	q->dirfd = dirfd;
	q->path = path;
	q->nofollow = 1;
	q->len = len;
	q->out.buf = buf;
	return nc__query(q);
}

#define NC__READLINK_WRAPPER(name, dirfd_, ok, params, args, fallback)         \
	NC_EXPORT ssize_t name params                                          \
	{                                                                      \
		struct nc_query q = {.op = NC__OFF};                           \
		nc__fn_##name fn;                                              \
                                                                               \
		if ((ok) &&                                                    \
		    q_readlink(&q, (dirfd_), path, buf, len) == NC_Q_HIT)      \
			return hit(NC_FAM_READLINK, &q);                       \
		if (!(ok))                                                     \
			q.doubt = NC_DOUBT_ARGS;                               \
		fn = NC_REAL(name);                                            \
		return missed(NC_FAM_READLINK, &q, fn ? fn args : (fallback)); \
	}

NC__READLINK_WRAPPER(readlink, AT_FDCWD, 1,
		     (const char *path, char *buf, size_t len),
		     (path, buf, len), nc__fb_readlink(path, buf, len))
NC__READLINK_WRAPPER(readlinkat, dirfd, 1,
		     (int dirfd, const char *path, char *buf, size_t len),
		     (dirfd, path, buf, len),
		     nc__fb_readlinkat(dirfd, path, buf, len))
/* len > buflen: the real function reports the overflow (and aborts). */
NC__READLINK_WRAPPER(__readlink_chk, AT_FDCWD, len <= buflen,
		     (const char *path, char *buf, size_t len, size_t buflen),
		     (path, buf, len, buflen), (errno = ENOSYS, -1))
NC__READLINK_WRAPPER(__readlinkat_chk, dirfd, len <= buflen,
		     (int dirfd, const char *path, char *buf, size_t len,
		      size_t buflen),
		     (dirfd, path, buf, len, buflen), (errno = ENOSYS, -1))

/*
 * realpath: a hit writes the resolved path into @resolved, or into a new
 * malloc'ed string when @resolved is NULL (as glibc does).  Failures are
 * never answered from the cache: glibc leaves a partial path in @resolved
 * on some of them, which the cache does not reproduce.
 */
static char *realpath_hit(const char *path, char *resolved, int *answered)
{
	char local[PATH_MAX];
	struct nc_query q = {.op = NC_OP_REALPATH,
			     .dirfd = AT_FDCWD,
			     .path = path,
			     .out.buf = resolved ? resolved : local};
	char *r;

	*answered = 0;
	local[0] = '\0';
	if (nc__query(&q) != NC_Q_HIT || q.ret < 0) {
		nc__count_doubt(NC_FAM_REALPATH, q.doubt);
		return NULL;
	}
	r = resolved ? resolved : strdup(local);
	if (!r) {
		nc__count_doubt(NC_FAM_REALPATH, NC_DOUBT_ARGS);
		return NULL;
	}
	*answered = 1;
	nc__count_hit(NC_FAM_REALPATH, 0);
	if (q.err)
		errno = q.err;
	return r;
}

#define NC__REALPATH_WRAPPER(name, ok, buf, params, args)                     \
	NC_EXPORT char *name params                                           \
	{                                                                     \
		nc__fn_##name fn;                                             \
		int answered = 0;                                             \
		char *r = (ok) ? realpath_hit(path, (buf), &answered) : NULL; \
                                                                              \
		if (answered)                                                 \
			return r;                                             \
		if (!(ok))                                                    \
			nc__count_doubt(NC_FAM_REALPATH, NC_DOUBT_ARGS);      \
		fn = NC_REAL(name);                                           \
		if (!fn) {                                                    \
			errno = ENOSYS;                                       \
			r = NULL;                                             \
		} else {                                                      \
			r = fn args;                                          \
		}                                                             \
		nc__count(NC_FAM_REALPATH, r == NULL);                        \
		return r;                                                     \
	}

NC__REALPATH_WRAPPER(realpath, 1, resolved, (const char *path, char *resolved),
		     (path, resolved))
/* resolvedlen < PATH_MAX: the real function reports the overflow. */
NC__REALPATH_WRAPPER(__realpath_chk, resolvedlen >= PATH_MAX, resolved,
		     (const char *path, char *resolved, size_t resolvedlen),
		     (path, resolved, resolvedlen))
NC__REALPATH_WRAPPER(canonicalize_file_name, 1, NULL, (const char *path),
		     (path))

/* ---- failing opens ------------------------------------------------- */

/*
 * Only a failure of the lookup itself is answered (ENOENT, ENOTDIR, ELOOP
 * from a cached negative entry, a file used as a directory, a symlink
 * loop): an open that would succeed needs the real file descriptor.
 * Flags that create, or that the walk does not model, pass through.
 */
int nc__open_query(int dirfd, const char *path, int flags)
{
	struct nc_query q;

	memset(&q, 0, sizeof(q));
	q.op = NC_OP_OPEN;
	if (__OPEN_NEEDS_MODE(flags) || (flags & (O_NOFOLLOW | O_DIRECTORY)))
		q.op = NC__OFF;
	q.dirfd = dirfd;
	q.path = path;
	if (nc__query(&q) == NC_Q_HIT) {
		hit(NC_FAM_OPEN, &q);
		return -1;
	}
	nc__count_doubt(NC_FAM_OPEN, q.doubt);
	return 0;
}

#define NC__OPEN2_WRAPPER(name, dirfd_, params, args)          \
	NC_EXPORT int name params                              \
	{                                                      \
		nc__fn_##name fn;                              \
		int r;                                         \
                                                               \
		if (nc__open_query((dirfd_), path, flags) < 0) \
			return -1;                             \
		fn = NC_REAL(name);                            \
		r = fn ? fn args : (errno = ENOSYS, -1);       \
		nc__count(NC_FAM_OPEN, r < 0);                 \
		nc__opened(r, flags);                          \
		return r;                                      \
	}

NC__OPEN2_WRAPPER(__open_2, AT_FDCWD, (const char *path, int flags),
		  (path, flags))
NC__OPEN2_WRAPPER(__open64_2, AT_FDCWD, (const char *path, int flags),
		  (path, flags))
NC__OPEN2_WRAPPER(__openat_2, dirfd, (int dirfd, const char *path, int flags),
		  (dirfd, path, flags))
NC__OPEN2_WRAPPER(__openat64_2, dirfd, (int dirfd, const char *path, int flags),
		  (dirfd, path, flags))

/* fopen modes that only read and never create: "r" plus b/e/m flags. */
static int read_only_mode(const char *mode)
{
	if (!mode || mode[0] != 'r')
		return 0;
	for (const char *m = mode + 1; *m; m++)
		if (*m != 'b' && *m != 'e' && *m != 'm')
			return 0;
	return 1;
}

/* The open(2) flags that matter to the write-through rule, of an fopen
 * mode: "r" reads, "w" creates and truncates, "a" creates, "+" writes. */
static int mode_flags(const char *mode)
{
	int fl = O_RDONLY;

	if (!mode)
		return fl;
	if (mode[0] == 'w')
		fl = O_WRONLY | O_CREAT | O_TRUNC;
	else if (mode[0] == 'a')
		fl = O_WRONLY | O_CREAT;
	for (const char *m = mode; *m && *m != ','; m++)
		if (*m == '+')
			fl = (fl & ~O_ACCMODE) | O_RDWR;
	return fl;
}

/* After the real fopen/freopen: count, and tell the cache what it may
 * have created or will write. */
static FILE *fopened(FILE *f, const char *mode)
{
	nc__count(NC_FAM_FOPEN, f == NULL);
	if (!read_only_mode(mode))
		nc__opened(f ? fileno(f) : -1, mode_flags(mode));
	return f;
}

#define NC__FOPEN_WRAPPER(name)                                           \
	NC_EXPORT FILE *name(const char *path, const char *mode)          \
	{                                                                 \
		nc__fn_##name fn;                                         \
		FILE *f;                                                  \
                                                                          \
		if (read_only_mode(mode)) {                               \
			struct nc_query q;                                \
                                                                          \
			memset(&q, 0, sizeof(q));                         \
			q.op = NC_OP_OPEN;                                \
			q.dirfd = AT_FDCWD;                               \
			q.path = path;                                    \
			if (nc__query(&q) == NC_Q_HIT) {                  \
				hit(NC_FAM_FOPEN, &q);                    \
				return NULL;                              \
			}                                                 \
			nc__count_doubt(NC_FAM_FOPEN, q.doubt);           \
		} else {                                                  \
			nc__count_doubt(NC_FAM_FOPEN, NC_DOUBT_ARGS);     \
		}                                                         \
		fn = NC_REAL(name);                                       \
		f = fn ? fn(path, mode) : (errno = ENOSYS, (FILE *)NULL); \
		return fopened(f, mode);                                  \
	}

/* freopen: never answered from the cache (it closes @stream first). */
#define NC__FREOPEN_WRAPPER(name)                                              \
	NC_EXPORT FILE *name(const char *path, const char *mode, FILE *stream) \
	{                                                                      \
		nc__fn_##name fn = NC_REAL(name);                              \
		FILE *f = fn ? fn(path, mode, stream)                          \
			     : (errno = ENOSYS, (FILE *)NULL);                 \
                                                                               \
		return fopened(f, mode);                                       \
	}

NC__FOPEN_WRAPPER(fopen)
NC__FOPEN_WRAPPER(fopen64)
NC__FREOPEN_WRAPPER(freopen)
NC__FREOPEN_WRAPPER(freopen64)
