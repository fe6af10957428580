/*
 * Directory streams: opendir() answered with a listing from the cache.
 *
 * glibc's opendir() opens the directory and fstat()s it; its first
 * readdir() fills a 32 KiB buffer with one getdents64() call, and the next
 * one at the end of the buffer calls it again, which says "end" (or
 * returns entries created since).  A stream of ours does the same with the
 * kernel's bytes taken from the cache: opendir() still opens the directory
 * for real (its errors, EMFILE included, and dirfd() stay the kernel's),
 * but the two getdents64() calls and the fstat() are answered from the
 * listing the daemon (or the in-process writer) read the same way, after
 * watching the directory (fill.c).
 *
 * When the listing may be used (src/cache/cache.c, NC_OP_LIST): the query
 * that opens the directory proves, with the check every hit makes, that
 * the listing was the directory's when it was opened.  The first readdir()
 * asks again (nc__stamp_valid: the directory's dentry unchanged and no
 * event queued), which makes the listing the one a getdents64() call made
 * at that moment would return; glibc's buffer holds what the kernel said
 * then, whatever happens later, and ours holds the same.  At the end of
 * the listing the question is asked once more: "end" only while it is
 * still current, as the kernel's second call would say; else the stream
 * turns to the kernel from the listing's last cookie (d_off), as glibc's
 * second call continues from where its first one ended.
 *
 * The descriptor: until the stream turns to the kernel it has not moved,
 * while glibc's would stand after the listing.  Whatever can see it turns
 * the stream to the kernel first: dirfd() (the program may read, seek or
 * fchdir with it) seeks it to where glibc's would be; seekdir() seeks it;
 * rewinddir() of a stream that never turned needs no seek at all and
 * serves the listing again once it is asked again.  From then on the
 * stream is glibc's, state for state: buffer, offset, size, filepos (the
 * d_off of the entry returned last, what telldir() says), errcode
 * (readdir_r's delayed error), deleted entries (d_ino 0) skipped, ENOENT
 * from a removed directory taken as the end, errno kept at the end.
 *
 * A stream of ours is told from glibc's by its first word, where glibc's
 * DIR has its descriptor, never negative; any other DIR goes to the real
 * functions, so streams from fdopendir(), from glibc's own opendir() on a
 * miss, or from a program's interposer keep working.  Streams are not
 * async-signal-safe in glibc either: this file allocates and locks.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cache/cache.h"
#include "../store/dentry.h"
#include "real.h"

#define NC__DIR_TAG (-0x4e43)	 /* never a descriptor */
#define NC__DIR_TAG2 0x44495220u /* "DIR " */

enum {
	DIR_KERNEL,  /* glibc's stream: the buffer is the kernel's */
	DIR_PENDING, /* the listing copied by opendir(), not served yet */
	DIR_CACHED,  /* the listing served; the descriptor has not moved */
};

struct nc__dir {
	int32_t tag; /* where glibc's DIR has its descriptor */
	uint32_t tag2;
	int fd;
	int lock;
	int state;
	int errcode;
	size_t size, offset; /* the entries in data[], the next one */
	off_t filepos;	     /* telldir(): d_off of the last entry */
	off_t virt;	     /* DIR_CACHED: where glibc's descriptor is */
	size_t cached;	     /* bytes of the listing in data[] */
	size_t allocation;   /* bytes in data[]: glibc's size */
	struct nc_stamp stamp;
	unsigned char data[] __attribute__((aligned(8)));
};

/* glibc's buffer: the directory's st_blksize, within 32 KiB and 1 MiB
 * (opendir.c: __alloc_dir). */
#define DIR_MIN_BUF NC_LIST_MAX
#define DIR_MAX_BUF (1u << 20)

static struct nc__dir *ours(DIR *dirp)
{
	struct nc__dir *d = (struct nc__dir *)dirp;

	if (nc__is_null(dirp) || d->tag != NC__DIR_TAG ||
	    d->tag2 != NC__DIR_TAG2)
		return NULL;
	return d;
}

