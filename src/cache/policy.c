/*
 * What the cache may keep (see policy.h): the kernel, the filesystem, a
 * directory's case sensitivity, a file's mount.  docs/coherence.md, "What
 * is never cached", is the user's view of the same rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/util.h"
#include "policy.h"

/*
 * The oldest kernel whose inotify the protocol can trust: 5.17.  From 5.3
 * to 5.16 the kernel queued IN_DELETE (and IN_DELETE|IN_ISDIR) before the
 * name was gone from its dentry cache ("fsnotify: invalidate dcache before
 * IN_DELETE event"), so a lookup made after draining the event could still
 * find the name and cache it, and before 2022 io_uring reads and writes
 * could go unreported.  Distribution kernels carry backports under release
 * numbers that do not show them, so the rule is the release alone: older
 * kernels pass everything through.  Unparsable releases too.
 */
int nc__kernel_release_ok(const char *release)
{
	unsigned long v[2] = {0, 0};
	const char *p = release;

	for (int i = 0; i < 2; i++) {
		int digits = 0;

		while (*p >= '0' && *p <= '9' && digits++ < 5)
			v[i] = v[i] * 10 + (unsigned long)(*p++ - '0');
		if (!digits || (*p >= '0' && *p <= '9'))
			return 0; /* none, or more than any kernel has */
		if (i == 0 && *p++ != '.')
			return 0;
	}
	return v[0] > 5 || (v[0] == 5 && v[1] >= 17);
}

int nc__policy_kernel_ok(void)
{
	struct utsname u;

	return syscall(SYS_uname, &u) == 0 && nc__kernel_release_ok(u.release);
}

/* ioctl @req on directory @path, opened for it and closed again: its
 * result, with errno in *@err (EBADF-like failures to open included). */
static int dir_ioctl(const char *path, unsigned long req, void *arg, int *err)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			      O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY |
				  O_NONBLOCK);
	int r;

	if (fd < 0) {
		*err = EBADF; /* not ENOTTY: "cannot tell" */
		return -1;
	}
	r = (int)syscall(SYS_ioctl, fd, req, arg);
	*err = errno;
	syscall(SYS_close, fd);
	return r;
}

/*
 * XFS_IOC_FSGEOMETRY_V1 (<xfs/xfs_fs.h>, a stable kernel interface): the
 * 112-byte version-1 geometry, whose 32-bit flags at byte 92 hold
 * XFS_FSOP_GEOM_FLAGS_DIRV2CI on a filesystem made with
 * "mkfs.xfs -n version=ci" (ASCII case-insensitive names).
 */
struct nc_xfs_geom_v1 {
	unsigned char head[92];
	uint32_t flags;
	unsigned char tail[16];
};
#define NC_XFS_IOC_FSGEOMETRY_V1 _IOR('X', 100, struct nc_xfs_geom_v1)
_Static_assert(sizeof(struct nc_xfs_geom_v1) == 112 &&
		   NC_XFS_IOC_FSGEOMETRY_V1 == 0x80705864u,
	       "XFS_IOC_FSGEOMETRY_V1 is 112 bytes, ioctl 0x80705864");
#define NC_XFS_GEOM_FLAGS_DIRV2CI (1u << 12)
#define NC_XFS_MAGIC 0x58465342

/*
 * Filesystem types (statfs f_type) by name.  Cached: those whose changes
 * inotify reports, local ones.  Not: nfs, fuse, overlay, proc, sysfs, 9p,
 * cifs ... (changes made elsewhere, or below, are not reported); and vfat
 * and exfat, whose names are case-insensitive (one entry, many names,
 * events naming one of them).  The names are for the tool's messages.
 */
