/*
 * Arena creation, validation, pools and flush (see arena.h, dentry.h).
 *
 * All functions but nc__arena_attach() and the inline readers are writer
 * side: the caller holds the writer role.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dentry.h"
#include "table.h"

/* The writer's log of dentry writes (dentry.h): here, with the dentry
 * pool every write starts from, so that dcache.c and this file do not
 * call each other. */
struct nc__wlog nc__wlog;

#define ALIGN64(x) (((x) + 63) & ~(uint64_t)63)
#define PAGE_ALIGN(x) (((x) + 4095) & ~(uint64_t)4095)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; not in every C library's headers */
#endif

static uint32_t table_max_log2(uint32_t dentries)
{
	uint32_t l = 4;

	/* Room for twice as many slots as dentries: load factor <= 1/2. */
	while (l < 31 && (1ull << l) < 2ull * dentries)
		l++;
	return l;
}

struct layout {
	uint64_t dentry_off, stx_off, str_off, tables_off, tables_size, size;
};

static void layout(const struct nc_arena_params *p, struct layout *l)
{
	l->dentry_off = ALIGN64(sizeof(struct nc_arena_hdr));
	l->stx_off = ALIGN64(l->dentry_off +
			     (uint64_t)p->dentries * sizeof(struct nc_dentry));
	l->str_off =
	    ALIGN64(l->stx_off + (uint64_t)p->dentries * sizeof(struct statx));
	l->tables_off = ALIGN64(l->str_off + p->strbytes);
	/* Every table up to the largest fits: the sum of a doubling series
	 * is below twice its last term. */
	l->tables_size = 16ull << table_max_log2(p->dentries);
	l->size = PAGE_ALIGN(l->tables_off + l->tables_size);
}

uint64_t nc__arena_bytes(const struct nc_arena_params *p)
{
	struct layout l;

	layout(p, &l);
	return l.size;
}

