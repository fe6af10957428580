/*
 * An answer the kernel computed before a change, stored by the cache
 * after the change's event was applied: the race of an armed query
 * (cache.c, nc__query_done), made deterministic with userfaultfd.
 *
 *   race-prog late-store DIR
 *
 * Run under the shim by tests/c/shim_coherence.c with NAMECACHE_WARMUP=0.
 * A statx() of the directory DIR/d, with a mask the cache has no answer
 * for, is a miss whose answer the cache keeps when the real call returns.
 * Its result buffer is a page registered with userfaultfd, so the kernel,
 * having computed the answer, stops in copy_to_user().  Meanwhile another
 * thread makes a subdirectory in DIR/d by a raw system call (the
 * directory's link count and mtime change, an event is queued) and makes
 * a lookup of its own that drains the queue (the directory's attributes
 * are forgotten).  Only then does the first statx() return, with the
 * answer from before the change: a right answer for a call that ran
 * alongside the change, but one the cache must not keep, since the event
 * that would correct it is gone.  The next statx() of DIR/d must give
 * the kernel's link count and mtime.
 *
 * Prints "ok late-store: ..." with figures, "skip: ..." when userfaultfd
 * cannot catch a fault of the kernel (it needs CAP_SYS_PTRACE or
 * vm.unprivileged_userfaultfd=1), or "bad: ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MASK_WARM STATX_BASIC_STATS
#define MASK_RACE (STATX_BASIC_STATS | STATX_BTIME)

static char dir_d[4096], file_p[4096], sub[4096];
static int uffd = -1;
static long page;
static int drained;

#define BAD(...)                             \
	do {                                 \
		printf("bad: " __VA_ARGS__); \
		printf("\n");                \
		exit(1);                     \
	} while (0)

static int raw_statx(const char *path, unsigned mask, struct statx *sx)
{
	return (int)syscall(SYS_statx, AT_FDCWD, path, 0, mask, sx);
}

/*
 * The fault handler: the kernel has computed the first thread's answer
 * and waits for its buffer.  Change the directory, drain the event
 * through the cache, then let the kernel copy the (older) answer out.
 */
static void *handler_main(void *arg)
{
	struct uffd_msg msg;
	struct pollfd pfd = {.fd = uffd, .events = POLLIN};
	struct uffdio_copy copy;
	struct statx sx;
	void *zero = arg;

	for (;;) {
		if (poll(&pfd, 1, 10000) != 1)
			BAD("no fault within 10 s");
		if (read(uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT)
			break;
	}
	if (syscall(SYS_mkdirat, AT_FDCWD, sub, 0755) != 0)
		BAD("mkdir %s: %s", sub, strerror(errno));
	/* A would-be hit: its check finds the event and applies it. */
	for (int i = 0; i < 3; i++)
		if (statx(AT_FDCWD, file_p, 0, MASK_WARM, &sx) != 0)
			BAD("statx %s: %s", file_p, strerror(errno));
	drained = 1;
	memset(&copy, 0, sizeof(copy));
	copy.dst = msg.arg.pagefault.address & ~(unsigned long long)(page - 1);
	copy.src = (unsigned long long)(unsigned long)zero;
	copy.len = (unsigned long long)page;
	if (ioctl(uffd, UFFDIO_COPY, &copy) != 0 && errno != EEXIST)
		BAD("UFFDIO_COPY: %s", strerror(errno));
	return NULL;
}

static void late_store(const char *dir)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg;
	struct statx before, sx, k, *trap;
	void *area, *zero;
	pthread_t t;

	page = sysconf(_SC_PAGESIZE);
	snprintf(dir_d, sizeof(dir_d), "%s/d", dir);
	snprintf(file_p, sizeof(file_p), "%s/p", dir);
	snprintf(sub, sizeof(sub), "%s/d/s", dir);
	if (syscall(SYS_mkdirat, AT_FDCWD, dir_d, 0755) != 0)
		BAD("mkdir %s: %s", dir_d, strerror(errno));
	{
		int fd = (int)syscall(SYS_openat, AT_FDCWD, file_p,
				      O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			BAD("create %s: %s", file_p, strerror(errno));
		close(fd);
	}

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		printf("skip: userfaultfd: %s\n", strerror(errno));
		exit(0);
	}
	if (ioctl(uffd, UFFDIO_API, &api) != 0)
		BAD("UFFDIO_API: %s", strerror(errno));
	area = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	zero = calloc(1, (size_t)page);
	if (area == MAP_FAILED || !zero)
		BAD("memory");
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long long)(unsigned long)area;
	reg.range.len = (unsigned long long)page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0)
		BAD("UFFDIO_REGISTER: %s", strerror(errno));
	trap = area;

	/* The directory and the file, cached and watched; then a hit. */
	for (int i = 0; i < 4; i++)
		if (statx(AT_FDCWD, dir_d, 0, MASK_WARM, &sx) != 0 ||
		    statx(AT_FDCWD, file_p, 0, MASK_WARM, &sx) != 0)
			BAD("warm statx: %s", strerror(errno));
	if (raw_statx(dir_d, MASK_RACE, &before) != 0)
		BAD("raw statx: %s", strerror(errno));

	if (pthread_create(&t, NULL, handler_main, zero) != 0)
		BAD("pthread_create");
	/* A miss the cache arms: a mask it has no answer for. */
	if (statx(AT_FDCWD, dir_d, 0, MASK_RACE, trap) != 0)
		BAD("statx %s: %s", dir_d, strerror(errno));
	pthread_join(t, NULL);
	if (!drained)
		BAD("the handler did not run");
	/* The answer of the call itself predates the change. */
	if (trap->stx_nlink != before.stx_nlink)
		BAD("the racing call saw the change already (nlink %u, was "
		    "%u): the race was not set up",
		    trap->stx_nlink, before.stx_nlink);

	/* From now on the cache must give the kernel's answer. */
	for (int i = 0; i < 3; i++) {
		if (statx(AT_FDCWD, dir_d, 0, MASK_RACE, &sx) != 0 ||
		    raw_statx(dir_d, MASK_RACE, &k) != 0)
			BAD("statx after: %s", strerror(errno));
		if (sx.stx_nlink != k.stx_nlink ||
		    sx.stx_mtime.tv_sec != k.stx_mtime.tv_sec ||
		    sx.stx_mtime.tv_nsec != k.stx_mtime.tv_nsec)
			BAD("lookup %d after the race: nlink %u mtime "
			    "%lld.%09u, the kernel: nlink %u mtime %lld.%09u",
			    i, sx.stx_nlink, (long long)sx.stx_mtime.tv_sec,
			    sx.stx_mtime.tv_nsec, k.stx_nlink,
			    (long long)k.stx_mtime.tv_sec, k.stx_mtime.tv_nsec);
	}
	printf("ok late-store: the racing answer had nlink %u, the kernel "
	       "and the cache then %u\n",
	       trap->stx_nlink, k.stx_nlink);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "late-store"))
		late_store(argv[2]);
	else {
		fprintf(stderr, "usage: race-prog late-store DIR\n");
		return 2;
	}
	return 0;
}
