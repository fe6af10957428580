/*
 * The writer's side of the shared cache (see serve.h).
 *
 * The daemon runs the in-process cache's writer on an arena that lives in
 * a memfd: nc__c is the daemon's, the writer lock is held for good by its
 * one thread, and the same fill (watch before the real call), drain
 * (drain_seq odd around read() and apply) and flush (generation bump;
 * a new inotify instance moves hdr->epoch) keep the arena coherent.
 * Clients poll the same inotify instance (attach.c), so the argument of
 * cache.c carries over unchanged: a client trusts what it walked only if
 * the daemon's queue was empty at its check and drain_seq, generation and
 * epoch did not move across its walk.
 *
 * Verdicts (access(), statx() masks) are learnt here as the in-process
 * nc__query_done() learns them: the daemon resolves the dentry, samples
 * its seqcount, makes the real call with its credentials (which attach.c
 * made sure are the client's), and keeps the answer only if the dentry
 * was not written in between.  The dentry's watches were in place before
 * the call, so a later change is an event in the queue clients poll.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/proto.h"
#include "../store/walk.h"
#include "cache_int.h"
#include "serve.h"

static struct nc_serve_stats st;
static uint64_t *huge_done; /* a bit per chunk of the arena (arena.h) */

/*
 * What a client attaching without the socket checks itself against
 * (attach.c): our pid and world, in the header before anyone can map it.
 * A world we cannot state (ids that differ, too many groups) leaves
 * world_ok 0: clients then ask on the socket.
 */
static void publish_world(void)
{
	struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint32_t g[NC_PROTO_GROUPS];
	struct nc__world w;

	h->daemon_pid = (int32_t)getpid();
	if (nc__own_world(&w, g) < 0 || !w.root_mnt)
		return;
	h->w_uid = w.uid;
	h->w_gid = w.gid;
	h->w_ngroups = w.ngroups;
	h->w_ghash = w.ghash;
	h->w_root_mnt = w.root_mnt;
	h->w_root_dev = w.root_dev;
	h->w_root_ino = w.root_ino;
	ck_pr_fence_store();
	ck_pr_store_32(&h->world_ok, 1);
}

/* Sized for ~@bytes: a dentry, its statx slot, its name (48 bytes on
 * average) and its record in its directory's listing (32), and its share
 * of the hash table.  The statx slots are address space more than memory:
 * a page of them is only allocated once an answer is stored in it. */
int nc__serve_start(int memfd, uint64_t bytes)
{
	struct nc_arena_params p = {.fd = memfd, .table_min_log2 = 10};
	uint64_t per =
	    sizeof(struct nc_dentry) + sizeof(struct statx) + 80 + 32;
	long watches = 0;
	char buf[32];
	int fd, r;

	if (bytes < (1u << 20))
		bytes = 1u << 20;
	p.dentries =
	    (uint32_t)(bytes / per < 0x7fffffffu ? bytes / per : 0x7fffffffu);
	p.strbytes = (uint64_t)p.dentries * 80;
	r = nc__arena_create(&nc__c.arena, &p);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	st.arena_bytes = nc__c.arena.size;
	huge_done = calloc(NC_HUGE_BITS(nc__c.arena.size), sizeof(uint64_t));
	st.huge_off = !huge_done;
	/* A watch per cached directory and file: allow most of the user's
	 * limit, leaving room for the user's other programs. */
	fd = (int)syscall(SYS_openat, AT_FDCWD,
			  "/proc/sys/fs/inotify/max_user_watches", O_RDONLY);
	if (fd >= 0) {
		long n = (long)syscall(SYS_read, fd, buf, sizeof(buf) - 1);

		if (n > 0) {
			buf[n] = '\0';
			watches = strtol(buf, NULL, 10);
		}
		syscall(SYS_close, fd);
	}
	nc__notify_set_budget(watches > 0 ? (uint32_t)(watches / 4 * 3)
					  : 16384);
	nc__cache_chain(1);
	nc__c.mode = 0; /* strict: the walk and the fill do not care */
	nc__c.hot_enabled = 1;
	nc__c.writer = 1;
	if (nc__notify_open() < 0) {
		errno = EMFILE;
		return -1;
	}
	nc__arena_flush(&nc__c.arena);
	if (nc__fill_root() < 0) {
		errno = ENOMEM;
		return -1;
	}
	publish_world();
	__atomic_store_n(&nc__cache_state, 2 /* ready */, __ATOMIC_RELEASE);
	return 0;
}

