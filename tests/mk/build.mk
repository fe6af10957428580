# Helpers of the build/export/install tests (tests/bats/t00*.bats).

$(TB)/list-entries: tests/c/list_entries.c src/shim/intercept.h src/shim/shim.h
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $<

TEST_HELPERS += $(TB)/list-entries

# The shim's symbol lookup is a shim object, not a common one.
$(TB)/unit_symtab: $(OBJ)/shim/symtab.o
