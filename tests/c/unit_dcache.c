/*
 * Unit tests of the dentry cache core: arena, dentries, hash table.
 *
 * The property that matters most is the reader's: whatever the writer is
 * doing (inserting, removing, growing the table, flushing) and whatever
 * the bytes of the arena contain, a lookup either misses or returns a
 * dentry that really is the one asked for.  The stress test checks that
 * with a writer churning keys and readers validating every hit's payload.
 */
#include <pthread.h>
#include <time.h>

#include "store/dcache.h"
#include "store/table.h"
#include "harness.h"

static struct nc_arena arena;

static void make_arena(uint32_t dentries, unsigned table_log2)
{
	struct nc_arena_params p = {.fd = -1,
				    .dentries = dentries,
				    .strbytes = 64 * (uint64_t)dentries,
				    .table_min_log2 = table_log2};

	ASSERT_EQ(nc__arena_create(&arena, &p), 0);
}

/* Add a live dentry named @name under @parent whose payload is @val. */
static uint32_t add(const struct nc_dentry *parent, uint32_t pidx,
		    const char *name, long val)
{
	uint32_t idx;
	struct nc_dentry *d =
	    nc__d_add(&arena, parent, pidx, name, strlen(name), &idx);

	if (!d)
		return NC_NONE;
	d->st.st_size = val;
	d->flags = NC_D_LIVE | NC_D_STAT;
	nc__d_write_end(d);
	return idx;
}

/* Look @name up under @parent; the validated payload, or -1. */
static long find(uint64_t parent_ident, const char *name)
{
	size_t len = strlen(name);
	uint64_t h = nc__d_hash(parent_ident, name, len);
	unsigned seq;
	uint32_t idx = nc__d_lookup(&arena, arena.hdr->generation, parent_ident,
				    name, len, h, &seq);
	const struct nc_dentry *d;
	long val;

	if (idx == NC_NONE)
		return -1;
	d = nc__dentry_at(&arena, idx);
	val = (long)d->st.st_size;
	if (nc__d_read_retry(d, seq))
		return -1;
	return val;
}

TEST(add_lookup_drop)
{
	uint32_t root, a, b;
	const struct nc_dentry *r;

	make_arena(64, 4);
	root = add(NULL, NC_NONE, "", 1);
	ASSERT_NE(root, NC_NONE);
	r = nc__dentry_at(&arena, root);
	a = add(r, root, "usr", 2);
	b = add(r, root, "etc", 3);
	ASSERT_NE(a, NC_NONE);
	ASSERT_NE(b, NC_NONE);
	ASSERT_EQ(find(r->ident, "usr"), 2);
	ASSERT_EQ(find(r->ident, "etc"), 3);
	ASSERT_EQ(find(r->ident, "us"), -1);
	ASSERT_EQ(find(r->ident, "usrx"), -1);
	/* Same name under another parent is another key. */
	ASSERT_EQ(find(nc__dentry_at(&arena, a)->ident, "etc"), -1);
	nc__d_drop(&arena, b);
	ASSERT_EQ(find(r->ident, "etc"), -1);
	ASSERT_EQ(find(r->ident, "usr"), 2);
}

TEST(identities_are_never_reused)
{
	uint32_t root, a, a2;
	uint64_t old;

	make_arena(64, 4);
	root = add(NULL, NC_NONE, "", 0);
	a = add(nc__dentry_at(&arena, root), root, "d", 1);
	old = nc__dentry_at(&arena, a)->ident;
	add(nc__dentry_at(&arena, a), a, "child", 7);
	ASSERT_EQ(find(old, "child"), 7);
	/* The directory dies and is re-added: its old children are gone. */
	nc__d_drop(&arena, a);
	a2 = add(nc__dentry_at(&arena, root), root, "d", 1);
	ASSERT_EQ(a2, a); /* the slot is recycled ... */
	ASSERT_NE(nc__dentry_at(&arena, a2)->ident, old); /* ... not the id */
	ASSERT_EQ(find(nc__dentry_at(&arena, a2)->ident, "child"), -1);
}

TEST(table_grows_and_keeps_everything)
{
	char name[32];
	uint32_t root;
	uint64_t rid;

	make_arena(20000, 4);
	root = add(NULL, NC_NONE, "", 0);
	rid = nc__dentry_at(&arena, root)->ident;
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "file%d.c", i);
		ASSERT_NE(add(nc__dentry_at(&arena, root), root, name, i),
			  NC_NONE);
	}
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "file%d.c", i);
		ASSERT_EQ(find(rid, name), i);
	}
	ASSERT(((arena.hdr->table_desc >> 16) & 0xff) >= 15);
	ASSERT_EQ(arena.hdr->table_live, 10001);
}

/* Random adds and drops over a few directories in a small table, so
 * runs are long and wrap: the table holds exactly the live names, each
 * found where a reader looks (a removal shifts its run back). */
