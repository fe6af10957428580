# Helpers of the descendants suite (tests/bats/t1030-cli-run-descendants.bats):
# a program that starts children with environments of its own making, and
# a library built twice for a program's own LD_PRELOAD.

INHERIT_HELPERS := $(TB)/inherit_prog $(TB)/inherit_liba.so \
	$(TB)/inherit_libb.so

$(TB)/inherit_prog: tests/c/inherit_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -O1 -o $@ $< -lpthread

$(TB)/inherit_lib%.so: tests/c/inherit_lib.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -fPIC -shared -o $@ $<

TEST_HELPERS += $(INHERIT_HELPERS)
