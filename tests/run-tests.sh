#!/usr/bin/env bash
# Run test programs (TAP on stdout) and bats suites; print one summary line.
#
#   tests/run-tests.sh [PROGRAM...] [-- BATS_FILE...]
#
# Every suite runs under `timeout` (NC_SUITE_TIMEOUT seconds, default 900).
# A suite's full output is shown when it has a failure, or always with V=1.
# The last line is "N passed, N failed[, N skipped]"; the exit status is 0
# only when nothing failed and at least one test ran.
set -u

progs=()
bats_files=()
seen_sep=0
for a in "$@"; do
	if [ "$a" = "--" ]; then
		seen_sep=1
	elif [ $seen_sep = 1 ]; then
		bats_files+=("$a")
	else
		progs+=("$a")
	fi
done

timeout_s=${NC_SUITE_TIMEOUT:-900}
# No daemon of the user's is used by the tests (lib-namecache.bash).
export NAMECACHE_SOCKET=/nonexistent/namecache-tests/socket
passed=0 failed=0 skipped=0
log=$(mktemp "${TMPDIR:-/tmp}/namecache-tests.XXXXXX")
trap 'rm -f "$log"' EXIT

# count_tap FILE SUITE-STATUS NAME
count_tap() {
	local f=$1 status=$2 name=$3 p s x
	p=$(grep -cE '^ok [0-9]+' "$f" | head -n1)
	s=$(grep -cE '^ok [0-9]+ .*# ?(skip|SKIP)' "$f" | head -n1)
	x=$(grep -cE '^not ok [0-9]+' "$f" | head -n1)
	p=$((p - s))
	# A suite that died (crash, timeout, bad plan) without a "not ok"
	# line still counts as one failure.
	if [ "$status" -ne 0 ] && [ "$x" -eq 0 ]; then
		x=1
		echo "not ok - $name exited with status $status" >>"$f"
	fi
	passed=$((passed + p)) failed=$((failed + x)) skipped=$((skipped + s))
	if [ "$x" -gt 0 ] || [ "${V:-0}" = 1 ]; then
		echo "--- $name"
		cat "$f"
	fi
	printf '%-6s %-40s %d passed, %d failed%s\n' \
		"$([ "$x" -gt 0 ] && echo FAIL || echo PASS)" "$name" "$p" "$x" \
		"$([ "$s" -gt 0 ] && echo ", $s skipped")"
}

for p in "${progs[@]}"; do
	timeout -k 10 "$timeout_s" "$p" >"$log" 2>&1
	count_tap "$log" $? "$(basename "$p")"
done

if [ ${#bats_files[@]} -gt 0 ]; then
	for b in "${bats_files[@]}"; do
		timeout -k 10 "$timeout_s" bats --tap "$b" >"$log" 2>&1
		count_tap "$log" $? "$(basename "$b")"
	done
fi

total=$((passed + failed))
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$total" -gt 0 ]
