#!/usr/bin/env bash
# The benchmarks of namecache (`make bench`).
#
#   tests/bench/run.sh [SECTION...]
#
# SECTION is any of: micro startup git make ninja cc bats python attach
# memory builds (default: all).  Runs every command without namecache and
# with it in each mode (off, strict, relaxed: each process caching for
# itself; shared-strict, shared-relaxed: attached to a daemon kept warm on
# a private socket for the whole run), interleaved, prints the tables,
# and, when every section ran, writes docs/benchmarks.md and
# docs/bench-*.svg.
#
#   attach  what a new process pays to load the shim and attach: a tiny
#           program timing its start and first lookups, and `true` and
#           `sh -c :` under LD_PRELOAD and `namecache run`
#   memory  a fresh daemon's memory after 100,000 lookups (quick: 10,000)
#   builds  clean make -j2 and ninja -j2 of a generated tree of 1,000 C
#           files, an incremental build, and a build next to a `git
#           status` loop: time, and from one more run's statistics
#           records the share of strict lookups in doubt and the hit rate
#
# Environment:
#   NC_BUILD        build directory holding lib/libnamecache.so and
#                   bin/namecache (default: build)
#   NC_BENCH_DIR    scratch directory for generated trees and results
#                   (default: $NC_BUILD/bench-work)
#   NC_BENCH_QUICK  1: a smoke run of a few minutes (fewer rounds, smaller
#                   trees); its report says so
#   NC_BENCH_ROUNDS rounds per benchmark (default 5; quick 3)
#   NC_BENCH_DOC    where to write the report (default docs/benchmarks.md;
#                   the plots go next to it)
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/bench
ALL_SECTIONS="micro startup git make ninja cc bats python attach memory builds"

# Print a progress line on stderr, with the seconds elapsed.
say() {
	printf '== [%4d s] %s\n' "$((SECONDS - ${START:-0}))" "$*" >&2
}

# Print an error and exit.
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# Make a path absolute relative to the top of the tree.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$TOP/$1" ;;
	esac
}

# Remove variables that would change what the measured commands do.
clean_environment() {
	unset LD_PRELOAD NAMECACHE_MODE NAMECACHE_STATS NAMECACHE_LOG \
		NAMECACHE_MAX_STALE_US NAMECACHE_SOCKET NAMECACHE_WARMUP NAMECACHE_CHECK
	unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
	unset NC_TEST_PRELOAD ASAN_OPTIONS TSAN_OPTIONS
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	export LC_ALL=C TZ=UTC
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
}

# Set the sizes and round counts of a full or a quick run.
set_parameters() {
	if [ "${NC_BENCH_QUICK:-0}" = 1 ]; then
		QUICK=1 ROUNDS=3 MICRO_MS=20 MICRO_COLD=5000
		GIT_FILES=5000 BUILD_TARGETS=500 BATS_TESTS=40 PY_MODULES=500
		CLEAN_TARGETS=100 ATTACH_CHILDREN=30 MEM_ENTRIES=10000
	else
		QUICK=0 ROUNDS=5 MICRO_MS=60 MICRO_COLD=20000
		GIT_FILES=50000 BUILD_TARGETS=5000 BATS_TESTS=200 PY_MODULES=500
		CLEAN_TARGETS=1000 ATTACH_CHILDREN=100 MEM_ENTRIES=100000
	fi
	# The compiler workload's -I directories.
	CC_DIRS=30
	ROUNDS=${NC_BENCH_ROUNDS:-$ROUNDS}
	WARMUP=1
	# Cheap workloads get extra rounds: up to MAX_ROUNDS within BUDGET s.
	MAX_ROUNDS=$((ROUNDS * 3)) BUDGET=6
}

# Fail early, with the package names, if a needed tool is missing.
check_tools() {
	local missing="" t
	for t in cc:gcc make:make git:git ninja:ninja-build bats:bats \
		strace:strace gnuplot:gnuplot-nox nm:binutils; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	[ -x "$PY" ] || missing="$missing python3"
	[ -z "$missing" ] ||
		die "missing tools; install them with: apt-get install -y$missing"
	[ -f "$SHIM" ] || die "no shim at $SHIM (run make first)"
	[ -x "$CLI" ] || die "no CLI at $CLI (run make first)"
}

