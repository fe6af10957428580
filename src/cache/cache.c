/*
 * The in-process cache: start-up, queries, and the process life cycle
 * (see cache.h for the interface, cache_int.h for what protects what).
 *
 * A query is answered in this order, the kernel's "try quickly and check":
 *
 *   0. admission: the path is hashed once; a path this thread did not
 *      look up recently goes straight to the real call (a "first"
 *      lookup: no walk, no fill, no watch; nc__sightings).  This
 *      keeps a cold run, where every path is new, within a hash of the
 *      plain calls' cost.  And nothing is cached until the process has
 *      repeated cfg_warmup lookups: its first watch commits it to a cost
 *      at exit (see cfg_warmup) that only a busy process wins back;
 *   1. s = drain_seq (odd: a drain is running, pass through), g = the
 *      arena generation;
 *   2. walk the path lock-free (walk.c) and copy the answer out of the
 *      final dentry under its seqcount;
 *   3. only now, for a would-be hit, ask the kernel whether anything
 *      changed (nc__coherent: in strict mode three loads from the
 *      thread's own io_uring, uring.c, or one epoll_wait(0) on the
 *      thread's own probe); if events are queued, drain them and start
 *      again (once);
 *   4. if drain_seq and the generation are still s and g, the copy is the
 *      answer: it reflects every change whose system call returned before
 *      step 3, hence before the lookup began.
 *
 * Misses do not pay for step 3.  A miss of an admitted path fills
 * (fill.c) under the writer try-lock and walks once more; it never loops
 * and never waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../common/util.h"
#include "cache_int.h"
#include "../store/dcache.h"
#include "memo.h"
#include "../store/walk.h"

static int was_attached NC_STARTUP;

/* Set by the shim's constructor (NC_STARTUP: util.h). */
static int cfg_mode NC_STARTUP = 0; /* NC_MODE_STRICT */
static int cfg_check NC_STARTUP;    /* NC_CHECK_AUTO */
static int cfg_chain NC_STARTUP;    /* 0: not known yet, 1: libc, 2: another */
static uint64_t cfg_stale_ns NC_STARTUP = 100000000;

/*
 * Repeated lookups a process makes before it caches anything
 * (NAMECACHE_WARMUP, default NC_WARMUP_DEFAULT = 4096).  The first
 * inotify watch is a commitment: when the process exits, the kernel tears
 * its inotify instance down with a synchronize_srcu(), which on the test
 * machine holds the exit for about 5 ms (HZ=250), whatever the number of
 * watches.  At 0.4-0.6 us saved per hit, that takes some 10,000 hits to
 * win back; a process that repeated this many lookups is likely to repeat
 * that many more.  Short-lived processes (a compiler, a shell command)
 * stay below it and pay nothing but the admission hash.
 */
static uint32_t cfg_warmup NC_STARTUP = 4096;

#define ARENA_DENTRIES (128u * 1024)
#define ARENA_STRINGS (8ull << 20)

NC_START_TEXT void nc__cache_configure(int mode, uint64_t max_stale_us,
				       uint64_t warmup)
{
	cfg_mode = mode;
	cfg_stale_ns = max_stale_us * 1000;
	cfg_warmup = (uint32_t)warmup;
}

NC_START_TEXT void nc__cache_set_check(int check)
{
	cfg_check = check;
}

int nc__cache_check_used(void)
{
	return nc__notify_check_used();
}

NC_START_TEXT void nc__cache_set_socket(const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(nc__sock_path_cfg))
		n = 0;
	memcpy(nc__sock_path_cfg, path, n);
	nc__sock_path_cfg[n] = '\0';
	nc__c.why = n ? NC_WHY_NONE : NC_WHY_UNSET;
}

int nc__cache_why(int *attached)
{
	*attached = was_attached;
	return nc__c.why; /* NONE while attached, or why it left */
}

void nc__cache_hints(uint64_t *posted, uint64_t *dropped)
{
	*posted = __atomic_load_n(&nc__c.hints[0], __ATOMIC_RELAXED);
	*dropped = __atomic_load_n(&nc__c.hints[1], __ATOMIC_RELAXED);
}

const char *nc__cache_via(void)
{
	switch (nc__c.via) {
	case NC_VIA_SOCKET:
		return "socket";
	case NC_VIA_EXEC:
		return "exec";
	case NC_VIA_FORK:
		return "fork";
	case NC_VIA_PIDFD:
		return "pidfd";
	}
	return "";
}

NC_START_TEXT void nc__cache_chain(int libc)
{
	/* From the constructor: this image's process owns the cache.  The
	 * daemon is asked at the first lookup (start_shared), not here: an
	 * image that looks nothing up (true, sh -c :, exec wrappers) never
	 * connects (attach.c). */
	nc__owner_set();
	__atomic_store_n(&cfg_chain, libc ? 1 : 2, __ATOMIC_RELEASE);
}

/*
 * A page the kernel zeroes in every child that does not share our memory
 * (MADV_WIPEONFORK, Linux 4.14): a fork child, and a child of glibc's
 * clone() without CLONE_VM, which runs no atfork handler and would
 * otherwise drain its parent's inotify queue into a copy of the cache
 * that its parent never sees, and answer from its own copy after the
 * parent drained what it missed.  Its byte is 1 while this process owns
 * the cache; a query that finds 0 starts afresh, as a fork child does.
 * NULL where the kernel cannot wipe: the atfork handler alone remains.
 */
static unsigned char *alive NC_STARTUP;

static void alive_set(void)
{
	if (!alive) {
		/* Populated at once: written just below, and a page the
		 * mmap call fills costs less than a fault on it. */
		void *p =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			return;
		if (madvise(p, 4096, MADV_WIPEONFORK) < 0) {
			munmap(p, 4096);
			return;
		}
		alive = p;
	}
	__atomic_store_n(alive, 1, __ATOMIC_RELEASE);
}

/*
 * Shared mode: attached to the daemon (1: READY, on its arena), the
 * reply not in yet (0), or the in-process cache (-1).
 */
