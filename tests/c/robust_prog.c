/*
 * Helper program of the shim's robustness tests (tests/c/shim_robust.c).
 *
 * It guards against the process-level situations that break LD_PRELOAD
 * shims in practice: fork in a multithreaded program, vfork, posix_spawn,
 * system() and popen(), children started with an empty environment,
 * programs that close or overwrite every descriptor, wrapped calls from
 * signal handlers, many short-lived threads, a failed exec, and errno
 * being changed behind the caller's back.  Each mode makes a known number
 * of wrapped calls, checks their results itself and prints what it did on
 * stdout, so that the test can compare the output with a run without the
 * shim and the shim's statistics records with the exact expected counts.
 *
 * Every wrapped call this program makes is deliberate: fixtures are made
 * with raw system calls, which the shim does not see, so that the counts
 * in the records are exactly the calls the modes report.
 *
 *   robust_prog MODE ARGS...     (see the table at the end of this file)
 *
 * Exit status 0 on success; 2 for a bad command line; 3 when a result is
 * wrong (a message on stderr says which).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <linux/close_range.h>

extern char **environ;

/* Prototypes glibc no longer declares; the symbols are still exported. */
int __xstat(int ver, const char *path, struct stat *buf);
int __xstat64(int ver, const char *path, struct stat64 *buf);
int __lxstat(int ver, const char *path, struct stat *buf);
int __lxstat64(int ver, const char *path, struct stat64 *buf);
int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf,
	       int flags);
int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *buf,
		 int flags);
int __xmknod(int ver, const char *path, mode_t mode, dev_t *dev);
int __xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);
ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen);
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len,
			 size_t buflen);
char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);

#define STAT_VER 1 /* _STAT_VER on x86_64 */

static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "robust_prog[%d]: ", (int)getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(NULL);
	exit(3);
}

static void usage(void)
{
	fprintf(stderr, "robust_prog: bad command line\n");
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v;

	if (!s)
		usage();
	v = strtol(s, &end, 10);
	if (*end || v < 0)
		usage();
	return v;
}

/* A successful stat("/"), checked; the unit most modes count in. */
static void stat_root(void)
{
	struct stat st;

	if (stat("/", &st) != 0 || !S_ISDIR(st.st_mode) || st.st_ino == 0)
		bad("stat(\"/\") failed or gave a non-directory");
}

static void stat_root_n(long n)
{
	for (long i = 0; i < n; i++)
		stat_root();
}

