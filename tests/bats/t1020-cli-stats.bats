#!/usr/bin/env bats
# Statistics: the --stats table's format, process and call counts checked
# against what really ran (strace), the ENOENT column, the user's own
# NAMECACHE_STATS, `namecache stats`, records that survive exec and _exit,
# and a statistics file that cannot be written.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	cd "$BATS_TEST_TMPDIR"
}

# check_table FILE: FILE is a well-formed table: the summary line, the
# header, rows of known families in report order with calls = ok + ENOENT
# + other and calls > 0, and a total row equal to the column sums and to
# the summary's call count, then the reasons, the exec lines and the
# coherence checks' line, if any.  Columns after "other" (cache hits) are
# allowed and not checked here.
check_table() {
	awk '
	BEGIN {
		n = split("stat lstat statx access readlink realpath open fopen opendir unlink rmdir rename mkdir mknod link symlink chmod chown utime truncate mktemp bind chdir chroot", fams, " ")
		for (i = 1; i <= n; i++) order[fams[i]] = i
	}
	function bad(msg) { print "bad table, line " NR ": " msg ": " $0; err = 1; exit 1 }
	# The exec lines: exec calls that had namecache put back, and
	# those left without it by reason.
	/^exec calls (with namecache put back: [0-9]+|left without namecache:( [a-z]+ [0-9]+,?)+)$/ {
		if (!total) bad("exec line before the total")
		if (checks) bad("exec line after the checks")
		if (shared) bad("exec line after the shared line")
		execs = 1; next
	}
	# Whether the images used the shared cache.
	/^namecache: shared cache: [0-9]+ process images attached \([0-9]+ handed down, [0-9]+ without asking\), [0-9]+ in-process( \(([a-z]+ [0-9]+(, )?)+\))?$/ {
		if (!total) bad("shared line before the total")
		if (checks) bad("shared line after the checks")
		shared = 1; next
	}
	# What attached images asked the daemon to fill, after the shared line.
	/^namecache: paths sent to the daemon to fill: [0-9]+, dropped: [0-9]+$/ {
		if (!shared) bad("hints line before the shared line")
		if (checks) bad("hints line after the checks")
		next
	}
	# The last line, when the records say how they checked.
	/^namecache: coherence checks: [0-9]+ process images with the daemon.s ring, [0-9]+ with io_uring, [0-9]+ with epoll_wait only$/ {
		if (!total) bad("checks before the total")
		checks = 1; next
	}
	checks { bad("line after the checks") }
	shared { bad("line after the shared line") }
	execs { bad("line after the exec lines") }
	# The reasons section after the table: "FAMILY reason n, reason n".
	/^lookups not answered from the cache, by reason:$/ {
		if (!total) bad("reasons before the total")
		reasons = 1; next
	}
	reasons {
		if (!($1 in order) || $0 !~ /^[a-z]+ +( [a-z]+ [0-9]+,?)+$/) bad("reason line")
		next
	}
	NR == 1 {
		if ($0 !~ /^namecache: [0-9]+ processes \([0-9]+ pids\), [0-9]+ calls$/) bad("summary")
		calls = $6; next
	}
	NR == 2 {
		h = sprintf("%-10s %12s %12s %12s %12s", "family", "calls", "ok", "ENOENT", "other")
		if (substr($0, 1, length(h)) != h || (length($0) > length(h) && substr($0, length(h) + 1, 1) != " ")) bad("header")
		extra = NF - 5
		next
	}
	$1 == "total" {
		if (NF != 5 + extra) bad("total fields")
		if ($2 != s2 || $3 != s3 || $4 != s4 || $5 != s5) bad("total is not the sum of the rows")
		if ($2 != calls) bad("total differs from the summary")
		if ($2 != $3 + $4 + $5) bad("total calls")
		if (index($0, sprintf("%-10s %12d %12d %12d %12d", $1, $2, $3, $4, $5)) != 1) bad("total layout")
		total = 1; next
	}
	{
		if (total) bad("row after total")
		if (NF != 5 + extra || !($1 in order)) bad("unknown family")
		if (order[$1] <= last) bad("family out of order")
		last = order[$1]
		if ($2 <= 0) bad("row without calls")
		if ($2 != $3 + $4 + $5) bad("calls != ok + ENOENT + other")
		if (index($0, sprintf("%-10s %12d %12d %12d %12d", $1, $2, $3, $4, $5)) != 1) bad("row layout")
		s2 += $2; s3 += $3; s4 += $4; s5 += $5
	}
	END { if (!err && !total) { print "no total row"; exit 1 } }' "$1"
}

