#!/usr/bin/env bats
# The recipes in contrib/: the bats helper, the git aliases, the make
# include, the masquerade directory for make, ninja and git, and the bash
# completion; and the man page's coverage of the CLI.  Each recipe is run
# for real and must (a) put the program under the shim (its statistics
# records or table show it) and (b) leave the program's output as it is
# without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	C=$NC_TOP/contrib
	export NAMECACHE=$NC_CLI
}

@test "contrib/bats: a suite that loads the helper runs its programs under the shim, and reports" {
	nc_require bats
	local d=$BATS_TEST_TMPDIR/suite
	mkdir -p "$d/data"
	echo one >"$d/data/a"
	# "TEST" becomes "@test" in the generated files only.
	sed 's/^TEST /@test /' >"$d/with.bats" <<EOF
load '$C/bats/namecache'
setup_file() { namecache_setup_file; }
teardown_file() { namecache_teardown_file; }
TEST "a program the test starts repeats a lookup" {
	run bash -c 'for ((i = 0; i < 40; i++)); do [ -e "\$1" ] || exit 1; done; echo done' _ "\$BATS_TEST_DIRNAME/data/a"
	[ "\$status" -eq 0 ] && [ "\$output" = done ]
}
TEST "the shim is in its environment" {
	[[ \$(printenv LD_PRELOAD) == *libnamecache.so* ]]
}
EOF
	sed -e '/namecache_\|bats\/namecache/d' -e 's/^@test "the shim is in/@test "the shim is not in/' \
		-e 's/^\t\[\[ \$(printenv/\t! [[ $(printenv/' "$d/with.bats" >"$d/without.bats"
	run env NAMECACHE_WARMUP=0 NAMECACHE_BATS_REPORT="$BATS_TEST_TMPDIR/report" \
		bats --tap "$d/with.bats"
	assert_success
	assert_output $'1..2\nok 1 a program the test starts repeats a lookup\nok 2 the shim is in its environment'
	run cat "$BATS_TEST_TMPDIR/report"
	assert_line --regexp '^namecache: [0-9]+ processes \([0-9]+ pids\), [0-9]+ calls$'
	[ "$(nc_stat_processes "$BATS_TEST_TMPDIR/report")" -ge 2 ]
	# bash's 40 tests of the file: all but the first few are hits.
	local hits
	hits=$(awk '$1 == "total" { print $6 }' "$BATS_TEST_TMPDIR/report")
	[ "$hits" -ge 35 ] || fail "only $hits hits: $(cat "$BATS_TEST_TMPDIR/report")"
	# The control: the same suite without the helper.
	run bats --tap "$d/without.bats"
	assert_success
	assert_output $'1..2\nok 1 a program the test starts repeats a lookup\nok 2 the shim is not in its environment'
}

# mkrepo DIR: a git repository with a commit, then a change, a new file.
mkrepo() {
	mkdir -p "$1/sub/deep"
	(
		cd "$1"
		git init -q
		for i in 1 2 3 4 5; do echo "$i" >"sub/deep/f$i"; done
		echo top >top
		git add -A
		git -c user.email=t@example.invalid -c user.name=t commit -qm one
		echo more >>sub/deep/f2
		echo new >sub/new
	)
}

@test "contrib/git: git nc, ncstatus and ncdiff run git under the shim, from a subdirectory, with plain git's output" {
	nc_require git
	local r=$BATS_TEST_TMPDIR/repo cfg=include.path=$C/git/namecache.gitconfig
	mkrepo "$r"
	local stats=$BATS_TEST_TMPDIR/git.rec
	nc_plain plain "$r/sub" git status --short
	nc_plain nc "$r/sub" env NAMECACHE_STATS="$stats" git -c "$cfg" ncstatus --short
	nc_assert_same_run plain nc
	run nc_out plain
	assert_output $' M deep/f2\n?? new'
	[ "$(nc_stats_records "$stats")" -ge 1 ] || fail "git ran without the shim"
	: >"$stats"
	nc_plain plain "$r/sub" git diff --stat -- deep
	nc_plain nc "$r/sub" env NAMECACHE_STATS="$stats" git -c "$cfg" ncdiff --stat -- deep
	nc_assert_same_run plain nc
	[[ $(nc_out plain) == *"sub/deep/f2 | 1 +"* ]]
	[ "$(nc_stats_records "$stats")" -ge 1 ]
	: >"$stats"
	nc_plain plain "$r/sub/deep" git ls-files
	nc_plain nc "$r/sub/deep" env NAMECACHE_STATS="$stats" git -c "$cfg" nc ls-files
	nc_assert_same_run plain nc
	assert_equal "$(nc_out nc | wc -l)" 5
	[ "$(nc_stats_records "$stats")" -ge 1 ]
}

