#!/usr/bin/env bash
# The Debian packages each make target needs, installed when missing.
#
#   contrib/deps.sh PURPOSE...      PURPOSE: build, demo, check, bench, suites
#   contrib/deps.sh --list PURPOSE  print the required and optional lists
#
# Required packages are those a target cannot run without; optional ones
# only enable some tests (each such test skips, naming its package, when
# the package is missing).  As root, every missing package, required and
# optional, is installed with one apt-get line.  As another user, a
# missing required package prints the exact apt-get line and exits with
# status 1 before anything runs; missing optional ones are one note.
#
# Environment:
#   NC_DEPS=no        do nothing (a packager's chroot, an offline machine)
#   NC_DEPS_EXTRA     more required packages (tests of this script)
#   NC_DEPS_EXTRA_OPTIONAL  more optional packages (tests of this script)
#   NC_DEPS_DRY_RUN=1 as root, print the apt-get line instead of running it
#
# .ci/run installs only the build packages and leaves the rest to make check.
#
# Package lists are words split on blanks, never globbed (set -f):
# shellcheck disable=SC2086,SC2046
set -euf

pkgs_build="gcc make pkg-config libc6-dev libck-dev libxxhash-dev"
pkgs_demo="git"
# bats-support and bats-assert are loaded by every suite; inotify-tools
# (inotifywait) shows the kernel's events in the coherence suites; git,
# python3 and binutils (nm) are real programs the suites run.
pkgs_check="bats bats-assert bats-support inotify-tools git python3 binutils"
# A FUSE mount, xfs and btrfs images, strace counts, a preloaded jemalloc,
# ninja through contrib/bin, the systemd user units (systemd-analyze
# verify, systemd-socket-activate).
opt_check="bindfs xfsprogs btrfs-progs strace libjemalloc2 ninja-build systemd"
pkgs_bench="ninja-build gnuplot-nox python3 git bats"
# Real programs' own test suites (tests/suites/run.sh): apt-get source
# unpacks with dpkg-source, GNU make's tarball needs autoreconf, git
# links zlib.
pkgs_suites="dpkg-dev autoconf automake autopoint gettext texinfo zlib1g-dev"

usage() {
	echo "usage: contrib/deps.sh [--list] build|demo|check|bench|suites..." >&2
	exit 2
}

# lists PURPOSE: set $required and $optional for PURPOSE (build included).
lists() {
	case $1 in
	build) required=$pkgs_build optional= ;;
	demo) required="$pkgs_build $pkgs_demo" optional= ;;
	check) required="$pkgs_build $pkgs_check" optional=$opt_check ;;
	bench) required="$pkgs_build $pkgs_bench" optional= ;;
	suites) required="$pkgs_build $pkgs_suites" optional= ;;
	*) usage ;;
	esac
}

# missing PKG...: print those of PKG... that are not installed.
missing() {
	local p
	[ $# -gt 0 ] || return 0
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}\n' "$p" 2>/dev/null |
			grep -q '^ii' || printf '%s\n' "$p"
	done
}

# uniq_words WORD...: the words, each once, in their first order.
uniq_words() {
	printf '%s\n' "$@" | awk 'NF && !seen[$0]++' | paste -sd' ' -
}

[ "${NC_DEPS:-}" = no ] && exit 0
[ $# -gt 0 ] || usage
if [ "$1" = --list ]; then
	[ $# -eq 2 ] || usage
	lists "$2"
	echo "required: $(uniq_words $required)"
	echo "optional: $(uniq_words $optional)"
	exit 0
fi

req='' opt=''
for purpose in "$@"; do
	lists "$purpose"
	req="$req $required" opt="$opt $optional"
done
req=$(uniq_words $req ${NC_DEPS_EXTRA:-})
opt=$(uniq_words $opt ${NC_DEPS_EXTRA_OPTIONAL:-})
miss_req=$(uniq_words $(missing $req))
miss_opt=$(uniq_words $(missing $opt))
[ -z "$miss_req$miss_opt" ] && exit 0

what=$*
if [ "$(id -u)" -eq 0 ]; then
	line="apt-get install -y -qq --no-install-recommends $miss_req${miss_req:+${miss_opt:+ }}$miss_opt"
	echo "deps ($what): installing $miss_req${miss_req:+${miss_opt:+ }}$miss_opt" >&2
	if [ "${NC_DEPS_DRY_RUN:-0}" = 1 ]; then
		echo "  $line" >&2
		exit 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	# apt's and dpkg's chatter is shown only when they fail.
	log=$(mktemp "${TMPDIR:-/tmp}/namecache-deps.XXXXXX")
	if apt-get update -qq >"$log" 2>&1 && $line >>"$log" 2>&1; then
		rm -f "$log"
		exit 0
	fi
	cat "$log" >&2
	rm -f "$log"
	echo "deps ($what): apt-get failed" >&2
	exit 1
fi
if [ -n "$miss_req" ]; then
	echo "deps ($what): missing Debian packages; run as root:" >&2
	echo "  apt-get install -y $miss_req${miss_opt:+ $miss_opt}" >&2
	exit 1
fi
echo "deps ($what): optional packages missing, their tests will skip;" \
	"to run them, as root:" >&2
echo "  apt-get install -y $miss_opt" >&2
exit 0
