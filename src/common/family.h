/*
 * Call families: the unit in which namecache counts and reports calls.
 *
 * A family groups every glibc entry point that asks the kernel the same
 * question: stat(), stat64(), __xstat() and fstatat() without
 * AT_SYMLINK_NOFOLLOW are all "stat"; open(), openat(), __open_2() and
 * creat() are all "open".  The shim's interception table (src/shim/
 * intercept.h) names the family of each entry point; the statistics record
 * (src/common/record.h) and the CLI's table are keyed by the names below.
 *
 * The order is the order of the report.  Adding a family is compatible with
 * older records (they are keyed by name, not by position); renaming is not.
 */
#ifndef NC_FAMILY_H
#define NC_FAMILY_H

#include <stdint.h>

/* NC_FAMILY(id, name, is_lookup) */
#define NC_FAMILIES(X)             \
	X(STAT, "stat", 1)         \
	X(LSTAT, "lstat", 1)       \
	X(STATX, "statx", 1)       \
	X(ACCESS, "access", 1)     \
	X(READLINK, "readlink", 1) \
	X(REALPATH, "realpath", 1) \
	X(OPEN, "open", 1)         \
	X(FOPEN, "fopen", 1)       \
	X(OPENDIR, "opendir", 1)   \
	X(UNLINK, "unlink", 0)     \
	X(RMDIR, "rmdir", 0)       \
	X(RENAME, "rename", 0)     \
	X(MKDIR, "mkdir", 0)       \
	X(MKNOD, "mknod", 0)       \
	X(LINK, "link", 0)         \
	X(SYMLINK, "symlink", 0)   \
	X(CHMOD, "chmod", 0)       \
	X(CHOWN, "chown", 0)       \
	X(UTIME, "utime", 0)       \
	X(TRUNCATE, "truncate", 0) \
	X(MKTEMP, "mktemp", 0)     \
	X(BIND, "bind", 0)         \
	X(CHDIR, "chdir", 0)       \
	X(CHROOT, "chroot", 0)

enum nc_family {
	NC_FAM_CRED = -3, /* not counted; credentials or root changed: flush */
	NC_FAM_WAIT = -2, /* not counted; a child ended (relaxed mode checks) */
	NC_FAM_NONE = -1, /* not counted (exec, _exit, _Fork, close) */
#define NC__FAMILY_ENUM(id, name, lookup) NC_FAM_##id,
	NC_FAMILIES(NC__FAMILY_ENUM)
#undef NC__FAMILY_ENUM
	    NC_FAM_COUNT
};

/*
 * What a call returned, as the statistics see it.  A call is exactly one of
 * these; "calls" in the report is their sum.
 */
enum nc_outcome {
	NC_OUT_OK,     /* the call succeeded */
	NC_OUT_ENOENT, /* failed with ENOENT */
	NC_OUT_ERR,    /* failed with any other errno */
	NC_OUT_COUNT
};

/*
 * Why a lookup was not answered from the cache.  "cold" is a plain miss
 * (not cached yet); the others are doubts: the cache held something but
 * could not prove it current, or does not serve that call.
 */
#define NC_DOUBTS(X)                                                           \
	X(MODE, "off")		/* cache off or unusable in this process */    \
	X(ARGS, "args")		/* dirfd, flags or path shape not served */    \
	X(FIRST, "first")	/* first lookup of this path by the process */ \
	X(WARMUP, "warmup")	/* too few repeated lookups yet to pay off */  \
	X(COLD, "cold")		/* not cached yet */                           \
	X(EXISTS, "exists")	/* open of an existing file: needs the fd */   \
	X(BUSY, "busy")		/* another thread holds the writer role */     \
	X(CHANGED, "changed")	/* concurrent change (seqcount, generation) */ \
	X(EVENTS, "events")	/* changes queued and not drained */           \
	X(DRAINING, "draining") /* the queue being drained and applied */      \
	X(MOUNT, "mount")	/* a mount change not applied yet */           \
	X(NOCHECK, "nocheck")	/* the thread cannot ask for changes */        \
	X(HOT, "hot")		/* changes queued in written directories */    \
	X(VERDICT, "verdict")	/* access/statx answer not memoized yet */     \
	X(ATTACH, "attach")	/* the daemon's reply has not come yet */

