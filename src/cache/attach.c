/*
 * The client side of the shared cache: attach, hints, detach.
 *
 * A process image attaches to the daemon listening on the socket
 * (proto.h) and then answers lookups from the daemon's arena, mapped
 * read-only, with the same walk as the in-process cache.  It never writes
 * the arena and never reads the daemon's inotify queue: it only polls it
 * (notify.c's probes and rings watch nc__c.ifd, which is the daemon's
 * instance here).  A miss posts the path on the image's own hint ring
 * (hint.h) and the daemon fills it for every later lookup, in this
 * process and in any other.
 *
 * Attaching hardly waits for the daemon.  The constructor connects and
 * sends the request (nc__attach_begin: a few system calls, no reply
 * awaited); the first query waits at most ATTACH_FIRST_MS for the reply
 * (the daemon answers in tens of microseconds when it runs at all), and
 * every later one reads it if it came (one recvmsg with MSG_DONTWAIT),
 * passing through meanwhile ("attach" in the statistics), until
 * ATTACH_WAIT_NS after the request, when the image gives up for its own
 * cache.  A daemon that is stopped, starved or dead costs a process at
 * most that millisecond, and a dead one not even that (connect fails).
 *
 * What is checked before a single answer is taken from the daemon:
 *   - the directory of the socket is ours alone (proto.c), the peer's
 *     SO_PEERCRED uid is ours (the daemon checks ours too);
 *   - our real, effective and saved uids and gids, and our groups, are
 *     the daemon's: it resolves paths and memoizes access() verdicts
 *     with its own credentials;
 *   - our mount namespace and root directory are the daemon's: it
 *     resolves the same absolute paths to the same files;
 *   - the arena's header is self-consistent (nc__arena_attach), and every
 *     offset read later is bounds-checked against the copy taken here.
 * Any failure leaves the image on its own cache, with the reason counted
 * (enum nc_why, in the statistics record).
 *
 * Detaching: the daemon replaced its inotify instance (a flush after an
 * overflow: the arena's epoch moved), or the connection broke when a
 * hint's wake-up was sent: the image detaches and attaches again at its
 * next query, at most MAX_TRIES times; a mount change seen by the image
 * detaches it for good (the daemon flushes on its own, but a client could
 * otherwise answer from the old table in between).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/proto.h"
#include "cache_int.h"

#define ATTACH_WAIT_NS 50000000ull /* 50 ms */
#define ATTACH_FIRST_MS 1	   /* the first query's wait */
#define ATTACH_EVERY_NS 200000ull  /* then a look every 0.2 ms at most */
#define MAX_TRIES 4

char nc__sock_path_cfg[108];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		syscall(SYS_close, *fd);
		__atomic_store_n(fd, -1, __ATOMIC_RELEASE);
	}
}

static void give_up(int why)
{
	close_fd(&nc__c.sfd);
	nc__c.why = why;
	nc__c.attach = NC_AT_NONE;
}

void nc__attach_begin(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct nc_req req = {.magic = NC_PROTO_MAGIC,
			     .version = NC_PROTO_VERSION,
			     .op = NC_REQ_ATTACH};
	size_t n = strlen(nc__sock_path_cfg);
	int fd;

	if (nc__c.attach != NC_AT_NONE || !n)
		return;
	if (nc__c.attach_tries >= MAX_TRIES)
		return;
	nc__c.attach_tries++;
	if (nc__sock_dir_check(nc__sock_path_cfg, (uid_t)syscall(SYS_getuid)) <
	    0) {
		nc__c.why = errno == EPERM ? NC_WHY_SOCKET : NC_WHY_NODAEMON;
		return;
	}
	if (nc__c.mfd < 0 && nc__notify_mount_open() < 0) {
		nc__c.why = NC_WHY_REFUSED;
		return;
	}
	fd = (int)syscall(SYS_socket, AF_UNIX,
			  SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		nc__c.why = NC_WHY_NODAEMON;
		return;
	}
	fd = nc__fd_rehome(fd);
	__atomic_store_n(&nc__c.sfd, fd, __ATOMIC_RELEASE);
	memcpy(sa.sun_path, nc__sock_path_cfg, n + 1);
	/* A Unix stream connect completes at once, or fails at once (no
	 * listener; EAGAIN: a backlog full of unaccepted connections, a
	 * stopped daemon's). */
	if (syscall(SYS_connect, fd, &sa, sizeof(sa)) < 0) {
		give_up(NC_WHY_NODAEMON);
		return;
	}
	/* Connected: a daemon listens.  One that hangs up at once (another
	 * user's) refuses us. */
	if (syscall(SYS_sendto, fd, &req, sizeof(req),
		    MSG_NOSIGNAL | MSG_DONTWAIT, NULL,
		    0) != (long)sizeof(req)) {
		give_up(NC_WHY_REFUSED);
		return;
	}
	nc__c.attach_deadline_ns = mono_ns() + ATTACH_WAIT_NS;
	nc__c.attach_waited = 0;
	nc__c.attach_next_ns = 0;
	nc__c.attach = NC_AT_PENDING;
}

