/*
 * Mount changes as the paths they touch (the writer), and the state of
 * the mount table as one number (a shared client).
 *
 * /proc/self/mountinfo reports POLLPRI after any mount, unmount, move or
 * remount in our namespace, anywhere.  A machine that runs containers or
 * automounts changes its table every few seconds, far from any path a
 * build looks up: flushing the cache for each change emptied it.  So the
 * writer keeps the table it last read (a snapshot: each mount's id, a
 * hash of its line, its mount point) and, when a change is heard, reads
 * the table again and names every mount point whose line appeared,
 * disappeared or changed (its options, its parent, its propagation): the
 * caller drops the cached dentry at that path, with everything reached
 * through it (notify.c: nc__mount_apply_locked).  A path through no such
 * mount point resolves as before, to the same inode with the same mount
 * options: it keeps its entries.
 *
 * Why a reread finds every change heard: the kernel changes the mount
 * list (under namespace_sem) or a mount's flags (under mount_lock) and
 * then bumps the namespace's event count (touch_mnt_namespace), which
 * mounts_poll() compares; a change that was heard is therefore complete
 * before the reread starts.  The reread may
 * also show part of a change made while it runs (each read() holds the
 * lock for one buffer only); that change raises POLLPRI again, and the
 * next reread, compared with this one, names what this one missed: a
 * line that differs between the first and the last table differs
 * between two consecutive ones.
 *
 * The daemon reads its first table when it starts; a process caching for
 * itself at the first change it hears (that one flushes), so that a
 * process that never hears one never reads the table.
 *
 * The snapshots live in memory of our own (mmap once, never freed): the
 * writer may run inside a signal handler of the host program, where
 * malloc is not allowed.  A table that does not fit (MNT_TEXT bytes,
 * MNT_MAX mounts), or cannot be read, makes nc__mounts_apply() fail: the
 * caller flushes, as it did for every change.
 *
 * A client of the daemon has no snapshot: it compares the hash of the
 * whole table, as it reads it after hearing a change, with the hash of
 * the table the daemon last applied (hdr->mount_hash).  Equal contents,
 * with no fill of the daemon's open across the reading, mean every change
 * the client heard is applied (notify.c: nc__notify_mount_settle).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "cache_int.h"

#define MNT_TEXT (1u << 20) /* bytes of mountinfo */
#define MNT_MAX 16384u	    /* mounts */
#define MNT_SLOTS (2 * MNT_MAX)

struct mnt {
	uint32_t id;
	uint32_t mp; /* offset of the mount point (escaped, NUL-ended) */
	uint64_t hash;
};

struct snap {
	char text[MNT_TEXT + 1];
	struct mnt m[MNT_MAX];
	uint32_t n;
};

struct mem {
	struct snap s[2];
	uint32_t slot[MNT_SLOTS]; /* id -> 1 + index in the old snapshot */
	unsigned char seen[MNT_MAX];
};

static struct mem *mem;
static int cur = -1; /* the snapshot last applied; -1: none */

int nc__mounts_file(void)
{
	return nc__fd_rehome((int)syscall(SYS_openat, AT_FDCWD,
					  "/proc/self/mountinfo",
					  O_RDONLY | O_CLOEXEC));
}

/* Read the table into @s: 0, or -1 (unreadable, too large). */
static int snap_read(struct snap *s, uint64_t *all)
{
	int fd = nc__mounts_file();
	size_t len = 0;
	char *p, *end;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t r =
		    syscall(SYS_read, fd, s->text + len, MNT_TEXT - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			syscall(SYS_close, fd);
			if (r < 0 || len == MNT_TEXT)
				return -1;
			break;
		}
		len += (size_t)r;
		if (len == MNT_TEXT) {
			char c;

			/* Full: more than MNT_TEXT only if one byte more. */
			if (syscall(SYS_read, fd, &c, 1) != 0) {
				syscall(SYS_close, fd);
				return -1;
			}
			syscall(SYS_close, fd);
			break;
		}
	}
	*all = XXH3_64bits(s->text, len);
	s->text[len] = '\0';
	s->n = 0;
	for (p = s->text, end = s->text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *f = p, *mp;
		unsigned long id = 0;

		if (!nl || s->n == MNT_MAX)
			return -1;
		/* ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS ... */
		while (f < nl && *f >= '0' && *f <= '9')
			id = id * 10 + (unsigned long)(*f++ - '0');
		for (int i = 0; i < 4 && f < nl; i++) {
			f = memchr(f, ' ', (size_t)(nl - f));
			if (!f)
				return -1;
			f++;
		}
		mp = f;
		f = memchr(mp, ' ', (size_t)(nl - mp));
		if (!f || f == mp || id > UINT32_MAX)
			return -1;
		s->m[s->n].id = (uint32_t)id;
		s->m[s->n].hash = XXH3_64bits(p, (size_t)(nl - p));
		s->m[s->n].mp = (uint32_t)(mp - s->text);
		*f = '\0'; /* after the line was hashed */
		s->n++;
		p = nl + 1;
	}
	return 0;
}

