/*
 * The helper of the differential coherence test (tests/c/shim_coherence.c).
 *
 * It guards the cache's central promise: a cached answer reflects every
 * change whose system call returned before the lookup began, made by any
 * process on the machine.  Two processes take part:
 *
 *   coherence-prog check TREE SEED OPS [--self] [--threads N] [--repeats R]
 *			[--light]
 *	The checker, run under LD_PRELOAD of the shim.  It starts the
 *	mutator (without the shim), and after every token from it asks a
 *	sample of questions about the tree twice: through the normal libc
 *	symbols, which the shim interposes and may answer from memory, and
 *	through raw syscall(2), which is the kernel's answer.  Every
 *	difference is printed; the last line is
 *	"ops N lookups M differences D".  With --self the checker also
 *	mutates the tree itself, through the shim, before its lookups; with
 *	--threads N, N threads ask the same questions concurrently; each
 *	interposed question is asked R times (default 2), so that the
 *	later ones are answered from the cache.  --light asks about each
 *	named path in one spelling instead of two and not about its parent
 *	(about a third of the questions per operation): long runs trade
 *	questions per change for changes.
 *
 *   coherence-prog mutate TREE SEED OPS TOKEN_FD ACK_FD
 *	The mutator.  It applies random operations to a random tree under
 *	TREE (create, write, truncate, unlink, rename of files and
 *	directories over existing targets or not, mkdir, rmdir, chmod,
 *	utimensat, symlink, atomic symlink retarget, hard link), and after
 *	each small batch writes a token describing it and waits for the
 *	checker's acknowledgement.  The hand-off is causal: every change of
 *	the batch returned before the checker's lookups begin, and nothing
 *	changes while they run.
 *
 *   coherence-prog nftw DIR
 *	Relative lookups inside nftw(FTW_CHDIR) and fts (which change the
 *	working directory with glibc's internal chdir, seen by no wrapper)
 *	and after them must give the kernel's answers.  Prints
 *	"lookups M differences D".
 *
 *   coherence-prog own DIR
 *	The process's own changes (docs/coherence.md: relaxed mode sees
 *	them at once, like strict mode).  For every mutating entry point
 *	(creating, truncating and writing opens, creat, fopen and freopen
 *	in writing modes, O_TMPFILE + linkat, mkdir, mknod, mkfifo,
 *	symlink, link, rename, renameat2, unlink, rmdir, remove, chmod,
 *	chown, utimes, truncate and their f- and -at forms, writes through
 *	a descriptor held open, mkstemp, a child waited for), in a fresh
 *	directory: look every name up (so that the cache holds it), make
 *	the change through libc, look again, and for the writes through a
 *	descriptor look once more after closing it.  Each look asks every
 *	lookup family through libc and the kernel (as "check" does).
 *	Prints "cases N lookups M differences D".
 *
 *   coherence-prog vfork DIR
 *	A vfork child runs the wrappers on its parent's memory: it changes
 *	its own working directory, looking paths up before and after, and
 *	in a second child also closes every descriptor above 2 (Python's
 *	subprocess does both); after each child the parent looks up
 *	relative paths again, 500 times each.
 *	Every answer, the child's and the parent's, must be the kernel's,
 *	and the parent's must still come from the cache (its statistics).
 *	Prints "lookups M differences D".
 *
 *   coherence-prog vfork-first DIR
 *	The image's first fill happens in a vfork child (the parent only
 *	looked once): the child must not leave descriptors in the parent's
 *	memory that exist only in its own table.  The parent then opens a
 *	pipe and a fork child writes to it.  Prints "lookups M differences
 *	D" (a lost pipe is a difference).
 *
 *   coherence-prog clone DIR
 *	A child of glibc's clone() without CLONE_VM (no atfork handler)
 *	looks a cached file up after its parent removed it; then the parent
 *	looks again.  Neither may answer from before the removal.
 *
 *   coherence-prog sandwich DIR SECONDS
 *	No hand-off: two unshimmed children change DIR at their own pace
 *	while this process, under the shim, brackets each interposed
 *	answer between two raw ones (k1, c, k2) and checks that c is a
 *	state between them, and that it reflects every change the children
 *	logged as returned before c began.  See "the sandwich" below.
 *	Prints "lookups M hits-window-violations V promise-violations P
 *	...".
 *
 * Compared: return value, errno, and every field except st_atime (never
 * coherent, by design) and, for non-directories whose inode ever had more
 * than one link, st_nlink and st_ctime (link() and unlink() of another
 * name notify only marks on the inode itself).  The mutator reports the
 * inode of every hard link it makes, so for all other files the ctime and
 * link count are checked too.  It never changes only the access time,
 * which changes st_ctime with no event the cache subscribes to.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

extern char **environ;

/* ---- random numbers (xorshift64*) ------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned)(rnd(r) % n);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ull + 1;
	for (int i = 0; i < 8; i++)
		rnd(r);
}

/* ---- the tree's name space ------------------------------------------- */

/*
 * Four names per level and at most three levels: 84 possible paths, so
 * that operations collide often (renames over existing targets, rmdir of
 * directories that just got an entry, links between cached names).
 */
static const char *const names[] = {"a", "b", "c", "d"};
#define NNAMES 4
#define MAXDEPTH 3

static void rand_rel(struct rng *r, char *buf, size_t cap)
{
	unsigned depth = 1 + pick(r, MAXDEPTH);
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < depth; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "/" : "",
				      names[pick(r, NNAMES)]);
}

/* ---- tokens ---------------------------------------------------------- */

#define TOK_OPS 4
#define TOK_PATH 192

struct tok_op {
	char kind[16];
	char p1[TOK_PATH];
	char p2[TOK_PATH];
	uint64_t linked_ino; /* a hard link was made to this inode */
};

/* One token: written and read with one system call (< PIPE_BUF). */
struct token {
	uint32_t n;
	uint32_t done;
	struct tok_op op[TOK_OPS];
};

_Static_assert(sizeof(struct token) < 4096, "a token must fit PIPE_BUF");

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t k = write(fd, (const char *)buf + put, n - put);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		put += (size_t)k;
	}
	return 0;
}

/* ---- mutations ------------------------------------------------------- */

static const mode_t file_modes[] = {0644, 0600, 0755, 0444, 0000, 0640};
static const mode_t dir_modes[] = {0755, 0755, 0700, 0711,
				   0555, 0644, 0311, 0000};

/* A symlink target: in the tree, above it, dangling, or a loop.  "Above
 * it" stays private only because the tree's top has read-only parents
 * (coh_tree() in shim_coherence.c says why). */
static void rand_target(struct rng *r, const char *tree, const char *self,
			char *buf, size_t cap)
{
	char rel[TOK_PATH];

	rand_rel(r, rel, sizeof(rel));
	switch (pick(r, 8)) {
	case 0:
		snprintf(buf, cap, "%s/%s", tree, rel);
		break;
	case 1:
		snprintf(buf, cap, "../%s", names[pick(r, NNAMES)]);
		break;
	case 2:
		snprintf(buf, cap, "%s", pick(r, 2) ? "." : "..");
		break;
	case 3:
		snprintf(buf, cap, "zz");
		break;
	case 4: {
		const char *base = strrchr(self, '/');

		snprintf(buf, cap, "%s", base ? base + 1 : self);
		break;
	}
	case 5:
		snprintf(buf, cap, "%s/", names[pick(r, NNAMES)]);
		break;
	default:
		snprintf(buf, cap, "%s",
			 pick(r, 2) ? names[pick(r, NNAMES)] : rel);
		break;
	}
}

/*
 * Whether @rel (relative to the tree's top, the cwd) names an object
 * strictly inside the tree.  Operations that follow a final symlink
 * (chmod, utimensat) are applied only then: a link to "." or ".." must
 * not change the top or the scratch directory above it.
 */
static int inside(const char *tree, const char *rel)
{
	char real[PATH_MAX];
	size_t n = strlen(tree);

	if (!realpath(rel, real))
		return 0;
	return !strncmp(real, tree, n) && real[n] == '/';
}

/*
 * Apply one random operation to the tree, with paths relative to the
 * working directory (the tree's top).  Returns 1 if it changed something
 * (its system call succeeded), 0 if it failed, which changes nothing.
 * The operation is described in @o either way.
 */
static int mutate_one(struct rng *r, const char *tree, struct tok_op *o)
{
	char tgt[PATH_MAX], tmp[TOK_PATH + 8];
	struct timespec ts[2];
	struct stat st;
	int fd, ok = 0;
	unsigned k = pick(r, 100);

	memset(o, 0, sizeof(*o));
	rand_rel(r, o->p1, sizeof(o->p1));
	rand_rel(r, o->p2, sizeof(o->p2));
	if (k < 12) {
		snprintf(o->kind, sizeof(o->kind), "create");
		fd = open(o->p1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char data[64];
			size_t n = pick(r, sizeof(data));

			/* Created: a change, whatever follows. */
			memset(data, 'x', n);
			if (write(fd, data, n) != (ssize_t)n ||
			    fchmod(fd, file_modes[pick(r, 6)]) < 0)
				perror("create");
			close(fd);
			ok = 1;
		}
	} else if (k < 24) {
		char data[128];
		size_t n = 1 + pick(r, sizeof(data) - 1);

		snprintf(o->kind, sizeof(o->kind), "write");
		fd = open(o->p1, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd >= 0) {
			memset(data, 'y', n);
			ok = write(fd, data, n) == (ssize_t)n;
			close(fd);
		}
	} else if (k < 30) {
		snprintf(o->kind, sizeof(o->kind), "truncate");
		ok = truncate(o->p1, (off_t)pick(r, 9000)) == 0;
	} else if (k < 38) {
		snprintf(o->kind, sizeof(o->kind), "unlink");
		ok = unlink(o->p1) == 0;
	} else if (k < 50) {
		snprintf(o->kind, sizeof(o->kind), "rename");
		ok = rename(o->p1, o->p2) == 0;
	} else if (k < 60) {
		snprintf(o->kind, sizeof(o->kind), "mkdir");
		ok = mkdir(o->p1, 0755) == 0;
		if (ok && pick(r, 4) == 0)
			chmod(o->p1, dir_modes[pick(r, 8)]);
	} else if (k < 66) {
		snprintf(o->kind, sizeof(o->kind), "rmdir");
		ok = rmdir(o->p1) == 0;
	} else if (k < 74) {
		snprintf(o->kind, sizeof(o->kind), "chmod");
		if (inside(tree, o->p1) && stat(o->p1, &st) == 0)
			ok = chmod(o->p1, S_ISDIR(st.st_mode)
					      ? dir_modes[pick(r, 8)]
					      : file_modes[pick(r, 6)]) == 0;
	} else if (k < 78) {
		ts[0].tv_sec = (time_t)pick(r, 1u << 30);
		ts[0].tv_nsec = (long)pick(r, 1000000000);
		ts[1].tv_sec = (time_t)pick(r, 1u << 30);
		ts[1].tv_nsec = (long)pick(r, 1000000000);
		if (pick(r, 2)) {
			snprintf(o->kind, sizeof(o->kind), "utimes");
		} else {
			snprintf(o->kind, sizeof(o->kind), "utimes-m");
			ts[0].tv_nsec = UTIME_OMIT;
		}
		ok = inside(tree, o->p1) &&
		     utimensat(AT_FDCWD, o->p1, ts, 0) == 0;
	} else if (k < 86) {
		snprintf(o->kind, sizeof(o->kind), "symlink");
		rand_target(r, tree, o->p1, tgt, sizeof(tgt));
		snprintf(o->p2, sizeof(o->p2), "%.*s", TOK_PATH - 1, tgt);
		ok = symlink(tgt, o->p1) == 0;
	} else if (k < 92) {
		/* Retarget atomically: a new link renamed over the old. */
		char *slash;

		snprintf(o->kind, sizeof(o->kind), "retarget");
		rand_target(r, tree, o->p1, tgt, sizeof(tgt));
		snprintf(o->p2, sizeof(o->p2), "%.*s", TOK_PATH - 1, tgt);
		snprintf(tmp, sizeof(tmp), "%s", o->p1);
		slash = strrchr(tmp, '/');
		snprintf(slash ? slash + 1 : tmp,
			 sizeof(tmp) - (size_t)(slash ? slash + 1 - tmp : 0),
			 ".tmp");
		if (lstat(o->p1, &st) == 0 && S_ISLNK(st.st_mode) &&
		    symlink(tgt, tmp) == 0) {
			ok = rename(tmp, o->p1) == 0;
			if (!ok)
				unlink(tmp);
		}
	} else {
		snprintf(o->kind, sizeof(o->kind), "link");
		ok = link(o->p1, o->p2) == 0;
		if (ok && lstat(o->p2, &st) == 0)
			o->linked_ino = st.st_ino;
	}
	return ok;
}

