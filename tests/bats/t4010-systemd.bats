#!/usr/bin/env bats
# The systemd user units of contrib/systemd/: as installed, they pass
# `systemd-analyze verify --user` (which also checks that the service's
# command exists and is executable), and the daemon takes over a listening
# socket passed to it the way systemd passes it (LISTEN_FDS, LISTEN_PID;
# systemd-socket-activate does exactly that without a running systemd),
# serves clients on it and stops when asked.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	# A runtime directory of our own: the units' %t, the daemon's socket.
	rt=$BATS_TEST_TMPDIR/rt
	mkdir -m 700 "$rt"
	daemon_pid=
}

teardown() {
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		nc_wait_pid "$daemon_pid" 5 || true
	fi
}

# verify PREFIX UNIT...: systemd-analyze verify --user on the units, with
# the man pages installed under PREFIX (Documentation=man:...) when man(1)
# is there to look them up.
verify() {
	local p=$1 man=--man=no
	shift
	command -v man >/dev/null && man=--man=yes
	XDG_RUNTIME_DIR=$rt MANPATH=$p/share/man \
		systemd-analyze verify --user "$man" "$@"
}

@test "the installed user units pass systemd-analyze verify" {
	nc_require systemd-analyze
	local p=$BATS_TEST_TMPDIR/prefix u
	# Installed for real (no DESTDIR): the service's command must exist.
	make -C "$NC_TOP" -s B="$NC_BUILD" install PREFIX="$p" >/dev/null
	u=$p/lib/systemd/user
	# The checker must be able to start its private user manager here
	# (it needs a runtime directory; some containers refuse it), and must
	# see a broken unit as broken (units load from the directory of the
	# first one named: the pair is copied together).
	local b=$BATS_TEST_TMPDIR/broken
	mkdir "$b"
	cp "$u/namecache.socket" "$b/"
	sed 's|^ExecStart=.*|ExecStart=/nonexistent/namecache daemon start --foreground|' \
		"$u/namecache.service" >"$b/namecache.service"
	run --separate-stderr verify "$p" "$b/namecache.socket" "$b/namecache.service"
	if [[ $stderr == *"Failed to initialize manager"* ]]; then
		skip "systemd-analyze cannot start a user manager here: $stderr"
	fi
	assert_failure
	[[ $stderr == *"/nonexistent/namecache"* ]] || fail "unexpected: $stderr"
	# The real units: no error and not a single warning.
	run --separate-stderr verify "$p" "$u/namecache.socket" "$u/namecache.service"
	assert_success
	assert_equal "$stderr" ""
	# The socket is the default one (%t = XDG_RUNTIME_DIR), 0600 in a 0700
	# directory, which is what the daemon and its clients require.
	run grep -E '^(ListenStream|SocketMode|DirectoryMode)=' "$u/namecache.socket"
	assert_output "ListenStream=%t/namecache/socket
SocketMode=0600
DirectoryMode=0700"
	run grep '^ExecStart=' "$u/namecache.service"
	assert_output "ExecStart=$p/bin/namecache daemon start --foreground"
}

@test "socket activation: the daemon serves on the socket it is passed (LISTEN_FDS)" {
	nc_require systemd-socket-activate
	local sock=$rt/namecache/socket rec=$BATS_TEST_TMPDIR/rec i
	mkdir -m 700 "$rt/namecache"
	# systemd-socket-activate binds the socket, then execs the daemon with
	# LISTEN_FDS=1 and LISTEN_PID set to its own pid (fd 3 listening).
	NAMECACHE_SOCKET=$rt/elsewhere/socket systemd-socket-activate -l "$sock" \
		"$NC_CLI" daemon start --foreground 2>"$BATS_TEST_TMPDIR/daemon.err" &
	daemon_pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	[ -S "$sock" ] || fail "no socket at $sock"
	# The daemon answers on the passed socket, as the process that was
	# started (no fork), and bound nothing of its own: NAMECACHE_SOCKET
	# in its environment named another path.
	run env NAMECACHE_SOCKET="$sock" "$NC_CLI" daemon status
	assert_success
	assert_line "socket: $sock"
	assert_line "pid: $daemon_pid"
	[ ! -e "$rt/elsewhere" ] || fail "the daemon bound a socket of its own"
	# A client attaches to it.  A process waits 1 ms for the daemon's
	# reply to its first query and runs on its own cache if none came (a
	# loaded machine may not run the daemon that soon): a few tries, each
	# with a record of its own, until one is attached.
	for ((i = 0; i < 50; i++)); do
		rm -f "$rec"
		NAMECACHE_SOCKET=$sock NAMECACHE_STATS=$rec LD_PRELOAD=$NC_SHIM \
			stat "$rt" >/dev/null
		grep -q ' cache=shared' "$rec" && break
	done
	run grep -c ' cache=shared' "$rec"
	assert_output 1
	# And it stops when asked.
	run env NAMECACHE_SOCKET="$sock" "$NC_CLI" daemon stop
	assert_success
	nc_wait_pid "$daemon_pid" 10
	assert_equal "$status" 0
	daemon_pid=
	run env NAMECACHE_SOCKET="$sock" "$NC_CLI" daemon status
	assert_equal "$status" 3
}
