/*
 * exec and spawn: the record of the image exec replaces, and the
 * environment of every new image.
 *
 * The exec wrappers write this image's statistics record first (init.c):
 * exec runs no destructors.  Every exec and spawn wrapper hands the new
 * image's environment to nc__exec_env() (inherit.c), which under
 * NAMECACHE_INHERIT=1 puts back the shim and its settings when the
 * program left them out, and otherwise passes the program's envp on as
 * it is.  The real call is made from a callback, so that a rebuilt
 * environment lives in a stack frame that is still there during the
 * call: no allocation, since exec runs in vfork children.
 *
 * execv, execvp, execl and execlp use environ: when it lacks nothing they
 * call their own real function, else the envp-taking one (execve,
 * execvpe) with the rebuilt copy.
 *
 * posix_spawn() and posix_spawnp() exec inside glibc's own clone, which
 * no exec wrapper sees, so their environment is handled here; the child
 * writes its own record.  system() and popen() run /bin/sh with environ
 * through glibc's internal spawn, which no wrapper reaches at all, hence
 * nc__environ_env() around the real calls.
 */
#include <limits.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "real.h"

extern char **environ;

struct exec_args {
	const char *path;   /* path or file name */
	char *const *argv;  /* arguments */
	char *const *given; /* environ, for the calls that use it */
	int fd;		    /* fexecve's fd, execveat's dirfd */
	int flags;	    /* execveat's flags */
};

static int call_execve(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_execve fn = NC_REAL(execve);

	nc__stats_flush("exec");
	if (!fn)
		return (int)syscall(SYS_execve, a->path, a->argv, envp);
	return fn(a->path, a->argv, envp);
}

/* execv and execl: their own real call with environ, unless rebuilt. */
static int call_execv(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_execv fn = NC_REAL(execv);

	if (envp != a->given)
		return call_execve(ctx, envp);
	nc__stats_flush("exec");
	if (!fn)
		return (int)syscall(SYS_execve, a->path, a->argv, envp);
	return fn(a->path, a->argv);
}

static int call_execvpe(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_execvpe fn = NC_REAL(execvpe);

	nc__stats_flush("exec");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(a->path, a->argv, envp);
}

/* execvp and execlp: their own real call with environ, unless rebuilt. */
static int call_execvp(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_execvp fn = NC_REAL(execvp);

	if (envp != a->given)
		return call_execvpe(ctx, envp);
	nc__stats_flush("exec");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(a->path, a->argv);
}

static int call_fexecve(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_fexecve fn = NC_REAL(fexecve);

	nc__stats_flush("exec");
	if (!fn)
		return (int)syscall(SYS_execveat, a->fd, "", a->argv, envp,
				    AT_EMPTY_PATH);
	return fn(a->fd, a->argv, envp);
}

static int call_execveat(void *ctx, char *const envp[])
{
	const struct exec_args *a = ctx;
	nc__fn_execveat fn = NC_REAL(execveat);

	nc__stats_flush("exec");
	if (!fn)
		return (int)syscall(SYS_execveat, a->fd, a->path, a->argv, envp,
				    a->flags);
	return fn(a->fd, a->path, a->argv, envp, a->flags);
}

/* The file @path names (relative to the working directory). */
static struct nc__exec_target at_path(const char *path)
{
	struct nc__exec_target t = {path, AT_FDCWD, 0, NC_TARGET_PATH, 0};

	return t;
}

/* The file exec*p would find for @file along PATH. */
static struct nc__exec_target on_path(const char *file)
{
	struct nc__exec_target t = {file, AT_FDCWD, 0, NC_TARGET_SEARCH, 0};

	return t;
}

NC_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	struct exec_args a = {.path = path, .argv = argv};
	struct nc__exec_target t = at_path(path);

	return nc__exec_env(envp, &t, call_execve, &a);
}

NC_EXPORT int execv(const char *path, char *const argv[])
{
	char **env = environ;
	struct exec_args a = {.path = path, .argv = argv, .given = env};
	struct nc__exec_target t = at_path(path);

	return nc__exec_env(env, &t, call_execv, &a);
}

NC_EXPORT int execvp(const char *file, char *const argv[])
{
	char **env = environ;
	struct exec_args a = {.path = file, .argv = argv, .given = env};
	struct nc__exec_target t = on_path(file);

	return nc__exec_env(env, &t, call_execvp, &a);
}

NC_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct exec_args a = {.path = file, .argv = argv};
	struct nc__exec_target t = on_path(file);

	return nc__exec_env(envp, &t, call_execvpe, &a);
}

NC_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct exec_args a = {.argv = argv, .fd = fd};
	struct nc__exec_target t = {"", fd, AT_EMPTY_PATH, NC_TARGET_FD, 0};

	return nc__exec_env(envp, &t, call_fexecve, &a);
}

NC_EXPORT int execveat(int dirfd, const char *path, char *const argv[],
		       char *const envp[], int flags)
{
	struct exec_args a = {
	    .path = path, .argv = argv, .fd = dirfd, .flags = flags};
	struct nc__exec_target t = {path, dirfd, flags, NC_TARGET_PATH, 0};

	return nc__exec_env(envp, &t, call_execveat, &a);
}

/*
 * execl, execlp, execle: collect the variadic arguments into an array on
 * the stack, as glibc does (no allocation: these are called in vfork
 * children), then take the execv path.  More than INT_MAX arguments is
 * E2BIG, as in glibc.
 */
