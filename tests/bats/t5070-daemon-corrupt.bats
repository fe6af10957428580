#!/usr/bin/env bats
# A corrupted arena: the daemon started with the test-only switch
# NAMECACHE_DAEMON_TEST=corrupt-arena scribbles over parts of its arena
# after every batch of fills (offsets out of bounds, wrong parents).
# Clients validate everything they read from the arena, so every answer
# must still be the kernel's: lookup-prog diff over a few thousand
# lookups in attached processes, one long-lived and several short, while
# the tree changes between them.  Nobody crashes, and the daemon still
# answers its status.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache
load lib-daemon

setup() {
	ncd_setup
}

teardown() {
	ncd_teardown
}

@test "a corrupted arena: attached clients answer right" {
	ncd_tree "$D/tree" 100
	mkdir "$D/tree/d1" "$D/tree/d1/d2"
	ln -s d1/d2 "$D/tree/dl"
	printf '%s\n' "$D/tree/d1" "$D/tree/d1/d2" "$D/tree/dl" \
		"$D/tree/dl/x" "$D/tree/d1/../f1" "$D/tree/dl/../../f2" \
		>>"$D/tree.list"
	NAMECACHE_DAEMON_TEST=corrupt-arena ncd_start
	# The daemon's first watches of the test's directories (one on /tmp
	# can take it tens of milliseconds) before the measured clients.
	ncd_shim warm "$LOOKUP" show "$D/tree/f1"
	ncd_quiet
	(ncd_shim long "$LOOKUP" diff -t 3000 -s "$PAGE" -f "$D/tree.list") &
	local long=$!
	NCD_PIDS+=("$long")
	local i
	for i in 1 2 3 4 5 6; do
		ncd_shim "short$i" "$LOOKUP" diff -r 3 -t 100 -f "$D/tree.list"
		ncd_assert_no_difference "short$i"
		ncd_assert_all "$T/short$i.rec" cache=shared
		# Changes between the runs, seen by the next one.
		ncd_step sh -c 'echo more >>"$0"' "$D/tree/f$i"
		ncd_step rm "$D/tree/f$((i + 10))"
		ncd_step mkdir "$D/tree/missing$((i * 10))"
		ncd_step mv "$D/tree/f$((i + 20))" "$D/tree/f$((i + 30))"
		sleep 0.2
	done
	nc_wait_pid "$long" 30
	ncd_assert_no_difference long
	ncd_assert_all "$T/long.rec" cache=shared
	run -0 ncd status
	assert_line --regexp '^fills: [1-9]'
	ncd_wait_clients 0 10
}
