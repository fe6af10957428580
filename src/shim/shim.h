/*
 * Internal interface of the LD_PRELOAD shim.
 *
 * The shim is built with -fvisibility=hidden: only NC_EXPORT functions (the
 * intercepted libc entry points and the public nc_ API) leave the library.
 * Internal functions are nc__ and hidden; everything else is static.
 *
 * Rules every wrapper follows (interposer-pitfalls in docs/internals.md):
 *   - errno: on the fast path the shim never writes errno; every slow path
 *     that may clobber it (symbol resolution, counter allocation, init)
 *     saves and restores it, so the caller sees exactly the real call's.
 *   - no malloc, no lock, no stdio on the wrapper path: wrappers run in
 *     signal handlers, vfork children and other libraries' constructors.
 *   - never call a wrapped function by name: use NC_REAL() or raw syscalls.
 */
#ifndef NC_SHIM_H
#define NC_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <spawn.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

#include "../common/family.h"
#include "../common/util.h"

#define NC_EXPORT __attribute__((visibility("default")))
#define NC_TLS __thread __attribute__((tls_model("initial-exec")))

/* Prototypes glibc no longer declares (it still exports the symbols). */
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf,
		 int flags);
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
			 size_t buflen);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);

/*
 * Is @p NULL?  glibc declares most of these arguments nonnull, which lets
 * GCC delete or warn about a NULL check; the empty asm hides the pointer's
 * provenance so the check stays (research: interposer pitfalls §3).
 */
static inline int nc__is_null(const void *p)
{
	__asm__("" : "+r"(p));
	return p == NULL;
}

#ifndef __OPEN_NEEDS_MODE
#define __OPEN_NEEDS_MODE(f) \
	(((f)&O_CREAT) != 0 || ((f)&__O_TMPFILE) == __O_TMPFILE)
#endif

/* ---- counters.c: per-thread call statistics ---------------------------- */

struct nc__ctr_block {
	struct nc__counts c;
};

extern NC_TLS struct nc__ctr_block *nc__tls_ctr;
extern struct nc__ctr_block nc__ctr_overflow;
/* Counting at all: an image that writes no statistics record (no
 * NAMECACHE_STATS) counts nothing, and never maps the pool.  1 until the
 * configuration is read (init.c), so that nothing counted before is lost. */
extern int nc__counting;

struct nc__ctr_block *nc__ctr_claim(void);
void nc__ctr_snapshot(struct nc__counts *out);

/*
 * Count one call.  The block is this thread's own, so a plain increment
 * suffices between threads; it is one instruction, so a signal handler on
 * the same thread cannot tear it.  The shared overflow block (threads past
 * the pool) uses an atomic add.
 */
static inline void nc__ctr_add(uint64_t *c, int shared)
{
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
	if (NC_LIKELY(!shared)) {
		__asm__ volatile("addq $1, %0" : "+m"(*c));
		return;
	}
#endif
	(void)shared;
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* This thread's counter block (claimed on its first count; errno is
 * kept), or NULL in an image that counts nothing. */
static inline struct nc__ctr_block *nc__ctr_mine(void)
{
	struct nc__ctr_block *b = nc__tls_ctr;

	if (!__atomic_load_n(&nc__counting, __ATOMIC_RELAXED))
		return NULL;
	if (NC_UNLIKELY(!b))
		b = nc__ctr_claim();
	return b;
}

static inline void nc__count_in(struct nc__ctr_block *b, int fam, int failed)
{
	int out = NC_OUT_OK;

	if (failed)
		out = errno == ENOENT ? NC_OUT_ENOENT : NC_OUT_ERR;
	nc__ctr_add(&b->c.n[fam][out], b == &nc__ctr_overflow);
}

/* Count a call of family @fam that @failed (errno still the call's). */
static inline void nc__count(int fam, int failed)
{
	struct nc__ctr_block *b;

	if (fam >= 0 && (b = nc__ctr_mine()))
		nc__count_in(b, fam, failed);
}

