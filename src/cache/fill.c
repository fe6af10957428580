/*
 * The fill: the writer's slow path, REF-walk's counterpart.
 *
 * Called with the writer lock held after a walk missed.  It resolves the
 * path again, component by component, with real system calls (lstat,
 * readlink) on absolute paths it rebuilds from the dentries it already
 * trusts, and inserts what it learns.  The rule that makes an inserted
 * dentry safe: the directory it is inserted in is watched BEFORE the
 * system call whose answer is inserted.  Any change after that call
 * queues an event, which some later drain applies to the new dentry; and
 * no reader can use the dentry past that change without polling the queue
 * (strict mode) first.  Nothing is inserted from a call that may have
 * raced with a flush: the flush happens under this same lock.
 *
 * Admission is decided before the fill is called: only a path this
 * process looked up before gets here (cache.c, "sightings"), so one-off
 * paths, most of a cold `git status` or of a compiler's include search,
 * cost no watch and no extra call.  A fill then watches every directory
 * it passes through and inserts every name it resolves.  A non-directory is
 * cached with a watch on its own inode, so that a change made through another
 * hard link, anywhere, is reported too.  A directory that cannot be watched
 * (not a local filesystem, permission, watch limit) is marked so, and only
 * lookups below it pass through.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"
#include "cache_int.h"
#include "../store/dcache.h"
#include "../store/walk.h"

static int lstat_raw(const char *path, struct stat *st)
{
	return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st,
			    AT_SYMLINK_NOFOLLOW);
}

/* The kernel resolved a name inside directory @d: it may be searched. */
static void searched(struct nc_dentry *d)
{
	if (d->flags & NC_D_SEARCH)
		return;
	nc__d_write_begin(d);
	d->flags |= NC_D_SEARCH;
	nc__d_write_end(d);
}

