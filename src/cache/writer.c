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
 * And what the fill and the drain (notify.c) both need of the arena: the
 * root dentry every flush starts it again from, whether a dentry is cut
 * off from the root, and a dentry's absolute path.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../store/dcache.h"
#include "../common/util.h"
#include "cache_int.h"

static pid_t owner_pid NC_STARTUP;
static __thread pid_t borrower __attribute__((tls_model("initial-exec")));
static void (*cfg_log)(const char *msg) NC_STARTUP;

NC_START_TEXT void nc__owner_set(void)
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

NC_START_TEXT void nc__cache_set_log(void (*log)(const char *msg))
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

int nc__cut_off(uint32_t idx)
{
	const struct nc_dentry *d = nc__dentry_at(&nc__c.arena, idx);

	for (int depth = 0; depth < PATH_MAX / 2; depth++) {
		const struct nc_dentry *p;

		if (!d || !(d->flags & NC_D_LIVE))
			return 1;
		if (d->flags & NC_D_ROOT)
			return 0;
		p = nc__dentry_at(&nc__c.arena, d->parent);
		if (!p || p->ident != d->parent_ident)
			return 1;
		d = p;
	}
	return 1;
}

/*
 * The absolute path of dentry @idx into @buf (PATH_MAX); length or -1.
 * -1 also when the chain up to the root is broken: a dropped directory
 * (moved, removed, its permissions changed) leaves its subtree in place,
 * cut off from the root, and its slot may hold another dentry by now;
 * the names of such a chain are where things were, not where they are.
 */
int nc__abs_path(uint32_t idx, char *buf)
{
	uint32_t chain[PATH_MAX / 2]; /* indices, the dentry first */
	int n = 0, len = 0;

	if (nc__cut_off(idx))
		return -1;
	for (const struct nc_dentry *d = nc__dentry_at(&nc__c.arena, idx);
	     !d || !(d->flags & NC_D_ROOT);
	     d = nc__dentry_at(&nc__c.arena, idx = d->parent)) {
		if (!d || n == (int)(sizeof(chain) / sizeof(chain[0])))
			return -1;
		chain[n++] = idx;
	}
	buf[0] = '/';
	buf[1] = '\0';
	len = n ? 0 : 1;
	while (n--) {
		const struct nc_dentry *c =
		    nc__dentry_at(&nc__c.arena, chain[n]);
		const char *name =
		    c ? nc__str_at(&nc__c.arena, c->name_off, c->name_len)
		      : NULL;

		if (!c || !name || len + 1 + c->name_len >= PATH_MAX)
			return -1;
		buf[len++] = '/';
		memcpy(buf + len, name, c->name_len);
		len += c->name_len;
		buf[len] = '\0';
	}
	return len;
}