TEST(churn_leaves_exactly_the_live_names)
{
	enum { DIRS = 5, NAMES = 300 };
	uint32_t root, dir[DIRS], where[DIRS][NAMES];
	uint64_t x = 7;
	char name[32];
	uint32_t live = 0;

	make_arena(4 * DIRS * NAMES, 4);
	root = add(NULL, NC_NONE, "", 0);
	for (int d = 0; d < DIRS; d++) {
		snprintf(name, sizeof(name), "d%d", d);
		dir[d] = add(nc__dentry_at(&arena, root), root, name, 0);
		for (int k = 0; k < NAMES; k++)
			where[d][k] = NC_NONE;
	}
	for (int step = 0; step < 20000; step++) {
		int d, k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d = (int)(x % DIRS);
		k = (int)((x >> 8) % NAMES);
		snprintf(name, sizeof(name), "n%d", k);
		if (where[d][k] != NC_NONE) {
			nc__d_drop(&arena, where[d][k]);
			where[d][k] = NC_NONE;
			live--;
		} else {
			where[d][k] =
			    add(nc__dentry_at(&arena, dir[d]), dir[d], name, k);
			ASSERT_NE(where[d][k], NC_NONE);
			live++;
		}
		ASSERT_EQ(arena.hdr->table_live, 1 + DIRS + live);
		if (step % 1000)
			continue;
		for (int e = 0; e < DIRS; e++)
			for (int j = 0; j < NAMES; j++) {
				snprintf(name, sizeof(name), "n%d", j);
				ASSERT_EQ(
				    find(nc__dentry_at(&arena, dir[e])->ident,
					 name),
				    where[e][j] == NC_NONE ? -1 : j);
			}
	}
}

/* A writer that keeps creating and removing names (a build's temporary
 * files) uses no more of the table area once the table has its size:
 * removals leave no tombstones to rebuild away (which took a new table
 * from the area every few hundred removals, and used it all up, a flush,
 * within 20,000). */
TEST(churn_does_not_use_up_the_table_area)
{
	uint32_t root, ring[512];
	uint64_t used;
	char name[32];

	make_arena(4096, 4); /* strings for the 20,000 names */
	root = add(NULL, NC_NONE, "", 0);
	for (int i = 0; i < 512; i++) {
		snprintf(name, sizeof(name), "tmp%d", i);
		ring[i] = add(nc__dentry_at(&arena, root), root, name, i);
		ASSERT_NE(ring[i], NC_NONE);
	}
	used = arena.hdr->tables_used;
	for (int i = 512; i < 20000; i++) {
		nc__d_drop(&arena, ring[i % 512]);
		snprintf(name, sizeof(name), "tmp%d", i);
		ring[i % 512] = add(nc__dentry_at(&arena, root), root, name, i);
		ASSERT_NE(ring[i % 512], NC_NONE);
	}
	ASSERT_EQ(arena.hdr->tables_used, used);
	ASSERT_EQ(arena.hdr->table_live, 513);
	ASSERT_EQ(find(nc__dentry_at(&arena, root)->ident, "tmp19999"), 19999);
	ASSERT_EQ(find(nc__dentry_at(&arena, root)->ident, "tmp19487"), -1);
}

/* A dentry whose fill failed half-way leaves no trace in the table. */
TEST(an_abandoned_dentry_leaves_nothing)
{
	uint32_t root, idx, live;
	struct nc_dentry *d;
	const struct nc_dentry *r;

	make_arena(64, 4);
	root = add(NULL, NC_NONE, "", 0);
	r = nc__dentry_at(&arena, root);
	live = arena.hdr->table_live;
	d = nc__d_add(&arena, r, root, "half", 4, &idx);
	ASSERT(d != NULL);
	nc__d_write_end(d);
	ASSERT_EQ(arena.hdr->table_live, live + 1);
	nc__d_abandon(&arena, idx);
	ASSERT_EQ(arena.hdr->table_live, live);
	ASSERT_EQ(find(r->ident, "half"), -1);
	ASSERT_EQ(add(r, root, "again", 5), idx); /* the slot is free again */
}

TEST(pools_fill_up_then_flush_empties)
{
	char name[32];
	uint32_t root;
	int n = 0;

	make_arena(100, 4);
	root = add(NULL, NC_NONE, "", 0);
	for (;; n++) {
		snprintf(name, sizeof(name), "n%d", n);
		if (add(nc__dentry_at(&arena, root), root, name, n) == NC_NONE)
			break;
	}
	ASSERT_EQ(n, 99);
	ASSERT_EQ(find(nc__dentry_at(&arena, root)->ident, "n5"), 5);
	nc__arena_flush(&arena);
	ASSERT_EQ(find(nc__dentry_at(&arena, root)->ident, "n5"), -1);
	root = add(NULL, NC_NONE, "", 0);
	ASSERT_NE(root, NC_NONE);
	ASSERT_NE(add(nc__dentry_at(&arena, root), root, "again", 1), NC_NONE);
	ASSERT_EQ(find(nc__dentry_at(&arena, root)->ident, "again"), 1);
}

