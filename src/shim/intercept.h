/*
 * The interception table: every libc function the shim replaces.
 *
 * This list is the single source of truth.  From it are derived
 *   - the real-symbol slots and their typed accessors (real.h),
 *   - the generated wrappers with their shared prologue and epilogue
 *     (wrappers.c: NC_GEN_INT, NC_GEN_PTR),
 *   - the declarations of the hand-written wrappers (NC_CUSTOM: variadic
 *     open, exec, _exit ...), which live in wrap_*.c files,
 *   - the tests' list of entry points (tests/c/entrypoints.c includes this
 *     file and fails when an entry has no test), and the export check.
 *
 * X(how, fallback, family, ret, name, params, args)
 *   how      NC_GEN_INT: generated; failure is a negative return.
 *            NC_GEN_PTR: generated; failure is a NULL return.
 *            NC_CUSTOM:  the body is written by hand; only the slot and
 *                        the declaration are generated.
 *   fallback NC_FB: a raw-syscall equivalent nc__fb_<name>() exists in
 *            fallback.c, used only while this thread is itself resolving
 *            real symbols (see real.c).  NC_NOFB: none; such a call made
 *            during resolution fails with ENOSYS.
 *   family   an expression of the call's arguments giving its enum
 *            nc_family (NC_FAM_NONE for calls that are not counted).
 *   params, args  the prototype and the argument list, parenthesised.
 *
 * The prototypes must match glibc's exactly: the shim defines symbols that
 * glibc also defines, and a mismatch is undefined behaviour that the
 * compiler will not always catch (some of these have no declaration in the
 * headers any more, e.g. __xstat since glibc 2.33).
 */
#ifndef NC_INTERCEPT_H
#define NC_INTERCEPT_H

#define NC__AT_FAM(flags, nofollow_fam, follow_fam) \
	(((flags)&AT_SYMLINK_NOFOLLOW) ? (nofollow_fam) : (follow_fam))

/* clang-format off */
#define NC_INTERCEPTS(X)                                                        \
/* stat family (glibc >= 2.33 names) */                                        \
X(NC_CUSTOM, NC_FB, NC_FAM_STAT, int, stat,                                   \
  (const char *path, struct stat *buf), (path, buf))                           \
X(NC_CUSTOM, NC_FB, NC_FAM_STAT, int, stat64,                                 \
  (const char *path, struct stat64 *buf), (path, buf))                         \
X(NC_CUSTOM, NC_FB, NC_FAM_LSTAT, int, lstat,                                 \
  (const char *path, struct stat *buf), (path, buf))                           \
X(NC_CUSTOM, NC_FB, NC_FAM_LSTAT, int, lstat64,                               \
  (const char *path, struct stat64 *buf), (path, buf))                         \
X(NC_CUSTOM, NC_FB, NC__AT_FAM(flags, NC_FAM_LSTAT, NC_FAM_STAT), int,        \
  fstatat, (int dirfd, const char *path, struct stat *buf, int flags),         \
  (dirfd, path, buf, flags))                                                   \
X(NC_CUSTOM, NC_FB, NC__AT_FAM(flags, NC_FAM_LSTAT, NC_FAM_STAT), int,        \
  fstatat64, (int dirfd, const char *path, struct stat64 *buf, int flags),     \
  (dirfd, path, buf, flags))                                                   \
/* stat family (pre-2.33 names, still imported by older binaries) */           \
X(NC_CUSTOM, NC_FB, NC_FAM_STAT, int, __xstat,                                \
  (int ver, const char *path, struct stat *buf), (ver, path, buf))             \
X(NC_CUSTOM, NC_FB, NC_FAM_STAT, int, __xstat64,                              \
  (int ver, const char *path, struct stat64 *buf), (ver, path, buf))           \
X(NC_CUSTOM, NC_FB, NC_FAM_LSTAT, int, __lxstat,                              \
  (int ver, const char *path, struct stat *buf), (ver, path, buf))             \
X(NC_CUSTOM, NC_FB, NC_FAM_LSTAT, int, __lxstat64,                            \
  (int ver, const char *path, struct stat64 *buf), (ver, path, buf))           \
X(NC_CUSTOM, NC_FB, NC__AT_FAM(flags, NC_FAM_LSTAT, NC_FAM_STAT), int,        \
  __fxstatat,                                                                  \
  (int ver, int dirfd, const char *path, struct stat *buf, int flags),         \
  (ver, dirfd, path, buf, flags))                                              \
