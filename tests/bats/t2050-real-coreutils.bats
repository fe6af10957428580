#!/usr/bin/env bats
# coreutils and findutils under namecache, on a tree with files of several
# modes and sizes, directories, hard links, a fifo and symlinks
# (relative, absolute, dangling, loops): ls -lR, find, cp -a, realpath,
# readlink -f/-e/-m, stat -c, du.  Output, errors and exit status must be
# identical with and without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup_file() {
	local t=$BATS_FILE_TMPDIR/tree i
	mkdir -p "$t/src/lib/deep" "$t/docs" "$t/private" "$t/empty"
	for i in $(seq 1 12); do
		head -c $((i * 37)) /dev/zero | tr '\0' 'x' >"$t/src/f$i.c"
	done
	printf 'int x;\n' >"$t/src/lib/deep/x.h"
	printf 'readme\n' >"$t/docs/README"
	printf 'secret\n' >"$t/private/key"
	chmod 600 "$t/private/key"
	chmod 700 "$t/private"
	printf '#!/bin/sh\n' >"$t/run.sh"
	chmod 755 "$t/run.sh"
	ln "$t/docs/README" "$t/docs/README.hard"
	mkfifo "$t/fifo"
	ln -s src/f1.c "$t/rel-link"
	ln -s "$t/docs" "$t/abs-link"
	ln -s ../src "$t/docs/up-link"
	ln -s nowhere "$t/dangling"
	ln -s loop-b "$t/loop-a"
	ln -s loop-a "$t/loop-b"
	ln -s . "$t/src/self-dir"
	touch -d '2020-05-05 05:05:05' "$BATS_FILE_TMPDIR/ref"
	find "$t" -exec touch -h -d '2020-01-01 00:00:00' {} +
	touch -h -d '2021-01-01 00:00:00' "$t/src/f3.c" "$t/docs/README" "$t/rel-link"
}

setup() {
	nc_require_build
	tree=$BATS_FILE_TMPDIR/tree
	ref=$BATS_FILE_TMPDIR/ref
}

# both NAME CMD...: run CMD in the tree's parent without and with namecache,
# compare, and check the cached run went through the shim.
both() {
	local name=$1
	shift
	nc_plain "$name-plain" "$BATS_FILE_TMPDIR" "$@"
	nc_cached "$name-nc" "$BATS_FILE_TMPDIR" "$@"
	nc_assert_shim_seen "$name-nc"
	nc_assert_same_run "$name-plain" "$name-nc"
}

@test "ls -lR with fixed timestamps" {
	both lslr ls -lR --time-style=+%Y-%m-%d tree
	run nc_out lslr-plain
	assert_line --regexp '^-rw------- 1 [^ ]+ [^ ]+ +7 2020-01-01 key$'
	assert_line --regexp '^-rw-r--r-- 2 [^ ]+ [^ ]+ +7 2021-01-01 README$'
	assert_line --regexp '^lrwxrwxrwx 1 [^ ]+ [^ ]+ +7 2020-01-01 dangling -> nowhere$'
	assert_line --regexp '^prw-r--r-- 1 .* fifo$'
	assert_line 'tree/src/lib/deep:'
	both lsa ls -laRi --full-time --color=always -F tree
	both lsd ls -ld tree/dangling tree/dangling/ tree/loop-a tree/loop-a/ tree/abs-link tree/abs-link/ tree/missing tree/src/f1.c/
	assert_equal "$(nc_rc lsd-plain)" 2
	# -L follows links: dangling links and loops are errors.
	both lsl ls -lRL --time-style=+%Y-%m-%d tree
	run nc_err lsl-plain
	assert_output --partial "cannot access 'tree/dangling'"
	assert_output --partial "cannot access 'tree/loop-a'"
}

@test "find with -type, -name, -newer, -L" {
	both f1 find tree -type f -name '*.c'
	run nc_out f1-plain
	[ "${#lines[@]}" -eq 12 ]
	both f2 find tree -newer "$ref"
	run nc_out f2-plain
	# README.hard shares README's inode, so its time too.
	assert_equal "$(LC_ALL=C sort <<<"$output")" "$(printf '%s\n' tree/docs/README tree/docs/README.hard tree/rel-link tree/src/f3.c)"
	both f3 find tree -type l -printf '%p -> %l %Y\n'
	run nc_out f3-plain
	assert_line "tree/dangling -> nowhere N"
	assert_line "tree/loop-a -> loop-b L"
	both f4 find -L tree -name '*.h'
	assert_equal "$(nc_rc f4-plain)" 1
	run nc_err f4-plain
	assert_output --partial 'Too many levels of symbolic links'
	both f5 find tree -maxdepth 2 -type d -empty -o -perm -u+x -type f -o -links 2 -type f
	both f6 find tree/abs-link tree/abs-link/ tree/missing -H -name README
}

