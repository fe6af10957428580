#!/usr/bin/env bats
# bash under namecache: file tests over a tree of files, directories and
# symlinks (relative, absolute, dangling, loops), trailing slashes,
# missing paths, cd through symlinks and relative paths, globbing and
# PATH lookup.  The script's output must be identical with and without
# namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup_file() {
	local t=$BATS_FILE_TMPDIR/tree
	mkdir -p "$t/d1/d2/d3" "$t/empty" "$t/bin" "$t/noexec-dir"
	echo data >"$t/file"
	echo data >"$t/d1/d2/d3/deep"
	: >"$t/d1/zero"
	printf '#!/bin/sh\necho tool\n' >"$t/bin/tool"
	chmod 755 "$t/bin/tool"
	printf 'x\n' >"$t/bin/not-exec"
	chmod 644 "$t/bin/not-exec"
	chmod 000 "$t/noexec-dir"
	ln -s file "$t/rel-file"
	ln -s "$t/d1" "$t/abs-dir"
	ln -s d1/d2 "$t/rel-dir"
	ln -s ../../file "$t/d1/d2/up-file"
	ln -s nowhere "$t/dangling"
	ln -s loop-b "$t/loop-a"
	ln -s loop-a "$t/loop-b"
	ln -s self "$t/self"
	ln -s rel-file "$t/chain"
	ln -s dangling "$t/chain-dangling"
	ln -s bin/tool "$t/tool-link"
	touch -d '2020-01-01' "$t/file"
	touch -d '2021-01-01' "$t/d1/zero"
	cat >"$BATS_FILE_TMPDIR/probe.sh" <<'EOF'
#!/bin/bash
# probe.sh TREE: print what the file tests say about many paths.
t=$1
cd "$t" || exit 9
paths=(file rel-file abs-dir rel-dir dangling loop-a loop-b self chain
	chain-dangling tool-link bin/tool bin/not-exec d1 d1/ d1/. d1/.. d1//d2
	d1/d2/d3/deep d1/d2/up-file file/ rel-file/ abs-dir/ rel-dir/d3/deep
	dangling/ loop-a/ missing missing/ missing/x file/x d1/zero empty
	empty/ ./file ../tree/file "$t/file" "$t/abs-dir/d2" "$t/missing"
	noexec-dir noexec-dir/x "" . .. / //)
for p in "${paths[@]}"; do
	r=
	for op in -e -f -d -L -h -x -r -w -s; do
		if [ "$op" "$p" ]; then r+="${op#-}"; else r+=.; fi
	done
	test -e "$p" && r+=" e" || r+=" !e"
	[[ -f $p ]] && r+=" F" || r+=" !F"
	printf '%-22s %s\n' "[$p]" "$r"
done
# -nt / -ot / -ef
for a in file d1/zero rel-file missing; do
	for b in file d1/zero chain missing; do
		r=
		[ "$a" -nt "$b" ] && r+=nt || r+=..
		[ "$a" -ot "$b" ] && r+=ot || r+=..
		[ "$a" -ef "$b" ] && r+=ef || r+=..
		echo "$a $b $r"
	done
done
# A loop over every entry, as a build script would.
shopt -s dotglob nullglob globstar
for f in **; do
	k=other
	if [ -L "$f" ]; then k=link; elif [ -d "$f" ]; then k=dir; elif [ -f "$f" ]; then k=file; fi
	[ -e "$f" ] && e=exists || e=missing
	echo "$f $k $e"
done
echo "glob: $(echo d1/*/* */zero)"
# cd and relative paths, logical and physical.
cd rel-dir && echo "pwd $(pwd | sed "s|^$t|T|") -P $(pwd -P | sed "s|^$t|T|")"
cd .. && echo "after .. $(pwd | sed "s|^$t|T|")"
cd -P abs-dir/d2 && echo "phys $(pwd | sed "s|^$t|T|")"
cd ../../rel-dir/d3 && [ -f deep ] && echo "deep via ../../rel-dir/d3"
cd "$t" && cd missing 2>/dev/null || echo "cd missing: $?"
cd dangling 2>/dev/null || echo "cd dangling: $?"
cd loop-a 2>/dev/null || echo "cd loop: $?"
cd file 2>/dev/null || echo "cd file: $?"
cd noexec-dir 2>/dev/null || echo "cd noexec-dir: $?"
CDPATH=$t/d1 cd d2 >/dev/null && echo "CDPATH $(pwd | sed "s|^$t|T|")"
cd "$t"
# PATH lookup and hashing.
PATH=$t/bin:/usr/bin:/bin
type -P tool | sed "s|^$t|T|"
type -P not-exec || echo "not-exec not found"
tool
hash -r
PATH=$t/missing-dir:$t/bin:/usr/bin:/bin tool
command -v nonexistent-cmd || echo "nonexistent-cmd: $?"
# Redirections to and from odd paths.
cat missing 2>&1 | sed "s|^$t|T|"
echo x >d1/d2/new && cat rel-dir/new && rm rel-dir/new
echo x 2>/dev/null >missing/x || echo "redirect into missing dir failed"
echo x 2>/dev/null >dangling-write-target && rm dangling-write-target
[ -e d1/d2/new ] || echo "new removed"
exit 0
EOF
}

