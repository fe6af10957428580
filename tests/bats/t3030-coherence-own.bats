#!/usr/bin/env bats
# A process sees its own changes at once, in relaxed mode as in strict:
# build and file tools that create a file and then look at it (ar, cc and
# ld, install, cp, mv, tar, sed -i) under `namecache run --mode relaxed`,
# caching from the first repeated lookup, on fresh names.  Each script
# runs twice in the same directory, without namecache and with it: the
# output, the errors, the exit status and the resulting tree (names,
# types, sizes, modes, contents) must be identical, and the cached run
# must have answered lookups from the cache.  Relaxed mode's time bound
# is set beyond the run, so only the write-through rule can make the
# answers right (docs/coherence.md).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
}

# own_tree DIR: what a script left behind, without timestamps.
own_tree() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %s %m\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0r md5sum)
}

# own_compare NAME SETUP SCRIPT [MODE]: run SETUP then SCRIPT (bash) in a
# fresh directory, without namecache, then again with it in MODE
# (default relaxed); compare, and require cache hits.
own_compare() {
	local name=$1 setup=$2 script=$3 mode=${4:-relaxed}
	local w=$BATS_TEST_TMPDIR/w rc t=$BATS_TEST_TMPDIR

	rm -rf "$w" && mkdir -p "$w" && (cd "$w" && eval "$setup")
	(cd "$w" && exec bash -c "$script") >"$t/$name.plain.out" \
		2>"$t/$name.plain.err" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$t/$name.plain.rc"
	own_tree "$w" >"$t/$name.plain.tree"

	rm -rf "$w" && mkdir -p "$w" && (cd "$w" && eval "$setup")
	(cd "$w" && exec env NAMECACHE_WARMUP=0 NAMECACHE_MAX_STALE_US=60000000 \
		"$NC_CLI" run --stats --mode "$mode" -- bash -c "$script") \
		>"$t/$name.cached.out" 2>"$t/$name.raw" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$t/$name.cached.rc"
	nc_split_stats "$t/$name.raw" "$t/$name.cached.err" "$t/$name.stats"
	own_tree "$w" >"$t/$name.cached.tree"

	nc_assert_shim_seen "$name"
	for x in out err rc tree; do
		nc_assert_same_file "$t/$name.plain.$x" "$t/$name.cached.$x"
	done
	hits=$(awk '$1 == "total" { print $6 }' "$t/$name.stats")
	[ "${hits:-0}" -gt 0 ] || fail "$name: no hits: $(cat "$t/$name.stats")"
}

# Look each named path up three times (the third is a hit), so that what
# the tool changes afterwards is cached; with a pause between rounds, in
# which a shared cache's daemon fills what the first round asked for.
LOOK='look() { local f i; for i in 1 2 3; do for f in "$@"; do
	[ -e "$f" ]; [ -s "$f" ]; done; sleep 0.05; done; }
show() { local f; for f in "$@"; do if [ -e "$f" ]; then
	printf "%s %s\n" "$f" "$(wc -c <"$f")"; else echo "$f missing"; fi
	[ -s "$f" ] && echo "$f non-empty"; done; }
'

@test "ar rc creates an archive and finds it (the reported failure)" {
	nc_require ar
	own_compare ar 'echo x >a.o; echo y >b.o' \
		"$LOOK"'look lib.a; ar rc lib.a a.o && ar t lib.a; show lib.a
		ar rcs lib.a b.o && ar t lib.a; show lib.a'
}

@test "a shell's own new and appended files are seen at once" {
	own_compare shell '' "$LOOK"'
		for i in $(seq 200); do [ -e nope$((i % 8)) ]; done
		look f g; : >f; [ -e f ] && echo ok || echo STALE
		echo x >>g; show g; echo yy >>g; show g
		exec 3>>g; show g; echo zzz >&3; show g; exec 3>&-; show g
		rm f; show f; mkdir f; [ -d f ] && echo dir'
}

@test "cc -o and ld -r write objects and programs that are then used" {
	nc_require cc ld
	own_compare cc 'printf "int f(void){return 4;}\n" >f.c
		printf "int f(void);\nint main(void){return f()-4;}\n" >m.c' \
		"$LOOK"'look f.o m.o both.o prog
		cc -c f.c -o f.o && cc -c m.c -o m.o && show f.o m.o
		ld -r -o both.o f.o m.o && [ -s both.o ] && echo linked
		cc -o prog both.o && ./prog && echo ran; [ -x prog ] && echo x'
}

@test "install, cp and mv on fresh names" {
	nc_require install cp mv
	own_compare files 'mkdir src; echo one >src/a; echo two >src/b' \
		"$LOOK"'look dst dst/a dst/b copy moved tree tree/a
		install -d dst && install -m 640 src/a dst/a && show dst/a
		cp src/b copy && show copy && cp -a src tree && show tree/a
		mv copy moved && show copy moved && mv tree dst/t && show tree dst/t/b
		install -m 600 src/b dst/a && show dst/a && stat -c %a dst/a'
}

@test "tar x and sed -i replace what was looked up" {
	nc_require tar sed
	own_compare tar 'mkdir in; echo alpha >in/a; echo beta >in/b
		tar cf t.tar --mtime=@0 --owner=0 --group=0 --numeric-owner in &&
		rm -r in; echo "hello world" >s' \
		"$LOOK"'look in in/a in/b s
		tar xf t.tar && show in/a in/b
		sed -i s/world/there/ s && cat s && show s
		sed -i.bak s/hello/bye/ s && cat s s.bak && show s s.bak'
}

@test "the same scripts in strict mode" {
	nc_require ar cc
	own_compare ar-strict 'echo x >a.o' \
		"$LOOK"'look lib.a; ar rc lib.a a.o && ar t lib.a; show lib.a' strict
	own_compare shell-strict '' "$LOOK"'look f; : >f; show f
		echo x >>f; show f' strict
}