X(NC_CUSTOM, NC_FB, NC__AT_FAM(flags, NC_FAM_LSTAT, NC_FAM_STAT), int,        \
  __fxstatat64,                                                                \
  (int ver, int dirfd, const char *path, struct stat64 *buf, int flags),       \
  (ver, dirfd, path, buf, flags))                                              \
X(NC_CUSTOM, NC_FB, NC_FAM_STATX, int, statx,                                 \
  (int dirfd, const char *path, int flags, unsigned int mask,                  \
   struct statx *buf),                                                         \
  (dirfd, path, flags, mask, buf))                                             \
/* access */                                                                   \
X(NC_CUSTOM, NC_FB, NC_FAM_ACCESS, int, access,                               \
  (const char *path, int mode), (path, mode))                                  \
X(NC_CUSTOM, NC_FB, NC_FAM_ACCESS, int, faccessat,                            \
  (int dirfd, const char *path, int mode, int flags),                          \
  (dirfd, path, mode, flags))                                                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_ACCESS, int, euidaccess,                         \
  (const char *path, int mode), (path, mode))                                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_ACCESS, int, eaccess,                            \
  (const char *path, int mode), (path, mode))                                  \
/* readlink */                                                                 \
X(NC_CUSTOM, NC_FB, NC_FAM_READLINK, ssize_t, readlink,                       \
  (const char *path, char *buf, size_t len), (path, buf, len))                 \
X(NC_CUSTOM, NC_FB, NC_FAM_READLINK, ssize_t, readlinkat,                     \
  (int dirfd, const char *path, char *buf, size_t len),                        \
  (dirfd, path, buf, len))                                                     \
X(NC_CUSTOM, NC_NOFB, NC_FAM_READLINK, ssize_t, __readlink_chk,               \
  (const char *path, char *buf, size_t len, size_t buflen),                    \
  (path, buf, len, buflen))                                                    \
X(NC_CUSTOM, NC_NOFB, NC_FAM_READLINK, ssize_t, __readlinkat_chk,             \
  (int dirfd, const char *path, char *buf, size_t len, size_t buflen),         \
  (dirfd, path, buf, len, buflen))                                             \
/* realpath */                                                                 \
X(NC_CUSTOM, NC_NOFB, NC_FAM_REALPATH, char *, realpath,                      \
  (const char *path, char *resolved), (path, resolved))                        \
X(NC_CUSTOM, NC_NOFB, NC_FAM_REALPATH, char *, __realpath_chk,              \
  (const char *path, char *resolved, size_t resolvedlen),                      \
  (path, resolved, resolvedlen))                                               \
X(NC_CUSTOM, NC_NOFB, NC_FAM_REALPATH, char *, canonicalize_file_name,        \
  (const char *path), (path))                                                  \
/* open: the variadic ones are written by hand (wrap_open.c) */               \
X(NC_CUSTOM, NC_FB, NC_FAM_OPEN, int, open,                                    \
  (const char *path, int flags, ...), ())                                      \
X(NC_CUSTOM, NC_FB, NC_FAM_OPEN, int, open64,                                  \
  (const char *path, int flags, ...), ())                                      \
X(NC_CUSTOM, NC_FB, NC_FAM_OPEN, int, openat,                                  \
  (int dirfd, const char *path, int flags, ...), ())                           \
X(NC_CUSTOM, NC_FB, NC_FAM_OPEN, int, openat64,                                \
  (int dirfd, const char *path, int flags, ...), ())                           \
X(NC_CUSTOM, NC_NOFB, NC_FAM_OPEN, int, __open_2,                             \
  (const char *path, int flags), (path, flags))                                \
X(NC_CUSTOM, NC_NOFB, NC_FAM_OPEN, int, __open64_2,                           \
  (const char *path, int flags), (path, flags))                                \
X(NC_CUSTOM, NC_NOFB, NC_FAM_OPEN, int, __openat_2,                           \
  (int dirfd, const char *path, int flags), (dirfd, path, flags))              \
X(NC_CUSTOM, NC_NOFB, NC_FAM_OPEN, int, __openat64_2,                         \
  (int dirfd, const char *path, int flags), (dirfd, path, flags))              \
X(NC_GEN_INT, NC_FB, NC_FAM_OPEN, int, creat,                                  \
  (const char *path, mode_t mode), (path, mode))                               \