# bench_program NAME [OUT FLAGS...]: build tests/bench/NAME.c into
# $BUILD/bench/OUT (default NAME), with FLAGS added (-shared -fPIC: a
# library), when it is missing or older than its source.
bench_program() {
	local src=$HERE/$1.c bin=$BUILD/bench/${2:-$1}
	shift $(($# < 2 ? $# : 2))
	if [ ! -f "$bin" ] || [ "$src" -nt "$bin" ]; then
		mkdir -p "$BUILD/bench"
		${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -U_FORTIFY_SOURCE \
			-U_FILE_OFFSET_BITS -Wall -Wextra "$@" -o "$bin" \
			"$src" -pthread
	fi
}

# Build the micro and attach benchmarks; check that they import the
# public symbols.
build_micro() {
	MICRO=$BUILD/bench/micro
	ATTACH=$BUILD/bench/attach
	bench_program micro
	bench_program attach
	EMPTY=$BUILD/bench/libempty.so
	bench_program empty libempty.so -shared -fPIC
	local s
	for s in stat lstat statx access readlink realpath open fopen; do
		nm -D "$MICRO" | grep -q " U $s@" ||
			die "$MICRO does not import $s (fortified or renamed?)"
	done
	nm -D "$ATTACH" | grep -q " U stat@" ||
		die "$ATTACH does not import stat (fortified or renamed?)"
}

# start_daemon VAR: start a daemon on a fresh private socket (a new 0700
# directory) and set VAR to the socket's path; stop_daemons stops every
# daemon started so (also on exit, through the trap main sets).
DAEMON_SOCKETS=""
start_daemon() {
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/nc-bench.XXXXXX")
	NAMECACHE_SOCKET=$dir/socket "$CLI" daemon start ||
		die "namecache daemon start failed on $dir/socket"
	DAEMON_SOCKETS="$DAEMON_SOCKETS $dir/socket"
	printf -v "$1" '%s' "$dir/socket"
}

stop_daemons() {
	local s
	# A daemon the builds left stopped (run_builds) must hear the stop.
	[ -z "${BUILDS_DAEMON_PID:-}" ] || kill -CONT "$BUILDS_DAEMON_PID" 2>/dev/null || true
	for s in $DAEMON_SOCKETS; do
		NAMECACHE_SOCKET=$s "$CLI" daemon stop >/dev/null 2>&1 || true
		rm -rf "${s%/socket}"
	done
	DAEMON_SOCKETS=""
}

# gen_tree NAME GENERATOR ARGS...: generate a tree once; cache it by key.
gen_tree() {
	local name=$1 gen=$2 dir key
	shift 2
	dir=$WORK/trees/$name
	key=$( (cat "$HERE/$gen"; printf '%s\n' "$@") | sha256sum | cut -c1-16)
	if [ -f "$dir/.key" ] && [ "$(cat "$dir/.key")" = "$key" ]; then
		return
	fi
	say "generating $name ($gen $*)"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	"$PY" "$HERE/$gen" "$dir.tmp" "$@" || die "$gen failed"
	mv "$dir.tmp" "$dir"
	printf '%s\n' "$key" >"$dir/.key"
}

# Record the machine, the software and the run's parameters.
record_machine() {
	local f=$RES/machine.tsv gov hyp fs commit
	gov=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor \
		2>/dev/null || echo "not exposed")
	hyp=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *//p')
	fs=$(stat -f -c %T "$WORK")
	commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	if [ -n "$(git -C "$TOP" status --porcelain -uno 2>/dev/null)" ]; then
		commit="$commit (with uncommitted changes)"
	fi
	{
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p')"
		printf 'cores\t%s online (%s)\n' "$(nproc)" \
			"$(lscpu | sed -n 's/^Thread(s) per core: */threads per core: /p')"
		printf 'hypervisor\t%s\n' "${hyp:-none}"
		printf 'frequency governor\t%s\n' "$gov"
		printf 'memory\t%s MiB\n' "$(free -m | awk '/^Mem:/ {print $2}')"
		printf 'kernel\t%s\n' "$(uname -srm)"
		printf 'page-table isolation (meltdown)\t%s\n' \
			"$(cat /sys/devices/system/cpu/vulnerabilities/meltdown \
				2>/dev/null || echo unknown)"
		# The floor of a strict hit (docs/coherence.md): one system call.
		printf 'bare system call (getppid)\t%s ns\n' \
			"$("$MICRO" -d / -c syscall -s 3 -k warm -m 50 | cut -f6)"
		# What a new process pays per page of the arena it reads first
		# (a page fault; a trap to the hypervisor too where it keeps
		# shadow page tables): the floor under attaching.
		printf 'first touch of a page of a shared mapping\t%s us (median)\n' \
			"$("$ATTACH" --touch)"
		printf 'glibc\t%s\n' "$(getconf GNU_LIBC_VERSION)"
		printf 'gcc\t%s\n' "$(${CC:-cc} --version | head -1)"
		printf 'scratch filesystem\t%s\n' "$fs"
		printf 'git\t%s\n' "$(git --version)"
		printf 'make\t%s\n' "$(make --version | head -1)"
		printf 'ninja\t%s\n' "$(ninja --version)"
		printf 'bats\t%s\n' "$(bats --version)"
		printf 'python\t%s (%s)\n' "$("$PY" --version 2>&1)" "$PY"
		printf 'strace\t%s\n' "$(strace -V | head -1)"
		printf 'namecache\t%s, source %s\n' "$("$CLI" --version)" "$commit"
		printf 'load average at start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$f"
}

# Append the four configurations of one micro cell to the spec.
micro_cell() {
	local call=$1 shape=$2 kind=$3 threads=$4 args
	args="-d $(printf %q "$WORK/trees/micro-$MICRO_COLD") -c $call -s $shape"
	args="$args -k $kind -t $threads -m $MICRO_MS -n $MICRO_COLD"
	local b="$call $shape $kind $threads"
	printf '%s\tplain\t%s\t-\t%s %s\n' "$b" "$WORK" "$(printf %q "$MICRO")" "$args"
	for m in off strict relaxed; do
		printf '%s\t%s\t%s\t-\tLD_PRELOAD=%s NAMECACHE_MODE=%s %s %s\n' \
			"$b" "$m" "$WORK" "$(printf %q "$SHIM")" "$m" \
			"$(printf %q "$MICRO")" "$args"
	done
}

# Run the micro benchmark: every call, shape, kind and thread count.
run_micro() {
	local call shape kind threads
	gen_tree "micro-$MICRO_COLD" gen-micro.py "$MICRO_COLD"
	say "micro: 8 calls x 2 paths x warm/cold x 1/2 threads, 4 configurations"
	for call in stat lstat statx access readlink realpath open fopen; do
		for shape in 3 12; do
			for kind in warm cold; do
				for threads in 1 2; do
					micro_cell "$call" "$shape" "$kind" "$threads"
				done
			done
		done
	done >"$RES/micro.spec"
	"$PY" "$HERE/abrun.py" --out "$RES/micro.tsv" --rounds "$ROUNDS" \
		--warmup "$WARMUP" --capture --errdir "$RES/err" \
		<"$RES/micro.spec"
}

# work BENCH DIR PREPARE COMMAND...: the configurations of a workload:
# plain, each process caching for itself (off, strict, relaxed: `namecache
# run --no-daemon`), and attached to the run's warm daemon (shared-strict,
# shared-relaxed).
work() {
	local bench=$1 dir=$2 prep=$3
	shift 3
	work_configs "$bench" "$dir" "$prep" \
		"off strict relaxed shared-strict shared-relaxed" "$@"
}

# work_configs BENCH DIR PREPARE CONFIGS COMMAND...: the plain line and
# one per configuration named in CONFIGS.
work_configs() {
	local bench=$1 dir=$2 prep=$3 configs=$4 cmd m nc
	shift 4
	cmd=$(printf '%q ' "$@")
	cmd=${cmd% }
	nc=$(printf %q "$CLI")
	printf '%s\tplain\t%s\t%s\t%s\n' "$bench" "$dir" "$prep" "$cmd"
	for m in $configs; do
		case $m in
		shared-*)
			printf '%s\t%s\t%s\t%s\tNAMECACHE_SOCKET=%s %s run --mode %s -- %s\n' \
				"$bench" "$m" "$dir" "$prep" "$(printf %q "$SOCK")" \
				"$nc" "${m#shared-}" "$cmd" ;;
		*)
			printf '%s\t%s\t%s\t%s\t%s run --no-daemon --mode %s -- %s\n' \
				"$bench" "$m" "$dir" "$prep" "$nc" "$m" "$cmd" ;;
		esac
	done
}

# Write the workload spec for the selected sections.
workload_spec() {
	local t=$WORK/trees s
	for s in $SECTIONS; do
		case $s in
		startup)
			work "startup: true" "$WORK" - /bin/true ;;
		git)
			work "git status, clean" "$t/git-$GIT_FILES/repo" - git status
			work "git status, 1% touched" "$t/git-$GIT_FILES/repo" \
				"xargs -a ../touch.lst touch" git status ;;
		make)
			work "make, no-op" "$t/build-$BUILD_TARGETS" - make -j2
			work "make, one file changed" "$t/build-$BUILD_TARGETS" \
				"touch src/d00/u0000.c" make -j2 ;;
		ninja)
			work "ninja, no-op" "$t/build-$BUILD_TARGETS" - ninja
			work "ninja, one file changed" "$t/build-$BUILD_TARGETS" \
				"touch src/d00/u0000.c" ninja ;;
		cc)
			# shellcheck disable=SC2046
			work "cc, 200 headers, $CC_DIRS -I" "$t/cc-$CC_DIRS" - \
				cc -O2 -c main.c -o main.o $(cat "$t/cc-$CC_DIRS/args") ;;
		bats)
			work "bats, $BATS_TESTS tests" "$t/bats-$BATS_TESTS" - \
				bats suite ;;
		python)
			work "python, $PY_MODULES modules" "$t/python-$PY_MODULES" - \
				"$PY" main.py ;;
		esac
	done
}

