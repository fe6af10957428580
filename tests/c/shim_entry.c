/*
 * Every entry point of the interception table, in every caller build mode,
 * behaves exactly as without the shim, and is counted exactly once.
 *
 * The program tests/c/entry.c is built five times (tests/mk/entry.mk):
 *   O0        -O0: the plain names (stat, open, readlink, fopen ...)
 *   fortify2  -O2 -D_FORTIFY_SOURCE=2: __open_2, __openat_2,
 *             __readlink_chk, __readlinkat_chk, __realpath_chk
 *   fortify3  -O2 -D_FORTIFY_SOURCE=3 -D_FILE_OFFSET_BITS=64: the fortified
 *             64-bit names (__open64_2, __openat64_2) with the _chk ones
 *   lfs64     -O2 -D_FILE_OFFSET_BITS=64: stat64, open64, fopen64 ...
 *   xstat     -O0 calling __xstat, __lxstat, __fxstatat (and 64), __xmknod
 *             and __xmknodat directly, as binaries built before glibc 2.33
 * On a tree made by gen_tree() below (files, directories, relative,
 * absolute, dangling, self-looping and 2-cycle symlinks, a 41-link chain,
 * a file used as a directory, overlong names and paths, a mode-0 directory
 * and file, a FIFO), each binary runs its lookup phase twice on the same
 * tree and its mutate phase on two fresh identical copies, once without
 * and once with the shim, as root and as uid 65534 (privileges dropped in
 * the forked child, so EACCES is real).  The transcripts must be equal
 * line for line.
 *
 * The shim run appends statistics records to NAMECACHE_STATS; their sum
 * must equal what the transcript says, family by family and outcome by
 * outcome, with each entry point mapped to its family by the table itself
 * (src/shim/intercept.h, included below): a call counted twice, not at
 * all, or under the wrong family fails.
 *
 * Finally every row of the table with a family is required to appear in
 * some transcript, and every binary must import the variants its mode
 * exists for (nm -D), so a new row without a test, or a build mode that
 * silently stops reaching its variants, fails.
 */
#include "shimtest.h"

#include "shim/shim.h"
#include "shim/intercept.h"

/* ---- the interception table, as data ------------------------------------ */

#define FAMFN(how, fb, fam, ret, name, params, args) \
	static int fam_##name(int flags)             \
	{                                            \
		(void)flags;                         \
		return (fam);                        \
	}
NC_INTERCEPTS(FAMFN)
#undef FAMFN

struct row {
	const char *name;
	int (*fam)(int flags);
};

static const struct row table[] = {
#define ROW(how, fb, fam, ret, name, params, args) {#name, fam_##name},
    NC_INTERCEPTS(ROW)
#undef ROW
};

#define NROWS ((int)(sizeof(table) / sizeof(table[0])))

static int row_index(const char *name, size_t len)
{
	for (int i = 0; i < NROWS; i++)
		if (strlen(table[i].name) == len &&
		    !memcmp(table[i].name, name, len))
			return i;
	return -1;
}

/* ---- the tree ----------------------------------------------------------- */

static void mk_dir(const char *root, const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, mode) < 0 || chmod(p, mode) < 0)
		NC_FAIL("mkdir %s: %s", p, strerror(errno));
}

static void mk_file(const char *root, const char *rel, const char *content,
		    mode_t mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	nc_write_file(p, content, mode);
}

static void mk_link(const char *root, const char *rel, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0)
		NC_FAIL("symlink %s: %s", p, strerror(errno));
}

/*
 * The generated tree.  Deterministic: two calls give trees that differ
 * only in inode numbers and times.
 */
