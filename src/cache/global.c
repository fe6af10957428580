/*
 * The cache's process-wide state: what every file of the cache reads.
 *
 * nc__c (cache_int.h says what protects each of its fields), the state
 * of the cache for this image (nc__cache_state, cache.h), the working
 * directory's path for hints, and the rule that our descriptors live at
 * high numbers.  This file calls none of the others, so that they can
 * all use the state without calling each other in a circle
 * (cache_int.h: the order of the files).
 *
 * Its name sorts before notify.c's on purpose: the files are linked in
 * that order, which puts nc__c on the first page of .data beside
 * notify.c's probes, the page the loader writes anyway (nc__cwd_path in
 * cache_int.h; tests/bats/t0000-build.bats checks it).
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"
#include "cache_int.h"

#define FD_FLOOR 900 /* our descriptors live at or above this number */

struct nc__cache nc__c = {
    .ifd = -1,
    .mfd = -1,
    .spare_mfd = -1,
    .hifd = -1,
    .sfd = -1,
    .afd = -1,
    .wring =
	{[0 ... 1] = {.ring = NC_RING_INIT, .mem = -1, .mfd = -1, .efd = -1}},
    .ho = {.afd = -1, .ifd = -1, .hifd = -1, .mfd = -1, .pmfd = -1}};
char nc__cwd_path[4096];
int nc__cache_state NC_STARTUP;

/* Move @fd (close-on-exec already, as every descriptor of ours is made)
 * to a high number if the limit allows; one there already stays (an
 * image handed its attachment gets the parent's high numbers). */
int nc__fd_rehome(int fd)
{
	int hi;

	if (fd < 0 || fd >= FD_FLOOR)
		return fd;
	hi = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, FD_FLOOR);
	if (hi < 0)
		return fd;
	syscall(SYS_close, fd);
	return hi;
}
