/*
 * Writer side of the dentry hash table (see table.h for the protocol).
 *
 * Removal shifts the rest of the probe run back over the hole (Knuth's
 * Algorithm R) instead of leaving a tombstone, so the table holds only
 * live slots and never has to be rebuilt at the same size: its area
 * (arena.c) is used only as it grows, however much the writer churns.
 * An entry moved back is stored at its new place before its old one is
 * overwritten, so a reader racing with the shift may miss it (and make
 * the real call), never find a slot it cannot validate.
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

static uint64_t slot_of(const struct nc_dentry *d, uint32_t idx)
{
	return (d->hash >> 32) << 32 | ((uint64_t)idx + 1);
}

/* Place without checking load; returns the probe distance used, or -1. */
static int place(struct table *t, const struct nc_dentry *d, uint32_t idx)
{
	uint64_t mask = (1ull << t->log2) - 1;
	uint64_t pos = d->hash & mask;
	uint64_t v = slot_of(d, idx);

	for (unsigned i = 0; i <= mask && i <= MAX_PROBE_LIMIT; i++) {
		uint64_t s = t->slots[pos];

		if (s == 0) {
			ck_pr_store_64(&t->slots[pos], v);
			if (i > t->max_probe)
				t->max_probe = i;
			return (int)i;
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

		if (s == 0)
			continue;
		d = nc__dentry_at(a, (uint32_t)s - 1);
		if (!d || place(&t, d, (uint32_t)s - 1) < 0)
			return -1;
	}
	publish(a, &t);
	return 0;
}

/* Make room for @extra more slots in use: grow the table first if it
 * would pass half full. */
static int reserve(struct nc_arena *a, uint32_t extra)
{
	uint64_t need = 2 * ((uint64_t)a->hdr->table_live + extra);
	struct table t;
	unsigned log2;

	current(a, &t);
	for (log2 = t.log2; need > (1ull << log2); log2++)
		;
	return log2 == t.log2 ? 0 : rebuild(a, log2);
}

int nc__table_insert(struct nc_arena *a, const struct nc_dentry *d,
		     uint32_t idx)
{
	struct table t;

	if (reserve(a, 1) < 0)
		return -1;
	current(a, &t);
	if (place(&t, d, idx) < 0)
		return -1;
	a->hdr->table_live++;
	publish(a, &t); /* the probe bound may have grown */
	return 0;
}

/* Empty the slot at @hole: move back every later entry of its run whose
 * home is not after the hole, then clear the last place vacated. */
static void delete_at(struct nc_arena *a, const struct table *t, uint64_t hole)
{
	uint64_t mask = (1ull << t->log2) - 1;
	uint64_t pos = hole;

	for (;;) {
		const struct nc_dentry *d;
		uint64_t s, home;

		pos = (pos + 1) & mask;
		s = t->slots[pos];
		if (s == 0 || pos == hole)
			break;
		d = nc__dentry_at(a, (uint32_t)s - 1);
		home = d ? d->hash & mask : pos;
		if (((pos - home) & mask) >= ((pos - hole) & mask)) {
			ck_pr_store_64(&t->slots[hole], s);
			hole = pos;
		}
	}
	ck_pr_store_64(&t->slots[hole], 0);
	a->hdr->table_live--;
}

/* The position of dentry @idx's slot, or -1 if it has none. */
static int64_t find_slot(const struct table *t, const struct nc_dentry *d,
			 uint32_t idx)
{
	uint64_t mask = (1ull << t->log2) - 1;
	uint64_t pos = d->hash & mask;
	uint64_t want = slot_of(d, idx);

	for (unsigned i = 0; i <= t->max_probe; i++) {
		uint64_t s = t->slots[pos];

		if (s == 0)
			break;
		if (s == want)
			return (int64_t)pos;
		pos = (pos + 1) & mask;
	}
	return -1;
}

void nc__table_remove(struct nc_arena *a, const struct nc_dentry *d,
		      uint32_t idx)
{
	struct table t;
	int64_t pos;

	current(a, &t);
	pos = find_slot(&t, d, idx);
	if (pos >= 0)
		delete_at(a, &t, (uint64_t)pos);
}

void nc__table_reset(struct nc_arena *a, unsigned log2)
{
	struct table t;

	a->hdr->tables_used = 0;
	a->hdr->table_live = 0;
	/* The area always holds the smallest table (arena.c sizes it). */
	if (carve(a, log2, &t) < 0 && carve(a, 4, &t) < 0)
		return;
	publish(a, &t);
}
