# Shared helpers of the bats suites: where the build is, running a command
# with and without namecache, comparing the two runs, reading the --stats
# table, and bounded waits.
#
# Load with `load lib-namecache` after bats-support and bats-assert.
# NC_BUILD, NC_SHIM and NC_CLI come from tests/tests.mk; when unset they
# default to the repository's build/ so a suite also runs as
# `bats tests/bats/tNNNN-x.bats` after `make`.

bats_require_minimum_version 1.5.0

NC_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
NC_BUILD=${NC_BUILD:-$NC_TOP/build}
NC_SHIM=${NC_SHIM:-$NC_BUILD/lib/libnamecache.so}
NC_CLI=${NC_CLI:-$NC_BUILD/bin/namecache}
export NC_BUILD NC_SHIM NC_CLI

# A caller's own settings must not leak into the runs being compared.
unset NAMECACHE_MODE NAMECACHE_STATS NAMECACHE_LOG NAMECACHE_MAX_STALE_US \
	NAMECACHE_WARMUP NAMECACHE_INHERIT
unset LD_PRELOAD
# Nor a daemon of the user's: a bare LD_PRELOAD finds none (and caches for
# itself), `namecache run` starts one of its own; tests of the shared
# cache start theirs on private sockets.
export NAMECACHE_SOCKET=/nonexistent/namecache-tests/socket
# Nor those of a `make check` above: a nested make would print its level.
unset MAKEFLAGS MAKELEVEL MFLAGS MAKEOVERRIDES
export LC_ALL=C TZ=UTC

# Fail unless the shim and the CLI have been built.
nc_require_build() {
	[ -x "$NC_CLI" ] || fail "no CLI at $NC_CLI (run make first)"
	[ -f "$NC_SHIM" ] || fail "no shim at $NC_SHIM (run make first)"
}

# nc_package PROGRAM: the Debian package that provides PROGRAM.
nc_package() {
	case $1 in
	inotifywait) echo inotify-tools ;;
	mkfs.xfs) echo xfsprogs ;;
	mkfs.btrfs | btrfs) echo btrfs-progs ;;
	cc) echo gcc ;;
	ar | nm) echo binutils ;;
	setarch | setpriv | unshare) echo util-linux ;;
	chattr) echo e2fsprogs ;;
	ninja) echo ninja-build ;;
	systemd-*) echo systemd ;;
	*) echo "$1" ;;
	esac
}

# Skip the test unless every named program is installed; the reason names
# the Debian package to install (contrib/deps.sh lists them per target).
# nc_kernel_at_least MAJOR MINOR: the running kernel is that or later.
nc_kernel_at_least() {
	local r maj min
	r=$(uname -r)
	maj=${r%%.*}
	min=${r#*.}
	min=${min%%[!0-9]*}
	((maj > $1 || (maj == $1 && min >= $2)))
}

nc_require() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 ||
			skip "$p is not installed (Debian package $(nc_package "$p"))"
	done
}

# nc_plain NAME DIR CMD...: run CMD in DIR without the shim; its stdout,
# stderr and exit status go to $BATS_TEST_TMPDIR/NAME.out, .err and .rc.
nc_plain() {
	local name=$1 dir=$2 rc
	shift 2
	(cd "$dir" && exec "$@") >"$BATS_TEST_TMPDIR/$name.out" \
		2>"$BATS_TEST_TMPDIR/$name.err" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$BATS_TEST_TMPDIR/$name.rc"
}

# The cached runs cache from every process's first repeated lookup
# (NAMECACHE_WARMUP=0), not only in processes busy enough to pay for it:
# the comparisons are meant to exercise the cache, not to skip it.
NC_CACHED_WARMUP=NAMECACHE_WARMUP=0