static void gen_tree(const char *root)
{
	char p[PATH_MAX], t[PATH_MAX];

	if (mkdir(root, 0755) < 0 || chmod(root, 0755) < 0)
		NC_FAIL("mkdir %s: %s", root, strerror(errno));
	mk_file(root, "f", "hello, world\n", 0644);
	mk_file(root, "empty", "", 0644);
	mk_file(root, "f\n", "newline\n", 0644);
	mk_dir(root, "d", 0755);
	mk_file(root, "d/g", "g\n", 0644);
	mk_dir(root, "d/sub", 0755);
	mk_link(root, "d/up", "..");
	mk_link(root, "l_rel", "f");
	snprintf(t, sizeof(t), "%s/f", root);
	mk_link(root, "l_abs", t);
	mk_link(root, "l_dir", "d");
	mk_link(root, "l_dotdot", "d/../f");
	mk_link(root, "l_dangle", "nonexistent");
	mk_link(root, "l_self", "l_self");
	mk_link(root, "l_a", "l_b");
	mk_link(root, "l_b", "l_a");
	memset(t, 'x', 4000);
	t[4000] = '\0';
	mk_link(root, "l_long", t);
	mk_link(root, "l_fifo", "fifo");
	/* c0 -> c1 -> ... -> c40 -> f: 41 links from c0, 40 from c1. */
	for (int i = 0; i <= 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c%d", i);
		if (i < 40)
			snprintf(t, sizeof(t), "c%d", i + 1);
		else
			snprintf(t, sizeof(t), "f");
		mk_link(root, name, t);
	}
	mk_dir(root, "noaccess", 0755);
	mk_file(root, "noaccess/inner", "i\n", 0644);
	snprintf(p, sizeof(p), "%s/noaccess", root);
	CHECK(chmod(p, 0));
	mk_file(root, "nperm", "secret\n", 0);
	mk_dir(root, "ronly", 0755);
	mk_file(root, "ronly/x", "x\n", 0644);
	snprintf(p, sizeof(p), "%s/ronly", root);
	CHECK(chmod(p, 0444));
	mk_dir(root, "xonly", 0755);
	mk_file(root, "xonly/x", "x\n", 0644);
	snprintf(p, sizeof(p), "%s/xonly", root);
	CHECK(chmod(p, 0111));
	snprintf(p, sizeof(p), "%s/fifo", root);
	CHECK(mkfifo(p, 0644));
	CHECK(chmod(p, 0644));
	/* The scratch directory of the mutate phase, writable by anyone. */
	mk_dir(root, "w", 0777);
	mk_file(root, "w/f", "wf\n", 0644);
	mk_dir(root, "w/d", 0755);
	mk_link(root, "w/l", "../f");
	mk_link(root, "w/dangle", "gone");
}

/* ---- running the build modes -------------------------------------------- */

static const char *const modes[] = {"O0", "fortify2", "fortify3", "lfs64",
				    "xstat"};
#define NMODES 5

static void entry_bin(const char *mode, char *buf, size_t cap)
{
	char dir[PATH_MAX];

	nc_test_dir(dir, sizeof(dir));
	snprintf(buf, cap, "%s/entry-%s", dir, mode);
	if (access(buf, X_OK) < 0)
		NC_FAIL("%s: %s (built by tests/mk/entry.mk)", buf,
			strerror(errno));
}

struct scratch {
	char dir[PATH_MAX];
	char root[PATH_MAX + 8];
	char stats[PATH_MAX + 16];
};

/* The scratch directory of the running test, removed even when it fails
 * (NC_FAIL exits). */
static char cleanup_dir[PATH_MAX];

static void cleanup(void)
{
	if (cleanup_dir[0] && !getenv("NC_ENTRY_KEEP"))
		nc_rm_rf(cleanup_dir);
}

static void scratch_init(struct scratch *s, const char *tag)
{
	char p[PATH_MAX + 8];

	nc_scratch_dir(s->dir, sizeof(s->dir), tag);
	if (!cleanup_dir[0])
		atexit(cleanup);
	snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", s->dir);
	snprintf(s->root, sizeof(s->root), "%s/tree", s->dir);
	snprintf(p, sizeof(p), "%s/st", s->dir);
	if (mkdir(p, 0777) < 0 || chmod(p, 0777) < 0)
		NC_FAIL("mkdir %s: %s", p, strerror(errno));
	snprintf(s->stats, sizeof(s->stats), "%s/st/stats", s->dir);
}

/* Run one mode's binary on the scratch tree; the stats file is fresh. */
static void run_entry(const char *mode, const char *phase,
		      const struct scratch *s, int preload, int uid,
		      struct nc_run_result *r)
{
	char bin[PATH_MAX], envstats[PATH_MAX + 32];
	const char *argv[] = {bin, phase, s->root, NULL};
	const char *env[] = {envstats, NULL};
	struct nc_run_opts o = {.preload = preload, .env = env, .uid = uid};

	entry_bin(mode, bin, sizeof(bin));
	snprintf(envstats, sizeof(envstats), "NAMECACHE_STATS=%s", s->stats);
	unlink(s->stats);
	nc_write_file(s->stats, "", 0666);
	nc_run(argv, &o, r);
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		NC_FAIL("%s %s (%s shim, uid %d): status %#x", bin, phase,
			preload ? "with" : "without", uid, r->status);
	if (r->len < 8 || strcmp(r->out + r->len - 6, "# end\n"))
		NC_FAIL("%s %s: transcript does not end with \"# end\"", bin,
			phase);
}

