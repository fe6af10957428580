/*
 * The real functions behind the wrappers.
 *
 * One slot per row of the interception table, filled by dlsym(RTLD_NEXT)
 * so that the shim composes with other preloaded libraries (it calls the
 * next definition in the search order, not libc's directly).
 *
 * NC_REAL(name) is the typed pointer, or NULL when the real function
 * cannot be had right now: while this very thread is inside dlsym() (a
 * preloaded malloc may call open/readlink from there, jemalloc #443), or
 * when no later object defines the symbol.  Callers then use the raw
 * syscall fallback (fallback.c) or fail with ENOSYS.
 */
#ifndef NC_REAL_H
#define NC_REAL_H

#include "intercept.h"
#include "shim.h"

enum nc__sym {
#define NC__SYM_ENUM(how, fb, fam, ret, name, params, args) NC_SYM_##name,
	NC_INTERCEPTS(NC__SYM_ENUM)
#undef NC__SYM_ENUM
	    NC_SYM_COUNT
};

#define NC__SYM_TYPE(how, fb, fam, ret, name, params, args) \
	typedef ret(*nc__fn_##name) params;
NC_INTERCEPTS(NC__SYM_TYPE)
#undef NC__SYM_TYPE

/* Slot value for "looked up, not found": never dlsym'ed again. */
#define NC__ABSENT ((void *)-1)

extern void *nc__real_slot[NC_SYM_COUNT];
extern const char *const nc__sym_name[NC_SYM_COUNT];

void *nc__real_resolve(int sym);

/*
 * From the constructor: choose how slots are filled (real.c) and say
 * whether the next definition of every lookup is the C library's own.
 * When another interposer comes after us in the search order (fakeroot,
 * a tracer), its answers may differ from the kernel's, and the cache,
 * which fills itself with raw system calls, would bypass it: the cache
 * then stays off and every call goes down the chain.
 */
int nc__real_setup(void);

static inline void *nc__real(int sym)
{
	void *p = __atomic_load_n(&nc__real_slot[sym], __ATOMIC_ACQUIRE);

	if (NC_LIKELY((uintptr_t)p + 1 > 1))
		return p;
	return p ? NULL : nc__real_resolve(sym);
}

#define NC_REAL(name) ((nc__fn_##name)nc__real(NC_SYM_##name))

/*
 * fallback.c: raw-syscall equivalents for the rows marked NC_FB (the
 * variadic open wrappers use nc__fb_openat_mode() instead).
 */
#define NC__FB_DECL_NC_FB(ret, name, params) ret nc__fb_##name params;
#define NC__FB_DECL_NC_NOFB(ret, name, params)
#define NC__FB_DECL_NC_GEN_INT(fb, ret, name, params) \
	NC__FB_DECL_##fb(ret, name, params)
#define NC__FB_DECL_NC_GEN_PTR(fb, ret, name, params) \
	NC__FB_DECL_##fb(ret, name, params)
#define NC__FB_DECL_NC_CUSTOM(fb, ret, name, params) \
	NC__FB_DECL_##fb(ret, name, params)
#define NC__FB_DECL(how, fb, fam, ret, name, params, args) \
	NC__FB_DECL_##how(fb, ret, name, params)
NC_INTERCEPTS(NC__FB_DECL)
#undef NC__FB_DECL

int nc__fb_openat_mode(int dirfd, const char *path, int flags, mode_t mode);

#endif /* NC_REAL_H */
