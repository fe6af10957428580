#!/usr/bin/env bats
# The build's promises: the shim exports exactly the intercepted functions
# and the public nc_ API (Concurrency Kit and xxhash are linked in with
# their symbols hidden), and `make install` produces a tree a program can
# build against with pkg-config.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	build=${NC_BUILD:-$top/build}
	shim=${NC_SHIM:-$build/lib/libnamecache.so}
}

@test "the shim exports every row of the interception table and nothing internal" {
	run "$build/tests/list-entries"
	assert_success
	[ "${#lines[@]}" -gt 100 ]
	printf '%s\n' "${lines[@]}" | sort >"$BATS_TEST_TMPDIR/table"
	for f in nc_version nc_stat nc_lstat nc_access nc_readlink nc_realpath; do
		echo "$f"
	done >>"$BATS_TEST_TMPDIR/table"
	sort -o "$BATS_TEST_TMPDIR/table" "$BATS_TEST_TMPDIR/table"
	nm -D --defined-only "$shim" | awk '{print $3}' | sort >"$BATS_TEST_TMPDIR/exports"
	run diff "$BATS_TEST_TMPDIR/table" "$BATS_TEST_TMPDIR/exports"
	assert_success
	assert_output ""
}

@test "no Concurrency Kit, xxhash or nc__ symbol is visible in the shim" {
	run nm -D "$shim"
	assert_success
	refute_output --regexp '(^| )(ck_|XXH|nc__)'
}

@test "every issue-listed entry point is intercepted" {
	nm -D --defined-only "$shim" | awk '{print $3}' >"$BATS_TEST_TMPDIR/exports"
	for f in open open64 openat openat64 __open_2 __open64_2 __openat_2 \
		__openat64_2 creat creat64 fopen fopen64 freopen freopen64 stat \
		stat64 lstat lstat64 fstatat fstatat64 __xstat __xstat64 __lxstat \
		__lxstat64 __fxstatat __fxstatat64 statx access faccessat \
		euidaccess eaccess readlink readlinkat __readlink_chk \
		__readlinkat_chk realpath __realpath_chk canonicalize_file_name \
		unlink unlinkat remove rmdir rename renameat renameat2 mkdir \
		mkdirat mknod mknodat mkfifo link linkat symlink symlinkat chmod \
		fchmodat chown lchown fchownat utime utimes utimensat truncate \
		chdir fchdir chroot execve _exit; do
		grep -qx -- "$f" "$BATS_TEST_TMPDIR/exports" || fail "$f is not exported"
	done
}

@test "make install puts bin, lib, header, man pages and a pkg-config file under DESTDIR" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$top" -s B="$build" install DESTDIR="$dest" PREFIX=/opt/nc
	assert_success
	for f in bin/namecache lib/libnamecache.so include/namecache.h \
		share/man/man1/namecache.1 share/man/man3/namecache.3 \
		lib/pkgconfig/namecache.pc; do
		[ -f "$dest/opt/nc/$f" ] || fail "missing $f"
	done
	[ -x "$dest/opt/nc/bin/namecache" ]
	run grep -x 'libdir=/opt/nc/lib' "$dest/opt/nc/lib/pkgconfig/namecache.pc"
	assert_success
}

@test "a program builds against the installed library with pkg-config and gets libc's answers" {
	dest=$BATS_TEST_TMPDIR/dest
	make -C "$top" -s B="$build" install DESTDIR="$dest" PREFIX=/opt/nc
	sed -i "s|^prefix=.*|prefix=$dest/opt/nc|; s|^libdir=.*|libdir=$dest/opt/nc/lib|; s|^includedir=.*|includedir=$dest/opt/nc/include|" \
		"$dest/opt/nc/lib/pkgconfig/namecache.pc"
	cat >"$BATS_TEST_TMPDIR/prog.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <namecache.h>
int main(void)
{
	struct stat a, b;
	char buf[4096];
	if (nc_stat("/", &a, 0) || stat("/", &b) || a.st_ino != b.st_ino)
		return 1;
	errno = 0;
	if (nc_stat("/nonexistent-namecache", &a, 0) != -1 || errno != ENOENT)
		return 2;
	if (nc_stat("/", &a, NC_CACHED_ONLY) != -1 || errno != EAGAIN)
		return 3;
	if (nc_stat("/", &a, 0x80) != -1 || errno != EINVAL)
		return 4;
	if (!nc_realpath("/usr/../etc", buf, 0) || strcmp(buf, "/etc"))
		return 5;
	printf("%s\n", nc_version());
	return 0;
}
C
	export PKG_CONFIG_PATH=$dest/opt/nc/lib/pkgconfig
	run sh -c 'cc -o "$1/prog" "$1/prog.c" $(pkg-config --cflags --libs namecache)' _ "$BATS_TEST_TMPDIR"
	assert_success
	LD_LIBRARY_PATH=$dest/opt/nc/lib run "$BATS_TEST_TMPDIR/prog"
	assert_success
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+$'
}

