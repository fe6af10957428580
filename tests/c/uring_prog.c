/*
 * The per-thread io_uring of the strict check through a process's life:
 * one mode per scenario, run under the shim by tests/c/shim_uring.c with
 * NAMECACHE_WARMUP=0 (and NAMECACHE_CHECK=uring unless said otherwise).
 *
 *   uring-prog fork DIR      a ring in the parent; the fork child starts
 *                            with no ring descriptor or mapping of it, and
 *                            both answer right after changes
 *   uring-prog exec DIR      a ring, then exec of "uring-prog rings":
 *                            the new image inherits no ring
 *   uring-prog rings         print the io_uring descriptors and mappings
 *   uring-prog dup2 DIR      dup2 over the ring's descriptor: the cache
 *                            turns off, answers stay right
 *   uring-prog dup2_thread DIR   the same in a thread, which then exits:
 *                            the number, the program's now, stays open
 *   uring-prog close_range DIR   the same with close_range(900, ~0)
 *                            (glibc's function; a raw system call that
 *                            closes the cache's descriptors is beyond
 *                            what any check can see, docs/coherence.md)
 *   uring-prog vfork DIR     a vfork child looks up after a change (its
 *                            slow path is refused: it passes through)
 *   uring-prog vfork_first DIR   (NAMECACHE_CHECK=auto) a vfork child
 *                            reaches the threshold first: no ring for it,
 *                            and the parent thread still gets its own
 *   uring-prog signal DIR    a signal handler looks paths up while the
 *                            main thread's checks take the slow path
 *   uring-prog threads DIR   200 threads each get a ring; none is left
 *                            after they exit
 *   uring-prog threshold DIR (NAMECACHE_CHECK=auto) threads one after
 *                            the other, 200 checks each: none gets a
 *                            ring while the image's checks are few, the
 *                            later ones do (RING_AFTER_NEXT)
 *   uring-prog seccomp PROG ARGS...  install a filter that makes
 *                            io_uring_setup fail with EPERM, then exec
 *
 * Each prints "ok ..." lines with figures, or "bad: ..." and exits 1.
 * Changes are made by raw system calls (never through the shim) and then
 * looked up through the shim and compared with a raw system call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int bad_count;

#define BAD(...)                             \
	do {                                 \
		printf("bad: " __VA_ARGS__); \
		putchar('\n');               \
		bad_count++;                 \
	} while (0)

static char dir[PATH_MAX], file[PATH_MAX + 8];

/* io_uring descriptors and mappings of this process. */
static void count_rings(int *fds, int *maps)
{
	char p[300], l[128], line[512];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	FILE *m;

	*fds = *maps = 0;
	while (d && (e = readdir(d))) {
		ssize_t n;

		snprintf(p, sizeof(p), "/proc/self/fd/%s", e->d_name);
		n = readlink(p, l, sizeof(l) - 1);
		if (n > 0 && (l[n] = '\0', strstr(l, "io_uring")))
			(*fds)++;
	}
	if (d)
		closedir(d);
	m = fopen("/proc/self/maps", "r");
	while (m && fgets(line, sizeof(line), m))
		*maps += strstr(line, "io_uring") != NULL;
	if (m)
		fclose(m);
}

/* The first io_uring descriptor, or -1. */
static int ring_fd(void)
{
	char p[64], l[128];

	for (int fd = 3; fd < 4096; fd++) {
		ssize_t n;

		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		n = readlink(p, l, sizeof(l) - 1);
		if (n > 0 && (l[n] = '\0', strstr(l, "io_uring")))
			return fd;
	}
	return -1;
}

/* A change by raw system call: @file's size becomes @size. */
static void change(long size)
{
	if (syscall(SYS_truncate, file, size))
		BAD("truncate: %s", strerror(errno));
}

/* stat(@file) through the shim agrees with the kernel; 1 if it does. */
static int agree(void)
{
	struct stat s, k;
	int rs = stat(file, &s);
	int rk = (int)syscall(SYS_newfstatat, AT_FDCWD, file, &k, 0);

	if (rs != rk ||
	    (rs == 0 && (s.st_size != k.st_size || s.st_ino != k.st_ino))) {
		BAD("stat %s: shim size %ld, kernel size %ld", file,
		    (long)s.st_size, (long)k.st_size);
		return 0;
	}
	return 1;
}

