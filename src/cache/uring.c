/*
 * The strict check as memory loads: a thread's own io_uring.
 *
 * The question of cache.c's step 3 is "has an inotify event been queued,
 * or the mount table changed, that the cache has not applied?".  Asked
 * with epoll_wait(0) it costs a system call, about as much as the stat()
 * it saves.  Asked of a ring it costs three loads.
 *
 * The ring.  A thread that made enough checks (notify.c, RING_AFTER) gets
 * a ring set up with SINGLE_ISSUER | DEFER_TASKRUN | COOP_TASKRUN |
 * TASKRUN_FLAG and two multishot polls: POLLIN on its probe's epoll
 * instance E, which then watches the inotify descriptor I and nothing
 * else, and POLLPRI on the thread's own mountinfo M, which from then on
 * only the ring polls.
 *
 * What the kernel does (6.1 to 6.18; the ring is only made on kernels
 * that accept these flags, 6.1 and later):
 *   (K1) Queuing an inotify event wakes I's wait queue inside the
 *        modifying system call: fsnotify() runs in the modifying task and
 *        fsnotify_insert_event() (fs/notify/notification.c) ends with
 *        wake_up(&group->notification_waitq).  E's entry on that queue,
 *        ep_poll_callback() (fs/eventpoll.c), wakes E's own poll_wait
 *        queue inline (ep_poll_safewake()).  A mount change wakes
 *        ns->poll the same way (fs/namespace.c, __touch_mnt_namespace()).
 *        An event merged into the last queued one (inotify_merge()) wakes
 *        nobody, but then that unread event is in the queue, and it woke
 *        the queue when it was queued.
 *   (K2) The ring's entry on those queues is io_poll_wake()
 *        (io_uring/poll.c).  If it wins ownership of the request
 *        (io_poll_get_ownership(): poll_refs was 0) it queues the
 *        request's task work: io_req_task_work_add(), with DEFER_TASKRUN
 *        io_req_local_work_add() (io_uring/io_uring.c), which pushes it on
 *        ctx->work_llist and, when the list was empty, sets
 *        IORING_SQ_TASKRUN in rings->sq_flags (atomic_or), in the waker's
 *        context: before the modifying call returns.  If it does not win
 *        ownership, the request's task work is already queued (and the
 *        flag set, K3), or running in the owner's io_uring_enter(), where
 *        io_poll_check_events() sees the extra reference and polls again
 *        (posting a CQE if the file is still ready) before that
 *        io_uring_enter() returns: such a wake falls before the end of
 *        step (1) below, and step (3) covers it.
 *   (K3) With DEFER_TASKRUN that work runs only in the ring's task, in
 *        io_uring_enter(GETEVENTS) (or at teardown).  __io_run_local_work()
 *        clears IORING_SQ_TASKRUN (atomic_andnot) before it takes the list
 *        (llist_del_all), runs it, and sets the flag again if work is left
 *        (io_run_local_work_continue(): the batch limit, the retry list);
 *        the CQEs are committed (io_submit_flush_completions()) before the
 *        call returns.  So once the owner's GETEVENTS has returned, every
 *        later wake leaves the flag set, and only the owner clears it.
 *        Without DEFER_TASKRUN the work would also run whenever the task
 *        enters the kernel, even for an interrupt, and the flag is cleared
 *        there before the CQE is committed (ctx_flush_and_put()): another
 *        thread reading the ring could see neither.  Hence DEFER_TASKRUN,
 *        and a ring entered by one thread only: a thread's own, or the
 *        daemon's watch ring (end of this file), which its clients read
 *        but never enter.
 *   (K4) io_uring_enter() from another task fails with EEXIST
 *        (SINGLE_ISSUER) before it does anything.
 *
 * The protocol (nc__ring_check):
 *   slow path  (1) io_uring_enter(GETEVENTS), submitting again any poll
 *                  that ended; (2) reap the CQ: a CQE of M with a mask is
 *                  a mount change; T = the CQ tail read; (3) epoll_wait(E,
 *                  0): events queued on I; (4) if neither, the snapshot
 *                  (T, S = drain_seq), trusted if S is even.
 *   fast path  trusted, sq_flags without IORING_SQ_TASKRUN and
 *              IORING_SQ_CQ_OVERFLOW, the CQ tail still T, drain_seq still
 *              S.
 *
 * Why the fast path's "nothing pending" is true.  Take an event whose
 * system call returned before the lookup began (cache.c: the lookup
 * sampled drain_seq = s before its walk and checks it again after this
 * check, so s = S).
 *   - Queued before (3): (3) found I's queue empty, so a drainer had read
 *     the event.  A drainer makes drain_seq odd before its read() and even
 *     after applying what it read (notify.c).  S was read after (3) and is
 *     even: that drain had finished, the event was applied before S was
 *     read, so before this lookup's walk.
 *   - Queued after (1) returned: the flag has been set since (K1-K3), and
 *     only our next GETEVENTS, a slow path, clears it: no fast path.
 *   - drain_seq still S: no drain began since (3) (a flush moves it too),
 *     so nothing was taken out of the queue behind the two cases above.
 *   - Mount changes: after (1) returned, the flag (K1-K3); before it, M's
 *     CQE, reaped in (2); before M was armed, arming reports it
 *     (mounts_poll() reports each change once per open file, to the first
 *     poll after it; only the ring polls M).
 *   - The tail and CQ_OVERFLOW are checked because the kernel can post
 *     CQEs by other ways (teardown, an overflowing CQ): doubt means slow.
 * A multishot poll that ends (a CQE without IORING_CQE_F_MORE: the CQ
 * full, a cancellation) is submitted again in (1) of the next round,
 * before (3); arming polls the file, so what happened while it was not
 * armed is seen (on I by (3), on M by the arming's report).
 *
 * Why E and not I.  A poll holds a reference on the file it polls: a
 * poll on I would keep a flushed inotify instance, with its watches,
 * alive until the thread's next slow path.  E holds no reference on I
 * (eventpoll_release() takes I out of E when I is closed).  And M is not
 * polled through E: polling E polls E's ready files (ep_item_poll()), and
 * the ring would swallow the one report of a mount change.
 *
 * Reentrancy.  A signal handler that looks a path up while its thread is
 * in the slow path (busy) passes through; the fast path only loads.  A
 * vfork child shares its parent's memory: its fast path reads the
 * parent's ring, which is right for the child too (the events are the
 * machine's); its slow path gets EEXIST (K4), puts the SQ tail back, and
 * passes through, having changed nothing.
 *
 * Descriptors.  io_uring_setup() returns a close-on-exec descriptor
 * (io_uring_install_fd(): O_RDWR | O_CLOEXEC), which is moved to 900 or
 * above like the cache's others and counted as the cache's own by the
 * close wrappers (notify.c, nc__notify_owns): a program that closes or
 * dup2s over it turns the cache off.
 *
 * In shared mode a client has a better answer: the daemon's own watch
 * rings, read in place (end of this file); a thread's ring then serves
 * only where one is missing or says something may be pending.
 *
 * Everything here is raw system calls and plain memory: no liburing, no
 * allocation, nothing exported.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

#define NC_RING_Q 1u /* user_data of the poll on E */
#define NC_RING_M 2u /* user_data of the poll on M */
#define NC_RING_FLAGS                                              \
	(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | \
	 IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |   \
	 IORING_SETUP_CQSIZE)
