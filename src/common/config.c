/* Environment configuration (see config.h). */
#include "config.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proto.h"

static const char *const mode_names[] = {
    [NC_MODE_STRICT] = "strict",
    [NC_MODE_RELAXED] = "relaxed",
    [NC_MODE_OFF] = "off",
};

NC_START_TEXT int nc__mode_parse(const char *s)
{
	for (unsigned i = 0; i < NC_ARRAY_SIZE(mode_names); i++)
		if (s && strcmp(s, mode_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *nc__mode_name(int mode)
{
	if (mode < 0 || (unsigned)mode >= NC_ARRAY_SIZE(mode_names))
		return "?";
	return mode_names[mode];
}

/* Quote a user's value for an error line: at most 64 bytes, printable. */
static void quote(struct nc__buf *b, const char *v)
{
	size_t n = 0;

	nc__buf_chr(b, '\'');
	for (; *v && n < 64; v++, n++) {
		unsigned char c = (unsigned char)*v;

		nc__buf_chr(b, (c < ' ' || c == 0x7f) ? '?' : (char)c);
	}
	if (*v)
		nc__buf_str(b, "...");
	nc__buf_chr(b, '\'');
}

static void bad(struct nc__buf *err, const char *var, const char *val,
		const char *expected)
{
	if (err->len)
		return; /* report the first problem only: one line */
	nc__buf_str(err, var);
	nc__buf_chr(err, '=');
	quote(err, val);
	nc__buf_str(err, ": ");
	nc__buf_str(err, expected);
}

static char stats_copy[PATH_MAX], log_copy[PATH_MAX];

NC_START_TEXT static int load_path(const char **dst, char *copy,
				   const char *var, const char *v,
				   struct nc__buf *err)
{
	size_t n;

	*dst = "";
	if (!v || !*v)
		return 0;
	n = strlen(v);
	if (v[0] != '/') {
		bad(err, var, v, "expected an absolute path");
		return -1;
	}
	if (n >= PATH_MAX) {
		bad(err, var, v, "path too long");
		return -1;
	}
	memcpy(copy, v, n + 1);
	*dst = copy;
	return 0;
}

NC_START_TEXT int nc__config_load(struct nc__config *c,
				  const char *(*get)(const char *),
				  struct nc__buf *err)
{
	const char *v;
	int rc = 0;

	c->mode = NC_MODE_STRICT;
	c->max_stale_us = NC_MAX_STALE_DEFAULT_US;
	c->warmup = NC_WARMUP_DEFAULT;
	c->inherit = 0;

	v = get(NC_ENV_MODE);
	if (v && *v) {
		int m = nc__mode_parse(v);

		if (m < 0) {
			bad(err, NC_ENV_MODE, v,
			    "expected strict, relaxed or off");
			rc = -1;
		} else {
			c->mode = m;
		}
	}
	c->check = 0;
	v = get(NC_ENV_CHECK);
	if (v && *v) {
		static const char *const checks[] = {"auto", "epoll", "uring"};
		int k = -1;

		for (int i = 0; i < 3; i++)
			if (!strcmp(v, checks[i]))
				k = i;
		if (k < 0) {
			bad(err, NC_ENV_CHECK, v,
			    "expected auto, uring or epoll");
			rc = -1;
		} else {
			c->check = k;
		}
	}
	v = get(NC_ENV_MAX_STALE);
	if (v && *v &&
	    nc__parse_u64(v, NC_MAX_STALE_LIMIT_US, &c->max_stale_us) < 0) {
		bad(err, NC_ENV_MAX_STALE, v,
		    "expected microseconds from 0 to 60000000");
		c->max_stale_us = NC_MAX_STALE_DEFAULT_US;
		rc = -1;
	}
	v = get(NC_ENV_WARMUP);
	if (v && *v && nc__parse_u64(v, NC_WARMUP_LIMIT, &c->warmup) < 0) {
		bad(err, NC_ENV_WARMUP, v,
		    "expected a number of lookups from 0 to 1000000000");
		c->warmup = NC_WARMUP_DEFAULT;
		rc = -1;
	}
	v = get(NC_ENV_INHERIT);
	if (v && *v) {
		if ((v[0] == '0' || v[0] == '1') && !v[1]) {
			c->inherit = v[0] == '1';
		} else {
			bad(err, NC_ENV_INHERIT, v, "expected 1 or 0");
			rc = -1;
		}
	}
	v = get(NC_ENV_SOCKET);
	{
		int r = nc__sock_path(c->sock_path, sizeof(c->sock_path), v,
				      get("XDG_RUNTIME_DIR"),
				      (uid_t)syscall(SYS_getuid));

		if (r != 0)
			c->sock_path[0] = '\0';
		if (r < 0) {
			bad(err, NC_ENV_SOCKET, v,
			    "expected an absolute path of at most 107 bytes, "
			    "or none");
			rc = -1;
		}
	}
	if (load_path(&c->stats_path, stats_copy, NC_ENV_STATS,
		      get(NC_ENV_STATS), err) < 0)
		rc = -1;
	if (load_path(&c->log_path, log_copy, NC_ENV_LOG, get(NC_ENV_LOG),
		      err) < 0)
		rc = -1;
	if (rc < 0)
		c->mode = NC_MODE_OFF;
	return rc;
}
