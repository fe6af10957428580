/*
 * Process life cycle: _exit, _Exit, fork, _Fork, and the descriptors the
 * program may take from the cache.
 *
 * _exit() and _Exit() are wrapped so that the statistics of an image are
 * written before it disappears (init.c): they run no destructors.  exit()
 * needs no wrapper: the library destructor runs.  exec and spawn are in
 * wrap_exec.c.
 *
 * fork() is handled by a pthread_atfork child handler (init.c) and by
 * its own wrapper (below); _Fork() skips atfork handlers, hence its
 * wrapper.  vfork() is deliberately not
 * wrapped: a wrapper cannot return into a vfork child safely, and the
 * child shares our memory, so whatever it counts is counted once anyway.
 */
#include <sys/syscall.h>

#include "../cache/cache.h"
#include "real.h"

NC_EXPORT void _exit(int status)
{
	nc__fn__exit fn = NC_REAL(_exit);

	nc__stats_flush("_exit");
	if (fn)
		fn(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

NC_EXPORT void _Exit(int status)
{
	nc__fn__Exit fn = NC_REAL(_Exit);

	nc__stats_flush("_exit");
	if (fn)
		fn(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

NC_EXPORT pid_t _Fork(void)
{
	nc__fn__Fork fn = NC_REAL(_Fork);
	pid_t pid;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	pid = fn();
	if (pid == 0)
		nc__proc_child();
	return pid;
}

/*
 * fork() is wrapped as well as handled by pthread_atfork(): the atfork
 * handler is registered by our constructor, and another library's
 * constructor may fork before that runs.  Both paths reset the child; the
 * reset is idempotent.  glibc's internal forks (daemon()) reach only the
 * atfork handler.
 */
NC_EXPORT pid_t fork(void)
{
	nc__fn_fork fn = NC_REAL(fork);
	pid_t pid;

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	pid = fn();
	if (pid == 0)
		nc__proc_child();
	return pid;
}

/*
 * The cache holds descriptors of its own (notify.c: inotify, mountinfo,
 * and a probe per thread).  A program may close them (closefrom(3)
 * before exec is common) or dup2 over them; it owns the descriptor
 * table, so the call goes ahead, and the cache turns itself off for the
 * rest of this image instead of polling a descriptor that is no longer
 * (or no longer only) its own.
 */
NC_EXPORT int close(int fd)
{
	nc__fn_close fn = NC_REAL(close);

	nc__cache_fd_closing(fd);
	return fn ? fn(fd) : (int)syscall(SYS_close, fd);
}

NC_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	nc__fn_close_range fn = NC_REAL(close_range);

	nc__cache_fds_closing(first, last);
	return fn ? fn(first, last, flags)
		  : (int)syscall(SYS_close_range, first, last, flags);
}

NC_EXPORT void closefrom(int lowfd)
{
	nc__fn_closefrom fn = NC_REAL(closefrom);

	if (lowfd >= 0)
		nc__cache_fds_closing((unsigned int)lowfd, ~0u);
	if (fn)
		fn(lowfd);
	else
		syscall(SYS_close_range, lowfd, ~0u, 0);
}

NC_EXPORT int dup2(int oldfd, int newfd)
{
	nc__fn_dup2 fn = NC_REAL(dup2);

	if (oldfd != newfd)
		nc__cache_fd_closing(newfd);
	return fn ? fn(oldfd, newfd) : (int)syscall(SYS_dup2, oldfd, newfd);
}

NC_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	nc__fn_dup3 fn = NC_REAL(dup3);

	nc__cache_fd_closing(newfd);
	return fn ? fn(oldfd, newfd, flags)
		  : (int)syscall(SYS_dup3, oldfd, newfd, flags);
}

/*
 * nftw(FTW_CHDIR) and fts without FTS_NOCHDIR change the working
 * directory with glibc's internal chdir, which no wrapper sees.  While
 * such a walk is open, relative paths are not answered from the cache,
 * and the cwd is re-learnt afterwards.
 */
#define NC__NFTW_WRAPPER(name, fntype)                                     \
	NC_EXPORT int name(const char *dir, fntype fn, int fds, int flags) \
	{                                                                  \
		nc__fn_##name real = NC_REAL(name);                        \
		int r, saved;                                              \
                                                                           \
		if (!real) {                                               \
			errno = ENOSYS;                                    \
			return -1;                                         \
		}                                                          \
		if (!(flags & FTW_CHDIR))                                  \
			return real(dir, fn, fds, flags);                  \
		nc__cache_cwd_unstable(1);                                 \
		r = real(dir, fn, fds, flags);                             \
		saved = errno;                                             \
		nc__cache_cwd_unstable(-1);                                \
		errno = saved;                                             \
		return r;                                                  \
	}

NC__NFTW_WRAPPER(nftw, __nftw_func_t)
NC__NFTW_WRAPPER(nftw64, __nftw64_func_t)

#define NC__FTS_WRAPPERS(open_name, close_name, fts_t, ent_t)            \
	NC_EXPORT fts_t *open_name(                                      \
	    char *const *argv, int options,                              \
	    int (*compar)(const ent_t **, const ent_t **))               \
	{                                                                \
		nc__fn_##open_name real = NC_REAL(open_name);            \
		fts_t *f;                                                \
                                                                         \
		if (!real) {                                             \
			errno = ENOSYS;                                  \
			return NULL;                                     \
		}                                                        \
		if (!(options & FTS_NOCHDIR))                            \
			nc__cache_cwd_unstable(1);                       \
		f = real(argv, options, compar);                         \
		if (!f && !(options & FTS_NOCHDIR)) {                    \
			int saved = errno;                               \
			nc__cache_cwd_unstable(-1);                      \
			errno = saved;                                   \
		}                                                        \
		return f;                                                \
	}                                                                \
	NC_EXPORT int close_name(fts_t *ftsp)                            \
	{                                                                \
		nc__fn_##close_name real = NC_REAL(close_name);          \
		int chdirs = ftsp && !(ftsp->fts_options & FTS_NOCHDIR); \
		int r, saved;                                            \
                                                                         \
		if (!real) {                                             \
			errno = ENOSYS;                                  \
			return -1;                                       \
		}                                                        \
		r = real(ftsp);                                          \
		saved = errno;                                           \
		if (chdirs)                                              \
			nc__cache_cwd_unstable(-1);                      \
		errno = saved;                                           \
		return r;                                                \
	}

NC__FTS_WRAPPERS(fts_open, fts_close, FTS, FTSENT)
NC__FTS_WRAPPERS(fts64_open, fts64_close, FTS64, FTSENT64)
