# Helpers of the io_uring check's tests (tests/c/shim_uring.c): the
# memory-only hand-off checker and the life-cycle scenarios.

URING_HELPERS := $(TB)/handoff-prog $(TB)/uring-prog

$(TB)/handoff-prog: tests/c/handoff_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -o $@ $<

$(TB)/uring-prog: tests/c/uring_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -o $@ $< -lpthread

$(TB)/shim_uring: $(URING_HELPERS)

TEST_HELPERS += $(URING_HELPERS)
