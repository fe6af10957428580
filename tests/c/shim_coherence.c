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
 * (default 100,000): 40% for the main strict-mode run (its checks through
 * the checker's io_uring), 15% for each variant (the same with epoll_wait
 * checks, own mutations, two threads, relaxed).  The nftw and sandwich
 * runs check through io_uring too.
 * NC_COHERENCE_LIGHT=1 makes the checkers ask about a third of the
 * questions per operation (coherence-prog --light), for long runs.
 * NC_COHERENCE_SEED changes the random seed.  When run as root, the
 * programs run as an unprivileged user, so that permission changes
 * (chmod of directories and files) change the answers.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

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

static int coh_family(const char *path, const char *name,
		      unsigned long long *calls, unsigned long long *hits);

struct coh_result {
	long ops;
	unsigned long lookups, differences;
	unsigned long long calls, hits;
	unsigned long long list_calls, list_hits; /* opendir */
	int uring, epoll; /* records with check=uring, check=epoll */
	int wring;	  /* records with check=shared (the daemon's ring) */
	int shared, own;  /* records with cache=shared, cache=process */
};

/* Records of @path whose check is "uring", "epoll" and "shared". */
static void coh_checks(const char *path, int *uring, int *epoll, int *wring)
{
	char *buf = nc_read_file(path, NULL);

	*uring = *epoll = *wring = 0;
	for (const char *p = buf; p && (p = strstr(p, " check=")); p++) {
		*uring += !strncmp(p, " check=uring", 12);
		*epoll += !strncmp(p, " check=epoll", 12);
		*wring += !strncmp(p, " check=shared", 13);
	}
	free(buf);
}

/* Records of @path with cache=shared and cache=process. */
static void coh_caches(const char *path, int *shared, int *own)
{
	char *buf = nc_read_file(path, NULL);

	*shared = *own = 0;
	for (const char *p = buf; p && (p = strstr(p, " cache=")); p++) {
		*shared += !strncmp(p, " cache=shared", 13);
		*own += !strncmp(p, " cache=process", 14);
	}
	free(buf);
}

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
 * The random tree's top, @dir/p/q/r/t, below three directories the
 * programs cannot write, so that no path the checker can form reaches a
 * directory that other processes change (such as $TMPDIR, which holds
 * @dir).  Call a directory's height its number of levels above t: r is 1,
 * q 2, p 3, @dir 4 and $TMPDIR 5.  From coherence_prog.c:
 *
 * - The tree's names are a, b, c, d (and the mutator's transient ".tmp").
 *   r, q and p hold only t, r and q, and @dir only p and the statistics: in
 *   every directory above t each of those names is ENOENT.  r, q and p
 *   have mode 0555 and, when we run as root, belong to root while the
 *   programs run as COH_UID: no program can add a name to them.  Every
 *   path the mutator uses is made of those names, relative to t, so
 *   everything it creates, symlinks included, is inside t (it never
 *   chmods or utimes outside t: inside()).
 * - So a symlink resolves to height 1 at most.  rand_target() gives "..",
 *   "../NAME", ".", "NAME/", names, t's absolute path with names, itself
 *   or "zz": ".." in t is r; "../NAME" in t is r/NAME, which does not
 *   exist; names lead only through directories of t and through other
 *   links, which reach r at most, where the next name fails.  Chains of
 *   links to ".." therefore stop at r.
 * - move_cwd() chdirs along names from the current directory: the cwd is
 *   t, a directory inside t (moved or removed ones stay inside t), or r,
 *   from which every name fails and the next move returns to t.
 * - sample_base() forms t's absolute path or cwd_up (at most three "../")
 *   followed by names, at most one "..", and "/.", "/x", "//": from a cwd
 *   of height 1 at most, the "../" reach height 4 (@dir) at most, where
 *   the names fail; names alone reach height 1, and a ".." after them
 *   height 2 (q), where the names again fail.
 *
 * So the highest directory any lookup reads is @dir, which only this test
 * changes, and the highest object an answer describes is q: nothing the
 * checker compares can change behind its back.  (With the tree at @dir/t
 * and @dir writable, the mutator could make @dir/a -> "..", then compare,
 * create, rename and remove entries of $TMPDIR itself.)  coh_private()
 * checks afterwards that nothing was created above t.
 */
