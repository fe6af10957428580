/*
 * Attach benchmark: what a new process pays before and at its first
 * lookups, with or without namecache and its daemon.
 *
 *   attach -d DIR [-n CHILDREN] [-l LOOKUPS] -c 'CONFIG [NAME=VALUE...]'...
 *
 * For each configuration (-c: a name, then settings separated by spaces,
 * for example 'shared LD_PRELOAD=... NAMECACHE_SOCKET=...'; values cannot
 * hold spaces), starts CHILDREN processes (fork, then execve of this
 * program) with the parent's environment plus those settings; the parent
 * itself runs without them.  The configurations take turns, child by
 * child, the first one of each turn rotating (ABC BCA CAB ...), so that
 * drift on the machine hits them alike.  Each child measures, with
 * CLOCK_MONOTONIC:
 *   start  from the parent's fork to the first line of the child's main
 *          (exec, the dynamic loader, every constructor: where a preloaded
 *          library loads and may attach)
 *   first  its first lookup, stat() of DIR/p/a/f00000
 *   rest   its next LOOKUPS - 1 lookups, stat() of f00001, f00002 ...
 * and the parent measures
 *   total  from fork to the return of waitpid().
 * The paths are those of gen-micro.py's tree; every stat must succeed.
 *
 * A configuration whose settings include NC_BENCH_LAUNCHER=1 starts its
 * children from a launcher instead: a process of its own, run with the
 * configuration's settings, that looks one path up first (under the shim
 * it is then attached) and starts each child with posix_spawn (as make
 * does), so that the child gets what an attached parent hands down.  Its
 * start and total are then measured from the launcher's spawn.
 *
 * Prints one tab-separated line per configuration, the medians over its
 * children in microseconds:
 *   CONFIG CHILDREN LOOKUPS start_us first_us rest_us total_us
 *
 *   attach --touch
 *
 * prints what this machine charges a process the first time it touches a
 * page of a shared mapping (a memfd, as the daemon's arena): the median,
 * in microseconds, over 256 pages 64 KiB apart, each a page fault of its
 * own (the kernel maps up to 64 KiB around a faulting address).  A new
 * process pays it for every page of the arena it reads first.
 *
 * Built like micro.c (no _FORTIFY_SOURCE, no _FILE_OFFSET_BITS) so that
 * stat binds to the symbol the shim replaces.
 */
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CHILDREN 10000
#define MAX_LOOKUPS 1000
#define MAX_CONFIGS 8
#define MAX_SETTINGS 16

struct config {
	char *name;
	char **env;
	int launched;	     /* NC_BENCH_LAUNCHER=1 */
	int cmd, res;	     /* the launcher's pipes: requests, times */
	uint64_t start[MAX_CHILDREN], first[MAX_CHILDREN], rest[MAX_CHILDREN],
	    total[MAX_CHILDREN];
};

extern char **environ;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "attach: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	if (n % 2)
		return (double)v[n / 2] / 1e3;
	return ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2e3;
}

/* attach --touch (above). */
static int touch(void)
{
	enum { PAGES = 256, STRIDE = 16 * 4096 };
	size_t len = (size_t)PAGES * STRIDE;
	static uint64_t t[PAGES];
	volatile unsigned char sink;
	unsigned char *w, *r;
	int fd = memfd_create("nc-bench-touch", 0), i;

	if (fd < 0 || ftruncate(fd, (off_t)len) != 0)
		die("memfd");
	w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED || r == MAP_FAILED)
		die("mmap");
	/* In memory first, as the pages of a daemon's arena are. */
	for (size_t o = 0; o < len; o += 4096)
		w[o] = 1;
	for (i = 0; i < PAGES; i++) {
		uint64_t a = now_ns();

		sink = r[(size_t)i * STRIDE];
		t[i] = now_ns() - a;
	}
	(void)sink;
	printf("%.2f\n", median_us(t, PAGES));
	return 0;
}