# nc_cached NAME DIR CMD...: as nc_plain, under `namecache run --stats`; the
# table is split off stderr into NAME.stats.
nc_cached() {
	local name=$1 dir=$2 rc
	shift 2
	(cd "$dir" && exec env "$NC_CACHED_WARMUP" "$NC_CLI" run --stats -- "$@") \
		>"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.raw" \
		</dev/null && rc=0 || rc=$?
	echo "$rc" >"$BATS_TEST_TMPDIR/$name.rc"
	nc_split_stats "$BATS_TEST_TMPDIR/$name.raw" \
		"$BATS_TEST_TMPDIR/$name.err" "$BATS_TEST_TMPDIR/$name.stats"
}

# nc_clean_env: print the env(1) arguments of a minimal environment (for a
# nested bats that must not inherit this run's BATS_* variables, nor the
# bats-core libexec directory bats puts first on PATH).
nc_clean_env() {
	local path=$PATH
	path=$(tr ':' '\n' <<<"$path" | grep -v '/bats-core$' | paste -sd: -)
	printf '%s\n' -i "PATH=$path" "HOME=${HOME:-/}" LC_ALL=C TZ=UTC \
		"TMPDIR=$BATS_TEST_TMPDIR"
}

# nc_plain_clean NAME DIR CMD...: nc_plain in the minimal environment.
nc_plain_clean() {
	local name=$1 dir=$2 envargs
	shift 2
	mapfile -t envargs < <(nc_clean_env)
	nc_plain "$name" "$dir" env "${envargs[@]}" "$@" 3>&-
}

# nc_cached_clean NAME DIR CMD...: nc_cached in the minimal environment
# (set before namecache starts, so the shim is still preloaded).
nc_cached_clean() {
	local name=$1 dir=$2 envargs rc
	shift 2
	mapfile -t envargs < <(nc_clean_env)
	(cd "$dir" && exec env "${envargs[@]}" "$NC_CACHED_WARMUP" \
		"$NC_CLI" run --stats -- "$@" 3>&-) \
		>"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.raw" \
		</dev/null && rc=0 || rc=$?
	echo "$rc" >"$BATS_TEST_TMPDIR/$name.rc"
	nc_split_stats "$BATS_TEST_TMPDIR/$name.raw" \
		"$BATS_TEST_TMPDIR/$name.err" "$BATS_TEST_TMPDIR/$name.stats"
}

# nc_split_stats RAW ERR STATS: split stderr of `run --stats` at the last
# table header into the command's own stderr (byte-exact) and the table.
nc_split_stats() {
	perl -0777 -e '
		open(my $in, "<", $ARGV[0]) or die "$ARGV[0]: $!";
		local $/; my $s = <$in>; $s = "" unless defined $s;
		my ($err, $tab) = ("", "");
		if ($s =~ /\A(.*)(namecache: \d+ processes \(\d+ pids\), \d+ calls\n.*)\z/s) {
			($err, $tab) = ($1, $2);
		} else {
			$err = $s;
		}
		open(my $e, ">", $ARGV[1]) or die; print $e $err; close $e;
		open(my $t, ">", $ARGV[2]) or die; print $t $tab; close $t;
	' "$1" "$2" "$3"
}

# nc_stat_value TABLE FAMILY [COLUMN]: a number from a stats table file
# (COLUMN: calls, ok, enoent or other; default calls), 0 if the row is absent.
# Columns after the first five (cache hits) are ignored.
nc_stat_value() {
	local col
	case ${3:-calls} in
	calls) col=2 ;;
	ok) col=3 ;;
	enoent | ENOENT) col=4 ;;
	other) col=5 ;;
	*) fail "nc_stat_value: unknown column $3" ;;
	esac
	awk -v fam="$2" -v col="$col" '
		/^lookups not answered from the cache/ { exit }
		$1 == fam && NF >= 5 { v = $col; found = 1 }
		END { print found ? v : 0 }' "$1"
}

