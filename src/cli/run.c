/*
 * namecache run: start a command tree with the shim preloaded.
 *
 * Without --stats the command simply replaces this process (execvp): no
 * extra process, and exit status, signals and the terminal behave exactly
 * as if the command had been started directly.
 *
 * The command's descendants stay under the cache even when a program
 * starts one with an environment of its own making (env -i, a test
 * driver's fresh environment): run sets NAMECACHE_INHERIT=1 unless the
 * caller set it, and the shim's exec and spawn wrappers put itself and
 * its settings back (src/shim/inherit.c).  --respect-env sets it to 0:
 * every program's environment is then passed on exactly as it built it,
 * and a child started without LD_PRELOAD runs without namecache.
 *
 * With --stats the tool stays as the parent: it points NAMECACHE_STATS at
 * a private temporary file, waits for the command, aggregates the records
 * every process of the tree appended there, prints the table on stderr and
 * exits with the command's status (128+N if signal N killed it).  Signals
 * sent to this process with kill() are forwarded to the command; signals
 * the terminal sends to the whole foreground process group (Ctrl-C) reach
 * the command directly and are not forwarded a second time (si_code tells
 * the two apart).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/config.h"
#include "../daemon/daemon.h"
#include "cli.h"

#ifndef NC_LIBDIR
#define NC_LIBDIR "/usr/local/lib"
#endif
#define NC_SHIM_NAME "libnamecache.so"

static volatile sig_atomic_t child_pid;

static const int forwarded[] = {SIGHUP,	 SIGINT,  SIGQUIT, SIGTERM,
				SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH};

static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	/* si_code <= 0: sent by a process (kill, sigqueue), not the tty. */
	if (child_pid > 0 && si->si_code <= 0)
		kill((pid_t)child_pid, sig);
}

/* The shim that belongs to this binary: ../lib next to bin/, else LIBDIR. */
int nc__find_shim(char *out, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(out, cap, "%s/../lib/%s", exe,
					     NC_SHIM_NAME) < cap &&
			    access(out, R_OK) == 0)
				return 0;
		}
	}
	if ((size_t)snprintf(out, cap, "%s/%s", NC_LIBDIR, NC_SHIM_NAME) <
		cap &&
	    access(out, R_OK) == 0)
		return 0;
	return -1;
}

/* Does the LD_PRELOAD list @old already name the file @shim (whatever
 * the spelling of its path)? */
static int preloads(const char *old, const struct stat *shim)
{
	char entry[PATH_MAX];

	while (old && *old) {
		size_t n = strcspn(old, " :");
		struct stat st;

		if (n && n < sizeof(entry)) {
			memcpy(entry, old, n);
			entry[n] = '\0';
			if (stat(entry, &st) == 0 &&
			    st.st_dev == shim->st_dev &&
			    st.st_ino == shim->st_ino)
				return 1;
		}
		old += n;
		old += strspn(old, " :");
	}
	return 0;
}

/* LD_PRELOAD = shim, then whatever the caller already preloads. */
static int set_preload(const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	struct stat sst;
	char *val;
	int rc;

	if (strpbrk(shim, " :\t\n")) {
		nc__err("cannot preload '%s': LD_PRELOAD cannot hold a path "
			"with spaces or colons",
			shim);
		return -1;
	}
	if (stat(shim, &sst) == 0 && preloads(old, &sst))
		return 0;
	if (old && *old) {
		if (asprintf(&val, "%s %s", shim, old) < 0)
			return -1;
		rc = setenv("LD_PRELOAD", val, 1);
		free(val);
		return rc;
	}
	return setenv("LD_PRELOAD", shim, 1);
}

/*
 * A NAMECACHE_STATS file that cannot be appended to is said once, here,
 * and taken out of the command's environment, rather than reported by
 * every process of the tree; the command still runs.
 */
static void check_stats_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0) {
		nc__err("cannot append statistics to %s: %s", path,
			strerror(errno));
		unsetenv(NC_ENV_STATS);
		return;
	}
	close(fd);
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