/* Fixtures and cleanup through raw system calls: invisible to the shim. */
static int raw_open(const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static void raw_mkdir(const char *path)
{
	if (syscall(SYS_mkdirat, AT_FDCWD, path, 0755) != 0 && errno != EEXIST)
		bad("mkdir %s: %s", path, strerror(errno));
}

static void raw_file(const char *path, const char *data)
{
	int fd = raw_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		bad("create %s: %s", path, strerror(errno));
	close(fd);
}

static void raw_symlink(const char *target, const char *path)
{
	if (syscall(SYS_symlinkat, target, AT_FDCWD, path) != 0)
		bad("symlink %s: %s", path, strerror(errno));
}

static pid_t wait_ok(pid_t pid, int want)
{
	int st;
	pid_t r;

	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid)
		bad("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want)
		bad("child %d: status 0x%x, expected exit %d", (int)pid, st,
		    want);
	return r;
}

/* ---- stats N [exit|_exit|_Exit] ---------------------------------------- */

static int mode_stats(int argc, char **argv)
{
	long n = num(argc > 2 ? argv[2] : NULL);
	const char *end = argc > 3 ? argv[3] : "exit";

	stat_root_n(n);
	printf("stats %ld\n", n);
	fflush(stdout);
	if (strcmp(end, "_exit") == 0)
		_exit(0);
	if (strcmp(end, "_Exit") == 0)
		_Exit(0);
	return 0;
}

/* ---- fork NTHREADS NCHILDREN CHILDSTATS TRUEPATH ------------------------ */

struct fork_thread {
	pthread_t tid;
	uint64_t calls; /* written by the thread, read atomically */
};

static int fork_stop;

static void *fork_worker(void *arg)
{
	struct fork_thread *t = arg;
	struct stat st;

	while (!__atomic_load_n(&fork_stop, __ATOMIC_RELAXED)) {
		if (stat("/", &st) != 0)
			bad("thread stat failed");
		__atomic_store_n(&t->calls, t->calls + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int mode_fork(int argc, char **argv)
{
	long nthreads, nchildren, childstats;
	struct fork_thread *t;
	uint64_t threads_total = 0;
	long main_calls = 0;
	struct timespec t0, now;

	if (argc != 6)
		usage();
	nthreads = num(argv[2]);
	nchildren = num(argv[3]);
	childstats = num(argv[4]);
	t = calloc((size_t)nthreads, sizeof(*t));
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&t[i].tid, NULL, fork_worker, &t[i]))
			bad("pthread_create");
	/* Fork only once every thread is busy inside the shim. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < nthreads; i++)
		while (__atomic_load_n(&t[i].calls, __ATOMIC_RELAXED) < 100) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec > 20)
				bad("threads did not start");
			sched_yield();
		}
	fflush(NULL);
	for (long i = 0; i < nchildren; i++) {
		pid_t pid;

		stat_root();
		main_calls++;
		/* Every other triple uses _Fork(), which runs no fork handlers.
		 */
		pid = (i / 3) % 2 ? _Fork() : fork();
		if (pid < 0)
			bad("fork: %s", strerror(errno));
		if (pid == 0) {
			stat_root_n(childstats);
			switch (i % 3) {
			case 0:
				exit(0);
			case 1:
				_exit(0);
			default:
				execl(argv[5], "true", (char *)NULL);
				_exit(127);
			}
		}
		wait_ok(pid, 0);
	}
	__atomic_store_n(&fork_stop, 1, __ATOMIC_RELAXED);
	for (long i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		threads_total += t[i].calls;
	}
	printf("threads=%llu main=%ld\n", (unsigned long long)threads_total,
	       main_calls);
	free(t);
	return 0;
}

/* ---- vfork HELPER ------------------------------------------------------- */

static int mode_vfork(int argc, char **argv)
{
	char *exec_argv[] = {"rb-vfork-exec", "stats", "5", NULL};
	char *bad_argv[] = {"rb-vfork-bad", NULL};
	pid_t pid;

	if (argc != 3)
		usage();
	stat_root_n(3);
	fflush(NULL);
	pid = vfork();
	if (pid == 0) {
		execve(argv[2], exec_argv, environ);
		_exit(127);
	}
	if (pid < 0)
		bad("vfork: %s", strerror(errno));
	wait_ok(pid, 0);

	stat_root_n(4);
	pid = vfork();
	if (pid == 0)
		_exit(0);
	wait_ok(pid, 0);

	/* An exec that fails in the child; the child then leaves with _exit. */
	pid = vfork();
	if (pid == 0) {
		execve("/nonexistent-robust/prog", bad_argv, environ);
		_exit(errno == ENOENT ? 42 : 43);
	}
	wait_ok(pid, 42);

	stat_root_n(6);
	printf("vfork ok\n");
	return 0;
}

/* ---- spawn DIR: posix_spawn, posix_spawnp, system, popen ---------------- */

static int mode_spawn(int argc, char **argv)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32], line[64];
	char *sp_argv[] = {"rb-spawn", "stats", "3", NULL};
	char *spp_argv[] = {"rb-spawnp", "stats", "4", NULL};
	const char *old_path = getenv("PATH");
	char *new_path;
	pid_t pid;
	FILE *f;
	int r;

	if (argc != 3)
		usage();
	stat_root_n(2);

	snprintf(path, sizeof(path), "%s/rb-spawn", argv[2]);
	r = posix_spawn(&pid, path, NULL, NULL, sp_argv, environ);
	if (r)
		bad("posix_spawn: %s", strerror(r));
	wait_ok(pid, 0);

	if (asprintf(&new_path, "%s:%s", argv[2], old_path ? old_path : "") < 0)
		bad("asprintf");
	setenv("PATH", new_path, 1);
	free(new_path);
	r = posix_spawnp(&pid, "rb-spawnp", NULL, NULL, spp_argv, environ);
	if (r)
		bad("posix_spawnp: %s", strerror(r));
	wait_ok(pid, 0);

	fflush(NULL);
	snprintf(cmd, sizeof(cmd), "%s/rb-system stats 5 >/dev/null", argv[2]);
	r = system(cmd);
	if (r != 0)
		bad("system: status 0x%x", r);

	snprintf(cmd, sizeof(cmd), "%s/rb-popen stats 6", argv[2]);
	f = popen(cmd, "r");
	if (!f)
		bad("popen: %s", strerror(errno));
	if (!fgets(line, sizeof(line), f) || strcmp(line, "stats 6\n") != 0)
		bad("popen: unexpected output");
	r = pclose(f);
	if (r != 0)
		bad("pclose: status 0x%x", r);

	stat_root_n(1);
	printf("spawn ok\n");
	return 0;
}

/* ---- show: what a child started with an empty environment prints ------- */

static int mode_show(void)
{
	struct stat st;

	printf("LD_PRELOAD=%s\n", getenv("LD_PRELOAD") ? "set" : "unset");
	printf("NAMECACHE_STATS=%s\n",
	       getenv("NAMECACHE_STATS") ? "set" : "unset");
	printf("environ[0]=%s\n", environ[0] ? "set" : "(null)");
	errno = 0;
	printf("stat /: %d dir=%d\n", stat("/", &st), S_ISDIR(st.st_mode));
	printf("stat missing: %d errno=%d\n", stat("/nonexistent-robust", &st),
	       errno);
	printf("access /: %d\n", access("/", R_OK));
	return 0;
}

/* ---- envi HELPER: exec HELPER show with an empty environment ------------ */

static int mode_envi(int argc, char **argv)
{
	char *child_argv[] = {"rb-envi-child", "show", NULL};
	char *empty_env[] = {NULL};

	if (argc != 3)
		usage();
	stat_root_n(2);
	fflush(NULL);
	execve(argv[2], child_argv, empty_env);
	bad("execve %s: %s", argv[2], strerror(errno));
	return 1;
}

/* ---- fds DIR END: closefrom, close_range, dup2 over every fd ------------ */

static void check_fixture(const char *dir, int *opens)
{
	char path[PATH_MAX], lpath[PATH_MAX], buf[64];
	struct stat st;
	ssize_t n;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/data", dir);
	snprintf(lpath, sizeof(lpath), "%s/link", dir);
	if (stat(path, &st) != 0 || st.st_size != 12)
		bad("stat data: wrong result");
	if (access(path, R_OK) != 0)
		bad("access data failed");
	n = readlink(lpath, buf, sizeof(buf));
	if (n != 4 || memcmp(buf, "data", 4) != 0)
		bad("readlink link: wrong result");
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f) || strcmp(buf, "robust-data\n"))
		bad("fopen data: wrong content");
	fclose(f);
	fd = open(path, O_RDONLY);
	(*opens)++;
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 12 ||
	    memcmp(buf, "robust-data\n", 12) != 0)
		bad("open data: wrong content");
	close(fd);
}

