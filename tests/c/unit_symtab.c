/*
 * The shim's own symbol lookup (src/shim/symtab.h) against the loader's.
 *
 * The shim fills its real-function slots from libc's dynamic symbol
 * table instead of dlsym(RTLD_NEXT) (src/shim/real.c).  Here, for every
 * row of the interception table and a few names chosen for their
 * versions (a hidden old version beside the default one, only a hidden
 * version, an indirect function, a name nobody defines), the first
 * definition found by nc__symtab_find() in the objects loaded after this
 * program must be the one dlsym(RTLD_NEXT) returns from it.
 */
#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "harness.h"
#include "shim/shim.h"
#include "shim/intercept.h"
#include "shim/symtab.h"

#define MAX_OBJS 32

struct objs {
	int n, seen_main, libc;
	struct nc__symtab t[MAX_OBJS];
};

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	struct objs *o = data;
	const ElfW(Dyn) *dyn = NULL;
	const char *base;

	(void)size;
	if (!o->seen_main) { /* the program itself comes first */
		o->seen_main = 1;
		return 0;
	}
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
						  info->dlpi_phdr[i].p_vaddr);
	if (o->n == MAX_OBJS ||
	    nc__symtab_init(&o->t[o->n], info->dlpi_addr, dyn) < 0)
		return 0; /* the vDSO may have no table: nothing to find */
	base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	if (base && !strcmp(base, "/libc.so.6"))
		o->libc = o->n + 1;
	o->n++;
	return 0;
}

static struct objs objs;

/* The first definition after the program, as the shim would take it:
 * 1 and *@p, 0 when none, NC__SYMTAB_INDIRECT for a special one. */
static int next_def(const char *name, void **p)
{
	uint32_t h = nc__symtab_hash(name);

	for (int i = 0; i < objs.n; i++) {
		int r = nc__symtab_find(&objs.t[i], name, h, p);

		if (r)
			return r;
	}
	return 0;
}

static void load(void)
{
	if (!objs.n)
		dl_iterate_phdr(collect, &objs);
	ASSERT(objs.libc > 0);
}

/* @name resolves alike both ways; returns how it was found. */
static int same(const char *name)
{
	void *mine = NULL, *theirs = dlsym(RTLD_NEXT, name);
	int r = next_def(name, &mine);

	if (r == NC__SYMTAB_INDIRECT)
		return r; /* the shim asks dlsym() for these */
	if (mine != theirs)
		NC_FAIL("%s: symtab %p, dlsym %p", name, mine, theirs);
	return r;
}

TEST(symtab_every_wrapped_name_as_dlsym)
{
	int found = 0, rows = 0;

	load();
#define NC__SAME(how, fb, fam, ret, name, params, args) \
	rows++;                                         \
	found += same(#name) == 1;
	NC_INTERCEPTS(NC__SAME)
#undef NC__SAME
	/* Nearly all exist in this C library (a few may exist only as
	 * hidden compatibility versions, which neither finds). */
	ASSERT(found > rows * 3 / 4);
}

/* libc.so.6's own definition, read from its table alone (a sanitizer's
 * runtime, linked before it, defines some of these names too). */
static int libc_find(const char *name, void **p)
{
	return nc__symtab_find(&objs.t[objs.libc - 1], name,
			       nc__symtab_hash(name), p);
}

static void *libc_handle(void)
{
	void *h = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);

	ASSERT(h != NULL);
	return h;
}

TEST(symtab_versions_as_dlsym)
{
	void *p, *libc;

	load();
	libc = libc_handle();
	/* realpath@GLIBC_2.2.5 (hidden) and realpath@@GLIBC_2.3. */
	ASSERT_EQ(libc_find("realpath", &p), 1);
	ASSERT(p == dlsym(libc, "realpath"));
	ASSERT(p == dlvsym(libc, "realpath", "GLIBC_2.3"));
	ASSERT(p != dlvsym(libc, "realpath", "GLIBC_2.2.5"));
	/* posix_spawn: an old hidden version and the default one. */
	ASSERT_EQ(libc_find("posix_spawn", &p), 1);
	ASSERT(p == dlsym(libc, "posix_spawn"));
	/* Only a hidden version (kept for old binaries since glibc 2.34):
	 * not found either way. */
	ASSERT(dlvsym(libc, "__malloc_hook", "GLIBC_2.2.5") != NULL);
	ASSERT(dlsym(libc, "__malloc_hook") == NULL);
	ASSERT_EQ(libc_find("__malloc_hook", &p), 0);
	/* And the first definition after the program, whoever has it. */
	ASSERT_EQ(same("nc_no_such_symbol_anywhere"), 0);
	ASSERT_EQ(same("realpath"), 1);
	ASSERT_EQ(same("malloc"), 1);
	ASSERT_EQ(same("stat"), 1);
	dlclose(libc);
}

TEST(symtab_indirect_functions_are_told_apart)
{
	void *p, *libc;

	load();
	libc = libc_handle();
	/* strlen is an indirect function in glibc on x86-64 and arm64: its
	 * symbol's value is the resolver, which the shim never calls. */
	ASSERT_EQ(libc_find("strlen", &p), NC__SYMTAB_INDIRECT);
	ASSERT(p != dlsym(libc, "strlen"));
	dlclose(libc);
}

TEST(symtab_missing_tables_are_refused)
{
	struct nc__symtab t;
	ElfW(Dyn) only_strtab[] = {{.d_tag = DT_STRTAB, .d_un.d_ptr = 64},
				   {.d_tag = DT_NULL}};

	ASSERT_EQ(nc__symtab_init(&t, 4096, NULL), -1);
	ASSERT_EQ(nc__symtab_init(&t, 4096, only_strtab), -1);
}

TEST(symtab_hash_is_the_gnu_hash)
{
	/* Values from the GNU hash's definition (h = h * 33 + c from 5381). */
	ASSERT_EQ(nc__symtab_hash(""), 5381u);
	ASSERT_EQ(nc__symtab_hash("a"), 5381u * 33 + 'a');
	ASSERT_EQ(nc__symtab_hash("printf"), 0x156b2bb8u);
}

int main(int argc, char **argv)
{
	return nc_test_main(argc, argv);
}
