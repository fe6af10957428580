/*
 * Robustness of the shim in the process situations that break LD_PRELOAD
 * interposers (docs: interposer pitfalls, sections 3, 4 and 7): fork in a
 * multithreaded program, vfork, posix_spawn, system() and popen(), exec
 * with an empty environment, programs that close or overwrite every
 * descriptor, wrapped calls from signal handlers, other preloaded
 * libraries (a constructor that runs before ours, a second interposer of
 * stat(), a preloaded malloc), errno, many threads, and a failed exec.
 *
 * Each test runs tests/c/robust_prog.c (one mode per scenario) under
 * LD_PRELOAD with NAMECACHE_STATS pointing at a scratch file, checks its
 * output, and checks the statistics records exactly: per process, per
 * family and outcome.  A count that is lost, reported twice, or landed in
 * the wrong process's record fails.  Every run is bounded in time: a hang
 * is a failure reported by this file, not only by the harness timeout.
 *
 * Helpers from shimtest.h are used for scratch space and file reading;
 * running programs and reading records need more than it offers (custom
 * preload lists, a time bound, per-record fields), hence the robust_
 * helpers below.
 */
#include <poll.h>
#include <time.h>

#include "shimtest.h"

#define ROBUST_TIMEOUT 30 /* seconds for one helper run */

/* ---- running helper programs -------------------------------------------- */

struct robust_opts {
	const char *preload;	/* LD_PRELOAD value; NULL: none */
	const char *stats;	/* NAMECACHE_STATS value; NULL: unset */
	const char *const *env; /* extra NAME=VALUE, NULL-terminated */
	int empty_env;		/* start from an empty environment */
};

struct robust_result {
	char out[1 << 16]; /* stdout, NUL-terminated */
	size_t len;
	int status; /* wait status */
	pid_t pid;
};

static int robust_env_dropped(const char *kv)
{
	return !strncmp(kv, "LD_PRELOAD=", 11) ||
	       !strncmp(kv, "NAMECACHE_", 10) || !strncmp(kv, "LD_DEBUG", 8);
}

static double robust_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Run @path with @argv (argv[0] chosen freely: it becomes the record's
 * comm) in its own process group, stdout captured, stderr inherited.
 * Fails the test if it does not finish within ROBUST_TIMEOUT seconds;
 * the whole group is killed then.
 */
static void robust_run(const char *path, const char *const argv[],
		       const struct robust_opts *o, struct robust_result *r)
{
	static char pre[PATH_MAX * 4], st[PATH_MAX + 32];
	double deadline = robust_now() + ROBUST_TIMEOUT;
	char *env[512];
	size_t k = 0;
	int fds[2], eof = 0;
	pid_t pid;

	if (!o->empty_env)
		for (char **e = environ; *e && k < 400; e++)
			if (!robust_env_dropped(*e))
				env[k++] = *e;
	for (const char *const *e = o->env; e && *e && k < 500; e++)
		env[k++] = (char *)*e;
	if (o->preload) {
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", o->preload);
		env[k++] = pre;
	}
	if (o->stats) {
		snprintf(st, sizeof(st), "NAMECACHE_STATS=%s", o->stats);
		env[k++] = st;
	}
	env[k] = NULL;

	if (pipe2(fds, O_CLOEXEC) < 0)
		NC_FAIL("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		NC_FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(nul, 0);
		dup2(fds[1], 1);
		execve(path, (char *const *)argv, env);
		fprintf(stderr, "# exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fds[1]);
	r->len = 0;
	r->pid = pid;
	while (!eof) {
		struct pollfd p = {fds[0], POLLIN, 0};
		double left = deadline - robust_now();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fds[0], r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			eof = 1;
		else
			r->len += (size_t)n;
		if (r->len == sizeof(r->out) - 1)
			NC_FAIL("%s: more output than expected", argv[0]);
	}
	close(fds[0]);
	r->out[r->len] = '\0';
	for (;;) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			NC_FAIL("waitpid: %s", strerror(errno));
		if (robust_now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &r->status, 0);
			NC_FAIL("%s %s: no exit within %d s (deadlock?); "
				"output so far:\n%s",
				argv[0], argv[1] ? argv[1] : "", ROBUST_TIMEOUT,
				r->out);
		}
		usleep(1000);
	}
	/* Nothing of the run may outlive it (a stray child would write a
	 * record later). */
	kill(-pid, SIGKILL);
}

/* Fail unless the run exited with status 0. */
static void robust_ok(const struct robust_result *r, const char *what)
{
	if (!WIFEXITED(r->status) || WEXITSTATUS(r->status) != 0)
		NC_FAIL("%s: wait status 0x%x; output:\n%s", what, r->status,
			r->out);
}

static const char *robust_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0])
		nc_test_dir(dir, sizeof(dir));
	return dir;
}

