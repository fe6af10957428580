/*
 * The socket's path and descriptor passing, shared by the shim's attach
 * (src/cache/attach.c) and the daemon (src/daemon/).  No allocation, no
 * stdio: the shim calls these from its first lookup; and raw system calls
 * where the shim exports a wrapper of the same name (stat, close).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"

NC_START_TEXT int nc__sock_path(char *out, size_t n, const char *env,
				const char *xdg, uid_t uid)
{
	struct nc__buf b;

	nc__buf_init(&b, out, n);
	if (env && *env) {
		if (!strcmp(env, "none"))
			return 1;
		if (env[0] != '/')
			return -1;
		nc__buf_str(&b, env);
	} else if (xdg && xdg[0] == '/') {
		nc__buf_str(&b, xdg);
		nc__buf_str(&b, "/namecache/socket");
	} else {
		nc__buf_str(&b, "/tmp/namecache-");
		nc__buf_u64(&b, (uint64_t)uid);
		nc__buf_str(&b, "/socket");
	}
	/* sun_path holds 108 bytes */
	return b.overflow || b.len >= 108 ? -1 : 0;
}

int nc__arena_link_path(char *out, size_t cap, const char *sock)
{
	struct nc__buf b;

	nc__buf_init(&b, out, cap);
	nc__buf_str(&b, sock);
	nc__buf_str(&b, ".arena");
	if (b.overflow || b.len >= cap)
		return -1;
	out[b.len] = '\0';
	return 0;
}

/* A decimal number below 2^31 at @t (@n bytes) up to @end: its value and
 * the bytes it took, or -1. */
static long number(const char *t, size_t n, char end, size_t *used)
{
	long v = 0;
	size_t i = 0;

	for (; i < n && t[i] >= '0' && t[i] <= '9' && i < 10; i++)
		v = v * 10 + (t[i] - '0');
	if (!i || v > 0x7fffffffL || (end ? i >= n || t[i] != end : i != n))
		return -1;
	*used = i + (end != 0);
	return v;
}

int nc__arena_link_parse(const char *t, size_t n, int *pid, int *fd)
{
	size_t used;
	long p, f;

	if (n < 6 || memcmp(t, "/proc/", 6) != 0)
		return -1;
	t += 6;
	n -= 6;
	p = number(t, n, '/', &used);
	if (p <= 0)
		return -1;
	t += used;
	n -= used;
	if (n < 3 || memcmp(t, "fd/", 3) != 0)
		return -1;
	f = number(t + 3, n - 3, 0, &used);
	if (f < 0)
		return -1;
	*pid = (int)p;
	*fd = (int)f;
	return 0;
}

int nc__sock_dir_check(const char *sock, uid_t uid)
{
	char dir[108];
	const char *slash = strrchr(sock, '/');
	size_t n = slash ? (size_t)(slash - sock) : 0;
	struct stat st;

	if (!slash || n >= sizeof(dir)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, sock, n);
	dir[n ? n : 1] = '\0';
	if (!n)
		dir[0] = '/';
	if (syscall(SYS_newfstatat, AT_FDCWD, dir, &st, AT_SYMLINK_NOFOLLOW) <
	    0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int nc__send_fds(int s, const void *buf, size_t n, const int *fds, int nfds)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = n};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

	if (nfds > 4)
		return -1;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	for (;;) {
		ssize_t r = sendmsg(s, &m, MSG_NOSIGNAL);

		if (r == (ssize_t)n)
			return 0;
		if (r < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

long nc__recv_fds(int s, void *buf, size_t n, int *fds, int max, int *nfds,
		  int flags)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = n};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.b,
			   .msg_controllen = sizeof(u.b)};
	ssize_t r;

	*nfds = 0;
	do
		r = recvmsg(s, &m, MSG_CMSG_CLOEXEC | flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + (size_t)i * sizeof(int),
			       sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = fd;
			else
				syscall(SYS_close, fd);
		}
	}
	if (m.msg_flags & MSG_CTRUNC) {
		for (int i = 0; i < *nfds; i++)
			syscall(SYS_close, fds[i]);
		*nfds = 0;
		errno = EPROTO;
		return -1;
	}
	return (long)r;
}
