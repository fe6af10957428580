/*
 * Async-signal-safe formatting and I/O helpers (see util.h).
 *
 * Raw syscalls only: these run inside the shim, where calling a wrapped
 * libc function by name would re-enter the shim.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

NC_START_TEXT void nc__buf_init(struct nc__buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
	if (cap)
		mem[0] = '\0';
}

NC_START_TEXT void nc__buf_mem(struct nc__buf *b, const char *s, size_t n)
{
	if (b->overflow || b->cap == 0 || n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

NC_START_TEXT void nc__buf_str(struct nc__buf *b, const char *s)
{
	nc__buf_mem(b, s, strlen(s));
}

NC_START_TEXT void nc__buf_chr(struct nc__buf *b, char c)
{
	nc__buf_mem(b, &c, 1);
}

NC_START_TEXT void nc__buf_u64(struct nc__buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	nc__buf_mem(b, tmp + i, sizeof(tmp) - i);
}

void nc__buf_i64(struct nc__buf *b, int64_t v)
{
	if (v < 0) {
		nc__buf_chr(b, '-');
		nc__buf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		nc__buf_u64(b, (uint64_t)v);
	}
}

NC_START_TEXT int nc__parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

void nc__write_all(int fd, const char *s, size_t n)
{
	int saved = errno;

	while (n) {
		long r = syscall(SYS_write, fd, s, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		s += r;
		n -= (size_t)r;
	}
	errno = saved;
}

int nc__path_join(char *buf, int len, const char *name, size_t n)
{
	int slash = !(len == 1 && buf[0] == '/');

	if ((size_t)len + slash + n >= PATH_MAX)
		return -1;
	if (slash)
		buf[len++] = '/';
	memcpy(buf + len, name, n);
	len += (int)n;
	buf[len] = '\0';
	return len;
}
