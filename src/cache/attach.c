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
 * Attaching hardly waits for the daemon, and only an image that looks a
 * path up attaches at all.  Its first query takes the daemon's
 * descriptors itself where the kernel allows it (nc__attach_pidfd: a
 * link beside the socket, pidfd_getfd, about 150 us here) and needs no
 * reply; otherwise it connects and sends the
 * request (nc__attach_begin: a few system calls), then waits at most
 * ATTACH_FIRST_MS for the reply (the daemon answers in tens of
 * microseconds when it runs at all), so that this very lookup can hit;
 * every later one reads it if it came (one recvmsg with MSG_DONTWAIT),
 * passing through meanwhile ("attach" in the statistics), until the
 * first lookup ATTACH_WAIT_NS after the request that still finds no
 * reply, when the image gives up for its own cache.  A daemon that is
 * stopped, starved or dead costs a process at most that millisecond, and
 * a dead one not even that (connect fails).  The deadline is long enough
 * for a daemon busy in one slow system call: its first
 * inotify_add_watch() on a directory with many cached entries (/tmp
 * after a test suite) takes it 55 ms here, and a process that came
 * meanwhile should still attach.
 * Not in the constructor: an image that makes no lookup (true, sh -c :,
 * the exec wrappers of a build) would pay the connection, the daemon's
 * reply and its teardown at exit (about 200 us here) for nothing.
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
 * Handing down (hand(), nc__attach_hand_down, the fork handlers): an
 * attached image gives a program it execs, and a child it forks, its
 * attachment, so that they skip the round trip above.  What goes down is
 * what an attached reader uses: the arena's memfd, the daemon's inotify
 * instances (polled, never read: sharing them is harmless), and two
 * mountinfos of the new image's own, opened before ours is asked about
 * the changes since our last look (a mount change is heard by one of
 * them, as in notify.c's probe_make); never our connection, ring or
 * probes.  The second one is its first probe's (notify_spare): a new
 * process's first open of /proc/self/... costs it 15-25 us (its /proc
 * entries are made then), ours about 3.  At exec they go by number in
 * NAMECACHE_ATTACH, without close-on-exec for the call only; the new
 * image's constructor takes them only if the first is the very arena
 * named (device and inode: nobody else has that file open), makes them
 * close-on-exec again and removes the variable.  Its first query checks
 * its ids, groups and root mount against the values handed down (the
 * wrappers of the calls that change them stop a hand-down in the first
 * place) and the arena's epoch (a flush since: ask the daemon instead).
 * It has no ring: its first miss makes one and hands it to the daemon
 * on a connection of its own (ring_make), which then also serves
 * wake-ups and new instances.
 * An image that has not used what it was handed passes it on as it is
 * (its mountinfos polled by nobody yet), except from a vfork child.
 *
 * Detaching: the daemon replaced its inotify instance (a flush after an
 * overflow: the arena's epoch moved), or the connection broke when a
 * hint's wake-up was sent: the image detaches and attaches again at its
 * next query, at most MAX_TRIES times.  A mount change seen by the image
 * does not detach it: its lookups pass through until the daemon has
 * applied the change (notify.c: nc__notify_mount_settle), since it could
 * otherwise answer from the old table in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/proto.h"
#include "../common/util.h"
#include "../store/dcache.h"
#include "cache_int.h"

#define ATTACH_WAIT_NS 250000000ull /* 250 ms */
#define ATTACH_FIRST_MS 1	    /* the first query's wait */
#define ATTACH_EVERY_NS 200000ull   /* then a look every 0.2 ms at most */
#define MAX_TRIES 4

char nc__sock_path_cfg[108] NC_STARTUP;

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

static struct nc_hint_ring *ring_make(void);

static void give_up(int why)
{
	close_fd(&nc__c.sfd);
	nc__c.why = why;
	nc__c.attach = NC_AT_NONE;
}

/*
 * A connection to the socket (moved out of the low descriptor numbers),
 * or -1.  A Unix stream connect completes at once, or fails at once (no
 * listener; EAGAIN: a backlog full of unaccepted connections, a stopped
 * daemon's).
 */
static int dial(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(nc__sock_path_cfg);
	int fd;

	if (!n || n >= sizeof(sa.sun_path))
		return -1;
	fd = nc__fd_rehome(
	    (int)syscall(SYS_socket, AF_UNIX,
			 SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, nc__sock_path_cfg, n + 1);
	if (syscall(SYS_connect, fd, &sa, sizeof(sa)) < 0) {
		syscall(SYS_close, fd);
		return -1;
	}
	return fd;
}

void nc__attach_begin(void)
{
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
	fd = dial();
	if (fd < 0) {
		nc__c.why = NC_WHY_NODAEMON;
		return;
	}
	__atomic_store_n(&nc__c.sfd, fd, __ATOMIC_RELEASE);
	/* Our mountinfo before the request (the daemon looks at its own
	 * after it), and after the connection: the daemon accepts it while
	 * this first open of /proc/self/... is made. */
	if (nc__c.mfd < 0 && nc__notify_mount_open() < 0) {
		give_up(NC_WHY_REFUSED);
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

/* Are our @n groups @g those of the reply, in any order? */
static int same_groups(const struct nc_attach_reply *r, const uint32_t *g,
		       uint32_t n)
{
	if (n != r->ngroups)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		int found = 0;

		for (uint32_t j = 0; j < n && !found; j++)
			found = r->groups[j] == g[i];
		if (!found)
			return 0;
	}
	return 1;
}

/* A hash of @n groups, in any order (sorted here, @g is changed). */
static uint64_t groups_hash(uint32_t *g, long n)
{
	for (long i = 1; i < n; i++)
		for (long j = i; j > 0 && g[j - 1] > g[j]; j--) {
			uint32_t t = g[j];

			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	return nc__d_hash((uint64_t)n, (const char *)g, (size_t)n * sizeof(*g));
}

/*
 * Our credentials and root, as a hand-down records them, and our groups
 * (sorted) in @g32 (NC_PROTO_GROUPS of room); 0, or -1 if they cannot
 * be read or our real, effective and saved ids differ.  root_mnt is 0
 * where statx() gives no mount id: nothing is handed down then.
 */
int nc__own_world(struct nc__world *w, uint32_t *g32)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, g[NC_PROTO_GROUPS];
	struct statx sx;
	long n;

	if (syscall(SYS_getresuid, &ru, &eu, &su) < 0 ||
	    syscall(SYS_getresgid, &rg, &eg, &sg) < 0 || ru != eu || ru != su ||
	    rg != eg || rg != sg ||
	    (n = syscall(SYS_getgroups, NC_PROTO_GROUPS, g)) < 0 ||
	    syscall(SYS_statx, AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID,
		    &sx) < 0)
		return -1;
	for (long i = 0; i < n; i++)
		g32[i] = (uint32_t)g[i];
	w->uid = (uint32_t)ru;
	w->gid = (uint32_t)rg;
	w->ngroups = (uint32_t)n;
	w->ghash = groups_hash(g32, n);
	w->root_mnt = sx.stx_mask & STATX_MNT_ID ? sx.stx_mnt_id : 0;
	w->root_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	w->root_ino = sx.stx_ino;
	return 0;
}

/*
 * Is everything the daemon resolves with ours?  0, or an enum nc_why;
 * our world in @w.
 */
static int same_world(const struct nc_attach_reply *r, struct nc__world *w)
{
	uint32_t g[NC_PROTO_GROUPS];
	struct stat st;
	struct ucred peer;
	socklen_t len = sizeof(peer);

	if (syscall(SYS_getsockopt, nc__c.sfd, SOL_SOCKET, SO_PEERCRED, &peer,
		    &len) < 0 ||
	    peer.uid != (uid_t)r->uid)
		return NC_WHY_REFUSED;
	if (nc__own_world(w, g) < 0 || w->uid != r->uid || w->gid != r->gid ||
	    !same_groups(r, g, w->ngroups))
		return NC_WHY_CREDS;
	if (syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/ns/mnt", &st, 0) <
		0 ||
	    st.st_dev != r->mntns_dev || st.st_ino != r->mntns_ino)
		return NC_WHY_MNTNS;
	if (w->root_dev != r->root_dev || w->root_ino != r->root_ino)
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
	    syscall(SYS_fstat, fds[NC_FD_RING], &st) < 0 ||
	    (uint64_t)st.st_size < r->ring_size ||
	    syscall(SYS_fstat, fds[NC_FD_ARENA], &st) < 0 ||
	    (uint64_t)st.st_size < r->arena_size)
		return NC_WHY_REFUSED;
	a = nc__arena_map(fds[NC_FD_ARENA], r->arena_size, PROT_READ);
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
	nc__c.adev = st.st_dev; /* what a hand-down names (below) */
	nc__c.aino = st.st_ino;
	return 0;
}

int nc__attach_poll(void)
{
	struct nc_attach_reply r;
	struct nc__world w;
	int fds[NC_FD_COUNT], nfds = 0, why, late = 0;
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
		 * in between).  Past the deadline, one last look: a process
		 * that made no lookup for a while (a shell waiting for its
		 * children) may find the reply that came meanwhile. */
		uint64_t now = mono_ns();

		late = now >= nc__c.attach_deadline_ns;
		if (!late && now < nc__c.attach_next_ns)
			return 0;
		nc__c.attach_next_ns = now + ATTACH_EVERY_NS;
	}
	n = nc__recv_fds(nc__c.sfd, &r, sizeof(r), fds, NC_FD_COUNT, &nfds,
			 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		if (!late)
			return 0;
		give_up(NC_WHY_SLOW);
		return -1;
	}
	why = NC_WHY_REFUSED;
	if (n == (long)sizeof(r) && r.hot <= 1 &&
	    nfds == NC_FD_COUNT - 1 + (int)r.hot && r.magic == NC_PROTO_MAGIC &&
	    r.version == NC_PROTO_VERSION && r.status == 0 &&
	    r.ngroups <= NC_PROTO_GROUPS) {
		why = same_world(&r, &w);
		if (!why)
			why = map(&r, fds);
	}
	if (why) {
		for (int i = 0; i < nfds; i++)
			syscall(SYS_close, fds[i]);
		give_up(why);
		return -1;
	}
	syscall(SYS_close, fds[NC_FD_RING]);
	/* The arena's descriptor stays (close-on-exec) for a hand-down:
	 * and so does the world it can be handed down into. */
	nc__c.world = w;
	if (w.root_mnt) {
		nc__c.afd = nc__fd_rehome(fds[NC_FD_ARENA]);
	} else {
		syscall(SYS_close, fds[NC_FD_ARENA]);
		nc__c.afd = -1;
	}
	nc__notify_adopt(fds[NC_FD_NOTIFY], r.hot ? fds[NC_FD_HOT] : -1);
	nc__c.daemon_pid = r.pid;
	nc__c.why = NC_WHY_NONE;
	nc__c.via = NC_VIA_SOCKET;
	ck_pr_store_int(&nc__c.mounts_known, 1);
	nc__c.ring_state = NC_RING_MADE;
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
	/* Attached at exec and no ring yet: the ring's connection is the one
	 * the instances are asked for on. */
	if (ck_pr_load_int(&nc__c.sfd) < 0) {
		ring_make();
		if (ck_pr_load_int(&nc__c.sfd) < 0)
			return ck_pr_load_int(&nc__c.ring_state) ==
				       NC_RING_MAKING
				   ? 0
				   : -1;
	}
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
		struct nc_hint_ring *ring = nc__c.ring;

		/* Out of sight first (a signal handler may post), then
		 * unmapped. */
		__atomic_store_n(&nc__c.ring, NULL, __ATOMIC_RELEASE);
		nc__c.shared = 0;
		__asm__ volatile("" ::: "memory");
		munmap(nc__c.arena.base, nc__c.arena.size);
		memset(&nc__c.arena, 0, sizeof(nc__c.arena));
		if (ring)
			munmap(ring, NC_HINT_RING_BYTES);
	}
	if (close_fds) {
		close_fd(&nc__c.sfd);
		close_fd(&nc__c.afd);
	} else {
		__atomic_store_n(&nc__c.sfd, -1, __ATOMIC_RELEASE);
		__atomic_store_n(&nc__c.afd, -1, __ATOMIC_RELEASE);
	}
	nc__c.ring_state = NC_RING_NONE;
	nc__c.via = NC_VIA_NONE;
	nc__c.attach = NC_AT_NONE;
}

