/*
 * Micro benchmark: the cost of one path lookup, per call.
 *
 *   micro -d DIR -c CALL -s SHAPE -k KIND [-t THREADS] [-m MS] [-n COUNT]
 *
 * CALL   stat lstat statx access readlink realpath open fopen, or syscall
 *        (a bare getppid system call: the floor of any call that makes one)
 *        (open and fopen are failing calls: the name does not exist)
 * SHAPE  3 or 12: the number of components of the relative path looked
 *        up from DIR (the tree made by gen-micro.py)
 * KIND   warm: the same path again and again (once cached, every call is
 *        a hit); cold: COUNT distinct paths, each looked up exactly once
 *        (every call is a first lookup, a miss for any cache in front of
 *        the kernel; the kernel's own dentry cache is warm)
 * THREADS  1 or more; each thread runs its own loop, started together.
 *          Cold paths are dealt out to the threads round robin.  With
 *          more than one thread and warm paths, every segment first runs
 *          each thread's loop alone, one after the other, which gives the
 *          scaling of the same process at the same moment.  With more
 *          than one thread, each is pinned to its own CPU (when the
 *          process may use enough): on a virtual machine one CPU is at
 *          times much slower than the other for a while (a lookup loop
 *          alone, pinned to either CPU in turn: 36-40 ns a hit on both,
 *          or 60-67 ns on one of them for seconds), so every thread's
 *          rate alone is measured on the CPU it then shares.
 * MS     target duration of a warm loop (calibrated by a pilot loop that
 *        also warms every cache); default 100
 *
 * The loop runs in SEGMENTS equal segments (threads meet at a barrier
 * before each); a cold set is cut into SEGMENTS chunks the same way.  The
 * figures reported are the medians over the segments, so a burst of
 * interference from elsewhere on the machine moves one segment, not the
 * result.
 *
 * With one thread and warm paths, every segment is followed by a loop of
 * bare system calls (getppid, a quarter as many), timed the same way: the
 * floor of any call that makes one system call, in the same process at
 * the same moment (a strict-mode hit makes exactly one).
 *
 * Prints one tab-separated line:
 *   call shape kind threads calls ns_per_call calls_per_sec scaling floor_ns
 * ns_per_call is the threads' own loop time divided by their calls (the
 * cost a caller sees); calls_per_sec is all calls over the wall time from
 * the first thread's start to the last one's end (aggregate throughput);
 * scaling is, per segment, the sum of the threads' rates together (each
 * thread's calls over its own loop time) over the mean of their rates
 * alone (its median over the segments: 2.00 when two threads do not slow
 * each other down), or "-" when not measured (one thread, or cold paths,
 * which a solo pass would use up); floor_ns is the median
 * cost of the bare system call, or "-" when not measured.
 *
 * Built without _FORTIFY_SOURCE and _FILE_OFFSET_BITS so that the calls
 * bind to glibc's public symbols (stat, open, readlink, realpath), the
 * ones an LD_PRELOAD shim replaces.  Every result is checked (an
 * unexpected success or errno aborts the run) and folded into a volatile
 * sink, so no call can be optimised away.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define COLD_DEFAULT 20000
#define MAX_THREADS 64
#define PILOT_CALLS 2000
#define WARM_CALLS 10000 /* more than namecache's warmup (4096 repeats) */
#define SEGMENTS 5

/* Directory prefixes of the two shapes; the last component is a name. */
static const char *const prefix3 = "p/a/";
static const char *const prefix12 = "q/a/b/c/d/e/g/h/i/j/k/";

typedef int (*op_fn)(const char *path);

/* Per thread: one sink shared by two threads would bounce its cache line
 * between their CPUs on every call and measure that instead. */
static __thread volatile unsigned long sink;

/* stat: the file exists. */
static int op_stat(const char *path)
{
	struct stat st;
	int r = stat(path, &st);

	sink += st.st_ino;
	return r == 0;
}

/* lstat: the file exists. */
static int op_lstat(const char *path)
{
	struct stat st;
	int r = lstat(path, &st);

	sink += st.st_ino;
	return r == 0;
}

/* statx with the basic mask, as coreutils and libuv call it. */
static int op_statx(const char *path)
{
	struct statx stx;
	int r = statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx);

	sink += stx.stx_ino;
	return r == 0;
}

/* access(R_OK) on an existing file. */
static int op_access(const char *path)
{
	int r = access(path, R_OK);

	sink += (unsigned long)r;
	return r == 0;
}

/* readlink of a symbolic link. */
static int op_readlink(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf));

	if (n > 0)
		sink += (unsigned char)buf[n - 1];
	return n > 0;
}

/* realpath with a caller buffer (no malloc in the measured call). */
static int op_realpath(const char *path)
{
	char buf[PATH_MAX];
	char *r = realpath(path, buf);

	if (r)
		sink += (unsigned char)r[1];
	return r != NULL;
}