/*
 * Why a process image used its own cache rather than the shared one
 * (attach.c).  NONE: it was attached, or never asked (mode off).
 */
#define NC_WHYS(X)                                                        \
	X(NONE, "")                                                       \
	X(UNSET, "none")	/* NAMECACHE_SOCKET=none */               \
	X(NODAEMON, "nodaemon") /* nothing listens on the socket */       \
	X(SOCKET, "socket")	/* its directory is not ours alone */     \
	X(CREDS, "creds")	/* other ids or groups than the daemon */ \
	X(MNTNS, "mntns")	/* another mount namespace */             \
	X(ROOT, "root")		/* another root directory */              \
	X(REFUSED, "refused")	/* the daemon said no, or a bad reply */  \
	X(SLOW, "slow")		/* no reply in time */                    \
	X(LOST, "lost")		/* the daemon went away, or flushed */    \
	X(MOUNT, "mount")	/* a mount change while attached */

enum nc_why {
#define NC__WHY_ENUM(id, name) NC_WHY_##id,
	NC_WHYS(NC__WHY_ENUM)
#undef NC__WHY_ENUM
	    NC_WHY_COUNT
};

enum nc_doubt {
#define NC__DOUBT_ENUM(id, name) NC_DOUBT_##id,
	NC_DOUBTS(NC__DOUBT_ENUM)
#undef NC__DOUBT_ENUM
	    NC_DOUBT_COUNT
};

/*
 * What an exec or spawn wrapper did with a new image's environment that
 * lacked the shim or its settings (src/shim/inherit.c): put them back, or
 * why it left the environment as the program gave it.
 */
#define NC_EXECS(X)                                                       \
	X(RESTORED, "restored")	  /* LD_PRELOAD, NAMECACHE_* put back */  \
	X(SETID, "setid")	  /* set-id or file-capability program */ \
	X(UNCHECKED, "unchecked") /* the program could not be examined */ \
	X(NOROOM, "noroom")	  /* too large to rebuild on the stack */ \
	X(THREADS, "threads")	  /* system/popen with several threads */

enum nc_exec_fate {
#define NC__EXEC_ENUM(id, name) NC_EXEC_##id,
	NC_EXECS(NC__EXEC_ENUM)
#undef NC__EXEC_ENUM
	    NC_EXEC_COUNT
};

/* Everything counted about calls, per family. */
struct nc__counts {
	uint64_t n[NC_FAM_COUNT][NC_OUT_COUNT]; /* outcome of each call */
	uint64_t hit[NC_FAM_COUNT];		/* answered by the cache */
	uint64_t doubt[NC_FAM_COUNT][NC_DOUBT_COUNT]; /* why not */
	uint64_t exec[NC_EXEC_COUNT]; /* exec calls, by fate of the env */
	uint64_t hints[2];	      /* hints to the daemon: posted, dropped */
};

#define NC_COUNTS_WORDS (sizeof(struct nc__counts) / sizeof(uint64_t))

const char *nc__doubt_name(int doubt);
int nc__doubt_lookup(const char *name, unsigned long len);

const char *nc__exec_name(int fate);
int nc__exec_lookup(const char *name, unsigned long len);

const char *nc__why_name(int why);
int nc__why_lookup(const char *name, unsigned long len);

/* The family's report name ("stat"), or NULL when out of range. */
const char *nc__family_name(int fam);

/* The family whose report name is @name, or -1. */
int nc__family_lookup(const char *name, unsigned long len);

#endif /* NC_FAMILY_H */