# Generate the trees the selected workloads need.
generate_workloads() {
	local s
	for s in $SECTIONS; do
		case $s in
		git) gen_tree "git-$GIT_FILES" gen-git.py "$GIT_FILES" ;;
		make | ninja)
			gen_tree "build-$BUILD_TARGETS" gen-build.py "$BUILD_TARGETS" ;;
		cc) gen_tree "cc-$CC_DIRS" gen-cc.py "$CC_DIRS" ;;
		bats) gen_tree "bats-$BATS_TESTS" gen-bats.py "$BATS_TESTS" ;;
		python)
			gen_tree "python-$PY_MODULES" gen-python.py "$PY_MODULES" \
				"$PY" ;;
		builds)
			gen_tree "build-$CLEAN_TARGETS" gen-build.py "$CLEAN_TARGETS"
			gen_tree "git-$GIT_FILES" gen-git.py "$GIT_FILES" ;;
		esac
	done
}

# Run the real workloads, then each once under strace -c and once with
# statistics records.
run_workloads() {
	generate_workloads
	workload_spec >"$RES/work.spec"
	[ -s "$RES/work.spec" ] || return 0
	say "workloads: $ROUNDS to $MAX_ROUNDS interleaved rounds after a warmup run"
	rm -rf "$RES/strace"
	# The warmup run also fills the daemon (shared-*), as a user's
	# earlier run of the same command would have.
	"$PY" "$HERE/abrun.py" --out "$RES/work.tsv" --rounds "$ROUNDS" \
		--max-rounds "$MAX_ROUNDS" --budget "$BUDGET" \
		--warmup "$WARMUP" --warmup-first --warmup-also '^shared-' \
		--strace "$RES/strace" --stats "$RES/records" --errdir "$RES/err" \
		<"$RES/work.spec"
}

