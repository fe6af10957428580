#!/usr/bin/env bats
# 200 short processes at once, 16 at a time, under one daemon: each one
# attaches, asks about 110 paths twice and exits.  Every output must be
# the plain run's, byte for byte; the later processes must answer from
# what the earlier ones filled; and the daemon must come out of it
# answering its status, with no client left counted.  And the threads of
# one process missing at once (git status lstats from 20 threads) all get
# their paths filled.

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

@test "git status: what its 20 lstat threads missed at once is filled in one run" {
	# git checks the index with up to 20 threads (one per 500 entries);
	# on a machine with fewer CPUs they miss, and post hints, at the same
	# moments, faster than the daemon fills.  None may be lost for that:
	# the second run finds every path filled.
	nc_require git
	local d=$D/repo i j
	mkdir -p "$d"
	for ((i = 0; i < 100; i++)); do
		mkdir "$d/d$i"
		for ((j = 0; j < 100; j++)); do
			: >"$d/d$i/f$j"
		done
	done
	git -C "$d" init -q
	git -C "$d" add -A
	git -C "$d" -c user.email=t@example.org -c user.name=t commit -qm files
	ncd_start
	# The daemon's first watches of the directories above the repository
	# (/tmp after a test suite: 55 ms for one) are made before git runs:
	# a process that asks meanwhile passes through until the reply comes,
	# and posts no hint for what it looked up in between.
	ncd_shim warm "$LOOKUP" show "$d/d0/f0"
	ncd_quiet
	(cd "$d" && ncd_shim first git status --porcelain)
	assert_equal "$(cat "$T/first.rc")" 0
	# Every path git missed went to the daemon: none dropped.
	local hints
	hints=$(grep ' comm=git ' "$T/first.rec" | grep -o ' hints=[0-9]*,[0-9]*' | cut -d= -f2)
	echo "# first run: hints posted,dropped: $hints" >&3
	[[ $hints =~ ^([0-9]+),0$ ]] || fail "hints posted,dropped: '$hints': $(cat "$T/first.rec")"
	[ "${BASH_REMATCH[1]}" -ge 10000 ] || fail "only ${BASH_REMATCH[1]} hints posted"
	ncd_quiet
	(cd "$d" && ncd_shim second git status --porcelain)
	assert_equal "$(cat "$T/second.rc")" 0
	[ ! -s "$T/second.out" ] || fail "git status: $(cat "$T/second.out")"
	ncd_assert_all "$T/second.rec" cache=shared
	# Every path was filled: the second run's lstat calls miss only as
	# the coherence check says (git writes its index: "hot"), not as
	# "cold" (when threads that found the ring taken dropped their hints,
	# and the ring was smaller, 2-95% of them were left cold).
	local calls cold
	read -r calls cold < <(awk '
		/ comm=git / {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^lstat=/) {
					split(substr($i, 7), v, ",")
					calls += v[1] + v[2] + v[3]
				}
				if ($i ~ /^doubt\.lstat=/) {
					n = split(substr($i, 13), r, ",")
					for (j = 1; j <= n; j++)
						if (r[j] ~ /^cold:/)
							cold += substr(r[j], 6)
				}
			}
		}
		END { print calls + 0, cold + 0 }' "$T/second.rec")
	echo "# second run: $cold cold of $calls lstat calls" >&3
	[ "$calls" -ge 10000 ] || fail "only $calls lstat calls: $(cat "$T/second.rec")"
	[ $((cold * 100)) -le "$calls" ] ||
		fail "$cold of $calls lstat calls were cold: hints were lost"
	# git's search for untracked files read the 101 directories of the
	# tree: their listings came from the daemon's cache, read after the
	# first run asked for them.
	local lists
	lists=$(grep ' comm=git ' "$T/second.rec" | grep -o ' opendir=[0-9,]*' | cut -d= -f2)
	echo "# second run: opendir calls ok,ENOENT,other,hits: $lists" >&3
	[[ $lists =~ ,([0-9]+)$ ]] || fail "no opendir counts: $(cat "$T/second.rec")"
	[ "${BASH_REMATCH[1]}" -ge 100 ] || fail "only ${BASH_REMATCH[1]} listings from the cache"
}
