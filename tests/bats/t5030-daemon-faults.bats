#!/usr/bin/env bats
# The daemon dies (SIGKILL) or stops (SIGSTOP, later SIGCONT) while its
# clients work.  A build of a generated C project under `namecache run`
# must finish, in bounded time, with every output byte-identical to a
# plain build's; processes attached before the fault must keep answering
# right when the tree changes after it (their answers checked against
# the kernel's by lookup-prog diff); nothing waits for the daemon.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

NFILES=160

setup_file() {
	command -v cc >/dev/null && command -v make >/dev/null || return 0
	gen_project "$BATS_FILE_TMPDIR/plain"
	make -s -j4 -C "$BATS_FILE_TMPDIR/plain" >/dev/null
	outputs "$BATS_FILE_TMPDIR/plain" >"$BATS_FILE_TMPDIR/plain.sums"
}

setup() {
	ncd_setup
	nc_require cc make ar
	[ -s "$BATS_FILE_TMPDIR/plain.sums" ] || fail "the plain build failed"
}

teardown() {
	ncd_teardown
}

# gen_project DIR: NFILES C files, each including a header found through
# six -I directories (five of them without it), a main that calls them
# all, and a Makefile that archives the objects and links a program.
gen_project() {
	local d=$1 i k
	mkdir -p "$d/src" "$d/obj" "$d/include/gen"
	for k in 1 2 3 4 5; do
		mkdir -p "$d/inc$k"
	done
	printf '#define COMMON 1\n' >"$d/include/common.h"
	for ((i = 1; i <= NFILES; i++)); do
		printf '#include "gen/h%d.h"\nint f%d(int x) { return x * F%d + COMMON; }\n' \
			"$i" "$i" "$i" >"$d/src/f$i.c"
		printf '#include <common.h>\n#define F%d %d\n' "$i" "$i" \
			>"$d/include/gen/h$i.h"
	done
	{
		printf 'int f%d(int);\n' $(seq "$NFILES")
		printf 'int main(void)\n{\n\tint s = 0;\n'
		printf '\ts += f%d(1);\n' $(seq "$NFILES")
		printf '\treturn s == 0;\n}\n'
	} >"$d/src/main.c"
	cat >"$d/Makefile" <<'EOF'
SRCS := $(wildcard src/f*.c)
OBJS := $(SRCS:src/%.c=obj/%.o)
CFLAGS := -O1 -Iinc1 -Iinc2 -Iinc3 -Iinc4 -Iinc5 -Iinclude
prog: obj/main.o lib.a
	$(CC) -o $@ obj/main.o lib.a
lib.a: $(OBJS)
	$(AR) rc $@ $(OBJS)
obj/%.o: src/%.c
	$(CC) $(CFLAGS) -c -o $@ $<
EOF
}

