/* Unit tests: statistics record format, config parsing, helpers. */
#include "common/config.h"
#include "common/record.h"
#include "common/util.h"
#include "harness.h"

TEST(record_roundtrip)
{
	struct nc__record r = {0}, back;
	char line[NC_RECORD_MAX];
	size_t n;

	r.pid = 4242;
	r.ppid = 1;
	strcpy(r.comm, "cc1 plus");
	strcpy(r.mode, "strict");
	strcpy(r.end, "exit");
	r.c.n[NC_FAM_STAT][NC_OUT_OK] = 10;
	r.c.hit[NC_FAM_STAT] = 7;
	r.c.doubt[NC_FAM_STAT][NC_DOUBT_COLD] = 3;
	r.c.doubt[NC_FAM_STAT][NC_DOUBT_BUSY] = 1;
	r.c.n[NC_FAM_STAT][NC_OUT_ENOENT] = 2;
	r.c.n[NC_FAM_CHROOT][NC_OUT_ERR] = 18446744073709551615ULL;
	n = nc__record_format(line, sizeof(line), &r);
	ASSERT(n > 0);
	ASSERT_EQ(line[n - 1], '\n');
	ASSERT(strstr(line, " comm=cc1?plus ") != NULL);
	ASSERT(strstr(line, " stat=10,2,0,7 doubt.stat=cold:3,busy:1") != NULL);
	ASSERT(strstr(line, "lstat=") == NULL);
	ASSERT_EQ(nc__record_parse(line, &back), 0);
	ASSERT_EQ(back.pid, 4242);
	ASSERT_EQ(back.ppid, 1);
	ASSERT_STREQ(back.comm, "cc1?plus");
	ASSERT_STREQ(back.end, "exit");
	ASSERT_EQ(back.c.n[NC_FAM_STAT][NC_OUT_OK], 10);
	ASSERT_EQ(back.c.hit[NC_FAM_STAT], 7);
	ASSERT_EQ(back.c.doubt[NC_FAM_STAT][NC_DOUBT_COLD], 3);
	ASSERT_EQ(back.c.doubt[NC_FAM_STAT][NC_DOUBT_BUSY], 1);
	ASSERT_EQ(back.c.n[NC_FAM_STAT][NC_OUT_ENOENT], 2);
	ASSERT(back.c.n[NC_FAM_CHROOT][NC_OUT_ERR] == 18446744073709551615ULL);
}

TEST(record_exec_fates_roundtrip)
{
	struct nc__record r = {0}, back;
	char line[NC_RECORD_MAX];
	size_t n;

	r.pid = 7;
	strcpy(r.comm, "env");
	strcpy(r.mode, "strict");
	strcpy(r.end, "exec");
	r.c.exec[NC_EXEC_RESTORED] = 2;
	r.c.exec[NC_EXEC_SETID] = 1;
	n = nc__record_format(line, sizeof(line), &r);
	ASSERT(n > 0);
	ASSERT(strstr(line, " exec=restored:2,setid:1\n") != NULL);
	ASSERT_EQ(nc__record_parse(line, &back), 0);
	ASSERT_EQ(back.c.exec[NC_EXEC_RESTORED], 2);
	ASSERT_EQ(back.c.exec[NC_EXEC_SETID], 1);
	ASSERT_EQ(back.c.exec[NC_EXEC_THREADS], 0);
	/* No exec key when nothing happened; unknown fates are skipped. */
	r.c.exec[NC_EXEC_RESTORED] = r.c.exec[NC_EXEC_SETID] = 0;
	n = nc__record_format(line, sizeof(line), &r);
	ASSERT(strstr(line, "exec=") == NULL);
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=5 "
				   "exec=later:4,noroom:3\n",
				   &back),
		  0);
	ASSERT_EQ(back.c.exec[NC_EXEC_NOROOM], 3);
	ASSERT_EQ(
	    nc__record_parse("namecache-stats 1 pid=5 exec=noroom:x\n", &back),
	    -1);
}