static void coh_tree(const char *dir, char *tree, size_t cap, int uid)
{
	static const char *const up[] = {"p", "q", "r", "t"};
	size_t n = (size_t)snprintf(tree, cap, "%s", dir);

	for (int i = 0; i < 4; i++) {
		n += (size_t)snprintf(tree + n, cap - n, "/%s", up[i]);
		CHECK(mkdir(tree, 0755));
	}
	if (uid >= 0)
		CHECK(chown(tree, (uid_t)uid, (gid_t)uid));
	/* Make p, q, r read-only, bottom up. */
	for (int i = 0; i < 3; i++) {
		*strrchr(tree, '/') = '\0';
		CHECK(chmod(tree, 0555));
	}
	snprintf(tree, cap, "%s/p/q/r/t", dir);
}

/* Whether @path holds exactly the entries @want (NULL-terminated). */
static int coh_holds_only(const char *path, const char *const *want)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int extra = 0, found = 0, nwant = 0;

	while (want[nwant])
		nwant++;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		int known = 0;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (int i = 0; i < nwant; i++)
			known |= !strcmp(de->d_name, want[i]);
		if (known)
			found++;
		else {
			printf("# unexpected entry %s/%s\n", path, de->d_name);
			extra++;
		}
	}
	closedir(d);
	return !extra && found == nwant;
}

/* After a run: nothing was created above the tree's top (coh_tree()). */
static void coh_private(const char *dir)
{
	static const char *const in_dir[] = {"p", "stats", NULL};
	static const char *const in_p[] = {"q", NULL},
				 *const in_q[] = {"r", NULL},
				 *const in_r[] = {"t", NULL};
	char path[PATH_MAX + 16];

	ASSERT(coh_holds_only(dir, in_dir));
	snprintf(path, sizeof(path), "%s/p", dir);
	ASSERT(coh_holds_only(path, in_p));
	snprintf(path, sizeof(path), "%s/p/q", dir);
	ASSERT(coh_holds_only(path, in_q));
	snprintf(path, sizeof(path), "%s/p/q/r", dir);
	ASSERT(coh_holds_only(path, in_r));
}

/*
 * Run the checker on a fresh tree with extra arguments @args and extra
 * environment @env; the summary into @res.  Fails the test if the run
 * does not complete.
 */
static void coh_run_in(int shared, const char *tag, long ops, unsigned salt,
		       const char *const *args, const char *const *env,
		       struct coh_result *res)
{
	char sock[PATH_MAX + 16], sdir[PATH_MAX], env_sock[PATH_MAX + 64];
	pid_t daemon = -1;
	char dir[PATH_MAX], tree[PATH_MAX + 16], stats[PATH_MAX + 32],
	    prog[PATH_MAX + 32], tdir[PATH_MAX], s_seed[32], s_ops[32];
	const char *argv[16], *envv[8];
	struct nc_run_opts o = {.preload = 1, .uid = -1};
	struct nc_run_result r;
	const char *sum;
	int k = 0, ke = 0;

