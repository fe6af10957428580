/*
 * Helper of tests/bats/t1030-cli-run-descendants.bats: a program that
 * starts children with environments of its own making, in every way a
 * program can, so that the suite can check, with `namecache run --stats`
 * process counts, which of them still ran under the cache.
 *
 *   inherit_prog show
 *       print the variables namecache cares about (LD_PRELOAD, every
 *       NAMECACHE_*, FOO) and the preloaded libraries in load order, then
 *       fork one child that makes a stat() and leaves: that grandchild is
 *       a process of its own, so it shows in the process count exactly
 *       when this image loaded the shim.
 *   inherit_prog execve-empty PROG   fork; execve PROG show, envp {}
 *   inherit_prog execve-custom PROG  ... envp {FOO=custom,
 *                                    NAMECACHE_MODE=off}
 *   inherit_prog execle PROG         ... execle, envp {FOO=execle}
 *   inherit_prog spawn PROG          posix_spawn PROG, then posix_spawnp
 *                                    by name along PATH, envp {FOO=spawn}
 *   inherit_prog shell PROG          clearenv(), then system() and
 *                                    popen() of "PROG show"
 *   inherit_prog shell-threads PROG  the same with a second thread alive
 *   inherit_prog vfork-threads PROG  four threads calling stat() while the
 *                                    main thread vforks and execve's PROG
 *                                    with envp {FOO=vfork}
 *   inherit_prog small-stack PROG    from a thread with the smallest stack
 *                                    a thread may have (16 KiB): vfork +
 *                                    execve, then posix_spawn, of PROG
 *                                    show with envp {FOO=small}
 *   inherit_prog system-jump PROG    clearenv(), FOO=jump, then leave a
 *                                    system("sleep 1") by siglongjmp from
 *                                    an alarm: environ must still be
 *                                    usable (prints "FOO=jump")
 *   inherit_prog errors DIR          failing exec and spawn calls with an
 *                                    empty envp: prints each result and
 *                                    errno, which must be those of a run
 *                                    without namecache
 *
 * Every mode waits for its children and exits 0 unless something
 * unexpected happened (then a line on stderr and exit 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <sys/time.h>
#include <signal.h>
#include <setjmp.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "inherit_prog: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void wait_ok(pid_t pid, const char *what)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "inherit_prog: %s: wait status %#x\n", what,
			st);
		exit(1);
	}
}

/* ---- show ---------------------------------------------------------------- */

static int print_preload(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name, *base = strrchr(name, '/');

	(void)size;
	(void)data;
	base = base ? base + 1 : name;
	if (!strncmp(base, "libnamecache", 12) ||
	    !strncmp(base, "inherit_lib", 11))
		printf(" %s", base);
	return 0;
}

static int mode_show(void)
{
	struct stat st;
	pid_t pid;

	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    !strncmp(*e, "NAMECACHE_", 10) || !strncmp(*e, "FOO=", 4))
			printf("%s\n", *e);
	printf("loaded:");
	dl_iterate_phdr(print_preload, NULL);
	printf("\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		stat("/", &st);
		_exit(0);
	}
	wait_ok(pid, "grandchild");
	return 0;
}

/* ---- exec with an envp of the program's making --------------------------- */

static int mode_execve(const char *prog, char *const envp[], int use_execle)
{
	char *argv[] = {"inherit_prog", "show", NULL};
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (use_execle)
			execle(prog, "inherit_prog", "show", (char *)NULL,
			       envp);
		else
			execve(prog, argv, envp);
		die("execve");
	}
	wait_ok(pid, "exec child");
	return 0;
}