TEST(record_hints_roundtrip)
{
	struct nc__record r = {0}, back;
	char line[NC_RECORD_MAX];

	r.pid = 9;
	strcpy(r.comm, "git");
	strcpy(r.mode, "strict");
	strcpy(r.end, "exit");
	r.c.hints[0] = 51098;
	r.c.hints[1] = 3;
	ASSERT(nc__record_format(line, sizeof(line), &r) > 0);
	ASSERT(strstr(line, " hints=51098,3\n") != NULL);
	ASSERT_EQ(nc__record_parse(line, &back), 0);
	ASSERT_EQ(back.c.hints[0], 51098);
	ASSERT_EQ(back.c.hints[1], 3);
	/* None sent, none dropped: no key. */
	r.c.hints[0] = r.c.hints[1] = 0;
	ASSERT(nc__record_format(line, sizeof(line), &r) > 0);
	ASSERT(strstr(line, "hints=") == NULL);
	/* Two numbers, nothing else. */
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=5 hints=1\n", &back),
		  -1);
	ASSERT_EQ(
	    nc__record_parse("namecache-stats 1 pid=5 hints=1,x\n", &back), -1);
	ASSERT_EQ(
	    nc__record_parse("namecache-stats 1 pid=5 hints=1,2,3\n", &back),
	    -1);
}

TEST(record_rejects_garbage)
{
	struct nc__record r;

	ASSERT_EQ(nc__record_parse("", &r), -1);
	ASSERT_EQ(nc__record_parse("hello world\n", &r), -1);
	ASSERT_EQ(nc__record_parse("namecache-stats 2 pid=1\n", &r), -1);
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=0\n", &r), -1);
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=5 stat=1,x,3\n", &r),
		  -1);
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=5 novalue\n", &r),
		  -1);
	/* Unknown keys and extra values are tolerated (newer writers). */
	ASSERT_EQ(nc__record_parse(
		      "namecache-stats 1 pid=5 hits=3 stat=1,2,3,4\n", &r),
		  0);
	ASSERT_EQ(r.c.n[NC_FAM_STAT][NC_OUT_ERR], 3);
	ASSERT_EQ(r.c.hit[NC_FAM_STAT], 4);
	/* Version 1 records without hits still parse. */
	ASSERT_EQ(nc__record_parse("namecache-stats 1 pid=5 stat=1,2,3\n", &r),
		  0);
	ASSERT_EQ(r.c.n[NC_FAM_STAT][NC_OUT_ERR], 3);
	ASSERT_EQ(r.c.hit[NC_FAM_STAT], 0);
	ASSERT_EQ(
	    nc__record_parse("namecache-stats 1 pid=5 doubt.stat=cold\n", &r),
	    -1);
	ASSERT_EQ(nc__record_parse(
		      "namecache-stats 1 pid=5 doubt.stat=new:1,cold:2\n", &r),
		  0);
	ASSERT_EQ(r.c.doubt[NC_FAM_STAT][NC_DOUBT_COLD], 2);
}

TEST(record_too_small_buffer)
{
	struct nc__record r = {0};
	char line[16];

	r.pid = 1;
	ASSERT_EQ(nc__record_format(line, sizeof(line), &r), 0);
}

static const char *const *fake_env;

