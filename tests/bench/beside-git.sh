#!/bin/sh
# beside-git.sh REPO CMD [ARG...]: run CMD while `git status` runs in a
# loop in REPO next to it (a build next to an editor's or a prompt's git
# status); exit with CMD's status once the loop's last git has finished,
# so that no process of one run outlives it.
set -u
repo=$1
shift
flag=$(mktemp -d "${TMPDIR:-/tmp}/beside-git.XXXXXX") || exit 1
(
	while [ ! -e "$flag/stop" ]; do
		git -C "$repo" status >/dev/null || exit 1
	done
) &
loop=$!
"$@"
rc=$?
: >"$flag/stop"
wait "$loop" || { [ "$rc" -ne 0 ] || rc=1; }
rm -rf "$flag"
exit "$rc"
