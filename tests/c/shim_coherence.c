/*
 * Differential coherence of the cache: a cached answer must reflect every
 * change whose system call returned before the lookup began, made by any
 * process on the machine (docs and research/coherence.md §3, §6).
 *
 * Each test runs tests/c/coherence_prog.c as the checker, under the shim:
 * it starts an unshimmed mutator that changes a random tree at random,
 * hands each batch of changes over causally (a token on a pipe, then an
 * acknowledgement), and compares every interposed answer (stat, lstat,
 * fstatat, statx, access, faccessat, readlink, realpath, open, fopen) with
 * the kernel's answer to the same question asked by raw syscall(2).  Any
 * difference outside the documented non-coherent fields fails the test,
 * and so does a run in which the cache answered nothing: a checker that
 * only ever compares the kernel with itself proves nothing.
 *
 * NC_COHERENCE_OPS sets the number of operations of the whole file
 * (default 100,000): 55% for the main strict-mode run, 15% for each
 * variant.
 * NC_COHERENCE_SEED changes the random seed.  When run as root, the
 * programs run as an unprivileged user, so that permission changes
 * (chmod of directories and files) change the answers.
 */
#include "shimtest.h"

#define COH_UID 65534

/* @percent of the operations of the whole file (NC_COHERENCE_OPS). */
static long coh_ops(int percent)
{
	const char *e = getenv("NC_COHERENCE_OPS");
	long n = e && *e ? atol(e) : 100000;

	n = n / 100 * percent;
	return n > 100 ? n : 100;
}

static unsigned long long coh_seed(unsigned salt)
{
	const char *e = getenv("NC_COHERENCE_SEED");

	return (e && *e ? strtoull(e, NULL, 0) : 20240601ull) + salt;
}

/* Calls and hits of the lookup families in every record of @path. */
static int coh_stats(const char *path, unsigned long long *calls,
		     unsigned long long *hits)
{
	static const int is_lookup[] = {
#define COH_LOOKUP(id, nm, lookup) lookup,
	    NC_FAMILIES(COH_LOOKUP)
#undef COH_LOOKUP
	};
	char *buf = nc_read_file(path, NULL), *save = NULL, *tok;
	int records = 0;

	*calls = *hits = 0;
	if (!buf)
		return -1;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long v[4] = {0, 0, 0, 0};
		int fam;

		if (!strcmp(tok, "namecache-stats"))
			records++;
		if (!eq)
			continue;
		fam = nc_family_by_name(tok, (size_t)(eq - tok));
		if (fam < 0 || !is_lookup[fam])
			continue;
		if (sscanf(eq + 1, "%llu,%llu,%llu,%llu", &v[0], &v[1], &v[2],
			   &v[3]) < 3)
			continue;
		*calls += v[0] + v[1] + v[2];
		*hits += v[3];
	}
	free(buf);
	return records;
}

struct coh_result {
	long ops;
	unsigned long lookups, differences;
	unsigned long long calls, hits;
};

/* Print the program's difference lines as TAP comments. */
static void coh_show(const char *out)
{
	int shown = 0;

	for (const char *l = out; *l && shown < 80; shown++) {
		const char *nl = strchr(l, '\n');
		int n = nl ? (int)(nl - l) : (int)strlen(l);

		printf("# %.*s\n", n, l);
		l += n + (nl ? 1 : 0);
	}
}

/* A scratch directory the programs can write to, and their uid. */
static int coh_scratch(char *dir, size_t cap, const char *tag)
{
	nc_scratch_dir(dir, cap, tag);
	if (geteuid() != 0)
		return -1;
	CHECK(chown(dir, COH_UID, COH_UID));
	return COH_UID;
}

/*
 * Run the checker on a fresh tree with extra arguments @args and extra
 * environment @env; the summary into @res.  Fails the test if the run
 * does not complete.
 */
static void coh_run(const char *tag, long ops, unsigned salt,
		    const char *const *args, const char *const *env,
		    struct coh_result *res)
{
	char dir[PATH_MAX], tree[PATH_MAX + 8], stats[PATH_MAX + 32],
	    prog[PATH_MAX + 32], tdir[PATH_MAX], s_seed[32], s_ops[32];
	const char *argv[16], *envv[8];
	struct nc_run_opts o = {.preload = 1, .uid = -1};
	struct nc_run_result r;
	const char *sum;
	int k = 0, ke = 0;

	o.uid = coh_scratch(dir, sizeof(dir), tag);
	snprintf(tree, sizeof(tree), "%s/t", dir);
	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	CHECK(mkdir(tree, 0755));
	if (o.uid >= 0)
		CHECK(chown(tree, (uid_t)o.uid, (gid_t)o.uid));
	snprintf(prog, sizeof(prog), "%s/coherence-prog",
		 nc_test_dir(tdir, sizeof(tdir)));
	snprintf(s_seed, sizeof(s_seed), "%llu", coh_seed(salt));
	snprintf(s_ops, sizeof(s_ops), "%ld", ops);
	argv[k++] = prog;
	argv[k++] = "check";
	argv[k++] = tree;
	argv[k++] = s_seed;
	argv[k++] = s_ops;
	for (const char *const *a = args; a && *a && k < 15; a++)
		argv[k++] = *a;
	argv[k] = NULL;
	envv[ke++] = stats;
	envv[ke++] = "NAMECACHE_WARMUP=0"; /* every lookup after the first */
	for (const char *const *e = env; e && *e && ke < 7; e++)
		envv[ke++] = *e;
	envv[ke] = NULL;
	o.env = envv;

