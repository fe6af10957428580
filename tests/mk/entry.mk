# The entry-point exerciser (tests/c/entry.c), built once per caller build
# mode, because the mode decides which glibc symbols a program imports.
# These are helpers of tests/c/shim_entry.c, which runs them with and
# without the shim; they are not test programs themselves.
#
#   O0        the plain names
#   fortify2  __open_2, __openat_2, __readlink_chk, __realpath_chk ...
#   fortify3  fortify level 3 with 64-bit offsets: __open64_2, __openat64_2
#   lfs64     64-bit offsets: stat64, open64, fopen64, truncate64 ...
#   xstat     calls the pre-2.33 __xstat family and __xmknod directly

ENTRY_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNINGS) -Wno-missing-prototypes \
	-MMD -MP -g
ENTRY_FLAGS_O0 := -O0 -U_FORTIFY_SOURCE
ENTRY_FLAGS_fortify2 := -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
ENTRY_FLAGS_fortify3 := -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 \
	-D_FILE_OFFSET_BITS=64
ENTRY_FLAGS_lfs64 := -O2 -U_FORTIFY_SOURCE -D_FILE_OFFSET_BITS=64
ENTRY_FLAGS_xstat := -O0 -U_FORTIFY_SOURCE -DNC_ENTRY_XSTAT

ENTRY_MODES := O0 fortify2 fortify3 lfs64 xstat
ENTRY_BINS := $(ENTRY_MODES:%=$(TB)/entry-%)

$(ENTRY_BINS): $(TB)/entry-%: tests/c/entry.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ENTRY_CFLAGS) $(SANFLAGS) $(ENTRY_FLAGS_$*) -o $@ $<

$(TB)/shim_entry: $(ENTRY_BINS)

check-nodeps check-c: $(ENTRY_BINS)
