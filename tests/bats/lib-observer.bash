# The observer of the coherence suites (t3000, t3010): a long-running
# program under the shim that answers lookups on request, with the helpers
# to start it, talk to it, and read its statistics record.
#
# The observer: `s PATH` and `l PATH` answer through the C library's stat
# and lstat (so through namecache), `k PATH` through the raw newfstatat
# system call (the kernel's answer, never cached), `p PATH` is realpath()
# (through namecache: "path=RESOLVED" or "errno=N"), `c DIR` is chdir()
# and `r DIR` the raw chdir system call.
#
# Loading this file gives a suite setup_file, setup and teardown hooks
# that call obs_setup_file, obs_setup and obs_teardown; a suite that needs
# more defines its own after loading it, and calls these.

obs_setup_file() {
	cat >"$BATS_FILE_TMPDIR/observer.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(int r, const struct stat *st)
{
	if (r < 0) {
		printf("errno=%d\n", errno);
		return;
	}
	printf("size=%lld mode=%o nlink=%lu ino=%lu mtime=%lld.%09ld "
	       "ctime=%lld.%09ld atime=%lld.%09ld\n",
	       (long long)st->st_size, (unsigned)st->st_mode,
	       (unsigned long)st->st_nlink, (unsigned long)st->st_ino,
	       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	       (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec,
	       (long long)st->st_atim.tv_sec, st->st_atim.tv_nsec);
}

int main(void)
{
	char line[8192], buf[PATH_MAX];
	struct stat st;

	while (fgets(line, sizeof(line), stdin)) {
		const char *p = line + 2;
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < 3 || line[1] != ' ') {
			puts("bad request");
		} else if (line[0] == 's') {
			r = stat(p, &st);
			show(r, &st);
		} else if (line[0] == 'l') {
			r = lstat(p, &st);
			show(r, &st);
		} else if (line[0] == 'k') {
			r = (int)syscall(SYS_newfstatat, AT_FDCWD, p, &st, 0);
			show(r, &st);
		} else if (line[0] == 'c') {
			r = chdir(p);
			printf("chdir=%d\n", r < 0 ? errno : 0);
		} else if (line[0] == 'p') {
			if (realpath(p, buf))
				printf("path=%s\n", buf);
			else
				printf("errno=%d\n", errno);
		} else if (line[0] == 'r') {
			r = (int)syscall(SYS_chdir, p);
			printf("chdir=%d\n", r < 0 ? errno : 0);
		} else {
			puts("bad request");
		}
		fflush(stdout);
	}
	return 0;
}
EOF
	command -v cc >/dev/null 2>&1 || return 0
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/observer" "$BATS_FILE_TMPDIR/observer.c"
}

obs_setup() {
	nc_require_build
	nc_require inotifywait cc
	[ -x "$BATS_FILE_TMPDIR/observer" ] || fail "the observer did not compile"
	declare -gA P_IN=() P_OUT=() P_PID=()
	run_dir=$BATS_TEST_TMPDIR/run
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$run_dir" "$T/A" "$T/B" "$T/mark"
	marks=0
	watch_pid=
	shm_dir=
	fuse_mnt=
}

obs_teardown() {
	local name pid
	for name in "${!P_PID[@]}"; do
		proc_close "$name"
		pid=${P_PID[$name]}
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$watch_pid" ]; then
		kill "$watch_pid" 2>/dev/null || true
		wait "$watch_pid" 2>/dev/null || true
	fi
	[ -z "$shm_dir" ] || rm -rf "$shm_dir"
	[ -z "$fuse_mnt" ] || fusermount -u "$fuse_mnt" 2>/dev/null ||
		umount -l "$fuse_mnt" 2>/dev/null || true
}

# proc_start NAME CMD...: run CMD in the background with its stdin and
# stdout on two fifos, for `ask`.  The fifos are opened read-write here so
# that neither open blocks if CMD fails to start.
proc_start() {
	local name=$1 fd
	shift
	mkfifo "$run_dir/$name.in" "$run_dir/$name.out"
	(
		close_fifos
		exec "$@" <"$run_dir/$name.in" >"$run_dir/$name.out" \
			2>"$run_dir/$name.err" 3>&-
	) &
	P_PID[$name]=$!
	exec {fd}<>"$run_dir/$name.in"
	P_IN[$name]=$fd
	exec {fd}<>"$run_dir/$name.out"
	P_OUT[$name]=$fd
}

