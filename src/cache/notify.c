/*
 * Coherence: inotify events and mount changes turned into invalidations.
 *
 * The process holds an inotify instance (ifd) and its own
 * /proc/self/mountinfo (mfd, which reports POLLPRI on any mount or unmount
 * in our mount namespace), and each thread that answers from the cache
 * has a probe: an epoll instance of its own watching ifd and a mountinfo
 * descriptor of its own.  All are close-on-exec and moved out of the low
 * numbers programs expect to get.  The strict-mode question "has anything
 * changed since the cache last looked?" is one epoll_wait() with a zero
 * timeout on the thread's probe.
 *
 * Why one probe per thread:
 *   - cost: in a multi-threaded process every system call on a descriptor
 *     takes a reference on its file; threads polling one shared epoll
 *     file bounce that counter's cache line between CPUs (two threads of
 *     hits scaled 1.34x with one shared epoll).  A thread's own epoll file
 *     is touched by that thread alone.
 *   - correctness: mountinfo reports a mount change once per open file
 *     (the kernel's mounts_poll() records the event it reported), so a
 *     shared mountinfo descriptor lets one thread consume the report
 *     while another, polling just after, hears nothing and answers from a
 *     table that is about to be flushed.  Each probe's own mountinfo
 *     hears every change that happens after it was opened; the process's
 *     mfd, opened before anything was cached and polled only by the
 *     writer when it creates a probe, covers the changes before that.
 * Probes are made by the writer (under the try-lock), owned by one thread
 * (checked by the address of its thread-local slot number, unique among
 * live threads), closed at thread exit by the destructor of the thread's
 * memory block (memo.c), and all closed in a fork child, which must not
 * share the parent's open files.  A thread that cannot get one (all
 * NC_PROBES are in use, the descriptor limit) passes through wherever a
 * check is due.
 *
 * A thread that has made enough clean checks (RING_AFTER) turns its
 * probe into a ring (uring.c): the check becomes three loads, and a
 * system call only when something happened.  Its mountinfo is then
 * polled by the ring alone (its epoll watches ifd only).  The ring is
 * made, used and closed by its thread only, like the rest of the probe;
 * a fork child unmaps the rings it inherited (nc__notify_fork_child).
 * Where io_uring is refused (an old kernel, kernel.io_uring_disabled, a
 * seccomp filter), the first refusal keeps every thread of the image on
 * epoll_wait.
 * NAMECACHE_CHECK=epoll|uring forces either (the latter from the first
 * check, where the kernel allows it).
 *
 * In shared mode the daemon keeps a watch ring over each of its instances
 * (uring.c): the cold one's polls the cold queue and a mountinfo of the
 * daemon's, the hot one's the hot queue.  Each is made with its instance
 * (wring_make) and run at the start of every drain of that instance,
 * inside its odd window; a client maps their pages once (wview_make) and
 * a walk is checked with three loads of the cold ring's page, and three
 * of the hot one's when it passed a hot dentry, from the first lookup of
 * the image: no probe, no system call (a short process whose working
 * directory is hot paid some 25 us for a probe's epoll instance and
 * mountinfo).  NAMECACHE_CHECK=epoll, a kernel without
 * IORING_SETUP_NO_MMAP (before 6.5), io_uring refused to the daemon, or a
 * ring that says something may be pending: the probe's checks, as
 * above.
 *
 * The kernel queues an inotify event before the modifying system call
 * returns (research: fsnotify runs in the modifying task), so a lookup
 * that polls after a change's syscall returned sees that change's event,
 * or the overflow event, in the queue.  Draining follows the drain
 * sequence protocol: the writer makes hdr->drain_seq odd before read(),
 * applies every invalidation, and makes it even again; a reader samples
 * it before its walk and re-checks it after its poll, so a reader can
 * never use a view that misses an event the queue no longer shows.
 *
 * What an event invalidates (research/coherence.md §2):
 *   child event (name) in D      the child's dentry is dropped (a
 *                                directory's subtree becomes unreachable
 *                                with it), and D's own attributes, which
 *                                change with its entries, are forgotten.
 *   IN_ATTRIB on D itself        D is dropped: its permissions may have
 *                                changed, so may what is reachable below.
 *   IN_DELETE_SELF, IN_MOVE_SELF D is dropped.
 *   IN_IGNORED                   the watch is gone: D is dropped.
 *   IN_Q_OVERFLOW,               flush everything (a new inotify
 *   an unknown watch descriptor, instance, a new generation).
 *   a read error
 *   IN_UNMOUNT                   nothing: the mount change drops the
 *                                mount point (mounts.c), IN_IGNORED
 *                                follows for the watch
 *   a mount change               the mount points whose line changed
 *                                are dropped (mounts.c); a flush when
 *                                that cannot be told
 *   a mount change during a fill what the fill wrote is forgotten (the
 *                                mount fence: a mount that came and
 *                                went shows in no comparison)
 *   IN_Q_OVERFLOW of the hot     what hot watches report is forgotten
 *   instance                     (forget_hot)
 * Events are never taken as the new state, only as "forget this".
 *
 * The hot instance (the shared cache's daemon only: hot_enabled).  With
 * one queue, every write anywhere (an object file in obj/) puts every
 * lookup of every client in doubt until the daemon has drained it, and
 * during a build the daemon waits for a CPU that compilers hold.  So a
 * directory that receives writes (a name created, removed or moved in
 * it, a file in it modified) is moved to a second inotify instance,
 * hifd, with its files: a lookup needs the hot queue empty only if its
 * walk passed a dentry marked NC_D_HOT (walk.h), and each queue has its
 * own drain sequence (hdr->drain_seq, hdr->hot_seq).
 *   - Which instance holds a watch: a directory's is hot iff its inode
 *     is in the hot set (promoted once, kept until the daemon exits; a
 *     directory named .git, /dev and those below it join it at their
 *     first watch, born_hot); a
 *     file's is its directory's.  Watch keys carry the instance
 *     (HOT_BIAS), so the watch map and d->wd need no other change.
 *   - Moving a directory D (promote_all, inside a cold drain, so that
 *     hdr->drain_seq is odd throughout): its inode joins the hot set, a
 *     hot watch is added on it BEFORE its cold watch is removed (between
 *     the two, both report its events), and D's dentry is marked
 *     NC_D_HOT under its seqcount; its files and negative entries, whose
 *     own watches are cold, are dropped and filled again under the hot
 *     watch; its subdirectories keep their own (cold) watches.  No event
 *     is unseen: until the hot watch exists every event is in the cold
 *     queue; from then on in the hot one, which every walk through D
 *     checks because D is marked.  A walk that read D before the mark is
 *     rejected by the cold drain sequence, which moved; a walk
 *     remembered before it (memo.h), by the topology count, which moves
 *     before the mark and after it.
 *   - A lookup whose walk saw no NC_D_HOT dentry depends on no hot
 *     watch: every directory it passed and its final dentry are watched
 *     by the cold instance, and an event that could change its answer is
 *     reported by one of those watches (a child event in a directory it
 *     passed, an event on its final file's own inode).
 *   - So when the hot queue overflows, the events it lost can only
 *     concern hot dentries and the entries of hot directories: those
 *     are dropped or checked again (forget_hot), and the rest stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/util.h"
#include "cache_int.h"
#include "../store/dcache.h"
#include "memo.h"
#include "policy.h"
#include "uring.h"

/*
 * IN_MASK_CREATE: never modify an existing watch.  inotify has one watch
 * per inode and instance; adding one to an inode we already watch would
 * silently replace its mask (a file watch landing on a directory that was
 * swapped in under the same name would leave that directory deaf to its
 * entries).  With it, a second watch on an inode fails with EEXIST and
 * the second name is simply not cached.
 *
 * A directory's watch asks for IN_MODIFY (its own mtime set alone by
 * utimensat() is reported as a modification, not IN_ATTRIB), but not for
 * IN_CLOSE_WRITE: a directory is never open for writing, and a file's
 * close after writing changes nothing its IN_MODIFY did not report, on
 * its own watch when it is cached.  Writes to files nobody looked up
 * queue one event each, not two.
 */
#define NC_WATCH_MASK                                                          \
	(IN_MASK_CREATE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM |              \
	 IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR | IN_DONT_FOLLOW)
#define WD_CAP 65536 /* slots in the watch descriptor map (at least) */
#define WD_CAP_MAX (1u << 21)
#define WATCH_BUDGET                                        \
	16384 /* watches one process may hold: the inotify  \
	       * watch limit is per user, shared with every \
	       * other program the user runs */
#define NC_FILE_MASK                                               \
	(IN_MASK_CREATE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW)
/* Watch keys of the hot instance: its wd plus HOT_BIAS (wds are small
 * positive numbers; 2^30 of them is never reached). */
#define HOT_BIAS (1 << 30)
#define HOT_SET 8192   /* directories that may turn hot */
#define PROMOTE_MAX 64 /* promotions applied per drain */
#define NC_PROBES 32   /* threads with a probe of their own at once */

static uint32_t watch_budget = WATCH_BUDGET;

/* The writer's: inodes of hot directories (open addressing, never
 * removed), and the directories a drain found written. */
static struct hot_ino {
	uint64_t dev, ino;
} hot_set[HOT_SET];
static uint32_t hot_used NC_STARTUP;
static uint32_t promote[PROMOTE_MAX];
static int npromote NC_STARTUP;
/* The keys of the watches whose IN_IGNORED was applied last (apply). */
#define IGNORED_RECENT 1024
static int32_t ignored_recent[IGNORED_RECENT];
static uint32_t ignored_next NC_STARTUP;
static int ignored_any NC_STARTUP; /* something was written there */

static uint32_t hot_slot(uint64_t dev, uint64_t ino)
{
	return (uint32_t)((dev * 0x9e3779b97f4a7c15ull ^ ino) *
			      0xff51afd7ed558ccdull >>
			  40) %
	       HOT_SET;
}

static int hot_has(uint64_t dev, uint64_t ino)
{
	for (uint32_t i = hot_slot(dev, ino), n = 0; n < HOT_SET;
	     n++, i = (i + 1) % HOT_SET) {
		if (!hot_set[i].ino && !hot_set[i].dev)
			return 0;
		if (hot_set[i].ino == ino && hot_set[i].dev == dev)
			return 1;
	}
	return 0;
}

static int hot_add(uint64_t dev, uint64_t ino)
{
	if (hot_used >= HOT_SET / 2)
		return -1; /* full: it stays cold */
	for (uint32_t i = hot_slot(dev, ino);; i = (i + 1) % HOT_SET) {
		if (hot_set[i].ino == ino && hot_set[i].dev == dev)
			return 0;
		if (!hot_set[i].ino && !hot_set[i].dev) {
			hot_set[i].dev = dev;
			hot_set[i].ino = ino;
			hot_used++;
			return 0;
		}
	}
}

static int key_fd(int32_t key)
{
	return key >= HOT_BIAS ? ck_pr_load_int(&nc__c.hifd)
			       : ck_pr_load_int(&nc__c.ifd);
}

static int32_t key_wd(int32_t key)
{
	return key & (HOT_BIAS - 1);
}

static void rm_watch(int32_t key)
{
	syscall(SYS_inotify_rm_watch, key_fd(key), key_wd(key));
}

