/*
 * The strict promise with a hand-off through memory only.
 *
 *   handoff-prog DIR N [mount|attr]
 *
 * A mutator process (forked before anything is cached, using raw system
 * calls only) changes the tree under DIR, then stores the hand-off's
 * number in a shared page.  The checker, under the shim, spins on that
 * page and looks up at once: from the moment the mutator starts its
 * change (it says so in the page first; until then the checker may
 * yield the CPU) to the checker's lookup there is no system call on the
 * checker's side, so only what the kernel wrote into the checker's
 * memory before the change returned (the io_uring flag) can tell it.
 * Each hand-off is one of: create, unlink, rename over, chmod, append,
 * truncate, mkdir, rmdir, symlink retarget, in turn, and with "mount"
 * (root; in a private mount namespace the program makes itself) every
 * 50th is the mount or unmount of a tmpfs over a cached directory.  With
 * "attr", every hand-off is a chmod of one file or new times of another,
 * in turn: changes
 * that leave every directory cold, so that an attached checker's walks
 * are checked with the daemon's watch ring alone (notify.c).  Before
 * every hand-off the checker asks each question twice through the shim (so that
 * the answers are cached); after it, through the shim, then by raw system call
 * (the mutator is idle: the two must agree).
 *
 * Prints "handoffs N lookups L differences D" and one line per
 * difference (at most 20); exits 1 on a difference, 2 on a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KINDS 12

static const char *const kind_name[KINDS] = {
    "create", "unlink", "rename-over", "chmod", "append", "truncate",
    "mkdir",  "rmdir",	"symlink",     "mount", "umount", "utimes"};

struct shared {
	volatile long go;      /* the checker asks for hand-off i */
	volatile long started; /* the mutator is about to make change i */
	volatile long done;    /* change i has returned */
	volatile int kind;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	__asm__ volatile("" ::: "memory");
}

/* Wait for *@v == @i; yield now and then (a system call is fine here:
 * nothing has been changed yet). */
static void wait_yielding(volatile long *v, long i)
{
	for (unsigned spins = 0; __atomic_load_n(v, __ATOMIC_ACQUIRE) != i;
	     spins++) {
		if (spins > 2000)
			sched_yield();
		relax();
	}
}

static const char *base; /* the paths' start: DIR, or "." */
static char dir[PATH_MAX], p_file[PATH_MAX + 8], p_a[PATH_MAX + 8],
    p_b[PATH_MAX + 8], p_link[PATH_MAX + 8], p_sub[PATH_MAX + 8],
    p_mnt[PATH_MAX + 8], p_under[PATH_MAX + 16], p_new[PATH_MAX + 8],
    p_tmp[PATH_MAX + 8];

static void die(const char *what)
{
	printf("failure: %s: %s\n", what, strerror(errno));
	fflush(stdout);
	_exit(2);
}

static long sys_open(const char *p, int flags, int mode)
{
	return syscall(SYS_openat, AT_FDCWD, p, flags, mode);
}

static void raw_create(const char *p, size_t bytes)
{
	static const char buf[256];
	long fd = sys_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die(p);
	if (bytes)
		syscall(SYS_write, fd, buf, bytes);
	syscall(SYS_close, fd);
}

/* The mutator's side of hand-off @i, kind @k, by raw system calls. */
static void mutate(long i, int k)
{
	static const char buf[64];
	long fd;

	switch (k) {
	case 0: /* create (p_new absent before) */
		raw_create(p_new, 0);
		break;
	case 1: /* unlink it again */
		syscall(SYS_unlinkat, AT_FDCWD, p_new, 0);
		break;
	case 2: /* rename a over b, then make a anew */
		syscall(SYS_renameat, AT_FDCWD, p_a, AT_FDCWD, p_b);
		raw_create(p_tmp, (size_t)(i % 200));
		syscall(SYS_renameat, AT_FDCWD, p_tmp, AT_FDCWD, p_a);
		break;
	case 3:
		syscall(SYS_fchmodat, AT_FDCWD, p_file, (i & 2) ? 0600 : 0644);
		break;
	case 4:
		fd = sys_open(p_file, O_WRONLY | O_APPEND, 0);
		if (fd < 0)
			die("append");
		syscall(SYS_write, fd, buf, 1 + i % 7);
		syscall(SYS_close, fd);
		break;
	case 5:
		syscall(SYS_truncate, p_file, (long)(i % 13));
		break;
	case 6:
		syscall(SYS_mkdirat, AT_FDCWD, p_sub, 0755);
		break;
	case 7:
		syscall(SYS_unlinkat, AT_FDCWD, p_sub, AT_REMOVEDIR);
		break;
	case 8: /* retarget the link: a new link renamed over it */
		syscall(SYS_symlinkat, (i & 2) ? "a" : "b", AT_FDCWD, p_tmp);
		syscall(SYS_renameat, AT_FDCWD, p_tmp, AT_FDCWD, p_link);
		break;
	case 9:
		if (syscall(SYS_mount, "none", p_mnt, "tmpfs", 0, "size=64k"))
			die("mount");
		break;
	case 10:
		if (syscall(SYS_umount2, p_mnt, 0))
			die("umount");
		break;
	case 11: { /* a's times (IN_ATTRIB) */
		const struct timespec t[2] = {{i, 0}, {i, 0}};

		syscall(SYS_utimensat, AT_FDCWD, p_a, t, 0);
		break;
	}
	}
}

/* The questions, asked through the shim or by raw system call. */
struct answer {
	long r[8];
	int e[8];
	struct stat st[8];
	char link[64];
};

#define NQ 8