static int mode_spawn(const char *prog)
{
	char *argv[] = {"inherit_prog", "show", NULL};
	char *envp[] = {"FOO=spawn", NULL};
	char dir[4096], *slash, path[8192];
	pid_t pid;
	int r;

	r = posix_spawn(&pid, prog, NULL, NULL, argv, envp);
	if (r)
		errno = r, die("posix_spawn");
	wait_ok(pid, "posix_spawn child");
	/* posix_spawnp searches the caller's PATH, not envp's. */
	snprintf(dir, sizeof(dir), "%s", prog);
	slash = strrchr(dir, '/');
	if (!slash)
		return 1;
	*slash = '\0';
	snprintf(path, sizeof(path), "/nonexistent-dir:%s:/usr/bin:/bin", dir);
	setenv("PATH", path, 1);
	fflush(stdout);
	r = posix_spawnp(&pid, slash + 1, NULL, NULL, argv, envp);
	if (r)
		errno = r, die("posix_spawnp");
	wait_ok(pid, "posix_spawnp child");
	return 0;
}

/* ---- system and popen after clearenv --------------------------------------
 */

static void *idle(void *arg)
{
	pause();
	return arg;
}

static int mode_shell(const char *prog, int threads)
{
	char cmd[8192], buf[4096];
	pthread_t t;
	size_t n;
	FILE *f;
	int r;

	if (threads && pthread_create(&t, NULL, idle, NULL))
		die("pthread_create");
	snprintf(cmd, sizeof(cmd), "'%s' show", prog);
	clearenv();
	setenv("PATH", "/usr/bin:/bin", 1);
	setenv("FOO", "shell", 1);
	fflush(stdout);
	r = system(cmd);
	if (r != 0) {
		fprintf(stderr, "inherit_prog: system: status %#x\n", r);
		return 1;
	}
	f = popen(cmd, "r");
	if (!f)
		die("popen");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	r = pclose(f);
	if (r != 0) {
		fprintf(stderr, "inherit_prog: pclose: status %#x\n", r);
		return 1;
	}
	/* Only the environment of the children was changed, never ours. */
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    !strncmp(*e, "NAMECACHE_", 10)) {
			fprintf(stderr, "inherit_prog: environ has %s\n", *e);
			return 1;
		}
	return 0;
}

/* ---- vfork + exec from a multithreaded process --------------------------- */

static volatile int stop;

static void *stat_loop(void *arg)
{
	struct stat st;

	while (!stop)
		stat("/", &st);
	return arg;
}

static int mode_vfork_threads(const char *prog)
{
	char *argv[] = {"inherit_prog", "show", NULL};
	char *envp[] = {"FOO=vfork", NULL};
	pthread_t t[4];
	pid_t pid;

	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, stat_loop, NULL))
			die("pthread_create");
	fflush(stdout);
	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0) {
		execve(prog, argv, envp);
		_exit(127);
	}
	wait_ok(pid, "vfork child");
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- failing calls: results and errno --------------------------------------
 */

static void report(const char *what, int r, int e)
{
	const char *name = strerrorname_np(e);

	printf("%s -> %d %s\n", what, r, r < 0 || e ? name : "-");
}

/* Run one failing exec in a child that reports its result through a pipe
 * (an exec that succeeded would be a failure of the test). */
static void exec_child(const char *what, int kind, const char *path)
{
	char *argv[] = {"inherit_prog", "show", NULL};
	char *envp[] = {NULL};
	int fds[2], res[2] = {0, 0};
	pid_t pid;

	if (pipe(fds) < 0)
		die("pipe");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int r = -2;

		close(fds[0]);
		errno = 0;
		if (kind == 0)
			r = execve(path, argv, envp);
		else if (kind == 1)
			r = execvpe(path, argv, envp);
		else if (kind == 2)
			r = execveat(AT_FDCWD, path, argv, envp, 0);
		res[0] = r;
		res[1] = errno;
		if (write(fds[1], res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(res)) != sizeof(res))
		die("read");
	close(fds[0]);
	wait_ok(pid, what);
	report(what, res[0], res[1]);
}

