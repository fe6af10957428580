# Helpers of the shared-cache suites (t50*.bats): a daemon of the test's
# own on a private socket, programs run under the shim with their
# statistics records, and reading those records.
#
# Every test gets its own NAMECACHE_SOCKET under $BATS_TEST_TMPDIR (the
# directory is created by the daemon), so no test ever reaches a daemon
# of the user's or of another test.  Every daemon command runs under
# timeout(1).  ncd_teardown stops the test's daemon and then kills, by
# pid, every process left whose environment names one of the test's
# socket directories (daemons started in the background, a daemon
# stopped with SIGSTOP, clients still running).
#
# Load with `load lib-daemon` after lib-namecache; call ncd_setup from
# setup and ncd_teardown from teardown.

# The lookup families whose hits the records count and the ratios use.
NCD_LOOKUPS="stat lstat statx access readlink realpath"

ncd_setup() {
	nc_require_build
	LOOKUP=$NC_BUILD/tests/lookup-prog
	[ -x "$LOOKUP" ] || fail "no $LOOKUP (run make check-bats)"
	NCD_DIR=$BATS_TEST_TMPDIR/ncd
	export NAMECACHE_SOCKET=$NCD_DIR/socket
	unset NAMECACHE_ARENA_MB NAMECACHE_DAEMON_TEST
	# Directories whose sockets are this test's (ncd_teardown).
	NCD_ROOTS=("$BATS_TEST_TMPDIR")
	NCD_PIDS=()
	NCD_SHARED=()
	# A prefix for the daemon's commands (a daemon of another user).
	NCD_AS=()
	SHIM=${NC_TEST_PRELOAD:-$NC_SHIM}
	# Outputs and records in T, the trees looked up in D: the daemon
	# watches every directory on a looked-up path, and writes into one
	# of them would put lookups in doubt for the time it takes to read
	# their events.
	T=$BATS_TEST_TMPDIR/o
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$T" "$D"
	# The changes of the test's writers (lookup-prog write and step),
	# for the checkers' lookup-prog diff -s "$PAGE".
	PAGE=$T/page
	"$LOOKUP" step "$PAGE" true
}

# ncd_step CMD...: run CMD as one change on $PAGE: lookup-prog diff -s
# excuses the answers given while it was under way (the kernel shows a
# change before it queues its event).
ncd_step() {
	"$LOOKUP" step "$PAGE" "$@"
}

# ncd_shared_dir: make a directory that other users can read (for the
# tests that run programs as nobody: a daemon must read a directory to
# watch it), removed by ncd_teardown; its path in $REPLY.
ncd_shared_dir() {
	REPLY=$(mktemp -d "${TMPDIR:-/tmp}/nc-daemon-test.XXXXXX")
	chmod 0755 "$REPLY"
	NCD_SHARED+=("$REPLY")
	NCD_ROOTS+=("$REPLY")
}

# ncd_leftovers: the pids (not this shell's) whose environment names a
# socket under one of NCD_ROOTS.
ncd_leftovers() {
	local root f p
	for root in "${NCD_ROOTS[@]}"; do
		grep -lzF "NAMECACHE_SOCKET=$root/" /proc/[0-9]*/environ 2>/dev/null
	done | sort -u | while read -r f; do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && echo "$p"
	done
	return 0
}

# ncd_daemons: those of ncd_leftovers that run the namecache program.
ncd_daemons() {
	local p cli
	cli=$(readlink -f "$NC_CLI")
	for p in $(ncd_leftovers); do
		[ "$(readlink -f "/proc/$p/exe" 2>/dev/null)" = "$cli" ] && echo "$p"
	done
	return 0
}

ncd_teardown() {
	local p d
	[ -n "${NCD_DIR:-}" ] || return 0
	for p in "${NCD_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
	done
	timeout -k 1 5 "${NCD_AS[@]}" "$NC_CLI" daemon stop >/dev/null 2>&1 ||
		true
	for p in "${NCD_PIDS[@]}" $(ncd_leftovers); do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in "${NCD_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for d in "${NCD_SHARED[@]}"; do
		chmod -R u+rwX "$d" 2>/dev/null || true
		rm -rf "$d"
	done
}