void nc__notify_set_budget(uint32_t watches)
{
	watch_budget = watches < WD_CAP_MAX / 2 ? watches : WD_CAP_MAX / 2;
}

/*
 * The probes.  A slot is allocated and filled by the writer; freed by its
 * owner's thread-exit destructor or by nc__notify_close (fork child,
 * cache start-up, off).  efd, mfd and ring.fd are read by the close
 * wrappers of any thread (nc__notify_owns), hence atomic loads and
 * stores.  The rest of the ring, tid and checks are the owner's alone.
 * A slot fills a cache line: the owner's writes never slow another
 * thread's checks.
 */
struct probe {
	int efd, mfd;
	uint32_t gen;	   /* ifd_gen it watches */
	const void *owner; /* &my_probe of the owning thread; NULL: free */
	long tid;	   /* the owner's thread id */
	uint32_t checks;   /* clean epoll checks so far (RING_AFTER) */
	int no_ring;	   /* this thread does not try a ring again */
	struct nc__ring ring;
} __attribute__((aligned(64)));

/*
 * Clean checks a thread makes before it sets up a ring (NAMECACHE_CHECK=
 * auto).  Measured on a machine with PTI and no PCID (kernel 6.18): a
 * ring costs about 50 us to set up in a thread of a running process,
 * about 180 us as the first one of a freshly forked process, and its
 * teardown adds about 0.2 ms to that process's exit; a check it saves is
 * one system call, about 1.05 us: the first ring of a process is paid
 * back after some 360 checks, later threads' after some 50.  Without PTI
 * (AMD EPYC, 6.18) setup took 18 us in a new thread and a forked child
 * with a ring took 30 us longer to fork, exit and be reaped, against
 * some 0.2 us saved per check: 150 checks, 90 for later threads.  So
 * a thread gets its ring after RING_AFTER checks of its own, or after
 * RING_AFTER_NEXT once the image's threads have made RING_AFTER between
 * them (the image has then paid, or will, for its first ring): each
 * covers its case with room, and a thread that makes fewer never pays.
 * git status on 50,000 files checks from 20 threads at once, 2,500
 * checks each: with RING_AFTER alone 10,351 epoll_wait() calls, with
 * this 2,671, and 4 ms of CPU (of 63) less.
 */
#define RING_AFTER 512
#define RING_AFTER_NEXT 128
/* Clean epoll checks made by all threads of this image, counted up to
 * RING_AFTER (a fork child starts again from 0). */
static uint32_t checks_all NC_STARTUP;

static struct probe probes[NC_PROBES] = {
    [0 ... NC_PROBES - 1] = {.efd = -1, .mfd = -1, .ring = NC_RING_INIT}};
static int ring_refused NC_STARTUP; /* io_uring refused here: epoll only */
static int check_used NC_STARTUP;   /* NC_CHECK_*: the best check used */
static uint32_t ifd_gen NC_STARTUP; /* bumped when ifd is replaced, closed */
static __thread int my_probe	    /* slot + 1; 0: none */
    __attribute__((tls_model("initial-exec")));

/* ---- the daemon's watch rings (uring.c) ----------------------------- */

/* Close those of a watch ring's descriptors that are open. */
static void wring_fds_close(int mem, int mfd, int efd)
{
	const int fd[] = {mem, mfd, efd};

	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			syscall(SYS_close, fd[i]);
}

/* Unpublish and close the watch rings: closing one makes the kernel
 * cancel its polls, which leaves every client that still reads its page
 * in doubt (uring.c). */
static void wring_close(void)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;

	for (int i = 0; i < 2; i++) {
		struct nc__wring *w = &nc__c.wring[i];

		if (w->mem < 0)
			continue;
		ck_pr_store_32((uint32_t *)&h->wring[i].fd, (uint32_t)-1);
		ck_pr_fence_store();
		nc__ring_close(&w->ring);
		wring_fds_close(w->mem, w->mfd, w->efd);
		w->mem = w->mfd = w->efd = -1;
	}
}

/*
 * The daemon (hot_enabled): a watch ring over a new instance, made before
 * anything is watched on it (so nothing can be queued unseen by its
 * poll), published in the arena's header for the clients, who open the
 * page through /proc/PID/fd or a pidfd (wview_make: an io_uring
 * descriptor cannot be sent, and the page needs none).  The cold one
 * (NC_WR_COLD, over ifd) polls a mountinfo of its own too; the hot one
 * (NC_WR_HOT, over hifd) lets a walk through hot directories be checked
 * with loads as well.
 */
static void wring_make(int which)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;
	struct nc__wring *w = &nc__c.wring[which];
	int ifd = which == NC_WR_HOT ? nc__c.hifd : nc__c.ifd;
	struct nc_wring_layout lay;
	static int logged[2] NC_STARTUP;
	struct stat st;
	int mem = -1, mfd = -1, efd, r = -1;

	if (!nc__c.hot_enabled || !h || ifd < 0)
		return;
	if (which == NC_WR_COLD)
		mfd = nc__mounts_file();
	efd = nc__fd_rehome(
	    (int)syscall(SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC));
	if ((mfd >= 0 || which == NC_WR_HOT) && efd >= 0)
		r = nc__wring_open(&w->ring, ifd, mfd, efd, &mem, &lay);
	if (r < 0 || syscall(SYS_fstat, mem, &st) < 0) {
		if (r >= 0)
			nc__ring_close(&w->ring);
		wring_fds_close(mem, mfd, efd);
		if (!logged[which]) {
			logged[which] = 1;
			nc__cache_log(
			    which == NC_WR_HOT
				? "no watch ring of the hot queue "
				  "(io_uring refused, a kernel before "
				  "6.5, or no descriptor left): "
				  "clients check it on their own"
				: "no watch ring (io_uring refused, a "
				  "kernel before 6.5, or no "
				  "descriptor left): clients check "
				  "on their own");
		}
		return;
	}
	if (r > 0) /* the mount table changed before the poll: flush */
		nc__c.flush_pending = 1;
	w->mem = mem;
	w->mfd = mfd;
	w->efd = efd;
	h->wring[which].flags = lay.flags;
	h->wring[which].head = lay.head;
	h->wring[which].tail = lay.tail;
	h->wring[which].dev = st.st_dev;
	h->wring[which].ino = st.st_ino;
	h->wring[which].epoch = h->epoch;
	ck_pr_fence_store();
	ck_pr_store_32((uint32_t *)&h->wring[which].fd, (uint32_t)mem);
}

/* A new inotify instance in ifd (and hifd for the daemon); probes made
 * before it are stale. */
static int new_inotify(void)
{
	int fd = nc__fd_rehome(
	    (int)syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC));

	ck_pr_store_32(&ifd_gen, ifd_gen + 1);
	if (fd < 0)
		return -1;
	ck_pr_store_int(&nc__c.ifd, fd);
	if (nc__c.hot_enabled) {
		struct nc_arena_hdr *h = nc__c.arena.hdr;

		ck_pr_store_int(&nc__c.hifd, nc__fd_rehome((int)syscall(
						 SYS_inotify_init1,
						 IN_NONBLOCK | IN_CLOEXEC)));
		/* The daemon: where a client attaching without the socket
		 * finds them (attach.c; drain_seq is odd here, or nobody
		 * is attached yet). */
		ck_pr_store_32((uint32_t *)&h->ifd_no, (uint32_t)fd);
		ck_pr_store_32((uint32_t *)&h->hifd_no, (uint32_t)nc__c.hifd);
	}
	wring_make(NC_WR_COLD);
	wring_make(NC_WR_HOT);
	return 0;
}

/* Once a process image (the kernel does not change under it). */
static int kernel_ok(void)
{
	static int known NC_STARTUP; /* 0: not asked, 1: trusted, -1: too old */

	if (!known) {
		known = nc__policy_kernel_ok() ? 1 : -1;
		if (known < 0)
			nc__cache_log("kernel older than 5.17 (its inotify "
				      "may report a deletion before it is "
				      "done): nothing is cached");
	}
	return known > 0;
}

