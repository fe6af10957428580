/*
 * An interposer of unlink() alone, as a tracer of the changes a program
 * makes might be (helper of tests/c/shim_robust.c).
 *
 * Preloaded after the shim, it is the next definition of a wrapped name,
 * but of no lookup: the shim must then still answer lookups from its
 * cache (their next definitions are the C library's), and pass unlink()
 * on to it.
 */
#include "robust_next.h"

typedef int (*unlink_fn)(const char *);

int unlink(const char *path)
{
	static void *next;

	return ((unlink_fn)robust_next(&next, "unlink"))(path);
}
