/* The C test harness's runner (see harness.h). */
#include <stdarg.h>
#include <sys/mman.h>

#include "harness.h"

struct nc_test nc_tests[NC_TEST_MAX];
int nc_ntests;

/* A skipped test's reason, written by the test's child process into a
 * page shared with the runner; the child then exits with NC_SKIP_STATUS. */
#define NC_SKIP_STATUS 77
#define NC_SKIP_MAX 256
static char *skip_reason;

void nc_test_skip(const char *fmt, ...)
{
	va_list ap;

	if (skip_reason) {
		va_start(ap, fmt);
		vsnprintf(skip_reason, NC_SKIP_MAX, fmt, ap);
		va_end(ap);
	}
	fflush(NULL);
	_exit(skip_reason ? NC_SKIP_STATUS : 1);
}

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

/* 1: passed, 0: failed, -1: skipped (the reason in skip_reason). */
static int run_one(const struct nc_test *t, unsigned timeout)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "# fork: %s\n", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		setpgid(0, 0); /* the test and everything it starts */
		alarm(timeout);
		t->fn();
		fflush(NULL);
		exit(0);
	}
	setpgid(pid, pid);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	/* A test that timed out or crashed leaves its helpers running (a
	 * coherence checker and its mutator): end them with it. */
	kill(-pid, SIGKILL);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "# %s: killed by signal %d%s\n", t->name,
			WTERMSIG(st),
			WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == NC_SKIP_STATUS && skip_reason &&
	    skip_reason[0])
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int nc_test_main(int argc, char **argv)
{
	const char *env = getenv("NC_TEST_TIMEOUT");
	unsigned timeout = env ? (unsigned)atoi(env) : 60;
	int n = 0, failed = 0;

	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (int i = 0; i < nc_ntests; i++)
			printf("%s\n", nc_tests[i].name);
		return 0;
	}
	for (int i = 0; i < nc_ntests; i++)
		n += selected(nc_tests[i].name, argc, argv);
	printf("1..%d\n", n);
	n = 0;
	skip_reason = mmap(NULL, NC_SKIP_MAX, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		skip_reason = NULL;
	for (int i = 0; i < nc_ntests; i++) {
		int ok;

		if (!selected(nc_tests[i].name, argc, argv))
			continue;
		if (skip_reason)
			skip_reason[0] = '\0';
		ok = run_one(&nc_tests[i], timeout ? timeout : 60);
		if (ok < 0)
			printf("ok %d - %s # SKIP %s\n", ++n, nc_tests[i].name,
			       skip_reason);
		else
			printf("%sok %d - %s\n", ok ? "" : "not ", ++n,
			       nc_tests[i].name);
		fflush(stdout);
		failed += !ok;
	}
	return failed ? 1 : 0;
}