static int run_mutator(const char *tree, uint64_t seed, long ops, int tokfd,
		       int ackfd)
{
	struct rng r;
	long done = 0, tries = 0;

	rng_seed(&r, seed);
	if (chdir(tree) < 0) {
		perror(tree);
		return 2;
	}
	umask(022);
	while (done < ops) {
		struct token t;
		unsigned batch = 1 + (pick(&r, 4) == 0 ? pick(&r, TOK_OPS) : 0);
		char ack;

		memset(&t, 0, sizeof(t));
		while (t.n < batch && done < ops) {
			tries++;
			if (mutate_one(&r, tree, &t.op[t.n])) {
				t.n++;
				done++;
			} else if (tries > 50 * (ops + 100)) {
				fprintf(stderr, "mutator: operations keep "
						"failing\n");
				return 2;
			}
		}
		if (write_full(tokfd, &t, sizeof(t)) < 0 ||
		    read_full(ackfd, &ack, 1) < 0)
			return 2;
	}
	{
		struct token t;

		memset(&t, 0, sizeof(t));
		t.done = 1;
		if (write_full(tokfd, &t, sizeof(t)) < 0)
			return 2;
	}
	return 0;
}

/* ---- the checker ----------------------------------------------------- */

static const char *tree_abs; /* the tree's absolute path */
static char cwd_up[64];	     /* "../" per level from the cwd to the tree */

/* Inodes that ever had more than one link: their nlink and ctime are not
 * coherent.  Open addressing; inode numbers are never 0. */
#define LINKED_CAP (1u << 16)
static uint64_t linked[LINKED_CAP];

static void linked_add(uint64_t ino)
{
	uint32_t i = (uint32_t)(ino * 0x9E3779B97F4A7C15ull >> 48);

	for (uint32_t n = 0; n < LINKED_CAP; n++, i = (i + 1) % LINKED_CAP) {
		if (linked[i] == ino)
			return;
		if (!linked[i]) {
			__atomic_store_n(&linked[i], ino, __ATOMIC_RELAXED);
			return;
		}
	}
}

static int linked_has(uint64_t ino)
{
	uint32_t i = (uint32_t)(ino * 0x9E3779B97F4A7C15ull >> 48);

	for (uint32_t n = 0; n < LINKED_CAP; n++, i = (i + 1) % LINKED_CAP) {
		uint64_t v = __atomic_load_n(&linked[i], __ATOMIC_RELAXED);

		if (v == ino)
			return 1;
		if (!v)
			return 0;
	}
	return 1;
}

/* The last operations, printed with the first differences. */
#define HIST 12
static struct tok_op hist[HIST];
static unsigned long hist_n;

static void hist_add(const struct tok_op *o)
{
	hist[hist_n++ % HIST] = *o;
	if (o->linked_ino)
		linked_add(o->linked_ino);
}

static unsigned long n_lookups, n_diffs;
static int repeats = 2;
static int light; /* --light: one spelling per path, no parents */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
#define PRINT_MAX 40

