/*
 * The arena: all of a cache's state in one offset-addressed region.
 *
 * The cache lives in a single mapping that holds no raw pointers: every
 * reference is an offset or an index from the start of the region, checked
 * against the bounds recorded at attach time before it is followed.  The
 * same bytes can therefore be mapped at any address, and read-only, by
 * another process (the shared mode), and corrupt contents can only make a
 * lookup fail validation, never make it read outside the mapping.
 *
 * Layout (all offsets from the base, 64-byte aligned):
 *
 *   header   struct nc_arena_hdr
 *   dentries dentry_max x struct nc_dentry
 *   statx    dentry_max x struct statx, the dentries' statx() answers
 *            (dentry.h); a slot's pages are only ever touched, and in
 *            a memfd only allocated, once an answer is stored there
 *   strings  str_size bytes: names, symlink targets and directory
 *            listings, bump-allocated
 *   tables   room for the hash table and every larger table it grows into
 *
 * What protects what:
 *   - Everything is written by one writer at a time (the owner of the
 *     writer lock in-process; the daemon in shared mode).  Readers take no
 *     lock and write nothing.
 *   - hdr->generation: bumped by a flush.  A dentry is live only if its
 *     gen equals the generation a reader sampled when its walk began, and
 *     the walk re-checks the generation at its end.
 *   - hdr->table_desc: the current hash table (offset, size, probe bound)
 *     in one 64-bit word, so a reader always sees a consistent triple.
 *   - Each dentry: its own seqcount (dentry.h).
 *   - hdr->topo: moves whenever a dentry that a path can pass through (a
 *     directory or a symlink) dies, so a remembered resolution of a whole
 *     path is valid exactly while it has not moved (memo.h).
 *   - Pools are reset only by a flush; memory is never unmapped while the
 *     cache exists, so a reader that raced with a reset reads stale but
 *     mapped bytes, which the seqcount and generation checks reject.
 */
#ifndef NC_ARENA_H
#define NC_ARENA_H

#include <stddef.h>
#include <stdint.h>

#define NC_ARENA_MAGIC 0x314e524143454e4eULL /* "NNECARN1", little-endian */
#define NC_ARENA_VERSION 8
#define NC_NONE UINT32_MAX
#define NC_WR_COLD 0 /* the watch rings (wring[]) */
#define NC_WR_HOT 1

struct nc_arena_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t size; /* bytes in the mapping */

	uint64_t generation; /* see above */
	uint32_t drain_seq;  /* coherence protocol (notify.c) */
	uint32_t flags;

	uint32_t dentry_off, dentry_max; /* pool bounds */
	uint32_t dentry_used;		 /* bump pointer (writer) */
	uint32_t dentry_free;		 /* free list head (writer) */
	uint64_t str_off, str_size;
	uint64_t str_used; /* bump pointer (writer) */
	uint64_t tables_off, tables_size;
	uint64_t tables_used; /* bump pointer (writer) */
	uint64_t table_desc;  /* off/8 << 24 | log2 size << 16 | max probe */
	uint32_t table_live;  /* live slots in the current table (writer) */
	uint32_t table_pad;   /* 0 */
	uint64_t next_ident;  /* dentry identities (writer) */
	uint64_t topo;	      /* bumped when a directory or symlink dentry
			       * dies: resolutions memoized before are void
			       * (memo.h) */
	/* Shared mode (src/daemon): what a client cannot learn otherwise. */
	uint32_t root_idx;   /* the root dentry, published by the writer */
	uint32_t sleeping;   /* 1: the daemon may sleep; wake it (hint.h) */
	uint64_t root_ident; /* ... and its identity */
	uint64_t epoch;	     /* bumped when the inotify instance is replaced:
			      * a client polling the old one detaches */
	uint32_t hot_seq;    /* drain_seq of the hot instance (notify.c) */
	uint32_t pad;
	uint64_t stx_off; /* the statx array (dentry_max slots) */
	/* The daemon's watch rings (cache/uring.c), [NC_WR_COLD] over the
	 * cold instance and the mount table, [NC_WR_HOT] over the hot
	 * instance: each ring's page is the memfd open as descriptor fd in
	 * the daemon (daemon_pid), identified by dev/ino; the offsets of
	 * sq_flags and the CQ head and tail in it.  Valid while its epoch
	 * is the arena's; fd < 0: none. */
	struct nc_wring_pub {
		int32_t fd;
		uint32_t flags, head, tail;
		uint64_t dev, ino, epoch;
	} wring[2];
	/* Attaching without the socket (cache/attach.c): the daemon's pid
	 * and the descriptor numbers of its inotify instances in it (set by
	 * the flush that makes them, while drain_seq is odd: valid while
	 * drain_seq is even and the epoch has not moved; -1: none), and the
	 * world it resolves paths in, as a hand-down records one (world_ok
	 * 0: not known, no such attach). */
	int32_t daemon_pid;
	int32_t ifd_no, hifd_no;
	uint32_t world_ok;
	uint32_t w_uid, w_gid, w_ngroups, w_pad;
	uint64_t w_ghash, w_root_mnt, w_root_dev, w_root_ino;
	/* Applications of mount changes (cache/notify.c: mount_apply): each
	 * takes the number mount_start + 1 before it reads the table, and
	 * when its drops are done (drain_seq odd) publishes the hash of the
	 * text it read, then its number in mount_seq. */
	uint64_t mount_hash;
	uint32_t mount_seq;
	uint32_t mount_start;
	/* Odd while the writer's mount fence is open around a fill
	 * (notify.c): a table read then is no proof of anything. */
	uint32_t fence;
	uint32_t fence_pad;
};

