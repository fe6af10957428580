/*
 * Per-thread memory of the cache: the sightings and the resolution memo
 * (see memo.h for why the memo is safe).
 *
 * Each thread gets one block, mapped on its first lookup and unmapped at
 * its exit by a thread-specific-data destructor (which also closes the
 * thread's coherence probe, notify.c), so that a program that
 * creates and ends threads by the thousand keeps no memory of the dead
 * ones.  The block is not static TLS: that would make the library
 * impossible to dlopen (static TLS has little room for late-loaded
 * libraries).  Only its owner thread reads or writes it; a signal handler
 * on that thread may interrupt a write, which the memo's entry protocol
 * (key cleared, entry written, key set) and the sightings' single 16-bit
 * stores tolerate.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "../common/util.h"
#include "cache_int.h"
#include "memo.h"

#define MEMO_SLOTS 512 /* per thread */
/* Per thread: with the block's header, two pages exactly (asserted
 * below), which stay in the CPU's caches.  A third page, touched by a
 * few slots only, would cost most short processes one more fault. */
#define SIGHTINGS 4000

struct memo_ent {
	uint64_t key; /* 0: empty */
	uint64_t start;
	uint64_t topo;
	uint64_t ident;
	uint32_t idx;
	uint32_t seq; /* odd while being written (memo.h) */
	uint16_t len;
	uint8_t flags;
	char path[NC_MEMO_PATH];
};

enum { M_NOFOLLOW = 1, M_NONLINK = 4, M_HOT = 8, M_LINKS = 16 };

/*
 * memo_written, sight_written: the pages of the block (mapped
 * page-aligned) that a memo entry or a sighting may have been written to,
 * a bit each.  A page of anonymous memory costs two page faults when it
 * is read before it is written (the zero page is mapped in, then copied
 * on the write), and a page nobody wrote holds only empty slots: a short
 * process looking up 50 paths once each paid 17 of them, some 20 us, and
 * a compiler's driver 26.  So a slot on unmarked pages is never read: a
 * get misses at once, a put or a sighting knows it empty.  A put or a
 * sighting marks the pages (one atomic OR, which a signal handler cannot
 * undo halfway) before it writes the slot: a slot on a page still
 * unmarked has never been written, not even by a handler that
 * interrupted a put to it.
 */
/* The directory memo's one entry (memo.h), on the block's first page,
 * which is written when the block is mapped. */
struct dir_ent {
	uint32_t seq; /* odd while being written, as a memo entry's */
	uint16_t len; /* bytes of the directory part; 0: empty */
	uint8_t hot, nonlink;
	uint32_t links;
	uint32_t idx;
	uint64_t start;
	uint64_t topo;
	uint64_t ident;
	char path[NC_MEMO_PATH];
};

struct thread_mem {
	uint64_t memo_written;	       /* a bit per page, above */
	uint64_t sight_written;	       /* the same, for the sightings */
	struct dir_ent last_dir;       /* the directory memo */
	uint16_t sightings[SIGHTINGS]; /* tags of paths seen; 0: empty */
	struct memo_ent memo[MEMO_SLOTS];
};

_Static_assert(offsetof(struct thread_mem, sightings) <= 4096,
	       "the directory memo on the first page");
_Static_assert(offsetof(struct thread_mem, sightings) +
		       sizeof(((struct thread_mem *)0)->sightings) <=
		   8192,
	       "the header and the sightings on two pages");

_Static_assert(sizeof(struct thread_mem) <= 64ul * 4096, "a bit per page");

/* The bits of the pages that the @n bytes at @p lie on. */
static uint64_t pages_of(const struct thread_mem *t, const void *p, size_t n)
{
	size_t first = (size_t)((const char *)p - (const char *)t);
	size_t last = first + n - 1;

	return (1ull << (first / 4096)) | (1ull << (last / 4096));
}

static uint64_t slot_pages(const struct thread_mem *t, const struct memo_ent *e)
{
	return pages_of(t, e, sizeof(*e));
}

