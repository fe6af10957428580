/*
 * Keeping descendants under the cache: the environment of a new image.
 *
 * `namecache run` promises CMD "and all its descendants" under the cache,
 * but a program may start a child with an environment of its own making:
 * env -i, a test driver's fresh environment, a harness that sets
 * LD_PRELOAD to its own library.  With NAMECACHE_INHERIT=1 (which
 * `namecache run` sets, and a bare LD_PRELOAD user may set) every exec and
 * spawn wrapper (wrap_exec.c) gives the new image an environment that
 * still loads the shim with this image's settings:
 *
 *   - LD_PRELOAD keeps every entry the program put there, in its order,
 *     and gets the shim appended when no entry names the shim's file (the
 *     same string, or a path to the same inode).  Appending leaves the
 *     program's libraries first in the search order, where it asked for
 *     them: its interposers still see each call first and reach the shim
 *     as if it were part of the C library (so the cache stays on under
 *     them, real.c), and a sanitizer runtime it preloads stays first, as
 *     it must.
 *   - each NAMECACHE_* variable of this image's start-up environment that
 *     the new environment lacks is added; one the program set, to any
 *     value, is kept as it is.
 *
 * Nothing is changed when nothing is missing, and the program's envp is
 * never written: the new one is built in the wrapper's own stack frame,
 * exactly sized and bounded (NC__ENV_MAX entries, NC__PRELOAD_MAX bytes of
 * LD_PRELOAD; beyond that the call goes ahead unchanged), because these
 * wrappers run in vfork children and in children of multithreaded
 * parents, where malloc may deadlock.  Only raw system calls and pure
 * string functions are used; errno is the real call's.
 *
 * Left as the program gave it, and counted (exec= in the record):
 *   setid      the file, or the interpreter its "#!" line names, is
 *              set-user-ID, set-group-ID (with group execute) or has file
 *              capabilities: the loader runs it in secure mode and ignores
 *              the shim anyway, and added variables could only change
 *              what a privileged program sees.
 *   unchecked  the file could not be examined (it does not exist, a
 *              relative path that posix_spawn resolves after file actions
 *              that may change directory, two LD_PRELOAD entries).
 *   noroom     the new environment would exceed the bounds above.
 *   threads    system() or popen() in a multithreaded process (below).
 *
 * exec*p and posix_spawnp search PATH: the candidates are examined in
 * glibc's order (the caller's PATH, else /bin:/usr/bin) up to the first
 * executable regular file, and a privileged candidate on the way leaves
 * the environment alone, so the check errs towards "unchanged".
 *
 * system() and popen() run /bin/sh with environ through glibc's internal
 * spawn, which no wrapper reaches; rewriting them (signal dispositions,
 * cancellation, popen's stream list and pclose) would trade exactness for
 * coverage.  When environ itself lacks what the shell needs, environ is
 * pointed at a rebuilt copy for the duration of the real call and pointed
 * back after it; the array the program owns is not touched.  That is
 * sound only while no other thread can read or change environ, so it is
 * done only in a single-threaded process (__libc_single_threaded); else
 * the call goes ahead unchanged ("threads").
 *
 * What protects what: `carry` is written once, by the library
 * constructor, before `ready` is published with a release store; wrappers
 * read it only after an acquire load of `ready` and never write it.  A
 * wrapper that runs before the constructor (another library's constructor
 * execs) passes the environment through.  Fork children inherit it as it
 * is; exec starts over.
 */
#include <link.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>

#include "../cache/cache.h"
#include "../common/config.h"
#include "shim.h"

extern char **environ;

#define NC__CARRY_MAX 16      /* NAMECACHE_* variables carried */
#define NC__ENV_MAX 4096      /* entries of an environment rebuilt */
#define NC__PRELOAD_MAX 16384 /* bytes of an LD_PRELOAD rebuilt */
#define NC__STACK_MAX 8192    /* bytes of a new environment on the stack */
#define NC__CAPS "security.capability"
#define NC__PRELOAD "LD_PRELOAD="
#define NC__PRELOAD_LEN (sizeof(NC__PRELOAD) - 1)