/* ---- handing the attachment down at exec ----------------------------- */

/*
 * NAMECACHE_ATTACH=2,AFD,IFD,HIFD,MFD,PMFD,SIZE,ADEV,AINO,EPOCH,PID,UID,
 * GID,NGROUPS,GHASH,RMNT,RDEV,RINO: the arena's descriptor, the daemon's
 * inotify instances, the two mountinfos opened for the new image, the
 * arena's size and identity, its epoch, the daemon's pid, and the world
 * this image checked (credentials, the mount and inode of its root).
 */
#define HAND_VAR "NAMECACHE_ATTACH="
#define HAND_FIELDS 18

/* The descriptors of @h, in the order of NAMECACHE_ATTACH. */
#define HAND_FD_PTRS(h)                                                 \
	{                                                               \
		&(h)->afd, &(h)->ifd, &(h)->hifd, &(h)->mfd, &(h)->pmfd \
	}

static void hand_close(struct nc__handoff *h)
{
	int *fd[] = HAND_FD_PTRS(h);

	for (int i = 0; i < NC_HAND_FDS; i++)
		close_fd(fd[i]);
}

/*
 * The program closes descriptors @first..@last, or puts others there
 * (close, close_range, dup2 over them), or changes its world (chroot,
 * unshare, set*id: @first > @last): a hand-down not used yet is dropped,
 * its descriptors in the range forgotten (the program closes them
 * itself), the others closed.
 */
