/*
 * Resolving the real functions (see real.h).
 *
 * Lazy and idempotent: a slot is written at most with one value (dlsym of
 * the same name gives the same address), so racing threads may both look
 * a symbol up and both store it; no lock is needed and none is taken.
 *
 * Recursion: dlsym() may allocate, an allocator preloaded before us may
 * then call open()/readlink() during its own initialisation, which lands
 * in our wrapper, which would dlsym() again (jemalloc #443 deadlocks that
 * way).  A per-thread flag breaks the cycle: while it is set, resolution
 * answers NULL and the wrapper uses its raw-syscall fallback.
 *
 * All slots are resolved in one pass from the library constructor so that
 * normally no lookup happens on a wrapper path at all; the lazy path
 * serves calls made before our constructor ran (another preloaded
 * library's constructor, or ld.so's initialisation order).
 */
#include "../common/util.h"
#include "real.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

/* Within one page (2,048-aligned): the constructor faults it in once,
 * with a store (nc__real_resolve_all). */
void *nc__real_slot[NC_SYM_COUNT] __attribute__((aligned(2048)));
_Static_assert(sizeof(nc__real_slot) <= 2048, "the slots fit in one page");

const char *const nc__sym_name[NC_SYM_COUNT] = {
#define NC__SYM_NAME(how, fb, fam, ret, name, params, args) \
	[NC_SYM_##name] = #name,
    NC_INTERCEPTS(NC__SYM_NAME)
#undef NC__SYM_NAME
};

static NC_TLS int resolving;

void *nc__real_resolve(int sym)
{
	void *p;
	int saved = errno;

	if (resolving)
		return NULL;
	resolving = 1;
	p = dlsym(RTLD_NEXT, nc__sym_name[sym]);
	resolving = 0;
	__atomic_store_n(&nc__real_slot[sym], p ? p : NC__ABSENT,
			 __ATOMIC_RELEASE);
	errno = saved;
	return p;
}

void nc__real_resolve_all(void)
{
	/* Read below, then written (atomic: a racing resolver loses
	 * nothing). */
	nc__touch_page(&nc__real_slot[0]);
	for (int i = 0; i < NC_SYM_COUNT; i++)
		if (!__atomic_load_n(&nc__real_slot[i], __ATOMIC_ACQUIRE))
			nc__real_resolve(i);
}

/* The address ranges of the C library's loaded segments. */
struct libc_ranges {
	int n;
	uintptr_t lo[8], hi[8];
};

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct libc_ranges *r = data;
	const char *name = info->dlpi_name, *base;

	(void)size;
	if (!name || !(base = strrchr(name, '/')) ||
	    strcmp(base, "/libc.so.6") != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && r->n < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		r->lo[r->n] = info->dlpi_addr + ph->p_vaddr;
		r->hi[r->n] = r->lo[r->n] + ph->p_memsz;
		r->n++;
	}
	return 1;
}

static int in_libc(const struct libc_ranges *r, const void *p)
{
	for (int i = 0; i < r->n; i++)
		if ((uintptr_t)p >= r->lo[i] && (uintptr_t)p < r->hi[i])
			return 1;
	return 0;
}

/*
 * Is the next definition of every lookup the C library's own?  When
 * another interposer comes after us in the search order (fakeroot, a
 * tracer), its answers may differ from the kernel's, and the cache, which
 * fills itself with raw system calls, would bypass it.  The cache then
 * stays off and every call goes down the chain.  Called from the
 * constructor, after nc__real_resolve_all(): the next definitions are in
 * the slots already, and each must lie in a segment of libc.so.6 (one
 * walk of the loaded objects, not a symbol lookup per name).
 */
int nc__real_chain_is_libc(void)
{
	static const int syms[] = {
	    NC_SYM_stat,       NC_SYM_lstat,	 NC_SYM_fstatat,
	    NC_SYM_statx,      NC_SYM___xstat,	 NC_SYM___lxstat,
	    NC_SYM_access,     NC_SYM_faccessat, NC_SYM_readlink,
	    NC_SYM_readlinkat, NC_SYM_realpath,	 NC_SYM_open,
	    NC_SYM_openat,     NC_SYM_fopen,	 NC_SYM___open_2,
	    NC_SYM_euidaccess,
	};
	struct libc_ranges r = {0};

	dl_iterate_phdr(find_libc, &r);
	if (!r.n)
		return 0;
	for (unsigned i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *next =
		    __atomic_load_n(&nc__real_slot[syms[i]], __ATOMIC_ACQUIRE);

		/* Absent (a symbol this C library no longer exports) is no
		 * interposer: its wrapper falls back to the system call. */
		if (!next || next == NC__ABSENT)
			continue;
		if (!in_libc(&r, next))
			return 0;
	}
	return 1;
}