/* Make enough lookups for this thread to have its ring. */
static void warm(int n)
{
	struct stat st;

	for (int i = 0; i < n; i++)
		stat(file, &st);
}

/* A few changes, each looked up at once through the shim. */
static void changes(int n)
{
	for (int i = 0; i < n; i++) {
		warm(3);
		change(i % 50);
		agree();
	}
}

static void mode_fork(void)
{
	int fds, maps, st;
	pid_t pid;

	warm(100);
	count_rings(&fds, &maps);
	if (fds != 1)
		BAD("parent: %d rings before fork", fds);
	pid = fork();
	if (pid == 0) {
		count_rings(&fds, &maps);
		if (fds || maps)
			BAD("child: inherited %d ring fds, %d mappings", fds,
			    maps);
		/* A file of its own: the parent changes f meanwhile. */
		snprintf(file, sizeof(file), "%s/fc", dir);
		close((int)syscall(SYS_openat, AT_FDCWD, file,
				   O_CREAT | O_WRONLY, 0644));
		changes(200);
		count_rings(&fds, &maps);
		printf("ok child: %d ring of its own after lookups\n", fds);
		fflush(stdout);
		_exit(bad_count || fds != 1);
	}
	changes(200);
	if (waitpid(pid, &st, 0) != pid || st)
		BAD("child failed: %d", st);
	printf("ok fork\n");
}

static void mode_exec(char *self)
{
	int fds, maps;

	warm(100);
	count_rings(&fds, &maps);
	if (fds != 1)
		BAD("%d rings before exec", fds);
	fflush(stdout);
	execl(self, self, "rings", (char *)NULL);
	BAD("exec: %s", strerror(errno));
}

static void mode_rings(void)
{
	int fds, maps;

	count_rings(&fds, &maps);
	printf("rings fds=%d maps=%d\n", fds, maps);
}

static void mode_closing(int use_range)
{
	int fd;

	warm(100);
	fd = ring_fd();
	if (fd < 900)
		BAD("ring descriptor %d, expected >= 900", fd);
	if (use_range)
		close_range(900, ~0U, 0); /* glibc's: the shim sees it */
	else if (dup2(0, fd) != fd)
		BAD("dup2: %s", strerror(errno));
	changes(100);
	printf("ok %s over ring fd %d\n", use_range ? "close_range" : "dup2",
	       fd);
}

static void *dup2_thread_main(void *arg)
{
	int *fd = arg;

	warm(100);
	*fd = ring_fd();
	if (*fd < 900 || dup2(1, *fd) != *fd)
		BAD("dup2 over ring fd %d: %s", *fd, strerror(errno));
	changes(20);
	return NULL;
}

/* A thread's ring descriptor dup2'd over, then the thread exits: the
 * number is the program's now, and must stay open. */
static void mode_dup2_thread(void)
{
	struct stat a, b;
	pthread_t t;
	int fd = -1;

	pthread_create(&t, NULL, dup2_thread_main, &fd);
	pthread_join(t, NULL);
	if (fd < 0 || fstat(fd, &a) || fstat(1, &b) || a.st_ino != b.st_ino)
		BAD("descriptor %d was closed at thread exit", fd);
	changes(20);
	printf("ok dup2 in a thread: %d still open after its exit\n", fd);
}

static void mode_vfork(void)
{
	volatile int child_ok = 0;
	pid_t pid;
	int st;

	warm(100);
	for (int i = 0; i < 100; i++) {
		change(100 + i);
		pid = vfork();
		if (pid == 0) {
			child_ok += agree();
			_exit(0);
		}
		waitpid(pid, &st, 0);
		change(i);
		agree();
	}
	if (child_ok != 100)
		BAD("vfork children agreed %d times of 100", child_ok);
	changes(100);
	printf("ok vfork\n");
}

/* NAMECACHE_CHECK=auto: a vfork child passes the threshold of checks
 * first (on the parent thread's memory); it makes no ring, and the
 * parent still gets its own. */
