/*
 * The dentry cache proper: lookup of a child by (parent, name), and the
 * writer's add and drop.  Built on the arena (arena.h), dentries
 * (dentry.h) and the table (table.h).
 */
#ifndef NC_DCACHE_H
#define NC_DCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dentry.h"

/* The hash key of @name in the directory whose identity is @parent. */
uint64_t nc__d_hash(uint64_t parent_ident, const char *name, size_t len);

/*
 * Reader: the live dentry of generation @gen named @name under
 * @parent_ident.  Returns its index and, in *seq, a seqcount sample under
 * which the dentry matched the key; the caller copies what it needs and
 * must then check nc__d_read_retry(d, *seq).  NC_NONE: not cached (or
 * changing): fall back.  Writes nothing.
 */
uint32_t nc__d_lookup(const struct nc_arena *a, uint64_t gen,
		      uint64_t parent_ident, const char *name, size_t len,
		      uint64_t hash, unsigned *seq);

/*
 * Writer: a new dentry for @name under @parent (index @pidx, NC_NONE for
 * the root), inserted in the table.  Returned with its seqcount odd: the
 * caller fills it and calls nc__d_write_end().  NULL when a pool or the
 * table area is full (the caller flushes and may retry once).
 */
struct nc_dentry *nc__d_add(struct nc_arena *a, const struct nc_dentry *parent,
			    uint32_t pidx, const char *name, size_t len,
			    uint32_t *idx);

/* Writer: unhash and kill dentry @idx. */
void nc__d_drop(struct nc_arena *a, uint32_t idx);

/* Writer: unhash and kill dentry @idx returned by nc__d_add and never
 * made live (its fill failed half-way). */
void nc__d_abandon(struct nc_arena *a, uint32_t idx);

#endif /* NC_DCACHE_H */
