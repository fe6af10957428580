/*
 * Per-thread call counters.
 *
 * What protects what:
 *   - A thread counts only into its own block (nc__tls_ctr), with plain
 *     single-instruction increments: no lock, no shared cache line, and a
 *     signal handler on the same thread cannot tear an increment.
 *   - Blocks come from a pool mapped once per process and claimed with an
 *     atomic fetch-add on pool_next; they are never freed or reused, so a
 *     reader summing them (nc__ctr_snapshot) can never see a block change
 *     owner.  Threads beyond the pool share nc__ctr_overflow with atomic
 *     adds: slower, still exact.
 *   - The snapshot reads other threads' counters with relaxed atomic
 *     loads; a count racing with it lands in this snapshot or the next.
 *
 * The pool is mmap'ed, not malloc'ed: claiming happens on a wrapper path,
 * which may be a signal handler, a vfork child or a malloc's own init.
 *
 * Nothing but a statistics record reads the counters: an image without
 * NAMECACHE_STATS turns nc__counting off when it reads its configuration
 * and never maps the pool (a page fault and a system call saved in every
 * short process).
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "../common/util.h"
#include "shim.h"

#define POOL_BLOCKS 1024

NC_TLS struct nc__ctr_block *nc__tls_ctr;
struct nc__ctr_block nc__ctr_overflow;

int nc__counting NC_STARTUP = 1;
static struct nc__ctr_block *pool NC_STARTUP;
static unsigned pool_next NC_STARTUP;

static struct nc__ctr_block *pool_map(void)
{
	struct nc__ctr_block *p, *expect = NULL;
	void *m;

	/* pool is start-up data: its page is written already (util.h). */
	p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	if (p)
		return p;
	m = (void *)syscall(SYS_mmap, NULL,
			    sizeof(struct nc__ctr_block) * POOL_BLOCKS,
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (!__atomic_compare_exchange_n(&pool, &expect, m, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		syscall(SYS_munmap, m,
			sizeof(struct nc__ctr_block) * POOL_BLOCKS);
		return expect;
	}
	return m;
}

struct nc__ctr_block *nc__ctr_claim(void)
{
	int saved = errno;
	struct nc__ctr_block *p = pool_map();
	struct nc__ctr_block *b = &nc__ctr_overflow;

	if (p) {
		unsigned i =
		    __atomic_fetch_add(&pool_next, 1, __ATOMIC_RELAXED);

		if (i < POOL_BLOCKS)
			b = &p[i];
	}
	nc__tls_ctr = b;
	errno = saved;
	return b;
}

static void add_block(struct nc__counts *out, const struct nc__ctr_block *b)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *in = (const uint64_t *)&b->c;

	for (size_t i = 0; i < NC_COUNTS_WORDS; i++)
		o[i] += __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

void nc__ctr_snapshot(struct nc__counts *out)
{
	struct nc__ctr_block *p = __atomic_load_n(&pool, __ATOMIC_ACQUIRE);
	unsigned n = __atomic_load_n(&pool_next, __ATOMIC_RELAXED);

	memset(out, 0, sizeof(*out));
	if (n > POOL_BLOCKS)
		n = POOL_BLOCKS;
	for (unsigned i = 0; p && i < n; i++)
		add_block(out, &p[i]);
	add_block(out, &nc__ctr_overflow);
}