/* Debian 12's headers (Linux 6.1) predate IORING_SETUP_NO_MMAP (6.5):
 * the application's own memory for the rings, its address in the last
 * word of the offsets (resv2 then, user_addr since). */
#ifdef IORING_SETUP_NO_MMAP
#define NC_USER_ADDR user_addr
#else
#define IORING_SETUP_NO_MMAP (1U << 14)
#define NC_USER_ADDR resv2
#endif
#define NC_RING_SQ 2	/* two polls */
#define NC_WRING_CQ 128 /* the daemon drains late under load: still a page */
#define NC_RING_CQ 16	/* room for a few wakes' CQEs between checks */

static long ring_enter(int fd, unsigned submit)
{
	return syscall(SYS_io_uring_enter, fd, submit, 0,
		       IORING_ENTER_GETEVENTS, NULL, 0);
}

static void *map_ring(int fd, size_t len, off_t off)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	return m == MAP_FAILED ? NULL : m;
}

void nc__ring_unmap(struct nc__ring *r)
{
	/* Stores only where something changes: a fork child calls this for
	 * every probe slot, used or not, and pays a page fault for each
	 * page of them it writes first. */
	for (int i = 0; i < 3; i++) {
		if (r->map[i]) {
			munmap(r->map[i], r->map_len[i]);
			r->map[i] = NULL;
		}
	}
	if (r->trusted)
		r->trusted = 0;
	if (r->busy)
		r->busy = 0;
	if (r->sq_flags)
		r->sq_flags = NULL;
}

