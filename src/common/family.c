/* Report names of the call families (see family.h). */
#include "family.h"

#include <string.h>

static const char *const family_names[NC_FAM_COUNT] = {
#define NC__FAMILY_NAME(id, name, lookup) [NC_FAM_##id] = name,
    NC_FAMILIES(NC__FAMILY_NAME)
#undef NC__FAMILY_NAME
};

const char *nc__family_name(int fam)
{
	if (fam < 0 || fam >= NC_FAM_COUNT)
		return NULL;
	return family_names[fam];
}

int nc__family_lookup(const char *name, unsigned long len)
{
	for (int i = 0; i < NC_FAM_COUNT; i++)
		if (strlen(family_names[i]) == len &&
		    memcmp(family_names[i], name, len) == 0)
			return i;
	return -1;
}

static const char *const doubt_names[NC_DOUBT_COUNT] = {
#define NC__DOUBT_NAME(id, name) [NC_DOUBT_##id] = name,
    NC_DOUBTS(NC__DOUBT_NAME)
#undef NC__DOUBT_NAME
};

const char *nc__doubt_name(int doubt)
{
	if (doubt < 0 || doubt >= NC_DOUBT_COUNT)
		return NULL;
	return doubt_names[doubt];
}

int nc__doubt_lookup(const char *name, unsigned long len)
{
	for (int i = 0; i < NC_DOUBT_COUNT; i++)
		if (strlen(doubt_names[i]) == len &&
		    memcmp(doubt_names[i], name, len) == 0)
			return i;
	return -1;
}

static const char *const exec_names[NC_EXEC_COUNT] = {
#define NC__EXEC_NAME(id, name) [NC_EXEC_##id] = name,
    NC_EXECS(NC__EXEC_NAME)
#undef NC__EXEC_NAME
};

const char *nc__exec_name(int fate)
{
	if (fate < 0 || fate >= NC_EXEC_COUNT)
		return NULL;
	return exec_names[fate];
}

int nc__exec_lookup(const char *name, unsigned long len)
{
	for (int i = 0; i < NC_EXEC_COUNT; i++)
		if (strlen(exec_names[i]) == len &&
		    memcmp(exec_names[i], name, len) == 0)
			return i;
	return -1;
}

static const char *const why_names[NC_WHY_COUNT] = {
#define NC__WHY_NAME(id, name) [NC_WHY_##id] = name,
    NC_WHYS(NC__WHY_NAME)
#undef NC__WHY_NAME
};

const char *nc__why_name(int why)
{
	if (why < 0 || why >= NC_WHY_COUNT)
		return NULL;
	return why_names[why];
}

int nc__why_lookup(const char *name, unsigned long len)
{
	for (int i = 1; i < NC_WHY_COUNT; i++)
		if (strlen(why_names[i]) == len &&
		    memcmp(why_names[i], name, len) == 0)
			return i;
	return -1;
}
