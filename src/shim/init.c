/*
 * Shim life cycle: configuration, constructor, fork, end of image.
 *
 * Initialisation is lazy and idempotent.  The constructor chooses how the
 * real functions are found (real.c) and reads the environment once; a
 * wrapper called before the constructor (another preloaded library's
 * constructor runs first when it comes later in LD_PRELOAD) passes
 * straight through: counting needs no initialisation, and the real
 * function is resolved on demand (real.c).
 *
 * shim_start.state: 0 = not started, 1 = one thread is reading the
 * environment, 2 = configuration published.  Only the thread that moves
 * 0 -> 1 writes shim_start.cfg; everybody else reads it only after seeing
 * 2 (acquire).  Nobody
 * waits for 1 -> 2: a caller that finds 1 proceeds without configuration,
 * because it may be the initialising thread itself, re-entered from a
 * signal handler.
 *
 * Statistics records (record.h) are written when the image ends: from the
 * destructor (exit()), from the _exit()/_Exit() wrappers, and before exec
 * replaces the image (wrap_proc.c).  reported[] holds what was already
 * written, so an exec that fails and a later exit never count a call
 * twice, and a fork child starts from zero.  A process killed by a signal
 * writes no record (documented in docs/statistics.md).
 */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "../common/config.h"
#include "../common/record.h"
#include "../cache/cache.h"
#include "../common/util.h"
#include "real.h"

/* Start-up data (NC_STARTUP, util.h). */
static struct {
	int state;
	struct nc__config cfg;
} shim_start NC_STARTUP;
static struct nc__counts reported;
static int flushing;

NC_START_TEXT static const char *env_get(const char *name)
{
	return getenv(name);
}

static void append_line(const char *path, const char *line, size_t n)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			      O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		return;
	nc__write_all(fd, line, n);
	syscall(SYS_close, fd);
}

void nc__log(int to_stderr, const char *msg)
{
	char line[512];
	struct nc__buf b;
	int saved = errno;

	nc__buf_init(&b, line, sizeof(line) - 1);
	nc__buf_str(&b, "namecache[");
	nc__buf_i64(&b, (int64_t)syscall(SYS_getpid));
	nc__buf_str(&b, "]: ");
	nc__buf_str(&b, msg);
	if (b.overflow) /* keep the message, cut: one line at most */
		b.len = sizeof(line) - 2;
	line[b.len++] = '\n';
	if (to_stderr)
		nc__write_all(2, line, b.len);
	if (__atomic_load_n(&shim_start.state, __ATOMIC_ACQUIRE) == 2 &&
	    shim_start.cfg.log_path[0])
		append_line(shim_start.cfg.log_path, line, b.len);
	errno = saved;
}

/* NAMECACHE_INHERIT=1: carry the shim into new images, or say why not. */
static void inherit_setup(void)
{
	const char *why = nc__inherit_setup();
	char msg[256];
	struct nc__buf b;

	if (!why)
		return;
	nc__buf_init(&b, msg, sizeof(msg));
	nc__buf_str(&b, NC_ENV_INHERIT ": ");
	nc__buf_str(&b, why);
	nc__buf_str(&b, "; new images get the environment the program gives");
	nc__log(0, msg);
}

/* The cache's reports go to NAMECACHE_LOG only: the program's stderr is
 * its own. */
static void cache_log(const char *msg)
{
	nc__log(0, msg);
}

