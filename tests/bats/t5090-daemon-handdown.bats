#!/usr/bin/env bats
# Handing an attachment down: an attached image gives the programs it
# starts (exec, vfork, posix_spawn) and its fork children the daemon's
# arena and inotify instances, so that they answer from the shared cache
# with no round trip to the daemon (via=exec, via=fork in their records).
# The descriptors reach only programs that load the shim (not a static
# one), never stay open past the new image's constructor, and the
# variable that names them leaves the environment; a variable that does
# not name the arena changes nothing; an image whose mount namespace is
# another does not attach.  A mount change drops what it covers, in the
# daemon and in a process caching for itself, and nothing else.  Answers
# are always those of a run without namecache.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
	ncd_tree "$D/tree" 40
	mapfile -t paths <"$D/tree.list"
}

teardown() {
	ncd_teardown
}

# warm CMD...: run CMD once under the daemon and let it serve every hint,
# so that the measured run's first image attaches at once (ncd_quiet).
warm() {
	timeout -k 2 60 "$NC_CLI" run -- "$@" >/dev/null 2>&1 </dev/null || true
	ncd_quiet
}

# The script every configuration runs: the same lookups from an exec'd
# program (bash: fork and exec), a subshell (a fork child that looks
# paths up itself), dash (vfork and exec) and make (posix_spawn).
write_script() {
	cat >"$T/mk" <<EOF
all:
	@"$LOOKUP" show ${paths[*]}
EOF
	cat >"$T/script" <<EOF
"$LOOKUP" show ${paths[*]}
( for f in ${paths[*]}; do [ -e "\$f" ] && echo "e \$f"; done )
sh -c '"$LOOKUP" show ${paths[*]}'
make -s -f "$T/mk"
EOF
}

@test "an attached shell hands its attachment down: exec, fork, vfork and posix_spawn children hit, with the plain answers" {
	nc_require make
	write_script
	ncd_start
	ncd_plain plain bash "$T/script"
	[ "$(cat "$T/plain.rc")" -eq 0 ] || fail "plain run failed"
	# The first run fills the daemon; the second is measured.
	for run in first second; do
		rm -f "$T/$run.rec"
		timeout -k 2 60 env NAMECACHE_STATS="$T/$run.rec" \
			"$NC_CLI" run -- bash "$T/script" >"$T/$run.out" \
			2>"$T/$run.err" </dev/null && echo 0 >"$T/$run.rc" ||
			echo $? >"$T/$run.rc"
		ncd_same_run plain "$run"
		ncd_quiet
	done
	ncd_assert_all "$T/second.rec" cache=shared
	# Every lookup-prog image was handed its attachment (bash, dash and
	# make each start it differently), and so were the subshells.
	run awk '/ comm=lookup-prog / && !/ via=exec / { print }' "$T/second.rec"
	assert_output ''
	[ "$(ncd_count "$T/second.rec" via=exec)" -ge 3 ] ||
		fail "fewer than 3 images attached at exec: $(cat "$T/second.rec")"
	[ "$(ncd_count "$T/second.rec" via=fork)" -ge 1 ] ||
		fail "no fork child attached: $(cat "$T/second.rec")"
	grep ' comm=lookup-prog ' "$T/second.rec" >"$T/handed.rec"
	ncd_assert_hit_share "$T/handed.rec" 90
	run grep -cE ' via=(socket|pidfd) ' "$T/second.rec"
	assert_output 1 # the top-level shell, started by namecache itself
}

@test "a hand-down reaches only programs that load the shim: a static program gets no descriptor" {
	cc -static -O2 -o "$T/fds" -x c - 2>"$T/cc.err" <<'EOF' || skip "no static C library: $(cat "$T/cc.err")"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += atoi(e->d_name) >= 900;
	printf("%d\n", n);
	return 0;
}
EOF
	ncd_start
	# An attached shell (its own lookups) execs the static program, and
	# one that looked nothing up passes on the hand-down it was given.
	f=${paths[0]}
	warm bash -c "[ -e '$f' ]; bash -c '[ -e \"$f\" ]'"
	run env NAMECACHE_STATS="$T/s.rec" "$NC_CLI" run -- bash -c \
		"[ -e '$f' ]; bash -c '[ -e \"$f\" ]; exec \"$T/fds\"'; bash -c 'exec \"$T/fds\"'"
	assert_success
	assert_output $'0\n0'
	# ... while a program that loads the shim gets them, closed on its
	# next exec: the static program it runs sees none.
	run env NAMECACHE_STATS="$T/d.rec" "$NC_CLI" run -- bash -c \
		"[ -e '$f' ]; bash -c '[ -e \"$f\" ]; ls /proc/self/fd | awk \"\\\$1 >= 900\" | wc -l; \"$T/fds\"'"
	assert_success
	[ "${lines[0]}" -ge 3 ] || fail "the handed image holds no descriptor: $output"
	assert_equal "${lines[1]}" 0
	[ "$(ncd_count "$T/d.rec" via=exec)" -ge 1 ] || fail "no hand-down: $(cat "$T/d.rec")"
}

