/*
 * The shared cache's daemon: the only writer of the arena every attached
 * process reads (see daemon.c for the protocol and what protects what).
 */
#ifndef NC_DAEMON_H
#define NC_DAEMON_H

#include <stdint.h>

struct nc_daemon_opts {
	const char *sock;   /* the socket's path */
	int listen_fd;	    /* >= 0: socket activation, already listening */
	uint64_t arena_mb;  /* the arena's size */
	int ready_fd;	    /* >= 0: written one byte, then closed, once
			     * connections are accepted */
	int quiet_fd;	    /* >= 0: dup'd over stderr once ready */
	int corrupt;	    /* test only: scribble on the arena */
	int old_proto;	    /* test only: answer no request of another
			     * version, as daemons before version 3 did */
	int unlink_on_exit; /* remove the socket, its lock and its directory
			     * at exit (a session daemon's private ones) */
	int exit_with;	    /* >= 0: a pidfd; exit when that process has */
};

/*
 * Take the socket's lock and bind it (unless opts->listen_fd), then serve
 * until SIGTERM, SIGINT or a STOP request.  Returns the exit status: 0,
 * 1 with a one-line message on stderr (the directory is not ours, a
 * daemon already runs, no resources), 3 when another daemon holds the
 * lock.
 */
int nc_daemon_run(const struct nc_daemon_opts *opts);

/*
 * Make the socket's directory (mode 0700) if it is missing, and check it
 * is ours alone.  0, or -1 with a one-line message in @err.
 */
int nc_daemon_prepare_dir(const char *sock, char *err, unsigned long n);

/*
 * Ask the daemon on @sock for its status (STATUS, written to @out) or to
 * stop (STOP: its "ok").  0; -1 (errno ENOENT, ECONNREFUSED: none is
 * running); or -2: a daemon accepted the connection and closed it without
 * a word (a daemon of a version before 3 does so to any request of
 * another version), its pid in *@peer (SO_PEERCRED; 0 if unknown).
 */
int nc_daemon_request(const char *sock, int op, int out, pid_t *peer);

/* Does a daemon accept connections on @sock?  (A connect, no request.) */
int nc_daemon_reachable(const char *sock);

#endif /* NC_DAEMON_H */
