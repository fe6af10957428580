#!/usr/bin/env bats
# python3 under namecache: importing a generated package of 40 modules in
# nested subpackages (with a namespace package, a missing module caught as
# ImportError, and relative imports), and os.path.exists / realpath /
# os.stat / os.access / os.listdir on many path shapes.  The output must be
# identical with and without namecache, with bytecode writing off and on;
# with it on, the same .pyc files must be created.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

# gen_package DIR: the package tree and the driver script.
gen_package() {
	local d=$1 s t i
	mkdir -p "$d/pkg"
	echo 'ROOT = "pkg"' >"$d/pkg/__init__.py"
	for s in alpha beta gamma delta; do
		mkdir -p "$d/pkg/$s/inner"
		echo "from . import m0" >"$d/pkg/$s/__init__.py"
		echo "NAME = '$s.inner'" >"$d/pkg/$s/inner/__init__.py"
		for i in $(seq 0 7); do
			printf 'from . import m0 as first\nVALUE = %d\ndef f(x):\n    return x + VALUE\n' "$i" >"$d/pkg/$s/m$i.py"
		done
		for i in 0 1; do
			printf 'from ..m%d import VALUE as V\nfrom .. import inner\nVALUE = V * 10 + %d\n' "$i" "$i" >"$d/pkg/$s/inner/n$i.py"
		done
	done
	# A namespace package (no __init__.py) and a module shadowed by a
	# package of the same name on a later path entry.
	mkdir -p "$d/pkg/nsp/leaf" "$d/extra/pkg_shadow" "$d/extra2"
	echo 'LEAF = 1' >"$d/pkg/nsp/leaf/mod.py"
	echo 'WHO = "extra package"' >"$d/extra/pkg_shadow/__init__.py"
	echo 'WHO = "extra2 module"' >"$d/extra2/pkg_shadow.py"
	ln -s alpha "$d/pkg/alias"
	ln -s missing "$d/pkg/dangling"
	ln -s loop2 "$d/pkg/loop1"
	ln -s loop1 "$d/pkg/loop2"
	cat >"$d/driver.py" <<'EOF'
import importlib, os, stat, sys
root = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [root, os.path.join(root, "extra"), os.path.join(root, "extra2")]
names = []
for s in ("alpha", "beta", "gamma", "delta"):
    names += ["pkg.%s.m%d" % (s, i) for i in range(8)]
    names += ["pkg.%s.inner.n%d" % (s, i) for i in range(2)]
names += ["pkg.nsp.leaf.mod", "pkg_shadow", "pkg.alias.m3",
          "pkg.alpha.nope", "pkg.nope", "nope_top", "pkg.dangling.x"]
for n in names:
    try:
        m = importlib.import_module(n)
        v = getattr(m, "VALUE", getattr(m, "WHO", getattr(m, "LEAF", None)))
        f = os.path.relpath(m.__file__, root) if getattr(m, "__file__", None) else None
        print("import", n, "ok", v, f)
    except ImportError as e:
        print("import", n, type(e).__name__, e.name)
print("modules", len([k for k in sys.modules if k.startswith("pkg")]))
def show(p):
    r = [p.replace(root, "ROOT"), os.path.exists(p), os.path.lexists(p), os.path.isdir(p),
         os.path.isfile(p), os.path.islink(p),
         os.access(p, os.R_OK), os.access(p, os.X_OK)]
    try:
        r.append(os.path.relpath(os.path.realpath(p, strict=True), root))
    except OSError as e:
        r.append("realpath:" + type(e).__name__)
    r.append(os.path.relpath(os.path.realpath(p), root))
    for fn in (os.stat, os.lstat):
        try:
            st = fn(p)
            r.append("%s:%s:%o:%d" % (fn.__name__, stat.filemode(st.st_mode),
                                     stat.S_IMODE(st.st_mode),
                                     st.st_size if not stat.S_ISDIR(st.st_mode) else -1))
        except OSError as e:
            r.append("%s:%s" % (fn.__name__, e.strerror))
    print(*r)
os.chdir(root)
for p in ["pkg", "pkg/", "pkg/alpha/m1.py", "pkg/alpha/m1.py/", "pkg/alias",
          "pkg/alias/", "pkg/alias/../beta", "pkg/dangling", "pkg/dangling/",
          "pkg/loop1", "pkg/loop1/x", "pkg/missing", "pkg//alpha///m2.py",
          "./pkg/./beta/../gamma/m0.py", "", ".", "..", "/", "extra",
          os.path.join(root, "pkg/nsp/leaf")]:
    show(p)
print(sorted(os.listdir("pkg")))
print(sorted(os.listdir("pkg/alias")))
for p in ("pkg/missing", "pkg/alpha/m1.py/x"):
    try:
        open(p)
    except OSError as e:
        print("open", p, e.errno, e.strerror)
EOF
	find "$d" -exec touch -h -d '2020-03-04 05:06:07' {} +
}

