/*
 * The dentry hash table: open addressing over 64-bit slots.
 *
 * A slot is 0 (empty) or (tag << 32 | idx + 1) where tag is the upper
 * half of the dentry's hash and idx its index.  Linear probing from
 * hash & mask, never further than the table's published probe bound.  A
 * removal shifts the rest of its probe run back (table.c), so there are
 * no tombstones: every slot between an entry's home and its place is in
 * use, at all times.
 *
 * Writer: inserts and removes under the writer role, publishing each slot
 * with a release store; grows by filling a new table and publishing its
 * descriptor in one 64-bit store.  Old tables are left untouched until
 * the next flush.
 *
 * Readers: load the descriptor once, then each probed slot with an atomic
 * load.  A slot only nominates a candidate: the reader must then validate
 * the dentry itself (dentry.h) against the key it is looking for.  So a
 * reader on an outdated table, a torn view of one, or a run being shifted
 * under it can miss an entry (and fall back to the real call) but can
 * never return a wrong one.
 */
#ifndef NC_TABLE_H
#define NC_TABLE_H

#include <ck_pr.h>
#include <stdint.h>

#include "arena.h"

struct nc_probe {
	const uint64_t *slots;
	uint64_t mask;
	uint64_t pos;
	uint32_t left;
	uint32_t tag;
};

/* Decode the current table for a reader; false if the descriptor is
 * out of bounds (corrupt): treat as a miss. */
static inline bool nc__probe_init(const struct nc_arena *a, uint64_t hash,
				  struct nc_probe *p)
{
	uint64_t desc = ck_pr_load_64(&a->hdr->table_desc);
	uint64_t off = (desc >> 24) * 8;
	unsigned log2 = (unsigned)(desc >> 16) & 0xff;

	if (log2 > 31 || off > a->tables_size ||
	    (8ull << log2) > a->tables_size - off)
		return false;
	p->slots = (const uint64_t *)(a->base + a->tables_off + off);
	p->mask = (1ull << log2) - 1;
	p->pos = hash & p->mask;
	p->left = (uint32_t)(desc & 0xffff) + 1;
	if (p->left > p->mask + 1)
		p->left = (uint32_t)(p->mask + 1);
	p->tag = (uint32_t)(hash >> 32);
	return true;
}

/* The next candidate dentry index whose tag matches, or NC_NONE. */
static inline uint32_t nc__probe_next(struct nc_probe *p)
{
	while (p->left) {
		uint64_t s = ck_pr_load_64(&p->slots[p->pos]);

		p->left--;
		p->pos = (p->pos + 1) & p->mask;
		if (s == 0)
			break;
		if ((uint32_t)(s >> 32) == p->tag)
			return (uint32_t)s - 1;
	}
	p->left = 0;
	return NC_NONE;
}

struct nc_dentry;

/* Writer: add dentry @idx (its hash set).  Returns 0, or -1 when the
 * table area is exhausted (the caller flushes). */
int nc__table_insert(struct nc_arena *a, const struct nc_dentry *d,
		     uint32_t idx);

/* Writer: remove dentry @idx (no-op if absent). */
void nc__table_remove(struct nc_arena *a, const struct nc_dentry *d,
		      uint32_t idx);

/* Writer: start over with an empty table of 2^@log2 slots. */
void nc__table_reset(struct nc_arena *a, unsigned log2);

#endif /* NC_TABLE_H */
