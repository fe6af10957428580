# namecache: a user-space dentry cache for path lookups (LD_PRELOAD shim).
#
#   make                 build build/lib/libnamecache.so and build/bin/namecache
#   make check           install missing Debian packages (as root; otherwise print
#                        the apt-get line and stop), then run every test suite;
#                        the last line is "N passed, N failed"
#   make check-nodeps    the same without the package step
#   make demo            install missing Debian packages (as root), build, and run
#                        `git status` on a generated repository under the cache
#   make bench           run the benchmarks and write docs/benchmarks.md
#   make install         PREFIX=/usr/local DESTDIR= (bin, lib, header, man, .pc,
#                        bash completion, contrib helpers, systemd user
#                        units); make uninstall
#   make SANITIZE=address,undefined check-c   the C tests under sanitizers
#   make style | lint    clang-format check | cppcheck and clang-tidy
#
# Overrides go on the command line or in config.mak.  V=1 shows commands.

-include config.mak

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
NCDATADIR ?= $(DATADIR)/namecache
# systemd looks for user units under lib/ whatever LIBDIR is.
SYSTEMDUSERDIR ?= $(PREFIX)/lib/systemd/user
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
WERROR ?= -Werror
SANITIZE ?=
# Seconds one C test case may take (the differential coherence run makes
# millions of system calls; on a machine where a system call costs 1 us it
# takes about a minute alone).
TEST_TIMEOUT ?= 300

VERSION := $(shell sed -n 's/^\#define NAMECACHE_VERSION "\(.*\)"/\1/p' include/namecache.h)

B ?= build
OBJ := $(B)/obj
SHIM := $(B)/lib/libnamecache.so
CLI := $(B)/bin/namecache

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

PKGS := ck libxxhash
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBDIR := $(shell pkg-config --variable=libdir ck 2>/dev/null)
# Concurrency Kit and xxhash are linked statically and their symbols kept
# out of the shim's dynamic symbol table (--exclude-libs), so they can never
# override an application's own copies.
STATIC_LIBS := $(PKG_LIBDIR)/libck.a $(PKG_LIBDIR)/libxxhash.a

WARNINGS := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# The shim must see glibc's real names: no _FILE_OFFSET_BITS (it would
# rename open to open64), no fortification (it would redirect calls to
# __*_chk), and no deletion of NULL checks glibc's nonnull attributes
# would otherwise license.
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -U_FILE_OFFSET_BITS -U_FORTIFY_SOURCE \
	-Iinclude $(PKG_CFLAGS) $(WARNINGS) -MMD -MP
SHIM_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden \
	-fno-delete-null-pointer-checks -ftls-model=initial-exec \
	-DNC_LIBDIR='"$(LIBDIR)"'
SHIM_LDFLAGS := -shared -Wl,--exclude-libs,ALL -Wl,-z,now -Wl,-z,noexecstack \
	-Wl,--no-undefined -Wl,-T,src/shim/startup.ld

