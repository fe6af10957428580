#!/usr/bin/env bats
# The limits of namecache's coherence, shown with the kernel's own events.
#
# docs/coherence.md lists the cases where a cached answer can differ from
# the kernel's ("What is not coherent") and the lookups namecache refuses
# to cache so that its answers stay right ("What is never cached").  Each
# test here reproduces one row: a long-running observer under the shim
# looks a path up on request until the answer is cached, the test shell
# changes the tree with plain tools, `inotifywait -m` records which events
# the kernel queued (or did not), and the observer's answer is compared
# with the kernel's at the same moment.  A limitation is asserted exactly
# as documented (the stale field, and when it becomes fresh again); a
# refusal is asserted through the observer's statistics record (no cache
# hits) and by its answers following every change at once.  The observer
# and its helpers are in lib-observer.bash.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-observer

# watch_start PATH...: record the kernel's events on each PATH (and on the
# marker directory) in $run_dir/events, one "WATCH|NAME|EVENTS" a line.
watch_start() {
	(
		close_fifos
		exec inotifywait -m --format '%w|%f|%e' -o "$run_dir/events" \
			"$@" "$T/mark" 2>"$run_dir/watch.err" </dev/null 3>&-
	) &
	watch_pid=$!
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -f $run_dir/watch.err &&
			$(cat "$run_dir/watch.err") == *"Watches established."* ]] &&
			return 0
		kill -0 "$watch_pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "inotifywait did not start: $(cat "$run_dir/watch.err")"
}

# watch_sync: create a marker and wait until inotifywait reports it; events
# are queued in order, so every event of an earlier change is then in the
# log.  The marker directory is not one the observers look at.
watch_sync() {
	local i n=$((++marks))
	touch "$T/mark/$n"
	for ((i = 0; i < 200; i++)); do
		[[ $(cat "$run_dir/events") == *"|$n|CREATE"* ]] && return 0
		sleep 0.05
	done
	fail "inotifywait did not report marker $n"
}

# events WATCH NAME: the event masks recorded for NAME in the watch on
# directory WATCH, one a line (NAME empty: events on the watched WATCH
# itself, e.g. a watch on a file).
events() {
	local w=$1
	[ -n "$2" ] && w=$w/
	awk -F'|' -v w="$w" -v n="$2" '$1 == w && $2 == n { print $3 }' \
		"$run_dir/events"
}


@test "hard link made and written through another directory: no event in ours, the inode's own watch reports it and the answer follows at once" {
	printf 'abc' >"$T/A/f"
	touch -d '2020-01-01' "$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	assert_equal "$reply" "$(kern obs "$T/A/f")"
	assert_equal "$(field nlink "$reply")" 1
	assert_equal "$(field mtime "$reply")" 1577836800.000000000

	watch_start "$T/A" "$T/B" "$T/A/f"
	ln "$T/A/f" "$T/B/g"
	printf 'defgh' >>"$T/B/g"
	watch_sync
	# The kernel told B's watchers and the inode's own; nothing for A.
	run events "$T/A" f
	assert_output ''
	run events "$T/B" g
	assert_line CREATE
	assert_line MODIFY
	assert_line CLOSE_WRITE,CLOSE
	run events "$T/A/f" ''
	assert_line ATTRIB
	assert_line MODIFY

	# namecache watches the inode of every non-directory it caches, so the
	# answer is the kernel's: size, mtime and link count included.
	kernel=$(kern obs "$T/A/f")
	assert_equal "$(field size "$kernel")" 8
	assert_equal "$(field nlink "$kernel")" 2
	ask obs "s $T/A/f"
	assert_equal "$reply" "$kernel"
	printf 'ij' >>"$T/B/g"
	ask obs "s $T/A/f"
	assert_equal "$(field size "$reply")" 10
	assert_equal "$reply" "$(kern obs "$T/A/f")"
	proc_stop obs
	assert_hits obs stat 1
}