void nc__attach_hand_drop(unsigned int first, unsigned int last)
{
	int *fd[] = HAND_FD_PTRS(&nc__c.ho);
	int hit = first > last;

	if (nc__c.ho.afd < 0)
		return;
	for (int i = 0; i < NC_HAND_FDS; i++)
		hit |= *fd[i] >= 0 && (unsigned)*fd[i] >= first &&
		       (unsigned)*fd[i] <= last;
	if (!hit)
		return;
	for (int i = 0; i < NC_HAND_FDS; i++) {
		if (*fd[i] >= 0 && (unsigned)*fd[i] >= first &&
		    (unsigned)*fd[i] <= last)
			*fd[i] = -1;
		else
			close_fd(fd[i]);
	}
}

/* This image's attachment, as a hand-down with mountinfos @mfd and
 * @pmfd. */
static void ours(struct nc__handoff *h, int mfd, int pmfd)
{
	h->afd = nc__c.afd;
	h->ifd = ck_pr_load_int(&nc__c.ifd);
	h->hifd = ck_pr_load_int(&nc__c.hifd);
	h->mfd = mfd;
	h->pmfd = pmfd;
	h->size = nc__c.arena.size;
	h->adev = nc__c.adev;
	h->aino = nc__c.aino;
	h->epoch = nc__c.epoch;
	h->pid = nc__c.daemon_pid;
	h->world = nc__c.world;
}