	o.uid = coh_scratch(dir, sizeof(dir), tag);
	coh_tree(dir, tree, sizeof(tree), o.uid);
	if (shared) {
		daemon = nc_daemon_start(o.uid, sock, sizeof(sock), sdir,
					 sizeof(sdir));
		snprintf(env_sock, sizeof(env_sock), "NAMECACHE_SOCKET=%.*s",
			 (int)(sizeof(env_sock) - 20), sock);
	}
	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	snprintf(prog, sizeof(prog), "%s/coherence-prog",
		 nc_test_dir(tdir, sizeof(tdir)));
	snprintf(s_seed, sizeof(s_seed), "%llu", coh_seed(salt));
	snprintf(s_ops, sizeof(s_ops), "%ld", ops);
	argv[k++] = prog;
	argv[k++] = "check";
	argv[k++] = tree;
	argv[k++] = s_seed;
	argv[k++] = s_ops;
	for (const char *const *a = args; a && *a && k < 14; a++)
		argv[k++] = *a;
	if (getenv("NC_COHERENCE_LIGHT") && *getenv("NC_COHERENCE_LIGHT") &&
	    strcmp(getenv("NC_COHERENCE_LIGHT"), "0"))
		argv[k++] = "--light";
	argv[k] = NULL;
	envv[ke++] = stats;
	envv[ke++] = "NAMECACHE_WARMUP=0"; /* every lookup after the first */
	if (shared)
		envv[ke++] = env_sock;
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
	coh_family(stats, "opendir", &res->list_calls, &res->list_hits);
	coh_checks(stats, &res->uring, &res->epoll, &res->wring);
	coh_caches(stats, &res->shared, &res->own);
	if (shared)
		nc_daemon_stop(daemon, sdir);
	printf("# %s: seed %s ops %ld lookups %lu differences %lu hits %llu "
	       "of %llu interposed lookups (%.1f%%), checks: uring in %d "
	       "records, epoll in %d, shared in %d; shared cache in %d, own "
	       "in %d; listings from the cache %llu of %llu\n",
	       tag, s_seed, res->ops, res->lookups, res->differences, res->hits,
	       res->calls,
	       res->calls ? 100.0 * (double)res->hits / (double)res->calls
			  : 0.0,
	       res->uring, res->epoll, res->wring, res->shared, res->own,
	       res->list_hits, res->list_calls);
	fflush(stdout);
	nc_run_free(&r);
	coh_private(dir);
	/* Writable again, so that an unprivileged run can remove them. */
	for (unsigned i = 0; i < 3; i++) {
		static const char *const ro[] = {"/p", "/p/q", "/p/q/r"};
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s%s", dir, ro[i]);
		CHECK(chmod(path, 0755));
	}
	nc_rm_rf(dir);
}

/* With the process's own cache (no daemon). */
static void coh_run(const char *tag, long ops, unsigned salt,
		    const char *const *args, const char *const *env,
		    struct coh_result *res)
{
	coh_run_in(0, tag, ops, salt, args, env, res);
}

static void coh_expect_clean(const struct coh_result *res, long ops)
{
	ASSERT_EQ(res->differences, 0);
	ASSERT(res->ops >= ops);
	ASSERT(res->lookups > 0);
	/* The cache must really have answered: hits are what is tested. */
	ASSERT(res->hits > 0);
	ASSERT(res->hits * 20 >= res->calls); /* at least 5% */
	ASSERT(res->list_hits > 0);	      /* listings too */
}

/* The checks each way (NAMECACHE_CHECK): a ring from the first check,
 * or epoll_wait only. */
static const char *const coh_uring[] = {"NAMECACHE_CHECK=uring", NULL};
static const char *const coh_epoll[] = {"NAMECACHE_CHECK=epoll", NULL};

/* The checker's records say check=uring (@uring 1) or check=epoll (0);
 * attached, check=shared counts as a ring too (a walk through cold
 * directories, if any, was checked with the daemon's watch ring). */
static void coh_expect_check(const struct coh_result *res, int uring)
{
	ASSERT(uring ? res->uring + res->wring >= 1 : res->epoll >= 1);
	ASSERT_EQ(uring ? res->epoll : res->uring + res->wring, 0);
}

/* Strict mode (the default), another process changing the tree; the
 * checks through the checker's io_uring. */
TEST(strict_other_process)
{
	struct coh_result res;
	long ops = coh_ops(40);

	coh_run("strict", ops, 0, NULL, coh_uring, &res);
	coh_expect_clean(&res, ops);
	coh_expect_check(&res, 1);
}

