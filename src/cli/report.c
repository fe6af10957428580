/*
 * Aggregating statistics records into the --stats table.
 *
 * A process image writes one record; an image that execs writes one, and
 * its successor another with the same pid.  "processes" counts the images
 * that ran (the programs a user sees start): every record but a forked
 * copy of its parent that did nothing but exec (the first record of a pid
 * whose parent wrote records too, ending in "exec").  "pids" counts the
 * distinct process IDs.  So `sh -c 'env -i ls; ls'` is 4 processes (sh,
 * env, ls, ls) in 3 pids (sh and two forks), or 3 processes when the ls
 * that env started ran without namecache.  Lines that are not records of
 * a known version are counted and reported, never silently mixed in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../common/record.h"
#include "cli.h"

struct nc__report {
	struct nc__counts c;
	int64_t *pids; /* pid, ppid, order * 2 + ended in exec: per record */
	size_t npids, cap;
	size_t records, bad;
	size_t wring, uring, epoll;   /* records by coherence check */
	size_t shared;		      /* records of attached images */
	size_t handed;		      /* ... of them handed down (exec, fork) */
	size_t took;		      /* ... that took the daemon's fds */
	size_t process[NC_WHY_COUNT]; /* in-process images, by reason */
};

struct nc__report *nc__report_new(void)
{
	return calloc(1, sizeof(struct nc__report));
}

void nc__report_free(struct nc__report *r)
{
	if (r)
		free(r->pids);
	free(r);
}

#define PID_WORDS 3

static int add_pid(struct nc__report *r, int64_t pid, int64_t ppid, int exec)
{
	int64_t *e;

	if (r->npids == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		int64_t *p = realloc(r->pids, cap * PID_WORDS * sizeof(*p));

		if (!p)
			return -1;
		r->pids = p;
		r->cap = cap;
	}
	e = r->pids + PID_WORDS * r->npids;
	e[0] = pid;
	e[1] = ppid;
	e[2] = (int64_t)r->npids * 2 + !!exec;
	r->npids++;
	return 0;
}

/* By pid, then in the order the records were written. */
static int cmp_rec(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return (x[0] > y[0]) - (x[0] < y[0]);
	return (x[2] > y[2]) - (x[2] < y[2]);
}

static int cmp_pid(const void *key, const void *elem)
{
	int64_t x = *(const int64_t *)key, y = *(const int64_t *)elem;

	return (x > y) - (x < y);
}

/* The number of distinct pids (*@programs: see the top of this file). */
static size_t distinct_pids(const struct nc__report *r, size_t *programs)
{
	size_t n = 0;

	qsort(r->pids, r->npids, PID_WORDS * sizeof(*r->pids), cmp_rec);
	*programs = r->npids;
	for (size_t i = 0; i < r->npids; i++) {
		const int64_t *e = r->pids + PID_WORDS * i;

		if (i > 0 && e[0] == e[-PID_WORDS])
			continue; /* not the pid's first record */
		n++;
		if ((e[2] & 1) &&
		    bsearch(&e[1], r->pids, r->npids,
			    PID_WORDS * sizeof(*r->pids), cmp_pid))
			--*programs; /* a fork copy of its parent, then exec */
	}
	return n;
}

int nc__report_read(struct nc__report *r, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	while (getline(&line, &cap, in) > 0) {
		struct nc__record rec;

		if (nc__record_parse(line, &rec) < 0) {
			r->bad++;
			continue;
		}
		{
			uint64_t *acc = (uint64_t *)&r->c;
			const uint64_t *rc = (const uint64_t *)&rec.c;

			for (size_t i = 0; i < NC_COUNTS_WORDS; i++)
				acc[i] += rc[i];
		}
		if (add_pid(r, rec.pid, rec.ppid, !strcmp(rec.end, "exec")) <
		    0) {
			free(line);
			return -1;
		}
		r->records++;
		r->wring += !strcmp(rec.check, "shared");
		r->uring += !strcmp(rec.check, "uring");
		r->epoll += !strcmp(rec.check, "epoll");
		if (!strcmp(rec.cache, "shared")) {
			r->shared++;
			r->handed += !strcmp(rec.via, "exec") ||
				     !strcmp(rec.via, "fork");
			r->took += !strcmp(rec.via, "pidfd");
		} else if (!strcmp(rec.cache, "process")) {
			int w = nc__why_lookup(rec.why, strlen(rec.why));

			r->process[w < 0 ? NC_WHY_NONE : w]++;
		}
		n++;
	}
	free(line);
	return ferror(in) ? -1 : n;
}

static void print_row(FILE *out, const char *name, uint64_t calls,
		      const uint64_t *n, uint64_t hits)
{
	fprintf(out,
		"%-10s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64
		" %12" PRIu64 " %6.1f%%\n",
		name, calls, n[NC_OUT_OK], n[NC_OUT_ENOENT], n[NC_OUT_ERR],
		hits, calls ? 100.0 * (double)hits / (double)calls : 0.0);
}