/* The child: argv = attach --child FORK_NS FD DIR LOOKUPS. */
static int child(char **argv)
{
	uint64_t t_main = now_ns(), t0, t1, t2;
	uint64_t fork_ns = strtoull(argv[2], NULL, 10);
	int fd = atoi(argv[3]), lookups = atoi(argv[5]), i;
	char path[4096];
	struct stat st;
	uint64_t out[3];

	snprintf(path, sizeof(path), "%s/p/a/f%05d", argv[4], 0);
	t0 = now_ns();
	if (stat(path, &st) != 0)
		die(path);
	t1 = now_ns();
	for (i = 1; i < lookups; i++) {
		snprintf(path, sizeof(path), "%s/p/a/f%05d", argv[4], i);
		if (stat(path, &st) != 0)
			die(path);
	}
	t2 = now_ns();
	out[0] = t_main - fork_ns;
	out[1] = t1 - t0;
	out[2] = t2 - t1;
	if (write(fd, out, sizeof(out)) != (ssize_t)sizeof(out))
		die("write");
	return 0;
}

/* Parse -c 'NAME SETTING...' into @c: the environment is ours plus the
 * settings. */
static void parse_config(struct config *c, char *spec)
{
	int nenv = 0, i = 0;
	char *tok, *save = NULL;

	while (environ[nenv])
		nenv++;
	c->env = calloc((size_t)(nenv + MAX_SETTINGS + 1), sizeof(*c->env));
	if (!c->env)
		die("calloc");
	memcpy(c->env, environ, (size_t)nenv * sizeof(*c->env));
	c->name = strtok_r(spec, " ", &save);
	while ((tok = strtok_r(NULL, " ", &save)) && i < MAX_SETTINGS) {
		if (!strcmp(tok, "NC_BENCH_LAUNCHER=1"))
			c->launched = 1;
		else
			c->env[nenv++] = tok;
		i++;
	}
	if (!c->name || tok) {
		fprintf(stderr, "attach: bad configuration\n");
		exit(2);
	}
}

/*
 * The launcher: argv = attach --launcher CMD RES FD DIR LOOKUPS.  For
 * each byte read on CMD it spawns one child and writes its spawn and
 * reaping times on RES; EOF ends it.
 */
static int launcher(char **argv)
{
	int cmd = atoi(argv[2]), res = atoi(argv[3]);
	char fork_arg[32], path[4096], self[4096];
	char *cargv[] = {self, "--child", fork_arg, argv[4], argv[5], argv[6],
			 NULL};
	struct stat st;
	ssize_t len;
	char b;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		die("readlink /proc/self/exe");
	self[len] = '\0';
	snprintf(path, sizeof(path), "%s/p/a/f%05d", argv[5], 0);
	if (stat(path, &st) != 0)
		die(path);
	while (read(cmd, &b, 1) == 1) {
		uint64_t t[2];
		pid_t pid;
		int status;

		t[0] = now_ns();
		snprintf(fork_arg, sizeof(fork_arg), "%llu",
			 (unsigned long long)t[0]);
		if (posix_spawn(&pid, self, NULL, NULL, cargv, environ) != 0)
			die("posix_spawn");
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			die("child");
		t[1] = now_ns();
		if (write(res, t, sizeof(t)) != (ssize_t)sizeof(t))
			die("write");
	}
	return 0;
}

/* Start @c's launcher (its pipes in c->cmd, c->res). */
static void start_launcher(struct config *c, const char *self,
			   const char *dir, int lookups, const int p[2])
{
	int cmd[2], res[2];
	char a[4][16];
	pid_t pid;

	if (pipe(cmd) != 0 || pipe(res) != 0)
		die("pipe");
	snprintf(a[0], sizeof(a[0]), "%d", cmd[0]);
	snprintf(a[1], sizeof(a[1]), "%d", res[1]);
	snprintf(a[2], sizeof(a[2]), "%d", p[1]);
	snprintf(a[3], sizeof(a[3]), "%d", lookups);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *largv[] = {(char *)self, "--launcher", a[0], a[1],
				 a[2],	       (char *)dir,  a[3], NULL};

		close(cmd[1]);
		close(res[0]);
		execve(self, largv, c->env);
		_exit(127);
	}
	close(cmd[0]);
	close(res[1]);
	c->cmd = cmd[1];
	c->res = res[0];
}

