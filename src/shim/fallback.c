/*
 * Raw-syscall equivalents of the lookups a preloaded allocator or another
 * library may make while this thread is inside dlsym() (see real.c).
 *
 * They implement the same contract as the glibc function for the cases
 * that matter during bootstrap: same return value and errno.  They are
 * only reached when NC_REAL() cannot give the real function, never on the
 * normal path.  On x86_64 struct stat and struct stat64 are both the
 * kernel's struct stat, so newfstatat fills them directly.
 */
#include <sys/syscall.h>

#include "real.h"

#define NC__STAT_VER 1 /* _STAT_VER on x86_64 */

static int fb_fstatat(int dirfd, const char *path, void *buf, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, buf, flags);
}

static int bad_ver(int ver)
{
	if (ver == NC__STAT_VER)
		return 0;
	errno = EINVAL;
	return -1;
}

int nc__fb_stat(const char *path, struct stat *buf)
{
	return fb_fstatat(AT_FDCWD, path, buf, 0);
}

int nc__fb_stat64(const char *path, struct stat64 *buf)
{
	return fb_fstatat(AT_FDCWD, path, buf, 0);
}

int nc__fb_lstat(const char *path, struct stat *buf)
{
	return fb_fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int nc__fb_lstat64(const char *path, struct stat64 *buf)
{
	return fb_fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int nc__fb_fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	return fb_fstatat(dirfd, path, buf, flags);
}

int nc__fb_fstatat64(int dirfd, const char *path, struct stat64 *buf, int flags)
{
	return fb_fstatat(dirfd, path, buf, flags);
}

int nc__fb___xstat(int ver, const char *path, struct stat *buf)
{
	return bad_ver(ver) ?: fb_fstatat(AT_FDCWD, path, buf, 0);
}

int nc__fb___xstat64(int ver, const char *path, struct stat64 *buf)
{
	return bad_ver(ver) ?: fb_fstatat(AT_FDCWD, path, buf, 0);
}

int nc__fb___lxstat(int ver, const char *path, struct stat *buf)
{
	return bad_ver(ver)
		   ?: fb_fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int nc__fb___lxstat64(int ver, const char *path, struct stat64 *buf)
{
	return bad_ver(ver)
		   ?: fb_fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int nc__fb___fxstatat(int ver, int dirfd, const char *path, struct stat *buf,
		      int flags)
{
	return bad_ver(ver) ?: fb_fstatat(dirfd, path, buf, flags);
}

int nc__fb___fxstatat64(int ver, int dirfd, const char *path,
			struct stat64 *buf, int flags)
{
	return bad_ver(ver) ?: fb_fstatat(dirfd, path, buf, flags);
}

int nc__fb_statx(int dirfd, const char *path, int flags, unsigned int mask,
		 struct statx *buf)
{
	return (int)syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

int nc__fb_access(const char *path, int mode)
{
	return (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

int nc__fb_faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (flags == 0)
		return (int)syscall(SYS_faccessat, dirfd, path, mode);
	return (int)syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

ssize_t nc__fb_readlink(const char *path, char *buf, size_t len)
{
	return syscall(SYS_readlinkat, AT_FDCWD, path, buf, len);
}

ssize_t nc__fb_readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	return syscall(SYS_readlinkat, dirfd, path, buf, len);
}

int nc__fb_openat_mode(int dirfd, const char *path, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

int nc__fb_creat(const char *path, mode_t mode)
{
	return nc__fb_openat_mode(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
				  mode);
}

int nc__fb_creat64(const char *path, mode_t mode)
{
	return nc__fb_openat_mode(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC,
				  mode);
}
