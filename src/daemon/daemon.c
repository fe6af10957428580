/*
 * The shared cache's daemon: one thread, one epoll loop, the only writer.
 *
 * It owns the arena (a sealed memfd, serve.c), the inotify instance, its
 * own /proc/self/mountinfo, the listening socket and, per attached
 * client, a connection and a hint ring (hint.h).  Clients map the arena
 * read-only and poll the inotify instance (attach.c); they never write
 * anything the daemon reads but their ring, and never wait for it.
 *
 * The loop, in order of urgency:
 *   1. a mount change: drop the mount points that changed (notify.c,
 *      mounts.c), or flush when that cannot be told;
 *   2. inotify events, or the watch ring's eventfd (notify.c: its flag was
 *      set behind a drain): drain (drain_seq odd while reading and applying):
 *      while the queue is not empty every client passes through, so it
 *      is emptied before anything else, and again between hint batches;
 *   3. hints: at most HINT_BATCH per client per round, each copied out of
 *      the ring and validated before use (a client may scribble on its
 *      ring at any time: it only ever hurts its own hints); after every
 *      HINT_BATCH hints, events and connections that are ready are
 *      handled first (a process waits for its attach reply at its first
 *      lookup: not behind a build's fills);
 *   4. new connections: SO_PEERCRED must be our uid; an ATTACH is
 *      answered, after our own mountinfo was asked for changes (a mount
 *      before the client opened its own is then in the arena it gets),
 *      with the arena, the inotify instance and a new ring (SCM_RIGHTS);
 *      a RING (an image attached at exec brings a ring of its own) is
 *      mapped once it proves a sealed memfd of the ring's size, with no
 *      answer; STATUS with "key: value" lines; STOP with "ok", then exit.
 * Before it sleeps it sets hdr->sleeping and looks at every ring once
 * more (hint.h: the producer wakes it with one byte on its connection).
 *
 * Nothing a client sends can make the daemon block: every client socket
 * is non-blocking, a request that has not arrived yet is waited for by
 * epoll, and replies are one small message on a fresh connection.
 * A client that goes away (EPOLLRDHUP, EOF) keeps its ring until the
 * loop has served what it posted there (a short process's lookups are
 * the next one's); a connection that hangs up is read before it is
 * closed, so a ring sent just before the hang-up is taken too.
 *
 * A session daemon (`namecache run` started it for one command) also
 * watches a pidfd of that command and exits when it has; it removes its
 * private socket directory on the way out.
 *
 * Two daemons never serve one socket: the first holds an exclusive
 * flock() on "SOCKET.lock" for its lifetime; the socket is unlinked and
 * bound only under it, so a stale socket of a killed daemon is replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../cache/serve.h"
#include "../common/proto.h"
#include "../store/arena.h"
#include "daemon.h"

#define HINT_BATCH 16
#define MAX_CLIENTS 4096

enum {
	K_LISTEN = 1,
	K_NOTIFY,
	K_HOT,
	K_NOTIFY_RING, /* the eventfds of the instances' watch rings */
	K_HOT_RING,
	K_MOUNT,
	K_SIGNAL,
	K_OWNER,
	K_CLIENT = 16
};

struct client {
	int fd; /* -1: free slot; -2: gone, its last hints still served */
	int attached;
	uint32_t head; /* our own index: the ring's copy is only published */
	struct nc_hint_ring *ring;
};

static struct client *clients;
static int nclients;   /* slots in use, attached or not */
static int client_top; /* every slot from here on is free */
static int attached;
static int epfd = -1;
static int memfd = -1;
static struct nc_arena_hdr *hdr;
static time_t started;
static int stopping;
static int opts_old_proto; /* test only (daemon.h) */

static void die_line(const char *what)
{
	fprintf(stderr, "namecache: daemon: %s: %s\n", what, strerror(errno));
}

/* What the cache has to say (a flush and its reason, a limit reached):
 * one line on our standard error, which a service manager keeps. */
static void log_line(const char *msg)
{
	fprintf(stderr, "namecache: daemon: %s\n", msg);
}

