/*
 * Statistics record formatting and parsing (see record.h).
 *
 * The formatter runs inside the shim at _exit() or exec time, so it uses
 * only the async-signal-safe nc__buf helpers.  The parser runs in the CLI.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Copy @s into the record field, replacing bytes that would break the
 * line format (space, control characters, '=') with '?'. */
static void put_word(struct nc__buf *b, const char *s)
{
	if (!*s) {
		nc__buf_chr(b, '?');
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		nc__buf_chr(b, (c <= ' ' || c == '=' || c == 0x7f) ? '?'
								   : (char)c);
	}
}

size_t nc__record_format(char *buf, size_t cap, const struct nc__record *r)
{
	struct nc__buf b;

	nc__buf_init(&b, buf, cap);
	nc__buf_str(&b, NC_RECORD_MAGIC " ");
	nc__buf_u64(&b, NC_RECORD_VERSION);
	nc__buf_str(&b, " pid=");
	nc__buf_i64(&b, r->pid);
	nc__buf_str(&b, " ppid=");
	nc__buf_i64(&b, r->ppid);
	nc__buf_str(&b, " comm=");
	put_word(&b, r->comm);
	nc__buf_str(&b, " mode=");
	put_word(&b, r->mode);
	nc__buf_str(&b, " end=");
	put_word(&b, r->end);
	if (r->check[0]) {
		nc__buf_str(&b, " check=");
		put_word(&b, r->check);
	}
	if (r->cache[0]) {
		nc__buf_str(&b, " cache=");
		put_word(&b, r->cache);
	}
	if (r->why[0]) {
		nc__buf_str(&b, " why=");
		put_word(&b, r->why);
	}
	if (r->via[0]) {
		nc__buf_str(&b, " via=");
		put_word(&b, r->via);
	}
	for (int f = 0; f < NC_FAM_COUNT; f++) {
		const uint64_t *n = r->c.n[f];
		int any = 0;

		if (!n[NC_OUT_OK] && !n[NC_OUT_ENOENT] && !n[NC_OUT_ERR])
			continue;
		nc__buf_chr(&b, ' ');
		nc__buf_str(&b, nc__family_name(f));
		nc__buf_chr(&b, '=');
		nc__buf_u64(&b, n[NC_OUT_OK]);
		nc__buf_chr(&b, ',');
		nc__buf_u64(&b, n[NC_OUT_ENOENT]);
		nc__buf_chr(&b, ',');
		nc__buf_u64(&b, n[NC_OUT_ERR]);
		nc__buf_chr(&b, ',');
		nc__buf_u64(&b, r->c.hit[f]);
		for (int d = 0; d < NC_DOUBT_COUNT; d++) {
			if (!r->c.doubt[f][d])
				continue;
			nc__buf_str(&b, any ? "," : " doubt.");
			if (!any) {
				nc__buf_str(&b, nc__family_name(f));
				nc__buf_chr(&b, '=');
			}
			nc__buf_str(&b, nc__doubt_name(d));
			nc__buf_chr(&b, ':');
			nc__buf_u64(&b, r->c.doubt[f][d]);
			any = 1;
		}
	}
	if (r->c.hints[0] || r->c.hints[1]) {
		nc__buf_str(&b, " hints=");
		nc__buf_u64(&b, r->c.hints[0]);
		nc__buf_chr(&b, ',');
		nc__buf_u64(&b, r->c.hints[1]);
	}
	for (int x = 0, any = 0; x < NC_EXEC_COUNT; x++) {
		if (!r->c.exec[x])
			continue;
		nc__buf_str(&b, any ? "," : " exec=");
		nc__buf_str(&b, nc__exec_name(x));
		nc__buf_chr(&b, ':');
		nc__buf_u64(&b, r->c.exec[x]);
		any = 1;
	}
	nc__buf_chr(&b, '\n');
	return b.overflow ? 0 : b.len;
}

static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Parse "ok,enoent,other[,hits[,...]]" for family @f. */
/* "a,b" into @v[0], @v[1]. */
static int parse_two(const char *s, size_t n, uint64_t v[2])
{
	char tmp[48], *end;

	if (n == 0 || n >= sizeof(tmp) || s[0] < '0' || s[0] > '9')
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v[0] = strtoull(tmp, &end, 10);
	if (*end != ',' || end[1] < '0' || end[1] > '9')
		return -1;
	v[1] = strtoull(end + 1, &end, 10);
	return *end ? -1 : 0;
}