int nc__notify_open(void)
{
	nc__c.ifd = nc__c.mfd = -1;
	if (!kernel_ok())
		return -1;
	if (!nc__c.wds) {
		/* Load factor at most 1/2 at the budget. */
		uint32_t cap = WD_CAP;
		void *m;

		while (cap < 2 * watch_budget && cap < WD_CAP_MAX)
			cap *= 2;
		m = mmap(NULL, cap * sizeof(struct nc__wd),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return -1;
		nc__c.wds = m;
		nc__c.wd_cap = cap;
	}
	/* mountinfo first: it must hear every mount change after anything
	 * is cached, and the inotify instance marks "open" (notify_ready). */
	ck_pr_store_int(&nc__c.mfd, nc__mounts_file());
	if (nc__c.mfd >= 0 && nc__c.hot_enabled) {
		uint64_t all = 0;

		/* The daemon: the table the first comparison starts from (a
		 * change it misses came after the open: mfd reports it).  A
		 * process caching for itself reads it at its first change
		 * (flushed), not at every start. */
		if (nc__mounts_base(&all) == 0)
			nc__c.arena.hdr->mount_hash = all;
	}
	if (nc__c.mfd < 0 || new_inotify() < 0) {
		nc__notify_close();
		return -1;
	}
	return 0;
}

/* Stores only where there is a descriptor: a page of ours that nothing
 * wrote yet is not faulted in (twice, read then written) for nothing. */
static void close_pair(int *a, int *b)
{
	int fa = ck_pr_load_int(a), fb = ck_pr_load_int(b);

	if (fa >= 0)
		ck_pr_store_int(a, -1);
	if (fb >= 0)
		ck_pr_store_int(b, -1);
	if (fa >= 0)
		syscall(SYS_close, fa);
	if (fb >= 0)
		syscall(SYS_close, fb);
}

void nc__notify_close(void)
{
	for (int i = 0; i < NC_PROBES; i++) {
		int rfd = __atomic_load_n(&probes[i].ring.fd, __ATOMIC_ACQUIRE);

		/* Another thread may still be reading its ring: only its
		 * descriptor goes here (its checks fail from now on); the
		 * memory is unmapped by a fork child (single-threaded),
		 * and is otherwise kept until the image ends. */
		if (rfd >= 0)
			rfd = __atomic_exchange_n(&probes[i].ring.fd, -1,
						  __ATOMIC_ACQ_REL);
		if (rfd >= 0)
			syscall(SYS_close, rfd);
		close_pair(&probes[i].efd, &probes[i].mfd);
		if (ck_pr_load_ptr(&probes[i].owner))
			ck_pr_store_ptr(&probes[i].owner, NULL);
	}
	my_probe = 0;
	close_pair(&nc__c.ifd, &nc__c.mfd);
	close_pair(&nc__c.hifd, &nc__c.spare_mfd);
	ck_pr_store_32(&ifd_gen, ifd_gen + 1);
	if (nc__c.wds)
		memset(nc__c.wds, 0,
		       nc__c.wd_used
			   ? (size_t)nc__c.wd_cap * sizeof(struct nc__wd)
			   : 0);
	nc__c.wd_used = 0;
	if (ignored_any) {
		memset(ignored_recent, 0, sizeof(ignored_recent));
		ignored_any = 0;
	}
}

void nc__notify_forget(void)
{
	for (int i = 0; i < NC_PROBES; i++) {
		ck_pr_store_int(&probes[i].ring.fd, -1);
		ck_pr_store_int(&probes[i].efd, -1);
		ck_pr_store_int(&probes[i].mfd, -1);
	}
	ck_pr_store_int(&nc__c.ifd, -1);
	ck_pr_store_int(&nc__c.mfd, -1);
	ck_pr_store_int(&nc__c.hifd, -1);
	ck_pr_store_int(&nc__c.spare_mfd, -1);
	nc__notify_close(); /* closes nothing now: resets the rest */
}

void nc__notify_fork_child(void)
{
	/* A thread of the parent was making a view: nobody is, here. */
	if (nc__c.wview_state == NC_WVIEW_MAKING)
		nc__c.wview_state = NC_WVIEW_IDLE;
	for (int i = 0; i < NC_PROBES; i++)
		nc__ring_unmap(&probes[i].ring);
	ck_pr_store_int(&check_used, NC_CHECK_NONE);
	ck_pr_store_32(&checks_all, 0);
	/* A thread of the parent may have been writing the stamps: none
	 * trusted, the next hit asks. */
	nc__c.checked_ns = nc__c.checked_hot_ns = 0;
	nc__c.checked_seq = 0;
	nc__notify_close();
}

int nc__notify_check_used(void)
{
	return ck_pr_load_int(&check_used);
}

int nc__notify_owns(unsigned int first, unsigned int last)
{
	int fd[6 + 3 * NC_PROBES];
	int n = 0;

	fd[n++] = ck_pr_load_int(&nc__c.sfd);
	fd[n++] = ck_pr_load_int(&nc__c.afd);
	fd[n++] = ck_pr_load_int(&nc__c.hifd);
	fd[n++] = ck_pr_load_int(&nc__c.ifd);
	fd[n++] = ck_pr_load_int(&nc__c.mfd);
	fd[n++] = ck_pr_load_int(&nc__c.spare_mfd);
	for (int i = 0; i < NC_PROBES; i++) {
		fd[n++] = ck_pr_load_int(&probes[i].efd);
		fd[n++] = ck_pr_load_int(&probes[i].mfd);
		fd[n++] = __atomic_load_n(&probes[i].ring.fd, __ATOMIC_ACQUIRE);
	}
	for (int i = 0; i < n; i++)
		if (fd[i] >= 0 && (unsigned)fd[i] >= first &&
		    (unsigned)fd[i] <= last)
			return 1;
	return 0;
}

void nc__notify_thread_exit(void)
{
	struct probe *p = my_probe ? &probes[my_probe - 1] : NULL;

	/* Not ours any more if nc__notify_close freed it meanwhile. */
	if (p && ck_pr_load_ptr(&p->owner) == &my_probe &&
	    ck_pr_load_int(&nc__cache_state) == NC_ST_OFF) {
		/* Off, maybe because the program closed or dup2'd over one
		 * of our numbers: they may be the program's now.  Forget
		 * them, close nothing. */
		nc__ring_unmap(&p->ring);
		nc__ring_forget(&p->ring);
		ck_pr_store_int(&p->efd, -1);
		ck_pr_store_int(&p->mfd, -1);
		ck_pr_store_ptr(&p->owner, NULL);
	} else if (p && ck_pr_load_ptr(&p->owner) == &my_probe) {
		nc__ring_close(&p->ring);
		close_pair(&p->efd, &p->mfd);
		ck_pr_store_ptr(&p->owner, NULL);
	}
	my_probe = 0;
}

/*
 * A mount change reached this image: lookups pass through until it is
 * applied.  A process caching for itself applies it (the writer,
 * nc__mount_apply_locked); an attached image waits for the daemon to
 * have applied it, which it learns in one of two ways, both published in
 * the odd window of the application after its drops (the caller's
 * drain_seq check covers a walk that overlaps it):
 *   - an application numbered after the number we read when we heard
 *     the change is done (hdr->mount_seq): it took its number after our
 *     hearing, and read the table after that (mount_apply), so it read
 *     the change.  No system call: the common case, the daemon applying
 *     after we heard;
 *   - or the mount table, read by us after we heard the change, is the
 *     one the daemon last applied (hdr->mount_hash, mounts.c): when it
 *     had applied the change before we heard it.  Compared once per
 *     change on either side, and only with no fill of the daemon's open
 *     across our reading (hdr->fence even and unchanged): a fill sees
 *     the table of its moment, and one that came and went during it
 *     leaves the table as it was, and the fill's entries visible until
 *     the fence closes and forgets them.
 * Not the daemon's watch ring found clean: the kernel bumps the
 * namespace's event count (which our poll reads) before it wakes the
 * ring's poll, so a ring found clean in between says nothing of it.
 * A count, not a flag: a change heard while another thread settles is
 * not cleared by it (it compares what it read before).
 */
static void mount_owed(void)
{
	uint32_t seen, old;

	ck_pr_fence_memory(); /* the number read after the hearing */
	seen = nc__c.shared ? ck_pr_load_32(&nc__c.arena.hdr->mount_start) : 0;
	old = ck_pr_load_32(&nc__c.mount_after);

	/* The latest number heard with (a newer one only: another thread
	 * may store an older one it read before). */
	while ((int32_t)(seen - old) > 0 &&
	       !ck_pr_cas_32_value(&nc__c.mount_after, old, seen, &old))
		;
	ck_pr_inc_32(&nc__c.mount_heard);
}

void nc__notify_mount_seen(void)
{
	mount_owed();
}

int nc__notify_mount_settle(void)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint32_t want = ck_pr_load_32(&nc__c.mount_heard), seq, f;
	uint64_t all;

	if (want == ck_pr_load_32(&nc__c.mount_done))
		return 1;
	if (!nc__c.shared) {
		if (!nc__writer_trylock())
			return 0;
		nc__mount_apply_locked();
		nc__writer_unlock();
		return ck_pr_load_32(&nc__c.mount_heard) ==
		       ck_pr_load_32(&nc__c.mount_done);
	}
	ck_pr_fence_load();
	seq = ck_pr_load_32(&h->mount_seq);
	if ((int32_t)(seq - ck_pr_load_32(&nc__c.mount_after)) > 0)
		goto done;
	f = ck_pr_load_32(&h->fence);
	if ((f & 1) || (ck_pr_load_32(&nc__c.mount_tried_heard) == want &&
			ck_pr_load_32(&nc__c.mount_tried_seq) == seq &&
			ck_pr_load_32(&nc__c.mount_tried_fence) == f))
		return 0;
	ck_pr_store_32(&nc__c.mount_tried_heard, want);
	ck_pr_store_32(&nc__c.mount_tried_seq, seq);
	ck_pr_store_32(&nc__c.mount_tried_fence, f);
	ck_pr_fence_load();
	if (nc__mounts_hash(&all) < 0) /* a read: the system call orders */
		return 0;
	ck_pr_fence_load();
	if (ck_pr_load_32(&h->fence) != f ||
	    all != ck_pr_load_64(&h->mount_hash))
		return 0;
done:
	ck_pr_store_32(&nc__c.mount_done, want);
	return 1;
}

int nc__notify_mount_open(void)
{
	int fd = nc__mounts_file();

	ck_pr_store_int(&nc__c.mfd, fd);
	return fd;
}

void nc__notify_spare(int fd)
{
	int old = __atomic_exchange_n(&nc__c.spare_mfd, fd, __ATOMIC_ACQ_REL);

	if (old >= 0)
		syscall(SYS_close, old);
}

void nc__notify_adopt(int ifd, int hifd)
{
	ck_pr_store_int(&nc__c.hifd, hifd >= 0 ? nc__fd_rehome(hifd) : -1);
	ck_pr_store_int(&nc__c.ifd, nc__fd_rehome(ifd));
	ck_pr_store_32(&ifd_gen, ck_pr_load_32(&ifd_gen) + 1);
}

/*
 * Writer: (re)make this thread's probe.  Its own mountinfo is opened
 * first, then the process's is asked about the changes before that: a
 * change either way is heard.  NULL: no probe (pass through).  A spare
 * handed down with the attachment (nc__notify_spare) is taken instead of
 * opening one: the parent opened it with nc__c.mfd, before it asked its
 * own about the changes before them, so it hears every change that poll
 * of nc__c.mfd below does not; and a new process's own first open of
 * /proc/self costs several times more than the parent's.
 */
static struct probe *probe_make(void)
{
	struct probe *p = NULL;
	struct epoll_event iev = {.events = EPOLLIN, .data.u32 = 1};
	struct epoll_event mev = {.events = EPOLLPRI, .data.u32 = 2};
	struct epoll_event hev = {.events = EPOLLIN, .data.u32 = 4};
	struct pollfd pfd = {.fd = nc__c.mfd, .events = POLLPRI};
	int efd, mfd, reported;

	if (nc__c.ifd < 0 || nc__c.mfd < 0 || !nc__memo_thread_ok())
		return NULL;
	/* The first probe's page is read (the scan below) then written. */
	if (!my_probe)
		nc__touch_page(&probes[0].owner);
	if (my_probe && ck_pr_load_ptr(&probes[my_probe - 1].owner) ==
			    (const void *)&my_probe) {
		p = &probes[my_probe - 1];
	} else {
		for (int i = 0; i < NC_PROBES && !p; i++)
			if (!ck_pr_load_ptr(&probes[i].owner))
				p = &probes[i];
		if (!p)
			return NULL;
		/* A ring left by an owner that lost the slot to
		 * nc__notify_close may still be read by it: not reused. */
		nc__ring_forget(&p->ring);
		p->checks = 0;
		p->no_ring = 0;
		p->tid = (long)syscall(SYS_gettid);
		ck_pr_store_ptr(&p->owner, (const void *)&my_probe);
		my_probe = (int)(p - probes) + 1;
	}
	nc__ring_close(&p->ring);
	close_pair(&p->efd, &p->mfd);
	mfd = __atomic_exchange_n(&nc__c.spare_mfd, -1, __ATOMIC_ACQ_REL);
	if (mfd < 0)
		mfd = nc__mounts_file();
	ck_pr_store_int(&p->mfd, mfd);
	if (mfd < 0)
		goto fail;
	/* POLLPRI (or an error): a mount change nobody has applied.  A
	 * poller of mfd counts itself until the change is owed (attach.c:
	 * hand() checks both). */
	ck_pr_inc_32(&nc__c.mfd_polls);
	ck_pr_fence_memory();
	reported = syscall(SYS_poll, &pfd, 1, 0) != 0;
	if (reported)
		mount_owed();
	ck_pr_dec_32(&nc__c.mfd_polls);
	if (reported && !nc__c.shared) {
		nc__mount_apply_locked();
		if (nc__c.ifd < 0)
			goto fail;
	}
	efd = nc__fd_rehome((int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC));
	ck_pr_store_int(&p->efd, efd);
	if (efd < 0 ||
	    syscall(SYS_epoll_ctl, efd, EPOLL_CTL_ADD, nc__c.ifd, &iev) < 0 ||
	    syscall(SYS_epoll_ctl, efd, EPOLL_CTL_ADD, mfd, &mev) < 0 ||
	    (nc__c.hifd >= 0 &&
	     syscall(SYS_epoll_ctl, efd, EPOLL_CTL_ADD, nc__c.hifd, &hev) < 0))
		goto fail;
	ck_pr_store_32(&p->gen, ck_pr_load_32(&ifd_gen));
	if (ck_pr_load_int(&check_used) < NC_CHECK_EPOLL)
		ck_pr_store_int(&check_used, NC_CHECK_EPOLL);
	return p;
fail:
	/* No probe for this thread until ifd changes: not tried per hit. */
	close_pair(&p->efd, &p->mfd);
	ck_pr_store_32(&p->gen, ck_pr_load_32(&ifd_gen));
	return NULL;
}