@test "the variable leaves the environment, and one that does not name the arena changes nothing" {
	ncd_start
	f=${paths[0]}
	warm bash -c "[ -e '$f' ]; bash -c '[ -e \"$f\" ]'"
	run "$NC_CLI" run -- bash -c "[ -e '$f' ]; bash -c '[ -e \"$f\" ]; env'"
	assert_success
	refute_output --partial NAMECACHE_ATTACH
	# Descriptor 5 named as every descriptor of a hand-down that is not
	# ours: it keeps its flags (the child still inherits it), and the
	# image makes its own attachment.
	run bash -c "exec 5</dev/null; NAMECACHE_ATTACH=2,5,5,-1,5,5,4096,1,1,0,1,0,0,0,0,1,1,1 \
		NAMECACHE_STATS='$T/b.rec' LD_PRELOAD='$SHIM' bash -c '[ -e \"$f\" ]; readlink /proc/self/fd/5; env | grep -c NAMECACHE_ATTACH || true'"
	assert_success
	assert_output $'/dev/null\n0'
	[ "$(($(ncd_count "$T/b.rec" via=socket) + $(ncd_count "$T/b.rec" via=pidfd)))" -ge 1 ] ||
		fail "$(cat "$T/b.rec")"
}

@test "an image in another mount namespace is not handed the attachment" {
	[ "$(id -u)" -eq 0 ] || skip "unshare -m needs root"
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	ncd_start
	f=${paths[0]}
	warm "$LOOKUP" show "$f"
	run env NAMECACHE_STATS="$T/n.rec" "$NC_CLI" run -- bash -c \
		"[ -e '$f' ]; unshare -m \"$LOOKUP\" show '$f'"
	assert_success
	run awk '/ comm=lookup-prog / { print }' "$T/n.rec"
	assert_output --partial 'cache=process why=mntns'
}

@test "a fork child and its parent each hear a mount made after the fork" {
	[ "$(id -u)" -eq 0 ] || skip "mount needs root"
	mkdir -p "$D/m"
	ncd_start
	mkfifo "$T/go"
	warm bash -c "[ -e '$D/m/x' ]"
	run env NAMECACHE_STATS="$T/m.rec" "$NC_CLI" run -- bash -c "
		$(declare -f nc_umount)
		[ -e '$D/m/x' ] && echo early
		( [ -e '$D/m/x' ] && echo child-early; read _ <'$T/go'
		  [ -e '$D/m/x' ] && echo child-sees ) &
		sleep 0.2
		mount -t tmpfs nc-test '$D/m' && touch '$D/m/x'
		echo >'$T/go'
		wait
		[ -e '$D/m/x' ] && echo parent-sees
		nc_umount '$D/m'"
	assert_success
	assert_output $'child-sees\nparent-sees'
	[ "$(ncd_count "$T/m.rec" via=fork)" -ge 1 ] || fail "no fork child attached: $(cat "$T/m.rec")"
}

@test "an exec'd image hears a mount made after its exec, with the daemon stopped" {
	# Its first probe polls the mountinfo its parent opened for it: the
	# only one to hear this mount, since the daemon, stopped, cannot
	# flush, and a mount makes no inotify event.  Nothing in the window
	# writes where the daemon watches (the directories are not bats's,
	# the records go to one nobody looks up, the child waits on a pipe),
	# so without that poll the child would answer from the arena.  Both
	# checks.
	[ "$(id -u)" -eq 0 ] || skip "mount needs root"
	local m r check
	m=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	r=$(mktemp -d /dev/shm/nc-records.XXXXXX)
	NCD_SHARED+=("$m" "$r")
	ncd_start
	warm bash -c "[ -e '$m/x' ]"
	for check in epoll uring; do
		# The last round's mount, umount and late attachments are
		# done with: what the daemon heard of them is not pending
		# when this round's images first look.
		ncd_settled
		run env NAMECACHE_STATS="$r/$check.rec" NAMECACHE_CHECK=$check \
			"$NC_CLI" run -- bash -c "
			$(declare -f nc_umount)
			[ -e '$m/x' ] || echo absent
			bash -c '[ -e \"$m/x\" ] || echo child-absent
				read _
				[ -e \"$m/x\" ] && echo child-sees' < <(
				sleep 0.3
				kill -STOP $NCD_PID
				mount -t tmpfs nc-test '$m' && touch '$m/x'
				echo go)
			kill -CONT $NCD_PID
			nc_umount '$m'"
		assert_success
		assert_output $'absent\nchild-absent\nchild-sees'
		# The child answered from the arena before the mount.
		run awk '/ via=exec / && / stat=[1-9]/ { n++ } END { print n + 0 }' \
			"$r/$check.rec"
		[ "$output" -ge 1 ] ||
			fail "no image attached at exec made a hit: $(cat "$r/$check.rec")"
	done
}