static void dir_lock(struct nc__dir *d)
{
	while (__atomic_exchange_n(&d->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void dir_unlock(struct nc__dir *d)
{
	__atomic_store_n(&d->lock, 0, __ATOMIC_RELEASE);
}

static long sys_lseek(int fd, off_t pos)
{
	return syscall(SYS_lseek, fd, pos, SEEK_SET);
}

/* The cookie after the listing's last entry: where the descriptor of a
 * stream that read it would stand. */
static off_t end_cookie(const struct nc__dir *d)
{
	size_t off = 0;
	off_t last = 0;

	while (off < d->cached) {
		const struct dirent64 *e = (const void *)&d->data[off];

		last = e->d_off;
		off += e->d_reclen;
	}
	return last;
}

/* Turn the stream to the kernel, its descriptor where glibc's would be;
 * what is left in the buffer is still served first, as glibc serves it. */
static void to_kernel(struct nc__dir *d)
{
	if (d->state == DIR_CACHED)
		sys_lseek(d->fd, d->virt);
	d->state = DIR_KERNEL;
}

/* The buffer is used up: the next bytes (0 at the end, -1 and errno). */
static long refill(struct nc__dir *d)
{
	switch (d->state) {
	case DIR_PENDING: /* glibc's first getdents64() */
		if (nc__stamp_valid(&d->stamp)) {
			d->state = DIR_CACHED;
			d->virt = end_cookie(d);
			return (long)d->cached;
		}
		d->state = DIR_KERNEL; /* the descriptor is still at 0 */
		break;
	case DIR_CACHED: /* the next one: the end, if nothing changed */
		if (nc__stamp_valid(&d->stamp))
			return 0;
		if (sys_lseek(d->fd, d->virt) < 0)
			return -1;
		d->state = DIR_KERNEL;
		break;
	}
	return syscall(SYS_getdents64, d->fd, d->data, d->allocation);
}

static struct dirent64 *next(struct nc__dir *d)
{
	struct dirent64 *dp;
	int saved = errno;

	do {
		if (d->offset >= d->size) {
			long n = refill(d);

			if (n <= 0) {
				if (n < 0 && errno == ENOENT)
					n = 0;
				if (n == 0)
					errno = saved;
				return NULL;
			}
			d->size = (size_t)n;
			d->offset = 0;
		}
		dp = (struct dirent64 *)(void *)&d->data[d->offset];
		d->offset += dp->d_reclen;
		d->filepos = dp->d_off;
	} while (dp->d_ino == 0);
	return dp;
}

/* readdir_r's variant (glibc's readdir64_r.c): errors are delayed in
 * errcode, an overlong name is skipped with ENAMETOOLONG. */
static int next_r(struct nc__dir *d, struct dirent64 *entry,
		  struct dirent64 **result)
{
	const int saved = errno;
	struct dirent64 *dp = NULL;
	size_t reclen = 0;

	for (;;) {
		if (d->offset >= d->size) {
			long n = refill(d);

			if (n <= 0) {
				if (n < 0 && errno == ENOENT) {
					n = 0;
					errno = saved;
				}
				if (n < 0)
					d->errcode = errno;
				dp = NULL;
				break;
			}
			d->size = (size_t)n;
			d->offset = 0;
		}
		dp = (struct dirent64 *)(void *)&d->data[d->offset];
		reclen = dp->d_reclen;
		d->offset += reclen;
		d->filepos = dp->d_off;
		if (reclen > offsetof(struct dirent64, d_name) + NAME_MAX + 1) {
			size_t namelen = strlen(dp->d_name);

			if (namelen > NAME_MAX) {
				d->errcode = ENAMETOOLONG;
				continue;
			}
			reclen =
			    offsetof(struct dirent64, d_name) + namelen + 1;
		}
		if (dp->d_ino != 0) /* deleted entries are skipped */
			break;
	}
	if (dp) {
		*result = memcpy(entry, dp, reclen);
		entry->d_reclen = (unsigned short)reclen;
		return 0;
	}
	*result = NULL;
	return d->errcode;
}

/* ---- the entry points ---------------------------------------------- */

/* A stream that is not ours goes to the real function (ENOSYS and @fail
 * when there is none, as for every wrapper without a fallback). */
#define DIR_REAL(name, fail, args)                 \
	do {                                       \
		nc__fn_##name fn_ = NC_REAL(name); \
                                                   \
		if (!fn_) {                        \
			errno = ENOSYS;            \
			return fail;               \
		}                                  \
		return fn_ args;                   \
	} while (0)

/* The next entry of our stream @d (readdir, readdir64). */
static struct dirent64 *read_locked(struct nc__dir *d)
{
	struct dirent64 *r;

	dir_lock(d);
	r = next(d);
	dir_unlock(d);
	return r;
}

static DIR *opendir_real(const char *name)
{
	nc__fn_opendir fn = NC_REAL(opendir);
	DIR *r;

	if (!fn) {
		errno = ENOSYS;
		r = NULL;
	} else {
		r = fn(name);
	}
	nc__count(NC_FAM_OPENDIR, r == NULL);
	return r;
}

NC_EXPORT DIR *opendir(const char *name)
{
	struct nc_query q;
	struct nc__dir *d;
	int saved = errno, hit;

	if (!nc__cache_usable()) {
		nc__count_doubt(NC_FAM_OPENDIR, NC_DOUBT_MODE);
		return opendir_real(name);
	}
	if (nc__is_null(name) || !name[0] ||
	    !(d = malloc(sizeof(*d) + DIR_MIN_BUF))) {
		errno = saved;
		nc__count_doubt(NC_FAM_OPENDIR, NC_DOUBT_ARGS);
		return opendir_real(name);
	}
	memset(&q, 0, sizeof(q));
	q.op = NC_OP_LIST;
	q.dirfd = AT_FDCWD;
	q.path = name;
	q.out.buf = (char *)d->data;
	q.len = DIR_MIN_BUF;
	q.fd = -1;
	hit = nc__query(&q) == NC_Q_HIT;
	if (q.fd >= 0) { /* opened: a stream of ours */
		size_t want = DIR_MIN_BUF;

		if (q.blksize > (long)DIR_MIN_BUF)
			want = q.blksize < (long)DIR_MAX_BUF ? (size_t)q.blksize
							     : DIR_MAX_BUF;
		if (want > DIR_MIN_BUF) {
			struct nc__dir *big = realloc(d, sizeof(*d) + want);

			if (!big) { /* glibc's opendir() fails so too */
				free(d);
				syscall(SYS_close, q.fd);
				errno = ENOMEM;
				nc__count_doubt(NC_FAM_OPENDIR, NC_DOUBT_ARGS);
				nc__count(NC_FAM_OPENDIR, 1);
				return NULL;
			}
			d = big;
		}
		d->allocation = want;
		d->tag = NC__DIR_TAG;
		d->tag2 = NC__DIR_TAG2;
		d->fd = q.fd;
		d->lock = 0;
		d->errcode = 0;
		d->size = d->offset = 0;
		d->filepos = d->virt = 0;
		d->state = hit ? DIR_PENDING : DIR_KERNEL;
		d->cached = hit ? (size_t)q.ret : 0;
		d->stamp = q.stamp;
		errno = saved;
		if (hit) {
			nc__count_hit(NC_FAM_OPENDIR, 0);
		} else {
			nc__count_doubt(NC_FAM_OPENDIR, q.doubt);
			nc__count(NC_FAM_OPENDIR, 0);
		}
		return (DIR *)(void *)d;
	}
	free(d);
	if (q.open_err) { /* the kernel's own answer */
		errno = q.open_err;
		nc__count_doubt(NC_FAM_OPENDIR, q.doubt);
		nc__count(NC_FAM_OPENDIR, 1);
		return NULL;
	}
	if (hit && q.ret < 0) { /* a failure the cache knows */
		errno = q.err;
		nc__count_hit(NC_FAM_OPENDIR, 1);
		return NULL;
	}
	errno = saved;
	nc__count_doubt(NC_FAM_OPENDIR, hit ? NC_DOUBT_CHANGED : q.doubt);
	return opendir_real(name);
}

NC_EXPORT int closedir(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);
	int fd;

	if (!d)
		DIR_REAL(closedir, -1, (dirp));
	fd = d->fd;
	d->tag = 0;
	free(d);
	return (int)syscall(SYS_close, fd);
}

NC_EXPORT struct dirent64 *readdir64(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);

	if (!d)
		DIR_REAL(readdir64, NULL, (dirp));
	return read_locked(d);
}

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64) &&
		   offsetof(struct dirent, d_name) ==
		       offsetof(struct dirent64, d_name),
	       "readdir and readdir64 share a layout (LP64)");