# strace_count FILE SYSCALL [ERRNO]: calls of SYSCALL in an strace -f -o
# log, or only those that failed with ERRNO.
strace_count() {
	if [ -n "${3:-}" ]; then
		grep -cE "^[0-9]+ +$2\(.*= -1 $3 " "$1" || true
	else
		grep -cE "^[0-9]+ +$2\(" "$1" || true
	fi
}

@test "the --stats table is well formed and its counts add up" {
	mkdir d
	touch d/f
	nc_cached t . sh -c 'ls -l d >/dev/null; stat d/f d/missing >/dev/null 2>&1; cat d/missing 2>/dev/null; readlink d/f; env -i /bin/true; exit 0'
	assert_equal "$(nc_rc t)" 0
	run check_table t.stats
	assert_success
	# The exec line follows the table (the coherence line is test 16's:
	# whether this short run made a check at all depends on the machine).
	run sed -n '/^total /,$p' t.stats
	assert_line 'exec calls with namecache put back: 1'
	run cat t.stats
	assert_line --index 1 --regexp '^family            calls           ok       ENOENT        other( |$)'
	assert_line --regexp '^statx +[0-9]+ +[0-9]+ +[1-9][0-9]* +[0-9]+( |$)'
	assert_line --regexp '^readlink +[1-9][0-9]* +0 +0 +[1-9][0-9]*( |$)'
	assert_line --regexp '^total '
	# `namecache stats` prints the same table on stdout.
	NAMECACHE_STATS=$PWD/user.rec "$NC_CLI" run --stats -- sh -c 'ls -l d >/dev/null; exit 0' 2>raw.err
	nc_split_stats raw.err cmd.err run.stats
	[ ! -s cmd.err ]
	run check_table run.stats
	assert_success
	"$NC_CLI" stats user.rec >stats.out
	nc_assert_same_file run.stats stats.out
}

@test "the process count is the number of processes that ran (fork, exec, nesting)" {
	local py
	py=$(nc_python)
	# bash forks once per external command it does not exec in place;
	# the final "exit 0" stops it from exec'ing the last one.
	nc_cached t1 . bash -c 'for i in 1 2 3 4 5; do /bin/true; done; exit 0'
	assert_equal "$(nc_stat_pids t1.stats)" 6
	# Processes: bash and five true (a forked copy that execs is none).
	assert_equal "$(nc_stat_processes t1.stats)" 6
	nc_cached t2 . bash -c '/bin/sh -c "/bin/true; /bin/true; exit 0"; /bin/true; exit 0'
	assert_equal "$(nc_stat_pids t2.stats)" 5
	assert_equal "$(nc_stat_processes t2.stats)" 5
	# An exec chain is one pid ...
	nc_cached t3 . bash -c 'exec /bin/sh -c "exec /bin/true"'
	assert_equal "$(nc_stat_pids t3.stats)" 1
	# ... running three programs, each a process of the table.
	assert_equal "$(nc_stat_processes t3.stats)" 3
	# fork without exec: every child writes its own record at _exit.
	nc_cached t4 . "$py" -S -c '
import os
kids = []
for i in range(7):
    pid = os.fork()
    if pid == 0:
        os.stat("/")
        os._exit(0)
    kids.append(pid)
for k in kids:
    os.waitpid(k, 0)
'
	assert_equal "$(nc_rc t4)" 0
	assert_equal "$(nc_stat_pids t4.stats)" 8
	assert_equal "$(nc_stat_processes t4.stats)" 8
	for t in t1 t2 t3 t4; do
		run check_table $t.stats
		assert_success
	done
}

