# The helper of the differential coherence test (tests/c/shim_coherence.c):
# one program that is both the mutator and the checker, which compares
# the shim's answers with raw system calls.  Built like the other test
# programs; the checker needs -ldl to reach glibc's own realpath.

COHERENCE_PROG := $(TB)/coherence-prog

$(COHERENCE_PROG): tests/c/coherence_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -o $@ $< -lpthread -ldl

$(TB)/shim_coherence: $(COHERENCE_PROG)

TEST_HELPERS += $(COHERENCE_PROG)

# An armed query's answer stored after a drain (userfaultfd stops the
# kernel between computing the answer and copying it out).
RACE_PROG := $(TB)/race-prog

$(RACE_PROG): tests/c/race_prog.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(SANFLAGS) -O1 -o $@ $< -lpthread

$(TB)/shim_coherence: $(RACE_PROG)

TEST_HELPERS += $(RACE_PROG)

# The key of an encrypted directory (tests/bats/t3000-coherence-limits.bats).
FSCRYPT_KEY := $(TB)/fscrypt-key

$(FSCRYPT_KEY): tests/c/fscrypt_key.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -O1 -o $@ $<

TEST_HELPERS += $(FSCRYPT_KEY)