static void diff(const char *call, const char *path, const char *fmt, ...)
{
	va_list ap;
	unsigned long d = __atomic_fetch_add(&n_diffs, 1, __ATOMIC_RELAXED);

	if (d >= PRINT_MAX)
		return;
	pthread_mutex_lock(&out_lock);
	printf("difference %s(\"%s\") cwd=%s: ", call, path,
	       cwd_up[0] ? cwd_up : "./");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (d < 5) {
		printf("  after operations (oldest first):\n");
		for (unsigned long i = hist_n > HIST ? hist_n - HIST : 0;
		     i < hist_n; i++)
			printf("    #%lu %s %s %s\n", i, hist[i % HIST].kind,
			       hist[i % HIST].p1, hist[i % HIST].p2);
	}
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* Whether @ino (of a non-directory) may show stale nlink and ctime. */
static int loose(mode_t mode, uint64_t ino)
{
	return !S_ISDIR(mode) && linked_has(ino);
}

static void describe_stat(char *buf, size_t cap, long ret, int err,
			  const struct stat *s)
{
	if (ret < 0)
		snprintf(buf, cap, "-1 %s", strerrorname_np(err));
	else
		snprintf(buf, cap,
			 "0 ino=%lu mode=%o nlink=%lu uid=%u size=%ld "
			 "blocks=%ld mtime=%ld.%09ld ctime=%ld.%09ld",
			 (unsigned long)s->st_ino, s->st_mode,
			 (unsigned long)s->st_nlink, s->st_uid,
			 (long)s->st_size, (long)s->st_blocks,
			 (long)s->st_mtim.tv_sec, s->st_mtim.tv_nsec,
			 (long)s->st_ctim.tv_sec, s->st_ctim.tv_nsec);
}

static void cmp_stat(const char *call, const char *path, long r1, int e1,
		     struct stat *s1, long r2, int e2, struct stat *s2)
{
	char a[256], b[256];

	describe_stat(a, sizeof(a), r1, e1, s1);
	describe_stat(b, sizeof(b), r2, e2, s2);
	if (r1 == r2 && (r1 < 0 ? e1 == e2 : 1)) {
		if (r1 < 0)
			return;
		memset(&s1->st_atim, 0, sizeof(s1->st_atim));
		memset(&s2->st_atim, 0, sizeof(s2->st_atim));
		if (loose(s2->st_mode, s2->st_ino)) {
			s1->st_nlink = s2->st_nlink = 0;
			memset(&s1->st_ctim, 0, sizeof(s1->st_ctim));
			memset(&s2->st_ctim, 0, sizeof(s2->st_ctim));
		}
		if (!memcmp(s1, s2, sizeof(*s1)))
			return;
	}
	diff(call, path, "cache: %s kernel: %s", a, b);
}

static void describe_statx(char *buf, size_t cap, long ret, int err,
			   const struct statx *s)
{
	if (ret < 0)
		snprintf(buf, cap, "-1 %s", strerrorname_np(err));
	else
		snprintf(buf, cap,
			 "0 mask=%x ino=%llu mode=%o nlink=%u size=%llu "
			 "mtime=%lld.%09u ctime=%lld.%09u",
			 s->stx_mask, (unsigned long long)s->stx_ino,
			 s->stx_mode, s->stx_nlink,
			 (unsigned long long)s->stx_size,
			 (long long)s->stx_mtime.tv_sec, s->stx_mtime.tv_nsec,
			 (long long)s->stx_ctime.tv_sec, s->stx_ctime.tv_nsec);
}

static void cmp_statx(const char *call, const char *path, long r1, int e1,
		      struct statx *s1, long r2, int e2, struct statx *s2)
{
	char a[256], b[256];

	describe_statx(a, sizeof(a), r1, e1, s1);
	describe_statx(b, sizeof(b), r2, e2, s2);
	if (r1 == r2 && (r1 < 0 ? e1 == e2 : 1)) {
		if (r1 < 0)
			return;
		memset(&s1->stx_atime, 0, sizeof(s1->stx_atime));
		memset(&s2->stx_atime, 0, sizeof(s2->stx_atime));
		if (loose(s2->stx_mode, s2->stx_ino)) {
			s1->stx_nlink = s2->stx_nlink = 0;
			memset(&s1->stx_ctime, 0, sizeof(s1->stx_ctime));
			memset(&s2->stx_ctime, 0, sizeof(s2->stx_ctime));
		}
		if (!memcmp(s1, s2, sizeof(*s1)))
			return;
	}
	diff(call, path, "cache: %s kernel: %s", a, b);
}

static void cmp_ret(const char *call, const char *path, long r1, int e1,
		    long r2, int e2)
{
	if (r1 == r2 && (r1 >= 0 || e1 == e2))
		return;
	diff(call, path, "cache: %ld %s kernel: %ld %s", r1,
	     r1 < 0 ? strerrorname_np(e1) : "", r2,
	     r2 < 0 ? strerrorname_np(e2) : "");
}

static long raw_stat(const char *p, struct stat *st, int flags)
{
	return syscall(SYS_newfstatat, AT_FDCWD, p, st, flags);
}

static long raw_access(const char *p, int mode, int flags)
{
	long r = syscall(SYS_faccessat2, AT_FDCWD, p, mode, flags);

	if (r < 0 && errno == ENOSYS && !flags)
		r = syscall(SYS_faccessat, AT_FDCWD, p, mode);
	return r;
}

/* glibc's own realpath, which the shim does not see (it resolves with
 * glibc-internal calls): the reference answer for realpath. */
static char *(*libc_realpath)(const char *, char *);

#define STATX_MASK (STATX_BASIC_STATS | STATX_BTIME)

static void check_stat_like(const char *p)
{
	static const int modes[] = {F_OK, R_OK, W_OK, X_OK, R_OK | W_OK | X_OK};
	struct stat s1, s2;
	struct statx x1, x2;
	long r1, r2;
	int e1, e2;

	for (int nofollow = 0; nofollow < 2; nofollow++) {
		int fl = nofollow ? AT_SYMLINK_NOFOLLOW : 0;

		memset(&s2, 0, sizeof(s2));
		errno = 0;
		r2 = raw_stat(p, &s2, fl);
		e2 = errno;
		for (int i = 0; i < repeats; i++) {
			struct stat t2 = s2;

			memset(&s1, 0, sizeof(s1));
			errno = 0;
			switch ((i + nofollow) % 2) {
			case 0:
				r1 = nofollow ? lstat(p, &s1) : stat(p, &s1);
				break;
			default:
				r1 = fstatat(AT_FDCWD, p, &s1, fl);
				break;
			}
			e1 = errno;
			cmp_stat(nofollow ? "lstat" : "stat", p, r1, e1, &s1,
				 r2, e2, &t2);
		}

		memset(&x2, 0, sizeof(x2));
		errno = 0;
		r2 = syscall(SYS_statx, AT_FDCWD, p, fl, STATX_MASK, &x2);
		e2 = errno;
		for (int i = 0; i < repeats; i++) {
			struct statx t2 = x2;

			memset(&x1, 0, sizeof(x1));
			errno = 0;
			r1 = statx(AT_FDCWD, p, fl, STATX_MASK, &x1);
			e1 = errno;
			cmp_statx(nofollow ? "statx-nofollow" : "statx", p, r1,
				  e1, &x1, r2, e2, &t2);
		}
		__atomic_fetch_add(&n_lookups, 2 * repeats, __ATOMIC_RELAXED);
	}

	/* Each mode once, with flags varying from path to path. */
	for (unsigned m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		static const int flagsets[] = {0, AT_EACCESS,
					       AT_SYMLINK_NOFOLLOW};
		unsigned f = (m + (unsigned)strlen(p)) % 3;

		{
			char call[32];

			errno = 0;
			r2 = raw_access(p, modes[m], flagsets[f]);
			e2 = errno;
			snprintf(call, sizeof(call), "%s/%d/%x",
				 f ? "faccessat" : "access", modes[m],
				 flagsets[f]);
			for (int i = 0; i < repeats; i++) {
				errno = 0;
				r1 = f ? faccessat(AT_FDCWD, p, modes[m],
						   flagsets[f])
				       : access(p, modes[m]);
				e1 = errno;
				cmp_ret(call, p, r1, e1, r2, e2);
			}
			__atomic_fetch_add(&n_lookups, repeats,
					   __ATOMIC_RELAXED);
		}
	}
}

static void check_readlink(const char *p)
{
	char b1[PATH_MAX], b2[PATH_MAX];
	static const size_t lens[] = {PATH_MAX, 3};

	for (unsigned l = 0; l < 2; l++) {
		long r1, r2;
		int e1, e2;

		errno = 0;
		r2 = syscall(SYS_readlinkat, AT_FDCWD, p, b2, lens[l]);
		e2 = errno;
		for (int i = 0; i < repeats; i++) {
			errno = 0;
			r1 = readlink(p, b1, lens[l]);
			e1 = errno;
			if (r1 == r2 && r1 > 0 && memcmp(b1, b2, (size_t)r1))
				diff("readlink", p,
				     "cache: \"%.*s\" "
				     "kernel: \"%.*s\"",
				     (int)r1, b1, (int)r2, b2);
			else
				cmp_ret("readlink", p, r1, e1, r2, e2);
		}
		__atomic_fetch_add(&n_lookups, repeats, __ATOMIC_RELAXED);
	}
}

static void check_realpath(const char *p)
{
	char b1[PATH_MAX], b2[PATH_MAX];
	char *r1, *r2;
	int e1, e2;

	errno = 0;
	r2 = libc_realpath(p, b2);
	e2 = errno;
	for (int i = 0; i < repeats; i++) {
		errno = 0;
		r1 = realpath(p, b1);
		e1 = errno;
		if (!r1 != !r2 || (!r1 && e1 != e2)) {
			diff("realpath", p, "cache: %s %s kernel: %s %s",
			     r1 ? r1 : "NULL", strerrorname_np(e1),
			     r2 ? r2 : "NULL", strerrorname_np(e2));
		} else if (r1 && strcmp(r1, r2)) {
			diff("realpath", p, "cache: %s kernel: %s", r1, r2);
		} else if (r1) {
			struct stat s1, s2;

			/* The result names the object the path names (when
			 * the kernel can say: glibc resolves "." and ".."
			 * by itself, without the search permission a
			 * lookup needs). */
			if (raw_stat(r1, &s1, 0) == 0 &&
			    raw_stat(p, &s2, 0) == 0 &&
			    (s1.st_dev != s2.st_dev || s1.st_ino != s2.st_ino))
				diff("realpath", p,
				     "result %s is not the "
				     "same object",
				     r1);
		}
	}
	__atomic_fetch_add(&n_lookups, repeats, __ATOMIC_RELAXED);
}

static void check_open(const char *p)
{
	long r1, r2;
	int e1, e2;
	FILE *f;

	errno = 0;
	r2 = syscall(SYS_openat, AT_FDCWD, p, O_RDONLY | O_CLOEXEC);
	e2 = errno;
	if (r2 >= 0) {
		close((int)r2);
		r2 = 0;
	}
	for (int i = 0; i < repeats; i++) {
		errno = 0;
		r1 = open(p, O_RDONLY);
		e1 = errno;
		if (r1 >= 0) {
			close((int)r1);
			r1 = 0;
		}
		cmp_ret("open", p, r1, e1, r2, e2);
		errno = 0;
		f = fopen(p, "r");
		e1 = errno;
		if (f)
			fclose(f);
		cmp_ret("fopen", p, f ? 0 : -1, e1, r2, e2);
	}
	__atomic_fetch_add(&n_lookups, 2 * repeats, __ATOMIC_RELAXED);
}

/*
 * A directory listing: the kernel's, every getdents64() record in order
 * (raw, from a fresh descriptor), against opendir()/readdir() through the
 * shim, field by field: name, inode, type and the d_off cookie (what
 * telldir() says after it).  Deleted entries (d_ino 0), which readdir()
 * skips, are skipped on both sides.
 */
#define LIST_BUF 65536

static long raw_list(const char *p, char *buf, size_t cap, size_t *n)
{
	long fd = syscall(SYS_openat, AT_FDCWD, p,
			  O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);
	long r = 0;

	*n = 0;
	if (fd < 0)
		return -1;
	while (*n + 4096 <= cap &&
	       (r = syscall(SYS_getdents64, fd, buf + *n, cap - *n)) > 0)
		*n += (size_t)r;
	syscall(SYS_close, fd);
	return r < 0 ? -1 : 0;
}

static void check_list(const char *p)
{
	char *k = malloc(LIST_BUF);
	size_t kn, off;
	long r2;
	int e2;

	if (!k)
		abort();
	errno = 0;
	r2 = raw_list(p, k, LIST_BUF, &kn);
	e2 = errno;
	for (int i = 0; i < repeats; i++) {
		struct dirent *de;
		DIR *d;
		int e1;

		errno = 0;
		d = opendir(p);
		e1 = errno;
		if (!d || r2 < 0) {
			cmp_ret("opendir", p, d ? 0 : -1, e1, r2, e2);
			if (d)
				closedir(d);
			continue;
		}
		off = 0;
		for (;;) {
			const struct dirent64 *ke = NULL;

			while (off < kn) {
				ke = (const void *)(k + off);
				off += ke->d_reclen;
				if (ke->d_ino)
					break;
				ke = NULL;
			}
			errno = 0;
			de = readdir(d);
			if (!de && !ke) {
				if (errno)
					diff("readdir", p, "end with %s",
					     strerrorname_np(errno));
				break;
			}
			if (!de || !ke || strcmp(de->d_name, ke->d_name) ||
			    de->d_ino != ke->d_ino ||
			    de->d_type != ke->d_type ||
			    de->d_off != ke->d_off ||
			    telldir(d) != (long)ke->d_off) {
				diff("readdir", p, "cache: %s kernel: %s",
				     de ? de->d_name : "(end)",
				     ke ? ke->d_name : "(end)");
				break;
			}
		}
		closedir(d);
	}
	__atomic_fetch_add(&n_lookups, repeats, __ATOMIC_RELAXED);
	free(k);
}

static void check_path(const char *p)
{
	check_stat_like(p);
	check_readlink(p);
	check_realpath(p);
	check_open(p);
	check_list(p);
}

/*
 * The paths to ask about after a token: the ones the operations named,
 * sometimes their parents, and one random path, each in an absolute or a
 * relative spelling and a decorated one ("./", "//", trailing "/", "/.", "/..",
 * a component through a possible file, a detour through "..").
 */
#define SAMPLE_MAX 64

struct sample {
	int n;
	char p[SAMPLE_MAX][PATH_MAX];
};

static void sample_add(struct sample *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n >= SAMPLE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(s->p[s->n++], PATH_MAX, fmt, ap);
	va_end(ap);
}

static void sample_base(struct sample *s, struct rng *r, const char *rel)
{
	char first[TOK_PATH];
	const char *rest = strchr(rel, '/');

	if (!rel[0] || strchr(rel, '/') == rel)
		return;
	snprintf(first, sizeof(first), "%.*s",
		 (int)(rest ? rest - rel : (long)strlen(rel)), rel);
	/* --light: the plain spelling or the decorated one, not both. */
	if (!light || pick(r, 2)) {
		if (pick(r, 2))
			sample_add(s, "%s/%s", tree_abs, rel);
		else
			sample_add(s, "%s%s", cwd_up, rel);
		if (light)
			return;
	}
	switch (pick(r, 8)) {
	case 0:
		sample_add(s, "./%s%s", cwd_up, rel);
		break;
	case 1:
		sample_add(s, "%s/%s/", tree_abs, rel);
		break;
	case 2:
		sample_add(s, "%s%s/.", cwd_up, rel);
		break;
	case 3:
		sample_add(s, "%s%s/..", cwd_up, rel);
		break;
	case 4:
		sample_add(s, "%s%s/x", cwd_up, rel);
		break;
	case 5:
		sample_add(s, "%s//%s", tree_abs, rel);
		break;
	case 6:
		sample_add(s, "%s%s/../%s", cwd_up, first, rel);
		break;
	default:
		sample_add(s, "%s/%s/./", tree_abs, rel);
		break;
	}
}

static void sample_op(struct sample *s, struct rng *r, const char *rel)
{
	char parent[TOK_PATH];
	char *slash;

	sample_base(s, r, rel);
	snprintf(parent, sizeof(parent), "%s", rel);
	slash = strrchr(parent, '/');
	if (slash && !light && pick(r, 3) == 0) {
		*slash = '\0';
		sample_base(s, r, parent);
	}
}

/* Lookups by several threads at once, on the same sample. */
struct crew {
	pthread_barrier_t start, end;
	const struct sample *s;
	int stop;
};

static void *crew_main(void *arg)
{
	struct crew *c = arg;

	for (;;) {
		pthread_barrier_wait(&c->start);
		if (c->stop)
			return NULL;
		for (int i = c->s->n - 1; i >= 0; i--)
			check_path(c->s->p[i]);
		pthread_barrier_wait(&c->end);
	}
}

/* Change the working directory now and then, to a directory of the tree
 * (which the mutator may later move or remove) or back to the top. */
static void move_cwd(struct rng *r)
{
	char rel[TOK_PATH];
	int depth = 0;

	rand_rel(r, rel, sizeof(rel));
	if (pick(r, 3) == 0 || chdir(rel) < 0) {
		if (chdir(tree_abs) < 0) {
			perror(tree_abs);
			exit(2);
		}
		cwd_up[0] = '\0';
		return;
	}
	for (const char *c = rel; *c; c++)
		depth += *c == '/';
	cwd_up[0] = '\0';
	for (int i = 0; i <= depth; i++)
		strcat(cwd_up, "../");
}

static void resolve_libc_realpath(void)
{
	void *h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	libc_realpath =
	    h ? (char *(*)(const char *, char *))dlsym(h, "realpath") : NULL;
	if (!libc_realpath) {
		fprintf(stderr, "cannot find libc's realpath\n");
		exit(2);
	}
}

/* This program's path, for exec_unshimmed(); found in the parent. */
static const char *self_exe(void)
{
	static char self[PATH_MAX];
	ssize_t n;

	if (self[0])
		return self;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("/proc/self/exe");
		exit(2);
	}
	self[n] = '\0';
	return self;
}

/* In a child: exec this program (@self, from self_exe() before the fork)
 * with @argv, without the shim (no LD_PRELOAD, no NAMECACHE_* variables).
 * Never returns. */
static void exec_unshimmed(const char *self, const char *const argv[])
{
	char **env = environ, **out;
	size_t k = 0, ne = 0;

	while (env[ne])
		ne++;
	out = calloc(ne + 1, sizeof(*out));
	if (!out)
		_exit(2);
	for (size_t i = 0; i < ne; i++)
		if (strncmp(env[i], "LD_PRELOAD=", 11) &&
		    strncmp(env[i], "NAMECACHE_", 10))
			out[k++] = env[i];
	execve(self, (char *const *)argv, out);
	perror("exec unshimmed child");
	_exit(2);
}

/* Fork a child running this program with @argv without the shim; the
 * child first closes @close_a and @close_b (-1: none). */
static pid_t spawn_unshimmed(const char *const argv[], int close_a, int close_b)
{
	const char *self = self_exe();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		if (close_a >= 0)
			close(close_a);
		if (close_b >= 0)
			close(close_b);
		exec_unshimmed(self, argv);
	}
	return pid;
}

/* Start the mutator, without the shim, on two pipes. */
static pid_t spawn_mutator(const char *tree, uint64_t seed, long ops,
			   int *tokfd, int *ackfd)
{
	int tok[2], ack[2];
	char s_seed[32], s_ops[32], s_tok[16], s_ack[16];
	const char *argv[] = {"coherence-mutator",
			      "mutate",
			      tree,
			      s_seed,
			      s_ops,
			      s_tok,
			      s_ack,
			      NULL};
	pid_t pid;

	if (pipe(tok) < 0 || pipe(ack) < 0) {
		perror("mutator set-up");
		exit(2);
	}
	snprintf(s_seed, sizeof(s_seed), "%llu", (unsigned long long)seed);
	snprintf(s_ops, sizeof(s_ops), "%ld", ops);
	snprintf(s_tok, sizeof(s_tok), "%d", tok[1]);
	snprintf(s_ack, sizeof(s_ack), "%d", ack[0]);
	pid = spawn_unshimmed(argv, tok[0], ack[1]);
	close(tok[1]);
	close(ack[0]);
	*tokfd = tok[0];
	*ackfd = ack[1];
	return pid;
}

