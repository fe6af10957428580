/*
 * namecache explain [--nofollow] PATH...: would a lookup of PATH be
 * answered from the cache, and if not, why.
 *
 * The path is resolved the way the cache's fill resolves it (fill.c):
 * component by component from the root (a relative path from the working
 * directory, whose own path is resolved from the root first), following
 * symbolic links, "." and ".." physically.  Each directory passed
 * through must be one the cache may watch: the same decision functions
 * the cache calls (policy.h: the kernel, the filesystem, case
 * sensitivity, a file's mount), and a real inotify watch added to a
 * private inotify instance (permission, the watch limit).  A
 * non-directory at the end is watched on its own inode, as the cache
 * does.  A lookup error other than ENOENT (and ENOTDIR or ELOOP, which
 * the walk finds in cached entries) is never cached.
 *
 * What the tool cannot see, and says once: a process caches nothing
 * until it has repeated NAMECACHE_WARMUP lookups, and a path only from
 * its second lookup on; and a directory this process could watch may be
 * refused in another that already holds 16,384 watches.
 *
 * Exit status: 0 when every path would be served from the cache, 1 when
 * one would not, 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cache/policy.h"
#include "../common/config.h"
#include "../common/util.h"
#include "cli.h"

#define MAX_LINKS 40 /* the kernel's and the walk's (NC_MAXSYMLINKS) */

/* The same masks as the cache's watches (notify.c), minus IN_MASK_CREATE:
 * this private instance watches each inode once anyway. */
#define DIR_MASK (IN_MODIFY | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW)
#define FILE_MASK (IN_MODIFY | IN_ATTRIB | IN_DONT_FOLLOW)

struct verdict {
	int cached; /* 1: served from the cache */
	int err;    /* the lookup's errno when it fails, else 0 */
	char why[PATH_MAX + 256];
};

static int ifd = -1;

