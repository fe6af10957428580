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
#include "real.h"

#include <dlfcn.h>

void *nc__real_slot[NC_SYM_COUNT];

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
	for (int i = 0; i < NC_SYM_COUNT; i++)
		if (!__atomic_load_n(&nc__real_slot[i], __ATOMIC_ACQUIRE))
			nc__real_resolve(i);
}

/*
 * Is the next definition of every lookup the C library's own?  When
 * another interposer comes after us in the search order (fakeroot, a
 * tracer), its answers may differ from the kernel's, and the cache, which
 * fills itself with raw system calls, would bypass it.  The cache then
 * stays off and every call goes down the chain.  Called from the
 * constructor: dlopen() may allocate.
 */
int nc__real_chain_is_libc(void)
{
	static const char *const names[] = {
	    "stat",	"lstat",      "fstatat",  "statx",
	    "__xstat",	"__lxstat",   "access",	  "faccessat",
	    "readlink", "readlinkat", "realpath", "open",
	    "openat",	"fopen",      "__open_2", "euidaccess",
	};
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	int ok = libc != NULL;

	for (unsigned i = 0; ok && i < sizeof(names) / sizeof(names[0]); i++) {
		void *mine = dlsym(libc, names[i]);
		void *next = dlsym(RTLD_NEXT, names[i]);

		if (mine != next)
			ok = 0;
	}
	if (libc)
		dlclose(libc);
	return ok;
}