static int mode_fds(int argc, char **argv)
{
	int opens = 0, fd;
	const char *end;

	if (argc != 5)
		usage();
	end = argv[3];
	for (int i = 0; i < 5; i++) {
		if (open("/dev/null", O_RDONLY) < 0)
			bad("open /dev/null");
		opens++;
	}
	closefrom(3);
	if (fcntl(3, F_GETFD) != -1 || errno != EBADF)
		bad("closefrom(3) left fd 3 open");
	check_fixture(argv[2], &opens);

	if (close_range(3, ~0U, 0) != 0)
		bad("close_range: %s", strerror(errno));
	fd = open("/dev/null", O_RDWR);
	opens++;
	if (fd < 0)
		bad("open /dev/null");
	for (int t = 3; t <= 64; t++)
		if (t != fd && dup2(fd, t) != t)
			bad("dup2 %d: %s", t, strerror(errno));
	check_fixture(argv[2], &opens);
	printf("fds ok opens=%d\n", opens);
	fflush(stdout);

	if (strcmp(end, "_exit") == 0)
		_exit(0);
	if (strcmp(end, "exec") == 0) {
		char *exec_argv[] = {"rb-fds-exec", "stats", "2", NULL};

		/* Every descriptor is close-on-exec now, the shim's included.
		 */
		if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
			bad("close_range cloexec: %s", strerror(errno));
		execv(argv[4], exec_argv);
		bad("execv %s: %s", argv[4], strerror(errno));
	}
	return 0;
}

/* ---- signal MAIN_ITERS MIN_HANDLER_CALLS -------------------------------- */

static volatile sig_atomic_t sig_calls;
static volatile sig_atomic_t sig_bad;

/*
 * Only successful calls, and errno deliberately not saved: a handler that
 * makes successful calls does not change errno in plain glibc, so if the
 * interrupted code sees errno change, the shim changed it.
 */
static void on_alarm(int sig)
{
	struct stat st;
	int fd;

	(void)sig;
	if (stat("/", &st) != 0 || !S_ISDIR(st.st_mode))
		sig_bad = 1;
	if (access("/", F_OK) != 0)
		sig_bad = 1;
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		sig_bad = 1;
	else
		syscall(SYS_close, fd);
	sig_calls++;
}

static int mode_signal(int argc, char **argv)
{
	struct itimerval it = {{0, 100}, {0, 100}};
	struct sigaction sa;
	long iters, want_handler, main_ok = 0, main_enoent = 0, bad_errno = 0;
	struct timespec t0, now;
	struct stat st;
	sigset_t set;

	if (argc != 4)
		usage();
	iters = num(argv[2]);
	want_handler = num(argv[3]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	/* This thread's first wrapped call happens inside a handler. */
	raise(SIGALRM);

	if (setitimer(ITIMER_REAL, &it, NULL) != 0)
		bad("setitimer: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < iters || sig_calls < want_handler; i++) {
		errno = 0;
		if (stat("/nonexistent-robust", &st) != -1 || errno != ENOENT)
			bad("stat of a missing path did not fail with ENOENT");
		main_enoent++;
		for (int j = 0; j < 50; j++) {
			if (stat("/", &st) != 0)
				bad("stat / failed");
			main_ok++;
			if (errno != ENOENT)
				bad_errno++;
		}
		errno = 12345;
		for (int j = 0; j < 50; j++) {
			if (stat("/", &st) != 0)
				bad("stat / failed");
			main_ok++;
			if (errno != 12345)
				bad_errno++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 20)
			bad("handler ran only %ld times", (long)sig_calls);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	if (sig_bad)
		bad("a call in the handler failed");
	printf("handler=%ld main_ok=%ld main_enoent=%ld bad_errno=%ld\n",
	       (long)sig_calls, main_ok, main_enoent, bad_errno);
	return 0;
}

/* ---- threads NTHREADS N; manythreads TOTAL N CONCURRENT ----------------- */

static long thread_n;
static long high_fds_peak; /* most descriptors >= 900 a worker saw */

/*
 * Open descriptors numbered 900 or more (where the cache keeps its own),
 * listed with raw system calls so that the shim takes no part.
 */
static long high_fds(void)
{
	char buf[4096];
	long n, count = 0;
	int dir = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		bad("cannot open /proc/self/fd");
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			long fd = atol(d->d_name);

			count += fd >= 900 && fd != dir;
			off += d->d_reclen;
		}
	}
	syscall(SYS_close, dir);
	return count;
}