/* Has this thread made enough clean epoll checks for a ring?  The
 * shared count is written only until it reaches RING_AFTER. */
static int ring_due(struct probe *p)
{
	uint32_t all = ck_pr_load_32(&checks_all);

	if (all < RING_AFTER)
		all = ck_pr_faa_32(&checks_all, 1) + 1;
	return ++p->checks >=
	       (all >= RING_AFTER ? RING_AFTER_NEXT : RING_AFTER);
}

/*
 * Turn this thread's probe into a ring (uring.c), right after a clean
 * epoll check.  The ring's arming polls the probe's mountinfo, which
 * reports a change since the check to it alone: such a change is owed a
 * flush.  Only then is the mountinfo taken out of the epoll; if that
 * fails the ring goes and a flush is owed all the same (a report may
 * have gone to the ring).
 */
static void ring_start(struct probe *p)
{
	static int logged NC_STARTUP;
	int mount = 0, e;

	if (nc__c.check == NC_CHECK_EPOLL || p->no_ring ||
	    ck_pr_load_int(&ring_refused) ||
	    (nc__c.check != NC_CHECK_URING && !ring_due(p)))
		return;
	/* None in a vfork child (another task on this thread's memory):
	 * its descriptor would be in the child's table only. */
	if ((long)syscall(SYS_gettid) != p->tid)
		return;
	p->no_ring = 1; /* one try per probe */
	__atomic_store_n(&p->ring.busy, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (nc__ring_open(&p->ring, p->efd, p->mfd, nc__fd_rehome, &mount) <
	    0) {
		e = errno;
		__atomic_store_n(&p->ring.busy, 0, __ATOMIC_RELAXED);
		if (e == EPERM || e == ENOSYS || e == EINVAL || e == EACCES ||
		    e == EOPNOTSUPP) {
			ck_pr_store_int(&ring_refused, 1);
			if (!logged) {
				logged = 1;
				nc__cache_log("io_uring refused (old kernel, "
					      "kernel.io_uring_disabled or a "
					      "filter): strict checks are "
					      "epoll_wait calls");
			}
		}
		if (mount)
			mount_owed();
		return;
	}
	if (mount)
		mount_owed();
	if (syscall(SYS_epoll_ctl, p->efd, EPOLL_CTL_DEL, p->mfd, NULL) < 0) {
		nc__ring_close(&p->ring);
		mount_owed();
	} else {
		p->no_ring = 0;
		ck_pr_store_int(&check_used, NC_CHECK_URING);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&p->ring.busy, 0, __ATOMIC_RELAXED);
}

/*
 * Is anything pending for this thread's probe @p?  The ring's check
 * when it has one, else one epoll_wait(0).  0: nothing; > 0: *@queue
 * and/or *@mount; -1 (errno): the probe failed; NC_PASS: not now.
 */
#define NC_PASS (-2)
/* 0: nothing pending that matters to a walk (@hot: it passed the hot
 * instance); 1: something is (*@queue bits 1 and 2, *@mount); NC_PASS
 * or another negative: pass through. */
static int probe_check(struct probe *p, int hot, int *mount, int *queue)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	struct epoll_event ev[4];
	int n;

	if (__atomic_load_n(&p->ring.fd, __ATOMIC_RELAXED) >= 0) {
		n = nc__ring_check(&p->ring, &h->drain_seq, &h->hot_seq, hot,
				   mount, queue);
		if (n >= 0)
			return n;
		if (errno != EBUSY && errno != EEXIST && errno != EINTR) {
			/* Broken: the next check remakes the probe
			 * without a ring. */
			nc__ring_close(&p->ring);
			p->no_ring = 1;
			ck_pr_store_32(&p->gen, ck_pr_load_32(&ifd_gen) - 1);
		}
		return NC_PASS;
	}
	if (__atomic_load_n(&p->ring.busy, __ATOMIC_RELAXED))
		return NC_PASS; /* a signal handler during ring_start() */
	n = (int)syscall(SYS_epoll_wait, ck_pr_load_int(&p->efd), ev, 4, 0);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == 2)
			*mount = 1;
		else
			*queue |= ev[i].data.u32 == 4 ? 2 : 1;
	}
	if (n == 0)
		ring_start(p);
	return *mount || (*queue & (hot ? 3 : 1));
}

/* This thread's probe, current with ifd; NULL: pass through. */
static struct probe *probe_get(void)
{
	struct probe *p = my_probe ? &probes[my_probe - 1] : NULL;

	if (p && ck_pr_load_ptr(&p->owner) == (const void *)&my_probe &&
	    ck_pr_load_32(&p->gen) == ck_pr_load_32(&ifd_gen))
		return ck_pr_load_int(&p->efd) >= 0 ? p : NULL;
	if (!nc__writer_trylock())
		return NULL;
	p = probe_make();
	nc__writer_unlock();
	return p;
}

/* ---- the watch descriptor map (writer only) ------------------------ */

static struct nc__wd *wd_slot(int32_t wd, int create)
{
	uint32_t mask = nc__c.wd_cap - 1;
	uint32_t i = ((uint32_t)wd * 2654435761u) & mask;

	for (uint32_t n = 0; n < nc__c.wd_cap; n++, i = (i + 1) & mask) {
		struct nc__wd *s = &nc__c.wds[i];

		if (s->wd == wd)
			return s;
		if (s->wd == 0)
			return create ? s : NULL;
	}
	return NULL;
}

/* Remove a slot, re-placing the rest of its probe cluster. */
static void wd_remove(struct nc__wd *s)
{
	uint32_t mask = nc__c.wd_cap - 1;
	uint32_t i = (uint32_t)(s - nc__c.wds);

	s->wd = 0;
	nc__c.wd_used--;
	for (i = (i + 1) & mask; nc__c.wds[i].wd; i = (i + 1) & mask) {
		struct nc__wd tmp = nc__c.wds[i];
		struct nc__wd *t;

		nc__c.wds[i].wd = 0;
		t = wd_slot(tmp.wd, 1);
		*t = tmp;
	}
}

/*
 * Remove the watch @key that no live dentry holds.  Its slot stays, with
 * identity 0, which no live dentry has: what it still delivers (events
 * queued before the removal, then IN_IGNORED, which frees the slot) is
 * ignored.  Without the slot those events would name a watch descriptor
 * we never heard of, which means a flush: a build's short-lived files,
 * watched while being filled and gone a moment later, flushed the whole
 * cache several times a build.
 */
static void give_back(int32_t key, uint32_t idx)
{
	struct nc__wd *s = wd_slot(key, 1);

	if (s) {
		if (!s->wd)
			nc__c.wd_used++;
		s->wd = key;
		s->idx = idx;
		s->ident = 0;
	}
	rm_watch(key);
}

/* The descriptors exist from the first watch of this image on. */
static int notify_ready(void)
{
	if (nc__c.ifd >= 0)
		return 1;
	if (nc__notify_open() == 0)
		return 1;
	__atomic_store_n(&nc__cache_state, NC_ST_OFF, __ATOMIC_RELEASE);
	return 0;
}

/* Is the filesystem of directory @d one whose changes inotify reports?
 * A directory on the same device as its watched parent is on the same
 * filesystem, already asked about: no statfs for it.  *@cffs: may it
 * have case-insensitive directories (ext4, f2fs, tmpfs, when the kernel
 * can make them)? */
static int fs_watchable(const struct nc_dentry *d, const char *path, int *cffs)
{
	const struct nc_dentry *p =
	    (d->flags & NC_D_ROOT) ? NULL
				   : nc__dentry_at(&nc__c.arena, d->parent);

	if (p && (p->flags & NC_D_WATCHED) && !(d->flags & NC_D_MOUNT) &&
	    p->st.st_dev == d->st.st_dev && p->ident == d->parent_ident) {
		*cffs = !!(p->flags & NC_D_CFFS);
		return 1;
	}
	return nc__policy_fs(path, NULL, cffs) == NC_POL_OK;
}

static int drop(uint32_t idx);

/*
 * The inode @dev/@ino is already watched (EEXIST).  When the holder
 * is a dentry cut off from the root (a directory above it was dropped:
 * moved, its permissions changed), nothing can reach what it knows: drop
 * it, which gives its watch back, so that a new dentry can have it; 1
 * then.  A
 * holder still reachable (a bind mount, a second name) keeps it: 0.
 * Rare (a scan of the watch table); without it, every directory below a
 * dropped one would stay uncacheable until the next flush.
 */
static int release_cut_off_watch(dev_t dev, ino_t ino)
{
	for (uint32_t i = 0; i < nc__c.wd_cap; i++) {
		const struct nc__wd *s = &nc__c.wds[i];
		const struct nc_dentry *o =
		    s->wd ? nc__dentry_at(&nc__c.arena, s->idx) : NULL;

		if (!o || o->ident != s->ident || !(o->flags & NC_D_LIVE) ||
		    o->st.st_ino != ino || o->st.st_dev != dev)
			continue;
		return nc__cut_off(s->idx) && drop(s->idx) == 0;
	}
	return 0;
}

/*
 * A directory hot from its first watch: one that every program writes
 * into, or closes a file of after writing, as a matter of course.
 *   - A git repository's .git.  Every git command takes .git/index.lock
 *     before it stats the work tree, so the first such write into a cold
 *     .git put every lookup of the tree in doubt until the daemon had
 *     drained it and moved .git to the hot instance (the second `git
 *     status` of make demo, 5,000 files, lost a tenth of its hits one run
 *     in eight).
 *   - /dev and the directories below it.  Every git command opens
 *     /dev/null for reading and writing at its start, and closing it
 *     queues IN_CLOSE_WRITE on the null device's own watch; shells write
 *     to it and to terminals all the time.  Cold, the first such close
 *     put every lookup of every client in doubt until the daemon had
 *     woken, drained and moved /dev.
 * Hot from the start, nothing moves, and only walks through them wait
 * for the hot queue.
 */
static int born_hot(const struct nc_dentry *d, const char *path)
{
	size_t n = strlen(path);

	if (!(d->flags & NC_D_DIR))
		return 0;
	return (n >= 5 && !strcmp(path + n - 5, "/.git")) ||
	       !strcmp(path, "/dev") || !strncmp(path, "/dev/", 5);
}

