#!/usr/bin/env bats
# A daemon stopped or killed and a new one started on the same socket:
# new processes attach to the new daemon and get hits from it; a socket
# left behind by a killed daemon does not stop the new one; and a process
# that was attached to the old daemon keeps answering right and attaches
# to the new one.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
	ncd_tree "$D/tree" 50
	mapfile -t paths <"$D/tree.list"
	ncd_plain plain "$LOOKUP" show -r 1 "${paths[@]}"
}

teardown() {
	ncd_teardown
}

# attached_with_hits NAME: a process attaches and, at its second try at
# the latest (the fills of the first), gets hits on the tree.
attached_with_hits() {
	local i h c
	for ((i = 0; i < 30; i++)); do
		rm -f "$T/$1.rec"
		ncd_shim "$1" "$LOOKUP" show -r 1 -w 200 "${paths[@]}"
		ncd_same_run plain "$1"
		read -r h c < <(ncd_hits "$T/$1.rec" "stat lstat")
		if [ $((h * 10)) -ge $((c * 9)) ]; then
			ncd_assert_all "$T/$1.rec" cache=shared
			return 0
		fi
		sleep 0.1
	done
	fail "$1: $h hits of $c lookups"
}

@test "stop, then a new daemon: new processes attach to it and get hits" {
	ncd_start
	local old=$NCD_PID
	attached_with_hits one
	run -0 ncd stop
	ncd_wait_gone "$old" 5
	ncd_shim between "$LOOKUP" show -r 1 "${paths[@]}"
	ncd_same_run plain between
	ncd_assert_all "$T/between.rec" why=nodaemon

	ncd_start
	[ "$NCD_PID" != "$old" ] || fail "the same pid $old"
	# A new cache: not the tree's 110 paths.
	ncd_status_value entries
	[ "$REPLY" -lt 10 ] || fail "the new daemon starts with $REPLY entries"
	attached_with_hits two
}

@test "a daemon killed with SIGKILL leaves its socket; a new daemon starts on it" {
	ncd_start
	local old=$NCD_PID
	attached_with_hits one
	kill -KILL "$old"
	ncd_wait_gone "$old" 5
	[ -S "$NAMECACHE_SOCKET" ] || fail "the killed daemon's socket is gone"
	run -3 ncd status
	run -1 ncd stop
	ncd_start
	[ "$NCD_PID" != "$old" ] || fail "the same pid $old"
	attached_with_hits two
}

# live_across_restart: a client asking about the tree (and about a new
# path every round) from before a stop to after the next start, while
# the tree changes with no daemon and then under the new one.
live_across_restart() {
	ncd_start
	(ncd_shim live "$LOOKUP" diff -t 5000 -u "$D/tree/new." -s "$PAGE" \
		-f "$D/tree.list") &
	live=$!
	NCD_PIDS+=("$live")
	ncd_wait_clients 1 5
	run -0 ncd stop
	ncd_step sh -c 'echo more >>"$0"' "$D/tree/f1"
	ncd_step rm "$D/tree/f2"
	ncd_start
}

@test "a process attached to the old daemon answers right across a restart" {
	live_across_restart
	ncd_step sh -c 'echo again >>"$0"' "$D/tree/f1"
	ncd_step mkdir "$D/tree/f2"
	nc_wait_pid "$live" 30
	ncd_assert_no_difference live
	ncd_assert_all "$T/live.rec" cache=shared
}

# A process does not move to another daemon's cache (other threads may be
# walking the old one); it leaves the shared cache and says why.
@test "a process whose daemon went away leaves the shared cache (why=lost)" {
	live_across_restart
	ncd_step sh -c 'echo again >>"$0"' "$D/tree/f1"
	nc_wait_pid "$live" 30
	ncd_assert_no_difference live
	run grep -c ' cache=shared why=lost ' "$T/live.rec"
	assert_output 1
}
