/*
 * A small test harness for the C tests (in the manner of libuv's and
 * Concurrency Kit's regressions).
 *
 *   TEST(name) { ... ASSERT_EQ(a, b); ... }
 *   int main(int argc, char **argv) { return nc_test_main(argc, argv); }
 *
 * Each test runs in its own child process with a timeout (NC_TEST_TIMEOUT
 * seconds, default 60), so a crash, a hang or a leaked signal disposition
 * fails that test only.  Output is TAP ("ok 3 - name"), which
 * tests/run-tests.sh counts.  Assertions print both sides.  NC_SKIP(...)
 * ends a test as skipped ("ok 3 - name # SKIP reason"): for a missing
 * optional dependency, whose Debian package the reason names.
 * `prog NAME...` runs only the named tests; `prog -l` lists them.
 */
#ifndef NC_TEST_HARNESS_H
#define NC_TEST_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct nc_test {
	const char *name;
	void (*fn)(void);
};

#define NC_TEST_MAX 512
extern struct nc_test nc_tests[NC_TEST_MAX];
extern int nc_ntests;

#define TEST(name)                                                     \
	static void test_##name(void);                                 \
	__attribute__((constructor)) static void register_##name(void) \
	{                                                              \
		if (nc_ntests < NC_TEST_MAX)                           \
			nc_tests[nc_ntests++] =                        \
			    (struct nc_test){#name, test_##name};      \
	}                                                              \
	static void test_##name(void)

#define NC_FAIL(...)                                              \
	do {                                                      \
		fprintf(stderr, "# %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
		exit(1);                                          \
	} while (0)

#define ASSERT(cond)                                            \
	do {                                                    \
		if (!(cond))                                    \
			NC_FAIL("assertion failed: %s", #cond); \
	} while (0)

#define ASSERT_EQ(a, b)                                                    \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_)                                              \
			NC_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_); \
	} while (0)

#define ASSERT_NE(a, b)                                             \
	do {                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b); \
		if (a_ == b_)                                       \
			NC_FAIL("%s != %s: both %lld", #a, #b, a_); \
	} while (0)

#define ASSERT_STREQ(a, b)                                               \
	do {                                                             \
		const char *a_ = (a), *b_ = (b);                         \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                   \
			NC_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,    \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

/* End the running test as skipped, with a reason (printf format). */
void nc_test_skip(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
#define NC_SKIP(...) nc_test_skip(__VA_ARGS__)

/* A system call that must succeed in test set-up. */
#define CHECK(call)                                                \
	do {                                                       \
		if ((call) < 0)                                    \
			NC_FAIL("%s: %s", #call, strerror(errno)); \
	} while (0)

int nc_test_main(int argc, char **argv);

#endif /* NC_TEST_HARNESS_H */
