# Helpers of the shim's robustness tests (tests/c/shim_robust.c): a program
# with one mode per scenario and three preloadable libraries.  Built without
# fortification or _FILE_OFFSET_BITS so that they import the plain glibc
# names (stat, open, readlink ...), which is what the exact counts assume.

ROBUST_CFLAGS := $(TEST_CFLAGS) $(SANFLAGS) -O1 -U_FORTIFY_SOURCE \
	-U_FILE_OFFSET_BITS
ROBUST_HELPERS := $(TB)/robust_prog $(TB)/robust_ctorlib.so \
	$(TB)/robust_interpose.so $(TB)/robust_tracer.so

$(TB)/robust_prog: tests/c/robust_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ROBUST_CFLAGS) -o $@ $< -lpthread

$(TB)/robust_%.so: tests/c/robust_%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ROBUST_CFLAGS) -fPIC -shared -o $@ $< -ldl

$(TB)/shim_robust: $(ROBUST_HELPERS)

TEST_HELPERS += $(ROBUST_HELPERS)
