#!/usr/bin/env bats
# Coherence when the notify machinery itself fails or the mounts change:
# the inotify queue overflows, the watch limit is exhausted, a bind mount
# changes what a cached path names.  In each case a long-running observer
# under the shim (lib-observer.bash) has answers cached, the kernel's real
# limit or a real mount is brought about, and every answer must then be
# the kernel's; the observer's NAMECACHE_LOG says which case the cache
# saw, and its statistics show that it did answer from memory around it.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-observer

setup() {
	obs_setup
	log=$run_dir/log
	: >"$log"
}

# same NAME PATH: NAME's answer for PATH through the shim equals the
# kernel's, asked right after.
same() {
	ask "$1" "s $2"
	local mine=$reply
	ask "$1" "k $2"
	assert_equal "$mine" "$reply"
}

# Start an observer inside new namespaces (unshare(1) options in $1, a
# shell command run there first in $2), so that limits and mounts changed
# there touch nothing else on the machine.  Skips where the kernel or the
# container does not allow the namespaces.
obs_start_ns() {
	local name=$1 opts=$2 pre=$3
	unshare $opts true 2>/dev/null || skip "unshare $opts is not permitted here"
	proc_start "$name" unshare $opts sh -c "$pre"'
		exec env LD_PRELOAD="$1" NAMECACHE_STATS="$2" \
			NAMECACHE_LOG="$3" NAMECACHE_WARMUP=0 "$4"' sh \
		"$NC_SHIM" "$run_dir/$name.rec" "$log" "$BATS_FILE_TMPDIR/observer"
}

@test "inotify queue overflow: the cache is flushed, answers stay the kernel's, caching resumes" {
	nc_require python3
	local max i
	max=$(cat /proc/sys/fs/inotify/max_queued_events)
	[ "$max" -le 200000 ] || skip "max_queued_events is $max: too many events to queue"
	echo one >"$T/A/f"
	obs_start o NAMECACHE_LOG="$log"
	warm o s "$T/A/f"
	# One event (IN_CREATE) per new file in a watched directory, while
	# the observer is idle: the queue overflows.
	python3 -c '
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    open(os.path.join(d, "x%d" % i), "w").close()' "$T/A" $((max + 100))
	chmod 600 "$T/A/f"
	echo longer >"$T/A/f"
	same o "$T/A/f"
	assert_equal "$(field size "$reply")" 7
	assert_equal "$(field mode "$reply")" 100600
	grep -q "inotify queue overflowed: cache flushed" "$log" ||
		fail "no overflow reported: $(cat "$log")"
	# Cached again after the flush, and still following changes.
	warm o s "$T/A/f"
	chmod 640 "$T/A/f"
	same o "$T/A/f"
	assert_equal "$(field mode "$reply")" 100640
	for ((i = 0; i < 10; i++)); do same o "$T/A/x$i"; done
	proc_stop o
	assert_hits o stat 30
}

@test "watch limit exhausted: only the directories beyond it pass through, every answer is the kernel's" {
	local d i limit
	for d in d1 d2 d3 d4 d5 d6; do
		mkdir "$T/$d"
		echo "$d" >"$T/$d/f"
	done
	# Room for "/", each directory down to $T, and three directories
	# with their file (a watch each): d4..d6 find the limit reached.
	limit=$(($(tr -cd / <<<"$T" | wc -c) + 1 + 6))
	# In a user namespace of its own: the limit is the kernel's, counted
	# by the kernel, and binds nothing else on the machine.
	obs_start_ns o "-U -r" "echo $limit >/proc/sys/user/max_inotify_watches || exit 3;"
	for d in d1 d2 d3 d4 d5 d6; do
		warm o s "$T/$d/f"
	done
	grep -q "inotify watch limit reached" "$log" ||
		fail "no watch limit reported: $(cat "$log")"
	for d in d1 d2 d3 d4 d5 d6; do
		echo "$d changed" >"$T/$d/f"
		chmod 600 "$T/$d/f"
		same o "$T/$d/f"
		assert_equal "$(field mode "$reply")" 100600
		rm "$T/$d/f"
		same o "$T/$d/f"
		assert_equal "$reply" "errno=2"
	done
	proc_stop o
	# The watches there were went to the first lookups: some hits.
	assert_hits o stat 10
}