struct nc_arena {
	struct nc_arena_hdr *hdr;
	unsigned char *base;
	size_t size;
	/* Bounds validated at attach, used for every reader access (never
	 * the header's, which another process may scribble on). */
	uint32_t dentry_off, dentry_max;
	uint64_t stx_off;
	uint64_t str_off, str_size;
	uint64_t tables_off, tables_size;
};

struct nc_arena_params {
	int fd;		   /* a memfd to size and map shared; -1: private */
	uint32_t dentries; /* pool size */
	uint64_t strbytes; /* string pool size */
	uint32_t table_min_log2;
};

/* Map a new, empty arena (in @p->fd, sized to fit, when it is >= 0).
 * Returns 0 or -errno. */
int nc__arena_create(struct nc_arena *a, const struct nc_arena_params *p);
void nc__arena_destroy(struct nc_arena *a);

/*
 * Validate a mapped region's header and fill @a's bounds from it.
 * Returns 0 or -EINVAL when the header is not self-consistent.
 */
int nc__arena_attach(struct nc_arena *a, void *base, size_t size);

/* The bytes an arena of @p takes. */
uint64_t nc__arena_bytes(const struct nc_arena_params *p);

/*
 * Huge pages.  Every process that maps the arena pays the first touch of
 * each page it reads: a page fault, and on a virtual machine with shadow
 * page tables a trap to the hypervisor as well, 2 to 15 us a page on
 * the machines we measure, for a new process of a build more than its
 * lookups save.  A 2 MiB page of the memfd is mapped by one fault.
 *
 * NC_HUGE is that size.  nc__arena_map() maps @fd at an address aligned to
 * it, so that whole huge pages of the file line up with whole page-table
 * entries (the kernel maps a huge page of a file by one entry only then);
 * it returns MAP_FAILED and sets errno on failure.
 *
 * nc__arena_huge_step() (writer) turns the next 2 MiB chunk that is in
 * use, or about to be (its use within 512 KiB of it), into one huge page
 * with madvise(MADV_COLLAPSE) (Linux 6.1), whatever the system's default
 * for shared memory (only "deny" refuses); the contents stay as they are,
 * and readers that have the chunk mapped refault onto the huge page.
 * @done has a bit per chunk (NC_HUGE_BITS words), the caller's, zeroed at
 * the start.  Returns 1 when it collapsed a chunk, 0 when it tried one and
 * the kernel refused, -1 when nothing is left to do (or collapsing is
 * unsupported: *@off set).  Memory grows by whole chunks, ahead of use.
 */
#define NC_HUGE (2ull << 20)
#define NC_HUGE_BITS(size) (((size) / NC_HUGE + 64) / 64)
void *nc__arena_map(int fd, size_t size, int prot);
int nc__arena_huge_step(struct nc_arena *a, uint64_t *done, int *off);

/* Writer: drop everything (generation bump, pools reset). */
void nc__arena_flush(struct nc_arena *a);

/* Writer: store @n bytes, return their offset in the string pool, or
 * UINT64_MAX when the pool is full. */
uint64_t nc__str_store(struct nc_arena *a, const char *s, size_t n);

/* Reader: the @n bytes at string offset @off, or NULL if out of bounds. */
static inline const char *nc__str_at(const struct nc_arena *a, uint64_t off,
				     size_t n)
{
	if (off > a->str_size || n > a->str_size - off)
		return NULL;
	return (const char *)a->base + a->str_off + off;
}

#endif /* NC_ARENA_H */
