/* The namecache command-line tool: subcommands and shared helpers. */
#ifndef NC_CLI_H
#define NC_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define NC_EXIT_USAGE 2

/* Print "namecache: <msg>\n" to stderr (msg.c). */
void nc__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int nc__cmd_run(int argc, char **argv);
int nc__cmd_stats(int argc, char **argv);
int nc__cmd_doctor(int argc, char **argv);
int nc__cmd_explain(int argc, char **argv);
int nc__cmd_daemon(int argc, char **argv);
/* The shared cache's socket path (daemon.c): 0, or -1 after an error
 * line (a bad NAMECACHE_SOCKET, or "none"). */
int nc__daemon_sock(char *out, size_t n);
/* Start a detached daemon on @sock (daemon.c): 0 once it is ready, 3
 * when it did not come up (one already runs there), 1 after an error
 * line.  @session: it exits with this process, and cleans up. */
int nc__daemon_spawn(const char *sock, uint64_t mb, int session);

/* The shim that belongs to this binary (run.c): its path in @out, 0; or
 * -1 when there is none. */
int nc__find_shim(char *out, size_t cap);

/*
 * Aggregate statistics records from @in into a report on @out.
 * Returns the number of records read, -1 on a read error.
 */
struct nc__report;
struct nc__report *nc__report_new(void);
int nc__report_read(struct nc__report *r, FILE *in);
void nc__report_print(const struct nc__report *r, FILE *out);
void nc__report_free(struct nc__report *r);

#endif /* NC_CLI_H */
