/*
 * The in-process cache: one per process image (the embedded default).
 *
 * The process owns an inotify instance, /proc/self/mountinfo, a private
 * arena, and per answering thread an epoll probe over both (notify.c).  Every
 * thread reads lock-free; a thread that misses may become the writer
 * (a try-lock: it never waits, so a signal handler or a second thread
 * simply passes through) to drain events or to fill.
 *
 * Lookups are expressed as queries (struct nc_query): the shim's wrappers
 * translate each libc entry point into one, nc__query() answers it from
 * the cache (NC_Q_HIT), or says the real call must be made (NC_Q_MISS).
 * For access() and statx() the answer depends on more than the dentry; a
 * miss may then leave the query "armed" and the wrapper reports the real
 * call's result with nc__query_done(), which memoizes it.
 */
#ifndef NC_CACHE_H
#define NC_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum nc_op {
	NC_OP_STAT,	/* stat/lstat/fstatat: out.st */
	NC_OP_STATX,	/* statx: out.stx, mask */
	NC_OP_ACCESS,	/* access/faccessat/euidaccess: mode, eff */
	NC_OP_READLINK, /* readlink(at): out.buf, len */
	NC_OP_OPEN,	/* failing open/fopen only */
	NC_OP_REALPATH, /* realpath: out.buf (PATH_MAX) */
	NC_OP_LIST,	/* opendir: the listing into out.buf (len bytes),
			 * the directory opened in fd (below) */
};

/*
 * What an opendir() hit stands on: the directory's dentry as the hit
 * found it.  While nc__stamp_valid() says so, the listing copied then is
 * the directory's listing now (a later readdir() is served from it).
 */
struct nc_stamp {
	const void *base; /* the arena it is in */
	uint64_t gen, epoch, ident;
	uint32_t idx;
	unsigned seq;
};

#include "../common/family.h" /* enum nc_doubt */

enum { NC_Q_MISS = 0, NC_Q_HIT = 1 };

struct nc_query {
	/* in */
	int op;
	int dirfd; /* AT_FDCWD, or a dirfd (only AT_FDCWD is served) */
	const char *path;
	int nofollow;	   /* do not follow a final symlink */
	int mode;	   /* NC_OP_ACCESS: F_OK..R_OK|W_OK|X_OK */
	int eff;	   /* NC_OP_ACCESS: effective ids (AT_EACCESS) */
	unsigned int mask; /* NC_OP_STATX: requested mask */
	size_t len;	   /* NC_OP_READLINK: buffer size */
	/* out: valid when nc__query() returns NC_Q_HIT */
	long ret; /* the return value (0, -1, or a length) */
	/* NC_OP_LIST (set fd to -1): the directory, opened by the query
	 * after the walk and before the check, so that a hit proves that
	 * the path named the listing's directory when it was opened; or
	 * -1 and the open's errno in open_err (0: not opened).  On a hit,
	 * ret is the listing's length and stamp what it stands on. */
	int fd;
	int open_err;
	long blksize; /* the directory's st_blksize (0: not known) */
	struct nc_stamp stamp;
	int err; /* errno when ret == -1; for a realpath success, the
		  * errno glibc leaves behind (0: unchanged) */
	union {
		struct stat *st;
		struct statx *stx;
		char *buf;
	} out;
	/* private */
	size_t len_path; /* strlen(path) */
	int doubt;	 /* enum nc_doubt of a miss */
	int armed;	 /* nc__query_done() must be called */
	uint32_t fidx;	 /* armed: the final dentry ... */
	uint64_t fident; /* ... and its identity */
	unsigned fseq;	 /* ... and its seqcount when armed */
	uint32_t mseq;	 /* ... and the mount changes applied then */
};

/* Answer @q from the cache, or say why not (q->doubt). Never blocks. */
int nc__query(struct nc_query *q);

/* False once the cache is off for this image: wrappers then skip building
 * a query at all (the "off" mode costs one load per call). */
extern int nc__cache_state;
static inline int nc__cache_usable(void)
{
	return __atomic_load_n(&nc__cache_state, __ATOMIC_RELAXED) != 3;
}

/* Is the listing an opendir() hit copied still the directory's listing?
 * Asks the kernel as a hit does (strict mode: are events queued?).  errno
 * preserved. */