# The attach benchmark: the tiny program (start, first lookups) in seven
# configurations taking turns child by child, ROUNDS times: started by
# this script (plain, off, strict, shared-strict: a process whose parent
# is not under the shim asks the daemon) and by a launcher that
# posix_spawns it as make does (plain-spawned, off-spawned, and
# shared-strict-handed: the launcher is attached and hands its
# attachment down); then `true` and `sh -c :` run plain, under
# LD_PRELOAD with the daemon, and under `namecache run` with it.
run_attach() {
	local tree=$WORK/trees/micro-$MICRO_COLD shim nc sock c r
	gen_tree "micro-$MICRO_COLD" gen-micro.py "$MICRO_COLD"
	say "attach: $ATTACH_CHILDREN processes per configuration and round, 7 configurations, $ROUNDS rounds"
	# The daemon fills the paths the children look up, as a first run
	# would: each round's first lookup by shared-strict is then a hit.
	(cd "$WORK" && LD_PRELOAD=$SHIM NAMECACHE_SOCKET=$SOCK \
		"$ATTACH" -d "$tree" -n 2 -c warm) >/dev/null ||
		die "the attach program failed"
	sleep 1
	printf 'round\tconfig\tchildren\tlookups\tstart_us\tfirst_us\trest_us\ttotal_us\n' \
		>"$RES/attachc.tsv"
	for ((r = 1; r <= ROUNDS; r++)); do
		# No daemon for strict: its socket's directory does not exist.
		(cd "$WORK" && "$ATTACH" -d "$tree" -n "$ATTACH_CHILDREN" \
			-c plain -c "off LD_PRELOAD=$SHIM NAMECACHE_MODE=off" \
			-c "strict LD_PRELOAD=$SHIM NAMECACHE_SOCKET=$WORK/no-daemon/socket" \
			-c "shared-strict LD_PRELOAD=$SHIM NAMECACHE_SOCKET=$SOCK" \
			-c "plain-spawned NC_BENCH_LAUNCHER=1" \
			-c "off-spawned LD_PRELOAD=$SHIM NAMECACHE_MODE=off NAMECACHE_INHERIT=1 NC_BENCH_LAUNCHER=1" \
			-c "shared-strict-handed LD_PRELOAD=$SHIM NAMECACHE_SOCKET=$SOCK NAMECACHE_INHERIT=1 NC_BENCH_LAUNCHER=1") \
			>"$RES/attachc.round" || die "the attach program failed"
		sed "s/^/$r\t/" "$RES/attachc.round" >>"$RES/attachc.tsv"
	done
	rm -f "$RES/attachc.round"
	shim=$(printf %q "$SHIM") nc=$(printf %q "$CLI") sock=$(printf %q "$SOCK")
	# Beside them, the floors: any library preloaded (an empty one), and
	# one more exec of a small program (env), as `namecache run` adds.
	{
		for c in /bin/true "/bin/sh -c :"; do
			printf 'attach: %s\tplain\t%s\t-\t%s\n' "${c#/bin/}" "$WORK" "$c"
			printf 'attach: %s\tpreload empty library\t%s\t-\tLD_PRELOAD=%s %s\n' \
				"${c#/bin/}" "$WORK" "$(printf %q "$EMPTY")" "$c"
			printf 'attach: %s\texec env first\t%s\t-\t/usr/bin/env %s\n' \
				"${c#/bin/}" "$WORK" "$c"
			printf 'attach: %s\tpreload shared-strict\t%s\t-\tLD_PRELOAD=%s NAMECACHE_SOCKET=%s %s\n' \
				"${c#/bin/}" "$WORK" "$shim" "$sock" "$c"
			printf 'attach: %s\trun shared-strict\t%s\t-\tNAMECACHE_SOCKET=%s %s run -- %s\n' \
				"${c#/bin/}" "$WORK" "$sock" "$nc" "$c"
		done
	} >"$RES/attach.spec"
	# Each run is about a millisecond: many rounds (a budget of 5 s).
	"$PY" "$HERE/abrun.py" --out "$RES/attach.tsv" --rounds $((ROUNDS * 20)) \
		--max-rounds $((ROUNDS * 200)) --budget 5 \
		--warmup "$WARMUP" --errdir "$RES/err" <"$RES/attach.spec"
}

