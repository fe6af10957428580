#!/usr/bin/env bats
# Attach and detach: with a daemon reachable on the socket, every process
# image under the shim attaches to the shared cache (cache=shared in its
# record), under `namecache run` as under LD_PRELOAD alone; without one,
# or with --no-daemon, it uses the in-process cache and says why.  A path
# one process looked up is a hit for the next process (no warmup in
# shared mode), and `namecache run` without a daemon runs a session
# daemon of its own for the command's lifetime only.  Answers are always
# those of a run without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
	ncd_tree "$D/tree" 50
	mapfile -t paths <"$D/tree.list"
	ncd_plain plain "$LOOKUP" show "${paths[@]}"
	assert_equal "$(cat "$T/plain.rc")" 0
}

teardown() {
	ncd_teardown
}

# under_run NAME ARGS...: `namecache run --stats ARGS... -- lookup-prog
# show PATHS` with the records also in NAME.rec; the table in NAME.stats.
under_run() {
	local name=$1 rc
	shift
	timeout -k 2 60 env NAMECACHE_STATS="$T/$name.rec" \
		"$NC_CLI" run --stats "$@" -- "$LOOKUP" show -w 200 "${paths[@]}" \
		>"$T/$name.out" 2>"$T/$name.raw" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$T/$name.rc"
	nc_split_stats "$T/$name.raw" "$T/$name.err" "$T/$name.stats"
}

@test "namecache run with a running daemon: every image attaches, the answers are the plain ones" {
	ncd_start
	under_run shared
	ncd_same_run plain shared
	ncd_assert_all "$T/shared.rec" cache=shared
	run grep '^namecache: shared cache: ' "$T/shared.stats"
	assert_output --regexp '^namecache: shared cache: [1-9][0-9]* process images? attached \([0-9]+ handed down, [0-9]+ without asking\), 0 in-process'
	ncd_status_value fills
	[ "$REPLY" -gt 0 ] || fail "the daemon filled nothing"
	ncd_wait_clients 0 5
}

@test "namecache run --no-daemon keeps the in-process cache and says why" {
	ncd_start
	under_run local --no-daemon
	ncd_same_run plain local
	ncd_assert_all "$T/local.rec" cache=process
	run grep -c ' why=[a-z]' "$T/local.rec"
	assert_output "$(ncd_records "$T/local.rec")"
	run grep '^namecache: shared cache: ' "$T/local.stats"
	assert_output --regexp '^namecache: shared cache: 0 process images? attached \(0 handed down, 0 without asking\), [1-9][0-9]* in-process \(.+\)'
	ncd_status_value fills
	assert_equal "$REPLY" 0
}

@test "LD_PRELOAD alone attaches to a reachable daemon, and without one is in-process (why=nodaemon)" {
	ncd_shim none "$LOOKUP" show "${paths[@]}"
	ncd_same_run plain none
	ncd_assert_all "$T/none.rec" cache=process
	ncd_assert_all "$T/none.rec" why=nodaemon

	ncd_start
	ncd_shim attached "$LOOKUP" show -w 200 "${paths[@]}"
	ncd_same_run plain attached
	ncd_assert_all "$T/attached.rec" cache=shared
	# A shell and the programs it starts: every image attaches.
	ncd_shim sh sh -c '"$0" show -w 200 "$@" && "$0" show -w 200 "$@" | cat' \
		"$LOOKUP" "${paths[@]}"
	[ "$(ncd_records "$T/sh.rec")" -ge 3 ] || fail "$(cat "$T/sh.rec")"
	ncd_assert_all "$T/sh.rec" cache=shared
}

