/*
 * The hint ring (src/store/hint.h): producers on several threads, one
 * consumer, the protocol's own functions.  Every hint arrives exactly
 * once, each producer's in the order it posted them; a full ring refuses
 * (and a zero-filled one is empty and all free); a slot a producer has
 * claimed but not published holds back the ones after it, which are not
 * lost; positions wrap around 2^32 as anywhere else.  Built also with
 * ThreadSanitizer (make check-tsan).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "harness.h"
#include "store/hint.h"

#define PRODUCERS 6
#define EACH 40000

static struct nc_hint_ring *ring_new(void)
{
	void *m = mmap(NULL, NC_HINT_RING_BYTES, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

static void post(struct nc_hint_ring *r, struct nc_hint *slot, uint32_t pos,
		 int who, int i)
{
	(void)r;
	slot->len =
	    (uint16_t)snprintf(slot->path, NC_HINT_PATH, "/p%d/%d", who, i);
	slot->op = NC_HINT_FILL;
	nc_hint_publish(slot, pos);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * A ring whose producers and consumer are at position @at, as if 2^32 -
 * @at hints had gone through it: each slot free for its next position.
 */
static void ring_start_at(struct nc_hint_ring *r, uint32_t at)
{
	for (uint32_t i = 0; i < NC_HINT_SLOTS; i++) {
		uint32_t next = at + ((i - at) % NC_HINT_SLOTS);

		r->slot[i].seq = next - i;
	}
	r->tail = at;
}

struct producer {
	struct nc_hint_ring *ring;
	int who;
	long full;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < EACH; i++) {
		uint32_t pos;
		struct nc_hint *slot;

		while (!(slot = nc_hint_claim(p->ring, &pos)))
			p->full++; /* the consumer frees slots */
		post(p->ring, slot, pos, p->who, i);
	}
	return NULL;
}

/* PRODUCERS threads post EACH hints each on @r, whose positions start at
 * @at; one consumer takes them all, in 60 s at most. */
static void all_once_in_order(struct nc_hint_ring *r, uint32_t at)
{
	struct producer p[PRODUCERS];
	pthread_t t[PRODUCERS];
	int next[PRODUCERS] = {0};
	uint32_t head = at;
	long got = 0, bad = 0;
	double deadline = now_s() + 60;

	for (int k = 0; k < PRODUCERS; k++) {
		p[k] = (struct producer){.ring = r, .who = k};
		ASSERT_EQ(pthread_create(&t[k], NULL, produce, &p[k]), 0);
	}
	while (got < (long)PRODUCERS * EACH) {
		struct nc_hint h;
		int who, i;

		if (!nc_hint_take(r, head, &h)) {
			ASSERT(now_s() < deadline); /* a hint was lost */
			continue;
		}
		head++;
		got++;
		if (sscanf(h.path, "/p%d/%d", &who, &i) != 2 || who < 0 ||
		    who >= PRODUCERS || i != next[who] ||
		    h.len != strlen(h.path))
			bad++;
		else
			next[who]++;
	}
	for (int k = 0; k < PRODUCERS; k++)
		ASSERT_EQ(pthread_join(t[k], NULL), 0);
	ASSERT_EQ(bad, 0);
	for (int k = 0; k < PRODUCERS; k++)
		ASSERT_EQ(next[k], EACH);
	/* Nothing more, and every position claimed was taken. */
	ASSERT_EQ(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE), head);
}

TEST(every_hint_once_in_each_producers_order)
{
	struct nc_hint_ring *r = ring_new();

	ASSERT(r != NULL);
	all_once_in_order(r, 0);
	munmap(r, NC_HINT_RING_BYTES);
}

TEST(positions_wrap_around_2_32)
{
	struct nc_hint_ring *r = ring_new();

	ASSERT(r != NULL);
	/* Three laps of the ring before 2^32, then past it. */
	ring_start_at(r, 0u - 3u * NC_HINT_SLOTS + 17u);
	all_once_in_order(r, 0u - 3u * NC_HINT_SLOTS + 17u);
	ASSERT(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) <
	       (uint32_t)PRODUCERS * EACH);
	munmap(r, NC_HINT_RING_BYTES);
}

TEST(full_ring_refuses_then_takes_again)
{
	struct nc_hint_ring *r = ring_new();
	struct nc_hint h, *slot;
	uint32_t pos, head = 0;

	ASSERT(r != NULL);
	ASSERT_EQ(nc_hint_ready(r, 0), 0); /* zeros: empty */
	for (uint32_t i = 0; i < NC_HINT_SLOTS; i++) {
		slot = nc_hint_claim(r, &pos);
		ASSERT(slot != NULL);
		ASSERT_EQ(pos, i);
		post(r, slot, pos, 0, (int)i);
	}
	ASSERT(nc_hint_claim(r, &pos) == NULL); /* full */
	ASSERT_EQ(nc_hint_take(r, head, &h), 1);
	ASSERT_STREQ(h.path, "/p0/0");
	head++;
	slot = nc_hint_claim(r, &pos); /* the freed slot, next lap */
	ASSERT(slot != NULL);
	ASSERT_EQ(pos, NC_HINT_SLOTS);
	post(r, slot, pos, 1, 0);
	while (nc_hint_take(r, head, &h))
		head++;
	ASSERT_EQ(head, NC_HINT_SLOTS + 1);
	ASSERT_STREQ(h.path, "/p1/0");
	munmap(r, NC_HINT_RING_BYTES);
}

TEST(claimed_unpublished_holds_back_and_loses_nothing)
{
	struct nc_hint_ring *r = ring_new();
	struct nc_hint h, *first, *second;
	uint32_t p1 = 0, p2 = 0;

	ASSERT(r != NULL);
	first = nc_hint_claim(r, &p1);
	second = nc_hint_claim(r, &p2);
	ASSERT(first && second);
	post(r, second, p2, 0, 2);
	ASSERT_EQ(nc_hint_take(r, 0, &h), 0); /* the first is not there */
	post(r, first, p1, 0, 1);
	ASSERT_EQ(nc_hint_take(r, 0, &h), 1);
	ASSERT_STREQ(h.path, "/p0/1");
	ASSERT_EQ(nc_hint_take(r, 1, &h), 1);
	ASSERT_STREQ(h.path, "/p0/2");
	ASSERT_EQ(nc_hint_take(r, 2, &h), 0);
	/* A slot scribbled on is never taken for published, and a slot
	 * ahead of tail makes a producer give up at once. */
	r->slot[2].seq = 12345;
	ASSERT_EQ(nc_hint_take(r, 2, &h), 0);
	ASSERT(nc_hint_claim(r, &p1) == NULL);
	munmap(r, NC_HINT_RING_BYTES);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
