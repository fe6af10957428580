/*
 * Private state of the cache, shared by its files, which call each other
 * in one direction only (no circle; tests/bats/t0000-build.bats checks
 * the objects' symbols):
 *
 *   serve.c  (the daemon's entry)  -> attach.c, cache.c, fill.c,
 *                                     notify.c, writer.c
 *   cache.c  (queries, life cycle) -> attach.c, fill.c, notify.c, memo.c,
 *                                     own.c, writer.c
 *   attach.c (the shared client)   -> mounts.c, notify.c, writer.c
 *   fill.c   (the writer's fill)   -> notify.c, policy.c, writer.c
 *   notify.c (inotify, probes)     -> memo.c, mounts.c, own.c, policy.c,
 *                                     uring.c, writer.c
 *   memo.c, mounts.c, own.c, policy.c, uring.c, writer.c: none of the
 *   others
 *   global.c (nc__c, the state):   used by all, calls none
 *
 * What protects what:
 *   - nc__c.writer: a try-lock taken by the one thread that drains or
 *     fills.  Nobody ever waits for it: a thread that cannot take it
 *     passes through (this keeps signal handlers and vfork children safe).
 *     Everything below marked "writer" is touched only by its holder.
 *   - The arena (arena.h): written by the writer, read lock-free.
 *   - root_*, cwd_*: published with atomic stores by the writer (cwd is
 *     also reset by the chdir wrappers); readers load them atomically and
 *     validate the dentry they name like any other.
 *   - Cut-off subtrees: dropping a directory drops that one dentry; what
 *     lies below stays live but unreachable from the root (no walk from
 *     the root finds it).  Its names were learnt through paths that no
 *     longer lead there, so nothing may start from it: the working
 *     directory is used only while its chain to the root is whole
 *     (cache.c, cwd_intact), realpath and the fill build paths only from
 *     whole chains (chain(), abs_path()), and a watch still held there
 *     is taken back when its inode is watched again (notify.c).
 *   - nc__cache_state (declared in cache.h, so that wrappers can test it
 *     inline): 0 = not started, 1 = starting, 2 = ready, 3 = off for the
 *     rest of this process image (mode off, a resource we need is missing,
 *     or the program closed one of our file descriptors).
 */
#ifndef NC_CACHE_INT_H
#define NC_CACHE_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "../store/arena.h"
#include "cache.h"
#include "../store/dentry.h"
#include "../store/hint.h"
#include "policy.h"
#include "uring.h"

#define NC_WVIEWS 16 /* views of the daemon's watch rings an image makes */

enum { NC_ST_NONE, NC_ST_STARTING, NC_ST_READY, NC_ST_OFF };

struct nc__wd {
	int32_t wd; /* 0 = empty slot */
	uint32_t idx;
	uint64_t ident;
};

/* The daemon's world, as the attaching image checked it against its own
 * (attach.c): credentials, and the mount and inode of its root. */
struct nc__world {
	uint32_t uid, gid, ngroups;
	uint64_t ghash; /* of the sorted supplementary groups */
	uint64_t root_mnt, root_dev, root_ino;
};

/* An attachment handed down at exec (attach.c, NAMECACHE_ATTACH): the
 * descriptors (NC_HAND_FDS of them, in this order), still to be checked,
 * and what they must be. */
struct nc__handoff {
	int afd, ifd, hifd, mfd; /* -1: none */
	int pmfd; /* a second mountinfo, for the first probe (-1: none) */
	uint64_t size, adev, aino, epoch;
	int32_t pid;
	struct nc__world world;
};

