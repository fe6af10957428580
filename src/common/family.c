/* Report names of the call families (see family.h). */
#include "family.h"

#include <string.h>

/* The name of @i in @names (@n of them), or NULL when out of range. */
static const char *name_at(const char *const *names, int n, int i)
{
	return i < 0 || i >= n ? NULL : names[i];
}

/* The index of the name of @len bytes at @name in @names from @first on,
 * or -1. */
static int index_of(const char *const *names, int first, int n,
		    const char *name, unsigned long len)
{
	for (int i = first; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return i;
	return -1;
}

static const char *const family_names[NC_FAM_COUNT] = {
#define NC__FAMILY_NAME(id, name, lookup) [NC_FAM_##id] = name,
    NC_FAMILIES(NC__FAMILY_NAME)
#undef NC__FAMILY_NAME
};

const char *nc__family_name(int fam)
{
	return name_at(family_names, NC_FAM_COUNT, fam);
}

int nc__family_lookup(const char *name, unsigned long len)
{
	return index_of(family_names, 0, NC_FAM_COUNT, name, len);
}

static const char *const doubt_names[NC_DOUBT_COUNT] = {
#define NC__DOUBT_NAME(id, name) [NC_DOUBT_##id] = name,
    NC_DOUBTS(NC__DOUBT_NAME)
#undef NC__DOUBT_NAME
};

const char *nc__doubt_name(int doubt)
{
	return name_at(doubt_names, NC_DOUBT_COUNT, doubt);
}

int nc__doubt_lookup(const char *name, unsigned long len)
{
	return index_of(doubt_names, 0, NC_DOUBT_COUNT, name, len);
}

static const char *const exec_names[NC_EXEC_COUNT] = {
#define NC__EXEC_NAME(id, name) [NC_EXEC_##id] = name,
    NC_EXECS(NC__EXEC_NAME)
#undef NC__EXEC_NAME
};

const char *nc__exec_name(int fate)
{
	return name_at(exec_names, NC_EXEC_COUNT, fate);
}

int nc__exec_lookup(const char *name, unsigned long len)
{
	return index_of(exec_names, 0, NC_EXEC_COUNT, name, len);
}

static const char *const why_names[NC_WHY_COUNT] = {
#define NC__WHY_NAME(id, name) [NC_WHY_##id] = name,
    NC_WHYS(NC__WHY_NAME)
#undef NC__WHY_NAME
};

const char *nc__why_name(int why)
{
	return name_at(why_names, NC_WHY_COUNT, why);
}

/* NONE's name is empty: never looked up. */
int nc__why_lookup(const char *name, unsigned long len)
{
	return index_of(why_names, 1, NC_WHY_COUNT, name, len);
}
