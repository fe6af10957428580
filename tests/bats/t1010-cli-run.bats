#!/usr/bin/env bats
# namecache run: the command runs as if started directly (exit status,
# signals, bytes on stdout and stderr, arguments, stdin), with the shim
# first in LD_PRELOAD and --mode passed on in NAMECACHE_MODE.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup_file() {
	# A harmless library to preload besides the shim.
	local d=$BATS_FILE_TMPDIR
	printf 'int nc_test_other_lib(void) { return 42; }\n' >"$d/other.c"
	cc -shared -fPIC -o "$d/libother.so" "$d/other.c"
}

setup() {
	nc_require_build
	other=$BATS_FILE_TMPDIR/libother.so
	[ -f "$other" ]
}

# preload_words: the words of LD_PRELOAD as the command saw it (run output),
# canonicalised, one a line, into $BATS_TEST_TMPDIR/words.
preload_words() {
	local w
	for w in $output; do
		realpath -e "$w"
	done >"$BATS_TEST_TMPDIR/words"
}

@test "the exit status of the command is passed through" {
	local s
	for s in 0 1 7 255; do
		run -"$s" "$NC_CLI" run -- sh -c "exit $s"
		run -"$s" "$NC_CLI" run --stats -- sh -c "exit $s"
		run -"$s" "$NC_CLI" run --mode off -- sh -c "exit $s"
	done
	run "$NC_CLI" run -- true
	assert_success
	run -1 "$NC_CLI" run --stats -- false
}

@test "a command killed by SIGTERM or SIGKILL gives 128+N" {
	run -143 "$NC_CLI" run -- sh -c 'kill -TERM $$'
	run -143 "$NC_CLI" run --stats -- sh -c 'kill -TERM $$'
	run -137 "$NC_CLI" run -- sh -c 'kill -KILL $$'
	run -137 "$NC_CLI" run --stats -- sh -c 'kill -KILL $$'
}

@test "a command killed by a signal under --stats still gets its table" {
	run -137 --separate-stderr "$NC_CLI" run --stats -- sh -c 'kill -KILL $$'
	[[ ${stderr_lines[0]} =~ ^namecache:\ [0-9]+\ processes\ \([0-9]+\ pids\),\ [0-9]+\ calls$ ]] ||
		fail "no table: $stderr"
	[[ ${stderr_lines[-1]} =~ ^total\  ]] || fail "no total row: $stderr"
}

@test "stdout and stderr of the command are byte-identical with and without namecache" {
	local script='printf "a\000b\377\r\n\t\033[1m%s" "$1"; printf "err\000\376\n\nlast" >&2'
	nc_plain plain "$BATS_TEST_TMPDIR" sh -c "$script" _ 'x  y'
	# Without --stats: the tool execs the command, stderr is untouched.
	(cd "$BATS_TEST_TMPDIR" && exec "$NC_CLI" run -- sh -c "$script" _ 'x  y') \
		>"$BATS_TEST_TMPDIR/direct.out" 2>"$BATS_TEST_TMPDIR/direct.err" &&
		echo 0 >"$BATS_TEST_TMPDIR/direct.rc"
	nc_cached cached "$BATS_TEST_TMPDIR" sh -c "$script" _ 'x  y'
	[ "$(od -An -c "$BATS_TEST_TMPDIR/plain.out" | tr -s ' ' | tr -d '\n')" = \
		" a \0 b 377 \r \n \t 033 [ 1 m x y" ] ||
		fail "unexpected plain output: $(od -c "$BATS_TEST_TMPDIR/plain.out")"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/plain.err")" -eq 11 ]
	nc_assert_same_run plain direct
	nc_assert_same_run plain cached
	nc_assert_shim_seen cached
}

@test "arguments, stdin and the working directory reach the command unchanged" {
	mkdir "$BATS_TEST_TMPDIR/wd"
	cd "$BATS_TEST_TMPDIR/wd"
	run "$NC_CLI" run -- printf '[%s]' 'a b' '' '*' '--stats' '--' $'nl\nx'
	assert_success
	assert_output $'[a b][][*][--stats][--][nl\nx]'
	# Options end at the first word that is not one: the command's own
	# options are not parsed.
	run "$NC_CLI" run printf '%s,' --mode bogus
	assert_success
	assert_output '--mode,bogus,'
	run bash -c 'printf "line1\nline2" | "$1" run --stats -- cat 2>/dev/null' _ "$NC_CLI"
	assert_success
	assert_output $'line1\nline2'
	run "$NC_CLI" run -- pwd
	assert_output "$BATS_TEST_TMPDIR/wd"
}

@test "the shim is preloaded, and loaded into the command" {
	run "$NC_CLI" run -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	preload_words
	run cat "$BATS_TEST_TMPDIR/words"
	assert_output "$(realpath "$NC_SHIM")"
	run "$NC_CLI" run -- sh -c 'cat /proc/$$/maps'
	assert_output --partial "$(basename "$NC_SHIM")"
}

@test "an existing LD_PRELOAD is kept, after the shim" {
	LD_PRELOAD=$other run "$NC_CLI" run -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	preload_words
	run cat "$BATS_TEST_TMPDIR/words"
	assert_line --index 0 "$(realpath "$NC_SHIM")"
	assert_line --index 1 "$(realpath "$other")"
	[ "${#lines[@]}" -eq 2 ]
	LD_PRELOAD=$other run "$NC_CLI" run --stats -- sh -c 'grep -c -e libother.so -e libnamecache.so /proc/$$/maps >/dev/null && printf "%s\n" "$LD_PRELOAD"'
	assert_success
	assert_output --partial "$other"
}

