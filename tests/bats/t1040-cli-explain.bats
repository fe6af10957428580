#!/usr/bin/env bats
# `namecache explain PATH...`: whether lookups of each path would be
# answered from the cache, and if not why.  Each verdict is checked
# against the shim itself: a bash that tests the path 20 more times under
# `namecache run --stats` (NAMECACHE_WARMUP=0) gets 20 more cache hits
# than with no repetition exactly when explain says "cached" (with the
# process's own cache: the shared one fills asynchronously, so a count of
# hits there depends on timing; the daemon runs the same fill).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/d/e"
	echo x >"$T/d/f"
	ln -s f "$T/d/l"
	ln -s .. "$T/d/e/up"
	ln -s missing "$T/d/dangling"
	ln -s loop2 "$T/d/loop1"
	ln -s loop1 "$T/d/loop2"
	own_dir=
}

teardown() {
	[ -z "$own_dir" ] || rm -rf "$own_dir"
}

# hits_of PATH N [ENV...]: the cache hits of a bash that tests PATH N
# times (the total row of the stats table).
hits_of() {
	local p=$1 n=$2
	shift 2
	env NAMECACHE_WARMUP=0 "$@" "$NC_CLI" run --stats --no-daemon -- bash -c \
		'for ((i = 0; i < $2; i++)); do [ -e "$1" ]; done' _ "$p" "$n" \
		2>&1 >/dev/null | awk '$1 == "total" { print $6 }'
}

# extra_hits PATH [ENV...]: the hits 20 more lookups of PATH add.
extra_hits() {
	local a b
	a=$(hits_of "$1" 1 "${@:2}")
	b=$(hits_of "$1" 21 "${@:2}")
	echo $((b - a))
}

@test "explain: files, directories, links and missing names on a local filesystem are cached, and the shim hits them" {
	cd "$T"
	run --separate-stderr "$NC_CLI" explain "$T/d/f" "$T/d" d/l "$T/d/e/up/e/up/f" \
		"$T/d/dangling" "$T/d/nothing" "$T/d/f/x" /
	assert_success
	assert_line --index 0 "$T/d/f: cached (resolved: $T/d/f)"
	assert_line --index 1 "$T/d: cached (resolved: $T/d)"
	assert_line --index 2 "d/l: cached (resolved: $T/d/f)"
	assert_line --index 3 "$T/d/e/up/e/up/f: cached (resolved: $T/d/f)"
	assert_line --index 4 "$T/d/dangling: cached: $T/d/missing does not exist: the cache answers ENOENT (a negative entry)"
	assert_line --index 5 "$T/d/nothing: cached: $T/d/nothing does not exist: the cache answers ENOENT (a negative entry)"
	assert_line --index 6 "$T/d/f/x: cached: $T/d/f is not a directory: the cache answers ENOTDIR"
	assert_line --index 7 "/: cached (resolved: /)"
	run --separate-stderr "$NC_CLI" explain "$T/d/loop1" "$T/d/f/"
	assert_success
	assert_line --index 0 "$T/d/loop1: cached: $T/d/loop1: too many symbolic links: the cache answers ELOOP"
	assert_line --index 1 "$T/d/f/: cached: $T/d/f is not a directory: the cache answers ENOTDIR"
	local p
	for p in "$T/d/f" "$T/d/l" "$T/d/nothing" "$T/d/f/x" "$T/d/loop1" "$T/d/f/"; do
		[ "$(extra_hits "$p")" -ge 20 ] || fail "no hits for $p under the shim"
	done
	# --nofollow: the link itself.
	run --separate-stderr "$NC_CLI" explain --nofollow "$T/d/dangling"
	assert_success
	assert_output --partial "$T/d/dangling: cached (resolved: $T/d/dangling)"
}

@test "explain: a pseudo filesystem is not cached, the filesystem named; the shim agrees" {
	run --separate-stderr "$NC_CLI" explain /proc/self/status "$T/d/f"
	assert_failure 1
	assert_line --index 0 "/proc/self/status: not cached: /proc: its filesystem does not report every change through inotify (network, FUSE, overlay, pseudo) or has case-insensitive names (proc, 0x9fa0)"
	assert_line --index 1 "$T/d/f: cached (resolved: $T/d/f)"
	assert_equal "$(extra_hits /proc/self/status)" 0
	run --separate-stderr "$NC_CLI" explain /sys/kernel
	assert_failure 1
	assert_output --partial "(sysfs, 0x62656572)"
	assert_equal "$(extra_hits /sys/kernel)" 0
}

