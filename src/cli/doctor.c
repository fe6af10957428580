/*
 * namecache doctor: can the cache work here, and if not, what to do.
 *
 * One line per item, "STATUS ITEM: what was found[; what to do]":
 *   ok    as the cache needs it
 *   warn  the cache works, with less benefit, or not for long
 *   FAIL  the cache is useless here (it passes every call through)
 *   info  found, but nothing the cache of this version relies on
 * The exit status is 1 when a line says FAIL, else 0.
 *
 * Every probe is a real one: the kernel's release goes through the
 * cache's own rule (policy.h), the working directory's filesystem
 * through the same decision functions the cache calls, inotify through
 * a real instance and watch, io_uring through a real io_uring_setup()
 * with the flags the strict check's ring would use, fanotify through a
 * real fanotify_init().  The inotify descriptors in use are counted from
 * /proc/PID/fd and /proc/PID/fdinfo of the user's processes (those that
 * can be read; an instance shared by several processes counts once per
 * holder, so "in use" is an upper bound).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../include/namecache.h"
#include "../cache/policy.h"
#include "../common/config.h"
#include "../common/proto.h"
#include "../daemon/daemon.h"
#include "cli.h"

#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_TASKRUN_FLAG
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

/* Fewer watches left than this is a warning: a build's tree may need
 * more (the cache watches every directory it passes through). */
#define WATCHES_LOW 8192

static int failed;

static void line(const char *status, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void line(const char *status, const char *item, const char *fmt, ...)
{
	va_list ap;

	if (!strcmp(status, "FAIL"))
		failed = 1;
	printf("%-4s  %-17s ", status, item);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The number in /proc/sys file @path, or -1. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void check_kernel(void)
{
	struct utsname u;

	if (uname(&u) < 0) {
		line("FAIL", "kernel", "uname: %s", strerror(errno));
		return;
	}
	if (nc__kernel_release_ok(u.release))
		line("ok", "kernel", "Linux %s (5.17 or later)", u.release);
	else
		line("FAIL", "kernel",
		     "Linux %s: %s, so nothing is cached; boot Linux 5.17 "
		     "or later",
		     u.release, nc__policy_text(NC_POL_KERNEL));
}

struct inotify_use {
	long instances, watches;
	int procs, unreadable;
};

/* Count the inotify instances and watches of processes of @uid. */
static void count_inotify(uid_t uid, struct inotify_use *u)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;

	memset(u, 0, sizeof(*u));
	if (!proc)
		return;
	while ((p = readdir(proc))) {
		char path[64 + NAME_MAX], link[64];
		struct dirent *f;
		struct stat st;
		DIR *fds;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s", p->d_name);
		if (stat(path, &st) < 0 || st.st_uid != uid)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds) {
			u->unreadable += errno != ENOENT;
			continue;
		}
		u->procs++;
		while ((f = readdir(fds))) {
			char info[64 + 2 * NAME_MAX], buf[256];
			ssize_t n;
			FILE *fi;

			if (f->d_name[0] < '0' || f->d_name[0] > '9')
				continue;
			snprintf(info, sizeof(info), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			n = readlink(info, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, "anon_inode:inotify") != 0)
				continue;
			u->instances++;
			snprintf(info, sizeof(info), "/proc/%s/fdinfo/%s",
				 p->d_name, f->d_name);
			fi = fopen(info, "re");
			if (!fi)
				continue;
			while (fgets(buf, sizeof(buf), fi))
				u->watches += !strncmp(buf, "inotify wd:", 11);
			fclose(fi);
		}
		closedir(fds);
	}
	closedir(proc);
}

/*
 * One inotify limit: @used of @max (fs.inotify.@sysctl; -1: unreadable),
 * a warning below @low left, a failure at none left.
 */
