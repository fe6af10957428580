/*
 * The generated wrappers: one per NC_GEN_INT / NC_GEN_PTR row of the
 * interception table (intercept.h).
 *
 * Every wrapper has the same shape, the shared prologue and epilogue of
 * the whole shim:
 *
 *   fn = the real function            (one load; resolved lazily, real.c)
 *   r  = fn(args)                     (or the raw-syscall fallback)
 *   count(family, failed?)            (thread-local, errno untouched)
 *   return r                          (errno exactly as fn left it)
 *
 * Nothing here writes errno on the way: the caller sees the real call's
 * return value, errno and output buffers, bit for bit.
 */
#include <sys/statfs.h>

#include "../cache/cache.h"
#include "real.h"

#define NC__CALL_NC_FB(name, args, fail) nc__fb_##name args
#define NC__CALL_NC_NOFB(name, args, fail) (errno = ENOSYS, (fail))

#define NC__WRAPPER(fb, fam, ret, name, params, args, fail, failed) \
	NC_EXPORT ret name params                                   \
	{                                                           \
		nc__fn_##name fn = NC_REAL(name);                   \
		ret r = NC_LIKELY(fn != NULL)                       \
			    ? fn args                               \
			    : NC__CALL_##fb(name, args, fail);      \
		nc__count((fam), (failed));                         \
		if ((fam) > NC_FAM_FOPEN || (fam) < NC_FAM_NONE)    \
			nc__after(fam);                             \
		return r;                                           \
	}

#define NC__DEF_NC_GEN_INT(fb, fam, ret, name, params, args) \
	NC__WRAPPER(fb, fam, ret, name, params, args, (ret)-1, r < 0)
#define NC__DEF_NC_GEN_PTR(fb, fam, ret, name, params, args) \
	NC__WRAPPER(fb, fam, ret, name, params, args, (ret)NULL, r == NULL)
#define NC__DEF_NC_CUSTOM(fb, fam, ret, name, params, args)

#define NC__DEF(how, fb, fam, ret, name, params, args) \
	NC__DEF_##how(fb, fam, ret, name, params, args)
NC_INTERCEPTS(NC__DEF)

void nc__after(int fam)
{
	int saved = errno;

	switch (fam) {
	case NC_FAM_CHDIR:
		nc__cache_cwd_changed();
		break;
	case NC_FAM_CHROOT:
	case NC_FAM_CRED:
		nc__cache_flush_all();
		break;
	default: /* a mutation, or a child that ended (relaxed mode) */
		nc__cache_mutated();
		break;
	}
	errno = saved;
}
