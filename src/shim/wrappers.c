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
#include <fcntl.h>
#include <sys/statfs.h>

#include "../cache/cache.h"
#include "real.h"

#define NC__CALL_NC_FB(name, args, fail) nc__fb_##name args
#define NC__CALL_NC_NOFB(name, args, fail) (errno = ENOSYS, (fail))

#define NC__WRAPPER(fb, fam, ret, name, params, args, fail, failed, after) \
	NC_EXPORT ret name params                                          \
	{                                                                  \
		nc__fn_##name fn = NC_REAL(name);                          \
		ret r = NC_LIKELY(fn != NULL)                              \
			    ? fn args                                      \
			    : NC__CALL_##fb(name, args, fail);             \
		nc__count((fam), (failed));                                \
		after;                                                     \
		return r;                                                  \
	}

/* What a call may have changed (the write-through rule, nc__after):
 * creat() and mkstemp() also return a descriptor open for writing. */
#define NC__MUTATES(fam) ((fam) > NC_FAM_FOPEN || (fam) < NC_FAM_NONE)
#define NC__AFTER_INT(fam, r)                                       \
	do {                                                        \
		if ((fam) == NC_FAM_OPEN || (fam) == NC_FAM_MKTEMP) \
			nc__opened((int)(r), O_CREAT | O_RDWR);     \
		else if (NC__MUTATES(fam))                          \
			nc__after(fam);                             \
	} while (0)
#define NC__AFTER_PTR(fam)              \
	do {                            \
		if (NC__MUTATES(fam))   \
			nc__after(fam); \
	} while (0)

#define NC__DEF_NC_GEN_INT(fb, fam, ret, name, params, args)          \
	NC__WRAPPER(fb, fam, ret, name, params, args, (ret)-1, r < 0, \
		    NC__AFTER_INT(fam, r))
#define NC__DEF_NC_GEN_PTR(fb, fam, ret, name, params, args)                \
	NC__WRAPPER(fb, fam, ret, name, params, args, (ret)NULL, r == NULL, \
		    NC__AFTER_PTR(fam))
#define NC__DEF_NC_CUSTOM(fb, fam, ret, name, params, args)

#define NC__DEF(how, fb, fam, ret, name, params, args) \
	NC__DEF_##how(fb, fam, ret, name, params, args)
NC_INTERCEPTS(NC__DEF)

/*
 * The write-through rule: every wrapper of a call that may change the tree
 * ends here, after the real call returned, successful or not (a failed
 * call may still have changed something, e.g. a rename over a directory
 * that was then not empty; asking the queue once more costs little).
 * Relaxed mode then asks the inotify queue before its next hit, so the
 * process sees its own change at once (src/cache/own.c).
 */
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
	default: /* a mutation, or a child that ended */
		nc__cache_changed(-1);
		break;
	}
	errno = saved;
}

void nc__opened(int fd, int flags)
{
	int wr = (flags & O_ACCMODE) != O_RDONLY;

	/* O_TMPFILE includes O_DIRECTORY and needs a writable mode. */
	if (wr || (flags & (O_CREAT | O_TRUNC)))
		nc__cache_changed(wr ? fd : -1);
}