@test "statx and readlink counts equal the system calls strace sees" {
	nc_require strace
	# Why these are 1:1: on x86-64 glibc never calls statx or readlink
	# internally for stat(1) and readlink(1) (fstatat uses newfstatat,
	# realpath is not used without -f), the loader does not call them,
	# and each program call goes through the interposed symbol to exactly
	# one system call.  strace itself runs without the shim.
	local i args=()
	mkdir tree
	for i in $(seq 1 40); do
		: >"tree/f$i"
		args+=("tree/f$i")
	done
	for i in $(seq 1 10); do
		ln -s "f$i" "tree/l$i"
		args+=("tree/l$i")
	done
	ln -s nowhere tree/dangling
	args+=(tree tree/dangling tree/ tree/f1/ tree/missing1 tree/missing2 tree/missing3 missing/x)
	nc_cached st . stat -c '%n %F' "${args[@]}"
	assert_equal "$(nc_rc st)" 1
	strace -f -qq -o strace.log -e trace=statx stat -c '%n %F' "${args[@]}" >strace.out 2>strace.err || true
	nc_assert_same_file strace.out st.out
	local sc se
	sc=$(strace_count strace.log statx)
	se=$(strace_count strace.log statx ENOENT)
	# One statx per argument, four of them missing (and tree/f1/ ENOTDIR).
	assert_equal "$sc" "${#args[@]}"
	assert_equal "$se" 4
	assert_equal "$(nc_stat_value st.stats statx calls)" "$sc"
	assert_equal "$(nc_stat_value st.stats statx enoent)" "$se"
	assert_equal "$(nc_stat_value st.stats statx other)" 1
	assert_equal "$(nc_stat_value st.stats statx ok)" $((sc - se - 1))

	nc_cached rl . readlink tree/l1 tree/l2 tree/l3 tree/dangling tree/f1 tree/missing1
	strace -f -qq -o strace2.log -e trace=readlink,readlinkat readlink tree/l1 tree/l2 tree/l3 tree/dangling tree/f1 tree/missing1 >/dev/null 2>&1 || true
	run nc_out rl
	assert_output $'f1\nf2\nf3\nnowhere'
	sc=$(($(strace_count strace2.log readlink) + $(strace_count strace2.log readlinkat)))
	assert_equal "$sc" 6
	assert_equal "$(nc_stat_value rl.stats readlink calls)" "$sc"
	assert_equal "$(nc_stat_value rl.stats readlink ok)" 4
	assert_equal "$(nc_stat_value rl.stats readlink enoent)" 1
	assert_equal "$(nc_stat_value rl.stats readlink other)" 1
}

@test "the ENOENT column counts lookups of missing paths" {
	local py
	py=$(nc_python)
	mkdir -p a/b
	nc_cached base . "$py" -S -c 'pass'
	nc_cached miss . "$py" -S -c '
import os
for i in range(25):
    try:
        os.stat("a/b/missing%d" % i)
    except FileNotFoundError:
        pass
for i in range(5):
    os.stat("a/b")
try:
    os.stat("a/b/../nope/x")
except FileNotFoundError:
    pass
try:
    os.stat("/dev/null/x")
except NotADirectoryError:
    pass
'
	assert_equal "$(nc_rc miss)" 0
	assert_equal $(($(nc_stat_value miss.stats stat enoent) - $(nc_stat_value base.stats stat enoent))) 26
	assert_equal $(($(nc_stat_value miss.stats stat ok) - $(nc_stat_value base.stats stat ok))) 5
	assert_equal $(($(nc_stat_value miss.stats stat other) - $(nc_stat_value base.stats stat other))) 1
}

@test "a NAMECACHE_STATS set by the user is appended to when --stats is used" {
	echo 'namecache-stats 1 pid=1 ppid=0 comm=seed mode=strict end=exit stat=5,0,0' >user.rec
	NAMECACHE_STATS=$PWD/user.rec run --separate-stderr "$NC_CLI" run --stats -- bash -c '/bin/true; stat / >/dev/null; exit 0'
	assert_success
	run head -n1 user.rec
	assert_output 'namecache-stats 1 pid=1 ppid=0 comm=seed mode=strict end=exit stat=5,0,0'
	# bash, and for each child the forked bash (end=exec) and the program.
	run nc_stats_records user.rec
	assert_output 6
	run grep -c ' comm=stat .* statx=1,0,0' user.rec
	assert_output 1
	# The user's file holds this run's records plus the seed.
	run "$NC_CLI" stats user.rec
	assert_success
	assert_line --index 0 --regexp '^namecache: 4 processes \(4 pids\), [0-9]+ calls$'
	assert_line --regexp '^statx +1 +1 +0 +0( |$)'
}