/* Insert the child @name of @pidx as the kernel describes it now. */
static uint32_t insert_child(uint32_t pidx, const char *path, const char *name,
			     size_t n)
{
	struct nc_arena *a = &nc__c.arena;
	struct nc_dentry *p = nc__dentry_at(a, pidx);
	struct nc_dentry *d;
	char target[PATH_MAX];
	struct stat st;
	long tlen = -1;
	uint32_t idx;
	int wd = -1;

	if (lstat_raw(path, &st) < 0) {
		if (errno != ENOENT)
			return NC_NONE; /* EACCES, ELOOP ...: ask again */
		searched(p);
		d = nc__d_add(a, p, pidx, name, n, &idx);
		if (!d)
			return NC_NONE;
		d->flags = NC_D_LIVE | NC_D_NEG;
		d->neg_errno = ENOENT;
		nc__d_write_end(d);
		return idx;
	}
	searched(p);
	if (!S_ISDIR(st.st_mode)) {
		/*
		 * A non-directory may have other names, anywhere: its own
		 * inode is watched, so a change through any of them is
		 * reported; and it is looked at again once the watch exists.
		 * One on another mount (a bind-mounted file) is not cached.
		 */
		if (nc__policy_file(&st, &p->st) != NC_POL_OK)
			return NC_NONE;
		wd = nc__watch_inode(path, &st, !!(p->flags & NC_D_HOT));
		if (wd < 0)
			return NC_NONE;
		if (lstat_raw(path, &st) < 0 || S_ISDIR(st.st_mode)) {
			nc__watch_drop(wd);
			return NC_NONE;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		tlen = syscall(SYS_readlinkat, AT_FDCWD, path, target,
			       sizeof(target));
		if (tlen <= 0 || tlen >= (long)sizeof(target)) {
			nc__watch_drop(wd);
			return NC_NONE;
		}
	}
	d = nc__d_add(a, p, pidx, name, n, &idx);
	if (!d) {
		if (wd >= 0)
			nc__watch_drop(wd);
		return NC_NONE;
	}
	if (wd >= 0 && nc__watch_bind(wd, d, idx) < 0) {
		nc__d_write_end(d);
		nc__d_abandon(a, idx);
		return NC_NONE;
	}
	/* A directory's own attributes are kept only while it is watched
	 * (refresh_dir); its st_dev still marks mount boundaries. */
	d->st = st;
	d->flags |= NC_D_LIVE | (S_ISDIR(st.st_mode) ? NC_D_DIR : NC_D_STAT);
	if (S_ISDIR(st.st_mode) && st.st_dev != p->st.st_dev)
		d->flags |= NC_D_MOUNT;
	if (tlen > 0) {
		uint64_t off = nc__str_store(a, target, (size_t)tlen);

		d->flags |= NC_D_LNK;
		if (off != UINT64_MAX) {
			d->target_off = off;
			d->target_len = (uint16_t)tlen;
			d->flags |= NC_D_TARGET;
		}
	}
	nc__d_write_end(d);
	return idx;
}

/* Refresh the attributes of directory @idx at @path (watching it first,
 * so that changes to its entries, which change its attributes, are seen). */
static void refresh_dir(uint32_t idx, const char *path)
{
	struct nc_dentry *d = nc__dentry_at(&nc__c.arena, idx);
	struct stat st;

	if (!d || (d->flags & NC_D_STAT && d->flags & NC_D_WATCHED))
		return;
	if (nc__watch(d, idx, path) < 0 || lstat_raw(path, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	nc__d_write_begin(d);
	d->st = st;
	d->flags |= NC_D_STAT;
	nc__d_write_end(d);
}

static void fill_walk(const char *path, int nofollow, uint32_t start, char *abs,
		      int alen)
{
	struct nc_walk w; /* only its segment stack and next_component */
	struct nc_arena *a = &nc__c.arena;
	uint32_t cur = start;
	int links = 0;

	w.depth = 0;
	w.stk[0].p = path;
	w.stk[0].n = strlen(path);
	for (;;) {
		struct nc_dentry *cd = nc__dentry_at(a, cur), *child;
		const char *name;
		size_t len;
		int last, slash, follow, clen;
		uint32_t cidx;
		unsigned seq;

		if (!cd || !nc__walk_next(&w, &name, &len, &last, &slash))
			break;
		if (len > NAME_MAX)
			return;
		if (!(cd->flags & NC_D_SEARCH)) {
			/* Ask the kernel whether we may look inside: "dir/."
			 * is resolved with exactly the permission checks of
			 * any name in it.  A permission change arrives as
			 * IN_ATTRIB in the parent's watch and drops cd. */
			struct stat st;
			int dlen = nc__path_join(abs, alen, ".", 1);

			if (dlen < 0 || lstat_raw(abs, &st) < 0)
				return;
			abs[alen] = '\0';
			searched(cd);
		}
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			if (!(cd->flags & NC_D_ROOT)) {
				const struct nc_dentry *p =
				    nc__dentry_at(a, cd->parent);

				if (!p || p->ident != cd->parent_ident)
					return;
				cur = cd->parent;
				alen = nc__abs_path(cur, abs);
				if (alen < 0)
					return;
			}
			continue;
		}
		if (nc__watch(cd, cur, abs) < 0) /* refuses NOCACHE ones */
			return;
		clen = nc__path_join(abs, alen, name, len);
		if (clen < 0)
			return;
		cidx = nc__d_lookup(a, a->hdr->generation, cd->ident, name, len,
				    nc__d_hash(cd->ident, name, len), &seq);
		if (cidx == NC_NONE)
			cidx = insert_child(cur, abs, name, len);
		child = nc__dentry_at(a, cidx);
		if (!child || (child->flags & NC_D_NEG))
			return;
		follow =
		    (child->flags & NC_D_LNK) && (!last || slash || !nofollow);
		if (follow) {
			const char *t =
			    nc__str_at(a, child->target_off, child->target_len);

			if (!(child->flags & NC_D_TARGET) || !t ||
			    ++links > NC_MAXSYMLINKS ||
			    w.depth + 1 >=
				(int)(sizeof(w.stk) / sizeof(w.stk[0])))
				return;
			w.stk[++w.depth].p = t;
			w.stk[w.depth].n = child->target_len;
			abs[alen] = '\0'; /* back to the link's directory */
			if (t[0] == '/') {
				cur = nc__c.root_idx;
				abs[0] = '/';
				abs[1] = '\0';
				alen = 1;
			}
			continue;
		}
		if (!(child->flags & NC_D_DIR))
			return;
		cur = cidx;
		alen = clen;
	}
	/* Ended on a directory ("dir", "dir/", ".", "/"): its attributes,
	 * which are only kept while the directory itself is watched. */
	refresh_dir(cur, abs);
}

/*
 * The listing of directory @idx: read through @abs, the path the fill
 * learnt it by, after its watch was in place (NC_D_WATCHED), so that any
 * change of its entries after the read is an event that forgets it.  The
 * descriptor must reach the dentry's own directory (a rename in between is
 * an event too, but the bytes would belong to another directory until it
 * is applied).  Only a listing that one read of glibc's buffer size
 * returns whole is kept: a program's first readdir() gets exactly those
 * bytes from the kernel, in one getdents64() call; a larger directory is
 * marked, so that readers stop asking for it, and so is one on a
 * filesystem whose cookies are not the directory's own
 * (nc__policy_listing_ok).
 *
 * A listing read again after a change of its names is written over the
 * old one when it fits (its room has a quarter to spare); the string pool
 * is only reset by a flush, and listings may take a quarter of it between
 * two flushes (list_used), so that directories that keep growing neither
 * starve the names of the pool nor make the daemon flush for them.
 */
static uint64_t list_used, list_gen;

void nc__fill_listing(uint32_t idx, const char *abs)
{
	/* Writer only: one listing at a time, off the program's stack. */
	static unsigned char buf[NC_LIST_MAX] __attribute__((aligned(8)));
	unsigned char more[512] __attribute__((aligned(8)));
	struct nc_arena *a = &nc__c.arena;
	struct nc_dentry *d = nc__dentry_at(a, idx);
	struct statfs sfs;
	struct stat st;
	uint64_t off;
	size_t cap;
	long n, m;
	int fd;

	if (!d ||
	    (d->flags & (NC_D_LIVE | NC_D_DIR | NC_D_WATCHED)) !=
		(NC_D_LIVE | NC_D_DIR | NC_D_WATCHED) ||
	    (d->flags & (NC_D_LIST | NC_D_NOLIST | NC_D_NOCACHE)))
		return;
	if (list_gen != a->hdr->generation) {
		list_gen = a->hdr->generation;
		list_used = 0;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, abs,
			  O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (syscall(SYS_fstat, fd, &st) < 0 || st.st_ino != d->st.st_ino ||
	    st.st_dev != d->st.st_dev || syscall(SYS_fstatfs, fd, &sfs) < 0)
		goto out;
	if (!nc__policy_listing_ok((long)sfs.f_type)) {
		nc__d_write_begin(d);
		d->flags |= NC_D_NOLIST;
		nc__d_write_end(d);
		goto out;
	}
	n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	if (n <= 0)
		goto out;
	m = syscall(SYS_getdents64, fd, more, sizeof(more));
	if (m != 0) {
		if (m > 0) {
			nc__d_write_begin(d);
			d->flags |= NC_D_NOLIST;
			nc__d_write_end(d);
		}
		goto out;
	}
	if (!nc__dirents_ok(buf, (size_t)n))
		goto out;
	if (d->list_cap >= (uint64_t)n &&
	    nc__str_at(a, d->list_off, d->list_cap)) {
		/* Its room from before: readers copying the old listing
		 * see the seqcount move. */
		nc__d_write_begin(d);
		memcpy(a->base + a->str_off + d->list_off, buf, (size_t)n);
		d->list_len = (uint32_t)n;
		d->flags |= NC_D_LIST;
		nc__d_write_end(d);
		goto out;
	}
	/* New room, with some to spare for a few more names. */
	cap = (size_t)n + (size_t)n / 4;
	if (cap > sizeof(buf))
		cap = sizeof(buf);
	if (list_used + cap > a->str_size / 4)
		goto out;
	off = nc__str_store(a, (const char *)buf, cap);
	if (off == UINT64_MAX)
		goto out;
	list_used += cap;
	nc__d_write_begin(d);
	d->list_off = off;
	d->list_len = (uint32_t)n;
	d->list_cap = (uint32_t)cap;
	d->flags |= NC_D_LIST;
	nc__d_write_end(d);
out:
	syscall(SYS_close, fd);
}

void nc__fill_list(const char *path)
{
	const struct nc_arena *a = &nc__c.arena;
	char abs[PATH_MAX];
	struct nc_walk w;
	uint64_t start_ident = nc__c.cwd_ident;
	uint32_t start = nc__c.cwd_idx;

	nc__fill(path, 0);
	if (path[0] == '/' || !start_ident) {
		start = nc__c.root_idx;
		start_ident = nc__c.root_ident;
		if (path[0] != '/')
			return;
	}
	if (nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
		     nc__c.root_ident, start, start_ident, path,
		     0) != W_FOUND ||
	    nc__abs_path(w.fidx, abs) < 0)
		return;
	nc__fill_listing(w.fidx, abs);
}

void nc__cwd_forget(uint32_t idx)
{
	nc__forget(idx);
	ck_pr_store_64(&nc__c.cwd_ident, 0);
	nc__c.cwd_admit = 1;
}

void nc__fill(const char *path, int nofollow)
{
	char abs[PATH_MAX];
	uint32_t start;
	int alen;

	if (path[0] == '/') {
		start = nc__c.root_idx;
	} else {
		const struct nc_dentry *c;

		start = nc__c.cwd_idx;
		c = nc__dentry_at(&nc__c.arena, start);
		if (!nc__c.cwd_ident || !c || c->ident != nc__c.cwd_ident)
			return;
	}
	alen = nc__abs_path(start, abs);
	if (alen < 0) {
		if (path[0] != '/') {
			/* The working directory or an ancestor moved: what the
			 * cache knows below it stays true, but its path is
			 * gone.  Forget it (and its watch, so that its new
			 * dentry can have one); the next relative lookup
			 * learns it again from getcwd(). */
			nc__cwd_forget(start);
		}
		return;
	}
	fill_walk(path, nofollow, start, abs, alen);
	if (path[0] != '/') {
		/* The names just learnt under the working directory were
		 * asked about through its path.  If that path no longer
		 * names it (an ancestor moved while we asked, its event not
		 * yet queued or drained), they may describe another
		 * directory: forget the working directory, which makes them
		 * unreachable; it is learnt again from getcwd(). */
		const struct nc_dentry *c = nc__dentry_at(&nc__c.arena, start);
		struct stat st;

		if (!c || nc__abs_path(start, abs) < 0 ||
		    lstat_raw(abs, &st) < 0 || st.st_ino != c->st.st_ino ||
		    st.st_dev != c->st.st_dev) {
			nc__cwd_forget(start);
		}
	}
}

int nc__fill_cwd(void)
{
	char cwd[PATH_MAX], abs[PATH_MAX];
	struct nc_walk w;
	const struct nc_arena *a = &nc__c.arena;
	/* Another thread may chdir while we learn the cwd: whatever we find
	 * is published only if no chdir happened since we started. */
	uint32_t gen = __atomic_load_n(&nc__c.cwd_gen, __ATOMIC_SEQ_CST);
	long n = syscall(SYS_getcwd, cwd, sizeof(cwd));

	if (n <= 0 || cwd[0] != '/')
		return -1;
	abs[0] = '/';
	abs[1] = '\0';
	fill_walk(cwd, 0, nc__c.root_idx, abs, 1);
	if (nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
		     nc__c.root_ident, nc__c.root_idx, nc__c.root_ident, cwd,
		     0) != W_FOUND)
		return -1;
	{
		const struct nc_dentry *d = nc__dentry_at(a, w.fidx);
		struct stat here;

		if (!d || !(d->flags & NC_D_DIR) || !(d->flags & NC_D_WATCHED))
			return -1;
		/* getcwd()'s path may have stopped naming the working
		 * directory before its directories were watched (a rename
		 * in between): only the same directory is published. */
		if (syscall(SYS_newfstatat, AT_FDCWD, ".", &here, 0) < 0 ||
		    here.st_ino != d->st.st_ino || here.st_dev != d->st.st_dev)
			return -1;
		ck_pr_store_32(&nc__c.cwd_idx, w.fidx);
		ck_pr_store_64(&nc__c.cwd_ident, d->ident);
		/* A chdir that raced with us: forget what we published (its
		 * wrapper's reset may have run before our store). */
		if (__atomic_load_n(&nc__c.cwd_gen, __ATOMIC_SEQ_CST) != gen)
			ck_pr_store_64(&nc__c.cwd_ident, 0);
	}
	return 0;
}