struct nc__cache {
	int mode;
	int check; /* enum nc_check: how strict checks are made */
	uint64_t max_stale_ns;
	struct nc_arena arena;
	int ifd, mfd;	 /* inotify, /proc/self/mountinfo (notify.c) */
	int spare_mfd;	 /* a mountinfo handed down for the first probe */
	int hifd;	 /* the hot inotify instance (notify.c); -1: none */
	int hot_enabled; /* the daemon's writer: make hifd with ifd */
	/* The daemon's watch rings (uring.c): [NC_WR_COLD] over ifd and
	 * the mount table, [NC_WR_HOT] over hifd. */
	struct nc__wring {
		struct nc__ring ring;
		int mem; /* its page's memfd; -1: no ring */
		int mfd; /* the mountinfo it polls (cold only); -1 */
		int efd; /* the eventfd it signals; -1 */
	} wring[2];
	/* A client's views of the daemon's watch rings (notify.c): at most
	 * one of each made per epoch, kept mapped until the image ends. */
	struct nc__wview wviews[NC_WVIEWS];
	struct nc__wview *wview[2]; /* the latest of each (atomic), or NULL */
	int wview_state;	    /* enum nc_wview_state */
	int wview_made;		    /* wviews used */
	uint64_t wview_tried[2];    /* 1 + the epoch last tried; 0: none */
	uint64_t promoted;    /* directories moved to hifd, or watched there
			       * from the start (statistics) */
	uint64_t events[2];   /* events read from ifd, hifd (statistics) */
	uint64_t hot_lost;    /* hifd overflows: hot dentries forgotten */
	uint64_t q_overflows; /* overflows read that flushed (writer) */
	uint32_t root_idx;
	uint64_t root_ident;
	uint32_t cwd_idx;
	uint64_t cwd_ident; /* 0: unknown */
	int cwd_unstable;   /* > 0: inside nftw/fts that chdir behind us */
	uint32_t cwd_gen;   /* bumped by every chdir: a cwd learnt across
			     * one is not published */
	int writer;
	int flush_pending; /* a flush is owed: pass through until done */
	/* mount changes heard, and the count when they were last applied
	 * (notify.c): while they differ, lookups pass through */
	uint32_t mount_heard;
	uint32_t mount_done;
	uint32_t mfd_polls; /* threads polling mfd now (attach.c: hand) */
	/* shared: hdr->mount_start when the latest change was heard */
	uint32_t mount_after;
	/* shared: mount_heard and hdr->mount_seq at the last comparison
	 * with the daemon's table (one per change on either side) */
	uint32_t mount_tried_heard;
	uint32_t mount_tried_seq;
	uint32_t mount_tried_fence;
	uint64_t mount_changes; /* applied without a flush (statistics) */
	/* relaxed mode: when the queue was last found empty, and own_seq
	 * (own.c) sampled before that question; the three written and read
	 * together under checked_seq (notify.c: checked()) */
	uint64_t checked_ns;
	uint64_t checked_own;
	uint64_t checked_hot_ns; /* ... and the hot queue (notify.c) */
	uint32_t checked_seq;
	/* writer: watch descriptors -> dentries (open addressing) */
	struct nc__wd *wds;
	uint32_t wd_cap;
	uint32_t wd_used;
	int limit_logged; /* the watch limit was reported */
	uint32_t cwd_admit;
	/* repeated lookups so far, until the process is "mature" (cache.c) */
	uint32_t repeats;
	int mature;
	/* shared mode (attach.c): the arena is the daemon's, mapped
	 * read-only; ifd is the daemon's inotify instance, polled only */
	int shared;
	int sfd;	  /* the connection to the daemon; -1: none */
	int attach;	  /* enum nc_attach */
	int why;	  /* enum nc_why: why this image is not attached */
	int attach_tries; /* attachments begun by this image */
	uint64_t attach_deadline_ns;
	int attach_waited;	 /* the first query waited for the reply */
	uint64_t attach_next_ns; /* no look for the reply before */
	int refreshing;		 /* NC_BYTE_NOTIFY sent, reply not read yet */
	int refresh_tries;
	uint64_t epoch;	     /* the arena's epoch when attached */
	int via;	     /* enum nc_via: how this image attached */
	int afd;	     /* the arena's memfd, kept to hand it down; -1 */
	uint64_t adev, aino; /* ... and its identity */
	int32_t daemon_pid;
	struct nc__world world; /* what the attachment was checked against */
	struct nc__handoff ho;	/* an attachment handed down, not used yet */
	pid_t ho_pid;		/* ... to this process */
	int ho_fork;		/* ... by fork (else exec) */
	int ring_state;		/* enum nc_ring_state */
	int mounts_known; /* shared: mfd hears every mount change the arena
			   * may not hold yet (nc__attach_pidfd) */
	struct nc_hint_ring *ring;
	uint64_t hints[2];  /* posted, dropped (relaxed atomic adds) */
	uint32_t cwd_plen;  /* 0: not known (getcwd() next time) */
	uint32_t cwd_tries; /* shared: relative lookups since getcwd() */
};