static const struct {
	unsigned long type;
	const char *name;
	int allowed;
} fs_types[] = {
    {0xEF53, "ext4", 1},      /* ext2/3/4 */
    {NC_XFS_MAGIC, "xfs", 1}, /* unless ascii-ci: nc__policy_fs */
    {0x9123683E, "btrfs", 1},	 {0x01021994, "tmpfs", 1},
    {0xF2F52010, "f2fs", 1},	 {0x3153464a, "jfs", 1},
    {0x52654973, "reiserfs", 1}, {0x6969, "nfs", 0},
    {0x65735546, "fuse", 0},	 {0x794c7630, "overlay", 0},
    {0x9fa0, "proc", 0},	 {0x62656572, "sysfs", 0},
    {0x01021997, "9p", 0},	 {0xFF534D42, "cifs", 0},
    {0xFE534D42, "smb2", 0},	 {0x4d44, "vfat", 0},
    {0x2011BAB0, "exfat", 0},	 {0x5346544e, "ntfs", 0},
    {0x7366746e, "ntfs3", 0},	 {0x73717368, "squashfs", 0},
    {0x9660, "iso9660", 0},	 {0x858458f6, "ramfs", 0},
    {0x1cd1, "devpts", 0},	 {0x63677270, "cgroup2", 0},
    {0x27e0eb, "cgroup", 0},	 {0x2fc12fc1, "zfs", 0},
    {0x00c36400, "ceph", 0},	 {0xf15f, "ecryptfs", 0},
    {0x6a656a63, "virtiofs", 0}, {0x64626720, "debugfs", 0},
    {0x74726163, "tracefs", 0},	 {0xde5e81e4, "efivarfs", 0},
    {0x3434, "nilfs2", 0},	 {0xca451a4e, "bcachefs", 0},
};