static int same_groups(const struct nc_attach_reply *r)
{
	gid_t g[NC_PROTO_GROUPS];
	long n = syscall(SYS_getgroups, NC_PROTO_GROUPS, g);

	if (n < 0 || (uint32_t)n != r->ngroups)
		return 0;
	for (long i = 0; i < n; i++) {
		int found = 0;

		for (long j = 0; j < n && !found; j++)
			found = r->groups[j] == (uint32_t)g[i];
		if (!found)
			return 0;
	}
	return 1;
}

/* Is everything the daemon resolves with ours?  0, or an enum nc_why. */
static int same_world(const struct nc_attach_reply *r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	struct stat st;
	struct ucred peer;
	socklen_t len = sizeof(peer);

	if (syscall(SYS_getsockopt, nc__c.sfd, SOL_SOCKET, SO_PEERCRED, &peer,
		    &len) < 0 ||
	    peer.uid != (uid_t)r->uid)
		return NC_WHY_REFUSED;
	if (syscall(SYS_getresuid, &ru, &eu, &su) < 0 ||
	    syscall(SYS_getresgid, &rg, &eg, &sg) < 0 || ru != r->uid ||
	    eu != r->uid || su != r->uid || rg != r->gid || eg != r->gid ||
	    sg != r->gid || !same_groups(r))
		return NC_WHY_CREDS;
	if (syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/ns/mnt", &st, 0) <
		0 ||
	    st.st_dev != r->mntns_dev || st.st_ino != r->mntns_ino)
		return NC_WHY_MNTNS;
	if (syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0) < 0 ||
	    st.st_dev != r->root_dev || st.st_ino != r->root_ino)
		return NC_WHY_ROOT;
	return 0;
}

/* Map what the reply sent; 0 or an enum nc_why. */
static int map(const struct nc_attach_reply *r, const int *fds)
{
	struct stat st;
	void *a, *ring;

	if (r->arena_size < 4096 || r->arena_size > (1ull << 40) ||
	    r->ring_size != NC_HINT_RING_BYTES ||
	    syscall(SYS_fstat, fds[NC_FD_ARENA], &st) < 0 ||
	    (uint64_t)st.st_size < r->arena_size ||
	    syscall(SYS_fstat, fds[NC_FD_RING], &st) < 0 ||
	    (uint64_t)st.st_size < r->ring_size)
		return NC_WHY_REFUSED;
	a = mmap(NULL, r->arena_size, PROT_READ, MAP_SHARED, fds[NC_FD_ARENA],
		 0);
	if (a == MAP_FAILED)
		return NC_WHY_REFUSED;
	ring = mmap(NULL, r->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fds[NC_FD_RING], 0);
	if (ring == MAP_FAILED) {
		munmap(a, r->arena_size);
		return NC_WHY_REFUSED;
	}
	if (nc__arena_attach(&nc__c.arena, a, r->arena_size) < 0) {
		munmap(a, r->arena_size);
		munmap(ring, r->ring_size);
		memset(&nc__c.arena, 0, sizeof(nc__c.arena));
		return NC_WHY_REFUSED;
	}
	nc__c.ring = ring;
	nc__c.epoch = ck_pr_load_64(&nc__c.arena.hdr->epoch);
	return 0;
}