/* N calls: even ones succeed, odd ones fail with ENOENT. */
static void *thread_worker(void *arg)
{
	struct stat st;

	(void)arg;
	for (long i = 0; i < thread_n; i++) {
		if (i % 2 == 0) {
			if (stat("/", &st) != 0)
				bad("thread: stat / failed");
		} else if (stat("/nonexistent-robust", &st) != -1 ||
			   errno != ENOENT) {
			bad("thread: stat of a missing path did not fail");
		}
	}
	/* While the thread lives, its coherence probe may be open. */
	{
		long h = high_fds(),
		     seen = __atomic_load_n(&high_fds_peak, __ATOMIC_RELAXED);

		while (h > seen && !__atomic_compare_exchange_n(
				       &high_fds_peak, &seen, h, 0,
				       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

static int mode_threads(int argc, char **argv)
{
	long total, conc;
	pthread_t tid[64];

	if (argc != 5)
		usage();
	total = num(argv[2]);
	thread_n = num(argv[3]);
	conc = num(argv[4]);
	if (conc < 1 || conc > 64)
		usage();
	for (long done = 0; done < total;) {
		long k = total - done < conc ? total - done : conc;

		for (long i = 0; i < k; i++)
			if (pthread_create(&tid[i], NULL, thread_worker, NULL))
				bad("pthread_create after %ld threads", done);
		for (long i = 0; i < k; i++)
			pthread_join(tid[i], NULL);
		done += k;
	}
	/* Every thread has ended: no probe of theirs may stay open. */
	printf("threads=%ld calls=%ld\nhighfds peak=%ld end=%ld\n", total,
	       thread_n, high_fds_peak, high_fds());
	return 0;
}

/* ---- execfail HOW: exec that fails, then more calls, then exit ---------- */

static int mode_execfail(int argc, char **argv)
{
	char *exec_argv[] = {"rb-never", NULL};
	int all;

	if (argc != 3)
		usage();
	all = strcmp(argv[2], "all") == 0;
	stat_root_n(2);
	errno = 0;
	if (execve("/nonexistent-robust/prog", exec_argv, environ) != -1 ||
	    errno != ENOENT)
		bad("execve of a missing path: errno %d", errno);
	stat_root_n(3);
	if (all) {
		errno = 0;
		if (execvp("rb-no-such-program-anywhere", exec_argv) != -1 ||
		    errno != ENOENT)
			bad("execvp of a missing program: errno %d", errno);
		stat_root_n(1);
		errno = 0;
		if (execl("/nonexistent-robust/prog", "rb-never",
			  (char *)NULL) != -1 ||
		    errno != ENOENT)
			bad("execl of a missing path: errno %d", errno);
		stat_root_n(4);
	}
	printf("execfail ok\n");
	return 0;
}

/* ---- malloc NTHREADS N: lookups that allocate, from several threads ----- */

static void *malloc_worker(void *arg)
{
	long seed = (long)(intptr_t)arg;
	char buf[PATH_MAX];
	struct stat st;

	for (long i = 0; i < thread_n; i++) {
		size_t sz = (size_t)((seed * 7919 + i * 104729) % 65536) + 1;
		char *p = malloc(sz), *q;
		FILE *f;
		int fd;

		if (!p)
			bad("malloc");
		memset(p, 0x5a, sz);
		if (stat("/", &st) != 0)
			bad("stat / failed");
		q = realpath("/proc/self/../", NULL);
		if (!q || strcmp(q, "/proc") != 0)
			bad("realpath gave %s", q ? q : "NULL");
		free(q);
		f = fopen("/dev/null", "r");
		if (!f)
			bad("fopen /dev/null");
		fclose(f);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			bad("open /dev/null");
		close(fd);
		if (readlink("/proc/self/cwd", buf, sizeof(buf)) <= 0)
			bad("readlink /proc/self/cwd");
		p = realloc(p, sz * 2);
		if (!p)
			bad("realloc");
		free(p);
	}
	return NULL;
}

static int mode_malloc(int argc, char **argv)
{
	pthread_t tid[64];
	long n;

	if (argc != 4)
		usage();
	n = num(argv[2]);
	thread_n = num(argv[3]);
	if (n < 1 || n > 64)
		usage();
	for (long i = 0; i < n; i++)
		if (pthread_create(&tid[i], NULL, malloc_worker,
				   (void *)(intptr_t)i))
			bad("pthread_create");
	for (long i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	printf("malloc ok threads=%ld n=%ld\n", n, thread_n);
	return 0;
}

/* ---- ctor: the constructor library printed its results; add our own ----- */

static int mode_ctor(void)
{
	stat_root_n(2);
	printf("main stats 2\n");
	return 0;
}

/* ---- errno DIR: every generated wrapper, once succeeding, once failing -- */

/*
 * Each wrapped call is one line: "<family> <call> <ok|fail> <errno>".
 * errno is set to 12345 before every call, so a successful call that
 * leaves errno alone prints 12345.  The test compares the lines with a run
 * without the shim and sums them into the expected statistics.
 */
static void report(const char *fam, const char *what, int ok)
{
	int e = errno;

	printf("%s %s %s %d\n", fam, what, ok ? "ok" : "fail", e);
}

#define E_INT(fam, what, call)              \
	do {                                \
		long r_;                    \
		errno = 12345;              \
		r_ = (long)(call);          \
		report(fam, what, r_ >= 0); \
	} while (0)
#define E_FD(fam, what, call)                        \
	do {                                         \
		long r_;                             \
		errno = 12345;                       \
		r_ = (long)(call);                   \
		report(fam, what, r_ >= 0);          \
		if (r_ >= 0)                         \
			syscall(SYS_close, (int)r_); \
	} while (0)
#define E_PTR(fam, what, call)                 \
	do {                                   \
		void *r_;                      \
		errno = 12345;                 \
		r_ = (void *)(call);           \
		report(fam, what, r_ != NULL); \
	} while (0)
#define E_MALLOCED(fam, what, call)            \
	do {                                   \
		char *r_;                      \
		errno = 12345;                 \
		r_ = (call);                   \
		report(fam, what, r_ != NULL); \
		free(r_);                      \
	} while (0)
#define E_FILE(fam, what, call)                \
	do {                                   \
		FILE *r_;                      \
		errno = 12345;                 \
		r_ = (call);                   \
		report(fam, what, r_ != NULL); \
		if (r_)                        \
			fclose(r_);            \
	} while (0)

/* opendir, then the stream read to its end, which must keep errno as
 * glibc's readdir() does. */
#define E_DIR(fam, what, call)                                            \
	do {                                                              \
		DIR *r_;                                                  \
		errno = 12345;                                            \
		r_ = (call);                                              \
		report(fam, what, r_ != NULL);                            \
		if (r_) {                                                 \
			errno = 12345;                                    \
			while (readdir(r_))                               \
				;                                         \
			if (errno != 12345)                               \
				bad("readdir's end set errno %d", errno); \
			closedir(r_);                                     \
		}                                                         \
	} while (0)

static char e_dir[PATH_MAX - 64];

static const char *P(const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", e_dir, name);
	return b;
}

static void errno_fixtures(void)
{
	static const char *const files[] = {
	    "f",  "u1", "u2",  "u3",  "n1",  "n2",  "n3", "t1",
	    "t2", "c1", "c2",  "ch1", "ch2", "ch3", "o1", "o2",
	    "o3", "o4", "ut1", "ut2", "ut3", "ut4", "ut5"};
	static const char *const dirs[] = {"d", "r1", "r2", "dd"};

	raw_mkdir(e_dir);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		raw_file(P(files[i]), "robust\n");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		raw_mkdir(P(dirs[i]));
	raw_symlink("f", P("l"));
	raw_symlink("missing", P("dangling"));
}

static int mode_errno(int argc, char **argv)
{
	const char *miss = "/nonexistent-robust/x";
	struct timeval tv[2];
	struct timespec ts[2];
	struct utimbuf ub = {1000000, 1000000};
	struct sockaddr_un sun;
	struct stat st;
	struct stat64 st64;
	struct statx stx;
	char buf[PATH_MAX], tmpl[PATH_MAX];
	dev_t dev = 0;
	int dfd, fd;
	FILE *f;

	if (argc != 3 || strlen(argv[2]) >= sizeof(e_dir))
		usage();
	strcpy(e_dir, argv[2]);
	errno_fixtures();
	dfd = raw_open(e_dir, O_RDONLY | O_DIRECTORY, 0);
	fd = raw_open(P("f"), O_RDWR, 0);
	if (dfd < 0 || fd < 0)
		bad("open fixtures: %s", strerror(errno));
	memset(tv, 0, sizeof(tv));
	memset(ts, 0, sizeof(ts));
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	/* stat, lstat, statx */
	E_INT("stat", "stat", stat(P("f"), &st));
	E_INT("stat", "stat", stat(miss, &st));
	E_INT("stat", "stat64", stat64(P("f"), &st64));
	E_INT("stat", "stat64", stat64(miss, &st64));
	E_INT("lstat", "lstat", lstat(P("l"), &st));
	E_INT("lstat", "lstat", lstat(miss, &st));
	E_INT("lstat", "lstat64", lstat64(P("l"), &st64));
	E_INT("lstat", "lstat64", lstat64(miss, &st64));
	E_INT("stat", "fstatat", fstatat(dfd, "f", &st, 0));
	E_INT("stat", "fstatat", fstatat(dfd, "dangling", &st, 0));
	E_INT("lstat", "fstatat-nofollow",
	      fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
	E_INT("lstat", "fstatat-nofollow",
	      fstatat(-1, "l", &st, AT_SYMLINK_NOFOLLOW));
	E_INT("stat", "fstatat64", fstatat64(dfd, "f", &st64, 0));
	E_INT("stat", "fstatat64", fstatat64(dfd, "f/x", &st64, 0));
	E_INT("lstat", "fstatat64-nofollow",
	      fstatat64(dfd, "l", &st64, AT_SYMLINK_NOFOLLOW));
	E_INT("lstat", "fstatat64-nofollow",
	      fstatat64(dfd, "nope", &st64, AT_SYMLINK_NOFOLLOW));
	E_INT("stat", "__xstat", __xstat(STAT_VER, P("f"), &st));
	E_INT("stat", "__xstat", __xstat(STAT_VER, miss, &st));
	E_INT("stat", "__xstat-badver", __xstat(99, P("f"), &st));
	E_INT("stat", "__xstat64", __xstat64(STAT_VER, P("f"), &st64));
	E_INT("stat", "__xstat64", __xstat64(STAT_VER, miss, &st64));
	E_INT("lstat", "__lxstat", __lxstat(STAT_VER, P("l"), &st));
	E_INT("lstat", "__lxstat", __lxstat(STAT_VER, miss, &st));
	E_INT("lstat", "__lxstat64", __lxstat64(STAT_VER, P("l"), &st64));
	E_INT("lstat", "__lxstat64", __lxstat64(STAT_VER, miss, &st64));
	E_INT("stat", "__fxstatat", __fxstatat(STAT_VER, dfd, "f", &st, 0));
	E_INT("stat", "__fxstatat", __fxstatat(STAT_VER, dfd, "nope", &st, 0));
	E_INT("lstat", "__fxstatat-nofollow",
	      __fxstatat(STAT_VER, dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
	E_INT("stat", "__fxstatat64",
	      __fxstatat64(STAT_VER, dfd, "f", &st64, 0));
	E_INT("lstat", "__fxstatat64-nofollow",
	      __fxstatat64(STAT_VER, dfd, "nope", &st64, AT_SYMLINK_NOFOLLOW));
	E_INT("statx", "statx", statx(dfd, "f", 0, STATX_BASIC_STATS, &stx));
	E_INT("statx", "statx", statx(dfd, "nope", 0, STATX_BASIC_STATS, &stx));
	E_INT("statx", "statx-badflags",
	      statx(dfd, "f", 0x7fff0000, STATX_BASIC_STATS, &stx));

	/* access */
	E_INT("access", "access", access(P("f"), R_OK));
	E_INT("access", "access", access(miss, R_OK));
	E_INT("access", "faccessat", faccessat(dfd, "f", R_OK, 0));
	E_INT("access", "faccessat", faccessat(dfd, "nope", R_OK, 0));
	E_INT("access", "faccessat-eaccess",
	      faccessat(dfd, "f", R_OK, AT_EACCESS));
	E_INT("access", "faccessat-badflags", faccessat(dfd, "f", R_OK, 0x40));
	E_INT("access", "euidaccess", euidaccess(P("f"), R_OK));
	E_INT("access", "euidaccess", euidaccess(miss, R_OK));
	E_INT("access", "eaccess", eaccess(P("f"), R_OK));
	E_INT("access", "eaccess", eaccess(miss, R_OK));

	/* readlink */
	E_INT("readlink", "readlink", readlink(P("l"), buf, sizeof(buf)));
	E_INT("readlink", "readlink", readlink(P("f"), buf, sizeof(buf)));
	E_INT("readlink", "readlinkat", readlinkat(dfd, "l", buf, sizeof(buf)));
	E_INT("readlink", "readlinkat", readlinkat(dfd, "nope", buf, 8));
	E_INT("readlink", "__readlink_chk",
	      __readlink_chk(P("l"), buf, 8, sizeof(buf)));
	E_INT("readlink", "__readlink_chk",
	      __readlink_chk(miss, buf, 8, sizeof(buf)));
	E_INT("readlink", "__readlinkat_chk",
	      __readlinkat_chk(dfd, "l", buf, 8, sizeof(buf)));
	E_INT("readlink", "__readlinkat_chk",
	      __readlinkat_chk(dfd, "nope", buf, 8, sizeof(buf)));

	/* realpath */
	E_MALLOCED("realpath", "realpath", realpath(P("l"), NULL));
	E_MALLOCED("realpath", "realpath", realpath(P("dangling"), NULL));
	E_PTR("realpath", "realpath-buf", realpath(P("l"), buf));
	E_PTR("realpath", "__realpath_chk",
	      __realpath_chk(P("l"), buf, sizeof(buf)));
	E_PTR("realpath", "__realpath_chk",
	      __realpath_chk(P("f/x"), buf, sizeof(buf)));
	E_MALLOCED("realpath", "canonicalize_file_name",
		   canonicalize_file_name(P("d/../f")));
	E_MALLOCED("realpath", "canonicalize_file_name",
		   canonicalize_file_name(miss));

	/* open */
	E_FD("open", "open", open(P("f"), O_RDONLY));
	E_FD("open", "open", open(miss, O_RDONLY));
	E_FD("open", "open-creat", open(P("o1"), O_RDWR | O_CREAT, 0600));
	E_FD("open", "open-excl",
	     open(P("o1"), O_RDWR | O_CREAT | O_EXCL, 0600));
	E_FD("open", "open-tmpfile", open(e_dir, O_TMPFILE | O_RDWR, 0600));
	E_FD("open", "open64", open64(P("f"), O_RDONLY));
	E_FD("open", "open64", open64(P("f/x"), O_RDONLY));
	E_FD("open", "openat", openat(dfd, "f", O_RDONLY));
	E_FD("open", "openat", openat(dfd, "nope", O_RDONLY));
	E_FD("open", "openat-creat",
	     openat(dfd, "o2", O_WRONLY | O_CREAT, 0644));
	E_FD("open", "openat64", openat64(dfd, "f", O_RDONLY));
	E_FD("open", "openat64", openat64(-1, "f", O_RDONLY));
	E_FD("open", "__open_2", __open_2(P("f"), O_RDONLY));
	E_FD("open", "__open_2", __open_2(miss, O_RDONLY));
	E_FD("open", "__open64_2", __open64_2(P("f"), O_RDONLY));
	E_FD("open", "__open64_2", __open64_2(P("d"), O_WRONLY));
	E_FD("open", "__openat_2", __openat_2(dfd, "f", O_RDONLY));
	E_FD("open", "__openat_2", __openat_2(dfd, "nope", O_RDONLY));
	E_FD("open", "__openat64_2", __openat64_2(dfd, "f", O_RDONLY));
	E_FD("open", "__openat64_2", __openat64_2(dfd, "nope", O_RDONLY));
	E_FD("open", "creat", creat(P("o3"), 0600));
	E_FD("open", "creat", creat(miss, 0600));
	E_FD("open", "creat64", creat64(P("o4"), 0600));
	E_FD("open", "creat64", creat64(P("d"), 0600));

	/* fopen */
	E_FILE("fopen", "fopen", fopen(P("f"), "r"));
	E_FILE("fopen", "fopen", fopen(miss, "r"));
	E_FILE("fopen", "fopen-badmode", fopen(P("f"), "q"));
	E_FILE("fopen", "fopen64", fopen64(P("f"), "r"));
	E_FILE("fopen", "fopen64", fopen64(miss, "r"));
	errno = 12345;
	f = fopen(P("f"), "r");
	report("fopen", "fopen-for-freopen", f != NULL);
	E_PTR("fopen", "freopen", (f = freopen(P("f"), "r", f)));
	E_PTR("fopen", "freopen", (f = freopen(miss, "r", f)));
	errno = 12345;
	f = fopen(P("f"), "r");
	report("fopen", "fopen-for-freopen64", f != NULL);
	E_FILE("fopen", "freopen64", freopen64(P("f"), "r", f));
	errno = 12345;
	f = fopen(P("f"), "r");
	report("fopen", "fopen-for-freopen64", f != NULL);
	E_PTR("fopen", "freopen64", freopen64(miss, "r", f));

	/* opendir */
	E_DIR("opendir", "opendir", opendir(e_dir));
	E_DIR("opendir", "opendir", opendir(P("d")));
	E_DIR("opendir", "opendir", opendir(miss));
	E_DIR("opendir", "opendir-file", opendir(P("f")));

	/* unlink, rmdir, remove */
	E_INT("unlink", "unlink", unlink(P("u1")));
	E_INT("unlink", "unlink", unlink(P("u1")));
	E_INT("unlink", "unlink-dir", unlink(P("d")));
	E_INT("unlink", "unlinkat", unlinkat(dfd, "u2", 0));
	E_INT("unlink", "unlinkat", unlinkat(dfd, "u2", 0));
	E_INT("rmdir", "unlinkat-removedir", unlinkat(dfd, "r1", AT_REMOVEDIR));
	E_INT("rmdir", "unlinkat-removedir", unlinkat(dfd, "f", AT_REMOVEDIR));
	E_INT("unlink", "remove", remove(P("u3")));
	E_INT("unlink", "remove", remove(P("u3")));
	E_INT("rmdir", "rmdir", rmdir(P("r2")));
	E_INT("rmdir", "rmdir", rmdir(P("d")));
	E_INT("rmdir", "rmdir", rmdir(miss));

	/* rename */
	E_INT("rename", "rename", rename(P("n1"), P("n1b")));
	E_INT("rename", "rename", rename(P("n1"), P("n1c")));
	E_INT("rename", "renameat", renameat(dfd, "n2", dfd, "n2b"));
	E_INT("rename", "renameat", renameat(dfd, "n2", dfd, "n2c"));
	E_INT("rename", "renameat2",
	      renameat2(dfd, "n3", dfd, "n3b", RENAME_NOREPLACE));
	E_INT("rename", "renameat2",
	      renameat2(dfd, "n3b", dfd, "f", RENAME_NOREPLACE));

	/* mkdir, mknod */
	E_INT("mkdir", "mkdir", mkdir(P("m1"), 0755));
	E_INT("mkdir", "mkdir", mkdir(P("m1"), 0755));
	E_INT("mkdir", "mkdirat", mkdirat(dfd, "m2", 0755));
	E_INT("mkdir", "mkdirat", mkdirat(dfd, "nope/m2", 0755));
	E_INT("mknod", "mknod", mknod(P("k1"), S_IFIFO | 0600, 0));
	E_INT("mknod", "mknod", mknod(P("k1"), S_IFIFO | 0600, 0));
	E_INT("mknod", "mknodat", mknodat(dfd, "k2", S_IFIFO | 0600, 0));
	E_INT("mknod", "mknodat", mknodat(dfd, "nope/k2", S_IFIFO | 0600, 0));
	E_INT("mknod", "__xmknod", __xmknod(0, P("k3"), S_IFIFO | 0600, &dev));
	E_INT("mknod", "__xmknod", __xmknod(0, miss, S_IFIFO | 0600, &dev));
	E_INT("mknod", "__xmknodat",
	      __xmknodat(0, dfd, "k4", S_IFIFO | 0600, &dev));
	E_INT("mknod", "__xmknodat",
	      __xmknodat(0, dfd, "k4", S_IFIFO | 0600, &dev));
	E_INT("mknod", "mkfifo", mkfifo(P("k5"), 0600));
	E_INT("mknod", "mkfifo", mkfifo(miss, 0600));
	E_INT("mknod", "mkfifoat", mkfifoat(dfd, "k6", 0600));
	E_INT("mknod", "mkfifoat", mkfifoat(dfd, "k6", 0600));

	/* link, symlink */
	E_INT("link", "link", link(P("f"), P("h1")));
	E_INT("link", "link", link(P("f"), P("h1")));
	E_INT("link", "linkat", linkat(dfd, "f", dfd, "h2", 0));
	E_INT("link", "linkat", linkat(dfd, "nope", dfd, "h3", 0));
	E_INT("symlink", "symlink", symlink("f", P("s1")));
	E_INT("symlink", "symlink", symlink("f", P("s1")));
	E_INT("symlink", "symlinkat", symlinkat("f", dfd, "s2"));
	E_INT("symlink", "symlinkat", symlinkat("f", dfd, "nope/s2"));

	/* chmod, chown */
	E_INT("chmod", "chmod", chmod(P("ch1"), 0640));
	E_INT("chmod", "chmod", chmod(miss, 0640));
	E_INT("chmod", "fchmod", fchmod(fd, 0644));
	E_INT("chmod", "fchmod", fchmod(-1, 0644));
	E_INT("chmod", "fchmodat", fchmodat(dfd, "ch2", 0600, 0));
	E_INT("chmod", "fchmodat", fchmodat(dfd, "nope", 0600, 0));
	E_INT("chmod", "lchmod", lchmod(P("ch3"), 0600));
	E_INT("chmod", "lchmod", lchmod(P("l"), 0600));
	E_INT("chown", "chown", chown(P("f"), (uid_t)-1, (gid_t)-1));
	E_INT("chown", "chown", chown(miss, (uid_t)-1, (gid_t)-1));
	E_INT("chown", "lchown", lchown(P("l"), (uid_t)-1, (gid_t)-1));
	E_INT("chown", "lchown", lchown(miss, (uid_t)-1, (gid_t)-1));
	E_INT("chown", "fchown", fchown(fd, (uid_t)-1, (gid_t)-1));
	E_INT("chown", "fchown", fchown(-1, (uid_t)-1, (gid_t)-1));
	E_INT("chown", "fchownat", fchownat(dfd, "f", (uid_t)-1, (gid_t)-1, 0));
	E_INT("chown", "fchownat",
	      fchownat(dfd, "f", (uid_t)-1, (gid_t)-1, 0x1234));

	/* utime */
	E_INT("utime", "utime", utime(P("ut1"), &ub));
	E_INT("utime", "utime", utime(miss, &ub));
	E_INT("utime", "utimes", utimes(P("ut2"), NULL));
	E_INT("utime", "utimes", utimes(miss, NULL));
	E_INT("utime", "lutimes", lutimes(P("l"), NULL));
	E_INT("utime", "lutimes", lutimes(miss, NULL));
	E_INT("utime", "futimes", futimes(fd, NULL));
	E_INT("utime", "futimes", futimes(-1, NULL));
	E_INT("utime", "futimesat", futimesat(dfd, "ut3", NULL));
	E_INT("utime", "futimesat", futimesat(dfd, "nope", NULL));
	E_INT("utime", "utimensat", utimensat(dfd, "ut4", ts, 0));
	E_INT("utime", "utimensat", utimensat(dfd, "nope", ts, 0));
	E_INT("utime", "futimens", futimens(fd, ts));
	E_INT("utime", "futimens", futimens(-1, ts));

	/* truncate */
	E_INT("truncate", "truncate", truncate(P("t1"), 3));
	E_INT("truncate", "truncate", truncate(miss, 3));
	E_INT("truncate", "truncate64", truncate64(P("t2"), 3));
	E_INT("truncate", "truncate64", truncate64(P("t2"), -1));
	E_INT("truncate", "ftruncate", ftruncate(fd, 7));
	E_INT("truncate", "ftruncate", ftruncate(-1, 7));
	E_INT("truncate", "ftruncate64", ftruncate64(fd, 7));
	E_INT("truncate", "ftruncate64", ftruncate64(dfd, 7));

	/* mktemp */
#define TMPL(s) (snprintf(tmpl, sizeof(tmpl), "%s/%s", e_dir, s), tmpl)
	E_FD("mktemp", "mkstemp", mkstemp(TMPL("tmXXXXXX")));
	E_FD("mktemp", "mkstemp", mkstemp(TMPL("tmXXXX")));
	E_FD("mktemp", "mkstemp64", mkstemp64(TMPL("tmXXXXXX")));
	E_FD("mktemp", "mkstemp64", mkstemp64(TMPL("nope/tmXXXXXX")));
	E_FD("mktemp", "mkostemp", mkostemp(TMPL("toXXXXXX"), O_CLOEXEC));
	E_FD("mktemp", "mkostemp", mkostemp(TMPL("to"), O_CLOEXEC));
	E_FD("mktemp", "mkostemp64", mkostemp64(TMPL("toXXXXXX"), O_CLOEXEC));
	E_FD("mktemp", "mkostemp64",
	     mkostemp64(TMPL("nope/toXXXXXX"), O_CLOEXEC));
	E_FD("mktemp", "mkstemps", mkstemps(TMPL("tsXXXXXX.c"), 2));
	E_FD("mktemp", "mkstemps", mkstemps(TMPL("tsXXXXXX.c"), 3));
	E_FD("mktemp", "mkstemps64", mkstemps64(TMPL("tsXXXXXX.c"), 2));
	E_FD("mktemp", "mkstemps64", mkstemps64(TMPL("nope/tsXXXXXX.c"), 2));
	E_FD("mktemp", "mkostemps", mkostemps(TMPL("tuXXXXXX.c"), 2, 0));
	E_FD("mktemp", "mkostemps", mkostemps(TMPL("tuXXXXXX.c"), 9, 0));
	E_FD("mktemp", "mkostemps64", mkostemps64(TMPL("tuXXXXXX.c"), 2, 0));
	E_FD("mktemp", "mkostemps64",
	     mkostemps64(TMPL("nope/tuXXXXXX.c"), 2, 0));
	E_PTR("mktemp", "mkdtemp", mkdtemp(TMPL("tdXXXXXX")));
	E_PTR("mktemp", "mkdtemp", mkdtemp(TMPL("nope/tdXXXXXX")));
#undef TMPL

	/* bind */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", P("sock"));
	{
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		E_INT("bind", "bind",
		      bind(s, (struct sockaddr *)&sun, sizeof(sun)));
		close(s);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		E_INT("bind", "bind",
		      bind(s, (struct sockaddr *)&sun, sizeof(sun)));
		close(s);
		E_INT("bind", "bind",
		      bind(-1, (struct sockaddr *)&sun, sizeof(sun)));
	}

	/* chdir, chroot: last, they change what relative paths mean */
	E_INT("chdir", "chdir", chdir(P("dd")));
	E_INT("chdir", "chdir", chdir(miss));
	E_INT("chdir", "fchdir", fchdir(dfd));
	E_INT("chdir", "fchdir", fchdir(fd));
	E_INT("chroot", "chroot", chroot("/"));
	E_INT("chroot", "chroot", chroot(miss));
	E_INT("chroot", "chroot", chroot(P("f")));

	close(fd);
	close(dfd);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "null") == 0)
		return 0;
	if (strcmp(mode, "stats") == 0)
		return mode_stats(argc, argv);
	if (strcmp(mode, "fork") == 0)
		return mode_fork(argc, argv);
	if (strcmp(mode, "vfork") == 0)
		return mode_vfork(argc, argv);
	if (strcmp(mode, "spawn") == 0)
		return mode_spawn(argc, argv);
	if (strcmp(mode, "show") == 0)
		return mode_show();
	if (strcmp(mode, "envi") == 0)
		return mode_envi(argc, argv);
	if (strcmp(mode, "fds") == 0)
		return mode_fds(argc, argv);
	if (strcmp(mode, "signal") == 0)
		return mode_signal(argc, argv);
	if (strcmp(mode, "threads") == 0)
		return mode_threads(argc, argv);
	if (strcmp(mode, "execfail") == 0)
		return mode_execfail(argc, argv);
	if (strcmp(mode, "malloc") == 0)
		return mode_malloc(argc, argv);
	if (strcmp(mode, "ctor") == 0)
		return mode_ctor();
	if (strcmp(mode, "errno") == 0)
		return mode_errno(argc, argv);
	usage();
	return 2;
}