@test "a process takes the daemon's descriptors itself (via=pidfd), and asks on the socket when the link names no daemon's arena" {
	nc_kernel_at_least 6 5 || skip "attaching without asking needs the watch ring (Linux 6.5)"
	ncd_start
	local link=$NAMECACHE_SOCKET.arena pid
	run readlink "$link"
	assert_output --regexp "^/proc/$NCD_PID/fd/[0-9]+\$"
	ncd_shim own "$LOOKUP" show -w 200 "${paths[@]}"
	ncd_same_run plain own
	ncd_assert_all "$T/own.rec" via=pidfd
	# ... and its lookups hit once the daemon filled its misses.
	ncd_quiet
	ncd_shim again "$LOOKUP" show "${paths[@]}"
	ncd_same_run plain again
	ncd_assert_all "$T/again.rec" via=pidfd
	ncd_assert_hit_share "$T/again.rec" 90
	# No link: the socket.
	mv "$link" "$T/link"
	ncd_shim gone "$LOOKUP" show -w 200 "${paths[@]}"
	ncd_same_run plain gone
	ncd_assert_all "$T/gone.rec" via=socket
	# A stale link: a pid that is gone, one reused by a process that holds
	# no arena, a descriptor that is not the arena, garbage.
	sleep 60 3>&- </dev/null >/dev/null 2>&1 &
	pid=$!
	for t in /proc/999999999/fd/7 "/proc/$pid/fd/0" "/proc/$NCD_PID/fd/0" \
		"/proc/$NCD_PID/fd/99999" /proc/x/fd/1 "/proc/$NCD_PID"; do
		ln -sfn "$t" "$link"
		rm -f "$T/stale.rec"
		ncd_shim stale "$LOOKUP" show -w 200 "${paths[@]}"
		ncd_same_run plain stale
		ncd_assert_all "$T/stale.rec" via=socket
	done
	kill "$pid"
	# The daemon removes its own link when it stops, not another's.
	mv -fT "$T/link" "$link"
	ncd stop
	ncd_wait_gone "$NCD_PID" 5
	[ ! -L "$link" ] || fail "the daemon left its link"
	ncd_start
	ln -sfn /proc/1/fd/0 "$link"
	ncd stop
	ncd_wait_gone "$NCD_PID" 5
	assert_equal "$(readlink "$link")" /proc/1/fd/0
}

