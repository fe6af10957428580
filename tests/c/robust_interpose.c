/*
 * A second, independent interposer of stat() (helper of
 * tests/c/shim_robust.c).
 *
 * It guards against a shim that does not compose with other LD_PRELOAD
 * libraries: each must find the next definition with dlsym(RTLD_NEXT),
 * whichever comes first in LD_PRELOAD, so that both see every call and
 * the program still gets the real result.
 *
 * It counts its calls and, at exit, appends "interpose stat=N" to the file
 * named by ROBUST_INTERPOSE_OUT.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "robust_next.h"

typedef int (*stat_fn)(const char *, struct stat *);

static unsigned long calls;

int stat(const char *path, struct stat *buf)
{
	static void *next;
	stat_fn fn = (stat_fn)robust_next(&next, "stat");

	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	return fn(path, buf);
}

__attribute__((destructor)) static void robust_interpose_report(void)
{
	const char *out = getenv("ROBUST_INTERPOSE_OUT");
	char line[64];
	int fd, n;

	if (!out)
		return;
	n = snprintf(line, sizeof(line), "interpose stat=%lu\n", calls);
	/* A raw system call: the shim must not count this library's I/O. */
	fd = (int)syscall(SYS_openat, AT_FDCWD, out,
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) != n)
		abort();
	close(fd);
}