/* Mark @bits in @word; 1 if they were all marked already (the slot may
 * hold something), 0 if the slot is known empty. */
static int mark(uint64_t *word, uint64_t bits)
{
	if ((__atomic_load_n(word, __ATOMIC_RELAXED) & bits) == bits)
		return 1;
	__atomic_fetch_or(word, bits, __ATOMIC_RELAXED);
	/* Marked before the slot is written, as a handler sees it. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static __thread struct thread_mem *mine
    __attribute__((tls_model("initial-exec")));
static __thread int mine_failed __attribute__((tls_model("initial-exec")));
static pthread_key_t release_key NC_STARTUP;
static int release_key_ok NC_STARTUP;

static void (*at_exit)(void)
    NC_STARTUP; /* what else goes with a thread's block */

static void release(void *m)
{
	if (m == mine)
		mine = NULL;
	munmap(m, sizeof(struct thread_mem));
	if (at_exit)
		at_exit(); /* the thread's probe goes with it (cache.c) */
}

void nc__memo_init(void (*thread_exit)(void))
{
	at_exit = thread_exit;
	if (!release_key_ok)
		release_key_ok = pthread_key_create(&release_key, release) == 0;
}

/* This thread's block, mapped on first use; NULL if it cannot be. */
static struct thread_mem *thread_mem(void)
{
	void *m;

	if (mine || mine_failed)
		return mine;
	m = mmap(NULL, sizeof(struct thread_mem), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		mine_failed = 1;
		return NULL;
	}
	/* The two pages every lookup writes (the header, the directory
	 * memo and the sightings) filled by one call, which costs less
	 * than their two faults (Linux 5.14; before, they fault).  Else
	 * its first page written first: read first, it would fault twice
	 * (mark()). */
	(void)madvise(m, 8192, MADV_POPULATE_WRITE);
	__atomic_store_n(&((struct thread_mem *)m)->memo_written, 0,
			 __ATOMIC_RELAXED);
	/* Without a destructor the block would outlive the thread. */
	if (!release_key_ok || pthread_setspecific(release_key, m) != 0) {
		munmap(m, sizeof(struct thread_mem));
		mine_failed = 1;
		return NULL;
	}
	mine = m;
	return mine;
}

int nc__memo_thread_ok(void)
{
	return thread_mem() != NULL;
}

int nc__sightings(uint64_t hash)
{
	struct thread_mem *t = thread_mem();
	uint16_t *slot, was = 0;
	uint16_t tag = (uint16_t)hash & 0xfffc; /* the low bits: a count */

	if (!t)
		return 3; /* cannot tell: admit, the walk decides */
	slot = &t->sightings[(hash >> 16) % SIGHTINGS];
	if (mark(&t->sight_written, pages_of(t, slot, sizeof(*slot))))
		was = *(volatile uint16_t *)slot;
	if ((was & 0xfffc) != tag || !(was & 3))
		was = 0;
	was &= 3;
	*(volatile uint16_t *)slot = (uint16_t)(tag | (was < 3 ? was + 1 : 3));
	return was;
}

/* The slot key: the path hash mixed with what else the entry depends on. */
static uint64_t key_of(uint64_t hash, uint64_t start, int nofollow)
{
	uint64_t k = (hash ^ (start * 0x9E3779B97F4A7C15ull)) * 2 + !!nofollow;

	return k ? k : 1;
}

int nc__memo_get(uint64_t hash, uint64_t start, const char *path, size_t len,
		 int nofollow, uint64_t topo, struct nc_memo_hit *out)
{
	const struct memo_ent *e;
	uint64_t k;
	uint32_t s;

	if (!mine || len > NC_MEMO_PATH)
		return 0;
	k = key_of(hash, start, nofollow);
	e = &mine->memo[k % MEMO_SLOTS];
	if ((__atomic_load_n(&mine->memo_written, __ATOMIC_RELAXED) &
	     slot_pages(mine, e)) != slot_pages(mine, e))
		return 0;
	s = e->seq;
	if (s & 1) /* a put this thread was in when its handler came */
		return 0;
	__asm__ volatile("" ::: "memory");
	if (e->key != k || e->start != start || e->topo != topo ||
	    e->len != len || !!(e->flags & M_NOFOLLOW) != !!nofollow ||
	    memcmp(e->path, path, len) != 0)
		return 0;
	out->idx = e->idx;
	out->ident = e->ident;
	out->nonlink = !!(e->flags & M_NONLINK);
	out->hot = !!(e->flags & M_HOT);
	out->links = !!(e->flags & M_LINKS);
	__asm__ volatile("" ::: "memory");
	/* Rewritten by a signal handler meanwhile: what was read may mix two
	 * entries. */
	return e->seq == s;
}

void nc__memo_put(uint64_t hash, uint64_t start, const char *path, size_t len,
		  int nofollow, uint64_t topo, const struct nc_memo_hit *res)
{
	struct memo_ent *e;
	uint64_t k;
	uint32_t s;

	if (len > NC_MEMO_PATH || !thread_mem())
		return;
	k = key_of(hash, start, nofollow);
	e = &mine->memo[k % MEMO_SLOTS];
	s = mark(&mine->memo_written, slot_pages(mine, e)) ? e->seq : 0;
	if (s & 1) /* in a signal handler that interrupted this very put */
		return;
	e->seq = s + 1;
	__asm__ volatile("" ::: "memory");
	e->key = k;
	e->start = start;
	e->topo = topo;
	e->ident = res->ident;
	e->idx = res->idx;
	e->len = (uint16_t)len;
	e->flags =
	    (uint8_t)((nofollow ? M_NOFOLLOW : 0) |
		      (res->nonlink ? M_NONLINK : 0) | (res->hot ? M_HOT : 0) |
		      (res->links ? M_LINKS : 0));
	memcpy(e->path, path, len);
	__asm__ volatile("" ::: "memory");
	e->seq = s + 2;
}

size_t nc__memo_dir_get(uint64_t start, const char *path, size_t len,
			uint64_t topo, struct nc_walk_dir *out)
{
	const struct dir_ent *e;
	uint32_t s;
	size_t n;

	if (!mine)
		return 0;
	e = &mine->last_dir;
	s = e->seq;
	if (s & 1) /* a put this thread was in when its handler came */
		return 0;
	__asm__ volatile("" ::: "memory");
	n = __atomic_load_n(&e->len, __ATOMIC_RELAXED); /* read once */
	if (!n || n >= len || n > NC_MEMO_PATH || e->start != start ||
	    e->topo != topo || memcmp(e->path, path, n) != 0 ||
	    memchr(path + n, '/', len - n))
		return 0;
	out->idx = e->idx;
	out->ident = e->ident;
	out->hot = e->hot;
	out->links = (int)e->links;
	out->nonlink = e->nonlink;
	__asm__ volatile("" ::: "memory");
	return e->seq == s ? n : 0;
}

void nc__memo_dir_put(uint64_t start, const char *path, size_t n, uint64_t topo,
		      const struct nc_walk_dir *d)
{
	struct dir_ent *e;
	uint32_t s;

	if (!n || n > NC_MEMO_PATH || !thread_mem())
		return;
	e = &mine->last_dir;
	s = e->seq;
	if (s & 1) /* in a signal handler that interrupted this very put */
		return;
	e->seq = s + 1;
	__asm__ volatile("" ::: "memory");
	e->len = (uint16_t)n;
	e->hot = (uint8_t) !!d->hot;
	e->links = (uint32_t)d->links;
	e->nonlink = (uint8_t) !!d->nonlink;
	e->idx = d->idx;
	e->start = start;
	e->topo = topo;
	e->ident = d->ident;
	memcpy(e->path, path, n);
	__asm__ volatile("" ::: "memory");
	e->seq = s + 2;
}
