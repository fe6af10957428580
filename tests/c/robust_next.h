/*
 * The test interposers' way to the next definition (helpers of
 * tests/c/shim_robust.c): dlsym(RTLD_NEXT) once, then the pointer kept,
 * as any interposer composing with others does.
 */
#ifndef ROBUST_NEXT_H
#define ROBUST_NEXT_H

#include <dlfcn.h>
#include <stdlib.h>

/* The next definition of @name, cached in *@slot; aborts if none. */
static inline void *robust_next(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		if (!fn)
			abort();
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

#endif /* ROBUST_NEXT_H */