static struct {
	int ready;
	const char *shim; /* absolute path of this library */
	size_t shim_len;
	const char *base; /* its file name */
	dev_t dev;
	ino_t ino;
	const char *front; /* entries that must precede it, or "" */
	size_t front_len;
	int nvars;
	const char *var[NC__CARRY_MAX]; /* "NAME=value" */
	size_t name_len[NC__CARRY_MAX]; /* strlen("NAME=") */
	size_t used;
	char store[4 * PATH_MAX];
} carry;

/* ---- set-up (constructor) ----------------------------------------------- */

static const char *keep(const char *s, size_t n)
{
	char *p;

	if (n + 1 > sizeof(carry.store) - carry.used)
		return NULL;
	p = carry.store + carry.used;
	memcpy(p, s, n);
	p[n] = '\0';
	carry.used += n + 1;
	return p;
}

static int raw_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

/*
 * Does the LD_PRELOAD entry @e (@n bytes) name this library?  A bare file
 * name (no '/') is searched for by ld.so in places this code cannot see,
 * so it counts only when @bare: at start-up, to tell that the library was
 * preloaded.  For a new image the shim's path is then added even so; ld.so
 * loads a file named twice once.
 */
static int names_shim(const char *e, size_t n, int bare)
{
	char path[PATH_MAX];
	struct stat st;

	if (n == carry.shim_len && !memcmp(e, carry.shim, n))
		return 1;
	if (!memchr(e, '/', n))
		return bare && n == strlen(carry.base) &&
		       !memcmp(e, carry.base, n);
	if (n >= sizeof(path))
		return 0;
	memcpy(path, e, n);
	path[n] = '\0';
	return raw_stat(AT_FDCWD, path, &st, 0) == 0 &&
	       st.st_dev == carry.dev && st.st_ino == carry.ino;
}

/* The offset of the first entry of the LD_PRELOAD value @v that names
 * this library, or -1.  ld.so separates entries by spaces and colons. */
static long find_shim(const char *v, int bare)
{
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, " :");

		if (n && names_shim(p, n, bare))
			return p - v;
		p += n;
		p += strspn(p, " :");
	}
	return -1;
}

/* Should the start-up variable @e be carried? */
static int carried(const char *e)
{
	if (!strncmp(e, "NAMECACHE_", 10))
		return 1;
#if defined(__SANITIZE_ADDRESS__)
	/* A sanitizer build's runtime settings (test builds only). */
	return !strncmp(e, "ASAN_OPTIONS=", 13) ||
	       !strncmp(e, "UBSAN_OPTIONS=", 14);
#else
	return 0;
#endif
}

/* Which loaded object holds an address (dladdr() would also scan the
 * object's symbols for the nearest one: 4-6 us here, once per image). */
struct whose {
	uintptr_t at;
	const char *name;
};

static int own_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct whose *w = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && w->at >= lo &&
		    w->at - lo < ph->p_memsz) {
			w->name = info->dlpi_name;
			return 1;
		}
	}
	return 0;
}

/*
 * Called by the constructor when NAMECACHE_INHERIT=1.  Only a shim that
 * was itself preloaded is carried on: a program that links the library
 * for the nc_ API, or dlopen()s it, gets its environment as it built it.
 * Returns NULL, or why nothing will be carried (the caller logs it).
 */
const char *nc__inherit_setup(void)
{
	const char *pre = getenv("LD_PRELOAD");
	char path[PATH_MAX];
	struct nc__buf b;
	struct stat st;
	struct whose self = {.at = (uintptr_t)nc__inherit_setup};
	long at;

	if (dl_iterate_phdr(own_object, &self) != 1 || !self.name ||
	    !self.name[0])
		return "cannot find the library's own path";
	nc__buf_init(&b, path, sizeof(path));
	if (self.name[0] != '/') {
		char cwd[PATH_MAX];

		if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0)
			return "cannot find the library's path";
		nc__buf_str(&b, cwd);
		nc__buf_chr(&b, '/');
	}
	nc__buf_str(&b, self.name);
	if (b.overflow || strpbrk(path, " :\t\n"))
		return "the library's path cannot be preloaded";
	if (raw_stat(AT_FDCWD, path, &st, 0) < 0)
		return "the library's path cannot be examined";
	carry.shim = keep(path, b.len);
	carry.shim_len = b.len;
	carry.base = strrchr(carry.shim, '/') + 1;
	carry.dev = st.st_dev;
	carry.ino = st.st_ino;
	at = pre ? find_shim(pre, 1) : -1;
	if (at < 0)
		return NULL; /* not preloaded */