@test "a file with two links is cached, and writes through the other name are seen at once" {
	printf 'abc' >"$T/A/h"
	ln "$T/A/h" "$T/B/h2"
	obs_start obs
	warm obs s "$T/A/h"
	assert_equal "$reply" "$(kern obs "$T/A/h")"
	assert_equal "$(field nlink "$reply")" 2

	watch_start "$T/A" "$T/B"
	local i
	for i in 1 2 3; do
		printf 'xy' >>"$T/B/h2"
		ask obs "s $T/A/h"
		assert_equal "$(field size "$reply")" $((3 + 2 * i))
		assert_equal "$reply" "$(kern obs "$T/A/h")"
		# Cached again between the writes.
		ask obs "s $T/A/h"
		ask obs "s $T/A/h"
		assert_equal "$reply" "$(kern obs "$T/A/h")"
	done
	watch_sync
	run events "$T/A" h
	assert_output ''
	run events "$T/B" h2
	assert_line MODIFY
	proc_stop obs
	assert_hits obs stat 1
}

# writer_start NAME FILE: a writer of FILE that acts on requests (`ask`)
# and keeps its descriptor open until "close": "map" opens FILE and maps it
# shared, "write" writes XYZ at its start through the mapping, msyncs and
# unmaps it; "splice" opens FILE and splices "defg" from a pipe to byte 3.
writer_start() {
	proc_start "$1" python3 -c '
import mmap, os, sys
fd = m = None
while True:
    cmd = sys.stdin.readline().strip()
    if not cmd:
        break
    if cmd == "map":
        fd = os.open(sys.argv[1], os.O_RDWR)
        m = mmap.mmap(fd, 0)
    elif cmd == "write":
        m[0:3] = b"XYZ"
        m.flush()
        m.close()
    elif cmd == "splice":
        fd = os.open(sys.argv[1], os.O_WRONLY)
        r, w = os.pipe()
        os.write(w, b"defg")
        assert os.splice(r, fd, 4, offset_dst=3) == 4
    elif cmd == "close":
        os.close(fd)
    print(cmd, flush=True)
' "$2"
}

# close_fresh WRITER OBS DIR NAME: WRITER closes its descriptor of
# DIR/NAME, which queues IN_CLOSE_WRITE: from then on OBS's answer for it
# is the kernel's (left in $reply).
close_fresh() {
	ask "$1" close
	watch_sync
	run events "$3" "$4"
	assert_line CLOSE_WRITE,CLOSE
	ask "$2" "s $3/$4"
	assert_equal "$reply" "$(kern "$2" "$3/$4")"
}

@test "mmap write: no IN_MODIFY, cached mtime stays old until the writer's close queues IN_CLOSE_WRITE" {
	nc_require python3
	head -c 4096 /dev/zero | tr '\0' a >"$T/A/f"
	touch -d '2020-01-01' "$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	assert_equal "$(field mtime "$reply")" 1577836800.000000000

	watch_start "$T/A"
	# The writer maps f shared, writes through the mapping, msyncs and
	# unmaps it, and keeps its descriptor open until told to close it.
	writer_start writer "$T/A/f"
	ask writer map
	ask writer write
	watch_sync
	run events "$T/A" f
	assert_line OPEN
	refute_line --partial MODIFY
	refute_line --partial CLOSE_WRITE
	refute_line --partial ATTRIB

	# The kernel's mtime moved at the write fault; the cached one did not.
	kernel=$(kern obs "$T/A/f")
	refute_same "$(field mtime "$kernel")" 1577836800.000000000
	ask obs "s $T/A/f"
	assert_equal "$(field mtime "$reply")" 1577836800.000000000
	assert_equal "$(field size "$reply")" 4096
	# The write fault set the ctime too.
	assert_equal "$(field ctime "$kernel")" "$(field mtime "$kernel")"
	refute_same "$(field ctime "$reply")" "$(field ctime "$kernel")"

	# The writer's close is the first event: now the answer is fresh.
	close_fresh writer obs "$T/A" f
	assert_equal "$(field mtime "$reply")" "$(field mtime "$kernel")"
	proc_stop writer
	run head -c 3 "$T/A/f"
	assert_output XYZ
	proc_stop obs
	assert_hits obs stat 1
}

