/*
 * What the cache may keep: the decisions that do not depend on the
 * cache's own state, shared by the cache (notify.c, fill.c) and by
 * `namecache explain` and `namecache doctor`, so that what the tool says
 * is what the shim does.
 *
 * Every function here asks the kernel directly (raw system calls, no
 * allocation, no stdio): the cache calls them from the writer's slow
 * path, where the wrappers' rules hold.  None keeps state except one
 * answer that cannot change under a process image (whether the kernel
 * can make case-insensitive directories), cached in a plain static
 * written with the same value by whoever asks first.
 */
#ifndef NC_POLICY_H
#define NC_POLICY_H

#include <sys/stat.h>

/* Why something is not cached; NC_POL_OK: nothing against it. */
enum nc_policy {
	NC_POL_OK,
	NC_POL_KERNEL,	    /* the kernel is older than 5.17 */
	NC_POL_STATFS,	    /* statfs() failed: the filesystem is unknown */
	NC_POL_FS,	    /* a filesystem type not on the allowlist */
	NC_POL_XFS_CI,	    /* xfs with case-insensitive names */
	NC_POL_CASEFOLD,    /* a directory with the casefold attribute */
	NC_POL_ENCRYPTED,   /* a directory encrypted with fscrypt */
	NC_POL_DIRFLAGS,    /* a directory whose attributes cannot be read */
	NC_POL_OTHER_MOUNT, /* a non-directory on another mount than its
			     * directory (a bind-mounted file) */
};

/* One line of text (no newline) saying why, for @reason. */
const char *nc__policy_text(enum nc_policy reason);

/* Does a kernel of this uname release queue events the protocol can
 * trust (5.17 or later)?  Unparsable releases are not trusted. */
int nc__kernel_release_ok(const char *release);

/* The same for the running kernel (uname; the cache asks it once per
 * process image, notify.c). */
int nc__policy_kernel_ok(void);

/* Is filesystem type @f_type (statfs f_type) on the allowlist? */
int nc__policy_fs_allowed(long f_type);

/* May listings of directories on filesystem type @f_type be kept? */
int nc__policy_listing_ok(long f_type);

/* A short name for filesystem type @f_type ("ext4", "nfs" ...), or NULL. */
const char *nc__policy_fs_name(long f_type);

/*
 * May directory @path be watched, as far as its filesystem goes: the
 * allowlist, and xfs's case-insensitive variant.  *@f_type (if not NULL)
 * gets the filesystem type (0 when statfs fails); *@cffs whether it may
 * hold directories whose names change meaning without an event:
 * case-insensitive (ext4, f2fs, tmpfs) or encrypted ones (ext4, f2fs),
 * when the kernel can make them.  nc__policy_dir must then be asked
 * about each directory.
 */
enum nc_policy nc__policy_fs(const char *path, long *f_type, int *cffs);

/* May directory @path, on a filesystem where nc__policy_fs set *cffs, be
 * watched: NC_POL_OK, or NC_POL_CASEFOLD (chattr +F), NC_POL_ENCRYPTED
 * (fscrypt), NC_POL_DIRFLAGS (its attributes cannot be read).  Opens
 * @path. */
enum nc_policy nc__policy_dir(const char *path);

/* May a non-directory with attributes @st be cached in a directory with
 * attributes @dir?  Not when it is on another mount. */
enum nc_policy nc__policy_file(const struct stat *st, const struct stat *dir);

#endif /* NC_POLICY_H */