#if defined(__SANITIZE_ADDRESS__)
	/* The sanitizer runtime must stay first in the list. */
	while (at > 0 && strchr(" :", pre[at - 1]))
		at--;
	carry.front = keep(pre, (size_t)at);
	carry.front_len = (size_t)at;
#else
	carry.front = "";
#endif
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || !carried(*e))
			continue;
		if (carry.nvars == NC__CARRY_MAX ||
		    !(carry.var[carry.nvars] = keep(*e, strlen(*e))))
			return "too many or too long settings";
		carry.name_len[carry.nvars++] = (size_t)(eq - *e) + 1;
	}
	if (!carry.front)
		return "too long a preload list";
	__atomic_store_n(&carry.ready, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- the plan: what a new environment lacks ----------------------------- */

struct plan {
	size_t n;	  /* entries of the program's envp */
	long preload;	  /* index of its LD_PRELOAD entry, or -1 */
	int add_shim;	  /* LD_PRELOAD must get the shim */
	int add_front;	  /* ... and the runtime that must precede it */
	unsigned missing; /* bit i: carry.var[i] is absent */
	size_t slots;	  /* pointers of the new envp, NULL included */
	size_t prelen;	  /* bytes of the new LD_PRELOAD entry, NUL included */
};

/*
 * 0: nothing is missing; 1: @p says what to build; -1: leave the
 * environment alone for the reason in *@why.
 */
static int make_plan(char *const envp[], struct plan *p, int *why)
{
	unsigned present = 0;
	const char *old = "";

	memset(p, 0, sizeof(*p));
	p->preload = -1;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i];

		if (i == NC__ENV_MAX) {
			*why = NC_EXEC_NOROOM;
			return -1;
		}
		p->n = i + 1;
		if (e[0] == 'L' && !strncmp(e, NC__PRELOAD, NC__PRELOAD_LEN)) {
			if (p->preload >= 0) {
				*why = NC_EXEC_UNCHECKED;
				return -1;
			}
			p->preload = (long)i;
			old = e + NC__PRELOAD_LEN;
			continue;
		}
		for (int j = 0; j < carry.nvars; j++)
			if (!strncmp(e, carry.var[j], carry.name_len[j]))
				present |= 1u << j;
	}
	p->missing = ((1u << carry.nvars) - 1) & ~present;
	p->add_shim = find_shim(old, 0) < 0;
	if (!p->add_shim && !p->missing)
		return 0;
	p->slots = p->n + (size_t)__builtin_popcount(p->missing) +
		   (p->preload < 0) + 1;
	if (p->add_shim) {
		size_t olen = strlen(old);

		p->add_front = carry.front_len &&
			       strncmp(old, carry.front, carry.front_len) != 0;
		p->prelen = NC__PRELOAD_LEN + olen + 1 + carry.shim_len + 1;
		if (p->add_front)
			p->prelen += carry.front_len + 1;
		if (p->prelen > NC__PRELOAD_MAX) {
			*why = NC_EXEC_NOROOM;
			return -1;
		}
	}
	/* The new environment is built on the caller's stack (no allocation
	 * after vfork): a thread with a small stack must not overflow it. */
	if (p->slots * sizeof(char *) + p->prelen > NC__STACK_MAX) {
		*why = NC_EXEC_NOROOM;
		return -1;
	}
	return 1;
}

#define NC__HAND "NAMECACHE_ATTACH="
#define NC__HAND_LEN (sizeof(NC__HAND) - 1)

/* Build the new environment into @out (p->slots) and @pre (p->prelen);
 * with @hand, a hand-down's entry replaces any the program passed. */
static void build(char *const envp[], const struct plan *p, char **out,
		  char *pre, char *hand)
{
	size_t k = 0;

	if (p->add_shim) {
		struct nc__buf b;
		const char *old =
		    p->preload >= 0 ? envp[p->preload] + NC__PRELOAD_LEN : "";

		nc__buf_init(&b, pre, p->prelen);
		nc__buf_str(&b, NC__PRELOAD);
		if (p->add_front) {
			nc__buf_str(&b, carry.front);
			nc__buf_chr(&b, ' ');
		}
		if (old[strspn(old, " :")]) {
			nc__buf_str(&b, old);
			nc__buf_chr(&b, ' ');
		}
		nc__buf_str(&b, carry.shim);
	}
	for (size_t i = 0; i < p->n; i++) {
		if (hand && !strncmp(envp[i], NC__HAND, NC__HAND_LEN))
			continue;
		out[k++] = p->add_shim && (long)i == p->preload ? pre : envp[i];
	}
	if (p->add_shim && p->preload < 0)
		out[k++] = pre;
	for (int j = 0; j < carry.nvars; j++)
		if (p->missing & (1u << j))
			out[k++] = (char *)carry.var[j];
	if (hand)
		out[k++] = hand;
	out[k] = NULL;
}

