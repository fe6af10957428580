#!/usr/bin/env bash
# Real programs' own test suites, run without namecache and under it
# (`make check-suites`).
#
#   tests/suites/run.sh [SUITE...]
#
# SUITE is any of: make git (default: both).  For each, the program's
# Debian source package is unpacked (`apt-get source`: the machine needs
# a deb-src line in its APT sources) and built once under
# $NC_SUITES_DIR; then its own test suite runs twice: as it is, and under
# `namecache run --stats` attached to a daemon started on a private socket
# for the whole run (shared cache, strict mode).  A suite passes when
# every one of its tests has the same result both ways and the run under
# namecache answered lookups from the cache (its statistics count hits):
# a run that never hit would compare the C library with itself.
#
# The suites take minutes and need the network, so `make check` does not
# run them.
#
# Environment:
#   NC_BUILD        build directory holding lib/libnamecache.so and
#                   bin/namecache (default: build)
#   NC_SUITES_DIR   where the sources are unpacked, built and tested
#                   (default: $NC_BUILD/suites)
#   NC_SUITES_GIT   the git test scripts to run, as globs in git's t/
#                   (default: "t0*.sh t1*.sh t2*.sh t3*.sh t7*.sh")
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${NC_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CLI=$BUILD/bin/namecache
WORK=${NC_SUITES_DIR:-$BUILD/suites}
case $WORK in /*) ;; *) WORK=$TOP/$WORK ;; esac
JOBS=$(nproc 2>/dev/null || echo 2)

say() {
	printf '== [%4d s] %s\n' "$SECONDS" "$*" >&2
}

die() {
	printf 'suites: %s\n' "$*" >&2
	exit 1
}

# The environment both runs share: nothing of a caller's namecache.
unset LD_PRELOAD NAMECACHE_MODE NAMECACHE_STATS NAMECACHE_LOG \
	NAMECACHE_MAX_STALE_US NAMECACHE_SOCKET NAMECACHE_WARMUP \
	NAMECACHE_CHECK NAMECACHE_INHERIT
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
export LC_ALL=C TZ=UTC

# Unpack source package $1 into $WORK once; print the directory.
fetch() {
	local pkg=$1 dir

	dir=$(find "$WORK/src-$pkg" -mindepth 1 -maxdepth 1 -type d \
		2>/dev/null | head -n 1)
	if [ -z "$dir" ]; then
		mkdir -p "$WORK/src-$pkg"
		(cd "$WORK/src-$pkg" && apt-get source -qq "$pkg") \
			>"$WORK/src-$pkg.log" 2>&1 ||
			die "apt-get source $pkg failed (does APT have a deb-src line?): $(tail -n 1 "$WORK/src-$pkg.log")"
		dir=$(find "$WORK/src-$pkg" -mindepth 1 -maxdepth 1 -type d |
			head -n 1)
	fi
	[ -n "$dir" ] || die "apt-get source $pkg unpacked nothing"
	printf '%s\n' "$dir"
}

# Run "$@" under namecache with statistics; the table goes to $STATS.
under_namecache() {
	"$CLI" run --stats -- "$@" 2>"$STATS"
}

# The hits in a `namecache run --stats` table (its "total" row).
hits_of() {
	awk '$1 == "total" { print $6; found = 1 }
		END { if (!found) print 0 }' "$1"
}

# Compare two result lists; print the differences.
same_results() {
	if ! diff -u "$1" "$2" >"$WORK/$3.diff"; then
		cat "$WORK/$3.diff" >&2
		return 1
	fi
}

# GNU make: `make check` in the built tree; one line per test script
# ("features/archives ok (12 passed)").
suite_make() {
	local src r

	src=$(fetch make-dfsg)
	if [ ! -x "$src/make" ]; then
		say "make: building $src"
		(cd "$src" && { [ -x configure ] || autoreconf -fi; } &&
			./configure -q && make -j"$JOBS") \
			>"$WORK/make-build.log" 2>&1 ||
			die "make: the build failed (see $WORK/make-build.log)"
	fi
	for r in plain namecache; do
		say "make: its test suite, $r"
		STATS=$WORK/make-$r.stats
		(cd "$src" && if [ $r = plain ]; then make check; else
			under_namecache make check; fi) \
			>"$WORK/make-$r.log" 2>&1 || true
		sed -n 's/^\([a-z_-]*\/[^ ]*\) \.\.* *\(.*\)$/\1 \2/p' \
			"$WORK/make-$r.log" | sed 's/  */ /g' >"$WORK/make-$r.results"
	done
	check_suite make
}