static int start_shared(void)
{
	int r = 0;

	if (nc__c.attach == NC_AT_NONE && !nc__c.why)
		r = nc__attach_inherit();
	if (!r && nc__c.attach == NC_AT_NONE && !nc__c.why)
		r = nc__attach_pidfd();
	if (r < 0)
		return r;
	if (nc__c.attach == NC_AT_NONE && !nc__c.why)
		nc__attach_begin();
	r = nc__attach_poll();
	if (r <= 0)
		return r;
	was_attached = 1;
	nc__memo_init(nc__notify_thread_exit);
	if (cfg_mode == 1 /* relaxed */)
		nc__own_scan();
	nc__c.cwd_ident = 0;
	nc__c.cwd_admit = 1;
	nc__c.flush_pending = 0;
	nc__c.writer = 0;
	nc__c.mature = 1; /* no warmup: the daemon pays for the watches */
	alive_set();
	__atomic_store_n(&nc__cache_state, NC_ST_READY, __ATOMIC_RELEASE);
	return 1;
}

/* Bring the cache up (first query of this image, or after a fork). */
static void start(void)
{
	struct nc_arena_params p = {.fd = -1,
				    .dentries = ARENA_DENTRIES,
				    .strbytes = ARENA_STRINGS,
				    .table_min_log2 = 10};
	int expect = NC_ST_NONE;
	int chain = __atomic_load_n(&cfg_chain, __ATOMIC_ACQUIRE);

	/* Before our constructor ran, pass through (and try again later);
	 * a vfork child never starts the cache of the memory it borrows. */
	if (chain == 0 || !nc__in_owner())
		return;
	if (!__atomic_compare_exchange_n(&nc__cache_state, &expect,
					 NC_ST_STARTING, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	if (cfg_mode == 2 /* off */ || chain != 1)
		goto off;
	nc__c.mode = cfg_mode;
	nc__c.check = cfg_check;
	nc__c.max_stale_ns = cfg_stale_ns;
	switch (start_shared()) {
	case 1:
		return;
	case 0: /* the reply may still come: ask again next time */
		__atomic_store_n(&nc__cache_state, NC_ST_NONE,
				 __ATOMIC_RELEASE);
		return;
	}
	if (!nc__c.arena.base && nc__arena_create(&nc__c.arena, &p) < 0)
		goto off;
	nc__memo_init(nc__notify_thread_exit);
	if (cfg_mode == 1 /* relaxed */)
		nc__own_scan();
	/* The notify descriptors are opened by the first watch (notify.c):
	 * a process that never fills pays nothing for them. */
	nc__notify_close();
	nc__c.cwd_ident = 0;
	nc__c.cwd_admit = 1;
	nc__c.flush_pending = 0;
	nc__c.writer = 0;
	nc__arena_flush(&nc__c.arena);
	if (nc__fill_root() < 0)
		goto off;
	alive_set();
	__atomic_store_n(&nc__cache_state, NC_ST_READY, __ATOMIC_RELEASE);
	return;
off:
	nc__notify_close();
	__atomic_store_n(&nc__cache_state, NC_ST_OFF, __ATOMIC_RELEASE);
}

/* ---- answers ------------------------------------------------------- */

struct answer {
	long ret;
	int err;
	int own;  /* attributes of an inode this process writes (own.c) */
	size_t n; /* bytes in buf (readlink, realpath) */
	struct stat st;
	struct statx stx;
	char buf[PATH_MAX];
};

/*
 * Follow dentry @idx up to the root: every dentry on the way live, of
 * generation @gen, and the very one its child was filled under (a dropped
 * directory leaves its subtree in place, unreachable from the root, and
 * its slot may already hold another dentry), and every directory above
 * @idx one the kernel let us search; @idx itself has identity @ident
 * (0: any).  With @ans, also write the absolute
 * path into ans->buf.  0, or -1 if the chain is broken anywhere.
 *
 * Why realpath needs this and stat does not: the kernel resolves a
 * relative path from the working directory whatever its ancestors'
 * permissions, but glibc's realpath() resolves getcwd()'s absolute path
 * from the root with readlink() on each prefix, which needs search
 * permission on every directory of it.  An intact chain is one the
 * kernel resolved from the root at fill time, and any change of a
 * directory's permissions since drops that directory (IN_ATTRIB), which
 * breaks every chain through it.
 */
static int chain(const struct nc_arena *a, uint64_t gen, uint32_t idx,
		 uint64_t ident, struct answer *ans)
{
	char *end = ans ? ans->buf + sizeof(ans->buf) - 1 : NULL, *p = end;
	uint64_t want = ident; /* who the child expects its parent to be */

	if (p)
		*p = '\0';
	for (int depth = 0; depth < PATH_MAX / 2; depth++) {
		const struct nc_dentry *d = nc__dentry_at(a, idx);
		const char *name;
		uint32_t flags, parent;
		uint64_t up;
		uint16_t n;
		unsigned seq;

		if (!d || !nc__d_read_begin(d, &seq))
			return -1;
		flags = ck_pr_load_32(&d->flags);
		parent = ck_pr_load_32(&d->parent);
		up = ck_pr_load_64(&d->parent_ident);
		n = ck_pr_load_16(&d->name_len);
		name = nc__str_at(a, ck_pr_load_64(&d->name_off), n);
		if (!(flags & NC_D_LIVE) || ck_pr_load_64(&d->gen) != gen ||
		    (want && ck_pr_load_64(&d->ident) != want) ||
		    (depth > 0 && !(flags & NC_D_SEARCH)))
			return -1;
		if (flags & NC_D_ROOT) {
			if (nc__d_read_retry(d, seq))
				return -1;
			if (!ans)
				return 0;
			if (p == end)
				*--p = '/';
			ans->n = (size_t)(end - p);
			memmove(ans->buf, p, ans->n + 1);
			return 0;
		}
		if (ans) {
			if (!name || (size_t)(p - ans->buf) < (size_t)n + 1)
				return -1;
			p -= n;
			memcpy(p, name, n);
			*--p = '/';
		}
		if (nc__d_read_retry(d, seq))
			return -1;
		idx = parent;
		want = up;
	}
	return -1;
}

/* Compute the answer from a finished walk; NC_Q_HIT or a miss with
 * q->doubt set (and q->fidx/fident for a verdict to memoize). */
static int answer(struct nc_query *q, const struct nc_walk *w, int r,
		  struct answer *ans)
{
	const struct nc_arena *a = &nc__c.arena;
	const struct nc_dentry *d;
	uint32_t flags;
	int verdict = -1;

	ans->ret = -1;
	ans->own = 0;
	if (r == W_ERR) {
		if (q->op == NC_OP_REALPATH) {
			q->doubt = NC_DOUBT_ARGS; /* glibc's partial result */
			return NC_Q_MISS;
		}
		ans->err = w->err;
		return NC_Q_HIT;
	}
	d = nc__dentry_at(a, w->fidx);
	if (!d)
		goto changed;
	flags = ck_pr_load_32(&d->flags);
	if ((flags & NC_D_DIR) && !(flags & NC_D_WATCHED) &&
	    q->op != NC_OP_REALPATH && q->op != NC_OP_OPEN) {
		q->doubt = NC_DOUBT_COLD; /* a directory's own attributes */
		return NC_Q_MISS;
	}
	switch (q->op) {
	case NC_OP_STAT:
		if (!(flags & NC_D_STAT))
			goto cold;
		memcpy(&ans->st, &d->st, sizeof(ans->st));
		ans->ret = 0;
		break;
	case NC_OP_STATX:
		if (!(flags & NC_D_STATX) ||
		    ck_pr_load_32(&d->stx_req_mask) != q->mask)
			goto verdict;
		memcpy(&ans->stx, nc__d_stx(a, w->fidx), sizeof(ans->stx));
		ans->ret = 0;
		break;
	case NC_OP_ACCESS:
		verdict = q->eff ? ck_pr_load_8(&d->acc_eff[q->mode])
				 : ck_pr_load_8(&d->acc_real[q->mode]);
		if (verdict == NC_ACC_UNKNOWN)
			goto verdict;
		ans->ret = verdict ? -1 : 0;
		ans->err = verdict;
		break;
	case NC_OP_READLINK: {
		uint64_t off = ck_pr_load_64(&d->target_off);
		uint16_t tl = ck_pr_load_16(&d->target_len);
		const char *t = nc__str_at(a, off, tl);

		if (!(flags & NC_D_LNK)) {
			ans->err = EINVAL;
			break;
		}
		if (!(flags & NC_D_TARGET) || !t)
			goto cold;
		ans->n = tl < q->len ? tl : q->len;
		memcpy(ans->buf, t, ans->n);
		ans->ret = (long)ans->n;
		break;
	}
	case NC_OP_OPEN:
		q->doubt = NC_DOUBT_EXISTS; /* an fd is never cached */
		return NC_Q_MISS;
	case NC_OP_LIST: {
		uint64_t off = ck_pr_load_64(&d->list_off);
		uint32_t n = ck_pr_load_32(&d->list_len);
		const char *l = nc__str_at(a, off, n);

		if (!(flags & NC_D_DIR) || (flags & NC_D_NOLIST)) {
			q->doubt = NC_DOUBT_ARGS; /* the kernel's to say */
			return NC_Q_MISS;
		}
		if (!(flags & NC_D_LIST) || !l || n > q->len)
			goto cold;
		memcpy(q->out.buf, l, n);
		/* Whose listing it is: the open must reach that directory. */
		ans->st.st_dev = d->st.st_dev;
		ans->st.st_ino = d->st.st_ino;
		ans->n = n;
		ans->ret = (long)n;
		break;
	}
	case NC_OP_REALPATH:
		/* glibc starts a relative path from getcwd()'s: lookup()
		 * found the working directory's chain whole (cwd_intact). */
		if (chain(a, w->gen, w->fidx, 0, ans) < 0)
			goto changed;
		ans->ret = 0;
		/* errno as glibc leaves it on success (see walk.h). */
		ans->err = w->nonlink ? EINVAL : 0;
		break;
	default:
		q->doubt = NC_DOUBT_ARGS;
		return NC_Q_MISS;
	}
	/* Writes through a descriptor change size and times with no call
	 * we see: relaxed mode asks the queue for such inodes (own.c).
	 * Strict mode asks it for every hit anyway. */
	if (nc__c.mode == 1 /* relaxed */ &&
	    (q->op == NC_OP_STAT || q->op == NC_OP_STATX))
		ans->own = nc__own_written(!!(flags & NC_D_STAT),
					   (uint64_t)d->st.st_dev,
					   (uint64_t)d->st.st_ino);
	if (nc__d_read_retry(d, w->fseq))
		goto changed;
	/* A listing is checked once copied: corrupt bytes are a miss. */
	if (q->op == NC_OP_LIST &&
	    !nc__dirents_ok((const unsigned char *)q->out.buf, ans->n))
		goto changed;
	return NC_Q_HIT;
verdict:
	if (nc__d_read_retry(d, w->fseq))
		goto changed;
	q->doubt = NC_DOUBT_VERDICT;
	q->fidx = w->fidx;
	q->fident = ck_pr_load_64(&d->ident);
	q->fseq = w->fseq;
	q->mseq = ck_pr_load_32(&nc__c.arena.hdr->mount_seq);
	/* The real call resolves the path again.  Through a symbolic link it
	 * may reach another object than the walk's (the link retargeted in
	 * between): whose verdict would stay on this dentry, which the
	 * link's event does not drop.  Without links, the names the call
	 * passes are the walk's, and a change to any of them drops this
	 * dentry or cuts it off. */
	q->armed = !w->links;
	return NC_Q_MISS;
cold:
	q->doubt = NC_DOUBT_COLD;
	return NC_Q_MISS;
changed:
	q->doubt = NC_DOUBT_CHANGED;
	return NC_Q_MISS;
}

static void commit(struct nc_query *q, const struct answer *ans)
{
	q->ret = ans->ret;
	q->err = ans->err;
	if (ans->ret < 0)
		return;
	q->err = 0;
	switch (q->op) {
	case NC_OP_STAT:
		*q->out.st = ans->st;
		break;
	case NC_OP_STATX:
		*q->out.stx = ans->stx;
		break;
	case NC_OP_READLINK:
		memcpy(q->out.buf, ans->buf, ans->n);
		break;
	case NC_OP_REALPATH:
		memcpy(q->out.buf, ans->buf, ans->n + 1);
		q->err = ans->err;
		break;
	}
}

/*
 * Is the working directory's dentry still where the cache learnt it, its
 * chain up to the root unbroken (chain())?  A dropped directory (moved,
 * removed, its permissions changed) leaves its subtree in place, cut off
 * from the root.  The kernel still resolves relative names from the
 * working directory whatever happened above it, but the fill learns
 * names through absolute paths (fill.c), and the path of a cut-off
 * directory is where it was, not where it is: what was learnt under it
 * may describe another directory.  So a cut-off working directory is not
 * walked from; it is forgotten and learnt again from getcwd().
 *
 * Every death of a directory moves the arena's topo counter, so a thread
 * that found the chain whole needs to look again only when topo, the
 * generation or the working directory changed.  The stamp is this
 * thread's own memory (initial-exec TLS: no allocation, signal-safe).
 */
static __thread uint64_t cwd_ok[3] __attribute__((tls_model("initial-exec")));

static int cwd_intact(const struct nc_arena *a, uint64_t g, uint64_t topo,
		      uint64_t ident)
{
	if (ident && cwd_ok[0] == ident && cwd_ok[1] == topo && cwd_ok[2] == g)
		return 1;
	if (!ident ||
	    chain(a, g, ck_pr_load_32(&nc__c.cwd_idx), ident, NULL) < 0)
		return 0;
	cwd_ok[0] = ident;
	cwd_ok[1] = topo;
	cwd_ok[2] = g;
	return 1;
}

/* The working directory was found cut off: forget it (and its watch, so
 * that its new dentry can have one); the next relative lookup learns it
 * again.  If the writer is busy, a later lookup will find it again. */
static void cwd_lost(uint64_t ident)
{
	if (!ident || !nc__writer_trylock())
		return;
	if (nc__c.shared) { /* the daemon's to drop; we look again */
		if (ck_pr_load_64(&nc__c.cwd_ident) == ident)
			ck_pr_store_64(&nc__c.cwd_ident, 0);
		nc__writer_unlock();
		return;
	}
	/* Under the lock no dentry is mid-update: a chain that a reader saw
	 * broken only because a seqcount was odd is whole here. */
	if (ck_pr_load_64(&nc__c.cwd_ident) == ident &&
	    nc__cut_off(ck_pr_load_32(&nc__c.cwd_idx)))
		nc__cwd_forget(ck_pr_load_32(&nc__c.cwd_idx));
	nc__writer_unlock();
}

/*
 * Shared mode: find the working directory in the daemon's arena (a walk
 * of getcwd()'s path, read-only), published for this image alone; if it
 * is not there yet, ask the daemon for it.  As nc__fill_cwd() does, only
 * a watched directory that is the working directory now is published,
 * and nothing if a chdir raced with us.  Tried again, in shared mode,
 * until it is found (the daemon fills asynchronously): cheap, one
 * getcwd() and one stat per relative lookup at most.
 */
#define CWD_RETRY 32

static void find_cwd(void)
{
	const struct nc_arena *a = &nc__c.arena;
	uint32_t gen = __atomic_load_n(&nc__c.cwd_gen, __ATOMIC_SEQ_CST);
	const struct nc_dentry *d;
	struct nc_query hq = {.path = nc__cwd_path};
	struct nc_walk w;
	struct stat here;
	unsigned seq;
	long n = ck_pr_load_32(&nc__c.cwd_plen) + 1;

	/* getcwd() once per working directory (chdir forgets it); then the
	 * walk is tried again every CWD_RETRY relative lookups while the
	 * daemon has not filled it yet. */
	if (n == 1) {
		n = syscall(SYS_getcwd, nc__cwd_path, sizeof(nc__cwd_path));
		if (n <= 1 || nc__cwd_path[0] != '/')
			return;
		ck_pr_store_32(&nc__c.cwd_plen, (uint32_t)(n - 1));
		nc__c.cwd_tries = 0;
	} else if (++nc__c.cwd_tries % CWD_RETRY) {
		return;
	}
	if (nc__walk(&w, a, ck_pr_load_64(&a->hdr->generation),
		     ck_pr_load_32(&a->hdr->root_idx),
		     ck_pr_load_64(&a->hdr->root_ident),
		     ck_pr_load_32(&a->hdr->root_idx),
		     ck_pr_load_64(&a->hdr->root_ident), nc__cwd_path,
		     0) != W_FOUND ||
	    !(d = nc__dentry_at(a, w.fidx)) || !nc__d_read_begin(d, &seq) ||
	    !(ck_pr_load_32(&d->flags) & NC_D_DIR) ||
	    !(ck_pr_load_32(&d->flags) & NC_D_WATCHED) ||
	    syscall(SYS_newfstatat, AT_FDCWD, ".", &here, 0) < 0 ||
	    here.st_ino != d->st.st_ino || here.st_dev != d->st.st_dev ||
	    nc__d_read_retry(d, seq)) {
		hq.len_path = (size_t)(n - 1);
		if (!nc__c.cwd_tries) /* the daemon fills it once asked */
			nc__hint(&hq, NC_HINT_FILL);
		return;
	}
	ck_pr_store_32(&nc__c.cwd_idx, w.fidx);
	ck_pr_store_64(&nc__c.cwd_ident, ck_pr_load_64(&d->ident));
	if (__atomic_load_n(&nc__c.cwd_gen, __ATOMIC_SEQ_CST) != gen)
		ck_pr_store_64(&nc__c.cwd_ident, 0);
}

/* Relative lookups need the cwd's dentry: computed on the first admitted
 * one, and after a failure again only after a chdir (in shared mode,
 * every CWD_RETRY lookups: the daemon fills it). */
static int have_cwd(void)
{
	if (ck_pr_load_64(&nc__c.cwd_ident))
		return 1;
	if (!nc__writer_trylock())
		return 0;
	if (!nc__c.shared && nc__c.cwd_admit == 1) {
		/* 2: tried; again only after a chdir or a flush (set before
		 * the fill, which may flush and set it back to 1) */
		nc__c.cwd_admit = 2;
		nc__mount_fence_open();
		nc__fill_cwd();
		nc__mount_fence_close();
	} else {
		if (nc__c.shared)
			find_cwd();
		if (nc__c.cwd_admit < 2)
			nc__c.cwd_admit++;
	}
	nc__writer_unlock();
	return ck_pr_load_64(&nc__c.cwd_ident) != 0;
}

/*
 * The memo (memo.h) in front of the walk: a whole path this thread
 * resolved before, still valid if no directory or symlink died since
 * (topo) and the final dentry is the same live one.  Returns the walk
 * result it stands for, or -1: walk.
 */
static int remembered(const struct nc_query *q, struct nc_walk *w,
		      const struct nc_arena *a, uint64_t hash, uint64_t g,
		      uint64_t start, uint64_t topo)
{
	struct nc_memo_hit m;
	const struct nc_dentry *d;
	uint32_t flags;
	int neg_errno;
	unsigned seq;

	if (!nc__memo_get(hash, start, q->path, q->len_path, q->nofollow, topo,
			  &m))
		return -1;
	d = nc__dentry_at(a, m.idx);
	if (!d || !nc__d_read_begin(d, &seq))
		return -1;
	flags = ck_pr_load_32(&d->flags);
	neg_errno = ck_pr_load_int(&d->neg_errno);
	if (!(flags & NC_D_LIVE) || ck_pr_load_64(&d->gen) != g ||
	    ck_pr_load_64(&d->ident) != m.ident || nc__d_read_retry(d, seq))
		return -1;
	w->gen = g;
	w->fidx = m.idx;
	w->fseq = seq;
	w->nonlink = m.nonlink;
	/* Marked hot since (a fill's watch on a directory it had left
	 * unwatched moves no topology): the final dentry says so. */
	w->hot = m.hot || (flags & NC_D_HOT);
	w->links = m.links;
	w->neg = !!(flags & NC_D_NEG);
	if (w->neg) {
		w->err = neg_errno;
		return neg_errno ? W_ERR : -1;
	}
	return W_FOUND;
}

static void remember(const struct nc_query *q, const struct nc_walk *w,
		     uint64_t hash, uint64_t start, uint64_t topo)
{
	const struct nc_dentry *d = nc__dentry_at(&nc__c.arena, w->fidx);
	struct nc_memo_hit m;

	if (!d || !start)
		return;
	m.idx = w->fidx;
	m.ident = ck_pr_load_64(&d->ident);
	m.nonlink = w->nonlink;
	m.hot = w->hot;
	m.links = w->links > 0;
	if (nc__d_read_retry(d, w->fseq))
		return;
	nc__memo_put(hash, start, q->path, q->len_path, q->nofollow, topo, &m);
}

static int lookup(struct nc_query *q, uint64_t hash);
static int list_open(struct nc_query *q, const struct stat *want);
static void list_stamp(struct nc_query *q, const struct nc_walk *w, uint64_t g);

/*
 * Shared mode: the daemon flushed (its inotify instance is another one
 * now), went away, or the process changed its credentials or saw a mount
 * change.  The image passes through from here on: other threads may be
 * walking the daemon's arena this very moment, so it stays mapped and
 * nc__c.arena is not touched (a fork child, alone in its process,
 * attaches afresh).
 */
static void lost(int why)
{
	if (nc__c.why == NC_WHY_NONE)
		nc__c.why = why;
	__atomic_store_n(&nc__cache_state, NC_ST_OFF, __ATOMIC_RELEASE);
}

/*
 * Events that stay queued may mean that nobody drains them any more: every
 * 256th lookup in doubt looks whether the daemon closed the connection
 * (it exited, or was killed), or without one whether its pid is gone.  Then the
 * image leaves the shared cache: its lookups go straight to the C library
 * instead of checking a queue that only grows.  A daemon started later serves
 * the processes started later.
 */
static void daemon_alive(void)
{
	static unsigned doubts NC_STARTUP;
	char b;
	int fd, saved = errno;

	if ((__atomic_add_fetch(&doubts, 1, __ATOMIC_RELAXED) & 255) ||
	    !nc__writer_trylock())
		return;
	/* An image handed its attachment has no connection until its first
	 * miss: it asks whether the daemon's process is still there. */
	fd = ck_pr_load_int(&nc__c.sfd);
	if (fd >= 0 ? syscall(SYS_recvfrom, fd, &b, 1, MSG_PEEK | MSG_DONTWAIT,
			      NULL, NULL) == 0
		    : nc__c.daemon_pid > 0 &&
			  syscall(SYS_kill, nc__c.daemon_pid, 0) < 0 &&
			  errno == ESRCH)
		lost(NC_WHY_LOST);
	errno = saved;
	nc__writer_unlock();
}

/* The daemon flushed and made new inotify instances: fetch them (one
 * thread at a time; the others pass through meanwhile). */
static void refresh(void)
{
	if (!nc__writer_trylock())
		return;
	if (ck_pr_load_64(&nc__c.arena.hdr->epoch) != nc__c.epoch &&
	    nc__attach_refresh() < 0)
		lost(NC_WHY_LOST);
	nc__writer_unlock();
}

static int query(struct nc_query *q)
{
	uint64_t hash;

	/* A child that copied our memory without our atfork handler: its
	 * descriptors may be its parent's own (CLONE_FILES), so they are
	 * forgotten, not closed. */
	if (__builtin_expect(alive && !__atomic_load_n(alive, __ATOMIC_ACQUIRE),
			     0) &&
	    ck_pr_load_int(&nc__cache_state) == NC_ST_READY) {
		nc__notify_forget();
		__atomic_store_n(&nc__c.sfd, -1, __ATOMIC_RELEASE);
		nc__cache_fork_child();
	}
	/* Acquire: what start() set up before publishing READY is seen. */
	if (__atomic_load_n(&nc__cache_state, __ATOMIC_ACQUIRE) !=
	    NC_ST_READY) {
		if (ck_pr_load_int(&nc__cache_state) == NC_ST_NONE)
			start();
		if (__atomic_load_n(&nc__cache_state, __ATOMIC_ACQUIRE) !=
		    NC_ST_READY) {
			q->doubt = nc__c.attach == NC_AT_PENDING
				       ? NC_DOUBT_ATTACH
				       : NC_DOUBT_MODE;
			return NC_Q_MISS;
		}
	}
	if (nc__borrowed()) { /* a vfork child on our memory (see in_owner) */
		q->doubt = NC_DOUBT_MODE;
		return NC_Q_MISS;
	}
	if (!q->path || !q->path[0] ||
	    (q->dirfd != AT_FDCWD && q->path[0] != '/') ||
	    (q->len_path = strnlen(q->path, PATH_MAX)) >= PATH_MAX) {
		q->doubt = NC_DOUBT_ARGS;
		return NC_Q_MISS;
	}
	if (ck_pr_load_int(&nc__c.flush_pending)) {
		if (nc__c.shared) { /* set*id, chroot, a lost daemon */
			lost(NC_WHY_LOST);
			q->doubt = NC_DOUBT_MODE;
			return NC_Q_MISS;
		}
		if (!nc__writer_trylock()) {
			q->doubt = NC_DOUBT_BUSY;
			return NC_Q_MISS;
		}
		if (ck_pr_load_int(&nc__c.flush_pending))
			nc__flush_locked();
		nc__writer_unlock();
	}
	if (ck_pr_load_32(&nc__c.mount_heard) !=
		ck_pr_load_32(&nc__c.mount_done) &&
	    !nc__notify_mount_settle()) {
		q->doubt = NC_DOUBT_MOUNT; /* a mount change not applied */
		return NC_Q_MISS;
	}
	if (q->path[0] != '/' && ck_pr_load_int(&nc__c.cwd_unstable) > 0) {
		q->doubt = NC_DOUBT_ARGS;
		return NC_Q_MISS;
	}
	hash = XXH3_64bits_withSeed(
	    q->path, q->len_path,
	    q->path[0] == '/' ? 0 : 1 + ck_pr_load_32(&nc__c.cwd_gen));
	if (!nc__c.shared && !nc__sightings(hash)) {
		q->doubt = NC_DOUBT_FIRST;
		return NC_Q_MISS;
	}
	return lookup(q, hash);
}

/* Shared mode: ask the daemon to learn what @q missed (hint.h): the path,
 * and the verdict an access() or statx() needs. */
static void hint(const struct nc_query *q)
{
	nc__hint(q, q->op == NC_OP_STATX    ? NC_HINT_STATX
		    : q->op == NC_OP_ACCESS ? NC_HINT_ACCESS
		    : q->op == NC_OP_LIST   ? NC_HINT_LIST
					    : NC_HINT_FILL);
}

/*
 * Steps 1-4 for an admitted path.  Kept out of query() so that the common
 * first lookup runs in a small stack frame: this one holds a whole answer.
 */
static __attribute__((noinline)) int lookup(struct nc_query *q, uint64_t hash)
{
	const struct nc_arena *a = &nc__c.arena;
	struct answer ans;
	int filled = 0;

	if (!ck_pr_load_int(&nc__c.mature)) {
		if (ck_pr_faa_32(&nc__c.repeats, 1) < cfg_warmup) {
			q->doubt = NC_DOUBT_WARMUP;
			return NC_Q_MISS;
		}
		ck_pr_store_int(&nc__c.mature, 1);
	}
	if (q->path[0] != '/' && !have_cwd()) {
		q->doubt = NC_DOUBT_COLD;
		if (nc__c.shared) /* through getcwd()'s path, known by now */
			hint(q);
		return NC_Q_MISS;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		struct nc_walk w;
		uint32_t s = ck_pr_load_32(&a->hdr->drain_seq), hs;
		uint64_t g, topo, start, root_ident;
		uint32_t root_idx;
		int r, c, why;

		if (s & 1) {
			q->doubt = NC_DOUBT_DRAINING;
			return NC_Q_MISS;
		}
		hs = ck_pr_load_32(&a->hdr->hot_seq);
		ck_pr_fence_load();
		g = ck_pr_load_64(&a->hdr->generation);
		topo = ck_pr_load_64(&a->hdr->topo);
		if (nc__c.shared) {
			/* The daemon's root; and its inotify instance is
			 * still the one we poll (attach.c). */
			root_idx = ck_pr_load_32(&a->hdr->root_idx);
			root_ident = ck_pr_load_64(&a->hdr->root_ident);
			if (ck_pr_load_64(&a->hdr->epoch) !=
			    __atomic_load_n(&nc__c.epoch, __ATOMIC_ACQUIRE)) {
				refresh();
				q->doubt = NC_DOUBT_ATTACH;
				return NC_Q_MISS;
			}
		} else {
			root_idx = ck_pr_load_32(&nc__c.root_idx);
			root_ident = ck_pr_load_64(&nc__c.root_ident);
		}
		start = q->path[0] == '/' ? root_ident
					  : ck_pr_load_64(&nc__c.cwd_ident);
		if (q->path[0] != '/' && !cwd_intact(a, g, topo, start)) {
			cwd_lost(start);
			q->doubt = NC_DOUBT_CHANGED;
			return NC_Q_MISS;
		}
		r = remembered(q, &w, a, hash, g, start, topo);
		if (r < 0) {
			struct nc_walk_dir dir;
			size_t n =
			    start ? nc__memo_dir_get(start, q->path,
						     q->len_path, topo, &dir)
				  : 0;

			if (n) {
				r = nc__walk_in(&w, a, g, root_idx, root_ident,
						&dir, q->path + n, q->nofollow);
			} else {
				/* From the cwd sampled as @start: a chdir
				 * since fails the walk's start check, and
				 * what it remembers is @start's. */
				r = nc__walk(&w, a, g, root_idx, root_ident,
					     ck_pr_load_32(&nc__c.cwd_idx),
					     start, q->path, q->nofollow);
				if (w.dir_len && start)
					nc__memo_dir_put(start, q->path,
							 w.dir_len, topo,
							 &w.dir);
			}
			/* Shared mode admits every path; its memo entry
			 * waits for a third sighting: the first write to
			 * each page of the memo is a page fault, which a
			 * short process making a few lookups of each path
			 * (a compiler's driver: two) would pay without
			 * ever reading it back. */
			if ((r == W_FOUND || (r == W_ERR && w.neg)) &&
			    (!nc__c.shared || nc__sightings(hash) >= 2))
				remember(q, &w, hash, start, topo);
		}
		if (r == W_ABORT) {
			q->doubt = NC_DOUBT_CHANGED;
			return NC_Q_MISS;
		}
		q->armed = 0;
		q->doubt = -1;
		if (r != W_MISS && answer(q, &w, r, &ans) == NC_Q_MISS &&
		    q->doubt != NC_DOUBT_COLD) {
			if (nc__c.shared && q->doubt == NC_DOUBT_VERDICT) {
				/* The daemon learns the verdict itself, with
				 * the same credentials (attach.c). */
				hint(q);
				q->armed = 0;
			}
			return NC_Q_MISS;
		}
		if (r == W_MISS || q->doubt == NC_DOUBT_COLD) {
			/* Not cached (yet): fill once, then walk again.  In
			 * shared mode the daemon fills, for later lookups. */
			q->doubt = NC_DOUBT_COLD;
			if (nc__c.shared) {
				hint(q);
				return NC_Q_MISS;
			}
			if (filled)
				return NC_Q_MISS;
			if (!nc__writer_trylock()) {
				q->doubt = NC_DOUBT_BUSY;
				return NC_Q_MISS;
			}
			nc__mount_fence_open();
			if (q->op == NC_OP_LIST)
				nc__fill_list(q->path);
			else
				nc__fill(q->path, q->nofollow);
			nc__mount_fence_close();
			nc__writer_unlock();
			filled = 1;
			continue;
		}
		if (w.hot && (hs & 1)) { /* a drain of the hot queue runs */
			q->doubt = NC_DOUBT_HOT;
			return NC_Q_MISS;
		}
		if (q->op == NC_OP_LIST && ans.ret >= 0 &&
		    !list_open(q, &ans.st))
			return NC_Q_MISS;
		c = nc__coherent(ans.own, w.hot, &why);
		if (c == 0 || c == NC_COHERENT_HOT) {
			q->doubt = why;
			if (nc__c.shared)
				daemon_alive();
			return NC_Q_MISS;
		}
		if (c < 0)
			continue; /* drained: walk again */
		ck_pr_fence_load();
		if (ck_pr_load_32(&a->hdr->drain_seq) != s ||
		    ck_pr_load_64(&a->hdr->generation) != g ||
		    (w.hot && ck_pr_load_32(&a->hdr->hot_seq) != hs))
			continue;
		if (q->op == NC_OP_LIST && ans.ret >= 0)
			list_stamp(q, &w, g);
		commit(q, &ans);
		return NC_Q_HIT;
	}
	q->doubt = NC_DOUBT_CHANGED;
	q->armed = 0;
	return NC_Q_MISS;
}

/*
 * Directory listings (opendir).  A listing is only as good as the
 * descriptor it is read beside: the query opens the directory after the
 * walk that found the listing and before the check that proves it, so
 * that a hit also proves that nothing the walk passed changed in between.
 * The descriptor must also be the listing's directory (@want, the
 * dentry's): the check hears the events of the changes that returned
 * before it, but not a chdir by another thread since the walk began, nor
 * a rename the kernel has made visible and not yet reported.  glibc's
 * opendir() makes the same fstat() (for its buffer's size, in blksize).
 * The walk is not made again once the directory is open: a second pass
 * would begin after the open.
 */
static int list_open(struct nc_query *q, const struct stat *want)
{
	struct stat st;
	long fd;

	if (q->fd >= 0 || q->open_err) {
		q->doubt = NC_DOUBT_CHANGED;
		return 0;
	}
	fd = syscall(SYS_openat, AT_FDCWD, q->path,
		     O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		q->open_err = errno;
		q->doubt = NC_DOUBT_EXISTS; /* the kernel's answer */
		return 0;
	}
	q->fd = (int)fd;
	if (syscall(SYS_fstat, fd, &st) < 0) {
		q->doubt = NC_DOUBT_CHANGED;
		return 0;
	}
	q->blksize = st.st_blksize;
	if (st.st_dev != want->st_dev || st.st_ino != want->st_ino) {
		q->doubt = NC_DOUBT_CHANGED;
		return 0;
	}
	return 1;
}

static void list_stamp(struct nc_query *q, const struct nc_walk *w, uint64_t g)
{
	const struct nc_arena *a = &nc__c.arena;
	const struct nc_dentry *d = nc__dentry_at(a, w->fidx);

	q->stamp.base = a->base;
	q->stamp.gen = g;
	q->stamp.epoch = nc__c.shared ? ck_pr_load_64(&a->hdr->epoch) : 0;
	q->stamp.ident = d ? ck_pr_load_64(&d->ident) : 0;
	q->stamp.idx = w->fidx;
	q->stamp.seq = w->fseq;
}

/*
 * Nothing the listing depends on moved: the arena and its generation (a
 * flush), the daemon's instance, and the directory's dentry, whose
 * seqcount every event in the directory moves (notify.c: forget_attrs,
 * drop).  The queue that holds the directory's events (the hot one if it
 * is hot) is then asked, as a hit asks it, between two samples of the
 * drain sequences: no event is queued, none is being applied, so none
 * that the dentry does not show happened before the question.
 */
int nc__stamp_valid(const struct nc_stamp *s)
{
	const struct nc_arena *a = &nc__c.arena;
	const struct nc_dentry *d;
	int saved = errno, ok = 0, hot, why;
	uint32_t ds, hs;
	unsigned v;

	if (__atomic_load_n(&nc__cache_state, __ATOMIC_ACQUIRE) !=
		NC_ST_READY ||
	    nc__borrowed() || a->base != s->base)
		goto out;
	ds = ck_pr_load_32(&a->hdr->drain_seq);
	hs = ck_pr_load_32(&a->hdr->hot_seq);
	ck_pr_fence_load();
	if ((ds & 1) || ck_pr_load_64(&a->hdr->generation) != s->gen ||
	    (nc__c.shared && ck_pr_load_64(&a->hdr->epoch) != s->epoch))
		goto out;
	d = nc__dentry_at(a, s->idx);
	if (!d || !nc__d_read_begin(d, &v) || v != s->seq ||
	    ck_pr_load_64(&d->ident) != s->ident)
		goto out;
	hot = !!(ck_pr_load_32(&d->flags) & NC_D_HOT);
	if ((hot && (hs & 1)) || nc__coherent(0, hot, &why) != 1)
		goto out;
	ck_pr_fence_load();
	ok = ck_pr_load_32(&a->hdr->drain_seq) == ds &&
	     (!hot || ck_pr_load_32(&a->hdr->hot_seq) == hs) &&
	     ck_pr_load_64(&a->hdr->generation) == s->gen &&
	     !nc__d_read_retry(d, s->seq);
out:
	errno = saved;
	return ok;
}

int nc__query(struct nc_query *q)
{
	int saved = errno;
	int r;

	q->armed = 0;
	q->doubt = NC_DOUBT_ARGS;
	if (q->op < 0)
		return NC_Q_MISS;
	q->doubt = NC_DOUBT_MODE;
	r = query(q);
	errno = saved;
	return r;
}

/* errno values that are a verdict on the object, not on the path. */
static int is_verdict(int err)
{
	return err == EACCES || err == EROFS || err == EPERM || err == ETXTBSY;
}

void nc__query_done(struct nc_query *q, long ret, int err)
{
	struct nc_dentry *d;
	int saved = errno;

	if (!q->armed || nc__c.shared || !nc__writer_trylock())
		goto out;
	d = nc__dentry_at(&nc__c.arena, q->fidx);
	if (!d || d->ident != q->fident || !(d->flags & NC_D_LIVE))
		goto unlock;
	/* The real call ran without the lock: if the dentry was written
	 * since the query was armed (a drain forgot its attributes after an
	 * event, a new watch voided what was learnt before it), the answer
	 * may predate a change whose event is already gone.  Not kept. */
	if (nc__d_read_retry(d, q->fseq))
		goto unlock;
	/* Nor if a mount change may have come since it was armed: one not
	 * applied yet, or one applied (whose comparison of two tables may
	 * not show a mount that came and went around the call). */
	if (!nc__mount_quiet() ||
	    ck_pr_load_32(&nc__c.arena.hdr->mount_seq) != q->mseq)
		goto unlock;
	/* A directory's attributes are only kept while it is watched. */
	if ((d->flags & NC_D_DIR) && !(d->flags & NC_D_WATCHED))
		goto unlock;
	if (q->op == NC_OP_ACCESS && (ret == 0 || is_verdict(err)) &&
	    err < NC_ACC_UNKNOWN) {
		nc__d_write_begin(d);
		if (q->eff)
			d->acc_eff[q->mode] = ret == 0 ? 0 : (uint8_t)err;
		else
			d->acc_real[q->mode] = ret == 0 ? 0 : (uint8_t)err;
		nc__d_write_end(d);
	} else if (q->op == NC_OP_STATX && ret == 0) {
		nc__d_write_begin(d);
		*nc__d_stx(&nc__c.arena, q->fidx) = *q->out.stx;
		d->stx_req_mask = q->mask;
		d->flags |= NC_D_STATX;
		nc__d_write_end(d);
	}
unlock:
	nc__writer_unlock();
out:
	q->armed = 0;
	errno = saved;
}

/* ---- life cycle ---------------------------------------------------- */

void nc__cache_fork_prepare(void)
{
	int saved = errno;

	/* A hand-down not used yet is this image's only: taken now (no
	 * round trip), the child gets the attachment it makes. */
	if (nc__c.ho.afd >= 0 && ck_pr_load_int(&nc__cache_state) == NC_ST_NONE)
		start();
	nc__attach_fork_prepare();
	errno = saved;
}

void nc__cache_fork_parent(void)
{
	int saved = errno;

	nc__attach_fork_parent();
	errno = saved;
}

static void fork_child(void);

void nc__cache_fork_child(void)
{
	int saved = errno;

	fork_child();
	errno = saved;
}

static void fork_child(void)
{
	/* The inherited descriptors share the parent's queue: a child that
	 * drained it would steal the parent's events.  Start afresh. */
	/* A forked child (a subshell) earns its own cache: its exit would
	 * pay for the watches. */
	nc__owner_set();
	nc__c.repeats = 0;
	nc__c.mature = 0;
	/* Alone in its process, the child may unmap what the parent's
	 * attachment left it, and attach on its own (its hints go on a ring
	 * of its own, counted for it alone). */
	nc__attach_fork_child();
	nc__c.hints[0] = nc__c.hints[1] = 0;
	nc__c.attach_tries = 0;
	nc__c.refreshing = 0;
	nc__c.refresh_tries = 0;
	if (nc__c.attach != NC_AT_NONE)
		nc__detach(1);
	if (nc__c.why != NC_WHY_UNSET)
		nc__c.why = NC_WHY_NONE;
	if (ck_pr_load_int(&nc__cache_state) == NC_ST_NONE)
		return;
	nc__notify_fork_child();
	nc__c.writer = 0;
	__atomic_store_n(&nc__cache_state, NC_ST_NONE, __ATOMIC_RELEASE);
}

void nc__cache_cwd_changed(void)
{
	/* A vfork child's own directory: its queries pass through, and the
	 * parent's working directory is still the one it knows. */
	if (!nc__in_owner())
		return;
	__atomic_fetch_add(&nc__c.cwd_gen, 1, __ATOMIC_SEQ_CST);
	ck_pr_store_64(&nc__c.cwd_ident, 0);
	ck_pr_store_32(&nc__c.cwd_plen, 0); /* getcwd() again */
	nc__c.cwd_admit = 1; /* the next relative lookup recomputes it */
}

void nc__cache_cwd_unstable(int delta)
{
	__atomic_fetch_add(&nc__c.cwd_unstable, delta, __ATOMIC_ACQ_REL);
	nc__cache_cwd_changed();
}

void nc__cache_flush_all(void)
{
	if (!nc__in_owner())
		return;
	if (ck_pr_load_int(&nc__cache_state) == NC_ST_READY)
		ck_pr_store_int(&nc__c.flush_pending, 1);
	nc__attach_hand_drop(1, 0);
}

int nc__cache_owns_fd(int fd)
{
	return fd >= 0 && nc__notify_owns((unsigned)fd, (unsigned)fd);
}

void nc__cache_fd_closing(int fd)
{
	if (fd >= 0)
		nc__cache_fds_closing((unsigned)fd, (unsigned)fd);
}

void nc__cache_fds_closing(unsigned int first, unsigned int last)
{
	int ours = nc__notify_owns(first, last);

	/* Memory only on the common path: a close of the program's own. */
	if ((!ours && nc__c.ho.afd < 0) || !nc__in_owner())
		return;
	if (ours)
		__atomic_store_n(&nc__cache_state, NC_ST_OFF, __ATOMIC_RELEASE);
	nc__attach_hand_drop(first, last);
}