X(NC_GEN_INT, NC_FB, NC_FAM_OPEN, int, creat64,                                \
  (const char *path, mode_t mode), (path, mode))                               \
/* fopen */                                                                    \
X(NC_CUSTOM, NC_NOFB, NC_FAM_FOPEN, FILE *, fopen,                            \
  (const char *path, const char *mode), (path, mode))                          \
X(NC_CUSTOM, NC_NOFB, NC_FAM_FOPEN, FILE *, fopen64,                          \
  (const char *path, const char *mode), (path, mode))                          \
X(NC_CUSTOM, NC_NOFB, NC_FAM_FOPEN, FILE *, freopen,                          \
  (const char *path, const char *mode, FILE *stream), (path, mode, stream))    \
X(NC_CUSTOM, NC_NOFB, NC_FAM_FOPEN, FILE *, freopen64,                        \
  (const char *path, const char *mode, FILE *stream), (path, mode, stream))    \
/* directory streams (wrap_dir.c): opendir answered with a cached listing */ \
X(NC_CUSTOM, NC_NOFB, NC_FAM_OPENDIR, DIR *, opendir,                          \
  (const char *name), (name))                                                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, closedir, (DIR *dirp), (dirp))         \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, struct dirent *, readdir, (DIR *dirp),     \
  (dirp))                                                                      \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, struct dirent64 *, readdir64,               \
  (DIR *dirp), (dirp))                                                         \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, readdir_r,                             \
  (DIR *dirp, struct dirent *entry, struct dirent **result),                   \
  (dirp, entry, result))                                                       \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, readdir64_r,                           \
  (DIR *dirp, struct dirent64 *entry, struct dirent64 **result),               \
  (dirp, entry, result))                                                       \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, dirfd, (DIR *dirp), (dirp))            \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, long, telldir, (DIR *dirp), (dirp))         \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, void, seekdir, (DIR *dirp, long pos),       \
  (dirp, pos))                                                                 \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, void, rewinddir, (DIR *dirp), (dirp))       \
/* calls that change the tree */                                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UNLINK, int, unlink,                             \
  (const char *path), (path))                                                  \
X(NC_GEN_INT, NC_NOFB,                                                         \
  ((flags) & AT_REMOVEDIR) ? NC_FAM_RMDIR : NC_FAM_UNLINK, int, unlinkat,      \
  (int dirfd, const char *path, int flags), (dirfd, path, flags))              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UNLINK, int, remove,                             \
  (const char *path), (path))                                                  \
X(NC_GEN_INT, NC_NOFB, NC_FAM_RMDIR, int, rmdir,                               \
  (const char *path), (path))                                                  \
X(NC_GEN_INT, NC_NOFB, NC_FAM_RENAME, int, rename,                             \
  (const char *oldpath, const char *newpath), (oldpath, newpath))              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_RENAME, int, renameat,                           \
  (int olddirfd, const char *oldpath, int newdirfd, const char *newpath),      \
  (olddirfd, oldpath, newdirfd, newpath))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_RENAME, int, renameat2,                          \
  (int olddirfd, const char *oldpath, int newdirfd, const char *newpath,       \
   unsigned int flags),                                                        \
  (olddirfd, oldpath, newdirfd, newpath, flags))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKDIR, int, mkdir,                               \
  (const char *path, mode_t mode), (path, mode))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKDIR, int, mkdirat,                             \
  (int dirfd, const char *path, mode_t mode), (dirfd, path, mode))             \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, mknod,                               \
  (const char *path, mode_t mode, dev_t dev), (path, mode, dev))               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, mknodat,                             \
  (int dirfd, const char *path, mode_t mode, dev_t dev),                       \
  (dirfd, path, mode, dev))                                                    \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, __xmknod,                            \
  (int ver, const char *path, mode_t mode, dev_t *dev),                        \
  (ver, path, mode, dev))                                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, __xmknodat,                          \
  (int ver, int dirfd, const char *path, mode_t mode, dev_t *dev),             \
  (ver, dirfd, path, mode, dev))                                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, mkfifo,                              \
  (const char *path, mode_t mode), (path, mode))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKNOD, int, mkfifoat,                            \
  (int dirfd, const char *path, mode_t mode), (dirfd, path, mode))             \