NC_START_TEXT void nc__init(void)
{
	struct nc__config *c = &shim_start.cfg;
	char ebuf[256];
	struct nc__buf err;
	int expect = 0, bad;
	int saved = errno;

	if (NC_LIKELY(__atomic_load_n(&shim_start.state, __ATOMIC_ACQUIRE) ==
		      2))
		return;
	if (!__atomic_compare_exchange_n(&shim_start.state, &expect, 1, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	nc__buf_init(&err, ebuf, sizeof(ebuf));
	bad = nc__config_load(c, env_get, &err) < 0;
	nc__cache_configure(c->mode, c->max_stale_us, c->warmup);
	nc__cache_set_check(c->check);
	nc__cache_set_log(cache_log);
	nc__cache_set_socket(c->sock_path);
	__atomic_store_n(&nc__counting, c->stats_path[0] != '\0',
			 __ATOMIC_RELAXED);
	__atomic_store_n(&shim_start.state, 2, __ATOMIC_RELEASE);
	if (bad) {
		nc__buf_str(&err, "; the cache is off for this process");
		nc__log(1, ebuf);
	}
	errno = saved;
}

static void set_word(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!cap)
		return;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * Only one writer of this image's record at a time.  Another thread that
 * is writing it is waited for (boundedly: the process may be exiting under
 * it, and its record must get out first); the same thread re-entering
 * from a signal handler is not, it would wait for itself.
 */
static int claim_flush(void)
{
	int self = (int)syscall(SYS_gettid);

	for (int spins = 0; spins < 100000; spins++) {
		int expect = 0;
		struct timespec ts = {0, 1000};

		if (__atomic_compare_exchange_n(&flushing, &expect, self, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
		if (expect == self)
			return 0;
		syscall(SYS_nanosleep, &ts, NULL);
	}
	return 0;
}

/* The record could not be appended: say so once per failure.  Its own
 * frame, out of the way of the exec paths that flush. */
static __attribute__((noinline, cold)) void flush_failed(int err)
{
	char msg[PATH_MAX + 64];
	struct nc__buf b;
	const char *e = strerrorname_np(err);

	nc__buf_init(&b, msg, sizeof(msg));
	nc__buf_str(&b, "cannot append statistics to ");
	nc__buf_str(&b, shim_start.cfg.stats_path);
	nc__buf_str(&b, ": ");
	nc__buf_str(&b, e ? e : "error");
	nc__log(1, msg);
}

/* Format and append the record (the counts since the last one).  The
 * counts are snapshotted into the record and the difference taken in
 * place, so the frame holds one copy of them. */
static __attribute__((noinline)) void flush_record(const char *end)
{
	struct nc__record rec;
	char line[NC_RECORD_MAX];
	size_t len;

	memset(&rec, 0, sizeof(rec));
	nc__ctr_snapshot(&rec.c);
	nc__cache_hints(&rec.c.hints[0], &rec.c.hints[1]);
	{
		uint64_t *rep = (uint64_t *)&reported;
		uint64_t *out = (uint64_t *)&rec.c;

		for (size_t i = 0; i < NC_COUNTS_WORDS; i++) {
			uint64_t now = out[i];

			out[i] = now - rep[i];
			rep[i] = now;
		}
	}
	rec.pid = (int64_t)syscall(SYS_getpid);
	rec.ppid = (int64_t)syscall(SYS_getppid);
	set_word(rec.comm, sizeof(rec.comm), program_invocation_short_name);
	set_word(rec.mode, sizeof(rec.mode),
		 nc__mode_name(shim_start.cfg.mode));
	set_word(rec.end, sizeof(rec.end), end);
	{
		int k = nc__cache_check_used();

		set_word(rec.check, sizeof(rec.check),
			 k == NC_CHECK_SHARED  ? "shared"
			 : k == NC_CHECK_URING ? "uring"
			 : k == NC_CHECK_EPOLL ? "epoll"
					       : "");
	}
	{
		int was, why = nc__cache_why(&was);

		if (shim_start.cfg.mode != NC_MODE_OFF && (was || why)) {
			set_word(rec.cache, sizeof(rec.cache),
				 was ? "shared" : "process");
			if (was)
				set_word(rec.via, sizeof(rec.via),
					 nc__cache_via());
			if (why)
				set_word(rec.why, sizeof(rec.why),
					 nc__why_name(why));
		}
	}
	len = nc__record_format(line, sizeof(line), &rec);
	if (len) {
		int fd = (int)syscall(
		    SYS_openat, AT_FDCWD, shim_start.cfg.stats_path,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

		if (fd >= 0) {
			nc__write_all(fd, line, len);
			syscall(SYS_close, fd);
		} else {
			flush_failed(errno);
		}
	}
}

/* Small frame: an exec path without NAMECACHE_STATS pays nothing more. */
NC_START_TEXT void nc__stats_flush(const char *end)
{
	int saved = errno;

	nc__init();
	if (__atomic_load_n(&shim_start.state, __ATOMIC_ACQUIRE) != 2 ||
	    !shim_start.cfg.stats_path[0])
		goto out;
	if (!claim_flush())
		goto out;
	flush_record(end);
	__atomic_store_n(&flushing, 0, __ATOMIC_RELEASE);
out:
	errno = saved;
}

void nc__proc_child(void)
{
	/* What the parent counted matters only to a record: without one the
	 * child reads no counter block and writes no page of reported[] (a
	 * fork child pays a page fault for each page it writes first).
	 * Before our constructor, whether there will be one is not known. */
	if (__atomic_load_n(&shim_start.state, __ATOMIC_ACQUIRE) != 2 ||
	    shim_start.cfg.stats_path[0])
		nc__ctr_snapshot(&reported);
	if (__atomic_load_n(&flushing, __ATOMIC_RELAXED))
		__atomic_store_n(&flushing, 0, __ATOMIC_RELAXED);
	nc__cache_fork_child();
}

__attribute__((constructor)) static void nc_constructor(void)
{
	int saved = errno, chain;

	chain = nc__real_setup();
	/* An attachment our parent image handed down: taken (its
	 * descriptors close-on-exec again) and out of the program's sight,
	 * before anything could run a program or copy the environment. */
	{
		const char *v = getenv("NAMECACHE_ATTACH");

		if (v) {
			nc__attach_take(v);
			unsetenv("NAMECACHE_ATTACH");
		}
	}
	nc__init();
	if (__atomic_load_n(&shim_start.state, __ATOMIC_ACQUIRE) == 2 &&
	    shim_start.cfg.inherit)
		inherit_setup();
	nc__cache_chain(chain);
	pthread_atfork(nc__cache_fork_prepare, nc__cache_fork_parent,
		       nc__proc_child);
	errno = saved;
}

__attribute__((destructor)) static void nc_destructor(void)
{
	nc__stats_flush("exit");
}
