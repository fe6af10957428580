/*
 * The lock-free walk (see walk.h for the rules it follows).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "dcache.h"
#include "walk.h"

/* What the walk needs of a dentry, copied under its seqcount. */
struct snap {
	uint32_t flags;
	uint32_t parent;
	uint64_t ident;
	uint64_t parent_ident;
	int neg_errno;
	uint64_t target_off;
	uint16_t target_len;
};

/* Copy what the walk needs; the caller validates the copy. */
static void copy(const struct nc_dentry *d, struct snap *s)
{
	s->flags = ck_pr_load_32(&d->flags);
	s->parent = ck_pr_load_32(&d->parent);
	s->ident = ck_pr_load_64(&d->ident);
	s->parent_ident = ck_pr_load_64(&d->parent_ident);
	s->neg_errno = ck_pr_load_int(&d->neg_errno);
	s->target_off = ck_pr_load_64(&d->target_off);
	s->target_len = ck_pr_load_16(&d->target_len);
}

static int snap(const struct nc_arena *a, uint64_t gen, uint32_t idx,
		struct snap *s, unsigned *seqp)
{
	const struct nc_dentry *d = nc__dentry_at(a, idx);
	unsigned seq;

	if (!d || !nc__d_read_begin(d, &seq))
		return -1;
	copy(d, s);
	if (nc__d_read_retry(d, seq) || !(s->flags & NC_D_LIVE) ||
	    ck_pr_load_64(&d->gen) != gen)
		return -1;
	if (seqp)
		*seqp = seq;
	return 0;
}

/*
 * Take the next component off the segment stack; false at the end.
 * @last: nothing but slashes remains after it (at any stack level);
 * @slash: anything remains, i.e. for a last component, a trailing slash.
 */
int nc__walk_next(struct nc_walk *w, const char **name, size_t *len, int *last,
		  int *slash)
{
	struct nc_walk_seg *s;

	for (;;) {
		if (w->depth < 0)
			return 0;
		s = &w->stk[w->depth];
		while (s->n && *s->p == '/')
			s->p++, s->n--;
		if (s->n)
			break;
		w->depth--;
	}
	*name = s->p;
	while (s->n && *s->p != '/')
		s->p++, s->n--;
	*len = (size_t)(s->p - *name);
	*last = 1;
	*slash = 0;
	for (int i = w->depth; i >= 0; i--) {
		const struct nc_walk_seg *t = &w->stk[i];

		if (t->n)
			*slash = 1;
		for (size_t k = 0; k < t->n && *last; k++)
			if (t->p[k] != '/')
				*last = 0;
		if (!*last)
			break;
	}
	return 1;
}

/* Walk @path (stk[0]) from the directory in w->idx/ident, with w->hot,
 * w->nonlink and w->links as the way there left them. */
