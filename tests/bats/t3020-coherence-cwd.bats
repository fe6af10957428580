#!/usr/bin/env bats
# The working directory.  A relative lookup starts from the process's
# working directory, which another process can move, remove or make
# unsearchable above it while the cache holds what it learnt there.  The
# kernel resolves relative names from the directory itself, whatever
# happened to its ancestors; glibc's realpath() starts from getcwd()'s
# absolute path and needs search permission on every directory of it.
# An observer under the shim (lib-observer.bash) is moved into a tree,
# the test shell changes the tree with plain tools, and every answer must
# be the kernel's (or, for realpath, what glibc computes from it).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-observer

# same NAME PATH: NAME's answer for PATH through the shim, asked twice
# (the second one may be a hit), equals the kernel's.
same() {
	ask "$1" "s $2"
	ask "$1" "s $2"
	local mine=$reply
	ask "$1" "k $2"
	assert_equal "$mine" "$reply"
}

@test "an ancestor of the working directory is renamed: relative lookups of new names, '..' and realpath follow" {
	mkdir -p "$T/D/A/sub"
	: >"$T/D/A/x"
	: >"$T/D/A/y"
	: >"$T/D/A/z"
	obs_start obs
	ask obs "c $T/D/A"
	assert_equal "$reply" chdir=0
	warm obs s x
	warm obs s ../A/x
	warm obs p x
	assert_equal "$reply" "path=$T/D/A/x"
	mv "$T/D" "$T/E"
	# y was never looked up: its fill must not use the old path.
	same obs y
	refute_same "$reply" errno=2
	same obs ../A/z
	same obs sub/../y
	ask obs "p y"
	assert_equal "$reply" "path=$T/E/A/y"
	ask obs "p ../A/x"
	assert_equal "$reply" "path=$T/E/A/x"
	# And caching goes on from the new place.
	warm obs s y
	warm obs p z
	assert_equal "$reply" "path=$T/E/A/z"
	rm "$T/E/A/y"
	same obs y
	assert_equal "$reply" errno=2
	proc_stop obs
	assert_hits obs stat 20
	assert_hits obs realpath 10
}

@test "the working directory itself is renamed, then removed: relative answers follow" {
	mkdir -p "$T/D"
	: >"$T/D/x"
	: >"$T/D/y"
	obs_start obs
	ask obs "c $T/D"
	warm obs s x
	warm obs p x
	mv "$T/D" "$T/F"
	same obs x
	same obs y
	ask obs "p y"
	assert_equal "$reply" "path=$T/F/y"
	rm "$T/F/x" "$T/F/y"
	rmdir "$T/F"
	same obs x
	assert_equal "$reply" errno=2
	same obs .
	assert_equal "$reply" "$(kern obs .)"
	ask obs "p ."
	assert_equal "$reply" errno=2
	proc_stop obs
	assert_hits obs stat 10
}

@test "realpath of a relative path: search permission lost above the working directory is EACCES at once, as glibc says" {
	# glibc's realpath() resolves getcwd()'s absolute path from the root,
	# so it needs search permission on every directory above the working
	# directory, which a relative stat() does not.  The chmod drops that
	# directory from the cache and leaves its subtree (the working
	# directory included) in place but cut off from the root; refilling
	# the directory may put another dentry in its old slot.  The cached
	# realpath must notice the cut and ask glibc.
	nc_require setpriv
	local top
	top=$(mktemp -d /tmp/nc-t3010.XXXXXX)
	shm_dir=$top # removed by the teardown
	chmod 755 "$top"
	mkdir -p "$top/D/A/B"
	: >"$top/D/A/f"
	cp "$BATS_FILE_TMPDIR/observer" "$top/observer"
	chmod -R a+rX "$top"
	: >"$top/o.rec"
	chmod 666 "$top/o.rec"
	proc_start o setpriv --reuid=65534 --regid=65534 --clear-groups \
		env LD_PRELOAD="$NC_SHIM" NAMECACHE_STATS="$top/o.rec" \
		NAMECACHE_WARMUP=0 "$top/observer"
	ask o "c $top/D/A/B"
	assert_equal "$reply" chdir=0
	local i
	for ((i = 0; i < 24; i++)); do
		ask o "p ../f"
		ask o "s $top/D/A/f"
	done
	ask o "p ../f"
	assert_equal "$reply" "path=$top/D/A/f"
	chmod 700 "$top/D"
	# The kernel still resolves it from the working directory...
	ask o "k ../f"
	refute_same "$reply" errno=13
	# ...glibc does not: every time, also after D comes back into the
	# cache (stat of D itself needs no search permission on D).
	for ((i = 0; i < 24; i++)); do
		ask o "s $top/D"
		ask o "s $top/x$i"
		ask o "p ../f"
		assert_equal "$reply" errno=13
	done
	proc_stop o
	cp "$top/o.rec" "$run_dir/o.rec"
	assert_hits o realpath 1
}