/* A helper built next to this test: robust_prog, robust_ctorlib.so ... */
static const char *robust_helper(const char *name)
{
	static char bufs[4][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", robust_dir(), name);
	if (access(b, X_OK) != 0)
		NC_FAIL("%s: %s (not built?)", b, strerror(errno));
	return b;
}

/* ---- preload lists ------------------------------------------------------ */

/*
 * The shim's preload list with @lib inserted just before (@before) or just
 * after the shim.  The shim is the element equal to $NC_SHIM, else the
 * last one; anything in front of it (the ASan runtime in a sanitizer
 * build) stays in front.  @lib NULL removes the shim instead: the list a
 * run "without the shim" needs (empty in a normal build).
 */
static const char *robust_preload_with(const char *lib, int before)
{
	static char out[4][PATH_MAX * 4];
	static int next;
	const char *shim_env = getenv("NC_SHIM");
	char list[PATH_MAX * 4], *tok, *save = NULL, *toks[16];
	char *b = out[next++ % 4];
	int n = 0, shim = -1;

	snprintf(list, sizeof(list), "%s", nc_shim_preload());
	for (tok = strtok_r(list, " :", &save); tok && n < 16;
	     tok = strtok_r(NULL, " :", &save))
		toks[n++] = tok;
	for (int i = 0; i < n; i++)
		if (shim_env && strcmp(toks[i], shim_env) == 0)
			shim = i;
	if (shim < 0)
		shim = n - 1;
	b[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *parts[3] = {toks[i], NULL, NULL};

		if (i == shim && !lib)
			continue;
		if (i == shim) {
			parts[0] = before ? lib : toks[i];
			parts[1] = before ? toks[i] : lib;
		}
		for (int j = 0; j < 3 && parts[j]; j++) {
			if (b[0])
				strcat(b, " ");
			strcat(b, parts[j]);
		}
	}
	return b;
}

static const char *robust_shim_path(void)
{
	static char path[PATH_MAX];
	const char *s = getenv("NC_SHIM");
	const char *list = nc_shim_preload();
	const char *sp;

	if (s && *s)
		return s;
	sp = strrchr(list, ' ');
	snprintf(path, sizeof(path), "%s", sp ? sp + 1 : list);
	return path;
}

/* ---- statistics records ------------------------------------------------- */

#define ROBUST_MAX_RECS 4096

struct robust_rec {
	long pid, ppid;
	char comm[40];
	char end[16];
	uint64_t n[NC_FAM_COUNT][NC_OUT_COUNT];
};

static struct robust_rec robust_recs[ROBUST_MAX_RECS];

/*
 * Parse every record of @path into robust_recs; returns how many.  A
 * missing file is zero records.  Any line that is not a complete, well
 * formed record fails the test (records must never interleave or tear).
 * As record.h asks of readers, unknown keys and values past the third
 * are ignored.
 */
static int robust_records(const char *path)
{
	size_t len;
	char *buf = nc_read_file(path, &len), *line, *save = NULL;
	int n = 0;

	if (!buf)
		return 0;
	if (len && buf[len - 1] != '\n')
		NC_FAIL("%s: last record not terminated", path);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct robust_rec *r = &robust_recs[n];
		char copy[4096], *tok, *tsave = NULL;
		int field = 0;

		if (n == ROBUST_MAX_RECS)
			NC_FAIL("%s: too many records", path);
		memset(r, 0, sizeof(*r));
		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(line, " ", &tsave); tok;
		     tok = strtok_r(NULL, " ", &tsave), field++) {
			char *eq = strchr(tok, '=');
			unsigned long long v[3];
			int fam;

			if (field == 0 && strcmp(tok, "namecache-stats"))
				NC_FAIL("bad record: %s", copy);
			if (field == 1 && strcmp(tok, "1"))
				NC_FAIL("bad record version: %s", copy);
			if (field < 2)
				continue;
			if (!eq)
				NC_FAIL("bad record token '%s': %s", tok, copy);
			*eq = '\0';
			if (!strcmp(tok, "pid"))
				r->pid = atol(eq + 1);
			else if (!strcmp(tok, "ppid"))
				r->ppid = atol(eq + 1);
			else if (!strcmp(tok, "comm"))
				snprintf(r->comm, sizeof(r->comm), "%s",
					 eq + 1);
			else if (!strcmp(tok, "end"))
				snprintf(r->end, sizeof(r->end), "%s", eq + 1);
			else if (!strcmp(tok, "mode"))
				;
			else if ((fam = nc_family_by_name(tok, strlen(tok))) <
				 0)
				; /* readers ignore keys they do not know */
			else if (sscanf(eq + 1, "%llu,%llu,%llu", &v[0], &v[1],
					&v[2]) != 3)
				NC_FAIL("bad counts: %s", copy);
			else
				for (int o = 0; o < NC_OUT_COUNT; o++)
					r->n[fam][o] = v[o];
		}
		if (field < 7 || r->pid <= 0 || !r->comm[0] || !r->end[0])
			NC_FAIL("incomplete record: %s", copy);
		n++;
	}
	free(buf);
	return n;
}

/* Print the records (on failure, to make the reason visible). */
static void robust_dump(const char *path)
{
	char *b = nc_read_file(path, NULL);

	fprintf(stderr, "# records in %s:\n%s", path, b ? b : "(none)\n");
	free(b);
}

/* Does record @r match @comm (NULL: any) and @pid (0: any)? */
static int robust_match(const struct robust_rec *r, const char *comm, long pid)
{
	return (!comm || !strcmp(r->comm, comm)) && (!pid || r->pid == pid);
}

/* Sum of family @fam, outcome @out (-1: all three), over matching records. */
static uint64_t robust_sum(int nrec, const char *comm, long pid, int fam,
			   int out)
{
	uint64_t s = 0;

	for (int i = 0; i < nrec; i++) {
		if (!robust_match(&robust_recs[i], comm, pid))
			continue;
		for (int o = 0; o < NC_OUT_COUNT; o++)
			if (out < 0 || out == o)
				s += robust_recs[i].n[fam][o];
	}
	return s;
}

/* Sum of every family and outcome over matching records. */
static uint64_t robust_total(int nrec, const char *comm, long pid)
{
	uint64_t s = 0;

	for (int f = 0; f < NC_FAM_COUNT; f++)
		s += robust_sum(nrec, comm, pid, f, -1);
	return s;
}

