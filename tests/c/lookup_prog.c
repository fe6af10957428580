/*
 * The lookup helper of the shared-cache suites (tests/bats/t50*.bats).
 *
 *   lookup-prog show [-r R] [-w MS] PATH...
 *	Ask stat, lstat, access(F_OK) and readlink about every PATH, R
 *	times (default 2), through the C library (so through namecache when
 *	it is preloaded), and print every answer, one a line, without the
 *	access time.  Two runs over an unchanged tree, one with namecache
 *	and one without, must print the same bytes.  With -w, go on asking
 *	access() about the first PATH, silently, every millisecond until MS
 *	milliseconds have passed: a process that lives long enough to see
 *	the daemon's reply to its attach, however busy the machine.
 *
 *   lookup-prog diff [-r R] [-t MS] [-f LIST] [-u PREFIX] [-s PAGE]
 *		     [PATH...]
 *	The differential check: each question about each PATH (and each
 *	line of the file LIST) is asked three times, by raw system call
 *	(the kernel's answer), through the C library (the answer being
 *	checked), and by raw system call again.  The checked answer must be
 *	one of the two kernel answers, or, when they differ because another
 *	process changed the tree meanwhile, lie between them: the same
 *	identity (inode, type and mode, owner, device) as one of them, and
 *	size, blocks, link count, mtime and ctime no smaller than the first
 *	and no larger than the second (a writer that only appends and
 *	creates moves them one way).  An answer older than the kernel's
 *	first is a difference.  R rounds over all paths (default 2), or
 *	with -t as many rounds as fit in MS milliseconds (at least R).
 *	With -u, each round also asks about PREFIXN, N the round's number:
 *	a path the process has never looked up (a miss) in every round.
 *	With -s, PAGE is the writer's (below): an answer older than the
 *	kernel's first is excused when a change of the writer was under way
 *	(begun, not returned) right before the C library was asked, since
 *	the kernel shows a change before it queues its event, and the
 *	promise covers only the changes that returned before the lookup
 *	began (docs/coherence.md); those are counted apart ("in-flight").
 *	Prints at most 20 differences, then "lookups N differences D
 *	in-flight F"; exits 1 on a difference.
 *
 *   lookup-prog write [-n PREFIX] [-p US] [-s PAGE] DIR MS
 *	The writer: for MS milliseconds, append one byte to DIR/w0 ...
 *	DIR/w15 in turn, pausing US microseconds after each (default 1000;
 *	some ten times the events of a build's output directory), and
 *	every 8th time create a new file DIR/PREFIXI (PREFIX n by default,
 *	I = 0, 8, 16 ...).  Only appends and creations, so every answer
 *	about DIR moves one way.  With -s, the file PAGE (created) holds
 *	two counters, shared with the checkers: changes begun, and changes
 *	returned.
 *	Prints "writes N creates M".
 *
 *   lookup-prog step PAGE CMD [ARG...]
 *	Run CMD as one change of a writer's on PAGE (created when missing):
 *	begun before it starts, returned once it has ended.  Its exit
 *	status.
 *
 * Exit status 2 on a usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { Q_STAT, Q_LSTAT, Q_ACCESS, Q_READLINK, NQ };

static const char *const q_name[NQ] = {"stat", "lstat", "access", "readlink"};

struct answer {
	long ret;
	int err;
	struct stat st;
	char link[256];
};

static long diffs, lookups, in_flight;

/* The writer's progress, shared through a file: changes begun, returned. */
struct progress {
	unsigned long begun, done;
};

static struct progress *progress;

/* Map @file's counters, for a writer (created when missing, and never
 * truncated: checkers may have it mapped) or a checker. */
static void map_progress(const char *file, int writer)
{
	int fd = open(file, writer ? O_RDWR | O_CREAT : O_RDONLY, 0644);
	void *p;

	if (fd < 0 || (writer && ftruncate(fd, 4096) < 0)) {
		perror(file);
		exit(2);
	}
	p = mmap(NULL, 4096, writer ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror(file);
		exit(2);
	}
	close(fd);
	progress = p;
}

/* Whether a change of the writer is under way: begun, not returned.  Read
 * begun first: a change that returns in between is then counted done. */
static int writer_busy(void)
{
	unsigned long begun, done;

	if (!progress)
		return 0;
	begun = __atomic_load_n(&progress->begun, __ATOMIC_SEQ_CST);
	done = __atomic_load_n(&progress->done, __ATOMIC_SEQ_CST);
	return begun != done;
}

static void ask_libc(int q, const char *path, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	errno = 0;
	switch (q) {
	case Q_STAT:
		a->ret = stat(path, &a->st);
		break;
	case Q_LSTAT:
		a->ret = lstat(path, &a->st);
		break;
	case Q_ACCESS:
		a->ret = access(path, F_OK);
		break;
	default:
		a->ret = readlink(path, a->link, sizeof(a->link) - 1);
		break;
	}
	a->err = a->ret < 0 ? errno : 0;
	memset(&a->st.st_atim, 0, sizeof(a->st.st_atim));
	lookups++;
}