static int walk(struct nc_walk *w, uint32_t root_idx, uint64_t root_ident,
		const char *path, int nofollow)
{
	const struct nc_arena *a = w->a;
	uint64_t gen = w->gen;
	const char *name;
	size_t len;
	int last, slash;
	struct snap cur;

	w->depth = 0;
	w->neg = 0;
	w->dir_len = 0;
	w->stk[0].p = path;
	w->stk[0].n = strlen(path);
	if (snap(a, gen, w->idx, &cur, NULL) < 0 || cur.ident != w->ident ||
	    !(cur.flags & NC_D_DIR))
		return W_ABORT;
	w->hot |= !!(cur.flags & NC_D_HOT);
	/* The path may be only slashes ("/"): the start itself. */
	w->fidx = w->idx;

	while (nc__walk_next(w, &name, &len, &last, &slash)) {
		struct snap child;
		uint32_t cidx;
		unsigned cseq;
		int follow;

		/* The last name of the path itself, nothing after it: where
		 * the directory part ended (walk.h: dir). */
		if (!w->depth && last && !slash) {
			w->dir_len = (size_t)(name - path);
			w->dir.idx = w->idx;
			w->dir.ident = w->ident;
			w->dir.hot = w->hot;
			w->dir.links = w->links;
			w->dir.nonlink = w->nonlink;
		}
		if (len > NAME_MAX)
			return W_ABORT; /* ENAMETOOLONG: let the kernel say */
		/* Any component inside a directory, "." and ".." included,
		 * needs search permission on it: only a directory the kernel
		 * has let us search (with these credentials) is walked. */
		if (!(cur.flags & NC_D_SEARCH))
			goto miss;
		if (len == 1 && name[0] == '.')
			goto dir_stays;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			if (cur.flags & NC_D_ROOT)
				goto dir_stays;
			if (snap(a, gen, cur.parent, &child, NULL) < 0 ||
			    child.ident != cur.parent_ident)
				return W_ABORT;
			w->hot |= !!(child.flags & NC_D_HOT);
			w->idx = cur.parent;
			w->ident = child.ident;
			cur = child;
			goto dir_stays;
		}
		if (!(cur.flags & NC_D_WATCHED))
			goto miss;
		cidx = nc__d_lookup(a, gen, w->ident, name, len,
				    nc__d_hash(w->ident, name, len), &cseq);
		if (cidx == NC_NONE)
			goto miss;
		/* nc__d_lookup checked the key, liveness and generation under
		 * cseq: a copy valid under the same sample is consistent. */
		copy(nc__dentry_at(a, cidx), &child);
		if (nc__d_read_retry(nc__dentry_at(a, cidx), cseq))
			return W_ABORT;
		w->hot |= !!(child.flags & NC_D_HOT);
		if (child.flags & NC_D_NEG) {
			w->err = child.neg_errno;
			w->neg = 1;
			w->fidx = cidx;
			w->fseq = cseq;
			return child.neg_errno ? W_ERR : W_ABORT;
		}
		follow =
		    (child.flags & NC_D_LNK) && (!last || slash || !nofollow);
		w->nonlink |= !follow;
		if (follow) {
			const char *t;

			if (!(child.flags & NC_D_TARGET))
				return W_ABORT;
			if (++w->links > NC_MAXSYMLINKS) {
				w->err = ELOOP;
				return W_ERR;
			}
			t = nc__str_at(a, child.target_off, child.target_len);
			if (!t || !child.target_len ||
			    w->depth + 1 >=
				(int)(sizeof(w->stk) / sizeof(w->stk[0])))
				return W_ABORT;
			/* The target's bytes are immutable until a flush,
			 * which the caller's generation check catches. */
			w->stk[++w->depth].p = t;
			w->stk[w->depth].n = child.target_len;
			if (t[0] == '/') {
				if (snap(a, gen, root_idx, &cur, NULL) < 0 ||
				    cur.ident != root_ident)
					return W_ABORT;
				w->hot |= !!(cur.flags & NC_D_HOT);
				w->idx = root_idx;
				w->ident = root_ident;
			}
			/* A relative target resolves in the link's
			 * directory: the current one. */
			w->fidx = w->idx;
			continue;
		}
		if (!(child.flags & NC_D_DIR)) {
			if (!last || slash) {
				w->err = ENOTDIR;
				return W_ERR;
			}
			w->fidx = cidx;
			w->fseq = cseq;
			return W_FOUND;
		}
		w->idx = cidx;
		w->ident = child.ident;
		cur = child;
		w->fidx = cidx;
		w->fseq = cseq;
		continue;
	dir_stays:
		w->fidx = w->idx;
		continue;
	miss:
		return W_MISS;
	}
	/* Ended on a directory (or the start): re-sample it for the caller. */
	{
		const struct nc_dentry *d = nc__dentry_at(a, w->fidx);

		if (!d || !nc__d_read_begin(d, &w->fseq))
			return W_ABORT;
	}
	return W_FOUND;
}

int nc__walk(struct nc_walk *w, const struct nc_arena *a, uint64_t gen,
	     uint32_t root_idx, uint64_t root_ident, uint32_t start_idx,
	     uint64_t start_ident, const char *path, int nofollow)
{
	w->a = a;
	w->gen = gen;
	w->links = 0;
	w->nonlink = 0;
	w->hot = 0;
	if (path[0] == '/') {
		w->idx = root_idx;
		w->ident = root_ident;
	} else {
		w->idx = start_idx;
		w->ident = start_ident;
	}
	return walk(w, root_idx, root_ident, path, nofollow);
}

int nc__walk_in(struct nc_walk *w, const struct nc_arena *a, uint64_t gen,
		uint32_t root_idx, uint64_t root_ident,
		const struct nc_walk_dir *dir, const char *name, int nofollow)
{
	int r;

	w->a = a;
	w->gen = gen;
	w->idx = dir->idx;
	w->ident = dir->ident;
	w->links = dir->links;
	w->nonlink = dir->nonlink;
	w->hot = dir->hot;
	r = walk(w, root_idx, root_ident, name, nofollow);
	w->dir_len = 0; /* nothing new to remember */
	return r;
}
