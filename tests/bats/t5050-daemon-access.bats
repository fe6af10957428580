#!/usr/bin/env bats
# Who may use a daemon.  A client of another user is refused (run with
# setpriv as nobody against a daemon of ours): by its own check of the
# socket directory, or, where the directory is made to look like its
# own, by the peer credentials either side reads (SO_PEERCRED).  A socket
# directory with the wrong owner or mode is refused by `daemon start`
# (one line, exit 1) and by clients (why=socket).  A refused client still
# answers right, from the in-process cache, and says why in its record.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
}

teardown() {
	ncd_teardown
}

# as_nobody NAME CMD...: as ncd_shim, as user nobody (group nogroup, no
# supplementary groups); the record goes to $S/NAME.rec.
as_nobody() {
	local name=$1 rc
	shift
	install -m 0666 /dev/null "$S/$name.rec"
	timeout -k 2 60 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 \
		NAMECACHE_STATS="$S/$name.rec" "$@" >"$T/$name.out" \
		2>"$T/$name.err" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$T/$name.rc"
}

# refused NAME WHY...: run NAME's records say cache=process and one of
# the reasons WHY...
refused() {
	local name=$1 rec=$S/$1.rec w n=0
	shift
	ncd_assert_all "$rec" cache=process
	for w in "$@"; do
		n=$((n + $(ncd_count "$rec" "why=$w")))
	done
	[ "$n" -eq "$(ncd_records "$rec")" ] ||
		fail "$name: not refused for $*: $(cat "$rec")"
}

# other_user: a daemon of ours on a socket in a directory other users can
# reach the socket's directory through, and a tree they can read ($S).
other_user() {
	nc_require setpriv
	[ "$(id -u)" -eq 0 ] || skip "needs root to run a client as nobody"
	ncd_shared_dir
	S=$REPLY
	NCD_DIR=$S/ncd
	export NAMECACHE_SOCKET=$NCD_DIR/socket
	ncd_tree "$S/tree" 40
	chmod -R a+rX "$S/tree"
	ncd_start
	ncd_shim root-ok "$LOOKUP" diff -t 200 -f "$S/tree.list"
	ncd_assert_all "$T/root-ok.rec" cache=shared
}

# as_nobody_own_dir NAME: as_nobody NAME with lookup-prog diff on the
# tree, the socket's directory and the socket made to look like the
# client's own (nobody's, mode 0700): only the peer credentials tell
# that the daemon is root's.
as_nobody_own_dir() {
	chown nobody:nogroup "$NCD_DIR" "$NAMECACHE_SOCKET"
	chmod 0700 "$NCD_DIR"
	as_nobody "$1" "$LOOKUP" diff -t 200 -f "$S/tree.list"
	chown -h root:root "$NCD_DIR" "$NAMECACHE_SOCKET"
	ncd_assert_no_difference "$1"
}

@test "a client of another user is refused, and answers right" {
	other_user
	# The directory is ours, mode 0755 for this case only: the client
	# finds the socket in a directory that is not its own.
	chmod 0755 "$NCD_DIR"
	as_nobody dir "$LOOKUP" diff -t 200 -f "$S/tree.list"
	chmod 0700 "$NCD_DIR"
	ncd_assert_no_difference dir
	refused dir socket creds refused

	as_nobody_own_dir cred
	ncd_assert_all "$S/cred.rec" cache=process

	# The daemon served none of them, and still serves us.
	ncd_status_value clients
	assert_equal "$REPLY" 0
	ncd_shim root-again "$LOOKUP" diff -t 200 -f "$S/tree.list"
	ncd_assert_no_difference root-again
	ncd_assert_all "$T/root-again.rec" cache=shared
}

@test "a client refused for its credentials says so (why=creds or refused)" {
	other_user
	as_nobody_own_dir cred
	refused cred creds refused
}

@test "daemon start refuses a socket directory of the wrong mode or owner: one line, exit 1" {
	mkdir -m 0755 "$NCD_DIR"
	run -1 ncd start
	[ "${#lines[@]}" -eq 1 ] || fail "start: $output"
	[ ! -e "$NAMECACHE_SOCKET" ] || fail "a socket was made"
	run -3 ncd status
	run ncd_daemons
	assert_output ''

	chmod 0700 "$NCD_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody "$NCD_DIR"
		run -1 ncd start
		[ "${#lines[@]}" -eq 1 ] || fail "start: $output"
		[ ! -e "$NAMECACHE_SOCKET" ] || fail "a socket was made"
		run ncd_daemons
		assert_output ''
		chown root "$NCD_DIR"
	fi
	ncd_start
}

@test "clients refuse a socket directory of the wrong mode or owner (why=socket) and answer right" {
	ncd_tree "$D/tree" 40
	ncd_start
	S=$T
	chmod 0755 "$NCD_DIR"
	ncd_shim mode "$LOOKUP" diff -r 3 -f "$D/tree.list"
	ncd_assert_no_difference mode
	ncd_assert_all "$T/mode.rec" cache=process
	ncd_assert_all "$T/mode.rec" why=socket
	chmod 0700 "$NCD_DIR"
	ncd_shim back "$LOOKUP" diff -t 200 -f "$D/tree.list"
	ncd_assert_all "$T/back.rec" cache=shared

	[ "$(id -u)" -eq 0 ] || return 0
	chown nobody "$NCD_DIR"
	ncd_shim owner "$LOOKUP" diff -r 3 -f "$D/tree.list"
	ncd_assert_no_difference owner
	ncd_assert_all "$T/owner.rec" cache=process
	ncd_assert_all "$T/owner.rec" why=socket
	chown root "$NCD_DIR"
}