static void limit_line(const char *what, const char *sysctl, long used,
		       long max, long low, const char *unread, const char *per)
{
	char name[32];

	snprintf(name, sizeof(name), "inotify %s", what);
	if (max < 0)
		line("warn", name, "fs.inotify.%s cannot be read", sysctl);
	else if (max - used <= 0)
		line("FAIL", name,
		     "%ld of %ld in use by uid %u%s, none left; sysctl "
		     "fs.inotify.%s=%ld",
		     used, max, (unsigned)geteuid(), unread, sysctl, max * 4);
	else
		line(max - used < low ? "warn" : "ok", name,
		     "%ld of %ld in use by uid %u, %ld left%s (%s)%s%s%s", used,
		     max, (unsigned)geteuid(), max - used, unread, per,
		     max - used < low ? "; raise fs.inotify." : "",
		     max - used < low ? sysctl : "",
		     max - used < low ? " (sysctl)" : "");
}

static void check_inotify(void)
{
	long maxw = read_long("/proc/sys/fs/inotify/max_user_watches");
	long maxi = read_long("/proc/sys/fs/inotify/max_user_instances");
	struct inotify_use u;
	char unread[96] = "";
	int fd, wd;

	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0) {
		line("FAIL", "inotify", "inotify_init1: %s; %s",
		     strerror(errno),
		     errno == EMFILE
			 ? "raise fs.inotify.max_user_instances (sysctl) or "
			   "end programs that hold instances"
			 : "the kernel needs CONFIG_INOTIFY_USER");
		return;
	}
	wd = inotify_add_watch(fd, "/", IN_ATTRIB | IN_ONLYDIR);
	if (wd < 0 && errno == ENOSPC)
		line("FAIL", "inotify",
		     "no watch can be added: the limit is reached; raise "
		     "fs.inotify.max_user_watches (sysctl)");
	close(fd);
	count_inotify(geteuid(), &u);
	if (u.unreadable)
		snprintf(unread, sizeof(unread),
			 " (%d of your processes could not be read)",
			 u.unreadable);
	limit_line("instances", "max_user_instances", u.instances, maxi, 8,
		   unread, "one per caching process");
	limit_line("watches", "max_user_watches", u.watches, maxw, WATCHES_LOW,
		   unread, "one per cached directory and file");
}

static void check_io_uring(void)
{
	struct io_uring_params p;
	long disabled = read_long("/proc/sys/kernel/io_uring_disabled");
	char sysctl[64] = "no kernel.io_uring_disabled";
	int fd;

	if (disabled >= 0)
		snprintf(sysctl, sizeof(sysctl), "kernel.io_uring_disabled=%ld",
			 disabled);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (fd >= 0) {
		close(fd);
		line("ok", "io_uring",
		     "a ring with SINGLE_ISSUER|DEFER_TASKRUN|COOP_TASKRUN|"
		     "TASKRUN_FLAG can be set up (%s)",
		     sysctl);
		return;
	}
	line("info", "io_uring",
	     "not available: io_uring_setup: %s (%s); this version checks "
	     "coherence with epoll_wait and does not need it",
	     strerror(errno), sysctl);
}

static void check_fanotify(void)
{
	int fd =
	    fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC,
			  O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		line("info", "fanotify",
		     "available to this user (not used by this version)");
		return;
	}
	line("info", "fanotify",
	     "not available: fanotify_init: %s (not used by this version)",
	     strerror(errno));
}