static int say(struct verdict *v, int cached, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int say(struct verdict *v, int cached, const char *fmt, ...)
{
	va_list ap;

	v->cached = cached;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* May directory @dir (absolute) be watched by the cache?  0, or -1 with
 * the reason in @v. */
static int dir_ok(const char *dir, struct verdict *v)
{
	enum nc_policy r;
	long type;
	int cffs, wd;
	const char *fs;

	r = nc__policy_fs(dir, &type, &cffs);
	fs = nc__policy_fs_name(type);
	if (r != NC_POL_OK)
		return say(v, 0, "%s: %s (%s%s0x%lx)", dir, nc__policy_text(r),
			   fs ? fs : "", fs ? ", " : "f_type ",
			   (unsigned long)type);
	wd = inotify_add_watch(ifd, dir, DIR_MASK);
	if (wd < 0) {
		if (errno == ENOSPC)
			return say(v, 0,
				   "%s cannot be watched: the inotify watch "
				   "limit is reached "
				   "(/proc/sys/fs/inotify/max_user_watches)",
				   dir);
		return say(v, 0, "%s cannot be watched: %s", dir,
			   strerror(errno));
	}
	if (cffs && (r = nc__policy_dir(dir)) != NC_POL_OK) {
		inotify_rm_watch(ifd, wd);
		return say(v, 0, "%s: %s", dir, nc__policy_text(r));
	}
	inotify_rm_watch(ifd, wd);
	return 0;
}

/* Back to the parent of @abs (physical ".."); the new length. */
static int up(char *abs, int len)
{
	while (len > 1 && abs[len - 1] != '/')
		len--;
	if (len > 1)
		len--;
	abs[len] = '\0';
	return len;
}

/* May the names in directory @abs (length @alen) be looked up?  The fill
 * asks the kernel with "dir/.", which takes exactly the permission checks
 * of any name in it.  0, or -1 with the reason in @v. */
static int searchable(char *abs, int alen, struct verdict *v)
{
	struct stat st;
	int r;

	if (nc__path_join(abs, alen, ".", 1) < 0)
		return say(v, 0,
			   "paths of PATH_MAX bytes or more are not cached");
	r = lstat(abs, &st);
	abs[alen] = '\0';
	if (r < 0)
		return say(v, 0,
			   "%s cannot be searched: %s (lookups in it go to "
			   "the C library)",
			   abs, strerror(errno));
	return 0;
}

/*
 * Resolve @path from directory @abs (length @alen) as the fill does;
 * the verdict in @v.  @nofollow: a final symbolic link is not followed.
 */
static void resolve(const char *path, int nofollow, char *abs, int alen,
		    struct verdict *v)
{
	/* A stack of strings still to resolve: the path, then each link's
	 * target in front of what remains of the path. */
	char rest[PATH_MAX * 2];
	size_t pos = 0;
	struct stat dst, st;
	int links = 0;

	if (strlen(path) >= PATH_MAX) {
		say(v, 0, "paths of PATH_MAX bytes or more are not cached");
		return;
	}
	snprintf(rest, sizeof(rest), "%s", path);
	if (lstat(abs, &dst) < 0) {
		say(v, 0, "%s: %s", abs, strerror(errno));
		return;
	}
	for (;;) {
		const char *name;
		size_t n;
		int last, slash, clen;
		char target[PATH_MAX];
		ssize_t tl;

		while (rest[pos] == '/')
			pos++;
		if (!rest[pos])
			break;
		name = rest + pos;
		n = strcspn(name, "/");
		pos += n;
		slash = rest[pos] == '/';
		while (rest[pos] == '/')
			pos++;
		last = !rest[pos];
		if (n > NAME_MAX) {
			say(v, 0, "a name longer than NAME_MAX is not cached");
			return;
		}
		if (searchable(abs, alen, v) < 0)
			return;
		if (n == 1 && name[0] == '.')
			continue;
		if (n == 2 && name[0] == '.' && name[1] == '.') {
			alen = up(abs, alen);
			lstat(abs, &dst);
			continue;
		}
		/* Watched before anything in it is looked up. */
		if (dir_ok(abs, v) < 0)
			return;
		clen = nc__path_join(abs, alen, name, n);
		if (clen < 0) {
			say(v, 0,
			    "paths of PATH_MAX bytes or more are not cached");
			return;
		}
		if (lstat(abs, &st) < 0) {
			int e = errno;

			if (e == ENOENT) {
				v->err = e;
				say(v, 1,
				    "%s does not exist: the cache answers "
				    "ENOENT (a negative entry)",
				    abs);
			} else {
				say(v, 0,
				    "%s: %s (only ENOENT is cached; other "
				    "errors go to the C library)",
				    abs, strerror(e));
			}
			return;
		}
		if (!S_ISDIR(st.st_mode)) {
			enum nc_policy r = nc__policy_file(&st, &dst);
			int wd;

			if (r != NC_POL_OK) {
				say(v, 0, "%s: %s", abs, nc__policy_text(r));
				return;
			}
			wd = inotify_add_watch(ifd, abs, FILE_MASK);
			if (wd < 0) {
				say(v, 0, "%s cannot be watched: %s", abs,
				    strerror(errno));
				return;
			}
			inotify_rm_watch(ifd, wd);
		}
		if (S_ISLNK(st.st_mode) && (!last || slash || !nofollow)) {
			size_t left = strlen(rest + pos);

			tl = readlink(abs, target, sizeof(target));
			if (tl <= 0 || tl >= (ssize_t)sizeof(target)) {
				say(v, 0, "%s: its target cannot be read", abs);
				return;
			}
			if (++links > MAX_LINKS) {
				v->err = ELOOP;
				say(v, 1,
				    "%s: too many symbolic links: the cache "
				    "answers ELOOP",
				    path);
				return;
			}
			if ((size_t)tl + 1 + left >= sizeof(rest)) {
				say(v, 0,
				    "the path is too long once its links "
				    "are followed");
				return;
			}
			/* target + "/" + the rest, in place of the rest. */
			memmove(rest + tl + 1, rest + pos, left + 1);
			memcpy(rest, target, (size_t)tl);
			rest[tl] = slash || left ? '/' : '\0';
			pos = 0;
			abs[alen] = '\0'; /* back to the link's directory */
			if (target[0] == '/') {
				abs[0] = '/';
				abs[1] = '\0';
				alen = 1;
			}
			lstat(abs, &dst);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (!last || slash) {
				v->err = ENOTDIR;
				say(v, 1,
				    "%s is not a directory: the cache answers "
				    "ENOTDIR",
				    abs);
				return;
			}
			say(v, 1, "%s", abs);
			return;
		}
		alen = clen;
		dst = st;
	}
	/* Ended on a directory: it is watched for its own attributes. */
	if (dir_ok(abs, v) < 0)
		return;
	say(v, 1, "%s", abs);
}

static void explain(const char *path, int nofollow, struct verdict *v)
{
	char abs[PATH_MAX];

	v->err = 0;
	if (!path[0]) {
		say(v, 0, "an empty path is not cached");
		return;
	}
	abs[0] = '/';
	abs[1] = '\0';
	if (path[0] != '/') {
		/* The cache learns the working directory from getcwd(),
		 * resolving it from the root like any path. */
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd))) {
			say(v, 0,
			    "the working directory has no path (getcwd: %s): "
			    "relative paths are not cached",
			    strerror(errno));
			return;
		}
		resolve(cwd, 0, abs, 1, v);
		if (!v->cached) {
			char why[sizeof(v->why)];

			memcpy(why, v->why, sizeof(why));
			say(v, 0, "the working directory is not cached: %.*s",
			    (int)(sizeof(v->why) - 64), why);
			return;
		}
	}
	resolve(path, nofollow, abs, (int)strlen(abs), v);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

