/*
 * Helpers shared by the tests of the shim as a whole (tests/c/shim_*.c):
 * programs are run with and without the shim preloaded, their output and
 * their statistics records compared.  Everything is static inline, since
 * each shim test is built from its own source and the harness only.
 *
 *   nc_shim_preload()       the LD_PRELOAD value that loads the shim:
 *                           $NC_TEST_PRELOAD (which, in a sanitizer build,
 *                           lists the sanitizer runtime first), else
 *                           $NC_SHIM, else build/lib/libnamecache.so.
 *   nc_test_dir()           the directory holding this test binary (helper
 *                           programs are built next to it).
 *   nc_run(argv, opts, &r)  run a program, stdout captured into r.out,
 *                           stderr inherited, stdin /dev/null; with or
 *                           without the shim, extra NAME=VALUE variables,
 *                           optionally as another uid/gid (dropped with
 *                           setgroups/setresgid/setresuid in the child
 *                           before exec, so the whole program runs
 *                           unprivileged).  LD_PRELOAD and NAMECACHE_*
 *                           inherited from the caller are always removed.
 *   nc_stats_sum(path, n)   add up every statistics record in a file
 *                           (src/common/record.h), per family and outcome.
 *   nc_family_by_name()     family index of a record key ("stat" ...).
 *   nc_scratch_dir(), nc_rm_rf(), nc_write_file(), nc_read_file()
 *                           scratch space that an unprivileged child can
 *                           enter (mode 0755), and its removal.
 *   nc_daemon_start(), nc_daemon_stop()
 *                           a real namecache daemon on a private socket.
 *   nc_kernel_at_least(maj, min)  the running kernel's release.
 *
 * Failures of the helpers themselves (fork, pipe, exec) fail the test with
 * NC_FAIL, so callers only check the results they care about.
 */
#ifndef NC_SHIMTEST_H
#define NC_SHIMTEST_H

#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>

#include "common/family.h"
#include "harness.h"

extern char **environ;

static inline const char *nc_shim_preload(void)
{
	const char *s = getenv("NC_TEST_PRELOAD");

	if (s && *s)
		return s;
	s = getenv("NC_SHIM");
	if (s && *s)
		return s;
	return "build/lib/libnamecache.so";
}

