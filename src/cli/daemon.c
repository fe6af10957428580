/*
 * namecache daemon start|stop|status: the shared cache's daemon
 * (src/daemon/), its socket from NAMECACHE_SOCKET or the default
 * (proto.h), its arena size from --arena-mb or NAMECACHE_ARENA_MB.
 *
 *   start [--foreground] [--arena-mb N]
 *           detach a daemon and return once it accepts connections (or
 *           serve in the foreground, for service managers; socket
 *           activation through LISTEN_FDS/LISTEN_PID, fd 3);
 *           one already running: a note, status 0
 *   stop    ask it to exit and wait until it has; none: status 1
 *   status  its counters as "key: value" lines; none: status 3
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/proto.h"
#include "../common/util.h"
#include "../daemon/daemon.h"
#include "cli.h"

#define ARENA_MB_DEFAULT 128

int nc__daemon_sock(char *out, size_t n)
{
	int r = nc__sock_path(out, n, getenv("NAMECACHE_SOCKET"),
			      getenv("XDG_RUNTIME_DIR"), getuid());

	if (r < 0) {
		nc__err("NAMECACHE_SOCKET='%s': expected an absolute path of "
			"at most 107 bytes",
			getenv("NAMECACHE_SOCKET"));
		return -1;
	}
	if (r > 0) {
		nc__err("NAMECACHE_SOCKET=none: no shared cache is wanted");
		return -1;
	}
	return 0;
}

static int arena_mb(const char *arg, uint64_t *mb)
{
	const char *v = arg ? arg : getenv("NAMECACHE_ARENA_MB");

	*mb = ARENA_MB_DEFAULT;
	if (!v || !*v)
		return 0;
	if (nc__parse_u64(v, 65536, mb) < 0 || *mb < 1) {
		nc__err("%s '%s': expected megabytes from 1 to 65536",
			arg ? "--arena-mb" : "NAMECACHE_ARENA_MB", v);
		return -1;
	}
	return 0;
}

/* Socket activation: fd 3 when LISTEN_PID is us and LISTEN_FDS is 1. */
static int activated(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid())
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (strcmp(fds, "1") != 0) {
		nc__err("LISTEN_FDS=%s: expected one socket", fds);
		return -2;
	}
	return 3;
}

/*
 * Start a daemon on @sock, detached (a second fork: it is nobody's child,
 * so no program of the command tree ever reaps or waits for it); 0 once
 * it accepts connections, 3 when one already runs there, 1 after an
 * error line.  A @session daemon exits when this process (the command,
 * once `namecache run` has exec'd it) has, and removes its directory.
 */
int nc__daemon_spawn(const char *sock, uint64_t mb, int session)
{
	struct nc_daemon_opts o = {.sock = sock,
				   .listen_fd = -1,
				   .arena_mb = mb,
				   .unlink_on_exit = session,
				   .exit_with = -1};
	const char *t = getenv("NAMECACHE_DAEMON_TEST");
	pid_t starter = getpid(), p;
	char err[256], c;
	int pfd[2], ready, st;
	struct pollfd pf;

	o.corrupt = t && !strcmp(t, "corrupt-arena");
	o.old_proto = t && !strcmp(t, "old-protocol");
	if (!mb && arena_mb(NULL, &o.arena_mb) < 0)
		return 1;
	if (nc_daemon_prepare_dir(sock, err, sizeof(err)) < 0) {
		nc__err("%s", err);
		return 1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0 || (p = fork()) < 0) {
		nc__err("cannot start the daemon: %s", strerror(errno));
		return 1;
	}
	if (p == 0) {
		int null = open("/dev/null", O_RDWR);

		close(pfd[0]);
		setsid();
		if (chdir("/") < 0 || (p = fork()) < 0)
			_exit(1);
		if (p > 0)
			_exit(0);
		if (session) {
			o.exit_with = (int)syscall(SYS_pidfd_open, starter, 0);
			if (o.exit_with < 0)
				_exit(1);
		}
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			/* stderr: the starter's until ready, for the
			 * daemon's one-line errors; then /dev/null */
		}
		o.ready_fd = pfd[1];
		o.quiet_fd = null;
		_exit(nc_daemon_run(&o));
	}
	close(pfd[1]);
	waitpid(p, &st, 0);
	pf.fd = pfd[0];
	pf.events = POLLIN;
	ready = poll(&pf, 1, 10000) > 0 && read(pfd[0], &c, 1) == 1;
	close(pfd[0]);
	return ready ? 0 : 3;
}

