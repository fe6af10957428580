#!/usr/bin/env bats
# The differential coherence test (tests/c/coherence_prog.c, as run by
# tests/c/shim_coherence.c) in shared mode: the checker attached to a
# daemon, in strict and in relaxed mode, with another process changing
# the tree and with its own changes.  Every interposed answer is compared
# with the kernel's (0 differences), every record says cache=shared, and
# the shared cache must have answered (hits).  As in the C test, when we
# are root the daemon and the programs run as nobody, so that the
# mutator's permission changes change the answers.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

OPS=${NC_DAEMON_COHERENCE_OPS:-2000}

setup() {
	ncd_setup
	COH=$NC_BUILD/tests/coherence-prog
	[ -x "$COH" ] || fail "no $COH (run make check-bats)"
	AS=()
	if [ "$(id -u)" -eq 0 ]; then
		nc_require setpriv
		AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
		ncd_shared_dir
		S=$REPLY
		mkdir -m 0700 "$S/ncd"
		chown nobody:nogroup "$S/ncd"
		NCD_DIR=$S/ncd
		export NAMECACHE_SOCKET=$NCD_DIR/socket
		NCD_AS=("${AS[@]}")
	else
		S=$T
	fi
	ncd_start
}

teardown() {
	ncd_teardown
}

# scratch NAME: a directory the programs own, in $dir.
scratch() {
	dir=$S/$1
	mkdir "$dir"
	[ "${#AS[@]}" -eq 0 ] || chown nobody:nogroup "$dir"
}

# coh_tree: the checker's tree $dir/p/q/r/t below three directories it
# cannot write (the reasons are in tests/c/shim_coherence.c), in $tree.
coh_tree() {
	tree=$dir/p/q/r/t
	mkdir -p "$tree"
	[ "${#AS[@]}" -eq 0 ] || chown nobody:nogroup "$tree"
	chmod 0555 "$dir/p/q/r" "$dir/p/q" "$dir/p"
}

# coh NAME ENV... -- ARGS...: run coherence-prog ARGS under the shim with
# ENV, attached to the daemon, as the programs' user; output in
# $T/NAME.out, records in $dir/stats.
coh() {
	local name=$1 envs=() rc
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	timeout -k 2 120 "${AS[@]}" env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 \
		NAMECACHE_STATS="$dir/stats" "${envs[@]}" "$COH" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$T/$name.rc"
}

# coh_clean NAME SUMMARY-WORD: the run ended with status 0, its summary
# (from SUMMARY-WORD on) says 0 differences, every record of the checker
# is attached, and the shared cache answered.
coh_clean() {
	local out h c
	out=$(cat "$T/$1.out")
	[[ $out =~ $2\ [0-9]+\ .*differences\ ([0-9]+) ]] ||
		fail "$1: no summary (status $(cat "$T/$1.rc")): $(tail -n 20 "$T/$1.out") $(cat "$T/$1.err")"
	[ "${BASH_REMATCH[1]}" -eq 0 ] ||
		fail "$1: differences: $(grep -v '^ops\|^cases' "$T/$1.out" | head -n 40)"
	[ "$(cat "$T/$1.rc")" -eq 0 ] || fail "$1: status $(cat "$T/$1.rc")"
	ncd_assert_all "$dir/stats" cache=shared
	read -r h c < <(ncd_hits "$dir/stats")
	echo "# $1: ${out##*$'\n'}; $h hits of $c lookups" >&3
	[ "$h" -gt 0 ] || fail "$1: no hits ($c lookups)"
}

@test "strict mode, another process changing the tree: 0 differences, hits from the shared cache" {
	scratch strict
	coh_tree
	coh strict -- check "$tree" 20240611 "$OPS"
	coh_clean strict ops
}

@test "relaxed mode with a zero staleness bound, another process changing the tree: 0 differences" {
	scratch relaxed
	coh_tree
	coh relaxed NAMECACHE_MODE=relaxed NAMECACHE_MAX_STALE_US=0 -- \
		check "$tree" 20240612 "$OPS"
	coh_clean relaxed ops
}

@test "strict mode, the checker's own changes and another process's: 0 differences" {
	scratch self
	coh_tree
	coh self -- check "$tree" 20240613 "$OPS" --self
	coh_clean self ops
}

@test "strict mode, two threads asking at once: 0 differences" {
	scratch threads
	coh_tree
	coh threads -- check "$tree" 20240614 "$OPS" --threads 2
	coh_clean threads ops
}

@test "a process's own changes through every entry point, strict and relaxed: 0 differences" {
	local m
	for m in strict relaxed; do
		# The hints the last run left (tens of thousands: the daemon
		# serves a finished process's too) would be served before
		# most of this run's, after its cases were done: no hits.
		ncd_quiet 60
		scratch "own-$m"
		coh "own-$m" NAMECACHE_MODE="$m" NAMECACHE_MAX_STALE_US=60000000 \
			-- own "$dir"
		coh_clean "own-$m" cases
	done
}

@test "directories that turn hot under remembered walks: a chmod is seen at once" {
	# The checker walks $dir/d/sub/f over and over (its memo holds the
	# walk, through $dir and d while they are cold), then $dir and d
	# receive names (they turn hot: their events go to the other queue
	# from then on, the chmod of d's to both), the daemon stops, and d
	# loses its search permission.  The checker's next answers are
	# EACCES, the kernel's: a remembered walk through them must not go
	# on trusting the queue they no longer report to.
	local c hot0 h n
	scratch hot
	mkdir -p "$dir/d/sub"
	echo x >"$dir/d/sub/f"
	printf '%s\n' "$dir/d/sub/f" "$dir/d/sub" >"$dir/list"
	# The chmod's progress, for the checker (lookup-prog diff -s): an
	# answer given while it is under way is excused.  In $dir, so that
	# its writes, once $dir is hot, leave the other queue empty.
	"$LOOKUP" step "$dir/page" true
	chmod 0666 "$dir/page"
	[ "${#AS[@]}" -eq 0 ] || chown -R nobody:nogroup "$dir/d"
	ncd_status_value "hot directories"
	hot0=$REPLY
	timeout -k 2 60 "${AS[@]}" env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 \
		NAMECACHE_STATS="$dir/stats" "$LOOKUP" diff -t 3000 \
		-s "$dir/page" -f "$dir/list" >"$T/hot.out" 2>"$T/hot.err" \
		</dev/null &
	c=$!
	NCD_PIDS+=("$c")
	sleep 0.5
	touch "$dir/new" "$dir/d/new"
	ncd_wait_at_least "hot directories" $((hot0 + 2))
	sleep 0.3
	kill -STOP "$NCD_PID"
	"$LOOKUP" step "$dir/page" chmod 0 "$dir/d"
	sleep 1
	kill -CONT "$NCD_PID"
	nc_wait_pid "$c" 60
	echo "$status" >"$T/hot.rc"
	chmod 0755 "$dir/d"
	ncd_assert_no_difference hot
	ncd_assert_all "$dir/stats" cache=shared
	read -r h n < <(ncd_hits "$dir/stats")
	[ "$h" -gt 0 ] || fail "no hits ($n lookups): nothing was remembered"
}