@test "a bind mount over a cached directory (private mount namespace): the next answer is the mount's" {
	local pid
	echo under >"$T/A/f"
	echo "from B, longer" >"$T/B/f"
	echo only-A >"$T/A/g"
	if [ "$(id -u)" -eq 0 ]; then
		obs_start_ns o "-m --propagation private" ''
	else
		obs_start_ns o "-U -r -m --propagation private" ''
	fi
	warm o s "$T/A/f"
	assert_equal "$(field size "$reply")" 6
	warm o s "$T/A/g"
	pid=${P_PID[o]}
	nsenter -t "$pid" -m -U --preserve-credentials mount --bind "$T/B" "$T/A" 2>/dev/null ||
		nsenter -t "$pid" -m mount --bind "$T/B" "$T/A" ||
		fail "could not bind-mount in the observer's namespace"
	same o "$T/A/f"
	assert_equal "$(field size "$reply")" 15
	same o "$T/A/g"
	assert_equal "$reply" "errno=2"
	grep -q "mount table changed: cache flushed" "$log" ||
		fail "no mount change reported: $(cat "$log")"
	# Cached again, now under the mount.
	warm o s "$T/A/f"
	assert_equal "$(field size "$reply")" 15
	proc_stop o
	assert_hits o stat 30
	# The mount never left the observer's namespace.
	[ "$(stat -c %s "$T/A/f")" -eq 6 ]
}

@test "a kernel older than 5.17 (uname says 2.6 here): nothing is cached, the log says why, every answer is the kernel's" {
	# Before 5.17 the kernel could queue IN_DELETE before the name was
	# gone (src/cache/notify.c, nc__kernel_release_ok).  setarch's
	# UNAME26 personality makes uname(2) report a 2.6 release for this
	# process tree, which is what the cache reads.
	nc_require setarch
	[[ $(setarch "$(uname -m)" --uname-2.6 uname -r) == 2.6.* ]] ||
		skip "setarch --uname-2.6 does not change the release here"
	echo one >"$T/A/f"
	proc_start o setarch "$(uname -m)" --uname-2.6 env LD_PRELOAD="$NC_SHIM" \
		NAMECACHE_STATS="$run_dir/o.rec" NAMECACHE_LOG="$log" \
		NAMECACHE_WARMUP=0 "$BATS_FILE_TMPDIR/observer"
	warm o s "$T/A/f"
	chmod 600 "$T/A/f"
	same o "$T/A/f"
	assert_equal "$(field mode "$reply")" 100600
	rm "$T/A/f"
	same o "$T/A/f"
	assert_equal "$reply" errno=2
	grep -q "kernel older than 5.17" "$log" ||
		fail "no kernel refusal reported: $(cat "$log")"
	proc_stop o
	assert_equal "$(hits o stat)" 0
	# The control: the same observer without the personality caches.
	: >"$log"
	echo two >"$T/A/f"
	obs_start c NAMECACHE_LOG="$log"
	warm c s "$T/A/f"
	proc_stop c
	assert_hits c stat 1
	run grep -c "kernel older" "$log"
	assert_output 0
}

@test "a case-insensitive directory (tmpfs casefold, chattr +F) is not cached: other spellings follow every change" {
	# One entry answers to "foo", "FOO" and "Foo", and the kernel's
	# events name only the spelling used to change it: a cached "FOO"
	# would outlive "rm foo".  Needs a kernel with CONFIG_UNICODE and
	# tmpfs casefold (6.13 or later) and a private mount namespace.
	nc_require chattr
	unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
	mkdir "$T/cf"
	unshare -m sh -c 'mount -t tmpfs -o casefold none "$1"' sh "$T/cf" \
		2>/dev/null || skip "tmpfs casefold is not supported by this kernel"
	proc_start o unshare -m sh -c '
		mount -t tmpfs -o casefold none "$1" && mkdir "$1/d" &&
		chattr +F "$1/d" && mkdir "$1/plain" && : >"$1/d/foo" &&
		: >"$1/plain/foo" && echo ready >"$2" &&
		exec env LD_PRELOAD="$3" NAMECACHE_STATS="$4" \
			NAMECACHE_LOG="$5" NAMECACHE_WARMUP=0 "$6"' sh \
		"$T/cf" "$run_dir/ready" "$NC_SHIM" "$run_dir/o.rec" "$log" \
		"$BATS_FILE_TMPDIR/observer"
	# The tmpfs exists only in the observer's namespace: change it
	# from there (nsenter into the observer's mount namespace).
	local pid=${P_PID[o]} i
	for ((i = 0; i < 100; i++)); do
		[ -s "$run_dir/ready" ] && break
		sleep 0.05
	done
	[ -s "$run_dir/ready" ] || fail "the casefold tree was not made"
	ask o "s $T/cf/d/FOO"
	refute_same "$reply" errno=2
	warm o s "$T/cf/d/FOO"
	warm o s "$T/cf/plain/foo"
	warm o s "$T/cf/d/Bar"
	assert_equal "$reply" errno=2
	nsenter -t "$pid" -m sh -c 'rm "$1/d/foo" && : >"$1/d/bar"' sh "$T/cf"
	same o "$T/cf/d/FOO"
	assert_equal "$reply" errno=2
	same o "$T/cf/d/Bar"
	refute_same "$reply" errno=2
	grep -q "case-insensitive directory is not cached" "$log" ||
		fail "no refusal reported: $(cat "$log")"
	proc_stop o
	# The case-sensitive sibling was cached: the refusal is that
	# directory's alone.
	assert_hits o stat 1
}