static void ask_kernel(int q, const char *path, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	errno = 0;
	switch (q) {
	case Q_STAT:
		a->ret = syscall(SYS_newfstatat, AT_FDCWD, path, &a->st, 0);
		break;
	case Q_LSTAT:
		a->ret = syscall(SYS_newfstatat, AT_FDCWD, path, &a->st,
				 AT_SYMLINK_NOFOLLOW);
		break;
	case Q_ACCESS:
		a->ret = syscall(SYS_faccessat, AT_FDCWD, path, F_OK);
		break;
	default:
		a->ret = syscall(SYS_readlinkat, AT_FDCWD, path, a->link,
				 sizeof(a->link) - 1);
		break;
	}
	a->err = a->ret < 0 ? errno : 0;
	memset(&a->st.st_atim, 0, sizeof(a->st.st_atim));
}

static void describe(char *buf, size_t cap, int q, const struct answer *a)
{
	const struct stat *s = &a->st;

	if (a->ret < 0)
		snprintf(buf, cap, "-1 %s", strerrorname_np(a->err));
	else if (q == Q_ACCESS)
		snprintf(buf, cap, "0");
	else if (q == Q_READLINK)
		snprintf(buf, cap, "%ld %s", a->ret, a->link);
	else
		snprintf(buf, cap,
			 "0 dev=%lu ino=%lu mode=%o nlink=%lu uid=%u gid=%u "
			 "rdev=%lu size=%ld blocks=%ld mtime=%ld.%09ld "
			 "ctime=%ld.%09ld",
			 (unsigned long)s->st_dev, (unsigned long)s->st_ino,
			 s->st_mode, (unsigned long)s->st_nlink, s->st_uid,
			 s->st_gid, (unsigned long)s->st_rdev, (long)s->st_size,
			 (long)s->st_blocks, (long)s->st_mtim.tv_sec,
			 s->st_mtim.tv_nsec, (long)s->st_ctim.tv_sec,
			 s->st_ctim.tv_nsec);
}

static int same(int q, const struct answer *a, const struct answer *b)
{
	char x[512], y[512];

	describe(x, sizeof(x), q, a);
	describe(y, sizeof(y), q, b);
	return !strcmp(x, y);
}

static int ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* @lo's one-way fields are no larger than @hi's. */
static int st_le(const struct stat *lo, const struct stat *hi)
{
	return lo->st_size <= hi->st_size && lo->st_blocks <= hi->st_blocks &&
	       lo->st_nlink <= hi->st_nlink &&
	       ts_le(&lo->st_mtim, &hi->st_mtim) &&
	       ts_le(&lo->st_ctim, &hi->st_ctim);
}

static int st_same_identity(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid &&
	       a->st_gid == b->st_gid && a->st_rdev == b->st_rdev;
}

/* Whether @c is a state between the kernel's answers @k1 and @k2. */
static int between(int q, const struct answer *k1, const struct answer *c,
		   const struct answer *k2)
{
	if (same(q, k1, c) || same(q, c, k2))
		return 1;
	if (same(q, k1, k2) || c->ret < 0 || q == Q_READLINK)
		return 0;
	if (k1->ret < 0 && k2->ret < 0)
		return 0;
	if (q == Q_ACCESS)
		return 1;
	if (!(k1->ret >= 0 && st_same_identity(&k1->st, &c->st)) &&
	    !(k2->ret >= 0 && st_same_identity(&k2->st, &c->st)))
		return 0;
	return (k1->ret < 0 || st_le(&k1->st, &c->st)) &&
	       (k2->ret < 0 || st_le(&c->st, &k2->st));
}

static void check(const char *path)
{
	struct answer k1, c, k2;
	char a[512], b[512], d[512];

	for (int q = 0; q < NQ; q++) {
		int busy;

		ask_kernel(q, path, &k1);
		busy = writer_busy();
		ask_libc(q, path, &c);
		ask_kernel(q, path, &k2);
		if (between(q, &k1, &c, &k2))
			continue;
		if (busy) {
			in_flight++;
			continue;
		}
		if (diffs++ >= 20)
			continue;
		describe(a, sizeof(a), q, &k1);
		describe(b, sizeof(b), q, &c);
		describe(d, sizeof(d), q, &k2);
		printf("difference %s %s: kernel before: %s; through the C "
		       "library: %s; kernel after: %s\n",
		       q_name[q], path, a, b, d);
	}
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Append the lines of @file to @paths (grown as needed). */
static char **read_list(const char *file, char **paths, int *n)
{
	char line[PATH_MAX];
	FILE *f = fopen(file, "r");

	if (!f) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		paths = realloc(paths, sizeof(*paths) * (size_t)(*n + 1));
		if (!paths || !(paths[*n] = strdup(line)))
			exit(2);
		(*n)++;
	}
	fclose(f);
	return paths;
}