static void ask(struct answer *a, int raw)
{
	const char *stat_paths[] = {p_file, p_a,  p_b,	  p_new,
				    p_sub,  base, p_under};
	int n = (int)(sizeof(stat_paths) / sizeof(stat_paths[0]));

	memset(a, 0, sizeof(*a));
	for (int q = 0; q < n; q++) {
		errno = 0;
		a->r[q] = raw ? syscall(SYS_newfstatat, AT_FDCWD, stat_paths[q],
					&a->st[q], 0)
			      : stat(stat_paths[q], &a->st[q]);
		a->e[q] = a->r[q] ? errno : 0;
	}
	errno = 0;
	a->r[n] = raw ? syscall(SYS_readlinkat, AT_FDCWD, p_link, a->link,
				sizeof(a->link) - 1)
		      : readlink(p_link, a->link, sizeof(a->link) - 1);
	a->e[n] = a->r[n] < 0 ? errno : 0;
}

static int same_stat(const struct stat *x, const struct stat *y)
{
	return x->st_ino == y->st_ino && x->st_dev == y->st_dev &&
	       x->st_mode == y->st_mode && x->st_nlink == y->st_nlink &&
	       x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
	       x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == y->st_ctim.tv_sec &&
	       x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

static int compare(const struct answer *s, const struct answer *k, long i,
		   int kind, long *shown)
{
	int diff = 0;

	for (int q = 0; q < NQ; q++) {
		int bad = s->r[q] != k->r[q] || s->e[q] != k->e[q];

		if (!bad && q < NQ - 1 && s->r[q] == 0)
			bad = !same_stat(&s->st[q], &k->st[q]);
		if (!bad && q == NQ - 1 && s->r[q] > 0)
			bad = memcmp(s->link, k->link, (size_t)s->r[q]) != 0;
		if (bad) {
			diff++;
			if ((*shown)++ < 20)
				printf("difference: hand-off %ld (%s) "
				       "question %d: shim %ld/%d kernel "
				       "%ld/%d\n",
				       i, kind_name[kind], q, s->r[q], s->e[q],
				       k->r[q], k->e[q]);
		}
	}
	return diff;
}

int main(int argc, char **argv)
{
	struct shared *sh;
	long n, differences = 0, lookups = 0, shown = 0;
	int kinds = 9, mounted = 0, attr, status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	n = atol(argv[2]);
	attr = argc > 3 && !strcmp(argv[3], "attr");
	if (argc > 3 && !strcmp(argv[3], "mount")) {
		/* A private mount namespace of our own, before the cache
		 * has seen anything (raw calls: nothing to flush). */
		if (syscall(SYS_unshare, CLONE_NEWNS) ||
		    syscall(SYS_mount, "none", "/", NULL, MS_REC | MS_PRIVATE,
			    NULL))
			die("private mount namespace");
		kinds = KINDS;
	}
	/* attr (an attached checker): relative paths from DIR, so that
	 * the walks pass no directory above it.  /tmp, where anyone may
	 * create a name at any time, turns hot for the daemon and rightly
	 * puts every walk through it in doubt: the daemon's watch ring
	 * would never answer. */
	if (attr && chdir(dir))
		die("chdir");
	base = attr ? "." : dir;
	snprintf(p_file, sizeof(p_file), "%s/f", base);
	snprintf(p_a, sizeof(p_a), "%s/a", base);
	snprintf(p_b, sizeof(p_b), "%s/b", base);
	snprintf(p_new, sizeof(p_new), "%s/new", base);
	snprintf(p_link, sizeof(p_link), "%s/l", base);
	snprintf(p_sub, sizeof(p_sub), "%s/sub", base);
	snprintf(p_tmp, sizeof(p_tmp), "%s/tmp", base);
	snprintf(p_mnt, sizeof(p_mnt), "%s/m", base);
	snprintf(p_under, sizeof(p_under), "%s/m/under", base);
	raw_create(p_file, 10);
	raw_create(p_a, 1);
	raw_create(p_b, 2);
	syscall(SYS_symlinkat, "a", AT_FDCWD, p_link);
	syscall(SYS_mkdirat, AT_FDCWD, p_mnt, 0755);
	raw_create(p_under, 3);

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	sh->go = sh->started = sh->done = 0;
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (long i = 1; i <= n; i++) {
			wait_yielding(&sh->go, i);
			__atomic_store_n(&sh->started, i, __ATOMIC_RELEASE);
			mutate(i, sh->kind);
			__atomic_store_n(&sh->done, i, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	for (long i = 1; i <= n; i++) {
		struct answer s, k;
		int kind = (int)((i - 1) % 9);

		/* attr: changes of attributes only (chmod of a file, new
		 * times of another), which leave every directory cold
		 * (notify.c). */
		if (attr)
			kind = i % 2 ? 3 : 11;

		/* Every 50th a mount or unmount (each costs a flush). */
		if (kinds > 9 && i % 50 == 0)
			kind = mounted ? 10 : 9;
		ask(&s, 0); /* fills */
		ask(&s, 0); /* cached: hits */
		sh->kind = kind;
		__atomic_store_n(&sh->go, i, __ATOMIC_RELEASE);
		wait_yielding(&sh->started, i);
		/* From here to the lookups, loads only: no system call of
		 * ours between the change and the lookups. */
		while (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) != i)
			relax();
		ask(&s, 0);
		ask(&k, 1);
		lookups += NQ;
		differences += compare(&s, &k, i, kind, &shown);
		if (kind == 9)
			mounted = 1;
		if (kind == 10)
			mounted = 0;
	}
	if (waitpid(pid, &status, 0) != pid || status)
		die("mutator");
	if (mounted)
		syscall(SYS_umount2, p_mnt, 0);
	printf("handoffs %ld lookups %ld differences %ld\n", n, lookups,
	       differences);
	return differences ? 1 : 0;
}