# nc_stat_processes TABLE: the process count of a stats table file
# (process images: the programs that ran).
nc_stat_processes() {
	sed -n 's/^namecache: \([0-9]*\) processes ([0-9]* pids), [0-9]* calls$/\1/p' "$1"
}

# nc_stat_pids TABLE: the number of distinct process IDs.
nc_stat_pids() {
	sed -n 's/^namecache: [0-9]* processes (\([0-9]*\) pids), [0-9]* calls$/\1/p' "$1"
}

# nc_stat_calls TABLE: the call count on the first line of a stats table.
nc_stat_calls() {
	sed -n 's/^namecache: [0-9]* processes ([0-9]* pids), \([0-9]*\) calls$/\1/p' "$1"
}

# nc_assert_shim_seen NAME: the cached run NAME recorded at least one
# process and one call, so the shim was really loaded.
nc_assert_shim_seen() {
	local t=$BATS_TEST_TMPDIR/$1.stats p c
	[ -s "$t" ] || fail "$1: no statistics table on stderr"
	p=$(nc_stat_processes "$t")
	c=$(nc_stat_calls "$t")
	[ "${p:-0}" -ge 1 ] || fail "$1: no process ran under the shim: $(cat "$t")"
	[ "${c:-0}" -ge 1 ] || fail "$1: no call was counted: $(cat "$t")"
}

# nc_normalise NAME FROM TO: replace every FROM by TO in NAME.out and .err.
nc_normalise() {
	local f
	for f in "$BATS_TEST_TMPDIR/$1.out" "$BATS_TEST_TMPDIR/$1.err"; do
		FROM=$2 TO=$3 perl -pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$f"
	done
}

# nc_assert_same_file A B: the two files are byte-identical (shows a diff).
nc_assert_same_file() {
	cmp -s "$1" "$2" && return 0
	diff -u "$1" "$2" | head -n 60 >&2 || true
	fail "$1 and $2 differ"
}

# nc_assert_same_run A B: runs A and B have identical stdout, stderr and
# exit status.
nc_assert_same_run() {
	local x
	for x in out err rc; do
		nc_assert_same_file "$BATS_TEST_TMPDIR/$1.$x" "$BATS_TEST_TMPDIR/$2.$x"
	done
}

# nc_out NAME: the stdout of run NAME.
nc_out() {
	cat "$BATS_TEST_TMPDIR/$1.out"
}

# nc_err NAME: the stderr of run NAME (without the stats table).
nc_err() {
	cat "$BATS_TEST_TMPDIR/$1.err"
}

# nc_rc NAME: the exit status of run NAME.
nc_rc() {
	cat "$BATS_TEST_TMPDIR/$1.rc"
}

# nc_wait_file FILE [SECONDS]: wait until FILE is non-empty; fail on timeout.
nc_wait_file() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
}

# nc_wait_pid PID [SECONDS]: wait for a background job of this shell to end
# and set $status to its exit status; kill it and fail on timeout.
nc_wait_pid() {
	local pid=$1 i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		fail "process $pid did not end within ${2:-10}s"
	fi
	status=0
	wait "$pid" || status=$?
}

# nc_stats_records FILE: the number of statistics records in FILE.
nc_stats_records() {
	grep -c '^namecache-stats 1 ' "$1" || true
}

# nc_python: the real python3 executable (not a wrapper script), or skip.
nc_python() {
	local py
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) ||
		skip "python3 is not installed"
	[ -x "$py" ] || skip "python3 is not installed"
	echo "$py"
}

# nc_umount DIR: unmount DIR, again for up to 2 s while the kernel says it
# is busy.  A daemon filling a path on that filesystem (what a client
# looked up) holds the mount for the length of its system call, as any
# process looking a path up there does, and an unmount that lands in
# that moment fails with EBUSY.  Used inside `bash -c` scripts too,
# through "$(declare -f nc_umount)".
nc_umount() {
	local i
	for ((i = 0; i < 40; i++)); do
		umount "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	umount "$1"
}