static int run_diff(int argc, char **argv)
{
	char **paths = NULL, fresh[PATH_MAX];
	const char *prefix = NULL;
	int n = 0, rounds = 2, opt;
	double ms = 0, start = now_ms();

	while ((opt = getopt(argc, argv, "r:t:f:u:s:")) != -1) {
		if (opt == 'u')
			prefix = optarg;
		else if (opt == 's')
			map_progress(optarg, 0);
		else if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 't')
			ms = atof(optarg);
		else if (opt == 'f')
			paths = read_list(optarg, paths, &n);
		else
			return 2;
	}
	for (int i = optind; i < argc; i++) {
		paths = realloc(paths, sizeof(*paths) * (size_t)(n + 1));
		if (!paths || !(paths[n] = strdup(argv[i])))
			return 2;
		n++;
	}
	if (!n)
		return 2;
	for (int r = 0; r < rounds || now_ms() - start < ms; r++) {
		for (int i = 0; i < n; i++)
			check(paths[i]);
		if (!prefix)
			continue;
		snprintf(fresh, sizeof(fresh), "%s%d", prefix, r);
		check(fresh);
	}
	printf("lookups %ld differences %ld in-flight %ld\n", lookups, diffs,
	       in_flight);
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return diffs ? 1 : 0;
}

static int run_show(int argc, char **argv)
{
	int rounds = 2, opt;
	struct answer a;
	char d[512];
	double ms = 0, start = now_ms();

	while ((opt = getopt(argc, argv, "r:w:")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'w')
			ms = atof(optarg);
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	for (int r = 0; r < rounds; r++)
		for (int i = optind; i < argc; i++)
			for (int q = 0; q < NQ; q++) {
				ask_libc(q, argv[i], &a);
				describe(d, sizeof(d), q, &a);
				printf("%s %s %s\n", q_name[q], argv[i], d);
			}
	while (now_ms() - start < ms) {
		ask_libc(Q_ACCESS, argv[optind], &a);
		usleep(1000);
	}
	return 0;
}

static void change_begins(void)
{
	if (progress)
		__atomic_add_fetch(&progress->begun, 1, __ATOMIC_SEQ_CST);
}

static void change_returned(void)
{
	if (progress)
		__atomic_add_fetch(&progress->done, 1, __ATOMIC_SEQ_CST);
}

static int run_write(int argc, char **argv)
{
	char path[PATH_MAX];
	const char *prefix = "n", *dir;
	long writes = 0, creates = 0, pause = 1000;
	double start = now_ms(), ms;
	int opt;

	while ((opt = getopt(argc, argv, "n:p:s:")) != -1) {
		if (opt == 'n')
			prefix = optarg;
		else if (opt == 's')
			map_progress(optarg, 1);
		else if (opt == 'p')
			pause = atol(optarg);
		else
			return 2;
	}
	if (argc - optind != 2)
		return 2;
	dir = argv[optind];
	ms = atof(argv[optind + 1]);

	for (long i = 0; now_ms() - start < ms; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/w%ld", dir, i % 16);
		change_begins();
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1) {
			perror(path);
			return 2;
		}
		close(fd);
		change_returned();
		writes++;
		if (pause > 0)
			usleep((useconds_t)pause);
		if (i % 8)
			continue;
		snprintf(path, sizeof(path), "%s/%s%ld", dir, prefix, i);
		change_begins();
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			perror(path);
			return 2;
		}
		close(fd);
		change_returned();
		creates++;
	}
	printf("writes %ld creates %ld\n", writes, creates);
	return 0;
}

static int run_step(char **argv)
{
	pid_t pid;
	int status;

	map_progress(argv[0], 1);
	change_begins();
	pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	change_returned();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "show"))
		return run_show(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "diff"))
		return run_diff(argc - 1, argv + 1);
	if (argc >= 4 && !strcmp(argv[1], "write"))
		return run_write(argc - 1, argv + 1);
	if (argc >= 4 && !strcmp(argv[1], "step"))
		return run_step(argv + 2);
	fprintf(stderr,
		"usage: %s show [-r R] [-w MS] PATH...\n"
		"       %s diff [-r R] [-t MS] [-f LIST] [-u PREFIX] [-s PAGE] "
		"[PATH...]\n"
		"       %s write [-n PREFIX] [-p US] [-s PAGE] DIR MS\n"
		"       %s step PAGE CMD [ARG...]\n",
		argv[0], argv[0], argv[0], argv[0]);
	return 2;
}
