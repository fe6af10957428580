#!/usr/bin/env bats
# `make install` and `make uninstall` under DESTDIR: exactly the listed
# files (the tool, the library, the header, the pkg-config file, the man
# pages, the bash completion, the contrib helpers and the systemd user
# units), working from where
# they were installed; and uninstall removes exactly those, leaving at
# most empty directories and never a file that is not its own.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load lib-namecache

setup() {
	nc_require_build
	dest=$BATS_TEST_TMPDIR/dest
	p=$dest/opt/nc
}

# installed: every file and link under $dest, "TYPE MODE PATH" a line.
installed() {
	(cd "$dest" && find . \( -type f -o -type l \) -printf '%y %m %p\n' | sort -k3)
}

@test "make install puts exactly the listed files under DESTDIR, make uninstall removes exactly them" {
	run make -C "$NC_TOP" -s B="$NC_BUILD" install DESTDIR="$dest" PREFIX=/opt/nc
	assert_success
	run installed
	assert_output "f 755 ./opt/nc/bin/namecache
f 644 ./opt/nc/include/namecache.h
f 755 ./opt/nc/lib/libnamecache.so
f 644 ./opt/nc/lib/pkgconfig/namecache.pc
f 644 ./opt/nc/lib/systemd/user/namecache.service
f 644 ./opt/nc/lib/systemd/user/namecache.socket
f 644 ./opt/nc/share/bash-completion/completions/namecache
f 644 ./opt/nc/share/man/man1/namecache.1
f 644 ./opt/nc/share/man/man3/namecache.3
f 644 ./opt/nc/share/namecache/bats/namecache.bash
l 777 ./opt/nc/share/namecache/bin/git
l 777 ./opt/nc/share/namecache/bin/make
f 755 ./opt/nc/share/namecache/bin/namecache-masquerade
l 777 ./opt/nc/share/namecache/bin/ninja
f 644 ./opt/nc/share/namecache/git/namecache.gitconfig
f 644 ./opt/nc/share/namecache/make/namecache.mk"
	local f
	for f in make ninja git; do
		assert_equal "$(readlink "$p/share/namecache/bin/$f")" namecache-masquerade
	done
	nc_assert_same_file "$NC_TOP/contrib/completion/namecache.bash" \
		"$p/share/bash-completion/completions/namecache"
	nc_assert_same_file "$NC_TOP/man/namecache.1" "$p/share/man/man1/namecache.1"
	nc_assert_same_file "$NC_TOP/contrib/systemd/namecache.socket" \
		"$p/lib/systemd/user/namecache.socket"
	# The service names the tool where it is installed (without DESTDIR).
	run grep '^ExecStart=' "$p/lib/systemd/user/namecache.service"
	assert_output "ExecStart=/opt/nc/bin/namecache daemon start --foreground"
	# Installing twice is the same.
	run make -C "$NC_TOP" -s B="$NC_BUILD" install DESTDIR="$dest" PREFIX=/opt/nc
	assert_success
	[ "$(installed | wc -l)" -eq 16 ]
	# A file of the user's own next to ours stays, with its directory.
	echo mine >"$p/share/namecache/make/local.mk"
	run make -C "$NC_TOP" -s B="$NC_BUILD" uninstall DESTDIR="$dest" PREFIX=/opt/nc
	assert_success
	run installed
	assert_output "f 644 ./opt/nc/share/namecache/make/local.mk"
	rm "$p/share/namecache/make/local.mk"
	run make -C "$NC_TOP" -s B="$NC_BUILD" uninstall DESTDIR="$dest" PREFIX=/opt/nc
	assert_success
	run installed
	assert_output ""
	# The namecache data directory itself is gone; the shared ones
	# (bin, lib, share/man ...) may stay, empty.
	[ ! -e "$p/share/namecache" ]
	run find "$dest" -mindepth 1 -not -type d
	assert_output ""
}

@test "the installed tool finds the installed library, the installed helpers the installed tool" {
	nc_require make
	make -C "$NC_TOP" -s B="$NC_BUILD" install DESTDIR="$dest" PREFIX=/opt/nc >/dev/null
	cd "$BATS_TEST_TMPDIR"
	run "$p/bin/namecache" doctor
	assert_line --regexp "^ok +library +$p/bin/\.\./lib/libnamecache\.so "
	# The masquerade directory, with no NAMECACHE and no namecache on
	# PATH: it runs $p/bin/namecache (three levels up from itself).
	mkdir proj
	printf 'all:\n\t@printenv LD_PRELOAD\n' >proj/Makefile
	run env -u NAMECACHE PATH="$p/share/namecache/bin:/usr/bin:/bin" make -s -C proj
	assert_success
	assert_output "$p/bin/../lib/libnamecache.so"
	# The completion, where bash-completion looks for it.
	run bash --norc --noprofile -c 'source "$1" && complete -p namecache' _ \
		"$p/share/bash-completion/completions/namecache"
	assert_output 'complete -F _namecache namecache'
}