/* The directory of the running test binary, into @buf. */
static inline const char *nc_test_dir(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
	char *slash;

	if (n <= 0)
		NC_FAIL("readlink /proc/self/exe: %s", strerror(errno));
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

struct nc_run_opts {
	int preload;		/* preload the shim */
	const char *const *env; /* extra NAME=VALUE, NULL-terminated */
	int uid;		/* run as this uid and gid; -1: as we are */
	const char *cwd;	/* working directory, or NULL */
};

struct nc_run_result {
	char *out;  /* stdout, NUL-terminated (malloc'ed) */
	size_t len; /* its length */
	int status; /* wait status */
};

static inline int nc__env_dropped(const char *kv)
{
	return !strncmp(kv, "LD_PRELOAD=", 11) ||
	       !strncmp(kv, "NAMECACHE_", 10);
}

/* Run @argv (argv[0] a path) and collect its stdout. */
static inline void nc_run(const char *const argv[], const struct nc_run_opts *o,
			  struct nc_run_result *r)
{
	size_t n = 0, cap = 1 << 16;
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0)
		NC_FAIL("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		NC_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		static char pre[PATH_MAX * 2 + 16];
		char **env;
		size_t ne = 0, k = 0;
		int nul = open("/dev/null", O_RDONLY);

		for (char **e = environ; *e; e++)
			ne++;
		for (const char *const *e = o->env; e && *e; e++)
			ne++;
		env = calloc(ne + 2, sizeof(*env));
		if (!env || nul < 0)
			_exit(126);
		for (char **e = environ; *e; e++)
			if (!nc__env_dropped(*e))
				env[k++] = *e;
		for (const char *const *e = o->env; e && *e; e++)
			env[k++] = (char *)*e;
		if (o->preload) {
			snprintf(pre, sizeof(pre), "LD_PRELOAD=%s",
				 nc_shim_preload());
			env[k++] = pre;
		}
		env[k] = NULL;
		dup2(nul, 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		close(nul);
		if (o->cwd && chdir(o->cwd) < 0)
			_exit(126);
		if (o->uid >= 0) {
			uid_t u = (uid_t)o->uid;

			if (setgroups(0, NULL) < 0 || setresgid(u, u, u) < 0 ||
			    setresuid(u, u, u) < 0) {
				perror("drop privileges");
				_exit(126);
			}
		}
		execve(argv[0], (char *const *)argv, env);
		perror(argv[0]);
		_exit(127);
	}
	close(fds[1]);
	r->out = malloc(cap);
	if (!r->out)
		NC_FAIL("out of memory");
	for (;;) {
		ssize_t k;

		if (n + 1 >= cap) {
			cap *= 2;
			r->out = realloc(r->out, cap);
			if (!r->out)
				NC_FAIL("out of memory");
		}
		k = read(fds[0], r->out + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fds[0]);
	r->out[n] = '\0';
	r->len = n;
	while (waitpid(pid, &r->status, 0) < 0)
		if (errno != EINTR)
			NC_FAIL("waitpid: %s", strerror(errno));
}

static inline void nc_run_free(struct nc_run_result *r)
{
	free(r->out);
	r->out = NULL;
}

/* The family whose record key is @name (@len bytes), or -1. */
static inline int nc_family_by_name(const char *name, size_t len)
{
	static const char *const names[] = {
#define NC__SHIMTEST_NAME(id, nm, lookup) nm,
	    NC_FAMILIES(NC__SHIMTEST_NAME)
#undef NC__SHIMTEST_NAME
	};

	for (int i = 0; i < NC_FAM_COUNT; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return i;
	return -1;
}

/* The record key of family @fam. */
static inline const char *nc_family_name(int fam)
{
	static const char *const names[] = {
#define NC__SHIMTEST_NAME(id, nm, lookup) nm,
	    NC_FAMILIES(NC__SHIMTEST_NAME)
#undef NC__SHIMTEST_NAME
	};

	return fam >= 0 && fam < NC_FAM_COUNT ? names[fam] : "?";
}

/* Read a whole file; NULL if it cannot be read. */
static inline char *nc_read_file(const char *path, size_t *lenp)
{
	size_t n = 0, cap = 4096;
	char *b = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0 || !b) {
		free(b);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				NC_FAIL("out of memory");
		}
		k = read(fd, b + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	b[n] = '\0';
	if (lenp)
		*lenp = n;
	return b;
}

/*
 * Add every record of the statistics file @path into @n (which the caller
 * zeroes).  Returns the number of records, or -1 if the file cannot be read
 * or a line is not a version-1 record.  As record.h asks of readers, keys
 * that are not families and values past the third are ignored.
 */
static inline int nc_stats_sum(const char *path,
			       uint64_t n[NC_FAM_COUNT][NC_OUT_COUNT])
{
	char *buf = nc_read_file(path, NULL), *line, *save = NULL;
	int records = 0;

	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *tsave = NULL;
		int field = 0;

		for (tok = strtok_r(line, " ", &tsave); tok;
		     tok = strtok_r(NULL, " ", &tsave), field++) {
			char *eq = strchr(tok, '=');
			unsigned long long v[3];
			int fam;

			if (field == 0 && strcmp(tok, "namecache-stats"))
				goto bad;
			if (field == 1 && strcmp(tok, "1"))
				goto bad;
			if (field < 2 || !eq)
				continue;
			fam = nc_family_by_name(tok, (size_t)(eq - tok));
			/* Readers ignore keys they do not know (record.h). */
			if (fam < 0)
				continue;
			if (sscanf(eq + 1, "%llu,%llu,%llu", &v[0], &v[1],
				   &v[2]) != 3)
				goto bad;
			for (int o = 0; o < NC_OUT_COUNT; o++)
				n[fam][o] += v[o];
		}
		records++;
	}
	free(buf);
	return records;
bad:
	free(buf);
	return -1;
}

/* Create a file with @content and exactly @mode (umask ignored). */
static inline void nc_write_file(const char *path, const char *content,
				 mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(content);

	if (fd < 0 || write(fd, content, n) != (ssize_t)n || fchmod(fd, mode))
		NC_FAIL("%s: %s", path, strerror(errno));
	close(fd);
}

/* A fresh directory under $TMPDIR (or /tmp), mode 0755, into @buf. */
static inline void nc_scratch_dir(char *buf, size_t cap, const char *tag)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, cap, "%s/nc-%s.XXXXXX", t && *t ? t : "/tmp", tag);
	if (!mkdtemp(buf) || chmod(buf, 0755) < 0)
		NC_FAIL("mkdtemp %s: %s", buf, strerror(errno));
}

