#!/usr/bin/env bats
# make under namecache: a generated project (pattern rules, header
# dependencies from -MMD, a generated header, a recursive sub-make, 70
# targets in subdirectories) is built in two identical copies, one
# without and one under `namecache run`.  Every step prints the same
# output and leaves byte-identical files: full build, no-op, rebuild after
# touching one header, rebuild after touching one source, clean.
#
# The tests of this file run in order on the two copies.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

# gen_project DIR: write the project into DIR.
gen_project() {
	local d=$1 sub i j
	mkdir -p "$d/include" "$d/lib"
	cat >"$d/Makefile" <<'EOF'
CC = cc
CFLAGS = -O1 -Wall -Iinclude -Igen
SRCS := $(sort $(wildcard src/*/*.c))
OBJS := $(patsubst src/%.c,obj/%.o,$(SRCS))

all: bin/app bin/tool

bin/app: $(filter-out obj/tool/%,$(OBJS)) lib/libaux.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) lib/libaux.a

bin/tool: $(filter obj/tool/% obj/core/%,$(OBJS)) lib/libaux.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) lib/libaux.a

obj/%.o: src/%.c gen/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

gen/version.h: VERSION
	@mkdir -p $(dir $@)
	printf '#define APP_VERSION "%s"\n' "$$(cat VERSION)" >$@

lib/libaux.a: $(wildcard lib/*.c) include/aux.h
	$(MAKE) -C lib

clean:
	rm -rf obj bin gen
	$(MAKE) -C lib clean

.PHONY: all clean
-include $(OBJS:.o=.d)
EOF
	cat >"$d/lib/Makefile" <<'EOF'
CFLAGS = -O1 -Wall -I../include
AUX := $(sort $(wildcard aux*.c))
libaux.a: $(AUX:.c=.o)
	ar rcD $@ $^
%.o: %.c
	cc $(CFLAGS) -MMD -MP -c -o $@ $<
clean:
	rm -f *.o *.d libaux.a
-include $(AUX:.c=.d)
EOF
	echo 1.2.3 >"$d/VERSION"
	cat >"$d/include/common.h" <<'EOF'
#ifndef COMMON_H
#define COMMON_H
#include "version.h"
int aux_value(int x);
#endif
EOF
	for i in 0 1 2 3; do
		printf 'int aux%d(int x);\n' "$i"
	done >"$d/include/aux.h"
	printf '#include "aux.h"\nint aux_value(int x) { return aux0(x) + aux1(x) + aux2(x) + aux3(x); }\n' >"$d/lib/auxv.c"
	for i in 0 1 2 3; do
		printf '#include "aux.h"\nint aux%d(int x) { return x * %d; }\n' "$i" "$((i + 2))" >"$d/lib/aux$i.c"
	done
	for sub in core util net io; do
		mkdir -p "$d/src/$sub" "$d/include/$sub"
		{
			echo "#ifndef ${sub^^}_H"
			echo "#define ${sub^^}_H"
			for i in $(seq 0 14); do
				echo "int ${sub}$i(int x);"
			done
			echo "#endif"
		} >"$d/include/$sub/$sub.h"
		for i in $(seq 0 14); do
			j=$(((i + 1) % 15))
			cat >"$d/src/$sub/$sub$i.c" <<EOF
#include "common.h"
#include "$sub/$sub.h"
static const char ver[] = APP_VERSION;
int ${sub}$i(int x) { return x > 100 ? x + (int)sizeof(ver) : ${sub}$j(x + $i) + aux_value($i); }
EOF
		done
	done
	mkdir -p "$d/src/main" "$d/src/tool"
	cat >"$d/src/main/main.c" <<'EOF'
#include <stdio.h>
#include "common.h"
#include "core/core.h"
#include "util/util.h"
#include "net/net.h"
#include "io/io.h"
int main(void)
{
	printf("%s %d\n", APP_VERSION, core0(1) + util0(2) + net0(3) + io0(4));
	return 0;
}
EOF
	for i in 0 1 2 3 4; do
		cat >"$d/src/tool/tool$i.c" <<EOF
#include "common.h"
#include "core/core.h"
int tool$i(int x) { return core0(x + $i); }
EOF
	done
	cat >"$d/src/tool/main.c" <<'EOF'
#include <stdio.h>
#include "common.h"
int tool0(int x);
int main(void) { printf("tool %s %d\n", APP_VERSION, tool0(7)); return 0; }
EOF
	find "$d" -exec touch -h -d '2020-01-02 03:04:05' {} +
}

setup_file() {
	local r=$BATS_FILE_TMPDIR
	gen_project "$r/pristine"
	cp -a "$r/pristine" "$r/plain"
	cp -a "$r/pristine" "$r/cached"
}

setup() {
	nc_require_build
	nc_require make cc ar
	root=$BATS_FILE_TMPDIR
}

# make_both NAME ARGS...: run make ARGS in both copies as runs NAME-plain
# and NAME-nc, with the directories replaced by @ROOT@ in the output.
make_both() {
	local name=$1
	shift
	nc_plain "$name-plain" "$root/plain" make -j1 "$@"
	nc_cached "$name-nc" "$root/cached" make -j1 "$@"
	nc_normalise "$name-plain" "$root/plain" @ROOT@
	nc_normalise "$name-nc" "$root/cached" @ROOT@
	nc_assert_shim_seen "$name-nc"
}

# same_tree: the two copies hold the same files with the same contents.
same_tree() {
	(cd "$root/plain" && find . -type f | LC_ALL=C sort) >"$BATS_TEST_TMPDIR/plain.files"
	(cd "$root/cached" && find . -type f | LC_ALL=C sort) >"$BATS_TEST_TMPDIR/cached.files"
	nc_assert_same_file "$BATS_TEST_TMPDIR/plain.files" "$BATS_TEST_TMPDIR/cached.files"
	local f
	while read -r f; do
		cmp "$root/plain/$f" "$root/cached/$f" || fail "$f differs"
	done <"$BATS_TEST_TMPDIR/plain.files"
}

# compiled NAME: the sources compiled by run NAME, sorted, one a line.
compiled() {
	sed -n 's/^cc .* -c -o [^ ]* \([^ ]*\.c\)$/\1/p' "$BATS_TEST_TMPDIR/$1.out" | LC_ALL=C sort
}

@test "full build: same output, same artifacts" {
	[ ! -e "$root/plain/bin" ] && [ ! -e "$root/cached/bin" ]
	make_both build
	assert_equal "$(nc_rc build-plain)" 0
	run compiled build-plain
	[ "${#lines[@]}" -eq 72 ] || fail "expected 72 compilations, got ${#lines[@]}"
	run cat "$BATS_TEST_TMPDIR/build-plain.out"
	assert_line "make[1]: Entering directory '@ROOT@/lib'"
	assert_line 'ar rcD libaux.a aux0.o aux1.o aux2.o aux3.o auxv.o'
	assert_line --partial 'cc -o bin/app obj/core/core0.o'
	nc_assert_same_run build-plain build-nc
	same_tree
	[ -x "$root/plain/bin/app" ] && [ -s "$root/plain/obj/core/core3.d" ]
	run "$root/cached/bin/app"
	assert_success
	assert_output --regexp '^1\.2\.3 [0-9-]+$'
}

@test "a second make does nothing, in both" {
	[ -x "$root/plain/bin/app" ] && [ -x "$root/cached/bin/app" ]
	make_both noop
	run cat "$BATS_TEST_TMPDIR/noop-plain.out"
	assert_line "make: Nothing to be done for 'all'."
	refute_line --partial "make[1]"
	refute_line --regexp '^cc '
	nc_assert_same_run noop-plain noop-nc
}

@test "touching one header recompiles the same dependants" {
	[ -x "$root/plain/bin/app" ] && [ -x "$root/cached/bin/app" ]
	touch "$root/plain/include/net/net.h" "$root/cached/include/net/net.h"
	make_both hdr
	run compiled hdr-plain
	[ "${#lines[@]}" -eq 16 ] || fail "expected net/*.c and main.c, got: $output"
	assert_line src/main/main.c
	assert_line src/net/net14.c
	nc_assert_same_run hdr-plain hdr-nc
	same_tree
}

@test "touching one source recompiles it alone and relinks" {
	[ -x "$root/plain/bin/app" ] && [ -x "$root/cached/bin/app" ]
	touch "$root/plain/src/util/util7.c" "$root/cached/src/util/util7.c"
	make_both src
	run compiled src-plain
	assert_output src/util/util7.c
	run cat "$BATS_TEST_TMPDIR/src-plain.out"
	assert_line --partial 'cc -o bin/app '
	refute_line --partial 'cc -o bin/tool '
	nc_assert_same_run src-plain src-nc
	same_tree
}

@test "a changed VERSION regenerates the header and rebuilds everything that includes it" {
	[ -x "$root/plain/bin/app" ] && [ -x "$root/cached/bin/app" ]
	echo 2.0.0 >"$root/plain/VERSION"
	echo 2.0.0 >"$root/cached/VERSION"
	make_both ver
	run compiled ver-plain
	[ "${#lines[@]}" -eq 67 ] || fail "expected 67 compilations, got ${#lines[@]}"
	nc_assert_same_run ver-plain ver-nc
	same_tree
	run "$root/cached/bin/tool"
	assert_output --regexp '^tool 2\.0\.0 '
}

@test "make clean removes the same files" {
	[ -x "$root/plain/bin/app" ] && [ -x "$root/cached/bin/app" ]
	make_both clean clean
	run cat "$BATS_TEST_TMPDIR/clean-plain.out"
	assert_line 'rm -rf obj bin gen'
	nc_assert_same_run clean-plain clean-nc
	same_tree
	[ ! -e "$root/cached/bin" ] && [ ! -e "$root/cached/lib/libaux.a" ]
	run diff -rq "$root/pristine" "$root/cached"
	assert_output --regexp '^Files .*/VERSION and .*/VERSION differ$'
}