/* Shared: getcwd() of nc__c.cwd_ident, for hints.  Apart from nc__c so
 * that nc__c and the probes after it (notify.c) share the first page of
 * .data, which the loader writes anyway: a first lookup then faults in
 * no page of .data of its own. */
extern char nc__cwd_path[4096];

/* Making a view of the daemon's watch ring (notify.c). */
enum nc_wview_state {
	NC_WVIEW_IDLE,
	NC_WVIEW_MAKING, /* a thread is mapping one */
};

/* How an image attached (attach.c). */
enum nc_via {
	NC_VIA_NONE,
	NC_VIA_SOCKET, /* asked the daemon */
	NC_VIA_EXEC,   /* handed down by the image that exec'd it */
	NC_VIA_FORK,   /* a fork child: handed down by its parent */
	NC_VIA_PIDFD,  /* took the daemon's descriptors itself */
};

/* Its hint ring: the daemon's (via the socket), or made at the first
 * miss (via exec). */
enum nc_ring_state {
	NC_RING_NONE,
	NC_RING_MAKING,
	NC_RING_MADE,
	NC_RING_FAILED
};

/* Where an attachment stands (attach.c). */
enum nc_attach {
	NC_AT_NONE,    /* none begun (or given up: see why) */
	NC_AT_PENDING, /* request sent, reply not read yet */
	NC_AT_DONE,    /* attached: nc__c.shared */
};

extern struct nc__cache nc__c;

/* Report @msg through the shim's log, if it set one (nc__cache_set_log). */
void nc__cache_log(const char *msg);

/* writer.c: the writer try-lock (owner only), the owner, a vfork
 * child's borrowed thread. */
int nc__writer_trylock(void);
void nc__writer_unlock(void);
void nc__owner_set(void); /* this process owns the cache (fork child) */
int nc__in_owner(void);	  /* and marks a borrowed thread if not */
int nc__borrowed(void);	  /* a vfork child on this thread's memory? */
/* Writer: (re)create the root dentry; 0 or -1 (writer.c). */
int nc__fill_root(void);

/* notify.c */
int nc__notify_open(void); /* inotify + mountinfo; 0 or -1 */
/* Is dentry @idx cut off from the root: a dead dentry on the way up, or
 * a parent slot that holds another dentry by now (writer only)? */
int nc__cut_off(uint32_t idx);
/* Drop dentry @idx and, for a directory, its watch (writer only). */
void nc__forget(uint32_t idx);
/* Forget the working directory's dentry @idx: the next relative lookup
 * learns it again from getcwd() (writer only). */
void nc__cwd_forget(uint32_t idx);
/* Close every descriptor, the threads' probes too (start-up, fork child,
 * off): only while no other thread can be using them. */
void nc__notify_close(void);
/* Forget every descriptor without closing it: they may belong to
 * another process sharing our descriptor table (a clone child). */
void nc__notify_forget(void);
/* The fork child: also unmap the rings inherited from the parent's
 * threads, then nc__notify_close(). */
void nc__notify_fork_child(void);
/* enum nc_check: the best check this image used so far. */
int nc__notify_check_used(void);
/* Move descriptor @fd to a high, close-on-exec number (if it can be):
 * the new number, or @fd (global.c). */