@test "explain: a directory the user may not search, or not read (no watch), is not cached; the shim agrees" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as a user of its own"
	nc_require setpriv
	own_dir=$(mktemp -d /tmp/nc-t1040.XXXXXX)
	chmod 755 "$own_dir"
	mkdir -m 700 "$own_dir/private"
	mkdir -m 711 "$own_dir/xonly"
	: >"$own_dir/private/f"
	: >"$own_dir/xonly/f"
	: >"$own_dir/open"
	chmod 644 "$own_dir/open" "$own_dir/xonly/f"
	local as=(setpriv --reuid=54330 --regid=54330 --clear-groups)
	run --separate-stderr "${as[@]}" "$NC_CLI" explain "$own_dir/private/f" \
		"$own_dir/xonly/f" "$own_dir/open"
	assert_failure 1
	assert_line --index 0 "$own_dir/private/f: not cached: $own_dir/private cannot be searched: Permission denied (lookups in it go to the C library)"
	assert_line --index 1 "$own_dir/xonly/f: not cached: $own_dir/xonly cannot be watched: Permission denied"
	assert_line --index 2 "$own_dir/open: cached (resolved: $own_dir/open)"
	assert_equal "$(extra_hits "$own_dir/private/f" "${as[@]}")" 0
	assert_equal "$(extra_hits "$own_dir/xonly/f" "${as[@]}")" 0
	[ "$(extra_hits "$own_dir/open" "${as[@]}")" -ge 20 ]
}

@test "explain: a file bind-mounted from another filesystem is not cached; the shim agrees" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount"
	unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
	mkdir "$T/t"
	declare -f hits_of extra_hits >"$BATS_TEST_TMPDIR/fns"
	# In a private mount namespace: a tmpfs, and its file bound over d/f.
	run unshare -m bash -c '
		set -e
		mount -t tmpfs none "$1/t"
		echo other >"$1/t/src"
		mount --bind "$1/t/src" "$1/d/f"
		source "$2"
		"$NC_CLI" explain "$1/d/f" "$1/t/src" || echo "status $?"
		echo "extra hits $(extra_hits "$1/d/f") $(extra_hits "$1/t/src")"' \
		_ "$T" "$BATS_TEST_TMPDIR/fns"
	assert_success
	assert_line --index 0 "$T/d/f: not cached: $T/d/f: a file on another mount than its directory (a bind mount)"
	assert_line --index 1 "$T/t/src: cached (resolved: $T/t/src)"
	assert_line --index 2 "status 1"
	[[ ${lines[3]} =~ ^extra\ hits\ 0\ ([0-9]+)$ ]] || fail "${lines[3]}"
	[ "${BASH_REMATCH[1]}" -ge 20 ]
}

@test "explain: NAMECACHE_MODE=off, a bad setting and an old kernel refuse every path; the shim agrees" {
	NAMECACHE_MODE=off run --separate-stderr "$NC_CLI" explain "$T/d/f"
	assert_failure 1
	assert_output "$T/d/f: not cached: NAMECACHE_MODE is off"
	assert_equal "$(extra_hits "$T/d/f" NAMECACHE_MODE=off)" 0
	NAMECACHE_WARMUP=lots run --separate-stderr "$NC_CLI" explain "$T/d/f"
	assert_failure 1
	assert_output --partial "$T/d/f: not cached: NAMECACHE_WARMUP='lots'"
	nc_require setarch
	[[ $(setarch "$(uname -m)" --uname-2.6 uname -r) == 2.6.* ]] ||
		skip "setarch --uname-2.6 does not change the release here"
	run --separate-stderr setarch "$(uname -m)" --uname-2.6 "$NC_CLI" explain "$T/d/f"
	assert_failure 1
	assert_output "$T/d/f: not cached: the kernel is older than 5.17: its inotify may report a deletion before it is done"
	assert_equal "$(extra_hits "$T/d/f" setarch "$(uname -m)" --uname-2.6)" 0
}

@test "explain: usage errors" {
	run --separate-stderr "$NC_CLI" explain
	assert_failure 2
	[[ $stderr == "namecache: explain: no path given"* ]]
	run --separate-stderr "$NC_CLI" explain --bogus x
	assert_failure 2
	[[ $stderr == "namecache: explain: unknown option '--bogus'"* ]]
}
