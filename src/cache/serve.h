/*
 * The writer's side of the shared cache: what the daemon (src/daemon/)
 * calls.  The daemon's single thread is the writer for good (it holds
 * nc__c.writer from nc__serve_start on): it fills what clients hint
 * (hint.h), drains the inotify queue and flushes, with the very code the
 * in-process cache uses (fill.c, notify.c), on an arena in a memfd that
 * clients map read-only.
 */
#ifndef NC_SERVE_H
#define NC_SERVE_H

#include <stdint.h>

#include "../store/hint.h"

struct nc_serve_stats {
	uint64_t entries;     /* live dentries */
	uint64_t memory;      /* bytes of the arena in use */
	uint64_t arena_bytes; /* the arena's size */
	uint64_t watches;
	uint64_t fills;	     /* hints resolved */
	uint64_t drains[2];  /* drains of the cold and the hot instance */
	uint64_t events[2];  /* events they read */
	uint64_t busy_ns[2]; /* time spent draining each */
	uint64_t promoted;   /* directories in the hot instance */
	uint64_t overflows;
	uint64_t flushes;
	uint64_t mount_changes; /* applied by dropping what they touch */
	uint64_t epoch;
	uint64_t huge;	      /* 2 MiB chunks made huge pages */
	uint64_t huge_failed; /* chunks the kernel could not make so */
	int huge_off;	      /* 1: the kernel cannot collapse (arena.h) */
};

/*
 * Create the arena in @memfd for about @bytes, open the inotify instance
 * and the mountinfo descriptor, fill the root.  0, or -1 with errno.
 */
int nc__serve_start(int memfd, uint64_t bytes);
/* The arena's header (the daemon sets hdr->sleeping, hint.h). */
struct nc_arena_hdr *nc__serve_hdr(void);
/* The arena's mapped size, the inotify and mountinfo descriptors. */
uint64_t nc__serve_arena_size(void);
int nc__serve_ifd(void);
int nc__serve_hifd(void); /* the hot instance (notify.c); -1: none */
int nc__serve_mfd(void);
/* The eventfd of the cold (@hot 0) or hot watch ring; readable: a drain
 * of that instance is due; -1: none. */
int nc__serve_wring_efd(int hot);
/* That eventfd was readable: 1 when the ring's flag is set (a drain of
 * the instance is due), 0 when a drain since took what set it. */
int nc__serve_ring_due(int hot);
/* Read and apply the inotify queue, or the hot one's (flushing on
 * overflow). */
void nc__serve_drain(int hot);
/* Where the writer reports a flush and its reason, a limit reached. */
void nc__serve_set_log(void (*log)(const char *msg));
/* A mount change on our mountinfo (@heard: our epoll reported it; else
 * mfd is asked)?  Then apply it (notify.c), dropping what it covers, or
 * flush: 1; else 0. */
int nc__serve_mount(int heard);
/* Resolve and fill what a (validated) hint asks for. */
void nc__serve_hint(const struct nc_hint *h);
/* When idle: make the next chunk of the arena in use a huge page
 * (arena.h).  1 if that took time (the caller looks for work again),
 * 0 when nothing is left to do. */
int nc__serve_huge(void);
/* Flush when the arena is nearly full (the eviction): 1 if it did. */
int nc__serve_evict(void);
void nc__serve_stats(struct nc_serve_stats *s);
/* Test only (NAMECACHE_DAEMON_TEST=corrupt-arena): scribble on the arena
 * where a reader's validation must catch it. */
void nc__serve_corrupt(uint64_t seed);

#endif /* NC_SERVE_H */