static int run_checker(const char *tree, uint64_t seed, long ops, int self,
		       int threads)
{
	struct crew crew;
	pthread_t tids[8];
	struct rng r;
	static struct sample s;
	long applied = 0, tokens = 0;
	int tokfd, ackfd, status;
	pid_t pid;

	resolve_libc_realpath();
	rng_seed(&r, seed ^ 0x5eed);
	tree_abs = tree;
	if (chdir(tree) < 0) {
		perror(tree);
		return 2;
	}
	if (threads > 8)
		threads = 8;
	if (threads > 1) {
		pthread_barrier_init(&crew.start, NULL, (unsigned)threads + 1);
		pthread_barrier_init(&crew.end, NULL, (unsigned)threads + 1);
		crew.stop = 0;
		crew.s = &s;
		for (int i = 0; i < threads; i++)
			pthread_create(&tids[i], NULL, crew_main, &crew);
	}
	pid = spawn_mutator(tree, seed, ops, &tokfd, &ackfd);
	for (;;) {
		struct token t;
		struct tok_op own;

		if (read_full(tokfd, &t, sizeof(t)) < 0) {
			fprintf(stderr, "checker: the mutator went away\n");
			return 2;
		}
		if (t.done)
			break;
		tokens++;
		s.n = 0;
		for (uint32_t i = 0; i < t.n && i < TOK_OPS; i++) {
			hist_add(&t.op[i]);
			applied++;
			sample_op(&s, &r, t.op[i].p1);
			if (strcmp(t.op[i].kind, "symlink") &&
			    strcmp(t.op[i].kind, "retarget"))
				sample_op(&s, &r, t.op[i].p2);
		}
		if (self && pick(&r, 2) == 0) {
			/* Our own change, through the shim, with relative
			 * paths (the top is our cwd while we mutate). */
			if (cwd_up[0] && chdir(tree_abs) < 0)
				return 2;
			if (mutate_one(&r, tree_abs, &own)) {
				snprintf(own.kind + strlen(own.kind),
					 sizeof(own.kind) - strlen(own.kind),
					 "(own)");
				hist_add(&own);
				applied++;
			}
			cwd_up[0] = '\0';
			sample_op(&s, &r, own.p1);
			if (strncmp(own.kind, "symlink", 7) &&
			    strncmp(own.kind, "retarget", 8))
				sample_op(&s, &r, own.p2);
		}
		{
			char rel[TOK_PATH];

			rand_rel(&r, rel, sizeof(rel));
			sample_base(&s, &r, rel);
			/* And names right below the working directory, when
			 * it is not the top: the directories above it may
			 * have moved (a fill must not learn them through
			 * the old path). */
			if (cwd_up[0]) {
				rand_rel(&r, rel, sizeof(rel));
				sample_add(&s, "%s", rel);
			}
		}
		if (threads > 1) {
			pthread_barrier_wait(&crew.start);
			pthread_barrier_wait(&crew.end);
		} else {
			for (int i = 0; i < s.n; i++)
				check_path(s.p[i]);
		}
		if (tokens % 512 == 0)
			move_cwd(&r);
		if (applied / 1000000 != (applied - t.n) / 1000000)
			fprintf(stderr,
				"progress: ops %ld lookups %lu "
				"differences %lu\n",
				applied, n_lookups, n_diffs);
		if (write_full(ackfd, "k", 1) < 0)
			return 2;
	}
	if (threads > 1) {
		crew.stop = 1;
		pthread_barrier_wait(&crew.start);
		for (int i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 2;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "checker: the mutator failed\n");
		return 2;
	}
	printf("ops %ld lookups %lu differences %lu\n", applied, n_lookups,
	       n_diffs);
	return n_diffs ? 1 : 0;
}

/* ---- the sandwich ---------------------------------------------------- */

/*
 * No hand-off at all: two unshimmed children change DIR, each at its own
 * pace, for SECONDS, while this process (under the shim) asks, over and
 * over, k1 = the kernel (raw syscall), c = the interposed call (which may
 * be a cache hit), k2 = the kernel again, about DIR (stat), DIR/f
 * (lstat), whose mode the second child keeps changing, and the names the
 * first child is about to create and to remove (access).
 *
 * The churn child creates n0, n1, n2 ... and removes each SW_LIFE
 * iterations after creating it: a name goes from absent to present to
 * absent once and never comes back.  The chmod child sets f's permission
 * bits to 0, 1, 2 ... 0777, 0, 1 ...  Each sleeps at least SW_GAP_NS per
 * iteration, so a window (from before k1 to after k2) shorter than
 * SW_LIFE * SW_GAP_NS holds fewer than SW_LIFE changes of each kind: no
 * name is both created and removed in it, and f's modes in it are the
 * ones from k1's to k2's in that cyclic order.  Checks that need this are
 * skipped for longer ("wide") windows, which are counted.
 *
 * Window checks (c is a state the object had between k1 and k2):
 *   DIR, f    k1.mtime <= c.mtime <= k2.mtime and the same for ctime
 *             (timestamps only grow), fields that do not change
 *             (st_ino, st_dev, type, nlink, uid, gid; f's size and mtime)
 *             equal to k1's when k1 and k2 agree, ret and errno equal to
 *             k1's when k1 and k2 agree
 *   f         the mode one of the modes f had from k1 to k2 (not wide)
 *   names     ret and errno equal to k1's when k1 and k2 agree (not wide)
 *
 * That is linearizability: c no older than an answer the kernel had
 * already given.  Strict mode promises less: c reflects every change
 * whose system call returned before the lookup began.  So the children
 * log every change with CLOCK_MONOTONIC read just before the call and
 * just after it returned, and the state it left (a raw stat after it),
 * into shared memory; the checker reads the clock just before and after
 * each interposed call, and after the run checks the promise for every
 * lookup: c's timestamps no older than those left by the last change
 * that returned before c began, f's mode that change's or a later one,
 * a name whose removal returned before c began ENOENT, a name whose
 * creation returned before c began and whose removal had not started
 * when c ended present.  Each window violation is also explained by the
 * first change c does not reflect: when it had returned, or not yet,
 * when c began ("in flight": allowed by the promise, not by the window).
 *
 * Prints the violations (the first ones) with the values seen and, last,
 * "lookups M hits-window-violations V promise-violations P windows W
 * wide X changed C transitions T created N chmods K in-flight I".
 */
#define SW_LIFE 256
#define SW_GAP_NS 20000L
#define SW_PRINT 20
#define SW_LOG_MAX (1u << 18)
#define SW_VIOL_MAX 4096

enum { SW_CREATE, SW_UNLINK, SW_CHMOD };

/* One change: when it was called and returned, and the state it left
 * (DIR's timestamps for the churn child, f's for the chmod child). */
struct sw_op {
	int64_t t_call, t_ret;
	uint64_t n; /* name n<n>, or the chmod's number (mode n & 0777) */
	int32_t kind;
	struct timespec m, c;
};

struct sw_log {
	uint64_t count;		   /* entries written */
	uint64_t created, removed; /* names n0... created, removed */
	struct sw_op op[SW_LOG_MAX];
};

struct sw_shared {
	struct sw_log log[2]; /* [0] the churn child, [1] the chmod child */
};

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