@test "splice into a file: IN_MODIFY since Linux 6.6 and the answer follows at once; before, stale until the writer's close" {
	nc_require python3
	python3 -c 'import os; os.splice' 2>/dev/null ||
		skip "this python has no os.splice"
	printf 'abc' >"$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	assert_equal "$(field size "$reply")" 3

	watch_start "$T/A"
	# The writer splices four bytes from a pipe to the end of f and
	# keeps its descriptor open until told to close it.
	writer_start writer "$T/A/f"
	ask writer splice
	watch_sync
	run events "$T/A" f
	if nc_kernel_at_least 6 6; then
		# The event the cache relies on: the answer is the kernel's.
		assert_line MODIFY
		ask obs "s $T/A/f"
		assert_equal "$(field size "$reply")" 7
		assert_equal "$reply" "$(kern obs "$T/A/f")"
	else
		# No event: the cached size stays 3 until the close.
		refute_line --partial MODIFY
		ask obs "s $T/A/f"
		assert_equal "$(field size "$reply")" 3
		assert_equal "$(field size "$(kern obs "$T/A/f")")" 7
	fi
	close_fresh writer obs "$T/A" f
	assert_equal "$(field size "$reply")" 7
	proc_stop writer
	proc_stop obs
	assert_hits obs stat 1
}

@test "atime: a read queues only IN_ACCESS; the kernel's atime moves, the cached one does not" {
	local opts
	opts=$(findmnt -n -o OPTIONS --target "$T")
	[[ ,$opts, != *,noatime,* ]] || skip "$T is mounted noatime"
	printf 'data' >"$T/A/f"
	touch -a -d '2020-01-01' "$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	assert_equal "$(field atime "$reply")" 1577836800.000000000
	before=$reply

	watch_start "$T/A"
	cat "$T/A/f" >/dev/null
	watch_sync
	run events "$T/A" f
	assert_line ACCESS
	refute_line --partial ATTRIB
	refute_line --partial MODIFY
	refute_line --partial CLOSE_WRITE

	# relatime: the atime was older than the mtime, so the read moved it.
	kernel=$(kern obs "$T/A/f")
	refute_same "$(field atime "$kernel")" 1577836800.000000000
	ask obs "s $T/A/f"
	assert_equal "$reply" "$before"
	assert_equal "$(field atime "$reply")" 1577836800.000000000
	# Every other field is the kernel's.
	assert_equal "${reply%% atime=*}" "${kernel%% atime=*}"
	proc_stop obs
	assert_hits obs stat 1
}

@test "atime-only utimensat queues only IN_ACCESS: the cached atime stays old" {
	printf 'data' >"$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	before=$reply
	sleep 0.05

	watch_start "$T/A"
	# -c: no open, just utimensat(2) with the mtime omitted.
	touch -c -a -d '2021-06-01' "$T/A/f"
	watch_sync
	run events "$T/A" f
	assert_output ACCESS

	kernel=$(kern obs "$T/A/f")
	assert_equal "$(field atime "$kernel")" 1622505600.000000000
	ask obs "s $T/A/f"
	assert_equal "$(field atime "$reply")" "$(field atime "$before")"
	proc_stop obs
	assert_hits obs stat 1
}

@test "atime-only utimensat also sets ctime with only IN_ACCESS: the cached ctime stays old, everything else is the kernel's" {
	# docs/coherence.md lists st_ctime after an atime-only utimensat
	# next to st_atime: the kernel sets both and queues IN_ACCESS only.
	printf 'data' >"$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	before=$reply
	sleep 0.05
	touch -c -a -d '2021-06-01' "$T/A/f"
	kernel=$(kern obs "$T/A/f")
	refute_same "$(field ctime "$kernel")" "$(field ctime "$before")"
	ask obs "s $T/A/f"
	assert_equal "$(field ctime "$reply")" "$(field ctime "$before")"
	# Size, mode, links, inode and mtime: the kernel's.
	assert_equal "${reply%% ctime=*}" "${kernel%% ctime=*}"
	proc_stop obs
}

