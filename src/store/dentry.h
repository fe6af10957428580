/*
 * Dentries: what the cache knows about one name in one directory.
 *
 * A dentry is identified by (parent identity, name).  Its identity is a
 * 64-bit number the writer never reuses; a child records its parent's
 * identity, and the hash key is XXH3(name, seed = parent identity).  When
 * a directory's dentry dies (renamed, removed, its permissions changed),
 * the dentry that replaces it gets a new identity, so every child of the
 * old one becomes unreachable at once, without visiting it: the same
 * effect as the kernel's d_invalidate() on a subtree, for the price of
 * never finding those children again.
 *
 * A positive dentry holds the attributes of the object the name denotes
 * (lstat(): for a symlink, the link itself), plus the link's target if it
 * is one, or, for a watched directory, its listing: the bytes one
 * getdents64() call with glibc's buffer (NC_LIST_MAX) returned for the
 * whole directory, in the kernel's order, with its d_off cookies.  An
 * event that creates, removes or renames a name in it forgets the
 * listing; the next is written over it in place when it fits, under the
 * seqcount like any other field.  A
 * negative dentry holds the errno a lookup of the name gets (ENOENT).
 * Either may hold memoized access() verdicts.
 *
 * Concurrency: the seqcount `seq` covers every other field.  The writer
 * brackets each change with nc__d_write_begin/end.  A reader samples seq
 * with nc__d_read_begin (odd -> give up: the writer may have died in
 * shared mode, so never spin), copies what it needs, then checks
 * nc__d_read_retry; only a copy validated that way is used.  Fields read
 * before validation are only used to decide where to look next (bounds
 * checked), never returned.
 */
#ifndef NC_DENTRY_H
#define NC_DENTRY_H

#include <ck_pr.h>
#include <ck_sequence.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "arena.h"

enum {
	NC_D_LIVE = 1u << 0,	 /* in use and reachable */
	NC_D_NEG = 1u << 1,	 /* negative: neg_errno holds the answer */
	NC_D_STAT = 1u << 2,	 /* st holds lstat() of the object */
	NC_D_DIR = 1u << 3,	 /* a directory */
	NC_D_LNK = 1u << 4,	 /* a symlink; target below if NC_D_TARGET */
	NC_D_TARGET = 1u << 5,	 /* target_off/target_len valid */
	NC_D_WATCHED = 1u << 6,	 /* children may be cached (dir is watched) */
	NC_D_ROOT = 1u << 7,	 /* the root of the walk ("/") */
	NC_D_MOUNT = 1u << 8,	 /* st_dev differs from the parent's */
	NC_D_STATX = 1u << 9,	 /* stx holds statx(stx_req_mask) */
	NC_D_NOCACHE = 1u << 10, /* children must not be cached */
	NC_D_SEARCH = 1u << 11,	 /* the kernel let us look up names in it */
	NC_D_CFFS = 1u << 12,	 /* on a filesystem with casefold dirs */
	NC_D_HOT = 1u << 13,	 /* watched by the hot instance (notify.c):
				  * a walk through it needs that queue empty */
	NC_D_LIST = 1u << 14,	 /* list_off/list_len: the listing */
	NC_D_NOLIST = 1u << 15,	 /* the listing is larger than NC_LIST_MAX */
};

/* The largest listing kept: glibc's readdir() buffer (opendir.c), so that
 * a listing is what one of its reads gets. */
#define NC_LIST_MAX 32768u

/* access() verdicts, per mode (0..7 = F_OK..R_OK|W_OK|X_OK). */
#define NC_ACC_UNKNOWN 0xff

struct nc_dentry {
	ck_sequence_t seq;
	uint32_t flags;
	uint64_t ident;	       /* never 0 for a live dentry */
	uint64_t parent_ident; /* 0 for the root */
	uint64_t hash;	       /* XXH3(name, parent_ident) */
	uint64_t gen;	       /* arena generation at fill */
	uint32_t parent;       /* parent's index (for "..") */
	uint32_t next_free;    /* writer's free list */
	uint64_t name_off;
	uint64_t target_off;
	uint16_t name_len;
	uint16_t target_len;
	int32_t neg_errno;
	int32_t wd;	       /* watch descriptor if NC_D_WATCHED */
	uint32_t stx_req_mask; /* mask the statx fill asked for */
	uint8_t acc_real[8];   /* access(): 0 ok, else errno */
	uint8_t acc_eff[8];    /* euidaccess()/AT_EACCESS */
	struct stat st;	       /* NC_D_STAT */
	uint64_t list_off;     /* NC_D_LIST: the listing in the string pool */
	uint32_t list_len;
	uint32_t list_cap; /* room at list_off, the dentry's own (0: none) */
} __attribute__((aligned(64)));