void nc__ring_forget(struct nc__ring *r)
{
	__atomic_store_n(&r->fd, -1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		r->map[i] = NULL;
	r->trusted = 0;
	r->busy = 0;
	r->rearm = 0;
	r->sq_flags = NULL;
}

void nc__ring_close(struct nc__ring *r)
{
	int fd = __atomic_exchange_n(&r->fd, -1, __ATOMIC_ACQ_REL);

	nc__ring_unmap(r);
	if (fd >= 0)
		syscall(SYS_close, fd);
}

/* Queue a multishot poll of @fd for @events, tagged @tag (not submitted). */
static void prep_poll(struct nc__ring *r, int fd, uint32_t events, unsigned tag)
{
	uint32_t tail = *r->sq_tail, i = tail & r->sq_mask;
	struct io_uring_sqe *s = &r->sqes[i];

	memset(s, 0, sizeof(*s));
	s->opcode = IORING_OP_POLL_ADD;
	s->fd = fd;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	events = (events << 16) | (events >> 16); /* the kernel's swahw32 */
#endif
	s->poll32_events = events;
	s->len = IORING_POLL_ADD_MULTI;
	s->user_data = tag;
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Reap every CQE: note polls that ended and mount changes. */
static void reap(struct nc__ring *r, int *mount)
{
	uint32_t head = *r->cq_head;
	uint32_t tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);

	for (; head != tail; head++) {
		const struct io_uring_cqe *c = &r->cqes[head & r->cq_mask];

		if (!(c->flags & IORING_CQE_F_MORE))
			r->rearm |= (unsigned)c->user_data;
		if (c->user_data == NC_RING_M && c->res > 0)
			*mount = 1;
	}
	__atomic_store_n(r->cq_head, tail, __ATOMIC_RELEASE);
	r->tail = tail;
}

/*
 * One io_uring_enter(GETEVENTS) submitting the polls that need it, and a
 * reap; again while a poll ended (bounded: a poll that cannot stay armed
 * is a broken ring).  0, or -1 with errno.
 */
static int run(struct nc__ring *r, int *mount)
{
	for (int round = 0; round < 4; round++) {
		uint32_t tail0 = *r->sq_tail;
		unsigned n = 0, want = r->rearm;

		if (want & NC_RING_Q) {
			prep_poll(r, r->efd, POLLIN, NC_RING_Q);
			n++;
		}
		if (want & NC_RING_M) {
			prep_poll(r, r->mfd, POLLPRI, NC_RING_M);
			n++;
		}
		long k = ring_enter(r->fd, n);

		if (k < 0) {
			/* Nothing was submitted (EEXIST: not our ring's
			 * task; EINTR ...): take the entries back. */
			__atomic_store_n(r->sq_tail, tail0, __ATOMIC_RELEASE);
			return -1;
		}
		if ((unsigned long)k != n) {
			/* A poll the kernel would not take: broken. */
			errno = EIO;
			return -1;
		}
		r->rearm = 0;
		reap(r, mount);
		/* CQEs the CQ had no room for are flushed into it by the
		 * next GETEVENTS: a poll's last CQE may be among them. */
		if (!r->rearm &&
		    !(__atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE) &
		      IORING_SQ_CQ_OVERFLOW))
			return 0;
	}
	errno = EIO;
	return -1;
}

