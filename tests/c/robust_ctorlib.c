/*
 * A preloaded library whose constructor makes wrapped calls (helper of
 * tests/c/shim_robust.c).
 *
 * It guards against a shim that needs its own constructor to have run
 * before its wrappers work.  ld.so runs the constructors of preloaded
 * libraries in reverse order, so with LD_PRELOAD="shim thislib" this
 * constructor calls the shim's stat(), open(), readlink() and fopen()
 * before the shim's constructor has resolved anything.  The results are
 * printed on stdout (fd 1, no stdio buffering) for the test to check; the
 * calls must also appear in the shim's statistics.
 *
 * ROBUST_DIR names a directory holding "data" ("robust-data\n", 12 bytes)
 * and "link" (a symlink to "data").  With ROBUST_CTOR_FORK set, the
 * constructor then forks a child that makes one stat() and leaves with
 * _exit(): a fork that may happen before the shim's constructor has
 * registered its fork handler.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void robust_ctor(void)
{
	const char *dir = getenv("ROBUST_DIR");
	char path[PATH_MAX], lpath[PATH_MAX], buf[64];
	struct stat st;
	int r_stat, r_open = -1, r_read = -1;
	ssize_t r_link;
	FILE *f;
	int r_fopen = 0;

	if (!dir) {
		dprintf(1, "ctor no ROBUST_DIR\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	snprintf(lpath, sizeof(lpath), "%s/link", dir);

	r_stat = stat(path, &st) == 0 && st.st_size == 12;
	{
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			r_open = 1;
			r_read = read(fd, buf, sizeof(buf)) == 12 &&
				 memcmp(buf, "robust-data\n", 12) == 0;
			close(fd);
		} else {
			r_open = 0;
		}
	}
	r_link = readlink(lpath, buf, sizeof(buf));
	r_link = r_link == 4 && memcmp(buf, "data", 4) == 0;
	f = fopen(path, "r");
	if (f) {
		r_fopen = fgets(buf, sizeof(buf), f) &&
			  strcmp(buf, "robust-data\n") == 0;
		fclose(f);
	}
	dprintf(1, "ctor stat=%d open=%d read=%d readlink=%d fopen=%d\n",
		r_stat, r_open, r_read, (int)r_link, r_fopen);
	if (getenv("ROBUST_CTOR_FORK")) {
		pid_t pid = fork();
		int status = -1;

		if (pid == 0) {
			_exit(stat(path, &st) == 0 ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			dprintf(1, "ctor fork failed\n");
		else
			dprintf(1, "ctor fork ok\n");
	}
}
