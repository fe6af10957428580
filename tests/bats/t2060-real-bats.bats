#!/usr/bin/env bats
# bats itself under namecache: a generated suite of 12 tests (file tests,
# a failing test, a skipped test, setup/teardown, run with status checks,
# a test that writes and removes files) gives the same TAP stream and the
# same exit status with and without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup_file() {
	local d=$BATS_FILE_TMPDIR/suite
	mkdir -p "$d/data/sub"
	echo one >"$d/data/a"
	ln -s a "$d/data/link"
	ln -s missing "$d/data/dangling"
	# "TEST" becomes "@test" only in the generated file: bats would take
	# an @test line here as one of this file's own tests.
	sed 's/^TEST /@test /' >"$d/inner.bats" <<'EOF'
#!/usr/bin/env bats

setup() {
	cd "$BATS_TEST_DIRNAME/data"
}

teardown() {
	rm -f "$BATS_TEST_TMPDIR/scratch"
}

TEST "a regular file exists" {
	[ -f a ]
}

TEST "a symlink is followed" {
	[ -L link ] && [ -f link ] && [ "$(cat link)" = one ]
}

TEST "a dangling link is a link but does not exist" {
	[ -L dangling ] && [ ! -e dangling ]
}

TEST "a directory with a trailing slash" {
	[ -d sub/ ] && [ ! -d a/ ]
}

TEST "run captures status and output" {
	run cat missing
	[ "$status" -eq 1 ]
	[[ $output == *"No such file or directory"* ]]
}

TEST "a failing test" {
	[ -e does-not-exist ]
}

TEST "a skipped test" {
	skip "not on this machine"
	false
}

TEST "files written and removed" {
	echo x >"$BATS_TEST_TMPDIR/scratch"
	[ -s "$BATS_TEST_TMPDIR/scratch" ]
	mkdir "$BATS_TEST_TMPDIR/dir"
	rmdir "$BATS_TEST_TMPDIR/dir"
	[ ! -e "$BATS_TEST_TMPDIR/dir" ]
}

TEST "commands found on PATH" {
	command -v ls >/dev/null
	! command -v no-such-command-here >/dev/null
}

TEST "a loop of lookups" {
	for i in $(seq 1 50); do
		[ -e a ] && [ ! -e "missing$i" ]
	done
}

TEST "a failing run with a message" {
	run ls no-such-dir
	echo "status was $status"
	[ "$status" -eq 0 ]
}

TEST "last test passes" {
	true
}
EOF
}

setup() {
	nc_require_build
	nc_require bats
	suite=$BATS_FILE_TMPDIR/suite
}

@test "bats --tap prints the same stream and status under namecache" {
	nc_plain_clean plain "$suite" bats --tap inner.bats
	nc_cached_clean nc "$suite" bats --tap inner.bats
	nc_assert_shim_seen nc
	[ "$(nc_stat_processes "$BATS_TEST_TMPDIR/nc.stats")" -ge 10 ]
	assert_equal "$(nc_rc plain)" 1
	run nc_out plain
	assert_line --index 0 '1..12'
	assert_line 'ok 1 a regular file exists'
	assert_line 'not ok 6 a failing test'
	assert_line 'ok 7 a skipped test # skip not on this machine'
	assert_line 'not ok 11 a failing run with a message'
	assert_line '# status was 2'
	assert_line 'ok 12 last test passes'
	run grep -c '^ok ' "$BATS_TEST_TMPDIR/plain.out"
	assert_output 10
	nc_assert_same_run plain nc
}

@test "bats --tap with a filter, and with the tap13 formatter" {
	nc_plain_clean plain "$suite" bats --tap -f 'link|directory' inner.bats
	nc_cached_clean nc "$suite" bats --tap -f 'link|directory' inner.bats
	nc_assert_shim_seen nc
	assert_equal "$(nc_rc plain)" 0
	run nc_out plain
	assert_output $'1..3\nok 1 a symlink is followed\nok 2 a dangling link is a link but does not exist\nok 3 a directory with a trailing slash'
	nc_assert_same_run plain nc
	nc_plain_clean plain13 "$suite" bats --formatter tap13 inner.bats
	nc_cached_clean nc13 "$suite" bats --formatter tap13 inner.bats
	run nc_out plain13
	assert_line --index 0 'TAP version 13'
	nc_assert_same_run plain13 nc13
}