# close_fifos: in a background child, close this shell's ends of the other
# processes' fifos, or they would never see EOF.
close_fifos() {
	local fd
	for fd in "${P_IN[@]}" "${P_OUT[@]}"; do
		[ -z "$fd" ] || exec {fd}>&-
	done
}

# proc_close NAME: close this shell's ends of NAME's fifos (NAME sees EOF).
proc_close() {
	local fd
	fd=${P_IN[$1]:-}
	[ -z "$fd" ] || exec {fd}>&-
	fd=${P_OUT[$1]:-}
	[ -z "$fd" ] || exec {fd}<&-
	P_IN[$1]=
	P_OUT[$1]=
}

# proc_stop NAME: end NAME's input and wait (bounded) for it to exit 0.
proc_stop() {
	proc_close "$1"
	nc_wait_pid "${P_PID[$1]}" 10
	unset "P_PID[$1]"
	[ "$status" -eq 0 ] || fail "$1 exited with status $status: $(cat "$run_dir/$1.err")"
}

# ask NAME REQUEST: send one request line to NAME; its one-line answer is
# left in $reply.
ask() {
	printf '%s\n' "$2" >&"${P_IN[$1]}"
	IFS= read -r -t 10 -u "${P_OUT[$1]}" reply ||
		fail "$1 did not answer '$2' within 10s: $(cat "$run_dir/$1.err")"
}

# kern NAME PATH: print the kernel's answer for PATH, as NAME sees it.
kern() {
	ask "$1" "k $2"
	echo "$reply"
}

# obs_start NAME [VAR=VALUE...]: start an observer under the shim, with
# the given settings; its statistics record goes to $run_dir/NAME.rec.
# The observer caches from its first repeated lookup (NAMECACHE_WARMUP=0):
# these tests are about what a cached answer is, not when caching starts.
obs_start() {
	local name=$1
	shift
	proc_start "$name" env LD_PRELOAD="$NC_SHIM" \
		NAMECACHE_STATS="$run_dir/$name.rec" NAMECACHE_WARMUP=0 "$@" \
		"$BATS_FILE_TMPDIR/observer"
}

# warm NAME OP PATH: ask NAME to look PATH up 24 times with OP (s or l).
# The cache fills a path only when it is looked up again, so the first
# lookups miss; the last ones are hits if the path is cacheable at all.  The last answer is left in $reply.
warm() {
	local i
	for ((i = 0; i < 24; i++)); do
		ask "$1" "$2 $3"
	done
}

# refute_same A B: fail if the two values are equal.
refute_same() {
	[ "$1" != "$2" ] || fail "both values are '$1'"
}

# field KEY ANSWER: the value of KEY in an observer's answer.
field() {
	local w
	for w in $2; do
		if [[ $w == "$1="* ]]; then
			echo "${w#*=}"
			return 0
		fi
	done
	fail "no $1 in '$2'"
}

# rec NAME KEY: the value of KEY in NAME's statistics record (empty if
# the key is absent); the record is written when NAME exits.
rec() {
	[ -s "$run_dir/$1.rec" ] || fail "no statistics record from $1"
	awk -v k="$2=" '{
		for (i = 1; i <= NF; i++)
			if (index($i, k) == 1)
				print substr($i, length(k) + 1)
	}' "$run_dir/$1.rec"
}

# hits NAME FAMILY: how many of NAME's FAMILY calls the cache answered.
hits() {
	local v
	v=$(rec "$1" "$2")
	[ -n "$v" ] || {
		echo 0
		return 0
	}
	echo "$v" | cut -d, -f4
}

# assert_hits NAME FAMILY MIN: NAME (stopped) had at least MIN FAMILY hits.
assert_hits() {
	local n
	n=$(hits "$1" "$2")
	[ "$n" -ge "$3" ] ||
		fail "$1: $n $2 hits, expected at least $3: $(cat "$run_dir/$1.rec")"
}

setup_file() {
	obs_setup_file
}

setup() {
	obs_setup
}

teardown() {
	obs_teardown
}