	nc_run(argv, &o, &r);
	memset(res, 0, sizeof(*res));
	sum = strstr(r.out, "ops ");
	if (r.status && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 1)
		coh_show(r.out);
	if (!sum || sscanf(sum, "ops %ld lookups %lu differences %lu",
			   &res->ops, &res->lookups, &res->differences) != 3) {
		coh_show(r.out);
		NC_FAIL("%s: no summary (wait status %d, seed %s)", tag,
			r.status, s_seed);
	}
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	if (coh_stats(stats, &res->calls, &res->hits) <= 0)
		NC_FAIL("%s: no statistics record in %s", tag, stats);
	printf("# %s: seed %s ops %ld lookups %lu differences %lu hits %llu "
	       "of %llu interposed lookups (%.1f%%)\n",
	       tag, s_seed, res->ops, res->lookups, res->differences, res->hits,
	       res->calls,
	       res->calls ? 100.0 * (double)res->hits / (double)res->calls
			  : 0.0);
	fflush(stdout);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

static void coh_expect_clean(const struct coh_result *res, long ops)
{
	ASSERT_EQ(res->differences, 0);
	ASSERT(res->ops >= ops);
	ASSERT(res->lookups > 0);
	/* The cache must really have answered: hits are what is tested. */
	ASSERT(res->hits > 0);
	ASSERT(res->hits * 20 >= res->calls); /* at least 5% */
}

/* Strict mode (the default), another process changing the tree. */
TEST(strict_other_process)
{
	struct coh_result res;
	long ops = coh_ops(55);

	coh_run("strict", ops, 0, NULL, NULL, &res);
	coh_expect_clean(&res, ops);
}

/* The checker changes the tree too, through the shim, then looks up. */
TEST(strict_own_mutations)
{
	static const char *const args[] = {"--self", NULL};
	struct coh_result res;
	long ops = coh_ops(15);

	coh_run("own", ops, 1, args, NULL, &res);
	coh_expect_clean(&res, ops);
}

/* Two threads ask the same questions at once after every change. */
TEST(strict_two_threads)
{
	static const char *const args[] = {"--threads", "2", NULL};
	struct coh_result res;
	long ops = coh_ops(15);

	coh_run("threads", ops, 2, args, NULL, &res);
	coh_expect_clean(&res, ops);
}

/* Relaxed mode with a zero staleness bound must be as coherent. */
TEST(relaxed_zero_staleness)
{
	static const char *const env[] = {"NAMECACHE_MODE=relaxed",
					  "NAMECACHE_MAX_STALE_US=0", NULL};
	struct coh_result res;
	long ops = coh_ops(15);

	coh_run("relaxed", ops, 3, NULL, env, &res);
	coh_expect_clean(&res, ops);
}

/*
 * nftw(FTW_CHDIR) and fts change the cwd with glibc's internal chdir:
 * relative lookups in the callback, and after the walk, must be the
 * kernel's answers, although the cache had learnt the old cwd.
 */
TEST(nftw_chdir_relative)
{
	char dir[PATH_MAX], stats[PATH_MAX + 32], prog[PATH_MAX + 32],
	    tdir[PATH_MAX];
	const char *argv[4], *envv[3];
	struct nc_run_opts o = {.preload = 1, .uid = -1};
	struct nc_run_result r;
	unsigned long lookups = 0, differences = 0;
	unsigned long long calls, hits;
	const char *sum;

	o.uid = coh_scratch(dir, sizeof(dir), "nftw");
	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	snprintf(prog, sizeof(prog), "%s/coherence-prog",
		 nc_test_dir(tdir, sizeof(tdir)));
	argv[0] = prog;
	argv[1] = "nftw";
	argv[2] = dir;
	argv[3] = NULL;
	envv[0] = stats;
	envv[1] = "NAMECACHE_WARMUP=0";
	envv[2] = NULL;
	o.env = envv;
	nc_run(argv, &o, &r);
	sum = strstr(r.out, "lookups ");
	if (!sum ||
	    sscanf(sum, "lookups %lu differences %lu", &lookups,
		   &differences) != 2 ||
	    differences) {
		coh_show(r.out);
		NC_FAIL("nftw: wait status %d", r.status);
	}
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	ASSERT(coh_stats(stats, &calls, &hits) > 0);
	printf("# nftw: lookups %lu differences %lu hits %llu of %llu\n",
	       lookups, differences, hits, calls);
	ASSERT_EQ(r.status, 0);
	ASSERT(lookups > 0);
	/* The cwd's names were cached before the walks. */
	ASSERT(hits > 0);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