/*
 * What this image can hand down, into @h: its attachment, with two
 * mountinfos opened now for the new image (1), or the hand-down it got
 * and has not used yet, as it is (2); 0: nothing.
 *
 * The new mountinfos are opened first, then ours is asked about the
 * changes before them (as probe_make does for a thread's), so a mount
 * change either way is heard; one we hear now is owed (notify.c: ours;
 * in a vfork child, our parent's, whose memory it is) and nothing is
 * handed down this time.  An unused
 * hand-down's mountinfo has been polled by nobody: it goes on as it is,
 * but not from a vfork child, whose parent would keep it too.
 */
static int hand(struct nc__handoff *h)
{
	struct pollfd p = {.fd = -1, .events = POLLPRI};
	int mfd, pmfd;

	if (ck_pr_load_int(&nc__cache_state) != NC_ST_READY) {
		if (nc__c.ho.afd < 0 || nc__c.attach != NC_AT_NONE ||
		    !nc__in_owner())
			return 0;
		*h = nc__c.ho;
		return 2;
	}
	if (!nc__c.shared || nc__c.attach != NC_AT_DONE ||
	    ck_pr_load_int(&nc__c.flush_pending) ||
	    ck_pr_load_32(&nc__c.mount_heard) !=
		ck_pr_load_32(&nc__c.mount_done) ||
	    nc__c.afd < 0 || nc__c.ifd < 0 || !nc__c.world.root_mnt ||
	    ck_pr_load_64(&nc__c.arena.hdr->epoch) != nc__c.epoch ||
	    !nc__notify_mounts_known() || nc__c.mfd < 0)
		return 0;
	/* Counted as a poller of mfd, as every other one is (probe_make):
	 * a report another thread takes between our open and our poll is
	 * either counted as owed when we look again, or that thread is
	 * still at it (the count): no hand-down then. */
	ck_pr_inc_32(&nc__c.mfd_polls);
	p.fd = nc__c.mfd;
	mfd = nc__mounts_file();
	pmfd = mfd < 0 ? -1 : nc__mounts_file(); /* -1: its own */
	if (mfd >= 0 && syscall(SYS_poll, &p, 1, 0) != 0)
		nc__notify_mount_seen();
	ck_pr_fence_memory();
	if (mfd < 0 || p.revents || ck_pr_load_32(&nc__c.mfd_polls) != 1 ||
	    ck_pr_load_32(&nc__c.mount_heard) !=
		ck_pr_load_32(&nc__c.mount_done)) {
		ck_pr_dec_32(&nc__c.mfd_polls);
		if (mfd >= 0)
			syscall(SYS_close, mfd);
		if (pmfd >= 0)
			syscall(SYS_close, pmfd);
		return 0;
	}
	ck_pr_dec_32(&nc__c.mfd_polls);
	ours(h, mfd, pmfd);
	return 1;
}

/* Close the mountinfos hand() opened for @h. */
static void hand_undo(const struct nc__handoff *h)
{
	syscall(SYS_close, h->mfd);
	if (h->pmfd >= 0)
		syscall(SYS_close, h->pmfd);
}

int nc__attach_hand_down(char *var, size_t cap, int fds[NC_HAND_FDS])
{
	struct nc__handoff h;
	struct nc__buf b;
	int how = hand(&h);

	if (!how)
		return 0;
	nc__buf_init(&b, var, cap);
	nc__buf_str(&b, HAND_VAR "2");
	{
		const int64_t v[NC_HAND_FDS] = {h.afd, h.ifd, h.hifd, h.mfd,
						h.pmfd};

		for (int i = 0; i < NC_HAND_FDS; i++) {
			nc__buf_chr(&b, ',');
			nc__buf_i64(&b, v[i]);
		}
	}
	{
		const uint64_t v[] = {
		    h.size,	      h.adev,		h.aino,
		    h.epoch,	      (uint64_t)h.pid,	h.world.uid,
		    h.world.gid,      h.world.ngroups,	h.world.ghash,
		    h.world.root_mnt, h.world.root_dev, h.world.root_ino};

		for (int i = 0; i < 12; i++) {
			nc__buf_chr(&b, ',');
			nc__buf_u64(&b, v[i]);
		}
	}
	if (b.overflow || b.len >= cap) {
		if (how == 1)
			hand_undo(&h);
		return 0;
	}
	var[b.len] = '\0';
	{
		int *fd[] = HAND_FD_PTRS(&h);

		for (int i = 0; i < NC_HAND_FDS; i++)
			fds[i] = *fd[i];
	}
	return (int)b.len;
}

void nc__attach_hand_down_fds(const int fds[NC_HAND_FDS], int on)
{
	for (int i = 0; i < NC_HAND_FDS; i++)
		if (fds[i] >= 0)
			syscall(SYS_fcntl, fds[i], F_SETFD,
				on ? 0 : FD_CLOEXEC);
	/* The mountinfos opened for the new image; an unused hand-down's
	 * own stay with it. */
	if (!on && fds[3] != nc__c.ho.mfd) {
		syscall(SYS_close, fds[3]);
		if (fds[4] >= 0)
			syscall(SYS_close, fds[4]);
	}
}

