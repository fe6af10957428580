#!/usr/bin/env bats
# namecache daemon start, status and stop: exit statuses and messages,
# the status keys, a second start, the foreground form for service
# managers (SIGTERM, SIGINT, stop), socket activation through LISTEN_FDS,
# by a listener of our own and by systemd-socket-activate, and a daemon
# of an older protocol still running after an upgrade.
# Each test has a daemon of its own on a private socket (lib-daemon.bash).

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

STATUS_KEYS=(socket pid uptime clients entries memory "bytes per entry"
	fills events overflows flushes)

# no_status: `daemon status` finds no daemon: status 3, one line on
# stderr, nothing on stdout but the socket it tried.
no_status() {
	run -3 --separate-stderr ncd status
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "status without a daemon: $stderr"
	[[ -z $output || $output == "socket: $NAMECACHE_SOCKET" ]] ||
		fail "status without a daemon printed: $output"
}

@test "start, status and stop: exit statuses, the status keys, the socket directory" {
	no_status

	run -0 ncd start
	[ -S "$NAMECACHE_SOCKET" ] || fail "no socket at $NAMECACHE_SOCKET"
	assert_equal "$(stat -c '%a %u' "$NCD_DIR")" "700 $(id -u)"

	run -0 ncd status
	local k
	for k in "${STATUS_KEYS[@]}"; do
		assert_line --regexp "^$k: [^ ]"
	done
	assert_line "socket: $NAMECACHE_SOCKET"
	ncd_status_value pid
	local pid=$REPLY
	kill -0 "$pid" || fail "the daemon's pid $pid is not running"
	ncd_status_value clients
	assert_equal "$REPLY" 0

	run -0 ncd stop
	# Stopped when stop returns.
	ncd_wait_gone "$pid" 1
	no_status

	run -1 ncd stop
	assert_output "namecache: no daemon is running on $NAMECACHE_SOCKET"
}

@test "a second start finds the daemon running: one line, exit 0, the same daemon" {
	ncd_start
	local pid=$NCD_PID
	run -0 ncd start
	[ "${#lines[@]}" -eq 1 ] || fail "second start: $output"
	ncd_status_value pid
	assert_equal "$REPLY" "$pid"
	run ncd_daemons
	assert_output "$pid"
}

@test "--arena-mb sets the arena the daemon reports" {
	ncd_start --arena-mb 8
	ncd_status_value memory
	[ -n "$REPLY" ] || fail "no memory in the status"
	run -0 ncd stop
}

# fg_serving: wait until the daemon $fg (started in the background, its
# stderr in $T/fg.err) answers status, as itself.
fg_serving() {
	local i
	for ((i = 0; i < 100; i++)); do
		ncd status >/dev/null 2>&1 && break
		kill -0 "$fg" 2>/dev/null ||
			fail "the daemon ended: $(cat "$T/fg.err")"
		sleep 0.05
	done
	ncd_status_value pid
	assert_equal "$REPLY" "$fg"
}

# fg_start ARGS...: `namecache ARGS...` in the background (the daemon in
# the foreground), its pid in $fg; wait until its status answers.
fg_start() {
	"$NC_CLI" "$@" >"$T/fg.out" 2>"$T/fg.err" </dev/null &
	fg=$!
	NCD_PIDS+=("$fg")
	fg_serving
}

@test "--foreground: runs until SIGTERM, SIGINT or stop, each ending it with status 0" {
	fg_start daemon start --foreground
	kill -TERM "$fg"
	nc_wait_pid "$fg" 5
	assert_equal "$status" 0
	run -3 ncd status

	fg_start daemon --foreground
	kill -INT "$fg"
	nc_wait_pid "$fg" 5
	assert_equal "$status" 0
	run -3 ncd status

	fg_start daemon --foreground
	run -0 ncd stop
	nc_wait_pid "$fg" 5
	assert_equal "$status" 0
	run -3 ncd status
}

# attached NAME: a program run under the shim now attaches (cache=shared).
attached() {
	ncd_tree "$D/tree" 10
	ncd_shim "$1" "$LOOKUP" show -w 200 "$D/tree/f1" "$D/tree/l10"
	assert_equal "$(cat "$T/$1.rc")" 0
	ncd_assert_all "$T/$1.rec" cache=shared
}

@test "socket activation: LISTEN_FDS=1 with our pid, the daemon serves on descriptor 3" {
	local py
	py=$(nc_python)
	mkdir -m 0700 "$NCD_DIR"
	# A listener in the style of a service manager: it binds the
	# socket, moves it to descriptor 3 and becomes the daemon.
	"$py" -c '
import os, socket, sys
path = os.environ["NAMECACHE_SOCKET"]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(64)
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % os.stat(path).st_ino)
os.dup2(s.fileno(), 3)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
' "$T/ino" "$NC_CLI" daemon --foreground >"$T/fg.out" 2>"$T/fg.err" \
		</dev/null &
	fg=$!
	NCD_PIDS+=("$fg")
	nc_wait_file "$T/ino" 5
	fg_serving
	# The socket the listener bound, not one of the daemon's making.
	assert_equal "$(stat -c %i "$NAMECACHE_SOCKET")" "$(cat "$T/ino")"
	attached a
	kill -TERM "$fg"
	nc_wait_pid "$fg" 5
	assert_equal "$status" 0
}

@test "socket activation by systemd-socket-activate" {
	nc_require systemd-socket-activate
	mkdir -m 0700 "$NCD_DIR"
	systemd-socket-activate -l "$NAMECACHE_SOCKET" -E NAMECACHE_SOCKET \
		-E PATH "$NC_CLI" daemon --foreground >"$T/fg.out" \
		2>"$T/fg.err" </dev/null &
	fg=$!
	NCD_PIDS+=("$fg")
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$NAMECACHE_SOCKET" ] && break
		sleep 0.05
	done
	# The first connection starts the daemon.
	fg_serving
	attached b
	kill -TERM "$fg"
	nc_wait_pid "$fg" 5
	assert_equal "$status" 0
}

@test "a daemon of an older protocol: status and start say so, stop still stops it" {
	# Daemons before protocol version 3 close any request of another
	# version without a word; the test switch makes this one do the same.
	local pid
	NAMECACHE_DAEMON_TEST=old-protocol run --separate-stderr ncd start
	assert_success
	run -1 --separate-stderr ncd status
	assert_output "socket: $NAMECACHE_SOCKET"
	[[ $stderr =~ \(pid\ ([0-9]+)\)\ is\ of\ another\ version\ of\ namecache ]] ||
		fail "status: $stderr"
	pid=${BASH_REMATCH[1]}
	NCD_PIDS+=("$pid")
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
	kill -0 "$pid"
	# start does not start a second one beside it.
	run -1 --separate-stderr ncd start
	[[ $stderr == *"another version"* ]] || fail "start: $stderr"
	# doctor warns that processes will not attach to it.
	run --separate-stderr "$NC_CLI" doctor
	assert_line --regexp "^warn +daemon +running on socket .* \(pid $pid\), but of another version of namecache"
	# stop: no answer to STOP, so SIGTERM to the socket's peer.
	run -0 --separate-stderr ncd stop
	ncd_wait_gone "$pid" 5
	no_status
}