int nc__ring_open(struct nc__ring *r, int efd, int mfd, int (*rehome)(int),
		  int *mount)
{
	struct io_uring_params p;
	int fd, e;

	memset(&p, 0, sizeof(p));
	p.flags = NC_RING_FLAGS;
	p.cq_entries = NC_RING_CQ;
	fd = (int)syscall(SYS_io_uring_setup, NC_RING_SQ, &p);
	if (fd < 0)
		return -1;
	fd = rehome(fd);
	r->map_len[0] = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	r->map_len[1] =
	    p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->map_len[2] = p.sq_entries * sizeof(struct io_uring_sqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->map_len[1] > r->map_len[0])
			r->map_len[0] = r->map_len[1];
		r->map_len[1] = 0;
	}
	r->map[0] = map_ring(fd, r->map_len[0], IORING_OFF_SQ_RING);
	r->map[1] = r->map_len[1]
			? map_ring(fd, r->map_len[1], IORING_OFF_CQ_RING)
			: NULL;
	r->map[2] = map_ring(fd, r->map_len[2], IORING_OFF_SQES);
	if (!r->map[0] || (r->map_len[1] && !r->map[1]) || !r->map[2]) {
		e = errno;
		nc__ring_unmap(r);
		syscall(SYS_close, fd);
		errno = e;
		return -1;
	}
	{
		char *sq = r->map[0], *cq = r->map[1] ? r->map[1] : r->map[0];

		r->sq_flags = (const uint32_t *)(sq + p.sq_off.flags);
		r->sq_tail = (uint32_t *)(sq + p.sq_off.tail);
		r->sq_array = (uint32_t *)(sq + p.sq_off.array);
		r->sq_mask = *(const uint32_t *)(sq + p.sq_off.ring_mask);
		r->sqes = r->map[2];
		r->cq_head = (uint32_t *)(cq + p.cq_off.head);
		r->cq_tail = (const uint32_t *)(cq + p.cq_off.tail);
		r->cq_mask = *(const uint32_t *)(cq + p.cq_off.ring_mask);
		r->cqes = (const struct io_uring_cqe *)(cq + p.cq_off.cqes);
	}
	r->efd = efd;
	r->mfd = mfd;
	r->trusted = 0;
	r->rearm = NC_RING_Q | NC_RING_M;
	__atomic_store_n(&r->fd, fd, __ATOMIC_RELEASE);
	if (run(r, mount) < 0) {
		e = errno;
		nc__ring_close(r);
		errno = e;
		return -1;
	}
	return 0;
}

int nc__ring_check(struct nc__ring *r, const uint32_t *seq,
		   const uint32_t *hseq, int hot, int *mount, int *queue)
{
	struct epoll_event ev[4];
	uint32_t s, hs;
	int n;

	if (__atomic_load_n(&r->trusted, __ATOMIC_RELAXED) &&
	    (!hot || __atomic_load_n(&r->hot_clean, __ATOMIC_RELAXED)) &&
	    !(__atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE) &
	      (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) &&
	    __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) == r->tail &&
	    __atomic_load_n(seq, __ATOMIC_ACQUIRE) == r->seq &&
	    (!hot || __atomic_load_n(hseq, __ATOMIC_ACQUIRE) == r->hseq))
		return 0;
	if (__atomic_load_n(&r->busy, __ATOMIC_RELAXED)) {
		errno = EBUSY;
		return -1;
	}
	__atomic_store_n(&r->busy, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r->trusted = 0;
	r->hot_clean = 0;
	if (run(r, mount) < 0)
		goto fail;
	n = (int)syscall(SYS_epoll_wait, r->efd, ev, 4, 0);
	if (n < 0)
		goto fail;
	for (int i = 0; i < n; i++)
		*queue |= ev[i].data.u32 == 4 ? 2 : 1;
	if (!*mount) {
		s = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
		hs = __atomic_load_n(hseq, __ATOMIC_ACQUIRE);
		r->seq = s;
		r->hseq = hs;
		__atomic_store_n(&r->hot_clean, !(*queue & 2) && !(hs & 1),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&r->trusted, !(*queue & 1) && !(s & 1),
				 __ATOMIC_RELAXED);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->busy, 0, __ATOMIC_RELAXED);
	return *mount || (*queue & (hot ? 3 : 1));
fail:
	n = errno;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&r->busy, 0, __ATOMIC_RELAXED);
	errno = n;
	return -1;
}