static void mode_vfork_first(void)
{
	int fds, maps, st;
	pid_t pid;

	warm(300);
	pid = vfork();
	if (pid == 0) {
		warm(600);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	count_rings(&fds, &maps);
	if (fds)
		BAD("%d rings before the parent's own checks", fds);
	warm(600);
	count_rings(&fds, &maps);
	if (fds != 1)
		BAD("parent: %d rings after its checks", fds);
	changes(50);
	printf("ok vfork first: parent has %d ring\n", fds);
}

static volatile long handler_calls;

static void on_alarm(int sig)
{
	struct stat s, k;
	int saved = errno;

	(void)sig;
	/* Another name of the same file: the answer is stable while the
	 * handler runs only if the mutator does not touch it: dir. */
	if (stat(dir, &s) !=
		(int)syscall(SYS_newfstatat, AT_FDCWD, dir, &k, 0) ||
	    s.st_ino != k.st_ino)
		handler_calls = -1000000000L;
	handler_calls++;
	errno = saved;
}

static void mode_signal(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, 50}, {0, 50}};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	warm(100);
	setitimer(ITIMER_REAL, &it, NULL);
	changes(20000);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (handler_calls < 100)
		BAD("handler calls %ld", handler_calls);
	printf("ok signal: %ld handler lookups\n", handler_calls);
}

static void *thread_main(void *arg)
{
	int *had = arg;
	int fds = 0, maps = 0;

	warm(100);
	count_rings(&fds, &maps);
	*had = fds >= 1;
	return NULL;
}

static void mode_threads(void)
{
	int fds, maps, had_rings = 0;

	for (int i = 0; i < 200; i++) {
		pthread_t t;
		int had = 0;

		pthread_create(&t, NULL, thread_main, &had);
		pthread_join(t, NULL);
		had_rings += had;
	}
	count_rings(&fds, &maps);
	if (fds || maps)
		BAD("%d ring fds, %d mappings left after the threads", fds,
		    maps);
	if (had_rings != 200)
		BAD("%d threads of 200 had a ring", had_rings);
	printf("ok threads: %d had a ring, %d left\n", had_rings, fds);
}

static void *threshold_main(void *arg)
{
	int *fds = arg;
	int maps;

	warm(200);
	count_rings(fds, &maps);
	return NULL;
}

static void mode_threshold(void)
{
	int fds, maps, had[5];

	warm(100);
	count_rings(&fds, &maps);
	if (fds)
		BAD("%d rings after 100 checks", fds);
	for (int i = 0; i < 5; i++) {
		pthread_t t;

		had[i] = 0;
		pthread_create(&t, NULL, threshold_main, &had[i]);
		pthread_join(t, NULL);
	}
	if (had[0])
		BAD("the first thread had %d rings (300 checks in all)",
		    had[0]);
	if (had[4] != 1)
		BAD("the fifth thread had %d rings (1,100 checks in all)",
		    had[4]);
	changes(50);
	printf("ok threshold: rings %d %d %d %d %d\n", had[0], had[1], had[2],
	       had[3], had[4]);
}

static void mode_seccomp(char **argv)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		BAD("seccomp: %s", strerror(errno));
		return;
	}
	execv(argv[0], argv);
	BAD("exec %s: %s", argv[0], strerror(errno));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "rings")) {
		mode_rings();
		return 0;
	}
	if (!strcmp(argv[1], "seccomp")) {
		mode_seccomp(argv + 2);
		return 1;
	}
	if (argc < 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	snprintf(file, sizeof(file), "%s/f", dir);
	close(
	    (int)syscall(SYS_openat, AT_FDCWD, file, O_CREAT | O_WRONLY, 0644));
	if (!strcmp(argv[1], "fork"))
		mode_fork();
	else if (!strcmp(argv[1], "exec"))
		mode_exec(argv[0]);
	else if (!strcmp(argv[1], "dup2"))
		mode_closing(0);
	else if (!strcmp(argv[1], "dup2_thread"))
		mode_dup2_thread();
	else if (!strcmp(argv[1], "close_range"))
		mode_closing(1);
	else if (!strcmp(argv[1], "vfork"))
		mode_vfork();
	else if (!strcmp(argv[1], "vfork_first"))
		mode_vfork_first();
	else if (!strcmp(argv[1], "signal"))
		mode_signal();
	else if (!strcmp(argv[1], "threads"))
		mode_threads();
	else if (!strcmp(argv[1], "threshold"))
		mode_threshold();
	else
		return 2;
	return bad_count ? 1 : 0;
}