/* ---- the file to run: privileged? --------------------------------------- */

/* Set-user-ID, or set-group-ID with group execute (as the kernel has it). */
static int privileged_mode(mode_t m)
{
	return (m & S_ISUID) ||
	       (m & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
}

/* Has the file capabilities?  0 no, else the fate. */
static int caps_fate(long r)
{
	if (r >= 0)
		return NC_EXEC_SETID;
	return errno == ENODATA || errno == EOPNOTSUPP ? 0 : NC_EXEC_UNCHECKED;
}

/* "/proc/self/fd/FD/PATH" (PATH may be empty) into @buf; 0 if it fits. */
static int fd_path(char *buf, size_t cap, int fd, const char *path)
{
	struct nc__buf b;

	nc__buf_init(&b, buf, cap);
	nc__buf_str(&b, "/proc/self/fd/");
	nc__buf_i64(&b, fd);
	if (*path) {
		nc__buf_chr(&b, '/');
		nc__buf_str(&b, path);
	}
	return b.overflow ? -1 : 0;
}

/* examine_caps() of a name relative to a directory descriptor, through
 * /proc (its own frame: the common cases do not pay for the buffer). */
static __attribute__((noinline)) int caps_via(int dirfd, const char *path,
					      int nofollow)
{
	char via[PATH_MAX + 32];

	if (fd_path(via, sizeof(via), dirfd, path) < 0)
		return NC_EXEC_UNCHECKED;
	return caps_fate(syscall(nofollow ? SYS_lgetxattr : SYS_getxattr, via,
				 NC__CAPS, NULL, 0));
}

/* The capabilities of @path relative to @dirfd: 0 none, else the fate. */
static int examine_caps(int dirfd, const char *path, int flags)
{
	int nofollow = flags & AT_SYMLINK_NOFOLLOW;

	if (!*path && (flags & AT_EMPTY_PATH)) {
		long r = syscall(SYS_fgetxattr, dirfd, NC__CAPS, NULL, 0);

		if (r >= 0 || errno != EBADF) /* O_PATH: by name, below */
			return caps_fate(r);
	} else if (path[0] == '/' || dirfd == AT_FDCWD) {
		return caps_fate(
		    syscall(nofollow ? SYS_lgetxattr : SYS_getxattr, path,
			    NC__CAPS, NULL, 0));
	}
	return caps_via(dirfd, path, nofollow);
}

/*
 * Will the loader that runs this file load the shim: an ELF of our own
 * class and machine that names an interpreter (PT_INTERP) among the
 * program headers in its first @n bytes?  A static program, another
 * machine's, or headers further in: no (what runs them would inherit a
 * hand-down's descriptors and never close them).
 */
static int loads_shim(const unsigned char *b, long n)
{
#if defined(__x86_64__) && defined(__LP64__)
	const unsigned machine = 62; /* EM_X86_64 */
#elif defined(__aarch64__)
	const unsigned machine = 183; /* EM_AARCH64 */
#else
	const unsigned machine = 0;
#endif
	uint64_t phoff;
	uint16_t phentsize, phnum, mach;

	if (!machine || n < 64 || memcmp(b, "\177ELF", 4) != 0 || b[4] != 2)
		return 0; /* not a 64-bit ELF */
	memcpy(&mach, b + 18, 2);
	memcpy(&phoff, b + 32, 8);
	memcpy(&phentsize, b + 54, 2);
	memcpy(&phnum, b + 56, 2);
	if (mach != machine || phentsize < 8)
		return 0;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t off = phoff + i * phentsize;
		uint32_t type;

		if (off > (uint64_t)n - 4)
			return 0;
		memcpy(&type, b + off, 4);
		if (type == 3) /* PT_INTERP */
			return 1;
	}
	return 0;
}