static int robust_nrecs(int nrec, const char *comm, long pid, const char *end)
{
	int c = 0;

	for (int i = 0; i < nrec; i++)
		c += robust_match(&robust_recs[i], comm, pid) &&
		     (!end || !strcmp(robust_recs[i].end, end));
	return c;
}

#define OK NC_OUT_OK
#define ENOENT_ NC_OUT_ENOENT
#define ERR NC_OUT_ERR

/* Assert with the records shown on failure. */
#define R_ASSERT_EQ(stats, a, b)                                             \
	do {                                                                 \
		long long ra_ = (long long)(a), rb_ = (long long)(b);        \
		if (ra_ != rb_) {                                            \
			robust_dump(stats);                                  \
			NC_FAIL("%s == %s: %lld != %lld", #a, #b, ra_, rb_); \
		}                                                            \
	} while (0)

/* ---- per-test scratch space --------------------------------------------- */

static char robust_scratch[PATH_MAX];

static void robust_cleanup(void)
{
	if (robust_scratch[0] && !getenv("ROBUST_KEEP"))
		nc_rm_rf(robust_scratch);
}

/* A fresh scratch directory, removed when the test process exits. */
static const char *robust_tmp(void)
{
	nc_scratch_dir(robust_scratch, sizeof(robust_scratch), "robust");
	atexit(robust_cleanup);
	return robust_scratch;
}

static const char *robust_path(const char *name)
{
	static char bufs[8][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", robust_scratch, name);
	return b;
}

/* data ("robust-data\n") and link -> data, as robust_prog expects. */
static void robust_fixture(void)
{
	nc_write_file(robust_path("data"), "robust-data\n", 0644);
	if (symlink("data", robust_path("link")) < 0)
		NC_FAIL("symlink: %s", strerror(errno));
}

static struct robust_result robust_res;

/* Run robust_prog under the shim (preload list @preload) as @argv. */
static struct robust_result *robust_prog(const char *preload, const char *stats,
					 const char *const *env,
					 const char *const argv[])
{
	struct robust_opts o = {preload, stats, env, 0};

	robust_run(robust_helper("robust_prog"), argv, &o, &robust_res);
	return &robust_res;
}

/* ---- 1. fork in a multithreaded program --------------------------------- */

/*
 * Four threads call stat() in a loop while the main thread forks 30
 * times, with fork() and _Fork() (which runs no fork handlers) in turn.
 * Each child makes 7 calls and leaves by exit(), _exit() or exec of
 * /bin/true in turn.  No deadlock; the parent's record holds exactly
 * its own calls (threads included), each child's exactly its 7: a child
 * re-reporting what the parent had counted before fork would show.
 */
TEST(fork_in_threaded_program)
{
	const char *stats;
	const char *argv[] = {"rb-fork", "fork",      "4", "30",
			      "7",	 "/bin/true", NULL};
	struct robust_result *r;
	unsigned long long threads;
	long main_calls, ppid;
	int n, children = 0;

	robust_tmp();
	stats = robust_path("stats");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "fork");
	ASSERT_EQ(
	    sscanf(r->out, "threads=%llu main=%ld", &threads, &main_calls), 2);
	ASSERT_EQ(main_calls, 30);
	ASSERT(threads >= 400);
	ppid = r->pid;
	n = robust_records(stats);

	/* The parent: one record, at exit, with exactly its own calls. */
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, ppid, NULL), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, ppid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, ppid, NC_FAM_STAT, OK),
		    threads + 30);
	R_ASSERT_EQ(stats, robust_total(n, NULL, ppid), threads + 30);

	/* Each child: one record of exactly 7 calls, ended as it was. */
	for (int i = 0; i < n; i++) {
		struct robust_rec *c = &robust_recs[i];

		if (c->ppid != ppid || strcmp(c->comm, "rb-fork"))
			continue;
		children++;
		R_ASSERT_EQ(stats, c->n[NC_FAM_STAT][OK], 7);
		R_ASSERT_EQ(stats, robust_total(n, NULL, c->pid), 7);
		R_ASSERT_EQ(stats, robust_nrecs(n, "rb-fork", c->pid, NULL), 1);
	}
	R_ASSERT_EQ(stats, children, 30);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-fork", 0, "exit"), 11);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-fork", 0, "_exit"), 10);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-fork", 0, "exec"), 10);
	/* The exec'ed /bin/true images ran under the shim too. */
	R_ASSERT_EQ(stats, robust_nrecs(n, "true", 0, NULL), 10);
	R_ASSERT_EQ(stats, n, 1 + 30 + 10);
	/* And nothing anywhere beyond the known calls. */
	R_ASSERT_EQ(stats,
		    robust_total(n, NULL, 0) - robust_total(n, "true", 0),
		    threads + 30 + 30 * 7);
}

/* ---- 2. vfork ----------------------------------------------------------- */

/*
 * vfork + execve of a helper that makes 5 calls, vfork + _exit, and vfork
 * + a failing execve + _exit, with 3, 4 and 6 calls in the parent around
 * them.  The child shares the parent's memory, so whatever the shim writes
 * from the child's _exit/exec wrappers must still make each call appear
 * exactly once in the sum of all records.
 */
