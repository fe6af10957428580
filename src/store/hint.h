/*
 * The hint ring: how a client of the shared cache asks the daemon to fill.
 *
 * One ring per attached process image, in a memfd the daemon creates and
 * both map read-write.  The client's threads are the producers, the daemon
 * the only consumer: a bounded multi-producer single-consumer queue with
 * a sequence number per slot (D. Vyukov's).  A miss makes the real call at
 * once and posts the path here: no lock, no system call, no wait; a full
 * ring drops the hint.
 *
 * Why not ck_ring itself: its size and mask live in the shared struct and
 * are read on every operation, so a scribbled ring (a client's wild
 * write, a corrupt daemon) would send either side outside its mapping.
 * Here the geometry is a compile-time constant, and every index is taken
 * modulo it before use.
 *
 * Slot i's sequence number, stored as seq - i (so that the zeros of a new
 * memfd mean "slot i is free for position i"), says whose turn it is:
 *   - seq == pos: free for position pos.  A producer reads tail, finds
 *     its slot free, claims pos with a compare-and-swap of tail to pos + 1
 *     (another producer that claimed it first makes it read tail again),
 *     writes the slot but its seq, then publishes seq = pos + 1 (release).
 *     seq < pos: the consumer has not freed the slot of the last lap yet:
 *     full, the hint is dropped.
 *   - seq == pos + 1: published.  The consumer, at its own position head
 *     (kept privately; published in head for the record only), reads seq
 *     (acquire), copies the slot out before looking at it (the client may
 *     still scribble on it), frees it for the next lap (seq = pos +
 *     SLOTS, release), validates the copy (a NUL within bounds, an
 *     absolute path, a known operation) and serves it.  Anything else at
 *     head: not published yet, or scribbled on: the consumer stops there
 *     until it changes.
 * A producer stopped between its claim and its publication delays the
 * hints after it; one that never comes back (a signal handler that
 * longjmps out of a post, an asynchronous cancellation) stops its
 * process's hints for good, as a lock left held would: they are only
 * hints, and lookups go on.  tail counts claims (hints pending: tail -
 * head); a client that scribbles on its ring only loses its own hints.
 * Waking: the daemon allows one wake-up per ring (woken = 0), sets
 * hdr->sleeping (arena.h), a full fence, then looks at every ring once
 * more; a producer that finds sleeping set after its publication (a full
 * fence between) and is the first to set woken sends one byte on its
 * connection.  Either the daemon sees the published slot, or the producer
 * sees the flag: a hint is never left unseen while the daemon sleeps.
 */
#ifndef NC_HINT_H
#define NC_HINT_H

#include <stdint.h>

/*
 * A power of two.  A ring takes 16 MiB of address space (a memfd: no
 * memory is committed for it), and memory only as its slots are used.
 * The first `git status` on 50,000 files misses them all within 0.2 s,
 * faster than the daemon fills (some 5 us a path: a watch on each file):
 * a ring of 8,192 slots dropped more than half of them, and the tree took
 * several runs to fill instead of one.
 */
#define NC_HINT_SLOTS 65536u
#define NC_HINT_PATH                                       \
	240u /* bytes of path, NUL included: a longer path \
	      * is not hinted (it stays uncached) */

enum nc_hint_op {
	NC_HINT_FILL = 1, /* resolve and fill the path */
	NC_HINT_ACCESS,	  /* and the access verdict for mode/eff */
	NC_HINT_STATX,	  /* and the statx answer for mask */
	NC_HINT_LIST,	  /* and the listing of the directory it names */
};

struct nc_hint {
	uint16_t len; /* strlen(path) */
	uint8_t op;   /* enum nc_hint_op */
	uint8_t nofollow;
	uint8_t mode; /* NC_HINT_ACCESS: F_OK..7 */
	uint8_t eff;  /* NC_HINT_ACCESS: AT_EACCESS */
	uint16_t pad;
	uint32_t mask; /* NC_HINT_STATX */
	uint32_t seq;  /* in a ring slot: its sequence number (above) */
	char path[NC_HINT_PATH];
};

struct nc_hint_ring {
	uint32_t head; /* the consumer's position, published for the record */
	char pad0[60];
	uint32_t tail;	/* the next position a producer claims */
	uint32_t woken; /* a producer has sent the wake-up byte (below) */
	char pad1[56];
	struct nc_hint slot[NC_HINT_SLOTS];
};

#define NC_HINT_RING_BYTES ((sizeof(struct nc_hint_ring) + 4095) & ~4095ul)

/* The sequence number of @slot, the one of position @pos (acquire). */
static inline uint32_t nc_hint_seq(const struct nc_hint *slot, uint32_t pos)
{
	return __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) +
	       pos % NC_HINT_SLOTS;
}

/*
 * Producer: claim a position; its slot, to be written and then published
 * with nc_hint_publish(*@pos), or NULL when the ring is full (or, after
 * 1,024 tries, scribbled on).
 */
static inline struct nc_hint *nc_hint_claim(struct nc_hint_ring *ring,
					    uint32_t *pos)
{
	uint32_t p = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);

	for (int tries = 0; tries < 1024; tries++) {
		struct nc_hint *slot = &ring->slot[p % NC_HINT_SLOTS];
		uint32_t seq = nc_hint_seq(slot, p);

		if (seq == p) { /* free: claim it */
			if (__atomic_compare_exchange_n(&ring->tail, &p, p + 1,
							1, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				*pos = p;
				return slot;
			}
		} else if ((int32_t)(seq - p) < 0) {
			return NULL; /* full */
		} else {
			/* Claimed by another producer meanwhile; or, if tail
			 * has not moved, a slot ahead of it: scribbled on. */
			uint32_t t =
			    __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);

			if (t == p)
				return NULL;
			p = t;
		}
	}
	return NULL;
}

/* Producer: the slot of position @pos is written; publish it. */
static inline void nc_hint_publish(struct nc_hint *slot, uint32_t pos)
{
	__atomic_store_n(&slot->seq, pos + 1 - pos % NC_HINT_SLOTS,
			 __ATOMIC_RELEASE);
}

/* Consumer: is the slot of position @pos published? */
static inline int nc_hint_ready(const struct nc_hint_ring *ring, uint32_t pos)
{
	return nc_hint_seq(&ring->slot[pos % NC_HINT_SLOTS], pos) == pos + 1;
}

/* Consumer: when the slot of position @pos is published, copy it into
 * *@out (to be validated: the producer may scribble on it still) and free
 * it for the producers' next lap; 1, or 0 (not published). */
static inline int nc_hint_take(struct nc_hint_ring *ring, uint32_t pos,
			       struct nc_hint *out)
{
	struct nc_hint *slot = &ring->slot[pos % NC_HINT_SLOTS];

	if (nc_hint_seq(slot, pos) != pos + 1)
		return 0;
	__builtin_memcpy(out, slot, sizeof(*out));
	__atomic_store_n(&slot->seq, pos + NC_HINT_SLOTS - pos % NC_HINT_SLOTS,
			 __ATOMIC_RELEASE);
	return 1;
}

#endif /* NC_HINT_H */
