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
void nc__real_resolve_all(void);
int nc__real_chain_is_libc(void);

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
