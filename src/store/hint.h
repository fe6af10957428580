/*
 * The hint ring: how a client of the shared cache asks the daemon to fill.
 *
 * One ring per attached process image, in a memfd the daemon creates and
 * both map read-write.  The client is the only producer, the daemon the
 * only consumer (single-producer single-consumer, as ck_ring's spsc mode):
 * the threads of a client take turns under a try-lock, and one that finds
 * it taken keeps its hints in its own memory until its next turn
 * (attach.c).  A miss makes the real call at once and posts the path
 * here: no system call, no wait; a full ring drops the hint.
 *
 * Why not ck_ring itself: its size and mask live in the shared struct and
 * are read on every operation, so a scribbled ring (a client's wild
 * write, a corrupt daemon) would send either side outside its mapping.
 * Here the geometry is a compile-time constant and the two indices are
 * the only shared words; each side keeps its own index privately and
 * only publishes it:
 *   - the producer reads head (acquire), writes slot[tail % SLOTS],
 *     then publishes tail + 1 (release);
 *   - the consumer reads tail (acquire), validates tail - head <= SLOTS
 *     (else the client is dropped), copies the slot out before looking at
 *     it (the client may still scribble on it), validates the copy (a
 *     NUL within bounds, an absolute path, a known operation), then
 *     publishes head + 1 (release).
 * Waking: the daemon sets hdr->sleeping (arena.h) before it sleeps, then
 * looks at every ring once more (a full fence between); a producer that
 * finds it set after its commit (a full fence between) sends one byte on
 * its connection.  Either the daemon sees the new tail, or the producer
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
};

struct nc_hint {
	uint16_t len; /* strlen(path) */
	uint8_t op;   /* enum nc_hint_op */
	uint8_t nofollow;
	uint8_t mode; /* NC_HINT_ACCESS: F_OK..7 */
	uint8_t eff;  /* NC_HINT_ACCESS: AT_EACCESS */
	uint16_t pad;
	uint32_t mask; /* NC_HINT_STATX */
	uint32_t pad2;
	char path[NC_HINT_PATH];
};

struct nc_hint_ring {
	uint32_t head; /* consumer's published index */
	char pad0[60];
	uint32_t tail; /* producer's published index */
	char pad1[60];
	struct nc_hint slot[NC_HINT_SLOTS];
};

#define NC_HINT_RING_BYTES ((sizeof(struct nc_hint_ring) + 4095) & ~4095ul)

#endif /* NC_HINT_H */