# git: the scripts of $NC_SUITES_GIT in t/, each script's counts
# (t/test-results/*.counts: total, success, fixed, broken, failed).
suite_git() {
	local src r
	local -a tests

	src=$(fetch git)
	if [ ! -x "$src/git" ]; then
		say "git: building $src"
		(cd "$src" && make -j"$JOBS" NO_CURL=1 NO_EXPAT=1 \
			NO_GETTEXT=1 NO_TCLTK=1 NO_PERL=1 NO_PYTHON=1 all) \
			>"$WORK/git-build.log" 2>&1 ||
			die "git: the build failed (see $WORK/git-build.log)"
	fi
	# The globs are expanded in t/ (eval: they are the variable's words).
	mapfile -t tests < <(cd "$src/t" &&
		eval "ls -d ${NC_SUITES_GIT:-t0*.sh t1*.sh t2*.sh t3*.sh t7*.sh}" 2>/dev/null)
	[ ${#tests[@]} -gt 0 ] || die "git: no test script matches '${NC_SUITES_GIT:-}'"
	for r in plain namecache; do
		say "git: ${#tests[@]} test scripts, $r"
		STATS=$WORK/git-$r.stats
		rm -rf "$src/t/test-results"
		(cd "$src/t" && if [ $r = plain ]; then make -k -j"$JOBS" "${tests[@]}"
		else under_namecache make -k -j"$JOBS" "${tests[@]}"; fi) \
			>"$WORK/git-$r.log" 2>&1 || true
		[ -d "$src/t/test-results" ] ||
			die "git: no test results (see $WORK/git-$r.log)"
		(cd "$src/t/test-results" &&
			for f in *.counts; do
				printf '%s %s\n' "${f%.counts}" \
					"$(grep -E '^(total|success|fixed|broken|failed) ' "$f" | tr '\n' ' ')"
			done) >"$WORK/git-$r.results"
	done
	check_suite git
}

# The verdict on suite $1: the same results, at least one test, hits.
check_suite() {
	local n hits

	n=$(wc -l <"$WORK/$1-plain.results")
	[ "$n" -gt 0 ] || die "$1: no test results (see $WORK/$1-plain.log)"
	same_results "$WORK/$1-plain.results" "$WORK/$1-namecache.results" "$1" ||
		die "$1: results differ under namecache (above; logs in $WORK)"
	hits=$(hits_of "$WORK/$1-namecache.stats")
	[ "$hits" -gt 0 ] ||
		die "$1: no lookup was answered from the cache (see $WORK/$1-namecache.stats)"
	say "$1: $n test scripts, the same results under namecache; $hits lookups answered from the cache"
	sed -n '/^total/p;/^namecache: shared cache/p' "$WORK/$1-namecache.stats" >&2
}

[ $# -gt 0 ] || set -- make git
for s in "$@"; do
	case $s in
	make | git) ;;
	*) die "unknown suite '$s' (make, git)" ;;
	esac
done
[ -x "$CLI" ] || die "$CLI is missing: run make first"
mkdir -p "$WORK"
export NAMECACHE_SOCKET=$WORK/daemon/socket
"$CLI" daemon stop >/dev/null 2>&1 || true
"$CLI" daemon start >/dev/null || die "the daemon did not start"
trap '"$CLI" daemon stop >/dev/null 2>&1 || true' EXIT

for s in "$@"; do
	"suite_$s"
done