static void check_cwd(void)
{
	char cwd[PATH_MAX];
	enum nc_policy r;
	const char *fs;
	long type;
	int cffs, fd, wd;

	if (!getcwd(cwd, sizeof(cwd))) {
		line("FAIL", "filesystem",
		     "the working directory has no path (getcwd: %s): "
		     "relative paths are not cached; cd to a directory",
		     strerror(errno));
		return;
	}
	r = nc__policy_fs(cwd, &type, &cffs);
	fs = nc__policy_fs_name(type);
	if (r != NC_POL_OK) {
		line("FAIL", "filesystem",
		     "%s is on %s (f_type 0x%lx): %s; nothing below it is "
		     "cached: work on a local filesystem (ext4, xfs, btrfs, "
		     "tmpfs ...)",
		     cwd, fs ? fs : "an unknown filesystem",
		     (unsigned long)type, nc__policy_text(r));
		return;
	}
	if (cffs && (r = nc__policy_dir(cwd)) != NC_POL_OK) {
		line("FAIL", "filesystem", "%s: %s; nothing below it is cached",
		     cwd, nc__policy_text(r));
		return;
	}
	fd = inotify_init1(IN_CLOEXEC);
	wd = fd >= 0 ? inotify_add_watch(fd, cwd, IN_ATTRIB | IN_ONLYDIR) : -1;
	if (wd < 0) {
		line("FAIL", "filesystem",
		     "%s is on %s but cannot be watched (%s): nothing below "
		     "it is cached",
		     cwd, fs ? fs : "?", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	line("ok", "filesystem", "%s is on %s: cacheable", cwd, fs ? fs : "?");
}

static void check_glibc(void)
{
	line("ok", "glibc", "%s (the shim interposes glibc's own entry points)",
	     gnu_get_libc_version());
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static void check_environment(void)
{
	struct nc__config cfg;
	struct nc__buf err;
	char ebuf[512];

	nc__buf_init(&err, ebuf, sizeof(ebuf));
	if (nc__config_load(&cfg, env_get, &err) < 0) {
		line("FAIL", "environment",
		     "%s: the cache turns itself off; fix or unset it", ebuf);
		return;
	}
	if (cfg.mode == NC_MODE_OFF) {
		line("FAIL", "environment",
		     "NAMECACHE_MODE=off: nothing is cached; unset it");
		return;
	}
	line("ok", "environment",
	     "mode %s, NAMECACHE_WARMUP %llu, NAMECACHE_MAX_STALE_US %llu",
	     nc__mode_name(cfg.mode), (unsigned long long)cfg.warmup,
	     (unsigned long long)cfg.max_stale_us);
}

static void check_shim(void)
{
	char shim[PATH_MAX];

	if (nc__find_shim(shim, sizeof(shim)) < 0)
		line("FAIL", "library",
		     "libnamecache.so not found next to this namecache or in "
		     "its library directory; reinstall (make install)");
	else
		line("ok", "library", "%s (namecache %s)", shim,
		     NAMECACHE_VERSION);
}

/*
 * The shared-cache daemon: its socket (proto.h), whether its directory
 * would let processes attach, and whether a daemon answers there.  None
 * is not a problem: `namecache run` starts one per command.
 */
static void check_daemon(void)
{
	const char *env = getenv("NAMECACHE_SOCKET");
	char sock[108];
	int r = nc__sock_path(sock, sizeof(sock), env,
			      getenv("XDG_RUNTIME_DIR"), getuid());

	if (r > 0) {
		line("info", "daemon",
		     "NAMECACHE_SOCKET=none: every process caches for itself");
		return;
	}
	if (r < 0) {
		line("FAIL", "daemon",
		     "NAMECACHE_SOCKET='%s' is not an absolute path of at most "
		     "107 bytes; fix or unset it",
		     env);
		return;
	}
	if (nc_daemon_reachable(sock)) {
		pid_t peer;

		if (nc_daemon_request(sock, NC_REQ_STATUS, -1, &peer) == -2) {
			line("warn", "daemon",
			     "running on socket %s (pid %d), but of another "
			     "version of namecache: processes will not attach; "
			     "stop it with `namecache daemon stop`",
			     sock, (int)peer);
			return;
		}
		if (nc__sock_dir_check(sock, getuid()) < 0)
			line(
			    "warn", "daemon",
			    "running on socket %s, but its directory is not "
			    "this user's alone (mode 0700): processes will not "
			    "attach",
			    sock);
		else
			line("ok", "daemon",
			     "running on socket %s: processes share its cache",
			     sock);
		return;
	}
	line("info", "daemon",
	     "not running (socket %s); `namecache run` starts one for each "
	     "command, `namecache daemon start` keeps one",
	     sock);
}

int nc__cmd_doctor(int argc, char **argv)
{
	if (argc > 1) {
		nc__err("doctor: unexpected argument '%s' (usage: namecache "
			"doctor)",
			argv[1]);
		return NC_EXIT_USAGE;
	}
	check_shim();
	check_kernel();
	check_environment();
	check_inotify();
	check_io_uring();
	check_fanotify();
	check_cwd();
	check_glibc();
	check_daemon();
	return failed ? 1 : 0;
}