int nc__watch(struct nc_dentry *d, uint32_t idx, const char *path)
{
	struct nc__wd *s;
	int wd, cffs = 0, hot, ifd, born = 0;
	enum nc_policy why;

	if (d->flags & NC_D_WATCHED)
		return 0;
	if (d->flags & NC_D_NOCACHE || !notify_ready())
		return -1;
	if (nc__c.wd_used >= watch_budget) {
		/* our budget: stop caching here, not everywhere */
		if (!nc__c.limit_logged) {
			nc__c.limit_logged = 1;
			nc__cache_log("watch budget of this process reached: "
				      "directories beyond it are not cached");
		}
		goto refuse;
	}
	if (!fs_watchable(d, path, &cffs))
		goto refuse;
	hot = nc__c.hifd >= 0 &&
	      hot_has((uint64_t)d->st.st_dev, (uint64_t)d->st.st_ino);
	if (!hot && nc__c.hifd >= 0 && born_hot(d, path) &&
	    hot_add((uint64_t)d->st.st_dev, (uint64_t)d->st.st_ino) == 0)
		hot = born = 1;
	ifd = hot ? nc__c.hifd : nc__c.ifd;
	wd = (int)syscall(SYS_inotify_add_watch, ifd, path, NC_WATCH_MASK);
	if (wd < 0 && errno == EEXIST &&
	    release_cut_off_watch(d->st.st_dev, d->st.st_ino))
		wd = (int)syscall(SYS_inotify_add_watch, ifd, path,
				  NC_WATCH_MASK);
	if (wd < 0) {
		/* ENOSPC (watch limit), EACCES ...; said once a process. */
		if (errno == ENOSPC && !nc__c.limit_logged) {
			nc__c.limit_logged = 1;
			nc__cache_log("inotify watch limit reached "
				      "(/proc/sys/fs/inotify/max_user_watches):"
				      " directories beyond it are not cached");
		}
		goto refuse;
	}
	if (hot)
		wd += HOT_BIAS; /* the watch's key from here on */
	s = wd_slot(wd, 1);
	if (!s || (s->wd && s->ident != d->ident &&
		   nc__dentry_at(&nc__c.arena, s->idx) &&
		   nc__dentry_at(&nc__c.arena, s->idx)->ident == s->ident)) {
		/* The same inode is already watched under another dentry
		 * (a hard-linked directory, a bind mount seen twice): two
		 * names for one watch would make events ambiguous. */
		goto refuse;
	}
	if (cffs && (why = nc__policy_dir(path)) != NC_POL_OK) {
		static unsigned logged NC_STARTUP; /* a bit per reason */

		if (!(logged & (1u << why))) {
			logged |= 1u << why;
			nc__cache_log(
			    why == NC_POL_CASEFOLD
				? "a case-insensitive directory is not cached "
				  "(neither is anything below it)"
			    : why == NC_POL_ENCRYPTED
				? "an encrypted directory is not cached "
				  "(neither is anything below it)"
				: "a directory whose attributes cannot be read "
				  "is not cached (neither is anything below "
				  "it)");
		}
		give_back(wd, idx);
		goto refuse;
	}
	if (!s->wd)
		nc__c.wd_used++;
	s->wd = wd;
	s->idx = idx;
	s->ident = d->ident;
	/* Attributes learnt before the watch existed may have changed
	 * unseen (a directory's mtime moves with its entries): forget them;
	 * the fill re-reads them now that changes will be reported. */
	nc__d_write_begin(d);
	d->wd = wd;
	d->flags |=
	    NC_D_WATCHED | (cffs ? NC_D_CFFS : 0u) | (hot ? NC_D_HOT : 0u);
	d->flags &= ~(uint32_t)(NC_D_STAT | NC_D_STATX);
	memset(d->acc_real, NC_ACC_UNKNOWN, sizeof(d->acc_real));
	memset(d->acc_eff, NC_ACC_UNKNOWN, sizeof(d->acc_eff));
	nc__d_write_end(d);
	nc__c.promoted += (uint64_t)born;
	return 0;
refuse:
	nc__d_write_begin(d);
	d->flags |= NC_D_NOCACHE;
	nc__d_write_end(d);
	return -1;
}

int nc__watch_inode(const char *path, const struct stat *st, int hot)
{
	int wd, ifd;

	if (nc__c.wd_used >= watch_budget || !notify_ready())
		return -1;
	hot = hot && nc__c.hifd >= 0;
	ifd = hot ? nc__c.hifd : nc__c.ifd;
	wd = (int)syscall(SYS_inotify_add_watch, ifd, path, NC_FILE_MASK);
	if (wd < 0 && errno == EEXIST &&
	    release_cut_off_watch(st->st_dev, st->st_ino))
		wd = (int)syscall(SYS_inotify_add_watch, ifd, path,
				  NC_FILE_MASK);
	return wd >= 0 && hot ? wd + HOT_BIAS : wd;
}

int nc__watch_bind(int wd, struct nc_dentry *d, uint32_t idx)
{
	struct nc__wd *s = wd_slot(wd, 1);
	const struct nc_dentry *o;

	if (!s)
		return -1;
	o = s->wd ? nc__dentry_at(&nc__c.arena, s->idx) : NULL;
	if (o && o->ident == s->ident && (o->flags & NC_D_LIVE))
		return -1; /* the inode is cached under another name */
	if (!s->wd)
		nc__c.wd_used++;
	s->wd = wd;
	s->idx = idx;
	s->ident = d->ident;
	d->wd = wd;
	d->flags |= NC_D_WATCHED | (wd >= HOT_BIAS ? NC_D_HOT : 0u);
	return 0;
}

void nc__watch_drop(int wd)
{
	struct nc__wd *s = wd_slot(wd, 0);
	const struct nc_dentry *o =
	    s ? nc__dentry_at(&nc__c.arena, s->idx) : NULL;

	/* Only a watch no live dentry relies on is removed. */
	if (!o || o->ident != s->ident || !(o->flags & NC_D_LIVE))
		give_back(wd, 0);
}

/* ---- applying events ----------------------------------------------- */

/* The attributes an event may have changed; for a directory, its listing
 * too when @names (a name created, removed or renamed in it: the events
 * that change what getdents64() returns; a child's attributes or data
 * change the directory's own attributes, not its listing).  The
 * listing's room in the string pool stays the dentry's, for the next. */
static void forget_attrs(struct nc_dentry *d, int names)
{
	nc__d_write_begin(d);
	d->flags &= ~(uint32_t)(NC_D_STAT | NC_D_STATX);
	if (names)
		d->flags &= ~(uint32_t)(NC_D_LIST | NC_D_NOLIST);
	memset(d->acc_real, NC_ACC_UNKNOWN, sizeof(d->acc_real));
	memset(d->acc_eff, NC_ACC_UNKNOWN, sizeof(d->acc_eff));
	nc__d_write_end(d);
}

/*
 * Drop @idx; a watched directory also loses its watch (its IN_IGNORED
 * arrives later and finds the slot pointing at a dead identity).
 * Returns -1 when the root itself must go: the caller flushes.
 */
static int drop(uint32_t idx)
{
	struct nc_dentry *d = nc__dentry_at(&nc__c.arena, idx);
	int wd;

	if (!d || !(d->flags & NC_D_LIVE))
		return 0;
	if (d->flags & NC_D_ROOT)
		return -1;
	wd = (d->flags & NC_D_WATCHED) ? d->wd : -1;
	nc__d_drop(&nc__c.arena, idx);
	if (wd >= 0)
		rm_watch(wd);
	return 0;
}

void nc__forget(uint32_t idx)
{
	if (drop(idx) < 0)
		nc__c.flush_pending = 1; /* the root itself: flush */
}

/*
 * A dentry a fence logged (@before: its flags then), when a mount change
 * came during the fence: made then, it goes (with whatever was made below
 * it); a directory that was there before, watched before, keeps its
 * entries, which were learnt before, and forgets what the fence may have
 * learnt of it (attributes, listing, verdicts, searchable); anything else
 * goes (a directory first watched in the fence may be watched through
 * the mount, on another inode).  -1: the root (flush).
 */
static int fence_forget(struct nc_dentry *d, int made, uint32_t before)
{
	const struct nc_arena *a = &nc__c.arena;
	uint32_t idx =
	    (uint32_t)(d - (struct nc_dentry *)(a->base + a->dentry_off));

	if (!(d->flags & NC_D_LIVE))
		return 0;
	if (made || !(d->flags & NC_D_DIR) ||
	    ((d->flags & NC_D_WATCHED) && !(before & NC_D_WATCHED)))
		return drop(idx);
	forget_attrs(d, 1);
	nc__d_write_begin(d);
	d->flags &= ~(uint32_t)NC_D_SEARCH;
	nc__d_write_end(d);
	return 0;
}

/* mounts.c: a mount point whose mount changed.  Its dentry goes, and
 * with it every path through it; -1 for the root (flush). */
static int mount_drop_path(const char *path)
{
	const struct nc_arena *a = &nc__c.arena;
	struct nc_walk w;

	switch (nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
			 nc__c.root_ident, nc__c.root_idx, nc__c.root_ident,
			 path, 1)) {
	case W_FOUND:
		return drop(w.fidx);
	case W_ABORT:
		return -1; /* cannot tell what is cached there */
	default:
		return 0; /* nothing is cached at or below it */
	}
}

/* Writer: has mfd a change to report (taken now)?  errno is kept. */
static int mfd_reports(void)
{
	struct pollfd pf = {.fd = nc__c.mfd, .events = POLLPRI};
	int e = errno, r;

	if (pf.fd < 0)
		return 0;
	r = (int)syscall(SYS_poll, &pf, 1, 0) > 0 &&
	    (pf.revents & (POLLPRI | POLLERR));
	errno = e;
	return r;
}

/*
 * Writer, inside an odd window of drain_seq: apply the mount changes
 * since the last time (mounts.c).  The process's mountinfo is polled
 * first, so that it does not report again what the reread takes.  The
 * hot sequence is made odd too: a dropped mount point may be hot.  0, or
 * -1: flush (logged).
 */
static int mount_apply(int logged)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;
	int hot = !(h->hot_seq & 1), r;
	uint32_t start = h->mount_start + 1;
	uint64_t all;

	if (hot)
		ck_pr_store_32(&h->hot_seq, h->hot_seq + 1);
	/* Our number, visible before we read the table (the full fence): a
	 * client that heard a change and then read an older number knows
	 * that this reading comes after its change (settle). */
	ck_pr_store_32(&h->mount_start, start);
	ck_pr_fence_memory();
	(void)mfd_reports(); /* taken: the reread below reads it */
	r = nc__mounts_apply(mount_drop_path, &all);
	/* What a fence logged may describe the change (nc__mount_fence_close):
	 * forgotten too, or, more than the log holds, a flush. */
	if (logged && r == 0 && nc__wlog.n > NC_WLOG_MAX)
		r = -1;
	for (uint32_t i = 0; logged && r == 0 && i < nc__wlog.n; i++)
		if (fence_forget(nc__wlog.d[i], nc__wlog.made[i],
				 nc__wlog.flags[i]) < 0)
			r = -1;
	/* Published on a flush too (the table was read): nothing is cached
	 * then, so the table is as applied as can be. */
	if (r == 0 || r == -1)
		ck_pr_store_64(&h->mount_hash, all);
	/* Done, in this window: by its drops, or by the flush that follows
	 * (the table unread, too). */
	ck_pr_fence_store();
	ck_pr_store_32(&h->mount_seq, start);
	ck_pr_fence_store();
	if (hot)
		ck_pr_store_32(&h->hot_seq, h->hot_seq + 1);
	if (r < 0 || nc__c.flush_pending) {
		nc__cache_log("mount table changed: cache flushed");
		return -1;
	}
	nc__c.mount_changes++;
	return 0;
}

