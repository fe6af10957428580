#!/usr/bin/env bats
# Doubt stays where the changes are.  In strict mode a cached answer is
# trusted only while no event that could affect its path is waiting; a
# writer that keeps changing one directory (appends and creations, as a
# build's output directory gets) must not put every other lookup in
# doubt.  Readers looking up paths in other directories while the writer
# runs: every answer the kernel's, and at least 90% of them hits.  The
# same readers looking up the written directory, and paths through it:
# every answer the kernel's (lookup-prog diff brackets each answer
# between two kernel answers; the writer only moves them one way).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
	W=$D/w
	mkdir -p "$W/sub/deeper"
	echo x >"$W/sub/deeper/x"
	local k i
	for k in 1 2 3; do
		ncd_tree "$D/r$k" 30
		mkdir "$D/r$k/sub"
		echo y >"$D/r$k/sub/y"
		echo "$D/r$k/sub/y"
		echo "$D/r$k"
	done >"$D/r.list"
	cat "$D"/r?.list >>"$D/r.list"
	# The same, relative to $D: a walk from the working directory passes
	# no directory outside the test (/tmp and the harness's directory
	# may get names created in them by anyone, which would rightly put
	# absolute walks through them in doubt).
	sed "s|^$D/||" "$D/r.list" >"$D/rel.list"
	# The written directory: the files the writer appends to, names it
	# creates (with the prefixes a and b) or not, and paths through it.
	{
		echo "$W"
		for ((i = 0; i < 16; i++)); do
			echo "$W/w$i"
		done
		for ((i = 0; i < 400; i += 8)); do
			echo "$W/a$i"
			echo "$W/b$i"
		done
		echo "$W/sub"
		echo "$W/sub/deeper/x"
		echo "$W/sub/deeper/../deeper/x"
		echo "$W/sub/nothing"
	} >"$D/w.list"
	ncd_start
	# Everything looked up once, so the daemon watches both sides.
	ncd_shim warm "$LOOKUP" diff -r 2 -f "$D/r.list" -f "$D/w.list"
	ncd_assert_no_difference warm
	sleep 0.3
}

teardown() {
	ncd_teardown
}

# writer PREFIX MS [PAUSE]: the writer on $W in the background ($writer),
# pausing PAUSE microseconds after each append (default 0: as fast as it
# can, some 150,000 appends a second here).
writer() {
	timeout -k 2 30 "$LOOKUP" write -n "$1" -p "${3:-0}" -s "$PAGE" "$W" \
		"$2" >"$T/writer-$1.out" 2>&1 </dev/null &
	writer=$!
	NCD_PIDS+=("$writer")
}

# readers_start NAME MS LIST: two readers of LIST (in $D) for MS
# milliseconds in the background; return once both have attached (before
# the writers start and compete with the daemon for the CPU).
readers_start() {
	(cd "$D" && ncd_shim "$1-1" "$LOOKUP" diff -t "$2" -s "$PAGE" -f "$3") &
	reader_a=$!
	(cd "$D" && ncd_shim "$1-2" "$LOOKUP" diff -t "$2" -s "$PAGE" -f "$3") &
	reader_b=$!
	NCD_PIDS+=("$reader_a" "$reader_b")
	ncd_wait_attached 2 5
}

# readers_wait NAME: wait for the readers; both exact, both attached.
readers_wait() {
	nc_wait_pid "$reader_a" 60
	nc_wait_pid "$reader_b" 60
	cat "$T/$1-1.rec" "$T/$1-2.rec" >"$T/$1.rec"
	ncd_assert_all "$T/$1.rec" cache=shared
	ncd_assert_no_difference "$1-1"
	ncd_assert_no_difference "$1-2"
}

# elsewhere PAUSE [PREFIX...]: readers of the other directories while a
# writer runs with PAUSE for each PREFIX (default: one writer): exact
# answers, and at least 90% hits.
elsewhere() {
	local pause=$1 p pids=()
	shift
	readers_start other 1500 "$D/rel.list"
	for p in "${@:-a}"; do
		writer "$p" 1500 "$pause"
		pids+=("$writer")
	done
	readers_wait other
	for p in "${pids[@]}"; do
		nc_wait_pid "$p" 30
		assert_equal "$status" 0
	done
	for p in "${@:-a}"; do
		[[ $(cat "$T/writer-$p.out") =~ ^writes\ [1-9] ]] ||
			fail "$(cat "$T/writer-$p.out")"
		echo "# writer $p: $(cat "$T/writer-$p.out")" >&3
	done
	ncd_assert_hit_share "$T/other.rec" 90
}

@test "a writer hammers one directory: readers elsewhere get >= 90% hits and exact answers" {
	elsewhere 0 a b
}

@test "a writer at ten times a build's pace in one directory: readers elsewhere get >= 90% hits and exact answers" {
	elsewhere 1000
}