static int mode_errors(const char *dir)
{
	char *argv[] = {"inherit_prog", "show", NULL};
	char *envp[] = {NULL};
	char noexec[4096], missing[4096];
	pid_t pid;
	int r;

	snprintf(noexec, sizeof(noexec), "%s/noexec", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	exec_child("execve missing", 0, missing);
	exec_child("execve noexec", 0, noexec);
	exec_child("execve dir", 0, dir);
	exec_child("execvpe missing", 1, "inherit-no-such-program");
	exec_child("execveat noexec", 2, noexec);
	errno = 0;
	r = posix_spawn(&pid, missing, NULL, NULL, argv, envp);
	report("posix_spawn missing", r, r);
	r = posix_spawn(&pid, noexec, NULL, NULL, argv, envp);
	report("posix_spawn noexec", r, r);
	r = posix_spawnp(&pid, "inherit-no-such-program", NULL, NULL, argv,
			 envp);
	report("posix_spawnp missing", r, r);
	return 0;
}

/* ---- small-stack, system-jump ------------------------------------------ */

static const char *small_prog;

static void *small_main(void *arg)
{
	char *argv[] = {(char *)small_prog, "show", NULL};
	char *envp[] = {"FOO=small", NULL};
	pid_t pid;

	(void)arg;
	pid = vfork();
	if (pid == 0) {
		execve(small_prog, argv, envp);
		_exit(127);
	}
	if (pid < 0)
		die("vfork");
	wait_ok(pid, "vfork + execve");
	if (posix_spawn(&pid, small_prog, NULL, NULL, argv, envp) != 0)
		die("posix_spawn");
	wait_ok(pid, "posix_spawn");
	return NULL;
}

static int mode_small_stack(const char *prog)
{
	pthread_attr_t a;
	pthread_t t;

	small_prog = prog;
	if (pthread_attr_init(&a) ||
	    pthread_attr_setstacksize(&a, PTHREAD_STACK_MIN) ||
	    pthread_create(&t, &a, small_main, NULL) || pthread_join(t, NULL))
		die("thread");
	return 0;
}

static sigjmp_buf jump_env;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(jump_env, 1);
}

/* Overwrite a good part of the stack below us. */
static __attribute__((noinline)) void clobber(void)
{
	volatile char junk[65536];

	memset((char *)junk, 0x5a, sizeof(junk));
}

static int mode_system_jump(void)
{
	struct itimerval it = {{0, 0}, {0, 200000}};
	const char *foo;

	if (clearenv() || setenv("FOO", "jump", 1))
		die("setenv");
	signal(SIGALRM, on_alarm);
	if (!sigsetjmp(jump_env, 1)) {
		setitimer(ITIMER_REAL, &it, NULL);
		system("sleep 1");
		fprintf(stderr, "inherit_prog: system() was not interrupted\n");
		return 1;
	}
	clobber();
	foo = getenv("FOO");
	printf("FOO=%s\n", foo ? foo : "(none)");
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	char *custom[] = {"FOO=custom", "NAMECACHE_MODE=off", NULL};
	char *empty[] = {NULL};
	char *le[] = {"FOO=execle", NULL};

	if (!strcmp(m, "show"))
		return mode_show();
	if (argc < 3) {
		fprintf(stderr, "usage: inherit_prog MODE ARG\n");
		return 2;
	}
	if (!strcmp(m, "execve-empty"))
		return mode_execve(argv[2], empty, 0);
	if (!strcmp(m, "execve-custom"))
		return mode_execve(argv[2], custom, 0);
	if (!strcmp(m, "execle"))
		return mode_execve(argv[2], le, 1);
	if (!strcmp(m, "spawn"))
		return mode_spawn(argv[2]);
	if (!strcmp(m, "shell"))
		return mode_shell(argv[2], 0);
	if (!strcmp(m, "shell-threads"))
		return mode_shell(argv[2], 1);
	if (!strcmp(m, "vfork-threads"))
		return mode_vfork_threads(argv[2]);
	if (!strcmp(m, "small-stack"))
		return mode_small_stack(argv[2]);
	if (!strcmp(m, "system-jump"))
		return mode_system_jump();
	if (!strcmp(m, "errors"))
		return mode_errors(argv[2]);
	fprintf(stderr, "inherit_prog: unknown mode %s\n", m);
	return 2;
}
