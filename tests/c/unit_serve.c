/*
 * Unit tests of the daemon's writer (serve.c) with a real inotify
 * instance: what clients can observe of a drain.
 *
 * A client trusts an answer only while both drain sequences are even and
 * unchanged across its walk and the queue is empty (cache.c).  A drain
 * that flushes (an overflowed queue: events were lost) must therefore
 * keep its sequence odd until the flush has bumped the generation: were
 * it even in between, with the queue read empty and the generation not
 * yet moved, a client could trust an entry whose change was lost.
 * The header names the instances a client attaching without the socket
 * takes, and an overflow is counted once, as one flush.
 *
 * The mount fence (notify.c): a fill whose real calls saw a mount that
 * came and went before the daemon read the table again leaves nothing of
 * what it saw (comparing the two tables, identical, would name nothing),
 * and a mount elsewhere during a fill drops that fill's entries only.
 *
 * Directories every program writes into are hot from their first watch
 * (notify.c, born_hot): /dev, whose null device every git command opens
 * read-write and closes, queues that close on the hot instance only.
 *
 * Each instance has a watch ring whose page clients read (uring.c): an
 * event on the hot instance sets the hot ring's flag, the moment the
 * system call that caused it returns, and not the cold one's; the ring's
 * eventfd, which brings the daemon to drain, is signalled (possibly a
 * moment later); the hot drain clears the flag inside its odd window.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache_int.h"
#include "cache/serve.h"
#include "harness.h"
#include "store/arena.h"
#include "store/walk.h"

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void hint(const char *path)
{
	struct nc_hint h;

	memset(&h, 0, sizeof(h));
	h.op = NC_HINT_FILL;
	h.len = (uint16_t)strlen(path);
	memcpy(h.path, path, h.len + 1);
	nc__serve_hint(&h);
}

TEST(a_drain_that_flushes_is_one_odd_window)
{
	char dir[] = "/tmp/nc-unit-serve-XXXXXX", path[64];
	long max = read_long("/proc/sys/fs/inotify/max_queued_events");
	struct nc_serve_stats st;
	struct nc_arena_hdr *h;
	uint32_t s0, h0;
	uint64_t g0;
	int memfd = memfd_create("nc-unit-serve", MFD_CLOEXEC);

	if (max < 0 || max > 200000) {
		fprintf(stderr, "# max_queued_events is %ld: skipped\n", max);
		return;
	}
	/* A mount change elsewhere on the machine would be applied in the
	 * drain, a window more: none reach a private mount namespace. */
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
		CHECK(mount("none", "/", "", MS_REC | MS_PRIVATE, NULL));
	ASSERT(memfd >= 0);
	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(nc__serve_start(memfd, 8u << 20), 0);
	h = nc__serve_hdr();
	snprintf(path, sizeof(path), "%s/f", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	hint(path); /* the directory is watched, its file filled */
	nc__serve_stats(&st);
	ASSERT(st.watches >= 2);
	/* What a client attaching without the socket reads (attach.c). */
	ASSERT_EQ(h->daemon_pid, (int32_t)getpid());
	ASSERT_EQ(h->world_ok, 1u);
	ASSERT_EQ(h->ifd_no, nc__serve_ifd());
	ASSERT_EQ(h->hifd_no, nc__serve_hifd());
	/* More events than the queue holds: it overflows. */
	for (long i = 0; i <= max; i++) {
		snprintf(path, sizeof(path), "%s/x%ld", dir, i);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	s0 = h->drain_seq;
	h0 = h->hot_seq;
	g0 = h->generation;
	ASSERT_EQ(s0 & 1, 0);
	ASSERT_EQ(h0 & 1, 0);
	nc__serve_drain(0);
	nc__serve_stats(&st);
	ASSERT_EQ(st.overflows, 1u);
	ASSERT_EQ(st.flushes, 1u);
	/* The new instances, under the same odd window. */
	ASSERT_EQ(h->ifd_no, nc__serve_ifd());
	ASSERT_EQ(h->hifd_no, nc__serve_hifd());
	ASSERT(h->generation > g0);
	/* Odd from the read() to the end of the flush: one window each. */
	ASSERT_EQ(h->drain_seq, s0 + 2);
	ASSERT_EQ(h->hot_seq, h0 + 2);
	for (long i = 0; i <= max; i++) {
		snprintf(path, sizeof(path), "%s/x%ld", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
}

/* Is @path cached (a positive or negative dentry at its end)? */
static int cached(const char *path)
{
	const struct nc_arena *a = &nc__c.arena;
	struct nc_walk w;
	int r = nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
			 nc__c.root_ident, nc__c.root_idx, nc__c.root_ident,
			 path, 1);

	return r == W_FOUND || (r == W_ERR && w.neg);
}

TEST(a_mount_that_came_and_went_during_a_fill_leaves_nothing)
{
	char dir[] = "/tmp/nc-unit-fence-XXXXXX", p[96], x[96], y[96], o[96];
	char keep[96];
	struct nc_serve_stats st;
	int memfd = memfd_create("nc-unit-serve", MFD_CLOEXEC);

	if (geteuid() != 0)
		NC_SKIP("mounts need root");
	if (unshare(CLONE_NEWNS) < 0)
		NC_SKIP("no mount namespace: %s", strerror(errno));
	CHECK(mount("none", "/", "", MS_REC | MS_PRIVATE, NULL));
	ASSERT(mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/p", dir);   /* the mount point */
	snprintf(x, sizeof(x), "%s/x", dir);   /* what is bound over it */
	snprintf(y, sizeof(y), "%s/p/y", dir); /* only in x */
	snprintf(o, sizeof(o), "%s/o", dir);   /* a mount elsewhere */
	snprintf(keep, sizeof(keep), "%s/k", dir);
	CHECK(mkdir(p, 0755));
	CHECK(mkdir(x, 0755));
	CHECK(mkdir(o, 0755));
	snprintf(y, sizeof(y), "%s/x/y", dir);
	close(open(y, O_CREAT | O_WRONLY, 0644));
	close(open(keep, O_CREAT | O_WRONLY, 0644));
	snprintf(y, sizeof(y), "%s/p/y", dir);
	ASSERT(memfd >= 0);
	ASSERT_EQ(nc__serve_start(memfd, 8u << 20), 0);
	hint(keep);
	ASSERT(cached(keep));

	/* x bound over p and gone again, all while the fill ran: the
	 * fill saw p/y, which is not there once it is over. */
	nc__mount_fence_open();
	CHECK(mount(x, p, "", MS_BIND, NULL));
	nc__fill(y, 1);
	ASSERT(cached(y));
	CHECK(umount(p));
	nc__mount_fence_close();
	ASSERT(!cached(y));
	/* Filled again now, it is the kernel's answer: absent. */
	hint(y);
	ASSERT(access(y, F_OK) < 0 && errno == ENOENT);
	ASSERT(cached(y));
	ASSERT(!cached(p) || access(y, F_OK) < 0);
	/* A mount elsewhere during a fill: that fill's entries go, the rest
	 * stays, and nothing is flushed. */
	snprintf(x, sizeof(x), "%s/z", dir);
	nc__mount_fence_open();
	CHECK(mount("nc-test", o, "tmpfs", 0, NULL));
	nc__fill(x, 1);
	ASSERT(cached(x));
	nc__mount_fence_close();
	ASSERT(!cached(x));
	ASSERT(cached(keep));
	ASSERT(cached(y));
	snprintf(x, sizeof(x), "%s/x", dir);
	CHECK(umount(o));
	nc__serve_drain(0);
	nc__serve_stats(&st);
	ASSERT_EQ(st.flushes, 0u);
	ASSERT(st.mount_changes >= 2);
	ASSERT(cached(keep));
	unlink(keep);
	snprintf(y, sizeof(y), "%s/x/y", dir);
	unlink(y);
	rmdir(x);
	rmdir(p);
	rmdir(o);
	rmdir(dir);
}

/* The dentry @path names, or NULL. */
static const struct nc_dentry *dentry_of(const char *path)
{
	const struct nc_arena *a = &nc__c.arena;
	struct nc_walk w;

	if (nc__walk(&w, a, a->hdr->generation, nc__c.root_idx,
		     nc__c.root_ident, nc__c.root_idx, nc__c.root_ident, path,
		     1) != W_FOUND)
		return NULL;
	return nc__dentry_at(a, w.fidx);
}

TEST(dev_is_hot_from_its_first_watch)
{
	const struct nc_dentry *dev, *null;
	struct pollfd pf = {.events = POLLIN};
	int memfd = memfd_create("nc-unit-serve", MFD_CLOEXEC), fd;

	ASSERT(memfd >= 0);
	ASSERT_EQ(nc__serve_start(memfd, 8u << 20), 0);
	hint("/dev/null");
	/* No drain ran: hot from the watch, not moved there by an event.
	 * Its file's watch is its directory's instance's. */
	dev = dentry_of("/dev");
	null = dentry_of("/dev/null");
	ASSERT(dev && null);
	ASSERT(dev->flags & NC_D_HOT);
	ASSERT(dev->wd >= (1 << 30) && null->wd >= (1 << 30));
	/* git's first act: /dev/null opened read-write, and closed.  Its
	 * IN_CLOSE_WRITE is the hot queue's. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT(fd >= 0);
	close(fd);
	pf.fd = nc__serve_hifd();
	ASSERT_EQ(poll(&pf, 1, 0), 1);
	ASSERT(pf.revents & POLLIN);
}

/* A client's view of the daemon's watch ring @which, mapped from its
 * memfd as a client maps it. */
static void view_of(int which, struct nc__wview *v)
{
	const struct nc_wring_pub *pub = &nc__c.arena.hdr->wring[which];
	struct nc_wring_layout lay = {.size = 4096,
				      .flags = pub->flags,
				      .head = pub->head,
				      .tail = pub->tail};

	memset(v, 0, sizeof(*v));
	ASSERT(pub->fd >= 0);
	ASSERT_EQ(pub->fd, nc__c.wring[which].mem);
	ASSERT_EQ(nc__wview_map(v, pub->fd, &lay), 0);
}

TEST(the_hot_instance_has_a_watch_ring_of_its_own)
{
	struct pollfd pf = {.events = POLLIN};
	struct nc__wview cold, hot;
	uint32_t h0;
	int memfd = memfd_create("nc-unit-serve", MFD_CLOEXEC), fd;

	ASSERT(memfd >= 0);
	ASSERT_EQ(nc__serve_start(memfd, 8u << 20), 0);
	hint("/dev/null");
	nc__serve_drain(0);
	nc__serve_drain(1);
	view_of(NC_WR_COLD, &cold);
	view_of(NC_WR_HOT, &hot);
	ASSERT_EQ(nc__c.arena.hdr->wring[NC_WR_HOT].epoch,
		  nc__c.arena.hdr->epoch);
	ASSERT(nc__wview_clean(&cold));
	ASSERT(nc__wview_clean(&hot));
	/* An event on the hot instance: its ring's flag is set when
	 * close() returns; the cold ring is left clean. */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT(fd >= 0);
	close(fd);
	ASSERT(!nc__wview_clean(&hot));
	ASSERT(nc__wview_clean(&cold));
	/* The daemon's wake-up: the ring's eventfd is signalled, here
	 * moments after close() returned (the kernel may defer the signal
	 * to an RCU callback). */
	pf.fd = nc__serve_wring_efd(1);
	ASSERT_EQ(poll(&pf, 1, 2000), 1);
	/* The hot drain clears it, inside one odd window. */
	h0 = nc__c.arena.hdr->hot_seq;
	nc__serve_drain(1);
	ASSERT_EQ(nc__c.arena.hdr->hot_seq, h0 + 2);
	ASSERT(nc__wview_clean(&hot));
	ASSERT(nc__wview_clean(&cold));
	nc__wview_unmap(&cold);
	nc__wview_unmap(&hot);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
