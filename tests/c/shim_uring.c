/*
 * The strict check through a thread's own io_uring (src/cache/uring.c).
 *
 * hand-off tests: tests/c/handoff_prog.c changes the tree in another
 * process and hands over through shared memory only; every kind of change
 * (and, as root, mounts) must be seen with no system call on the checker's
 * side.  NC_HANDOFF_N sets the number of hand-offs of the main run
 * (default 20,000).  Every run must have hit, and say in its record which
 * check it used.
 *
 * life-cycle tests: tests/c/uring_prog.c (fork, exec, vfork, dup2 and
 * close_range over the ring, signal handlers, thread exit, seccomp).
 */
#include "shimtest.h"

static long handoff_n(void)
{
	const char *e = getenv("NC_HANDOFF_N");
	long n = e && *e ? atol(e) : 20000;

	return n > 0 ? n : 20000;
}

static const char *prog_path(char *buf, size_t cap, const char *name)
{
	char tdir[PATH_MAX];

	snprintf(buf, cap, "%s/%s", nc_test_dir(tdir, sizeof(tdir)), name);
	return buf;
}

/* Hits of every lookup family, and the records saying check=@check. */
static void uring_stats(const char *path, const char *check,
			unsigned long long *hits, int *records, int *with_check)
{
	char *buf = nc_read_file(path, NULL), *save = NULL, *tok;
	char want[32];

	snprintf(want, sizeof(want), "check=%s", check);
	*hits = 0;
	*records = *with_check = 0;
	if (!buf)
		NC_FAIL("no statistics in %s", path);
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long v[4] = {0, 0, 0, 0};

		if (!strcmp(tok, "namecache-stats"))
			(*records)++;
		if (!strcmp(tok, want))
			(*with_check)++;
		if (!eq || nc_family_by_name(tok, (size_t)(eq - tok)) < 0)
			continue;
		if (sscanf(eq + 1, "%llu,%llu,%llu,%llu", &v[0], &v[1], &v[2],
			   &v[3]) == 4)
			*hits += v[3];
	}
	free(buf);
}

/* Run @argv under the shim with NAMECACHE_CHECK=@check (NULL: unset),
 * attached to the daemon on @sock (NULL: none, the process's own cache). */
static void run_with(const char *dir, const char *check, const char *sock,
		     const char *const *argv, struct nc_run_result *r)
{
	char stats[PATH_MAX + 32], chk[64], env_sock[PATH_MAX + 64];
	const char *envv[5] = {stats, "NAMECACHE_WARMUP=0"};
	struct nc_run_opts o = {.preload = 1, .uid = -1, .env = envv};
	int k = 2;

	snprintf(stats, sizeof(stats), "NAMECACHE_STATS=%s/stats", dir);
	snprintf(chk, sizeof(chk), "NAMECACHE_CHECK=%s", check ? check : "");
	if (check)
		envv[k++] = chk;
	if (sock) {
		snprintf(env_sock, sizeof(env_sock), "NAMECACHE_SOCKET=%.*s",
			 (int)(sizeof(env_sock) - 20), sock);
		envv[k++] = env_sock;
	}
	nc_run(argv, &o, r);
}

/* @shared: the checker attached to a real daemon (2: one that io_uring
 * is refused to), the changes those of attributes only (handoff_prog.c:
 * "attr"), so that its walks stay cold and are checked with the daemon's
 * watch ring (no mounts: the program's private mount namespace would not
 * be the daemon's). */
static void handoff(const char *tag, const char *check, long n,
		    const char *expect_check, int seccomp, int shared)
{
	char dir[PATH_MAX], tree[PATH_MAX + 8], stats[PATH_MAX + 16],
	    prog[PATH_MAX + 32], uprog[PATH_MAX + 32], s_n[32];
	char sock[PATH_MAX + 16], sdir[PATH_MAX];
	const char *argv[8];
	struct nc_run_result r;
	unsigned long long hits;
	long done = 0, lookups = 0, diffs = -1;
	int k = 0, records, with_check;
	pid_t daemon = -1;
	const char *sum;

	nc_scratch_dir(dir, sizeof(dir), tag);
	if (shared) {
		/* 2: the daemon under the seccomp filter: it has no ring. */
		const char *wrap[] = {
		    prog_path(uprog, sizeof(uprog), "uring-prog"), "seccomp",
		    NULL};

		daemon =
		    nc_daemon_start_under(shared == 2 ? wrap : NULL, -1, sock,
					  sizeof(sock), sdir, sizeof(sdir));
	}
	snprintf(tree, sizeof(tree), "%s/t", dir);
	CHECK(mkdir(tree, 0755));
	snprintf(s_n, sizeof(s_n), "%ld", n);
	if (seccomp) {
		argv[k++] = prog_path(uprog, sizeof(uprog), "uring-prog");
		argv[k++] = "seccomp";
	}
	argv[k++] = prog_path(prog, sizeof(prog), "handoff-prog");
	argv[k++] = tree;
	argv[k++] = s_n;
	if (shared)
		argv[k++] = "attr";
	else if (geteuid() == 0)
		argv[k++] = "mount";
	argv[k] = NULL;
	run_with(dir, check, shared ? sock : NULL, argv, &r);
	if (shared)
		nc_daemon_stop(daemon, sdir);
	sum = strstr(r.out, "handoffs ");
	if (!sum ||
	    sscanf(sum, "handoffs %ld lookups %ld differences %ld", &done,
		   &lookups, &diffs) != 3 ||
	    diffs) {
		printf("# %s", r.out);
		NC_FAIL("%s: wait status %d, differences %ld", tag, r.status,
			diffs);
	}
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	uring_stats(stats, expect_check, &hits, &records, &with_check);
	printf("# %s: %ld hand-offs%s, %ld lookups, 0 differences, %llu "
	       "hits, check=%s in %d of %d records\n",
	       tag, done, geteuid() == 0 && !shared ? " (mounts too)" : "",
	       lookups, hits, expect_check, with_check, records);
	ASSERT_EQ(r.status, 0);
	ASSERT_EQ(done, n);
	/* The checker's record (the mutator child caches nothing). */
	ASSERT(with_check >= 1);
	/* Answered from memory: the questions asked twice before each
	 * hand-off are hits, and so are most after it; in shared mode the
	 * daemon fills them meanwhile (not always before the second). */
	ASSERT(hits >= (unsigned long long)lookups / (shared ? 4 : 1));
	nc_run_free(&r);
	nc_rm_rf(dir);
}

