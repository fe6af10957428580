#!/usr/bin/env bats
# The CLI's surface: help, version, and every usage error.  An error is
# exactly one line on stderr beginning "namecache: ", nothing on stdout,
# exit status 2 for usage errors, 127/126 when the command cannot be run.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
}

# assert_one_error STATUS REGEXP: the last `run --separate-stderr` failed
# with STATUS, printed nothing on stdout and one matching line on stderr.
assert_one_error() {
	[ "$status" -eq "$1" ] || fail "exit status $status, expected $1 (stderr: $stderr)"
	[ -z "$output" ] || fail "unexpected stdout: $output"
	[ "${#stderr_lines[@]}" -eq 1 ] ||
		fail "expected one line on stderr, got ${#stderr_lines[@]}: $stderr"
	[[ ${stderr_lines[0]} == "namecache: "* ]] ||
		fail "stderr does not begin with 'namecache: ': $stderr"
	[[ ${stderr_lines[0]} =~ $2 ]] || fail "stderr does not match /$2/: $stderr"
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr "$NC_CLI" --help
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --regexp '^usage: namecache run \[--stats\] \[--mode strict\|relaxed\|off\] \[--no-daemon\] \[--\] CMD'
	assert_line --regexp '^ +namecache stats \[FILE\.\.\.\]$'
	assert_output --partial '--stats'
	assert_output --partial '--mode MODE'
	assert_output --partial 'NAMECACHE_MODE'
}

@test "-h and help are the same as --help" {
	run --separate-stderr "$NC_CLI" --help
	assert_success
	local help=$output
	run --separate-stderr "$NC_CLI" -h
	assert_success
	assert_output "$help"
	run --separate-stderr "$NC_CLI" help
	assert_success
	assert_output "$help"
}

@test "--version prints the version from the public header" {
	local v
	v=$(sed -n 's/^#define NAMECACHE_VERSION "\(.*\)"/\1/p' "$NC_TOP/include/namecache.h")
	[ -n "$v" ]
	run --separate-stderr "$NC_CLI" --version
	assert_success
	[ -z "$stderr" ]
	assert_output "namecache $v"
}

@test "no arguments: usage on stderr, nothing on stdout, exit 2" {
	run --separate-stderr "$NC_CLI"
	assert_failure 2
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == "usage: namecache run "* ]] || fail "stderr: $stderr"
}

@test "an unknown command is one error line and exit 2" {
	run --separate-stderr "$NC_CLI" frobnicate
	assert_one_error 2 "unknown command 'frobnicate'"
}

@test "an unknown run option is one error line and exit 2" {
	run --separate-stderr "$NC_CLI" run --frob -- true
	assert_one_error 2 "unknown option '--frob'"
	run --separate-stderr "$NC_CLI" run -x true
	assert_one_error 2 "unknown option '-x'"
}

@test "--mode with a bad value is one error line and exit 2, and the command does not run" {
	local marker=$BATS_TEST_TMPDIR/ran
	run --separate-stderr "$NC_CLI" run --mode bogus -- touch "$marker"
	assert_one_error 2 "--mode 'bogus': expected strict, relaxed or off"
	[ ! -e "$marker" ]
	run --separate-stderr "$NC_CLI" run --mode=bogus -- touch "$marker"
	assert_one_error 2 "'bogus'"
	[ ! -e "$marker" ]
	run --separate-stderr "$NC_CLI" run --mode= -- touch "$marker"
	assert_one_error 2 "--mode ''"
	[ ! -e "$marker" ]
}

@test "--mode without a value is one error line and exit 2" {
	run --separate-stderr "$NC_CLI" run --mode
	assert_one_error 2 "--mode needs a value"
}

@test "run without a command is one error line and exit 2" {
	run --separate-stderr "$NC_CLI" run
	assert_one_error 2 "run: no command given"
	run --separate-stderr "$NC_CLI" run --
	assert_one_error 2 "run: no command given"
	run --separate-stderr "$NC_CLI" run --stats --mode off --
	assert_one_error 2 "run: no command given"
}

