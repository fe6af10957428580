/*
 * Resolving the real functions (see real.h).
 *
 * A slot holds the next definition of its name after the shim in the
 * loader's search order: what dlsym(RTLD_NEXT) gives.  It is written at
 * most with one value, so racing threads may both resolve a name and
 * both store it; no lock is needed and none is taken.
 *
 * Two ways to fill a slot, chosen once by the constructor
 * (nc__real_setup):
 *
 *  - direct: no object after the shim but the C library defines any
 *    wrapped name (the usual case).  The next definition of every name is
 *    then libc.so.6's own, and a slot is filled on its wrapper's first
 *    call by reading libc's symbol table (symtab.h): no lock, no malloc,
 *    safe in a signal handler, about a hundred instructions.  A process
 *    pays only for the functions it calls; `true` pays for none.
 *  - dlsym: another object after the shim defines some wrapped name
 *    (fakeroot, a tracer, an old libpthread), or an object's tables
 *    cannot be read.  Every slot is filled in the constructor with
 *    dlsym(RTLD_NEXT), as the loader would chain them.
 *
 * Before the constructor has chosen (a call from another preloaded
 * library's constructor), a slot is filled with dlsym().  dlsym() may
 * allocate; an allocator preloaded before us may then call
 * open()/readlink() during its own initialisation, which lands in our
 * wrapper, which would dlsym() again (jemalloc #443 deadlocks that way).
 * A per-thread flag breaks the cycle: while it is set, resolution answers
 * NULL and the wrapper uses its raw-syscall fallback.
 *
 * Why the two agree: dlsym(RTLD_NEXT) searches the main program's search
 * list from the shim onwards, and the objects in it are among those
 * dl_iterate_phdr() lists after the shim (the list of loaded objects
 * follows load order, in which preloads come before the libraries that
 * are needed).  If none of those but libc defines a name, the first
 * definition after the shim is libc's or there is none.
 */
#include "../common/util.h"
#include "real.h"
#include "symtab.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

/* In the start-up page (NC_STARTUP, util.h), with room for the rest. */
void *nc__real_slot[NC_SYM_COUNT] NC_STARTUP;
_Static_assert(sizeof(nc__real_slot) <= 2048, "the slots leave room");

