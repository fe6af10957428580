#!/usr/bin/env bats
# contrib/deps.sh, the package step of `make check`, `make demo` and
# `make bench`: as root it installs what is missing with one apt-get line;
# as another user a missing required package prints that exact line and
# stops make before anything is built or run, while missing optional
# packages are a note.  Missing packages are simulated with names that no
# Debian archive has (NC_DEPS_EXTRA, NC_DEPS_EXTRA_OPTIONAL); nothing is
# installed (NC_DEPS_DRY_RUN).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	deps=$NC_TOP/contrib/deps.sh
	own_dir=
}

teardown() {
	[ -z "$own_dir" ] || rm -rf "$own_dir"
}

# as_nobody CMD...: run CMD as an unprivileged user (setpriv; needs root).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$@"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch users"
	nc_require setpriv
}

@test "the package lists: what the tests cannot run without, and the optional ones" {
	run --separate-stderr "$deps" --list check
	assert_success
	assert_line --index 0 --regexp '^required: gcc make pkg-config libc6-dev libck-dev libxxhash-dev( [a-z0-9.+-]+)+$'
	local p
	for p in bats bats-assert bats-support inotify-tools git python3; do
		[[ " ${lines[0]} " == *" $p "* ]] || fail "$p is not required"
	done
	for p in bindfs xfsprogs btrfs-progs strace libjemalloc2 ninja-build systemd; do
		[[ ${lines[1]} == "optional: "* && " ${lines[1]#optional: } " == *" $p "* ]] ||
			fail "$p is not optional"
	done
	run --separate-stderr "$deps" --list demo
	assert_output $'required: gcc make pkg-config libc6-dev libck-dev libxxhash-dev git\noptional: '
	run --separate-stderr "$deps" --list nonsense
	assert_failure 2
}

@test "as another user: a missing required package is the exact apt-get line and status 1" {
	need_root
	run --separate-stderr as_nobody env NC_DEPS_EXTRA="nc-no-such-package-a nc-no-such-package-b" \
		NC_DEPS_EXTRA_OPTIONAL=nc-no-such-optional "$deps" check
	assert_failure 1
	[ -z "$output" ]
	assert_equal "$stderr" "deps (check): missing Debian packages; run as root:
  apt-get install -y nc-no-such-package-a nc-no-such-package-b nc-no-such-optional"
	# Only optional ones missing: a note, and on it goes.
	run --separate-stderr as_nobody env NC_DEPS_EXTRA_OPTIONAL=nc-no-such-optional "$deps" check
	assert_success
	assert_equal "$stderr" "deps (check): optional packages missing, their tests will skip; to run them, as root:
  apt-get install -y nc-no-such-optional"
	# NC_DEPS=no: nothing is checked.
	run --separate-stderr as_nobody env NC_DEPS=no NC_DEPS_EXTRA=nc-no-such-package-a "$deps" check
	assert_success
	[ -z "$stderr" ]
}

@test "as another user, make check stops before building or running anything" {
	need_root
	own_dir=$(mktemp -d /tmp/nc-t0020.XXXXXX)
	tar -C "$NC_TOP" --exclude='./build*' -cf - Makefile contrib include man src tests |
		tar -C "$own_dir" -xf -
	chown -R 65534:65534 "$own_dir"
	run --separate-stderr as_nobody env NC_DEPS_EXTRA=nc-no-such-package \
		make -C "$own_dir" --no-print-directory check
	assert_failure 2
	[[ $stderr == *$'deps (check): missing Debian packages; run as root:\n  apt-get install -y nc-no-such-package\n'* ]] ||
		fail "no apt-get line: $stderr"
	[ -z "$output" ] || fail "make did something: $output"
	[ ! -e "$own_dir/build" ] || fail "make built something: $(ls "$own_dir/build")"
	# check-nodeps skips the step (and builds).
	run as_nobody env NC_DEPS_EXTRA=nc-no-such-package \
		make -C "$own_dir" --no-print-directory -n check-nodeps
	assert_success
	[[ $output != *deps.sh* ]]
}

@test "as root: one apt-get line installs every missing package, required and optional" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	run --separate-stderr env NC_DEPS_DRY_RUN=1 NC_DEPS_EXTRA="nc-a nc-b" \
		NC_DEPS_EXTRA_OPTIONAL=nc-c "$deps" check demo
	assert_success
	assert_equal "$stderr" "deps (check demo): installing nc-a nc-b nc-c
  apt-get install -y -qq --no-install-recommends nc-a nc-b nc-c"
	# A package apt does not know (or no network): apt's own messages,
	# then one line, and status 1.
	run --separate-stderr env NC_DEPS_EXTRA=nc-no-such-package "$deps" build
	assert_failure 1
	[[ $stderr == *"E: "*"deps (build): apt-get failed" ]]
}