static void apply_locked(int logged)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint32_t want = ck_pr_load_32(&nc__c.mount_heard);

	ck_pr_store_32(&h->drain_seq, h->drain_seq + 1);
	ck_pr_fence_store();
	if (mount_apply(logged) < 0) {
		nc__flush_locked(); /* ends our odd window with its own */
	} else {
		ck_pr_fence_store();
		ck_pr_store_32(&h->drain_seq, h->drain_seq + 1);
	}
	ck_pr_store_32(&nc__c.mount_done, want);
}

void nc__mount_apply_locked(void)
{
	apply_locked(0);
}

int nc__mount_quiet(void)
{
	if (mfd_reports())
		mount_owed();
	if (ck_pr_load_32(&nc__c.mount_heard) ==
	    ck_pr_load_32(&nc__c.mount_done))
		return 1;
	apply_locked(0);
	return 0;
}

/*
 * The mount fence.  A fill records what its real calls saw; comparing two
 * tables (mounts.c) names the mount points that differ between them, not
 * a mount that came and went in between.  So nothing is recorded across
 * an unapplied change: open applies any change heard or reported before
 * the calls; close, if mfd reports one made during them, applies it and
 * drops every dentry written in between (the store's write log), which
 * may describe it.  mfd is ours alone here: the daemon's epoll looks at
 * it only between fills, and a process caching for itself polls it
 * under the writer lock.
 */
void nc__mount_fence_open(void)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;

	nc__mount_quiet();
	nc__wlog.n = 0;
	nc__wlog.on = 1;
	/* Odd while open: what the fill makes is visible at once, and a
	 * client must not take the table it reads then for one applied. */
	ck_pr_store_32(&h->fence, h->fence + 1);
	ck_pr_fence_memory();
}

void nc__mount_fence_close(void)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;

	nc__wlog.on = 0;
	if (mfd_reports()) {
		mount_owed();
		apply_locked(1);
	}
	ck_pr_fence_store();
	ck_pr_store_32(&h->fence, h->fence + 1);
}

/* A cold directory @idx received writes: move it to the hot instance at
 * the end of this drain (promote_all). */
static void written(uint32_t idx)
{
	const struct nc_dentry *d = nc__dentry_at(&nc__c.arena, idx);

	if (nc__c.hifd < 0 || !d || (d->flags & (NC_D_HOT | NC_D_ROOT)) ||
	    !(d->flags & NC_D_DIR) || npromote >= PROMOTE_MAX)
		return;
	for (int i = 0; i < npromote; i++)
		if (promote[i] == idx)
			return;
	promote[npromote++] = idx;
}

/*
 * Watches whose IN_IGNORED was applied last (their slots are gone).  The
 * kernel can still queue an event of such a watch after its IN_IGNORED:
 * a write or close in flight on another CPU while the watch was removed
 * (seen in builds: a compiler's temporary file filled, dropped, closed).
 * Such an event concerns nothing we hold any more, and is ignored; any
 * other watch descriptor we do not know still means a flush.
 */
static int recently_ignored(int32_t key)
{
	for (uint32_t i = 0; i < IGNORED_RECENT; i++)
		if (ignored_recent[i] == key)
			return 1;
	return 0;
}

static int apply(const struct inotify_event *e, int32_t bias)
{
	struct nc__wd *s;
	struct nc_dentry *d;

	if (e->mask & IN_Q_OVERFLOW)
		return -1;
	/* Its filesystem is gone: the unmount changed our mount table
	 * (the last mount of a filesystem we reach is one of ours), which
	 * drops the mount point, and the IN_IGNORED that follows drops the
	 * watch's dentry. */
	if (e->mask & IN_UNMOUNT)
		return 0;
	s = wd_slot(e->wd + bias, 0);
	if (!s) /* unexplained, unless gone a moment ago */
		return e->wd > 0 && recently_ignored(e->wd + bias) ? 0 : -1;
	d = nc__dentry_at(&nc__c.arena, s->idx);
	if (e->mask & IN_IGNORED) {
		uint32_t idx = s->idx;
		uint64_t ident = s->ident;

		wd_remove(s);
		ignored_recent[ignored_next++ % IGNORED_RECENT] = e->wd + bias;
		ignored_any = 1;
		if (d && d->ident == ident && (d->flags & NC_D_LIVE)) {
			nc__d_write_begin(d);
			d->flags &= ~(uint32_t)NC_D_WATCHED;
			nc__d_write_end(d);
			return drop(idx);
		}
		return 0;
	}
	if (!d || d->ident != s->ident || !(d->flags & NC_D_LIVE))
		return 0; /* a directory we already dropped */
	if (e->len && e->name[0]) {
		size_t n = strnlen(e->name, e->len);
		unsigned seq;
		uint32_t c = nc__d_lookup(
		    &nc__c.arena, nc__c.arena.hdr->generation, d->ident,
		    e->name, n, nc__d_hash(d->ident, e->name, n), &seq);

		forget_attrs(d, !!(e->mask & (IN_CREATE | IN_DELETE |
					      IN_MOVED_FROM | IN_MOVED_TO)));
		if (!bias && (e->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM |
					 IN_MOVED_TO | IN_MODIFY)))
			written(s->idx);
		return c != NC_NONE ? drop(c) : 0;
	}
	if (!bias && !(d->flags & NC_D_DIR) &&
	    (e->mask & (IN_MODIFY | IN_CLOSE_WRITE))) {
		const struct nc_dentry *p =
		    nc__dentry_at(&nc__c.arena, d->parent);

		if (p && p->ident == d->parent_ident)
			written(d->parent);
	}
	/* An event on a file's own watch, through whatever name: forget it.
	 * On a directory, only what may change reachability drops it. */
	if (!(d->flags & NC_D_DIR) ||
	    (e->mask & (IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)))
		return drop(s->idx);
	forget_attrs(d, 1);
	return 0;
}

/*
 * Flush everything (generation and epoch bump, new inotify instances).
 * Both drain sequences are odd throughout: the ones that were even are
 * made odd first, and a drain that flushes calls this before its own
 * sequence goes even, so that the events it read and could not apply
 * (an overflow, an unknown watch, the root that could not be dropped) are
 * never behind an even sequence and an empty queue with the old
 * generation still in place.
 */
void nc__flush_locked(void)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;

	int had = nc__c.ifd >= 0;

	if (!(h->drain_seq & 1))
		ck_pr_store_32(&h->drain_seq, h->drain_seq + 1);
	if (!(h->hot_seq & 1))
		ck_pr_store_32(&h->hot_seq, h->hot_seq + 1);
	ck_pr_fence_store();
	wring_close();
	if (nc__c.hot_enabled) { /* the numbers go before the descriptors */
		ck_pr_store_32((uint32_t *)&h->ifd_no, UINT32_MAX);
		ck_pr_store_32((uint32_t *)&h->hifd_no, UINT32_MAX);
	}
	if (had) {
		/* Probes watching it are stale from here (new_inotify). */
		syscall(SYS_close, nc__c.ifd);
		ck_pr_store_int(&nc__c.ifd, -1);
	}
	if (nc__c.hifd >= 0) {
		syscall(SYS_close, nc__c.hifd);
		ck_pr_store_int(&nc__c.hifd, -1);
	}
	if (nc__c.wds)
		memset(nc__c.wds, 0,
		       (size_t)nc__c.wd_cap * sizeof(struct nc__wd));
	nc__c.wd_used = 0;
	memset(ignored_recent, 0, sizeof(ignored_recent));
	ck_pr_store_64(&nc__c.cwd_ident, 0);
	/* Learnt again at the next relative lookup (had it been tried
	 * already, relative lookups would stay cold until a chdir). */
	if (nc__c.cwd_admit > 1)
		nc__c.cwd_admit = 1;
	ck_pr_store_int(&nc__c.flush_pending, 0);
	nc__arena_flush(&nc__c.arena);
	if (had) /* clients polling the old instance must detach */
		ck_pr_store_64(&h->epoch, h->epoch + 1);
	if ((had && new_inotify() < 0) || nc__fill_root() < 0)
		ck_pr_store_int(&nc__cache_state, NC_ST_OFF);
	ck_pr_fence_store();
	ck_pr_store_32(&h->drain_seq, h->drain_seq + 1);
	ck_pr_store_32(&h->hot_seq, h->hot_seq + 1);
}

/*
 * Move the directories this drain found written to the hot instance (see
 * the top of this file), in place, under the cold drain sequence (still
 * odd): the hot watch is added first (for a while both report D's
 * events), D's dentry is marked NC_D_HOT and given the new watch under
 * its seqcount, the cold watch's slot is made to ignore what it still
 * delivers, and only then is the cold watch removed.  D's files and
 * negative entries go (their own watches are cold; they are filled again
 * under the hot watch); its subdirectories stay, with their own cold
 * watches, so nothing below them is lost.  A directory that cannot be
 * watched by the hot instance, or whose path no longer names it, is
 * dropped instead.
 */