/*
 * The daemon's watch rings.  The same ring as a thread's (the flags, two
 * multishot polls: POLLIN on the daemon's cold inotify instance itself,
 * POLLPRI on a mountinfo of the daemon's that nothing else polls; the hot
 * instance's ring has the first poll only, on the hot instance), owned
 * and entered by the daemon alone, with its rings in memory the daemon
 * provides (IORING_SETUP_NO_MMAP, Linux 6.5): one page of a memfd,
 * sealed against writable mappings, shrinking and growing once the
 * kernel has pinned it.  Clients map that page read-only and read the
 * flags and the CQ head and tail: they can neither enter the ring (an
 * io_uring descriptor cannot be sent over a socket, and K4) nor write
 * it.  The SQEs are in an anonymous page of the daemon's.
 *
 * The daemon runs the ring (nc__wring_run: GETEVENTS, reap, re-arm) only
 * inside a drain of its instance, while that instance's sequence
 * (drain_seq, or hot_seq for the hot ring) is odd, before it reads the
 * queue; and it makes the sequence even only after applying what it
 * read.  So K3
 * holds for every reader of the page: once the daemon's GETEVENTS has
 * returned, every later wake of the instance or of the mount table
 * leaves IORING_SQ_TASKRUN set until the daemon's next drain, and a
 * reader that finds it clear, the CQ consumed (head == tail) and the
 * sequence even and unchanged across its walk has missed no event (the
 * argument above, with the daemon's drain as step (1) and its read() as
 * step (3)).  Arming a poll on a file that is already ready queues its
 * task work at once, so a re-arm inside the window misses nothing.
 *
 * Liveness: the daemon's own drain changes watches, and a removed watch
 * queues IN_IGNORED, which sets the flag after the run; the drain runs
 * the ring and reads again until the flag stays clear (notify.c), and an
 * eventfd registered on the ring (IORING_REGISTER_EVENTFD: signalled by
 * io_req_local_work_add() where it sets the flag) is in the daemon's
 * epoll, so a flag set behind any drain brings another.  CQEs that found
 * the CQ full are flushed into it by the next GETEVENTS: run() goes
 * round again while IORING_SQ_CQ_OVERFLOW is set.
 *
 * When the daemon dies (SIGKILL included), its descriptor of the ring is
 * the last one (clients have the page, not the ring), so the ring is torn
 * down (io_ring_exit_work(): io_poll_remove_all(), the cancellations run
 * by the fallback worker), which sets the flag and posts the polls'
 * CQEs, which nobody reaps: every client is in doubt from then on.  A
 * stopped daemon leaves the flag set by the first event after it
 * stopped.  When the daemon flushes it closes the ring and makes a new
 * one with its new instance; the old page is then torn down the same way
 * (and the epoch moved: clients make a view of the new one).
 */
int nc__wring_open(struct nc__ring *r, int ifd, int mfd, int efd, int *memfd,
		   struct nc_wring_layout *lay)
{
	struct io_uring_params p;
	void *mem = MAP_FAILED, *sqes = MAP_FAILED;
	int mem_fd, fd = -1, mount = 0, e;
	const size_t page = 4096;