int nc__fd_rehome(int fd);
/* Is one of our descriptors in [first, last]?  Any thread. */
int nc__notify_owns(unsigned int first, unsigned int last);
/* Shared mode (attach.c): open the process's own mountinfo, before the
 * attach request is sent (the daemon answers only after it looked at
 * its own: a mount change before ours was opened is in the arena it
 * sends); -1 or the descriptor, in nc__c.mfd. */
int nc__notify_mount_open(void);
/* Shared mode: @fd (-1: none), a mountinfo handed down with nc__c.mfd,
 * is the next probe's own instead of one opened then. */
void nc__notify_spare(int fd);
/* A mount change was heard: owed, lookups pass through until it is
 * applied (nc__notify_mount_settle). */
void nc__notify_mount_seen(void);
/* Is no mount change owed?  1, or 0 (pass through).  The writer applies
 * it (try-lock); a shared image waits for the daemon to have. */
int nc__notify_mount_settle(void);
/* Writer: apply the mount changes since the last time (mounts.c), in a
 * window of its own, or flush. */
void nc__mount_apply_locked(void);
/* Writer: around every fill and verdict, the writes that record real
 * calls.  Open applies a change not applied yet; close, if a change came
 * meanwhile, applies it and drops what was written in between (notify.c). */
void nc__mount_fence_open(void);
void nc__mount_fence_close(void);
/* Writer: no mount change heard and unapplied, none reported on mfd (a
 * report is applied now)?  1, or 0. */
int nc__mount_quiet(void);
/* mounts.c (the writer): read the table as the base of the next
 * comparison; compare the table now with the base and call @drop_path
 * on every mount point that changed (its result < 0: stop, -1).  *@all:
 * the hash of the text read.  0; -1: the caller flushes (*@all set);
 * -2: the table could not be read (the caller flushes). */
int nc__mounts_base(uint64_t *all);
int nc__mounts_apply(int (*drop_path)(const char *path), uint64_t *all);
/* mounts.c (a shared client): the hash of the mount table now. */
int nc__mounts_hash(uint64_t *all);
/* mounts.c: a new descriptor of /proc/self/mountinfo (rehomed,
 * close-on-exec), or -1; nobody has polled it yet. */
int nc__mounts_file(void);
/* Shared: does our mountinfo hear every mount change the arena may not
 * hold yet?  1, or 0 (doubt; nc__attach_pidfd). */
int nc__notify_mounts_known(void);
/* At an attachment through @pidfd, a pidfd of the daemon: make the views
 * of its watch rings with it (notify.c: wview_make). */
void nc__notify_wview_early(int pidfd);
/* Shared mode: poll @ifd and @hifd (-1: none), the daemon's inotify
 * instances, from now on. */
void nc__notify_adopt(int ifd, int hifd);
/* The most watches the writer may hold (the daemon raises it). */
void nc__notify_set_budget(uint32_t watches);
/* The calling thread is exiting: close its probe. */
void nc__notify_thread_exit(void);
/* Strict/relaxed check: 1 = cache may answer, 0 = pass through, -1 =
 * events were applied (walk again).  @own: the answer is the attributes
 * of an inode this process writes (own.c), which relaxed mode must check
 * like strict mode.  @hot: the walk passed a dentry of the hot instance,
 * whose queue must be empty too.  *@why: the doubt, when not 1. */
int nc__coherent(int own, int hot, int *why);
#define NC_COHERENT_HOT 2 /* pass through: the hot queue alone (hot) */
/* Writer: read and apply every queued event (of the hot instance). */
void nc__drain(void);
void nc__drain_hot(void);
/* Daemon: the eventfd of the cold (@hot 0) or hot watch ring was
 * readable: 1 when the ring's flag is set (a drain is due, which resets
 * the eventfd), else the eventfd is reset and 0. */
int nc__wring_due(int hot);
/* Writer: watch the directory @d (index @idx) at @path.  0 or -1. */
int nc__watch(struct nc_dentry *d, uint32_t idx, const char *path);
/* Writer: watch the inode at @path (a non-directory), in the hot
 * instance if @hot (its directory's): its watch key or -1. */