const char *const nc__sym_name[NC_SYM_COUNT] = {
#define NC__SYM_NAME(how, fb, fam, ret, name, params, args) \
	[NC_SYM_##name] = #name,
    NC_INTERCEPTS(NC__SYM_NAME)
#undef NC__SYM_NAME
};

static NC_TLS int resolving;

/* Set once, by the constructor, before any slot is filled directly;
 * libc_tab is written before direct is (release). */
static int direct NC_STARTUP;
static struct nc__symtab libc_tab NC_STARTUP;

static void *resolve_dlsym(int sym)
{
	void *p;

	if (resolving)
		return NULL;
	resolving = 1;
	p = dlsym(RTLD_NEXT, nc__sym_name[sym]);
	resolving = 0;
	__atomic_store_n(&nc__real_slot[sym], p ? p : NC__ABSENT,
			 __ATOMIC_RELEASE);
	return p;
}

NC_START_TEXT void *nc__real_resolve(int sym)
{
	void *p = NULL;
	int saved = errno, r = -1;

	if (__atomic_load_n(&direct, __ATOMIC_ACQUIRE))
		r = nc__symtab_find(&libc_tab, nc__sym_name[sym],
				    nc__symtab_hash(nc__sym_name[sym]), &p);
	if (r == 0 || r == 1)
		__atomic_store_n(&nc__real_slot[sym], r ? p : NC__ABSENT,
				 __ATOMIC_RELEASE);
	else
		p = resolve_dlsym(sym); /* not chosen yet, or indirect */
	errno = saved;
	return r == 0 ? NULL : p;
}

static void resolve_all(void)
{
	/* Atomic: a racing resolver loses nothing. */
	for (int i = 0; i < NC_SYM_COUNT; i++)
		if (!__atomic_load_n(&nc__real_slot[i], __ATOMIC_ACQUIRE))
			resolve_dlsym(i);
}

/* The address ranges of an object's loaded segments. */
struct ranges {
	int n;
	uintptr_t lo[8], hi[8];
};

NC_START_TEXT static void load_ranges(const struct dl_phdr_info *info,
				      struct ranges *r)
{
	r->n = 0;
	for (int i = 0; i < info->dlpi_phnum && r->n < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		r->lo[r->n] = info->dlpi_addr + ph->p_vaddr;
		r->hi[r->n] = r->lo[r->n] + ph->p_memsz;
		r->n++;
	}
}

NC_START_TEXT static int in_ranges(const struct ranges *r, uintptr_t p)
{
	for (int i = 0; i < r->n; i++)
		if (p >= r->lo[i] && p < r->hi[i])
			return 1;
	return 0;
}

/*
 * In dlsym mode: is the next definition of every lookup the C library's
 * own anyway (another object after us defines only, say, execve)?  The
 * slots are filled already, and each must lie in a segment of libc.so.6.
 */
static int chain_is_libc(const struct ranges *libc)
{
	static const int syms[] = {
	    NC_SYM_stat,       NC_SYM_lstat,	 NC_SYM_fstatat,
	    NC_SYM_statx,      NC_SYM___xstat,	 NC_SYM___lxstat,
	    NC_SYM_access,     NC_SYM_faccessat, NC_SYM_readlink,
	    NC_SYM_readlinkat, NC_SYM_realpath,	 NC_SYM_open,
	    NC_SYM_openat,     NC_SYM_fopen,	 NC_SYM___open_2,
	    NC_SYM_euidaccess, NC_SYM_opendir,	 NC_SYM_readdir,
	    NC_SYM_readdir64,
	};
	if (!libc->n)
		return 0;
	for (unsigned i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *next =
		    __atomic_load_n(&nc__real_slot[syms[i]], __ATOMIC_ACQUIRE);

		/* Absent (a symbol this C library no longer exports) is no
		 * interposer: its wrapper falls back to the system call. */
		if (!next || next == NC__ABSENT)
			continue;
		if (!in_ranges(libc, (uintptr_t)next))
			return 0;
	}
	return 1;
}

/* The walk of the loaded objects that chooses the mode. */
struct scan {
	uintptr_t self; /* an address inside the shim */
	int after;	/* the shim was listed: what follows is searched */
	int libc;	/* libc.so.6 follows the shim */
	int other;	/* something else follows that defines a name, or
			 * whose tables cannot be read */
	int hashed;
	struct nc__symtab libc_tab;
	struct ranges libc_at; /* libc.so.6's segments, wherever it is */
	uint32_t hash[NC_SYM_COUNT];
};

NC_START_TEXT static int is_libc(const char *name)
{
	const char *base = name ? strrchr(name, '/') : NULL;

	return base && strcmp(base, "/libc.so.6") == 0;
}

NC_START_TEXT static int scan_one(struct dl_phdr_info *info, size_t size,
				  void *data)
{
	struct scan *s = data;
	const ElfW(Dyn) *dyn = NULL;
	struct nc__symtab t;
	struct ranges at;

	(void)size;
	if (is_libc(info->dlpi_name) && !s->libc_at.n)
		load_ranges(info, &s->libc_at);
	if (!s->after) {
		load_ranges(info, &at);
		s->after = in_ranges(&at, s->self);
		return 0;
	}
	/* Decided; the walk goes on only for libc's segments (above). */
	if (s->other)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
						  info->dlpi_phdr[i].p_vaddr);
	if (nc__symtab_init(&t, info->dlpi_addr, dyn) < 0) {
		s->other = 1;
		return 0;
	}
	if (is_libc(info->dlpi_name) && !s->libc) {
		s->libc = 1;
		s->libc_tab = t;
		return 0;
	}
	if (!s->hashed) {
		for (int i = 0; i < NC_SYM_COUNT; i++)
			s->hash[i] = nc__symtab_hash(nc__sym_name[i]);
		s->hashed = 1;
	}
	for (int i = 0; i < NC_SYM_COUNT; i++) {
		void *p;

		if (nc__symtab_find(&t, nc__sym_name[i], s->hash[i], &p)) {
			s->other = 1;
			return 0;
		}
	}
	return 0;
}

NC_START_TEXT int nc__real_setup(void)
{
	struct scan s = {.self = (uintptr_t)&nc__real_setup};

	dl_iterate_phdr(scan_one, &s);
	if (s.after && s.libc && !s.other) {
		libc_tab = s.libc_tab;
		__atomic_store_n(&direct, 1, __ATOMIC_RELEASE);
		return 1;
	}
	resolve_all();
	return chain_is_libc(&s.libc_at);
}