@test "the arena is made of huge pages, and an attached process maps each with one entry" {
	ncd_start
	local i n=0 pid kb
	# The daemon collapses the chunks in use when it is idle.
	for ((i = 0; i < 50; i++)); do
		ncd_status_value "huge pages"
		n=${REPLY%% *}
		[ "$n" -ge 1 ] && break
		sleep 0.1
	done
	[[ $REPLY != *"cannot make them"* ]] ||
		skip "this kernel makes no huge pages of shared memory (MADV_COLLAPSE)"
	[ "$n" -ge 1 ] || fail "no huge page after 5 s: $REPLY"
	# A process that looked paths up and still runs: its mapping of the
	# arena, aligned to 2 MiB, has whole huge pages mapped (one fault
	# each), not 4 KiB pages.
	env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 "$LOOKUP" show -w 3000 \
		"${paths[@]}" >/dev/null 2>&1 </dev/null &
	pid=$!
	ncd_wait_attached 1
	kb=$(awk '/memfd:namecache-arena/ { a = 1; next }
		/^[0-9a-f]+-[0-9a-f]+ / { a = 0 }
		a && /^ShmemPmdMapped:/ { print $2 }' "/proc/$pid/smaps")
	kill "$pid"
	wait "$pid" || true
	[ -n "$kb" ] || fail "no arena mapping in the process's smaps"
	[ "$kb" -ge 2048 ] || fail "the arena is mapped in small pages only (ShmemPmdMapped: $kb kB)"
}

@test "a second process hits on the paths the first looked up" {
	ncd_plain plain1 "$LOOKUP" show -r 1 "${paths[@]}"
	ncd_start
	ncd_shim first "$LOOKUP" show -r 1 -w 200 "${paths[@]}"
	ncd_same_run plain1 first
	ncd_assert_all "$T/first.rec" cache=shared
	# The daemon fills asynchronously: a later process sees the fills
	# once they are made.
	local i h c
	for ((i = 0; i < 30; i++)); do
		rm -f "$T/second.rec"
		ncd_shim second "$LOOKUP" show -r 1 -w 200 "${paths[@]}"
		read -r h c < <(ncd_hits "$T/second.rec" "stat lstat")
		[ $((h * 10)) -ge $((c * 9)) ] && break
		sleep 0.1
	done
	ncd_same_run first second
	ncd_assert_all "$T/second.rec" cache=shared
	# Each path once per family in the second process: no repeat, so
	# every hit comes from what the first process's misses filled.
	ncd_assert_hit_share "$T/second.rec" 90 "stat lstat"
	ncd_status_value entries
	[ "$REPLY" -ge 50 ] || fail "the daemon has $REPLY entries"
}

@test "namecache run without a daemon runs a session daemon for the command only" {
	run -3 ncd status
	local rc=0
	timeout -k 2 60 env T="$T" NAMECACHE_STATS="$T/session.rec" \
		"$NC_CLI" run -- sh -c '"$0" show -w 200 "$@" >"$T/session.out" &&
			echo "$NAMECACHE_SOCKET" >"$T/socket" &&
			stat -c "%a %u" "${NAMECACHE_SOCKET%/*}" >"$T/mode" &&
			"$NC_CLI" daemon status >"$T/status"' \
		"$LOOKUP" "${paths[@]}" </dev/null || rc=$?
	assert_equal "$rc" 0
	nc_assert_same_file "$T/plain.out" "$T/session.out"
	ncd_assert_all "$T/session.rec" cache=shared
	local sock pid
	sock=$(cat "$T/socket")
	[ -n "$sock" ] && [ "$sock" != "$NAMECACHE_SOCKET" ] ||
		fail "the command's socket: '$sock'"
	assert_equal "$(cat "$T/mode")" "700 $(id -u)"
	pid=$(sed -n 's/^pid: //p' "$T/status")
	[[ $pid =~ ^[0-9]+$ ]] || fail "no session daemon: $(cat "$T/status")"
	# Stopped with the command, and its socket gone.
	ncd_wait_gone "$pid" 5
	[ ! -e "$sock" ] || fail "the session socket $sock is left"
	run -3 ncd status
}

@test "a daemon that answers 150 ms late still gets the process attached" {
	# A daemon can be busy in one long system call (its first watch on a
	# directory with many cached entries took 55 ms here): a process that
	# asked meanwhile passes through, then attaches when the reply comes,
	# and gets hits after that.  Stopped for 150 ms here.
	local h c
	ncd_start
	ncd_shim warm "$LOOKUP" show "${paths[@]}"
	ncd_quiet
	kill -STOP "$NCD_PID"
	(
		sleep 0.15
		kill -CONT "$NCD_PID"
	) &
	ncd_shim late "$LOOKUP" show -w 600 "${paths[@]}"
	wait
	ncd_same_run plain late
	ncd_assert_all "$T/late.rec" cache=shared
	read -r h c < <(ncd_hits "$T/late.rec")
	[ "$h" -gt 100 ] || fail "$h hits of $c lookups: $(cat "$T/late.rec")"
}

@test "a shell that waits past the attach deadline takes the reply that came meanwhile" {
	# bash asks at its start, while the daemon is stopped, then makes no
	# lookup while it waits on a pipe for longer than the 250 ms a reply
	# is waited for; the reply came meanwhile.  Its next lookup takes it
	# instead of giving up for a cache of its own (which its children
	# would then not be handed either).  The socket is asked
	# (NAMECACHE_CHECK=epoll: no descriptors taken through a pidfd).
	ncd_start
	ncd_shim warm "$LOOKUP" show "${paths[@]}"
	ncd_quiet
	mkfifo "$T/go"
	kill -STOP "$NCD_PID"
	(
		sleep 0.1
		kill -CONT "$NCD_PID"
		sleep 0.5
		echo >"$T/go"
	) &
	(
		export NAMECACHE_CHECK=epoll
		ncd_shim idle bash -c 'read -r _ <"$1"; [ -e "$2" ] && "$2" show "${@:3}"' \
			sh "$T/go" "$LOOKUP" "${paths[@]}"
	)
	wait
	[ "$(cat "$T/idle.rc")" = 0 ] || fail "bash failed: $(cat "$T/idle.err")"
	[ "$(ncd_count "$T/idle.rec" why=slow)" = 0 ] ||
		fail "an image gave up on the reply: $(cat "$T/idle.rec")"
	run awk '/ comm=bash / && / cache=shared / && / via=socket /' "$T/idle.rec"
	[ -n "$output" ] || fail "bash did not attach by the socket: $(cat "$T/idle.rec")"
}

@test "a process that sends its ring and exits before the daemon reads it still has its hints served" {
	# A process attached through the pidfd sends its ring on its first
	# miss and may exit a millisecond later; a daemon that accepted the
	# connection before the ring came, and looks again only after the
	# process has gone, sees the ring and the hang-up at once.  It must
	# read the ring before it closes.  A new daemon is the busiest at
	# that moment (its first fills and huge pages): eight rounds with a
	# new one each, a new tree each, one short process each.
	local round pid i
	for ((round = 0; round < 8; round++)); do
		ncd_start
		pid=$NCD_PID
		mkdir -p "$D/s$round/src"
		for ((i = 0; i < 20; i++)); do
			echo "$i" >"$D/s$round/src/f$i"
		done
		sleep 0.3
		(cd "$D/s$round" && ncd_shim short$round "$LOOKUP" show src/f*)
		ncd_settled
		ncd_status_value fills
		[ "$REPLY" -gt 0 ] ||
			fail "round $round: the daemon filled nothing: $(cat "$T/short$round.rec")"
		run -0 ncd stop
		ncd_wait_gone "$pid" 5
	done
}
