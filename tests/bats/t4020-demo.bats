#!/usr/bin/env bats
# make demo (contrib/demo.sh), on a smaller repository: the second
# `git status` under the demo's daemon answers at least 95% of its lstat
# calls from the cache the first one filled, the side-by-side timing is
# printed, and the demo's daemon is gone afterwards.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

@test "make demo: the second git status is >= 95% hits, and the speed-up is shown" {
	nc_require_build
	nc_require git
	local tmp=$BATS_TEST_TMPDIR/tmp pct
	mkdir "$tmp"
	cd "$NC_TOP"
	run env NC_DEPS=no NC_DEMO_FILES=1000 NC_DEMO_ROUNDS=3 \
		NC_DEMO_DIR="$BATS_TEST_TMPDIR/demo" TMPDIR="$tmp" \
		NC_BUILD="$NC_BUILD" contrib/demo.sh
	assert_success
	assert_line --regexp '^demo: 2nd run: [0-9.]+% of lstat calls and [0-9.]+% of all calls were hits$'
	pct=$(printf '%s\n' "$output" | sed -n 's/^demo: 2nd run: \([0-9.]*\)% of lstat.*/\1/p')
	awk -v p="$pct" 'BEGIN { exit !(p >= 95) }' ||
		fail "only $pct% of lstat calls were hits; the demo said: $output"
	assert_line --regexp '^  speed-up \(median plain / median namecache\): [0-9.]+x$'
	# The daemon was stopped and its socket directory removed.
	run find "$tmp" -mindepth 1 -name 'namecache-demo-sock.*'
	assert_output ""
}