static int parse_counts(const char *s, size_t n, struct nc__counts *c, int f)
{
	char tmp[128];
	char *p, *end;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	p = tmp;
	for (int i = 0; i <= NC_OUT_COUNT; i++) {
		uint64_t v;

		if (*p < '0' || *p > '9')
			return i == NC_OUT_COUNT && !p[-1] ? 0 : -1;
		v = strtoull(p, &end, 10);
		if (i < NC_OUT_COUNT)
			c->n[f][i] = v;
		else
			c->hit[f] = v;
		if (*end != ',')
			return i >= NC_OUT_COUNT - 1 && !*end ? 0 : -1;
		p = end + 1;
	}
	return 0;
}

/* Parse "name:n,name:n" into @out, indexed by @lookup (unknown names
 * skipped). */
static int parse_pairs(const char *s, size_t n,
		       int (*lookup)(const char *, unsigned long),
		       uint64_t *out)
{
	const char *end = s + n;

	while (s < end) {
		const char *colon = memchr(s, ':', (size_t)(end - s));
		const char *comma;
		char *num;
		int d;

		if (!colon)
			return -1;
		comma = memchr(colon, ',', (size_t)(end - colon));
		if (!comma)
			comma = end;
		d = lookup(s, (unsigned long)(colon - s));
		if (colon[1] < '0' || colon[1] > '9')
			return -1;
		if (d >= 0)
			out[d] = strtoull(colon + 1, &num, 10);
		s = comma + 1;
	}
	return 0;
}

int nc__record_parse(const char *line, struct nc__record *r)
{
	const char *p = line;
	size_t mlen = strlen(NC_RECORD_MAGIC);
	char *end;
	unsigned long ver;

	memset(r, 0, sizeof(*r));
	if (strncmp(p, NC_RECORD_MAGIC, mlen) != 0 || p[mlen] != ' ')
		return -1;
	p += mlen + 1;
	ver = strtoul(p, &end, 10);
	if (end == p || ver != NC_RECORD_VERSION)
		return -1;
	p = end;
	while (*p == ' ') {
		const char *key = ++p, *eq, *val;
		size_t klen, vlen;
		int fam;

		while (*p && *p != ' ' && *p != '\n')
			p++;
		eq = memchr(key, '=', (size_t)(p - key));
		if (!eq)
			return -1;
		klen = (size_t)(eq - key);
		val = eq + 1;
		vlen = (size_t)(p - val);
		if (klen == 3 && !memcmp(key, "pid", 3))
			r->pid = strtoll(val, NULL, 10);
		else if (klen == 4 && !memcmp(key, "ppid", 4))
			r->ppid = strtoll(val, NULL, 10);
		else if (klen == 4 && !memcmp(key, "comm", 4))
			copy_field(r->comm, sizeof(r->comm), val, vlen);
		else if (klen == 4 && !memcmp(key, "mode", 4))
			copy_field(r->mode, sizeof(r->mode), val, vlen);
		else if (klen == 3 && !memcmp(key, "end", 3))
			copy_field(r->end, sizeof(r->end), val, vlen);
		else if (klen == 5 && !memcmp(key, "check", 5))
			copy_field(r->check, sizeof(r->check), val, vlen);
		else if (klen == 5 && !memcmp(key, "cache", 5))
			copy_field(r->cache, sizeof(r->cache), val, vlen);
		else if (klen == 3 && !memcmp(key, "why", 3))
			copy_field(r->why, sizeof(r->why), val, vlen);
		else if (klen == 3 && !memcmp(key, "via", 3))
			copy_field(r->via, sizeof(r->via), val, vlen);
		else if (klen > 6 && !memcmp(key, "doubt.", 6)) {
			fam = nc__family_lookup(key + 6, klen - 6);
			if (fam >= 0 && parse_pairs(val, vlen, nc__doubt_lookup,
						    r->c.doubt[fam]) < 0)
				return -1;
		} else if (klen == 5 && !memcmp(key, "hints", 5)) {
			if (parse_two(val, vlen, r->c.hints) < 0)
				return -1;
		} else if (klen == 4 && !memcmp(key, "exec", 4)) {
			if (parse_pairs(val, vlen, nc__exec_lookup, r->c.exec) <
			    0)
				return -1;
		} else if ((fam = nc__family_lookup(key, klen)) >= 0 &&
			   parse_counts(val, vlen, &r->c, fam) < 0)
			return -1;
	}
	if (*p != '\0' && *p != '\n')
		return -1;
	return r->pid > 0 ? 0 : -1;
}