static const char *fake_get(const char *name)
{
	size_t n = strlen(name);

	for (const char *const *e = fake_env; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int load(const char *const *env, struct nc__config *c, char *err,
		size_t cap)
{
	struct nc__buf b;

	fake_env = env;
	nc__buf_init(&b, err, cap);
	return nc__config_load(c, fake_get, &b);
}

TEST(config_defaults)
{
	const char *const env[] = {"NAMECACHE_MODE=", NULL};
	struct nc__config c;
	char err[256];

	ASSERT_EQ(load(env, &c, err, sizeof(err)), 0);
	ASSERT_EQ(c.mode, NC_MODE_STRICT);
	ASSERT_EQ(c.max_stale_us, NC_MAX_STALE_DEFAULT_US);
	ASSERT_STREQ(c.stats_path, "");
	ASSERT_STREQ(err, "");
}

TEST(config_values)
{
	const char *const env[] = {
	    "NAMECACHE_MODE=relaxed", "NAMECACHE_STATS=/tmp/s",
	    "NAMECACHE_LOG=/tmp/l", "NAMECACHE_MAX_STALE_US=2500", NULL};
	struct nc__config c;
	char err[256];

	ASSERT_EQ(load(env, &c, err, sizeof(err)), 0);
	ASSERT_EQ(c.mode, NC_MODE_RELAXED);
	ASSERT_EQ(c.max_stale_us, 2500);
	ASSERT_STREQ(c.stats_path, "/tmp/s");
	ASSERT_STREQ(c.log_path, "/tmp/l");
}

TEST(config_errors_are_one_line_and_turn_cache_off)
{
	const char *const bad_mode[] = {"NAMECACHE_MODE=fast", NULL};
	const char *const bad_stats[] = {"NAMECACHE_STATS=rel/path", NULL};
	const char *const bad_stale[] = {"NAMECACHE_MAX_STALE_US=-1",
					 "NAMECACHE_MODE=relaxed", NULL};
	const char *const ctl[] = {"NAMECACHE_MODE=a\nb", NULL};
	struct nc__config c;
	char err[256];

	ASSERT_EQ(load(bad_mode, &c, err, sizeof(err)), -1);
	ASSERT_EQ(c.mode, NC_MODE_OFF);
	ASSERT_STREQ(err,
		     "NAMECACHE_MODE='fast': expected strict, relaxed or off");
	ASSERT_EQ(load(bad_stats, &c, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "NAMECACHE_STATS='rel/path': expected an absolute "
			  "path");
	ASSERT_STREQ(c.stats_path, "");
	ASSERT_EQ(load(bad_stale, &c, err, sizeof(err)), -1);
	ASSERT_EQ(c.mode, NC_MODE_OFF);
	ASSERT_EQ(load(ctl, &c, err, sizeof(err)), -1);
	ASSERT(strchr(err, '\n') == NULL);
}

TEST(config_inherit)
{
	const char *const on[] = {"NAMECACHE_INHERIT=1", NULL};
	const char *const off[] = {"NAMECACHE_INHERIT=0", NULL};
	const char *const empty[] = {"NAMECACHE_INHERIT=", NULL};
	const char *const bad[] = {"NAMECACHE_INHERIT=yes", NULL};
	const char *const bad2[] = {"NAMECACHE_INHERIT=10", NULL};
	struct nc__config c;
	char err[256];

	ASSERT_EQ(load(on, &c, err, sizeof(err)), 0);
	ASSERT_EQ(c.inherit, 1);
	ASSERT_EQ(load(off, &c, err, sizeof(err)), 0);
	ASSERT_EQ(c.inherit, 0);
	ASSERT_EQ(load(empty, &c, err, sizeof(err)), 0);
	ASSERT_EQ(c.inherit, 0);
	ASSERT_EQ(load(bad, &c, err, sizeof(err)), -1);
	ASSERT_STREQ(err, "NAMECACHE_INHERIT='yes': expected 1 or 0");
	ASSERT_EQ(c.inherit, 0);
	ASSERT_EQ(c.mode, NC_MODE_OFF);
	ASSERT_EQ(load(bad2, &c, err, sizeof(err)), -1);
}

TEST(parse_u64_bounds)
{
	uint64_t v;

	ASSERT_EQ(nc__parse_u64("0", 10, &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(nc__parse_u64("10", 10, &v), 0);
	ASSERT_EQ(nc__parse_u64("11", 10, &v), -1);
	ASSERT_EQ(nc__parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	ASSERT(v == UINT64_MAX);
	ASSERT_EQ(nc__parse_u64("18446744073709551616", UINT64_MAX, &v), -1);
	ASSERT_EQ(nc__parse_u64("", 10, &v), -1);
	ASSERT_EQ(nc__parse_u64("1x", 10, &v), -1);
	ASSERT_EQ(nc__parse_u64(" 1", 10, &v), -1);
}

TEST(buf_overflow_is_whole_and_terminated)
{
	char mem[8];
	struct nc__buf b;

	nc__buf_init(&b, mem, sizeof(mem));
	nc__buf_str(&b, "abc");
	nc__buf_str(&b, "defgh"); /* would need 9 bytes with the NUL */
	ASSERT(b.overflow);
	ASSERT_STREQ(mem, "abc");
	nc__buf_init(&b, mem, sizeof(mem));
	nc__buf_i64(&b, -123456);
	ASSERT(!b.overflow);
	ASSERT_STREQ(mem, "-123456");
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