/*
 * The interpreter a "#!" line names (the kernel reads the first 256
 * bytes; the name ends at a blank or the line's end) into @out: 0, -1 if
 * the file is no script (then *@loads says whether it is a program that
 * loads the shim, loads_shim()), -2 if we may not read it (execute-only).
 */
static int interpreter(int dirfd, const char *path, int flags, char *out,
		       size_t cap, int *loads)
{
	char buf[256], via[64]; /* "/proc/self/fd/N" */
	const char *p;
	long fd, n;
	size_t len;

	if (!*path && (flags & AT_EMPTY_PATH)) {
		if (fd_path(via, sizeof(via), dirfd, "") < 0)
			return -1;
		path = via;
	}
	fd = syscall(SYS_openat, dirfd, path,
		     O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
			 ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0) /* an execute-only script may name any interpreter */
		return errno == EACCES || errno == EPERM ? -2 : -1;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n < 3 || buf[0] != '#' || buf[1] != '!') {
		*loads = loads_shim((const unsigned char *)buf, n);
		return -1;
	}
	buf[n] = '\0';
	p = buf + 2 + strspn(buf + 2, " \t");
	len = strcspn(p, " \t\n");
	if (!len || len >= cap)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/*
 * The fate of running @path relative to @dirfd with execveat @flags: the
 * file itself, and for a script its interpreter (which is what runs, with
 * the interpreter's set-id bits), as deep as the kernel follows them.
 * *@loads: what runs in the end loads the shim (loads_shim()).
 */
static int examine_path(int dirfd, const char *path, int flags, int *loads)
{
	char interp[PATH_MAX];

	*loads = 0;
	for (int depth = 0;; depth++) {
		struct stat st;
		int fate;

		if (raw_stat(dirfd, path, &st,
			     flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) < 0)
			return NC_EXEC_UNCHECKED;
		if (privileged_mode(st.st_mode))
			return NC_EXEC_SETID;
		fate = examine_caps(dirfd, path, flags);
		if (fate || !S_ISREG(st.st_mode) || depth == 4)
			return fate;
		switch (interpreter(dirfd, path, flags, interp, sizeof(interp),
				    loads)) {
		case -1:
			return 0; /* no script: this file is what runs */
		case -2:
			return NC_EXEC_UNCHECKED;
		}
		path = interp;
		dirfd = AT_FDCWD;
		flags = 0;
	}
}

/* May we execute @path, with the effective ids exec uses? */
static int executable(const char *path)
{
	long r = syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS);

	if (r < 0 && errno == ENOSYS) /* before Linux 5.8: the real ids */
		r = syscall(SYS_faccessat, AT_FDCWD, path, X_OK);
	return r == 0;
}

/* The fate of exec*p/posix_spawnp of @file: glibc's PATH search. */
static int examine_search(const char *file, int cwd_moves, int *loads)
{
	const char *dirs = getenv("PATH");
	size_t flen = strlen(file);

	if (strchr(file, '/'))
		return cwd_moves && file[0] != '/'
			   ? NC_EXEC_UNCHECKED
			   : examine_path(AT_FDCWD, file, 0, loads);
	*loads = 0;
	if (!flen)
		return NC_EXEC_UNCHECKED;
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (;;) {
		size_t dlen = strcspn(dirs, ":");
		char cand[PATH_MAX];
		struct stat st;
		int fate;

		if (dlen + 1 + flen >= sizeof(cand))
			return NC_EXEC_UNCHECKED;
		if (!dlen) {
			cand[0] = '.';
			dlen = 1;
		} else {
			memcpy(cand, dirs, dlen);
		}
		cand[dlen] = '/';
		memcpy(cand + dlen + 1, file, flen + 1);
		if (cwd_moves && cand[0] != '/')
			return NC_EXEC_UNCHECKED;
		if (raw_stat(AT_FDCWD, cand, &st, 0) == 0) {
			fate = examine_path(AT_FDCWD, cand, 0, loads);
			if (fate)
				return fate;
			if (S_ISREG(st.st_mode) && executable(cand))
				return 0; /* the one glibc runs */
			*loads = 0;
		}
		dirs += strcspn(dirs, ":");
		if (!*dirs++)
			return 0; /* nothing to run: the call fails anyway */
	}
}

