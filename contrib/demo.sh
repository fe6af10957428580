#!/usr/bin/env bash
# make demo: from a fresh Debian 12 machine to namecache running a real
# workload.  Installs missing build packages when run as root (otherwise
# prints the exact apt-get line and stops; contrib/deps.sh), builds,
# generates a git repository, starts a shared-cache daemon of its own (on
# a private socket, stopped at the end) and runs `git status` in the
# repository twice under `namecache run --stats`: the first run fills the
# daemon's cache, the second finds it filled.  Then it times `git status`
# without namecache and under it, side by side, and prints the speed-up.
#
# Environment: NC_DEMO_FILES (files in the repository, default 5000),
# NC_DEMO_DIR (where it goes), NC_DEMO_ROUNDS (timed runs of each, 7),
# NC_BUILD (the build directory, default build).
set -eu

files=${NC_DEMO_FILES:-5000}
work=${NC_DEMO_DIR:-${TMPDIR:-/tmp}/namecache-demo}
rounds=${NC_DEMO_ROUNDS:-7}

"$(dirname "$0")/deps.sh" demo

top=$(pwd)
build=${NC_BUILD:-$top/build}
make -s B="$build" all
nc=$build/bin/namecache

if [ ! -d "$work/repo/.git" ] || [ "$(cat "$work/files" 2>/dev/null)" != "$files" ]; then
	echo "demo: generating a git repository with $files files in $work/repo"
	rm -rf "$work"
	mkdir -p "$work/repo"
	(
		cd "$work/repo"
		git init -q
		git config user.email demo@example.invalid
		git config user.name demo
		i=0
		while [ $i -lt "$files" ]; do
			d=src/d$((i / 100))
			[ $((i % 100)) -eq 0 ] && mkdir -p "$d"
			echo "file $i" >"$d/f$i.c"
			i=$((i + 1))
		done
		git add -A
		git commit -qm "demo tree"
	)
	echo "$files" >"$work/files"
fi
repo=$work/repo

# The demo's own daemon, on a socket of its own in a fresh 0700 directory:
# it neither uses nor disturbs a daemon the user runs.
sockdir=$(mktemp -d "${TMPDIR:-/tmp}/namecache-demo-sock.XXXXXX")
export NAMECACHE_SOCKET=$sockdir/socket
stop_daemon() {
	"$nc" daemon stop >/dev/null 2>&1 || true
	rm -rf "$sockdir"
}
trap stop_daemon EXIT
"$nc" daemon start

echo
echo "demo: git status on $files tracked files; 1st run: the daemon's cache is empty"
echo "\$ namecache run --stats -- git -C $repo status --short"
"$nc" run --stats -- git -C "$repo" status --short
# The daemon fills what the first run missed after it: let it finish
# (it takes some 10 us a path).
for _ in $(seq 100); do
	"$nc" daemon status | grep -qx 'hints pending: 0' && break
	sleep 0.1
done
echo
echo "demo: 2nd run, a new git process: its lookups are hits from the first"
echo "\$ namecache run --stats -- git -C $repo status --short"
"$nc" run --stats -- git -C "$repo" status --short 2>"$sockdir/second.txt"
cat "$sockdir/second.txt"
# The table's hit% column (the last of its family rows) for git's lstat
# family (one per tracked file) and for all calls.
awk '$NF ~ /%$/ && ($1 == "lstat" || $1 == "total") { h[$1] = $NF }
	END { printf "demo: 2nd run: %s of lstat calls and %s of all calls were hits\n",
		h["lstat"], h["total"] }' "$sockdir/second.txt"

# median N...: the median of the numbers.
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "demo: timing git status $rounds times each, alternating, without and with namecache"
plain=() cached=()
# time_us CMD...: run CMD (output dropped); its wall time in microseconds
# from bash's EPOCHREALTIME, with no process started around it.
time_us() {
	local t0=${EPOCHREALTIME/[.,]/} t1
	"$@" >/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	us=$((t1 - t0))
}
for ((r = 0; r < rounds; r++)); do
	# Alternate which runs first, so that drift hits both alike.
	if ((r % 2 == 0)); then
		time_us git -C "$repo" status --short
		plain+=("$us")
		time_us "$nc" run -- git -C "$repo" status --short
		cached+=("$us")
	else
		time_us "$nc" run -- git -C "$repo" status --short
		cached+=("$us")
		time_us git -C "$repo" status --short
		plain+=("$us")
	fi
done
p=$(median "${plain[@]}")
c=$(median "${cached[@]}")
awk -v p="$p" -v c="$c" 'BEGIN {
	printf "  %-44s %8.1f ms\n", "git status", p / 1000
	printf "  %-44s %8.1f ms\n", "namecache run -- git status (daemon warm)", c / 1000
	printf "  speed-up (median plain / median namecache): %.2fx\n", p / c
}'
echo "demo: done; the tables count every intercepted call of each git run."