X(NC_GEN_INT, NC_NOFB, NC_FAM_LINK, int, link,                                 \
  (const char *oldpath, const char *newpath), (oldpath, newpath))              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_LINK, int, linkat,                               \
  (int olddirfd, const char *oldpath, int newdirfd, const char *newpath,       \
   int flags),                                                                 \
  (olddirfd, oldpath, newdirfd, newpath, flags))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_SYMLINK, int, symlink,                           \
  (const char *target, const char *linkpath), (target, linkpath))              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_SYMLINK, int, symlinkat,                         \
  (const char *target, int newdirfd, const char *linkpath),                    \
  (target, newdirfd, linkpath))                                                \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHMOD, int, chmod,                               \
  (const char *path, mode_t mode), (path, mode))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHMOD, int, fchmod,                              \
  (int fd, mode_t mode), (fd, mode))                                           \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHMOD, int, fchmodat,                            \
  (int dirfd, const char *path, mode_t mode, int flags),                       \
  (dirfd, path, mode, flags))                                                  \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHMOD, int, lchmod,                              \
  (const char *path, mode_t mode), (path, mode))                               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHOWN, int, chown,                               \
  (const char *path, uid_t owner, gid_t group), (path, owner, group))          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHOWN, int, lchown,                              \
  (const char *path, uid_t owner, gid_t group), (path, owner, group))          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHOWN, int, fchown,                              \
  (int fd, uid_t owner, gid_t group), (fd, owner, group))                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHOWN, int, fchownat,                            \
  (int dirfd, const char *path, uid_t owner, gid_t group, int flags),          \
  (dirfd, path, owner, group, flags))                                          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, utime,                               \
  (const char *path, const struct utimbuf *times), (path, times))              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, utimes,                              \
  (const char *path, const struct timeval times[2]), (path, times))            \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, lutimes,                             \
  (const char *path, const struct timeval times[2]), (path, times))            \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, futimes,                             \
  (int fd, const struct timeval times[2]), (fd, times))                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, futimesat,                           \
  (int dirfd, const char *path, const struct timeval times[2]),                \
  (dirfd, path, times))                                                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, utimensat,                           \
  (int dirfd, const char *path, const struct timespec times[2], int flags),    \
  (dirfd, path, times, flags))                                                 \
X(NC_GEN_INT, NC_NOFB, NC_FAM_UTIME, int, futimens,                            \
  (int fd, const struct timespec times[2]), (fd, times))                       \
X(NC_GEN_INT, NC_NOFB, NC_FAM_TRUNCATE, int, truncate,                         \
  (const char *path, off_t length), (path, length))                            \
X(NC_GEN_INT, NC_NOFB, NC_FAM_TRUNCATE, int, truncate64,                       \
  (const char *path, off64_t length), (path, length))                          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_TRUNCATE, int, ftruncate,                        \
  (int fd, off_t length), (fd, length))                                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_TRUNCATE, int, ftruncate64,                      \
  (int fd, off64_t length), (fd, length))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkstemp,                            \
  (char *tmpl), (tmpl))                                                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkstemp64,                          \
  (char *tmpl), (tmpl))                                                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkostemp,                           \
  (char *tmpl, int flags), (tmpl, flags))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkostemp64,                         \
  (char *tmpl, int flags), (tmpl, flags))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkstemps,                           \
  (char *tmpl, int suffixlen), (tmpl, suffixlen))                              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkstemps64,                         \
  (char *tmpl, int suffixlen), (tmpl, suffixlen))                              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkostemps,                          \
  (char *tmpl, int suffixlen, int flags), (tmpl, suffixlen, flags))            \
X(NC_GEN_INT, NC_NOFB, NC_FAM_MKTEMP, int, mkostemps64,                        \
  (char *tmpl, int suffixlen, int flags), (tmpl, suffixlen, flags))            \
X(NC_GEN_PTR, NC_NOFB, NC_FAM_MKTEMP, char *, mkdtemp,                         \
  (char *tmpl), (tmpl))                                                        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_BIND, int, bind,                                 \
  (int fd, const struct sockaddr *addr, socklen_t len), (fd, addr, len))       \
/* calls that change what a relative path means */                             \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHDIR, int, chdir,                               \
  (const char *path), (path))                                                  \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHDIR, int, fchdir,                              \
  (int fd), (fd))                                                              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CHROOT, int, chroot,                             \
  (const char *path), (path))                                                  \