TEST(vfork_exec_and_exit)
{
	const char *stats;
	const char *argv[] = {"rb-vfork", "vfork", NULL, NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	argv[2] = robust_helper("robust_prog");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "vfork");
	ASSERT_STREQ(r->out, "stats 5\nvfork ok\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK),
		    3 + 5 + 4 + 6);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 3 + 5 + 4 + 6);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-vfork-exec", 0, "exit"), 1);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-vfork-exec", 0, NC_FAM_STAT, OK),
		    5);
	/* The parent itself ends with exactly one record, at exit. */
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, NULL), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, "exit"), 1);
}

/* ---- 3. posix_spawn, posix_spawnp, system, popen ------------------------ */

/*
 * Children started without fork()+exec wrappers (glibc clones and execs
 * internally) inherit LD_PRELOAD and run under the shim: each writes its
 * own record with exactly its calls, and the parent's record holds
 * exactly the parent's.  The children are robust_prog under other names
 * (symlinks), so that their records can be told apart by comm.
 */
TEST(spawn_system_popen)
{
	static const char *const names[] = {"rb-spawn", "rb-spawnp",
					    "rb-system", "rb-popen"};
	const char *stats;
	const char *argv[] = {"rb-spawn-parent", "spawn", NULL, NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	for (int i = 0; i < 4; i++)
		if (symlink(robust_helper("robust_prog"),
			    robust_path(names[i])) < 0)
			NC_FAIL("symlink: %s", strerror(errno));
	argv[2] = robust_scratch;
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "spawn");
	ASSERT_STREQ(r->out, "stats 3\nstats 4\nspawn ok\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-spawn-parent", 0, NULL), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, r->pid), 3);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, r->pid, NC_FAM_STAT, OK), 3);
	for (int i = 0; i < 4; i++) {
		R_ASSERT_EQ(stats, robust_nrecs(n, names[i], 0, "exit"), 1);
		R_ASSERT_EQ(stats, robust_nrecs(n, names[i], 0, NULL), 1);
		R_ASSERT_EQ(stats, robust_total(n, names[i], 0), 3 + i);
		R_ASSERT_EQ(stats, robust_sum(n, names[i], 0, NC_FAM_STAT, OK),
			    3 + i);
	}
	/* The shells of system() and popen() ran under the shim as well. */
	if (robust_nrecs(n, "sh", 0, NULL) < 2) {
		robust_dump(stats);
		NC_FAIL("no records from the shells of system() and popen()");
	}
}

/* ---- 4. children with an empty environment ------------------------------ */

/*
 * Preloaded alone (without NAMECACHE_INHERIT=1, which `namecache run`
 * sets), the shim never re-injects LD_PRELOAD or its variables into an
 * environment a program chose to empty (execve with envp {NULL}, env -i):
 * such a child sees exactly the environment it was given.  So it runs
 * without the shim: its output is that of a plain run, and it writes no
 * record.  The exec'ing parent still writes its own record (end=exec).
 */
TEST(empty_environment_child)
{
	const char *stats;
	const char *argv[] = {"rb-envi-parent", "envi", NULL, NULL};
	const char *show[] = {"rb-envi-child", "show", NULL};
	struct robust_opts plain = {NULL, NULL, NULL, 1};
	static struct robust_result ref;
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	robust_run(robust_helper("robust_prog"), show, &plain, &ref);
	robust_ok(&ref, "show without the shim");
	ASSERT(strstr(ref.out, "LD_PRELOAD=unset\n") != NULL);

	argv[2] = robust_helper("robust_prog");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "envi");
	ASSERT_STREQ(r->out, ref.out);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-envi-parent", r->pid, "exec"),
		    1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 2);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-envi-child", 0, NULL), 0);
}

TEST(env_i_child)
{
	const char *stats;
	const char *argv[] = {"env", "-i", NULL, "show", NULL};
	const char *show[] = {"robust_prog", "show", NULL};
	struct robust_opts plain = {NULL, NULL, NULL, 1};
	struct robust_opts shim = {NULL, NULL, NULL, 0};
	static struct robust_result ref, r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	robust_run(robust_helper("robust_prog"), show, &plain, &ref);
	robust_ok(&ref, "show without the shim");

	argv[2] = robust_helper("robust_prog");
	shim.preload = nc_shim_preload();
	shim.stats = stats;
	robust_run("/usr/bin/env", argv, &shim, &r);
	robust_ok(&r, "env -i");
	ASSERT_STREQ(r.out, ref.out);
	n = robust_records(stats);
	/* env itself ran under the shim and exec'ed; its child did not. */
	R_ASSERT_EQ(stats, robust_nrecs(n, "env", r.pid, "exec"), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, "robust_prog", 0, NULL), 0);
	R_ASSERT_EQ(stats, n, 1);
}

/*
 * With NAMECACHE_INHERIT=1 the same execve with envp {NULL} and env -i
 * give the child the shim and the statistics file back: it writes its own
 * record with exactly its 3 calls, and its output differs from a plain
 * run only in what was put back.
 */
TEST(inherit_empty_environment_child)
{
	static const char *const env[] = {"NAMECACHE_INHERIT=1", NULL};
	const char *stats;
	const char *argv[] = {"rb-envi-parent", "envi", NULL, NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	argv[2] = robust_helper("robust_prog");
	r = robust_prog(nc_shim_preload(), stats, env, argv);
	robust_ok(r, "envi");
	ASSERT(strstr(r->out, "LD_PRELOAD=set\nNAMECACHE_STATS=set\n"));
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 2);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-envi-parent", r->pid, "exec"),
		    1);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-envi-child", r->pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_total(n, "rb-envi-child", 0), 3);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 2 + 3);
}

