# The lookup helper of the shared-cache suites (tests/bats/t50*.bats):
# answers through the C library next to the kernel's, and a writer.
# Built without fortification or _FILE_OFFSET_BITS so that it calls the
# plain glibc names (stat, lstat, access, readlink).

LOOKUP_PROG := $(TB)/lookup-prog

$(LOOKUP_PROG): tests/c/lookup_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -U_FORTIFY_SOURCE \
		-U_FILE_OFFSET_BITS -o $@ $<

TEST_HELPERS += $(LOOKUP_PROG)
