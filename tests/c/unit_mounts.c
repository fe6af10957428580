/*
 * Unit tests of the mount table's comparison (src/cache/mounts.c), on the
 * real /proc/self/mountinfo, in a private mount namespace of the test's
 * own (root only), so that no other mount on the machine comes between:
 *   - an unchanged table names nothing, and its hash is the one a client
 *     computes reading the table itself;
 *   - a mount, a remount and an unmount each name exactly their mount
 *     point, unescaped (a space, a tab, a newline and a backslash in its
 *     name, which mountinfo writes as \040 \011 \012 \134);
 *   - a mount point the caller cannot drop makes the comparison fail (the
 *     caller then flushes), and the next comparison starts from the table
 *     that failed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache_int.h"
#include "harness.h"

static char seen[8][4096];
static int nseen;
static int refuse;

static int record(const char *path)
{
	if (nseen < 8)
		snprintf(seen[nseen], sizeof(seen[nseen]), "%s", path);
	nseen++;
	return refuse ? -1 : 0;
}

static char top[64];
static char odd[128];

/* A private mount namespace and a directory with an awkward name. */
static void setup(void)
{
	if (geteuid() != 0)
		NC_SKIP("mounts need root");
	if (unshare(CLONE_NEWNS) < 0)
		NC_SKIP("no mount namespace: %s", strerror(errno));
	CHECK(mount("none", "/", "", MS_REC | MS_PRIVATE, NULL));
	snprintf(top, sizeof(top), "/tmp/nc-mounts.XXXXXX");
	ASSERT(mkdtemp(top) != NULL);
	snprintf(odd, sizeof(odd), "%s/a b\tc\nd\\e", top);
	CHECK(mkdir(odd, 0755));
}

static void cleanup(void)
{
	rmdir(odd);
	rmdir(top);
}

static int apply(uint64_t *all)
{
	nseen = 0;
	return nc__mounts_apply(record, all);
}

TEST(unchanged_table_names_nothing)
{
	uint64_t base, all, mine;

	setup();
	ASSERT_EQ(nc__mounts_base(&base), 0);
	ASSERT_EQ(apply(&all), 0);
	ASSERT_EQ(nseen, 0);
	ASSERT(all == base);
	ASSERT_EQ(nc__mounts_hash(&mine), 0);
	ASSERT(mine == all);
	cleanup();
}

TEST(mount_remount_unmount_name_their_point)
{
	uint64_t all, mine;

	setup();
	ASSERT_EQ(nc__mounts_base(&all), 0);
	CHECK(mount("nc-test", odd, "tmpfs", 0, NULL));
	ASSERT_EQ(apply(&all), 0);
	ASSERT_EQ(nseen, 1);
	ASSERT(strcmp(seen[0], odd) == 0);
	ASSERT_EQ(nc__mounts_hash(&mine), 0);
	ASSERT(mine == all);
	/* Read-only now: the same mount, another line. */
	CHECK(mount("", odd, "", MS_REMOUNT | MS_RDONLY, NULL));
	ASSERT_EQ(apply(&all), 0);
	ASSERT(nseen >= 1);
	for (int i = 0; i < nseen && i < 8; i++)
		ASSERT(strcmp(seen[i], odd) == 0);
	CHECK(umount(odd));
	ASSERT_EQ(apply(&all), 0);
	ASSERT_EQ(nseen, 1);
	ASSERT(strcmp(seen[0], odd) == 0);
	ASSERT_EQ(apply(&all), 0);
	ASSERT_EQ(nseen, 0);
	cleanup();
}

TEST(refused_drop_fails_and_moves_on)
{
	uint64_t all;

	setup();
	ASSERT_EQ(nc__mounts_base(&all), 0);
	CHECK(mount("nc-test", odd, "tmpfs", 0, NULL));
	refuse = 1;
	ASSERT_EQ(apply(&all), -1);
	refuse = 0;
	/* The failed table is the base: nothing more to name. */
	ASSERT_EQ(apply(&all), 0);
	ASSERT_EQ(nseen, 0);
	CHECK(umount(odd));
	cleanup();
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