static uint32_t slot_of(uint32_t id)
{
	return (uint32_t)(id * 2654435761u) & (MNT_SLOTS - 1);
}

/* The mount point @esc (mountinfo's octal escapes: \040 space, \011
 * tab, \012 newline, \134 backslash) into @out: 0, or -1. */
static int unescape(const char *esc, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *c = esc; *c; c++) {
		char v = *c;

		if (v == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' &&
		    c[2] <= '7' && c[3] >= '0' && c[3] <= '7') {
			v = (char)((c[1] - '0') * 64 + (c[2] - '0') * 8 +
				   (c[3] - '0'));
			c += 3;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = v;
	}
	out[n] = '\0';
	return 0;
}

static int touch(const struct snap *s, const struct mnt *m,
		 int (*drop_path)(const char *path))
{
	char path[PATH_MAX];

	if (unescape(s->text + m->mp, path, sizeof(path)) < 0 || path[0] != '/')
		return -1;
	return drop_path(path);
}

int nc__mounts_base(uint64_t *all)
{
	int e = errno, r = -1;

	if (!mem) {
		void *p =
		    mmap(NULL, sizeof(*mem), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		mem = p;
	}
	cur = -1;
	if (snap_read(&mem->s[0], all) == 0) {
		cur = 0;
		r = 0;
	}
	errno = e;
	return r;
}

int nc__mounts_apply(int (*drop_path)(const char *path), uint64_t *all)
{
	struct snap *old, *new;
	int r = 0, e = errno;

	if (cur < 0) /* no base yet: this table is, and the caller flushes */
		return nc__mounts_base(all) == 0 ? -1 : -2;
	old = &mem->s[cur];
	new = &mem->s[!cur];
	r = snap_read(new, all);
	errno = e;
	if (r < 0)
		return -2;
	memset(mem->slot, 0, sizeof(mem->slot));
	for (uint32_t i = 0; i < old->n; i++) {
		uint32_t k = slot_of(old->m[i].id);

		while (mem->slot[k])
			k = (k + 1) & (MNT_SLOTS - 1);
		mem->slot[k] = i + 1;
		mem->seen[i] = 0;
	}
	for (uint32_t i = 0; i < new->n &&r == 0; i++) {
		const struct mnt *m = &new->m[i];
		const struct mnt *o = NULL;
		uint32_t k = slot_of(m->id);

		for (; mem->slot[k]; k = (k + 1) & (MNT_SLOTS - 1))
			if (old->m[mem->slot[k] - 1].id == m->id &&
			    !mem->seen[mem->slot[k] - 1]) {
				o = &old->m[mem->slot[k] - 1];
				mem->seen[mem->slot[k] - 1] = 1;
				break;
			}
		if (o && o->hash == m->hash)
			continue;
		if (o)
			r = touch(old, o, drop_path);
		if (r == 0)
			r = touch(new, m, drop_path);
	}
	for (uint32_t i = 0; i < old->n && r == 0; i++)
		if (!mem->seen[i])
			r = touch(old, &old->m[i], drop_path);
	cur = !cur; /* on a failure too: the caller flushes */
	errno = e;
	return r;
}

int nc__mounts_hash(uint64_t *all)
{
	XXH3_state_t st;
	char buf[4096];
	int e = errno, fd = nc__mounts_file();

	if (fd < 0) {
		errno = e;
		return -1;
	}
	XXH3_64bits_reset(&st);
	for (;;) {
		ssize_t r = syscall(SYS_read, fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			syscall(SYS_close, fd);
			errno = e;
			if (r < 0)
				return -1;
			break;
		}
		XXH3_64bits_update(&st, buf, (size_t)r);
	}
	*all = XXH3_64bits_digest(&st);
	return 0;
}