static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) : strlen(p);
}

/* The transcripts must be equal line for line; show the first difference. */
static void compare(const char *what, const char *a, const char *b)
{
	int ln = 1;

	while (*a || *b) {
		size_t la = line_len(a), lb = line_len(b);

		if (la != lb || memcmp(a, b, la)) {
			fprintf(stderr, "# %s: line %d differs\n", what, ln);
			fprintf(stderr, "#   without shim: %.*s\n",
				(int)(la > 600 ? 600 : la), a);
			fprintf(stderr, "#   with shim:    %.*s\n",
				(int)(lb > 600 ? 600 : lb), b);
			NC_FAIL("%s: transcripts differ", what);
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
		ln++;
	}
}

/*
 * The counts the transcript implies: one call per line that does not start
 * with '#' (listing) or '!' (a child that died in the call and so wrote no
 * record).  Also marks, in @seen, every table row the transcript names.
 */
static int expected_counts(const char *out,
			   uint64_t n[NC_FAM_COUNT][NC_OUT_COUNT], int *seen)
{
	int calls = 0;

	for (const char *p = out; *p;
	     p += line_len(p) + (p[line_len(p)] != 0)) {
		size_t len = line_len(p), nl = strcspn(p, " \n");
		const char *arrow, *res;
		char lbuf[64];
		int row, flags = 0, fam, outc;

		if (*p == '#' || *p == '!' || len == 0)
			continue;
		row = row_index(p, nl);
		if (row < 0)
			NC_FAIL("transcript names no table row: %.*s", (int)len,
				p);
		if (!strncmp(p + nl, " flags=", 7))
			flags = atoi(p + nl + 7);
		/* The first " -> " on the line: paths before it are escaped
		 * and contain none. */
		snprintf(lbuf, sizeof(lbuf), "%.*s", (int)(len < 63 ? len : 63),
			 p);
		arrow = memmem(p, len, " -> ", 4);
		if (!arrow)
			NC_FAIL("no result on line: %s", lbuf);
		res = arrow + 4;
		if (!strncmp(res, "-1 ", 3) || !strncmp(res, "NULL ", 5)) {
			const char *en = strchr(res, ' ') + 1;

			outc = !strncmp(en, "ENOENT", 6) &&
				       (en[6] == ' ' || en[6] == '\n' ||
					en[6] == '\0')
				   ? NC_OUT_ENOENT
				   : NC_OUT_ERR;
		} else {
			outc = NC_OUT_OK;
		}
		fam = table[row].fam(flags);
		if (fam < 0 || fam >= NC_FAM_COUNT)
			NC_FAIL("row %s has no family: %s", table[row].name,
				lbuf);
		n[fam][outc]++;
		if (seen)
			seen[row] = 1;
		calls++;
	}
	return calls;
}

static void check_stats(const char *what, const char *out, const char *stats,
			int *seen)
{
	uint64_t want[NC_FAM_COUNT][NC_OUT_COUNT] = {{0}};
	uint64_t got[NC_FAM_COUNT][NC_OUT_COUNT] = {{0}};
	static const char *const outn[] = {"ok", "ENOENT", "other"};
	int calls = expected_counts(out, want, seen), recs, bad = 0;

	recs = nc_stats_sum(stats, got);
	if (recs < 1)
		NC_FAIL("%s: no statistics records in %s (is LD_PRELOAD=%s "
			"loadable?)",
			what, stats, nc_shim_preload());
	for (int f = 0; f < NC_FAM_COUNT; f++)
		for (int o = 0; o < NC_OUT_COUNT; o++)
			if (want[f][o] != got[f][o]) {
				fprintf(stderr,
					"# %s: %s %s: transcript %llu, "
					"statistics %llu\n",
					what, nc_family_name(f), outn[o],
					(unsigned long long)want[f][o],
					(unsigned long long)got[f][o]);
				bad = 1;
			}
	if (bad)
		NC_FAIL("%s: statistics differ from the %d calls made", what,
			calls);
}

/*
 * With NC_ENTRY_DUMP=DIR, keep each transcript there for inspection; with
 * NC_ENTRY_KEEP=1, keep the scratch tree of a failed test.
 */
static void dump(const char *what, const char *kind,
		 const struct nc_run_result *r)
{
	const char *dir = getenv("NC_ENTRY_DUMP");
	char p[PATH_MAX];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(p, sizeof(p), "%s/%s.%s", dir, what, kind);
	for (char *c = p + strlen(dir) + 1; *c; c++)
		if (*c == ' ')
			*c = '_';
	f = fopen(p, "w");
	if (f) {
		fwrite(r->out, 1, r->len, f);
		fclose(f);
	}
}

/*
 * One mode, one phase, one user: without the shim, then with it, on the
 * same tree (lookup) or on two fresh copies (mutate).
 */
static void differential(const char *mode, const char *phase, int uid,
			 int min_lines)
{
	struct nc_run_result plain, shim;
	struct scratch s;
	char what[128];
	int lines = 0;

	snprintf(what, sizeof(what), "entry-%s %s uid=%d", mode, phase, uid);
	scratch_init(&s, "entry");
	gen_tree(s.root);
	run_entry(mode, phase, &s, 0, uid, &plain);
	if (!strcmp(phase, "mutate")) {
		nc_rm_rf(s.root);
		gen_tree(s.root);
	}
	run_entry(mode, phase, &s, 1, uid, &shim);
	for (const char *p = plain.out; (p = strchr(p, '\n')); p++)
		lines++;
	if (lines < min_lines)
		NC_FAIL("%s: only %d transcript lines", what, lines);
	dump(what, "plain", &plain);
	dump(what, "shim", &shim);
	compare(what, plain.out, shim.out);
	check_stats(what, shim.out, s.stats, NULL);
	nc_run_free(&plain);
	nc_run_free(&shim);
	nc_rm_rf(s.dir);
}

#define NOBODY 65534

#define DIFF_TESTS(m)                                     \
	TEST(m##_lookup_root)                             \
	{                                                 \
		differential(#m, "lookup", -1, 4000);     \
	}                                                 \
	TEST(m##_lookup_nobody)                           \
	{                                                 \
		differential(#m, "lookup", NOBODY, 4000); \
	}                                                 \
	TEST(m##_mutate_root)                             \
	{                                                 \
		differential(#m, "mutate", -1, 600);      \
	}                                                 \
	TEST(m##_mutate_nobody)                           \
	{                                                 \
		differential(#m, "mutate", NOBODY, 600);  \
	}

DIFF_TESTS(O0)
DIFF_TESTS(fortify2)
DIFF_TESTS(fortify3)
DIFF_TESTS(lfs64)
DIFF_TESTS(xstat)

/* ---- what each build mode imports --------------------------------------- */

/* The undefined dynamic symbols of @bin, version suffixes removed, as one
 * string " a b c ". */
static char *imports(const char *bin)
{
	char cmd[PATH_MAX + 64], name[512], line[1024];
	size_t cap = 1 << 16, n = 1;
	char *all = malloc(cap);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -D --undefined-only '%s'", bin);
	f = popen(cmd, "r");
	if (!f || !all)
		NC_FAIL("%s: %s", cmd, strerror(errno));
	all[0] = ' ';
	all[1] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char type, *at;

		if (sscanf(line, " %c %511s", &type, name) != 2 ||
		    (type != 'U' && type != 'w'))
			continue;
		at = strchr(name, '@');

		if (at)
			*at = '\0';
		if (n + strlen(name) + 2 >= cap) {
			cap *= 2;
			all = realloc(all, cap);
			if (!all)
				NC_FAIL("out of memory");
		}
		n += (size_t)sprintf(all + n, "%s ", name);
	}
	if (pclose(f) != 0)
		NC_FAIL("%s failed", cmd);
	return all;
}

static int imported(const char *all, const char *name)
{
	char key[256];

	snprintf(key, sizeof(key), " %s ", name);
	return strstr(all, key) != NULL;
}

/* @want: names that must be imported; @never: names that must not be. */
static void check_imports(const char *mode, const char *const *want,
			  const char *const *never)
{
	char bin[PATH_MAX];
	char *all;

	entry_bin(mode, bin, sizeof(bin));
	all = imports(bin);
	for (; want && *want; want++)
		if (!imported(all, *want))
			NC_FAIL("entry-%s does not import %s; imports:%s", mode,
				*want, all);
	for (; never && *never; never++)
		if (imported(all, *never))
			NC_FAIL("entry-%s imports %s", mode, *never);
	free(all);
}

TEST(imports_O0)
{
	static const char *const want[] = {
	    "stat",    "lstat",	   "fstatat",	 "statx",    "open",
	    "openat",  "readlink", "readlinkat", "realpath", "fopen",
	    "freopen", "creat",	   "truncate",	 "mkstemp",  NULL};
	static const char *const never[] = {"__open_2",	      "__readlink_chk",
					    "__realpath_chk", "stat64",
					    "__xstat",	      NULL};

	check_imports("O0", want, never);
}

TEST(imports_fortify2)
{
	static const char *const want[] = {
	    "__open_2",		"__openat_2",	  "__readlink_chk",
	    "__readlinkat_chk", "__realpath_chk", "open",
	    "openat",		"readlink",	  "readlinkat",
	    "realpath",		"stat",		  NULL};
	static const char *const never[] = {"__open64_2", "stat64", "__xstat",
					    NULL};

	check_imports("fortify2", want, never);
}

TEST(imports_fortify3)
{
	static const char *const want[] = {"__open64_2",
					   "__openat64_2",
					   "__readlink_chk",
					   "__readlinkat_chk",
					   "__realpath_chk",
					   "open64",
					   "openat64",
					   "stat64",
					   "lstat64",
					   "fstatat64",
					   "fopen64",
					   "freopen64",
					   NULL};
	static const char *const never[] = {"__open_2", "stat", "open", "fopen",
					    NULL};

	check_imports("fortify3", want, never);
}

TEST(imports_lfs64)
{
	static const char *const want[] = {
	    "stat64",	  "lstat64",	 "fstatat64", "open64",
	    "openat64",	  "fopen64",	 "freopen64", "creat64",
	    "truncate64", "ftruncate64", "mkstemp64", "mkostemp64",
	    "mkstemps64", "mkostemps64", NULL};
	static const char *const never[] = {"stat",	  "open",     "fopen",
					    "__open64_2", "__open_2", NULL};

	check_imports("lfs64", want, never);
}

TEST(imports_xstat)
{
	static const char *const want[] = {
	    "__xstat",	  "__xstat64",	"__lxstat",
	    "__lxstat64", "__fxstatat", "__fxstatat64",
	    "__xmknod",	  "__xmknodat", NULL};
	static const char *const never[] = {"fstatat", "fstatat64", NULL};

	check_imports("xstat", want, never);
}

/* ---- every row is exercised --------------------------------------------- */

/*
 * Union of the entry points named by every mode's transcripts (run under
 * the shim, statistics checked on the way); each must be a symbol the
 * binary imports (so the transcript's names are true), and every row of
 * the table with a counted family (a lookup or a mutation; not the rows
 * of the process life cycle, NC_FAM_NONE and the other negative values,
 * which other tests cover) must be among them.
 */
TEST(every_entry_point_is_exercised)
{
	int seen[NROWS] = {0}, missing = 0;

	for (int m = 0; m < NMODES; m++) {
		static const char *const phases[] = {"lookup", "mutate"};
		char bin[PATH_MAX];
		char *all;

		entry_bin(modes[m], bin, sizeof(bin));
		all = imports(bin);
		for (int ph = 0; ph < 2; ph++) {
			int mseen[NROWS] = {0};
			struct nc_run_result r;
			struct scratch s;
			char what[64];

			snprintf(what, sizeof(what), "entry-%s %s", modes[m],
				 phases[ph]);
			scratch_init(&s, "cover");
			gen_tree(s.root);
			run_entry(modes[m], phases[ph], &s, 1, -1, &r);
			check_stats(what, r.out, s.stats, mseen);
			for (int i = 0; i < NROWS; i++) {
				if (mseen[i] && !imported(all, table[i].name))
					NC_FAIL("%s names %s, which entry-%s "
						"does not import",
						what, table[i].name, modes[m]);
				seen[i] |= mseen[i];
			}
			nc_run_free(&r);
			nc_rm_rf(s.dir);
		}
		free(all);
	}
	for (int i = 0; i < NROWS; i++)
		if (table[i].fam(0) >= 0 && !seen[i]) {
			fprintf(stderr, "# not exercised: %s\n", table[i].name);
			missing++;
		}
	ASSERT_EQ(missing, 0);
}

/* The family mapping read from the table is the one the shim applies. */
TEST(table_families)
{
	int i;

	i = row_index("fstatat", 7);
	ASSERT(i >= 0);
	ASSERT_EQ(table[i].fam(0), NC_FAM_STAT);
	ASSERT_EQ(table[i].fam(AT_SYMLINK_NOFOLLOW), NC_FAM_LSTAT);
	i = row_index("unlinkat", 8);
	ASSERT(i >= 0);
	ASSERT_EQ(table[i].fam(0), NC_FAM_UNLINK);
	ASSERT_EQ(table[i].fam(AT_REMOVEDIR), NC_FAM_RMDIR);
	i = row_index("__fxstatat64", 12);
	ASSERT(i >= 0);
	ASSERT_EQ(table[i].fam(AT_SYMLINK_NOFOLLOW), NC_FAM_LSTAT);
	ASSERT(NROWS > 100);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