#define NC__COUNT_ARGS(arg, argc)                                \
	do {                                                     \
		va_list ap;                                      \
		va_start(ap, arg);                               \
		for (argc = 1; va_arg(ap, const char *); argc++) \
			if (argc == INT_MAX) {                   \
				va_end(ap);                      \
				errno = E2BIG;                   \
				return -1;                       \
			}                                        \
		va_end(ap);                                      \
	} while (0)

#define NC__COLLECT_ARGS(arg, argc, argv)              \
	do {                                           \
		va_list ap;                            \
		va_start(ap, arg);                     \
		argv[0] = (char *)arg;                 \
		for (long i_ = 1; i_ <= argc; i_++)    \
			argv[i_] = va_arg(ap, char *); \
		va_end(ap);                            \
	} while (0)

/* execl (the path as given) and execlp (searched along PATH): the
 * environment is environ. */
#define NC__EXECL_WRAPPER(name, target, call)                          \
	NC_EXPORT int name(const char *path, const char *arg, ...)     \
	{                                                              \
		long argc;                                             \
                                                                       \
		NC__COUNT_ARGS(arg, argc);                             \
		{                                                      \
			char *argv[argc + 1];                          \
			char **env = environ;                          \
			struct exec_args a = {                         \
			    .path = path, .argv = argv, .given = env}; \
			struct nc__exec_target t = target(path);       \
                                                                       \
			NC__COLLECT_ARGS(arg, argc, argv);             \
			return nc__exec_env(env, &t, call, &a);        \
		}                                                      \
	}

NC__EXECL_WRAPPER(execl, at_path, call_execv)
NC__EXECL_WRAPPER(execlp, on_path, call_execvp)

NC_EXPORT int execle(const char *path, const char *arg, ...)
{
	long argc;

	NC__COUNT_ARGS(arg, argc);
	{
		char *argv[argc + 1];
		struct exec_args a = {.path = path, .argv = argv};
		struct nc__exec_target t = at_path(path);
		char **envp;
		va_list ap;

		/* execle's environment follows the terminating NULL. */
		va_start(ap, arg);
		argv[0] = (char *)arg;
		for (long i = 1; i <= argc; i++)
			argv[i] = va_arg(ap, char *);
		envp = va_arg(ap, char **);
		va_end(ap);
		return nc__exec_env(envp, &t, call_execve, &a);
	}
}

/* ---- spawn -------------------------------------------------------------- */

struct spawn_args {
	pid_t *pid;
	const char *path;
	const posix_spawn_file_actions_t *fa;
	const posix_spawnattr_t *attr;
	char *const *argv;
};

static int call_posix_spawn(void *ctx, char *const envp[])
{
	const struct spawn_args *a = ctx;
	nc__fn_posix_spawn fn = NC_REAL(posix_spawn);

	if (!fn)
		return ENOSYS;
	return fn(a->pid, a->path, a->fa, a->attr, a->argv, envp);
}

static int call_posix_spawnp(void *ctx, char *const envp[])
{
	const struct spawn_args *a = ctx;
	nc__fn_posix_spawnp fn = NC_REAL(posix_spawnp);

	if (!fn)
		return ENOSYS;
	return fn(a->pid, a->path, a->fa, a->attr, a->argv, envp);
}

/*
 * File actions run in the child before the exec, and may change its
 * directory (posix_spawn_file_actions_addchdir_np): a relative path is
 * then not the file the parent sees.  __used is glibc's count of actions.
 */
static int cwd_moves(const posix_spawn_file_actions_t *fa)
{
	return !nc__is_null(fa) && fa->__used > 0;
}

NC_EXPORT int posix_spawn(pid_t *pid, const char *path,
			  const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[],
			  char *const envp[])
{
	struct spawn_args a = {pid, path, fa, attr, argv};
	struct nc__exec_target t = at_path(path);

	t.cwd_moves = cwd_moves(fa);
	return nc__exec_env(envp, &t, call_posix_spawn, &a);
}

NC_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	struct spawn_args a = {pid, file, fa, attr, argv};
	struct nc__exec_target t = on_path(file);

	t.cwd_moves = cwd_moves(fa);
	return nc__exec_env(envp, &t, call_posix_spawnp, &a);
}

/* ---- system, popen: /bin/sh with environ --------------------------------- */

struct shell_args {
	const char *cmd;
	const char *mode;
	FILE *f;
};

static int call_system(void *ctx, char *const envp[])
{
	const struct shell_args *a = ctx;
	nc__fn_system fn = NC_REAL(system);

	(void)envp; /* it is environ */
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(a->cmd);
}

static int call_popen(void *ctx, char *const envp[])
{
	struct shell_args *a = ctx;
	nc__fn_popen fn = NC_REAL(popen);

	(void)envp; /* it is environ */
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	a->f = fn(a->cmd, a->mode);
	return 0;
}

NC_EXPORT int system(const char *cmd)
{
	struct shell_args a = {cmd, NULL, NULL};
	struct nc__exec_target t = at_path("/bin/sh");
	int r = nc__environ_env(&t, call_system, &a);

	/* glibc waited for the shell inside: a child we waited for. */
	nc__after(NC_FAM_WAIT);
	return r;
}

NC_EXPORT FILE *popen(const char *cmd, const char *mode)
{
	struct shell_args a = {cmd, mode, NULL};
	struct nc__exec_target t = at_path("/bin/sh");

	nc__environ_env(&t, call_popen, &a);
	return a.f;
}