/*
 * Four cache lines, sixteen dentries to a page.  The statx() answer
 * (NC_D_STATX, 256 bytes) is kept out of line, in a parallel array
 * (nc__d_stx): inline it more than doubled the bytes, and so the pages,
 * that every walk touches, for an answer few programs ask for.  A process
 * new to a shared arena pays a page fault, and on a virtual machine with
 * shadow page tables a trap to the hypervisor, for every page of it that
 * it touches first.
 */
_Static_assert(sizeof(struct nc_dentry) <= 256, "a dentry in four lines");

static inline struct nc_dentry *nc__dentry_at(const struct nc_arena *a,
					      uint32_t idx)
{
	if (idx >= a->dentry_max)
		return NULL;
	return (struct nc_dentry *)(a->base + a->dentry_off) + idx;
}

/* The statx() answer of dentry @idx (valid while its flags hold
 * NC_D_STATX), covered by that dentry's seqcount like its other fields. */
static inline struct statx *nc__d_stx(const struct nc_arena *a, uint32_t idx)
{
	if (idx >= a->dentry_max)
		return NULL;
	return (struct statx *)(a->base + a->stx_off) + idx;
}

/*
 * Is @n bytes at @buf a well-formed getdents64() answer: records of at
 * least a header and a NUL, 8-byte multiples, within @n, each name ending
 * in its record?  Listings are checked so by the writer before it stores
 * them and by a reader on its copy, before a program sees one.
 */
static inline int nc__dirents_ok(const unsigned char *buf, size_t n)
{
	size_t off = 0;

	if (!n || n > NC_LIST_MAX)
		return 0;
	while (off < n) {
		uint16_t reclen;

		if (n - off < 20) /* d_ino, d_off, d_reclen, d_type, NUL */
			return 0;
		__builtin_memcpy(&reclen, buf + off + 16, sizeof(reclen));
		if (reclen < 20 || reclen % 8 || reclen > n - off ||
		    !__builtin_memchr(buf + off + 19, 0, reclen - 19u))
			return 0;
		off += reclen;
	}
	return 1;
}

/* Non-blocking seqcount read: false when a write is in progress. */
static inline bool nc__d_read_begin(const struct nc_dentry *d, unsigned *v)
{
	unsigned s = ck_pr_load_uint(&d->seq.sequence);

	if (s & 1)
		return false;
	ck_pr_fence_load();
	*v = s;
	return true;
}

/* True when the copy read since nc__d_read_begin(@v) is invalid. */
static inline bool nc__d_read_retry(const struct nc_dentry *d, unsigned v)
{
	return ck_sequence_read_retry(&d->seq, v);
}

/*
 * Writer: the dentries written while a mount fence is open (notify.c:
 * nc__mount_fence_open), and whether each was made then (nc__d_add) or
 * only changed.  A mount change during the fence may have been seen by
 * the real calls those writes record; they are then forgotten.  More
 * than NC_WLOG_MAX: n counts on, and the cache is flushed instead.
 */
#define NC_WLOG_MAX 256
struct nc__wlog {
	int on;
	uint32_t n;
	struct nc_dentry *d[NC_WLOG_MAX];
	uint32_t flags[NC_WLOG_MAX]; /* d->flags before the write */
	unsigned char made[NC_WLOG_MAX];
};
extern struct nc__wlog nc__wlog;

static inline void nc__wlog_note(struct nc_dentry *d, int made)
{
	if (nc__wlog.on) {
		if (nc__wlog.n < NC_WLOG_MAX) {
			nc__wlog.d[nc__wlog.n] = d;
			nc__wlog.flags[nc__wlog.n] = d->flags;
			nc__wlog.made[nc__wlog.n] = (unsigned char)made;
		}
		nc__wlog.n++;
	}
}

static inline void nc__d_write_begin(struct nc_dentry *d)
{
	nc__wlog_note(d, 0);
	ck_sequence_write_begin(&d->seq);
}

static inline void nc__d_write_end(struct nc_dentry *d)
{
	ck_sequence_write_end(&d->seq);
}

/* Writer: a fresh dentry (seq odd: being written), or NULL when full. */
struct nc_dentry *nc__dentry_alloc(struct nc_arena *a, uint32_t *idx);

/* Writer: kill @d (seq bumped, flags cleared) and put it on the free list.
 * The caller has removed it from the table. */
void nc__dentry_kill(struct nc_arena *a, struct nc_dentry *d, uint32_t idx);

#endif /* NC_DENTRY_H */
