# namecache for a whole bats suite: every program the suite's tests start,
# and their children, runs with the namecache shim preloaded.
#
#   load /usr/local/share/namecache/bats/namecache      # in FILE.bats
#   setup_file() { namecache_setup_file; }
#   teardown_file() { namecache_teardown_file; }
#
# (A suite with its own setup_file and teardown_file calls these from
# them.)  Only programs are affected: bats itself, and the shell builtins
# a test runs ([ -e ], cd), are not; `namecache run -- bats FILE.bats`
# puts bats under the cache as well.  This helper is for suites that are
# run by a plain `bats`, from an editor or a CI job.
#
#   NAMECACHE               the namecache command (default: on PATH)
#   NAMECACHE_BATS_REPORT   a file: namecache_teardown_file writes the
#                           suite's statistics table (`namecache stats`)
#                           there
#
# The usual variables (NAMECACHE_MODE, NAMECACHE_WARMUP ...) apply.

# namecache_setup_file: preload the shim for the rest of the suite.
namecache_setup_file() {
	local nc=${NAMECACHE:-namecache} shim
	# `namecache run` knows where its shim is: ask it.
	shim=$(env -u LD_PRELOAD "$nc" run -- printenv LD_PRELOAD) ||
		{
			echo "namecache_setup_file: '$nc run' failed" >&2
			return 1
		}
	case " ${LD_PRELOAD:-} " in
	*" $shim "*) ;;
	*) export LD_PRELOAD="$shim${LD_PRELOAD:+ $LD_PRELOAD}" ;;
	esac
	if [ -n "${NAMECACHE_BATS_REPORT:-}" ]; then
		export NAMECACHE_STATS="$BATS_FILE_TMPDIR/namecache.stats"
		: >"$NAMECACHE_STATS"
	fi
}

# namecache_teardown_file: write the statistics table, if asked for.
namecache_teardown_file() {
	local nc=${NAMECACHE:-namecache}
	[ -n "${NAMECACHE_BATS_REPORT:-}" ] || return 0
	env -u LD_PRELOAD "$nc" stats "$BATS_FILE_TMPDIR/namecache.stats" \
		>"$NAMECACHE_BATS_REPORT"
}