NC_EXPORT struct dirent *readdir(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);

	if (!d)
		DIR_REAL(readdir, NULL, (dirp));
	return (struct dirent *)(void *)read_locked(d);
}

NC_EXPORT int readdir64_r(DIR *dirp, struct dirent64 *entry,
			  struct dirent64 **result)
{
	struct nc__dir *d = ours(dirp);
	int r;

	if (!d) {
		nc__fn_readdir64_r fn = NC_REAL(readdir64_r);

		return fn ? fn(dirp, entry, result) : ENOSYS;
	}
	dir_lock(d);
	r = next_r(d, entry, result);
	dir_unlock(d);
	return r;
}

NC_EXPORT int readdir_r(DIR *dirp, struct dirent *entry, struct dirent **result)
{
	struct nc__dir *d = ours(dirp);
	int r;

	if (!d) {
		nc__fn_readdir_r fn = NC_REAL(readdir_r);

		return fn ? fn(dirp, entry, result) : ENOSYS;
	}
	dir_lock(d);
	r = next_r(d, (struct dirent64 *)(void *)entry,
		   (struct dirent64 **)(void *)result);
	dir_unlock(d);
	return r;
}

NC_EXPORT int dirfd(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);
	int saved = errno, fd;

	if (!d)
		DIR_REAL(dirfd, -1, (dirp));
	dir_lock(d);
	to_kernel(d);
	fd = d->fd;
	dir_unlock(d);
	errno = saved;
	return fd;
}

