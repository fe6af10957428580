#!/usr/bin/env bash
# make demo: from a fresh Debian 12 machine to namecache running a real
# workload.  Installs missing build packages when run as root (otherwise
# prints the exact apt-get line and stops; contrib/deps.sh), builds,
# generates a git repository and runs `git status` in it under
# `namecache run --stats`.
set -eu

files=${NC_DEMO_FILES:-5000}
work=${NC_DEMO_DIR:-${TMPDIR:-/tmp}/namecache-demo}

"$(dirname "$0")/deps.sh" demo

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