@test "link() and unlink() of another name in another directory: no event in ours, IN_ATTRIB on the inode, st_nlink and st_ctime follow at once" {
	printf 'abc' >"$T/A/f"
	obs_start obs
	warm obs s "$T/A/f"
	before=$reply
	assert_equal "$(field nlink "$before")" 1
	sleep 0.05

	watch_start "$T/A" "$T/A/f"
	ln "$T/A/f" "$T/B/g"
	watch_sync
	run events "$T/A" f
	assert_output ''
	run events "$T/A/f" ''
	assert_output ATTRIB
	kernel=$(kern obs "$T/A/f")
	assert_equal "$(field nlink "$kernel")" 2
	refute_same "$(field ctime "$kernel")" "$(field ctime "$before")"
	ask obs "s $T/A/f"
	assert_equal "$reply" "$kernel"

	sleep 0.05
	rm "$T/B/g"
	watch_sync
	run events "$T/A" f
	assert_output ''
	kernel2=$(kern obs "$T/A/f")
	assert_equal "$(field nlink "$kernel2")" 1
	ask obs "s $T/A/f"
	assert_equal "$reply" "$kernel2"
	proc_stop obs
	assert_hits obs stat 1
}

@test "/proc is never answered from the cache: a process that ends is ENOENT at once" {
	local sleeper
	printf 'abc' >"$T/A/f"
	(
		close_fifos
		exec sleep 30 3>&-
	) &
	sleeper=$!
	P_PID[sleeper]=$sleeper
	obs_start obs
	# Control on ext4, in another family: lstat is cached.
	warm obs l "$T/A/f"
	warm obs s /proc/self/status
	warm obs s "/proc/$sleeper"
	assert_equal "$(field mode "$reply")" 40555
	kill "$sleeper"
	nc_wait_pid "$sleeper" 10
	unset "P_PID[sleeper]"
	ask obs "s /proc/$sleeper"
	assert_equal "$reply" errno=2
	assert_equal "$reply" "$(kern obs "/proc/$sleeper")"
	proc_stop obs
	assert_equal "$(hits obs stat)" 0
	assert_hits obs lstat 1
}

@test "FUSE, like a network filesystem: a change behind the mount queues no event on it, and it is never answered from the cache" {
	# bindfs mirrors a directory through FUSE.  A change made to the
	# directory itself, not through the mount, reaches the mount the way
	# a change on another machine reaches an NFS client: by the
	# filesystem's own lookups, with no inotify event on the mount.
	# (attr_timeout=0 and entry_timeout=0 keep the kernel's FUSE caches
	# out of the way, so that the kernel's answer is the new one at once.)
	nc_require bindfs
	[ -c /dev/fuse ] || skip "no /dev/fuse on this machine"
	mkdir "$T/back" "$T/fuse"
	printf 'abc' >"$T/back/f"
	chmod 644 "$T/back/f"
	bindfs -o attr_timeout=0,entry_timeout=0 "$T/back" "$T/fuse" ||
		skip "cannot mount FUSE here (bindfs failed)"
	fuse_mnt=$T/fuse
	obs_start obs
	# Control on the local filesystem, in another family: lstat is cached.
	warm obs l "$T/A/f"
	warm obs s "$T/fuse/f"
	assert_equal "$(field mode "$reply")" 100644
	watch_start "$T/fuse"
	chmod 600 "$T/back/f"
	ask obs "s $T/fuse/f"
	assert_equal "$(field mode "$reply")" 100600
	assert_equal "$reply" "$(kern obs "$T/fuse/f")"
	rm "$T/back/f"
	ask obs "s $T/fuse/f"
	assert_equal "$reply" errno=2
	watch_sync
	run events "$T/fuse" f
	assert_output ""
	proc_stop obs
	assert_equal "$(hits obs stat)" 0
	assert_hits obs lstat 1
}

@test "tmpfs is cached like ext4 and follows a chmod at once (IN_ATTRIB)" {
	[ "$(findmnt -n -f -o FSTYPE --target /dev/shm)" = tmpfs ] ||
		skip "/dev/shm is not tmpfs"
	shm_dir=$(mktemp -d /dev/shm/nc-t3000.XXXXXX)
	printf 'abc' >"$shm_dir/f"
	chmod 644 "$shm_dir/f"
	obs_start obs
	warm obs s "$shm_dir/f"
	assert_equal "$(field mode "$reply")" 100644
	watch_start "$shm_dir"
	chmod 600 "$shm_dir/f"
	ask obs "s $shm_dir/f"
	assert_equal "$(field mode "$reply")" 100600
	assert_equal "$reply" "$(kern obs "$shm_dir/f")"
	watch_sync
	run events "$shm_dir" f
	assert_output ATTRIB
	proc_stop obs
	assert_hits obs stat 1
}