int nc__cmd_explain(int argc, char **argv)
{
	struct nc__config cfg;
	struct nc__buf err;
	char ebuf[512];
	int nofollow = 0, i, all = 1;
	const char *off = NULL;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--nofollow")) {
			nofollow = 1;
			continue;
		}
		nc__err("explain: unknown option '%s' (see namecache --help)",
			argv[i]);
		return NC_EXIT_USAGE;
	}
	if (i >= argc) {
		nc__err("explain: no path given (usage: namecache explain "
			"[--nofollow] PATH...)");
		return NC_EXIT_USAGE;
	}
	/* What applies to every path: the environment, the kernel. */
	nc__buf_init(&err, ebuf, sizeof(ebuf));
	if (nc__config_load(&cfg, env_get, &err) < 0)
		off = ebuf;
	else if (cfg.mode == NC_MODE_OFF)
		off = "NAMECACHE_MODE is off";
	else if (!nc__policy_kernel_ok())
		off = nc__policy_text(NC_POL_KERNEL);
	ifd = inotify_init1(IN_CLOEXEC);
	if (!off && ifd < 0)
		off = errno == EMFILE ? "no inotify instance can be made: the "
					"limit is reached "
					"(/proc/sys/fs/inotify/"
					"max_user_instances)"
				      : "no inotify instance can be made";
	for (; i < argc; i++) {
		struct verdict v;

		if (off)
			say(&v, 0, "%s", off);
		else
			explain(argv[i], nofollow, &v);
		if (v.cached && !v.err)
			printf("%s: cached (resolved: %s)\n", argv[i], v.why);
		else if (v.cached)
			printf("%s: cached: %s\n", argv[i], v.why);
		else
			printf("%s: not cached: %s\n", argv[i], v.why);
		all &= v.cached;
	}
	if (ifd >= 0)
		close(ifd);
	if (all)
		printf("(a process caches only once it has repeated "
		       "NAMECACHE_WARMUP lookups, and a path from its second "
		       "lookup on)\n");
	return all ? 0 : 1;
}
