/*
 * Lookup, add and drop of dentries (see dcache.h).
 *
 * The lookup is the kernel's __d_lookup_rcu() in miniature: walk the hash
 * chain (here, a probe sequence), compare the key fields under the
 * candidate's seqcount, and hand the caller a sample to re-validate after
 * it has copied the answer.  Names are compared byte-wise; the string
 * they live in is immutable until the next flush, and a flush bumps the
 * generation, which the candidate check rejects.
 */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "dcache.h"
#include "table.h"

uint64_t nc__d_hash(uint64_t parent_ident, const char *name, size_t len)
{
	return XXH3_64bits_withSeed(name, len, parent_ident);
}

uint32_t nc__d_lookup(const struct nc_arena *a, uint64_t gen,
		      uint64_t parent_ident, const char *name, size_t len,
		      uint64_t hash, unsigned *seq)
{
	struct nc_probe p;
	uint32_t idx;

	if (!nc__probe_init(a, hash, &p))
		return NC_NONE;
	while ((idx = nc__probe_next(&p)) != NC_NONE) {
		const struct nc_dentry *d = nc__dentry_at(a, idx);
		const char *n;
		unsigned v;

		if (!d || !nc__d_read_begin(d, &v))
			continue;
		if (!(ck_pr_load_32(&d->flags) & NC_D_LIVE) ||
		    ck_pr_load_64(&d->hash) != hash ||
		    ck_pr_load_64(&d->parent_ident) != parent_ident ||
		    ck_pr_load_64(&d->gen) != gen ||
		    ck_pr_load_16(&d->name_len) != len)
			continue;
		n = nc__str_at(a, ck_pr_load_64(&d->name_off), len);
		if (!n || memcmp(n, name, len) != 0)
			continue;
		if (nc__d_read_retry(d, v))
			continue;
		*seq = v;
		return idx;
	}
	return NC_NONE;
}

struct nc_dentry *nc__d_add(struct nc_arena *a, const struct nc_dentry *parent,
			    uint32_t pidx, const char *name, size_t len,
			    uint32_t *idx)
{
	struct nc_dentry *d;
	uint64_t off;

	if (len > UINT16_MAX)
		return NULL;
	off = nc__str_store(a, name, len);
	if (off == UINT64_MAX)
		return NULL;
	d = nc__dentry_alloc(a, idx);
	if (!d)
		return NULL;
	d->parent = pidx;
	d->parent_ident = parent ? parent->ident : 0;
	d->name_off = off;
	d->name_len = (uint16_t)len;
	d->hash = nc__d_hash(d->parent_ident, name, len);
	if (nc__table_insert(a, d, *idx) < 0) {
		nc__d_write_end(d);
		nc__dentry_kill(a, d, *idx);
		return NULL;
	}
	nc__wlog_note(d, 1);
	return d;
}

void nc__d_abandon(struct nc_arena *a, uint32_t idx)
{
	struct nc_dentry *d = nc__dentry_at(a, idx);

	if (!d)
		return;
	nc__table_remove(a, d, idx);
	nc__dentry_kill(a, d, idx);
}

void nc__d_drop(struct nc_arena *a, uint32_t idx)
{
	struct nc_dentry *d = nc__dentry_at(a, idx);

	int walked_through; /* a directory or symlink: walks pass it */

	if (!d || !(d->flags & NC_D_LIVE))
		return;
	walked_through = !!(d->flags & (NC_D_DIR | NC_D_LNK));
	/* Before the kill: a reader that sees the dentry dead must also see
	 * the memoized resolutions through it void.  And after it: a reader
	 * that read the first bump and then still found the dentry alive
	 * may have stamped a resolution (memo.c) or the working directory's
	 * chain (cache.c) with that value; the second bump voids it. */
	if (walked_through) {
		ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
		ck_pr_fence_store();
	}
	nc__table_remove(a, d, idx);
	nc__dentry_kill(a, d, idx);
	if (walked_through) {
		ck_pr_fence_store();
		ck_pr_store_64(&a->hdr->topo, a->hdr->topo + 1);
	}
}
