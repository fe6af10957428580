/*
 * The shared cache's wire protocol: one Unix stream socket per client.
 *
 *   client                              daemon
 *   connect()                           accept(); SO_PEERCRED: same uid,
 *                                       else the connection is closed
 *   struct nc_req {ATTACH}   -------->
 *                            <--------  struct nc_attach_reply + SCM_RIGHTS
 *                                       [arena memfd, inotify fd, ring memfd,
 *                                        hot inotify fd]
 *   SO_PEERCRED: same uid; the reply's
 *   credentials, mount namespace and root
 *   are this process's, else detach
 *   a 0 byte per wake-up     -------->  (hint.h: only while the daemon sleeps)
 *   a 1 byte: "your inotify  -------->
 *   instances are gone"      <--------  struct nc_notify_reply + SCM_RIGHTS
 *   (the arena's epoch moved)           [inotify fd, hot inotify fd]
 *   close() / exit           -------->  the client's ring is freed
 *
 * An image that got its attachment at exec from its parent (attach.c:
 * the arena and the inotify instances passed down, no round trip) makes
 * a ring of its own at its first miss and hands it over, with no reply:
 *
 *   struct nc_req {RING} + SCM_RIGHTS       the daemon checks it is a
 *   [ring memfd, sealed against   ------->  memfd of the ring's size that
 *    shrinking and growing]                 cannot shrink, maps it and
 *                                           serves it as an attached
 *                                           client's (bytes as above)
 *
 * Attaching without the socket: beside it, the daemon keeps a symbolic
 * link "SOCKET.arena" to "/proc/PID/fd/FD", its arena's descriptor.  A
 * client of the same user that may ptrace the daemon (the kernel's
 * check for pidfd_getfd(), Linux 5.6) takes the arena and the inotify
 * instances from the daemon's descriptor table, checks the world the
 * arena's header states (cache/attach.c), and needs no reply; its first
 * miss makes a ring and hands it over as above.  Anything else (no link,
 * a dead pid, EPERM) and it asks on the socket.
 *
 * STATUS answers lines of "key: value" and closes; STOP answers "ok" and
 * the daemon exits.  Every field is validated by its reader: the daemon
 * trusts nothing a client sends, and a client trusts nothing but the
 * kernel's SO_PEERCRED, falling back to its own cache on any mismatch.
 */
#ifndef NC_PROTO_H
#define NC_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NC_PROTO_MAGIC 0x4b53434eu /* "NCSK" */
#define NC_PROTO_VERSION 3u
#define NC_PROTO_GROUPS 64u

/* STATUS and STOP keep their numbers for good, and a daemon answers them
 * whatever version the request says: any version's tool can see and stop
 * any version's daemon (after an upgrade, the running daemon is the old
 * one).  ATTACH and RING need the same version on both sides. */
enum nc_req_op { NC_REQ_ATTACH = 1, NC_REQ_STATUS, NC_REQ_STOP, NC_REQ_RING };

struct nc_req {
	uint32_t magic, version, op, pad;
};

struct nc_attach_reply {
	uint32_t magic, version;
	int32_t status; /* 0, or an errno: no attach */
	int32_t pid;	/* the daemon's */
	uint64_t arena_size, ring_size;
	uint64_t mntns_dev, mntns_ino; /* /proc/self/ns/mnt */
	uint64_t root_dev, root_ino;   /* / */
	uint64_t root_mnt;	       /* statx(/).stx_mnt_id; 0: unknown */
	uint32_t uid, gid, ngroups, hot;
	uint32_t groups[NC_PROTO_GROUPS];
};

/* The descriptors an ATTACH reply carries, in this order; the hot
 * inotify instance only when the reply's hot is 1. */
enum { NC_FD_ARENA, NC_FD_NOTIFY, NC_FD_RING, NC_FD_HOT, NC_FD_COUNT };

/* The bytes a client sends once attached. */
enum { NC_BYTE_WAKE = 0, NC_BYTE_NOTIFY = 1 };

/* The answer to NC_BYTE_NOTIFY: the current instances (the cold one, and
 * the hot one when hot is 1) and the epoch they belong to. */
struct nc_notify_reply {
	uint32_t magic, version;
	uint64_t epoch;
	uint32_t hot, pad;
};

/*
 * The socket's path: NAMECACHE_SOCKET (@env, absolute; "none": no shared
 * cache), else $XDG_RUNTIME_DIR/namecache/socket, else
 * /tmp/namecache-UID/socket.  0, 1 for "none", or -1 when @env is not an
 * absolute path or a path does not fit.  Async-signal-safe.
 */
int nc__sock_path(char *out, size_t n, const char *env, const char *xdg,
		  uid_t uid);

/* Is the socket's directory @uid's, a directory, with no access for
 * anyone else?  0, or -1 with errno (EPERM: wrong owner or mode). */
int nc__sock_dir_check(const char *sock, uid_t uid);

/* "@sock.arena" into @out (@cap bytes): 0, or -1 when it does not fit. */
int nc__arena_link_path(char *out, size_t cap, const char *sock);

/* The pid and descriptor of the link's target "/proc/PID/fd/FD" (@n
 * bytes at @t): 0, or -1 if it is not one. */
int nc__arena_link_parse(const char *t, size_t n, int *pid, int *fd);

/* Send @n bytes and @nfds descriptors in one message: 0 or -1. */
int nc__send_fds(int s, const void *buf, size_t n, const int *fds, int nfds);

/* Receive one message of at most @n bytes and up to @max descriptors
 * (close-on-exec; any beyond @max are closed), with recvmsg() @flags
 * (MSG_DONTWAIT).  Bytes read, or -1. */
long nc__recv_fds(int s, void *buf, size_t n, int *fds, int max, int *nfds,
		  int flags);

#endif /* NC_PROTO_H */