struct nc_arena_hdr *nc__serve_hdr(void)
{
	return nc__c.arena.hdr;
}

uint64_t nc__serve_arena_size(void)
{
	return nc__c.arena.size;
}

int nc__serve_ifd(void)
{
	return nc__c.ifd;
}

int nc__serve_hifd(void)
{
	return nc__c.hifd;
}

int nc__serve_mfd(void)
{
	return nc__c.mfd;
}

int nc__serve_wring_efd(int hot)
{
	return nc__c.wring[hot ? NC_WR_HOT : NC_WR_COLD].efd;
}

int nc__serve_ring_due(int hot)
{
	return nc__wring_due(hot);
}

static void after(void)
{
	if (nc__c.flush_pending) {
		nc__flush_locked();
		st.flushes++;
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void nc__serve_set_log(void (*log)(const char *msg))
{
	nc__cache_set_log(log);
}

void nc__serve_drain(int hot)
{
	uint64_t epoch = nc__c.arena.hdr->epoch, t0 = mono_ns();
	uint64_t lost = nc__c.hot_lost, over = nc__c.q_overflows;

	if (hot)
		nc__drain_hot();
	else
		nc__drain();
	st.drains[!!hot]++;
	st.busy_ns[!!hot] += mono_ns() - t0;
	/* A flush in a drain may have other causes (a mount change the
	 * watch ring heard, a broken ring, an unknown watch): only what
	 * the queues said is an overflow.  A hot overflow forgets the hot
	 * entries only. */
	st.overflows += (nc__c.q_overflows - over) + (nc__c.hot_lost - lost);
	if (nc__c.arena.hdr->epoch != epoch)
		st.flushes++;
	after();
}

int nc__serve_mount(int heard)
{
	uint64_t epoch = nc__c.arena.hdr->epoch;

	/* @heard: our epoll's look at mfd took the report (mounts_poll()
	 * gives it once per open file), mfd would not say it again; else
	 * mfd is asked, and a change applied (nc__mount_quiet). */
	if (heard)
		nc__mount_apply_locked();
	else if (nc__mount_quiet())
		return 0;
	if (nc__c.arena.hdr->epoch != epoch)
		st.flushes++;
	after();
	return 1;
}

/* The live dentry @path resolves to, its index and its seqcount; NULL if
 * none. */
static struct nc_dentry *resolve(const char *path, int nofollow, uint32_t *idx,
				 unsigned *seq)
{
	const struct nc_arena *a = &nc__c.arena;
	struct nc_walk w;

	if (nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
		     nc__c.root_ident, nc__c.root_idx, nc__c.root_ident, path,
		     nofollow) != W_FOUND)
		return NULL;
	*idx = w.fidx;
	*seq = w.fseq;
	return nc__dentry_at(a, w.fidx);
}

static int is_verdict(int err)
{
	return err == EACCES || err == EROFS || err == EPERM || err == ETXTBSY;
}

/*
 * The real call is made on the dentry's own path, through its parents,
 * not on the hint's path: through a symbolic link that path may reach
 * another object by the time of the call (the link retargeted), whose
 * answer would stay on this dentry, which the link's event does not drop.
 * A change to any name of the dentry's own path drops it or cuts it off.
 */
static void verdict(const struct nc_hint *h)
{
	char abs[PATH_MAX];
	uint32_t idx;
	unsigned seq;
	struct nc_dentry *d = resolve(h->path, h->nofollow, &idx, &seq);
	long r;
	int err;

	if (!d || ((d->flags & NC_D_DIR) && !(d->flags & NC_D_WATCHED)) ||
	    nc__abs_path(idx, abs) < 0)
		return;
	if (h->op == NC_HINT_ACCESS) {
		if (h->mode > 7)
			return;
		r = syscall(SYS_faccessat2, AT_FDCWD, abs, h->mode,
			    (h->eff ? AT_EACCESS : 0) | AT_SYMLINK_NOFOLLOW);
		err = r < 0 ? errno : 0;
		if ((r != 0 && !is_verdict(err)) || err >= NC_ACC_UNKNOWN ||
		    nc__d_read_retry(d, seq))
			return;
		nc__d_write_begin(d);
		if (h->eff)
			d->acc_eff[h->mode] = (uint8_t)err;
		else
			d->acc_real[h->mode] = (uint8_t)err;
		nc__d_write_end(d);
	} else {
		struct statx stx;

		r = syscall(SYS_statx, AT_FDCWD, abs, AT_SYMLINK_NOFOLLOW,
			    h->mask, &stx);
		if (r != 0 || nc__d_read_retry(d, seq))
			return;
		nc__d_write_begin(d);
		*nc__d_stx(&nc__c.arena, idx) = stx;
		d->stx_req_mask = h->mask;
		d->flags |= NC_D_STATX;
		nc__d_write_end(d);
	}
}

/* A listing hint fills its path and then the listing of the directory it
 * reaches, read through that directory's own path (as a verdict is, above):
 * nc__fill_list, the same call a process caching for itself makes. */
void nc__serve_hint(const struct nc_hint *h)
{
	st.fills++;
	nc__mount_fence_open();
	if (h->op == NC_HINT_LIST) {
		nc__fill_list(h->path);
	} else {
		nc__fill(h->path, h->nofollow);
		if (h->op == NC_HINT_ACCESS || h->op == NC_HINT_STATX)
			verdict(h);
	}
	nc__mount_fence_close();
	after();
}

int nc__serve_huge(void)
{
	int r = nc__arena_huge_step(&nc__c.arena, huge_done, &st.huge_off);

	if (r == 1) {
		st.huge++;
	} else if (r == 0 && !st.huge_failed++) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "a chunk of the arena stays in small pages (%s)",
			 strerror(errno));
		nc__cache_log(msg);
	}
	return r >= 0;
}