static int examine(const struct nc__exec_target *t, int *loads)
{
	*loads = 0;
	switch (t->kind) {
	case NC_TARGET_FD:
		return examine_path(t->dirfd, "", AT_EMPTY_PATH, loads);
	case NC_TARGET_SEARCH:
		return examine_search(t->path, t->cwd_moves, loads);
	default:
		if (t->cwd_moves && t->path[0] != '/')
			return NC_EXEC_UNCHECKED;
		return examine_path(t->dirfd, t->path, t->flags, loads);
	}
}

/* ---- the wrappers' entry points ----------------------------------------- */

static int ready(void)
{
	return __atomic_load_n(&carry.ready, __ATOMIC_ACQUIRE);
}

/*
 * May this call hand the attachment down (attach.c)?  Its descriptors
 * lose close-on-exec for the call's duration, in this process's table:
 * no other thread may run a program meanwhile (a single-threaded
 * process; a vfork child has a table of its own, but shares the
 * parent's __libc_single_threaded, and errs towards no), and a spawn's
 * file actions, which could close them or put other files at their
 * numbers in the child, must be none.
 */
static int may_hand_down(const struct nc__exec_target *t)
{
	return __libc_single_threaded && !t->cwd_moves;
}

int nc__exec_env(char *const envp[], const struct nc__exec_target *t,
		 nc__exec_call call, void *ctx)
{
	int saved = errno, why = 0, r, loads = 0, fds[NC_HAND_FDS], ret;
	char hand[256];
	int hlen = 0;
	struct plan p;

	if (!ready())
		return call(ctx, envp);
	r = make_plan(envp, &p, &why);
	if (r >= 0 && may_hand_down(t))
		hlen = nc__attach_hand_down(hand, sizeof(hand), fds);
	if (r > 0 || hlen)
		why = examine(t, &loads);
	if (hlen && r == 0) {
		p.slots = p.n + 1;
		p.prelen = 0;
	}
	if (hlen &&
	    (why || !loads ||
	     (p.slots + 1) * sizeof(char *) + p.prelen > NC__STACK_MAX)) {
		nc__attach_hand_down_fds(fds, 0);
		hlen = 0;
	}
	if ((r == 0 && !hlen) || why) {
		if (why)
			nc__count_exec(why);
		errno = saved;
		return call(ctx, envp);
	}
	if (hlen)
		p.slots++;
	{
		char *out[p.slots];
		char pre[p.prelen + 1];

		build(envp, &p, out, pre, hlen ? hand : NULL);
		if (r > 0)
			nc__count_exec(NC_EXEC_RESTORED);
		if (hlen)
			nc__attach_hand_down_fds(fds, 1);
		errno = saved;
		ret = call(ctx, out);
		if (hlen) {
			int e = errno;

			nc__attach_hand_down_fds(fds, 0);
			errno = e;
		}
		return ret;
	}
}

/*
 * system() and popen() read environ, so the new environment is installed
 * there for the call.  It lives in static storage, not on the stack: a
 * program that leaves system() by siglongjmp (an alarm around it) must
 * not be left with environ pointing into a dead frame.  Only a
 * single-threaded process gets here; a nested call (from a signal
 * handler) or a call that finds environ still pointing at our copy
 * passes through unchanged.
 */
static char *environ_out[NC__STACK_MAX / sizeof(char *)];
static char environ_pre[NC__STACK_MAX];
static int environ_busy;

int nc__environ_env(const struct nc__exec_target *t, nc__exec_call call,
		    void *ctx)
{
	char **old = environ;
	int saved = errno, why = 0, r, loads;
	struct plan p;

	if (!ready() || old == environ_out ||
	    __atomic_exchange_n(&environ_busy, 1, __ATOMIC_ACQUIRE))
		return call(ctx, old);
	r = make_plan(old, &p, &why);
	if (r > 0)
		why = __libc_single_threaded ? examine(t, &loads)
					     : NC_EXEC_THREADS;
	if (r == 0 || why) {
		if (why)
			nc__count_exec(why);
		__atomic_store_n(&environ_busy, 0, __ATOMIC_RELEASE);
		errno = saved;
		return call(ctx, old);
	}
	build(old, &p, environ_out, environ_pre, NULL);
	nc__count_exec(NC_EXEC_RESTORED);
	errno = saved;
	environ = environ_out;
	r = call(ctx, environ_out);
	environ = old;
	__atomic_store_n(&environ_busy, 0, __ATOMIC_RELEASE);
	return r;
}