/*
 * fork: the parent opens the child's mountinfo before the fork (the
 * prepare handler, hand() with its mount check), and the child takes
 * the attachment as an unused hand-down (nc__attach_fork_child): its
 * first query maps the arena again and polls the same instances, with
 * no round trip to the daemon.  The child must not use the parent's
 * connection, ring, probes or mountinfo; they are left to the parent.
 */
static __thread int fork_mfd = -1, fork_pmfd = -1;

void nc__attach_fork_prepare(void)
{
	struct nc__handoff h;

	fork_mfd = fork_pmfd = -1;
	if (ck_pr_load_int(&nc__cache_state) == NC_ST_READY && nc__in_owner() &&
	    hand(&h) == 1) {
		fork_mfd = h.mfd;
		fork_pmfd = h.pmfd;
	}
}

static void fork_undo(void)
{
	if (fork_mfd >= 0)
		syscall(SYS_close, fork_mfd);
	if (fork_pmfd >= 0)
		syscall(SYS_close, fork_pmfd);
	fork_mfd = fork_pmfd = -1;
}

void nc__attach_fork_parent(void)
{
	fork_undo();
}

void nc__attach_fork_child(void)
{
	struct nc__handoff h;
	pid_t me = (pid_t)syscall(SYS_getpid);

	/* Our fork wrapper and the atfork handler both get here: the
	 * second time, the hand-down is this child's own. */
	if (nc__c.ho.afd >= 0 && nc__c.ho_pid == me)
		return;
	hand_close(&nc__c.ho);
	if (fork_mfd < 0)
		return;
	if (ck_pr_load_int(&nc__cache_state) != NC_ST_READY || !nc__c.shared ||
	    nc__c.attach != NC_AT_DONE || nc__c.afd < 0) {
		fork_undo();
		return;
	}
	/* The descriptors as they were at the fork (a thread of the parent
	 * may have replaced them since the prepare handler looked). */
	ours(&h, fork_mfd, fork_pmfd);
	fork_mfd = fork_pmfd = -1;
	/* Out of the parent's attachment before it is taken down here:
	 * these stay open, as the hand-down's. */
	nc__c.afd = -1;
	ck_pr_store_int(&nc__c.ifd, -1);
	ck_pr_store_int(&nc__c.hifd, -1);
	nc__c.ho = h;
	nc__c.ho_pid = me;
	nc__c.ho_fork = 1;
}

/* One field: digits, or "-1" (UINT64_MAX: no descriptor). */
static int parse_u64(const char **s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = *s;

	if (p[0] == '-' && p[1] == '1' && (p[2] == ',' || !p[2])) {
		*out = UINT64_MAX;
		*s = p + 2 + (p[2] == ',');
		return 0;
	}
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == ',')
		p++;
	else if (*p)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

/* A descriptor number, or -1 if the field cannot be one. */
static int fd_field(uint64_t v)
{
	return v < (uint64_t)INT_MAX ? (int)v : -1;
}

/*
 * Constructor: the value of NAMECACHE_ATTACH, if any.  The descriptors
 * are taken only if the first is the arena it names (its device and
 * inode): then all of them came down together from our parent image,
 * and are made close-on-exec again at once, so that nothing this image
 * runs inherits them.  Anything else leaves every descriptor as it is.
 */