/* Start one child of @c; record its figures as child number @i. */
static void run_child(struct config *c, int i, const char *self,
		      const char *dir, int lookups, const int p[2])
{
	char fork_arg[32], fd_arg[16], lk_arg[16];
	char *cargv[] = {(char *)self, "--child", fork_arg, fd_arg,
			 (char *)dir,  lk_arg,	  NULL};
	uint64_t t0 = now_ns(), t1, got[3];
	int status;
	pid_t pid;

	if (c->launched) {
		uint64_t t[2];

		if (write(c->cmd, "", 1) != 1 ||
		    read(c->res, t, sizeof(t)) != (ssize_t)sizeof(t))
			die("launcher");
		t0 = t[0];
		t1 = t[1];
		goto figures;
	}
	snprintf(fork_arg, sizeof(fork_arg), "%llu", (unsigned long long)t0);
	snprintf(fd_arg, sizeof(fd_arg), "%d", p[1]);
	snprintf(lk_arg, sizeof(lk_arg), "%d", lookups);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execve(self, cargv, c->env);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	t1 = now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "attach: %s: child failed (status %d)\n",
			c->name, status);
		exit(1);
	}
figures:
	if (read(p[0], got, sizeof(got)) != (ssize_t)sizeof(got))
		die("read");
	c->start[i] = got[0];
	c->first[i] = got[1];
	c->rest[i] = got[2];
	c->total[i] = t1 - t0;
}

int main(int argc, char **argv)
{
	static struct config cfg[MAX_CONFIGS];
	const char *dir = NULL;
	int n = 50, lookups = 50, opt, i, j, p[2], k = 0;
	char self[4096];
	ssize_t len;

	if (argc == 6 && !strcmp(argv[1], "--child"))
		return child(argv);
	if (argc == 2 && !strcmp(argv[1], "--touch"))
		return touch();
	if (argc == 7 && !strcmp(argv[1], "--launcher"))
		return launcher(argv);
	while ((opt = getopt(argc, argv, "d:n:l:c:")) != -1) {
		if (opt == 'd')
			dir = optarg;
		else if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'l')
			lookups = atoi(optarg);
		else if (opt == 'c' && k < MAX_CONFIGS)
			parse_config(&cfg[k++], optarg);
		else
			return 2;
	}
	if (!dir || !k || optind != argc || n < 1 || n > MAX_CHILDREN ||
	    lookups < 1 || lookups > MAX_LOOKUPS) {
		fprintf(stderr,
			"usage: attach -d DIR [-n CHILDREN] "
			"[-l LOOKUPS] -c 'CONFIG [NAME=VALUE...]'...\n");
		return 2;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		die("readlink /proc/self/exe");
	self[len] = '\0';
	if (pipe(p) != 0)
		die("pipe");
	for (j = 0; j < k; j++)
		if (cfg[j].launched)
			start_launcher(&cfg[j], self, dir, lookups, p);
	for (i = 0; i < n; i++)
		for (j = 0; j < k; j++)
			run_child(&cfg[(i + j) % k], i, self, dir, lookups, p);
	for (j = 0; j < k; j++)
		printf("%s\t%d\t%d\t%.1f\t%.2f\t%.1f\t%.1f\n", cfg[j].name, n,
		       lookups, median_us(cfg[j].start, n),
		       median_us(cfg[j].first, n), median_us(cfg[j].rest, n),
		       median_us(cfg[j].total, n));
	return 0;
}
