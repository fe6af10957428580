#!/usr/bin/env bats
# 200 short processes at once, 16 at a time, under one daemon: each one
# attaches, asks about 110 paths twice and exits.  Every output must be
# the plain run's, byte for byte; the later processes must answer from
# what the earlier ones filled; and the daemon must come out of it
# answering its status, with no client left counted.

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

@test "200 concurrent short processes: identical answers, hits, and the daemon intact" {
	nc_require xargs
	ncd_tree "$D/tree" 100
	mapfile -t paths <"$D/tree.list"
	ncd_plain plain "$LOOKUP" show "${paths[@]}"
	assert_equal "$(cat "$T/plain.rc")" 0
	mkdir "$T/out"

	ncd_start
	local rc=0
	seq 200 | timeout -k 2 120 env OUT="$T/out" LD_PRELOAD="$SHIM" \
		NAMECACHE_WARMUP=0 NAMECACHE_STATS="$T/all.rec" xargs -P 16 -I{} \
		sh -c 'exec "$0" show "$@" >"$OUT/{}" 2>&1' \
		"$LOOKUP" "${paths[@]}" || rc=$?
	assert_equal "$rc" 0
	local n=0 f
	for f in "$T"/out/*; do
		nc_assert_same_file "$T/plain.out" "$f"
		n=$((n + 1))
	done
	assert_equal "$n" 200

	# Each process: the shell that execs, and lookup-prog.
	[ "$(ncd_records "$T/all.rec")" -ge 400 ] ||
		fail "$(ncd_records "$T/all.rec") records"
	ncd_assert_all "$T/all.rec" cache=shared 30
	# Images that ended before the daemon's reply came (each waits for
	# it 1 ms at most): a few with 16 processes starting at once on two
	# cores, more when other work holds the CPUs.
	echo "# $(ncd_pending "$T/all.rec") of $(ncd_records "$T/all.rec") images ended before their attach" >&3
	[ "$(ncd_pending "$T/all.rec")" -le $(($(ncd_records "$T/all.rec") / 3)) ] ||
		fail "$(ncd_pending "$T/all.rec") images did not attach in time"
	ncd_assert_hit_share "$T/all.rec" 50 "stat lstat"

	run -0 ncd status
	assert_line --regexp '^entries: [1-9]'
	echo "# $(grep -E '^(entries|fills|events|overflows|flushes):' <<<"$output" | paste -sd' ')" >&3
	ncd_wait_clients 0 10
	# Still serving: a new process attaches and gets hits (at once, or
	# soon if something flushed the cache meanwhile: a mount anywhere).
	ncd_hits_soon after "$D/tree.list"
}