TEST(inherit_env_i_child)
{
	static const char *const env[] = {"NAMECACHE_INHERIT=1", NULL};
	const char *stats;
	const char *argv[] = {"env", "-i", NULL, "show", NULL};
	struct robust_opts o = {NULL, NULL, env, 0};
	static struct robust_result r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	argv[2] = robust_helper("robust_prog");
	o.preload = nc_shim_preload();
	o.stats = stats;
	robust_run("/usr/bin/env", argv, &o, &r);
	robust_ok(&r, "env -i");
	ASSERT(strstr(r.out, "LD_PRELOAD=set\nNAMECACHE_STATS=set\n"));
	n = robust_records(stats);
	R_ASSERT_EQ(stats, robust_nrecs(n, "env", r.pid, "exec"), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, "robust_prog", r.pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_total(n, "robust_prog", 0), 3);
	R_ASSERT_EQ(stats, n, 2);
}

/* ---- 5. closefrom, close_range, dup2 over every descriptor -------------- */

/*
 * The program closes every descriptor from 3 (closefrom, close_range) and
 * then dup2()s /dev/null over 3..64, with lookups in between.  The shim
 * must hold no descriptor it relies on (or re-open it): results stay
 * right, and the record is still written at exit, _exit and exec.
 */
static void robust_fds(const char *end)
{
	const char *stats;
	const char *argv[] = {"rb-fds", "fds", NULL, end, NULL, NULL};
	struct robust_result *r;
	int n, exec = !strcmp(end, "exec");

	robust_tmp();
	robust_fixture();
	stats = robust_path("stats");
	argv[2] = robust_scratch;
	argv[4] = robust_helper("robust_prog");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "fds");
	ASSERT_STREQ(r->out,
		     exec ? "fds ok opens=8\nstats 2\n" : "fds ok opens=8\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, exec ? 2 : 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-fds", r->pid, end), 1);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-fds", 0, NC_FAM_OPEN, OK), 8);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-fds", 0, NC_FAM_STAT, OK), 2);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-fds", 0, NC_FAM_ACCESS, OK), 2);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-fds", 0, NC_FAM_READLINK, OK), 2);
	R_ASSERT_EQ(stats, robust_sum(n, "rb-fds", 0, NC_FAM_FOPEN, OK), 2);
	R_ASSERT_EQ(stats, robust_total(n, "rb-fds", 0), 16);
	if (exec) {
		R_ASSERT_EQ(stats,
			    robust_nrecs(n, "rb-fds-exec", r->pid, "exit"), 1);
		R_ASSERT_EQ(stats, robust_total(n, "rb-fds-exec", 0), 2);
	}
}

TEST(closed_fds_exit)
{
	robust_fds("exit");
}

TEST(closed_fds__exit)
{
	robust_fds("_exit");
}

TEST(closed_fds_exec)
{
	robust_fds("exec");
}

/* ---- 6. wrapped calls from a signal handler ----------------------------- */

/*
 * A SIGALRM handler (every 100 us, plus once before the main thread's
 * first wrapped call) calls stat(), access() and open() while the main
 * thread loops on stat().  Counts are exactly handler + main calls, and
 * errno in the interrupted loop is never changed: the handler makes only
 * successful calls, which in plain glibc leave errno alone.
 */
TEST(signal_handler_calls)
{
	const char *stats;
	const char *argv[] = {"rb-signal", "signal", "300", "2000", NULL};
	struct robust_result *r;
	long h, m_ok, m_enoent, bad_errno;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "signal");
	ASSERT_EQ(sscanf(r->out,
			 "handler=%ld main_ok=%ld main_enoent=%ld "
			 "bad_errno=%ld",
			 &h, &m_ok, &m_enoent, &bad_errno),
		  4);
	ASSERT_EQ(bad_errno, 0);
	ASSERT(h >= 2000);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK), h + m_ok);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, ENOENT_),
		    m_enoent);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_ACCESS, OK), h);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_OPEN, OK), h);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 3 * h + m_ok + m_enoent);
}

/* ---- 7. another library's constructor calls us first -------------------- */

/*
 * Whether robust_ctorlib.so's constructor ran before the shim's: ld.so's
 * own account (LD_DEBUG=files prints "calling init: PATH" in order).
 */
static int robust_ctor_first(const char *lddebug_prefix, pid_t pid,
			     const char *lib, const char *shim)
{
	char path[PATH_MAX + 16], *b, *l, *s;
	int first;

	snprintf(path, sizeof(path), "%s.%d", lddebug_prefix, (int)pid);
	b = nc_read_file(path, NULL);
	if (!b)
		NC_FAIL("no ld.so debug output %s", path);
	{
		char want_l[PATH_MAX + 32], want_s[PATH_MAX + 32];

		snprintf(want_l, sizeof(want_l), "calling init: %s\n", lib);
		snprintf(want_s, sizeof(want_s), "calling init: %s\n", shim);
		l = strstr(b, want_l);
		s = strstr(b, want_s);
	}
	if (!l || !s) {
		fprintf(stderr, "# %s", b);
		NC_FAIL("ld.so did not report both constructors");
	}
	first = l < s;
	free(b);
	return first;
}

