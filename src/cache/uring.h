/*
 * The coherence check without a system call: a thread's own io_uring
 * (see uring.c for the protocol and why it is sound).
 *
 * A ring belongs to one thread (its probe, notify.c) and is used by that
 * thread alone: created, checked, re-armed and closed by it.  The only
 * exceptions are the fork child, which unmaps every ring it inherited
 * (nc__ring_unmap: it is single-threaded then), and the descriptor
 * checks of the close wrappers, which read ->fd with an atomic load.
 */
#ifndef NC_URING_H
#define NC_URING_H

#include <stddef.h>
#include <stdint.h>

struct io_uring_sqe;
struct io_uring_cqe;

struct nc__ring {
	int fd;		/* the ring; -1: none (atomic: read by any thread) */
	int busy;	/* the owner is inside the ring's slow path or setup */
	int trusted;	/* the snapshot (tail, seq) stands for a clean check */
	uint32_t tail;	/* CQ tail at the snapshot */
	uint32_t seq;	/* the drain sequence at the snapshot */
	uint32_t hseq;	/* the hot instance's, and ... */
	int hot_clean;	/* ... whether its queue was empty then too */
	unsigned rearm; /* polls to submit again (NC_RING_Q | NC_RING_M) */
	int efd, mfd;	/* what the two polls watch */
	const uint32_t *sq_flags;
	uint32_t *sq_tail, *sq_array, sq_mask;
	struct io_uring_sqe *sqes;
	uint32_t *cq_head, cq_mask;
	const uint32_t *cq_tail;
	const struct io_uring_cqe *cqes;
	void *map[3]; /* SQ ring, CQ ring (NULL if shared), SQEs */
	size_t map_len[3];
};

#define NC_RING_INIT                           \
	{                                      \
		.fd = -1, .efd = -1, .mfd = -1 \
	}

/*
 * Create a ring for the calling thread and arm its two multishot polls:
 * POLLIN on @efd (an epoll instance that watches the inotify descriptor
 * and nothing else) and POLLPRI on @mfd (the thread's own
 * /proc/self/mountinfo, which nothing else may poll from now on).  *@mount
 * is set if @mfd reported a mount change when it was armed.  The new
 * descriptor is given to @rehome (moved to a high, close-on-exec number)
 * before it is published in ->fd.  0, or -1 with errno (EPERM, ENOSYS,
 * EINVAL: the kernel or a filter refuses io_uring or these flags).
 */
int nc__ring_open(struct nc__ring *r, int efd, int mfd, int (*rehome)(int),
		  int *mount);

/*
 * The check (uring.c): 0 when nothing is pending that matters, with no
 * system call when the snapshot still holds; 1 when something is:
 * *@queue (bit 1: events queued on the inotify instance, bit 2: on the
 * hot one, which matters only if @hot) and/or *@mount (the mount table
 * changed).  -1 with errno: EBUSY (a signal handler interrupted this
 * thread's own check), EEXIST (not the ring's thread: a vfork child),
 * EINTR: pass through this once, the ring is intact; anything else: the
 * ring is broken, close it.  @seq and @hseq are the two instances' drain
 * sequences (even: no drain running).
 */
int nc__ring_check(struct nc__ring *r, const uint32_t *seq,
		   const uint32_t *hseq, int hot, int *mount, int *queue);

/* Owner: unmap and close. */
void nc__ring_close(struct nc__ring *r);

/* Fork child: forget a ring inherited from the parent (its descriptor is
 * closed with the other probes'; this unmaps its memory). */
void nc__ring_unmap(struct nc__ring *r);

/* Forget @r without touching its descriptor or memory (a slot taken over
 * from a thread that may still read its old ring: kept mapped). */
void nc__ring_forget(struct nc__ring *r);

/*
 * The daemon's watch ring (uring.c): its rings live in a one-page memfd
 * that clients map read-only.  What a client needs to read it.
 */
struct nc_wring_layout {
	uint32_t size;	     /* bytes of the memfd (one page) */
	uint32_t flags;	     /* offset of sq_flags */
	uint32_t head, tail; /* offsets of the CQ head and tail */
};

/* Daemon: make a watch ring over the inotify instance @ifd and @mfd (a
 * mountinfo of its own that nothing else polls; -1: none), signalling the
 * eventfd @efd whenever its flag is set.  *@memfd gets the page clients
 * map, *@lay what they need to read it.  0; 1 when arming the mount poll
 * reported a change (flush); -1 with errno (a kernel before 6.5,
 * io_uring refused): no watch ring. */
int nc__wring_open(struct nc__ring *r, int ifd, int mfd, int efd, int *memfd,
		   struct nc_wring_layout *lay);

/* Daemon, in a drain of the ring's instance with its sequence odd,
 * before the read(): run the
 * ring (GETEVENTS, reap, re-arm).  *@mount: the mount table changed.
 * 0, or -1 with errno (the ring is broken: close it). */
int nc__wring_run(struct nc__ring *r, int *mount);

/* A client's read-only view of the daemon's watch ring: filled, then
 * published (notify.c), never changed or unmapped after. */
struct nc__wview {
	void *map;
	const uint32_t *flags, *head, *tail;
	uint64_t aino, epoch; /* the arena and the epoch it belongs to */
};

int nc__wview_map(struct nc__wview *v, int memfd,
		  const struct nc_wring_layout *lay);
void nc__wview_unmap(struct nc__wview *v);

/* Nothing pending on the ring's instance (and mount table) since the
 * daemon's last drain of it: the flag clear, no CQE left unreaped.
 * Three loads. */
static inline int nc__wview_clean(const struct nc__wview *v)
{
	return !(__atomic_load_n(v->flags, __ATOMIC_ACQUIRE) &
		 (1u << 2 /* IORING_SQ_TASKRUN */ |
		  1u << 1 /* IORING_SQ_CQ_OVERFLOW */)) &&
	       __atomic_load_n(v->tail, __ATOMIC_ACQUIRE) ==
		   __atomic_load_n(v->head, __ATOMIC_ACQUIRE);
}

#endif /* NC_URING_H */