# outputs DIR: the checksums of the build's outputs.
outputs() {
	(cd "$1" && md5sum obj/*.o lib.a prog)
}

# build_start: generate the project in $D/proj and start
# `namecache run --stats -- make -j4` on it in the background ($build).
build_start() {
	gen_project "$D/proj"
	(cd "$D/proj" && exec timeout -k 2 120 env NAMECACHE_STATS="$T/build.rec" \
		"$NC_CLI" run --stats -- make -j4) >"$T/build.out" \
		2>"$T/build.raw" </dev/null &
	build=$!
	NCD_PIDS+=("$build")
}

# objects: how many objects the build has made.
objects() {
	local f=("$D"/proj/obj/*.o)
	[ -e "${f[0]}" ] && echo "${#f[@]}" || echo 0
}

# wait_objects N: wait until the build has made N objects.
wait_objects() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(objects)" -ge "$1" ] && return 0
		kill -0 "$build" 2>/dev/null || fail "the build ended early"
		sleep 0.02
	done
	fail "the build made only $(objects) objects"
}

# build_finish: the build ends in time, with status 0 and the plain
# build's outputs.
build_finish() {
	nc_wait_pid "$build" 120
	[ "$status" -eq 0 ] || fail "the build failed ($status): $(tail -n 20 "$T/build.raw")"
	outputs "$D/proj" >"$D/proj.sums"
	nc_assert_same_file "$BATS_FILE_TMPDIR/plain.sums" "$D/proj.sums"
	[ "$(wc -l <"$D/proj.sums")" -eq $((NFILES + 3)) ]
}

@test "the daemon killed with SIGKILL in the middle of a build: the build finishes with identical outputs" {
	ncd_start
	build_start
	wait_objects $((NFILES / 4))
	kill -KILL "$NCD_PID"
	build_finish
	echo "# images: $(ncd_count "$T/build.rec" cache=shared) attached, $(ncd_count "$T/build.rec" cache=process) in-process" >&3
	# Images before the kill attached; those after it did not.
	[ "$(ncd_count "$T/build.rec" cache=shared)" -gt 0 ] ||
		fail "no image attached: $(head -n 3 "$T/build.rec")"
	[ "$(ncd_count "$T/build.rec" cache=process)" -gt 0 ] ||
		fail "no image ran in-process after the kill"
	run -3 ncd status
}

@test "the daemon stopped with SIGSTOP in the middle of a build: the build goes on, finishes, and the daemon recovers" {
	ncd_start
	build_start
	wait_objects $((NFILES / 4))
	kill -STOP "$NCD_PID"
	local before after
	before=$(objects)
	sleep 1
	after=$(objects)
	# Nothing waits for a stopped daemon: the build made progress.
	[ "$after" -gt "$before" ] || ! kill -0 "$build" 2>/dev/null ||
		fail "no progress while the daemon was stopped"
	kill -CONT "$NCD_PID"
	build_finish
	echo "# objects: $before when stopped, $after a second later; images: $(ncd_count "$T/build.rec" cache=shared) attached, $(ncd_count "$T/build.rec" cache=process) in-process, $(ncd_pending "$T/build.rec") pending" >&3
	[ "$(ncd_count "$T/build.rec" cache=shared)" -gt 0 ] ||
		fail "no image attached: $(head -n 3 "$T/build.rec")"
	run -0 ncd status
	ncd_wait_clients 0 10
}

# client_start NAME MS LIST: lookup-prog diff on LIST's paths for MS
# milliseconds under the shim, in the background ($client).
client_start() {
	(ncd_shim "$1" "$LOOKUP" diff -t "$2" -s "$PAGE" -f "$3") &
	client=$!
	NCD_PIDS+=("$client")
}

# mutate DIR: change the tree of ncd_tree one step at a time, each step
# apart from the next, so that every answer has a single kernel state
# around it: remove, chmod, rename over, replace by a directory and by a
# link, append, create.
mutate() {
	local d=$1 step
	for step in "rm $d/f1" "chmod 600 $d/f2" "mv $d/f3 $d/f4" \
		"rm $d/f5" "mkdir $d/f5" "rm $d/f6" "ln -s f7 $d/f6" \
		"truncate -s 0 $d/f8" "touch $d/missing10" "mkdir $d/missing20" \
		"ln -s f40 $d/l30.new" "mv $d/l30.new $d/l30" "chmod 0 $d/f9"; do
		ncd_step $step
		sleep 0.1
	done
}

# fault_then_mutate SIGNAL: a client attached and caching, then the
# daemon gets SIGNAL, then the tree changes under the client.
fault_then_mutate() {
	ncd_start
	ncd_tree "$D/tree" 50
	client_start live 3000 "$D/tree.list"
	ncd_wait_clients 1 5
	sleep 0.5
	kill "-$1" "$NCD_PID"
	sleep 0.2
	mutate "$D/tree"
	nc_wait_pid "$client" 30
	ncd_assert_no_difference live
	ncd_assert_all "$T/live.rec" cache=shared
	read -r h c < <(ncd_hits "$T/live.rec")
	[ "$h" -gt 0 ] || fail "no hits before the fault: $h of $c"
	# A new process after the fault: right answers too.
	ncd_shim after "$LOOKUP" diff -r 3 -f "$D/tree.list"
	ncd_assert_no_difference after
}

@test "after SIGKILL of the daemon, an attached client answers right as the tree changes" {
	fault_then_mutate KILL
	ncd_assert_all "$T/after.rec" cache=process
}

@test "while the daemon is stopped, an attached client answers right as the tree changes" {
	fault_then_mutate STOP
	kill -CONT "$NCD_PID"
	run -0 ncd status
}

# overflow [MS [settle]]: a client attached and caching ($client, MS ms,
# default 5 s), then the daemon's queue overflows with the events of a
# writer in a directory it watches while the daemon is stopped (20,000
# appends: a fraction of a second, the client in doubt all along, as it
# must be); with "settle", only once the daemon has served the client's
# hints (the directory surely watched: else the flood queues nothing);
# wait until it has read the overflow: a flush, or, when the directory
# was hot already, its hot entries forgotten (notify.c, forget_hot).
overflow() {
	ncd_start
	ncd_tree "$D/tree" 50
	client_start live "${1:-5000}" "$D/tree.list"
	ncd_wait_clients 1 5
	[ "${2:-}" != settle ] || ncd_quiet
	kill -STOP "$NCD_PID"
	ncd_flood "$D/tree" x
	kill -CONT "$NCD_PID"
	ncd_wait_at_least overflows 1
}

@test "after an overflow of the daemon's queue, new processes get hits again" {
	overflow 5000 settle
	# A change after the flush: its events must be read from the new
	# instances, or every lookup doubts.
	sleep 0.2
	ncd_step sh -c 'echo x >>"$0"' "$D/tree/f1"
	ncd_hits_soon after "$D/tree.list"
	nc_wait_pid "$client" 30
	ncd_assert_no_difference live
}

@test "after an overflow of the daemon's queue, a client attached before gets hits again" {
	# Most of the client's 12 s come after the overflow (the flood is
	# short: ncd_flood); without settle the flood may come before the
	# daemon watches the client's directory, and overflow nothing.
	overflow 12000 settle
	nc_wait_pid "$client" 30
	ncd_assert_no_difference live
	ncd_assert_hit_share "$T/live.rec" 80
}

@test "clean builds under the daemon: identical outputs, and the daemon never flushes" {
	# A build's temporary files (the compiler's in /tmp, objects being
	# written) are looked up, watched and gone a moment later: the events
	# their watches still deliver must not read as unexplained, which
	# would flush every client's cache.
	local i
	ncd_start
	gen_project "$D/proj"
	for i in 1 2 3 4 5; do
		rm -f "$D"/proj/obj/*.o "$D/proj/lib.a" "$D/proj/prog"
		(cd "$D/proj" && timeout -k 2 120 "$NC_CLI" run -- make -s -j4) \
			>"$T/build$i.out" 2>&1 </dev/null ||
			fail "build $i: $(cat "$T/build$i.out")"
		outputs "$D/proj" >"$T/build$i.sums"
		cmp "$T/build$i.sums" "$BATS_FILE_TMPDIR/plain.sums" ||
			fail "build $i: other outputs than without namecache"
	done
	ncd_status_value flushes
	[ "$REPLY" -eq 0 ] || fail "the daemon flushed: $(ncd status)"
}
