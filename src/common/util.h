/*
 * Small helpers shared by the shim and the CLI.
 *
 * Everything here is async-signal-safe: the shim formats its statistics
 * record and its log lines from _exit() and exec wrappers, which may run in
 * a signal handler or in a vfork child, so no stdio and no allocation.
 */
#ifndef NC_UTIL_H
#define NC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define NC_LIKELY(x) __builtin_expect(!!(x), 1)
#define NC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A bounded string builder over a caller's buffer.  Appends that do not fit
 * set @overflow and are dropped whole; the buffer stays NUL-terminated.
 */
struct nc__buf {
	char *p;
	size_t len;
	size_t cap;
	int overflow;
};

void nc__buf_init(struct nc__buf *b, char *mem, size_t cap);
void nc__buf_str(struct nc__buf *b, const char *s);
void nc__buf_mem(struct nc__buf *b, const char *s, size_t n);
void nc__buf_u64(struct nc__buf *b, uint64_t v);
void nc__buf_i64(struct nc__buf *b, int64_t v);
void nc__buf_chr(struct nc__buf *b, char c);

/*
 * Parse a whole decimal string into *out.  Returns 0, or -1 when @s is
 * empty, has anything but digits, or exceeds @max.
 */
int nc__parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Append "/" and the @n bytes of @name to the path of length @len in @buf
 * (PATH_MAX bytes; no slash is doubled after "/"): the new length, or -1
 * when it would not fit.  Shared by the fill and `namecache explain`,
 * which must build the same paths. */
int nc__path_join(char *buf, int len, const char *name, size_t n);

/*
 * Fault in the page of @p once, for writing: an atomic OR of 0 is a store
 * that changes nothing.  A first read of a private page nobody wrote maps
 * the zero page, and the first store then faults again (about 2 us each
 * here); the pages a process reads then writes as it starts use this.
 */
static inline void nc__touch_page(void *p)
{
	__atomic_fetch_or((unsigned char *)p, 0, __ATOMIC_RELAXED);
}

/*
 * Start-up data: what every process under the shim writes as it loads
 * and reads on its first lookups.  The shim's link (src/shim/startup.ld)
 * gives it a page-aligned section of its own after .data; it is smaller
 * than a page, so it shares its page with nothing but the start of .bss.
 * The loader writes that page anyway (it clears the part of it past the
 * file's data), so all of this costs a process no page fault of its own;
 * scattered through .data and .bss, the same variables cost six.
 * tests/bats/t0000-build.bats checks the built library's layout.
 */
#define NC_STARTUP __attribute__((section(".nc_start")))

/*
 * Start-up code: the functions every process under the shim runs as it
 * loads (constructor, configuration, the choice of how real functions
 * are found) and at its first calls.  The linker puts .text.startup, the
 * compiler's section for constructors, at the start of .text, so they
 * share the one or two 64 KiB windows the kernel maps around a fault,
 * instead of taking one at each end of the library.
 */
#define NC_START_TEXT __attribute__((section(".text.startup")))

/* write() all of @n bytes to @fd, retrying on EINTR; errno is preserved. */
void nc__write_all(int fd, const char *s, size_t n);

#endif /* NC_UTIL_H */
