#!/usr/bin/env bats
# `namecache doctor`: one line per item the cache relies on, with a
# status word; exit status 1 exactly when an item makes the cache useless
# where it runs (FAIL), and the line says what to do about it.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	own_dir=
}

teardown() {
	[ -z "$own_dir" ] || rm -rf "$own_dir"
}

# item NAME: the doctor line of item NAME in $output (fails if absent).
item() {
	local l re="^(ok|warn|FAIL|info) +$1 +[^ ]"
	for l in "${lines[@]}"; do
		if [[ $l =~ $re ]]; then
			printf '%s\n' "$l"
			return 0
		fi
	done
	fail "no line for item '$1' in: $output"
}

@test "doctor prints one line per item, each with a status, and exits 0 in a cacheable directory" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$NC_CLI" doctor
	assert_success
	[ -z "$stderr" ]
	local l n=0 re="^(ok|warn|info) +[a-z_]+( [a-z]+)? +[^ ]"
	for l in "${lines[@]}"; do
		[[ $l =~ $re ]] ||
			fail "malformed or failing line: $l"
		n=$((n + 1))
	done
	assert_equal "$n" 10
	for l in library kernel environment 'inotify instances' \
		'inotify watches' io_uring fanotify filesystem glibc daemon; do
		item "$l" >/dev/null
	done
	[[ $(item kernel) == "ok "*"Linux $(uname -r) (5.17 or later)" ]]
	[[ $(item glibc) == *" $(getconf GNU_LIBC_VERSION | cut -d' ' -f2) "* ]]
	[[ $(item filesystem) == *"$BATS_TEST_TMPDIR is on "*": cacheable" ]]
	[[ $(item library) == *"$NC_SHIM"* ]] ||
		[[ $(item library) == *"/lib/libnamecache.so"* ]]
}

@test "doctor fails where nothing is cached: a pseudo filesystem, and says what to do" {
	cd /proc
	run --separate-stderr "$NC_CLI" doctor
	assert_failure 1
	[[ $(item filesystem) == "FAIL "*"/proc is on proc (f_type 0x9fa0)"*"work on a local filesystem"* ]]
	# Only that item fails.
	run grep -c '^FAIL' <<<"$output"
	assert_output 1
}

@test "doctor fails on an invalid or off NAMECACHE_MODE, naming the variable" {
	cd "$BATS_TEST_TMPDIR"
	NAMECACHE_MODE=bogus run --separate-stderr "$NC_CLI" doctor
	assert_failure 1
	[[ $(item environment) == "FAIL "*"NAMECACHE_MODE='bogus'"*"fix or unset it" ]]
	NAMECACHE_MODE=off run --separate-stderr "$NC_CLI" doctor
	assert_failure 1
	[[ $(item environment) == "FAIL "*"NAMECACHE_MODE=off"* ]]
	NAMECACHE_MODE=relaxed NAMECACHE_WARMUP=7 run --separate-stderr "$NC_CLI" doctor
	assert_success
	[[ $(item environment) == "ok "*"mode relaxed, NAMECACHE_WARMUP 7,"* ]]
}

@test "doctor fails under a kernel release older than 5.17 (setarch --uname-2.6)" {
	nc_require setarch
	[[ $(setarch "$(uname -m)" --uname-2.6 uname -r) == 2.6.* ]] ||
		skip "setarch --uname-2.6 does not change the release here"
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr setarch "$(uname -m)" --uname-2.6 "$NC_CLI" doctor
	assert_failure 1
	[[ $(item kernel) == "FAIL "*"Linux 2.6."*"boot Linux 5.17 or later" ]]
}

@test "doctor counts the inotify instances and watches the user's processes hold" {
	# A user of its own (no other process of it runs), holding one
	# inotify instance with three watches (inotifywait -m on three
	# directories), then the same user's doctor.
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as a user of its own"
	nc_require setpriv inotifywait
	local uid=54329 d pid
	own_dir=$(mktemp -d /tmp/nc-t1030.XXXXXX)
	d=$own_dir
	mkdir -p "$d/a" "$d/b" "$d/c"
	chmod -R a+rX "$d"
	run setpriv --reuid=$uid --regid=$uid --clear-groups "$NC_CLI" doctor
	[[ $(item 'inotify instances') == "ok "*" 0 of "*" in use by uid $uid, "* ]]
	[[ $(item 'inotify watches') == "ok "*" 0 of "*" in use by uid $uid, "* ]]
	setpriv --reuid=$uid --regid=$uid --clear-groups \
		inotifywait -m -q "$d/a" "$d/b" "$d/c" >/dev/null 2>"$BATS_TEST_TMPDIR/iw.err" 3>&- &
	pid=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c 'inotify wd:' /proc/$pid/fdinfo/* 2>/dev/null | awk -F: '{s += $2} END {print s + 0}')" -eq 3 ] && break
		sleep 0.05
	done
	run setpriv --reuid=$uid --regid=$uid --clear-groups "$NC_CLI" doctor
	kill "$pid"
	wait "$pid" || true
	local max
	max=$(cat /proc/sys/fs/inotify/max_user_watches)
	[[ $(item 'inotify instances') == "ok "*" 1 of "*" in use by uid $uid, "* ]]
	[[ $(item 'inotify watches') == "ok "*" 3 of $max in use by uid $uid, $((max - 3)) left"* ]]
}

@test "doctor probes io_uring with the strict check's flags and fanotify, and names the daemon's socket" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr env -u NAMECACHE_SOCKET XDG_RUNTIME_DIR=/run/user/4242 "$NC_CLI" doctor
	assert_success
	[[ $(item io_uring) == "ok "*"SINGLE_ISSUER|DEFER_TASKRUN|COOP_TASKRUN|TASKRUN_FLAG can be set up"* ]] ||
		[[ $(item io_uring) == "info "*"not available: io_uring_setup: "* ]]
	if [ -r /proc/sys/kernel/io_uring_disabled ]; then
		[[ $(item io_uring) == *"kernel.io_uring_disabled=$(cat /proc/sys/kernel/io_uring_disabled)"* ]]
	fi
	[[ $(item fanotify) == "info "* ]]
	[[ $(item daemon) == "info "*"not running (socket /run/user/4242/namecache/socket)"* ]]
	NAMECACHE_SOCKET=/tmp/elsewhere.sock run --separate-stderr "$NC_CLI" doctor
	assert_success
	[[ $(item daemon) == *"(socket /tmp/elsewhere.sock)"* ]]
	run --separate-stderr env -u NAMECACHE_SOCKET -u XDG_RUNTIME_DIR "$NC_CLI" doctor
	[[ $(item daemon) == *"(socket /tmp/namecache-$(id -u)/socket)"* ]]
	NAMECACHE_SOCKET=none run --separate-stderr "$NC_CLI" doctor
	[[ $(item daemon) == "info "*"every process caches for itself"* ]]
	# A running daemon is named as such.
	mkdir -m 700 sockdir
	NAMECACHE_SOCKET=$PWD/sockdir/socket "$NC_CLI" daemon start
	NAMECACHE_SOCKET=$PWD/sockdir/socket run --separate-stderr "$NC_CLI" doctor
	NAMECACHE_SOCKET=$PWD/sockdir/socket "$NC_CLI" daemon stop
	[[ $(item daemon) == "ok "*"running on socket $PWD/sockdir/socket"* ]]
}

@test "doctor takes no arguments" {
	run --separate-stderr "$NC_CLI" doctor extra
	assert_failure 2
	[ -z "$output" ]
	[[ $stderr == "namecache: doctor: unexpected argument 'extra'"* ]]
}
