#!/usr/bin/env bash
# make demo: from a fresh Debian 12 machine to namecache running a real
# workload.  Installs missing build packages when run as root (otherwise
# prints the exact apt-get line and stops), builds, generates a git
# repository and runs `git status` in it under `namecache run --stats`.
set -eu

pkgs="gcc make pkg-config libck-dev libxxhash-dev git"
files=${NC_DEMO_FILES:-5000}
work=${NC_DEMO_DIR:-${TMPDIR:-/tmp}/namecache-demo}

# missing_packages: print the Debian packages of $pkgs not installed.
missing_packages() {
	local p
	for p in $pkgs; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf '%s ' "$p"
	done
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "demo: installing $missing"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	else
		echo "demo: missing Debian packages; run as root:" >&2
		echo "  apt-get install -y $missing" >&2
		exit 1
	fi
fi

make -s all
top=$(pwd)

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

echo "demo: git status on $files tracked files, under namecache run --stats"
echo "\$ namecache run --stats -- git -C $work/repo status --short"
"$top/build/bin/namecache" run --stats -- git -C "$work/repo" status --short
echo "demo: done; the table above counts every intercepted call of git."
