#!/usr/bin/env bats
# The C compiler under namecache: header search through six -I
# directories with shadowed names, #include_next chains, __has_include of
# a present and a missing header.  The preprocessed text, the dependency
# lists, the include trace, the object files and the error output for a
# missing header must be identical with and without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

# gen_sources DIR: the include directories and the sources.
gen_sources() {
	local d=$1 i
	for i in 1 2 3 4 5 6; do
		mkdir -p "$d/inc$i"
	done
	# a.h: inc1 -> include_next inc3 -> include_next inc5.
	printf '#include_next <a.h>\n#define A_CHAIN "inc1>" A_NEXT1\n' >"$d/inc1/a.h"
	printf '#include_next <a.h>\n#define A_NEXT1 "inc3>" A_NEXT3\n' >"$d/inc3/a.h"
	printf '#define A_NEXT3 "inc5"\n' >"$d/inc5/a.h"
	# b.h: in inc2 and inc4; inc2 comes first.
	printf '#define B_FROM "inc2"\n' >"$d/inc2/b.h"
	printf '#define B_FROM "inc4"\n' >"$d/inc4/b.h"
	# c.h: only in the last directory; its "sub/d.h" is in inc4 and inc6,
	# and the directory of c.h itself (inc6) is searched first.
	printf '#define C_FROM "inc6"\n#include "sub/d.h"\n' >"$d/inc6/c.h"
	mkdir -p "$d/inc4/sub" "$d/inc6/sub"
	printf '#define D_FROM "inc4/sub"\n' >"$d/inc4/sub/d.h"
	printf '#define D_FROM "inc6/sub"\n' >"$d/inc6/sub/d.h"
	# A local header shadowing one on the -I path for quoted includes.
	printf '#define B_LOCAL "local"\n' >"$d/b_local.h"
	cat >"$d/main.c" <<'EOF'
#include <stdio.h>
#include <a.h>
#include <b.h>
#include "c.h"
#include "b_local.h"
#if __has_include(<optional_feature.h>)
#include <optional_feature.h>
#define OPT "present"
#else
#define OPT "missing"
#endif
#if __has_include("c.h")
#define HAS_C "yes"
#else
#define HAS_C "no"
#endif
const char *const chosen[] = { A_CHAIN, B_FROM, C_FROM, D_FROM, B_LOCAL, OPT, HAS_C };
int main(void)
{
	for (unsigned i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++)
		printf("%s\n", chosen[i]);
	return 0;
}
EOF
	cat >"$d/broken.c" <<'EOF'
#include <a.h>
#include "no/such/header.h"
int x;
EOF
}

setup_file() {
	gen_sources "$BATS_FILE_TMPDIR/plain"
	gen_sources "$BATS_FILE_TMPDIR/cached"
}

setup() {
	nc_require_build
	nc_require cc
	root=$BATS_FILE_TMPDIR
	incs=(-Iinc1 -Iinc2 -Iinc3 -Iinc4 -Iinc5 -Iinc6)
}

# cc_both NAME ARGS...: run cc ARGS in both directories and compare.
cc_both() {
	local name=$1
	shift
	nc_plain "$name-plain" "$root/plain" cc "$@"
	nc_cached "$name-nc" "$root/cached" cc "$@"
	nc_normalise "$name-plain" "$root/plain" @ROOT@
	nc_normalise "$name-nc" "$root/cached" @ROOT@
	nc_assert_shim_seen "$name-nc"
	nc_assert_same_run "$name-plain" "$name-nc"
}

@test "header search order: the program shows the expected headers won" {
	cc_both link "${incs[@]}" -O1 -o main main.c
	assert_equal "$(nc_rc link-plain)" 0
	cmp "$root/plain/main" "$root/cached/main"
	run "$root/cached/main"
	assert_success
	assert_output $'inc1>inc3>inc5\ninc2\ninc6\ninc6/sub\nlocal\nmissing\nyes'
}

@test "object files are identical, with and without debug information" {
	# -g records the working directory: map both copies to one name.
	local script='cc "$@" -O2 -g -fdebug-prefix-map="$PWD"=/src -c -o main-g.o main.c'
	nc_plain g-plain "$root/plain" sh -c "$script" _ "${incs[@]}"
	nc_cached g-nc "$root/cached" sh -c "$script" _ "${incs[@]}"
	nc_assert_shim_seen g-nc
	nc_assert_same_run g-plain g-nc
	[ -s "$root/plain/main-g.o" ]
	cmp "$root/plain/main-g.o" "$root/cached/main-g.o"
	cc_both obj "${incs[@]}" -O2 -c -o main.o main.c
	[ -s "$root/plain/main.o" ]
	cmp "$root/plain/main.o" "$root/cached/main.o"
	run nm "$root/cached/main.o"
	assert_line --regexp ' [DR] chosen$'
	assert_line --regexp ' T main$'
}

@test "dependency output (-M, -MM, -MD) is identical" {
	cc_both m "${incs[@]}" -M main.c
	run nc_out m-plain
	assert_output --partial 'inc1/a.h'
	assert_output --partial 'inc3/a.h'
	assert_output --partial 'inc5/a.h'
	assert_output --partial 'inc2/b.h'
	assert_output --partial 'inc6/sub/d.h'
	refute_output --partial 'inc4/b.h'
	refute_output --partial 'inc4/sub/d.h'
	assert_output --partial '/stdio.h'
	cc_both mm "${incs[@]}" -MM -MP main.c
	cc_both md "${incs[@]}" -MD -MF main.d -c -o main-md.o main.c
	nc_assert_same_file "$root/plain/main.d" "$root/cached/main.d"
	grep -q 'inc6/c.h' "$root/plain/main.d"
}

@test "preprocessed text and the include trace (-H) are identical" {
	cc_both e "${incs[@]}" -E main.c
	run nc_out e-plain
	assert_output --partial '"inc1>" "inc3>" "inc5"'
	assert_output --partial '# 1 "inc3/a.h" 1'
	cc_both h "${incs[@]}" -H -fsyntax-only main.c
	run nc_err h-plain
	assert_line '. inc1/a.h'
	assert_line '.. inc3/a.h'
	assert_line '... inc5/a.h'
	# The search list printed by -v.
	cc_both v "${incs[@]}" -v -fsyntax-only main.c
	run nc_err v-plain
	assert_line ' inc1'
	assert_line ' inc6'
}

@test "a missing header gives the same error and status" {
	cc_both broken "${incs[@]}" -c -o broken.o broken.c
	assert_equal "$(nc_rc broken-plain)" 1
	run nc_err broken-plain
	assert_output --partial 'no/such/header.h: No such file or directory'
	[ ! -e "$root/cached/broken.o" ]
	# A missing -I directory and a missing source file.
	cc_both nodir -Ino-such-dir "${incs[@]}" -Wmissing-include-dirs -fsyntax-only main.c
	run nc_err nodir-plain
	assert_output --partial 'no-such-dir'
	cc_both nosrc -c missing.c
	assert_equal "$(nc_rc nosrc-plain)" 1
	run nc_err nosrc-plain
	assert_output --partial 'missing.c: No such file or directory'
}