NC_EXPORT long telldir(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);
	long r;

	if (!d)
		DIR_REAL(telldir, -1, (dirp));
	dir_lock(d);
	r = (long)d->filepos;
	dir_unlock(d);
	return r;
}

NC_EXPORT void seekdir(DIR *dirp, long pos)
{
	struct nc__dir *d = ours(dirp);

	if (!d) {
		nc__fn_seekdir fn = NC_REAL(seekdir);

		if (fn)
			fn(dirp, pos);
		return;
	}
	dir_lock(d);
	d->state = DIR_KERNEL;
	sys_lseek(d->fd, (off_t)pos);
	d->size = 0;
	d->offset = 0;
	d->filepos = (off_t)pos;
	dir_unlock(d);
}

NC_EXPORT void rewinddir(DIR *dirp)
{
	struct nc__dir *d = ours(dirp);

	if (!d) {
		nc__fn_rewinddir fn = NC_REAL(rewinddir);

		if (fn)
			fn(dirp);
		return;
	}
	dir_lock(d);
	/* A descriptor that never moved is where glibc's seek puts it: the
	 * listing, asked about again at the next readdir(), will do. */
	if (d->state == DIR_KERNEL)
		sys_lseek(d->fd, 0);
	else
		d->state = DIR_PENDING;
	d->filepos = 0;
	d->offset = 0;
	d->size = 0;
	d->errcode = 0;
	dir_unlock(d);
}
