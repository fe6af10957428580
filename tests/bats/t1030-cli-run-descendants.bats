#!/usr/bin/env bats
# `namecache run` keeps every descendant under the cache, even one a
# program starts with an environment of its own making: env -i, execve and
# execle with an empty or a custom envp, posix_spawn and posix_spawnp with
# their own environment, system() and popen() after clearenv(), a script
# that sets LD_PRELOAD to other libraries, vfork + execve from a
# multithreaded process.  Set-user-ID, set-group-ID and file-capability
# programs are left alone, failing exec calls fail exactly as without
# namecache, and --respect-env (or a bare LD_PRELOAD without
# NAMECACHE_INHERIT=1) keeps every environment exactly as the program
# built it.
#
# The proof is the process count of --stats: tests/c/inherit_prog.c's
# "show" prints what it was given and forks one child of its own, which is
# a process of the count exactly when "show" loaded the shim.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	prog=$NC_BUILD/tests/inherit_prog
	liba=$NC_BUILD/tests/inherit_liba.so
	libb=$NC_BUILD/tests/inherit_libb.so
	[ -x "$prog" ] || fail "no $prog (built by tests/mk/inherit.mk)"
	# The shim as `namecache run` spells it: next to its bin directory.
	shim=${NC_CLI%/*}/../lib/libnamecache.so
	cd "$BATS_TEST_TMPDIR"
}

# ncrun NAME [RUN-OPTIONS...] -- CMD...: `namecache run --stats` with the
# options; NAME.out, NAME.err (without the table), NAME.stats, NAME.rc.
ncrun() {
	local name=$1 rc
	shift
	"$NC_CLI" run --stats "$@" >"$name.out" 2>"$name.raw" </dev/null &&
		rc=0 || rc=$?
	echo "$rc" >"$name.rc"
	nc_split_stats "$name.raw" "$name.err" "$name.stats"
	[ "$rc" -eq 0 ] || fail "$name: status $rc; stderr: $(cat "$name.raw")"
}

# pids NAME: the number of process IDs in run NAME's table.
pids() {
	nc_stat_pids "$1.stats"
}

# restored NAME: the exec calls that had namecache put back in run NAME.
restored() {
	sed -n 's/^exec calls with namecache put back: \([0-9]*\)$/\1/p' \
		"$1.stats" | grep . || echo 0
}

@test "env -i under sh: the child and its children run under namecache" {
	# The example of the issue and the README: sh, env, the ls that env
	# started and the last ls are 4 processes; without namecache put back
	# the ls started by env is missing.  env execs ls in its own pid, so
	# the count of pids is the same.
	ncrun ex -- sh -c 'env -i /bin/ls / >/dev/null; ls / >/dev/null'
	ncrun ex0 --respect-env -- sh -c 'env -i /bin/ls / >/dev/null; ls / >/dev/null'
	assert_equal "$(nc_stat_processes ex.stats)" 4
	assert_equal "$(nc_stat_processes ex0.stats)" 3
	assert_equal "$(pids ex)" "$(pids ex0)"
	assert_equal "$(restored ex)" 1
	assert_equal "$(restored ex0)" 0
	[ "$(nc_stat_calls ex.stats)" -gt "$(nc_stat_calls ex0.stats)" ] ||
		fail "ls's calls are missing: $(cat ex.stats)"
	assert_equal "$(nc_stat_value ex.stats statx)" 2
	assert_equal "$(nc_stat_value ex0.stats statx)" 1
	# A shell started with env -i: its own children count as processes.
	ncrun sh -- sh -c 'env -i /bin/sh -c "/bin/ls / >/dev/null; /bin/ls / >/dev/null"; ls / >/dev/null'
	ncrun sh0 --respect-env -- sh -c 'env -i /bin/sh -c "/bin/ls / >/dev/null; /bin/ls / >/dev/null"; ls / >/dev/null'
	assert_equal "$(pids sh)" 5
	assert_equal "$(pids sh0)" 3
}

@test "execve with an empty envp: LD_PRELOAD and the NAMECACHE_ settings are put back" {
	ncrun e --mode relaxed -- "$prog" execve-empty "$prog"
	assert_equal "$(pids e)" 3
	assert_equal "$(restored e)" 1
	run cat e.out
	assert_line "LD_PRELOAD=$shim"
	assert_line "NAMECACHE_MODE=relaxed"
	assert_line "NAMECACHE_INHERIT=1"
	assert_line --regexp '^NAMECACHE_STATS=/'
	assert_line "loaded: libnamecache.so"
	ncrun e0 --respect-env -- "$prog" execve-empty "$prog"
	assert_equal "$(pids e0)" 2
	assert_equal "$(cat e0.out)" "loaded:"
}

@test "execve and execle with a custom envp: the program's variables are kept, its own NAMECACHE_MODE wins" {
	ncrun c --mode relaxed -- "$prog" execve-custom "$prog"
	assert_equal "$(pids c)" 3
	run cat c.out
	assert_line --index 0 "FOO=custom"
	assert_line --index 1 "NAMECACHE_MODE=off"
	refute_line "NAMECACHE_MODE=relaxed"
	assert_line "LD_PRELOAD=$shim"
	ncrun l -- "$prog" execle "$prog"
	assert_equal "$(pids l)" 3
	run cat l.out
	assert_line --index 0 "FOO=execle"
	assert_line "LD_PRELOAD=$shim"
	ncrun l0 --respect-env -- "$prog" execle "$prog"
	assert_equal "$(pids l0)" 2
}

@test "posix_spawn and posix_spawnp with their own environment run under namecache" {
	ncrun s -- "$prog" spawn "$prog"
	assert_equal "$(pids s)" 5
	assert_equal "$(restored s)" 2
	run grep -c '^FOO=spawn$' s.out
	assert_output 2
	run grep -c "^LD_PRELOAD=$shim\$" s.out
	assert_output 2
	ncrun s0 --respect-env -- "$prog" spawn "$prog"
	assert_equal "$(pids s0)" 1
}

@test "system() and popen() after clearenv() run their shell under namecache; the caller's environ is untouched" {
	# Each of the two shells (dash forks even its last command) runs
	# show, which forks once: 1 + 2 * 3 processes.
	ncrun sh -- "$prog" shell "$prog"
	assert_equal "$(pids sh)" 7
	assert_equal "$(restored sh)" 2
	run grep -c "^LD_PRELOAD=$shim\$" sh.out
	assert_output 2
	ncrun sh0 --respect-env -- "$prog" shell "$prog"
	assert_equal "$(pids sh0)" 1
}

@test "system() and popen() in a multithreaded process are left alone, and counted" {
	ncrun t -- "$prog" shell-threads "$prog"
	assert_equal "$(pids t)" 1
	assert_equal "$(restored t)" 0
	run grep -x 'exec calls left without namecache: threads 2' t.stats
	assert_success
}

@test "vfork + execve from a multithreaded process runs the child under namecache" {
	ncrun v -- "$prog" vfork-threads "$prog"
	assert_equal "$(pids v)" 3
	assert_equal "$(restored v)" 1
	run cat v.out
	assert_line "FOO=vfork"
	assert_line "LD_PRELOAD=$shim"
	# The threads' stat calls were counted too.
	[ "$(nc_stat_value v.stats stat)" -gt 0 ]
	ncrun v0 --respect-env -- "$prog" vfork-threads "$prog"
	assert_equal "$(pids v0)" 2
}

@test "a script's own LD_PRELOAD keeps its libraries in their order, and the shim follows them" {
	ncrun p -- sh -c 'LD_PRELOAD="$1 $2" exec "$3" show' _ "$liba" "$libb" "$prog"
	assert_equal "$(pids p)" 2
	run cat p.out
	assert_line "LD_PRELOAD=$liba $libb $shim"
	assert_line "loaded: inherit_liba.so inherit_libb.so libnamecache.so"
	# Colons separate entries as well; the program's spelling is kept.
	ncrun q -- sh -c 'LD_PRELOAD="$1:$2" exec "$3" show' _ "$libb" "$liba" "$prog"
	run cat q.out
	assert_line "LD_PRELOAD=$libb:$liba $shim"
	assert_line "loaded: inherit_libb.so inherit_liba.so libnamecache.so"
	ncrun p0 --respect-env -- sh -c 'LD_PRELOAD="$1 $2" exec "$3" show' _ "$liba" "$libb" "$prog"
	assert_equal "$(pids p0)" 1
	run cat p0.out
	assert_line "loaded: inherit_liba.so inherit_libb.so"
}

@test "a test harness's LD_PRELOAD=libc_malloc_debug.so.0 (as git's test-lib sets) keeps namecache" {
	[ -e /lib/x86_64-linux-gnu/libc_malloc_debug.so.0 ] ||
		[ -e /usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0 ] ||
		skip "no libc_malloc_debug.so.0"
	ncrun g -- sh -c 'LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_CHECK_=3 exec "$1" show' _ "$prog"
	assert_equal "$(pids g)" 2
	run cat g.out
	assert_line "LD_PRELOAD=libc_malloc_debug.so.0 $shim"
	assert_line "loaded: libnamecache.so"
}

@test "a shim already in LD_PRELOAD, under any spelling of its path, is not added again" {
	ln -s "$NC_SHIM" libnamecache-link.so
	ncrun d -- sh -c 'LD_PRELOAD="$1 $2" exec "$3" show' _ "$liba" "$PWD/libnamecache-link.so" "$prog"
	assert_equal "$(pids d)" 2
	assert_equal "$(restored d)" 0
	run cat d.out
	assert_line "LD_PRELOAD=$liba $PWD/libnamecache-link.so"
	assert_line "loaded: inherit_liba.so libnamecache-link.so"
	# Only the missing settings are put back.
	ncrun m -- sh -c 'unset NAMECACHE_INHERIT; exec "$1" show' _ "$prog"
	assert_equal "$(restored m)" 1
	run cat m.out
	assert_line "NAMECACHE_INHERIT=1"
	run grep -c '^LD_PRELOAD=' m.out
	assert_output 1
}

# A copy of inherit_prog owned by nobody, with the mode bits @1.
privileged_copy() {
	mkdir -p -m 755 priv
	cp "$prog" "priv/$2"
	chown 65534:65534 "priv/$2"
	chmod "$1" "priv/$2"
}

@test "set-user-ID and set-group-ID programs and scripts get the environment as given, and still run" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a set-user-ID file"
	privileged_copy 4755 suid
	privileged_copy 2755 sgid
	# The loader really is in secure mode for them: it ignores LD_PRELOAD.
	run env LD_PRELOAD="$NC_SHIM" priv/suid show
	assert_success
	assert_line "loaded:"
	run env LD_PRELOAD="$NC_SHIM" priv/sgid show
	assert_success
	assert_line "loaded:"
	for f in suid sgid; do
		ncrun $f -- "$prog" execve-empty "$PWD/priv/$f"
		# The exec'ing child is counted, the privileged image is not.
		assert_equal "$(pids $f)" 2
		assert_equal "$(restored $f)" 0
		run grep -x 'exec calls left without namecache: setid 1' $f.stats
		assert_success
		assert_equal "$(cat $f.out)" "loaded:"
	done
	# A script is run by its interpreter, with the interpreter's set-id
	# bits: a script whose "#!" names a set-user-ID program is left alone.
	printf '#!%s show\n' "$PWD/priv/suid" >priv/script
	chmod 755 priv/script
	ncrun script -- "$prog" execve-empty "$PWD/priv/script"
	assert_equal "$(pids script)" 2
	run grep -x 'exec calls left without namecache: setid 1' script.stats
	assert_success
	assert_equal "$(cat script.out)" "loaded:"
	# A script run by an ordinary interpreter gets namecache back.
	printf '#!%s show\n' "$prog" >priv/plain-script
	chmod 755 priv/plain-script
	ncrun plain -- "$prog" execve-empty "$PWD/priv/plain-script"
	assert_equal "$(pids plain)" 3
	assert_equal "$(restored plain)" 1
}

@test "a program with file capabilities gets the environment as given" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to set file capabilities"
	nc_require setcap
	mkdir -p -m 755 priv
	cp "$prog" priv/caps
	setcap cap_net_raw+ep priv/caps 2>/dev/null || skip "this filesystem has no file capabilities"
	ncrun c -- "$prog" execve-empty "$PWD/priv/caps"
	assert_equal "$(restored c)" 0
	run grep -x 'exec calls left without namecache: setid 1' c.stats
	assert_success
	assert_equal "$(cat c.out)" "loaded:"
}

@test "passwd --help from env -i runs as without namecache" {
	nc_require passwd
	local p
	p=$(command -v passwd)
	[ -u "$p" ] || skip "$p is not set-user-ID here"
	run env -i passwd --help
	local want_status=$status want_output=$output
	ncrun pw -- env -i passwd --help
	assert_equal "$(cat pw.out)" "$want_output"
	assert_equal "$(cat pw.rc)" "$want_status"
	run grep -x 'exec calls left without namecache: setid 1' pw.stats
	assert_success
}

@test "failing exec and spawn calls return what they return without namecache" {
	mkdir -m 755 dir
	printf '#!/bin/sh\n' >dir/noexec
	chmod 644 dir/noexec
	"$prog" errors "$PWD/dir" >plain.out
	ncrun err -- "$prog" errors "$PWD/dir"
	ncrun err0 --respect-env -- "$prog" errors "$PWD/dir"
	nc_assert_same_file plain.out err.out
	nc_assert_same_file plain.out err0.out
	run cat plain.out
	assert_line "execve missing -> -1 ENOENT"
	assert_line "execve noexec -> -1 EACCES"
	assert_line "posix_spawn missing -> 2 ENOENT"
	assert_line "posix_spawnp missing -> 2 ENOENT"
}

@test "a bare LD_PRELOAD leaves environments alone unless NAMECACHE_INHERIT=1 asks" {
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/bare.rec "$prog" execve-empty "$prog" >bare.out
	"$NC_CLI" stats bare.rec >bare.stats
	assert_equal "$(pids bare)" 2
	assert_equal "$(cat bare.out)" "loaded:"
	LD_PRELOAD=$NC_SHIM NAMECACHE_INHERIT=1 NAMECACHE_STATS=$PWD/opt.rec "$prog" execve-empty "$prog" >opt.out
	"$NC_CLI" stats opt.rec >opt.stats
	assert_equal "$(pids opt)" 3
	run cat opt.out
	assert_line "LD_PRELOAD=$NC_SHIM"
	assert_line "NAMECACHE_INHERIT=1"
}

@test "NAMECACHE_INHERIT takes 1 or 0; namecache run keeps the caller's choice" {
	NAMECACHE_INHERIT=yes run -2 "$NC_CLI" run -- true
	assert_failure 2
	assert_output --partial "NAMECACHE_INHERIT='yes': expected 1 or 0"
	export NAMECACHE_INHERIT=0
	ncrun z -- "$prog" execve-empty "$prog"
	assert_equal "$(pids z)" 2
	export NAMECACHE_INHERIT=1
	ncrun o --respect-env -- "$prog" execve-empty "$prog"
	assert_equal "$(pids o)" 2
}

@test "exec and spawn from a thread with a 16 KiB stack, and system() left by siglongjmp" {
	# The rebuilt environment and the statistics record fit a small
	# stack: two children of a PTHREAD_STACK_MIN thread run under the
	# cache (each "show" forks one more process).
	ncrun s -- "$prog" small-stack "$prog"
	assert_equal "$(pids s)" 5
	assert_equal "$(restored s)" 2
	# system()'s environment lives in static storage: a program that
	# jumps out of it keeps a usable environ.
	ncrun j -- "$prog" system-jump "$prog"
	run cat j.out
	assert_output "FOO=jump"
	assert_equal "$(restored j)" 1
}
