/*
 * Own changes: what relaxed mode must see at once because this process
 * made it.
 *
 * Relaxed mode skips the per-hit question "is an event queued?" and asks
 * it at most every max_stale_ns.  That is only acceptable for changes made
 * by other processes: a program that creates a file and then looks at it
 * (ar, ld, make, configure scripts, a shell's `: >f; [ -e f ]`) must find
 * it.  The kernel queues the event of every change before the changing
 * system call returns (notify.c), so the rule is not "invalidate by hand"
 * but "ask the queue when it may hold our own change":
 *
 *   1. Every wrapper of a call that may change the tree (the path-based
 *      mutations, a creating or truncating open, fopen in w/a/x/+ modes,
 *      mkstemp, and a wait for a child, which may have changed anything)
 *      calls nc__cache_changed() after the real call returned.  That moves
 *      own_seq.  A relaxed hit is trusted without asking the queue only
 *      while own_seq equals the value sampled before the last question
 *      that found the queue empty (nc__own_begin / nc__own_checked).  A
 *      question that races with a change stores the older value, so the
 *      next hit asks again: a store can only make the cache ask more.
 *
 *   2. A write through a descriptor changes size and mtime with no call
 *      the shim sees (write(), pwrite(), splice() ... are not wrapped):
 *      its IN_MODIFY is queued, but nothing moves own_seq.  So the inode
 *      of every regular file the process holds open for writing is
 *      recorded (nc__cache_changed with the descriptor, one fstat), and a
 *      relaxed stat or statx hit on a recorded inode always asks the
 *      queue, as in strict mode.  The set is keyed by the inode, not the
 *      descriptor: dup(), fcntl(F_DUPFD) and descriptors passed to
 *      children all write the same inode, so an entry is never removed
 *      while the image lives (a file the process wrote is simply checked
 *      as in strict mode from then on).  A full set answers "recorded"
 *      for every inode.  Descriptors inherited across exec are found by
 *      one scan of /proc/self/fd when relaxed mode starts caching
 *      (nc__own_scan; a failed scan fills the set); fork children inherit
 *      the set with the descriptors.
 *
 *   3. A child the process waited for (wait*() wrappers, and system() and
 *      pclose(), which wait inside glibc) counts as a change of ours (1).
 *
 * Concurrency: own_seq moves with atomic adds; the set's slots are filled
 * with compare-and-swap and never emptied, and readers only load them, so
 * a wrapper in a signal handler or a vfork child (no allocation, no lock)
 * can record, and a hit can test, at any time.  An inode is recorded
 * before own_seq moves and before the descriptor is returned to the
 * program, so no write through it can precede its record.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../common/util.h"
#include "cache_int.h"

#define OWN_SLOTS 512 /* a power of two */
#define OWN_PROBE 16

static uint64_t own_seq NC_STARTUP;
static uint64_t own_set[OWN_SLOTS];
static int own_full NC_STARTUP;	   /* the set overflowed: every inode counts */
static int own_used NC_STARTUP;	   /* slots in use (a fast "none" for hits) */
static int own_scanned NC_STARTUP; /* inherited descriptors looked at */

static uint64_t key(uint64_t dev, uint64_t ino)
{
	uint64_t k[2] = {dev, ino};

	return XXH3_64bits(k, sizeof(k)) | 1; /* 0 marks a free slot */
}

static void record(uint64_t dev, uint64_t ino)
{
	uint64_t k = key(dev, ino);
	uint32_t i = (uint32_t)(k >> 32) & (OWN_SLOTS - 1);

	for (int n = 0; n < OWN_PROBE; n++, i = (i + 1) & (OWN_SLOTS - 1)) {
		uint64_t cur = __atomic_load_n(&own_set[i], __ATOMIC_ACQUIRE);

		if (cur == k)
			return;
		if (!cur) {
			if (__atomic_compare_exchange_n(&own_set[i], &cur, k, 0,
							__ATOMIC_SEQ_CST,
							__ATOMIC_ACQUIRE)) {
				__atomic_fetch_add(&own_used, 1,
						   __ATOMIC_SEQ_CST);
				return;
			}
			if (cur == k)
				return;
		}
	}
	__atomic_store_n(&own_full, 1, __ATOMIC_SEQ_CST);
}

/* Record @fd's inode if it is a regular file open for writing (or if we
 * cannot tell: a failed fstat records nothing, since no write through a
 * descriptor that does not exist can follow). */
static void record_fd(int fd)
{
	struct stat st;

	if (syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode))
		record((uint64_t)st.st_dev, (uint64_t)st.st_ino);
}

void nc__cache_changed(int wfd)
{
	int saved = errno;

	if (wfd >= 0 && nc__c.mode == 1 /* relaxed */)
		record_fd(wfd);
	__atomic_fetch_add(&own_seq, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

uint64_t nc__own_begin(void)
{
	return __atomic_load_n(&own_seq, __ATOMIC_SEQ_CST);
}

int nc__own_clean(uint64_t checked)
{
	return __atomic_load_n(&own_seq, __ATOMIC_ACQUIRE) == checked;
}

int nc__own_written(int known, uint64_t dev, uint64_t ino)
{
	uint64_t k;
	uint32_t i;

	if (__atomic_load_n(&own_full, __ATOMIC_ACQUIRE))
		return 1;
	if (!__atomic_load_n(&own_used, __ATOMIC_ACQUIRE))
		return 0;
	if (!known)
		return 1;
	k = key(dev, ino);
	i = (uint32_t)(k >> 32) & (OWN_SLOTS - 1);
	for (int n = 0; n < OWN_PROBE; n++, i = (i + 1) & (OWN_SLOTS - 1)) {
		uint64_t cur = __atomic_load_n(&own_set[i], __ATOMIC_ACQUIRE);

		if (cur == k)
			return 1;
		if (!cur)
			return 0;
	}
	return 0;
}

/*
 * Record every regular file this image inherited open for writing (a
 * shell's `exec 3>>log`, a build's redirected output).  Once per image;
 * the set and this flag survive fork with the descriptors they describe.
 */
void nc__own_scan(void)
{
	char buf[4096] __attribute__((aligned(8)));
	int dfd;

	if (__atomic_exchange_n(&own_scanned, 1, __ATOMIC_ACQ_REL))
		return;
	dfd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		__atomic_store_n(&own_full, 1, __ATOMIC_SEQ_CST);
		return;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));

		if (n < 0) {
			__atomic_store_n(&own_full, 1, __ATOMIC_SEQ_CST);
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: ino, off, reclen, type, name
			 */
			const unsigned char *e =
			    (const unsigned char *)buf + off;
			unsigned short reclen =
			    (unsigned short)(e[16] | e[17] << 8);
			const char *name = (const char *)e + 19;
			long fd = 0, fl;

			off += reclen ? reclen : n;
			if (name[0] < '0' || name[0] > '9')
				continue;
			for (const char *p = name; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			if (fd == dfd)
				continue;
			fl = syscall(SYS_fcntl, (int)fd, F_GETFL);
			if (fl >= 0 && (fl & O_ACCMODE) != O_RDONLY)
				record_fd((int)fd);
		}
	}
	syscall(SYS_close, dfd);
}