@test "an image that takes the daemon's descriptors itself hears a mount made before, with the daemon stopped" {
	# The daemon, stopped, cannot flush, and a mount makes no inotify
	# event; the image opens its mountinfo after the mount, so that
	# hears nothing either.  Only the daemon's watch ring (its mount
	# poll) says a change is pending: walks that it does not check
	# doubt until it is seen clean once after that open.
	[ "$(id -u)" -eq 0 ] || skip "mount needs root"
	nc_kernel_at_least 6 5 || skip "the watch ring needs Linux 6.5 (IORING_SETUP_NO_MMAP)"
	local m r
	m=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	r=$(mktemp -d /dev/shm/nc-records.XXXXXX)
	NCD_SHARED+=("$m" "$r")
	mkdir "$m/d"
	ncd_start
	warm "$LOOKUP" show "$m/d" "$m/x"
	kill -STOP "$NCD_PID"
	mount -t tmpfs nc-test "$m"
	touch "$m/x"
	run env LD_PRELOAD="$SHIM" NAMECACHE_STATS="$r/p.rec" \
		"$LOOKUP" show "$m/d" "$m/x"
	kill -CONT "$NCD_PID"
	local got=$output
	run "$LOOKUP" show "$m/d" "$m/x"
	nc_umount "$m"
	assert_equal "$got" "$output"
	[ "$(ncd_count "$r/p.rec" via=pidfd)" -eq 1 ] ||
		fail "not attached through the daemon's descriptors: $(cat "$r/p.rec")"
}

@test "a mount change drops only what it covers: elsewhere the daemon's cache stays, under it the answers are new" {
	# A machine that runs containers mounts and unmounts all the time,
	# far from the paths a build looks up.  The daemon rereads the
	# mount table and drops the mount points that changed, no more.
	[ "$(id -u)" -eq 0 ] || skip "mount needs root"
	local m other f0 got
	m=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	other=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	NCD_SHARED+=("$m" "$other")
	ncd_start
	ncd_hits_soon warm "$D/tree.list"
	warm "$LOOKUP" show "$m/x"
	ncd_settled
	ncd_status_value flushes
	f0=$REPLY
	mount -t tmpfs nc-test "$other"
	nc_umount "$other"
	mount -t tmpfs nc-test "$m"
	touch "$m/x"
	# At once, whether or not the daemon has read the table yet.
	run env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 "$LOOKUP" show "$m/x"
	got=$output
	run "$LOOKUP" show "$m/x"
	assert_equal "$got" "$output"
	# The daemon filled $m/x, on the tmpfs: its unmount reports
	# IN_UNMOUNT on that watch, which flushes nothing either.
	ncd_settled
	nc_umount "$m"
	ncd_settled
	ncd_status_value flushes
	[ "$REPLY" -eq "$f0" ] || fail "the daemon flushed ($f0 -> $REPLY flushes)"
	ncd_status_value "mount changes"
	[ "$REPLY" -ge 1 ] || fail "no mount change applied"
	# What no mount covers is still there for a new process.
	ncd_shim after "$LOOKUP" diff -r 1 -f "$D/tree.list"
	ncd_assert_no_difference after
	ncd_assert_hit_share "$T/after.rec" 90 "stat lstat"
	ncd_assert_all "$T/after.rec" cache=shared
}

@test "a process caching for itself drops only what a mount covers" {
	# Its first mount change flushes (it reads the mount table then, not
	# at every start); the later ones drop the mount points that changed
	# and leave the rest: one flush in all.  A mount over a directory it
	# cached, after that, is seen at once, and so is its unmount.
	[ "$(id -u)" -eq 0 ] || skip "mount needs root"
	local other m
	other=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	m=$(mktemp -d /dev/shm/nc-mount.XXXXXX)
	NCD_SHARED+=("$other" "$m")
	cat >"$T/rounds" <<EOF
look() { for f in ${paths[*]} '$m/x'; do [ -e "\$f" ]; done; true; }
look; look; look
for i in 1 2 3; do
	mount -t tmpfs nc-test '$other'; umount '$other'
	look
done
mount -t tmpfs nc-test '$m'; touch '$m/x'
[ -e '$m/x' ] && echo sees
umount '$m'
[ -e '$m/x' ] || echo gone
EOF
	ncd_shim own env NAMECACHE_SOCKET=none NAMECACHE_LOG="$T/own.log" \
		bash "$T/rounds"
	[ "$(cat "$T/own.rc")" -eq 0 ] || fail "status $(cat "$T/own.rc"): $(cat "$T/own.err")"
	assert_equal "$(cat "$T/own.out")" $'sees\ngone'
	ncd_assert_all "$T/own.rec" cache=process
	run grep -c 'mount table changed: cache flushed' "$T/own.log"
	assert_output 1
}