# The daemon's memory: a fresh daemon, MEM_ENTRIES files looked up (half
# on the 3-component chain, half on the 12-component one), twice (a hint
# the daemon dropped is posted again), then its status.
run_memory() {
	local half=$((MEM_ENTRIES / 2)) tree sock s
	tree=$WORK/trees/micro-$half
	gen_tree "micro-$half" gen-micro.py "$half"
	start_daemon sock
	say "memory: $MEM_ENTRIES lookups through a fresh daemon"
	for _ in 1 2; do
		for s in 3 12; do
			(cd "$WORK" && LD_PRELOAD=$SHIM NAMECACHE_SOCKET=$sock \
				"$MICRO" -d "$tree" -c stat -s "$s" -k cold -n "$half") \
				>/dev/null || die "micro under the daemon failed"
		done
		sleep 1
	done
	{
		printf 'looked up\t%s\n' "$MEM_ENTRIES"
		NAMECACHE_SOCKET=$sock "$CLI" daemon status |
			sed -n 's/^\([a-z][a-z ]*\): *\(.*\)$/\1\t\2/p'
	} >"$RES/memory.tsv"
	NAMECACHE_SOCKET=$sock "$CLI" daemon stop >/dev/null
}

# The build scenarios: time, then one more run of each namecache
# configuration with statistics records (doubt, hits).  Besides plain
# (the daemon running, as a user's would: it watches the trees and
# drains the events the build's writes queue) runs plain-stopped: the
# same with the daemon stopped (SIGSTOP), so that it wakes for nothing;
# the kernel still queues the events.  Every other configuration
# continues it first.
run_builds() {
	local t=$WORK/trees b=$WORK/trees/build-$CLEAN_TARGETS n
	local touch10="" i
	for ((i = 0; i < 10; i++)); do
		n=$((i * CLEAN_TARGETS / 10))
		touch10="$touch10 src/d$(printf %02d $((n / 100)))/u$(printf %04d "$n").c"
	done
	BUILDS_DAEMON_PID=$(NAMECACHE_SOCKET=$SOCK "$CLI" daemon status |
		sed -n 's/^pid: *//p')
	[[ $BUILDS_DAEMON_PID =~ ^[0-9]+$ ]] || die "no pid in the daemon's status"
	{
		work_configs "make -j2, clean, $CLEAN_TARGETS files" "$b" \
			"find mk -type f -delete" "shared-strict shared-relaxed" make -j2
		work_configs "ninja -j2, clean, $CLEAN_TARGETS files" "$b" \
			"ninja -t clean" "shared-strict shared-relaxed" ninja -j2
		work_configs "make -j2, 10 files touched" "$b" "touch$touch10" \
			"shared-strict shared-relaxed" make -j2
		work_configs "make -j2, clean, beside a git status loop" "$b" \
			"find mk -type f -delete" "shared-strict shared-relaxed" \
			"$HERE/beside-git.sh" "$t/git-$GIT_FILES/repo" make -j2
	} | awk -F'\t' -v OFS='\t' -v pid="$BUILDS_DAEMON_PID" '{
		prep = $4 == "-" ? "" : "; " $4
		$4 = "kill -CONT " pid prep
		print
		if ($2 == "plain") {
			$2 = "plain-stopped"
			$4 = "kill -STOP " pid prep
			print
		}
	}' >"$RES/builds.spec"
	say "builds: $ROUNDS interleaved rounds, then one run with statistics records"
	"$PY" "$HERE/abrun.py" --out "$RES/builds.tsv" --rounds "$ROUNDS" \
		--warmup "$WARMUP" --warmup-first --warmup-also '^shared-' \
		--stats "$RES/records" --errdir "$RES/err" <"$RES/builds.spec" || {
		kill -CONT "$BUILDS_DAEMON_PID"
		die "the builds failed"
	}
	kill -CONT "$BUILDS_DAEMON_PID"
}