# img_start NAME IMAGE: start observer NAME in a private mount namespace
# where the filesystem IMAGE is mounted on $T/x (a loop device), with a
# directory d holding a file foo (mode 644); skips where that is not
# possible.  img_sh NAME COMMAND runs COMMAND in NAME's namespace, with $1
# the mount point.  img_wait NAME PATH waits for NAME to see PATH.
img_start() {
	unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
	mkdir -p "$T/x"
	unshare -m sh -c 'mount -o loop "$1" "$2"' sh "$2" "$T/x" 2>/dev/null ||
		skip "cannot mount this image here (loop devices, kernel)"
	proc_start "$1" unshare -m sh -c '
		mount -o loop "$1" "$2" && mkdir -p "$2/d" && : >"$2/d/foo" &&
		chmod 644 "$2/d/foo" &&
		exec env LD_PRELOAD="$3" NAMECACHE_STATS="$4" \
			NAMECACHE_WARMUP=0 "$5"' sh "$2" "$T/x" "$NC_SHIM" \
		"$run_dir/$1.rec" "$BATS_FILE_TMPDIR/observer"
}

img_sh() {
	nsenter -t "${P_PID[$1]}" -m sh -c "$2" sh "$T/x" "${@:3}"
}

img_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		ask "$1" "s $2"
		[ "$reply" != errno=2 ] && return 0
		sleep 0.05
	done
	fail "$1 does not see $2"
}

@test "xfs is cached like ext4 and follows a chmod at once" {
	nc_require mkfs.xfs
	truncate -s 320M "$BATS_TEST_TMPDIR/xfs.img"
	mkfs.xfs -q "$BATS_TEST_TMPDIR/xfs.img" || skip "mkfs.xfs failed"
	img_start obs "$BATS_TEST_TMPDIR/xfs.img"
	img_wait obs "$T/x/d/foo"
	warm obs s "$T/x/d/foo"
	assert_equal "$(field mode "$reply")" 100644
	img_sh obs 'chmod 600 "$1/d/foo"'
	ask obs "s $T/x/d/foo"
	assert_equal "$(field mode "$reply")" 100600
	assert_equal "$reply" "$(kern obs "$T/x/d/foo")"
	proc_stop obs
	assert_hits obs stat 1
}

@test "an ascii-ci xfs (mkfs.xfs -n version=ci) is never cached: other spellings follow every change" {
	# One entry answers to "foo" and "FOO", and the kernel's events name
	# only the spelling used to change it.  Recent kernels may not mount
	# such a filesystem at all (CONFIG_XFS_SUPPORT_ASCII_CI).
	nc_require mkfs.xfs
	truncate -s 320M "$BATS_TEST_TMPDIR/xfs.img"
	mkfs.xfs -q -n version=ci "$BATS_TEST_TMPDIR/xfs.img" ||
		skip "mkfs.xfs -n version=ci failed"
	img_start obs "$BATS_TEST_TMPDIR/xfs.img"
	img_wait obs "$T/x/d/FOO"
	warm obs s "$T/x/d/FOO"
	refute_same "$reply" errno=2
	img_sh obs 'rm "$1/d/foo"'
	ask obs "s $T/x/d/FOO"
	assert_equal "$reply" errno=2
	proc_stop obs
	assert_equal "$(hits obs stat)" 0
}