@test "the same readers looking up the written directory stay exact" {
	readers_start written 1200 "$D/w.list"
	writer b 1200
	readers_wait written
	nc_wait_pid "$writer" 30
	assert_equal "$status" 0
}

@test "a directory that turns hot while readers walk through it: exact answers" {
	# The readers start while the directory is quiet (cached, trusted),
	# and the writer starts in the middle of their walks through it.
	(ncd_shim walk-1 "$LOOKUP" diff -t 1500 -s "$PAGE" -f "$D/w.list" \
		-f "$D/r.list") &
	local a=$!
	NCD_PIDS+=("$a")
	sleep 0.5
	writer a 800
	nc_wait_pid "$a" 60
	nc_wait_pid "$writer" 30
	ncd_assert_no_difference walk-1
	ncd_assert_all "$T/walk-1.rec" cache=shared
}

@test "the hot queue overflows: the written directory is forgotten, the rest kept, answers exact" {
	# $W turns hot, and its names are cached under its hot watch; so
	# does a directory above the trees (as a project's root holding a
	# build log does).
	writer a 300
	nc_wait_pid "$writer" 30
	: >"$BATS_TEST_TMPDIR/log"
	ncd_wait_at_least "hot directories" 2
	ncd_hits_soon hot "$D/w.list"
	# 20,000 events of appends in $W, all of them in the hot queue while
	# the daemon is stopped: it overflows.
	kill -STOP "$NCD_PID"
	ncd_flood "$W" o
	# Changes whose events the full queue loses: a cached file removed,
	# one written, a name cached as missing created.  (Not the hot
	# directory's mode: its parent's cold watch reports that too.)
	ncd_step rm "$W/w1"
	ncd_step sh -c 'echo more >>"$0"' "$W/w2"
	ncd_step sh -c 'echo new >"$0"' "$W/a8"
	kill -CONT "$NCD_PID"
	ncd_wait_at_least overflows 1
	ncd_status_value flushes
	assert_equal "$REPLY" 0
	# The other directories' entries stayed, below the hot directory
	# above them too: a new process asking once about each of their
	# paths hits at once (after a flush it would miss every first stat).
	ncd_shim kept "$LOOKUP" diff -r 1 -f "$D/r.list"
	ncd_assert_no_difference kept
	ncd_assert_hit_share "$T/kept.rec" 90 "stat"
	# The written directory's answers are the kernel's, and cached again.
	ncd_hits_soon again "$D/w.list"
}

@test "a repository's .git is hot from its first watch, before any write in it" {
	# Every git command takes .git/index.lock before it stats the work
	# tree; a cold .git would put the tree's lookups in doubt at each
	# first write the daemon has not drained yet.
	nc_require git
	local repo=$D/repo i
	mkdir -p "$repo/src"
	for ((i = 0; i < 20; i++)); do
		echo "$i" >"$repo/src/f$i"
	done
	git -C "$repo" init -q
	{
		for ((i = 0; i < 20; i++)); do
			echo "src/f$i"
		done
		echo .git/HEAD
		echo .git/config
	} >"$D/repo.list"
	# The repository's creation was heard in $D, which may turn hot:
	# counted before, not during the lookups below.
	ncd_settled
	ncd_status_value "hot directories"
	local before=$REPLY
	# Looked up twice: the daemon watches .git and the work tree.
	(cd "$repo" && ncd_shim repo "$LOOKUP" diff -r 2 -f "$D/repo.list")
	ncd_assert_no_difference repo
	ncd_quiet
	ncd_status_value "hot directories"
	assert_equal "$REPLY" $((before + 1))
	# Its files are cached under the hot watch, and answered.
	(cd "$repo" && ncd_hits_soon again "$D/repo.list")
	ncd_status_value "hot directories"
	assert_equal "$REPLY" $((before + 1))
}

@test "writes to /dev/null leave other walks hits, even with the daemon stopped" {
	# Every git command opens /dev/null read-write at its start (its
	# close queues IN_CLOSE_WRITE on the null device's own watch), and
	# shells write to it all the time (IN_MODIFY on /dev's watch).  In a
	# cold /dev such an event would put every walk of every client in
	# doubt until the daemon had drained it; here the daemon is stopped,
	# so it never does: readers of other directories must not wait.
	# (Whether /dev had been moved to the hot instance by an earlier
	# write cannot be told from here; unit_serve checks that it is hot
	# from its first watch.)
	echo /dev/null >"$D/dev.list"
	ncd_shim dev "$LOOKUP" diff -r 2 -f "$D/dev.list"
	ncd_assert_no_difference dev
	ncd_settled
	readers_start devnull 1500 "$D/rel.list"
	kill -STOP "$NCD_PID"
	echo x >/dev/null
	: <>/dev/null
	readers_wait devnull
	kill -CONT "$NCD_PID"
	ncd_assert_hit_share "$T/devnull.rec" 90
}