/* A call of family @fam answered by the cache (errno already the answer's). */
static inline void nc__count_hit(int fam, int failed)
{
	struct nc__ctr_block *b = nc__ctr_mine();

	if (!b)
		return;
	nc__count_in(b, fam, failed);
	nc__ctr_add(&b->c.hit[fam], b == &nc__ctr_overflow);
}

/* A call of family @fam the cache did not answer, and why. */
static inline void nc__count_doubt(int fam, int doubt)
{
	struct nc__ctr_block *b = nc__ctr_mine();

	if (b && (unsigned)doubt < NC_DOUBT_COUNT)
		nc__ctr_add(&b->c.doubt[fam][doubt], b == &nc__ctr_overflow);
}

/* An exec call whose new environment lacked the shim met @fate. */
static inline void nc__count_exec(int fate)
{
	struct nc__ctr_block *b = nc__ctr_mine();

	if (b && (unsigned)fate < NC_EXEC_COUNT)
		nc__ctr_add(&b->c.exec[fate], b == &nc__ctr_overflow);
}

/* wrap_lookup.c: -1 (errno set, counted) if the cache answers an open's
 * failure, else 0 (the doubt is counted; the caller opens for real). */
int nc__open_query(int dirfd, const char *path, int flags);

/* After a call of family @fam (including the pseudo-families CRED and
 * WAIT): tell the cache what the call may have changed (wrappers.c). */
void nc__after(int fam);

/* After an open of any kind with @flags (O_ACCMODE, O_CREAT, O_TRUNC,
 * O_TMPFILE) that returned @fd (-1: failed): the same, and a descriptor
 * open for writing is recorded for relaxed mode.  errno preserved. */
void nc__opened(int fd, int flags);

/* ---- init.c: configuration, process life cycle ------------------------- */

/* Idempotent; safe from any wrapper, constructor or signal handler. */
void nc__init(void);

/*
 * Append this image's statistics record (if NAMECACHE_STATS is set) and
 * mark its counts reported.  @end is "exit", "_exit" or "exec".
 * Async-signal-safe; errno preserved.
 */
void nc__stats_flush(const char *end);

/* A new process (fork child): counts so far belong to the parent. */
void nc__proc_child(void);

/* Append one diagnostic line to NAMECACHE_LOG (and stderr if @tty). */
void nc__log(int to_stderr, const char *msg);

/* ---- inherit.c: the environment of a new image ------------------------- */

/* The file a wrapper is about to run, to be examined for privileges. */
struct nc__exec_target {
	const char *path; /* the path, or for search the file name */
	int dirfd;	  /* AT_FDCWD, execveat's dirfd, or fexecve's fd */
	int flags;	  /* execveat's AT_ flags */
	int kind;	  /* NC_TARGET_* */
	int cwd_moves;	  /* spawn file actions may change directory */
};

enum { NC_TARGET_PATH, NC_TARGET_FD, NC_TARGET_SEARCH };

/* The real call, made with the environment it is given. */
typedef int (*nc__exec_call)(void *ctx, char *const envp[]);

/* Constructor: with NAMECACHE_INHERIT=1, note what new images must keep;
 * NULL, or why nothing will be kept. */
const char *nc__inherit_setup(void);

/*
 * Make the exec/spawn call @call with @envp, or with a copy of @envp that
 * still loads the shim and carries this image's settings.  Returns what
 * @call returns; errno is @call's.  Async-signal-safe, no allocation.
 */
int nc__exec_env(char *const envp[], const struct nc__exec_target *t,
		 nc__exec_call call, void *ctx);

/*
 * The same for calls that run a program with environ itself (system,
 * popen): environ points at the copy during @call, in a single-threaded
 * process only.
 */
int nc__environ_env(const struct nc__exec_target *t, nc__exec_call call,
		    void *ctx);

#endif /* NC_SHIM_H */