int nc__watch_inode(const char *path, const struct stat *st, int hot);
/* Writer: record that watch @wd reports on dentry @d (sets NC_D_WATCHED);
 * -1 if a live dentry already owns it (one inode, two cached names). */
int nc__watch_bind(int wd, struct nc_dentry *d, uint32_t idx);
/* Writer: remove watch @wd unless a live dentry relies on it. */
void nc__watch_drop(int wd);
/* Writer: flush everything; the root dentry is re-created. */
void nc__flush_locked(void);

/* attach.c: the client side of the shared cache */
/* Connect and send the request, without waiting (an image's first
 * query); nc__c.attach becomes PENDING, or why says what stopped it. */
void nc__attach_begin(void);
/* Read the reply if it came: 1 attached, 0 still pending, -1 given up
 * (nc__c.why).  Under the writer lock. */
int nc__attach_poll(void);
/* An attachment handed down at exec: 1 attached, 0 none (ask the
 * daemon), -1 refused (nc__c.why).  Under the writer lock. */
int nc__attach_inherit(void);
/* Attach through the daemon's descriptors (pidfd_getfd), without the
 * socket: 1 attached, 0 not this way (ask on the socket), -1 refused
 * (nc__c.why).  Under the writer lock. */
int nc__attach_pidfd(void);
/* Our credentials and root, as an attachment is checked against, and
 * our groups, sorted, in @g32 (NC_PROTO_GROUPS of room): 0 or -1. */
int nc__own_world(struct nc__world *w, uint32_t *g32);
/* fork: the atfork handlers.  A child gets its parent's attachment as
 * an unused hand-down (a hand-down its parent had not used yet is not
 * its own: the mountinfo's reports would be shared, it is closed). */
/* A hand-down not used yet is dropped when the program closes or
 * replaces one of its descriptors, or changes its world (first > last). */
void nc__attach_hand_drop(unsigned int first, unsigned int last);
void nc__attach_fork_prepare(void);
void nc__attach_fork_parent(void);
void nc__attach_fork_child(void);
/* The daemon's inotify instances were replaced (the epoch moved): ask
 * for the new ones; 1 refreshed, 0 not yet, -1 given up.  Under the
 * writer lock. */
int nc__attach_refresh(void);
/* Unmap and close what the attachment holds (@close_fds 0: forget the
 * descriptors, another process may share them). */
void nc__detach(int close_fds);
/* Post a hint for @q (a miss): the daemon fills it. */
struct nc_query;
void nc__hint(const struct nc_query *q, int op);
/* The socket's path, "" for none (the shim's configuration). */
extern char nc__sock_path_cfg[108];

/* own.c: the process's own changes, for relaxed mode */
uint64_t nc__own_begin(void);	     /* sample before asking the queue */
int nc__own_clean(uint64_t checked); /* no own change since @checked? */
/* Is the inode @dev/@ino (@known = 0: an inode we cannot name) one this
 * process holds or held open for writing? */
int nc__own_written(int known, uint64_t dev, uint64_t ino);
void nc__own_scan(void); /* record inherited write descriptors, once */

/* fill.c */
/* The absolute path of dentry @idx, through its parents (no symbolic
 * link), into @buf (PATH_MAX): its length, or -1 when its chain to the
 * root is broken (writer only). */
int nc__abs_path(uint32_t idx, char *buf);
/* Writer: fill the cache along @path (see fill.c).  */
void nc__fill(const char *path, int nofollow);
/* Writer: the listing of watched directory @idx, named @abs (fill.c). */
void nc__fill_listing(uint32_t idx, const char *abs);
/* Writer: fill along @path, then the listing of the directory it names. */
void nc__fill_list(const char *path);

/* Writer: compute the cwd dentry; 0 or -1. */
int nc__fill_cwd(void);

#endif /* NC_CACHE_INT_H */