/* open of a missing name: must fail with ENOENT. */
static int op_open(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	sink += (unsigned long)errno;
	return errno == ENOENT;
}

/* fopen of a missing name: must fail with ENOENT. */
static int op_fopen(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f) {
		fclose(f);
		return 0;
	}
	sink += (unsigned long)errno;
	return errno == ENOENT;
}

/* A bare system call, no path: the floor of any call that makes one. */
static int op_syscall(const char *path)
{
	long r = syscall(SYS_getppid);

	(void)path;
	sink += (unsigned long)r;
	return r > 0;
}

struct call {
	const char *name;
	op_fn fn;
	char letter; /* the name's first letter: f file, l symlink, m missing */
};

static const struct call calls[] = {
    {"stat", op_stat, 'f'},	    {"lstat", op_lstat, 'f'},
    {"statx", op_statx, 'f'},	    {"access", op_access, 'f'},
    {"readlink", op_readlink, 'l'}, {"realpath", op_realpath, 'f'},
    {"open", op_open, 'm'},	    {"fopen", op_fopen, 'm'},
    {"syscall", op_syscall, 'f'},
};

struct worker {
	pthread_t tid;
	pthread_barrier_t *start;
	int solo;  /* run each segment alone first */
	int id;	   /* 0 .. nthreads - 1 */
	int nthreads;
	int cpu; /* the CPU it is pinned to, or -1 */
	int floor; /* time bare system calls after each segment */
	op_fn fn;
	char **paths; /* cold: this thread's paths; warm: one path */
	long npaths;
	long calls; /* per segment */
	long bad;
	uint64_t t0[SEGMENTS], t1[SEGMENTS];
	uint64_t solo_ns[SEGMENTS]; /* the segment's loop, alone */
	double floor_ns[SEGMENTS];  /* per bare system call */
};

/* Monotonic time in nanoseconds. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Print a message and exit with status 2. */
static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "micro: %s%s%s\n", msg, arg ? ": " : "",
		arg ? arg : "");
	exit(2);
}

/* The measured loop of one thread: SEGMENTS timed segments. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	op_fn fn = w->fn;
	long bad = 0;

	if (w->cpu >= 0) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(w->cpu, &one);
		if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			die("cannot pin a thread", NULL);
	}
	for (int s = 0; s < SEGMENTS; s++) {
		for (int k = 0; w->solo && k < w->nthreads; k++) {
			pthread_barrier_wait(w->start);
			if (k == w->id) {
				const char *p = w->paths[0];
				uint64_t t0 = now_ns();

				for (long i = 0; i < w->calls; i++)
					bad += !fn(p);
				w->solo_ns[s] = now_ns() - t0;
			}
		}
		pthread_barrier_wait(w->start);
		if (w->npaths == 1) {
			const char *p = w->paths[0];

			w->t0[s] = now_ns();
			for (long i = 0; i < w->calls; i++)
				bad += !fn(p);
			w->t1[s] = now_ns();
		} else {
			char **ps = w->paths + (long)s * w->calls;

			w->t0[s] = now_ns();
			for (long i = 0; i < w->calls; i++)
				bad += !fn(ps[i]);
			w->t1[s] = now_ns();
		}
		if (w->floor) {
			long n = w->calls / 4 > 100 ? w->calls / 4 : 100;
			uint64_t t0 = now_ns();

			for (long i = 0; i < n; i++)
				bad += !op_syscall(NULL);
			w->floor_ns[s] = (double)(now_ns() - t0) / (double)n;
		}
	}
	w->bad = bad;
	return NULL;
}

/* The path of entry @i of kind @letter in the tree of @shape. */
static char *make_path(int shape, char letter, long i)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%c%05ld", shape == 3 ? prefix3 : prefix12,
		 letter, i);
	return strdup(buf);
}

/* Print the usage and exit with status 2. */
static void usage(void)
{
	die("usage: micro -d DIR -c CALL -s 3|12 -k warm|cold [-t THREADS] "
	    "[-m MS] [-n COUNT]",
	    NULL);
}

