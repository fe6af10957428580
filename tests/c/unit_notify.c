/*
 * Unit tests of the coherence layer's pure rules (policy.c).
 *
 * Which kernels the cache trusts: 5.17 and later, by the uname release
 * alone (the IN_DELETE ordering fix of 5.17; see nc__kernel_release_ok).
 * Anything that does not parse as MAJOR.MINOR is not trusted.
 */
#include "cache/cache_int.h"
#include "harness.h"

TEST(kernel_release_rule)
{
	static const char *const trusted[] = {"5.17",
					      "5.17.0",
					      "5.18.19-generic",
					      "6.1.0-13-amd64",
					      "6.18.44-fc-v782",
					      "7.0",
					      "10.2.3",
					      "5.100"};
	static const char *const refused[] = {"5.16.20",
					      "5.15.0-91-generic",
					      "5.4.0",
					      "4.19.304",
					      "2.6.78-fc-v782",
					      "3.10.0-1160.el7.x86_64",
					      "5.1",
					      "5",
					      "5.",
					      "",
					      "x.y",
					      "5.x",
					      ".17",
					      "-6.1",
					      "05.016"};

	for (size_t i = 0; i < sizeof(trusted) / sizeof(*trusted); i++)
		if (!nc__kernel_release_ok(trusted[i]))
			NC_FAIL("release \"%s\" refused", trusted[i]);
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		if (nc__kernel_release_ok(refused[i]))
			NC_FAIL("release \"%s\" trusted", refused[i]);
}

/* Numbers longer than any kernel's are not parsed (nor wrapped around
 * into a trusted release): refused. */
TEST(kernel_release_overlong_numbers)
{
	ASSERT(!nc__kernel_release_ok("99999999999999999999999.1"));
	ASSERT(!nc__kernel_release_ok("5.0000000000000000000000000000017"));
	ASSERT(!nc__kernel_release_ok("5.99999999999999999999999"));
	ASSERT(!nc__kernel_release_ok("18446744073709551621.17"));
	ASSERT(nc__kernel_release_ok("99999.1"));
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
