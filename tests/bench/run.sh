#!/usr/bin/env bash
# The benchmarks of namecache (`make bench`).
#
#   tests/bench/run.sh [SECTION...]
#
# SECTION is any of: micro startup git make ninja cc bats python (default:
# all).  Runs every command without namecache and with it in each mode
# (off, strict, relaxed), interleaved, prints the tables, and, when every
# section ran, writes docs/benchmarks.md and docs/bench-*.svg.
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
ALL_SECTIONS="micro startup git make ninja cc bats python"

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
	else
		QUICK=0 ROUNDS=5 MICRO_MS=60 MICRO_COLD=20000
		GIT_FILES=50000 BUILD_TARGETS=5000 BATS_TESTS=200 PY_MODULES=500
	fi
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

# Build the micro benchmark; check that it imports the public symbols.
build_micro() {
	MICRO=$BUILD/bench/micro
	if [ ! -x "$MICRO" ] || [ "$HERE/micro.c" -nt "$MICRO" ]; then
		mkdir -p "$BUILD/bench"
		${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -U_FORTIFY_SOURCE \
			-U_FILE_OFFSET_BITS -Wall -Wextra -o "$MICRO" \
			"$HERE/micro.c" -pthread
	fi
	local s
	for s in stat lstat statx access readlink realpath open fopen; do
		nm -D "$MICRO" | grep -q " U $s@" ||
			die "$MICRO does not import $s (fortified or renamed?)"
	done
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

# work BENCH DIR PREPARE COMMAND...: the four configurations of a workload.
work() {
	local bench=$1 dir=$2 prep=$3 cmd m
	shift 3
	cmd=$(printf '%q ' "$@")
	cmd=${cmd% }
	printf '%s\tplain\t%s\t%s\t%s\n' "$bench" "$dir" "$prep" "$cmd"
	for m in off strict relaxed; do
		printf '%s\t%s\t%s\t%s\t%s run --mode %s -- %s\n' "$bench" "$m" \
			"$dir" "$prep" "$(printf %q "$CLI")" "$m" "$cmd"
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
			work "cc, 200 headers, 20 -I" "$t/cc" - \
				cc -O2 -c main.c -o main.o $(cat "$t/cc/args") ;;
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
		cc) gen_tree cc gen-cc.py ;;
		bats) gen_tree "bats-$BATS_TESTS" gen-bats.py "$BATS_TESTS" ;;
		python)
			gen_tree "python-$PY_MODULES" gen-python.py "$PY_MODULES" \
				"$PY" ;;
		esac
	done
}

# Run the real workloads, then each once under strace -c.
run_workloads() {
	generate_workloads
	workload_spec >"$RES/work.spec"
	[ -s "$RES/work.spec" ] || return 0
	say "workloads: $ROUNDS to $MAX_ROUNDS interleaved rounds after a warmup run"
	rm -rf "$RES/strace"
	"$PY" "$HERE/abrun.py" --out "$RES/work.tsv" --rounds "$ROUNDS" \
		--max-rounds "$MAX_ROUNDS" --budget "$BUDGET" \
		--warmup "$WARMUP" --warmup-first --strace "$RES/strace" --errdir "$RES/err" \
		<"$RES/work.spec"
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
		--sizes "git=$GIT_FILES build=$BUILD_TARGETS bats=$BATS_TESTS python=$PY_MODULES micro_cold=$MICRO_COLD micro_ms=$MICRO_MS" \
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
	rm -f "$RES"/*.tsv "$RES"/*.spec
	build_micro
	record_machine
	case " $SECTIONS " in *" micro "*) run_micro ;; esac
	run_workloads
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
