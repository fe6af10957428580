# Test programs and suites (included by the top-level Makefile).
#
# C tests are built into build/tests/.  The entry-point test is built once
# per caller build mode, because the mode decides which glibc symbols a
# program imports (open vs __open_2 vs open64, stat vs __xstat ...).

TB := $(B)/tests
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc $(WARNINGS) \
	-Wno-missing-prototypes -MMD -MP -g
HARNESS := tests/c/harness.c

# Unit tests of internal modules link the common objects directly.
UNIT_SRC := $(wildcard tests/c/unit_*.c)
UNIT_BINS := $(UNIT_SRC:tests/c/%.c=$(TB)/%)

$(TB)/unit_%: tests/c/unit_%.c $(HARNESS) $(COMMON_OBJ) $(CACHE_OBJ) $(STORE_OBJ)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(PKG_CFLAGS) $(SANFLAGS) -O1 -o $@ $(filter-out %.h,$^) \
		$(STATIC_LIBS) -lpthread

# Tests of the shim as a whole: programs run with and without it.
SHIM_TEST_SRC := $(wildcard tests/c/shim_*.c)
SHIM_TEST_BINS := $(SHIM_TEST_SRC:tests/c/%.c=$(TB)/%)

$(TB)/shim_%: tests/c/shim_%.c $(HARNESS) tests/c/shimtest.h
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -o $@ tests/c/shim_$*.c $(HARNESS) -lpthread -ldl

TEST_BINS := $(UNIT_BINS) $(SHIM_TEST_BINS)

# A program built from two sources in one command gets the dependency file
# of the last one only (-MMD names it after the output): the headers of
# the project, which the tests include (the interception table, the
# statistics), are prerequisites of every such program.
$(UNIT_BINS) $(SHIM_TEST_BINS): $(wildcard src/*/*.h include/*.h) \
	tests/c/harness.h

# Shell suites; they find the build through NC_BUILD.
BATS_SUITES := $(sort $(wildcard tests/bats/t*.bats))

export NC_BUILD := $(abspath $(B))
export NC_SHIM := $(abspath $(SHIM))
export NC_CLI := $(abspath $(CLI))
export NC_TEST_TIMEOUT := $(TEST_TIMEOUT)
# An ASan-built shim must come after the ASan runtime in the preload list.
ifneq ($(findstring address,$(SANITIZE)),)
export NC_TEST_PRELOAD := $(shell $(CC) -print-file-name=libasan.so) $(abspath $(SHIM))
export ASAN_OPTIONS := detect_leaks=0
else
export NC_TEST_PRELOAD := $(abspath $(SHIM))
endif

# Further test programs and their build rules: one fragment per area,
# each adding to TEST_BINS (must come before the rule below).
include $(sort $(wildcard tests/mk/*.mk))

check-nodeps check-c: $(TEST_BINS) $(TEST_HELPERS)