static int exec_failed(const char *cmd)
{
	int e = errno;

	nc__err("%s: %s", cmd, strerror(e));
	return e == ENOENT ? 127 : 126;
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

static int report_file(const char *path)
{
	struct nc__report *r = nc__report_new();
	FILE *f = fopen(path, "r");
	int n;

	if (!r || !f) {
		nc__err("cannot read statistics from %s: %s", path,
			strerror(errno));
		if (f)
			fclose(f);
		nc__report_free(r);
		return -1;
	}
	n = nc__report_read(r, f);
	fclose(f);
	if (n >= 0)
		nc__report_print(r, stderr);
	nc__report_free(r);
	return n < 0 ? -1 : 0;
}

/* Append the records of this run to the caller's own NAMECACHE_STATS. */
static void copy_records(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	ssize_t n;

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (out < 0)
		nc__err("cannot append statistics to %s: %s", to,
			strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static int run_with_stats(char **cmd, const char *user_stats)
{
	char path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct sigaction sa;
	pid_t pid;
	int fd, st, rc;

	if (!tmp || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/namecache-stats.XXXXXX",
			     tmp) >= sizeof(path) ||
	    (fd = mkstemp(path)) < 0) {
		nc__err("cannot create a statistics file in %s: %s", tmp,
			strerror(errno));
		return 1;
	}
	close(fd);
	setenv(NC_ENV_STATS, path, 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NC_ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);

	pid = fork();
	if (pid < 0) {
		nc__err("fork: %s", strerror(errno));
		unlink(path);
		return 1;
	}
	if (pid == 0) {
		/* Caught signals revert to their defaults at exec. */
		execvp(cmd[0], cmd);
		_exit(exec_failed(cmd[0]));
	}
	child_pid = pid;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			nc__err("waitpid: %s", strerror(errno));
			st = 1 << 8;
			break;
		}
	child_pid = 0;
	rc = status_of(st);
	report_file(path);
	if (user_stats)
		copy_records(path, user_stats);
	unlink(path);
	return rc;
}

/*
 * The shared cache: a daemon that answers on @sock is used as it is;
 * otherwise a session daemon is started on a private socket for the
 * command's lifetime (it exits when the command has: daemon.c).  If even
 * that fails, the processes cache for themselves, as with --no-daemon.
 */
static void use_daemon(const char *sock)
{
	char dir[96], own[108];
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (nc_daemon_reachable(sock)) {
		setenv(NC_ENV_SOCKET, sock, 1);
		return;
	}
	if (!base || base[0] != '/' || stat(base, &st) < 0 ||
	    st.st_uid != getuid())
		base = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/namecache-run.XXXXXX",
			     base) >= sizeof(dir) ||
	    !mkdtemp(dir)) {
		setenv(NC_ENV_SOCKET, "none", 1);
		return;
	}
	snprintf(own, sizeof(own), "%s/socket", dir);
	if (nc__daemon_spawn(own, 0, 1) != 0) {
		rmdir(dir);
		setenv(NC_ENV_SOCKET, "none", 1);
		return;
	}
	setenv(NC_ENV_SOCKET, own, 1);
}

int nc__cmd_run(int argc, char **argv)
{
	struct nc__config cfg;
	char ebuf[512], shim[PATH_MAX];
	struct nc__buf err;
	const char *mode = NULL, *inherit;
	char *user_stats = NULL;
	int stats = 0, respect_env = 0, no_daemon = 0, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--stats")) {
			stats = 1;
		} else if (!strcmp(a, "--respect-env")) {
			respect_env = 1;
		} else if (!strcmp(a, "--no-daemon")) {
			no_daemon = 1;
		} else if (!strcmp(a, "--mode")) {
			if (++i >= argc) {
				nc__err("--mode needs a value: strict, relaxed "
					"or off");
				return NC_EXIT_USAGE;
			}
			mode = argv[i];
		} else if (!strncmp(a, "--mode=", 7)) {
			mode = a + 7;
		} else {
			nc__err("run: unknown option '%s' (see namecache "
				"--help)",
				a);
			return NC_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		nc__err("run: no command given (usage: namecache run [--stats] "
			"[--mode MODE] [--no-daemon] [--respect-env] -- CMD "
			"[ARGS...])");
		return NC_EXIT_USAGE;
	}
	if (mode) {
		if (nc__mode_parse(mode) < 0) {
			nc__err("--mode '%s': expected strict, relaxed or off",
				mode);
			return NC_EXIT_USAGE;
		}
		setenv(NC_ENV_MODE, mode, 1);
	}
	inherit = getenv(NC_ENV_INHERIT);
	if (respect_env)
		setenv(NC_ENV_INHERIT, "0", 1);
	else if (!inherit || !*inherit)
		setenv(NC_ENV_INHERIT, "1", 1);
	if (no_daemon)
		setenv(NC_ENV_SOCKET, "none", 1);
	nc__buf_init(&err, ebuf, sizeof(ebuf));
	if (nc__config_load(&cfg, env_get, &err) < 0) {
		nc__err("%s", ebuf);
		return NC_EXIT_USAGE;
	}
	if (cfg.stats_path[0] && !stats)
		check_stats_file(cfg.stats_path);
	if (nc__find_shim(shim, sizeof(shim)) < 0) {
		nc__err("cannot find %s (looked next to the namecache binary "
			"and in %s)",
			NC_SHIM_NAME, NC_LIBDIR);
		return 1;
	}
	if (set_preload(shim) < 0)
		return 1;
	if (cfg.mode != NC_MODE_OFF && cfg.sock_path[0])
		use_daemon(cfg.sock_path);
	if (!stats) {
		execvp(argv[i], argv + i);
		return exec_failed(argv[i]);
	}
	if (cfg.stats_path[0])
		user_stats = strdup(cfg.stats_path);
	{
		int rc = run_with_stats(argv + i, user_stats);

		free(user_stats);
		return rc;
	}
}