@test "an encrypted directory (fscrypt) is not cached: its names follow the key's arrival, which no event reports" {
	# Without its key an encrypted directory shows its entries under
	# encrypted "no-key" names; adding the key shows the real ones, and
	# inotify hears nothing of it: a cached ENOENT for a real name would
	# outlive the key's arrival.
	[ -e /sys/fs/ext4/features/encryption ] ||
		skip "this kernel cannot encrypt ext4 directories"
	truncate -s 64M "$BATS_TEST_TMPDIR/ext4.img"
	mkfs.ext4 -q -O encrypt "$BATS_TEST_TMPDIR/ext4.img" ||
		skip "mkfs.ext4 -O encrypt failed"
	img_start obs "$BATS_TEST_TMPDIR/ext4.img"
	img_wait obs "$T/x/d/foo"
	img_sh obs 'mkdir "$1/d/e" && "$2" policy "$1" "$1/d/e" &&
		: >"$1/d/e/plain" && "$2" remove "$1"' "$NC_BUILD/tests/fscrypt-key"
	# Locked: the real name is not found.
	warm obs s "$T/x/d/e/plain"
	assert_equal "$reply" errno=2
	warm obs s "$T/x/d/foo"
	img_sh obs '"$2" add "$1"' "$NC_BUILD/tests/fscrypt-key"
	ask obs "s $T/x/d/e/plain"
	refute_same "$reply" errno=2
	assert_equal "$reply" "$(kern obs "$T/x/d/e/plain")"
	img_sh obs '"$2" remove "$1"' "$NC_BUILD/tests/fscrypt-key" || true
	ask obs "s $T/x/d/e/plain"
	assert_equal "$reply" "$(kern obs "$T/x/d/e/plain")"
	proc_stop obs
	# The directory beside it, unencrypted, was cached.
	assert_hits obs stat 1
}

@test "btrfs: a subvolume is a device boundary, and deleting it is heard like rmdir (IN_DELETE in its parent)" {
	nc_require mkfs.btrfs btrfs
	truncate -s 200M "$BATS_TEST_TMPDIR/btrfs.img"
	mkfs.btrfs -q "$BATS_TEST_TMPDIR/btrfs.img" >/dev/null ||
		skip "mkfs.btrfs failed"
	img_start obs "$BATS_TEST_TMPDIR/btrfs.img"
	img_wait obs "$T/x/d/foo"
	img_sh obs 'btrfs -q subvolume create "$1/d/sv" && : >"$1/d/sv/f"'
	img_wait obs "$T/x/d/sv/f"
	warm obs s "$T/x/d/sv/f"
	run img_sh obs 'stat -c %d "$1/d" "$1/d/sv"'
	assert_success
	refute_same "${lines[0]}" "${lines[1]}"
	# The parent's watch hears the deletion, inside the namespace.
	img_sh obs 'inotifywait -q -e delete --format "%f|%e" -o "$2" "$1/d" &
		sleep 0.5; btrfs -q subvolume delete "$1/d/sv"; wait' \
		"$run_dir/events" 2>/dev/null || true
	run cat "$run_dir/events"
	assert_output "sv|DELETE,ISDIR"
	ask obs "s $T/x/d/sv/f"
	assert_equal "$reply" errno=2
	assert_equal "$reply" "$(kern obs "$T/x/d/sv/f")"
	proc_stop obs
	assert_hits obs stat 1
}

@test "devtmpfs is cached like tmpfs and follows a change at once" {
	# devtmpfs reports the f_type of tmpfs (0x01021994) to statfs and its
	# changes go through the VFS like tmpfs's, so docs/coherence.md lists
	# it with the cached filesystems.
	[ "$(findmnt -n -f -o FSTYPE --target /dev)" = devtmpfs ] ||
		skip "/dev is not devtmpfs"
	obs_start obs
	warm obs s /dev/null
	assert_equal "$(field mode "$reply")" 20666
	assert_equal "$reply" "$(kern obs /dev/null)"
	proc_stop obs
	assert_hits obs stat 1
}