TEST(attach_rejects_inconsistent_headers)
{
	struct nc_arena b;
	struct nc_arena_hdr saved;

	make_arena(64, 4);
	saved = *arena.hdr;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), 0);
	ASSERT_EQ(nc__arena_attach(&b, arena.base, 16), -EINVAL);
	arena.hdr->magic ^= 1;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->dentry_max = 1u << 30;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->str_size = arena.size;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->tables_off = arena.size + 4096;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->size = arena.size * 2;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	/* The statx array: over the dentries, over the strings, past the
	 * end, or misaligned. */
	*arena.hdr = saved;
	arena.hdr->stx_off -= 64;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->stx_off += 64;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->stx_off = UINT64_MAX - 63;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	arena.hdr->stx_off += 8;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), -EINVAL);
	*arena.hdr = saved;
	ASSERT_EQ(nc__arena_attach(&b, arena.base, arena.size), 0);
	ASSERT_EQ((uintptr_t)nc__d_stx(&b, 3) % 64, 0);
	ASSERT_EQ(nc__d_stx(&b, 64), NULL);
	ASSERT_EQ((uintptr_t)nc__dentry_at(&b, 1) % 64, 0);
}

TEST(garbage_in_the_arena_only_misses)
{
	uint32_t root;
	uint64_t rid, x = 88172645463325252ull;
	unsigned char *p;
	size_t body;
	char name[16];

	make_arena(1024, 6);
	root = add(NULL, NC_NONE, "", 0);
	rid = nc__dentry_at(&arena, root)->ident;
	/* Scribble over everything after the header, descriptor included. */
	p = arena.base + sizeof(struct nc_arena_hdr);
	body = arena.size - sizeof(struct nc_arena_hdr);
	for (size_t i = 0; i < body; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(p + i, &x, body - i < 8 ? body - i : 8);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(name, sizeof(name), "g%d", i);
			ASSERT_EQ(find(rid, name), -1);
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		arena.hdr->table_desc = x; /* arbitrary descriptors too */
	}
}

/* ---- concurrency: one writer churning, readers validating ---------- */

#define KEYS 4096
static int stop;
static uint64_t stress_root;

static void key_name(char *buf, size_t cap, int k)
{
	snprintf(buf, cap, "key-%d-%s", k, k % 3 ? "long-enough-name" : "s");
}

static void *writer(void *arg)
{
	static uint32_t where[KEYS];
	uint32_t root = *(uint32_t *)arg;
	uint64_t x = 42;
	char name[64];
	long ops = 0;

	for (int k = 0; k < KEYS; k++)
		where[k] = NC_NONE;
	while (!ck_pr_load_int(&stop)) {
		int k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		k = (int)(x % KEYS);
		if (where[k] != NC_NONE) {
			nc__d_drop(&arena, where[k]);
			where[k] = NC_NONE;
		} else {
			key_name(name, sizeof(name), k);
			where[k] =
			    add(nc__dentry_at(&arena, root), root, name, k);
			if (where[k] == NC_NONE) {
				/* Table area used up by rebuilds: flush. */
				nc__arena_flush(&arena);
				for (int i = 0; i < KEYS; i++)
					where[i] = NC_NONE;
				root = add(NULL, NC_NONE, "", 0);
				ck_pr_store_64(
				    &stress_root,
				    nc__dentry_at(&arena, root)->ident);
			}
		}
		ops++;
	}
	return (void *)ops;
}

static void *reader(void *arg)
{
	uint64_t x = (uintptr_t)arg * 7919 + 1, hits = 0;
	char name[64];

	while (!ck_pr_load_int(&stop)) {
		int k;
		long v;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		k = (int)(x % KEYS);
		key_name(name, sizeof(name), k);
		v = find(ck_pr_load_64(&stress_root), name);
		if (v != -1 && v != k) {
			fprintf(stderr, "# wrong answer: key %d gave %ld\n", k,
				v);
			exit(1);
		}
		hits += v == k;
	}
	return (void *)hits;
}

TEST(stress_readers_never_see_a_wrong_dentry)
{
	pthread_t w, r[2];
	uint32_t root;
	void *ops, *hits[2];
	struct timespec t = {1, 500000000};

	make_arena(3 * KEYS, 4);
	root = add(NULL, NC_NONE, "", 0);
	stress_root = nc__dentry_at(&arena, root)->ident;
	CHECK(-pthread_create(&w, NULL, writer, &root));
	for (int i = 0; i < 2; i++)
		CHECK(-pthread_create(&r[i], NULL, reader,
				      (void *)(uintptr_t)(i + 1)));
	nanosleep(&t, NULL);
	ck_pr_store_int(&stop, 1);
	pthread_join(w, &ops);
	for (int i = 0; i < 2; i++)
		pthread_join(r[i], &hits[i]);
	fprintf(stderr, "# writer ops %ld, reader hits %lu %lu\n", (long)ops,
		(unsigned long)hits[0], (unsigned long)hits[1]);
	ASSERT((long)ops > 10000);
	ASSERT((uintptr_t)hits[0] > 1000 && (uintptr_t)hits[1] > 1000);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