	mem_fd = (int)syscall(SYS_memfd_create, "namecache-watch-ring",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem_fd < 0 || syscall(SYS_ftruncate, mem_fd, page) < 0)
		goto fail;
	mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, mem_fd, 0);
	sqes = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED || sqes == MAP_FAILED)
		goto fail;
	memset(&p, 0, sizeof(p));
	p.flags = NC_RING_FLAGS | IORING_SETUP_NO_MMAP;
	p.cq_entries = NC_WRING_CQ;
	p.cq_off.NC_USER_ADDR = (uint64_t)(uintptr_t)mem;
	p.sq_off.NC_USER_ADDR = (uint64_t)(uintptr_t)sqes;
	fd = (int)syscall(SYS_io_uring_setup, NC_RING_SQ, &p);
	if (fd < 0)
		goto fail;
	/* The rings must fit the page the clients map. */
	if (p.sq_off.array + p.sq_entries * sizeof(uint32_t) > page ||
	    p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe) > page ||
	    p.sq_entries * sizeof(struct io_uring_sqe) > page) {
		errno = EINVAL;
		goto fail;
	}
	/* The daemon's wake-up whenever the flag is set (with DEFER_TASKRUN,
	 * io_req_local_work_add() signals it where it sets the flag), so
	 * that no flag set behind a drain is left standing. */
	if (syscall(SYS_io_uring_register, fd, IORING_REGISTER_EVENTFD, &efd,
		    1) < 0)
		goto fail;
	/* Pinned now: no writable mapping of it can be made any more. */
	if (syscall(SYS_fcntl, mem_fd, F_ADD_SEALS,
		    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) < 0)
		goto fail;
	memset(r, 0, sizeof(*r));
	r->map[0] = mem;
	r->map_len[0] = page;
	r->map[2] = sqes;
	r->map_len[2] = page;
	r->sq_flags = (const uint32_t *)((char *)mem + p.sq_off.flags);
	r->sq_tail = (uint32_t *)((char *)mem + p.sq_off.tail);
	r->sq_array = (uint32_t *)((char *)mem + p.sq_off.array);
	r->sq_mask = *(const uint32_t *)((char *)mem + p.sq_off.ring_mask);
	r->sqes = sqes;
	r->cq_head = (uint32_t *)((char *)mem + p.cq_off.head);
	r->cq_tail = (const uint32_t *)((char *)mem + p.cq_off.tail);
	r->cq_mask = *(const uint32_t *)((char *)mem + p.cq_off.ring_mask);
	r->cqes = (const struct io_uring_cqe *)((char *)mem + p.cq_off.cqes);
	r->efd = ifd;
	r->mfd = mfd;
	r->rearm = NC_RING_Q | (mfd >= 0 ? NC_RING_M : 0);
	r->fd = fd;
	if (run(r, &mount) < 0) {
		e = errno;
		nc__ring_close(r);
		syscall(SYS_close, mem_fd);
		errno = e;
		return -1;
	}
	lay->size = (uint32_t)page;
	lay->flags = p.sq_off.flags;
	lay->head = p.cq_off.head;
	lay->tail = p.cq_off.tail;
	*memfd = mem_fd;
	return mount; /* a change before the poll was armed: flush */
fail:
	e = errno;
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (mem != MAP_FAILED)
		munmap(mem, page);
	if (sqes != MAP_FAILED)
		munmap(sqes, page);
	if (mem_fd >= 0)
		syscall(SYS_close, mem_fd);
	errno = e;
	return -1;
}

int nc__wring_run(struct nc__ring *r, int *mount)
{
	return run(r, mount);
}

int nc__wview_map(struct nc__wview *v, int memfd,
		  const struct nc_wring_layout *lay)
{
	void *m;

	if (lay->size != 4096 || lay->flags > lay->size - 4 ||
	    lay->head > lay->size - 4 || lay->tail > lay->size - 4 ||
	    (lay->flags | lay->head | lay->tail) & 3)
		return -1;
	m = mmap(NULL, lay->size, PROT_READ, MAP_SHARED, memfd, 0);
	if (m == MAP_FAILED)
		return -1;
	v->map = m;
	v->flags = (const uint32_t *)((const char *)m + lay->flags);
	v->head = (const uint32_t *)((const char *)m + lay->head);
	v->tail = (const uint32_t *)((const char *)m + lay->tail);
	return 0;
}

void nc__wview_unmap(struct nc__wview *v)
{
	if (v->map)
		munmap(v->map, 4096);
	v->map = NULL;
}