static void robust_ctor(int lib_first_in_list, int fork_too)
{
	const char *stats, *lib, *pre;
	const char *argv[] = {"rb-ctor", "ctor", NULL};
	char env_dir[PATH_MAX + 16], env_dbg[PATH_MAX + 32];
	const char *env[] = {env_dir, "LD_DEBUG=files", env_dbg,
			     fork_too ? "ROBUST_CTOR_FORK=1" : NULL, NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	robust_fixture();
	stats = robust_path("stats");
	lib = robust_helper("robust_ctorlib.so");
	pre = robust_preload_with(lib, lib_first_in_list);
	snprintf(env_dir, sizeof(env_dir), "ROBUST_DIR=%s", robust_scratch);
	snprintf(env_dbg, sizeof(env_dbg), "LD_DEBUG_OUTPUT=%s",
		 robust_path("ld"));
	r = robust_prog(pre, stats, env, argv);
	robust_ok(r, "ctor");
	ASSERT_STREQ(r->out,
		     fork_too ? "ctor stat=1 open=1 read=1 readlink=1 fopen=1\n"
				"ctor fork ok\nmain stats 2\n"
			      : "ctor stat=1 open=1 read=1 readlink=1 fopen=1\n"
				"main stats 2\n");
	/* Constructors run in reverse preload order: the premise. */
	ASSERT_EQ(robust_ctor_first(robust_path("ld"), r->pid, lib,
				    robust_shim_path()),
		  !lib_first_in_list);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, NULL), 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, r->pid, NC_FAM_STAT, OK), 3);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, r->pid, NC_FAM_OPEN, OK), 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, r->pid, NC_FAM_READLINK, OK), 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, r->pid, NC_FAM_FOPEN, OK), 1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, r->pid), 6);
	if (fork_too) {
		/* The child: its own one call, not the parent's five. */
		R_ASSERT_EQ(stats, n, 2);
		R_ASSERT_EQ(stats, robust_nrecs(n, NULL, 0, "_exit"), 1);
		R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 6 + 1);
	} else {
		R_ASSERT_EQ(stats, n, 1);
	}
}

TEST(ctor_before_shim_ctor)
{
	robust_ctor(0, 0);
}

TEST(ctor_after_shim_ctor)
{
	robust_ctor(1, 0);
}

/*
 * A fork from a constructor that runs before the shim's: the child must
 * still start from zero, although the shim's constructor (which registers
 * its fork handler) has not run yet in the parent.
 */
TEST(fork_before_shim_ctor)
{
	robust_ctor(0, 1);
}

TEST(fork_after_shim_ctor)
{
	robust_ctor(1, 1);
}

/* ---- 8. a second interposer of stat() ----------------------------------- */

/*
 * robust_interpose.so wraps stat() with dlsym(RTLD_NEXT) and counts.  In
 * either order both libraries see all 25 calls, and the program gets the
 * real results (robust_prog checks each).
 */
static void robust_interpose(int lib_first)
{
	const char *stats, *out;
	const char *argv[] = {"rb-interpose", "stats", "25", NULL};
	char env_out[PATH_MAX + 32];
	const char *env[] = {env_out, NULL};
	struct robust_result *r;
	char *got;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	out = robust_path("interpose");
	snprintf(env_out, sizeof(env_out), "ROBUST_INTERPOSE_OUT=%s", out);
	r = robust_prog(robust_preload_with(
			    robust_helper("robust_interpose.so"), lib_first),
			stats, env, argv);
	robust_ok(r, "interpose");
	ASSERT_STREQ(r->out, "stats 25\n");
	got = nc_read_file(out, NULL);
	ASSERT_STREQ(got, "interpose stat=25\n");
	free(got);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK), 25);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 25);
}

TEST(interposer_after_shim)
{
	robust_interpose(0);
}

TEST(interposer_before_shim)
{
	robust_interpose(1);
}

/* The hits of family "stat" in the one record of @stats. */
static long robust_stat_hits(const char *stats)
{
	char *b = nc_read_file(stats, NULL), *p;
	unsigned long ok, en, err, hits;
	long r = -1;

	p = b ? strstr(b, " stat=") : NULL;
	if (p && sscanf(p, " stat=%lu,%lu,%lu,%lu", &ok, &en, &err, &hits) == 4)
		r = (long)hits;
	free(b);
	return r;
}

/*
 * robust_prog's "stats 25", caching from the first lookup, without a
 * daemon, with @lib (NULL: nothing) preloaded after the shim and @extra
 * (NULL: none) in the environment: the stat hits its record @name shows.
 */
static long robust_chained_hits(const char *lib, const char *name,
				const char *extra)
{
	const char *argv[] = {"rb-chain", "stats", "25", NULL};
	char env_sock[PATH_MAX + 32];
	const char *env[] = {env_sock, "NAMECACHE_WARMUP=0", extra, NULL};
	const char *stats = robust_path(name);
	struct robust_result *r;

	snprintf(env_sock, sizeof(env_sock), "NAMECACHE_SOCKET=%s",
		 robust_path("no-daemon/socket"));
	r = robust_prog(lib ? robust_preload_with(robust_helper(lib), 0)
			    : nc_shim_preload(),
			stats, env, argv);
	robust_ok(r, name);
	ASSERT_STREQ(r->out, "stats 25\n");
	return robust_stat_hits(stats);
}

/*
 * With another interposer after the shim, the next definition of stat
 * is not the C library's: the shim finds that when it looks at the
 * loaded objects (real.c) and keeps its cache off, so that every call
 * reaches the interposer, whose answers may differ from the kernel's.
 * The same calls with the shim alone are hits (the cache caches from
 * the first lookup here), so the assertion can fail.
 */
TEST(interposer_after_shim_keeps_the_cache_off)
{
	char env_out[PATH_MAX + 32];
	const char *out;
	char *got;

	robust_tmp();
	out = robust_path("interpose");
	snprintf(env_out, sizeof(env_out), "ROBUST_INTERPOSE_OUT=%s", out);
	ASSERT(robust_chained_hits(NULL, "alone", NULL) > 0);
	ASSERT_EQ(
	    robust_chained_hits("robust_interpose.so", "chained", env_out), 0);
	got = nc_read_file(out, NULL);
	ASSERT_STREQ(got, "interpose stat=25\n");
	free(got);
}