@test "the shim is not added twice when namecache runs under namecache" {
	run "$NC_CLI" run -- "$NC_CLI" run -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	preload_words
	run cat "$BATS_TEST_TMPDIR/words"
	assert_output "$(realpath "$NC_SHIM")"
	LD_PRELOAD=$other run --separate-stderr "$NC_CLI" run -- "$NC_CLI" run --stats -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	preload_words
	run cat "$BATS_TEST_TMPDIR/words"
	assert_line --index 0 "$(realpath "$NC_SHIM")"
	assert_line --index 1 "$(realpath "$other")"
	[ "${#lines[@]}" -eq 2 ]
}

@test "the shim is not added twice when LD_PRELOAD already names it by another path" {
	# The caller preloads the shim as build/lib/libnamecache.so; the tool
	# finds it as build/bin/../lib/libnamecache.so.  Same file: keep one.
	LD_PRELOAD="$NC_SHIM $other" run "$NC_CLI" run -- sh -c 'printf "%s\n" "$LD_PRELOAD"'
	assert_success
	preload_words
	run grep -cxF "$(realpath "$NC_SHIM")" "$BATS_TEST_TMPDIR/words"
	assert_output 1
	run grep -cxF "$(realpath "$other")" "$BATS_TEST_TMPDIR/words"
	assert_output 1
}

@test "--mode sets NAMECACHE_MODE for the command and its records" {
	local m
	for m in strict relaxed off; do
		run "$NC_CLI" run --mode "$m" -- sh -c 'printf "%s\n" "$NAMECACHE_MODE"'
		assert_success
		assert_output "$m"
		run "$NC_CLI" run --mode="$m" -- sh -c 'printf "%s\n" "$NAMECACHE_MODE"'
		assert_output "$m"
		NAMECACHE_STATS=$BATS_TEST_TMPDIR/$m.rec run "$NC_CLI" run --stats --mode "$m" -- sh -c 'sh -c true'
		assert_success
		run nc_stats_records "$BATS_TEST_TMPDIR/$m.rec"
		[ "$output" -ge 2 ]
		run grep -vc " mode=$m " "$BATS_TEST_TMPDIR/$m.rec"
		assert_output 0
	done
	# Without --mode, nothing is set and the shim's default is strict.
	run "$NC_CLI" run -- sh -c 'printf "[%s]\n" "${NAMECACHE_MODE-unset}"'
	assert_output '[unset]'
	NAMECACHE_STATS=$BATS_TEST_TMPDIR/default.rec run "$NC_CLI" run -- sh -c 'sh -c true'
	run nc_stats_records "$BATS_TEST_TMPDIR/default.rec"
	[ "$output" -ge 2 ]
	run grep -vc ' mode=strict ' "$BATS_TEST_TMPDIR/default.rec"
	assert_output 0
	# --mode overrides the caller's NAMECACHE_MODE.
	NAMECACHE_MODE=relaxed run "$NC_CLI" run --mode off -- sh -c 'printf "%s\n" "$NAMECACHE_MODE"'
	assert_output off
}

@test "--stats forwards a signal sent with kill() to the command (USR1 trapped)" {
	local d=$BATS_TEST_TMPDIR pid
	# The command traps USR1, announces it is ready, and waits in `wait`
	# (which a trapped signal interrupts at once).
	"$NC_CLI" run --stats -- sh -c '
		trap "kill \$p 2>/dev/null; echo got USR1; exit 3" USR1
		sleep 30 >/dev/null 2>&1 </dev/null & p=$!
		echo ready >"$1"
		wait $p
		echo "not interrupted"
		exit 9' _ "$d/ready" >"$d/out" 2>"$d/err" &
	pid=$!
	nc_wait_file "$d/ready" 10
	kill -USR1 "$pid"
	nc_wait_pid "$pid" 10
	[ "$status" -eq 3 ] || fail "status $status; stdout: $(cat "$d/out"); stderr: $(cat "$d/err")"
	run cat "$d/out"
	assert_output "got USR1"
	run head -n1 "$d/err"
	assert_output --regexp '^namecache: [0-9]+ processes \([0-9]+ pids\), [0-9]+ calls$'
}

@test "--stats forwards SIGTERM to the command and exits 128+15" {
	local d=$BATS_TEST_TMPDIR pid
	"$NC_CLI" run --stats -- sh -c '
		sleep 30 >/dev/null 2>&1 </dev/null & p=$!
		trap "kill \$p 2>/dev/null; trap - TERM; kill -TERM \$\$" TERM
		echo ready >"$1"
		wait $p
		exit 9' _ "$d/ready" >"$d/out" 2>"$d/err" &
	pid=$!
	nc_wait_file "$d/ready" 10
	kill -TERM "$pid"
	nc_wait_pid "$pid" 10
	[ "$status" -eq 143 ] || fail "status $status; stderr: $(cat "$d/err")"
	run head -n1 "$d/err"
	assert_output --regexp '^namecache: [0-9]+ processes \([0-9]+ pids\), [0-9]+ calls$'
}

@test "without --stats the tool is the command itself (same pid)" {
	local d=$BATS_TEST_TMPDIR pid
	"$NC_CLI" run -- sh -c 'echo $$ >"$1"' _ "$d/pid" &
	pid=$!
	nc_wait_pid "$pid" 10
	assert_equal "$status" 0
	assert_equal "$(cat "$d/pid")" "$pid"
}