@test "namecache stats reads records written by the shim alone" {
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/shim.rec bash -c 'stat / /nonexistent >/dev/null 2>&1; /bin/true; exit 0'
	run nc_stats_records shim.rec
	assert_output 5
	run grep -c '^namecache-stats 1 pid=[0-9]* ppid=[0-9]* comm=[a-z]* mode=strict end=\(exit\|_exit\|exec\)' shim.rec
	assert_output 5
	run --separate-stderr "$NC_CLI" stats shim.rec
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --regexp '^namecache: 3 processes \(3 pids\), [0-9]+ calls$'
	assert_line --regexp '^statx +2 +1 +1 +0( |$)'
	echo "$output" >t.stats
	run check_table t.stats
	assert_success
	# Standard input, "-", and several files add up.
	run "$NC_CLI" stats <shim.rec
	assert_output "$(cat t.stats)"
	run "$NC_CLI" stats - <shim.rec
	assert_output "$(cat t.stats)"
	run "$NC_CLI" stats shim.rec shim.rec
	assert_line --regexp '^statx +4 +2 +2 +0( |$)'
	# Same pids twice are still 3 pids.
	assert_line --index 0 --regexp '^namecache: [0-9]+ processes \(3 pids\), '
	# Lines that are not records are counted and skipped.
	{ cat shim.rec; echo 'garbage'; echo 'namecache-stats 99 pid=1'; } >mixed.rec
	run "$NC_CLI" stats mixed.rec
	assert_success
	assert_line --index 1 'namecache: 2 lines were not statistics records and were skipped'
	assert_line --regexp '^statx +2 +1 +1 +0( |$)'
}

@test "records survive exec: one record per image, the new image keeps the pid" {
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/exec.rec bash -c 'exec /bin/true'
	run nc_stats_records exec.rec
	assert_output 2
	run sed -n 's/^namecache-stats 1 pid=\([0-9]*\) .* comm=\([^ ]*\) mode=strict end=\([a-z_]*\).*/\1 \2 \3/p' exec.rec
	assert_line --index 0 --regexp '^[0-9]+ bash exec$'
	assert_line --index 1 --regexp '^[0-9]+ true exit$'
	[ "${lines[0]%% *}" = "${lines[1]%% *}" ]
	# The calls of the new image are counted in its record.
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/exec2.rec bash -c 'exec stat -c %n / /nonexistent' || true
	run grep -cE ' comm=stat mode=strict end=exit( [a-z]+=[a-z]+)* statx=1,1,0' exec2.rec
	assert_output 1
	run "$NC_CLI" stats exec2.rec
	assert_line --index 0 --regexp '^namecache: 2 processes \(1 pids\), '
}

@test "records survive _exit: os._exit still reports python's stat calls" {
	local py
	py=$(nc_python)
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/base.rec "$py" -S -c 'import os; os._exit(0)'
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/one.rec "$py" -S -c 'import os; os.stat("/"); os._exit(0)'
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$PWD/many.rec "$py" -S -c 'import os
for i in range(100): os.stat("/")
os._exit(0)'
	local f
	for f in base one many; do
		run grep -c ' end=_exit ' $f.rec
		assert_output 1
		"$NC_CLI" stats $f.rec >$f.stats
	done
	assert_equal $(($(nc_stat_value one.stats stat ok) - $(nc_stat_value base.stats stat ok))) 1
	assert_equal $(($(nc_stat_value many.stats stat ok) - $(nc_stat_value base.stats stat ok))) 100
	# os._exit under namecache run --stats: same counts.
	nc_cached r . "$py" -S -c 'import os; os.stat("/"); os._exit(5)'
	assert_equal "$(nc_rc r)" 5
	assert_equal "$(nc_stat_value r.stats stat ok)" "$(nc_stat_value one.stats stat ok)"
}