int nc_daemon_prepare_dir(const char *sock, char *err, unsigned long n)
{
	char dir[108];
	const char *slash = strrchr(sock, '/');
	size_t len = slash ? (size_t)(slash - sock) : 0;

	if (!len || len >= sizeof(dir)) {
		snprintf(err, n, "%s: not an absolute socket path", sock);
		return -1;
	}
	memcpy(dir, sock, len);
	dir[len] = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, n, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (nc__sock_dir_check(sock, getuid()) < 0) {
		snprintf(err, n,
			 errno == EPERM
			     ? "%s: the socket's directory must be a directory "
			       "of this user with mode 0700"
			     : "%s: %s",
			 dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* @sock into @sa: 0, or -1 (ENAMETOOLONG). */
static int set_path(struct sockaddr_un *sa, const char *sock)
{
	size_t n = strlen(sock);

	if (n >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, sock, n + 1);
	return 0;
}

static int connect_to(const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (set_path(&sa, sock) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int nc_daemon_reachable(const char *sock)
{
	int fd = connect_to(sock);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int nc_daemon_request(const char *sock, int op, int out, pid_t *peer)
{
	struct nc_req req = {.magic = NC_PROTO_MAGIC,
			     .version = NC_PROTO_VERSION,
			     .op = (uint32_t)op};
	struct timeval tv = {.tv_sec = 5};
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	char buf[4096];
	ssize_t n;
	size_t got = 0;
	int fd = connect_to(sock);

	if (peer)
		*peer = 0;
	if (fd < 0)
		return -1;
	if (peer && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 &&
	    cr.uid == getuid())
		*peer = cr.pid;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
		close(fd);
		return -1;
	}
	/* STATUS: copy the lines; STOP: "ok", then EOF once the daemon
	 * has closed everything (it exits right after). */
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		got += (size_t)n;
		if (out >= 0 && write(out, buf, (size_t)n) != n)
			break;
	}
	close(fd);
	if (n < 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return got ? 0 : -2;
}

static int ep_add(int fd, uint32_t events, uint64_t key)
{
	struct epoll_event ev = {.events = events, .data.u64 = key};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The connection ends (the client is no longer counted). */
static void client_hangup(struct client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -2;
	if (c->attached)
		attached--;
}

/* A slot taken: the loops over clients look at it from now on. */
static void slot_take(struct client *c, int fd)
{
	c->fd = fd;
	nclients++;
	if (c - clients >= client_top)
		client_top = (int)(c - clients) + 1;
}

/* A slot free again.  Slots are taken lowest first, so the loops, which
 * run on every wake-up, look only at as many as were in use at once. */
static void slot_free(struct client *c)
{
	c->fd = -1;
	nclients--;
	while (client_top > 0 && clients[client_top - 1].fd == -1)
		client_top--;
}

/* The slot is freed, with the ring and anything left in it. */
static void client_close(struct client *c)
{
	client_hangup(c);
	if (c->ring)
		munmap(c->ring, NC_HINT_RING_BYTES);
	memset(c, 0, sizeof(*c));
	slot_free(c);
}

/*
 * What an ATTACH reply says about the daemon.  Asked once: the daemon
 * never changes its credentials, mount namespace or root, and a mount
 * change is a flush, not a new root (the mount holding "/" stays).
 */
static void fill_reply(struct nc_attach_reply *r)
{
	static struct nc_attach_reply tmpl;
	static int known;
	struct stat st;
	struct statx sx;
	gid_t g[NC_PROTO_GROUPS];
	int n;

	if (known) {
		*r = tmpl;
		return;
	}
	memset(r, 0, sizeof(*r));
	r->magic = NC_PROTO_MAGIC;
	r->version = NC_PROTO_VERSION;
	r->pid = (int32_t)getpid();
	r->arena_size = nc__serve_arena_size();
	r->ring_size = NC_HINT_RING_BYTES;
	if (stat("/proc/self/ns/mnt", &st) == 0) {
		r->mntns_dev = st.st_dev;
		r->mntns_ino = st.st_ino;
	}
	if (stat("/", &st) == 0) {
		r->root_dev = st.st_dev;
		r->root_ino = st.st_ino;
	}
	/* The mount that holds our root: a client whose root is on the same
	 * mount is in our namespace (a mount belongs to one) - one statx
	 * instead of a look at /proc (attach.c). */
	if (statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &sx) == 0 &&
	    (sx.stx_mask & STATX_MNT_ID) &&
	    makedev(sx.stx_dev_major, sx.stx_dev_minor) == r->root_dev &&
	    sx.stx_ino == r->root_ino)
		r->root_mnt = sx.stx_mnt_id;
	r->uid = getuid();
	r->gid = getgid();
	n = getgroups(NC_PROTO_GROUPS, g);
	if (n < 0) { /* more than we can send: nobody will match */
		r->status = E2BIG;
		n = 0;
	}
	r->ngroups = (uint32_t)n;
	for (int i = 0; i < n; i++)
		r->groups[i] = g[i];
	if (!r->status) {
		tmpl = *r;
		known = 1;
	}
}

static void do_attach(struct client *c)
{
	struct nc_attach_reply r;
	int fds[NC_FD_COUNT];
	int rfd;
	void *ring;

	/* A mount change before the client opened its own mountinfo must
	 * be in the arena it gets (attach.c). */
	nc__serve_mount(0);
	fill_reply(&r);
	rfd = memfd_create("namecache-hints", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (rfd < 0 || ftruncate(rfd, NC_HINT_RING_BYTES) < 0 ||
	    fcntl(rfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0 ||
	    (ring = mmap(NULL, NC_HINT_RING_BYTES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, rfd, 0)) == MAP_FAILED) {
		if (rfd >= 0)
			close(rfd);
		client_close(c);
		return;
	}
	fds[NC_FD_ARENA] = memfd;
	fds[NC_FD_NOTIFY] = nc__serve_ifd();
	fds[NC_FD_RING] = rfd;
	fds[NC_FD_HOT] = nc__serve_hifd();
	r.hot = fds[NC_FD_HOT] >= 0;
	if (r.status || nc__send_fds(c->fd, &r, sizeof(r), fds,
				     NC_FD_COUNT - 1 + (int)r.hot) < 0) {
		close(rfd);
		munmap(ring, NC_HINT_RING_BYTES);
		client_close(c);
		return;
	}
	close(rfd);
	c->ring = ring;
	c->head = 0;
	c->attached = 1;
	attached++;
}

static void do_status(struct client *c)
{
	struct nc_serve_stats s;
	unsigned long long pending = 0;
	char buf[2048];
	int n;

	nc__serve_stats(&s);
	for (int i = 0; i < client_top; i++)
		if (clients[i].fd != -1 && clients[i].attached)
			pending += __atomic_load_n(&clients[i].ring->tail,
						   __ATOMIC_ACQUIRE) -
				   clients[i].head;
	n = snprintf(
	    buf, sizeof(buf),
	    "pid: %d\nuptime: %lds\nclients: %d\nentries: %llu\n"
	    "memory: %llu bytes of %llu\nbytes per entry: %llu\n"
	    "watches: %llu\nfills: %llu\nevents: %llu\noverflows: %llu\n"
	    "flushes: %llu\nmount changes: %llu\nhints pending: %llu\n"
	    "hot directories: %llu\n"
	    "events read: cold %llu, hot %llu\n"
	    "drains: cold %llu, hot %llu\n"
	    "drain time: cold %llu us, hot %llu us\n"
	    "huge pages: %llu of 2 MiB%s\n",
	    (int)getpid(), (long)(time(NULL) - started), attached,
	    (unsigned long long)s.entries, (unsigned long long)s.memory,
	    (unsigned long long)s.arena_bytes,
	    (unsigned long long)(s.entries ? s.memory / s.entries : 0),
	    (unsigned long long)s.watches, (unsigned long long)s.fills,
	    (unsigned long long)(s.events[0] + s.events[1]),
	    (unsigned long long)s.overflows, (unsigned long long)s.flushes,
	    (unsigned long long)s.mount_changes, (unsigned long long)pending,
	    (unsigned long long)s.promoted, (unsigned long long)s.events[0],
	    (unsigned long long)s.events[1], (unsigned long long)s.drains[0],
	    (unsigned long long)s.drains[1],
	    (unsigned long long)(s.busy_ns[0] / 1000),
	    (unsigned long long)(s.busy_ns[1] / 1000),
	    (unsigned long long)s.huge,
	    s.huge_off	    ? " (the kernel cannot make them)"
	    : s.huge_failed ? " (some chunks left in small pages)"
			    : "");
	if (n > 0)
		(void)!send(c->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(c);
}

/*
 * A ring the client made (an image attached at exec, proto.h).  Only a
 * memfd of exactly the ring's size, sealed so that it can never shrink
 * under our mapping (a SIGBUS here), is taken; its contents are checked
 * hint by hint, as any ring's.
 */
static void do_ring(struct client *c, int rfd)
{
	struct stat st;
	int seals = rfd >= 0 ? fcntl(rfd, F_GET_SEALS) : -1;
	void *ring;

	if (seals < 0 || !(seals & F_SEAL_SHRINK) || !(seals & F_SEAL_GROW) ||
	    fstat(rfd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)NC_HINT_RING_BYTES ||
	    (ring = mmap(NULL, NC_HINT_RING_BYTES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, rfd, 0)) == MAP_FAILED) {
		client_close(c);
		return;
	}
	c->ring = ring;
	c->head = 0; /* a new ring: whatever the client wrote there */
	c->attached = 1;
	attached++;
}

/* The first message of a connection: its request, and for RING the
 * ring's descriptor. */
static void request(struct client *c)
{
	struct nc_req req;
	int fd[1] = {-1}, nfd = 0;
	long n =
	    nc__recv_fds(c->fd, &req, sizeof(req), fd, 1, &nfd, MSG_DONTWAIT);

	if (n < 0 && errno == EAGAIN)
		return;
	/* STATUS and STOP from any version (proto.h); the rest from ours.
	 * The test switch plays a daemon of before: it answers nothing. */
	if (n != (long)sizeof(req) || req.magic != NC_PROTO_MAGIC ||
	    opts_old_proto ||
	    (req.version != NC_PROTO_VERSION && req.op != NC_REQ_STATUS &&
	     req.op != NC_REQ_STOP))
		req.op = 0; /* closed, below */
	switch (req.op) {
	case NC_REQ_RING:
		do_ring(c, fd[0]); /* -1 when none came */
		break;
	case NC_REQ_ATTACH:
		do_attach(c);
		break;
	case NC_REQ_STATUS:
		do_status(c);
		break;
	case NC_REQ_STOP:
		(void)!send(c->fd, "ok\n", 3, MSG_NOSIGNAL | MSG_DONTWAIT);
		client_close(c);
		stopping = 1;
		break;
	default:
		client_close(c);
	}
	if (nfd) /* mapped by do_ring, or not wanted */
		close(fd[0]);
}

static void accept_all(int lfd)
{
	for (;;) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		struct client *c = NULL;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    cr.uid != getuid() || nclients >= MAX_CLIENTS) {
			close(fd); /* another user: no word */
			continue;
		}
		for (int i = 0; i < MAX_CLIENTS && !c; i++)
			if (clients[i].fd == -1)
				c = &clients[i];
		slot_take(c, fd);
		if (ep_add(fd, EPOLLIN | EPOLLRDHUP,
			   K_CLIENT + (uint64_t)(c - clients)) < 0) {
			close(fd);
			slot_free(c);
			continue;
		}
		request(c);
	}
}

static int serve_ring(struct client *c);

/* A client found the arena's epoch moved (a flush replaced the inotify
 * instances): send it the new ones. */
static void send_notify(struct client *c)
{
	struct nc_notify_reply r = {.magic = NC_PROTO_MAGIC,
				    .version = NC_PROTO_VERSION};
	int fds[2] = {nc__serve_ifd(), nc__serve_hifd()};

	r.epoch = hdr->epoch;
	r.hot = fds[1] >= 0;
	if (nc__send_fds(c->fd, &r, sizeof(r), fds, 1 + (int)r.hot) < 0)
		client_close(c);
}

/* A client's connection is readable: wake-up bytes, a request for the
 * current inotify instances, or its end. */
static void client_event(struct client *c, uint32_t events)
{
	char buf[256];
	ssize_t n;

	if (!c->attached) {
		/* The request first: a short process may have sent its ring
		 * and gone before we looked (EPOLLIN with EPOLLHUP), and the
		 * hints it left there are still wanted. */
		request(c);
		if (c->fd >= 0 && !c->attached &&
		    (events & (EPOLLHUP | EPOLLERR)))
			client_close(c);
		return;
	}
	while ((n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		if (memchr(buf, NC_BYTE_NOTIFY, (size_t)n))
			send_notify(c);
	/* What it asked for before it went is still wanted (a short
	 * process's lookups are the next one's): the ring stays until the
	 * loop has served it, in batches like any other. */
	if (n == 0 || (n < 0 && errno != EAGAIN) ||
	    (events & (EPOLLHUP | EPOLLERR)))
		client_hangup(c);
}

/* Is the slot at @c's position published (hint.h)? */
static int published(const struct client *c)
{
	return nc_hint_ready(c->ring, c->head);
}

/* Copy, validate and serve up to HINT_BATCH hints of @c: how many. */
static int serve_ring(struct client *c)
{
	struct nc_hint h;
	int done = 0;

	while (done < HINT_BATCH && nc_hint_take(c->ring, c->head, &h)) {
		c->head++;
		done++;
		if (h.len >= NC_HINT_PATH || h.path[h.len] != '\0' ||
		    strlen(h.path) != h.len || h.path[0] != '/' ||
		    h.op < NC_HINT_FILL || h.op > NC_HINT_LIST ||
		    h.nofollow > 1 || h.mode > 7 || h.eff > 1)
			continue;
		nc__serve_hint(&h);
	}
	if (done) /* for the record only: no producer reads it */
		__atomic_store_n(&c->ring->head, c->head, __ATOMIC_RELAXED);
	return done;
}

static int rings_pending(void)
{
	for (int i = 0; i < client_top; i++) {
		struct client *c = &clients[i];

		if (c->fd != -1 && c->attached && published(c))
			return 1;
	}
	return 0;
}

static int listen_on(const char *sock, int *lockfd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char lock[128];
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", sock);
	*lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lockfd < 0) {
		die_line(lock);
		return -1;
	}
	if (flock(*lockfd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr,
			"namecache: a daemon is already running on %s\n", sock);
		return -3;
	}
	if (set_path(&sa, sock) < 0) {
		die_line(sock);
		return -1;
	}
	unlink(sock); /* a killed daemon's: we hold the lock */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sock, 0600) < 0 || listen(fd, 128) < 0) {
		die_line(sock);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The inotify instances in our epoll, through descriptors of our own: a
 * flush closes the instances (serve.c), but clients still hold them, and
 * a registration lives as long as its file: it must be removed through a
 * descriptor that is still open, ours.  Called again after every flush.
 */
static int qfd[4] = {-1, -1, -1, -1};

static int watch_queues(void)
{
	/* The cold instance, the hot one, and their watch rings' eventfds
	 * (a flag of a ring set behind a drain: drain its instance). */
	int fd[4] = {nc__serve_ifd(), nc__serve_hifd(), nc__serve_wring_efd(0),
		     nc__serve_wring_efd(1)};

	for (int i = 0; i < 4; i++) {
		if (qfd[i] >= 0) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, qfd[i], NULL);
			close(qfd[i]);
			qfd[i] = -1;
		}
		if (fd[i] < 0)
			continue;
		qfd[i] = fcntl(fd[i], F_DUPFD_CLOEXEC, 0);
		if (qfd[i] < 0 ||
		    ep_add(qfd[i], EPOLLIN,
			   (uint64_t[]){K_NOTIFY, K_HOT, K_NOTIFY_RING,
					K_HOT_RING}[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * The link beside the socket through which a client of ours attaches
 * without asking (proto.h): made once everything it leads to is set up,
 * by a rename (a client reads a whole link or none); removed at exit if
 * it is still ours.  A killed daemon's stays behind, naming a pid that
 * is gone or that holds no arena; the next daemon replaces it.
 */
static char arena_link[128];

static void arena_target(char *t, size_t n)
{
	snprintf(t, n, "/proc/%d/fd/%d", (int)getpid(), memfd);
}

static void link_make(const char *sock)
{
	char tmp[160], tgt[64];

	if (!sock ||
	    nc__arena_link_path(arena_link, sizeof(arena_link), sock) < 0) {
		arena_link[0] = '\0';
		return;
	}
	arena_target(tgt, sizeof(tgt));
	snprintf(tmp, sizeof(tmp), "%s.%d", arena_link, (int)getpid());
	unlink(tmp);
	if (symlink(tgt, tmp) < 0 || rename(tmp, arena_link) < 0) {
		die_line(arena_link); /* clients ask on the socket */
		unlink(tmp);
		arena_link[0] = '\0';
	}
}

static void link_drop(void)
{
	char tgt[64], want[64];
	ssize_t n;

	if (!arena_link[0])
		return;
	arena_target(want, sizeof(want));
	n = readlink(arena_link, tgt, sizeof(tgt) - 1);
	if (n > 0) {
		tgt[n] = '\0';
		if (!strcmp(tgt, want))
			unlink(arena_link);
	}
}

static void one_round(int lfd, struct epoll_event *ev, int n);

/*
 * Between batches of hints: whatever is ready, without waiting.  Events
 * first (clients doubt while a queue holds any), and new connections
 * too: a process attaching waits for its reply at its first lookup, and
 * a build's hints could otherwise keep it waiting for milliseconds.
 */
static void ready_now(int lfd)
{
	struct epoll_event ev[64];
	int n = epoll_wait(epfd, ev, 64, 0);

	if (n > 0)
		one_round(lfd, ev, n);
}

/*
 * A batch of ready descriptors.  An instance is drained once per batch,
 * and for its watch ring's eventfd only when the ring's flag is set: one
 * event makes the instance readable and signals the eventfd, often a
 * moment later (the kernel may defer it to an RCU callback), after the
 * drain it caused.  A second drain, finding nothing, would only open
 * another odd window for the clients' walks to fall into.
 */
static void one_round(int lfd, struct epoll_event *ev, int n)
{
	int drained = 0;

	for (int i = 0; i < n; i++) {
		uint64_t k = ev[i].data.u64;
		int hot = k == K_HOT || k == K_HOT_RING;

		if (k == K_MOUNT) {
			nc__serve_mount(1);
		} else if (k == K_NOTIFY || k == K_HOT || k == K_NOTIFY_RING ||
			   k == K_HOT_RING) {
			if ((k == K_NOTIFY_RING || k == K_HOT_RING) &&
			    !nc__serve_ring_due(hot))
				continue;
			if (!(drained & (1 << hot)))
				nc__serve_drain(hot);
			drained |= 1 << hot;
		} else if (k == K_SIGNAL || k == K_OWNER) {
			stopping = 1;
		}
	}
	for (int i = 0; i < n; i++) {
		uint64_t k = ev[i].data.u64;

		if (k == K_LISTEN)
			accept_all(lfd);
		else if (k >= K_CLIENT && k - K_CLIENT < MAX_CLIENTS &&
			 clients[k - K_CLIENT].fd >= 0)
			client_event(&clients[k - K_CLIENT], ev[i].events);
	}
}

int nc_daemon_run(const struct nc_daemon_opts *o)
{
	int lfd = o->listen_fd, lockfd = -1, sfd, rc = 1;

	opts_old_proto = o->old_proto;
	uint64_t epoch;
	uint64_t seed = 1;
	sigset_t sigs;

	started = time(NULL);
	clients = calloc(MAX_CLIENTS, sizeof(*clients));
	if (!clients)
		return 1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if (lfd < 0) {
		lfd = listen_on(o->sock, &lockfd);
		if (lfd < 0)
			return lfd == -3 ? 3 : 1;
	} else {
		fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
		fcntl(lfd, F_SETFD, FD_CLOEXEC);
	}
	nc__serve_set_log(log_line);
	memfd =
	    memfd_create("namecache-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	/* Sealed once mapped: nobody can resize it, and nobody can map it
	 * writable again (F_SEAL_FUTURE_WRITE): clients read only. */
	if (memfd < 0 || nc__serve_start(memfd, o->arena_mb << 20) < 0 ||
	    fcntl(memfd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) < 0) {
		die_line("cannot set up the cache");
		goto out;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0 || ep_add(lfd, EPOLLIN, K_LISTEN) < 0 ||
	    watch_queues() < 0 ||
	    ep_add(nc__serve_mfd(), EPOLLPRI, K_MOUNT) < 0 ||
	    ep_add(sfd, EPOLLIN, K_SIGNAL) < 0 ||
	    (o->exit_with >= 0 && ep_add(o->exit_with, EPOLLIN, K_OWNER) < 0)) {
		die_line("epoll");
		goto out;
	}
	hdr = nc__serve_hdr();
	link_make(o->sock);
	if (o->ready_fd >= 0) {
		(void)!write(o->ready_fd, "", 1);
		close(o->ready_fd);
	}
	if (o->quiet_fd >= 0) {
		dup2(o->quiet_fd, 2);
		close(o->quiet_fd);
	}
	rc = 0;
	epoch = hdr->epoch;
	while (!stopping) {
		struct epoll_event ev[64];
		int n, served = 0, batch = 0;

		n = epoll_wait(epfd, ev, 64, 0);
		if (n > 0)
			one_round(lfd, ev, n);
		for (int i = 0; i < client_top && !stopping; i++) {
			if (clients[i].fd == -1 || !clients[i].attached)
				continue;
			/* Gone, and nothing published is left (a position
			 * claimed by a thread the exit stopped never will
			 * be). */
			if (clients[i].fd == -2 && !published(&clients[i])) {
				client_close(&clients[i]); /* all served */
				continue;
			}
			batch += serve_ring(&clients[i]);
			if (batch >= HINT_BATCH) {
				ready_now(lfd);
				served += batch;
				batch = 0;
			}
		}
		served += batch;
		if (served) {
			if (o->corrupt)
				nc__serve_corrupt(seed++);
			nc__serve_evict();
		}
		/* After a flush (in this round or in the last sleep's): the
		 * new instances in our epoll, the old ones out of it (they
		 * stay readable for good: nobody drains them any more). */
		if (hdr->epoch != epoch && watch_queues() < 0) {
			die_line("epoll");
			rc = 1;
			break;
		}
		epoch = hdr->epoch;
		if (n > 0 || served)
			continue;
		/* Idle: a chunk of the arena made a huge page (a millisecond
		 * or more), then a look for work again before sleeping. */
		if (nc__serve_huge())
			continue;
		/* Sleep, unless a hint came in meanwhile (hint.h): each
		 * ring's wake-up allowed again, then the flag, a full fence,
		 * and a last look at every ring. */
		for (int i = 0; i < client_top; i++)
			if (clients[i].fd != -1 && clients[i].attached)
				__atomic_store_n(&clients[i].ring->woken, 0,
						 __ATOMIC_RELAXED);
		__atomic_store_n(&hdr->sleeping, 1, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!rings_pending()) {
			n = epoll_wait(epfd, ev, 64, -1);
			__atomic_store_n(&hdr->sleeping, 0, __ATOMIC_SEQ_CST);
			if (n > 0)
				one_round(lfd, ev, n);
		} else {
			__atomic_store_n(&hdr->sleeping, 0, __ATOMIC_SEQ_CST);
		}
	}
out:
	link_drop();
	for (int i = 0; i < client_top; i++)
		if (clients[i].fd != -1)
			client_close(&clients[i]);
	if (o->listen_fd < 0 && lfd >= 0) {
		char lock[128];

		/* Unlink before the lock goes: a new daemon binds afresh. */
		unlink(o->sock);
		snprintf(lock, sizeof(lock), "%s.lock", o->sock);
		if (o->unlink_on_exit) {
			char *slash;

			unlink(lock);
			slash = strrchr(lock, '/');
			if (slash && slash != lock) {
				*slash = '\0';
				rmdir(lock);
			}
		}
		close(lfd);
	}
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