setup() {
	nc_require_build
	nc_require bash
	tree=$BATS_FILE_TMPDIR/tree
	probe=$BATS_FILE_TMPDIR/probe.sh
}

teardown_file() {
	chmod 755 "$BATS_FILE_TMPDIR/tree/noexec-dir" 2>/dev/null || true
}

@test "file tests, cd, globbing and PATH lookup print the same under namecache" {
	nc_plain plain "$BATS_TEST_TMPDIR" bash "$probe" "$tree"
	nc_cached nc "$BATS_TEST_TMPDIR" bash "$probe" "$tree"
	nc_assert_shim_seen nc
	assert_equal "$(nc_rc plain)" 0
	run nc_out plain
	assert_line '[file]                 ef....rws e F'
	assert_line '[dangling]             ...Lh.... !e !F'
	assert_line '[loop-a]               ...Lh.... !e !F'
	assert_line '[file/]                ......... !e !F'
	assert_line '[rel-dir/d3/deep]      ef....rws e F'
	assert_line '[d1/]                  e.d..xrws e !F'
	assert_line '[d1/zero]              ef....rw. e F'
	assert_line 'file d1/zero ..ot..'
	assert_line 'dangling link missing'
	assert_line 'pwd T/rel-dir -P T/d1/d2'
	assert_line 'deep via ../../rel-dir/d3'
	assert_line 'cd loop: 1'
	assert_line 'T/bin/tool'
	assert_line 'tool'
	assert_line 'new removed'
	nc_assert_same_run plain nc
}

@test "the same script gives the same result with --mode relaxed and off" {
	nc_plain plain "$BATS_TEST_TMPDIR" bash "$probe" "$tree"
	[ -s "$BATS_TEST_TMPDIR/plain.out" ]
	local m
	for m in relaxed off; do
		(cd "$BATS_TEST_TMPDIR" && "$NC_CLI" run --mode "$m" -- bash "$probe" "$tree") \
			>"$BATS_TEST_TMPDIR/$m.out" 2>"$BATS_TEST_TMPDIR/$m.err" </dev/null &&
			echo 0 >"$BATS_TEST_TMPDIR/$m.rc" || echo $? >"$BATS_TEST_TMPDIR/$m.rc"
		nc_assert_same_run plain "$m"
	done
}

@test "sh (dash) file tests print the same under namecache" {
	nc_require dash
	local script='cd "$1" || exit 9
for p in file rel-file dangling loop-a d1/ file/ missing abs-dir/d2 chain tool-link; do
	r=""
	for op in -e -f -d -h -x -r -s; do
		if test $op "$p"; then r="$r${op#-}"; else r="$r."; fi
	done
	echo "$p $r"
done'
	nc_plain plain "$BATS_TEST_TMPDIR" dash -c "$script" _ "$tree"
	nc_cached nc "$BATS_TEST_TMPDIR" dash -c "$script" _ "$tree"
	nc_assert_shim_seen nc
	run nc_out plain
	assert_line 'file ef...rs'
	assert_line 'dangling ...h...'
	nc_assert_same_run plain nc
}