/*
 * An interposer after the shim that defines no lookup (robust_tracer.so
 * wraps unlink() alone) leaves the cache on: the next definition of
 * every lookup is still the C library's.
 */
TEST(interposer_of_no_lookup_after_shim_leaves_the_cache_on)
{
	robust_tmp();
	ASSERT(robust_chained_hits("robust_tracer.so", "traced", NULL) > 0);
}

/* ---- 9. a preloaded malloc ---------------------------------------------- */

/*
 * Debian's jemalloc (package libjemalloc2) preloaded before and after the
 * shim; 4 threads allocate and make lookups that allocate themselves
 * (realpath(p, NULL), fopen).  jemalloc initialises on the first
 * allocation, which may come from dlsym() inside the shim's symbol
 * resolution (jemalloc #443): that must neither deadlock nor change any
 * result or count.  Skipped where libjemalloc2 is not installed (an
 * optional dependency of `make check`, contrib/deps.sh).
 */
static const char *robust_jemalloc(void)
{
	static const char *const cand[] = {
	    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
	    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
	    "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2"};

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], R_OK) == 0)
			return cand[i];
	NC_SKIP("libjemalloc.so.2 not found (Debian package libjemalloc2)");
}

static void robust_malloc(int jemalloc_first)
{
	const char *stats, *pre;
	const char *argv[] = {"rb-malloc", "malloc", "4", "200", NULL};
	const char *null_argv[] = {"rb-null", "null", NULL};
	struct robust_result *r;
	uint64_t base[NC_OUT_COUNT];
	int n;

	robust_tmp();
	stats = robust_path("stats");
	pre = robust_preload_with(robust_jemalloc(), jemalloc_first);

	/*
	 * jemalloc's own start-up is counted like any other code in the
	 * process: it calls readlink("/etc/malloc.conf") once (through the
	 * shim's fallback when that happens inside the shim's dlsym()).
	 * Measure it with a program that does nothing, and expect it once
	 * more on top of the known calls.
	 */
	r = robust_prog(pre, stats, NULL, null_argv);
	robust_ok(r, "null");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_READLINK, -1), 1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 1);
	memcpy(base, robust_recs[0].n[NC_FAM_READLINK], sizeof(base));
	unlink(stats);

	r = robust_prog(pre, stats, NULL, argv);
	robust_ok(r, "malloc");
	ASSERT_STREQ(r->out, "malloc ok threads=4 n=200\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK), 800);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_REALPATH, OK), 800);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_FOPEN, OK), 800);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_OPEN, OK), 800);
	for (int o = 0; o < NC_OUT_COUNT; o++)
		R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_READLINK, o),
			    base[o] + (o == OK ? 800 : 0));
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 5 * 800 + 1);
}

TEST(jemalloc_before_shim)
{
	robust_malloc(1);
}

TEST(jemalloc_after_shim)
{
	robust_malloc(0);
}

/* ---- 10. errno ---------------------------------------------------------- */

/*
 * Every generated wrapper (and the hand-written open family), once with a
 * call that succeeds and once with one that fails, errno set to 12345
 * before each.  The transcript ("family call ok|fail errno") must be the
 * same without and with the shim: a success leaves errno as glibc leaves
 * it, a failure sets glibc's errno.  glibc leaves errno alone on success
 * for all of these except the realpath family (realpath() and
 * canonicalize_file_name() leave the EINVAL of an internal readlink() of
 * a non-symlink behind); for the others 12345 is also required.  The records
 * must hold exactly the transcript's calls, family by family and outcome
 * by outcome.
 */
TEST(errno_preserved)
{
	const char *stats;
	const char *argv[] = {"rb-errno", "errno", NULL, NULL};
	static struct robust_result plain, shim;
	struct robust_opts o = {NULL, NULL, NULL, 0};
	uint64_t want[NC_FAM_COUNT][NC_OUT_COUNT];
	char *save = NULL, *line, *copy;
	int n, lines = 0;

	robust_tmp();
	stats = robust_path("stats");
	argv[2] = robust_path("plain");
	o.preload = robust_preload_with(NULL, 0);
	if (!o.preload[0])
		o.preload = NULL;
	robust_run(robust_helper("robust_prog"), argv, &o, &plain);
	robust_ok(&plain, "errno without the shim");

	argv[2] = robust_path("shim");
	o.preload = nc_shim_preload();
	o.stats = stats;
	robust_run(robust_helper("robust_prog"), argv, &o, &shim);
	robust_ok(&shim, "errno with the shim");

	if (strcmp(plain.out, shim.out) != 0) {
		fprintf(stderr, "# without:\n%s# with:\n%s", plain.out,
			shim.out);
		NC_FAIL("transcripts differ");
	}
	memset(want, 0, sizeof(want));
	copy = strdup(shim.out);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char fam[32], call[64], res[8];
		int e, f;

		if (sscanf(line, "%31s %63s %7s %d", fam, call, res, &e) != 4)
			NC_FAIL("bad transcript line: %s", line);
		f = nc_family_by_name(fam, strlen(fam));
		if (f < 0)
			NC_FAIL("unknown family in: %s", line);
		if (!strcmp(res, "ok")) {
			if (e != 12345 && f != NC_FAM_REALPATH)
				NC_FAIL("errno changed by a success: %s", line);
			want[f][OK]++;
		} else {
			if (e == 12345 || e == 0)
				NC_FAIL("failure without errno: %s", line);
			want[f][e == ENOENT ? ENOENT_ : ERR]++;
		}
		lines++;
	}
	free(copy);
	ASSERT(lines > 200);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	for (int f = 0; f < NC_FAM_COUNT; f++) {
		/* Every family was exercised, each outcome it can have. */
		if (!want[f][OK] || (!want[f][ENOENT_] && !want[f][ERR]))
			NC_FAIL("family %s not fully exercised",
				nc_family_name(f));
		for (int o2 = 0; o2 < NC_OUT_COUNT; o2++)
			if (robust_recs[0].n[f][o2] != want[f][o2]) {
				robust_dump(stats);
				NC_FAIL(
				    "%s outcome %d: counted %llu, made %llu",
				    nc_family_name(f), o2,
				    (unsigned long long)robust_recs[0].n[f][o2],
				    (unsigned long long)want[f][o2]);
			}
	}
}