void nc__attach_take(const char *v)
{
	struct nc__handoff h = {
	    .afd = -1, .ifd = -1, .hifd = -1, .mfd = -1, .pmfd = -1};
	uint64_t f[HAND_FIELDS];
	struct stat st;
	int i;

	if (!v || strncmp(v, "2,", 2) != 0)
		return;
	v += 2;
	f[0] = 2;
	for (i = 1; i < HAND_FIELDS && *v; i++)
		if (parse_u64(&v, &f[i]) < 0)
			return;
	if (i != HAND_FIELDS || *v)
		return;
	h.afd = fd_field(f[1]);
	h.ifd = fd_field(f[2]);
	h.hifd = fd_field(f[3]); /* "-1": none */
	h.mfd = fd_field(f[4]);
	h.pmfd = fd_field(f[5]); /* "-1": none */
	if (h.afd < 0 || h.ifd < 0 || h.mfd < 0 ||
	    (h.hifd < 0 && f[3] != UINT64_MAX) ||
	    (h.pmfd < 0 && f[5] != UINT64_MAX) || f[10] > INT32_MAX ||
	    f[13] > NC_PROTO_GROUPS)
		return;
	h.size = f[6];
	h.adev = f[7];
	h.aino = f[8];
	h.epoch = f[9];
	h.pid = (int32_t)f[10];
	h.world.uid = (uint32_t)f[11];
	h.world.gid = (uint32_t)f[12];
	h.world.ngroups = (uint32_t)f[13];
	h.world.ghash = f[14];
	h.world.root_mnt = f[15];
	h.world.root_dev = f[16];
	h.world.root_ino = f[17];
	if (syscall(SYS_fstat, h.afd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_dev != h.adev || st.st_ino != h.aino ||
	    (uint64_t)st.st_size < h.size)
		return;
	{
		int *fd[] = HAND_FD_PTRS(&h);

		for (i = 0; i < NC_HAND_FDS; i++)
			if (*fd[i] >= 0)
				syscall(SYS_fcntl, *fd[i], F_SETFD, FD_CLOEXEC);
	}
	nc__c.ho = h;
	nc__c.ho_pid = (pid_t)syscall(SYS_getpid);
	nc__c.ho_fork = 0;
}

/* Is @fd an inotify instance?  (Its add_watch fails on the empty path
 * with ENOENT; with EINVAL on any other file.) */
static int is_inotify(int fd)
{
	return syscall(SYS_inotify_add_watch, fd, "", IN_ATTRIB) < 0 &&
	       errno == ENOENT;
}

/* Attached with @h's descriptors, checked, on the arena mapped in
 * nc__c.arena; @h's descriptors are ours now. */
static void take(struct nc__handoff *h, const struct nc__world *w, int via)
{
	nc__c.afd = h->afd;
	nc__c.adev = h->adev;
	nc__c.aino = h->aino;
	ck_pr_store_int(&nc__c.mfd, h->mfd);
	nc__notify_spare(h->pmfd);
	nc__notify_adopt(h->ifd, h->hifd);
	nc__c.epoch = h->epoch;
	nc__c.daemon_pid = h->pid;
	nc__c.world = *w;
	h->afd = h->ifd = h->hifd = h->mfd = h->pmfd = -1;
	nc__c.ring = NULL;
	nc__c.ring_state = NC_RING_NONE;
	ck_pr_store_int(&nc__c.mounts_known, via != NC_VIA_PIDFD);
	nc__c.why = NC_WHY_NONE;
	nc__c.via = via;
	nc__c.attach = NC_AT_DONE;
	nc__c.shared = 1;
}

/*
 * The first query of an image handed an attachment: 1 attached, 0 not
 * (ask the daemon), -1 not here (nc__c.why).  The world is checked
 * again, for the image may have changed it between its parent's check
 * and its exec (setuid, setgroups, unshare, chroot: the wrappers of
 * those also keep the parent from handing down, this is the backstop).
 * Nothing waits for the daemon: the hints need a ring, which the first
 * miss makes (ring_make).
 */
int nc__attach_inherit(void)
{
	struct nc__handoff *h = &nc__c.ho;
	struct nc__world w;
	uint32_t g[NC_PROTO_GROUPS];
	void *a;
	int why = 0;

	if (h->afd < 0)
		return 0;
	if (nc__own_world(&w, g) < 0 || w.uid != h->world.uid ||
	    w.gid != h->world.gid || w.ngroups != h->world.ngroups ||
	    w.ghash != h->world.ghash)
		why = NC_WHY_CREDS;
	else if (w.root_mnt != h->world.root_mnt)
		why = NC_WHY_MNTNS;
	else if (w.root_dev != h->world.root_dev ||
		 w.root_ino != h->world.root_ino)
		why = NC_WHY_ROOT;
	if (why) {
		hand_close(h);
		nc__c.why = why;
		return -1;
	}
	a = nc__arena_map(h->afd, h->size, PROT_READ);
	if (a == MAP_FAILED || nc__arena_attach(&nc__c.arena, a, h->size) < 0 ||
	    ck_pr_load_64(&nc__c.arena.hdr->epoch) != h->epoch) {
		/* A flush since: the instances are stale; ask the daemon. */
		if (a != MAP_FAILED)
			munmap(a, h->size);
		memset(&nc__c.arena, 0, sizeof(nc__c.arena));
		hand_close(h);
		return 0;
	}
	take(h, &w, nc__c.ho_fork ? NC_VIA_FORK : NC_VIA_EXEC);
	nc__c.ho_fork = 0;
	return 1;
}

/*
 * Attaching without the socket, as a hand-down but from the daemon's own
 * descriptor table (proto.h): the link beside the socket names the
 * daemon's pid and arena descriptor; pidfd_getfd() takes that, and the
 * kernel allows it only to a process that may ptrace the daemon (its
 * user, and no other; Yama's ptrace_scope 1 refuses it, and then the
 * socket is asked).  What is taken is checked as a hand-down is:
 *   - the arena: a regular file whose header is an arena's, of the pid
 *     the link names (a stale link's pid reused by another process names
 *     no arena);
 *   - the world the header states is ours (credentials, root mount and
 *     inode), as the reply's would be;
 *   - the instances: their numbers are read from the header with
 *     drain_seq even, taken, and kept only if drain_seq is still even
 *     and the epoch has not moved (a flush, which closes and replaces
 *     them, keeps drain_seq odd throughout), and if each is an inotify
 *     instance (inotify_add_watch on "" fails with ENOENT on one, EINVAL
 *     on anything else: a corrupt header cannot make us poll a socket);
 *   - the daemon has a watch ring.  A walk is checked with its rings
 *     alone (the cold one's, and the hot one's for a walk through hot
 *     directories), mount changes included (the cold ring's mount poll).
 *     Our mountinfo, which a probe and a hand-down rely on, is opened
 *     only when one is first needed, and a mount change before that may
 *     not be in the arena yet (the socket's daemon looks at its own
 *     before it replies; here nobody does): until one look at the ring
 *     after that open finds nothing pending (nc__notify_mounts_known),
 *     a walk that the rings do not vouch for, and a hand-down, doubt.
 *     A process whose checks all find the rings clean never pays that
 *     open (30-50 us).
 * 1 attached, 0 not this way, -1 refused (nc__c.why).
 */
int nc__attach_pidfd(void)
{
	struct nc__handoff h = {
	    .afd = -1, .ifd = -1, .hifd = -1, .mfd = -1, .pmfd = -1};
	const struct nc_arena_hdr *hd;
	struct nc_arena ar;
	char link[128], tgt[64];
	struct nc__world w;
	uint32_t g[NC_PROTO_GROUPS], s1, s2;
	int32_t ifd_no, hifd_no;
	struct stat st;
	int pid, fd, pfd = -1, why = 0;
	void *a = MAP_FAILED;
	long n;

	/* NAMECACHE_CHECK=epoll: no watch ring, so none of this. */
	if (nc__c.attach_tries >= MAX_TRIES || nc__c.check == NC_CHECK_EPOLL ||
	    nc__arena_link_path(link, sizeof(link), nc__sock_path_cfg) < 0 ||
	    nc__sock_dir_check(nc__sock_path_cfg, (uid_t)syscall(SYS_getuid)) <
		0)
		return 0;
	n = syscall(SYS_readlinkat, AT_FDCWD, link, tgt, sizeof(tgt));
	if (n <= 0 || n >= (long)sizeof(tgt) ||
	    nc__arena_link_parse(tgt, (size_t)n, &pid, &fd) < 0)
		return 0;
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return 0;
	h.afd = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	if (h.afd < 0 || syscall(SYS_fstat, h.afd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size < 4096)
		goto out;
	h.size = (uint64_t)st.st_size;
	/* Not into nc__c.arena yet: a fork child of an image with a cache
	 * of its own still has that one there. */
	a = nc__arena_map(h.afd, h.size, PROT_READ);
	if (a == MAP_FAILED || nc__arena_attach(&ar, a, h.size) < 0)
		goto out;
	hd = ar.hdr;
	if (ck_pr_load_32((const uint32_t *)&hd->daemon_pid) != (uint32_t)pid ||
	    !ck_pr_load_32(&hd->world_ok) ||
	    (int32_t)ck_pr_load_32(
		(const uint32_t *)&hd->wring[NC_WR_COLD].fd) < 0)
		goto out;
	ck_pr_fence_load();
	if (nc__own_world(&w, g) < 0 || !w.root_mnt)
		goto out; /* the socket's checks need no mount id */
	if (w.uid != hd->w_uid || w.gid != hd->w_gid ||
	    w.ngroups != hd->w_ngroups || w.ghash != hd->w_ghash)
		why = NC_WHY_CREDS;
	else if (w.root_mnt != hd->w_root_mnt)
		why = NC_WHY_MNTNS;
	else if (w.root_dev != hd->w_root_dev || w.root_ino != hd->w_root_ino)
		why = NC_WHY_ROOT;
	if (why)
		goto out;
	s1 = ck_pr_load_32(&hd->drain_seq);
	ck_pr_fence_load();
	h.epoch = ck_pr_load_64(&hd->epoch);
	ifd_no = (int32_t)ck_pr_load_32((const uint32_t *)&hd->ifd_no);
	hifd_no = (int32_t)ck_pr_load_32((const uint32_t *)&hd->hifd_no);
	if ((s1 & 1) || ifd_no < 0)
		goto out;
	h.ifd = (int)syscall(SYS_pidfd_getfd, pfd, ifd_no, 0);
	if (hifd_no >= 0)
		h.hifd = (int)syscall(SYS_pidfd_getfd, pfd, hifd_no, 0);
	ck_pr_fence_load();
	s2 = ck_pr_load_32(&hd->drain_seq);
	if (h.ifd < 0 || (hifd_no >= 0 && h.hifd < 0) || (s2 & 1) ||
	    ck_pr_load_64(&hd->epoch) != h.epoch || !is_inotify(h.ifd) ||
	    (h.hifd >= 0 && !is_inotify(h.hifd)))
		goto out;
	h.afd = nc__fd_rehome(h.afd);
	h.adev = st.st_dev;
	h.aino = st.st_ino;
	h.pid = pid;
	nc__c.attach_tries++;
	nc__c.arena = ar;
	take(&h, &w, NC_VIA_PIDFD);
	/* A first walk checks the watch rings: their views made now,
	 * while the pidfd is open. */
	nc__notify_wview_early(pfd);
	syscall(SYS_close, pfd);
	return 1;
out:
	if (a != MAP_FAILED)
		munmap(a, h.size);
	hand_close(&h);
	syscall(SYS_close, pfd);
	if (!why)
		return 0;
	nc__c.why = why;
	return -1;
}

/*
 * An image attached at exec makes its hint ring at its first miss, and
 * hands it over on a connection of its own (proto.h: RING, no reply).
 * One thread makes it; the others, meanwhile, drop their hints.  Any
 * failure is final: the image then posts no hints (its lookups are still
 * answered; others fill what it misses).
 */
static struct nc_hint_ring *ring_make(void)
{
	struct nc_req req = {.magic = NC_PROTO_MAGIC,
			     .version = NC_PROTO_VERSION,
			     .op = NC_REQ_RING};
	int expect = NC_RING_NONE, rfd, fd = -1;
	void *ring = MAP_FAILED;
	struct ucred peer;
	socklen_t len = sizeof(peer);
	uid_t uid = (uid_t)syscall(SYS_getuid);

	if (nc__c.via < NC_VIA_EXEC || !nc__sock_path_cfg[0] ||
	    !__atomic_compare_exchange_n(&nc__c.ring_state, &expect,
					 NC_RING_MAKING, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return NULL;
	rfd = (int)syscall(SYS_memfd_create, "namecache-hints",
			   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (rfd < 0 || syscall(SYS_ftruncate, rfd, NC_HINT_RING_BYTES) < 0 ||
	    syscall(SYS_fcntl, rfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) <
		0 ||
	    (ring = mmap(NULL, NC_HINT_RING_BYTES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, rfd, 0)) == MAP_FAILED ||
	    nc__sock_dir_check(nc__sock_path_cfg, uid) < 0)
		goto fail;
	fd = dial();
	if (fd < 0 ||
	    syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) <
		0 ||
	    peer.uid != uid || peer.pid != nc__c.daemon_pid ||
	    nc__send_fds(fd, &req, sizeof(req), &rfd, 1) < 0)
		goto fail;
	syscall(SYS_close, rfd);
	__atomic_store_n(&nc__c.sfd, fd, __ATOMIC_RELEASE);
	__atomic_store_n(&nc__c.ring, (struct nc_hint_ring *)ring,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&nc__c.ring_state, NC_RING_MADE, __ATOMIC_RELEASE);
	return ring;
fail:
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (ring != MAP_FAILED)
		munmap(ring, NC_HINT_RING_BYTES);
	if (rfd >= 0)
		syscall(SYS_close, rfd);
	__atomic_store_n(&nc__c.ring_state, NC_RING_FAILED, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The producer side of the hint ring (hint.h): any thread posts, lock
 * free.  git checks its index with up to 20 threads that miss at the same
 * moments; under a try-lock that made them spin, then drop their hints,
 * a quarter of git's CPU went to spinning on this 2-CPU machine and a run
 * of `git status` left thousands of paths unfilled, and keeping hints
 * while another thread held the lock still lost some whenever the holder
 * was taken off its CPU.  A position is claimed by a compare-and-swap on
 * the ring's tail, once its slot is free; the slot is written, then
 * published by its sequence number.  A thread stopped between the two
 * delays the hints after it (hint.h says what one that never comes back
 * costs).  No allocation, no lock, and no system call but one wake-up
 * per sleep of the daemon.
 */

/* The hint for @q, whole paths only: 0, or -1 (it does not fit). */
static int hint_make(struct nc_hint *h, const struct nc_query *q, int op)
{
	size_t len = 0;

	if (q->path[0] != '/') {
		uint32_t cl = ck_pr_load_32(&nc__c.cwd_plen);

		if (!cl || cl >= sizeof(nc__cwd_path) || cl >= NC_HINT_PATH ||
		    (size_t)cl + 1 + q->len_path >= NC_HINT_PATH)
			return -1;
		memcpy(h->path, nc__cwd_path, cl);
		len = cl;
		if (len > 1)
			h->path[len++] = '/';
	}
	if (len + q->len_path >= NC_HINT_PATH)
		return -1;
	memcpy(h->path + len, q->path, q->len_path);
	len += q->len_path;
	h->path[len] = '\0';
	h->len = (uint16_t)len;
	h->op = (uint8_t)op;
	h->nofollow = (uint8_t)q->nofollow;
	h->mode = (uint8_t)q->mode;
	h->eff = (uint8_t)q->eff;
	h->mask = q->mask;
	h->pad = 0;
	return 0;
}

static void hints_dropped(void)
{
	__atomic_add_fetch(&nc__c.hints[1], 1, __ATOMIC_RELAXED);
}

void nc__hint(const struct nc_query *q, int op)
{
	struct nc_hint_ring *ring =
	    __atomic_load_n(&nc__c.ring, __ATOMIC_ACQUIRE);
	struct nc_hint h, *slot;
	uint32_t pos;

	if (!ring && !(ring = ring_make())) {
		hints_dropped(); /* no ring (yet) */
		return;
	}
	if (hint_make(&h, q, op) < 0)
		return;
	slot = nc_hint_claim(ring, &pos);
	if (!slot) {
		hints_dropped();
		return;
	}
	/* Everything but the sequence number, which publishes it. */
	memcpy(slot, &h, offsetof(struct nc_hint, seq));
	memcpy(slot->path, h.path, h.len + 1u);
	nc_hint_publish(slot, pos);
	__atomic_add_fetch(&nc__c.hints[0], 1, __ATOMIC_RELAXED);
	ck_pr_fence_memory();
	/* Acquire: a flag seen set comes with the woken = 0 before it. */
	if (__atomic_load_n(&nc__c.arena.hdr->sleeping, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&ring->woken, 1, __ATOMIC_RELAXED)) {
		char b = NC_BYTE_WAKE;

		if (syscall(SYS_sendto, ck_pr_load_int(&nc__c.sfd), &b, 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN)
			ck_pr_store_int(&nc__c.flush_pending, 1); /* lost */
	}
}