@test "the library can be loaded with dlopen (no large static TLS), and answers" {
	command -v python3 >/dev/null ||
		skip "python3 is not installed (Debian package python3)"
	run python3 -c '
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1])
buf = ctypes.create_string_buffer(256)
lib.nc_readlink.restype = ctypes.c_ssize_t
for _ in range(3):
    n = lib.nc_readlink(b"/proc/self/exe", buf, 256, 0)
print(n > 0, lib.nc_access(b"/", os.F_OK, 0))' "$shim"
	assert_success
	assert_output "True 0"
}

# The cache's state (nc__c, src/cache/global.c) and the probes after it
# (notify.c) share the first page of .data, which the loader writes
# anyway: a first lookup faults in no page of .data of its own.
@test "the cache's state and its probes are on the first page of .data" {
	local data a
	data=$(readelf -S -W "$shim" | awk '$2 == ".data" {print $4}')
	[ -n "$data" ]
	data=$((16#$data))
	for sym in nc__c probes; do
		a=$(nm "$shim" | awk -v s="$sym" '$3 == s {print $1}')
		[ -n "$a" ] || fail "$sym: not in the symbol table"
		[ $((16#$a / 4096)) -eq $((data / 4096)) ] ||
			fail "$sym: not on the first page of .data"
	done
}

# Each folder of src/ is a subsystem whose files call each other in one
# direction only (src/cache/cache_int.h draws the cache's order): no
# circle of files through the symbols one object file uses from another.
@test "no files of one folder of src/ call each other in a circle" {
	command -v python3 >/dev/null ||
		skip "python3 is not installed (Debian package python3)"
	[ -d "$build/obj/cache" ] || skip "no object files in $build/obj"
	run python3 - "$build/obj" <<'PY'
import collections, glob, os, subprocess, sys

bad = 0
for folder in sorted(glob.glob(os.path.join(sys.argv[1], "*"))):
    defs, uses = {}, collections.defaultdict(set)
    for obj in glob.glob(os.path.join(folder, "*.o")):
        name = os.path.basename(obj)[:-2]
        out = subprocess.run(["nm", obj], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRVW":
                defs[f[2]] = name
            elif len(f) == 2 and f[0] == "U":
                uses[name].add(f[1])
    calls = {a: {defs[s] for s in syms if s in defs and defs[s] != a}
             for a, syms in uses.items()}
    # A circle: a file reached again from one of the files it calls.
    for start in sorted(calls):
        seen, todo = set(), list(calls[start])
        while todo:
            f = todo.pop()
            if f == start:
                print(f"{os.path.basename(folder)}: {start}.c is in a circle")
                bad = 1
                break
            if f not in seen:
                seen.add(f)
                todo.extend(calls.get(f, ()))
print("folders checked:", len(glob.glob(os.path.join(sys.argv[1], "*"))))
sys.exit(bad)
PY
	assert_success
	assert_output --partial "folders checked: 6"
}

# What every process pays to load the shim: the start-up data
# (NC_STARTUP, src/common/util.h) in one page, the page the loader
# writes anyway, and the start-up code (NC_START_TEXT) together.
@test "the shim's start-up data fits the one page the loader writes, its code is together" {
	local sect bss addr size end
	sect=$(readelf -S -W "$shim" | awk '$2 == ".nc_start" {print $4, $6}')
	[ -n "$sect" ]
	read -r addr size <<<"$sect"
	addr=$((16#$addr)) size=$((16#$size)) end=$((addr + size))
	# Page-aligned, smaller than a page: .bss starts in the same page,
	# whose rest past the file's data the loader clears.
	[ $((addr % 4096)) -eq 0 ]
	[ "$size" -gt 0 ] && [ "$size" -lt 4096 ]
	bss=$(readelf -S -W "$shim" | awk '$2 == ".bss" {print $4}')
	[ $((16#$bss / 4096)) -eq $((addr / 4096)) ]
	# What the constructor and the first calls write is in it.
	for sym in nc__real_slot nc__cache_state nc__sock_path_cfg cfg_mode cfg_log owner_pid shim_start alive pool ifd_gen; do
		a=$(nm "$shim" | awk -v s="$sym" '$3 == s {print $1}')
		[ -n "$a" ] || fail "$sym: not in the symbol table"
		a=$((16#$a))
		[ "$a" -ge "$addr" ] && [ "$a" -lt "$end" ] || fail "$sym: not in .nc_start"
	done
	# The code a process runs as it loads lies within 16 KiB.
	local lo=-1 hi=0
	for sym in nc_constructor nc__init nc__real_setup nc__real_resolve nc__symtab_find nc__config_load nc__sock_path nc__buf_str nc__cache_chain; do
		a=$(nm "$shim" | awk -v s="$sym" '$3 == s {print $1}')
		[ -n "$a" ] || fail "$sym: not in the symbol table"
		a=$((16#$a))
		[ "$lo" -lt 0 ] || [ "$a" -lt "$lo" ] && lo=$a
		[ "$a" -gt "$hi" ] && hi=$a
	done
	[ $((hi - lo)) -lt 16384 ] || fail "start-up code spans $((hi - lo)) bytes"
}