static inline void nc__rm_at(int at, const char *name)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(at, name, 0);
		return;
	}
	/* Directories a test made unreadable must be entered again. */
	fchmodat(at, name, 0700, 0);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		d = fdopendir(fd);
		if (!d) {
			close(fd);
		} else {
			while ((de = readdir(d)))
				if (strcmp(de->d_name, ".") &&
				    strcmp(de->d_name, ".."))
					nc__rm_at(dirfd(d), de->d_name);
			closedir(d);
		}
	}
	unlinkat(at, name, AT_REMOVEDIR);
}

/* Remove a tree, including directories of mode 0 that we own. */
static inline void nc_rm_rf(const char *path)
{
	nc__rm_at(AT_FDCWD, path);
}

/*
 * A real daemon for shared-cache runs: `namecache daemon start
 * --foreground` on a private socket in a scratch directory @sdir, as @uid
 * (-1: ours; a client attaches only to a daemon with its own
 * credentials).  Returns its pid once it answers; the socket's path in
 * @sock.  nc_daemon_stop() stops it (SIGTERM: it must exit 0) and
 * removes @sdir.  nc_daemon_start_under() runs it as the last argument
 * of @wrap (a program and its arguments, NULL-terminated).
 */
static inline pid_t nc_daemon_start_under(const char *const *wrap, int uid,
					  char *sock, size_t cap, char *sdir,
					  size_t scap)
{
	char cli[PATH_MAX + 32], tdir[PATH_MAX], env_sock[PATH_MAX + 64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pid_t pid;

	nc_scratch_dir(sdir, scap, "daemon");
	CHECK(chmod(sdir, 0700));
	if (uid >= 0)
		CHECK(chown(sdir, (uid_t)uid, (gid_t)uid));
	if ((size_t)snprintf(sock, cap, "%s/socket", sdir) >= cap ||
	    strlen(sock) >= sizeof(sa.sun_path))
		NC_FAIL("socket path too long: %s/socket", sdir);
	snprintf(env_sock, sizeof(env_sock), "NAMECACHE_SOCKET=%.*s",
		 (int)(sizeof(env_sock) - 20), sock);
	snprintf(cli, sizeof(cli), "%s/../bin/namecache",
		 nc_test_dir(tdir, sizeof(tdir)));
	pid = fork();
	CHECK(pid);
	if (pid == 0) {
		char *argv[16];
		char *const envp[] = {env_sock, "PATH=/usr/bin:/bin", NULL};
		int k = 0;

		for (; wrap && wrap[k] && k < 10; k++)
			argv[k] = (char *)wrap[k];
		argv[k++] = cli;
		argv[k++] = "daemon";
		argv[k++] = "start";
		argv[k++] = "--foreground";
		argv[k] = NULL;

		if (uid >= 0 &&
		    (setgroups(0, NULL) < 0 ||
		     setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) < 0 ||
		     setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0))
			_exit(126);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	for (int i = 0; i < 500; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 &&
			 connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

		if (fd >= 0)
			close(fd);
		if (ok)
			return pid;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	NC_FAIL("the daemon did not come up on %s", sock);
	return -1;
}

static inline pid_t nc_daemon_start(int uid, char *sock, size_t cap, char *sdir,
				    size_t scap)
{
	return nc_daemon_start_under(NULL, uid, sock, cap, sdir, scap);
}

static inline void nc_daemon_stop(pid_t pid, const char *sdir)
{
	int st;

	kill(pid, SIGTERM);
	CHECK(waitpid(pid, &st, 0));
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	nc_rm_rf(sdir);
}

static inline int nc_kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > maj || (a == maj && b >= min);
}

#endif /* NC_SHIMTEST_H */