/* A daemon that closed our request without a word: another version. */
static void other_version(const char *sock, pid_t peer)
{
	if (peer > 0)
		nc__err("the daemon on %s (pid %d) is of another version of "
			"namecache and does not answer this one; "
			"stop it with: kill %d",
			sock, (int)peer, (int)peer);
	else
		nc__err("the daemon on %s is of another version of namecache "
			"and does not answer this one",
			sock);
}

static int start(int argc, char **argv)
{
	char sock[108];
	const char *mbarg = NULL;
	int foreground = 0, lfd;
	uint64_t mb;
	pid_t peer;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--foreground")) {
			foreground = 1;
		} else if (!strcmp(argv[i], "--arena-mb") && i + 1 < argc) {
			mbarg = argv[++i];
		} else if (!strncmp(argv[i], "--arena-mb=", 11)) {
			mbarg = argv[i] + 11;
		} else {
			nc__err("daemon start: unknown option '%s'", argv[i]);
			return NC_EXIT_USAGE;
		}
	}
	if (nc__daemon_sock(sock, sizeof(sock)) < 0 || arena_mb(mbarg, &mb) < 0)
		return NC_EXIT_USAGE;
	lfd = activated();
	if (lfd == -2)
		return NC_EXIT_USAGE;
	if (foreground || lfd >= 0) {
		struct nc_daemon_opts o = {.sock = sock,
					   .listen_fd = lfd,
					   .arena_mb = mb,
					   .ready_fd = -1,
					   .quiet_fd = -1,
					   .exit_with = -1};
		const char *t = getenv("NAMECACHE_DAEMON_TEST");
		char err[256];
		int rc;

		o.corrupt = t && !strcmp(t, "corrupt-arena");
		o.old_proto = t && !strcmp(t, "old-protocol");
		if (lfd < 0 &&
		    nc_daemon_prepare_dir(sock, err, sizeof(err)) < 0) {
			nc__err("%s", err);
			return 1;
		}
		rc = nc_daemon_run(&o);
		return rc == 3 ? 0 : rc;
	}
	switch (nc_daemon_request(sock, NC_REQ_STATUS, -1, &peer)) {
	case 0:
		nc__err("a daemon is already running on %s", sock);
		return 0;
	case -2:
		other_version(sock, peer);
		return 1;
	}
	{
		int rc = nc__daemon_spawn(sock, mb, 0);

		if (rc == 3) { /* its message is on our stderr already */
			return nc_daemon_request(sock, NC_REQ_STATUS, -1,
						 NULL) == 0
				   ? 0
				   : 1;
		}
		return rc;
	}
}

int nc__cmd_daemon(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char sock[108];
	pid_t peer;

	if (sub && !strcmp(sub, "start"))
		return start(argc - 1, argv + 1);
	if (sub && !strcmp(sub, "--foreground")) /* daemon --foreground */
		return start(argc, argv);
	if (!sub || (strcmp(sub, "stop") != 0 && strcmp(sub, "status") != 0)) {
		nc__err("usage: namecache daemon start [--foreground] "
			"[--arena-mb N] | stop | status");
		return NC_EXIT_USAGE;
	}
	if (argc > 2) {
		nc__err("daemon %s: unexpected argument '%s'", sub, argv[2]);
		return NC_EXIT_USAGE;
	}
	if (nc__daemon_sock(sock, sizeof(sock)) < 0)
		return NC_EXIT_USAGE;
	if (!strcmp(sub, "status")) {
		printf("socket: %s\n", sock);
		fflush(stdout);
		switch (nc_daemon_request(sock, NC_REQ_STATUS, 1, &peer)) {
		case 0:
			return 0;
		case -2:
			other_version(sock, peer);
			return 1;
		}
		nc__err("no daemon is running on %s", sock);
		return 3;
	}
	switch (nc_daemon_request(sock, NC_REQ_STOP, -1, &peer)) {
	case 0:
		break;
	case -2:
		/* A daemon of before version 3 answers nothing to another
		 * version; it is ours (same uid, checked by SO_PEERCRED) and
		 * leaves on SIGTERM as on STOP. */
		if (peer <= 0 || kill(peer, SIGTERM) < 0) {
			other_version(sock, peer);
			return 1;
		}
		break;
	default:
		nc__err("no daemon is running on %s", sock);
		return 1;
	}
	/* "ok" came; it exits right after: wait until its lock is free,
	 * so that a start that follows finds the socket free. */
	for (int i = 0; i < 500; i++) {
		char lock[128];
		int fd;

		snprintf(lock, sizeof(lock), "%s.lock", sock);
		fd = open(lock, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return 0;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			close(fd);
			return 0;
		}
		close(fd);
		usleep(10000);
	}
	nc__err("the daemon on %s did not exit", sock);
	return 1;
}