@test "a NAMECACHE_STATS that cannot be written under --stats is reported once; the command succeeds" {
	NAMECACHE_STATS=$BATS_TEST_TMPDIR/no-dir/x.rec run --separate-stderr "$NC_CLI" run --stats -- bash -c 'echo out; /bin/true; /bin/true; exit 0'
	assert_success
	assert_output out
	run grep -c 'cannot append statistics' <<<"$stderr"
	assert_output 1
	run grep -cx "namecache: cannot append statistics to $BATS_TEST_TMPDIR/no-dir/x.rec: No such file or directory" <<<"$stderr"
	assert_output 1
}

@test "a NAMECACHE_STATS that cannot be written is one line from the shim alone; the program's result is unchanged" {
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=$BATS_TEST_TMPDIR/no-dir/x.rec run -3 --separate-stderr /bin/sh -c 'echo out; exit 3'
	assert_output out
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "${stderr_lines[0]}" "^namecache\[[0-9]+\]: cannot append statistics to $BATS_TEST_TMPDIR/no-dir/x.rec: ENOENT$"
	# Bad values: one line, the cache turns itself off, the program runs.
	LD_PRELOAD=$NC_SHIM NAMECACHE_MODE=bogus run -3 --separate-stderr /bin/sh -c 'echo out; exit 3'
	assert_output out
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "${stderr_lines[0]}" "^namecache\[[0-9]+\]: NAMECACHE_MODE='bogus': expected strict, relaxed or off; the cache is off for this process$"
	LD_PRELOAD=$NC_SHIM NAMECACHE_STATS=relative run -3 --separate-stderr /bin/sh -c 'echo out; exit 3'
	assert_output out
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "stderr: $stderr"
	assert_regex "${stderr_lines[0]}" "^namecache\[[0-9]+\]: NAMECACHE_STATS='relative': expected an absolute path; the cache is off for this process$"
	[ ! -e relative ]
}

@test "a NAMECACHE_STATS that cannot be written under plain run is reported once, not by every process" {
	NAMECACHE_STATS=$BATS_TEST_TMPDIR/no-dir/x.rec run --separate-stderr "$NC_CLI" run -- bash -c 'echo out; /bin/true; /bin/true; exit 0'
	assert_success
	assert_output out
	run grep -c "$BATS_TEST_TMPDIR/no-dir/x.rec" <<<"$stderr"
	assert_output 1
}

@test "git status in a repository of 2000 tracked files does about one lstat per file" {
	nc_require git
	local k=2000 i d
	export HOME=$BATS_TEST_TMPDIR GIT_CONFIG_NOSYSTEM=1
	git init -q repo
	cd repo
	for d in $(seq 0 19); do
		mkdir "d$d"
		for i in $(seq "$d" 20 $((k - 1))); do
			echo "$i" >"d$d/f$i.c"
		done
	done
	# Old mtimes: no entry is "racily clean", which would make git
	# re-read and re-stat files depending on timing.
	find . -path ./.git -prune -o -type f -exec touch -d '2020-01-01' {} +
	git add .
	git -c user.name=t -c user.email=t@example.com commit -qm init
	git status --porcelain >/dev/null
	run git ls-files
	[ "${#lines[@]}" -eq "$k" ]
	nc_cached gs . git status --porcelain
	assert_equal "$(nc_rc gs)" 0
	[ ! -s "$BATS_TEST_TMPDIR/gs.out" ]
	local n
	n=$(nc_stat_value "$BATS_TEST_TMPDIR/gs.stats" lstat calls)
	[ "$n" -ge "$k" ] && [ "$n" -le $((k * 12 / 10 + 50)) ] ||
		fail "lstat count $n is not between $k and $((k * 12 / 10 + 50)): $(cat "$BATS_TEST_TMPDIR/gs.stats")"
}

# reason_count TABLE FAMILY REASON: how many lookups of FAMILY (or of
# every family: all) the table says were not answered for REASON.
reason_count() {
	awk -v fam="$2" -v why="$3" '
		/^lookups not answered/ { r = 1; next }
		r && ($1 == fam || fam == "all") {
			for (i = 2; i <= NF; i += 2) {
				n = $(i + 1); sub(/,$/, "", n)
				if ($i == why) sum += n
			}
		}
		END { print sum + 0 }' "$1"
}

# hit_count TABLE FAMILY: the hits column of FAMILY's row.
hit_count() {
	awk -v fam="$2" '$1 == fam && NF >= 6 { print $6; f = 1 } END { if (!f) print 0 }' "$1"
}