static void print_doubts(const struct nc__counts *c, FILE *out)
{
	fprintf(out, "lookups not answered from the cache, by reason:\n");
	for (int f = 0; f < NC_FAM_COUNT; f++) {
		const char *sep = "";

		for (int d = 0; d < NC_DOUBT_COUNT; d++)
			if (c->doubt[f][d]) {
				if (!*sep)
					fprintf(out, "%-10s",
						nc__family_name(f));
				fprintf(out, "%s %s %" PRIu64, sep,
					nc__doubt_name(d), c->doubt[f][d]);
				sep = ",";
			}
		if (*sep)
			fputc('\n', out);
	}
}

/*
 * The exec calls whose new image had lost namecache from its environment:
 * how many had it put back, and why the others were left as they were.
 * Nothing is printed when no exec needed it.
 */
/* The hints attached images sent the daemon, when there were any. */
static void print_hints(const struct nc__counts *c, FILE *out)
{
	if (c->hints[0] || c->hints[1])
		fprintf(out,
			"namecache: paths sent to the daemon to fill: %" PRIu64
			", dropped: %" PRIu64 "\n",
			c->hints[0], c->hints[1]);
}

static void print_execs(const struct nc__counts *c, FILE *out)
{
	const char *sep = "";

	if (c->exec[NC_EXEC_RESTORED])
		fprintf(out,
			"exec calls with namecache put back: %" PRIu64 "\n",
			c->exec[NC_EXEC_RESTORED]);
	for (int x = 0; x < NC_EXEC_COUNT; x++) {
		if (x == NC_EXEC_RESTORED || !c->exec[x])
			continue;
		if (!*sep)
			fprintf(out, "exec calls left without namecache:");
		fprintf(out, "%s %s %" PRIu64, sep, nc__exec_name(x),
			c->exec[x]);
		sep = ",";
	}
	if (*sep)
		fputc('\n', out);
}

/*
 * How many process images used the shared cache, and why the others
 * cached for themselves.  Nothing when no record says (a cache off).
 */
static void print_shared(const struct nc__report *r, FILE *out)
{
	size_t own = 0;
	const char *sep = " (";

	for (int w = 0; w < NC_WHY_COUNT; w++)
		own += r->process[w];
	if (!r->shared && !own)
		return;
	fprintf(out,
		"namecache: shared cache: %zu process images attached (%zu "
		"handed down, %zu without asking), %zu in-process",
		r->shared, r->handed, r->took, own);
	for (int w = 0; w < NC_WHY_COUNT; w++)
		if (r->process[w]) {
			fprintf(out, "%s%s %zu", sep,
				w ? nc__why_name(w) : "unknown", r->process[w]);
			sep = ", ";
		}
	fputs(*sep == ',' ? ")\n" : "\n", out);
}

void nc__report_print(const struct nc__report *r, FILE *out)
{
	const struct nc__counts *c = &r->c;
	uint64_t tot[NC_OUT_COUNT] = {0};
	uint64_t calls = 0, hits = 0;
	int doubts = 0;

	for (int f = 0; f < NC_FAM_COUNT; f++) {
		for (int o = 0; o < NC_OUT_COUNT; o++) {
			tot[o] += c->n[f][o];
			calls += c->n[f][o];
		}
		hits += c->hit[f];
		for (int d = 0; d < NC_DOUBT_COUNT; d++)
			doubts |= c->doubt[f][d] != 0;
	}
	size_t programs, pids = distinct_pids(r, &programs);

	fprintf(out, "namecache: %zu processes (%zu pids), %" PRIu64 " calls\n",
		programs, pids, calls);
	if (r->bad)
		fprintf(out,
			"namecache: %zu lines were not statistics "
			"records and were skipped\n",
			r->bad);
	fprintf(out, "%-10s %12s %12s %12s %12s %12s %7s\n", "family", "calls",
		"ok", "ENOENT", "other", "hits", "hit%");
	for (int f = 0; f < NC_FAM_COUNT; f++) {
		const uint64_t *n = c->n[f];
		uint64_t fc = n[NC_OUT_OK] + n[NC_OUT_ENOENT] + n[NC_OUT_ERR];

		if (fc)
			print_row(out, nc__family_name(f), fc, n, c->hit[f]);
	}
	print_row(out, "total", calls, tot, hits);
	if (doubts)
		print_doubts(c, out);
	print_execs(c, out);
	print_shared(r, out);
	print_hints(c, out);
	if (r->wring || r->uring || r->epoll)
		fprintf(out,
			"namecache: coherence checks: %zu process images "
			"with the daemon's ring, %zu with io_uring, %zu with "
			"epoll_wait only\n",
			r->wring, r->uring, r->epoll);
}

int nc__cmd_stats(int argc, char **argv)
{
	struct nc__report *r = nc__report_new();
	int rc = 0;

	if (!r) {
		nc__err("out of memory");
		return 1;
	}
	if (argc < 2 && nc__report_read(r, stdin) < 0) {
		nc__err("stats: cannot read standard input");
		rc = 1;
	}
	for (int i = 1; i < argc && rc == 0; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;

		if (!f) {
			nc__err("stats: cannot open %s: %s", argv[i],
				strerror(errno));
			rc = 1;
			break;
		}
		if (nc__report_read(r, f) < 0) {
			nc__err("stats: cannot read %s", argv[i]);
			rc = 1;
		}
		if (f != stdin)
			fclose(f);
	}
	if (rc == 0)
		nc__report_print(r, stdout);
	nc__report_free(r);
	return rc;
}