static int fs_index(long type)
{
	for (unsigned i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (fs_types[i].type == (unsigned long)type)
			return (int)i;
	return -1;
}

int nc__policy_fs_allowed(long f_type)
{
	int i = fs_index(f_type);

	return i >= 0 && fs_types[i].allowed;
}

/*
 * A listing is served with a descriptor that has read nothing: when the
 * stream turns to the kernel it is moved to the listing's last cookie,
 * where glibc's own descriptor would stand.  That is the same position
 * only where a cookie names a place in the directory itself: a hash
 * (ext4 with dir_index, btrfs, xfs's block offsets, ext4's byte offsets,
 * which it revalidates once the directory changed).  tmpfs counted its
 * cookies by walking a cursor kept in the open file (before 6.6) and
 * keeps an end mark per open file since: its listings are not kept.
 */
int nc__policy_listing_ok(long f_type)
{
	return f_type == 0xEF53 || f_type == NC_XFS_MAGIC ||
	       f_type == 0x9123683E;
}

const char *nc__policy_fs_name(long f_type)
{
	int i = fs_index(f_type);

	return i >= 0 ? fs_types[i].name : NULL;
}

/*
 * May directory @path be watched, as far as its own attributes go?  Two
 * kinds of directory answer to names that no event reports:
 *
 *  - a case-insensitive one (the "casefold" attribute of ext4, f2fs and
 *    tmpfs, chattr +F) answers for one entry under many names, and its
 *    events name only one of them: a cached "FOO" would outlive the
 *    deletion of "foo", a cached ENOENT for "FOO" its creation.  A
 *    directory made case-insensitive later (only an empty one can be)
 *    reports IN_ATTRIB.
 *  - an encrypted one (fscrypt, FS_ENCRYPT_FL) shows its entries under
 *    their encrypted, "no-key" names while its key is absent and under
 *    their real names once it is added; adding or removing a key
 *    (FS_IOC_ADD_ENCRYPTION_KEY, fs/crypto/keyring.c) reports nothing to
 *    inotify, so a cached ENOENT for a real name would outlive the key's
 *    arrival, a cached entry its removal.  A policy can only be set on an
 *    empty directory, whose cached negatives stay true: nothing can be
 *    created in it without the key, and a creation is an event.
 *
 * NC_POL_DIRFLAGS when the attributes cannot be read (in doubt, not
 * watched); NC_POL_OK also when the filesystem keeps no such attributes
 * at all.  Asked after the watch exists.  The open() is seen by other
 * watchers of the directory (IN_OPEN): it is made only on filesystems
 * that can have such directories, on kernels that can make them
 * (nc__policy_fs), once per directory and process.
 */
enum nc_policy nc__policy_dir(const char *path)
{
	long flags = 0; /* the kernel writes an int; a long is room enough */
	int e;

	if (dir_ioctl(path, FS_IOC_GETFLAGS, &flags, &e) < 0)
		return e == ENOTTY || e == EINVAL || e == EOPNOTSUPP
			   ? NC_POL_OK
			   : NC_POL_DIRFLAGS;
	if ((unsigned int)flags & FS_CASEFOLD_FL)
		return NC_POL_CASEFOLD;
	if ((unsigned int)flags & FS_ENCRYPT_FL)
		return NC_POL_ENCRYPTED;
	return NC_POL_OK;
}

/* Is the xfs filesystem of directory @path case-insensitive?  1 also
 * when it cannot be told. */
static int xfs_ascii_ci(const char *path)
{
	struct nc_xfs_geom_v1 g;
	int e;

	memset(&g, 0, sizeof(g));
	return dir_ioctl(path, NC_XFS_IOC_FSGEOMETRY_V1, &g, &e) < 0 ||
	       (g.flags & NC_XFS_GEOM_FLAGS_DIRV2CI);
}

/*
 * Can this kernel make a directory of filesystem kind @fs (0 ext4, 1 f2fs,
 * 2 tmpfs) case-insensitive (CONFIG_UNICODE) or encrypted
 * (CONFIG_FS_ENCRYPTION), as its "casefold" and "encryption" features in
 * /sys/fs show?  Asked once per kind: where it cannot, no directory needs
 * the open() that nc__policy_dir() costs.
 */
static int dirflags_kernel(int fs)
{
	static const char *const feat[3][2] = {
	    {"/sys/fs/ext4/features/casefold",
	     "/sys/fs/ext4/features/encryption"},
	    {"/sys/fs/f2fs/features/casefold",
	     "/sys/fs/f2fs/features/encryption"},
	    {"/sys/fs/tmpfs/features/casefold", NULL}};
	static int known[3] NC_STARTUP; /* 0: not asked, 1: yes, -1: no */
	struct stat st;

	if (!known[fs]) {
		known[fs] = -1;
		for (unsigned i = 0; i < 2; i++)
			if (feat[fs][i] && syscall(SYS_newfstatat, AT_FDCWD,
						   feat[fs][i], &st, 0) == 0)
				known[fs] = 1;
	}
	return known[fs] > 0;
}

enum nc_policy nc__policy_fs(const char *path, long *f_type, int *cffs)
{
	struct statfs sfs;

	if (f_type)
		*f_type = 0;
	*cffs = 0;
	if (syscall(SYS_statfs, path, &sfs) != 0)
		return NC_POL_STATFS;
	if (f_type)
		*f_type = (long)sfs.f_type;
	if (!nc__policy_fs_allowed((long)sfs.f_type))
		return NC_POL_FS;
	if (sfs.f_type == 0xEF53)
		*cffs = dirflags_kernel(0);
	else if (sfs.f_type == 0xF2F52010)
		*cffs = dirflags_kernel(1);
	else if (sfs.f_type == 0x01021994)
		*cffs = dirflags_kernel(2);
	if (sfs.f_type == NC_XFS_MAGIC && xfs_ascii_ci(path))
		return NC_POL_XFS_CI;
	return NC_POL_OK;
}

enum nc_policy nc__policy_file(const struct stat *st, const struct stat *dir)
{
	return st->st_dev != dir->st_dev ? NC_POL_OTHER_MOUNT : NC_POL_OK;
}

const char *nc__policy_text(enum nc_policy reason)
{
	switch (reason) {
	case NC_POL_OK:
		return "cacheable";
	case NC_POL_KERNEL:
		return "the kernel is older than 5.17: its inotify may report "
		       "a "
		       "deletion before it is done";
	case NC_POL_STATFS:
		return "its filesystem cannot be asked about (statfs failed)";
	case NC_POL_FS:
		return "its filesystem does not report every change through "
		       "inotify (network, FUSE, overlay, pseudo) or has "
		       "case-insensitive names";
	case NC_POL_XFS_CI:
		return "xfs with case-insensitive names (mkfs.xfs -n "
		       "version=ci)";
	case NC_POL_CASEFOLD:
		return "a case-insensitive directory (casefold, chattr +F)";
	case NC_POL_ENCRYPTED:
		return "an encrypted directory (fscrypt): its names change "
		       "with its key, unreported";
	case NC_POL_DIRFLAGS:
		return "a directory whose attributes cannot be read (it may "
		       "be case-insensitive or encrypted)";
	case NC_POL_OTHER_MOUNT:
		return "a file on another mount than its directory (a bind "
		       "mount)";
	}
	return "unknown";
}