setup_file() {
	gen_package "$BATS_FILE_TMPDIR/pristine"
}

setup() {
	nc_require_build
	py=$(nc_python)
	root=$BATS_FILE_TMPDIR
	export PYTHONHASHSEED=0
	unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONPYCACHEPREFIX
}

# check_driver_output NAME: the driver's output holds what it must.
check_driver_output() {
	run nc_out "$1"
	assert_line 'import pkg.alpha.m3 ok 3 pkg/alpha/m3.py'
	assert_line 'import pkg.delta.inner.n1 ok 11 pkg/delta/inner/n1.py'
	assert_line 'import pkg.nsp.leaf.mod ok 1 pkg/nsp/leaf/mod.py'
	assert_line 'import pkg_shadow ok extra package extra/pkg_shadow/__init__.py'
	assert_line 'import pkg.alias.m3 ok 3 pkg/alias/m3.py'
	assert_line 'import pkg.alpha.nope ModuleNotFoundError pkg.alpha.nope'
	assert_line 'import nope_top ModuleNotFoundError nope_top'
	assert_line 'import pkg.dangling.x ModuleNotFoundError pkg.dangling'
	assert_line --regexp '^pkg/loop1 False True False False True False False realpath:OSError '
	assert_line --regexp '^pkg/alias/ True True True False False True True pkg/alpha pkg/alpha stat:drwx'
	assert_line 'pkg/alpha/m1.py/ False False False False False False False pkg/alpha/m1.py pkg/alpha/m1.py stat:Not a directory lstat:Not a directory'
	assert_line 'pkg/dangling False True False False True False False realpath:FileNotFoundError pkg/missing stat:No such file or directory lstat:lrwxrwxrwx:777:7'
	assert_line 'ROOT/pkg/nsp/leaf True True True False False True True pkg/nsp/leaf pkg/nsp/leaf stat:drwxr-xr-x:755:-1 lstat:drwxr-xr-x:755:-1'
	assert_line 'open pkg/missing 2 No such file or directory'
	[ "${#lines[@]}" -gt 60 ]
}

@test "imports and path queries print the same, without writing bytecode" {
	cp -a "$root/pristine" "$BATS_TEST_TMPDIR/plain-tree"
	cp -a "$root/pristine" "$BATS_TEST_TMPDIR/nc-tree"
	PYTHONDONTWRITEBYTECODE=1 nc_plain plain "$BATS_TEST_TMPDIR/plain-tree" "$py" driver.py
	PYTHONDONTWRITEBYTECODE=1 nc_cached nc "$BATS_TEST_TMPDIR/nc-tree" "$py" driver.py
	nc_assert_shim_seen nc
	assert_equal "$(nc_rc plain)" 0
	check_driver_output plain
	nc_assert_same_run plain nc
	run find "$BATS_TEST_TMPDIR/plain-tree" "$BATS_TEST_TMPDIR/nc-tree" -name '*.pyc'
	assert_output ''
	# The stats saw python's lookups.
	[ "$(nc_stat_value "$BATS_TEST_TMPDIR/nc.stats" stat calls)" -gt 100 ]
}

@test "imports print the same and create the same .pyc files when writing bytecode" {
	cp -a "$root/pristine" "$BATS_TEST_TMPDIR/plain-tree"
	cp -a "$root/pristine" "$BATS_TEST_TMPDIR/nc-tree"
	unset PYTHONDONTWRITEBYTECODE
	nc_plain plain "$BATS_TEST_TMPDIR/plain-tree" "$py" driver.py
	nc_cached nc "$BATS_TEST_TMPDIR/nc-tree" "$py" driver.py
	nc_assert_shim_seen nc
	check_driver_output plain
	nc_assert_same_run plain nc
	(cd "$BATS_TEST_TMPDIR/plain-tree" && find . -name '*.pyc' | LC_ALL=C sort) >"$BATS_TEST_TMPDIR/plain.pyc"
	(cd "$BATS_TEST_TMPDIR/nc-tree" && find . -name '*.pyc' | LC_ALL=C sort) >"$BATS_TEST_TMPDIR/nc.pyc"
	run cat "$BATS_TEST_TMPDIR/plain.pyc"
	[ "${#lines[@]}" -ge 45 ] || fail "only ${#lines[@]} .pyc files: $output"
	assert_line --regexp '^\./pkg/gamma/inner/__pycache__/n1\.cpython-[0-9]+\.pyc$'
	nc_assert_same_file "$BATS_TEST_TMPDIR/plain.pyc" "$BATS_TEST_TMPDIR/nc.pyc"
	# A second run reads the bytecode back: same output again.
	nc_plain plain2 "$BATS_TEST_TMPDIR/plain-tree" "$py" driver.py
	nc_cached nc2 "$BATS_TEST_TMPDIR/nc-tree" "$py" driver.py
	nc_assert_same_run plain plain2
	nc_assert_same_run plain2 nc2
}
