/*
 * An interposer of unlink() alone, as a tracer of the changes a program
 * makes might be (helper of tests/c/shim_robust.c).
 *
 * Preloaded after the shim, it is the next definition of a wrapped name,
 * but of no lookup: the shim must then still answer lookups from its
 * cache (their next definitions are the C library's), and pass unlink()
 * on to it.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*unlink_fn)(const char *);

int unlink(const char *path)
{
	static unlink_fn next;
	unlink_fn fn = __atomic_load_n(&next, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (unlink_fn)dlsym(RTLD_NEXT, "unlink");
		if (!fn)
			abort();
		__atomic_store_n(&next, fn, __ATOMIC_RELEASE);
	}
	return fn(path);
}