static void promote_all(void)
{
	struct nc_arena *a = &nc__c.arena;
	char path[PATH_MAX];

	for (int i = 0; i < npromote; i++) {
		uint32_t idx = promote[i];
		struct nc_dentry *d = nc__dentry_at(a, idx);
		struct nc__wd *s, *old;
		struct stat st;
		int32_t okey, key;
		uint64_t ident;
		int wd;

		if (!d || !(d->flags & NC_D_LIVE) ||
		    (d->flags & (NC_D_HOT | NC_D_ROOT)) ||
		    !(d->flags & NC_D_WATCHED) ||
		    hot_add((uint64_t)d->st.st_dev, (uint64_t)d->st.st_ino) < 0)
			continue;
		ident = d->ident;
		okey = d->wd;
		wd = nc__abs_path(idx, path) < 0
			 ? -1
			 : (int)syscall(SYS_inotify_add_watch, nc__c.hifd, path,
					NC_WATCH_MASK);
		if (wd >= 0 &&
		    (syscall(SYS_newfstatat, AT_FDCWD, path, &st,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		     st.st_ino != d->st.st_ino || st.st_dev != d->st.st_dev)) {
			give_back(wd + HOT_BIAS, 0);
			wd = -1;
		}
		key = wd + HOT_BIAS;
		s = wd >= 0 ? wd_slot(key, 1) : NULL;
		if (!s) {
			if (wd >= 0)
				rm_watch(key); /* the map is full */
			if (drop(idx) < 0)
				nc__c.flush_pending = 1;
			continue;
		}
		if (!s->wd)
			nc__c.wd_used++;
		s->wd = key;
		s->idx = idx;
		s->ident = ident;
		old = wd_slot(okey, 0);
		if (old)
			old->ident = 0; /* no live dentry has identity 0 */
		/* A walk through D remembered before (memo.h) would keep
		 * needing the cold queue alone, while D's own events (a
		 * chmod taking its search permission) now go to the hot
		 * one: the topology moves, voiding it, before the mark and
		 * after it (as for a death, dcache.c). */
		ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
		ck_pr_fence_store();
		/* Its attributes and listing go too: an entry made between the
		 * drain's last read and the hot watch is heard by the cold
		 * watch alone, whose events are ignored from here on. */
		nc__d_write_begin(d);
		d->wd = key;
		d->flags |= NC_D_HOT;
		d->flags &= ~(uint32_t)(NC_D_STAT | NC_D_STATX | NC_D_LIST |
					NC_D_NOLIST);
		nc__d_write_end(d);
		/* ... and again: a walk that sampled the first move and
		 * read D before the mark remembered it cold. */
		ck_pr_fence_store();
		ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
		rm_watch(okey);
		for (uint32_t c = 0; c < a->hdr->dentry_used; c++) {
			const struct nc_dentry *k = nc__dentry_at(a, c);

			if (k && (k->flags & NC_D_LIVE) &&
			    !(k->flags & NC_D_DIR) && k->parent == idx &&
			    k->parent_ident == ident)
				drop(c);
		}
		nc__c.promoted++;
	}
	npromote = 0;
}

/* Does the kernel, asked now, still name directory @idx by its path and
 * let us search it? */
static int dir_still_there(uint32_t idx, const struct nc_dentry *d)
{
	char path[PATH_MAX + 2];
	struct stat st, here;
	int n = nc__abs_path(idx, path);

	if (n < 0 ||
	    syscall(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) <
		0 ||
	    !S_ISDIR(st.st_mode) || st.st_ino != d->st.st_ino ||
	    st.st_dev != d->st.st_dev)
		return 0;
	memcpy(path + n, "/.", 3);
	return syscall(SYS_newfstatat, AT_FDCWD, path, &here,
		       AT_SYMLINK_NOFOLLOW) == 0 &&
	       here.st_ino == st.st_ino && here.st_dev == st.st_dev;
}

/*
 * The hot queue overflowed (drain, still under the odd hot sequence).
 * What it lost are events on hot watches: a hot directory's own (its
 * attributes, its removal or move) and its entries' (names created,
 * removed or moved in it), and a hot file's own.  Nothing else: every
 * other watch is cold (top of this file).  So:
 *   - every non-directory that is hot or whose directory is hot (files,
 *     links, negative entries) is dropped;
 *   - a hot directory is kept only if its path, asked of the kernel now,
 *     still names its inode and it can still be searched (a name looked
 *     up in it: "." resolves only past may_lookup()); anything that
 *     happens from now on queues a new event, read by a later drain.
 *     Its attributes are forgotten, to be learnt again.  Its subdirectories
 *     keep their cold watches, which report their own moves and removal,
 *     so what is below them stays;
 *   - the topology count moves, voiding memoized resolutions (memo.c)
 *     and working-directory chains that passed through any of them.
 * A build that floods its output directories does not cost every client
 * its cold entries, nor what is below a directory that holds a log.
 */
static void forget_hot(void)
{
	struct nc_arena *a = &nc__c.arena;

	ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
	ck_pr_fence_store();
	for (uint32_t i = 0; i < a->hdr->dentry_used; i++) {
		const struct nc_dentry *d = nc__dentry_at(a, i);
		const struct nc_dentry *p;

		if (!d || !(d->flags & NC_D_LIVE) || (d->flags & NC_D_DIR))
			continue;
		p = nc__dentry_at(a, d->parent);
		if ((d->flags & NC_D_HOT) ||
		    (p && p->ident == d->parent_ident && (p->flags & NC_D_HOT)))
			drop(i);
	}
	for (uint32_t i = 0; i < a->hdr->dentry_used; i++) {
		struct nc_dentry *d = nc__dentry_at(a, i);

		if (!d || (d->flags & (NC_D_LIVE | NC_D_HOT | NC_D_DIR)) !=
			      (NC_D_LIVE | NC_D_HOT | NC_D_DIR))
			continue;
		if (!dir_still_there(i, d)) {
			if (drop(i) < 0)
				nc__c.flush_pending = 1;
			continue;
		}
		forget_attrs(d, 1); /* its events were lost */
	}
	ck_pr_fence_store();
	ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
	nc__c.hot_lost++;
}

/* Say why a drain flushes (the writer's log: NAMECACHE_LOG, the daemon's
 * standard error). */
static void flush_log(const struct inotify_event *e, int hot)
{
	char msg[128];

	if (e->mask & IN_Q_OVERFLOW) {
		nc__c.q_overflows++;
		nc__cache_log("inotify queue overflowed: cache flushed");
		return;
	}
	snprintf(msg, sizeof(msg),
		 "event of an unknown watch (%s queue, watch %d, mask %#x): "
		 "cache flushed",
		 hot ? "hot" : "cold", e->wd, (unsigned)e->mask);
	nc__cache_log(msg);
}

/* Read the queue @fd until it is empty, applying each event; *@flush:
 * what was read cannot be applied; *@lost: the hot queue overflowed. */
static void read_queue(int fd, int hot, int *flush, int *lost)
{
	char buf[16384]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		long n = syscall(SYS_read, fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				*flush = 1;
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct inotify_event *e =
			    (const struct inotify_event *)(buf + off);

			if (hot && (e->mask & IN_Q_OVERFLOW) && e->wd == -1) {
				/* What follows was queued after: applied. */
				*lost = 1;
			} else if (!*flush &&
				   apply(e, hot ? HOT_BIAS : 0) < 0) {
				*flush = 1;
				flush_log(e, hot);
			}
			off += (long)sizeof(*e) + e->len;
			nc__c.events[!!hot]++;
		}
		if (*flush)
			break;
	}
}

/*
 * Is the watch ring's flag set behind the drain's last run?  When it is
 * not, the ring's eventfd is reset (it was signalled by this drain's own
 * CQEs, and by the flag set that started it) and the flag looked at
 * again: one set after the reset signals again, and brings the daemon
 * back (nc__serve_wring_efd); one set before it is seen here.
 */
static int wring_flag(struct nc__wring *w)
{
	uint64_t n;

	if (__atomic_load_n(w->ring.sq_flags, __ATOMIC_ACQUIRE) &
	    IORING_SQ_TASKRUN)
		return 1;
	(void)!syscall(SYS_read, w->efd, &n, sizeof(n));
	return !!(__atomic_load_n(w->ring.sq_flags, __ATOMIC_ACQUIRE) &
		  IORING_SQ_TASKRUN);
}

int nc__wring_due(int hot)
{
	struct nc__wring *w = &nc__c.wring[hot ? NC_WR_HOT : NC_WR_COLD];

	return w->mem >= 0 && wring_flag(w);
}

/* A watch ring, run inside a drain of its instance: 0, or 1 when the
 * cache must be flushed (a mount change, a broken ring). */
static int wring_drain(struct nc__wring *w)
{
	int mount = 0;

	if (nc__wring_run(&w->ring, &mount) < 0) {
		nc__cache_log("watch ring failed: cache flushed");
		return 1;
	}
	return mount ? mount_apply(0) < 0 : 0;
}

#define WRING_ROUNDS 8

/*
 * A drain: the sequence odd, the queue read until empty and applied
 * (promotions too), the sequence even.  With the daemon's watch ring of
 * the instance, a drain runs the ring first (its flag cleared inside the
 * window, before the read() that takes what set it: uring.c), and again,
 * with another read, as long as the flag was set behind it: applying
 * events changes watches, and a removed watch queues IN_IGNORED, which
 * wakes the instance.  The flag is left clear unless events keep coming
 * for WRING_ROUNDS rounds; then the ring's eventfd, signalled again by
 * the drain (wring_flag() may have taken the kernel's signal), brings
 * the daemon back for another drain (nc__serve_wring_efd).
 */
static void drain(int hot)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint32_t *seq = hot ? &h->hot_seq : &h->drain_seq;
	int fd = hot ? nc__c.hifd : nc__c.ifd;
	struct nc__wring *w = &nc__c.wring[hot ? NC_WR_HOT : NC_WR_COLD];
	int flush = 0, lost = 0, ring = w->mem >= 0;

	if (fd < 0)
		return;
	ck_pr_store_32(seq, *seq + 1);
	ck_pr_fence_store();
	for (int round = 0;; round++) {
		if (ring && !flush)
			flush = wring_drain(w);
		read_queue(fd, hot, &flush, &lost);
		if (!flush && lost) {
			nc__cache_log("hot inotify queue overflowed: written "
				      "directories and files forgotten");
			forget_hot();
			lost = 0;
		}
		if (!flush && npromote)
			promote_all();
		npromote = 0;
		if (!ring || flush || !wring_flag(w))
			break;
		if (round + 1 >= WRING_ROUNDS) {
			/* Set still: its eventfd brings us back.  wring_flag()
			 * may have taken the kernel's signal of it: ours. */
			uint64_t one = 1;

			(void)!syscall(SYS_write, w->efd, &one, sizeof(one));
			break;
		}
	}
	if (flush || nc__c.flush_pending) {
		nc__flush_locked(); /* ends our odd window with its own */
		return;
	}
	ck_pr_fence_store();
	ck_pr_store_32(seq, *seq + 1);
}

void nc__drain(void)
{
	drain(0);
}

void nc__drain_hot(void)
{
	drain(1);
}

/*
 * Relaxed mode's clock.  The coarse clock (one vDSO read, jiffy
 * resolution, a few milliseconds) is plenty for bounds of 20 ms or more;
 * tighter bounds pay for the precise one.
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(nc__c.max_stale_ns >= 20000000 ? CLOCK_MONOTONIC_COARSE
						     : CLOCK_MONOTONIC,
		      &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A client's view of one of the daemon's watch rings (uring.c): the page
 * is opened through /proc/PID/fd/N of the daemon named by the attachment
 * (the kernel lets a process of the same user, and no other, open it),
 * or taken with @pidfd, a pidfd of the daemon (the same permission; no
 * path walk in procfs, which costs a new process 15-25 us), and kept
 * only if it is the very file the arena's header names (device and
 * inode) for the current epoch; mapped read-only, then closed.  One
 * thread makes it, in a slot of its own that is published whole (a
 * pointer store) and never changed or unmapped after: another thread may
 * be reading it.  At most one attempt through /proc per ring and epoch
 * (the daemon's flush makes new rings), NC_WVIEWS in all (eight
 * flushes); an image without one checks with its probes.
 */