int nc__serve_evict(void)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	const struct nc_arena *a = &nc__c.arena;

	if (h->dentry_free == NC_NONE &&
	    h->dentry_used >= a->dentry_max / 10 * 9)
		goto flush;
	if (h->str_used >= a->str_size / 10 * 9)
		goto flush;
	return 0;
flush:
	nc__cache_log("arena nearly full: cache flushed");
	nc__flush_locked();
	st.flushes++;
	return 1;
}

void nc__serve_stats(struct nc_serve_stats *s)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint64_t live = 0, stx = 0;

	for (uint32_t i = 0; i < h->dentry_used; i++) {
		const struct nc_dentry *d = nc__dentry_at(&nc__c.arena, i);

		live += d && (d->flags & NC_D_LIVE);
		stx += d && (d->flags & (NC_D_LIVE | NC_D_STATX)) ==
				(NC_D_LIVE | NC_D_STATX);
	}
	*s = st;
	s->entries = live;
	s->memory = (uint64_t)h->dentry_used * sizeof(struct nc_dentry) +
		    stx * sizeof(struct statx) + h->str_used + h->tables_used;
	s->watches = nc__c.wd_used;
	s->promoted = nc__c.promoted;
	s->events[0] = nc__c.events[0];
	s->events[1] = nc__c.events[1];
	s->mount_changes = nc__c.mount_changes;
	s->epoch = h->epoch;
}

void nc__serve_corrupt(uint64_t seed)
{
	const struct nc_arena_hdr *h = nc__c.arena.hdr;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;

	/* Names out of bounds: a reader's nc__str_at() refuses them, and the
	 * writer treats such a dentry as absent (it fills another). */
	for (int i = 0; i < 4 && h->dentry_used > 1; i++) {
		struct nc_dentry *d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		d = nc__dentry_at(&nc__c.arena,
				  1 + (uint32_t)(x % (h->dentry_used - 1)));
		if (d && (d->flags & NC_D_LIVE) && !(d->flags & NC_D_ROOT)) {
			nc__d_write_begin(d);
			d->name_off = nc__c.arena.str_size + (x & 0xffff);
			d->target_off = UINT64_MAX - 1;
			nc__d_write_end(d);
		}
	}
	/* The root index, which only clients read: out of bounds every
	 * other time. */
	ck_pr_store_32(&nc__c.arena.hdr->root_idx,
		       (seed & 1) ? nc__c.arena.dentry_max + 7
				  : nc__c.root_idx);
}
