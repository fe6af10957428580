/*
 * Per-thread resolution memo (see memo.h for why it is safe).
 */
#include <string.h>
#include <sys/mman.h>

#include "memo.h"

#define MEMO_SLOTS 512 /* per thread */

struct memo_ent {
	uint64_t key; /* 0: empty */
	uint64_t start;
	uint64_t topo;
	uint64_t ident;
	uint32_t idx;
	uint16_t len;
	uint8_t flags;
	char path[NC_MEMO_PATH];
};

enum { M_NOFOLLOW = 1, M_NAMED = 2, M_LASTLINK = 4 };

static __thread struct memo_ent *memo
    __attribute__((tls_model("initial-exec")));
static __thread int memo_failed __attribute__((tls_model("initial-exec")));

/* The slot key: the path hash mixed with what else the entry depends on. */
static uint64_t key_of(uint64_t hash, uint64_t start, int nofollow)
{
	uint64_t k = (hash ^ (start * 0x9E3779B97F4A7C15ull)) * 2 + !!nofollow;

	return k ? k : 1;
}

int nc__memo_get(uint64_t hash, uint64_t start, const char *path, size_t len,
		 int nofollow, uint64_t topo, struct nc_memo_hit *out)
{
	const struct memo_ent *e;
	uint64_t k;

	if (!memo || len > NC_MEMO_PATH)
		return 0;
	k = key_of(hash, start, nofollow);
	e = &memo[k % MEMO_SLOTS];
	if (e->key != k || e->start != start || e->topo != topo ||
	    e->len != len || !!(e->flags & M_NOFOLLOW) != !!nofollow ||
	    memcmp(e->path, path, len) != 0)
		return 0;
	__asm__ volatile("" ::: "memory");
	if (e->key != k) /* rewritten by a signal handler meanwhile */
		return 0;
	out->idx = e->idx;
	out->ident = e->ident;
	out->named = !!(e->flags & M_NAMED);
	out->last_name_link = !!(e->flags & M_LASTLINK);
	return 1;
}

void nc__memo_put(uint64_t hash, uint64_t start, const char *path, size_t len,
		  int nofollow, uint64_t topo, const struct nc_memo_hit *res)
{
	struct memo_ent *e;
	uint64_t k;

	if (len > NC_MEMO_PATH)
		return;
	if (!memo) {
		void *m;

		if (memo_failed)
			return;
		m = mmap(NULL, MEMO_SLOTS * sizeof(struct memo_ent),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED) {
			memo_failed = 1;
			return;
		}
		memo = m;
	}
	k = key_of(hash, start, nofollow);
	e = &memo[k % MEMO_SLOTS];
	e->key = 0;
	__asm__ volatile("" ::: "memory");
	e->start = start;
	e->topo = topo;
	e->ident = res->ident;
	e->idx = res->idx;
	e->len = (uint16_t)len;
	e->flags =
	    (uint8_t)((nofollow ? M_NOFOLLOW : 0) | (res->named ? M_NAMED : 0) |
		      (res->last_name_link ? M_LASTLINK : 0));
	memcpy(e->path, path, len);
	__asm__ volatile("" ::: "memory");
	e->key = k;
}

void nc__memo_reset(void)
{
	if (memo)
		memset(memo, 0, MEMO_SLOTS * sizeof(struct memo_ent));
}
