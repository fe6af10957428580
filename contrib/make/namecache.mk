# make under namecache, from inside a Makefile.  Include this file:
#
#   -include /usr/local/share/namecache/make/namecache.mk
#
# and `make nc-TARGET` runs `make TARGET` (the same make, its flags and
# command-line variables) with make and every recipe under namecache;
# `make nc-TARGET NAMECACHE_FLAGS=--stats` prints the statistics table
# when it ends.  make is the process that gains: it looks up every
# prerequisite of every target, for the whole build.
#
# NAMECACHE names the namecache command (default: namecache on PATH).

NAMECACHE ?= namecache
NAMECACHE_FLAGS ?=

nc-%:
	+$(NAMECACHE) run $(NAMECACHE_FLAGS) -- $(MAKE) $*