/* ---- 11. threads -------------------------------------------------------- */

/*
 * @total threads, @conc at a time, each making @calls stat() calls (half
 * succeed, half fail with ENOENT).  Past 1024 threads the shim's counter
 * pool is exhausted and later threads share one block with atomic adds.
 * The cache keeps its descriptors at 900 and above: the process's two
 * (inotify, mountinfo) and two per thread that answered from the cache
 * (its probe).  Some thread must have had its probe open (so the cache
 * answered, at least 4), and once every thread has ended only the
 * process's two may remain: a thread's exit closes its probe.
 */
static void robust_threads(const char *total, const char *calls,
			   const char *conc)
{
	const char *stats;
	const char *argv[] = {"rb-threads", "threads", total,
			      calls,	    conc,      NULL};
	struct robust_result *r;
	char want[64];
	long t = atol(total), c = atol(calls), peak = -1, end = -1;
	const char *fds;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "threads");
	snprintf(want, sizeof(want), "threads=%s calls=%s\n", total, calls);
	fds = strchr(r->out, '\n');
	ASSERT(fds != NULL);
	ASSERT(strncmp(r->out, want, strlen(want)) == 0);
	ASSERT(sscanf(fds + 1, "highfds peak=%ld end=%ld", &peak, &end) == 2);
	if (peak < 4 || end != 2)
		NC_FAIL("descriptors >= 900: peak %ld (want >= 4), at the end "
			"%ld (want 2)",
			peak, end);
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 1);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK),
		    t * ((c + 1) / 2));
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, ENOENT_),
		    t * (c / 2));
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), t * c);
}

TEST(threads_2)
{
	robust_threads("2", "20000", "2");
}

TEST(threads_8)
{
	robust_threads("8", "10000", "8");
}

TEST(threads_beyond_pool)
{
	robust_threads("1500", "200", "8");
}

TEST(threads_beyond_pool_concurrent)
{
	robust_threads("2100", "1000", "32");
}

/* ---- 12. an exec that fails --------------------------------------------- */

/*
 * execve of a missing path flushes a record (end=exec) before the kernel
 * says no; the program continues and exits.  Every call is in exactly one
 * of the process's records.
 */
TEST(failed_exec_once)
{
	const char *stats;
	const char *argv[] = {"rb-execfail", "execfail", "one", NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "execfail");
	ASSERT_STREQ(r->out, "execfail ok\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, n, 2);
	R_ASSERT_EQ(stats, robust_nrecs(n, "rb-execfail", r->pid, NULL), 2);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 5);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK), 5);
	/* Records are appended in order: the exec one holds the first 2. */
	R_ASSERT_EQ(stats, robust_recs[0].n[NC_FAM_STAT][OK], 2);
	R_ASSERT_EQ(stats, robust_recs[1].n[NC_FAM_STAT][OK], 3);
}

TEST(failed_exec_every_kind)
{
	const char *stats;
	const char *argv[] = {"rb-execfail", "execfail", "all", NULL};
	struct robust_result *r;
	int n;

	robust_tmp();
	stats = robust_path("stats");
	r = robust_prog(nc_shim_preload(), stats, NULL, argv);
	robust_ok(r, "execfail");
	ASSERT_STREQ(r->out, "execfail ok\n");
	n = robust_records(stats);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, NULL), n);
	R_ASSERT_EQ(stats, robust_nrecs(n, NULL, r->pid, "exit"), 1);
	R_ASSERT_EQ(stats, robust_total(n, NULL, 0), 10);
	R_ASSERT_EQ(stats, robust_sum(n, NULL, 0, NC_FAM_STAT, OK), 10);
}

/* ---- the plain helper modes behave without the shim too ----------------- */

/*
 * The helper's own checks are meaningful: without the shim every mode
 * used above succeeds (a failure under the shim is then the shim's).
 */
TEST(helper_sane_without_shim)
{
	const char *modes[][6] = {
	    {"rb", "stats", "3", NULL},
	    {"rb", "threads", "4", "100", "4", NULL},
	    {"rb", "execfail", "all", NULL},
	    {"rb", "malloc", "2", "50", NULL},
	};
	struct robust_opts o = {NULL, NULL, NULL, 0};

	robust_tmp();
	o.preload = robust_preload_with(NULL, 0);
	if (!o.preload[0])
		o.preload = NULL;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		robust_run(robust_helper("robust_prog"), modes[i], &o,
			   &robust_res);
		robust_ok(&robust_res, modes[i][1]);
	}
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