static struct nc__wview *wview_make(int which, uint64_t epoch_now, int pidfd)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	const struct nc_wring_pub *pub = &h->wring[which];
	struct nc__wview *v = NULL;
	struct nc_wring_layout lay;
	struct nc__buf b;
	struct stat st;
	char path[64];
	int expect = NC_WVIEW_IDLE, fd;
	uint64_t epoch, aino = nc__c.aino;
	int32_t dfd;

	if (!__atomic_compare_exchange_n(&nc__c.wview_state, &expect,
					 NC_WVIEW_MAKING, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return NULL;
	if (__atomic_load_n(&nc__c.wview_tried[which], __ATOMIC_ACQUIRE) ==
		epoch_now + 1 ||
	    nc__c.wview_made >= NC_WVIEWS)
		goto out;
	epoch = ck_pr_load_64(&pub->epoch);
	ck_pr_fence_load();
	dfd = (int32_t)ck_pr_load_32((const uint32_t *)&pub->fd);
	ck_pr_fence_load();
	lay.size = 4096;
	lay.flags = ck_pr_load_32(&pub->flags);
	lay.head = ck_pr_load_32(&pub->head);
	lay.tail = ck_pr_load_32(&pub->tail);
	/* A flush makes the rings while drain_seq is odd: one not
	 * published yet is looked for again after it.  Anything else is
	 * this epoch's one attempt. */
	if ((dfd < 0 || epoch != epoch_now) &&
	    (ck_pr_load_32(&h->drain_seq) & 1))
		goto out;
	if (pidfd < 0)
		__atomic_store_n(&nc__c.wview_tried[which], epoch_now + 1,
				 __ATOMIC_RELEASE);
	if (dfd < 0 || nc__c.daemon_pid <= 0 || nc__c.check == NC_CHECK_EPOLL ||
	    epoch != epoch_now)
		goto out;
	if (pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, dfd, 0);
	} else {
		nc__buf_init(&b, path, sizeof(path));
		nc__buf_str(&b, "/proc/");
		nc__buf_i64(&b, nc__c.daemon_pid);
		nc__buf_str(&b, "/fd/");
		nc__buf_i64(&b, dfd);
		if (b.overflow || b.len >= sizeof(path))
			goto out;
		path[b.len] = '\0';
		fd = (int)syscall(SYS_openat, AT_FDCWD, path,
				  O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		goto out;
	v = &nc__c.wviews[nc__c.wview_made];
	if (syscall(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != lay.size ||
	    (uint64_t)st.st_dev != ck_pr_load_64(&pub->dev) ||
	    (uint64_t)st.st_ino != ck_pr_load_64(&pub->ino) ||
	    nc__wview_map(v, fd, &lay) < 0)
		v = NULL;
	syscall(SYS_close, fd);
	/* Still the ring it was when we read where it is. */
	ck_pr_fence_load();
	if (v && ((int32_t)ck_pr_load_32((const uint32_t *)&pub->fd) != dfd ||
		  ck_pr_load_64(&pub->epoch) != epoch)) {
		nc__wview_unmap(v); /* never published */
		v = NULL;
	}
	if (v) {
		v->aino = aino;
		v->epoch = epoch;
		nc__c.wview_made++;
		__atomic_store_n(&nc__c.wview[which], v, __ATOMIC_RELEASE);
	}
out:
	__atomic_store_n(&nc__c.wview_state, NC_WVIEW_IDLE, __ATOMIC_RELEASE);
	return v;
}

/* Shared mode: 1 nothing pending on the daemon's cold (@which
 * NC_WR_COLD: the mount table too) or hot instance, 0 something may be
 * (the probe's check then says), -1 no view. */
static int wview_check(int which)
{
	uint64_t epoch = ck_pr_load_64(&nc__c.arena.hdr->epoch);
	struct nc__wview *v =
	    __atomic_load_n(&nc__c.wview[which], __ATOMIC_ACQUIRE);

	if (!v || v->aino != nc__c.aino || v->epoch != epoch) {
		if (__atomic_load_n(&nc__c.wview_tried[which],
				    __ATOMIC_ACQUIRE) == epoch + 1)
			return -1;
		v = wview_make(which, epoch, -1);
		if (!v)
			return -1;
	}
	if (ck_pr_load_int(&check_used) < NC_CHECK_SHARED)
		ck_pr_store_int(&check_used, NC_CHECK_SHARED);
	return nc__wview_clean(v);
}

void nc__notify_wview_early(int pidfd)
{
	uint64_t epoch = ck_pr_load_64(&nc__c.arena.hdr->epoch);

	wview_make(NC_WR_COLD, epoch, pidfd);
	wview_make(NC_WR_HOT, epoch, pidfd);
}

/*
 * An image attached without the socket (attach.c): its mountinfo,
 * opened here the first time, hears every mount change since, and one
 * look at the daemon's watch ring after that, finding nothing pending,
 * says that every change before is in the arena already (the daemon
 * drained it and applied it inside that drain's odd window, which every
 * walk's drain sequence check covers).  1 from then on, 0 not yet
 * (doubt).
 */
int nc__notify_mounts_known(void)
{
	if (ck_pr_load_int(&nc__c.mounts_known))
		return 1;
	/* Not from a vfork child (a hand-down at its exec): a descriptor
	 * it opened is in its table only, not in ours. */
	if (!nc__in_owner())
		return 0;
	if (ck_pr_load_int(&nc__c.mfd) < 0) {
		int fd = nc__mounts_file(), expect = -1;

		if (fd < 0)
			return 0;
		if (!__atomic_compare_exchange_n(&nc__c.mfd, &expect, fd, 0,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			syscall(SYS_close, fd);
	}
	if (wview_check(NC_WR_COLD) <= 0)
		return 0;
	ck_pr_store_int(&nc__c.mounts_known, 1);
	return 1;
}

/*
 * Relaxed mode: a question at @now, with own_seq sampled as @seen before
 * it, found the cold queue empty, and the hot one too if @hot_clean.
 * @seen was sampled before the question: a change racing with it leaves
 * checked_own behind, and the next hit asks again.  A hot queue that
 * holds events may hold one of our own changes, which checked_own now
 * covers: the hot stamp is cleared, so that a walk through a hot
 * directory asks again rather than trust an older answer about it.
 *
 * The three stamps are one answer: an older question's hot stamp beside
 * a newer one's checked_own would claim the hot queue empty after a
 * change it may hold.  So they are written under checked_seq, odd while
 * a thread writes them, taken with a compare-and-swap; a thread that
 * finds it taken (another thread, or the code a signal handler
 * interrupted) stores nothing, which only makes the next hit ask.
 * Readers (stamps_fresh) copy the three and use them only if the
 * sequence was even and unchanged around the copy: no lock, no wait.
 */
static void checked(uint64_t now, uint64_t seen, int hot_clean)
{
	uint32_t s = ck_pr_load_32(&nc__c.checked_seq);

	if ((s & 1) || !ck_pr_cas_32(&nc__c.checked_seq, s, s + 1))
		return;
	ck_pr_fence_store();
	ck_pr_store_64(&nc__c.checked_ns, now);
	ck_pr_store_64(&nc__c.checked_own, seen);
	ck_pr_store_64(&nc__c.checked_hot_ns, hot_clean ? now : 0);
	ck_pr_fence_store();
	ck_pr_store_32(&nc__c.checked_seq, s + 2);
}

/* Relaxed mode: may a hit at @now trust the last question's answer
 * (checked())?  A walk through hot directories (@hot) needs the hot
 * queue's answer too. */
static int stamps_fresh(uint64_t now, uint64_t slack, int hot)
{
	uint32_t s = ck_pr_load_32(&nc__c.checked_seq);
	uint64_t ns, own, hot_ns;

	if (s & 1)
		return 0;
	ck_pr_fence_load();
	ns = ck_pr_load_64(&nc__c.checked_ns);
	own = ck_pr_load_64(&nc__c.checked_own);
	hot_ns = ck_pr_load_64(&nc__c.checked_hot_ns);
	ck_pr_fence_load();
	if (ck_pr_load_32(&nc__c.checked_seq) != s)
		return 0;
	return nc__own_clean(own) && now - ns + slack < nc__c.max_stale_ns &&
	       (!hot || now - hot_ns + slack < nc__c.max_stale_ns);
}

int nc__coherent(int own, int hot, int *why)
{
	struct probe *p;
	uint64_t now = 0, seen = 0, slack = 0;
	int n, mount = 0, queue = 0;

	*why = NC_DOUBT_NOCHECK;
	if (ck_pr_load_int(&nc__c.ifd) < 0)
		return 0; /* nothing is watched, so nothing is cached */
	if (nc__c.mode == 1 /* relaxed */) {
		now = now_ns();
		seen = nc__own_begin();
		/* Ask the queue when it may hold a change of ours (own.c), or
		 * when the last answer is too old (for a hot walk, the hot
		 * queue's too).  The coarse clock lags by up to a jiffy:
		 * count that in. */
		slack = nc__c.max_stale_ns >= 20000000 ? 10000000 : 0;
		if (!own && stamps_fresh(now, slack, hot))
			return 1;
	}
	/* Attached: the daemon's rings, the cold one (and the mount
	 * table), and the hot one for a walk through hot directories.  A
	 * flag set on the hot ring says an event came after the daemon's
	 * last hot drain, which only the next drain takes (uring.h): the
	 * hot walk is in doubt, as the probe would say, without one.  A
	 * ring that says nothing (none, or the cold one unclean): the
	 * probe tells. */
	if (nc__c.shared && wview_check(NC_WR_COLD) > 0) {
		int h = hot || now ? wview_check(NC_WR_HOT) : 1;

		if (now)
			checked(now, seen, h > 0);
		if (h > 0 || !hot)
			return 1;
		if (h == 0) {
			*why = NC_DOUBT_HOT;
			return NC_COHERENT_HOT;
		}
	}
	if (nc__c.shared && !nc__notify_mounts_known()) {
		*why = NC_DOUBT_MOUNT;
		return 0;
	}
	p = probe_get();
	if (!p)
		return 0;
	/* Attached: a mount change heard since the walk began (a new probe
	 * polls nc__c.mfd, and its own mountinfo, opened after, hears
	 * nothing of it) leaves this walk in doubt until it is settled. */
	if (nc__c.shared && ck_pr_load_32(&nc__c.mount_heard) !=
				ck_pr_load_32(&nc__c.mount_done)) {
		*why = NC_DOUBT_MOUNT;
		return 0;
	}
	/* Relaxed mode asks about both queues, for the walks to come. */
	n = probe_check(p, hot || now, &mount, &queue);
	if (n >= 0 && now && !mount) {
		if (!(queue & 1))
			checked(now, seen, !(queue & 2));
		if (!(queue & (hot ? 3 : 1)))
			return 1;
	} else if (n == 0) {
		return 1;
	}
	if (n < 0) {
		if (n != NC_PASS && errno != EINTR)
			ck_pr_store_int(&nc__cache_state, NC_ST_OFF);
		return 0;
	}
	if (nc__c.shared) {
		/* The daemon drains and applies; until it has, doubt. */
		if (mount)
			mount_owed();
		*why = mount	     ? NC_DOUBT_MOUNT
		       : (queue & 1) ? NC_DOUBT_EVENTS
				     : NC_DOUBT_HOT;
		return !mount && !(queue & 1) ? NC_COHERENT_HOT : 0;
	}
	if (mount)
		mount_owed();
	*why = NC_DOUBT_BUSY;
	if (!nc__writer_trylock())
		return 0;
	if (ck_pr_load_int(&nc__c.flush_pending)) {
		nc__flush_locked();
	} else {
		if (ck_pr_load_32(&nc__c.mount_heard) !=
		    ck_pr_load_32(&nc__c.mount_done))
			nc__mount_apply_locked();
		if (queue & 1)
			nc__drain();
	}
	nc__writer_unlock();
	return -1;
}
