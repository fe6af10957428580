#!/usr/bin/env bats
# git under namecache: two identical work trees, one driven without and
# one under `namecache run`, through init, add, commit, status, diff, log.
# Dates and identities are fixed, so even the commit ids must be equal.
#
# The tests of this file run in order on the two repositories.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

# gen_tree DIR: files in nested directories, an executable, symlinks, a
# .gitignore and ignored files.
gen_tree() {
	local d=$1 i j
	mkdir -p "$d"
	for i in $(seq 0 9); do
		mkdir -p "$d/src/m$i/sub" "$d/doc/s$i"
		for j in $(seq 0 14); do
			printf 'module %d file %d\nline two\n' "$i" "$j" >"$d/src/m$i/f$j.c"
		done
		printf 'nested %d\n' "$i" >"$d/src/m$i/sub/deep.h"
		printf 'doc %d\n' "$i" >"$d/doc/s$i/README"
	done
	printf '#!/bin/sh\necho run\n' >"$d/run.sh"
	chmod 755 "$d/run.sh"
	ln -s src/m1/f1.c "$d/link-to-file"
	ln -s doc "$d/link-to-dir"
	ln -s missing-target "$d/dangling"
	printf '*.o\n/build/\n' >"$d/.gitignore"
	mkdir -p "$d/build"
	echo ignored >"$d/build/out.txt"
	echo ignored >"$d/src/m2/x.o"
}

setup_file() {
	gen_tree "$BATS_FILE_TMPDIR/plain"
	gen_tree "$BATS_FILE_TMPDIR/cached"
}

setup() {
	nc_require_build
	nc_require git
	root=$BATS_FILE_TMPDIR
	export HOME=$BATS_FILE_TMPDIR GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GIT_AUTHOR_NAME='Test Author' GIT_AUTHOR_EMAIL=author@example.com
	export GIT_COMMITTER_NAME='Test Committer' GIT_COMMITTER_EMAIL=committer@example.com
	export GIT_AUTHOR_DATE='2021-02-03T04:05:06+00:00' GIT_COMMITTER_DATE='2021-02-03T04:05:06+00:00'
	export GIT_PAGER=cat PAGER=cat GIT_TERMINAL_PROMPT=0
}

# git_both NAME ARGS...: run git ARGS in both trees as runs NAME-plain and
# NAME-nc, with the tree paths replaced by @ROOT@, and compare them.
git_both() {
	local name=$1
	shift
	nc_plain "$name-plain" "$root/plain" git "$@"
	nc_cached "$name-nc" "$root/cached" git "$@"
	nc_normalise "$name-plain" "$root/plain" @ROOT@
	nc_normalise "$name-nc" "$root/cached" @ROOT@
	nc_assert_shim_seen "$name-nc"
	nc_assert_same_run "$name-plain" "$name-nc"
}

# head_ids: both HEADs, which must be equal; prints the id.
head_ids() {
	local a b
	a=$(git -C "$root/plain" rev-parse HEAD)
	b=$(git -C "$root/cached" rev-parse HEAD)
	[[ $a =~ ^[0-9a-f]{40}$ ]] || fail "bad HEAD '$a'"
	assert_equal "$b" "$a"
}

@test "init, add, commit: same output, same commit id" {
	git_both init init -q -b main .
	git_both add add -v .
	run cat "$BATS_TEST_TMPDIR/add-plain.out"
	assert_line "add 'src/m3/f7.c'"
	assert_line "add 'link-to-dir'"
	refute_line --partial 'x.o'
	git_both commit commit -m 'first commit'
	run cat "$BATS_TEST_TMPDIR/commit-plain.out"
	assert_line --index 0 --regexp '^\[main \(root-commit\) [0-9a-f]+\] first commit$'
	assert_line ' 175 files changed, 327 insertions(+)'
	head_ids
}

@test "status and diff after edits" {
	head_ids
	for d in "$root/plain" "$root/cached"; do
		echo 'changed' >>"$d/src/m4/f4.c"
		printf 'rewritten\n' >"$d/doc/s2/README"
		chmod 644 "$d/run.sh"
	done
	git_both st status
	run cat "$BATS_TEST_TMPDIR/st-plain.out"
	assert_line --regexp 'modified: +src/m4/f4.c'
	assert_line --regexp 'modified: +run.sh'
	git_both stp status --porcelain
	run cat "$BATS_TEST_TMPDIR/stp-plain.out"
	assert_output $' M doc/s2/README\n M run.sh\n M src/m4/f4.c'
	git_both diff diff
	run cat "$BATS_TEST_TMPDIR/diff-plain.out"
	assert_line '+changed'
	assert_line 'old mode 100755'
	git_both diffstat diff --stat
	git_both diffnames diff --name-status HEAD
}

@test "status --porcelain after touching, removing and adding files" {
	head_ids
	for d in "$root/plain" "$root/cached"; do
		touch "$d/src/m1/f1.c" "$d/src/m5/f0.c" "$d/doc/s1/README"
		rm "$d/src/m6/f3.c" "$d/link-to-file"
		rm -r "$d/src/m7/sub"
		mkdir -p "$d/new/dir"
		echo new >"$d/new/dir/a.txt"
		echo new >"$d/src/m0/f99.c"
		echo ignored >"$d/src/m0/y.o"
		ln -s ../src "$d/new/link"
	done
	git_both p1 status --porcelain
	run cat "$BATS_TEST_TMPDIR/p1-plain.out"
	assert_line ' D link-to-file'
	assert_line ' D src/m6/f3.c'
	assert_line ' D src/m7/sub/deep.h'
	assert_line '?? new/'
	assert_line '?? src/m0/f99.c'
	refute_line --partial 'f1.c'
	git_both p2 status --porcelain -uall --ignored
	run cat "$BATS_TEST_TMPDIR/p2-plain.out"
	assert_line '?? new/link'
	assert_line '!! src/m0/y.o'
	assert_line '!! build/out.txt'
	git_both p3 status --porcelain=v2 --branch
	git_both ign check-ignore -v src/m0/y.o build/out.txt src/m0/f99.c
	git_both addall add -A
	git_both p4 status --short
	git_both commit2 commit -q -m 'second commit'
	head_ids
	git_both clean status --porcelain
	[ ! -s "$BATS_TEST_TMPDIR/clean-plain.out" ]
}

@test "log, show and ls-files are identical" {
	head_ids
	git_both log log --stat --format='%H %an %ad %s'
	run cat "$BATS_TEST_TMPDIR/log-plain.out"
	assert_line --regexp '^[0-9a-f]{40} Test Author .* second commit$'
	assert_line --regexp '^[0-9a-f]{40} Test Author .* first commit$'
	git_both ls ls-files -s
	run cat "$BATS_TEST_TMPDIR/ls-plain.out"
	assert_line --regexp '^120000 [0-9a-f]{40} 0	new/link$'
	git_both show show --name-only HEAD~1
	git_both fsck fsck --no-progress
	git_both grep grep -n 'module 3 file 1' -- src
	run cat "$BATS_TEST_TMPDIR/grep-plain.out"
	assert_line 'src/m3/f1.c:1:module 3 file 1'
}