# Build the report, print its tables, draw the plots.
report() {
	local doc=$1 plots=$2
	printf 'load average at end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
		>>"$RES/machine.tsv"
	printf 'total run time\t%s s\n' "$((SECONDS - START))" >>"$RES/machine.tsv"
	"$PY" "$HERE/report.py" --results "$RES" --template "$HERE/benchmarks.md.in" \
		--quick "$QUICK" --rounds "$ROUNDS" --warmup "$WARMUP" \
		--max-rounds "$MAX_ROUNDS" --budget "$BUDGET" \
		--sizes "git=$GIT_FILES build=$BUILD_TARGETS bats=$BATS_TESTS python=$PY_MODULES micro_cold=$MICRO_COLD micro_ms=$MICRO_MS clean=$CLEAN_TARGETS cc_dirs=$CC_DIRS attach=$ATTACH_CHILDREN mem=$MEM_ENTRIES" \
		--sections "$([ "$SECTIONS" = "$ALL_SECTIONS" ] || echo "$SECTIONS")" \
		--doc "$doc"
	if [ -n "$plots" ]; then
		gnuplot -e "res='$RES'; out='$plots'" "$HERE/plot.gp"
	fi
}

# Run the selected sections, then print and write the report.
main() {
	START=$SECONDS
	clean_environment
	set_parameters
	BUILD=$(absolute "${NC_BUILD:-build}")
	SHIM=$BUILD/lib/libnamecache.so
	CLI=$BUILD/bin/namecache
	WORK=$(absolute "${NC_BENCH_DIR:-$BUILD/bench-work}")
	RES=$WORK/results
	# The Debian interpreter, not a version-manager wrapper script.
	PY=$(command -v python3)
	[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
	SECTIONS=${*:-$ALL_SECTIONS}
	for s in $SECTIONS; do
		case " $ALL_SECTIONS " in
		*" $s "*) ;;
		*) die "unknown section '$s' (one of: $ALL_SECTIONS)" ;;
		esac
	done
	check_tools
	mkdir -p "$WORK/trees" "$RES"
	rm -rf "$RES"/*.tsv "$RES"/*.spec "$RES/records"
	build_micro
	record_machine
	trap stop_daemons EXIT
	# The daemon every shared-* configuration attaches to, for the whole
	# run: kept warm, as a user's daemon is (the micro benchmark alone
	# needs none).
	SOCK=""
	[ "$SECTIONS" = micro ] || start_daemon SOCK
	case " $SECTIONS " in *" micro "*) run_micro ;; esac
	run_workloads
	case " $SECTIONS " in *" attach "*) run_attach ;; esac
	case " $SECTIONS " in *" memory "*) run_memory ;; esac
	case " $SECTIONS " in *" builds "*) run_builds ;; esac
	rm -f "$RES/daemon.tsv"
	if [ -n "$SOCK" ]; then
		NAMECACHE_SOCKET=$SOCK "$CLI" daemon status |
			sed -n 's/^\([a-z][a-z ]*\): *\(.*\)$/\1\t\2/p' >"$RES/daemon.tsv"
	fi
	stop_daemons
	local doc="" plots=""
	if [ -n "${NC_BENCH_DOC:-}" ]; then
		doc=$(absolute "$NC_BENCH_DOC")
	elif [ "$SECTIONS" = "$ALL_SECTIONS" ]; then
		doc=$TOP/docs/benchmarks.md
	fi
	[ -z "$doc" ] || plots=$(dirname "$doc")
	report "$doc" "$plots"
	if [ -n "$doc" ]; then
		say "wrote $doc in $((SECONDS - START)) s"
	else
		say "done in $((SECONDS - START)) s (a partial run writes no report)"
	fi
}

main "$@"