# A loop of 100 stat() calls of one path in one short process (bash,
# which makes a few dozen other stat() calls of its own as it starts),
# with the process's own cache (the warmup is the in-process cache's).
stat_loop() {
	run --separate-stderr env "$@" "$NC_CLI" run --stats --no-daemon -- \
		bash -c 'for ((i = 0; i < 100; i++)); do [ -e /etc/passwd ] || exit 9; done'
	assert_success
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/loop.stats"
}

@test "by default a short process caches nothing: its repeats are counted as warmup" {
	stat_loop
	local w
	assert_equal "$(hit_count "$BATS_TEST_TMPDIR/loop.stats" stat)" 0
	w=$(reason_count "$BATS_TEST_TMPDIR/loop.stats" stat warmup)
	[ "$w" -ge 99 ] || fail "$w warmup: $(cat "$BATS_TEST_TMPDIR/loop.stats")"
}

@test "by default a short process opens no inotify instance (its exit would wait for it)" {
	nc_require strace
	run strace -f -qq -e signal=none \
		-e trace=inotify_init,inotify_init1,inotify_add_watch \
		-o "$BATS_TEST_TMPDIR/trace" "$NC_CLI" run --no-daemon -- \
		bash -c 'for ((i = 0; i < 100; i++)); do [ -e /etc/passwd ]; done'
	assert_success
	[ ! -s "$BATS_TEST_TMPDIR/trace" ] ||
		fail "inotify used: $(cat "$BATS_TEST_TMPDIR/trace")"
}

@test "NAMECACHE_WARMUP=0 caches from the first repeat; =50 after 50 repeats" {
	stat_loop NAMECACHE_WARMUP=0
	local h
	h=$(hit_count "$BATS_TEST_TMPDIR/loop.stats" stat)
	[ "$h" -ge 95 ] || fail "only $h hits: $(cat "$BATS_TEST_TMPDIR/loop.stats")"
	assert_equal "$(reason_count "$BATS_TEST_TMPDIR/loop.stats" stat warmup)" 0
	stat_loop NAMECACHE_WARMUP=50
	h=$(hit_count "$BATS_TEST_TMPDIR/loop.stats" stat)
	[ "$h" -ge 45 ] || fail "$h hits: $(cat "$BATS_TEST_TMPDIR/loop.stats")"
	# Repeats of every family count towards the warmup, exactly 50.
	assert_equal "$(reason_count "$BATS_TEST_TMPDIR/loop.stats" all warmup)" 50
}

@test "run --stats counts the process images of each coherence check" {
	touch x
	NAMECACHE_WARMUP=0 NAMECACHE_CHECK=uring run --separate-stderr "$NC_CLI" run --stats --no-daemon -- \
		bash -c 'for i in 1 2 3 4 5 6 7 8; do test -e x; done'
	assert_success
	[[ $stderr == *"namecache: coherence checks: 0 process images with the daemon's ring, 1 with io_uring, 0 with epoll_wait only"* ]]
	NAMECACHE_WARMUP=0 NAMECACHE_CHECK=epoll run --separate-stderr "$NC_CLI" run --stats --no-daemon -- \
		bash -c 'for i in 1 2 3 4 5 6 7 8; do test -e x; done'
	assert_success
	[[ $stderr == *"namecache: coherence checks: 0 process images with the daemon's ring, 0 with io_uring, 1 with epoll_wait only"* ]]
	# No check made: no such line.
	run --separate-stderr "$NC_CLI" run --stats -- true
	assert_success
	[[ $stderr != *"coherence checks"* ]]
}

@test "run --stats counts the images checked with the daemon's watch ring" {
	nc_kernel_at_least 6 5 || skip "the watch ring needs Linux 6.5 (IORING_SETUP_NO_MMAP)"
	touch x
	NAMECACHE_WARMUP=0 run --separate-stderr "$NC_CLI" run --stats -- \
		bash -c 'for i in $(seq 200); do test -e x; done'
	assert_success
	# bash, and seq: every image that checked, checked with the ring.
	[[ $stderr =~ "namecache: coherence checks: "[1-9][0-9]*" process images with the daemon's ring, 0 with io_uring, 0 with epoll_wait only" ]] ||
		fail "$stderr"
}