@test "a directory's own attributes are cached and follow changes of its entries at once" {
	mkdir "$T/A/D"
	touch "$T/A/D/x"
	touch -d '2020-01-01' "$T/A/D"
	obs_start obs
	warm obs l "$T/A/D"
	assert_equal "$(field mtime "$reply")" 1577836800.000000000
	assert_equal "$(field nlink "$reply")" 2
	watch_start "$T/A" "$T/A/D"

	# A new file: D's mtime and ctime change; the event names only the file.
	touch "$T/A/D/y"
	ask obs "l $T/A/D"
	assert_equal "$reply" "$(kern obs "$T/A/D")"
	refute_same "$(field mtime "$reply")" 1577836800.000000000

	# A new subdirectory: D's link count too.
	warm obs l "$T/A/D"
	mkdir "$T/A/D/sub"
	ask obs "l $T/A/D"
	assert_equal "$reply" "$(kern obs "$T/A/D")"
	assert_equal "$(field nlink "$reply")" 3

	# A removal.
	warm obs l "$T/A/D"
	touch -d '2020-01-01' "$T/A/D"
	warm obs l "$T/A/D"
	rm "$T/A/D/x"
	ask obs "l $T/A/D"
	assert_equal "$reply" "$(kern obs "$T/A/D")"
	refute_same "$(field mtime "$reply")" 1577836800.000000000

	watch_sync
	run events "$T/A/D" y
	assert_line CREATE
	run events "$T/A/D" sub
	assert_output CREATE,ISDIR
	run events "$T/A/D" x
	assert_output DELETE
	# No event names D in its parent's watch except the touch -d (and,
	# on kernels that have case-insensitive directories, namecache's
	# own opening of D to read its attributes: src/cache/notify.c).
	run events "$T/A" D
	assert_equal "$(grep -v -x -e OPEN,ISDIR -e CLOSE_NOWRITE,CLOSE,ISDIR \
		<<<"$output")" ATTRIB,ISDIR
	proc_stop obs
	assert_hits obs lstat 3
}

# change_and_look [VAR=VALUE...]: cache two paths, chmod one and rename the other
# from this shell (an unrelated process), and look them up again at once.
change_and_look() {
	printf 'abc' >"$T/A/f"
	printf 'def' >"$T/A/r"
	chmod 644 "$T/A/f"
	started=$EPOCHREALTIME
	obs_start obs "$@"
	warm obs s "$T/A/f"
	warm obs s "$T/A/r"
	chmod 600 "$T/A/f"
	mv "$T/A/r" "$T/A/r2"
	ask obs "s $T/A/f"
	mode_now=$(field mode "$reply")
	ask obs "s $T/A/r"
	r_now=$reply
	looked=$EPOCHREALTIME
}

# elapsed_us FROM TO: microseconds between two $EPOCHREALTIME values.
elapsed_us() {
	echo $((${2/./} - ${1/./}))
}

@test "relaxed mode: a change by an unrelated process is missed for up to NAMECACHE_MAX_STALE_US, then seen" {
	change_and_look NAMECACHE_MODE=relaxed NAMECACHE_MAX_STALE_US=2000000
	# The last check was at or after the start; within 2 s of it the
	# answers are the cached ones.
	[ "$(elapsed_us "$started" "$looked")" -lt 1800000 ] ||
		skip "too slow: the lookups came more than 1.8 s after the start"
	assert_equal "$mode_now" 100644
	assert_equal "$(field size "$r_now")" 3
	assert_equal "$(kern obs "$T/A/r")" errno=2
	sleep 2.2
	ask obs "s $T/A/f"
	assert_equal "$(field mode "$reply")" 100600
	ask obs "s $T/A/r"
	assert_equal "$reply" errno=2
	ask obs "s $T/A/r2"
	assert_equal "$reply" "$(kern obs "$T/A/r2")"
	proc_stop obs
	assert_hits obs stat 1
}

@test "strict mode: the same changes are seen at once" {
	change_and_look NAMECACHE_MODE=strict
	assert_equal "$mode_now" 100600
	assert_equal "$r_now" errno=2
	proc_stop obs
	assert_hits obs stat 1
}

@test "raw chdir system call: relative lookups resolve against the old directory" {
	printf 'abc' >"$T/A/f"
	printf 'longer' >"$T/B/f"
	obs_start obs
	ask obs "c $T/A"
	assert_equal "$reply" chdir=0
	warm obs s f
	assert_equal "$(field size "$reply")" 3
	# No wrapper sees this chdir.
	ask obs "r $T/B"
	assert_equal "$reply" chdir=0
	assert_equal "$(field size "$(kern obs f)")" 6
	# Documented: the shim still resolves "f" in A.
	ask obs "s f"
	assert_equal "$(field size "$reply")" 3
	# chdir() through the C library re-learns the working directory.
	ask obs "c $T/B"
	ask obs "s f"
	assert_equal "$(field size "$reply")" 6
	proc_stop obs
}