# ncd ARGS...: `namecache daemon ARGS...` (at most 10 s), run through
# the prefix NCD_AS.
ncd() {
	timeout -k 2 10 "${NCD_AS[@]}" "$NC_CLI" daemon "$@"
}

# ncd_start [ARGS...]: start the test's daemon and require success; its
# pid in $NCD_PID (also kept for ncd_teardown).
ncd_start() {
	run --separate-stderr ncd start "$@"
	[ "$status" -eq 0 ] || fail "daemon start $*: status $status: $stderr"
	ncd_status_value pid
	NCD_PID=$REPLY
	[[ $NCD_PID =~ ^[0-9]+$ ]] || fail "no pid in the daemon's status"
	NCD_PIDS+=("$NCD_PID")
}

# ncd_status_value KEY: the value of KEY in `daemon status`, in $REPLY;
# fails when the status fails.
ncd_status_value() {
	local out rc=0
	out=$(ncd status 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "daemon status: status $rc: $out"
	REPLY=$(awk -v k="$1" 'index($0, k ": ") == 1 {
		print substr($0, length(k) + 3); exit }' <<<"$out")
}

# ncd_wait_clients N [SECONDS]: wait until the daemon counts N clients.
ncd_wait_clients() {
	local i n=$((${2:-10} * 10))
	for ((i = 0; i < n; i++)); do
		ncd_status_value clients
		[ "$REPLY" = "$1" ] && return 0
		sleep 0.1
	done
	fail "the daemon still counts $REPLY clients, not $1"
}

# ncd_wait_attached N [SECONDS]: wait (10 s at most) until N running
# lookup-prog processes of this test hold the daemon's arena: attached,
# whichever way (one that took the daemon's descriptors itself is no
# client of the daemon's until its first miss).
ncd_wait_attached() {
	local i n p
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		n=0
		for p in $(ncd_leftovers); do
			[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$(readlink -f "$LOOKUP")" ] &&
				ls -l "/proc/$p/fd" 2>/dev/null |
				grep -q 'memfd:namecache-arena' && n=$((n + 1))
		done
		[ "$n" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "$n lookup-prog processes hold the daemon's arena, not $1"
}

# ncd_wait_at_least KEY MIN: wait (5 s at most) until the daemon's status
# shows at least MIN for KEY; its value in $REPLY.
ncd_wait_at_least() {
	local i
	for ((i = 0; i < 50; i++)); do
		ncd_status_value "$1"
		[ "$REPLY" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 is $REPLY, not $2 or more: $(ncd status)"
}

# ncd_quiet [SECONDS]: wait (5 s at most, or SECONDS) until the daemon
# has served every hint.  The first watch a new daemon adds on a
# directory with many cached entries (/tmp after a test suite) can take
# it tens of milliseconds, and a process that attaches meanwhile waits
# 1 ms for its reply, then runs unattached: tests that need an image
# attached let the daemon settle.
ncd_quiet() {
	local i
	for ((i = 0; i < ${1:-5} * 10; i++)); do
		ncd_status_value "hints pending"
		[ "$REPLY" = 0 ] && return 0
		sleep 0.1
	done
	fail "the daemon still has $REPLY hints pending"
}

# ncd_settled [SECONDS]: wait until the daemon is idle: no hint pending,
# and its fills, events and flushes the same over 0.2 s (the work a
# previous step left it, refills after a flush included, is done).
ncd_settled() {
	local i last="" now
	for ((i = 0; i < ${1:-5} * 5; i++)); do
		now=$(ncd status 2>&1 | awk '/^(hints pending|fills|events|flushes):/')
		[ -n "$now" ] && [ "$now" = "$last" ] &&
			[[ $now == *"hints pending: 0"* ]] && return 0
		last=$now
		sleep 0.2
	done
	fail "the daemon is still busy: $now"
}

# ncd_flood DIR PREFIX: create DIR/PREFIX0 and DIR/PREFIX1 and append a
# byte to each in turn 10,000 times, as one step: 20,002 inotify events
# (no two in a row alike, so none merged), more than a queue holds
# (16,384 by default), so a daemon stopped meanwhile finds its queue
# overflowed.  Appends rather than 20,000 new files: creating a file on
# a well-used ext4 takes 0.1-0.5 ms (the allocator skips recently
# deleted inodes), and the flood would last 2-10 s, as long as a client
# that must see it through.
ncd_flood() {
	local py
	py=$(nc_python)
	ncd_step "$py" -c '
import os, sys
fds = [os.open(os.path.join(sys.argv[1], sys.argv[2] + str(i)),
               os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) for i in (0, 1)]
for i in range(20000):
    os.write(fds[i & 1], b"x")' "$1" "$2"
}

# ncd_wait_gone PID [SECONDS]: wait until process PID (not a child of this
# shell) has exited.
ncd_wait_gone() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		# A zombie has ended too.
		[[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == Z ]] &&
			return 0
		sleep 0.05
	done
	fail "process $1 is still running after ${2:-10}s"
}

# ncd_shim NAME CMD...: run CMD (at most 60 s) with the shim preloaded,
# every lookup cached from the first repeat, its records appended to
# $T/NAME.rec; stdout, stderr and exit status in $T/NAME.out, .err, .rc.
ncd_shim() {
	local name=$1 rc
	shift
	timeout -k 2 60 env LD_PRELOAD="$SHIM" NAMECACHE_WARMUP=0 \
		NAMECACHE_STATS="$T/$name.rec" "$@" >"$T/$name.out" \
		2>"$T/$name.err" </dev/null && rc=0 || rc=$?
	echo "$rc" >"$T/$name.rc"
}

# ncd_plain NAME CMD...: as ncd_shim, without namecache.
ncd_plain() {
	local name=$1 rc
	shift
	timeout -k 2 60 "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &&
		rc=0 || rc=$?
	echo "$rc" >"$T/$name.rc"
}

# ncd_same_run A B: runs A and B (ncd_shim, ncd_plain) have identical
# stdout, stderr and exit status.
ncd_same_run() {
	local x
	for x in out err rc; do
		nc_assert_same_file "$T/$1.$x" "$T/$2.$x"
	done
}

# ncd_count FILE WORD: the number of records in FILE that have WORD
# (e.g. cache=shared, why=creds).
ncd_count() {
	[ -f "$1" ] || {
		echo 0
		return
	}
	awk -v w="$2" '/^namecache-stats 1 / {
		for (i = 3; i <= NF; i++) if ($i == w) { n++; break } }
		END { print n + 0 }' "$1"
}

# ncd_pending FILE: the number of records in FILE of images whose attach
# was still under way when they ended.
ncd_pending() {
	awk '/^namecache-stats 1 / && !/ cache=/ && /=attach:/ { n++ }
		END { print n + 0 }' "$1"
}

# ncd_records FILE: the number of records in FILE.
ncd_records() {
	grep -c '^namecache-stats 1 ' "$1" 2>/dev/null || true
}

# ncd_assert_all FILE WORD: FILE has records that say which cache their
# image used (cache=), and every one of them has WORD.  A record without
# cache= must be that of an image that asked for no cache: it looked
# nothing up, or its cache was off ("off"), or its attach was still
# under way when it ended ("attach"); all its lookups went to the C
# library (those reasons, and "args": calls no cache serves).  With
# PERCENT, up to PERCENT% of the records may instead say why=slow: the
# daemon, starved of CPU, did not answer in time (tests that start many
# processes at once).
ncd_assert_all() {
	local out
	out=$(awk -v w="$2" -v slow="${3:-0}" -v fams="$NCD_LOOKUPS" '
		BEGIN { split(fams, f, " "); for (i in f) want[f[i]] = 1 }
		/^namecache-stats 1 / {
			has = said = other = hits = 0
			for (i = 3; i <= NF; i++) {
				if ($i == w) has = 1
				if ($i ~ /^cache=/) said = 1
				eq = index($i, "=")
				key = substr($i, 1, eq - 1)
				val = substr($i, eq + 1)
				if (eq && want[key] && split(val, v, ",") >= 4)
					hits += v[4]
				if (key ~ /^doubt\./) {
					m = split(val, r, ",")
					for (j = 1; j <= m; j++)
						if (r[j] !~ /^(off|attach|args):/) other = 1
				}
			}
			if (!said && (other || hits)) {
				print "a cache used without cache=: " $0; bad++
			} else if (said && !has && / why=slow( |$)/) {
				late++
			} else if (said && !has) {
				print "without " w ": " $0; bad++
			} else if (said)
				n++
		}
		END {
			if (!n) print "no record has " w
			if (late * 100 > slow * (n + late)) {
				print late " of " n + late " records say why=slow"
				bad++
			}
			exit !n || bad
		}' "$1") || fail "$1: $(head -n 5 <<<"$out")"
}

# ncd_hits FILE [FAMILIES]: "HITS CALLS" of the lookup families (or of the
# space-separated FAMILIES) over FILE's records.
ncd_hits() {
	awk -v fams="${2:-$NCD_LOOKUPS}" '
		BEGIN { split(fams, f, " "); for (i in f) want[f[i]] = 1 }
		/^namecache-stats 1 / {
			for (i = 3; i <= NF; i++) {
				eq = index($i, "=")
				if (!eq || !want[substr($i, 1, eq - 1)]) continue
				n = split(substr($i, eq + 1), v, ",")
				if (n < 4) continue
				calls += v[1] + v[2] + v[3]; hits += v[4]
			}
		}
		END { print hits + 0, calls + 0 }' "$1"
}

# ncd_assert_hit_share FILE PERCENT [FAMILIES]: at least PERCENT% of the
# lookups (of FAMILIES) in FILE's records were hits, and there were some.
ncd_assert_hit_share() {
	local h c
	read -r h c < <(ncd_hits "$1" "${3:-}")
	[ "$c" -gt 0 ] || fail "no lookups in $1"
	[ $((h * 100)) -ge $(($2 * c)) ] ||
		fail "$h hits of $c lookups in $1, below $2%; why not: $(grep -o ' \(doubt\.[a-z]*\|why\)=[^ ]*' "$1" | sort | uniq -c | sort -rn | head -n 8)"
	echo "# $(basename "$1"): $h hits of $c lookups" >&3
}

# ncd_hits_soon NAME LIST: a new process asking once about each path of
# LIST gets at least 90% hits (stat and lstat), at its 30th try at the
# latest (the daemon fills what the earlier ones missed); every try
# exact and attached.
ncd_hits_soon() {
	local i h c
	for ((i = 0; i < 30; i++)); do
		rm -f "$T/$1.rec"
		ncd_shim "$1" "$LOOKUP" diff -r 1 -f "$2"
		ncd_assert_no_difference "$1"
		read -r h c < <(ncd_hits "$T/$1.rec" "stat lstat")
		if [ $((h * 10)) -ge $((c * 9)) ]; then
			ncd_assert_all "$T/$1.rec" cache=shared
			return 0
		fi
		sleep 0.1
	done
	ncd_assert_hit_share "$T/$1.rec" 90 "stat lstat"
}

# ncd_assert_no_difference NAME: run NAME (lookup-prog diff) found no
# difference, ended well, and made lookups.
ncd_assert_no_difference() {
	local out
	out=$(cat "$T/$1.out")
	[[ $out =~ lookups\ ([0-9]+)\ differences\ ([0-9]+) ]] ||
		fail "$1: no summary (status $(cat "$T/$1.rc")): $out $(cat "$T/$1.err")"
	[ "${BASH_REMATCH[2]}" -eq 0 ] || fail "$1: differences: $out"
	[ "${BASH_REMATCH[1]}" -gt 0 ] || fail "$1: no lookups"
	echo "# $1: ${out##*$'\n'}" >&3
	[ "$(cat "$T/$1.rc")" -eq 0 ] ||
		fail "$1: exit status $(cat "$T/$1.rc"): $(cat "$T/$1.err")"
}

# ncd_tree DIR N: N files f1..fN in DIR (made with sizes of their own),
# a symbolic link to each tenth, and their paths (and those of names that
# do not exist) in DIR.list.
ncd_tree() {
	local d=$1 n=$2 i
	mkdir -p "$d"
	for ((i = 1; i <= n; i++)); do
		head -c "$i" /dev/zero >"$d/f$i"
		echo "$d/f$i"
		if ((i % 10 == 0)); then
			ln -s "f$i" "$d/l$i"
			echo "$d/l$i"
			echo "$d/missing$i"
		fi
	done >"$d.list"
}