/* The same with epoll_wait checks only. */
TEST(strict_other_process_epoll)
{
	struct coh_result res;
	long ops = coh_ops(15);

	coh_run("strict-epoll", ops, 4, NULL, coh_epoll, &res);
	coh_expect_clean(&res, ops);
	coh_expect_check(&res, 0);
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

	coh_run("threads", ops, 2, args, coh_uring, &res);
	coh_expect_clean(&res, ops);
	coh_expect_check(&res, 1);
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
 * Run `coherence-prog MODE A1 [A2]` under the shim as @uid (-1: as we
 * are), its statistics appended to @dir/stats, caching from a path's
 * first repeat (NAMECACHE_WARMUP=0), with @cmode as NAMECACHE_MODE
 * (NULL: the default).
 */
static void coh_prog_mode(const char *dir, int uid, const char *cmode,
			  const char *mode, const char *a1, const char *a2,
			  struct nc_run_result *r)
{
	char stats[PATH_MAX + 32], prog[PATH_MAX + 32], tdir[PATH_MAX];
	char mvar[64];
	const char *argv[] = {prog, mode, a1, a2, NULL};
	/* Relaxed mode's time bound must not hide a missed own change. */
	const char *envv[] = {stats,
			      "NAMECACHE_WARMUP=0",
			      "NAMECACHE_MAX_STALE_US=60000000",
			      "NAMECACHE_CHECK=uring",
			      cmode ? mvar : NULL,
			      NULL};
	struct nc_run_opts o = {.preload = 1, .uid = uid, .env = envv};

	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	snprintf(mvar, sizeof(mvar), "NAMECACHE_MODE=%s", cmode ? cmode : "");
	snprintf(prog, sizeof(prog), "%s/coherence-prog",
		 nc_test_dir(tdir, sizeof(tdir)));
	nc_run(argv, &o, r);
}

static void coh_prog(const char *dir, int uid, const char *mode, const char *a1,
		     const char *a2, struct nc_run_result *r)
{
	coh_prog_mode(dir, uid, NULL, mode, a1, a2, r);
}

/*
 * The process's own changes are seen by its very next lookup, in relaxed
 * mode as in strict mode: every mutating entry point, with every lookup
 * family before and after (coherence-prog own).  Relaxed mode's time
 * bound is set far beyond the run, so only the write-through rule can
 * make the answers right.
 */
static void coh_own(const char *cmode)
{
	char dir[PATH_MAX], stats[PATH_MAX + 32];
	struct nc_run_result r;
	unsigned long cases = 0, lookups = 0, differences = 0;
	unsigned long long calls, hits;
	const char *sum;
	int uid = coh_scratch(dir, sizeof(dir), cmode);

	coh_prog_mode(dir, uid, cmode, "own", dir, NULL, &r);
	sum = strstr(r.out, "cases ");
	if (!sum ||
	    sscanf(sum, "cases %lu lookups %lu differences %lu", &cases,
		   &lookups, &differences) != 3 ||
	    differences || r.status) {
		coh_show(r.out);
		NC_FAIL("own changes (%s): wait status %d", cmode, r.status);
	}
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	ASSERT(coh_stats(stats, &calls, &hits) > 0);
	printf("# own changes, %s: %lu cases, %lu lookups, %lu differences, "
	       "hits %llu of %llu\n",
	       cmode, cases, lookups, differences, hits, calls);
	ASSERT(cases >= 60);
	/* Most answers came from the cache, or the run tested little. */
	ASSERT(hits * 2 > calls);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

/*
 * The shared cache: the checker attached to a real daemon (every record
 * says so), another process changing the tree, the checks through the
 * checker's io_uring and through epoll_wait; the checker's own changes;
 * relaxed mode with a zero bound.  The daemon fills asynchronously, so
 * hits come from the lookups after each fill.
 */
static void coh_expect_shared(const struct coh_result *res, long ops)
{
	ASSERT_EQ(res->differences, 0);
	ASSERT(res->ops >= ops);
	ASSERT(res->lookups > 0);
	/* Hits come after the daemon's asynchronous fills: fewer than in
	 * the process's own cache on a loaded machine, never none. */
	ASSERT(res->hits > 0);
	ASSERT(res->hits * 100 >= res->calls); /* at least 1% */
	ASSERT(res->shared >= 1);
	ASSERT_EQ(res->own, 0);
}

/* The tree is written everywhere, so its directories are hot: the
 * checks are the thread's ring (the daemon's watch ring is tested by
 * shim_uring.c's handoff_shared, with changes that keep them cold). */
TEST(shared_other_process)
{
	struct coh_result res;
	long ops = coh_ops(15);

	coh_run_in(1, "shared", ops, 10, NULL, coh_uring, &res);
	coh_expect_shared(&res, ops);
	coh_expect_check(&res, 1);
}

TEST(shared_other_process_epoll)
{
	struct coh_result res;
	long ops = coh_ops(10);

	coh_run_in(1, "shared-epoll", ops, 11, NULL, coh_epoll, &res);
	coh_expect_shared(&res, ops);
	coh_expect_check(&res, 0);
}

TEST(shared_own_mutations)
{
	static const char *const args[] = {"--self", NULL};
	struct coh_result res;
	long ops = coh_ops(10);

	coh_run_in(1, "shared-own", ops, 12, args, NULL, &res);
	coh_expect_shared(&res, ops);
}

TEST(shared_relaxed_zero_staleness)
{
	static const char *const env[] = {"NAMECACHE_MODE=relaxed",
					  "NAMECACHE_MAX_STALE_US=0", NULL};
	struct coh_result res;
	long ops = coh_ops(10);

	coh_run_in(1, "shared-relaxed", ops, 13, NULL, env, &res);
	coh_expect_shared(&res, ops);
}

TEST(own_changes_relaxed)
{
	coh_own("relaxed");
}

TEST(own_changes_strict)
{
	coh_own("strict");
}

/*
 * Run `coherence-prog MODE DIR` (whose last line is "lookups M
 * differences D") in a scratch directory; fail on any difference or a
 * failed run.  The lookups and the statistics' calls and hits.
 */
static void coh_lookups(const char *mode, unsigned long *lookups,
			unsigned long long *calls, unsigned long long *hits)
{
	char dir[PATH_MAX], stats[PATH_MAX + 32];
	struct nc_run_result r;
	unsigned long differences = 0;
	const char *sum;
	int uid = coh_scratch(dir, sizeof(dir), mode);

	coh_prog(dir, uid, mode, dir, NULL, &r);
	sum = strstr(r.out, "lookups ");
	if (!sum ||
	    sscanf(sum, "lookups %lu differences %lu", lookups, &differences) !=
		2 ||
	    differences || r.status) {
		coh_show(r.out);
		NC_FAIL("%s: wait status %d", mode, r.status);
	}
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	ASSERT(coh_stats(stats, calls, hits) > 0);
	printf("# %s: lookups %lu differences %lu hits %llu of %llu\n", mode,
	       *lookups, differences, *hits, *calls);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

/*
 * nftw(FTW_CHDIR) and fts change the cwd with glibc's internal chdir:
 * relative lookups in the callback, and after the walk, must be the
 * kernel's answers, although the cache had learnt the old cwd.
 */
TEST(nftw_chdir_relative)
{
	unsigned long lookups;
	unsigned long long calls, hits;

	coh_lookups("nftw", &lookups, &calls, &hits);
	ASSERT(lookups > 0);
	/* The cwd's names were cached before the walks. */
	ASSERT(hits > 0);
}

/*
 * A vfork child shares the parent's memory but not its descriptors or
 * working directory: its chdir() and its closing of every descriptor
 * (what Python's subprocess does) must neither change the parent's
 * answers nor turn the parent's cache off.
 */
TEST(vfork_child_on_parent_memory)
{
	unsigned long lookups;
	unsigned long long calls, hits;

	coh_lookups("vfork", &lookups, &calls, &hits);
	/* The parent's 2 x 1,000 rounds after the child came from memory. */
	ASSERT(hits * 10 > calls * 9);
}

/*
 * The image's first fill in a vfork child must leave the parent no
 * descriptor numbers that exist only in the child's table (they were
 * later closed under the parent's own new descriptors).
 */
TEST(vfork_child_fills_first)
{
	unsigned long lookups;
	unsigned long long calls, hits;

	coh_lookups("vfork-first", &lookups, &calls, &hits);
	ASSERT(hits > 0);
}

/*
 * Directory streams opened before a change and read after it (opendir,
 * then the change, then readdir; a change before the end is asked; after
 * the end, then rewinddir; through dirfd): what glibc's reads would show
 * at those moments.  The listings must come from the cache.
 */
TEST(streams_read_after_a_change)
{
	unsigned long lookups;
	unsigned long long calls, hits;

	coh_lookups("streams", &lookups, &calls, &hits);
	ASSERT(lookups > 0);
	ASSERT(hits >= lookups); /* each stream read, and warming up */
}

/*
 * A child of clone() without CLONE_VM copies our memory but runs no
 * atfork handler: it must neither drain its parent's queue nor answer
 * from its copy.
 */
TEST(clone_child_without_atfork)
{
	unsigned long lookups;
	unsigned long long calls, hits;

	coh_lookups("clone", &lookups, &calls, &hits);
	ASSERT(hits > 0);
}

/* Calls and hits of family @name in every record of @path. */
static int coh_family(const char *path, const char *name,
		      unsigned long long *calls, unsigned long long *hits)
{
	char *buf = nc_read_file(path, NULL), *save = NULL, *tok;
	size_t len = strlen(name);
	int records = 0;

	*calls = *hits = 0;
	if (!buf)
		return -1;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		unsigned long long v[4] = {0, 0, 0, 0};

		if (!strcmp(tok, "namecache-stats"))
			records++;
		if (strncmp(tok, name, len) || tok[len] != '=' ||
		    sscanf(tok + len + 1, "%llu,%llu,%llu,%llu", &v[0], &v[1],
			   &v[2], &v[3]) < 3)
			continue;
		*calls += v[0] + v[1] + v[2];
		*hits += v[3];
	}
	free(buf);
	return records;
}

/*
 * No hand-off at all: two unshimmed processes create and remove entries
 * of a directory D and chmod a file D/f, at their own pace, for
 * NC_SANDWICH_SECONDS (default 2), while the checker, under the shim,
 * asks the kernel (raw syscall), then the shim, then the kernel again,
 * about D (stat), f (lstat) and the names about to appear or go (access).
 * Each interposed answer must be a state between the two kernel answers
 * (timestamps, mode, existence, ret and errno): the "window" check.  And
 * it must reflect every change whose system call returned before the
 * interposed call began, by the children's CLOCK_MONOTONIC log: the
 * strict-mode promise.  A window violation is allowed only when the
 * change it misses was still in flight (had not returned) when the
 * lookup began.  See run_sandwich() in coherence_prog.c.  The
 * cache must have answered stat(D) from memory many times, or the run
 * proves nothing.
 */
TEST(sandwich_unsynchronized)
{
	char dir[PATH_MAX], d[PATH_MAX + 8], stats[PATH_MAX + 32];
	const char *secs = getenv("NC_SANDWICH_SECONDS");
	struct nc_run_result r;
	int uid;
	unsigned long lookups = 0, window_v = 0, promise_v = 0, windows = 0,
		      wide = 0, changed = 0, transitions = 0, in_flight = 0;
	unsigned long long d_calls, d_hits, f_calls, f_hits, n_calls, n_hits;
	const char *sum, *fl;

	if (!secs || !*secs)
		secs = "2";
	uid = coh_scratch(dir, sizeof(dir), "sandwich");
	snprintf(d, sizeof(d), "%s/d", dir);
	CHECK(mkdir(d, 0755));
	if (uid >= 0)
		CHECK(chown(d, (uid_t)uid, (gid_t)uid));
	coh_prog(dir, uid, "sandwich", d, secs, &r);
	sum = strstr(r.out, "lookups ");
	fl = sum ? strstr(sum, " in-flight ") : NULL;
	if (!sum || !fl ||
	    sscanf(sum,
		   "lookups %lu hits-window-violations %lu "
		   "promise-violations %lu windows %lu wide %lu "
		   "changed %lu transitions %lu",
		   &lookups, &window_v, &promise_v, &windows, &wide, &changed,
		   &transitions) != 7 ||
	    sscanf(fl, " in-flight %lu", &in_flight) != 1) {
		coh_show(r.out);
		NC_FAIL("sandwich: no summary (wait status %d)", r.status);
	}
	if (window_v || promise_v || r.status)
		coh_show(r.out);
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	ASSERT(coh_family(stats, "stat", &d_calls, &d_hits) > 0);
	ASSERT(coh_family(stats, "lstat", &f_calls, &f_hits) > 0);
	ASSERT(coh_family(stats, "access", &n_calls, &n_hits) > 0);
	printf("# sandwich: %s s, %lu windows (%lu wide, %lu with a change "
	       "of D or f, %lu names appearing or going), hits: stat(D) "
	       "%llu of %llu, lstat(f) %llu of %llu, access %llu of %llu; "
	       "violations: window %lu (%lu of a change in flight), "
	       "promise %lu\n",
	       secs, windows, wide, changed, transitions, d_hits, d_calls,
	       f_hits, f_calls, n_hits, n_calls, window_v, in_flight,
	       promise_v);
	fflush(stdout);
	ASSERT_EQ(promise_v, 0);
	ASSERT(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 2);
	ASSERT(lookups >= 10000);
	/* The children really changed D and f during the windows. */
	ASSERT(changed > 0);
	ASSERT(transitions > 0);
	/* The cache really answered: hits on D itself are what is tested. */
	ASSERT(d_hits >= 1000);
	/* An interposed answer older than a kernel answer given before it
	 * (the window) only while the change that made the difference had
	 * not returned yet: the kernel shows a change before it queues its
	 * event (docs/coherence.md, "a change still in flight").  Counted
	 * and shown above; anything else is a failure. */
	ASSERT_EQ(window_v, in_flight);
	ASSERT_EQ(r.status, 0);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

/*
 * An answer the kernel computed before a change, returned after the
 * change's event was applied, is not kept (race-prog late-store: the
 * kernel is stopped in copy_to_user() by userfaultfd while another thread
 * changes the directory and drains).  Kept, it would leave the cache
 * older than the kernel with no event left to correct it: a directory's
 * link count and mtime behind the kernel's, as a long random run once
 * found.  In-process mode (the daemon's clients store nothing), with
 * both checks.
 */
static void coh_late_store(const char *check)
{
	char dir[PATH_MAX], stats[PATH_MAX + 32], sock[PATH_MAX + 64], chk[64],
	    prog[PATH_MAX + 32], tdir[PATH_MAX];
	const char *argv[] = {prog, "late-store", dir, NULL};
	const char *envv[] = {stats, "NAMECACHE_WARMUP=0", sock, chk, NULL};
	struct nc_run_opts o = {.preload = 1, .uid = -1, .env = envv};
	struct nc_run_result r;
	unsigned long long calls, hits;
	int shared, own;

	nc_scratch_dir(dir, sizeof(dir), "late-store");
	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	snprintf(sock, sizeof(sock), "NAMECACHE_SOCKET=%s/none/socket", dir);
	snprintf(chk, sizeof(chk), "NAMECACHE_CHECK=%s", check);
	snprintf(prog, sizeof(prog), "%s/race-prog",
		 nc_test_dir(tdir, sizeof(tdir)));
	nc_run(argv, &o, &r);
	printf("# %s", r.out);
	if (!strncmp(r.out, "skip: ", 6)) {
		nc_rm_rf(dir);
		NC_SKIP("%s", r.out + 6);
	}
	if (r.status || !strstr(r.out, "ok late-store"))
		NC_FAIL("late-store: wait status %d", r.status);
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	ASSERT(coh_family(stats, "statx", &calls, &hits) == 1);
	coh_caches(stats, &shared, &own);
	ASSERT_EQ(own, 1);
	/* The warm-up statx calls were answered from the cache. */
	ASSERT(hits >= 4);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

TEST(late_answer_not_kept_uring)
{
	coh_late_store("uring");
}

TEST(late_answer_not_kept_epoll)
{
	coh_late_store("epoll");
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