@test "NAMECACHE_MODE=bogus in the environment of run is one error line and exit 2" {
	local marker=$BATS_TEST_TMPDIR/ran
	NAMECACHE_MODE=bogus run --separate-stderr "$NC_CLI" run -- touch "$marker"
	assert_one_error 2 "^namecache: NAMECACHE_MODE='bogus': expected strict, relaxed or off$"
	[ ! -e "$marker" ]
	NAMECACHE_MODE=bogus run --separate-stderr "$NC_CLI" run --stats -- touch "$marker"
	assert_one_error 2 "NAMECACHE_MODE='bogus'"
	[ ! -e "$marker" ]
}

@test "NAMECACHE_STATS=relative in the environment of run is one error line and exit 2" {
	local marker=$BATS_TEST_TMPDIR/ran
	NAMECACHE_STATS=relative run --separate-stderr "$NC_CLI" run -- touch "$marker"
	assert_one_error 2 "^namecache: NAMECACHE_STATS='relative': expected an absolute path$"
	[ ! -e "$marker" ]
	NAMECACHE_STATS=relative run --separate-stderr "$NC_CLI" run --stats -- touch "$marker"
	assert_one_error 2 "NAMECACHE_STATS='relative'"
	[ ! -e "$marker" ]
}

@test "other bad NAMECACHE_* values are rejected the same way" {
	NAMECACHE_LOG=log.txt run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "NAMECACHE_LOG='log.txt'"
	NAMECACHE_MAX_STALE_US=soon run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "NAMECACHE_MAX_STALE_US='soon'"
	NAMECACHE_MAX_STALE_US=60000001 run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "NAMECACHE_MAX_STALE_US='60000001'"
	NAMECACHE_WARMUP=-1 run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "NAMECACHE_WARMUP='-1'"
	NAMECACHE_WARMUP=1000000001 run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "NAMECACHE_WARMUP='1000000001'"
	NAMECACHE_CHECK=io_uring run --separate-stderr "$NC_CLI" run -- true
	assert_one_error 2 "^namecache: NAMECACHE_CHECK='io_uring': expected auto, uring or epoll$"
}

@test "a mode given with --mode wins over a bad NAMECACHE_MODE" {
	NAMECACHE_MODE=bogus run --separate-stderr "$NC_CLI" run --mode off -- sh -c 'echo "$NAMECACHE_MODE"'
	assert_success
	assert_output off
	[ -z "$stderr" ]
}

@test "a nonexistent command is one error line and exit 127" {
	run -127 --separate-stderr "$NC_CLI" run -- "$BATS_TEST_TMPDIR/no-such-command"
	assert_one_error 127 ": No such file or directory$"
	[[ ${stderr_lines[0]} == "namecache: $BATS_TEST_TMPDIR/no-such-command: No such file or directory" ]]
	run -127 --separate-stderr "$NC_CLI" run -- no-such-command-namecache-test
	assert_one_error 127 "^namecache: no-such-command-namecache-test: No such file or directory$"
}

@test "a nonexistent command under --stats exits 127 and reports the error first" {
	run -127 --separate-stderr "$NC_CLI" run --stats -- no-such-command-namecache-test
	assert_failure 127
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "namecache: no-such-command-namecache-test: No such file or directory" ]
	[ "$(grep -c 'No such file' <<<"$stderr")" -eq 1 ]
}

@test "a file that is not executable is one error line and exit 126" {
	local f=$BATS_TEST_TMPDIR/not-exec
	printf '#!/bin/sh\necho ran\n' >"$f"
	chmod 644 "$f"
	run --separate-stderr "$NC_CLI" run -- "$f"
	assert_one_error 126 "^namecache: $f: Permission denied$"
	run --separate-stderr "$NC_CLI" run -- "$BATS_TEST_TMPDIR"
	assert_one_error 126 "^namecache: $BATS_TEST_TMPDIR: Permission denied$"
}

@test "namecache stats on a missing file is one error line and exit 1" {
	run --separate-stderr "$NC_CLI" stats "$BATS_TEST_TMPDIR/missing"
	assert_one_error 1 "stats: cannot open $BATS_TEST_TMPDIR/missing: No such file or directory"
}