int nc__stamp_valid(const struct nc_stamp *s);

/* After a miss: the real call returned @ret with errno @err. */
void nc__query_done(struct nc_query *q, long ret, int err);

/* Where the cache reports events a user may want to know about (a flush,
 * a watch limit reached): a line for NAMECACHE_LOG.  Async-signal-safe. */
void nc__cache_set_log(void (*log)(const char *msg));

/* Mode (enum nc_mode), relaxed mode's staleness bound, and the repeated
 * lookups a process makes before it caches anything. */
void nc__cache_configure(int mode, uint64_t max_stale_us, uint64_t warmup);

/*
 * The strict check (NAMECACHE_CHECK): NC_CHECK_AUTO, a thread's own
 * io_uring once it made enough checks, else epoll_wait; or forced to
 * either (uring from the first check, where the kernel allows it).
 * nc__cache_check_used() says which this image used: NC_CHECK_NONE (no
 * check yet), NC_CHECK_EPOLL, NC_CHECK_URING (at least one thread had
 * a ring), or NC_CHECK_SHARED (the daemon's watch ring answered).
 */
enum nc_check { NC_CHECK_AUTO, NC_CHECK_EPOLL, NC_CHECK_URING };
/* Reported only: the daemon's watch ring answered a check (notify.c). */
#define NC_CHECK_SHARED 3
#define NC_CHECK_NONE NC_CHECK_AUTO
void nc__cache_set_check(int check);
int nc__cache_check_used(void);

/* Whether the real functions are libc's (1) or another interposer's (0);
 * the cache starts only after this is known, and only if 1 (the shared
 * cache is asked for at the first lookup, attach.c). */
void nc__cache_chain(int libc);

/*
 * Handing an attachment down at exec (attach.c).  The exec and spawn
 * wrappers ask for the NAMECACHE_ATTACH=... entry of the new image's
 * environment (its length, 0: none, nothing to undo) and the
 * NC_HAND_FDS descriptors it names (-1: none); they clear close-on-exec
 * on them just for the call (on = 1) and set it back after (on = 0,
 * which also closes the mountinfos opened for the new image).  The new
 * image's constructor takes the entry's value.  Async-signal-safe, no
 * allocation.
 */
#define NC_HAND_FDS 5
int nc__attach_hand_down(char *var, size_t cap, int fds[NC_HAND_FDS]);
void nc__attach_hand_down_fds(const int fds[NC_HAND_FDS], int on);
void nc__attach_take(const char *value);
/* How this image attached: "socket", "exec", "fork", or "" (not). */
const char *nc__cache_via(void);

/* The hints this image posted to the daemon and those it dropped (a full
 * ring, a lock that did not come: attach.c), since it started. */
void nc__cache_hints(uint64_t *posted, uint64_t *dropped);

/* The shared cache's socket path ("": the in-process cache only). */
void nc__cache_set_socket(const char *path);
/* enum nc_why: why this image is not on the shared cache (0: it is, or
 * its cache is off), and 1 if it was attached at some point. */
int nc__cache_why(int *attached);

/* Life cycle hooks called by the shim. */
void nc__cache_fork_prepare(void); /* fork, in the parent, before */
void nc__cache_fork_parent(void);  /* ... and after */
void nc__cache_fork_child(void);   /* the fork child: new notify queue */
void nc__cache_cwd_changed(void);  /* chdir, fchdir */
/* Entering (+1) or leaving (-1) a glibc walk that may chdir internally
 * (nftw FTW_CHDIR, fts without FTS_NOCHDIR): relative paths pass through
 * meanwhile. */
void nc__cache_cwd_unstable(int delta);
void nc__cache_flush_all(void); /* chroot, set*id, unshare */
/* Write-through of the process's own changes (own.c): a call that may have
 * changed the tree returned; @wfd >= 0 is a descriptor the process now
 * holds open for writing.  Async-signal-safe; errno preserved. */
void nc__cache_changed(int wfd);
void nc__cache_fd_closing(int fd); /* close/dup2 over one of ours? */
void nc__cache_fds_closing(unsigned int first, unsigned int last);
int nc__cache_owns_fd(int fd);

#endif /* NC_CACHE_H */