static struct sw_shared *sw_map(int fd)
{
	void *m = mmap(NULL, sizeof(struct sw_shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	if (m == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return m;
}

/* Log a change that returned; @path's state after it from a raw stat. */
static int sw_log(struct sw_log *l, int kind, uint64_t n, int64_t t_call,
		  int64_t t_ret, const char *path)
{
	struct sw_op *o = &l->op[l->count];
	struct stat st;

	if (raw_stat(path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	o->t_call = t_call;
	o->t_ret = t_ret;
	o->n = n;
	o->kind = kind;
	o->m = st.st_mtim;
	o->c = st.st_ctim;
	if (kind == SW_CREATE)
		__atomic_store_n(&l->created, n + 1, __ATOMIC_RELAXED);
	if (kind == SW_UNLINK)
		__atomic_store_n(&l->removed, n + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->count, l->count + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Sleep at least SW_GAP_NS, up to three times that. */
static void sw_gap(struct rng *r)
{
	struct timespec t = {0, SW_GAP_NS + (long)pick(r, 2 * SW_GAP_NS)};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* A child: "churn" or "chmod" in DIR for SECONDS, logging into the
 * shared memory on SHMFD.  Stops on its own. */
static int run_sw_child(const char *kind, const char *dir, double seconds,
			int shmfd)
{
	struct sw_shared *sh = sw_map(shmfd);
	int64_t end = mono_ns() + (int64_t)(seconds * 1e9), t;
	int churn = !strcmp(kind, "churn");
	struct sw_log *l = &sh->log[churn ? 0 : 1];
	struct rng r;
	char name[32];

	rng_seed(&r, (uint64_t)getpid());
	/* Sleep as long as asked, not 50 us more: more changes per second. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (chdir(dir) < 0) {
		perror(dir);
		return 2;
	}
	for (uint64_t i = 0; l->count + 2 <= SW_LOG_MAX && mono_ns() < end;
	     i++) {
		if (churn) {
			int fd;

			snprintf(name, sizeof(name), "n%llu",
				 (unsigned long long)i);
			t = mono_ns();
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0644);
			if (fd < 0 ||
			    sw_log(l, SW_CREATE, i, t, mono_ns(), ".") < 0 ||
			    close(fd) < 0) {
				perror(name);
				return 2;
			}
			if (i >= SW_LIFE) {
				snprintf(name, sizeof(name), "n%llu",
					 (unsigned long long)(i - SW_LIFE));
				t = mono_ns();
				if (unlink(name) < 0 ||
				    sw_log(l, SW_UNLINK, i - SW_LIFE, t,
					   mono_ns(), ".") < 0) {
					perror(name);
					return 2;
				}
			}
		} else {
			t = mono_ns();
			if (chmod("f", (mode_t)(i & 0777)) < 0 ||
			    sw_log(l, SW_CHMOD, i, t, mono_ns(), "f") < 0) {
				perror("chmod f");
				return 2;
			}
		}
		sw_gap(&r);
	}
	return 0;
}

static pid_t sw_spawn(const char *kind, const char *dir, const char *secs,
		      int shmfd)
{
	char s_fd[16];
	const char *argv[] = {"coherence-sandwich",
			      "sandwich-child",
			      kind,
			      dir,
			      secs,
			      s_fd,
			      NULL};

	snprintf(s_fd, sizeof(s_fd), "%d", shmfd);
	return spawn_unshimmed(argv, -1, -1);
}

/* One question's answer. */
struct sw_ans {
	long r;
	int e;
	struct stat st;
};

/* What the promise check after the run needs of one window. */
enum { SW_D, SW_F, SW_N0 }; /* lookups: DIR, f, names (up to 3) */
#define SW_LOOKUPS 5

struct sw_rec {
	int64_t t0, t1;				  /* the window */
	int64_t tc0[SW_LOOKUPS], tc1[SW_LOOKUPS]; /* each interposed call */
	struct sw_ans d[3], f[3];		  /* k1, c, k2 */
	struct {
		uint64_t j;
		long r[3];
		int e[3];
	} name[3];
	int np;
};

/* A violation: its text, and which lookup of which window. */
struct sw_viol {
	int promise;
	unsigned long w;
	int lookup;
	char text[320];
};

static struct sw_viol *sw_viols;
static unsigned long sw_window_v, sw_promise_v, sw_in_flight;

static void sw_violation(int promise, unsigned long w, int lookup,
			 const char *fmt, ...)
{
	unsigned long n = sw_window_v + sw_promise_v;
	va_list ap;

	if (promise)
		sw_promise_v++;
	else
		sw_window_v++;
	if (n >= SW_VIOL_MAX)
		return;
	sw_viols[n].promise = promise;
	sw_viols[n].w = w;
	sw_viols[n].lookup = lookup;
	va_start(ap, fmt);
	vsnprintf(sw_viols[n].text, sizeof(sw_viols[n].text), fmt, ap);
	va_end(ap);
}

#define TSF "%lld.%09ld"
#define TSA(t) (long long)(t).tv_sec, (t).tv_nsec

static const char *sw_ret(char *buf, size_t cap, long r, int e)
{
	snprintf(buf, cap, "%ld%s%s", r, r ? " " : "",
		 r ? strerrorname_np(e) : "");
	return buf;
}

static void sw_check_time(unsigned long w, int lookup, const char *what,
			  const char *field, const struct timespec *k1,
			  const struct timespec *c, const struct timespec *k2)
{
	if (ts_cmp(k1, c) > 0 || ts_cmp(c, k2) > 0)
		sw_violation(0, w, lookup, "%s %s k1=" TSF " c=" TSF " k2=" TSF,
			     what, field, TSA(*k1), TSA(*c), TSA(*k2));
}

/* ret and errno; then the fields that never change.  Returns 1 if all
 * three answers are successes. */
static int sw_check_common(unsigned long w, int lookup, const char *what,
			   long r1, int e1, long r, int e, long r2, int e2,
			   const struct stat *a, const struct stat *x,
			   const struct stat *b)
{
	char s1[48], s[48], s2[48];

	if (r1 == r2 && (r1 == 0 || e1 == e2) &&
	    (r != r1 || (r < 0 && e != e1))) {
		sw_violation(0, w, lookup, "%s ret k1=%s c=%s k2=%s", what,
			     sw_ret(s1, sizeof(s1), r1, e1),
			     sw_ret(s, sizeof(s), r, e),
			     sw_ret(s2, sizeof(s2), r2, e2));
		return 0;
	}
	if (r1 || r || r2 || !a)
		return 0;
#define SW_SAME(f)                                                             \
	do {                                                                   \
		if ((a->f) == (b->f) && (x->f) != (a->f))                      \
			sw_violation(0, w, lookup,                             \
				     "%s " #f " k1=%llu c=%llu k2=%llu", what, \
				     (unsigned long long)(a->f),               \
				     (unsigned long long)(x->f),               \
				     (unsigned long long)(b->f));              \
	} while (0)
	SW_SAME(st_ino);
	SW_SAME(st_dev);
	SW_SAME(st_nlink);
	SW_SAME(st_uid);
	SW_SAME(st_gid);
	SW_SAME(st_mode & S_IFMT);
#undef SW_SAME
	return 1;
}

/* Whether @x is in the cyclic interval of modes [@a, @b]. */
static int sw_mode_between(unsigned a, unsigned x, unsigned b)
{
	return ((x - a) & 0777) <= ((b - a) & 0777);
}

/* The window checks of window @w. */
static void sw_check_window(unsigned long w, const struct sw_rec *rc,
			    int64_t wide_ns)
{
	const struct sw_ans *d = rc->d, *f = rc->f;
	int wide = rc->t1 - rc->t0 > wide_ns;

	if (sw_check_common(w, SW_D, "stat(DIR)", d[0].r, d[0].e, d[1].r,
			    d[1].e, d[2].r, d[2].e, &d[0].st, &d[1].st,
			    &d[2].st)) {
		sw_check_time(w, SW_D, "stat(DIR)", "mtime", &d[0].st.st_mtim,
			      &d[1].st.st_mtim, &d[2].st.st_mtim);
		sw_check_time(w, SW_D, "stat(DIR)", "ctime", &d[0].st.st_ctim,
			      &d[1].st.st_ctim, &d[2].st.st_ctim);
	}
	if (sw_check_common(w, SW_F, "lstat(f)", f[0].r, f[0].e, f[1].r, f[1].e,
			    f[2].r, f[2].e, &f[0].st, &f[1].st, &f[2].st)) {
		const struct stat *a = &f[0].st, *x = &f[1].st, *b = &f[2].st;
		unsigned ma = a->st_mode & 0777, mx = x->st_mode & 0777,
			 mb = b->st_mode & 0777;

		if (a->st_size == b->st_size && x->st_size != a->st_size)
			sw_violation(0, w, SW_F,
				     "lstat(f) size k1=%ld c=%ld "
				     "k2=%ld",
				     (long)a->st_size, (long)x->st_size,
				     (long)b->st_size);
		if (!ts_cmp(&a->st_mtim, &b->st_mtim) &&
		    ts_cmp(&x->st_mtim, &a->st_mtim))
			sw_violation(
			    0, w, SW_F,
			    "lstat(f) mtime k1=" TSF " c=" TSF " k2=" TSF,
			    TSA(a->st_mtim), TSA(x->st_mtim), TSA(b->st_mtim));
		sw_check_time(w, SW_F, "lstat(f)", "ctime", &a->st_ctim,
			      &x->st_ctim, &b->st_ctim);
		if (!wide && !sw_mode_between(ma, mx, mb))
			sw_violation(0, w, SW_F,
				     "lstat(f) mode k1=%o c=%o k2=%o", ma, mx,
				     mb);
	}
	for (int p = 0; p < rc->np && !wide; p++) {
		char what[48];

		snprintf(what, sizeof(what), "access(n%llu)",
			 (unsigned long long)rc->name[p].j);
		sw_check_common(w, SW_N0 + p, what, rc->name[p].r[0],
				rc->name[p].e[0], rc->name[p].r[1],
				rc->name[p].e[1], rc->name[p].r[2],
				rc->name[p].e[2], NULL, NULL, NULL);
	}
}

/* The last change of @l that returned before @t, or NULL. */
static const struct sw_op *sw_before(const struct sw_log *l, int64_t t)
{
	uint64_t lo = 0, hi = l->count; /* t_ret grows along the log */

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (l->op[mid].t_ret < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &l->op[lo - 1] : NULL;
}

/* The first change of @l that left a timestamp (@ctime or mtime) newer
 * than @ts: the first one an answer with @ts does not reflect. */
static const struct sw_op *sw_first_newer(const struct sw_log *l,
					  const struct timespec *ts, int ctime)
{
	for (uint64_t i = 0; i < l->count; i++)
		if (ts_cmp(ctime ? &l->op[i].c : &l->op[i].m, ts) > 0)
			return &l->op[i];
	return NULL;
}

struct sw_names {
	const struct sw_op **create, **unlink; /* by name number */
	uint64_t n;
};

/* The promise checks of window @w (the children's logs complete). */
static void sw_check_promise(unsigned long w, const struct sw_rec *rc,
			     const struct sw_shared *sh,
			     const struct sw_names *nm)
{
	const struct sw_op *o;
	const struct stat *x;

	o = sw_before(&sh->log[0], rc->tc0[SW_D]);
	x = &rc->d[1].st;
	if (o && !rc->d[1].r &&
	    (ts_cmp(&x->st_mtim, &o->m) < 0 || ts_cmp(&x->st_ctim, &o->c) < 0))
		sw_violation(1, w, SW_D,
			     "stat(DIR) c: mtime=" TSF " ctime=" TSF
			     " older than left by %s n%llu (mtime=" TSF
			     " ctime=" TSF "), which returned %lld ns before "
			     "the lookup began",
			     TSA(x->st_mtim), TSA(x->st_ctim),
			     o->kind == SW_CREATE ? "create" : "unlink",
			     (unsigned long long)o->n, TSA(o->m), TSA(o->c),
			     (long long)(rc->tc0[SW_D] - o->t_ret));
	o = sw_before(&sh->log[1], rc->tc0[SW_F]);
	x = &rc->f[1].st;
	if (o && !rc->f[1].r && !rc->f[2].r) {
		unsigned mo = (unsigned)(o->n & 0777), mx = x->st_mode & 0777,
			 mb = rc->f[2].st.st_mode & 0777;

		/* Fewer than 512 chmods from @o to k2: the order of modes
		 * is exact. */
		if (ts_cmp(&x->st_ctim, &o->c) < 0 ||
		    (rc->t1 - o->t_ret < 500 * SW_GAP_NS &&
		     !sw_mode_between(mo, mx, mb)))
			sw_violation(1, w, SW_F,
				     "lstat(f) c: mode=%o ctime=" TSF
				     " older than left by chmod #%llu "
				     "(mode=%o ctime=" TSF "), which "
				     "returned %lld ns before the lookup "
				     "began (k2 mode=%o)",
				     mx, TSA(x->st_ctim),
				     (unsigned long long)o->n, mo, TSA(o->c),
				     (long long)(rc->tc0[SW_F] - o->t_ret), mb);
	}
	for (int p = 0; p < rc->np; p++) {
		uint64_t j = rc->name[p].j;
		const struct sw_op *cr = j < nm->n ? nm->create[j] : NULL,
				   *un = j < nm->n ? nm->unlink[j] : NULL;
		int64_t tc0 = rc->tc0[SW_N0 + p], tc1 = rc->tc1[SW_N0 + p];
		long r = rc->name[p].r[1];
		int e = rc->name[p].e[1];
		char s[48];

		if (un && un->t_ret < tc0 && !(r < 0 && e == ENOENT))
			sw_violation(1, w, SW_N0 + p,
				     "access(n%llu) c=%s but its unlink "
				     "returned %lld ns before the lookup "
				     "began",
				     (unsigned long long)j,
				     sw_ret(s, sizeof(s), r, e),
				     (long long)(tc0 - un->t_ret));
		if (cr && cr->t_ret < tc0 && (!un || un->t_call > tc1) && r)
			sw_violation(1, w, SW_N0 + p,
				     "access(n%llu) c=%s but its creation "
				     "returned %lld ns before the lookup "
				     "began and it was not removed until "
				     "after",
				     (unsigned long long)j,
				     sw_ret(s, sizeof(s), r, e),
				     (long long)(tc0 - cr->t_ret));
	}
}

/* Explain window violation @v: the first change its answer misses. */
static void sw_explain(const struct sw_viol *v, const struct sw_rec *rc,
		       const struct sw_shared *sh, const struct sw_names *nm,
		       char *buf, size_t cap)
{
	const struct sw_op *o = NULL;
	int64_t tc0 = rc->tc0[v->lookup], tc1 = rc->tc1[v->lookup];

	buf[0] = '\0';
	if (v->lookup == SW_D && !rc->d[1].r) {
		const struct sw_op *om =
		    sw_first_newer(&sh->log[0], &rc->d[1].st.st_mtim, 0);
		const struct sw_op *oc =
		    sw_first_newer(&sh->log[0], &rc->d[1].st.st_ctim, 1);

		o = !om || (oc && oc < om) ? oc : om;
	} else if (v->lookup == SW_F && !rc->f[1].r) {
		o = sw_first_newer(&sh->log[1], &rc->f[1].st.st_ctim, 1);
	} else if (v->lookup >= SW_N0) {
		uint64_t j = rc->name[v->lookup - SW_N0].j;

		if (j < nm->n)
			o = rc->name[v->lookup - SW_N0].r[1] ? nm->create[j]
							     : nm->unlink[j];
	}
	if (!o)
		return;
	if (o->t_ret >= tc0)
		sw_in_flight++;
	snprintf(buf, cap,
		 "; misses %s #%llu, called %+lld ns and returned %+lld ns "
		 "from the lookup's start (lookup took %lld ns): %s",
		 o->kind == SW_CREATE	? "create"
		 : o->kind == SW_UNLINK ? "unlink"
					: "chmod",
		 (unsigned long long)o->n, (long long)(o->t_call - tc0),
		 (long long)(o->t_ret - tc0), (long long)(tc1 - tc0),
		 o->t_ret >= tc0 ? "in flight when the lookup began"
				 : "RETURNED BEFORE THE LOOKUP BEGAN");
}

static long sw_raw_access(const char *p)
{
	return syscall(SYS_faccessat, AT_FDCWD, p, F_OK);
}

/* Ask about @path: raw (k1, k2) or interposed (c, timed into @tc). */
static void sw_ask(int k, int kind, const char *path, struct sw_ans *a,
		   int64_t *tc0, int64_t *tc1)
{
	memset(a, 0, sizeof(*a));
	errno = 0;
	if (k != 1) {
		a->r = kind == SW_D ? raw_stat(path, &a->st, 0)
		       : kind == SW_F
			   ? raw_stat(path, &a->st, AT_SYMLINK_NOFOLLOW)
			   : sw_raw_access(path);
	} else {
		*tc0 = mono_ns();
		a->r = kind == SW_D   ? stat(path, &a->st)
		       : kind == SW_F ? lstat(path, &a->st)
				      : access(path, F_OK);
		*tc1 = mono_ns();
	}
	a->e = errno;
}

static int run_sandwich(const char *dir, const char *secs)
{
	double seconds = atof(secs);
	char fpath[PATH_MAX], probe[3][PATH_MAX];
	int64_t end, wide_ns = (int64_t)SW_LIFE * SW_GAP_NS;
	unsigned long lookups = 0, nrec = 0, caprec = 0, wide = 0, changed = 0,
		      transitions = 0;
	struct sw_rec *recs = NULL;
	struct sw_shared *sh;
	struct sw_names nm;
	struct rng r;
	pid_t pids[2];
	int shmfd, fd, status, failed = 0;

	rng_seed(&r, (uint64_t)getpid());
	sw_viols = calloc(SW_VIOL_MAX, sizeof(*sw_viols));
	snprintf(fpath, sizeof(fpath), "%s/f", dir);
	fd = open(fpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (!sw_viols || fd < 0 || write(fd, "f\n", 2) != 2 ||
	    fchmod(fd, 0777) < 0) {
		perror(fpath);
		return 2;
	}
	close(fd);
	shmfd = memfd_create("coherence-sandwich", 0);
	if (shmfd < 0 || ftruncate(shmfd, sizeof(struct sw_shared)) < 0) {
		perror("memfd");
		return 2;
	}
	sh = sw_map(shmfd);
	pids[0] = sw_spawn("churn", dir, secs, shmfd);
	pids[1] = sw_spawn("chmod", dir, secs, shmfd);
	end = mono_ns() + (int64_t)(seconds * 1e9);
	while (mono_ns() < end) {
		struct sw_rec *rc;
		uint64_t created, removed;

		if (nrec == caprec) {
			caprec = caprec ? 2 * caprec : 4096;
			recs = realloc(recs, caprec * sizeof(*recs));
			if (!recs) {
				perror("realloc");
				return 2;
			}
		}
		rc = &recs[nrec];
		/* The names the churn child creates and removes next, and
		 * one near them. */
		created =
		    __atomic_load_n(&sh->log[0].created, __ATOMIC_RELAXED);
		removed =
		    __atomic_load_n(&sh->log[0].removed, __ATOMIC_RELAXED);
		rc->np = 0;
		rc->name[rc->np++].j = created;
		if (created >= SW_LIFE)
			rc->name[rc->np++].j = removed;
		rc->name[rc->np++].j = removed + pick(&r, SW_LIFE + 8);
		for (int p = 0; p < rc->np; p++)
			snprintf(probe[p], sizeof(probe[p]), "%s/n%llu", dir,
				 (unsigned long long)rc->name[p].j);

		rc->t0 = mono_ns();
		for (int k = 0; k < 3; k++) {
			sw_ask(k, SW_D, dir, &rc->d[k], &rc->tc0[SW_D],
			       &rc->tc1[SW_D]);
			sw_ask(k, SW_F, fpath, &rc->f[k], &rc->tc0[SW_F],
			       &rc->tc1[SW_F]);
			for (int p = 0; p < rc->np; p++) {
				struct sw_ans a;

				sw_ask(k, SW_N0, probe[p], &a,
				       &rc->tc0[SW_N0 + p],
				       &rc->tc1[SW_N0 + p]);
				rc->name[p].r[k] = a.r;
				rc->name[p].e[k] = a.e;
			}
		}
		rc->t1 = mono_ns();
		lookups += 2 + (unsigned long)rc->np;
		if (rc->t1 - rc->t0 > wide_ns)
			wide++;
		if (ts_cmp(&rc->d[0].st.st_mtim, &rc->d[2].st.st_mtim) ||
		    ts_cmp(&rc->f[0].st.st_ctim, &rc->f[2].st.st_ctim))
			changed++;
		for (int p = 0; p < rc->np; p++)
			transitions += rc->name[p].r[0] != rc->name[p].r[2];
		sw_check_window(nrec, rc, wide_ns);
		nrec++;
	}
	for (int i = 0; i < 2; i++) {
		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				return 2;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "sandwich: a child failed\n");
			failed = 1;
		}
	}

	/* The children are done: their logs are complete. */
	nm.n = sh->log[0].created;
	nm.create = calloc(nm.n + 1, sizeof(*nm.create));
	nm.unlink = calloc(nm.n + 1, sizeof(*nm.unlink));
	if (!nm.create || !nm.unlink)
		return 2;
	for (uint64_t i = 0; i < sh->log[0].count; i++) {
		const struct sw_op *o = &sh->log[0].op[i];

		if (o->n < nm.n)
			(o->kind == SW_CREATE ? nm.create : nm.unlink)[o->n] =
			    o;
	}
	for (unsigned long w = 0; w < nrec; w++)
		sw_check_promise(w, &recs[w], sh, &nm);
	for (unsigned long i = 0, shown[2] = {0, 0};
	     i < sw_window_v + sw_promise_v && i < SW_VIOL_MAX; i++) {
		const struct sw_viol *v = &sw_viols[i];
		char why[256] = "";

		if (!v->promise)
			sw_explain(v, &recs[v->w], sh, &nm, why, sizeof(why));
		if (shown[v->promise]++ < SW_PRINT)
			printf("violation %s %s (window %lld ns)%s\n",
			       v->promise ? "promise" : "window", v->text,
			       (long long)(recs[v->w].t1 - recs[v->w].t0), why);
	}
	printf("lookups %lu hits-window-violations %lu promise-violations %lu "
	       "windows %lu wide %lu changed %lu transitions %lu created %llu "
	       "chmods %llu in-flight %lu\n",
	       lookups, sw_window_v, sw_promise_v, nrec, wide, changed,
	       transitions, (unsigned long long)sh->log[0].created,
	       (unsigned long long)sh->log[1].count, sw_in_flight);
	if (failed)
		return 2;
	/* The promise, and no window violation but of a change in flight
	 * (docs/coherence.md: the kernel shows a change before it queues
	 * its event). */
	return sw_promise_v || sw_window_v != sw_in_flight ? 1 : 0;
}

/* ---- nftw and fts ---------------------------------------------------- */

/* Names that exist both in the walked tree and in the starting cwd, with
 * different types and sizes, so that a wrong cwd gives a wrong answer. */
static const char *const walk_names[] = {"a", "b", "c", "l", "x", "."};

static void check_names(const char *extra)
{
	for (unsigned i = 0; i < sizeof(walk_names) / sizeof(walk_names[0]);
	     i++)
		check_path(walk_names[i]);
	if (extra)
		check_path(extra);
}

static int nftw_cb(const char *fpath, const struct stat *sb, int type,
		   struct FTW *ftw)
{
	(void)sb;
	(void)type;
	check_names(fpath + ftw->base);
	return 0;
}

static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, content, strlen(content)) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

static int run_nftw(const char *dir)
{
	char path[PATH_MAX];
	FTS *f;
	FTSENT *e;
	char *argv[2];

	resolve_libc_realpath();
	repeats = 3;
	if (chdir(dir) < 0 || mkdir("walk", 0755) < 0 ||
	    mkdir("walk/b", 0755) < 0 || mkdir("walk/b/c", 0700) < 0 ||
	    mkdir("cwd", 0755) < 0 || mkdir("cwd/c", 0755) < 0) {
		perror(dir);
		return 2;
	}
	put("walk/a", "walked a");
	put("walk/b/a", "walked b/a, longer");
	put("walk/b/c/x", "x");
	put("cwd/a", "cwd a");
	put("cwd/b", "cwd b, a file");
	put("cwd/c/x", "cwd c/x");
	if (symlink("a", "walk/b/l") < 0 || symlink("zz", "cwd/l") < 0 ||
	    symlink("b", "walk/l") < 0) {
		perror("symlink");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/walk", dir);
	if (chdir("cwd") < 0)
		return 2;
	/* Warm the cache with the cwd's answers, then walk. */
	for (int i = 0; i < 3; i++)
		check_names(NULL);
	if (nftw(path, nftw_cb, 8, FTW_CHDIR | FTW_PHYS) < 0) {
		perror("nftw");
		return 2;
	}
	check_names(NULL);
	if (nftw(path, nftw_cb, 8, FTW_CHDIR | FTW_PHYS | FTW_DEPTH) < 0) {
		perror("nftw");
		return 2;
	}
	check_names(NULL);
	argv[0] = path;
	argv[1] = NULL;
	f = fts_open(argv, FTS_PHYSICAL, NULL);
	if (!f) {
		perror("fts_open");
		return 2;
	}
	while ((e = fts_read(f)))
		check_names(e->fts_accpath);
	fts_close(f);
	check_names(NULL);
	printf("lookups %lu differences %lu\n", n_lookups, n_diffs);
	return n_diffs ? 1 : 0;
}

/* ---- own changes ---------------------------------------------------- */

/*
 * Each case runs in a fresh directory holding (made with raw system
 * calls, before anything in it was looked up): f and g (files), d (a
 * directory with d/x), e (an empty directory), l (a symlink to f); n and
 * m do not exist.  own_fd is a descriptor open before the first look
 * (pre), for the cases that change the tree through it.
 */
static const char *const own_names[] = {".", "f", "g", "d",   "d/x", "e",
					"l", "n", "m", "n/x", "l/"};
static int own_fd = -1, own_dfd = -1;

/* check_path(), but a FIFO is not opened (that would wait for a
 * writer). */
static void own_check(const char *p)
{
	struct stat st;

	if (raw_stat(p, &st, 0) == 0 && S_ISFIFO(st.st_mode)) {
		check_stat_like(p);
		check_readlink(p);
		check_realpath(p);
		return;
	}
	check_path(p);
}

static void own_look(const char *dir)
{
	char abs[PATH_MAX];

	for (unsigned i = 0; i < sizeof(own_names) / sizeof(own_names[0]);
	     i++) {
		own_check(own_names[i]);
		snprintf(abs, sizeof(abs), "%s/%s", dir, own_names[i]);
		own_check(abs);
	}
}

static void own_setup(const char *dir)
{
	static const char *const files[] = {"f", "g", "d/x"};
	int ok = syscall(SYS_mkdirat, AT_FDCWD, dir, 0755) == 0;

	ok = ok && syscall(SYS_chdir, dir) == 0;
	ok = ok && syscall(SYS_mkdirat, AT_FDCWD, "d", 0755) == 0;
	ok = ok && syscall(SYS_mkdirat, AT_FDCWD, "e", 0755) == 0;
	for (unsigned i = 0; ok && i < 3; i++) {
		long fd = syscall(SYS_openat, AT_FDCWD, files[i],
				  O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		ok = fd >= 0 && syscall(SYS_write, fd, files[i], 1 + i) >= 0;
		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	ok = ok && syscall(SYS_symlinkat, "f", AT_FDCWD, "l") == 0;
	if (!ok) {
		perror(dir);
		exit(2);
	}
	/* Back through the shim, which must learn the new cwd. */
	if (chdir(dir) < 0) {
		perror(dir);
		exit(2);
	}
}

static void want(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(2);
	}
}

static void own_close(int fd)
{
	want(close(fd) == 0, "close");
}

static void own_tmpfile(void)
{
	char proc[64];
	int fd = open(".", O_TMPFILE | O_WRONLY, 0644);

	want(fd >= 0 && write(fd, "tmp", 3) == 3, "O_TMPFILE");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	want(linkat(AT_FDCWD, proc, AT_FDCWD, "n", AT_SYMLINK_FOLLOW) == 0,
	     "linkat");
	own_close(fd);
}

static void own_fopen(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	want(f != NULL, mode);
	want(fputs("written by fopen", f) >= 0 && fclose(f) == 0, "fputs");
}

static void own_freopen(void)
{
	FILE *f = fopen("/dev/null", "r");

	want(f != NULL, "fopen /dev/null");
	f = freopen("n", "w", f);
	want(f != NULL, "freopen");
	want(fputs("reopened", f) >= 0 && fclose(f) == 0, "fputs");
}

static void own_child(void)
{
	pid_t pid = fork();
	int status;

	want(pid >= 0, "fork");
	if (pid == 0) /* a change no wrapper of this process sees */
		_exit(syscall(SYS_unlinkat, AT_FDCWD, "f", 0) == 0 &&
			      syscall(SYS_mkdirat, AT_FDCWD, "n", 0755) == 0
			  ? 0
			  : 1);
	want(waitpid(pid, &status, 0) == pid && status == 0, "waitpid");
}

static void own_system(void)
{
	want(system("rm f && mkdir n") == 0, "system");
}

static void own_popen(void)
{
	FILE *p = popen("rm f && echo new >n", "r");

	want(p != NULL, "popen");
	want(pclose(p) == 0, "pclose");
}

static void own_mkstemp(void)
{
	char t[] = "tmpXXXXXX";
	int fd = mkstemp(t);

	want(fd >= 0, "mkstemp");
	want(write(fd, "x", 1) == 1, "write");
	own_close(fd);
	want(rename(t, "n") == 0, "rename");
}

static void own_mkdtemp(void)
{
	char t[] = "tmpXXXXXX";

	want(mkdtemp(t) != NULL, "mkdtemp");
}

/*
 * The cases: pre (optional, before the first look: opens own_fd), the
 * change, and post (optional, after the second look: closes own_fd and
 * is followed by a third look).
 */
enum own_pre { PRE_NONE, PRE_RDONLY, PRE_WRONLY, PRE_APPEND, PRE_DUP };

#define OWN_CASES(X)                                                           \
	X(open_creat, PRE_NONE,                                                \
	  own_close(open("n", O_WRONLY | O_CREAT, 0644)))                      \
	X(open_excl, PRE_NONE,                                                 \
	  own_close(open("n", O_RDWR | O_CREAT | O_EXCL, 0600)))               \
	X(open_trunc, PRE_NONE, own_close(open("f", O_WRONLY | O_TRUNC)))      \
	X(open_creat_trunc, PRE_NONE,                                          \
	  own_close(open("g", O_WRONLY | O_CREAT | O_TRUNC, 0644)))            \
	X(openat_creat, PRE_NONE,                                              \
	  own_close(openat(own_dfd, "n", O_WRONLY | O_CREAT, 0644)))           \
	X(tmpfile_linkat, PRE_NONE, own_tmpfile())                             \
	X(creat_new, PRE_NONE, own_close(creat("n", 0644)))                    \
	X(creat_old, PRE_NONE, own_close(creat("f", 0644)))                    \
	X(fopen_w_new, PRE_NONE, own_fopen("n", "w"))                          \
	X(fopen_w_old, PRE_NONE, own_fopen("f", "w"))                          \
	X(fopen_a, PRE_NONE, own_fopen("f", "a"))                              \
	X(fopen_a_new, PRE_NONE, own_fopen("n", "ae"))                         \
	X(fopen_x, PRE_NONE, own_fopen("n", "wx"))                             \
	X(fopen_rplus, PRE_NONE, own_fopen("g", "r+"))                         \
	X(freopen_w, PRE_NONE, own_freopen())                                  \
	X(mkdir, PRE_NONE, want(mkdir("n", 0755) == 0, "mkdir"))               \
	X(mkdirat, PRE_NONE,                                                   \
	  want(mkdirat(own_dfd, "n", 0700) == 0, "mkdirat"))                   \
	X(mknod, PRE_NONE, want(mknod("n", S_IFREG | 0644, 0) == 0, "mknod"))  \
	X(mknodat, PRE_NONE,                                                   \
	  want(mknodat(own_dfd, "n", S_IFREG | 0600, 0) == 0, "mknodat"))      \
	X(mkfifo, PRE_NONE, want(mkfifo("n", 0644) == 0, "mkfifo"))            \
	X(mkfifoat, PRE_NONE,                                                  \
	  want(mkfifoat(own_dfd, "n", 0600) == 0, "mkfifoat"))                 \
	X(symlink, PRE_NONE, want(symlink("g", "n") == 0, "symlink"))          \
	X(symlinkat, PRE_NONE,                                                 \
	  want(symlinkat("d", own_dfd, "n") == 0, "symlinkat"))                \
	X(symlink_retarget, PRE_NONE,                                          \
	  want(symlink("g", "m") == 0 && rename("m", "l") == 0, "retarget"))   \
	X(link, PRE_NONE, want(link("f", "n") == 0, "link"))                   \
	X(linkat, PRE_NONE,                                                    \
	  want(linkat(own_dfd, "g", own_dfd, "n", 0) == 0, "linkat"))          \
	X(rename_new, PRE_NONE, want(rename("f", "n") == 0, "rename"))         \
	X(rename_over, PRE_NONE, want(rename("f", "g") == 0, "rename"))        \
	X(rename_dir, PRE_NONE, want(rename("d", "n") == 0, "rename"))         \
	X(rename_dir_over, PRE_NONE, want(rename("d", "e") == 0, "rename"))    \
	X(renameat, PRE_NONE,                                                  \
	  want(renameat(own_dfd, "g", own_dfd, "n") == 0, "renameat"))         \
	X(renameat2_xchg, PRE_NONE,                                            \
	  want(renameat2(own_dfd, "f", own_dfd, "d", RENAME_EXCHANGE) == 0,    \
	       "renameat2"))                                                   \
	X(renameat2_noreplace, PRE_NONE,                                       \
	  want(renameat2(AT_FDCWD, "g", AT_FDCWD, "m", RENAME_NOREPLACE) == 0, \
	       "renameat2"))                                                   \
	X(unlink, PRE_NONE, want(unlink("f") == 0, "unlink"))                  \
	X(unlink_link, PRE_NONE, want(unlink("l") == 0, "unlink"))             \
	X(unlinkat, PRE_NONE,                                                  \
	  want(unlinkat(own_dfd, "g", 0) == 0, "unlinkat"))                    \
	X(unlinkat_dir, PRE_NONE,                                              \
	  want(unlinkat(own_dfd, "e", AT_REMOVEDIR) == 0, "unlinkat"))         \
	X(rmdir, PRE_NONE, want(rmdir("e") == 0, "rmdir"))                     \
	X(remove, PRE_NONE, want(remove("f") == 0, "remove"))                  \
	X(chmod, PRE_NONE, want(chmod("f", 0600) == 0, "chmod"))               \
	X(chmod_dir, PRE_NONE, want(chmod("d", 0700) == 0, "chmod"))           \
	X(fchmod, PRE_RDONLY, want(fchmod(own_fd, 0640) == 0, "fchmod"))       \
	X(fchmodat, PRE_NONE,                                                  \
	  want(fchmodat(own_dfd, "g", 0444, 0) == 0, "fchmodat"))              \
	X(chown, PRE_NONE, want(chown("f", getuid(), getgid()) == 0, "chown")) \
	X(lchown, PRE_NONE,                                                    \
	  want(lchown("l", getuid(), getgid()) == 0, "lchown"))                \
	X(fchown, PRE_RDONLY,                                                  \
	  want(fchown(own_fd, getuid(), getgid()) == 0, "fchown"))             \
	X(fchownat, PRE_NONE,                                                  \
	  want(fchownat(own_dfd, "d", getuid(), getgid(), 0) == 0,             \
	       "fchownat"))                                                    \
	X(utimensat, PRE_NONE,                                                 \
	  want(utimensat(AT_FDCWD, "f", own_times, 0) == 0, "utimensat"))      \
	X(utimensat_dir, PRE_NONE,                                             \
	  want(utimensat(own_dfd, "d", own_times, 0) == 0, "utimensat"))       \
	X(futimens, PRE_RDONLY,                                                \
	  want(futimens(own_fd, own_times) == 0, "futimens"))                  \
	X(utimes, PRE_NONE, want(utimes("g", NULL) == 0, "utimes"))            \
	X(truncate, PRE_NONE, want(truncate("f", 100) == 0, "truncate"))       \
	X(ftruncate, PRE_WRONLY, want(ftruncate(own_fd, 3) == 0, "ftruncate")) \
	X(write_fd, PRE_WRONLY,                                                \
	  want(write(own_fd, "abcdef", 6) == 6, "write"))                      \
	X(append_fd, PRE_APPEND, want(write(own_fd, "more", 4) == 4, "write")) \
	X(pwrite_fd, PRE_WRONLY,                                               \
	  want(pwrite(own_fd, "z", 1, 4096) == 1, "pwrite"))                   \
	X(write_dup, PRE_DUP, want(write(own_fd, "dup'd", 5) == 5, "write"))   \
	X(mkstemp, PRE_NONE, own_mkstemp())                                    \
	X(mkdtemp, PRE_NONE, own_mkdtemp())                                    \
	X(child_waited, PRE_NONE, own_child())                                 \
	X(system, PRE_NONE, own_system())                                      \
	X(popen_pclose, PRE_NONE, own_popen())

static const struct timespec own_times[2] = {{1000000000, 5}, {1000000000, 7}};

static void own_pre(enum own_pre pre)
{
	switch (pre) {
	case PRE_NONE:
		own_fd = -1;
		return;
	case PRE_RDONLY:
		own_fd = open("f", O_RDONLY);
		break;
	case PRE_WRONLY:
		own_fd = open("f", O_WRONLY);
		break;
	case PRE_APPEND:
		own_fd = open("f", O_WRONLY | O_APPEND);
		break;
	case PRE_DUP: {
		int fd = open("f", O_WRONLY | O_APPEND);

		own_fd = fcntl(fd, F_DUPFD, 10);
		own_close(fd); /* only the duplicate writes */
		break;
	}
	}
	want(own_fd >= 0, "open (pre)");
}

static int run_own(const char *top)
{
	char dir[PATH_MAX];
	unsigned long cases = 0;

	resolve_libc_realpath();
	repeats = 3;
#define OWN_RUN(name, pre, change)                                         \
	do {                                                               \
		struct tok_op o;                                           \
		unsigned long before = n_diffs;                            \
                                                                           \
		memset(&o, 0, sizeof(o));                                  \
		snprintf(o.kind, sizeof(o.kind), "%.15s", #name);          \
		snprintf(dir, sizeof(dir), "%s/%s", top, #name);           \
		own_setup(dir);                                            \
		own_dfd = open(".", O_RDONLY | O_DIRECTORY);               \
		want(own_dfd >= 0, "open .");                              \
		own_pre(pre);                                              \
		own_look(dir);                                             \
		change;                                                    \
		snprintf(o.p1, sizeof(o.p1), "%s", "after the change");    \
		hist_add(&o);                                              \
		own_look(dir);                                             \
		if (own_fd >= 0) {                                         \
			own_close(own_fd);                                 \
			snprintf(o.p1, sizeof(o.p1), "%s", "after close"); \
			hist_add(&o);                                      \
			own_look(dir);                                     \
		}                                                          \
		own_close(own_dfd);                                        \
		if (n_diffs != before)                                     \
			printf("case %s differences %lu\n", #name,         \
			       n_diffs - before);                          \
		cases++;                                                   \
	} while (0);
	OWN_CASES(OWN_RUN)
#undef OWN_RUN
	printf("cases %lu lookups %lu differences %lu\n", cases, n_lookups,
	       n_diffs);
	return n_diffs ? 1 : 0;
}

/* ---- a vfork child on the parent's memory ------------------------------ */

static int run_vfork(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	pid_t pid;
	int status;

	resolve_libc_realpath();
	repeats = 3;
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	if (mkdir(a, 0755) < 0 || mkdir(b, 0755) < 0 || chdir(a) < 0) {
		perror(dir);
		return 2;
	}
	put("f", "a's f");
	put("../b/f", "b's f, longer");
	put("../b/g", "only in b");
	check_path("f");
	check_path("g");
	for (int round = 0; round < 2; round++) {
		pid = vfork();
		if (pid < 0) {
			perror("vfork");
			return 2;
		}
		if (pid == 0) {
			/* Only lookups and async-signal-safe calls until
			 * _exit.  Round 0 keeps the descriptors, so that a
			 * working directory learnt here would be used by
			 * the parent; round 1 closes them through libc. */
			check_stat_like("f");
			if (chdir("../b") < 0)
				_exit(3);
			check_stat_like("f");
			check_stat_like("g");
			if (round == 1 && close_range(3, ~0u, 0) < 0)
				_exit(4);
			check_stat_like("f");
			check_stat_like("g");
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status != 0) {
			fprintf(stderr, "vfork child: status %d\n", status);
			return 2;
		}
		for (int i = 0; i < 500; i++) {
			check_stat_like("f");
			check_stat_like("g");
		}
	}
	check_path("f");
	check_path("g");
	printf("lookups %lu differences %lu\n", n_lookups, n_diffs);
	return n_diffs ? 1 : 0;
}

/*
 * Streams opened before a change and read after it.  glibc reads a
 * directory at the first readdir() (one getdents64() of 32 KiB) and again
 * at the end of what it read, or after rewinddir() or seekdir(); a stream
 * answered from the cache must show what those reads would show at those
 * moments.  Each scenario runs twice on two directories made alike: with
 * raw system calls in the order glibc would make them (the reference),
 * and through opendir()/readdir() under the shim, the same change made
 * by a raw call (as another process would) at the same point.  The
 * names, types and cookies seen must be the same, in the same order.
 */
#define ST_FILES 12

struct st_seen {
	char buf[8192];
	size_t n;
};

static void st_fail(const char *what, const char *path)
{
	fprintf(stderr, "%s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

static void st_put(struct st_seen *s, const char *b, size_t n)
{
	if (n > sizeof(s->buf) - s->n)
		st_fail("overflow", "");
	memcpy(s->buf + s->n, b, n);
	s->n += n;
}

static void st_add(struct st_seen *s, const char *name, unsigned type, long off)
{
	int k = snprintf(s->buf + s->n, sizeof(s->buf) - s->n, "%s/%u/%ld ",
			 name, type, off);

	if (k > 0 && (size_t)k < sizeof(s->buf) - s->n)
		s->n += (size_t)k;
}

static void st_create(const char *p)
{
	long fd = syscall(SYS_openat, AT_FDCWD, p,
			  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		st_fail("create", p);
	syscall(SYS_close, fd);
}

static void st_make(const char *d)
{
	char p[PATH_MAX];

	if (syscall(SYS_mkdirat, AT_FDCWD, d, 0755) < 0)
		st_fail("mkdir", d);
	for (int i = 0; i < ST_FILES; i++) {
		snprintf(p, sizeof(p), "%s/file%02d", d, i);
		st_create(p);
	}
	snprintf(p, sizeof(p), "%s/sub", d);
	if (syscall(SYS_mkdirat, AT_FDCWD, p, 0755) < 0)
		st_fail("mkdir", p);
}

/* The change of scenario @sc in @d (raw). */
static void st_change(const char *d, int sc)
{
	char p[PATH_MAX];

	if (sc % 2) {
		snprintf(p, sizeof(p), "%s/file%02d", d, 3 + sc);
		if (syscall(SYS_unlinkat, AT_FDCWD, p, 0) < 0)
			st_fail("unlink", p);
		return;
	}
	snprintf(p, sizeof(p), "%s/late%d", d, sc);
	st_create(p);
}

/* The records of one getdents64() call on @fd into @s. */
static long st_raw_read(long fd, struct st_seen *s)
{
	static char buf[32768] __attribute__((aligned(8)));
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));

	for (long off = 0; off < n;) {
		const struct dirent64 *e = (const void *)(buf + off);

		off += e->d_reclen;
		if (e->d_ino)
			st_add(s, e->d_name, e->d_type, (long)e->d_off);
	}
	return n;
}

/*
 * Scenario @sc (0-1: changed between opendir and the first readdir; 2-3:
 * after every entry was read, before the end is asked; 4-5: after the
 * end, then rewinddir; 6-7: after two entries, through dirfd() and a raw
 * getdents64() on it, then the rest), raw, into @s.
 */
static void st_reference(const char *d, int sc, struct st_seen *s)
{
	long fd = syscall(SYS_openat, AT_FDCWD, d,
			  O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		st_fail("open", d);
	if (sc < 2)
		st_change(d, sc);
	if (sc >= 6) {
		struct st_seen batch = {.n = 0}, direct = {.n = 0};

		/* glibc's batch, its first two entries served, then the
		 * program's own read on the descriptor, then the rest of
		 * the batch. */
		char *rest = batch.buf;

		st_raw_read(fd, &batch);
		st_change(d, sc);
		st_raw_read(fd, &direct);
		for (int i = 0; i < 2 && rest; i++)
			if ((rest = strchr(rest, ' ')))
				rest++;
		if (!rest)
			st_fail("short batch", d);
		st_put(s, batch.buf, (size_t)(rest - batch.buf));
		st_put(s, "| ", 2);
		st_put(s, direct.buf, direct.n);
		st_put(s, "| ", 2);
		st_put(s, rest, batch.n - (size_t)(rest - batch.buf));
		while (st_raw_read(fd, s) > 0)
			;
		syscall(SYS_close, fd);
		return;
	}
	st_raw_read(fd, s);
	if (sc == 2 || sc == 3)
		st_change(d, sc);
	while (st_raw_read(fd, s) > 0)
		;
	if (sc == 4 || sc == 5) {
		st_change(d, sc);
		st_put(s, "| ", 2);
		syscall(SYS_lseek, fd, 0, SEEK_SET);
		while (st_raw_read(fd, s) > 0)
			;
	}
	syscall(SYS_close, fd);
}

static void st_stream(const char *d, int sc, struct st_seen *s)
{
	struct dirent *de;
	DIR *dir = opendir(d);
	int n = 0;

	if (!dir)
		st_fail("opendir", d);
	if (sc < 2)
		st_change(d, sc);
	while ((de = readdir(dir))) {
		st_add(s, de->d_name, de->d_type, (long)de->d_off);
		if (++n == 2 && sc >= 6) {
			struct st_seen direct = {.n = 0};

			st_put(s, "| ", 2);
			st_change(d, sc);
			st_raw_read(dirfd(dir), &direct);
			st_put(s, direct.buf, direct.n);
			st_put(s, "| ", 2);
		}
		/* Every entry read, the end not asked yet. */
		if ((sc == 2 || sc == 3) && n == ST_FILES + 3)
			st_change(d, sc);
	}
	if (sc == 4 || sc == 5) {
		st_change(d, sc);
		st_put(s, "| ", 2);
		rewinddir(dir);
		while ((de = readdir(dir)))
			st_add(s, de->d_name, de->d_type, (long)de->d_off);
	}
	closedir(dir);
}

static int run_streams(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];

	for (int round = 0; round < 20; round++) {
		for (int sc = 0; sc < 8; sc++) {
			struct st_seen want = {.n = 0}, got = {.n = 0};

			snprintf(a, sizeof(a), "%s/a%d-%d", dir, round, sc);
			snprintf(b, sizeof(b), "%s/b%d-%d", dir, round, sc);
			st_make(a);
			st_make(b);
			/* Cached: the listing is learnt by the second. */
			for (int i = 0; i < 3; i++) {
				DIR *w = opendir(b);

				while (w && readdir(w))
					;
				if (w)
					closedir(w);
			}
			st_reference(a, sc, &want);
			st_stream(b, sc, &got);
			n_lookups++;
			if (want.n != got.n ||
			    memcmp(want.buf, got.buf, want.n))
				diff("readdir", b,
				     "scenario %d: cache: %.*s "
				     "kernel: %.*s",
				     sc, (int)got.n, got.buf, (int)want.n,
				     want.buf);
		}
	}
	printf("lookups %lu differences %lu\n", n_lookups, n_diffs);
	return n_diffs ? 1 : 0;
}

static int run_vfork_first(const char *dir)
{
	char f[PATH_MAX], c;
	int fds[2], status;
	struct stat st;
	pid_t pid;

	/* Below the shim's descriptor floor (900), its descriptors take the
	 * lowest free numbers, which a new pipe would then reuse. */
	struct rlimit rl = {256, 256};

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	resolve_libc_realpath();
	snprintf(f, sizeof(f), "%s/f", dir);
	put(f, "f");
	if (stat(f, &st) < 0) /* starts the cache; nothing filled yet */
		return 2;
	pid = vfork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		for (int i = 0; i < 3; i++) /* admitted, filled, hit */
			if (stat(f, &st) < 0)
				_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return 2;
	if (pipe(fds) < 0)
		return 2;
	pid = fork();
	if (pid == 0)
		_exit(write(fds[1], "w", 1) == 1 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	if (status != 0 || read(fds[0], &c, 1) != 1) {
		diff("pipe", f, "a fork child could not write to a new pipe");
		return 1;
	}
	check_path(f);
	printf("lookups %lu differences %lu\n", n_lookups, n_diffs);
	return n_diffs ? 1 : 0;
}

static const char *clone_path;
static int clone_go[2];

static int clone_child(void *arg)
{
	char c;

	(void)arg;
	if (read(clone_go[0], &c, 1) != 1)
		return 3;
	check_stat_like(clone_path);
	return n_diffs ? 1 : 0;
}

static int run_clone(const char *dir)
{
	static char stack[1 << 16] __attribute__((aligned(16)));
	char f[PATH_MAX];
	int status;
	pid_t pid;

	resolve_libc_realpath();
	snprintf(f, sizeof(f), "%s/f", dir);
	clone_path = f;
	put(f, "f");
	for (int i = 0; i < 5; i++)
		check_stat_like(f);
	if (pipe(clone_go) < 0)
		return 2;
	pid = clone(clone_child, stack + sizeof(stack), SIGCHLD, NULL);
	if (pid < 0)
		return 2;
	if (unlink(f) < 0 || write(clone_go[1], "g", 1) != 1 ||
	    waitpid(pid, &status, 0) != pid)
		return 2;
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return 2;
	if (WEXITSTATUS(status))
		diff("stat", f, "the clone child answered from before unlink");
	for (int i = 0; i < 3; i++)
		check_stat_like(f);
	printf("lookups %lu differences %lu\n", n_lookups, n_diffs);
	return n_diffs ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 7 && !strcmp(argv[1], "mutate"))
		return run_mutator(argv[2], strtoull(argv[3], NULL, 0),
				   atol(argv[4]), atoi(argv[5]), atoi(argv[6]));
	if (argc >= 5 && !strcmp(argv[1], "check")) {
		int self = 0, threads = 1;

		for (int i = 5; i < argc; i++) {
			if (!strcmp(argv[i], "--self"))
				self = 1;
			else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
				threads = atoi(argv[++i]);
			else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
				repeats = atoi(argv[++i]);
			else if (!strcmp(argv[i], "--light"))
				light = 1;
		}
		return run_checker(argv[2], strtoull(argv[3], NULL, 0),
				   atol(argv[4]), self, threads);
	}
	if (argc == 3 && !strcmp(argv[1], "nftw"))
		return run_nftw(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "own"))
		return run_own(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "vfork"))
		return run_vfork(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "streams"))
		return run_streams(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "vfork-first"))
		return run_vfork_first(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "clone"))
		return run_clone(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "sandwich"))
		return run_sandwich(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "sandwich-child"))
		return run_sw_child(argv[2], argv[3], atof(argv[4]),
				    atoi(argv[5]));
	fprintf(stderr,
		"usage: %s check TREE SEED OPS [--self] [--threads N] "
		"[--repeats R] [--light]\n"
		"       %s mutate TREE SEED OPS TOKEN_FD ACK_FD\n"
		"       %s nftw DIR\n"
		"       %s own DIR\n"
		"       %s vfork DIR\n"
		"       %s vfork-first DIR\n"
		"       %s clone DIR\n"
		"       %s sandwich DIR SECONDS\n",
		argv[0], argv[0], argv[0], argv[0], argv[0], argv[0], argv[0],
		argv[0]);
	return 2;
}
