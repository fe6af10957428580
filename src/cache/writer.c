/*
 * The writer role, the owner of the cache, and the cache's log.
 *
 * What protects what:
 *   - nc__c.writer: a try-lock taken by the one thread that drains,
 *     fills or flushes (cache_int.h).  Nobody waits for it.
 *   - owner_pid: the process whose cache this is, set by the constructor
 *     and in a fork child; read with a relaxed load (it changes only
 *     while the process is single-threaded).
 *   - borrower: thread-local, the pid of a vfork child running on this
 *     thread's memory (below).
 *
 * A vfork child (and any clone that shares our memory but not our
 * descriptor table, working directory or credentials) runs the wrappers
 * on the parent's memory, on the parent thread's stack and thread-local
 * storage, until it execs or exits.  What it does to its own descriptors,
 * working directory or credentials must not reach the parent's cache
 * (Python's subprocess closes every descriptor in such a child: that used
 * to turn the parent's cache off), and its own lookups must not use the
 * parent's descriptors or publish its working directory.  So the calls
 * that change such process-private state first ask whether they run in
 * the process that owns the cache (one getpid(); they are rare); if not,
 * the calling thread's storage is marked "borrowed" by that pid, and
 * every query made while it is passes through.  The parent's thread,
 * once resumed, sees another pid and drops the mark (nc__borrowed()).
 *
 * And the root dentry every flush starts the arena again from, which the
 * fill and the flush (notify.c) both make.
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../store/dcache.h"
#include "cache_int.h"

static pid_t owner_pid;
static __thread pid_t borrower __attribute__((tls_model("initial-exec")));
static void (*cfg_log)(const char *msg);

void nc__owner_set(void)
{
	__atomic_store_n(&owner_pid, (pid_t)syscall(SYS_getpid),
			 __ATOMIC_RELAXED);
	borrower = 0;
}

int nc__in_owner(void)
{
	pid_t me = (pid_t)syscall(SYS_getpid);

	if (me == __atomic_load_n(&owner_pid, __ATOMIC_RELAXED))
		return 1;
	borrower = me;
	return 0;
}

int nc__borrowed(void)
{
	if (__builtin_expect(!borrower, 1))
		return 0;
	if ((pid_t)syscall(SYS_getpid) == borrower)
		return 1;
	borrower = 0;
	return 0;
}

/* Only the owner writes: a vfork child that merely looks paths up (and so
 * was never marked borrowed) must not open descriptors that exist in its
 * table alone, nor drain the queue for its parent. */
int nc__writer_trylock(void)
{
	int expect = 0;

	if (!nc__in_owner())
		return 0;
	return __atomic_compare_exchange_n(&nc__c.writer, &expect, 1, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void nc__writer_unlock(void)
{
	__atomic_store_n(&nc__c.writer, 0, __ATOMIC_RELEASE);
}

void nc__cache_set_log(void (*log)(const char *msg))
{
	cfg_log = log;
}

void nc__cache_log(const char *msg)
{
	if (cfg_log)
		cfg_log(msg);
}

int nc__fill_root(void)
{
	struct nc_arena *a = &nc__c.arena;
	struct nc_dentry *d;
	struct stat st;
	uint32_t idx;

	if (syscall(SYS_newfstatat, AT_FDCWD, "/", &st, AT_SYMLINK_NOFOLLOW) <
	    0)
		return -1;
	d = nc__d_add(a, NULL, NC_NONE, "", 0, &idx);
	if (!d)
		return -1;
	d->st = st;
	d->flags = NC_D_LIVE | NC_D_DIR | NC_D_ROOT | NC_D_STAT;
	nc__d_write_end(d);
	ck_pr_store_32(&nc__c.root_idx, idx);
	ck_pr_store_64(&nc__c.root_ident, d->ident);
	/* For clients of a shared arena, which have no nc__c of ours. */
	ck_pr_store_32(&a->hdr->root_idx, idx);
	ck_pr_store_64(&a->hdr->root_ident, d->ident);
	return 0;
}
