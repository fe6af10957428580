/*
 * The walk: resolve a path against the dentry cache without locks and
 * without writing memory (the user-space RCU-walk).
 *
 * A walk starts at the root or the cwd dentry and consumes the path one
 * component at a time: "." stays, ".." moves to the physical parent (the
 * parent of the resolved dentry; ".." of the root is the root), a name is
 * looked up under the current directory's identity.  A symlink whose
 * target is cached is spliced into the walk (its remaining path pushed on
 * a small stack); more than NC_MAXSYMLINKS links is ELOOP, as in the
 * kernel.  A trailing slash means the final component must be a directory
 * and is followed even when the caller asked not to follow.
 *
 * Every field the walk uses is copied out of a dentry under that dentry's
 * seqcount and validated before it is used; the caller re-checks the
 * arena's generation and drain sequence after the walk, which together
 * stand in for the kernel's rename_lock and mount_lock: any writer that
 * could have invalidated a step in between moved one of them.
 *
 * The walk never decides anything the kernel could not also have decided:
 * on any doubt it stops and reports where (W_MISS: the component to fill)
 * or why (W_ABORT), and the caller makes the real call.
 */
#ifndef NC_WALK_H
#define NC_WALK_H

#include <stdint.h>

#include "arena.h"

#define NC_MAXSYMLINKS 40

enum nc_walk_result {
	W_FOUND, /* final dentry in fidx/fseq */
	W_ERR,	 /* the answer is an errno (negative dentry, ENOTDIR, ELOOP) */
	W_MISS,	 /* a component is not cached */
	W_ABORT, /* something changed or cannot be served: give up */
};

struct nc_walk_seg {
	const char *p;
	size_t n;
};

/* Where a walk stood after a path's directory part: the directory, and
 * what the way there set (nc_walk's fields of the same names). */
struct nc_walk_dir {
	uint32_t idx;
	uint64_t ident;
	int hot, links, nonlink;
};

struct nc_walk {
	const struct nc_arena *a;
	uint64_t gen;
	/* position: current directory */
	uint32_t idx;
	uint64_t ident;
	int links;
	int depth;
	struct nc_walk_seg stk[NC_MAXSYMLINKS + 1];
	/* results */
	uint32_t fidx; /* W_FOUND: final dentry */
	unsigned fseq; /* W_FOUND: its seqcount sample */
	int err;       /* W_ERR */
	/* W_FOUND: a name (not "." or "..") consumed was not a followed
	 * symlink.  glibc's realpath()
	 * leaves errno at EINVAL exactly then: it readlink()s every name,
	 * one that is no link fails with EINVAL, and a later one that is a
	 * link does not reset errno ("d/up/." with up -> ".." too). */
	int nonlink;
	int neg; /* W_ERR: from the negative dentry in fidx */
	int hot; /* a dentry of the walk is NC_D_HOT: its answer needs the
		  * hot instance's queue empty too (notify.c) */
	/* When the walk reached the path's last name and nothing follows
	 * it (no slash, no link still to finish): the length of the part
	 * before that name, ending in '/', and where it led; else 0. */
	size_t dir_len;
	struct nc_walk_dir dir;
};

/*
 * Walk @path from the directory (@start_idx, @start_ident); @root_idx and
 * @root_ident are "/" for absolute paths, links and "..".  @nofollow:
 * do not follow a final symlink.
 */
int nc__walk(struct nc_walk *w, const struct nc_arena *a, uint64_t gen,
	     uint32_t root_idx, uint64_t root_ident, uint32_t start_idx,
	     uint64_t start_ident, const char *path, int nofollow);

/*
 * Walk @name, one name without a slash, from @dir, where a walk of a
 * path's directory part stood (w->dir of an earlier walk): the rest of
 * that path's walk, as nc__walk() would have made it.  The caller
 * vouches that the directory part still leads there (memo.h); the
 * directory's dentry itself is checked as a start is.
 */
int nc__walk_in(struct nc_walk *w, const struct nc_arena *a, uint64_t gen,
		uint32_t root_idx, uint64_t root_ident,
		const struct nc_walk_dir *dir, const char *name, int nofollow);

/* The next component of the walk's segment stack (used by the fill too). */
int nc__walk_next(struct nc_walk *w, const char **name, size_t *len, int *last,
		  int *slash);

#endif /* NC_WALK_H */