/* Sort helper for the medians. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (sorts them). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *callname = NULL, *kind = NULL;
	int shape = 0, nthreads = 1, opt, cold;
	long target_ms = 100, count = COLD_DEFAULT, total = 0, bad = 0;
	const struct call *c = NULL;
	static struct worker w[MAX_THREADS];
	pthread_barrier_t start;
	double per_call[SEGMENTS], rate[SEGMENTS], scaling[SEGMENTS];
	char scaling_text[32] = "-", floor_text[32] = "-";

	while ((opt = getopt(argc, argv, "d:c:s:k:t:m:n:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'c':
			callname = optarg;
			break;
		case 's':
			shape = atoi(optarg);
			break;
		case 'k':
			kind = optarg;
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'm':
			target_ms = atol(optarg);
			break;
		case 'n':
			count = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (!dir || !callname || !kind || (shape != 3 && shape != 12) ||
	    nthreads < 1 || nthreads > MAX_THREADS || target_ms < 1 ||
	    count < (long)nthreads * SEGMENTS)
		usage();
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(calls[i].name, callname) == 0)
			c = &calls[i];
	if (!c)
		die("unknown call", callname);
	if (strcmp(kind, "warm") != 0 && strcmp(kind, "cold") != 0)
		die("unknown kind", kind);
	cold = kind[0] == 'c';
	if (chdir(dir) != 0)
		die("cannot enter the tree", dir);

	if (cold) {
		long per = count / nthreads / SEGMENTS;

		/* Round robin, so all threads walk the same directories. */
		for (int t = 0; t < nthreads; t++) {
			w[t].paths =
			    calloc((size_t)per * SEGMENTS, sizeof(char *));
			if (!w[t].paths)
				die("out of memory", NULL);
			w[t].npaths = per * SEGMENTS;
			w[t].calls = per;
			for (long j = 0; j < per * SEGMENTS; j++)
				w[t].paths[j] = make_path(shape, c->letter,
							  j * nthreads + t);
		}
	} else {
		char *p = make_path(shape, c->letter, 0);
		uint64_t t0, dt;
		long n;

		/*
		 * The pilot: a first pass warms every cache (and pays any
		 * one-time set-up, and takes namecache past the repeated
		 * lookups it makes before it caches), a second pass sizes the
		 * loop.
		 */
		for (int pass = 0; pass < 2; pass++) {
			long calls = pass ? PILOT_CALLS : WARM_CALLS;

			t0 = now_ns();
			for (long i = 0; i < calls; i++)
				if (!c->fn(p))
					die("unexpected pilot result", p);
			dt = now_ns() - t0;
		}
		n = (long)((double)target_ms * 1e6 * PILOT_CALLS /
			   (double)(dt ? dt : 1) / SEGMENTS);
		if (n < PILOT_CALLS / SEGMENTS)
			n = PILOT_CALLS / SEGMENTS;
		for (int t = 0; t < nthreads; t++) {
			w[t].paths = malloc(sizeof(char *));
			if (!w[t].paths)
				die("out of memory", NULL);
			w[t].paths[0] = p;
			w[t].npaths = 1;
			w[t].calls = n;
		}
	}

	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	{
		cpu_set_t allowed;
		int cpu = 0;

		if (nthreads < 2 ||
		    sched_getaffinity(0, sizeof(allowed), &allowed) != 0 ||
		    CPU_COUNT(&allowed) < nthreads)
			CPU_ZERO(&allowed);
		for (int t = 0; t < nthreads; t++) {
			while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
				cpu++;
			w[t].cpu = cpu < CPU_SETSIZE ? cpu++ : -1;
		}
	}
	for (int t = 0; t < nthreads; t++) {
		w[t].start = &start;
		w[t].fn = c->fn;
		w[t].solo = nthreads > 1 && !cold;
		w[t].id = t;
		w[t].nthreads = nthreads;
		w[t].floor = nthreads == 1 && !cold;
		if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0)
			die("cannot create a thread", NULL);
	}
	for (int t = 0; t < nthreads; t++) {
		pthread_join(w[t].tid, NULL);
		total += w[t].calls * SEGMENTS * (w[t].solo ? 2 : 1);
		bad += w[t].bad;
	}
	if (bad) {
		fprintf(stderr,
			"micro: %s: %ld of %ld calls gave an unexpected "
			"result\n",
			c->name, bad, total);
		return 1;
	}
	for (int s = 0; s < SEGMENTS; s++) {
		uint64_t first = UINT64_MAX, last = 0, busy = 0;
		double together = 0, alone = 0;
		long n = 0;

		for (int t = 0; t < nthreads; t++) {
			together += (double)w[t].calls /
				    (double)(w[t].t1[s] - w[t].t0[s] + 1);
			alone += (double)w[t].calls /
				 (double)(w[t].solo_ns[s] + 1) / nthreads;
			busy += w[t].t1[s] - w[t].t0[s];
			n += w[t].calls;
			if (w[t].t0[s] < first)
				first = w[t].t0[s];
			if (w[t].t1[s] > last)
				last = w[t].t1[s];
		}
		per_call[s] = (double)busy / (double)n;
		rate[s] =
		    (double)n * 1e9 / (double)(last > first ? last - first : 1);
		scaling[s] = together / alone;
	}
	if (w[0].solo)
		snprintf(scaling_text, sizeof(scaling_text), "%.3f",
			 median(scaling, SEGMENTS));
	if (w[0].floor)
		snprintf(floor_text, sizeof(floor_text), "%.2f",
			 median(w[0].floor_ns, SEGMENTS));
	printf("%s\t%d\t%s\t%d\t%ld\t%.2f\t%.0f\t%s\t%s\n", c->name, shape,
	       kind, nthreads, total, median(per_call, SEGMENTS),
	       median(rate, SEGMENTS), scaling_text, floor_text);
	return 0;
}