@test "cp -a makes identical copies" {
	nc_plain cpa-plain "$BATS_FILE_TMPDIR" cp -a tree copy-plain
	nc_cached cpa-nc "$BATS_FILE_TMPDIR" cp -a tree copy-nc
	nc_assert_shim_seen cpa-nc
	nc_assert_same_run cpa-plain cpa-nc
	assert_equal "$(nc_rc cpa-plain)" 0
	# diff cannot compare fifos; the listing below covers them.
	run diff -r --no-dereference -x fifo "$BATS_FILE_TMPDIR/copy-plain" "$BATS_FILE_TMPDIR/copy-nc"
	assert_success
	assert_output ''
	local c
	for c in copy-plain copy-nc; do
		(cd "$BATS_FILE_TMPDIR/$c" && find . -printf '%p %y %M %n %s %l %TY-%Tm-%Td\n' | LC_ALL=C sort) \
			>"$BATS_TEST_TMPDIR/$c.list"
	done
	nc_assert_same_file "$BATS_TEST_TMPDIR/copy-plain.list" "$BATS_TEST_TMPDIR/copy-nc.list"
	run cat "$BATS_TEST_TMPDIR/copy-plain.list"
	assert_line './private/key f -rw------- 1 7  2020-01-01'
	assert_line './docs/README f -rw-r--r-- 2 7  2021-01-01'
	assert_line './loop-a l lrwxrwxrwx 1 6 loop-b 2020-01-01'
	assert_line --regexp "^\./abs-link l lrwxrwxrwx 1 [0-9]+ $BATS_FILE_TMPDIR/tree/docs 2020-01-01$"
	assert_line './fifo p prw-r--r-- 1 0  2020-01-01'
}

@test "realpath and readlink -f/-e/-m on many path shapes, with errors and exit codes" {
	local script='cd "$1" || exit 9; shift
for p in "$@"; do
	for c in "realpath" "realpath -e" "realpath -m" "realpath -s" "realpath --relative-to=src" "readlink" "readlink -f" "readlink -e" "readlink -m"; do
		out=$($c -- "$p" 2>&1); echo "$c [$p] rc=$? $out"
	done
done'
	both rp bash -c "$script" _ tree \
		src src/ src/f1.c src/f1.c/ src/f1.c/x rel-link rel-link/ abs-link abs-link/up-link/f2.c \
		docs/up-link/lib/deep/x.h dangling dangling/ dangling/x loop-a loop-a/x src/self-dir/self-dir/f1.c \
		missing missing/x missing/../src ./src/../docs// "" . .. / //x "$tree/abs-link/../run.sh" fifo
	run nc_out rp-plain
	assert_line 'realpath [rel-link] rc=0 '"$tree/src/f1.c"
	assert_line 'readlink -f [dangling] rc=0 '"$tree/nowhere"
	assert_line "readlink -e [dangling] rc=1 "
	assert_line "realpath -e [loop-a] rc=1 realpath: loop-a: Too many levels of symbolic links"
	assert_line 'realpath -m [missing/x] rc=0 '"$tree/missing/x"
	assert_line "realpath [src/f1.c/] rc=1 realpath: src/f1.c/: Not a directory"
	assert_line 'readlink [abs-link] rc=0 '"$tree/docs"
	[ "${#lines[@]}" -eq $((27 * 9)) ]
}

@test "stat -c formats and du -s" {
	both st stat -c '%n|%F|%a|%A|%s|%h|%N|%Y' tree tree/src/f1.c tree/rel-link tree/dangling tree/loop-a tree/fifo tree/docs/README.hard tree/missing tree/src/f1.c/
	assert_equal "$(nc_rc st-plain)" 1
	run nc_out st-plain
	assert_line "tree/dangling|symbolic link|777|lrwxrwxrwx|7|1|'tree/dangling' -> 'nowhere'|1577836800"
	assert_line "tree/docs/README.hard|regular file|644|-rw-r--r--|7|2|'tree/docs/README.hard'|1609459200"
	run nc_err st-plain
	assert_line "stat: cannot statx 'tree/missing': No such file or directory"
	both stL stat -L -c '%n|%F|%a|%s' tree/rel-link tree/abs-link tree/dangling tree/loop-a tree/docs/up-link
	both stf stat -f -c '%T' tree
	both du du -sl --apparent-size -b tree tree/src tree/docs
	run nc_out du-plain
	assert_line --regexp "^[0-9]+	tree/src$"
	both dua du -a --apparent-size -b tree
	both duL du -sL --apparent-size -b tree/src tree/abs-link
}