COMMON_SRC := $(wildcard src/common/*.c)
STORE_SRC := $(wildcard src/store/*.c)
CACHE_SRC := $(wildcard src/cache/*.c)
SHIM_SRC := $(wildcard src/shim/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
DAEMON_SRC := $(wildcard src/daemon/*.c)

COMMON_OBJ := $(COMMON_SRC:src/%.c=$(OBJ)/%.o)
STORE_OBJ := $(STORE_SRC:src/%.c=$(OBJ)/%.o)
CACHE_OBJ := $(CACHE_SRC:src/%.c=$(OBJ)/%.o)
SHIM_OBJ := $(SHIM_SRC:src/%.c=$(OBJ)/%.o)
CLI_OBJ := $(CLI_SRC:src/%.c=$(OBJ)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:src/%.c=$(OBJ)/%.o)

.PHONY: all check check-nodeps check-c check-bats check-tsan check-valgrind check-suites demo bench \
	install uninstall clean style format lint
.SUFFIXES:

all: $(SHIM) $(CLI)

$(OBJ)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(SHIM_CFLAGS) $(SANFLAGS) $(CFLAGS) -c -o $@ $<

$(SHIM): $(SHIM_OBJ) $(CACHE_OBJ) $(STORE_OBJ) $(COMMON_OBJ) src/shim/startup.ld
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(SANFLAGS) $(CFLAGS) $(SHIM_LDFLAGS) $(LDFLAGS) -o $@ \
		$(filter %.o,$^) \
		$(STATIC_LIBS) -ldl

# The CLI holds the daemon, which runs the cache's writer (src/cache, on
# the store of src/store), and shares the cache's decisions on what may be
# cached (policy.h), which `namecache explain` and `doctor` report.
$(CLI): $(CLI_OBJ) $(DAEMON_OBJ) $(CACHE_OBJ) $(STORE_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(SANFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(STATIC_LIBS)

# Made at every install: it holds PREFIX, LIBDIR and INCLUDEDIR, which
# may differ from one install to the next.
.PHONY: $(B)/namecache.pc
$(B)/namecache.pc: contrib/namecache.pc.in include/namecache.h
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		$< > $@

# The daemon's user service names the installed tool: made at every
# install too.
.PHONY: $(B)/namecache.service
$(B)/namecache.service: contrib/systemd/namecache.service.in
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)sed -e 's|@BINDIR@|$(BINDIR)|' $< > $@

include tests/tests.mk

# `make check` first makes sure the Debian packages the tests need are
# installed (contrib/deps.sh: as root it installs what is missing; as
# another user it prints the apt-get line and stops before anything runs),
# then builds and runs every suite (check-nodeps, also for packagers).
check:
	$(Q)contrib/deps.sh check
	$(Q)$(MAKE) --no-print-directory check-nodeps

check-nodeps: all
	$(Q)NC_TEST_TIMEOUT=$(TEST_TIMEOUT) tests/run-tests.sh $(TEST_BINS) -- $(BATS_SUITES)

check-c: all $(TEST_BINS)
	$(Q)NC_TEST_TIMEOUT=$(TEST_TIMEOUT) tests/run-tests.sh $(TEST_BINS)

check-bats: all $(TEST_HELPERS)
	$(Q)tests/run-tests.sh -- $(BATS_SUITES)

# The concurrent unit tests under ThreadSanitizer and valgrind.
check-tsan:
	$(Q)$(MAKE) -s B=$(B)-tsan SANITIZE=thread $(B)-tsan/tests/unit_dcache \
		$(B)-tsan/tests/unit_uring $(B)-tsan/tests/unit_hint
	$(Q)TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1" \
		tests/run-tests.sh $(B)-tsan/tests/unit_dcache \
		$(B)-tsan/tests/unit_uring $(B)-tsan/tests/unit_hint

check-valgrind: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do \
		valgrind -q --fair-sched=yes --error-exitcode=99 \
			--trace-children=yes $$t || exit 1; \
	done

demo:
	$(Q)contrib/demo.sh

# Real programs' own test suites with and without namecache (minutes, and
# the network: not part of check).
check-suites:
	$(Q)contrib/deps.sh suites
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/suites/run.sh

bench:
	$(Q)contrib/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run.sh

# What `make install` installs: one SOURCE:DESTINATION:MODE word per file
# (DESTINATION under $(DESTDIR)), and one LINK:TARGET word per symbolic
# link.  `make uninstall` removes exactly these, then the directories of
# $(NCDATADIR) it leaves empty.  A new file is one more word here.
INSTALL_FILES := \
	$(CLI):$(BINDIR)/namecache:755 \
	$(SHIM):$(LIBDIR)/libnamecache.so:755 \
	include/namecache.h:$(INCLUDEDIR)/namecache.h:644 \
	$(B)/namecache.pc:$(PKGCONFIGDIR)/namecache.pc:644 \
	man/namecache.1:$(MANDIR)/man1/namecache.1:644 \
	man/namecache.3:$(MANDIR)/man3/namecache.3:644 \
	contrib/completion/namecache.bash:$(BASHCOMPDIR)/namecache:644 \
	contrib/bats/namecache.bash:$(NCDATADIR)/bats/namecache.bash:644 \
	contrib/git/namecache.gitconfig:$(NCDATADIR)/git/namecache.gitconfig:644 \
	contrib/make/namecache.mk:$(NCDATADIR)/make/namecache.mk:644 \
	contrib/bin/namecache-masquerade:$(NCDATADIR)/bin/namecache-masquerade:755 \
	contrib/systemd/namecache.socket:$(SYSTEMDUSERDIR)/namecache.socket:644 \
	$(B)/namecache.service:$(SYSTEMDUSERDIR)/namecache.service:644
INSTALL_LINKS := $(foreach p,make ninja git,\
	$(NCDATADIR)/bin/$(p):namecache-masquerade)

install: all $(B)/namecache.pc $(B)/namecache.service
	$(Q)set -e; for w in $(INSTALL_FILES); do \
		src=$${w%%:*}; dst=$${w#*:}; mode=$${dst##*:}; \
		dst=$(DESTDIR)$${dst%:*}; \
		install -d "$${dst%/*}"; \
		install -m "$$mode" "$$src" "$$dst"; \
		printf '  %-7s %s\n' INSTALL "$$dst"; \
	done
	$(Q)set -e; for w in $(INSTALL_LINKS); do \
		l=$(DESTDIR)$${w%%:*}; \
		ln -sfn "$${w#*:}" "$$l"; \
		printf '  %-7s %s\n' LN "$$l"; \
	done

uninstall:
	$(Q)for w in $(INSTALL_FILES); do \
		dst=$${w#*:}; dst=$(DESTDIR)$${dst%:*}; \
		rm -f "$$dst" && printf '  %-7s %s\n' RM "$$dst"; \
	done
	$(Q)for w in $(INSTALL_LINKS); do \
		l=$(DESTDIR)$${w%%:*}; \
		rm -f "$$l" && printf '  %-7s %s\n' RM "$$l"; \
	done
	$(Q)for d in bats git make bin; do \
		rmdir "$(DESTDIR)$(NCDATADIR)/$$d" 2>/dev/null || true; \
	done; rmdir "$(DESTDIR)$(NCDATADIR)" 2>/dev/null || true

clean:
	rm -rf $(B)

STYLE_FILES = $(wildcard src/*/*.c src/*/*.h include/*.h tests/c/*.c tests/c/*.h)

style:
	$(Q)clang-format --dry-run --Werror $(STYLE_FILES)

format:
	$(Q)clang-format -i $(STYLE_FILES)

lint:
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -D__x86_64__ \
		'-DElfW(type)=Elf64_##type' \
		--suppress=missingIncludeSystem -Iinclude src
	@# One file per run: clang-tidy 14 carries analyzer state between the
	@# files of one invocation (a false va_list report in src/cli/msg.c).
	$(Q)for f in $(wildcard src/*/*.c); do \
		clang-tidy --quiet $$f -- $(BASE_CFLAGS) -MF /dev/null || exit 1; \
	done

-include $(wildcard $(OBJ)/*/*.d $(B)/tests/*.d)