int nc__attach_poll(void)
{
	struct nc_attach_reply r;
	int fds[NC_FD_COUNT], nfds = 0, why;
	long n;

	if (nc__c.attach == NC_AT_DONE)
		return 1;
	if (nc__c.attach != NC_AT_PENDING)
		return -1;
	if (!nc__c.attach_waited) {
		/* Once per attachment: the reply is usually a few tens of
		 * microseconds away; a short process would otherwise make
		 * all its lookups before it arrives. */
		struct pollfd p = {.fd = nc__c.sfd, .events = POLLIN};

		nc__c.attach_waited = 1;
		syscall(SYS_poll, &p, 1, ATTACH_FIRST_MS);
	} else {
		/* Not a system call per lookup while the reply is late: one
		 * look every ATTACH_EVERY_NS (a clock read, no system call,
		 * in between). */
		uint64_t now = mono_ns();

		if (now >= nc__c.attach_deadline_ns) {
			give_up(NC_WHY_SLOW);
			return -1;
		}
		if (now < nc__c.attach_next_ns)
			return 0;
		nc__c.attach_next_ns = now + ATTACH_EVERY_NS;
	}
	n = nc__recv_fds(nc__c.sfd, &r, sizeof(r), fds, NC_FD_COUNT, &nfds,
			 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	why = NC_WHY_REFUSED;
	if (n == (long)sizeof(r) && r.hot <= 1 &&
	    nfds == NC_FD_COUNT - 1 + (int)r.hot && r.magic == NC_PROTO_MAGIC &&
	    r.version == NC_PROTO_VERSION && r.status == 0 &&
	    r.ngroups <= NC_PROTO_GROUPS) {
		why = same_world(&r);
		if (!why)
			why = map(&r, fds);
	}
	if (why) {
		for (int i = 0; i < nfds; i++)
			syscall(SYS_close, fds[i]);
		give_up(why);
		return -1;
	}
	syscall(SYS_close, fds[NC_FD_ARENA]);
	syscall(SYS_close, fds[NC_FD_RING]);
	nc__notify_adopt(fds[NC_FD_NOTIFY], r.hot ? fds[NC_FD_HOT] : -1);
	nc__c.why = NC_WHY_NONE;
	nc__c.attach = NC_AT_DONE;
	nc__c.shared = 1;
	return 1;
}

/*
 * The daemon flushed: its inotify instances are new ones (the arena's
 * epoch moved; the arena itself is the same mapping).  Ask for them on
 * the connection (one byte), and take them when they come; meanwhile,
 * and if they never do, pass through.  The new descriptors are adopted
 * (probes remade by their threads, ifd_gen) before the new epoch is
 * published: a thread that sees the epoch sees the descriptors.
 * 1: refreshed; 0: not yet; -1: given up (the daemon is gone).
 */
int nc__attach_refresh(void)
{
	struct nc_notify_reply r;
	int fds[2], nfds = 0;
	long n;

	if (nc__c.refresh_tries >= MAX_TRIES * 4)
		return -1;
	if (!nc__c.refreshing) {
		char b = NC_BYTE_NOTIFY;

		if (syscall(SYS_sendto, nc__c.sfd, &b, 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0) != 1)
			return -1;
		nc__c.refreshing = 1;
		nc__c.refresh_tries++;
		nc__c.attach_deadline_ns = mono_ns() + ATTACH_WAIT_NS;
	}
	n = nc__recv_fds(nc__c.sfd, &r, sizeof(r), fds, 2, &nfds, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return mono_ns() < nc__c.attach_deadline_ns ? 0 : -1;
	nc__c.refreshing = 0;
	if (n != (long)sizeof(r) || r.magic != NC_PROTO_MAGIC ||
	    r.version != NC_PROTO_VERSION || r.hot > 1 ||
	    nfds != 1 + (int)r.hot) {
		for (int i = 0; i < nfds; i++)
			syscall(SYS_close, fds[i]);
		return -1;
	}
	{
		int old = ck_pr_load_int(&nc__c.ifd);
		int hold = ck_pr_load_int(&nc__c.hifd);

		nc__notify_adopt(fds[0], r.hot ? fds[1] : -1);
		/* The old instances: the probes that still hold them are
		 * remade by their threads (ifd_gen moved); ours close. */
		if (old >= 0)
			syscall(SYS_close, old);
		if (hold >= 0)
			syscall(SYS_close, hold);
	}
	__atomic_store_n(&nc__c.epoch, r.epoch, __ATOMIC_RELEASE);
	return 1;
}

void nc__detach(int close_fds)
{
	if (nc__c.shared) {
		munmap(nc__c.arena.base, nc__c.arena.size);
		memset(&nc__c.arena, 0, sizeof(nc__c.arena));
		munmap(nc__c.ring, NC_HINT_RING_BYTES);
		nc__c.ring = NULL;
		nc__c.shared = 0;
	}
	if (close_fds)
		close_fd(&nc__c.sfd);
	else
		__atomic_store_n(&nc__c.sfd, -1, __ATOMIC_RELEASE);
	nc__c.attach = NC_AT_NONE;
}

/*
 * The producer side of the hint ring (hint.h).  Any thread may post; a
 * try-lock keeps it single-producer: a thread that finds it taken tries
 * again for a few hundred cycles, then drops its hint (as a signal
 * handler that interrupted the holder on its own thread does).  No
 * allocation and no system call, but the rare wake-up.
 */
void nc__hint(const struct nc_query *q, int op)
{
	struct nc_hint_ring *ring = nc__c.ring;
	struct nc_hint *h;
	uint32_t head, tail;
	size_t len = 0;
	int expect = 0;

	if (!ring)
		return;
	/* Threads of one process (git's parallel lstat) post at once: a
	 * short, bounded wait for the ring (the holder copies one path),
	 * then give up; so does a signal handler that interrupted the
	 * holder on its own thread. */
	for (int spin = 0;; spin++) {
		expect = 0;
		if (__atomic_compare_exchange_n(&nc__c.hint_busy, &expect, 1, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		if (spin == 256)
			return;
		ck_pr_stall();
	}
	tail = ck_pr_load_32(&ring->tail);
	head = ck_pr_load_32(&ring->head);
	ck_pr_fence_load();
	if (tail - head >= NC_HINT_SLOTS)
		goto out; /* full (or scribbled on): drop */
	h = &ring->slot[tail % NC_HINT_SLOTS];
	if (q->path[0] != '/') {
		uint32_t cl = ck_pr_load_32(&nc__c.cwd_plen);

		if (!cl || cl >= sizeof(nc__c.cwd_path) ||
		    (size_t)cl + 1 + q->len_path >= NC_HINT_PATH)
			goto out;
		memcpy(h->path, nc__c.cwd_path, cl);
		len = cl;
		if (len > 1)
			h->path[len++] = '/';
	}
	if (len + q->len_path >= NC_HINT_PATH)
		goto out;
	memcpy(h->path + len, q->path, q->len_path);
	len += q->len_path;
	h->path[len] = '\0';
	h->len = (uint16_t)len;
	h->op = (uint8_t)op;
	h->nofollow = (uint8_t)q->nofollow;
	h->mode = (uint8_t)q->mode;
	h->eff = (uint8_t)q->eff;
	h->mask = q->mask;
	ck_pr_fence_store();
	ck_pr_store_32(&ring->tail, tail + 1);
	ck_pr_fence_memory();
	if (ck_pr_load_32(&nc__c.arena.hdr->sleeping)) {
		char b = 0;

		if (syscall(SYS_sendto, nc__c.sfd, &b, 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN)
			ck_pr_store_int(&nc__c.flush_pending, 1); /* lost */
	}
out:
	__atomic_store_n(&nc__c.hint_busy, 0, __ATOMIC_RELEASE);
}