@test "walks through a hot directory are checked with loads alone, from a process's first lookup" {
	# The daemon keeps a watch ring over its hot instance as over its
	# cold one: a client checks a walk through a hot directory with a
	# few loads from the ring's page, and makes no probe of its own (an
	# epoll instance and two mountinfo descriptors: some 25 us for a new
	# process).
	nc_require strace
	ncd_settled
	ncd_status_value "hot directories"
	local before=$REPLY
	echo x >"$W/made" # a name created in $W: it turns hot
	ncd_settled
	ncd_status_value "hot directories"
	assert_equal "$REPLY" $((before + 1))
	printf '%s\n' "$W" "$W/w1" "$W/sub" "$W/sub/deeper/x" "$W/a8" >"$D/hot.list"
	# Its entries are filled again under the hot watch, and answered.
	(cd "$D" && ncd_hits_soon hot "$D/hot.list")
	# A new process, traced: hits, through the daemon's rings, and no
	# epoll call (epoll_create1, epoll_wait, epoll_pwait...) or
	# mountinfo opened.
	(cd "$D" && NAMECACHE_WARMUP=0 NAMECACHE_STATS="$T/traced.rec" \
		timeout -k 2 60 strace -f -qq -o "$T/traced.strace" \
		-e 'trace=/^epoll_,openat,open' \
		-E LD_PRELOAD="$SHIM" "$LOOKUP" diff -r 2 -f "$D/hot.list" \
		>"$T/traced.out" 2>"$T/traced.err" </dev/null &&
		echo 0 >"$T/traced.rc" || echo $? >"$T/traced.rc")
	ncd_assert_no_difference traced
	ncd_assert_all "$T/traced.rec" cache=shared
	ncd_assert_all "$T/traced.rec" check=shared
	ncd_assert_hit_share "$T/traced.rec" 90 "stat lstat"
	run grep -E 'epoll_|mountinfo' "$T/traced.strace"
	assert_output ""
}

@test "a walk through a hot directory whose queue holds events is in doubt at once, without a probe" {
	# The hot ring's flag, set by an event the daemon has not drained
	# yet, says what a probe would: the walk is in doubt (notify.c:
	# nc__coherent).  No epoll instance is made for it.
	nc_require strace
	ncd_settled
	echo x >"$W/made"
	ncd_settled
	printf '%s\n' "$W" "$W/w1" "$W/sub" "$W/sub/deeper/x" "$W/a8" >"$D/hot.list"
	(cd "$D" && ncd_hits_soon hot "$D/hot.list")
	writer p 1500 100
	sleep 0.2
	(cd "$D" && NAMECACHE_WARMUP=0 NAMECACHE_STATS="$T/traced.rec" \
		timeout -k 2 60 strace -f -qq -o "$T/traced.strace" \
		-e 'trace=/^epoll_' -E LD_PRELOAD="$SHIM" \
		"$LOOKUP" diff -r 50 -s "$PAGE" -f "$D/hot.list" \
		>"$T/traced.out" 2>"$T/traced.err" </dev/null &&
		echo 0 >"$T/traced.rc" || echo $? >"$T/traced.rc")
	wait "$writer"
	ncd_assert_no_difference traced
	ncd_assert_all "$T/traced.rec" cache=shared
	run grep -cE 'doubt\.(l?stat)=([a-z]+:[0-9]+,)*hot:' "$T/traced.rec"
	[ "$output" -ge 1 ] || fail "no hot doubt: $(cat "$T/traced.rec")"
	run grep -E 'epoll_' "$T/traced.strace"
	assert_output ""
}

@test "relaxed mode: a process's own new files in a hot directory are seen at once" {
	# The names are looked up (missing) until the daemon has cached
	# them, then created one by one, each looked up three times at
	# once.  Their events wait in the hot queue for the daemon's next
	# drain; a lookup that asks while one waits finds the queue busy,
	# and the next ones, within relaxed mode's time bound, must not take
	# that question's clean cold queue for an answer about the hot one
	# (notify.c: checked()).
	ncd_settled
	echo x >"$W/made" # a name created in $W: it turns hot
	ncd_settled
	local script='cd "$1" || exit 2
		for r in 1 2 3 4; do
			for ((i = 0; i < 200; i++)); do [ -e own$i ]; done
			sleep 0.1
		done
		for ((i = 0; i < 200; i++)); do
			: >own$i
			for k in 1 2 3; do [ -e own$i ] || echo "stale own$i"; done
		done
		echo done'
	ncd_shim own env NAMECACHE_MODE=relaxed NAMECACHE_MAX_STALE_US=60000000 \
		bash -c "$script" bash "$W"
	assert_equal "$(cat "$T/own.rc")" 0
	assert_equal "$(cat "$T/own.out")" done
	ncd_assert_all "$T/own.rec" cache=shared
	ncd_assert_hit_share "$T/own.rec" 25 "stat"
}