/* calls after which relaxed mode checks for changes (a child ended) */      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, pid_t, wait, (int *status), (status))      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, pid_t, waitpid,                            \
  (pid_t pid, int *status, int options), (pid, status, options))               \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, pid_t, wait3,                              \
  (int *status, int options, struct rusage *ru), (status, options, ru))        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, pid_t, wait4,                              \
  (pid_t pid, int *status, int options, struct rusage *ru),                    \
  (pid, status, options, ru))                                                  \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, int, waitid,                               \
  (idtype_t idtype, id_t id, siginfo_t *info, int options),                    \
  (idtype, id, info, options))                                                 \
X(NC_GEN_INT, NC_NOFB, NC_FAM_WAIT, int, pclose, (FILE *stream), (stream))     \
/* calls that change whose permissions apply, or the namespace: flush */     \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setuid, (uid_t uid), (uid))           \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, seteuid, (uid_t uid), (uid))          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setreuid, (uid_t ru, uid_t eu), (ru, eu)) \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setresuid,                            \
  (uid_t ru, uid_t eu, uid_t su), (ru, eu, su))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setgid, (gid_t gid), (gid))           \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setegid, (gid_t gid), (gid))          \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setregid, (gid_t rg, gid_t eg), (rg, eg)) \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setresgid,                            \
  (gid_t rg, gid_t eg, gid_t sg), (rg, eg, sg))                                      \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setgroups,                            \
  (size_t size, const gid_t *list), (size, list))                              \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, unshare, (int flags), (flags))        \
X(NC_GEN_INT, NC_NOFB, NC_FAM_CRED, int, setns, (int fd, int nstype),          \
  (fd, nstype))                                                                \
/* glibc functions that chdir internally, bypassing the chdir wrapper */     \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, nftw,                                  \
  (const char *dir, __nftw_func_t fn, int fds, int flags), ())                 \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, nftw64,                                \
  (const char *dir, __nftw64_func_t fn, int fds, int flags), ())               \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, FTS *, fts_open,                            \
  (char *const *argv, int options,                                             \
   int (*compar)(const FTSENT **, const FTSENT **)), ())                       \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, FTS64 *, fts64_open,                        \
  (char *const *argv, int options,                                             \
   int (*compar)(const FTSENT64 **, const FTSENT64 **)), ())                   \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, fts_close, (FTS *ftsp), ())            \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, fts64_close, (FTS64 *ftsp), ())        \
/* descriptors: the program may close or replace ours (wrap_proc.c) */       \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, close, (int fd), ())                   \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, close_range,                           \
  (unsigned int first, unsigned int last, int flags), ())                      \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, void, closefrom, (int lowfd), ())           \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, dup2, (int oldfd, int newfd), ())      \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, dup3,                                  \
  (int oldfd, int newfd, int flags), ())                                       \
/* process life cycle: statistics survive exec and _exit; the new image's     \
   environment keeps the shim (wrap_exec.c, wrap_proc.c) */                   \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execve,                                \
  (const char *path, char *const argv[], char *const envp[]), ())              \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execv,                                 \
  (const char *path, char *const argv[]), ())                                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execvp,                                \
  (const char *file, char *const argv[]), ())                                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execvpe,                               \
  (const char *file, char *const argv[], char *const envp[]), ())              \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, fexecve,                               \
  (int fd, char *const argv[], char *const envp[]), ())                        \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execveat,                              \
  (int dirfd, const char *path, char *const argv[], char *const envp[],        \
   int flags), ())                                                             \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execl,                                 \
  (const char *path, const char *arg, ...), ())                                \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execlp,                                \
  (const char *file, const char *arg, ...), ())                                \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, execle,                                \
  (const char *path, const char *arg, ...), ())                                \
/* spawn: the new image's environment, as for exec (wrap_exec.c) */          \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, posix_spawn,                           \
  (pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,         \
   const posix_spawnattr_t *attr, char *const argv[], char *const envp[]), ()) \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, posix_spawnp,                          \
  (pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,         \
   const posix_spawnattr_t *attr, char *const argv[], char *const envp[]), ()) \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, int, system, (const char *cmd), ())         \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, FILE *, popen,                              \
  (const char *cmd, const char *mode), ())                                     \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, void, _exit, (int status), ())              \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, void, _Exit, (int status), ())              \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, pid_t, _Fork, (void), ())                  \
X(NC_CUSTOM, NC_NOFB, NC_FAM_NONE, pid_t, fork, (void), ())
/* clang-format on */

#endif /* NC_INTERCEPT_H */
