/*
 * Writer side of the dentry hash table (see table.h for the protocol).
 */
#include <string.h>

#include "dentry.h"
#include "table.h"

#define MAX_PROBE_LIMIT 0xffff

struct table {
	uint64_t *slots;
	uint64_t off; /* from tables_off */
	unsigned log2;
	unsigned max_probe;
};

static void current(const struct nc_arena *a, struct table *t)
{
	uint64_t desc = a->hdr->table_desc;

	t->off = (desc >> 24) * 8;
	t->log2 = (unsigned)(desc >> 16) & 0xff;
	t->max_probe = (unsigned)(desc & 0xffff);
	t->slots = (uint64_t *)(a->base + a->tables_off + t->off);
}

static void publish(struct nc_arena *a, const struct table *t)
{
	uint64_t desc =
	    (t->off / 8) << 24 | (uint64_t)t->log2 << 16 | t->max_probe;

	ck_pr_fence_store();
	ck_pr_store_64(&a->hdr->table_desc, desc);
}

/* Carve a zeroed table of 2^log2 slots from the table area. */
static int carve(struct nc_arena *a, unsigned log2, struct table *t)
{
	uint64_t bytes = 8ull << log2;
	uint64_t off = a->hdr->tables_used;

	if (bytes > a->tables_size || off > a->tables_size - bytes)
		return -1;
	t->off = off;
	t->log2 = log2;
	t->max_probe = 0;
	t->slots = (uint64_t *)(a->base + a->tables_off + off);
	memset(t->slots, 0, bytes);
	a->hdr->tables_used = off + bytes;
	return 0;
}

/* Place without checking load; returns the probe distance used, or -1. */
static int place(struct table *t, uint64_t hash, uint32_t idx)
{
	uint64_t mask = (1ull << t->log2) - 1;
	uint64_t pos = hash & mask;
	uint64_t v = (hash >> 32) << 32 | ((uint64_t)idx + 1);

	for (unsigned d = 0; d <= mask && d <= MAX_PROBE_LIMIT; d++) {
		uint64_t s = t->slots[pos];

		if (s == 0 || s == NC_SLOT_DEAD) {
			ck_pr_store_64(&t->slots[pos], v);
			if (d > t->max_probe)
				t->max_probe = d;
			return (int)d;
		}
		pos = (pos + 1) & mask;
	}
	return -1;
}

static int rebuild(struct nc_arena *a, unsigned log2)
{
	struct table old, t;

	current(a, &old);
	if (carve(a, log2, &t) < 0)
		return -1;
	for (uint64_t i = 0; i < (1ull << old.log2); i++) {
		uint64_t s = old.slots[i];
		const struct nc_dentry *d;

		if (s == 0 || s == NC_SLOT_DEAD)
			continue;
		d = nc__dentry_at(a, (uint32_t)s - 1);
		if (!d || place(&t, d->hash, (uint32_t)s - 1) < 0)
			return -1;
	}
	publish(a, &t);
	a->hdr->table_dead = 0;
	return 0;
}

int nc__table_insert(struct nc_arena *a, uint64_t hash, uint32_t idx)
{
	struct nc_arena_hdr *h = a->hdr;
	struct table t;
	uint64_t size;

	current(a, &t);
	size = 1ull << t.log2;
	/* Keep live + dead slots at most half the table. */
	if (2 * ((uint64_t)h->table_live + h->table_dead + 1) > size) {
		unsigned log2 = t.log2;

		if (2 * ((uint64_t)h->table_live + 1) > size / 2)
			log2++;
		if (rebuild(a, log2) < 0)
			return -1;
		current(a, &t);
	}
	if (place(&t, hash, idx) < 0)
		return -1;
	h->table_live++;
	publish(a, &t); /* the probe bound may have grown */
	return 0;
}

void nc__table_remove(struct nc_arena *a, uint64_t hash, uint32_t idx)
{
	struct table t;
	uint64_t mask, pos, want;

	current(a, &t);
	mask = (1ull << t.log2) - 1;
	pos = hash & mask;
	want = (hash >> 32) << 32 | ((uint64_t)idx + 1);
	for (unsigned d = 0; d <= t.max_probe; d++) {
		uint64_t s = t.slots[pos];

		if (s == 0)
			return;
		if (s == want) {
			ck_pr_store_64(&t.slots[pos], NC_SLOT_DEAD);
			a->hdr->table_live--;
			a->hdr->table_dead++;
			return;
		}
		pos = (pos + 1) & mask;
	}
}

void nc__table_reset(struct nc_arena *a, unsigned log2)
{
	struct table t;

	a->hdr->tables_used = 0;
	a->hdr->table_live = 0;
	a->hdr->table_dead = 0;
	/* The area always holds the smallest table (arena.c sizes it). */
	if (carve(a, log2, &t) < 0 && carve(a, 4, &t) < 0)
		return;
	publish(a, &t);
}