# mkproject DIR: a Makefile that includes contrib/make/namecache.mk and
# builds one file from twenty, plus a sub-make.
mkproject() {
	mkdir -p "$1/src" "$1/sub"
	local i
	for i in $(seq 1 20); do echo "$i" >"$1/src/s$i.txt"; done
	cat >"$1/Makefile" <<EOF
-include $C/make/namecache.mk
SRC := \$(wildcard src/*.txt)
all: out.txt
	\$(MAKE) -C sub
out.txt: \$(SRC)
	cat \$(sort \$^) >\$@
	@case "\$\$LD_PRELOAD" in *libnamecache.so*) echo "recipe: shim" >preload.txt ;; *) echo "recipe: plain" >preload.txt ;; esac
clean:
	rm -f out.txt preload.txt sub/made.txt
EOF
	printf 'all:\n\techo sub >made.txt\n' >"$1/sub/Makefile"
}

@test "contrib/make: make nc-TARGET runs make TARGET with make and its recipes under the shim" {
	nc_require make
	local p=$BATS_TEST_TMPDIR/proj
	mkproject "$p"
	nc_plain plain "$p" make all
	cp "$p/out.txt" "$BATS_TEST_TMPDIR/plain-out.txt"
	assert_equal "$(cat "$p/preload.txt")" "recipe: plain"
	make -s -C "$p" clean
	nc_plain nc "$p" make nc-all NAMECACHE_FLAGS=--stats
	assert_equal "$(nc_rc nc)" 0
	mv "$BATS_TEST_TMPDIR/nc.err" "$BATS_TEST_TMPDIR/nc.raw"
	nc_split_stats "$BATS_TEST_TMPDIR/nc.raw" "$BATS_TEST_TMPDIR/nc.err" \
		"$BATS_TEST_TMPDIR/nc.stats"
	nc_assert_shim_seen nc
	# make twice (nc-all, then all), the sub-make and the recipes' shells.
	[ "$(nc_stat_processes "$BATS_TEST_TMPDIR/nc.stats")" -ge 4 ]
	assert_equal "$(cat "$p/preload.txt")" "recipe: shim"
	nc_assert_same_file "$BATS_TEST_TMPDIR/plain-out.txt" "$p/out.txt"
	assert_equal "$(cat "$p/sub/made.txt")" sub
	run grep -c '^cat src/s1.txt' "$BATS_TEST_TMPDIR/nc.out"
	assert_output 1
}

# masq DIR: a masquerade directory for make, ninja and git.
masq() {
	mkdir -p "$1"
	local p
	for p in make ninja git; do
		ln -s "$C/bin/namecache-masquerade" "$1/$p"
	done
}

@test "contrib/bin: the masquerade directory puts make and git under the shim by their own names" {
	nc_require make git
	local m=$BATS_TEST_TMPDIR/masq p=$BATS_TEST_TMPDIR/proj r=$BATS_TEST_TMPDIR/repo
	local stats=$BATS_TEST_TMPDIR/m.rec
	masq "$m"
	mkproject "$p"
	mkrepo "$r"
	nc_plain plain "$p" make all
	make -s -C "$p" clean
	nc_plain nc "$p" env PATH="$m:$PATH" NAMECACHE_STATS="$stats" make all
	nc_assert_same_run plain nc
	assert_equal "$(cat "$p/preload.txt")" "recipe: shim"
	# make, the sub-make (the real make: the masquerade directory is
	# gone from its PATH) and the shells: each wrote a record.
	[ "$(nc_stats_records "$stats")" -ge 4 ]
	: >"$stats"
	nc_plain plain "$r" git status --short
	nc_plain nc "$r" env PATH="$m:$PATH" NAMECACHE_STATS="$stats" git status --short
	nc_assert_same_run plain nc
	[ "$(nc_stats_records "$stats")" -ge 1 ]
	# Called by its own name it refuses.
	run "$C/bin/namecache-masquerade"
	assert_failure 2
	# A program that is not installed: 127, as a shell says.
	ln -s "$C/bin/namecache-masquerade" "$m/nc-no-such-program"
	run -127 env PATH="$m:$PATH" nc-no-such-program
	assert_failure 127
	assert_output "namecache-masquerade: nc-no-such-program not found in PATH"
}

@test "contrib/bin: ninja through the masquerade directory runs under the shim, with ninja's own output" {
	nc_require ninja
	local m=$BATS_TEST_TMPDIR/masq d=$BATS_TEST_TMPDIR/nj i
	local stats=$BATS_TEST_TMPDIR/n.rec
	masq "$m"
	mkdir -p "$d"
	for i in 1 2 3; do echo "$i" >"$d/in$i"; done
	printf '%s\n' 'rule cat' '  command = cat $in > $out' \
		'build out: cat in1 in2 in3' >"$d/build.ninja"
	nc_plain plain "$d" ninja
	rm -f "$d/out" "$d/.ninja_log" "$d/.ninja_deps"
	nc_plain nc "$d" env PATH="$m:$PATH" NAMECACHE_STATS="$stats" ninja
	nc_assert_same_run plain nc
	assert_equal "$(cat "$d/out")" $'1\n2\n3'
	[ "$(nc_stats_records "$stats")" -ge 2 ] # ninja and the shell
}

# complete_words WORDS...: the completions of the last word (empty: a new
# word) of the command line WORDS, one a line, sorted; then the
# completion's registration.
complete_words() {
	bash --norc --noprofile -c '
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_namecache
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort
		complete -p namecache' _ "$C/completion/namecache.bash" "$@"
}

@test "contrib/completion: bash completes subcommands, options, modes, commands and files" {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p cdir
	: >cdir/stats-file
	run complete_words namecache ''
	assert_output $'--help\n--version\ndoctor\nexplain\nrun\nstats\ncomplete -F _namecache namecache'
	run complete_words namecache ex
	assert_output $'explain\ncomplete -F _namecache namecache'
	run complete_words namecache run --m
	assert_line --index 0 -- --mode
	assert_line -- --mode=relaxed
	run complete_words namecache run --r
	assert_line --index 0 -- --respect-env
	run complete_words namecache run --mode ''
	assert_output $'off\nrelaxed\nstrict\ncomplete -F _namecache namecache'
	run complete_words namecache run --stats -- bas
	assert_line bash
	run complete_words namecache run -- bash cdir/st
	assert_line --index 0 cdir/stats-file
	run complete_words namecache explain --no
	assert_line --index 0 -- --nofollow
	run complete_words namecache stats cdir/
	assert_line --index 0 cdir/stats-file
	run complete_words namecache doctor ''
	assert_output 'complete -F _namecache namecache'
}

@test "the man page covers every subcommand, option and NAMECACHE_ variable" {
	local man=$NC_TOP/man/namecache.1 v c o
	[ -f "$man" ]
	for c in $("$NC_CLI" --help | sed -n 's/^ *\(usage:\)\{0,1\} *namecache \([a-z]*\).*/\2/p' | sort -u); do
		grep -q "^\.B namecache $c" "$man" || fail "no synopsis for '$c' in $man"
		grep -q "^\.SS $c\$" "$man" || fail "no section for '$c' in $man"
	done
	for o in stats mode nofollow; do
		grep -q -- "\\\\-\\\\-$o" "$man" || fail "option --$o is not in $man"
	done
	for v in $(cat "$NC_TOP"/src/*/*.[ch] "$NC_TOP/README.md" | grep -o 'NAMECACHE_[A-Z_]*[A-Z]' | sort -u); do
		[ "$v" = NAMECACHE_VERSION ] && continue # the header's macro
		grep -q "^\.B $v\$" "$man" || fail "$v is not described in $man"
	done
}
