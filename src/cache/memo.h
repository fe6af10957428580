/*
 * The resolution memo: whole paths remembered per thread.
 *
 * A walk costs a hash lookup per component.  Most lookups repeat a path
 * the same thread resolved before, so each thread keeps a small direct-
 * mapped memo: (start directory, path bytes, follow flag) -> the dentry
 * the walk ended on, with the arena's topology counter at that time.
 *
 * Why a memo entry can be trusted: the walk's result depends on the
 * dentries it passed through (directories and symlinks) and on the final
 * one.  Every death of a directory or symlink dentry moves hdr->topo
 * (dcache.c), so while topo is unchanged every step of the remembered
 * walk would be taken again the same way; the final dentry is validated
 * directly (identity, liveness, generation, seqcount) like any other.
 * Entries are never trusted beyond that; any mismatch is a plain miss
 * and the full walk runs.
 *
 * The memo is thread-local memory written only by its own thread: the
 * hit path writes nothing shared.  A signal handler on the same thread
 * may run in the middle of a put or a get, so each entry has a sequence
 * number, odd while it is written: a get that finds it odd, or changed
 * once the entry is read (a handler's put in between), misses; a put
 * that finds it odd (a handler interrupting that very put) does nothing.
 * The result is read before the sequence is checked again: read after
 * it, a handler's put could hand the get another path's dentry, valid in
 * itself, which the walk's final check would pass.
 */
#ifndef NC_MEMO_H
#define NC_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "../store/walk.h"

#define NC_MEMO_PATH 120 /* longer paths are not memoized */

struct nc_memo_hit {
	uint32_t idx;	/* final dentry */
	uint64_t ident; /* its identity when remembered */
	int nonlink;	/* walk.h */
	int hot;	/* walk.h: hot (stable while topo is: a directory turns
			 * hot only as topo moves, notify.c) */
	int links;	/* the walk followed a symbolic link (walk.h) */
};

/*
 * Look up (start, path, nofollow) at topology @topo; 1 on a hit.  @hash
 * is any hash of the path bytes the caller already has (the cache's
 * sighting hash): it only picks the slot, the entry is compared in full.
 */
int nc__memo_get(uint64_t hash, uint64_t start, const char *path, size_t len,
		 int nofollow, uint64_t topo, struct nc_memo_hit *out);

/* Remember a resolution made at topology @topo (same @hash as the get). */
void nc__memo_put(uint64_t hash, uint64_t start, const char *path, size_t len,
		  int nofollow, uint64_t topo, const struct nc_memo_hit *res);

/*
 * The directory memo: where this thread's last full walk stood after the
 * path's directory part (walk.h: dir), one entry.  Consecutive lookups
 * in one directory (git status, ninja, a compiler's include search) walk
 * only their last name from there.  It is trusted as a memo entry is:
 * while the topology has not moved, every step of the way there would
 * be taken again the same way, so that the way's hot, nonlink and links
 * still hold; the directory's dentry itself is checked again by
 * nc__walk_in() as a walk's start is.
 *
 * nc__memo_dir_get: if the entry is for (@start, the first bytes of
 * @path) at @topo and the rest of @path is one name without a slash, the
 * directory part's length, and its walk state in *@out; else 0.
 * nc__memo_dir_put: remember the first @n bytes of @path.
 */
size_t nc__memo_dir_get(uint64_t start, const char *path, size_t len,
			uint64_t topo, struct nc_walk_dir *out);
void nc__memo_dir_put(uint64_t start, const char *path, size_t n, uint64_t topo,
		      const struct nc_walk_dir *d);

/* Has this thread its block (and so a destructor at its exit)? */
int nc__memo_thread_ok(void);

/*
 * Admission: how often has this thread looked up the path whose hash is
 * @hash recently: 0, 1, 2, or 3 for three times or more?  Records this
 * sighting.  A direct-mapped table of 16-bit slots, a 14-bit tag and a
 * 2-bit count: a path that comes back after thousands of others is seen
 * anew (one more miss, never a wrong answer).  Writes only this thread's
 * memory.
 */
int nc__sightings(uint64_t hash);

/* When the cache starts (idempotent): the per-thread memory's destructor
 * key; without it no per-thread memory is used. */
void nc__memo_init(void (*thread_exit)(void)); /* @thread_exit: called
						* when a thread's
						* block is freed */

#endif /* NC_MEMO_H */