TEST(handoff_uring)
{
	handoff("handoff-uring", "uring", handoff_n(), "uring", 0, 0);
}

TEST(handoff_epoll)
{
	handoff("handoff-epoll", "epoll", handoff_n() / 4, "epoll", 0, 0);
}

/* auto: the ring comes after RING_AFTER checks (notify.c). */
TEST(handoff_auto)
{
	handoff("handoff-auto", NULL, handoff_n() / 4, "uring", 0, 0);
}

/* io_uring_setup refused by a seccomp filter: the epoll check. */
TEST(handoff_seccomp)
{
	handoff("handoff-seccomp", "uring", handoff_n() / 10, "epoll", 1, 0);
}

/* Attached to a daemon: the daemon's watch ring, read in place, is the
 * only thing that can tell the checker (uring.c). */
TEST(handoff_shared)
{
	if (!nc_kernel_at_least(6, 5))
		nc_test_skip("the watch ring needs Linux 6.5 (NO_MMAP)");
	handoff("handoff-shared", NULL, handoff_n() / 4, "shared", 0, 1);
}

/* The daemon cannot make its ring (io_uring refused by a seccomp filter):
 * it says so, and its clients check with their own rings. */
TEST(handoff_shared_no_daemon_ring)
{
	handoff("handoff-shared-noring", NULL, handoff_n() / 4, "uring", 0, 2);
}

/* Run `uring-prog MODE DIR`; its output must hold @want. */
static void life_with(const char *check, const char *mode, const char *want,
		      const char *check_want)
{
	char dir[PATH_MAX], prog[PATH_MAX + 32], stats[PATH_MAX + 16];
	const char *argv[] = {prog, mode, dir, NULL};
	struct nc_run_result r;
	unsigned long long hits;
	int records, with_check;

	nc_scratch_dir(dir, sizeof(dir), mode);
	prog_path(prog, sizeof(prog), "uring-prog");
	run_with(dir, check, NULL, argv, &r);
	printf("# %s", r.out);
	if (r.status || !strstr(r.out, want) || strstr(r.out, "bad:"))
		NC_FAIL("%s: wait status %d", mode, r.status);
	snprintf(stats, sizeof(stats), "%s/stats", dir);
	uring_stats(stats, check_want, &hits, &records, &with_check);
	printf("# %s: %llu hits, check=%s in %d of %d records\n", mode, hits,
	       check_want, with_check, records);
	ASSERT(hits > 0);
	ASSERT(with_check >= 1);
	nc_run_free(&r);
	nc_rm_rf(dir);
}

static void life(const char *mode, const char *want, const char *check_want)
{
	life_with("uring", mode, want, check_want);
}

TEST(fork_child_has_own_ring)
{
	life("fork", "ok fork", "uring");
}

TEST(exec_inherits_no_ring)
{
	life("exec", "rings fds=0 maps=0", "uring");
}

TEST(dup2_over_ring_turns_off)
{
	life("dup2", "ok dup2", "uring");
}

TEST(dup2_in_thread_left_open_at_exit)
{
	life("dup2_thread", "ok dup2 in a thread", "uring");
}

TEST(close_range_over_ring_turns_off)
{
	life("close_range", "ok close_range", "uring");
}

TEST(vfork_child_passes_through)
{
	life("vfork", "ok vfork", "uring");
}

TEST(vfork_child_leaves_the_ring_to_its_parent)
{
	life_with(NULL, "vfork_first", "ok vfork first: parent has 1 ring",
		  "uring");
}

/* auto: after the image's first 512 checks, a thread's ring comes after
 * 128 of its own (notify.c, RING_AFTER_NEXT). */
TEST(later_threads_ring_sooner)
{
	life_with(NULL, "threshold", "ok threshold: rings 0", "uring");
}

TEST(signal_handler_during_slow_path)
{
	life("signal", "ok signal", "uring");
}

TEST(thread_exit_closes_ring)
{
	life("threads", "ok threads: 200 had a ring, 0 left", "uring");
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