int nc__arena_create(struct nc_arena *a, const struct nc_arena_params *p)
{
	struct nc_arena_hdr *h;
	struct layout l;
	void *m;

	if (!p->dentries || p->dentries >= NC_NONE || !p->strbytes)
		return -EINVAL;
	layout(p, &l);
	if (p->fd >= 0) {
		if (ftruncate(p->fd, (off_t)l.size) < 0)
			return -errno;
		m = nc__arena_map(p->fd, l.size, PROT_READ | PROT_WRITE);
	} else {
		m = mmap(NULL, l.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (m == MAP_FAILED)
		return -errno;
	h = m;
	h->magic = NC_ARENA_MAGIC;
	h->version = NC_ARENA_VERSION;
	h->hdr_size = sizeof(*h);
	h->wring[NC_WR_COLD].fd = h->wring[NC_WR_HOT].fd = -1;
	h->ifd_no = h->hifd_no = -1;
	h->size = l.size;
	h->generation = 1;
	h->dentry_off = (uint32_t)l.dentry_off;
	h->dentry_max = p->dentries;
	h->dentry_free = NC_NONE;
	h->stx_off = l.stx_off;
	h->str_off = l.str_off;
	h->str_size = p->strbytes;
	h->tables_off = l.tables_off;
	h->tables_size = l.tables_size;
	h->next_ident = 1;
	h->root_idx = NC_NONE;
	if (nc__arena_attach(a, m, l.size) < 0) {
		munmap(m, l.size);
		return -EINVAL;
	}
	nc__table_reset(a, p->table_min_log2 ? p->table_min_log2 : 10);
	return 0;
}

void nc__arena_destroy(struct nc_arena *a)
{
	if (a->base)
		munmap(a->base, a->size);
	memset(a, 0, sizeof(*a));
}

void *nc__arena_map(int fd, size_t size, int prot)
{
	size_t len = PAGE_ALIGN(size), room = len + NC_HUGE;
	uintptr_t r, at;
	void *m;

	/* Reserve room for an aligned start, map there, give back the
	 * rest: no other mapping can take the place in between. */
	m = mmap(NULL, room, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return MAP_FAILED;
	r = (uintptr_t)m;
	at = (r + NC_HUGE - 1) & ~(uintptr_t)(NC_HUGE - 1);
	m = mmap((void *)at, len, prot, MAP_SHARED | MAP_FIXED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;

		munmap((void *)r, room);
		errno = e;
		return MAP_FAILED;
	}
	if (at > r)
		munmap((void *)r, at - r);
	if (r + room > at + len)
		munmap((void *)(at + len), r + room - (at + len));
	return m;
}

/* Is chunk @c, or a part of it, in use or about to be? */
static int chunk_wanted(const struct nc_arena *a, uint64_t c)
{
	const struct nc_arena_hdr *h = a->hdr;
	uint64_t lo = c * NC_HUGE, hi = lo + NC_HUGE;
	uint64_t ext[3][2] = {
	    /* the header and the dentries handed out */
	    {0, a->dentry_off +
		    (uint64_t)h->dentry_used * sizeof(struct nc_dentry)},
	    {a->str_off, a->str_off + h->str_used},
	    {a->tables_off, a->tables_off + h->tables_used},
	};
	uint64_t end[3] = {
	    a->dentry_off + (uint64_t)a->dentry_max * sizeof(struct nc_dentry),
	    a->str_off + a->str_size, a->tables_off + a->tables_size};

	/* The statx slots are left out: a page of them is only allocated
	 * once an answer is stored there (dentry.h). */
	for (int i = 0; i < 3; i++) {
		/* The next chunk once the use is near it. */
		uint64_t e = ext[i][1] + NC_HUGE / 4;

		if (e > end[i])
			e = end[i];
		if (lo < e && hi > ext[i][0])
			return 1;
	}
	return 0;
}

int nc__arena_huge_step(struct nc_arena *a, uint64_t *done, int *off)
{
	uint64_t n = a->size / NC_HUGE; /* whole chunks only */

	if (*off)
		return -1;
	for (uint64_t c = 0; c < n; c++) {
		unsigned char *p = a->base + c * NC_HUGE;

		if (done[c / 64] & (1ull << (c % 64)) || !chunk_wanted(a, c))
			continue;
		done[c / 64] |= 1ull << (c % 64);
		/* A chunk with no page at all is refused: a read allocates
		 * its first one (a zero page of the memfd). */
		(void)*(volatile unsigned char *)p;
		if (madvise(p, NC_HUGE, MADV_COLLAPSE) == 0)
			return 1;
		if (errno == EINVAL) { /* before Linux 6.1, or "deny" */
			*off = 1;
			return -1;
		}
		return 0; /* no huge page free now: this chunk stays small */
	}
	return -1;
}

int nc__arena_attach(struct nc_arena *a, void *base, size_t size)
{
	struct nc_arena_hdr copy, *h = &copy;
	uint64_t dentry_end, stx_end;

	/* Validate one copy: another process may write the header while we
	 * look (only the bounds below are ever used afterwards). */
	if (size < sizeof(*h))
		return -EINVAL;
	memcpy(&copy, base, sizeof(copy));
	if (h->magic != NC_ARENA_MAGIC || h->version != NC_ARENA_VERSION ||
	    h->hdr_size != sizeof(*h) || h->size > size)
		return -EINVAL;
	dentry_end = (uint64_t)h->dentry_off +
		     (uint64_t)h->dentry_max * sizeof(struct nc_dentry);
	stx_end = h->stx_off + (uint64_t)h->dentry_max * sizeof(struct statx);
	if (h->dentry_off < sizeof(*h) || h->dentry_max >= NC_NONE ||
	    h->dentry_off % 64 || h->stx_off % 64 || dentry_end > h->stx_off ||
	    h->stx_off > h->size || stx_end > h->str_off ||
	    h->str_off > h->size || h->str_size > h->size - h->str_off ||
	    h->str_off + h->str_size > h->tables_off ||
	    h->tables_off > h->size || h->tables_size > h->size - h->tables_off)
		return -EINVAL;
	a->hdr = base;
	a->base = base;
	a->size = size;
	a->dentry_off = h->dentry_off;
	a->dentry_max = h->dentry_max;
	a->stx_off = h->stx_off;
	a->str_off = h->str_off;
	a->str_size = h->str_size;
	a->tables_off = h->tables_off;
	a->tables_size = h->tables_size;
	return 0;
}

uint64_t nc__str_store(struct nc_arena *a, const char *s, size_t n)
{
	struct nc_arena_hdr *h = a->hdr;
	uint64_t off = h->str_used;

	if (n > a->str_size - off)
		return UINT64_MAX;
	memcpy(a->base + a->str_off + off, s, n);
	h->str_used = off + n;
	return off;
}

struct nc_dentry *nc__dentry_alloc(struct nc_arena *a, uint32_t *idx)
{
	struct nc_arena_hdr *h = a->hdr;
	struct nc_dentry *d;
	uint32_t i = h->dentry_free;
	ck_sequence_t seq;

	if (i != NC_NONE) {
		d = nc__dentry_at(a, i);
		h->dentry_free = d->next_free;
	} else if (h->dentry_used < a->dentry_max) {
		i = h->dentry_used++;
		d = nc__dentry_at(a, i);
	} else {
		return NULL;
	}
	nc__d_write_begin(d);
	seq = d->seq;
	memset(d, 0, sizeof(*d));
	d->seq = seq;
	d->ident = h->next_ident++;
	d->gen = h->generation;
	d->parent = NC_NONE;
	d->next_free = NC_NONE;
	d->wd = -1;
	memset(d->acc_real, NC_ACC_UNKNOWN, sizeof(d->acc_real));
	memset(d->acc_eff, NC_ACC_UNKNOWN, sizeof(d->acc_eff));
	*idx = i;
	return d;
}

void nc__dentry_kill(struct nc_arena *a, struct nc_dentry *d, uint32_t idx)
{
	nc__d_write_begin(d);
	ck_pr_store_32(&d->flags, 0);
	d->next_free = a->hdr->dentry_free;
	nc__d_write_end(d);
	a->hdr->dentry_free = idx;
}

void nc__arena_flush(struct nc_arena *a)
{
	struct nc_arena_hdr *h = a->hdr;

	/* Readers re-check the generation at the end of every walk: after
	 * this store nothing filled before it can be returned. */
	ck_pr_store_64(&h->generation, h->generation + 1);
	ck_pr_fence_store();
	h->dentry_used = 0;
	h->dentry_free = NC_NONE;
	h->str_used = 0;
	nc__table_reset(a, 10);
}
